"""skorch callbacks for the estimators' ``callbacks`` parameter."""

from __future__ import annotations

from skorch.callbacks import Callback

__all__ = ["OptunaPruning"]


class OptunaPruning(Callback):
    """Report each epoch's score to an Optuna trial and stop the fit when it is pruned.

    For the hand-written objective of Optuna's tutorials: the estimator
    fitted inside ``objective(trial)`` reports ``monitor`` after every epoch
    (as the trial's intermediate value, at step ``epoch - 1``) and raises
    :class:`optuna.TrialPruned` out of ``fit`` when the study's pruner says
    so; Optuna records the trial as pruned. Like optuna-integration's
    ``SkorchPruningCallback``, but it shares the trial when the estimator
    copies its callbacks at each fit (a copy of a trial would report to a
    copy of its storage), and it names what to set when ``monitor`` is not
    in the history.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial being evaluated.
    monitor : str, default="valid_score"
        The history key reported: ``"valid_score"`` (the validation score,
        higher is better; needs ``early_stopping=True``, which holds out
        ``validation_fraction``), ``"valid_loss"`` or ``"train_loss"``. The
        study's direction must match it.

    Examples
    --------
    >>> import optuna  # doctest: +SKIP
    >>> from sklearn.datasets import load_digits
    >>> from skneural import CNNClassifier
    >>> from skneural.callbacks import OptunaPruning
    >>> X, y = load_digits(return_X_y=True)
    >>> def objective(trial):
    ...     clf = CNNClassifier(
    ...         lr=trial.suggest_float("lr", 1e-4, 1e-1, log=True),
    ...         early_stopping=True,
    ...         n_iter_no_change=10,
    ...         max_epochs=10,
    ...         callbacks=[OptunaPruning(trial)],
    ...     )
    ...     return clf.fit(X, y).best_validation_score_
    >>> study = optuna.create_study(direction="maximize")  # doctest: +SKIP
    >>> study.optimize(objective, n_trials=20)  # doctest: +SKIP
    """

    def __init__(self, trial, monitor="valid_score"):
        self.trial = trial
        self.monitor = monitor

    def __deepcopy__(self, memo):
        # the estimator copies its callbacks at each fit: share the trial
        return type(self)(self.trial, self.monitor)

    def on_epoch_end(self, net, **kwargs):
        import optuna

        row = net.history[-1]
        if self.monitor not in row:
            hint = " (set early_stopping=True)" if self.monitor.startswith("valid") else ""
            raise ValueError(
                f"OptunaPruning(monitor={self.monitor!r}): the history has no "
                f"{self.monitor!r}{hint}; it has {sorted(k for k in row if k != 'batches')}."
            )
        epoch = row["epoch"]
        self.trial.report(float(row[self.monitor]), step=epoch - 1)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {epoch} ({self.monitor}).")
