"""The shared estimator core: the estimator base, tasks, training and the data path."""
