"""Image files read in one place, for the image estimators and the image plots.

Whether X is a list of image paths (:func:`is_image_paths`); each file
opened with errors naming it; the channels and size a list of files needs,
from their headers (:func:`scan_image_files`); a file decoded as a network
takes it (:func:`read_image`: uint8, a given number of channels and size)
or as it is stored, for drawing (:func:`read_stored_image`). And the
layout guessed for a flat image of unknown shape (:func:`guess_image_shape`),
the one guess both the estimators and the plots make.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from math import isqrt

import numpy as np
from PIL import Image, UnidentifiedImageError

# Pillow modes holding one channel of values; everything else is read as colour.
_GRAY_MODES = {"1", "L", "LA", "La", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"}
_WIDE_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N"}  # 16-bit (or wider) integers


def is_image_paths(X) -> bool:
    """Whether X is a non-empty 1-D sequence of file paths (``str`` or ``os.PathLike``)."""
    if isinstance(X, str | bytes | os.PathLike):
        return False
    if isinstance(X, np.ndarray):
        if X.ndim != 1 or X.dtype.kind not in "OU":
            return False
    elif hasattr(X, "to_numpy") and getattr(X, "ndim", None) == 1:  # pandas Series
        X = X.to_numpy()
    elif not isinstance(X, list | tuple):
        return False
    return len(X) > 0 and all(isinstance(value, str | os.PathLike) for value in X)


def image_paths(X) -> list:
    """The paths of X (for which :func:`is_image_paths` holds) as a list."""
    return list(X.to_numpy() if hasattr(X, "to_numpy") else X)


def guess_image_shape(n_features: int) -> tuple[int, int, int]:
    """``(channels, height, width)`` of a flat image of unknown shape: a perfect
    square as a one-channel square image, any other length as a one-row image."""
    side = isqrt(n_features)
    return (1, side, side) if side * side == n_features else (1, 1, n_features)


def open_image(path):
    """The image at ``path``, opened lazily; errors name the file."""
    try:
        return Image.open(path)
    except FileNotFoundError:
        raise ValueError(f"Image file {os.fspath(path)!r} does not exist.") from None
    except IsADirectoryError:
        raise ValueError(f"Image file {os.fspath(path)!r} is a directory, not a file.") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(
            f"Image file {os.fspath(path)!r} could not be read as an image: {exc}"
        ) from None


@contextmanager
def _decoding(path):
    """The image at ``path``, opened; truncated or corrupt data is reported by file name."""
    with open_image(path) as image:
        try:
            yield image
        except (OSError, SyntaxError, ValueError) as exc:
            raise ValueError(
                f"Image file {os.fspath(path)!r} could not be decoded: {exc}"
            ) from None


def image_channels(image) -> int:
    """Channels an opened image is read with: 1 if grayscale, else 3 (palette images too)."""
    return 1 if image.mode in _GRAY_MODES else 3


def scan_image_files(paths) -> tuple[int, tuple[int, int]]:
    """Check that every file is an image; return the channels they need and the first size.

    Only the headers are read. The channels are 3 if any image is in colour
    (palette images included), else 1.
    """
    channels, first_size = 1, None
    for path in paths:
        with open_image(path) as image:
            if first_size is None:
                width, height = image.size
                first_size = (height, width)
            channels = max(channels, image_channels(image))
    return channels, first_size


def _converted(image, channels: int):
    """A decoded 8-bit image in mode ``"L"`` (1 channel) or ``"RGB"`` (3): palette
    and alpha images through RGBA (the alpha channel dropped), colour to
    grayscale by ITU-R 601 luma, grayscale repeated."""
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")
    return image.convert("L" if channels == 1 else "RGB")


def _planes(image) -> np.ndarray:
    """An ``"L"`` or ``"RGB"`` image as uint8 ``(channels, height, width)``."""
    array = np.asarray(image, dtype=np.uint8)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def _eight_bit(image):
    """A 16-bit image scaled to 8 bits (``/ 257``), a float one clipped to 0-255."""
    if image.mode in _WIDE_MODES:
        values = np.asarray(image, dtype=np.float64) / 257.0
    elif image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
    else:
        return image
    return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))


def read_image(path, channels: int, size: tuple[int, int], *, draft: bool = True) -> np.ndarray:
    """Decode the image at ``path`` as uint8 ``(channels, height, width)``, as a network takes it.

    Any Pillow mode is converted: palette and alpha images to RGB (the alpha
    channel is dropped), 16-bit images to 8 bits, colour to grayscale (ITU-R
    601 luma) when ``channels`` is 1 and grayscale repeated when it is 3.
    The image is resized to ``size`` (bilinear) unless it already has it.

    With ``draft`` (the default), a JPEG at least four times the size on
    both sides is decoded at 1/2, 1/4 or 1/8 of its size by the JPEG
    decoder itself (scaling in the DCT domain, Pillow's ``Image.draft``), to
    no less than twice ``size``, and then resized: faster, and within about
    a grey level of the full decode (the images guide has the figures).
    Other formats, and JPEGs under four times the size, are decoded in full.
    """
    height, width = size
    with _decoding(path) as image:
        if draft:
            # a no-op for formats other than JPEG
            image.draft(image.mode, (2 * width, 2 * height))
        image.load()
        image = _converted(_eight_bit(image), channels)
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.BILINEAR)
        return _planes(image)


def read_stored_image(path) -> np.ndarray:
    """The image at ``path`` as stored, ``(channels, height, width)``, for drawing.

    Its own size; 1 channel if grayscale, else 3 (RGB). 8-bit images
    (palette ones converted, alpha dropped) give uint8; 16-bit and float
    images give their own values as float32.
    """
    with _decoding(path) as image:
        image.load()
        if image.mode in _WIDE_MODES or image.mode == "F":
            return np.asarray(image, dtype=np.float32)[None]  # wide values, drawn by range
        return _planes(_converted(image, image_channels(image)))
