"""Scores of a hyper-parameter search's candidates as a Display."""

from __future__ import annotations

from numbers import Real

import numpy as np

from skneural._core._params import fill_doc
from skneural.plot._search_results import halving_groups, results_table, search_results
from skneural.plot._utils import axes_grid, check_matplotlib

# the panel of the score against the fit time, in ``panels_``
FIT_TIME = "mean_fit_time"


_documented = fill_doc(
    panel_parameters="""
    ax : matplotlib Axes or list of Axes, default=None
        None draws on a new figure; one Axes is split into the panels;
        a list gives one Axes per panel.
    n_cols : int, default=3
        Panels per row, on a new figure or a split Axes.
    log_scale : "auto", bool or list of str, default="auto"
        Which numeric axes are logarithmic: "auto" for those whose
        positive values span two decades or more (the largest at least
        100 times the smallest), or more than one decade of values that
        repeat, as in a grid, and are spaced geometrically (``[4, 8, 16,
        32]``, say); True for every axis of positive values, False for
        none, or a list of parameter names (``"mean_fit_time"`` for the
        fit time).
    """
)


class SearchResultsDisplay:
    """Search results visualization: the score of every candidate against each parameter.

    One panel per searched parameter, with the mean cross-validated score of
    every candidate (and its standard deviation across folds as an error
    bar) against the candidate's value of that parameter, then one panel of
    the score against the mean fit time. Numeric parameters spanning two
    decades or more (a learning rate, say) get a logarithmic axis; other
    values (strings, booleans, None, tuples, objects) are drawn as
    categories. When values repeat, as in a grid, a line joins the best
    score at each value. The best candidate is starred on every panel.

    The candidates of a successive-halving search (``HalvingGridSearchCV``,
    ``HalvingRandomSearchCV``) are coloured by iteration, as their scores
    at different resources do not compare.

    It is recommended to use :meth:`from_estimator` to create a
    :class:`SearchResultsDisplay`. All parameters are stored as attributes.

    Parameters
    ----------
    cv_results : dict
        A search's ``cv_results_``: ``params`` (a list of dicts; or the
        ``param_<name>`` columns), ``mean_test_<metric>`` and optionally
        ``std_test_<metric>``, ``mean_fit_time``, and for the halving searches
        ``iter`` and ``n_resources``.
    best_index : int or None, default=None
        Row of the best candidate, as ``best_index_``; None: the row with the
        highest mean score.
    metric : str, default="score"
        The metric drawn: the columns ``mean_test_<metric>`` and
        ``std_test_<metric>``.
    param_names : list of str or None, default=None
        The parameters to draw, in order; None for every parameter searched.
    estimator_name : str or None, default=None
        Name of the search, for the figure title; None for no title.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        The panels, in the order of ``panels_``.
    panels_ : list of str
        What each panel's x axis shows: a parameter name, or
        ``"mean_fit_time"`` for the last one.
    errorbars_ : list of list of matplotlib ErrorbarContainer
        Per panel, the candidates' points: one container, or one per
        iteration of a successive-halving search.
    profile_lines_ : dict of str to matplotlib Line2D
        Per numeric parameter whose values repeat, the line through the best
        score at each value.
    best_markers_ : list of matplotlib Line2D
        The star at the best candidate, one per panel.
    figure_ : matplotlib Figure
        Figure containing the panels.

    See Also
    --------
    TrainingHistoryDisplay : Loss and validation score per epoch of one fit.

    Notes
    -----
    scikit-optimize's ``BayesSearchCV`` has the ``cv_results_`` of
    scikit-learn's searches. optuna-integration's ``OptunaSearchCV`` has a
    ``cv_results_`` without the parameters; :meth:`from_estimator` reads
    its completed ``trials_`` instead (their ``params`` and the
    ``mean_test_score``, ``std_test_score`` and ``mean_fit_time`` it records
    on each trial).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skneural import CNNClassifier
    >>> from skneural.plot import SearchResultsDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> cnn = CNNClassifier(n_filters=4, hidden_units=16, max_epochs=2, random_state=0)
    >>> search = GridSearchCV(cnn, {"lr": [1e-3, 1e-2], "batch_norm": [False, True]}, cv=2)
    >>> display = SearchResultsDisplay.from_estimator(search.fit(X[:300], y[:300]))
    >>> display.panels_
    ['batch_norm', 'lr', 'mean_fit_time']
    >>> len(display.axes_)
    3
    """

    def __init__(
        self, cv_results, *, best_index=None, metric="score", param_names=None, estimator_name=None
    ):
        self.cv_results = cv_results
        self.best_index = best_index
        self.metric = metric
        self.param_names = param_names
        self.estimator_name = estimator_name

    @classmethod
    @_documented
    def from_estimator(
        cls,
        estimator,
        *,
        metric=None,
        param_names=None,
        name=None,
        ax=None,
        n_cols=3,
        log_scale="auto",
    ):
        """Plot the results of a fitted hyper-parameter search.

        Parameters
        ----------
        estimator : fitted search
            ``GridSearchCV``, ``RandomizedSearchCV``, ``HalvingGridSearchCV``,
            ``HalvingRandomSearchCV``, scikit-optimize's ``BayesSearchCV`` or
            anything else with their ``cv_results_``, or optuna-integration's
            ``OptunaSearchCV`` (read from its ``trials_``).
        metric : str or None, default=None
            The metric drawn, for multi-metric searches: a key of ``scoring``.
            None: ``"score"`` for single-metric searches, else the search's
            ``refit`` metric.
        param_names : list of str or None, default=None
            The parameters to draw, in order; None for every parameter searched.
        name : str or None, default=None
            Title of the figure; None for no title.
        %(panel_parameters)s

        Returns
        -------
        display : SearchResultsDisplay
        """
        check_matplotlib(f"{cls.__name__}.from_estimator")
        cv_results, best_index = search_results(estimator, cls.__name__)
        if metric is None:
            refit = getattr(estimator, "refit", True)
            if "mean_test_score" in cv_results or not isinstance(refit, str):
                metric = "score"
            else:
                metric = refit
        display = cls(
            cv_results,
            best_index=best_index,
            metric=metric,
            param_names=param_names,
            estimator_name=name,
        )
        return display.plot(ax=ax, n_cols=n_cols, log_scale=log_scale)

    @_documented
    def plot(self, ax=None, *, n_cols=3, log_scale="auto"):
        """Plot the search results.

        Parameters
        ----------
        %(panel_parameters)s

        Returns
        -------
        display : SearchResultsDisplay
            Object that stores the computed values.
        """
        check_matplotlib(f"{type(self).__name__}.plot")
        table = results_table(self.cv_results, self.metric)
        names = self._check_param_names(table["params"])
        n_panels = len(names) + 1
        self.figure_, grid, self.bounding_ax_ = axes_grid(
            ax, n_panels, n_cols, panel_size=(3.4, 2.8), caller=type(self).__name__
        )
        self.axes_ = np.asarray([a for a in grid.ravel() if a is not None], dtype=object)
        self.panels_ = [*names, FIT_TIME]
        # y labels on the first panel of each row, or on every panel of a list given
        given_list = ax is not None and self.bounding_ax_ is None
        row_length = grid.shape[1] if grid.ndim == 2 else 1

        mean = table["mean"]
        best = self.best_index
        if best is None:
            best = int(np.nanargmax(mean)) if np.isfinite(mean).any() else None
        groups = halving_groups(table)
        self.errorbars_, self.best_markers_, self.profile_lines_ = [], [], {}
        score_label = "mean test score" if self.metric == "score" else f"mean test {self.metric}"

        for i, (axis, panel) in enumerate(zip(self.axes_, self.panels_, strict=True)):
            if panel == FIT_TIME:
                x = table["fit_time"]
                present = np.isfinite(x)
                numeric, categories = True, None
                axis.set_xlabel("mean fit time (s)")
            else:
                x, present, numeric, categories = _param_axis(table["params"], panel)
                axis.set_xlabel(panel)
            containers = []
            for label, rows in groups:
                rows = rows & present
                if not rows.any():
                    continue
                containers.append(
                    axis.errorbar(
                        x[rows],
                        mean[rows],
                        yerr=None if table["std"] is None else table["std"][rows],
                        fmt="o",
                        markersize=4,
                        alpha=0.75,
                        capsize=2,
                        label=label,
                    )
                )
            self.errorbars_.append(containers)
            if categories is not None:
                axis.set_xticks(range(len(categories)), categories)
                axis.set_xlim(-0.5, len(categories) - 0.5)
                if sum(len(c) for c in categories) > 24:
                    axis.tick_params(axis="x", labelrotation=30)
            elif _use_log(log_scale, panel, x[present]):
                axis.set_xscale("log")
            if numeric and panel != FIT_TIME and len(groups) == 1:
                line = _profile(axis, x[present], mean[present])
                if line is not None:
                    self.profile_lines_[panel] = line
            if best is not None and present[best]:
                (marker,) = axis.plot(
                    [x[best]],
                    [mean[best]],
                    marker="*",
                    markersize=14,
                    color="tab:red",
                    linestyle="none",
                    label="best",
                    zorder=3,
                )
                self.best_markers_.append(marker)
            if given_list or i % row_length == 0:
                axis.set_ylabel(score_label)
        if self.axes_[0].get_legend_handles_labels()[0]:
            self.axes_[0].legend(fontsize="small")
        if self.estimator_name and ax is None:
            self.figure_.suptitle(self.estimator_name)
        return self

    def _check_param_names(self, params):
        searched = []
        for candidate in params:
            searched.extend(name for name in candidate if name not in searched)
        searched.sort()
        if self.param_names is None:
            return searched
        names = [self.param_names] if isinstance(self.param_names, str) else self.param_names
        unknown = [name for name in names if name not in searched]
        if unknown:
            raise ValueError(
                f"param_names {unknown} were not searched; the searched parameters are {searched}."
            )
        return list(names)


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool | np.bool_)


def _param_axis(params, name):
    """x values of a parameter: ``(x, present, numeric, categories or None)``."""
    missing = object()
    values = [p.get(name, missing) for p in params]
    present = np.asarray([v is not missing for v in values])
    given = [v for v in values if v is not missing]
    if all(_is_number(v) for v in given):
        x = np.asarray([float(v) if v is not missing else np.nan for v in values])
        return x, present, True, None
    categories, positions = [], {}
    for v in _sorted_if_possible(given):
        text = _category(v)
        if text not in positions:
            positions[text] = len(categories)
            categories.append(text)
    x = np.asarray([positions[_category(v)] if v is not missing else np.nan for v in values])
    return x, present, False, categories


def _sorted_if_possible(values):
    """Values of one kind (booleans, strings, ...) in order; mixed ones as they come."""
    try:
        return sorted(values)
    except (TypeError, ValueError):  # values that do not compare, such as arrays
        return values


def _category(value):
    """A parameter value as a short tick label."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        return type(value).__name__  # an estimator
    text = str(value)
    return text if len(text) <= 20 else text[:17] + "..."


def _use_log(log_scale, panel, x):
    positive = x[np.isfinite(x)]
    if not len(positive) or (positive <= 0).any():
        return False
    if isinstance(log_scale, str) and log_scale == "auto":
        return _spans_decades(positive)
    if isinstance(log_scale, bool | np.bool_):
        return bool(log_scale)
    return panel in log_scale


def _spans_decades(x):
    """Whether positive values read better on a log axis.

    Yes when they span two decades or more; or, for values that repeat (a
    grid), more than one decade with geometric spacing: the largest gap
    between consecutive distinct values over the smallest above 5
    (scikit-learn's rule in ``ValidationCurveDisplay``). Values drawn at
    random do not repeat, and their gaps say nothing of their spacing.
    """
    values = np.unique(x)
    ratio = values[-1] / values[0]
    if ratio >= 100:
        return True
    if ratio <= 10 or len(values) < 3 or len(values) == len(x):
        return False
    gaps = np.diff(values)
    return gaps.max() / gaps.min() > 5


def _profile(axis, x, y):
    """A line through the best score at each value of x, when values repeat."""
    values = np.unique(x[np.isfinite(x)])
    if len(values) < 2 or len(values) == len(x):
        return None
    finite = np.isfinite(y)
    values = [v for v in values if (finite & (x == v)).any()]
    if len(values) < 2:
        return None
    best = [y[finite & (x == v)].max() for v in values]
    (line,) = axis.plot(values, best, color="0.5", linewidth=1, zorder=1, label="best per value")
    return line
