"""Recurrent (LSTM) network estimators for text and sequences."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, validate_data

from skneural._base import BaseNeuralClassifier, BaseNeuralRegressor, weighted_moments
from skneural._data import as_tensor
from skneural._docs import fill_doc
from skneural._validation import _ndim
from skneural.nn import RecurrentNet
from skneural.nn._recurrent import SUMMARIES

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


class _LSTMMixin:
    """Sequence inputs and the RecurrentNet, for both tasks."""

    _lstm_parameter_constraints: dict = {
        "input_type": [StrOptions(set(INPUT_TYPES))],
        "vocabulary_size": [Interval(Integral, 2, None, closed="left"), None],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "dense_units": [Interval(Integral, 0, None, closed="left"), None],
        "summary": [StrOptions(set(SUMMARIES))],
    }

    # ------------------------------------------------------------------
    # inputs

    def _prepare_X(self, X, *, reset):
        name = type(self).__name__
        # in fit, equally long sequences in a list are the rows of an array (as
        # scikit-learn reads lists); in predict, a list holds sequences of any length
        sequences = _sequence_list(X, regular_as_array=reset)
        if sequences is not None:
            return self._prepare_sequence_list(sequences, reset=reset)
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
            X = check_array(X, allow_nd=True, dtype=np.float32, input_name="X", estimator=self)
            if reset:
                for attr in ("n_features_in_", "feature_names_in_"):
                    self.__dict__.pop(attr, None)
            self._require_numeric(reset, "a 3-D X")
            return self._numeric(X, np.full(len(X), X.shape[1], dtype=np.int64), reset)
        if ndim > 3:
            raise ValueError(
                f"{name} expects X of shape (n_samples, n_steps) or (n_samples, n_steps, "
                f"n_features), or a list of sequences; got {ndim} dimensions."
            )
        X = validate_data(self, X, reset=reset, dtype="numeric")
        if reset:
            if self.input_type == "auto":
                tokens = X.dtype.kind in "iu" and X.min() >= 0
            else:
                tokens = self.input_type == "tokens"
            self.input_type_ = "tokens" if tokens else "numeric"
        if self.input_type_ == "tokens":
            return self._tokens(_check_token_ids(X, "X"), reset)
        values = X.astype(np.float32)[:, :, None]
        return self._numeric(values, np.full(len(X), X.shape[1], dtype=np.int64), reset)

    def _require_numeric(self, reset, what):
        """Raise if the input, of a kind only numeric sequences have, cannot be numeric."""
        if reset and self.input_type == "tokens":
            raise ValueError(
                'input_type="tokens" needs token ids of shape (n_samples, n_steps) or '
                f"lists of ids; got {what}."
            )
        if not reset and self.input_type_ == "tokens":
            raise ValueError(
                f"{type(self).__name__} was fitted on token ids; got {what} (numeric sequences)."
            )

    def _prepare_sequence_list(self, sequences, *, reset):
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
            for attr in ("n_features_in_", "feature_names_in_"):
                self.__dict__.pop(attr, None)
            if ndims == {1} and self.input_type != "numeric":
                flat = np.concatenate(arrays) if arrays else np.zeros(0)
                integral = all(a.dtype.kind in "iu" or a.size == 0 for a in arrays)
                tokens = self.input_type == "tokens" or (
                    integral and (flat.size == 0 or flat.min() >= 0)
                )
            else:
                tokens = False
                if ndims != {1}:
                    self._require_numeric(reset, "a list of 2-D sequences")
            self.input_type_ = "tokens" if tokens else "numeric"
        if self.input_type_ == "tokens":
            if ndims != {1}:
                self._require_numeric(reset, "a list of 2-D sequences")
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
        return self._numeric(values, lengths, reset)

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
            self.__dict__.pop("n_features_per_step_", None)
        return ids

    def _numeric(self, values, lengths, reset):
        n_features = values.shape[2]
        if reset:
            self.input_type_ = "numeric"
            self.n_features_per_step_ = n_features
            self.__dict__.pop("vocabulary_size_", None)
        elif n_features != self.n_features_per_step_:
            raise ValueError(
                f"X has {n_features} features per step, but {type(self).__name__} was fitted "
                f"with {self.n_features_per_step_}."
            )
        _check_finite(values, "X")
        return PaddedSequences(np.ascontiguousarray(values, dtype=np.float32), lengths)

    # ------------------------------------------------------------------
    # the network

    def _step_statistics(self, X, sample_weight, train_index):
        """Per-feature mean and std over the real steps of the training rows.

        Weighted by ``sample_weight``; in chunks of rows, in float64.
        """
        rows = np.arange(len(X)) if train_index is None else np.asarray(train_index)
        weights = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, float)

        def chunks():
            for start in range(0, len(rows), 4096):
                part = rows[start : start + 4096]
                values = X.values[part].astype(np.float64)
                real = np.arange(values.shape[1]) < X.lengths[part, None]
                yield values, (real * weights[part, None])[:, :, None]

        return weighted_moments(chunks(), axis=2)

    def _build_network(self, n_outputs, mean=None, std=None):
        if self.input_type_ == "tokens":
            inputs = {"vocabulary_size": self.vocabulary_size_}
        else:
            inputs = {"n_features": self.n_features_per_step_}
        return RecurrentNet(
            n_outputs,
            **inputs,
            embedding_dim=self.embedding_dim,
            hidden_units=self.hidden_units,
            n_layers=self.n_layers,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            dense_units=self.dense_units,
            summary=self.summary,
            mean=mean,
            std=std,
        )

    def _build_module(self, X, sample_weight, train_index):
        mean = std = None
        if self.input_type_ == "numeric" and self.normalize:
            mean, std = self._step_statistics(X, sample_weight, train_index)
            mean = torch.from_numpy(mean.astype(np.float32))
            std = torch.from_numpy(std.astype(np.float32))
        return self._build_network(self._n_outputs(), mean, std)


_INIT_DOC = """
    input_type : {"auto", "tokens", "numeric"}, default="auto"
        How X is read. ``"tokens"``: integer token ids, 0 being padding
        (``(n_samples, n_steps)`` arrays such as :class:`SequenceVectorizer`
        makes, or lists of ids of different lengths), fed to an embedding.
        ``"numeric"``: numeric sequences, ``(n_samples, n_steps,
        n_features)``, ``(n_samples, n_steps)`` (one feature per step), or a
        list of ``(n_steps_i, n_features)`` arrays (or of 1-D ones, one
        feature per step). ``"auto"`` reads
        non-negative integer arrays and lists of integer lists as tokens,
        everything else (floats, negative values, 3-D arrays) as numeric.
    vocabulary_size : int or None, default=None
        Number of token ids (ids 0 to ``vocabulary_size - 1``). If None, the
        largest id in the training data plus one. Token input only.
    embedding_dim : int, default=128
        Size of the token embeddings. Token input only.
    hidden_units : int, default=128
        Units of each LSTM layer (per direction).
    n_layers : int, default=1
        Number of stacked LSTM layers.
    bidirectional : bool, default=False
        Whether each LSTM layer also reads the sequences backwards.
    dropout : float, default=0.2
        Dropout probability on the embeddings, between LSTM layers, on the
        LSTM's summary and after the dense layer.
    dense_units : int or None, default=64
        Units of the dense ReLU layer between the LSTM and the output; 0 or
        None for none.
    summary : {"last", "mean", "max"}, default="last"
        What of the LSTM's outputs the dense layer sees: the state after each
        sequence's last real step (joined with the backward pass's state when
        ``bidirectional``), or the mean or maximum of the outputs over the
        real steps. ``"mean"`` and ``"max"`` often train faster on long texts.
"""

_NOTES = """
    Padding never changes a prediction: the sequences are packed
    (:func:`torch.nn.utils.rnn.pack_padded_sequence`), so a sequence gets the
    same output alone or in a batch padded to a longer one. For token ids,
    0 is padding wherever it stands (``"pre"`` or ``"post"``); a row of
    zeros only (an empty document) is a valid sequence of one padding step.
    Token ids at or above ``vocabulary_size_`` at predict time (never seen
    in training) are embedded as zeros, like padding, but count as steps.
    Numeric sequences must be finite and at least one step long. A 2-D
    array X must have the fitted number of columns at predict time (as in
    scikit-learn); a 3-D array or a list of sequences may hold sequences of
    any length. In ``fit``, a list of sequences all as long is read as the
    array it spells (so ``n_features_in_`` is set from a list of rows, as in
    scikit-learn).
"""

_FITTED = """
    input_type_ : {"tokens", "numeric"}
        How the training X was read.
    vocabulary_size_ : int
        Number of token ids the embedding holds. Token input only.
    n_features_per_step_ : int
        Values per step of numeric sequences. Numeric input only.
    net_ : skorch.NeuralNet
        The trained skorch net.
    module_ : skneural.nn.RecurrentNet
        The trained network (with the standardization of numeric steps, when
        ``normalize``).
    n_features_in_ : int
        Number of columns (steps) of a 2-D training X; absent for 3-D or list
        input.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the columns, when ``X`` was a DataFrame with string column names.
    %(history)s
"""


def _lstm_doc(cls):
    """Fill the LSTM-specific parts of a docstring, then the shared snippets."""
    doc = cls.__doc__
    for marker, text in (("%(lstm)s", _INIT_DOC), ("%(lstm_notes)s", _NOTES)):
        doc = doc.replace(f"    {marker}\n", text.lstrip("\n"))
    cls.__doc__ = doc.replace("    %(lstm_fitted)s\n", _FITTED.lstrip("\n"))
    return fill_doc(cls)


@_lstm_doc
class LSTMClassifier(_LSTMMixin, BaseNeuralClassifier):
    """LSTM classifier for text (token ids) and numeric sequences.

    A scikit-learn classifier training a PyTorch
    :class:`~skneural.nn.RecurrentNet` through skorch: labels of any kind,
    sequences of any lengths, CPU or CUDA, and every parameter searchable by
    ``GridSearchCV`` and friends. Raw text goes through a
    :class:`SequenceVectorizer` first, in a pipeline.

    The default network is the classic one for text: embedding 128 -> LSTM
    128 -> dropout 0.2 -> dense 64 ReLU -> dropout 0.2 -> output.

    Parameters
    ----------
    %(lstm)s
    %(classifier_loss)s
    %(sequence_training)s
    %(class_weight)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    %(lstm_fitted)s

    See Also
    --------
    LSTMRegressor : The same network for regression.
    SequenceVectorizer : Raw documents to the token ids this takes.

    Notes
    -----
    %(lstm_notes)s

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skneural import LSTMClassifier, SequenceVectorizer
    >>> docs = ["good, not bad", "bad, not good"] * 50  # same words, other order
    >>> labels = ["positive", "negative"] * 50
    >>> model = make_pipeline(
    ...     SequenceVectorizer(max_len=5),
    ...     LSTMClassifier(hidden_units=16, max_epochs=20, random_state=0),
    ... ).fit(docs, labels)
    >>> model.predict(["Good, not bad!", "Bad, not good."])
    array(['positive', 'negative'], dtype='<U8')
    """

    _parameter_constraints: dict = {
        **BaseNeuralClassifier._parameter_constraints,
        **_LSTMMixin._lstm_parameter_constraints,
    }

    def __init__(
        self,
        *,
        input_type="auto",
        vocabulary_size=None,
        embedding_dim=128,
        hidden_units=128,
        n_layers=1,
        bidirectional=False,
        dropout=0.2,
        dense_units=64,
        summary="last",
        loss="cross_entropy",
        optimizer="adam",
        lr=2e-3,
        momentum=0.9,
        weight_decay=0.0,
        batch_size=64,
        max_epochs="auto",
        lr_schedule="cosine",
        lr_decay=0.1,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        scoring=None,
        clip_grad_norm=1.0,
        normalize=True,
        class_weight=None,
        random_state=None,
        device="auto",
        verbose=0,
        warm_start=False,
        tensorboard_dir=None,
        callbacks=None,
    ):
        self.input_type = input_type
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.hidden_units = hidden_units
        self.n_layers = n_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.dense_units = dense_units
        self.summary = summary
        self.class_weight = class_weight
        super().__init__(
            loss=loss,
            optimizer=optimizer,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_schedule=lr_schedule,
            lr_decay=lr_decay,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            scoring=scoring,
            clip_grad_norm=clip_grad_norm,
            normalize=normalize,
            random_state=random_state,
            device=device,
            verbose=verbose,
            warm_start=warm_start,
            tensorboard_dir=tensorboard_dir,
            callbacks=callbacks,
        )


@_lstm_doc
class LSTMRegressor(_LSTMMixin, BaseNeuralRegressor):
    """LSTM regressor for text (token ids) and numeric sequences.

    The network of :class:`LSTMClassifier` with one linear output per target.
    Targets are standardized for training and mapped back by ``predict``;
    several targets (``y`` of shape ``(n_samples, n_outputs)``) train one
    network with several outputs.

    Parameters
    ----------
    %(lstm)s
    %(regressor_loss)s
    %(sequence_training)s

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    %(lstm_fitted)s

    See Also
    --------
    LSTMClassifier : The same network for classification.

    Notes
    -----
    %(lstm_notes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skneural import LSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(rng.randint(3, 15), 2) for _ in range(200)]  # varying lengths
    >>> y = np.array([x[:, 0].sum() for x in X])
    >>> reg = LSTMRegressor(hidden_units=32, summary="mean", random_state=0).fit(X, y)
    >>> reg.n_features_per_step_
    2
    >>> reg.score(X, y) > 0.5
    True
    """

    _parameter_constraints: dict = {
        **BaseNeuralRegressor._parameter_constraints,
        **_LSTMMixin._lstm_parameter_constraints,
    }

    def __init__(
        self,
        *,
        input_type="auto",
        vocabulary_size=None,
        embedding_dim=128,
        hidden_units=128,
        n_layers=1,
        bidirectional=False,
        dropout=0.2,
        dense_units=64,
        summary="last",
        loss="mse",
        optimizer="adam",
        lr=2e-3,
        momentum=0.9,
        weight_decay=0.0,
        batch_size=64,
        max_epochs="auto",
        lr_schedule="cosine",
        lr_decay=0.1,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        scoring=None,
        clip_grad_norm=1.0,
        normalize=True,
        random_state=None,
        device="auto",
        verbose=0,
        warm_start=False,
        tensorboard_dir=None,
        callbacks=None,
    ):
        self.input_type = input_type
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.hidden_units = hidden_units
        self.n_layers = n_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.dense_units = dense_units
        self.summary = summary
        super().__init__(
            loss=loss,
            optimizer=optimizer,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_schedule=lr_schedule,
            lr_decay=lr_decay,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            scoring=scoring,
            clip_grad_norm=clip_grad_norm,
            normalize=normalize,
            random_state=random_state,
            device=device,
            verbose=verbose,
            warm_start=warm_start,
            tensorboard_dir=tensorboard_dir,
            callbacks=callbacks,
        )
