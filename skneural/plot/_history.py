"""Training history (loss, validation score, learning rate per epoch) as a Display."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError

from skneural.plot._utils import axes_grid, check_matplotlib, final_estimator

_PANELS = ("loss", "score", "lr")


class TrainingHistoryDisplay:
    """Training history visualization: loss, validation score and learning rate per epoch.

    One panel each for the training loss (and the validation loss, when
    early stopping held data out), the validation score and the learning
    rate, against the epoch. The epoch whose weights early stopping kept (the
    one reaching ``best_validation_score``) is marked on every panel.

    It is recommended to use :meth:`from_estimator` to create a
    :class:`TrainingHistoryDisplay`. All parameters are stored as attributes.

    Parameters
    ----------
    history : list of dict
        One record per epoch, as a fitted estimator's ``history_``: ``epoch``
        and ``train_loss``, and optionally ``valid_loss``, ``valid_score``,
        ``lr`` (and ``duration``, not drawn).
    best_validation_score : float or None, default=None
        The best validation score, as ``best_validation_score_``; the first
        epoch whose ``valid_score`` equals it is marked as the best epoch.
        None: no epoch is marked.
    score_name : str or None, default=None
        Name of the validation score, for the axis label (e.g. ``"accuracy"``).
    estimator_name : str or None, default=None
        Name of the estimator, for the legend; None for no name.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        The panels, in the order of ``panels_``.
    panels_ : list of str
        What each panel shows: ``"loss"``, ``"score"`` or ``"lr"``.
    lines_ : dict of str to matplotlib Line2D
        The curves, by history key: ``"train_loss"``, and where drawn
        ``"valid_loss"``, ``"valid_score"`` and ``"lr"``.
    best_epoch_ : int or None
        The epoch marked as the best one, or None.
    best_lines_ : list of matplotlib Line2D
        The vertical lines marking ``best_epoch_``, one per panel (empty when
        no epoch is marked).
    best_marker_ : matplotlib Line2D or None
        The marker at the best validation score on the ``"score"`` panel.
    figure_ : matplotlib Figure
        Figure containing the panels.

    See Also
    --------
    SearchResultsDisplay : Scores of a hyper-parameter search's candidates.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from skneural import CNNClassifier
    >>> from skneural.plot import TrainingHistoryDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CNNClassifier(n_filters=4, hidden_units=16, max_epochs=4, early_stopping=True,
    ...                     random_state=0).fit(X[:500], y[:500])
    >>> display = TrainingHistoryDisplay.from_estimator(clf)
    >>> display.panels_
    ['loss', 'score', 'lr']
    >>> sorted(display.lines_)
    ['lr', 'train_loss', 'valid_loss', 'valid_score']
    >>> display.best_epoch_ in (1, 2, 3, 4)
    True
    """

    def __init__(
        self, history, *, best_validation_score=None, score_name=None, estimator_name=None
    ):
        self.history = history
        self.best_validation_score = best_validation_score
        self.score_name = score_name
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, panels=None, name=None, ax=None):
        """Plot the training history of a fitted skneural estimator.

        Parameters
        ----------
        estimator : estimator, Pipeline or search
            A fitted skneural estimator (anything with a ``history_``), a
            fitted :class:`~sklearn.pipeline.Pipeline` whose last step is one,
            or a fitted search (``GridSearchCV``, ``RandomizedSearchCV``,
            ...) whose ``best_estimator_`` is either: its refitted best
            estimator is drawn.
        panels : list of {"loss", "score", "lr"} or None, default=None
            The panels to draw, in order. None: the loss, the validation
            score when there is one, and the learning rate.
        name : str or None, default=None
            Name for the legend; None for no name.
        ax : matplotlib Axes or list of Axes, default=None
            None draws on a new figure; one Axes is split into one panel per
            row; a list gives one Axes per panel.

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        check_matplotlib(f"{cls.__name__}.from_estimator")
        fitted = final_estimator(estimator, attribute="history_", caller=f"{cls.__name__}")
        history = getattr(fitted, "history_", None)
        if history is None:
            if type(fitted).__module__.startswith("skneural.") and hasattr(fitted, "get_params"):
                raise NotFittedError(
                    f"This {type(fitted).__name__} is not fitted yet: call fit before "
                    f"{cls.__name__}.from_estimator, which reads its history_."
                )
            raise TypeError(
                f"{cls.__name__}.from_estimator expects a fitted skneural estimator (one with "
                "a history_ attribute), a fitted Pipeline ending in one, or a fitted search "
                f"whose best_estimator_ is either; got {type(fitted).__name__}."
            )
        display = cls(
            history,
            best_validation_score=getattr(fitted, "best_validation_score_", None),
            score_name=_score_name(fitted),
            estimator_name=name,
        )
        return display.plot(ax=ax, panels=panels)

    def plot(self, ax=None, *, panels=None, name=None):
        """Plot the history.

        Parameters
        ----------
        ax : matplotlib Axes or list of Axes, default=None
            None draws on a new figure; one Axes is split into one panel per
            row; a list gives one Axes per panel (for instance ``axes_`` of
            another display, to compare two histories).
        panels : list of {"loss", "score", "lr"} or None, default=None
            The panels to draw, in order. None: the loss, the validation
            score when there is one, and the learning rate when recorded.
        name : str or None, default=None
            Name for the legend; None for ``estimator_name``.

        Returns
        -------
        display : TrainingHistoryDisplay
            Object that stores the computed values.
        """
        check_matplotlib(f"{type(self).__name__}.plot")
        columns = _columns(self.history)
        panels = self._check_panels(panels, columns)
        name = self.estimator_name if name is None else name

        created = ax is None
        self.figure_, grid, self.bounding_ax_ = axes_grid(
            ax,
            len(panels),
            1,
            panel_size=(6.4, 2.2),
            sharex=True,
            caller=type(self).__name__,
        )
        self.axes_ = np.asarray([a for a in grid.ravel() if a is not None], dtype=object)
        self.panels_ = list(panels)

        epochs = columns["epoch"]
        self.best_epoch_ = self._best_epoch(columns)
        self.lines_, self.best_lines_, self.best_marker_ = {}, [], None
        suffix = f" ({name})" if name else ""
        color = None
        for axis, panel in zip(self.axes_, panels, strict=True):
            if panel == "loss":
                (line,) = axis.plot(epochs, columns["train_loss"], label=f"train{suffix}")
                color = line.get_color()
                self.lines_["train_loss"] = line
                if "valid_loss" in columns:
                    (self.lines_["valid_loss"],) = axis.plot(
                        epochs,
                        columns["valid_loss"],
                        linestyle="--",
                        color=color,
                        label=f"validation{suffix}",
                    )
                axis.set_ylabel("loss")
            elif panel == "score":
                (line,) = axis.plot(
                    epochs, columns["valid_score"], color=color, label=f"validation{suffix}"
                )
                color = line.get_color()
                self.lines_["valid_score"] = line
                label = "validation score"
                axis.set_ylabel(f"{label}\n({self.score_name})" if self.score_name else label)
            else:
                (line,) = axis.plot(epochs, columns["lr"], color=color, label=f"lr{suffix}")
                color = line.get_color()
                self.lines_["lr"] = line
                axis.set_ylabel("learning rate")
            # the epoch axis is labelled once, below the last panel, when panels share it
            last = self.axes_[-1]
            if axis is last or not axis.get_shared_x_axes().joined(axis, last):
                axis.set_xlabel("epoch")

        if self.best_epoch_ is not None:
            for axis, panel in zip(self.axes_, panels, strict=True):
                label = f"best epoch ({self.best_epoch_}){suffix}" if panel == "loss" else None
                self.best_lines_.append(
                    axis.axvline(
                        self.best_epoch_, color=color, linestyle=":", linewidth=1, label=label
                    )
                )
                if panel == "score":
                    (self.best_marker_,) = axis.plot(
                        [self.best_epoch_],
                        [self.best_validation_score],
                        marker="*",
                        markersize=12,
                        linestyle="none",
                        color=color,
                        label=f"best{suffix}",
                    )
        self.axes_[0].legend(fontsize="small")
        if created and name:
            self.figure_.suptitle(name)
        return self

    def _check_panels(self, panels, columns):
        if panels is None:
            return [p for p in _PANELS if p == "loss" or _PANEL_KEY[p] in columns]
        if isinstance(panels, str):
            panels = [panels]
        panels = list(panels)
        unknown = [p for p in panels if p not in _PANELS]
        if unknown or not panels:
            raise ValueError(f"panels must be a non-empty list of {list(_PANELS)}; got {panels!r}.")
        for panel in panels:
            if _PANEL_KEY[panel] not in columns:
                raise ValueError(
                    f"panels={panels!r} asks for {panel!r}, but the history has no "
                    f"{_PANEL_KEY[panel]!r} (a validation score is only recorded with "
                    "early_stopping=True)."
                )
        return panels

    def _best_epoch(self, columns):
        """The first epoch whose validation score is ``best_validation_score``."""
        best = self.best_validation_score
        if best is None or "valid_score" not in columns:
            return None
        scores = columns["valid_score"]
        matches = np.flatnonzero(scores == best)
        if not len(matches):
            matches = np.flatnonzero(np.isclose(scores, best, rtol=1e-6, atol=0))
        return int(columns["epoch"][matches[0]]) if len(matches) else None


_PANEL_KEY = {"loss": "train_loss", "score": "valid_score", "lr": "lr"}


def _columns(history):
    """The history as float arrays by key; keys absent from every record are left out."""
    if isinstance(history, dict) or not hasattr(history, "__len__") or not len(history):
        raise ValueError(
            "history must be a non-empty list of dicts, one per epoch, as an estimator's "
            f"history_; got {type(history).__name__}."
        )
    if not all(isinstance(row, dict) for row in history):
        raise TypeError("history must be a list of dicts, one per epoch, as history_.")
    for key in ("epoch", "train_loss"):
        if not all(key in row for row in history):
            raise ValueError(f"Every record of history must have the key {key!r}.")
    columns = {}
    for key in ("epoch", "train_loss", "valid_loss", "valid_score", "lr"):
        if any(key in row for row in history):
            values = [row.get(key, math.nan) for row in history]
            columns[key] = np.asarray(
                [v if isinstance(v, Real) else math.nan for v in values], dtype=float
            )
    return columns


def _score_name(estimator):
    """What the validation score of a fitted ``estimator`` is, for the axis label, or None."""
    history = estimator.history_
    if not history or "valid_score" not in history[-1] or not hasattr(estimator, "get_params"):
        return None
    scoring = estimator.get_params().get("scoring")
    if isinstance(scoring, str):
        return scoring
    if scoring is None:  # the estimator's own score
        return "accuracy" if is_classifier(estimator) else "R²"
    return None
