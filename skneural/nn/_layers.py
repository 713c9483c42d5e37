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


class ImageAugmentation(nn.Module):
    """Random train-time augmentation of a batch of images ``(N, C, H, W)``.

    Every image draws its own transformation (not one draw for the whole
    batch), all in a few vectorized tensor operations on the batch's device:
    flips by ``torch.where``, rotation, shift and zoom by a single
    ``affine_grid`` / ``grid_sample`` (bilinear, zero fill).

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

    Examples
    --------
    >>> import torch
    >>> from skneural.nn import ImageAugmentation
    >>> augment = ImageAugmentation(rotation=15, horizontal_flip=True)
    >>> augment(torch.rand(8, 1, 28, 28)).shape
    torch.Size([8, 1, 28, 28])
    """

    def __init__(
        self,
        rotation: float = 0.0,
        shift: float = 0.0,
        zoom: float = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
    ):
        super().__init__()
        self.rotation = float(rotation)
        self.shift = float(shift)
        self.zoom = float(zoom)
        self.horizontal_flip = bool(horizontal_flip)
        self.vertical_flip = bool(vertical_flip)

    @property
    def active(self) -> bool:
        """Whether this changes anything at all."""
        return bool(
            self.rotation or self.shift or self.zoom or self.horizontal_flip or self.vertical_flip
        )

    def forward(self, x):
        n = x.shape[0]
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
        return x

    @staticmethod
    def _coin(n, x):
        return (torch.rand(n, device=x.device) < 0.5).view(n, 1, 1, 1)

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
        return (
            f"rotation={self.rotation}, shift={self.shift}, zoom={self.zoom}, "
            f"horizontal_flip={self.horizontal_flip}, vertical_flip={self.vertical_flip}"
        )
