"""Small building blocks shared by the networks."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class Standardize(nn.Module):
    """Subtract ``mean`` and divide by ``std`` (buffers, saved with the model).

    The statistics are learned from the training data by the estimators, so a
    fitted ``module_`` takes raw inputs.

    Parameters
    ----------
    mean, std : torch.Tensor
        Broadcastable to the input, e.g. of shape ``(1, channels, 1, 1)``.

    Examples
    --------
    >>> import torch
    >>> from skneural.nn import Standardize
    >>> standardize = Standardize(mean=torch.tensor([[1.0, 2.0]]), std=torch.tensor([[2.0, 4.0]]))
    >>> standardize(torch.tensor([[3.0, 10.0]]))
    tensor([[1., 2.]])
    >>> sorted(standardize.state_dict())  # saved with the model
    ['mean', 'std']
    """

    def __init__(self, mean: torch.Tensor, std: torch.Tensor):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))

    def forward(self, x):
        return (x - self.mean) / self.std


class StandardizedNetwork(nn.Module):
    """``standardize`` (if given), then ``network``: every estimator's ``module_``.

    The input statistics live in ``standardize`` (a :class:`Standardize`
    learned from the training data), the architecture in ``network``, the
    same way for every family, so a fitted ``module_`` takes raw inputs and
    ``module_.network`` is the plain network. Extra arguments (e.g. the
    lengths of padded sequences) go to the network unchanged.

    Parameters
    ----------
    network : torch.nn.Module
        The network, returning raw outputs.
    standardize : torch.nn.Module or None, default=None
        Applied to the (first) input first.

    Examples
    --------
    >>> import torch
    >>> from skneural.nn import Standardize, StandardizedNetwork
    >>> module = StandardizedNetwork(
    ...     torch.nn.Linear(2, 1), Standardize(torch.tensor([10.0, 0.0]), torch.tensor([2.0, 1.0]))
    ... )
    >>> [name for name, _ in module.named_children()]
    ['standardize', 'network']
    """

    def __init__(self, network: nn.Module, standardize: nn.Module | None = None):
        super().__init__()
        if standardize is not None:
            self.standardize = standardize
        self.network = network

    def forward(self, x, *args):
        if hasattr(self, "standardize"):
            x = self.standardize(x)
        return self.network(x, *args)


# ITU-R 601 luma weights, as torchvision's ``rgb_to_grayscale``
_LUMA = (0.2989, 0.587, 0.114)
# the colour ops that need RGB images
_RGB_ONLY = ("saturation", "hue")


def _gray(x):
    """Gray level of each pixel, ``(N, 1, H, W)``: the luma of RGB, else the channel mean."""
    if x.shape[1] == 3:
        return (x * x.new_tensor(_LUMA).view(1, 3, 1, 1)).sum(1, keepdim=True)
    return x.mean(1, keepdim=True)


def _blend(x, other, factor, low, high):
    """``factor * x + (1 - factor) * other``, clamped to ``[low, high]`` (torchvision's blend)."""
    return (factor * x + (1 - factor) * other).clamp(low, high)


def _shift_hue(x, shift):
    """Rotate the hue of RGB images ``(N, 3, H, W)`` by ``shift`` ``(N,)`` turns.

    HSV's hue rotation written on each pixel's largest and smallest channel
    (value and value times one minus saturation): every output channel lies
    between the two, gray pixels stay as they are, and only the relative
    position of the middle channel changes, so the result does not depend on
    the pixel scale or offset and needs no clamping.
    """
    top = x.amax(1, keepdim=True)
    chroma = top - x.amin(1, keepdim=True)
    divisor = torch.where(chroma > 0, chroma, torch.ones_like(chroma))
    rc, gc, bc = ((top - x) / divisor).unbind(1)
    r, g, _ = x.unbind(1)
    top_ = top.squeeze(1)
    hue = torch.where(top_ == r, bc - gc, torch.where(top_ == g, 2 + rc - bc, 4 + gc - rc))
    hue = (hue / 6 + shift.view(-1, 1, 1)).remainder(1).unsqueeze(1)
    # HSV to RGB: channel n (5 red, 3 green, 1 blue) is V - C * clamp(min(k, 4 - k), 0, 1)
    k = (x.new_tensor([5.0, 3.0, 1.0]).view(1, 3, 1, 1) + 6 * hue).remainder(6)
    return top - chroma * torch.minimum(k, 4 - k).clamp(0, 1)


def _reflect(index, size: int):
    """Positions ``index`` (any integers) reflected into ``[0, size)``, as ``F.pad``'s reflect."""
    if size == 1:
        return torch.zeros_like(index)
    period = 2 * (size - 1)
    index = index.remainder(period)
    return torch.where(index >= size, period - index, index)


class ImageAugmentation(nn.Module):
    """Random train-time augmentation of a batch of images ``(N, C, H, W)``.

    Every image draws its own transformation (not one draw for the whole
    batch), all in a few vectorized tensor operations on the batch's device
    and in its dtype, in this order:

    1. colour jitter, as torchvision's ``ColorJitter`` but in a fixed order:
       brightness (pixels times a factor), contrast (a blend with the image's
       mean gray level), saturation (a blend with the image's grayscale
       version), each by a factor drawn in ``[max(0, 1 - v), 1 + v]``, then
       hue (the hue rotated by a fraction of a turn drawn in ``[-hue, hue]``).
       Brightness, contrast and saturation clamp the pixels to
       ``value_range``;
    2. a random crop with padding, as torchvision's
       ``RandomCrop(size, padding=crop_padding, padding_mode="reflect")``:
       the image is padded by ``crop_padding`` pixels on every side,
       reflecting its border (no artificial black frame, whatever the pixel
       scale), and cropped back to its size at a random position, by one
       gather;
    3. flips, by ``torch.where``;
    4. rotation, shift and zoom, by a single ``affine_grid`` /
       ``grid_sample`` (bilinear, zero fill);
    5. random erasing (cutout), as torchvision's ``RandomErasing``: with
       probability ``erasing``, one rectangle of ``erasing_scale`` of the
       image's area and aspect ratio in ``erasing_ratio`` (up to 10 tries for
       one that fits, else nothing) is filled with ``erasing_value``.

    Operations left at their default draw nothing, so they cost nothing and
    leave the random stream of the others as it was.

    Parameters
    ----------
    rotation : float, default=0
        Largest rotation, in degrees; each image turns by U(-rotation, rotation).
    shift : float, default=0
        Largest translation, as a fraction of the image's height and width.
    zoom : float, default=0
        Largest relative zoom; each image is scaled by U(1 - zoom, 1 + zoom).
    horizontal_flip, vertical_flip : bool, default=False
        Flip each image with probability 1/2.
    brightness, contrast, saturation : float, default=0
        Colour jitter: each image's factor is drawn in
        ``[max(0, 1 - value), 1 + value]``. Saturation needs RGB images.
    hue : float, default=0
        Colour jitter: largest hue rotation, in turns, at most 0.5. Needs RGB
        images.
    crop_padding : int, default=0
        Pixels of (reflect) padding before cropping back to the image's size:
        each image moves by up to this many pixels either way.
    erasing : float, default=0
        Probability that an image gets a rectangle erased.
    erasing_scale : tuple of float, default=(0.02, 0.33)
        Range of the erased area, as a fraction of the image's.
    erasing_ratio : tuple of float, default=(0.3, 3.3)
        Range of the erased rectangle's aspect ratio (drawn log-uniformly).
    erasing_value : float, sequence of float or None, default=None
        What erased pixels become (one value, or one per channel). None: the
        batch's mean pixel per channel, an estimate of the training data's
        mean, so about 0 once standardized, as torchvision's
        ``RandomErasing(value=0)`` after ``Normalize``.
    value_range : tuple of float or None, default=None
        ``(low, high)`` pixels are clamped to after brightness, contrast and
        saturation, e.g. ``(0, 255)`` for 8-bit pixels; None: the batch's own
        smallest and largest value.

    Examples
    --------
    >>> import torch
    >>> from skneural.nn import ImageAugmentation
    >>> augment = ImageAugmentation(rotation=15, horizontal_flip=True)
    >>> augment(torch.rand(8, 1, 28, 28)).shape
    torch.Size([8, 1, 28, 28])

    The CIFAR-10 recipe, with colour jitter, on 8-bit pixels:

    >>> augment = ImageAugmentation(
    ...     horizontal_flip=True, crop_padding=4, brightness=0.2, hue=0.05, erasing=0.5,
    ...     value_range=(0, 255),
    ... )
    >>> images = torch.randint(0, 256, (8, 3, 32, 32)).float()
    >>> out = augment(images)
    >>> out.shape, bool(out.min() >= 0), bool(out.max() <= 255)
    (torch.Size([8, 3, 32, 32]), True, True)

    Saturation and hue need colour:

    >>> ImageAugmentation(saturation=0.3)(torch.rand(2, 1, 8, 8))
    Traceback (most recent call last):
    ...
    ValueError: saturation=0.3 needs RGB images (3 channels); these have 1 channel.
    """

    def __init__(
        self,
        rotation: float = 0.0,
        shift: float = 0.0,
        zoom: float = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        *,
        brightness: float = 0.0,
        contrast: float = 0.0,
        saturation: float = 0.0,
        hue: float = 0.0,
        crop_padding: int = 0,
        erasing: float = 0.0,
        erasing_scale: tuple[float, float] = (0.02, 0.33),
        erasing_ratio: tuple[float, float] = (0.3, 3.3),
        erasing_value=None,
        value_range: tuple[float, float] | None = None,
    ):
        super().__init__()
        self.rotation = float(rotation)
        self.shift = float(shift)
        self.zoom = float(zoom)
        self.horizontal_flip = bool(horizontal_flip)
        self.vertical_flip = bool(vertical_flip)
        self.brightness = float(brightness)
        self.contrast = float(contrast)
        self.saturation = float(saturation)
        self.hue = float(hue)
        self.crop_padding = int(crop_padding)
        self.erasing = float(erasing)
        self.erasing_scale = tuple(float(v) for v in erasing_scale)
        self.erasing_ratio = tuple(float(v) for v in erasing_ratio)
        self.erasing_value = erasing_value
        self.value_range = None if value_range is None else tuple(float(v) for v in value_range)
        for name in ("brightness", "contrast", "saturation", "hue", "crop_padding", "erasing"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0; got {getattr(self, name)}.")
        if self.hue > 0.5:
            raise ValueError(f"hue must be at most 0.5 (half a turn); got {self.hue}.")
        if self.erasing > 1:
            raise ValueError(f"erasing is a probability, in [0, 1]; got {self.erasing}.")

    @property
    def active(self) -> bool:
        """Whether this changes anything at all."""
        return bool(
            self.rotation
            or self.shift
            or self.zoom
            or self.horizontal_flip
            or self.vertical_flip
            or self._colour
            or self.crop_padding
            or self.erasing
        )

    @property
    def _colour(self) -> bool:
        return bool(self.brightness or self.contrast or self.saturation or self.hue)

    def check_channels(self, channels: int) -> None:
        """Raise a ValueError if an operation cannot work on images of ``channels`` channels."""
        for name in _RGB_ONLY:
            if getattr(self, name) and channels != 3:
                raise ValueError(
                    f"{name}={getattr(self, name)} needs RGB images (3 channels); these have "
                    f"{channels} channel{'s' if channels != 1 else ''}."
                )

    def forward(self, x):
        n = x.shape[0]
        self.check_channels(x.shape[1])
        if self._colour:
            x = self._jitter(x)
        if self.crop_padding:
            x = self._crop(x)
        if self.horizontal_flip:
            x = torch.where(self._coin(n, x), x.flip(-1), x)
        if self.vertical_flip:
            x = torch.where(self._coin(n, x), x.flip(-2), x)
        if self.rotation or self.shift or self.zoom:
            x = F.grid_sample(
                x,
                F.affine_grid(self._affine(n, x), list(x.shape), align_corners=False),
                mode="bilinear",
                padding_mode="zeros",
                align_corners=False,
            )
        if self.erasing:
            x = self._erase(x)
        return x

    @staticmethod
    def _coin(n, x):
        return (torch.rand(n, device=x.device) < 0.5).view(n, 1, 1, 1)

    @staticmethod
    def _uniform(n, x, low, high):
        """``n`` draws of U(low, high) on ``x``'s device, in its dtype."""
        return low + (high - low) * torch.rand(n, device=x.device, dtype=x.dtype)

    def _jitter(self, x):
        """Brightness, contrast, saturation, then hue, with a factor per image."""
        n = x.shape[0]
        if self.value_range is None:
            low, high = x.amin(), x.amax()
        else:
            low, high = self.value_range

        def factor(value):
            return self._uniform(n, x, max(0.0, 1 - value), 1 + value).view(n, 1, 1, 1)

        if self.brightness:
            x = (x * factor(self.brightness)).clamp(low, high)
        if self.contrast:
            x = _blend(x, _gray(x).mean((1, 2, 3), keepdim=True), factor(self.contrast), low, high)
        if self.saturation:
            x = _blend(x, _gray(x), factor(self.saturation), low, high)
        if self.hue:
            x = _shift_hue(x, self._uniform(n, x, -self.hue, self.hue))
        return x

    def _crop(self, x):
        """Each image moved by up to ``crop_padding`` pixels each way, the border reflected."""
        n, c, height, width = x.shape
        pad = self.crop_padding
        moves = torch.randint(-pad, pad + 1, (2, n, 1), device=x.device)
        rows = _reflect(torch.arange(height, device=x.device) + moves[0], height)
        cols = _reflect(torch.arange(width, device=x.device) + moves[1], width)
        x = x.gather(2, rows.view(n, 1, height, 1).expand(n, c, height, width))
        return x.gather(3, cols.view(n, 1, 1, width).expand(n, c, height, width))

    def _erase(self, x, tries: int = 10):
        """One rectangle per image (with probability ``erasing``) set to the erasing value."""
        n, _, height, width = x.shape
        device = x.device
        area = height * width * self._uniform((n, tries), x, *self.erasing_scale)
        log_ratio = self._uniform((n, tries), x, *(math.log(r) for r in self.erasing_ratio))
        tall = torch.round(torch.sqrt(area * torch.exp(log_ratio))).long()
        wide = torch.round(torch.sqrt(area / torch.exp(log_ratio))).long()
        fits = (tall < height) & (wide < width)
        first = fits.int().argmax(1, keepdim=True)  # the first try that fits, as torchvision
        tall, wide = tall.gather(1, first).squeeze(1), wide.gather(1, first).squeeze(1)
        erase = fits.any(1) & (torch.rand(n, device=device) < self.erasing)
        top = (torch.rand(n, device=device) * (height - tall + 1)).long()
        left = (torch.rand(n, device=device) * (width - wide + 1)).long()
        rows = torch.arange(height, device=device).view(1, height)
        cols = torch.arange(width, device=device).view(1, width)
        in_rows = (rows >= top[:, None]) & (rows < (top + tall)[:, None])
        in_cols = (cols >= left[:, None]) & (cols < (left + wide)[:, None])
        inside = in_rows[:, :, None] & in_cols[:, None, :] & erase.view(n, 1, 1)
        if self.erasing_value is None:
            value = x.mean((0, 2, 3), keepdim=True)
        else:
            value = torch.as_tensor(self.erasing_value, device=device, dtype=x.dtype)
            value = value.view(1, -1, 1, 1) if value.ndim else value
        return torch.where(inside.unsqueeze(1), value, x)

    def _affine(self, n, x):
        """Per-image 2x3 matrices mapping output to input coordinates."""

        def uniform(limit):
            return (torch.rand(n, device=x.device) * 2 - 1) * limit

        height, width = x.shape[-2:]
        angle = uniform(math.radians(self.rotation))
        scale = 1 + uniform(self.zoom)
        cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
        # affine_grid works in [-1, 1] coordinates; rescale the rotation so it is
        # a true rotation in pixels when the image is not square.
        theta = torch.stack(
            [
                torch.stack([cos, -sin * height / width, uniform(2 * self.shift)], dim=1),
                torch.stack([sin * width / height, cos, uniform(2 * self.shift)], dim=1),
            ],
            dim=1,
        )
        return theta.to(x.dtype)

    def extra_repr(self) -> str:
        text = (
            f"rotation={self.rotation}, shift={self.shift}, zoom={self.zoom}, "
            f"horizontal_flip={self.horizontal_flip}, vertical_flip={self.vertical_flip}, "
            f"brightness={self.brightness}, contrast={self.contrast}, "
            f"saturation={self.saturation}, hue={self.hue}, "
            f"crop_padding={self.crop_padding}, erasing={self.erasing}"
        )
        if self.erasing:
            text += f", erasing_scale={self.erasing_scale}, erasing_ratio={self.erasing_ratio}"
        if self.erasing_value is not None:
            text += f", erasing_value={self.erasing_value}"
        if self.value_range is not None:
            text += f", value_range={self.value_range}"
        return text
