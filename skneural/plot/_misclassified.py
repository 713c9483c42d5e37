"""The images a classifier gets wrong, with their true and predicted labels, as a Display."""

from __future__ import annotations

import numpy as np

from skneural._core._params import fill_doc
from skneural.plot._images import check_count, load_images, n_samples, show_image, value_range
from skneural.plot._utils import axes_grid, check_matplotlib, final_estimator

_documented = fill_doc(
    grid_parameters="""
    n_images : int, default=16
        Most misclassified images shown (the first ones of X).
    n_cols : int, default=8
        Images per row.
    ax : matplotlib Axes or list of Axes, default=None
        None draws on a new figure; one Axes is split into the grid; a list
        gives one Axes per image shown.
    """,
)


class MisclassifiedImagesDisplay:
    """Misclassified images visualization: a grid of images with their true and predicted labels.

    It is recommended to use :meth:`from_estimator` or
    :meth:`from_predictions` to create a :class:`MisclassifiedImagesDisplay`.
    All parameters are stored as attributes.

    Parameters
    ----------
    images : list of ndarray
        The images to show, each of shape ``(height, width)`` (grayscale,
        drawn with a gray colormap) or ``(height, width, 3)`` (RGB, with
        values in [0, 1] or uint8 in [0, 255]).
    y_true : array-like of shape (n_images,)
        True label of each image.
    y_pred : array-like of shape (n_images,)
        Predicted label of each image.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes, of shape (n_images,)
        One Axes per image (none when no image is misclassified).
    images_ : list of matplotlib AxesImage
        The image drawn on each Axes.
    figure_ : matplotlib Figure
        Figure containing the grid.

    See Also
    --------
    sklearn.metrics.ConfusionMatrixDisplay : How often each class is taken for each other.
    AugmentationDisplay : What train-time augmentation does to images.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skneural import CNNClassifier
    >>> from skneural.plot import MisclassifiedImagesDisplay
    >>> clf = CNNClassifier(n_filters=4, hidden_units=16, max_epochs=2, random_state=0)
    >>> clf.fit(X[:300], y[:300])
    CNNClassifier(...)
    >>> display = MisclassifiedImagesDisplay.from_estimator(clf, X[300:400], y[300:400],
    ...                                                     n_images=6)
    >>> len(display.axes_)
    6
    >>> display.axes_[0].get_title().startswith("true: ")
    True
    """

    def __init__(self, images, y_true, y_pred):
        self.images = images
        self.y_true = y_true
        self.y_pred = y_pred

    @classmethod
    @_documented
    def from_estimator(cls, estimator, X, y, *, n_images=16, n_cols=8, ax=None):
        """Plot the first misclassified images of X.

        Parameters
        ----------
        estimator : fitted classifier, Pipeline or search
            A fitted image classifier (for instance
            :class:`~skneural.CNNClassifier`), or a fitted Pipeline or search
            ending in one. Flat images are laid out with the fitted
            ``image_shape_`` of the (last, best) estimator.
        X : array-like or list of paths
            Images ``(n, height, width)``, ``(n, channels, height, width)``,
            flat ``(n, channels * height * width)``, or a list of image file
            paths (read with Pillow, shown at their own size).
        y : array-like of shape (n,)
            True labels.
        %(grid_parameters)s

        Returns
        -------
        display : MisclassifiedImagesDisplay
        """
        check_matplotlib(f"{cls.__name__}.from_estimator")
        y_pred = estimator.predict(X)
        fitted = final_estimator(estimator, attribute="image_shape_", caller=cls.__name__)
        return cls.from_predictions(
            X,
            y,
            y_pred,
            image_shape=getattr(fitted, "image_shape_", None),
            n_images=n_images,
            n_cols=n_cols,
            ax=ax,
        )

    @classmethod
    @_documented
    def from_predictions(
        cls, X, y_true, y_pred, *, image_shape=None, n_images=16, n_cols=8, ax=None
    ):
        """Plot the first images of X whose prediction is wrong.

        Parameters
        ----------
        X : array-like or list of paths
            Images ``(n, height, width)``, ``(n, channels, height, width)``,
            flat ``(n, features)`` (see ``image_shape``), or a list of image
            file paths.
        y_true : array-like of shape (n,)
            True labels.
        y_pred : array-like of shape (n,)
            Predicted labels.
        image_shape : tuple of int or None, default=None
            ``(channels, height, width)`` or ``(height, width)`` of flat images;
            None reads a flat image whose length is a perfect square as a
            square grayscale image.
        %(grid_parameters)s

        Returns
        -------
        display : MisclassifiedImagesDisplay
        """
        check_matplotlib(f"{cls.__name__}.from_predictions")
        check_count(n_images, "n_images")
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        if y_true.shape != y_pred.shape or len(y_true) != n_samples(X):
            raise ValueError(
                f"X, y_true and y_pred must have the same number of samples; got "
                f"{n_samples(X)}, {len(y_true)} and {len(y_pred)}."
            )
        wrong = np.flatnonzero(y_true != y_pred)[:n_images]
        images = load_images(X, wrong, image_shape)
        display = cls(images, y_true[wrong], y_pred[wrong])
        return display.plot(ax=ax, n_cols=n_cols)

    def plot(self, ax=None, *, n_cols=8, cmap="gray"):
        """Plot the images.

        Parameters
        ----------
        ax : matplotlib Axes or list of Axes, default=None
            None draws on a new figure; one Axes is split into the grid; a list
            gives one Axes per image.
        n_cols : int, default=8
            Images per row.
        cmap : str or matplotlib Colormap, default="gray"
            Colormap of the grayscale images.

        Returns
        -------
        display : MisclassifiedImagesDisplay
            Object that stores the computed values.
        """
        check_matplotlib(f"{type(self).__name__}.plot")
        images = list(self.images)
        if not (len(images) == len(self.y_true) == len(self.y_pred)):
            raise ValueError(
                f"images, y_true and y_pred must have the same length; got {len(images)}, "
                f"{len(self.y_true)} and {len(self.y_pred)}."
            )
        if not images:
            self._plot_nothing(ax)
            return self
        self.figure_, grid, self.bounding_ax_ = axes_grid(
            ax, len(images), n_cols, panel_size=(1.3, 1.5), caller=type(self).__name__
        )
        self.axes_ = np.asarray([a for a in grid.ravel() if a is not None], dtype=object)
        norm = value_range(images)
        self.images_ = []
        for axis, image, true, pred in zip(
            self.axes_, images, self.y_true, self.y_pred, strict=True
        ):
            self.images_.append(show_image(axis, image, norm, cmap))
            axis.set_title(f"true: {true}\npred: {pred}", fontsize="small")
        return self

    def _plot_nothing(self, ax):
        import matplotlib.pyplot as plt

        if ax is None:
            self.figure_, blank = plt.subplots(figsize=(3, 1))
        else:
            blank = ax if hasattr(ax, "text") else np.asarray(ax, dtype=object).ravel()[0]
            self.figure_ = blank.figure
        blank.set_axis_off()
        blank.text(0.5, 0.5, "no misclassified image", ha="center", va="center")
        self.axes_ = np.empty(0, dtype=object)
        self.images_ = []
        self.bounding_ax_ = blank
