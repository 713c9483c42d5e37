"""Sequences: token ids, or numeric sequences of any lengths, for the recurrent networks."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_array

from skneural._core._data import as_tensor
from skneural._core._stats import weighted_moments
from skneural._inputs._base import InputAdapter
from skneural._inputs._validation import _ndim
from skneural.nn import Standardize

INPUT_TYPES = ("auto", "tokens", "numeric")


class PaddedSequences:
    """Numeric sequences padded to a common length, with their real lengths.

    A batch source for the data path: ``take(index)`` returns the rows'
    ``(values, lengths)``, cut to the longest sequence among them.

    Parameters
    ----------
    values : ndarray of shape (n_samples, max_length, n_features), float32
    lengths : ndarray of shape (n_samples,), int64
    """

    def __init__(self, values: np.ndarray, lengths: np.ndarray):
        self.values = values
        self.lengths = lengths
        self._values = as_tensor(values)
        self._lengths = as_tensor(lengths)

    def __len__(self) -> int:
        return len(self.lengths)

    def take(self, index):
        lengths = self._lengths[index]
        longest = int(lengths.max()) if len(lengths) else 0
        return self._values[index][:, : max(longest, 1)], lengths


def _sequence_list(X, *, regular_as_array: bool) -> list | None:
    """``X`` as a list of per-sample sequences, if it is a list (or 1-D object array) of them.

    With ``regular_as_array``, a list of sequences that are all as long (a
    2-D or 3-D array as nested lists) is left to be read as that array, as
    scikit-learn reads a list of rows.
    """
    if isinstance(X, np.ndarray):
        if X.dtype != object or X.ndim != 1:
            return None
    elif not isinstance(X, list | tuple):
        return None
    if len(X) == 0 or not all(isinstance(x, list | tuple | np.ndarray) for x in X):
        return None
    if regular_as_array:
        try:
            array = np.asarray(X)
        except ValueError:  # ragged
            return list(X)
        if array.dtype != object and array.size:
            return None
    return list(X)


def _is_integral(array: np.ndarray) -> bool:
    if array.dtype.kind in "iu":
        return True
    return array.dtype.kind == "f" and bool(np.all(np.mod(array, 1) == 0))


def _check_token_ids(ids: np.ndarray, what: str) -> np.ndarray:
    if not _is_integral(ids):
        raise ValueError(f"{what} must hold integer token ids; got non-integer values.")
    if ids.size and ids.min() < 0:
        raise ValueError(
            f"{what} holds negative token ids (smallest {ids.min()}); token ids are "
            "0 (padding) or positive."
        )
    return ids.astype(np.int64, copy=False)


def _check_finite(values: np.ndarray, what: str):
    if not np.all(np.isfinite(values)):
        kind = "NaN" if np.isnan(values).any() else "infinity"
        raise ValueError(f"{what} contains {kind}; numeric sequences must be finite.")


class SequenceInput(InputAdapter):
    """Token ids or numeric sequences, as arrays or as lists of sequences of any lengths.

    Token ids become an integer array ``(n, T)`` (0 is padding); numeric
    sequences a :class:`PaddedSequences` of values ``(n, T, F)`` and lengths.

    Parameters
    ----------
    input_type : {"auto", "tokens", "numeric"}
        How X is read (see the LSTM estimators' documentation).
    vocabulary_size : int or None
        Number of token ids; None for the largest training id plus one.

    Attributes
    ----------
    input_type_ : {"tokens", "numeric"}
        How the training X was read.
    vocabulary_size_ : int
        Number of token ids the embedding holds. Token input only.
    n_features_per_step_ : int
        Values per step. Numeric input only.
    n_features_in_ : int
        Columns (steps) of a 2-D training X; absent for 3-D or list input.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X.
    """

    def __init__(self, input_type="auto", vocabulary_size=None):
        self.input_type = input_type
        self.vocabulary_size = vocabulary_size

    def fit_transform(self, X, estimator):
        return self._read(X, estimator, reset=True)

    def transform(self, X, estimator):
        return self._read(X, estimator, reset=False)

    def _read(self, X, estimator, *, reset):
        name = type(estimator).__name__
        # in fit, equally long sequences in a list are the rows of an array (as
        # scikit-learn reads lists); in predict, a list holds sequences of any length
        sequences = _sequence_list(X, regular_as_array=reset)
        if sequences is not None:
            return self._sequence_list(sequences, estimator, reset=reset)
        if isinstance(X, str) or (
            isinstance(X, list | tuple | np.ndarray) and len(X) and isinstance(X[0], str)
        ):
            raise ValueError(
                f"{name} takes token ids or numeric sequences, not raw text; put a "
                "SequenceVectorizer before it (make_pipeline(SequenceVectorizer(), "
                f"{name}()))."
            )
        ndim = _ndim(X)
        if ndim == 3:
            X = check_array(X, allow_nd=True, dtype=np.float32, input_name="X", estimator=estimator)
            self._require_numeric(estimator, reset, "a 3-D X")
            return self._numeric(X, np.full(len(X), X.shape[1], dtype=np.int64), estimator, reset)
        if ndim > 3:
            raise ValueError(
                f"{name} expects X of shape (n_samples, n_steps) or (n_samples, n_steps, "
                f"n_features), or a list of sequences; got {ndim} dimensions."
            )
        X = self._columns(X, estimator, reset=reset, dtype="numeric")
        if reset:
            if self.input_type == "auto":
                tokens = X.dtype.kind in "iu" and X.min() >= 0
            else:
                tokens = self.input_type == "tokens"
            self.input_type_ = "tokens" if tokens else "numeric"
        if self.input_type_ == "tokens":
            return self._tokens(_check_token_ids(X, "X"), reset)
        values = X.astype(np.float32)[:, :, None]
        return self._numeric(values, np.full(len(X), X.shape[1], dtype=np.int64), estimator, reset)

    def _require_numeric(self, estimator, reset, what):
        """Raise if the input, of a kind only numeric sequences have, cannot be numeric."""
        if reset and self.input_type == "tokens":
            raise ValueError(
                'input_type="tokens" needs token ids of shape (n_samples, n_steps) or '
                f"lists of ids; got {what}."
            )
        if not reset and self.input_type_ == "tokens":
            raise ValueError(
                f"{type(estimator).__name__} was fitted on token ids; got {what} "
                "(numeric sequences)."
            )

    def _sequence_list(self, sequences, estimator, *, reset):
        arrays = []
        for i, seq in enumerate(sequences):
            try:
                array = np.asarray(seq)
            except ValueError as exc:
                raise ValueError(f"Sequence {i} of X is not an array: {exc}") from None
            if array.dtype.kind not in "biuf":
                raise ValueError(
                    f"Sequence {i} of X holds values of dtype {array.dtype}; expected numbers."
                )
            if array.ndim not in (1, 2):
                raise ValueError(
                    f"Sequence {i} of X has shape {array.shape}; expected (n_steps,) or "
                    "(n_steps, n_features)."
                )
            arrays.append(array)
        ndims = {a.ndim for a in arrays}
        if len(ndims) > 1:
            raise ValueError(
                "The sequences of X mix 1-D (token ids or one value per step) and 2-D "
                "(n_steps, n_features) arrays."
            )
        if reset:
            if ndims == {1} and self.input_type != "numeric":
                flat = np.concatenate(arrays) if arrays else np.zeros(0)
                integral = all(a.dtype.kind in "iu" or a.size == 0 for a in arrays)
                tokens = self.input_type == "tokens" or (
                    integral and (flat.size == 0 or flat.min() >= 0)
                )
            else:
                tokens = False
                if ndims != {1}:
                    self._require_numeric(estimator, reset, "a list of 2-D sequences")
            self.input_type_ = "tokens" if tokens else "numeric"
        if self.input_type_ == "tokens":
            if ndims != {1}:
                self._require_numeric(estimator, reset, "a list of 2-D sequences")
            longest = max(1, *(len(a) for a in arrays))
            ids = np.zeros((len(arrays), longest), dtype=np.int64)
            for i, a in enumerate(arrays):
                ids[i, : len(a)] = _check_token_ids(a, f"Sequence {i} of X")
            return self._tokens(ids, reset)
        arrays = [a.reshape(-1, 1) if a.ndim == 1 else a for a in arrays]
        n_features = {a.shape[1] for a in arrays}
        if len(n_features) > 1:
            first = arrays[0].shape[1]
            odd = next(i for i, a in enumerate(arrays) if a.shape[1] != first)
            raise ValueError(
                f"The sequences of X have different numbers of features per step: sequence 0 "
                f"has {first}, sequence {odd} has {arrays[odd].shape[1]}."
            )
        for i, a in enumerate(arrays):
            if len(a) == 0:
                raise ValueError(f"Sequence {i} of X has no steps; sequences need at least one.")
            _check_finite(a, f"Sequence {i} of X")
        lengths = np.array([len(a) for a in arrays], dtype=np.int64)
        values = np.zeros((len(arrays), lengths.max(), arrays[0].shape[1]), dtype=np.float32)
        for i, a in enumerate(arrays):
            values[i, : len(a)] = a
        return self._numeric(values, lengths, estimator, reset)

    def _tokens(self, ids, reset):
        if reset:
            largest = int(ids.max()) if ids.size else 0
            if self.vocabulary_size is None:
                self.vocabulary_size_ = max(largest + 1, 2)
            elif largest >= self.vocabulary_size:
                raise ValueError(
                    f"X holds token id {largest}, but vocabulary_size={self.vocabulary_size} "
                    f"allows ids 0 to {self.vocabulary_size - 1}."
                )
            else:
                self.vocabulary_size_ = self.vocabulary_size
        return ids

    def _numeric(self, values, lengths, estimator, reset):
        n_features = values.shape[2]
        if reset:
            self.input_type_ = "numeric"
            self.n_features_per_step_ = n_features
        elif n_features != self.n_features_per_step_:
            raise ValueError(
                f"X has {n_features} features per step, but {type(estimator).__name__} was "
                f"fitted with {self.n_features_per_step_}."
            )
        _check_finite(values, "X")
        return PaddedSequences(np.ascontiguousarray(values, dtype=np.float32), lengths)

    def standardizer(self, data, sample_weight, index):
        """Per-feature standardization over the real (unpadded) steps; none for token ids."""
        if self.input_type_ == "tokens":
            return None
        rows = np.arange(len(data)) if index is None else np.asarray(index)
        weights = np.ones(len(data)) if sample_weight is None else np.asarray(sample_weight, float)

        def chunks():
            for start in range(0, len(rows), 4096):
                part = rows[start : start + 4096]
                values = data.values[part].astype(np.float64)
                real = np.arange(values.shape[1]) < data.lengths[part, None]
                yield values, (real * weights[part, None])[:, :, None]

        mean, std = weighted_moments(chunks(), axis=2)
        return Standardize(mean, std)
