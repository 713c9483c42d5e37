"""Image input shared by the image estimators: arrays, and image files decoded per batch.

X may be an array of images (see :class:`ImageInput`) or a list or
array of file paths (``str`` or ``pathlib.Path``). Files are opened once in
``fit``/``predict`` to read their headers (so a missing file or one that is
not an image is reported, by name, before any tensor is built) and decoded
batch by batch during training and prediction by :class:`ImageFiles`, so
memory is bounded by the batch, not the dataset; how a file is read is
:mod:`skneural._inputs._image_files`'s. Inside a fit or a
prediction the files are decoded in threads (Pillow releases the GIL while
it decodes and resizes), a few batches ahead of the network (see
:meth:`ImageFiles.threads` and :func:`skneural._core._threads.decode_threads`).
"""

from __future__ import annotations

import os
import warnings
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import islice
from math import prod

import numpy as np
import torch
from sklearn.utils.validation import check_array

from skneural._core._data import as_tensor
from skneural._core._params import Param, refuse_changed
from skneural._core._stats import weighted_moments
from skneural._inputs._base import InputAdapter, channel_standardizer
from skneural._inputs._image_augmentation import AUGMENTATION, augmentation_module
from skneural._inputs._image_files import (
    guess_image_shape,
    image_paths,
    is_image_paths,
    read_image,
    scan_image_files,
)
from skneural._inputs._validation import _ndim, check_shape_param, find_stack_level
from skneural._pickles import refuse_older_state
from skneural.exceptions import AmbiguousInputWarning
from skneural.nn import Standardize

# images decoded at once when computing the channel statistics of image files
_STATS_CHUNK = 256

# batches an ImageFiles decodes ahead of the one the network trains on
_PREFETCH = 2


class ImageFiles:
    """A batch source of image files, decoded per batch into uint8 ``(n, C, H, W)``.

    Outside :meth:`threads`, :meth:`take` decodes the files one after the
    other in the calling thread. Inside it, the files of a batch are decoded
    in a pool of threads, and :meth:`batches` decodes the next batches while
    the caller works on the current one. Either way a file decodes to the
    same pixels, and errors name the file.

    Parameters
    ----------
    paths : sequence of str or os.PathLike
        The image files.
    channels : {1, 3}
        Channels of the decoded images.
    size : tuple of int
        ``(height, width)`` of the decoded images.
    draft : bool, default=True
        Let the JPEG decoder downscale large photos (see :func:`read_image`).
    prefetch : int or None, default=None
        Batches :meth:`batches` decodes ahead of the one it returns, inside
        :meth:`threads` (None: 2), so memory holds ``prefetch + 1`` batches.
    """

    def __init__(self, paths, channels: int, size: tuple[int, int], *, draft=True, prefetch=None):
        self.paths = [os.fspath(path) for path in paths]
        self.channels = int(channels)
        self.size = tuple(int(s) for s in size)
        self.draft = bool(draft)
        self.prefetch = _PREFETCH if prefetch is None else int(prefetch)
        self._pool = None

    def __getstate__(self):
        # a fitted net keeps its validation data: pickle the files, not the threads
        return {**self.__dict__, "_pool": None}

    def __setstate__(self, state):
        # files pickled before decoding had threads have neither draft nor prefetch
        refuse_older_state(self, state, ("draft", "prefetch"))
        self.__dict__.update(state)

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return (self.channels, *self.size)

    @contextmanager
    def threads(self, n: int):
        """Decode in ``n`` threads inside the block; 0 decodes in the calling thread.

        The threads are started on demand and joined when the block ends (also
        on an error): none outlives it. Nested blocks use the outer one's threads.
        """
        if n < 1 or self._pool is not None:
            yield self
            return
        self._pool = ThreadPoolExecutor(n, thread_name_prefix="skneural-decode")
        try:
            yield self
        finally:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True, cancel_futures=True)

    def _rows(self, index) -> list:
        if isinstance(index, slice):
            return list(range(*index.indices(len(self.paths))))
        return torch.as_tensor(index).reshape(-1).tolist()

    def _decode(self, batch, i, row):
        batch[i] = read_image(self.paths[row], self.channels, self.size, draft=self.draft)

    def _submit(self, index):
        """Start decoding the images at ``index``: ``(batch, futures)``, or the
        finished batch and no futures outside :meth:`threads`."""
        rows = self._rows(index)
        batch = np.empty((len(rows), *self.image_shape), dtype=np.uint8)
        if self._pool is None:
            for i, row in enumerate(rows):
                self._decode(batch, i, row)
            return batch, []
        return batch, [self._pool.submit(self._decode, batch, i, row) for i, row in enumerate(rows)]

    @staticmethod
    def _finish(batch, futures) -> torch.Tensor:
        """The batch once decoded; the first failed image in batch order raises."""
        try:
            for future in futures:
                future.result()
        finally:
            for future in futures:
                future.cancel()  # after an error: skip the rest of the batch
        return as_tensor(batch)

    def take(self, index) -> torch.Tensor:
        """Decode the images at ``index`` (a slice or a LongTensor of positions)."""
        return self._finish(*self._submit(index))

    def batches(self, indexes, prefetch=None):
        """``take(index)`` for each of ``indexes``, in order, decoded ahead in threads.

        Inside :meth:`threads`, up to ``prefetch`` (default: the attribute)
        further batches are being decoded while the caller holds a batch, so
        that a network trains while the next images decode. Closing the
        generator early cancels the batches not yet started.
        """
        indexes = iter(indexes)
        if self._pool is None:
            for index in indexes:
                yield self.take(index)
            return
        ahead = self.prefetch if prefetch is None else prefetch
        # while the caller holds a batch, the next `ahead` ones are being decoded
        pending = deque(self._submit(index) for index in islice(indexes, ahead))
        try:
            for index in indexes:
                pending.append(self._submit(index))
                yield self._finish(*pending.popleft())
            while pending:
                yield self._finish(*pending.popleft())
        finally:
            for _, futures in pending:
                for future in futures:
                    future.cancel()

    def channel_mean_std(self, sample_weight=None, index=None):
        """Weighted per-channel mean and std of the images ``index``, shaped ``(1, C, 1, 1)``.

        Each image is decoded once, in chunks, so memory stays bounded (see
        :func:`skneural._core._stats.weighted_moments`).
        """
        rows = np.arange(len(self)) if index is None else np.asarray(index)
        weights = np.ones(len(self)) if sample_weight is None else np.asarray(sample_weight, float)
        parts = [rows[start : start + _STATS_CHUNK] for start in range(0, len(rows), _STATS_CHUNK)]

        def chunks():
            # one chunk decoded ahead: chunks are larger than batches
            decoded = self.batches((torch.as_tensor(part) for part in parts), prefetch=1)
            for part, x in zip(parts, decoded, strict=True):
                yield x.numpy().astype(np.float64), weights[part].reshape(-1, 1, 1, 1)

        mean, std = weighted_moments(chunks(), axis=1)
        return mean.reshape(1, -1, 1, 1), std.reshape(1, -1, 1, 1)


IMAGE_SHAPE = Param(
    "image_shape",
    None,
    [tuple, list, None],
    "tuple of int or None",
    """``(height, width)`` or ``(channels, height, width)`` of the images when
    X is flat, of shape ``(n_samples, n_features)`` (with ``spatial_dims=3``:
    ``(depth, height, width)`` or ``(channels, depth, height, width)``). If
    None, a flat X is read by a guess, with an
    :class:`~skneural.exceptions.AmbiguousInputWarning`: a length that is a
    perfect square as a one-channel square image (so scikit-learn's digits,
    ``(n, 64)``, are 8x8 images), any other length as a one-row image; set
    it (or give X as ``(n, height, width)`` arrays) to say what X holds.
    Also confirms a channels-last-looking layout (see the Notes).""",
)


def image_input(estimator, size_name: str, spatial_dims: int = 2) -> ImageInput:
    """The image input of ``estimator``: its ``image_shape``, the size parameter
    ``size_name`` for files, and its augmentation parameters."""
    params = estimator.get_params(deep=False)
    augmentation = {p.name: params[p.name] for p in AUGMENTATION}
    if spatial_dims != 2:
        refuse_changed(
            estimator,
            AUGMENTATION,
            f": augmentation is for 2-D images; spatial_dims={spatial_dims} takes none.",
        )
    return ImageInput(
        image_shape=estimator.image_shape,
        size=params[size_name],
        size_name=size_name,
        augmentation=augmentation,
        spatial_dims=spatial_dims,
    )


class ImageInput(InputAdapter):
    """Images (or volumes) as arrays of several layouts, or as image files decoded per batch.

    Arrays may be ``(n, height, width)``, ``(n, channels, height, width)`` or
    flat ``(n, features)``: a flat X is read with ``image_shape``, else (with
    a warning) a perfect-square length as a one-channel square image and
    any other length as a one-row image. Files are resized to ``size`` (with
    a warning when it is None: the first file's size). With
    ``spatial_dims=3``, arrays are ``(n, depth, height, width)`` or ``(n,
    channels, depth, height, width)``, or flat with ``image_shape``.

    Parameters
    ----------
    image_shape : tuple of int or None
        ``(height, width)`` or ``(channels, height, width)`` of a flat X.
    size : tuple of int or None
        ``(height, width)`` image files are resized to; None for the first file's.
    size_name : str
        The estimator parameter ``size`` comes from, for messages.
    augmentation : dict
        Values of the ``AUGMENTATION`` parameters, made into an
        :class:`~skneural.nn.ImageAugmentation` for training batches.
    spatial_dims : {2, 3}, default=2
        Images, or volumes.

    Attributes
    ----------
    image_shape_ : tuple of int
        ``(channels, height, width)`` (or ``(channels, depth, height,
        width)``) of the images the network takes.
    pixel_range_ : float
        255 for ``uint8`` arrays and image files, else 1.
    sample_shape_ : tuple of int
        The per-sample shape of the training X (for later checks).
    n_features_in_ : int
        Values per image.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X.
    """

    channels_last = True

    def __init__(
        self,
        image_shape=None,
        size=None,
        size_name="image_size",
        augmentation=None,
        spatial_dims=2,
    ):
        self.image_shape = image_shape
        self.size = size
        self.size_name = size_name
        self.augmentation_params = dict(augmentation or {})
        self.spatial_dims = spatial_dims

    def fit_transform(self, X, estimator):
        if is_image_paths(X):
            if self.spatial_dims != 2:
                raise ValueError(
                    f"spatial_dims={self.spatial_dims} takes arrays; image files are 2-D images."
                )
            paths = image_paths(X)
            channels, first_size = scan_image_files(paths)
            if self.size is None:
                size = first_size
                warnings.warn(
                    f"{self.size_name}=None: the image files are resized to the size of the "
                    f"first one, {size[0]}x{size[1]} (height x width), which sizes the "
                    f"network. Set {self.size_name}=(height, width) to choose it.",
                    AmbiguousInputWarning,
                    stacklevel=find_stack_level(),
                )
            else:
                size = check_shape_param(self.size, self.size_name, (2,))
            self.image_shape_ = (channels, *size)
            self.sample_shape_ = self.image_shape_
            self.n_features_in_ = prod(self.image_shape_)
            self.pixel_range_ = 255.0
            return ImageFiles(paths, channels, size)
        X = self._arrays(X, estimator, reset=True)
        self.sample_shape_ = X.shape[1:]
        self.image_shape_ = self._infer_image_shape(X.shape[1:])
        self.pixel_range_ = 255.0 if X.dtype == np.uint8 else 1.0
        return X.reshape((len(X), *self.image_shape_))

    def transform(self, X, estimator):
        if is_image_paths(X):
            paths = image_paths(X)
            scan_image_files(paths)  # every file exists and is an image
            channels, height, width = self.image_shape_
            return ImageFiles(paths, channels, (height, width))
        X = self._arrays(X, estimator, reset=False)
        return X.reshape((len(X), *self.image_shape_))

    def _arrays(self, X, estimator, *, reset):
        """Validate image arrays: flat, one channel or channels first."""
        ndim = _ndim(X)
        if ndim <= 2:
            return self._columns(X, estimator, reset=reset, dtype=_DTYPES)
        dims = self.spatial_dims
        if ndim not in (dims + 1, dims + 2):
            layouts = (
                "(n, height, width) or (n, channels, height, width)"
                if dims == 2
                else "(n, depth, height, width) or (n, channels, depth, height, width)"
            )
            raise ValueError(
                f"{type(estimator).__name__} (spatial_dims={dims}) expects X of shape "
                f"{layouts}, or flat (n, features); got an array with {ndim} dimensions."
            )
        X = check_array(X, allow_nd=True, dtype=_DTYPES, input_name="X", estimator=estimator)
        if reset:
            self.n_features_in_ = prod(X.shape[1:])
        elif X.shape[1:] != tuple(self.sample_shape_) and X.shape[1:] not in self._layouts():
            raise ValueError(
                f"X has samples of shape {X.shape[1:]}, but {type(estimator).__name__} was "
                f"fitted on samples of shape {tuple(self.sample_shape_)} (or "
                f"{self.n_features_in_} features, flat)."
            )
        return X

    def _layouts(self):
        """Per-sample shapes of the fitted images: (C, *sides), and the sides for one channel."""
        channels, *sides = self.image_shape_
        return {self.image_shape_, tuple(sides)} if channels == 1 else {self.image_shape_}

    def _infer_image_shape(self, sample_shape):
        """``(channels, *sides)`` of the images in X."""
        dims = self.spatial_dims
        given = None
        if self.image_shape is not None:
            given = check_shape_param(self.image_shape, "image_shape", (dims, dims + 1))
            given = (1, *given) if len(given) == dims else given
        if len(sample_shape) == 1:
            (n_features,) = sample_shape
            if given is not None:
                if prod(given) != n_features:
                    raise ValueError(
                        f"image_shape={tuple(self.image_shape)} holds {prod(given)} values per "
                        f"image, but X has {n_features} features."
                    )
                return given
            if dims == 3:
                raise ValueError(
                    f"X is flat, with {n_features} features: set image_shape=(depth, height, "
                    "width) or (channels, depth, height, width), or give X as (n, depth, "
                    "height, width) arrays."
                )
            shape = guess_image_shape(n_features)
            warnings.warn(
                f"X is flat, with {n_features} features, and image_shape=None: read as "
                f"{shape[1]}x{shape[2]} one-channel images. Set image_shape=({shape[1]}, "
                f"{shape[2]}) (or give X as (n, height, width) images) to say so; for signals "
                "use spatial_dims=1.",
                AmbiguousInputWarning,
                stacklevel=find_stack_level(),
            )
            return shape
        shape = tuple(sample_shape) if len(sample_shape) == dims + 1 else (1, *sample_shape)
        if given is not None and given != shape:
            raise ValueError(
                f"image_shape={tuple(self.image_shape)} does not match the images in X, "
                f"of shape {shape} (channels, {'depth, ' if dims == 3 else ''}height, width)."
            )
        channels, *sides = shape
        if given is None and dims == 2 and len(sample_shape) == 3:
            if sides[-1] in (1, 3, 4) and channels not in (1, 3, 4):
                raise ValueError(
                    f"X has images of shape {tuple(sample_shape)}, read channels first as "
                    f"{channels} channels of {sides[0]}x{sides[1]}; it looks channels-last "
                    f"(height, width, channels). Pass X.transpose(0, 3, 1, 2) for "
                    f"(n, channels, height, width), or image_shape={tuple(sample_shape)} if "
                    "it really is channels first."
                )
        return shape

    def standardizer(self, data, sample_weight, index):
        """Per-channel standardization (image files: decoded in chunks)."""
        if isinstance(data, ImageFiles):
            mean, std = data.channel_mean_std(sample_weight, index)
            return Standardize(mean, std)
        return channel_standardizer(data, 1, sample_weight, index)

    def augmentation(self):
        augment = augmentation_module(self.augmentation_params, self.pixel_range_)
        augment.check_channels(self.image_shape_[0])  # at fit, before any training
        return augment if augment.active else None


_DTYPES = [np.float32, np.uint8]
