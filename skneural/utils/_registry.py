"""The one list of skneural's public estimators.

It drives the estimator checks and the parametrized tests, and the docs' API
page, as :func:`sklearn.utils.discovery.all_estimators` does for
scikit-learn: a new public estimator exported from ``skneural`` is checked
and documented without being listed anywhere else.
"""

from __future__ import annotations

import inspect

from sklearn.base import BaseEstimator, is_classifier, is_regressor

_FILTERS = {
    "classifier": is_classifier,
    "regressor": is_regressor,
    "transformer": lambda est: hasattr(est, "transform"),
}


def all_estimators(type_filter=None) -> list[tuple[str, type]]:
    """The public estimators of skneural, as ``(name, class)`` pairs sorted by name.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer"}, list of them or None, \
default=None
        Only the estimators of these kinds (an estimator may be of several:
        the transfer estimators are transformers too); None for all.

    Returns
    -------
    estimators : list of (str, type)
        Names and classes.

    Examples
    --------
    >>> from skneural.utils import all_estimators
    >>> [name for name, _ in all_estimators(type_filter="regressor")]
    ['CNNRegressor', 'LSTMRegressor', 'ResNetRegressor', 'TransferRegressor']
    """
    import skneural

    estimators = [
        (name, obj)
        for name in skneural.__all__
        if inspect.isclass(obj := getattr(skneural, name)) and issubclass(obj, BaseEstimator)
    ]
    if type_filter is not None:
        kinds = [type_filter] if isinstance(type_filter, str) else list(type_filter)
        unknown = set(kinds) - set(_FILTERS)
        if unknown:
            raise ValueError(
                f"type_filter must be None or among {sorted(_FILTERS)}; got {sorted(unknown)}."
            )
        # the checks read the tags of a default instance, as scikit-learn's do
        estimators = [
            (name, cls) for name, cls in estimators if any(_FILTERS[k](cls()) for k in kinds)
        ]
    return sorted(estimators)
