"""Input validation shared by the estimators.

Everything here raises ``ValueError``/``TypeError`` naming the problem before
any tensor is built.
"""

from __future__ import annotations

import inspect
import numbers
import os

import numpy as np

# the folder of the skneural package (this file is skneural/_inputs/_validation.py)
_SKNEURAL_ROOT = os.path.dirname(os.path.dirname(__file__))


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


def find_stack_level() -> int:
    """The ``stacklevel`` of a warning that points at the first frame outside
    skneural, scikit-learn, skorch and joblib (the user's call, even through a
    ``Pipeline`` or a search run in this process)."""
    import joblib
    import sklearn
    import skorch

    packages = (sklearn, skorch, joblib)  # joblib: the workers of a search
    roots = (_SKNEURAL_ROOT, *(os.path.dirname(module.__file__) for module in packages))
    frame, level = inspect.currentframe(), 0
    while frame is not None and frame.f_code.co_filename.startswith(roots):
        frame, level = frame.f_back, level + 1
    return max(level, 1)
