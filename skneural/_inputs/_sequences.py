"""Sequences: token ids, or numeric sequences of any lengths, for the recurrent networks."""

from __future__ import annotations

import math
import warnings
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array

from skneural._core._data import as_tensor
from skneural._core._params import Param
from skneural._core._stats import weighted_moments
from skneural._inputs._base import InputAdapter
from skneural._inputs._validation import _ndim, find_stack_level
from skneural._pickles import refuse_older_state
from skneural.exceptions import AmbiguousInputWarning
from skneural.nn import SeriesAugmentation, Standardize

INPUT_TYPES = ("auto", "tokens", "numeric")

# train-time augmentation of numeric sequences, drawn per series on the training batches
SERIES_AUGMENTATION = (
    Param(
        "time_stretch",
        0.0,
        [Interval(Real, 0, None, closed="left")],
        "float",
        """Train-time augmentation of numeric sequences: largest random time
        stretch. Each training series is resampled (linear interpolation) to
        its length times a factor drawn log-uniformly between ``1 / (1 +
        time_stretch)`` and ``1 + time_stretch`` (1.0: half to twice as
        long), drawn anew at every epoch: the same movement slower or faster.
        It helps series whose pace varies (gestures) and can hurt others:
        search it (figures in the series guide).""",
    ),
    Param(
        "amplitude_scale",
        0.0,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        """Train-time augmentation of numeric sequences: each training series
        is multiplied by a factor drawn in ``[1 - amplitude_scale, 1 +
        amplitude_scale]``, before the standardization (so a series far from
        the training mean also moves up or down a little once standardized).""",
    ),
)


class PaddedSequences:
    """Numeric sequences ``(n, channels, steps)``, zero-padded, with their real lengths.

    A batch source for the data path: ``take(index)`` returns the rows'
    ``(values, lengths)``, cut to the longest sequence among them, or kept
    at ``fixed_length`` steps when that is set.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_channels, max_length), float32
    lengths : ndarray of shape (n_samples,), int64
    fixed_length : int or None, default=None
        Steps of every batch (``values`` has exactly these), or None to cut
        each batch to its longest sequence.
    """

    def __init__(self, values: np.ndarray, lengths: np.ndarray, fixed_length: int | None = None):
        self.values = values
        self.lengths = lengths
        self.fixed_length = fixed_length
        self._values = as_tensor(values)
        self._lengths = as_tensor(lengths)

    def __len__(self) -> int:
        return len(self.lengths)

    def take(self, index):
        lengths = self._lengths[index]
        if self.fixed_length is not None:
            return self._values[index], lengths
        longest = int(lengths.max()) if len(lengths) else 0
        return self._values[index][:, :, : max(longest, 1)], lengths


def as_sequence_list(X, *, regular_as_array: bool) -> list | None:
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

    Numeric sequences follow one layout, aeon's and sktime's (and
    ``torch.nn.Conv1d``'s): channels first. A 3-D array is ``(n_samples,
    n_channels, n_steps)``, a 2-D one ``(n_samples, n_steps)`` (one channel),
    and sequences of different lengths a list of ``(n_channels, n_steps_i)``
    arrays (or of 1-D ones, one channel). They become a
    :class:`PaddedSequences`. Token ids become an integer array ``(n, T)``
    (0 is padding).

    Parameters
    ----------
    input_type : {"auto", "tokens", "numeric"}
        How X is read (see the LSTM estimators' documentation).
    vocabulary_size : int or None
        Number of token ids; None for the largest training id plus one.
    fixed_length : bool or int, default=False
        For networks whose size depends on the length: whether every batch
        has the training data's longest length (True; times ``1 +
        time_stretch`` when the series are stretched, so that the stretched
        series fit) or this many steps (an int, the estimator's
        ``series_length``), shorter sequences zero-padded and longer ones
        refused; False: each batch is cut to its longest sequence.
    augmentation : dict or None, default=None
        Values of the ``SERIES_AUGMENTATION`` parameters (numeric sequences
        only; see :class:`~skneural.nn.SeriesAugmentation`).

    Attributes
    ----------
    input_type_ : {"tokens", "numeric"}
        How the training X was read.
    vocabulary_size_ : int
        Number of token ids the embedding holds. Token input only.
    n_channels_ : int
        Values per step. Numeric input only.
    max_length_ : int
        Steps of the longest training sequence. Numeric input only.
    input_length_ : int
        Steps of every batch, with ``fixed_length``. Numeric input only.
    n_features_in_ : int
        Columns (steps) of a 2-D training X; absent for 3-D or list input.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X.
    """

    def __init__(
        self, input_type="auto", vocabulary_size=None, fixed_length=False, augmentation=None
    ):
        self.input_type = input_type
        self.vocabulary_size = vocabulary_size
        self.fixed_length = fixed_length
        self.augmentation_params = dict(augmentation or {})

    def __setstate__(self, state):
        # inputs pickled before series augmentation, or before series_length
        required = ["augmentation_params"]
        if state.get("fixed_length") is True and "max_length_" in state:
            required.append("input_length_")  # fitted, with a fixed length
        refuse_older_state(self, state, required)
        self.__dict__.update(state)

    @property
    def _fixed(self) -> bool:
        return self.fixed_length is not False

    def _input_length(self) -> int:
        """Steps of every batch: ``fixed_length`` if an int, else the longest
        training series, stretched as far as ``time_stretch`` stretches it."""
        if not isinstance(self.fixed_length, bool):
            return int(self.fixed_length)
        stretch = self.augmentation_params.get("time_stretch") or 0.0
        return math.ceil(self.max_length_ * (1 + stretch))

    def fit_transform(self, X, estimator):
        return self._read(X, estimator, reset=True)

    def transform(self, X, estimator):
        return self._read(X, estimator, reset=False)

    def _read(self, X, estimator, *, reset):
        name = type(estimator).__name__
        # in fit, equally long sequences in a list are the rows of an array (as
        # scikit-learn reads lists); in predict, a list holds sequences of any length
        sequences = as_sequence_list(X, regular_as_array=reset)
        if sequences is not None:
            return self._read_sequences(sequences, estimator, reset=reset)
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
            # input_type="numeric" states the layout: channels first
            if reset and self.input_type == "auto" and X.shape[1] > X.shape[2]:
                warnings.warn(
                    f"X of shape {X.shape} is read as {X.shape[1]} channels of {X.shape[2]} "
                    "steps each: numeric sequences are (n_samples, n_channels, n_steps), as in "
                    "aeon and sktime. If yours are (n_samples, n_steps, n_channels), pass "
                    'X.transpose(0, 2, 1); if they are as read, set input_type="numeric".',
                    AmbiguousInputWarning,
                    stacklevel=find_stack_level(),
                )
            return self._numeric(X, np.full(len(X), X.shape[2], dtype=np.int64), estimator, reset)
        if ndim > 3:
            raise ValueError(
                f"{name} expects X of shape (n_samples, n_steps) or (n_samples, n_channels, "
                f"n_steps), or a list of sequences; got {ndim} dimensions."
            )
        X = self._columns(X, estimator, reset=reset, dtype="numeric")
        if reset:
            self.input_type_ = self._decide_tokens(
                X.dtype.kind in "iu" and (X.size == 0 or X.min() >= 0), "2-D"
            )
        if self.input_type_ == "tokens":
            return self._tokens(_check_token_ids(X, "X"), reset)
        values = X.astype(np.float32)[:, None, :]
        return self._numeric(values, np.full(len(X), X.shape[1], dtype=np.int64), estimator, reset)

    def _decide_tokens(self, integers: bool, what: str) -> str:
        """``input_type_`` of a training X that may hold token ids; warn where it is a guess."""
        if self.input_type != "auto":
            return self.input_type
        if not integers:
            return "numeric"
        warnings.warn(
            f"X ({what}, non-negative integers) is read as token ids (embedded; 0 is "
            'padding). Set input_type="tokens" to say so, or input_type="numeric" if '
            "they are integer-valued series.",
            AmbiguousInputWarning,
            stacklevel=find_stack_level(),
        )
        return "tokens"

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

    def _read_sequences(self, sequences, estimator, *, reset):
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
                    "(n_channels, n_steps)."
                )
            arrays.append(array)
        ndims = {a.ndim for a in arrays}
        if len(ndims) > 1:
            raise ValueError(
                "The sequences of X mix 1-D (token ids or one channel) and 2-D "
                "(n_channels, n_steps) arrays."
            )
        if reset:
            if ndims == {1}:
                integral = all(a.dtype.kind in "iu" or a.size == 0 for a in arrays)
                smallest = min((a.min() for a in arrays if a.size), default=0)
                self.input_type_ = self._decide_tokens(
                    integral and smallest >= 0, "a list of sequences"
                )
            else:
                self._require_numeric(estimator, reset, "a list of 2-D sequences")
                self.input_type_ = "numeric"
        if self.input_type_ == "tokens":
            if ndims != {1}:
                self._require_numeric(estimator, reset, "a list of 2-D sequences")
            longest = max(1, *(len(a) for a in arrays))
            ids = np.zeros((len(arrays), longest), dtype=np.int64)
            for i, a in enumerate(arrays):
                ids[i, : len(a)] = _check_token_ids(a, f"Sequence {i} of X")
            return self._tokens(ids, reset)
        arrays = [a.reshape(1, -1) if a.ndim == 1 else a for a in arrays]
        channels = {a.shape[0] for a in arrays}
        if len(channels) > 1:
            first = arrays[0].shape[0]
            odd = next(i for i, a in enumerate(arrays) if a.shape[0] != first)
            hint = ""
            if len({a.shape[1] for a in arrays}) == 1:
                hint = (
                    f" They all have {arrays[0].shape[1]} columns: if they are (n_steps, "
                    "n_channels), transpose each (sequences are (n_channels, n_steps), as in "
                    "aeon and sktime)."
                )
            raise ValueError(
                f"The sequences of X have different numbers of channels (rows): sequence 0 "
                f"has {first}, sequence {odd} has {arrays[odd].shape[0]}.{hint}"
            )
        for i, a in enumerate(arrays):
            if a.shape[1] == 0:
                raise ValueError(f"Sequence {i} of X has no steps; sequences need at least one.")
            _check_finite(a, f"Sequence {i} of X")
        lengths = np.array([a.shape[1] for a in arrays], dtype=np.int64)
        values = np.zeros((len(arrays), arrays[0].shape[0], lengths.max()), dtype=np.float32)
        for i, a in enumerate(arrays):
            values[i, :, : a.shape[1]] = a
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
        n_channels = values.shape[1]
        name = type(estimator).__name__
        if reset:
            self.input_type_ = "numeric"
            self.n_channels_ = n_channels
            self.max_length_ = int(lengths.max()) if len(lengths) else 0
            if self._fixed:
                self.input_length_ = self._input_length()
                if self.max_length_ > self.input_length_:
                    raise ValueError(
                        f"X holds sequences of up to {self.max_length_} steps, longer than "
                        f"series_length={self.input_length_}."
                    )
        elif n_channels != self.n_channels_:
            raise ValueError(
                f"X has {n_channels} channels, but {name} was fitted with {self.n_channels_}."
            )
        _check_finite(values, "X")
        fixed = None
        if self._fixed:
            fixed = self.input_length_
            if values.shape[2] > fixed:
                if isinstance(self.fixed_length, bool):
                    what = "the longest training series"
                    if fixed > self.max_length_:
                        what += " stretched by time_stretch"
                else:
                    what = f"series_length={fixed}"
                raise ValueError(
                    f"X holds sequences of up to {int(lengths.max())} steps, but {name} "
                    f"(head='flatten') takes at most {fixed} ({what}). Set series_length to "
                    "the longest length to expect (cross-validation folds of series of "
                    "unequal lengths need it), or use head='gap' for sequences of any length."
                )
            values = np.pad(values, ((0, 0), (0, 0), (0, fixed - values.shape[2])))
        return PaddedSequences(np.ascontiguousarray(values, dtype=np.float32), lengths, fixed)

    def standardizer(self, data, sample_weight, index):
        """Per-channel standardization over the real (unpadded) steps; none for token ids."""
        if self.input_type_ == "tokens":
            return None
        rows = np.arange(len(data)) if index is None else np.asarray(index)
        weights = np.ones(len(data)) if sample_weight is None else np.asarray(sample_weight, float)

        def chunks():
            for start in range(0, len(rows), 4096):
                part = rows[start : start + 4096]
                values = data.values[part].astype(np.float64)
                real = np.arange(values.shape[2]) < data.lengths[part, None]
                yield values, (real * weights[part, None])[:, None, :]

        mean, std = weighted_moments(chunks(), axis=1)
        return Standardize(mean.reshape(1, -1, 1), std.reshape(1, -1, 1))

    def augmentation(self):
        """The :class:`~skneural.nn.SeriesAugmentation` of the training batches, or None."""
        used = {k: v for k, v in self.augmentation_params.items() if v}
        if not used:
            return None
        if self.input_type_ == "tokens":
            name = next(iter(used))
            raise ValueError(
                f"{name}={used[name]!r} is for numeric sequences; X was read as token "
                'ids (set input_type="numeric" if it holds integer-valued series).'
            )
        return SeriesAugmentation(**used, max_length=self.input_length_ if self._fixed else None)


def series_augmentation(estimator) -> dict:
    """The ``SERIES_AUGMENTATION`` parameter values of ``estimator``."""
    return {p.name: getattr(estimator, p.name) for p in SERIES_AUGMENTATION}
