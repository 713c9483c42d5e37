"""What train-time augmentation does to images, as a Display."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from skneural._core._params import fill_doc
from skneural._inputs._image_augmentation import AUGMENTATION, augmentation_module
from skneural._inputs._image_files import is_image_paths
from skneural.plot._images import (
    check_count,
    display_layout,
    load_images,
    n_samples,
    show_image,
    stack_images,
    value_range,
)
from skneural.plot._utils import axes_grid, check_matplotlib, final_estimator

# the image estimators' train-time augmentation parameters
AUGMENTATION_PARAMS = tuple(param.name for param in AUGMENTATION)

_documented = fill_doc(
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
        eight_bit = is_image_paths(X) or getattr(X, "dtype", None) == np.uint8
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

        check_count(n_images, "n_images")
        check_count(n_draws, "n_draws")
        rows = np.arange(min(n_images, n_samples(X)))
        batch = stack_images(load_images(X, rows, image_shape, channels_last=False))
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        x = torch.as_tensor(batch, dtype=torch.float32)
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(seed)
            draws = [augmentation(x).cpu().numpy() for _ in range(n_draws)]
        augmented = np.stack(draws, axis=1)  # (n_images, n_draws, C, H, W)
        display = cls(display_layout(batch), display_layout(augmented))
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
        norm = value_range([*images, *augmented.reshape(-1, *augmented.shape[2:])])
        self.images_ = np.empty((n_images, n_cols), dtype=object)
        for row in range(n_images):
            for col in range(n_cols):
                image = images[row] if col == 0 else augmented[row, col - 1]
                self.images_[row, col] = show_image(self.axes_[row, col], image, norm, cmap)
                if row == 0:
                    title = "original" if col == 0 else f"draw {col}"
                    self.axes_[row, col].set_title(title, fontsize="small")
        return self
