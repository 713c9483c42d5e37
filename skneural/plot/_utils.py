"""Helpers shared by the Display objects: matplotlib, estimator unwrapping, axes grids."""

from __future__ import annotations

import math

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils._optional_dependencies import check_matplotlib_support

INSTALL_HINT = 'pip install "skneural[plot]"'


def check_matplotlib(caller_name: str) -> None:
    """Raise an ImportError naming the ``plot`` extra when matplotlib is missing."""
    try:
        check_matplotlib_support(caller_name)
    except ImportError as exc:
        raise ImportError(
            f"{caller_name} requires matplotlib, which skneural installs as an optional "
            f"extra: {INSTALL_HINT} (or pip install matplotlib)."
        ) from exc


def _is_search(obj) -> bool:
    """Whether ``obj`` looks like a hyper-parameter search (fitted or not)."""
    from sklearn.model_selection._search import BaseSearchCV

    if isinstance(obj, BaseSearchCV):
        return True
    # scikit-optimize's BayesSearchCV derives from BaseSearchCV; optuna's
    # OptunaSearchCV does not, but holds an estimator and parameter distributions
    return hasattr(obj, "estimator") and any(
        hasattr(obj, name) for name in ("param_grid", "param_distributions", "search_spaces")
    )


def final_estimator(estimator, *, attribute: str, caller: str):
    """The estimator doing the work: the last step of a Pipeline, a search's best estimator.

    Unwraps, repeatedly, a :class:`~sklearn.pipeline.Pipeline` (its last
    step) and a fitted search (its ``best_estimator_``), so a search over a
    pipeline ending in a network gives the network. Raises a
    :class:`~sklearn.exceptions.NotFittedError` (a ValueError) for an
    unfitted search and a TypeError for a search fitted with ``refit=False``.
    ``attribute`` and ``caller`` only word the errors.
    """
    current = estimator
    for _ in range(100):  # a chain of wrappers, never a cycle
        if isinstance(current, Pipeline):
            current = current.steps[-1][1]
        elif _is_search(current):
            if hasattr(current, "best_estimator_"):
                current = current.best_estimator_
            elif hasattr(current, "cv_results_") or hasattr(current, "study_"):
                raise TypeError(
                    f"{caller} needs the search's best_estimator_, which {type(current).__name__} "
                    "only has when fitted with refit=True (or a metric name)."
                )
            else:
                raise NotFittedError(
                    f"This {type(current).__name__} is not fitted yet: call fit before "
                    f"{caller}, which reads the {attribute} of its best_estimator_."
                )
        else:
            return current
    return current


def axes_grid(ax, n_axes: int, n_cols: int, *, panel_size=(2.0, 2.0), sharex=False, caller=""):
    """``n_axes`` axes in rows of ``n_cols``: new ones, the ones given, or a split of one.

    Parameters
    ----------
    ax : None, matplotlib Axes or array-like of Axes
        None draws on a new figure; a single Axes (made by ``subplots`` or
        ``add_subplot``) is split into the grid, in the space it took; an
        array-like must hold exactly ``n_axes`` Axes.

    Returns
    -------
    figure : matplotlib Figure
    axes : ndarray of Axes, of shape ``(n_rows, n_cols)``, or ``(n_axes,)`` when given
        Cells of the grid beyond ``n_axes`` are removed from the figure and hold None.
    bounding_ax : Axes or None
        The Axes that was split, hidden, if any.
    """
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    n_cols = max(1, min(n_cols, n_axes))
    n_rows = max(1, math.ceil(n_axes / n_cols))
    if ax is None:
        width, height = panel_size
        figure, grid = plt.subplots(
            n_rows,
            n_cols,
            figsize=(width * n_cols, height * n_rows),
            squeeze=False,
            sharex=sharex,
            layout="constrained",
        )
        return figure, _hide_spare(grid, n_axes), None
    if isinstance(ax, Axes):
        if n_axes == 1:
            return ax.figure, np.array([[ax]], dtype=object), None
        spec = ax.get_subplotspec()
        if spec is None:
            raise ValueError(
                f"{caller} draws {n_axes} axes: pass an Axes made by plt.subplots or "
                "add_subplot (so it can be split into a grid), or a list of "
                f"{n_axes} Axes; got an Axes without a subplot position."
            )
        ax.set_axis_off()
        figure = ax.figure
        cells = spec.subgridspec(n_rows, n_cols)
        grid = np.empty((n_rows, n_cols), dtype=object)
        for i in range(n_axes):
            row, col = divmod(i, n_cols)
            grid[row, col] = figure.add_subplot(cells[row, col])
        return figure, grid, ax
    axes = np.asarray(ax, dtype=object).ravel()
    if len(axes) != n_axes or not all(isinstance(a, Axes) for a in axes):
        raise ValueError(
            f"{caller} draws {n_axes} axes: ax must be None, one Axes (split into a "
            f"grid) or {n_axes} Axes; got {len(axes)} objects."
        )
    return axes[0].figure, axes, None


def _hide_spare(grid, n_axes):
    """Remove the grid cells beyond the first ``n_axes`` from the figure; None in their place."""
    flat = grid.ravel()
    for spare in flat[n_axes:]:
        spare.remove()
    flat = flat.astype(object)
    flat[n_axes:] = None
    return flat.reshape(grid.shape)
