"""scikit-learn's own estimator checks, on the estimators as constructed by default."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skneural import CNNClassifier, CNNRegressor

# Integer sample weights equal repeated samples exactly only when every fit
# sees the same batches and the same noise: with minibatches (the default
# batch_size is below the check's ~30 repeated samples), the weighted and the
# repeated fit draw different batches and dropout masks. With one full batch
# and no dropout they agree to float32 rounding (see
# test_training.py::test_integer_sample_weight_equals_repetition).
SAMPLE_WEIGHT_REASON = (
    "stochastic training: minibatch order and dropout masks differ between the "
    "weighted and the repeated data; equivalent up to float32 rounding with one "
    "full batch and no dropout (tested separately)"
)


def expected_failed_checks(estimator):
    return {"check_sample_weight_equivalence_on_dense_data": SAMPLE_WEIGHT_REASON}


@parametrize_with_checks(
    [CNNClassifier(), CNNRegressor()], expected_failed_checks=expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
