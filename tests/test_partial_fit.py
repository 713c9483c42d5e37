"""partial_fit: one epoch per call, with scikit-learn's semantics."""

import numpy as np
import pytest
import torch
from conftest import SMALL_LSTM, TINY
from numpy.testing import assert_array_equal

from skneural import CNNClassifier, CNNRegressor, LSTMClassifier


def steps_taken(estimator):
    return int(next(iter(estimator.net_.optimizer_.state.values()))["step"])


def test_one_epoch_per_call_keeping_the_optimizer_state(digits):
    X, y = digits
    # Adam: its state counts the steps
    clf = CNNClassifier(optimizer="adam", lr=2e-3, random_state=0, **TINY)
    clf.partial_fit(X, y, classes=np.arange(10))
    steps = steps_taken(clf)
    assert clf.n_iter_ == 1 and steps == -(-len(X) // TINY["batch_size"])
    weights = clf.module_.network.head[-1].weight.detach().clone()
    optimizer = clf.net_.optimizer_
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 2
    assert clf.net_.optimizer_ is optimizer and steps_taken(clf) == 2 * steps
    assert not torch.equal(weights, clf.module_.network.head[-1].weight)
    # a constant learning rate: no schedule decays it within or across calls
    assert [row["lr"] for row in clf.history_] == [clf.lr, clf.lr]


def test_partial_fit_learns(digits):
    X, y = digits
    clf = CNNClassifier(random_state=0, **TINY)
    classes = np.unique(y)
    for _ in range(10):
        clf.partial_fit(X, y, classes=classes)
    assert clf.score(X, y) > 0.7  # chance is 0.1


def test_classes_given_on_the_first_call_may_exceed_the_first_labels(digits):
    X, y = digits
    first = y < 5
    clf = CNNClassifier(random_state=0, **TINY).partial_fit(
        X[first], y[first], classes=np.arange(10)
    )
    assert_array_equal(clf.classes_, np.arange(10))
    assert clf.predict_proba(X[:3]).shape == (3, 10)
    clf.partial_fit(X[~first], y[~first])  # the other labels, announced on the first call
    assert set(clf.predict(X)) <= set(range(10))


def test_partial_fit_errors(digits):
    X, y = digits
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        CNNClassifier(**TINY).partial_fit(X, y)
    clf = CNNClassifier(**TINY).partial_fit(X[y < 5], y[y < 5], classes=np.arange(5))
    with pytest.raises(ValueError, match=r"labels \[5, 6, 7, 8, 9\] not seen in the first fit"):
        clf.partial_fit(X, y)
    with pytest.raises(ValueError, match="is not the same as on the first call"):
        clf.partial_fit(X[y < 5], y[y < 5], classes=np.arange(6))
    with pytest.raises(ValueError, match="X has 63 features, but CNNClassifier is expecting 64"):
        clf.partial_fit(X[:, :63], y)
    with pytest.raises(ValueError, match="'lr' parameter"):
        CNNClassifier(lr=-1.0).partial_fit(X, y, classes=np.arange(10))


def test_regressor_partial_fit_keeps_the_target_scaling():
    rng = np.random.RandomState(0)
    X = rng.rand(200, 8, 8).astype(np.float32)
    y = 500 + 10 * X[:, :4, :4].mean(axis=(1, 2))
    reg = CNNRegressor(random_state=0, **TINY).partial_fit(X, y)
    scale = reg.task_.scale_.copy()
    reg.partial_fit(X, y + 1000)  # the scaling of the first call is kept
    assert_array_equal(reg.task_.scale_, scale) and reg.n_iter_ == 2
    with pytest.raises(ValueError, match="y has 2 outputs, but CNNRegressor was fitted with 1"):
        reg.partial_fit(X, np.column_stack([y, y]))


@pytest.mark.usefixtures("one_torch_thread")
def test_sequences_partial_fit():
    rng = np.random.RandomState(0)
    X = [rng.randn(2, rng.randint(2, 9)) for _ in range(40)]
    y = np.array([int(x[0].sum() > 0) for x in X])
    clf = LSTMClassifier(random_state=0, batch_size=16, **SMALL_LSTM)
    clf.partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)
    assert clf.n_iter_ == 2 and clf.predict(X).shape == (40,)
    with pytest.raises(ValueError, match="3 channels, but LSTMClassifier was fitted with 2"):
        clf.partial_fit([rng.randn(3, 4)], [0])


def test_a_scoring_that_needs_probabilities_is_refused_with_hinge(digits):
    X, y = digits
    clf = CNNClassifier(loss="hinge", early_stopping=True, scoring="neg_log_loss", **TINY)
    with pytest.raises(ValueError, match="scoring='neg_log_loss' needs predict_proba"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")  # refused before training
    # a scorer that takes labels works with hinge margins
    clf.set_params(scoring="f1_macro").fit(X, y)
    assert np.isfinite(clf.best_validation_score_)
