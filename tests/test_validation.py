"""Bad input and bad parameters: clear errors, raised before any tensor is built."""

import traceback

import numpy as np
import pytest
from conftest import TINY

from skneural import CNNClassifier, CNNRegressor

rng = np.random.RandomState(0)
X = rng.rand(20, 16)
y = np.arange(20) % 2


def raised_outside_torch(excinfo):
    """True when no frame of the traceback is in torch or skorch."""
    frames = traceback.extract_tb(excinfo.value.__traceback__)
    return not any("/torch/" in f.filename or "/skorch/" in f.filename for f in frames)


def fit_error(estimator, X, y, error, match, **fit_params):
    with pytest.raises(error, match=match) as excinfo:
        estimator.fit(X, y, **fit_params)
    assert raised_outside_torch(excinfo), excinfo.traceback
    assert not hasattr(estimator, "net_")


@pytest.mark.parametrize(
    "X_bad, match",
    [
        (np.where(np.eye(20, 16) == 1, np.nan, X), "Input X contains NaN"),
        (np.where(np.eye(20, 16) == 1, np.inf, X), "Input X contains infinity"),
        (np.empty((0, 16)), "0 sample"),
        (np.empty((20, 0)), "0 feature"),
        (X[:, 0], "Expected 2D array, got 1D array"),
        (X.reshape(20, 1, 2, 2, 4), r"spatial_dims=2\) expects X of shape \(n, height, width\)"),
        (np.full((20, 16), "a"), "could not convert string to float"),
        ([[1, 2], [3]] * 10, "one shape"),
    ],
    ids=["nan", "inf", "no samples", "no features", "1d", "5d", "strings", "ragged"],
)
def test_bad_X(X_bad, match):
    fit_error(CNNClassifier(**TINY), X_bad, y, ValueError, match)


def test_bad_y():
    fit_error(CNNClassifier(**TINY), X, y[:-1], ValueError, "inconsistent numbers of samples")
    fit_error(CNNClassifier(**TINY), X, np.zeros(20), ValueError, "only one class")
    fit_error(CNNClassifier(**TINY), X, None, ValueError, "requires y to be passed")
    fit_error(CNNClassifier(**TINY), X, rng.rand(20), ValueError, "Unknown label type")
    fit_error(CNNRegressor(**TINY), X, np.full(20, np.nan), ValueError, "Input y contains NaN")
    fit_error(CNNRegressor(**TINY), X, ["a"] * 20, ValueError, "could not convert")


def test_bad_sample_weight():
    fit_error(
        CNNClassifier(**TINY), X, y, ValueError, "Negative values", sample_weight=-np.ones(20)
    )
    fit_error(
        CNNClassifier(**TINY), X, y, ValueError, "at least one non-zero", sample_weight=np.zeros(20)
    )
    fit_error(
        CNNClassifier(**TINY),
        X,
        y,
        ValueError,
        r"sample_weight.shape == \(3,\), expected \(20,\)",
        sample_weight=np.ones(3),
    )


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(lr=-0.1), ValueError, "'lr' parameter"),
        (dict(lr=0), ValueError, "'lr' parameter"),
        (dict(dropout=1.0), ValueError, "'dropout' parameter"),
        (dict(dropout=-0.1), ValueError, "'dropout' parameter"),
        (dict(batch_size=0), ValueError, "'batch_size' parameter"),
        (dict(batch_size=2.5), TypeError, "'batch_size' parameter"),
        (dict(max_epochs=0), ValueError, "'max_epochs' parameter"),
        (dict(optimizer="adagradx"), ValueError, "'optimizer' parameter"),
        (dict(optimizer=dict), TypeError, "torch.optim.Optimizer"),
        (dict(loss="mse"), ValueError, r"'loss' parameter of CNNClassifier must be a str among"),
        (dict(loss="l2"), ValueError, "'loss' parameter"),
        (dict(device="gpu"), ValueError, "device must be 'auto', 'cpu'"),
        (dict(device="cuda:x"), ValueError, "device must be"),
        (dict(device=3), ValueError, "'device' parameter"),
        (dict(lr_schedule="linear"), ValueError, "'lr_schedule' parameter"),
        (dict(validation_fraction=1.0), ValueError, "'validation_fraction' parameter"),
        (dict(n_iter_no_change=0), ValueError, "'n_iter_no_change' parameter"),
        (dict(momentum=1.5), ValueError, "'momentum' parameter"),
        (dict(weight_decay=-1), ValueError, "'weight_decay' parameter"),
        (dict(clip_grad_norm=0), ValueError, "'clip_grad_norm' parameter"),
        (dict(scoring="accuracyy"), ValueError, "not a valid scoring value"),
        (dict(class_weight="auto"), ValueError, "'class_weight' parameter"),
        (dict(n_conv_layers=0), ValueError, "'n_conv_layers' parameter"),
        (dict(kernel_size=0), ValueError, "'kernel_size' parameter"),
        (dict(rotation=200), ValueError, "'rotation' parameter"),
        (dict(image_shape=(5, 5)), ValueError, "holds 25 values per image, but X has 16 features"),
        (dict(image_shape=(4, -4)), ValueError, "image_shape must be a tuple of 2 or 3 positive"),
        (dict(image_shape="4x4"), ValueError, "'image_shape' parameter"),
        (dict(verbose=-1), ValueError, "'verbose' parameter"),
    ],
)
def test_bad_parameters(params, error, match):
    fit_error(CNNClassifier(**params), X, y, error, match)


def test_regressor_rejects_classification_loss():
    fit_error(
        CNNRegressor(loss="cross_entropy"),
        X,
        rng.rand(20),
        ValueError,
        r"'loss' parameter of CNNRegressor must be a str among",
    )


def test_image_shape_must_match_image_input():
    images = rng.rand(20, 4, 4)
    fit_error(CNNClassifier(image_shape=(2, 8)), images, y, ValueError, "does not match the images")


def test_predict_input_checks():
    clf = CNNClassifier(**TINY).fit(X, y)
    for X_bad, match in [
        (rng.rand(5, 9), "X has 9 features, but CNNClassifier is expecting 16 features"),
        (np.full((5, 16), np.nan), "Input X contains NaN"),
        (
            rng.rand(5, 2, 8),
            r"X has samples of shape \(2, 8\), but CNNClassifier was fitted on samples "
            r"of shape \(16,\)",
        ),
        (np.empty((0, 16)), "0 sample"),
    ]:
        with pytest.raises(ValueError, match=match) as excinfo:
            clf.predict(X_bad)
        assert raised_outside_torch(excinfo)
    # the same images in another valid layout are accepted
    assert clf.predict(X.reshape(20, 4, 4)).shape == (20,)
    assert clf.predict(X.reshape(20, 1, 4, 4)).shape == (20,)


def test_image_fitted_predict_checks_shape():
    images = rng.rand(20, 3, 4, 4)
    clf = CNNClassifier(**TINY).fit(images, y)
    with pytest.raises(ValueError, match=r"fitted on samples of shape \(3, 4, 4\)"):
        clf.predict(rng.rand(5, 4, 4, 3))
    assert clf.predict(images.reshape(20, -1)).shape == (20,)


def test_unfitted():
    from sklearn.exceptions import NotFittedError

    clf = CNNClassifier()
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(NotFittedError):
            getattr(clf, method)(X)
    with pytest.raises(NotFittedError):
        clf.module_  # noqa: B018
