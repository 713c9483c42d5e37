"""Documentation shared by the estimators' docstrings.

The fitted attributes (:data:`FITTED`, :func:`fitted_attributes`) are passed
to :func:`skneural._core._params.declare` as its ``attributes``; the
sections of ``fit`` and ``predict`` (:data:`FIT_XY`, :data:`PREDICT_X`,
:data:`RETURNS_SELF`) are substituted for ``%(name)s`` markers by
:func:`skneural._core._params.fill_doc`. The parameters are documented with
their declarations.
"""

from __future__ import annotations

HISTORY = """
history_ : list of dict
    One record per epoch: ``epoch``, ``train_loss``, ``lr``, ``duration``
    (seconds) and, with early stopping, ``valid_loss`` and ``valid_score``.
n_iter_ : int
    Number of epochs run (over all fits, with ``warm_start``).
loss_curve_ : list of float
    Training loss of each epoch.
best_validation_score_ : float
    Best validation score, whose weights were kept. Only with early stopping.
validation_scores_ : list of float
    Validation score of each epoch. Only with early stopping.
"""


def fitted_attributes(
    module="``standardize`` (when ``normalize``), then ``network``",
    n_features="Number of values per input sample.",
) -> str:
    """The attributes every fitted estimator has, with a family's words for two of them."""
    return (
        f"""
input_ : InputAdapter
    How X is read, as learned from the training X (see ``docs/architecture.rst``).
task_ : ClassificationTask or RegressionTask
    The classes, or the target scaling, learned from y.
net_ : skorch.NeuralNet
    The trained skorch net.
module_ : torch.nn.Module
    The trained network (``net_.module_``): {module}.
n_features_in_ : int
    {n_features}
feature_names_in_ : ndarray of shape (n_features,)
    Names of the features, when ``X`` was a DataFrame with string column names.
"""
        + HISTORY
    )


FITTED = fitted_attributes()

# method docstrings
PREDICT_X = """
Parameters
----------
X : array-like
    Inputs, shaped as in ``fit``.
"""

FIT_XY = """
Parameters
----------
X : array-like
    Training inputs; see the class documentation for the shapes taken.
y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    Targets (labels, for classifiers).
sample_weight : array-like of shape (n_samples,), default=None
    Per-sample weights of the loss; an integer weight acts like
    repeating the sample.
"""

RETURNS_SELF = """
Returns
-------
self : object
    The estimator, trained.
"""
