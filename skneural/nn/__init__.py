"""Plain PyTorch modules behind the estimators, usable on their own.

Every network returns raw outputs (logits for classification).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skneural._lazy import lazy_attributes

# Imported from their modules on first use (PEP 562): the estimators that need
# only ConvNet or RecurrentNet do not load ResNetNet's torchvision.
_LAZY = {
    "ConvNet": "skneural.nn._convnet",
    "ImageAugmentation": "skneural.nn._layers",
    "RecurrentNet": "skneural.nn._recurrent",
    "ResNetNet": "skneural.nn._resnet",
    "SeriesAugmentation": "skneural.nn._series",
    "Standardize": "skneural.nn._layers",
    "StandardizedNetwork": "skneural.nn._layers",
    "TransferNet": "skneural.nn._transfer",
}

__all__ = [
    "ConvNet",
    "ImageAugmentation",
    "RecurrentNet",
    "ResNetNet",
    "SeriesAugmentation",
    "Standardize",
    "StandardizedNetwork",
    "TransferNet",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)

if TYPE_CHECKING:  # for type checkers and IDEs, which do not run __getattr__
    from skneural.nn._convnet import ConvNet
    from skneural.nn._layers import ImageAugmentation, Standardize, StandardizedNetwork
    from skneural.nn._recurrent import RecurrentNet
    from skneural.nn._resnet import ResNetNet
    from skneural.nn._series import SeriesAugmentation
    from skneural.nn._transfer import TransferNet
