"""The interface every input kind implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from types import MappingProxyType

from sklearn.utils.validation import _get_feature_names, check_array, validate_data
from torch import nn

from skneural._core._stats import weighted_mean_std
from skneural.nn import Standardize


class InputAdapter(ABC):
    """How an estimator reads X: validation, what is learned at fit time, batches.

    A family creates an unfitted adapter from its parameters; the estimator's
    ``fit`` calls :meth:`fit_transform` on the training X and keeps the
    fitted adapter as ``input_``; ``predict`` (and a warm-started or partial
    fit) calls :meth:`transform`. Both return the inputs as the data path
    takes them (see :mod:`skneural._core._data`): a numpy array or tensor, a
    tuple of them (passed to the network as separate arguments), or a batch
    source with ``take(index)``. What is learned ends with ``_``.

    Bad input raises a ``ValueError`` or ``TypeError`` naming the problem,
    before any tensor is built. ``estimator`` is the estimator being fitted,
    used for messages and scikit-learn's column checks.
    """

    #: values of the estimator's train-time augmentation parameters, which
    #: :meth:`augmentation` reads (refreshed from the estimator on a continued fit)
    augmentation_params: Mapping = MappingProxyType({})

    #: whether convolutions read this kind's batches faster in channels-last
    #: memory (images and volumes: see :mod:`skneural._core._hardware`)
    channels_last: bool = False

    @abstractmethod
    def fit_transform(self, X, estimator):
        """Validate the training X, learn what the network needs, return its batch data."""

    @abstractmethod
    def transform(self, X, estimator):
        """Validate X against what :meth:`fit_transform` learned; return its batch data."""

    def standardizer(self, data, sample_weight, index) -> nn.Module | None:
        """The input standardization learned from the rows ``index`` of ``data``, or None."""
        return None

    def augmentation(self) -> nn.Module | None:
        """A module applied to training batches only (augmentation), or None."""
        return None

    # ------------------------------------------------------------------
    # shared helpers

    def _columns(self, X, estimator, *, reset: bool, dtype):
        """Validate a 2-D X; on ``reset`` learn ``n_features_in_`` and ``feature_names_in_``.

        At predict time this is scikit-learn's own ``validate_data``, whose
        messages name the estimator (whose ``n_features_in_`` and
        ``feature_names_in_`` read this adapter's).
        """
        if not reset:
            return validate_data(estimator, X, reset=False, dtype=dtype)
        names = _get_feature_names(X)
        X = check_array(X, dtype=dtype, input_name="X", estimator=estimator)
        self.n_features_in_ = X.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        return X


def channel_standardizer(X, axis, sample_weight, index) -> Standardize:
    """A :class:`~skneural.nn.Standardize` with the weighted statistics of X along ``axis``."""
    mean, std = weighted_mean_std(X, axis, sample_weight, index)
    return Standardize(mean, std)
