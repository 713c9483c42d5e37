"""CNNClassifier / CNNRegressor: inputs, labels, outputs."""

import numpy as np
import pytest
import torch
from conftest import TINY
from numpy.testing import assert_allclose, assert_array_equal

from skneural import CNNClassifier, CNNRegressor


@pytest.mark.parametrize(
    "shape, image_shape, expected",
    [
        ((64,), None, (1, 8, 8)),  # perfect square: one-channel square image
        ((10,), None, (1, 1, 10)),  # anything else: a one-row image
        ((48,), (4, 12), (1, 4, 12)),
        ((48,), (3, 4, 4), (3, 4, 4)),
        ((8, 8), None, (1, 8, 8)),
        ((3, 5, 7), None, (3, 5, 7)),
        ((3, 5, 7), (3, 5, 7), (3, 5, 7)),
    ],
)
def test_input_layouts(shape, image_shape, expected):
    rng = np.random.RandomState(0)
    X = rng.rand(40, *shape).astype(np.float32)
    y = rng.randint(0, 2, 40)
    clf = CNNClassifier(image_shape=image_shape, random_state=0, **TINY).fit(X, y)
    assert clf.image_shape_ == expected
    assert clf.n_features_in_ == int(np.prod(shape))
    assert clf.predict(X).shape == (40,)


def test_flat_and_image_inputs_give_the_same_model(digits):
    X, y = digits
    flat = CNNClassifier(random_state=0, **TINY).fit(X, y)
    images = CNNClassifier(random_state=0, **TINY).fit(X.reshape(-1, 8, 8), y)
    assert_allclose(flat.predict_proba(X), images.predict_proba(X.reshape(-1, 1, 8, 8)), rtol=1e-6)
    # a model fitted on images predicts on the flat form and vice versa
    assert_array_equal(images.predict(X), flat.predict(X.reshape(-1, 8, 8)))


@pytest.mark.parametrize("size", [(1, 1), (1, 2), (2, 1), (3, 3), (5, 2)])
def test_tiny_images_train(size):
    rng = np.random.RandomState(0)
    X = rng.rand(30, *size)
    y = (X.reshape(30, -1).sum(axis=1) > X.size / 60).astype(int)
    clf = CNNClassifier(n_conv_layers=3, random_state=0, **TINY).fit(X, y)
    assert clf.predict(X).shape == (30,)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.uint8, bool])
def test_input_dtypes(digits, dtype):
    X, y = digits
    X = (X > 8) if dtype is bool else X.astype(dtype)
    clf = CNNClassifier(random_state=0, **TINY).fit(X, y)
    assert clf.predict(X).shape == y.shape


def test_uint8_and_float_inputs_learn_the_same_model(digits):
    X, y = digits
    X8 = X.astype(np.uint8)
    a = CNNClassifier(random_state=0, **TINY).fit(X8, y)
    b = CNNClassifier(random_state=0, **TINY).fit(X8.astype(np.float64), y)
    assert_allclose(a.predict_proba(X8), b.predict_proba(X8.astype(np.float64)), rtol=1e-5)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["cat", "dog", "emu"]),
        np.array([3, 7, 9]),
        np.array([-1.0, 0.0, 2.0]),
        np.array([True, False]),
    ],
    ids=["strings", "ints", "floats", "bools"],
)
def test_labels_of_any_kind_round_trip(digits, labels):
    X, y = digits
    y_labels = labels[y % len(labels)]
    clf = CNNClassifier(random_state=0, **TINY).fit(X, y_labels)
    assert_array_equal(clf.classes_, np.unique(labels))
    predicted = clf.predict(X)
    assert predicted.dtype == clf.classes_.dtype
    assert set(predicted) <= set(labels)
    assert clf.predict_proba(X).shape == (len(X), len(labels))


def test_binary_outputs(digits):
    X, y = digits
    clf = CNNClassifier(random_state=0, max_epochs=8).fit(X, y == 3)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert_allclose(proba.sum(axis=1), 1.0)
    decision = clf.decision_function(X)
    assert decision.shape == (len(X),)
    # the decision is the log-odds of classes_[1]
    assert_allclose(1 / (1 + np.exp(-decision)), proba[:, 1], rtol=1e-5)
    assert_array_equal(clf.predict(X), clf.classes_[(decision > 0).astype(int)])
    assert clf.score(X, y == 3) > 0.95


def test_classifier_learns_digits(digits):
    X, y = digits
    clf = CNNClassifier(random_state=0, max_epochs=10).fit(X[:300], y[:300])
    assert clf.score(X[300:], y[300:]) > 0.85


def test_regressor_standardizes_the_target():
    """A target far from 0 with a small spread (a price) is learned, not predicted as its mean."""
    rng = np.random.RandomState(0)
    X = rng.rand(400, 8, 8).astype(np.float32)
    signal = X[:, :4, :4].mean(axis=(1, 2))
    y = 250_000 + 40_000 * signal
    reg = CNNRegressor(random_state=0, max_epochs=30).fit(X[:300], y[:300])
    assert reg.score(X[300:], y[300:]) > 0.8
    assert reg.predict(X).dtype == np.float64
    # the network itself trains on the standardized target
    outputs = reg._forward(X[:5])
    assert np.abs(outputs).max() < 10


def test_multi_output_regression():
    rng = np.random.RandomState(0)
    X = rng.rand(300, 8, 8)
    Y = np.column_stack([X[:, :4].mean(axis=(1, 2)) * 100, -X[:, 4:].mean(axis=(1, 2)) + 5])
    reg = CNNRegressor(random_state=0, max_epochs=30).fit(X, Y)
    assert reg.n_outputs_ == 2
    assert reg.predict(X).shape == (300, 2)
    assert reg.score(X, Y) > 0.7
    single = CNNRegressor(random_state=0, **TINY).fit(X, Y[:, :1])  # a column is one output
    assert single.predict(X).shape == (300, 1)


def test_predictions_do_not_depend_on_batching(digits):
    """A sample's prediction is the same, to the bit, whatever it is predicted with."""
    X, y = digits
    clf = CNNClassifier(random_state=0, batch_norm=True, **TINY).fit(X, y)
    full = clf.predict_proba(X)
    one_by_one = np.vstack([clf.predict_proba(X[i : i + 1]) for i in range(20)])
    assert_array_equal(one_by_one, full[:20])
    order = np.random.RandomState(0).permutation(len(X))
    assert_array_equal(clf.predict_proba(X[order]), full[order])
    reg = CNNRegressor(random_state=0, **TINY).fit(X, y.astype(float))
    assert_array_equal(reg.predict(X[order][:7]), reg.predict(X)[order][:7])


def test_module_takes_raw_inputs(digits):
    """module_ carries the standardization learned in fit: raw images in, logits out."""
    X, y = digits
    # float32: the module called by hand runs without autocast
    clf = CNNClassifier(precision="32", random_state=0, **TINY).fit(X, y)
    assert list(dict(clf.module_.named_children())) == ["standardize", "network"]
    mean = clf.module_.standardize.mean.item()
    assert mean == pytest.approx(X.mean(), rel=1e-5)
    with torch.inference_mode():
        logits = clf.module_.eval()(torch.tensor(X[:7].reshape(-1, 1, 8, 8), dtype=torch.float32))
    assert_allclose(clf.decision_function(X[:7]), logits.numpy(), rtol=1e-5, atol=1e-6)


def test_normalize_false_has_no_standardization(digits):
    X, y = digits
    clf = CNNClassifier(normalize=False, random_state=0, **TINY).fit(X, y)
    assert not hasattr(clf.module_, "standardize")


def test_architecture_parameters(digits):
    X, y = digits
    clf = CNNClassifier(
        n_conv_layers=3,
        n_filters=8,
        kernel_size=5,
        hidden_units=20,
        dropout=0.5,
        batch_norm=True,
        max_epochs=1,
        random_state=0,
    ).fit(X, y)
    network = clf.module_.network
    convs = [m for m in network.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [8, 16, 32]
    assert all(c.kernel_size == (5, 5) for c in convs)
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in network.modules()) == 3
    dense = [m for m in network.modules() if isinstance(m, torch.nn.Linear)]
    assert dense[0].out_features == 20 and dense[-1].out_features == 10
    assert [m.p for m in network.modules() if isinstance(m, torch.nn.Dropout)] == [0.5]
