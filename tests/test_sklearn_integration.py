"""The estimators inside scikit-learn's machinery: pipelines, CV, searches, persistence."""

import pickle

import joblib
import numpy as np
import pytest
from conftest import TINY
from numpy.testing import assert_array_equal
from scipy.stats import loguniform, randint
from sklearn.base import clone
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneural import CNNClassifier, CNNRegressor


def test_pipeline_with_scaler(digits):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), CNNClassifier(random_state=0, max_epochs=15))
    pipe.fit(X[:300], y[:300])
    assert pipe.score(X[300:], y[300:]) > 0.8
    assert pipe[-1].image_shape_ == (1, 8, 8)


def test_cross_val_score(digits):
    X, y = digits
    scores = cross_val_score(CNNClassifier(random_state=0, max_epochs=8), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.75


def test_grid_search(digits):
    X, y = digits
    grid = {"n_filters": [4, 8], "lr": [0.01, 0.05]}
    search = GridSearchCV(CNNClassifier(random_state=0, hidden_units=32, max_epochs=10), grid, cv=2)
    search.fit(X, y)
    assert set(search.best_params_) == {"n_filters", "lr"}
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.n_filters == search.best_params_["n_filters"]
    assert search.score(X, y) > 0.5


def test_randomized_search_with_scipy_distributions(digits):
    X, y = digits
    space = {"lr": loguniform(1e-4, 1e-2), "hidden_units": randint(8, 32), "dropout": [0.0, 0.3]}
    search = RandomizedSearchCV(
        CNNClassifier(random_state=0, **dict(TINY, max_epochs=2)),
        space,
        n_iter=3,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert 1e-4 <= search.best_params_["lr"] <= 1e-2
    assert 8 <= search.best_params_["hidden_units"] < 32


def test_bayes_search(digits):
    skopt = pytest.importorskip("skopt")
    from skopt.space import Categorical, Integer, Real

    X, y = digits
    space = {
        "lr": Real(1e-4, 1e-2, prior="log-uniform"),
        "n_filters": Integer(2, 8),
        "optimizer": Categorical(["adam", "sgd"]),
    }
    search = skopt.BayesSearchCV(
        CNNClassifier(random_state=0, **dict(TINY, max_epochs=2)),
        space,
        n_iter=4,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["optimizer"] in {"adam", "sgd"}
    assert search.best_estimator_.n_iter_ == 2


def test_halving_search_over_epochs(digits):
    X, y = digits
    search = HalvingGridSearchCV(
        CNNClassifier(random_state=0, n_filters=4, hidden_units=16),
        {"lr": [3e-4, 1e-3, 3e-3, 1e-2]},
        resource="max_epochs",
        min_resources=1,
        max_resources=4,
        factor=2,
        cv=2,
    ).fit(X, y)
    assert list(search.n_resources_) == [1, 2, 4]
    assert search.best_estimator_.max_epochs == 4
    assert search.best_estimator_.n_iter_ == 4


def test_regressor_in_search():
    rng = np.random.RandomState(0)
    X = rng.rand(120, 4, 4)
    y = X.sum(axis=(1, 2))
    search = GridSearchCV(CNNRegressor(random_state=0, **TINY), {"loss": ["mse", "huber"]}, cv=2)
    assert search.fit(X, y).best_params_["loss"] in {"mse", "huber"}


def test_clone_and_params():
    clf = CNNClassifier(n_filters=7, lr=0.01, rotation=5.0, callbacks=[])
    params = clf.get_params()
    assert params["n_filters"] == 7 and params["rotation"] == 5.0
    assert set(params) >= {
        "lr",
        "batch_size",
        "max_epochs",
        "optimizer",
        "momentum",
        "weight_decay",
        "loss",
        "early_stopping",
        "validation_fraction",
        "n_iter_no_change",
        "tol",
        "clip_grad_norm",
        "lr_schedule",
        "class_weight",
        "random_state",
        "device",
        "verbose",
        "warm_start",
        "tensorboard_dir",
        "callbacks",
    }
    twin = clone(clf)
    assert twin.get_params() == params and twin is not clf
    assert clf.set_params(n_filters=3, lr=0.1) is clf
    assert clf.n_filters == 3 and clf.lr == 0.1
    with pytest.raises(ValueError, match="Invalid parameter 'n_filter'"):
        clf.set_params(n_filter=3)


def test_clone_of_fitted_is_unfitted(digits):
    X, y = digits
    clf = CNNClassifier(**TINY).fit(X, y)
    assert not hasattr(clone(clf), "net_")


@pytest.mark.parametrize("Estimator", [CNNClassifier, CNNRegressor])
def test_pickle_and_joblib_round_trips(digits, tmp_path, Estimator):
    X, y = digits
    est = Estimator(random_state=0, batch_norm=True, **TINY).fit(X, y)
    expected = est.predict(X)
    restored = pickle.loads(pickle.dumps(est))
    assert_array_equal(restored.predict(X), expected)
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    assert_array_equal(joblib.load(path).predict(X), expected)
    if Estimator is CNNClassifier:
        assert_array_equal(restored.predict_proba(X), est.predict_proba(X))


def test_pickled_model_keeps_training(digits):
    X, y = digits
    clf = CNNClassifier(warm_start=True, random_state=0, **TINY).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    restored.fit(X, y)
    assert restored.n_iter_ == 2 * TINY["max_epochs"]
