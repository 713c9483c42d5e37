"""The task an estimator learns: classification or regression.

A task is fitted with the estimator (its ``task_``). It turns ``y`` into the
targets the network trains on (class codes; standardized values), says how
wide the network's output is, and turns the network's raw outputs back into
predictions and validation scores.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.metrics import get_scorer, r2_score
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_y

from skneural._core._losses import CLASSIFICATION_LOSSES, REGRESSION_LOSSES
from skneural._core._stats import weighted_mean_std


def softmax(outputs: np.ndarray) -> np.ndarray:
    """Class probabilities of raw outputs, in float64."""
    return torch.softmax(torch.from_numpy(outputs).double(), dim=1).numpy()


def decision(outputs: np.ndarray) -> np.ndarray:
    """scikit-learn's ``decision_function``: one column for binary problems."""
    outputs = outputs.astype(np.float64)
    return outputs[:, 1] - outputs[:, 0] if outputs.shape[1] == 2 else outputs


class ClassificationTask:
    """Labels of any kind as class codes ``0 .. n_classes - 1``; one output per class.

    Parameters
    ----------
    owner : str
        The estimator's name, for messages.
    class_weight : dict, "balanced" or None
        Weights of the classes in the loss.
    """

    losses = CLASSIFICATION_LOSSES
    stratify = True

    def __init__(self, owner: str, class_weight=None):
        self.owner = owner
        self.class_weight = class_weight

    def check(self, y):
        """``y`` validated as class labels."""
        y = _check_y(y, estimator=self.owner)
        check_classification_targets(y)
        return y

    def fit(self, y, *, classes=None, sample_weight=None, index=None):
        """Learn ``classes_`` (from ``y``, or the given ``classes``); return the codes of y."""
        y = self.check(y)
        if classes is None:
            classes = np.unique(y)
        else:
            classes = np.unique(self.check(np.asarray(classes)))
        if len(classes) < 2:
            raise ValueError(
                f"{self.owner} needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {classes[0]!r}."
            )
        self.classes_ = classes
        return self.encode(y)

    def encode(self, y):
        """The class codes of ``y``, whose labels must all be in ``classes_``."""
        y = self.check(y)
        unseen = np.setdiff1d(y, self.classes_)
        if len(unseen):
            raise ValueError(
                f"y contains labels {unseen.tolist()} not seen in the first fit "
                f"(classes_ = {self.classes_.tolist()}): the classes are fixed by the first "
                "fit, or by classes= in the first partial_fit; warm_start cannot add classes."
            )
        return np.searchsorted(self.classes_, y).astype(np.int64)

    @property
    def n_outputs(self) -> int:
        return len(self.classes_)

    def sample_weight(self, sample_weight, codes):
        """``sample_weight`` times the weights of ``class_weight``."""
        if self.class_weight is None:
            return sample_weight
        per_class = compute_class_weight(
            self.class_weight, classes=self.classes_, y=self.classes_[codes]
        )
        weights = per_class[codes]
        return weights if sample_weight is None else weights * sample_weight

    def decode(self, outputs):
        """Predicted labels of raw outputs."""
        return self.classes_[outputs.argmax(axis=1)]

    def decode_targets(self, codes):
        return self.classes_[codes]

    def default_score(self, outputs, y_true, sample_weight):
        return np.average(self.decode(outputs) == y_true, weights=sample_weight)


class RegressionTask:
    """Numeric targets, standardized for training (each output to mean 0, std 1).

    An unscaled target, such as a price, otherwise often leaves a network
    predicting its mean. Predictions are mapped back to the units of ``y``.
    """

    losses = REGRESSION_LOSSES
    stratify = False

    def __init__(self, owner: str):
        self.owner = owner

    def check(self, y):
        """``y`` validated as numeric targets."""
        return _check_y(y, multi_output=True, y_numeric=True, estimator=self.owner)

    def fit(self, y, *, classes=None, sample_weight=None, index=None):
        """Learn the outputs and the scaling (from the rows ``index``); return the targets."""
        y = self.check(y)
        y2 = y.reshape(len(y), -1).astype(np.float64)
        self.single_output_ = y.ndim == 1
        self.n_outputs_ = y2.shape[1]
        self.mean_, self.scale_ = weighted_mean_std(y2, 1, sample_weight, index)
        return self._scale(y2)

    def encode(self, y):
        """The standardized targets of ``y``, with the fitted number of outputs."""
        y2 = self.check(y)
        y2 = y2.reshape(len(y2), -1).astype(np.float64)
        if y2.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y2.shape[1]} outputs, but {self.owner} was fitted with {self.n_outputs_}."
            )
        return self._scale(y2)

    def _scale(self, y2):
        return ((y2 - self.mean_) / self.scale_).astype(np.float32)

    @property
    def n_outputs(self) -> int:
        return self.n_outputs_

    def sample_weight(self, sample_weight, targets):
        return sample_weight

    def decode(self, outputs):
        """Network outputs in the units of the targets ``fit`` saw."""
        y = outputs.astype(np.float64) * self.scale_ + self.mean_
        return y[:, 0] if self.single_output_ else y

    decode_targets = decode

    def default_score(self, outputs, y_true, sample_weight):
        return r2_score(y_true, self.decode(outputs), sample_weight=sample_weight)


class _KnownOutputs:
    """A fitted-estimator stand-in whose outputs on the validation set are known.

    Lets any scikit-learn scorer score an epoch from the outputs the
    validation pass already computed. It has ``predict_proba`` only where the
    estimator has it, so a scorer that needs probabilities fails as it would
    on the estimator.
    """

    def __init__(self, scorer, outputs):
        self._scorer = scorer
        self._outputs = outputs
        if hasattr(scorer.task, "classes_"):
            self.classes_ = scorer.task.classes_

    def __sklearn_tags__(self):
        return self._scorer.tags

    def predict(self, X):
        return self._scorer.task.decode(self._outputs)

    @available_if(lambda self: self._scorer.probabilities)
    def predict_proba(self, X):
        return softmax(self._outputs)

    def decision_function(self, X):
        return decision(self._outputs)


class OutputScorer:
    """Validation score from raw outputs: the estimator's ``score``, or ``scoring``.

    A picklable ``f(outputs, targets, sample_weight) -> score``.
    """

    def __init__(self, task, scoring, tags, probabilities: bool):
        self.task = task
        self.scoring = scoring
        self.tags = tags
        self.probabilities = probabilities

    def __call__(self, outputs, targets, sample_weight):
        y_true = self.task.decode_targets(targets)
        if self.scoring is None:
            return self.task.default_score(outputs, y_true, sample_weight)
        scorer = get_scorer(self.scoring) if isinstance(self.scoring, str) else self.scoring
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer(_KnownOutputs(self, outputs), np.empty((len(y_true), 0)), y_true, **kwargs)
