"""Input validation shared by the estimators.

Everything here raises ``ValueError``/``TypeError`` naming the problem before
any tensor is built.
"""

from __future__ import annotations

import numbers
from math import prod

import numpy as np
from sklearn.utils.validation import check_array, validate_data


def _ndim(X) -> int:
    """Number of dimensions of array-like X, without trusting it to be an ndarray."""
    if hasattr(X, "ndim") and hasattr(X, "shape") and not isinstance(X, np.matrix):
        return X.ndim  # ndarray, DataFrame, tensor, sparse matrix
    try:
        return np.asarray(X).ndim
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            f"X must be an array of samples of one shape; converting it failed: {exc}"
        ) from exc


def validate_samples(
    estimator, X, *, reset: bool, dtype, max_ndim: int, accepted_shapes=None
) -> np.ndarray:
    """Validate ``X`` of shape ``(n_samples, ...)`` with up to ``max_ndim`` dims.

    2-D input goes through :func:`sklearn.utils.validation.validate_data`
    (feature names, ``n_features_in_``). Higher-dimensional input (images,
    sequences) is checked with ``allow_nd``; its ``n_features_in_`` is the
    number of values per sample, and at predict time its per-sample shape must
    be the fitted one, or the flat 2-D form of it.
    """
    ndim = _ndim(X)
    if ndim <= 2:
        X = validate_data(estimator, X, reset=reset, dtype=dtype)
        if reset:
            estimator._sample_shape = X.shape[1:]
        return X
    if ndim > max_ndim:
        raise ValueError(
            f"{type(estimator).__name__} expects X with 2 to {max_ndim} dimensions, "
            f"got an array with {ndim} dimensions."
        )
    X = check_array(X, allow_nd=True, dtype=dtype, input_name="X", estimator=estimator)
    sample_shape = X.shape[1:]
    if reset:
        estimator.n_features_in_ = prod(sample_shape)
        estimator._sample_shape = sample_shape
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    elif sample_shape != tuple(estimator._sample_shape) and sample_shape not in (
        accepted_shapes or ()
    ):
        fitted = tuple(estimator._sample_shape)
        raise ValueError(
            f"X has samples of shape {sample_shape}, but {type(estimator).__name__} was "
            f"fitted on samples of shape {fitted} (or {estimator.n_features_in_} features, "
            "flat)."
        )
    return X


def check_shape_param(value, name: str, lengths: tuple[int, ...]) -> tuple[int, ...]:
    """Check a shape-like parameter: a tuple of positive ints of an allowed length."""
    ok = (
        isinstance(value, tuple | list)
        and len(value) in lengths
        and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0 for v in value
        )
    )
    if not ok:
        options = " or ".join(str(n) for n in lengths)
        raise ValueError(f"{name} must be a tuple of {options} positive integers; got {value!r}.")
    return tuple(int(v) for v in value)
