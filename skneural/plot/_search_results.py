"""A hyper-parameter search's results read into one table: scikit-learn's, scikit-optimize's
and optuna-integration's searches alike."""

from __future__ import annotations

import math

import numpy as np
from sklearn.exceptions import NotFittedError

from skneural.plot._utils import _is_search


def search_results(search, caller):
    """``(cv_results, best_index)`` of a fitted search, optuna's included."""
    if hasattr(search, "study_") and hasattr(search, "trials_"):
        return optuna_results(search)
    if hasattr(search, "cv_results_"):
        best_index = getattr(search, "best_index_", None)
        return search.cv_results_, None if best_index is None else int(best_index)
    if _is_search(search):
        raise NotFittedError(
            f"This {type(search).__name__} is not fitted yet: call fit before "
            f"{caller}.from_estimator, which reads its cv_results_."
        )
    raise TypeError(
        f"{caller}.from_estimator expects a fitted hyper-parameter search with a cv_results_ "
        "(GridSearchCV, RandomizedSearchCV, HalvingGridSearchCV, BayesSearchCV, ...) or an "
        f"OptunaSearchCV; got {type(search).__name__}."
    )


def optuna_results(search):
    """cv_results-like columns from the completed trials of an ``OptunaSearchCV``."""
    trials = [
        trial
        for trial in search.trials_
        if getattr(trial.state, "name", "") == "COMPLETE" and "mean_test_score" in trial.user_attrs
    ]
    if not trials:
        raise ValueError(f"This {type(search).__name__} has no completed trial to plot.")

    def column(key):
        return np.asarray([trial.user_attrs.get(key, math.nan) for trial in trials], dtype=float)

    results = {
        "params": [dict(trial.params) for trial in trials],
        "mean_test_score": column("mean_test_score"),
        "std_test_score": column("std_test_score"),
        "mean_fit_time": column("mean_fit_time"),
    }
    best_number = search.best_trial_.number
    numbers = [trial.number for trial in trials]
    return results, numbers.index(best_number) if best_number in numbers else None


def results_table(cv_results, metric):
    """The candidates' params, mean and std score, fit time and halving iteration."""
    if not isinstance(cv_results, dict) and not hasattr(cv_results, "keys"):
        raise TypeError(f"cv_results must be a dict, as cv_results_; got {type(cv_results)}.")
    key = f"mean_test_{metric}"
    if key not in cv_results:
        metrics = sorted(k[len("mean_test_") :] for k in cv_results if k.startswith("mean_test_"))
        raise ValueError(f"cv_results has no {key!r}: metric must be one of {metrics}.")
    mean = np.asarray(cv_results[key], dtype=float)
    if "params" in cv_results:
        params = [dict(p) for p in cv_results["params"]]
    else:
        params = [{} for _ in mean]
        for column in cv_results:
            if column.startswith("param_"):
                values = cv_results[column]
                mask = np.ma.getmaskarray(values)
                for row, p in enumerate(params):
                    if not mask[row]:
                        p[column[len("param_") :]] = values[row]
    if len(params) != len(mean):
        raise ValueError(f"cv_results has {len(params)} params but {len(mean)} {key}.")
    std = cv_results.get(f"std_test_{metric}")
    fit_time = cv_results.get("mean_fit_time")
    return {
        "params": params,
        "mean": mean,
        "std": None if std is None else np.asarray(std, dtype=float),
        "fit_time": np.full(len(mean), np.nan)
        if fit_time is None
        else np.asarray(fit_time, dtype=float),
        "iter": None if "iter" not in cv_results else np.asarray(cv_results["iter"]),
        "n_resources": cv_results.get("n_resources"),
    }


def halving_groups(table):
    """``(label, row mask)`` per successive-halving iteration; one group otherwise."""
    n = len(table["mean"])
    if table["iter"] is None:
        return [(None, np.ones(n, dtype=bool))]
    resources = table["n_resources"]
    groups = []
    for it in np.unique(table["iter"]):
        rows = table["iter"] == it
        label = f"iter {it}"
        if resources is not None:
            label += f" ({np.asarray(resources)[rows][0]} resources)"
        groups.append((label, rows))
    return groups
