"""Images as the image displays draw them: read from X, laid out, scaled and shown."""

from __future__ import annotations

import math

import numpy as np

from skneural._inputs._image_files import (
    guess_image_shape,
    image_paths,
    is_image_paths,
    read_stored_image,
)


def check_count(value, name):
    """Raise a ValueError unless ``value`` is an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be an int >= 1; got {value!r}.")


def n_samples(X):
    """Images in X: paths or an array."""
    return len(X) if is_image_paths(X) or not hasattr(X, "shape") else X.shape[0]


def load_images(X, rows, image_shape, *, channels_last=True):
    """The images ``rows`` of X, as a list of arrays.

    ``channels_last``: each ``(height, width)`` or ``(height, width, 3)``, as
    drawn; else each ``(channels, height, width)``.
    """
    rows = np.asarray(rows, dtype=int)
    if is_image_paths(X):
        paths = image_paths(X)
        images = [read_stored_image(paths[i]) for i in rows]
    else:
        X = np.asarray(X)
        if X.dtype.kind not in "uifb":
            raise TypeError(
                f"X must be a numeric array of images or a list of image file paths; got an "
                f"array of dtype {X.dtype}."
            )
        images = list(_as_chw(X[rows], image_shape, n_features=X.shape[1:]))
    if channels_last:
        return [display_layout(image) for image in images]
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
        image_shape = guess_image_shape(length)
    image_shape = tuple(int(s) for s in image_shape)
    if len(image_shape) == 2:
        image_shape = (1, *image_shape)
    if len(image_shape) != 3 or math.prod(image_shape) != length:
        raise ValueError(
            f"image_shape={image_shape} does not hold the {length} features of the flat "
            "images in X; give (channels, height, width) or (height, width)."
        )
    return X.reshape(len(X), *image_shape)


def display_layout(batch):
    """``(..., C, H, W)`` arrays as drawn: ``(..., H, W)`` or ``(..., H, W, 3)``."""
    channels = batch.shape[-3]
    if channels == 1:
        return batch[..., 0, :, :]
    if channels in (3, 4):
        return np.moveaxis(batch[..., :3, :, :], -3, -1)
    raise ValueError(
        f"Images with {channels} channels cannot be drawn: expected 1 (grayscale) or 3 (RGB)."
    )


def stack_images(images):
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


def value_range(images):
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


def show_image(axis, image, norm, cmap):
    """Draw one image on ``axis``, without ticks; RGB scaled into [0, 1]."""
    image = np.asarray(image)
    vmin, vmax = norm
    axis.set_xticks([])
    axis.set_yticks([])
    if image.ndim == 3:
        rgb = np.clip((image.astype(float) - vmin) / (vmax - vmin), 0, 1)
        return axis.imshow(rgb)
    return axis.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
