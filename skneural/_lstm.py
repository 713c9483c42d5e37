"""Recurrent (LSTM) network estimators for text and sequences."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from skneural._core._docs import fitted_attributes
from skneural._core._estimator import fitted
from skneural._core._params import Param, declare, refuse_changed, replace
from skneural._core._supervised import (
    CLASS_WEIGHT,
    CLASSIFIER_LOSS,
    REGRESSOR_LOSS,
    NeuralClassifier,
    NeuralRegressor,
)
from skneural._core._training import RUNTIME, TRAINING, AutoBudget, max_epochs_param
from skneural._inputs._sequences import (
    INPUT_TYPES,
    SERIES_AUGMENTATION,
    SequenceInput,
    series_augmentation,
)
from skneural.nn import RecurrentNet
from skneural.nn._recurrent import SUMMARIES

_positive = [Interval(Integral, 1, None, closed="left")]

LSTM = (
    Param(
        "input_type",
        "auto",
        [StrOptions(set(INPUT_TYPES))],
        '{"auto", "tokens", "numeric"}',
        """How X is read. ``"tokens"``: integer token ids, 0 being padding
        (``(n_samples, n_steps)`` arrays such as :class:`SequenceVectorizer`
        makes, or lists of ids of different lengths), fed to an embedding.
        ``"numeric"``: numeric sequences in the layout of aeon and sktime
        (channels first), the same as the 1-D :class:`CNNClassifier`'s:
        ``(n_samples, n_channels, n_steps)``, ``(n_samples, n_steps)`` (one
        channel), or a list of ``(n_channels, n_steps_i)`` arrays (or of 1-D
        ones, one channel) of any lengths. ``"auto"`` reads floats, negative
        values, 3-D arrays and lists of 2-D arrays as numeric, and
        non-negative integer arrays and lists of integer lists as tokens,
        with an :class:`~skneural.exceptions.AmbiguousInputWarning` (set
        ``input_type`` to say which they are).""",
    ),
    Param(
        "vocabulary_size",
        None,
        [Interval(Integral, 2, None, closed="left"), None],
        "int or None",
        """Number of token ids (ids 0 to ``vocabulary_size - 1``). If None, the
        largest id in the training data plus one. Token input only.""",
    ),
    Param(
        "embedding_dim",
        128,
        _positive,
        "int",
        """Size of the token embeddings. Token input only.""",
    ),
    Param(
        "hidden_units",
        128,
        _positive,
        "int",
        """Units of each LSTM layer (per direction).""",
    ),
    Param(
        "n_layers",
        1,
        _positive,
        "int",
        """Number of stacked LSTM layers.""",
    ),
    Param(
        "bidirectional",
        False,
        ["boolean"],
        "bool",
        """Whether each LSTM layer also reads the sequences backwards.""",
    ),
    Param(
        "dropout",
        0.2,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        """Dropout probability on the embeddings, between LSTM layers, on the
        LSTM's summary and after the dense layer.""",
    ),
    Param(
        "dense_units",
        64,
        [Interval(Integral, 0, None, closed="left"), None],
        "int or None",
        """Units of the dense ReLU layer between the LSTM and the output; 0 or
        None for none.""",
    ),
    Param(
        "patch_size",
        1,
        _positive,
        "int",
        """Numeric sequences only: how many consecutive steps make one LSTM step
        (of ``patch_size * n_channels`` values; the last patch of a sequence
        zero-padded), so the LSTM reads ``ceil(n_steps / patch_size)`` steps.
        A long series read a value at a time is hard for an LSTM to learn
        from; in patches it learns, and faster (the series guide compares
        patch sizes).""",
    ),
    Param(
        "summary",
        "last",
        [StrOptions(set(SUMMARIES))],
        '{"last", "mean", "max"}',
        """What of the LSTM's outputs the dense layer sees: the state after each
        sequence's last real step (joined with the backward pass's state when
        ``bidirectional``), or the mean or maximum of the outputs over the
        real steps. ``"mean"`` and ``"max"`` often train faster on long texts.""",
    ),
    *SERIES_AUGMENTATION,
)

# Recurrent networks learn slowly from small data: they train at least 6,000
# steps, at most 600 epochs (the series guide has the measurements behind it).
RECURRENT_BUDGET = AutoBudget(epochs=12, min_steps=6000, max_epochs=600)

# Recurrent networks clip gradients by default, standardize numeric steps only,
# and train longer when max_epochs="auto".
_TRAINING = replace(
    TRAINING,
    max_epochs=max_epochs_param(
        RECURRENT_BUDGET,
        "36 to 100 series in batches of 8 to 10 train for 600 epochs, 1,437 samples in "
        "batches of 64 for 261, 25,000 for 16, 32,000 or more for 12",
    ),
    clip_grad_norm=Param(
        "clip_grad_norm",
        1.0,
        [Interval(Real, 0, None, closed="neither"), None],
        "float or None",
        """If set, gradients are rescaled so that their total norm is at most this
        (on by default: recurrent networks are prone to exploding gradients).""",
    ),
    normalize=Param(
        "normalize",
        True,
        ["boolean"],
        "bool",
        """Whether to standardize each channel of numeric sequences with its mean
        and standard deviation over the real (unpadded) steps of the training
        data. The statistics are learned in ``fit``, stored in the network
        (``module_.standardize``) and reused by ``predict``. Token ids are not
        standardized.""",
    ),
)

_ATTRIBUTES = """
input_type_ : {"tokens", "numeric"}
    How the training X was read.
vocabulary_size_ : int
    Number of token ids the embedding holds. Token input only.
n_channels_ : int
    Values per step (channels) of numeric sequences. Numeric input only.
""" + fitted_attributes(
    module="``standardize`` (numeric steps, when ``normalize``), then ``network``, "
    "a :class:`skneural.nn.RecurrentNet`",
    n_features="Number of columns (steps) of a 2-D training X; absent for 3-D or list input.",
)

_NOTES = """Padding never changes a prediction: the real steps come first, the LSTM
reads them before any padding (the backward direction reads them reversed)
and the summaries read only real steps, so a sequence gets the same output
alone or in a batch padded to a longer one (see :class:`skneural.nn.RecurrentNet`). For token ids,
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


_DOCS = dict(attributes=_ATTRIBUTES, notes=_NOTES)


class _LSTM:
    """Sequence inputs and the RecurrentNet, for both tasks."""

    input_type_ = fitted("input_", "input_type_", "How the training X was read.")
    vocabulary_size_ = fitted("input_", "vocabulary_size_", "Token ids the embedding holds.")
    n_channels_ = fitted("input_", "n_channels_", "Values per step (channels).")

    def _auto_budget(self) -> AutoBudget:
        """The recurrent networks' larger budget (see ``RECURRENT_BUDGET``)."""
        return RECURRENT_BUDGET

    def _input_adapter(self):
        if self.input_type == "tokens":
            self._check_patch_size()
            refuse_changed(self, SERIES_AUGMENTATION, " is for numeric sequences, not token ids.")
        return SequenceInput(
            self.input_type, self.vocabulary_size, augmentation=series_augmentation(self)
        )

    def _check_patch_size(self):
        if self.patch_size != 1:
            raise ValueError(
                f"patch_size={self.patch_size} is for numeric sequences; token ids are "
                "read one by one (patch_size=1)."
            )

    def _build_network(self, input_, n_outputs):
        if input_.input_type_ == "tokens":
            self._check_patch_size()
            inputs = {"vocabulary_size": input_.vocabulary_size_}
        else:
            inputs = {"n_features": input_.n_channels_}
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
            patch_size=self.patch_size,
        )


@declare(
    (*LSTM, CLASSIFIER_LOSS, *_TRAINING, CLASS_WEIGHT, *RUNTIME),
    see_also="""
LSTMRegressor : The same network for regression.
SequenceVectorizer : Raw documents to the token ids this takes.
""",
    **_DOCS,
)
class LSTMClassifier(_LSTM, NeuralClassifier):
    """LSTM classifier for text (token ids) and numeric sequences.

    A scikit-learn classifier training a PyTorch
    :class:`~skneural.nn.RecurrentNet` through skorch: labels of any kind,
    sequences of any lengths, CPU or CUDA, and every parameter searchable by
    ``GridSearchCV`` and friends. Raw text goes through a
    :class:`SequenceVectorizer` first, in a pipeline.

    The default network is the classic one for text: embedding 128 -> LSTM
    128 -> dropout 0.2 -> dense 64 ReLU -> dropout 0.2 -> output.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skneural import LSTMClassifier, SequenceVectorizer
    >>> docs = ["good, not bad", "bad, not good"] * 50  # same words, other order
    >>> labels = ["positive", "negative"] * 50
    >>> model = make_pipeline(
    ...     SequenceVectorizer(max_len=5),
    ...     LSTMClassifier(input_type="tokens", hidden_units=16, max_epochs=20, random_state=0),
    ... ).fit(docs, labels)
    >>> model.predict(["Good, not bad!", "Bad, not good."])
    array(['positive', 'negative'], dtype='<U8')
    """


@declare(
    (*LSTM, REGRESSOR_LOSS, *_TRAINING, *RUNTIME),
    see_also="LSTMClassifier : The same network for classification.",
    **_DOCS,
)
class LSTMRegressor(_LSTM, NeuralRegressor):
    """LSTM regressor for text (token ids) and numeric sequences.

    The network of :class:`LSTMClassifier` with one linear output per target.

    Examples
    --------
    >>> from skneural import LSTMRegressor
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(2, rng.randint(3, 15)) for _ in range(200)]  # (channels, varying steps)
    >>> y = np.array([x[0].sum() for x in X])
    >>> reg = LSTMRegressor(hidden_units=32, summary="mean", max_epochs=60, random_state=0)
    >>> reg = reg.fit(X, y)
    >>> reg.n_channels_
    2
    >>> reg.score(X, y) > 0.5
    True
    """
