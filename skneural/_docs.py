"""Parameter documentation shared by the estimators' docstrings.

Each estimator's docstring names these snippets as ``%(name)s``; the
:func:`fill_doc` decorator substitutes them, so a shared parameter is
described once.
"""

from __future__ import annotations

import textwrap

_SNIPPETS = {
    "classifier_loss": """
loss : {"cross_entropy", "hinge"}, default="cross_entropy"
    Training loss. ``"hinge"`` is the multi-class margin loss; with it the
    estimator has no ``predict_proba``.
""",
    "regressor_loss": """
loss : {"mse", "mae", "huber"}, default="mse"
    Training loss, on the standardized targets (``"huber"`` switches from
    squared to absolute error at one standard deviation).
""",
    "training": """
optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch.optim.Optimizer subclass, \
default="adam"
    Optimizer. A class is called with the parameters, ``lr`` and (when
    nonzero) ``weight_decay``.
lr : float, default=2e-3
    Learning rate.
momentum : float, default=0.9
    Momentum of ``optimizer="sgd"`` (ignored by the other optimizers).
weight_decay : float, default=0.0
    Weight decay: L2 penalty for "sgd", "adam" and "rmsprop"; decoupled
    decay for "adamw".
batch_size : int, default=64
    Samples per training batch (and per prediction batch).
max_epochs : int or "auto", default="auto"
    Passes over the training data (fewer if early stopping ends training).
    ``"auto"`` trains 12 epochs, or more on small data so that training makes
    at least 600 optimizer steps, at most 100 epochs: 1,400 samples in
    batches of 64 train for 27 epochs, 60,000 for 12. ``n_iter_`` tells how
    many ran.
lr_schedule : {"cosine", "constant", "step", "plateau"}, default="cosine"
    How the learning rate changes: ``"cosine"`` decays it to 0 over
    ``max_epochs`` (updated every batch), so that a fixed budget of epochs
    ends at a small rate rather than wherever a constant rate leaves the
    weights (a ``warm_start`` fit starts a new decay from ``lr``);
    ``"constant"`` keeps ``lr``; ``"step"`` multiplies it by
    ``lr_decay`` at 50% and at 75% of ``max_epochs``; ``"plateau"``
    multiplies it by ``lr_decay`` when the validation score (with early
    stopping) or else the training loss has not improved for
    ``max(1, n_iter_no_change // 2)`` epochs.
lr_decay : float, default=0.1
    Factor of the ``"step"`` and ``"plateau"`` schedules.
early_stopping : bool, default=False
    Whether to hold out ``validation_fraction`` of the training data
    (stratified for classifiers, drawn with ``random_state``) and stop when
    its score has not improved by ``tol`` for ``n_iter_no_change`` epochs.
    The weights of the best epoch are restored at the end. When False, no
    data is held out: all of a cross-validation fold trains the network.
validation_fraction : float, default=0.1
    Share of the training data held out when ``early_stopping`` is True.
n_iter_no_change : int, default=5
    Epochs without improvement before early stopping ends training.
tol : float, default=1e-4
    Smallest gain of the validation score that counts as an improvement.
scoring : str, callable or None, default=None
    Validation score monitored by early stopping: None for the estimator's
    own ``score`` (accuracy, or R^2 for regressors), else a scikit-learn
    scorer name (e.g. ``"f1_macro"``, ``"neg_mean_absolute_error"``) or a
    callable ``scorer(estimator, X, y)``.
clip_grad_norm : float or None, default=None
    If set, gradients are rescaled so that their total norm is at most this.
normalize : bool, default=True
    Whether to standardize each input channel with the mean and standard
    deviation of the training data. The statistics are learned in ``fit``,
    stored in the network (``module_.standardize``) and reused by
    ``predict``.
random_state : int, RandomState instance or None, default=None
    Seeds weight initialization, shuffling, the validation split, dropout
    and augmentation. Two fits on CPU with the same integer give identical
    networks. The global torch RNG state is left as it was.
device : str or torch.device, default="auto"
    ``"auto"`` trains on CUDA when it is available, else on the CPU; also
    ``"cpu"``, ``"cuda"``, ``"cuda:<index>"`` or ``"mps"``.
verbose : int, default=0
    0 is silent; 1 prints a table row per epoch; 2 also shows a progress bar.
warm_start : bool, default=False
    Whether ``fit`` continues training the fitted network (with its
    optimizer state) instead of starting afresh.
tensorboard_dir : str, path or None, default=None
    If set, each fit writes TensorBoard event files (per-epoch losses,
    validation score and learning rate) to a run folder of its own under
    this directory. Needs ``pip install skneural[tensorboard]``.
callbacks : list of skorch callbacks or (name, callback) tuples, default=None
    Extra skorch callbacks. They are copied at each fit; the fitted ones are
    in ``net_.callbacks_``.
""",
    "class_weight": """
class_weight : dict, "balanced" or None, default=None
    Weights of the classes in the loss, as ``{label: weight}``, or
    ``"balanced"`` for weights inversely proportional to class frequencies.
    Multiplied with ``sample_weight``.
""",
    "fitted": """
net_ : skorch.NeuralNet
    The trained skorch net.
module_ : torch.nn.Module
    The trained network: ``standardize`` (when ``normalize``), then
    ``network``.
n_features_in_ : int
    Number of values per input sample.
feature_names_in_ : ndarray of shape (n_features_in_,)
    Names of the features, when ``X`` was a DataFrame with string column names.
%(history)s
""",
    "history": """
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
""",
}


# The sequence estimators (LSTM) clip gradients by default and standardize
# numeric steps inside their network: the shared text with those two entries changed.
_SNIPPETS["sequence_training"] = (
    _SNIPPETS["training"]
    .replace(
        """clip_grad_norm : float or None, default=None
    If set, gradients are rescaled so that their total norm is at most this.""",
        """clip_grad_norm : float or None, default=1.0
    If set, gradients are rescaled so that their total norm is at most this
    (on by default: recurrent networks are prone to exploding gradients).""",
    )
    .replace(
        """normalize : bool, default=True
    Whether to standardize each input channel with the mean and standard
    deviation of the training data. The statistics are learned in ``fit``,
    stored in the network (``module_.standardize``) and reused by
    ``predict``.""",
        """normalize : bool, default=True
    Whether to standardize each feature of numeric sequences with its mean
    and standard deviation over the real (unpadded) steps of the training
    data. The statistics are learned in ``fit``, stored in the network
    (``module_.mean``, ``module_.std``) and reused by ``predict``. Token ids
    are not standardized.""",
    )
)


def fill_doc(obj):
    """Substitute ``%(name)s`` snippets into ``obj.__doc__``, keeping its indentation."""
    doc = obj.__doc__
    for name, text in _SNIPPETS.items():
        marker = f"%({name})s"
        while marker in doc:
            start = doc.index(marker)
            indent = doc[doc.rfind("\n", 0, start) + 1 : start]
            block = textwrap.indent(text.strip("\n"), indent)[len(indent) :]
            doc = doc[:start] + block + doc[start + len(marker) :]
    obj.__doc__ = doc
    return obj
