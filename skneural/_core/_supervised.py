"""Classifier and regressor bases: the public fit, partial_fit and predict methods."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if

from skneural._core._docs import FIT_XY, PREDICT_X, RETURNS_SELF
from skneural._core._estimator import NeuralEstimator, fitted
from skneural._core._losses import CLASSIFICATION_LOSSES, REGRESSION_LOSSES
from skneural._core._params import Param, fill_doc
from skneural._core._tasks import ClassificationTask, RegressionTask, decision, softmax

CLASSIFIER_LOSS = Param(
    "loss",
    "cross_entropy",
    [StrOptions(set(CLASSIFICATION_LOSSES))],
    '{"cross_entropy", "hinge"}',
    """Training loss. ``"hinge"`` is the multi-class margin loss; with it the
    estimator has no ``predict_proba``.""",
)
REGRESSOR_LOSS = Param(
    "loss",
    "mse",
    [StrOptions(set(REGRESSION_LOSSES))],
    '{"mse", "mae", "huber"}',
    """Training loss, on the standardized targets (``"huber"`` switches from
    squared to absolute error at one standard deviation).""",
)
CLASS_WEIGHT = Param(
    "class_weight",
    None,
    [dict, StrOptions({"balanced"}), None],
    'dict, "balanced" or None',
    """Weights of the classes in the loss, as ``{label: weight}``, or
    ``"balanced"`` for weights inversely proportional to class frequencies.
    Multiplied with ``sample_weight``.""",
)


_documented = fill_doc(fit_xy=FIT_XY, returns_self=RETURNS_SELF, predict_x=PREDICT_X)


class _Supervised(NeuralEstimator):
    @_documented
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X`` and ``y``.

        %(fit_xy)s

        %(returns_self)s
        """
        return self._fit(X, y, sample_weight, incremental=False)


class NeuralClassifier(ClassifierMixin, _Supervised):
    """Classification: labels of any kind, probabilities, scikit-learn's decision function."""

    _task_doc = ""
    _task_attributes = """
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    """

    classes_ = fitted("task_", "classes_", "Class labels.")

    def _task(self):
        return ClassificationTask(type(self).__name__, self.class_weight)

    def _has_probabilities(self):
        return self.loss == "cross_entropy"

    @_documented
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train the network for one epoch on ``X`` and ``y``, continuing the last one.

        The first call builds the network; later calls keep its weights and
        the optimizer's state. No data is held out (no early stopping) and
        the learning rate is ``lr`` throughout.

        %(fit_xy)s
        classes : array-like of shape (n_classes,), default=None
            Every label of all the calls. Required on the first call, and
            ignored (if equal) on later ones.

        %(returns_self)s
        """
        if not hasattr(self, "net_"):
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: every label "
                    "of all the calls, e.g. classes=np.unique(y_all)."
                )
        elif classes is not None and not np.array_equal(self.classes_, np.unique(classes)):
            raise ValueError(
                f"classes={list(classes)!r} is not the same as on the first call to "
                f"partial_fit: {self.classes_.tolist()!r}."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    @_documented
    def predict(self, X):
        """Predict class labels.

        %(predict_x)s

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels, of the same kind as those ``fit`` saw.
        """
        outputs = self._forward(X)  # checks that the estimator is fitted
        return self.task_.decode(outputs)

    @available_if(_has_probabilities)
    @_documented
    def predict_proba(self, X):
        """Class probabilities (softmax of the network's outputs).

        Only with ``loss="cross_entropy"``: a hinge loss gives margins, not
        probabilities.

        %(predict_x)s

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; two columns for binary problems.
        """
        return softmax(self._forward(X))

    @_documented
    def decision_function(self, X):
        """The network's raw scores (logits, or margins with a hinge loss).

        %(predict_x)s

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For binary problems, the score of ``classes_[1]`` minus that of
            ``classes_[0]``, as scikit-learn's classifiers return it.
        """
        return decision(self._forward(X))


class NeuralRegressor(RegressorMixin, _Supervised):
    """Regression: targets standardized for training, predictions in the units of y."""

    _task_doc = """
    Targets are standardized for training and mapped back by ``predict``;
    several targets (``y`` of shape ``(n_samples, n_outputs)``) train one
    network with several outputs.
    """
    _task_attributes = """
    n_outputs_ : int
        Number of targets.
    """

    n_outputs_ = fitted("task_", "n_outputs_", "Number of targets.")

    def _task(self):
        return RegressionTask(type(self).__name__)

    def _has_probabilities(self):
        return False

    @_documented
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train the network for one epoch on ``X`` and ``y``, continuing the last one.

        The first call builds the network and learns the target scaling from
        its ``y``; later calls keep the weights, the scaling and the
        optimizer's state. No data is held out and the learning rate is
        ``lr`` throughout.

        %(fit_xy)s

        %(returns_self)s
        """
        return self._fit(X, y, sample_weight, incremental=True)

    @_documented
    def predict(self, X):
        """Predict targets.

        %(predict_x)s

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            In the units of the targets ``fit`` saw.
        """
        outputs = self._forward(X)  # checks that the estimator is fitted
        return self.task_.decode(outputs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
