"""The Display objects of skneural.plot, drawn headless from real (small) fits."""

import importlib
import sys

import numpy as np
import pytest
import torch
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from skneural import CNNClassifier
from skneural.plot import (
    AugmentationDisplay,
    MisclassifiedImagesDisplay,
    SearchResultsDisplay,
    TrainingHistoryDisplay,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TINY = dict(n_filters=4, hidden_units=16, max_epochs=3, batch_size=32, random_state=0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def stopped(digits):
    """A CNN trained with early stopping, long enough to have a best epoch."""
    X, y = digits
    params = {**TINY, "max_epochs": 10, "early_stopping": True, "n_iter_no_change": 3}
    return CNNClassifier(**params).fit(X[:600], y[:600])


@pytest.fixture(scope="module")
def tiny(digits):
    """A barely trained CNN, without early stopping: it misclassifies many digits."""
    X, y = digits
    return CNNClassifier(**TINY).fit(X[:300], y[:300])


@pytest.fixture(scope="module")
def grid(digits):
    X, y = digits
    search = GridSearchCV(
        CNNClassifier(**{**TINY, "max_epochs": 2}),
        {"lr": [1e-4, 1e-3, 1e-2], "batch_norm": [False, True]},
        cv=2,
    )
    return search.fit(X[:300], y[:300])


def line_data(line):
    x, y = line.get_data()
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def points(container):
    """x and y of the points of an errorbar container."""
    return line_data(container.lines[0])


# ----------------------------------------------------------------------------
# TrainingHistoryDisplay


def test_history_lines_are_the_history(stopped):
    display = TrainingHistoryDisplay.from_estimator(stopped)
    history = stopped.history_
    epochs = [row["epoch"] for row in history]

    assert display.panels_ == ["loss", "score", "lr"]
    assert len(display.axes_) == 3 and len(display.figure_.axes) == 3
    for key, line in display.lines_.items():
        x, y = line_data(line)
        np.testing.assert_array_equal(x, epochs)
        np.testing.assert_allclose(y, [row[key] for row in history])
    assert set(display.lines_) == {"train_loss", "valid_loss", "valid_score", "lr"}
    loss_ax, score_ax, lr_ax = display.axes_
    assert display.lines_["valid_loss"].axes is loss_ax
    assert display.lines_["valid_score"].axes is score_ax
    assert display.lines_["lr"].axes is lr_ax
    assert loss_ax.get_ylabel() == "loss"
    assert score_ax.get_ylabel() == "validation score\n(accuracy)"
    assert lr_ax.get_ylabel() == "learning rate"
    assert lr_ax.get_xlabel() == "epoch"


def test_history_marks_the_best_epoch(stopped):
    display = TrainingHistoryDisplay.from_estimator(stopped)
    scores = [row["valid_score"] for row in stopped.history_]
    best_epoch = stopped.history_[scores.index(stopped.best_validation_score_)]["epoch"]

    assert display.best_epoch_ == best_epoch
    assert len(display.best_lines_) == 3
    for axis, line in zip(display.axes_, display.best_lines_, strict=True):
        assert line.axes is axis
        np.testing.assert_array_equal(line_data(line)[0], [best_epoch, best_epoch])
    x, y = line_data(display.best_marker_)
    assert x.tolist() == [best_epoch] and y.tolist() == [stopped.best_validation_score_]
    labels = display.axes_[0].get_legend_handles_labels()[1]
    assert f"best epoch ({best_epoch})" in labels


def test_history_without_validation(tiny):
    display = TrainingHistoryDisplay.from_estimator(tiny)
    assert display.panels_ == ["loss", "lr"]
    assert set(display.lines_) == {"train_loss", "lr"}
    assert len(display.axes_[0].get_lines()) == 1
    assert display.best_epoch_ is None and display.best_lines_ == []
    assert display.best_marker_ is None
    with pytest.raises(ValueError, match="early_stopping=True"):
        display.plot(panels=["loss", "score"])


def test_history_from_pipeline_and_search(digits, grid):
    X, y = digits
    pipe = Pipeline([("scale", MinMaxScaler()), ("cnn", CNNClassifier(**TINY))])
    pipe.fit(X[:200], y[:200])
    display = TrainingHistoryDisplay.from_estimator(pipe, name="piped")
    np.testing.assert_allclose(line_data(display.lines_["train_loss"])[1], pipe[-1].loss_curve_)
    assert display.axes_[0].get_legend_handles_labels()[1] == ["train (piped)"]

    display = TrainingHistoryDisplay.from_estimator(grid)
    expected = [row["train_loss"] for row in grid.best_estimator_.history_]
    np.testing.assert_allclose(line_data(display.lines_["train_loss"])[1], expected)


def test_history_errors(digits, tiny):
    X, y = digits
    with pytest.raises(NotFittedError, match="CNNClassifier is not fitted"):
        TrainingHistoryDisplay.from_estimator(CNNClassifier())
    with pytest.raises(TypeError, match=r"a fitted skneural estimator.*LogisticRegression"):
        TrainingHistoryDisplay.from_estimator(LogisticRegression().fit(X[:100], y[:100]))
    search = GridSearchCV(CNNClassifier(**TINY), {"lr": [1e-3]}, cv=2)
    with pytest.raises(NotFittedError, match="GridSearchCV is not fitted"):
        TrainingHistoryDisplay.from_estimator(search)
    search.set_params(refit=False).fit(X[:100], y[:100])
    with pytest.raises(TypeError, match="refit=True"):
        TrainingHistoryDisplay.from_estimator(search)
    with pytest.raises(ValueError, match="panels must be"):
        TrainingHistoryDisplay.from_estimator(tiny, panels=["accuracy"])
    with pytest.raises(ValueError, match="non-empty list of dicts"):
        TrainingHistoryDisplay([]).plot()


def test_history_on_given_axes(stopped, tiny):
    first = TrainingHistoryDisplay.from_estimator(stopped, panels=["loss", "lr"], name="stopped")
    second = TrainingHistoryDisplay(tiny.history_, estimator_name="tiny").plot(ax=first.axes_)
    assert list(second.axes_) == list(first.axes_)
    # two histories, each a train loss (and one a validation loss), on one panel
    assert {line.get_label() for line in first.axes_[0].get_lines()} >= {
        "train (stopped)",
        "validation (stopped)",
        "train (tiny)",
    }
    assert len(first.axes_[1].get_lines()) == 2 + 1  # two learning rates, one best epoch
    # the panels share the epoch axis: labelled once, below the last
    assert [axis.get_xlabel() for axis in first.axes_] == ["", "epoch"]

    figure, ax = plt.subplots()
    display = TrainingHistoryDisplay.from_estimator(stopped, ax=ax)
    assert display.bounding_ax_ is ax and not ax.axison
    assert len(figure.axes) == 1 + 3
    with pytest.raises(ValueError, match="3 Axes; got 2"):
        TrainingHistoryDisplay.from_estimator(stopped, ax=first.axes_)


def test_import_does_not_need_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    for name in [name for name in sys.modules if name.startswith("skneural.plot")]:
        monkeypatch.delitem(sys.modules, name)  # put back when the test ends
    plot = importlib.import_module("skneural.plot")
    assert set(plot.__all__) == {
        "AugmentationDisplay",
        "MisclassifiedImagesDisplay",
        "SearchResultsDisplay",
        "TrainingHistoryDisplay",
    }


def test_missing_matplotlib_names_the_extra(tiny, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    with pytest.raises(ImportError, match=r'pip install "skneural\[plot\]"'):
        TrainingHistoryDisplay.from_estimator(tiny)


# ----------------------------------------------------------------------------
# SearchResultsDisplay


def test_search_one_panel_per_parameter(grid):
    display = SearchResultsDisplay.from_estimator(grid)
    results = grid.cv_results_
    assert display.panels_ == ["batch_norm", "lr", "mean_fit_time"]
    assert len(display.axes_) == 3 and len(display.figure_.axes) == 3
    norm_ax, lr_ax, time_ax = display.axes_
    assert [axis.get_xlabel() for axis in display.axes_] == [
        "batch_norm",
        "lr",
        "mean fit time (s)",
    ]
    assert norm_ax.get_ylabel() == "mean test score"
    # a categorical parameter, a log-scaled one (two decades), and the fit time
    assert [t.get_text() for t in norm_ax.get_xticklabels()] == ["False", "True"]
    assert lr_ax.get_xscale() == "log" and time_ax.get_xscale() == "linear"
    x, y = points(display.errorbars_[1][0])
    np.testing.assert_allclose(x, np.asarray(results["param_lr"], dtype=float))
    np.testing.assert_allclose(y, results["mean_test_score"])
    np.testing.assert_allclose(points(display.errorbars_[2][0])[0], results["mean_fit_time"])
    norm_x = points(display.errorbars_[0][0])[0]
    np.testing.assert_array_equal(norm_x, np.asarray(results["param_batch_norm"], dtype=float))


def test_search_marks_the_best_candidate(grid):
    display = SearchResultsDisplay.from_estimator(grid)
    best = grid.best_index_
    assert len(display.best_markers_) == 3
    x, y = zip(*(line_data(marker) for marker in display.best_markers_), strict=True)
    assert np.concatenate(y).tolist() == [grid.best_score_] * 3
    assert np.concatenate(x).tolist() == [
        float(grid.best_params_["batch_norm"]),
        grid.best_params_["lr"],
        grid.cv_results_["mean_fit_time"][best],
    ]
    # the grid repeats each lr: a line joins the best score at each
    profile_x, profile_y = line_data(display.profile_lines_["lr"])
    lrs = np.asarray(grid.cv_results_["param_lr"], dtype=float)
    assert profile_x.tolist() == [1e-4, 1e-3, 1e-2]
    expected = [grid.cv_results_["mean_test_score"][lrs == lr].max() for lr in profile_x]
    np.testing.assert_allclose(profile_y, expected)


def test_search_randomized_and_multimetric(digits):
    X, y = digits
    search = RandomizedSearchCV(
        CNNClassifier(**{**TINY, "max_epochs": 1}),
        {"lr": loguniform(1e-4, 1e-1), "optimizer": ["adam", "sgd"]},
        n_iter=4,
        cv=2,
        scoring={"acc": "accuracy", "f1": "f1_macro"},
        refit="f1",
        random_state=0,
    ).fit(X[:200], y[:200])
    display = SearchResultsDisplay.from_estimator(search, param_names=["lr"], n_cols=2)
    assert display.panels_ == ["lr", "mean_fit_time"]
    assert display.axes_[0].get_ylabel() == "mean test f1"
    np.testing.assert_allclose(
        points(display.errorbars_[0][0])[1], search.cv_results_["mean_test_f1"]
    )
    assert display.profile_lines_ == {}  # continuous values do not repeat
    lrs = np.asarray(search.cv_results_["param_lr"], dtype=float)
    spans_two_decades = lrs.max() / lrs.min() >= 100
    assert display.axes_[0].get_xscale() == ("log" if spans_two_decades else "linear")
    for log_scale, expected in [(["lr"], "log"), (True, "log"), (False, "linear")]:
        display = SearchResultsDisplay.from_estimator(
            search, param_names=["lr"], log_scale=log_scale
        )
        assert display.axes_[0].get_xscale() == expected
    display = SearchResultsDisplay.from_estimator(search, metric="acc")
    np.testing.assert_allclose(
        points(display.errorbars_[0][0])[1], search.cv_results_["mean_test_acc"]
    )
    with pytest.raises(ValueError, match=r"\['acc', 'f1'\]"):
        SearchResultsDisplay.from_estimator(search, metric="precision")
    with pytest.raises(ValueError, match="were not searched"):
        SearchResultsDisplay.from_estimator(search, param_names=["dropout"])


def test_search_halving_colours_iterations(digits):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV

    X, y = digits
    search = HalvingGridSearchCV(
        CNNClassifier(**{**TINY, "max_epochs": 1}),
        {"lr": [1e-3, 3e-3, 1e-2, 3e-2]},
        cv=2,
        factor=2,
        min_resources=60,
        random_state=0,
    ).fit(X[:240], y[:240])
    display = SearchResultsDisplay.from_estimator(search)
    assert len(display.errorbars_[0]) == search.n_iterations_
    labels = display.axes_[0].get_legend_handles_labels()[1]
    assert "iter 0 (60 resources)" in labels
    assert line_data(display.best_markers_[0])[0].tolist() == [search.best_params_["lr"]]


def test_search_bayes(digits):
    skopt = pytest.importorskip("skopt")
    X, y = digits
    search = skopt.BayesSearchCV(
        CNNClassifier(**{**TINY, "max_epochs": 1}),
        {"lr": (1e-4, 1e-1, "log-uniform"), "optimizer": ["adam", "sgd"]},
        n_iter=3,
        cv=2,
        random_state=0,
    ).fit(X[:200], y[:200])
    display = SearchResultsDisplay.from_estimator(search)
    assert display.panels_ == ["lr", "optimizer", "mean_fit_time"]
    assert line_data(display.best_markers_[0])[1].tolist() == [search.best_score_]


# OptunaSearchCV is experimental, and calls a module optuna deprecates
@pytest.mark.filterwarnings("ignore:OptunaSearchCV is experimental", "ignore::FutureWarning")
def test_search_optuna(digits):
    optuna = pytest.importorskip("optuna")
    integration = pytest.importorskip("optuna_integration")
    X, y = digits
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    search = integration.OptunaSearchCV(
        CNNClassifier(**{**TINY, "max_epochs": 1}),
        {
            "lr": optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True),
            "batch_norm": optuna.distributions.CategoricalDistribution([False, True]),
        },
        n_trials=3,
        cv=2,
        random_state=0,
    ).fit(X[:200], y[:200])
    display = SearchResultsDisplay.from_estimator(search)
    assert display.panels_ == ["batch_norm", "lr", "mean_fit_time"]
    scores = [trial.user_attrs["mean_test_score"] for trial in search.trials_]
    np.testing.assert_allclose(points(display.errorbars_[1][0])[1], scores)
    assert line_data(display.best_markers_[1])[0].tolist() == [search.best_params_["lr"]]


@pytest.mark.filterwarnings("error")
def test_search_list_of_grids(digits):
    X, y = digits
    search = GridSearchCV(
        CNNClassifier(**{**TINY, "max_epochs": 1, "image_shape": (8, 8)}),
        [{"lr": [1e-3, 1e-2]}, {"batch_norm": [True], "dropout": [0.0]}],
        cv=2,
    ).fit(X[:200], y[:200])
    display = SearchResultsDisplay(search.cv_results_).plot(n_cols=2)
    assert display.panels_ == ["batch_norm", "dropout", "lr", "mean_fit_time"]
    # each panel has the candidates that set its parameter, and the fit time all
    assert [len(points(c[0])[0]) for c in display.errorbars_] == [1, 1, 2, 3]
    # without best_index, the best candidate is the one with the highest mean score
    best = int(np.argmax(search.cv_results_["mean_test_score"]))
    assert line_data(display.best_markers_[-1])[1].tolist() == [
        search.cv_results_["mean_test_score"][best]
    ]
    assert len(display.best_markers_) == 1 + sum(
        name in search.cv_results_["params"][best] for name in ("batch_norm", "dropout", "lr")
    )


def test_search_errors(grid):
    search = GridSearchCV(CNNClassifier(), {"lr": [1e-3]})
    with pytest.raises(NotFittedError, match="not fitted"):
        SearchResultsDisplay.from_estimator(search)
    with pytest.raises(TypeError, match=r"hyper-parameter search.*CNNClassifier"):
        SearchResultsDisplay.from_estimator(CNNClassifier())
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="3 Axes; got 2"):
        SearchResultsDisplay.from_estimator(grid, ax=axes)


# ----------------------------------------------------------------------------
# MisclassifiedImagesDisplay


def titles(display):
    return [axis.get_title() for axis in display.axes_]


def test_misclassified_images_and_labels(digits, tiny):
    X, y = digits
    X_test, y_test = X[300:500], y[300:500]
    display = MisclassifiedImagesDisplay.from_estimator(tiny, X_test, y_test, n_images=6)
    y_pred = tiny.predict(X_test)
    wrong = np.flatnonzero(y_pred != y_test)[:6]
    assert len(wrong) == 6
    assert len(display.axes_) == 6 and len(display.figure_.axes) == 6
    assert titles(display) == [f"true: {y_test[i]}\npred: {y_pred[i]}" for i in wrong]
    for image, i in zip(display.images_, wrong, strict=True):
        np.testing.assert_array_equal(image.get_array(), X_test[i].reshape(8, 8))
        assert image.get_cmap().name == "gray"

    # the other image layouts give the same grid
    for layout in (X_test.reshape(-1, 8, 8), X_test.reshape(-1, 1, 8, 8)):
        other = MisclassifiedImagesDisplay.from_estimator(tiny, layout, y_test, n_images=6)
        assert titles(other) == titles(display)
        np.testing.assert_array_equal(other.images_[2].get_array(), display.images_[2].get_array())


def test_misclassified_rgb_and_files(digits, tmp_path):
    from PIL import Image

    X, y = digits
    X_rgb = np.stack([X, X / 2, 16 - X], axis=1).reshape(-1, 3, 8, 8)
    clf = CNNClassifier(**TINY, image_shape=(3, 8, 8))
    clf.fit(X_rgb[:200].reshape(200, -1), y[:200])
    assert clf.image_shape_ == (3, 8, 8)
    display = MisclassifiedImagesDisplay.from_estimator(
        clf, X_rgb[200:300].reshape(100, -1), y[200:300], n_images=4, n_cols=2
    )
    assert len(display.axes_) == 4 and display.axes_[0].get_gridspec().ncols == 2
    figure, ax = plt.subplots()  # one Axes, split into the grid
    MisclassifiedImagesDisplay.from_estimator(
        clf, X_rgb[200:300], y[200:300], n_images=4, n_cols=2, ax=ax
    )
    assert len(figure.axes) == 1 + 4 and not ax.axison
    assert display.images_[0].get_array().shape == (8, 8, 3)  # drawn in colour

    paths = []
    for i, image in enumerate(X[:40].reshape(-1, 8, 8)):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray((image * 255 / 16).astype(np.uint8)).save(paths[-1])
    rgb = tmp_path / "rgb.png"
    Image.fromarray(np.full((5, 7, 3), (255, 0, 0), dtype=np.uint8)).save(rgb)
    y_pred = y[:41].copy()
    y_pred[[3, 40]] = (y_pred[[3, 40]] + 1) % 10
    display = MisclassifiedImagesDisplay.from_predictions([*paths, rgb], y[:41], y_pred)
    assert titles(display) == [f"true: {y[i]}\npred: {y_pred[i]}" for i in (3, 40)]
    gray, red = (image.get_array() for image in display.images_)
    np.testing.assert_array_equal(gray, np.asarray(Image.open(paths[3])))
    assert red.shape == (5, 7, 3) and np.allclose(red[..., 0], 1) and np.allclose(red[..., 1:], 0)

    # an estimator fitted on image files predicts on them
    clf = CNNClassifier(**TINY).fit(paths, y[:40])
    display = MisclassifiedImagesDisplay.from_estimator(clf, paths, y[:40], n_images=3)
    wrong = np.flatnonzero(clf.predict(paths) != y[:40])[:3]
    assert titles(display) == [f"true: {y[i]}\npred: {clf.predict(paths)[i]}" for i in wrong]
    for image, i in zip(display.images_, wrong, strict=True):
        np.testing.assert_array_equal(image.get_array(), np.asarray(Image.open(paths[i])))


def test_misclassified_none(digits):
    X, y = digits
    display = MisclassifiedImagesDisplay.from_predictions(X[:20], y[:20], y[:20])
    assert len(display.axes_) == 0 and display.images_ == []
    assert "no misclassified image" in display.bounding_ax_.texts[0].get_text()
    with pytest.raises(ValueError, match="same number of samples"):
        MisclassifiedImagesDisplay.from_predictions(X[:20], y[:20], y[:10])
    # image files are read as the estimators read them: a missing one is named
    with pytest.raises(ValueError, match=r"Image file 'no such file\.png' does not exist"):
        MisclassifiedImagesDisplay.from_predictions(["no such file.png"], [0], [1])


# ----------------------------------------------------------------------------
# AugmentationDisplay


def test_augmentation_grid(digits):
    X, _ = digits
    clf = CNNClassifier(rotation=20, shift=0.2, zoom=0.1)  # not fitted
    state = torch.random.get_rng_state()
    display = AugmentationDisplay.from_estimator(clf, X, n_images=3, n_draws=4, random_state=0)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global RNG is left alone
    assert display.axes_.shape == (3, 5) and len(display.figure_.axes) == 15
    assert [axis.get_title() for axis in display.axes_[0]] == [
        "original",
        "draw 1",
        "draw 2",
        "draw 3",
        "draw 4",
    ]
    for row in range(3):
        np.testing.assert_array_equal(display.images_[row, 0].get_array(), X[row].reshape(8, 8))
        for col in range(1, 5):
            drawn = display.images_[row, col].get_array()
            np.testing.assert_array_equal(drawn, display.augmented[row, col - 1])
            assert not np.allclose(drawn, X[row].reshape(8, 8))

    again = AugmentationDisplay.from_estimator(clf, X, n_images=3, n_draws=4, random_state=0)
    np.testing.assert_array_equal(again.augmented, display.augmented)
    other = AugmentationDisplay.from_estimator(clf, X, n_images=3, n_draws=4, random_state=1)
    assert not np.allclose(other.augmented, display.augmented)


def test_augmentation_flips_exactly(digits):
    X, _ = digits
    images = X[:4].reshape(-1, 8, 8)
    clf = CNNClassifier(horizontal_flip=True)
    display = AugmentationDisplay.from_estimator(clf, images, n_images=4, n_draws=6, random_state=0)
    flipped = 0
    for image, draws in zip(images, display.augmented, strict=True):
        for draw in draws:
            assert np.array_equal(draw, image) or np.array_equal(draw, image[:, ::-1])
            flipped += np.array_equal(draw, image[:, ::-1])
    assert 0 < flipped < 24
    # no augmentation: every draw is its original
    display = AugmentationDisplay.from_estimator(CNNClassifier(), images, n_images=2, n_draws=2)
    np.testing.assert_array_equal(display.augmented[:, 1], images[:2])


def test_augmentation_layouts_and_errors(digits, tiny):
    X, _ = digits
    X_rgb = np.stack([X, X / 2, 16 - X], axis=1)  # (n, 3, 64)
    clf = CNNClassifier(image_shape=(3, 8, 8), rotation=10)
    display = AugmentationDisplay.from_estimator(clf, X_rgb.reshape(len(X), -1), n_images=2)
    assert display.images.shape == (2, 8, 8, 3) and display.augmented.shape == (2, 5, 8, 8, 3)
    assert display.images_[0, 0].get_array().shape == (8, 8, 3)
    # a fitted estimator, in a pipeline: the fitted image_shape_ of its last step
    pipe = Pipeline([("cnn", tiny)])
    display = AugmentationDisplay.from_estimator(pipe, X, n_images=1, n_draws=1)
    assert display.images.shape == (1, 8, 8)

    with pytest.raises(TypeError, match=r"augmentation parameters.*LogisticRegression"):
        AugmentationDisplay.from_estimator(LogisticRegression(), X)
    with pytest.raises(ValueError, match="n_draws must be an int >= 1"):
        AugmentationDisplay.from_estimator(clf, X, n_draws=0)
    with pytest.raises(ValueError, match="does not hold the 64 features"):
        AugmentationDisplay.from_estimator(CNNClassifier(image_shape=(7, 7)), X)
