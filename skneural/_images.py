"""Image input shared by the image estimators: arrays, and image files decoded per batch.

X may be an array of images (see :class:`ImageInputMixin`) or a list or
array of file paths (``str`` or ``pathlib.Path``). Files are opened once in
``fit``/``predict`` to read their headers (so a missing file or one that is
not an image is reported, by name, before any tensor is built) and decoded
batch by batch during training and prediction by :class:`ImageFiles`, so
memory is bounded by the batch, not the dataset.
"""

from __future__ import annotations

import os
from math import isqrt, prod
from numbers import Real

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from sklearn.utils._param_validation import Interval

from skneural._base import weighted_moments
from skneural._data import as_tensor
from skneural._validation import check_shape_param, validate_samples
from skneural.nn import ImageAugmentation, Standardize

# Pillow modes holding one channel of values; everything else is read as colour.
_GRAY_MODES = {"1", "L", "LA", "La", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"}
_WIDE_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N"}  # 16-bit (or wider) integers

# images decoded at once when computing the channel statistics of image files
_STATS_CHUNK = 256


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


def _open(path):
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


def read_image(path, channels: int, size: tuple[int, int]) -> np.ndarray:
    """Decode the image at ``path`` as uint8 ``(channels, height, width)``.

    Any Pillow mode is converted: palette and alpha images to RGB (the alpha
    channel is dropped), 16-bit images to 8 bits, colour to grayscale (ITU-R
    601 luma) when ``channels`` is 1 and grayscale repeated when it is 3.
    The image is resized to ``size`` (bilinear) unless it already has it.
    """
    with _open(path) as image:
        try:
            image.load()
            if image.mode in _WIDE_MODES:
                values = np.asarray(image, dtype=np.float64) / 257.0
                image = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))
            elif image.mode == "F":
                values = np.asarray(image, dtype=np.float64)
                image = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))
            elif image.mode in ("P", "PA"):
                image = image.convert("RGBA")
            image = image.convert("L" if channels == 1 else "RGB")
            height, width = size
            if image.size != (width, height):
                image = image.resize((width, height), Image.Resampling.BILINEAR)
        except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt data
            raise ValueError(
                f"Image file {os.fspath(path)!r} could not be decoded: {exc}"
            ) from None
        array = np.asarray(image, dtype=np.uint8)
    if channels == 1:
        return array[None]
    return array.transpose(2, 0, 1)


class ImageFiles:
    """A batch source of image files, decoded per batch into uint8 ``(n, C, H, W)``.

    Parameters
    ----------
    paths : sequence of str or os.PathLike
        The image files.
    channels : {1, 3}
        Channels of the decoded images.
    size : tuple of int
        ``(height, width)`` of the decoded images.
    """

    def __init__(self, paths, channels: int, size: tuple[int, int]):
        self.paths = [os.fspath(path) for path in paths]
        self.channels = int(channels)
        self.size = tuple(int(s) for s in size)

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return (self.channels, *self.size)

    def take(self, index) -> torch.Tensor:
        """Decode the images at ``index`` (a slice or a LongTensor of positions)."""
        if isinstance(index, slice):
            rows = range(*index.indices(len(self.paths)))
        else:
            rows = torch.as_tensor(index).reshape(-1).tolist()
        batch = np.empty((len(rows), *self.image_shape), dtype=np.uint8)
        for i, row in enumerate(rows):
            batch[i] = read_image(self.paths[row], self.channels, self.size)
        return as_tensor(batch)

    def channel_mean_std(self, sample_weight=None, index=None):
        """Weighted per-channel mean and std of the images ``index``, shaped ``(1, C, 1, 1)``.

        Each image is decoded once, in chunks, so memory stays bounded (see
        :func:`skneural._base.weighted_moments`).
        """
        rows = np.arange(len(self)) if index is None else np.asarray(index)
        weights = np.ones(len(self)) if sample_weight is None else np.asarray(sample_weight, float)

        def chunks():
            for start in range(0, len(rows), _STATS_CHUNK):
                part = rows[start : start + _STATS_CHUNK]
                x = self.take(torch.as_tensor(part)).numpy().astype(np.float64)
                yield x, weights[part].reshape(-1, 1, 1, 1)

        mean, std = weighted_moments(chunks(), axis=1)
        return mean.reshape(1, -1, 1, 1), std.reshape(1, -1, 1, 1)


def scan_image_files(paths) -> tuple[int, tuple[int, int]]:
    """Check that every file is an image; return the channels they need and the first size.

    Only the headers are read. The channels are 3 if any image is in colour
    (palette images included), else 1.
    """
    channels, first_size = 1, None
    for path in paths:
        with _open(path) as image:
            if first_size is None:
                width, height = image.size
                first_size = (height, width)
            if image.mode not in _GRAY_MODES:
                channels = 3
    return channels, first_size


# the train-time augmentation parameters of the image estimators
AUGMENTATION_CONSTRAINTS: dict = {
    "rotation": [Interval(Real, 0, 180, closed="both")],
    "shift": [Interval(Real, 0, 1, closed="left")],
    "zoom": [Interval(Real, 0, 1, closed="left")],
    "horizontal_flip": ["boolean"],
    "vertical_flip": ["boolean"],
}


class ImageInputMixin:
    """Image input for an estimator: image arrays of several layouts, or image files.

    Provides ``_prepare_X`` and a ``_standardizer`` for image files. The
    estimator has an ``image_shape`` parameter (the image layout of a flat X)
    and a parameter named by ``_files_size_param`` giving the size files are
    resized to (None: the first image's size).
    """

    # the parameter giving the ``(height, width)`` image files are resized to
    # (None: the first file's size)
    _files_size_param = "image_size"

    def _prepare_X(self, X, *, reset):
        if is_image_paths(X):
            return self._prepare_image_files(X, reset=reset)
        X = validate_samples(
            self,
            X,
            reset=reset,
            dtype=[np.float32, np.uint8],
            max_ndim=4,
            accepted_shapes=None if reset else self._image_layouts(),
        )
        if reset:
            self.image_shape_ = self._infer_image_shape(X.shape[1:])
            self._pixel_range = 255.0 if X.dtype == np.uint8 else 1.0
        return X.reshape((len(X), *self.image_shape_))

    def _prepare_image_files(self, X, *, reset):
        paths = list(X.to_numpy() if hasattr(X, "to_numpy") else X)
        channels, first_size = scan_image_files(paths)
        if reset:
            name = self._files_size_param
            size = getattr(self, name)
            size = first_size if size is None else check_shape_param(size, name, (2,))
            self.image_shape_ = (channels, *size)
            self.n_features_in_ = prod(self.image_shape_)
            self._sample_shape = self.image_shape_
            self._pixel_range = 255.0
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        channels, height, width = self.image_shape_
        return ImageFiles(paths, channels, (height, width))

    def _image_layouts(self):
        """Per-sample shapes holding the fitted images: (C, H, W), and (H, W) for one channel."""
        channels, height, width = self.image_shape_
        return {self.image_shape_, (height, width)} if channels == 1 else {self.image_shape_}

    def _infer_image_shape(self, sample_shape):
        """``(channels, height, width)`` of the images in X."""
        given = None
        if self.image_shape is not None:
            given = check_shape_param(self.image_shape, "image_shape", (2, 3))
            given = (1, *given) if len(given) == 2 else given
        if len(sample_shape) == 1:
            (n_features,) = sample_shape
            if given is not None:
                if prod(given) != n_features:
                    raise ValueError(
                        f"image_shape={tuple(self.image_shape)} holds {prod(given)} values per "
                        f"image, but X has {n_features} features."
                    )
                return given
            side = isqrt(n_features)
            # a perfect square is a square image; anything else a one-row image
            return (1, side, side) if side * side == n_features else (1, 1, n_features)
        shape = tuple(sample_shape) if len(sample_shape) == 3 else (1, *sample_shape)
        if given is not None and given != shape:
            raise ValueError(
                f"image_shape={tuple(self.image_shape)} does not match the images in X, "
                f"of shape {shape} (channels, height, width)."
            )
        return shape

    def _batch_transform(self):
        """Train-time augmentation from the ``rotation`` ... ``vertical_flip`` parameters."""
        augment = ImageAugmentation(
            rotation=self.rotation,
            shift=self.shift,
            zoom=self.zoom,
            horizontal_flip=self.horizontal_flip,
            vertical_flip=self.vertical_flip,
        )
        return augment if augment.active else None

    def _standardizer(self, X, sample_weight, train_index):
        if isinstance(X, ImageFiles):
            mean, std = X.channel_mean_std(sample_weight, train_index)
            return Standardize(
                torch.from_numpy(mean.astype(np.float32)), torch.from_numpy(std.astype(np.float32))
            )
        return super()._standardizer(X, sample_weight, train_index)
