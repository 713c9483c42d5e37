"""Image grids as Displays: misclassified images, and what train-time augmentation does."""

from __future__ import annotations

import math
import os

import numpy as np
from sklearn.utils import check_random_state

from skneural._core._params import fill_doc
from skneural._inputs._images import AUGMENTATION, augmentation_module
from skneural.plot._utils import axes_grid, check_matplotlib, final_estimator

# the image estimators' train-time augmentation parameters
AUGMENTATION_PARAMS = tuple(param.name for param in AUGMENTATION)


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
    draw_parameters="""
    n_images : int, default=4
        Images shown, one per row.
    n_draws : int, default=5
        Random augmentations of each image, one per column after the original.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws, for a reproducible figure. The global torch random
        state is left as it was.
    ax : matplotlib Axes or list of Axes, default=None
        None draws on a new figure; one Axes is split into the grid; a list
        gives ``n_images * (1 + n_draws)`` Axes, row by row.

    Returns
    -------
    display : AugmentationDisplay
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
        _check_count(n_images, "n_images")
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        if y_true.shape != y_pred.shape or len(y_true) != _n_samples(X):
            raise ValueError(
                f"X, y_true and y_pred must have the same number of samples; got "
                f"{_n_samples(X)}, {len(y_true)} and {len(y_pred)}."
            )
        wrong = np.flatnonzero(y_true != y_pred)[:n_images]
        images = _load_images(X, wrong, image_shape)
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
        norm = _value_range(images)
        self.images_ = []
        for axis, image, true, pred in zip(
            self.axes_, images, self.y_true, self.y_pred, strict=True
        ):
            self.images_.append(_show(axis, image, norm, cmap))
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


class AugmentationDisplay:
    """Augmentation visualization: images next to random draws of their train-time augmentation.

    One row per image: the image, then ``n_draws`` random augmentations of it.

    It is recommended to use :meth:`from_estimator` or
    :meth:`from_augmentation` to create an :class:`AugmentationDisplay`. All
    parameters are stored as attributes.

    Parameters
    ----------
    images : ndarray of shape (n_images, height, width) or (n_images, height, width, 3)
        The original images (grayscale, or RGB with values in [0, 1] or uint8).
    augmented : ndarray of shape (n_images, n_draws, height, width[, 3])
        The augmented draws of each image, in the layout of ``images``.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes, of shape (n_images, 1 + n_draws)
        Column 0 holds the originals, the others the draws.
    images_ : ndarray of matplotlib AxesImage, of shape (n_images, 1 + n_draws)
        The image drawn on each Axes.
    figure_ : matplotlib Figure
        Figure containing the grid.

    See Also
    --------
    skneural.nn.ImageAugmentation : The augmentation module itself.
    MisclassifiedImagesDisplay : The images a classifier gets wrong.

    Examples
    --------
    >>> from skneural.plot import AugmentationDisplay
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from skneural import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CNNClassifier(rotation=20, shift=0.1, zoom=0.1)  # need not be fitted
    >>> display = AugmentationDisplay.from_estimator(clf, X, n_images=3, n_draws=4,
    ...                                              random_state=0)
    >>> display.axes_.shape
    (3, 5)
    >>> display.augmented.shape
    (3, 4, 8, 8)
    """

    def __init__(self, images, augmented):
        self.images = images
        self.augmented = augmented

    @classmethod
    @_documented
    def from_estimator(cls, estimator, X, *, n_images=4, n_draws=5, random_state=None, ax=None):
        """Plot random draws of an image estimator's train-time augmentation.

        The augmentation is built from the estimator's augmentation
        parameters (``rotation``, ``shift``, ``zoom``, the flips, the colour
        jitter, ``crop_padding`` and ``erasing``, read with ``get_params``),
        as in training: colour jitter clamps ``uint8`` images and image files
        to [0, 255]. The estimator need not be fitted.

        Parameters
        ----------
        estimator : estimator, Pipeline or search
            An image estimator with the augmentation parameters (for instance
            :class:`~skneural.CNNClassifier`, fitted or not), or a Pipeline
            ending in one, or a fitted search whose ``best_estimator_`` is
            either. X is taken as the images that estimator receives.
        X : array-like or list of paths
            Images ``(n, height, width)``, ``(n, channels, height, width)``,
            flat ``(n, features)``, or a list of image file paths; the first
            ``n_images`` are drawn. Flat images are laid out with the
            estimator's fitted ``image_shape_``, else its ``image_shape``
            parameter, else as square grayscale images.
        %(draw_parameters)s
        """
        check_matplotlib(f"{cls.__name__}.from_estimator")
        final = final_estimator(estimator, attribute="parameters", caller=cls.__name__)
        params = final.get_params(deep=False) if hasattr(final, "get_params") else {}
        missing = [name for name in AUGMENTATION_PARAMS if name not in params]
        if missing:
            raise TypeError(
                f"{cls.__name__}.from_estimator expects an image estimator with the "
                f"augmentation parameters {list(AUGMENTATION_PARAMS)} (such as CNNClassifier), "
                f"or a Pipeline or search ending in one; {type(final).__name__} has no "
                f"{missing}."
            )
        eight_bit = _is_paths(X) or getattr(X, "dtype", None) == np.uint8
        augmentation = augmentation_module(params, pixel_range=255 if eight_bit else None)
        image_shape = getattr(final, "image_shape_", None) or params.get("image_shape")
        return cls.from_augmentation(
            augmentation,
            X,
            image_shape=image_shape,
            n_images=n_images,
            n_draws=n_draws,
            random_state=random_state,
            ax=ax,
        )

    @classmethod
    @_documented
    def from_augmentation(
        cls,
        augmentation,
        X,
        *,
        image_shape=None,
        n_images=4,
        n_draws=5,
        random_state=None,
        ax=None,
    ):
        """Plot random draws of an augmentation module.

        Parameters
        ----------
        augmentation : callable
            Takes a float tensor of images ``(N, C, H, W)`` and returns one of
            the same shape, such as :class:`skneural.nn.ImageAugmentation`.
        X : array-like or list of paths
            Images, as in :meth:`from_estimator`; the first ``n_images`` are drawn.
        image_shape : tuple of int or None, default=None
            ``(channels, height, width)`` or ``(height, width)`` of flat images;
            None reads a flat image whose length is a perfect square as a
            square grayscale image.
        %(draw_parameters)s
        """
        check_matplotlib(f"{cls.__name__}.from_augmentation")
        import torch

        _check_count(n_images, "n_images")
        _check_count(n_draws, "n_draws")
        rows = np.arange(min(n_images, _n_samples(X)))
        batch = _stack(_load_images(X, rows, image_shape, channels_last=False))
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        x = torch.as_tensor(batch, dtype=torch.float32)
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(seed)
            draws = [augmentation(x).cpu().numpy() for _ in range(n_draws)]
        augmented = np.stack(draws, axis=1)  # (n_images, n_draws, C, H, W)
        display = cls(_display_layout(batch), _display_layout(augmented))
        return display.plot(ax=ax)

    def plot(self, ax=None, *, cmap="gray"):
        """Plot the images and their draws.

        Parameters
        ----------
        ax : matplotlib Axes or list of Axes, default=None
            None draws on a new figure; one Axes is split into the grid; a list
            gives ``n_images * (1 + n_draws)`` Axes, row by row.
        cmap : str or matplotlib Colormap, default="gray"
            Colormap of grayscale images.

        Returns
        -------
        display : AugmentationDisplay
            Object that stores the computed values.
        """
        check_matplotlib(f"{type(self).__name__}.plot")
        images, augmented = np.asarray(self.images), np.asarray(self.augmented)
        if augmented.ndim != images.ndim + 1 or augmented.shape[0] != images.shape[0]:
            raise ValueError(
                "augmented must hold n_draws images per image, of shape (n_images, n_draws, "
                f"...) for images of shape (n_images, ...); got {augmented.shape} for "
                f"{images.shape}."
            )
        n_images, n_draws = augmented.shape[:2]
        n_cols = 1 + n_draws
        self.figure_, grid, self.bounding_ax_ = axes_grid(
            ax, n_images * n_cols, n_cols, panel_size=(1.2, 1.2), caller=type(self).__name__
        )
        self.axes_ = np.asarray(list(grid.ravel()), dtype=object).reshape(n_images, n_cols)
        norm = _value_range([*images, *augmented.reshape(-1, *augmented.shape[2:])])
        self.images_ = np.empty((n_images, n_cols), dtype=object)
        for row in range(n_images):
            for col in range(n_cols):
                image = images[row] if col == 0 else augmented[row, col - 1]
                self.images_[row, col] = _show(self.axes_[row, col], image, norm, cmap)
                if row == 0:
                    title = "original" if col == 0 else f"draw {col}"
                    self.axes_[row, col].set_title(title, fontsize="small")
        return self


def _check_count(value, name):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be an int >= 1; got {value!r}.")


def _is_paths(X):
    if isinstance(X, str | bytes | os.PathLike):
        return False
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and X.dtype.kind in "OU" and len(X) > 0 and _all_paths(X)
    if hasattr(X, "to_numpy") and getattr(X, "ndim", None) == 1:  # a pandas Series
        X = X.to_numpy()
    return isinstance(X, list | tuple | np.ndarray) and len(X) > 0 and _all_paths(X)


def _all_paths(values):
    return all(isinstance(value, str | os.PathLike) for value in values)


def _n_samples(X):
    return len(X) if _is_paths(X) or not hasattr(X, "shape") else X.shape[0]


def _load_images(X, rows, image_shape, *, channels_last=True):
    """The images ``rows`` of X, as a list of arrays.

    ``channels_last``: each ``(height, width)`` or ``(height, width, 3)``, as
    drawn; else each ``(channels, height, width)``.
    """
    rows = np.asarray(rows, dtype=int)
    if _is_paths(X):
        paths = list(X.to_numpy() if hasattr(X, "to_numpy") else X)
        images = [_read_file(paths[i]) for i in rows]
    else:
        X = np.asarray(X)
        if X.dtype.kind not in "uifb":
            raise TypeError(
                f"X must be a numeric array of images or a list of image file paths; got an "
                f"array of dtype {X.dtype}."
            )
        images = list(_as_chw(X[rows], image_shape, n_features=X.shape[1:]))
    if channels_last:
        return [_channels_last(image) for image in images]
    return images


def _as_chw(X, image_shape, n_features):
    """X ``(n, ...)`` in the estimators' layouts as ``(n, channels, height, width)``."""
    if X.ndim == 4:
        return X
    if X.ndim == 3:
        return X[:, None]
    if X.ndim != 2:
        raise ValueError(
            "X must hold images of shape (n, height, width), (n, channels, height, width) "
            f"or flat (n, features); got an array of shape {X.shape}."
        )
    (length,) = n_features
    if image_shape is None:
        side = math.isqrt(length)
        image_shape = (1, side, side) if side * side == length else (1, 1, length)
    image_shape = tuple(int(s) for s in image_shape)
    if len(image_shape) == 2:
        image_shape = (1, *image_shape)
    if len(image_shape) != 3 or math.prod(image_shape) != length:
        raise ValueError(
            f"image_shape={image_shape} does not hold the {length} features of the flat "
            "images in X; give (channels, height, width) or (height, width)."
        )
    return X.reshape(len(X), *image_shape)


def _read_file(path):
    """An image file as ``(channels, height, width)``: 1 channel if grayscale, else 3 (RGB).

    8-bit images (palette ones converted, alpha dropped) give uint8; 16-bit
    and float grayscale images give float32.
    """
    from PIL import Image

    with Image.open(path) as image:
        if image.mode in {"I", "I;16", "I;16L", "I;16B", "I;16N", "F"}:
            return np.asarray(image, dtype=np.float32)[None]  # wide values, drawn by range
        gray = image.mode in {"1", "L", "LA", "La"}
        if image.mode in ("P", "PA"):
            image = image.convert("RGBA")
        array = np.asarray(image.convert("L" if gray else "RGB"), dtype=np.uint8)
    return array[None] if gray else array.transpose(2, 0, 1)


def _channels_last(image):
    """``(channels, height, width)`` as drawn: ``(height, width)`` or ``(height, width, 3)``."""
    channels = image.shape[0]
    if channels == 1:
        return image[0]
    if channels in (3, 4):
        return np.moveaxis(image[:3], 0, -1)
    raise ValueError(
        f"Images with {channels} channels cannot be drawn: expected 1 (grayscale) or 3 (RGB)."
    )


def _display_layout(batch):
    """``(..., C, H, W)`` arrays as drawn: ``(..., H, W)`` or ``(..., H, W, 3)``."""
    channels = batch.shape[-3]
    if channels == 1:
        return batch[..., 0, :, :]
    if channels in (3, 4):
        return np.moveaxis(batch[..., :3, :, :], -3, -1)
    raise ValueError(
        f"Images with {channels} channels cannot be drawn: expected 1 (grayscale) or 3 (RGB)."
    )


def _stack(images):
    """Same-sized ``(C, H, W)`` images as one array; files of other sizes are resized."""
    if len({image.shape for image in images}) <= 1:
        return np.stack(images)
    from PIL import Image

    channels = max(image.shape[0] for image in images)
    height, width = images[0].shape[1:]
    out = []
    for image in images:
        if image.shape[0] != channels:
            image = np.repeat(image, channels, axis=0)
        if image.shape[1:] != (height, width):
            planes = [
                np.asarray(
                    Image.fromarray(plane).resize((width, height), Image.Resampling.BILINEAR)
                )
                for plane in image
            ]
            image = np.stack(planes)
        out.append(image)
    return np.stack(out)


def _value_range(images):
    """``(vmin, vmax)`` shared by all images, so that they compare."""
    if all(np.asarray(image).dtype == np.uint8 for image in images):
        return 0.0, 255.0
    finite = [np.asarray(image, dtype=float) for image in images]
    low = min(float(np.nanmin(image)) for image in finite)
    high = max(float(np.nanmax(image)) for image in finite)
    if low >= 0 and high <= 1:
        return 0.0, 1.0
    if low >= 0 and high <= 255 and any(np.asarray(i).ndim == 3 for i in images):
        return 0.0, 255.0  # RGB floats in the 8-bit range
    return low, high if high > low else low + 1


def _show(axis, image, norm, cmap):
    """Draw one image on ``axis``, without ticks; RGB scaled into [0, 1]."""
    image = np.asarray(image)
    vmin, vmax = norm
    axis.set_xticks([])
    axis.set_yticks([])
    if image.ndim == 3:
        rgb = np.clip((image.astype(float) - vmin) / (vmax - vmin), 0, 1)
        return axis.imshow(rgb)
    return axis.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
