"""Plain PyTorch modules behind the estimators, usable on their own.

Every network returns raw outputs (logits for classification).
"""

from skneural.nn._convnet import ConvNet
from skneural.nn._layers import ImageAugmentation, Standardize, StandardizedNetwork
from skneural.nn._recurrent import RecurrentNet
from skneural.nn._resnet import ResNetNet
from skneural.nn._transfer import TransferNet

__all__ = [
    "ConvNet",
    "ImageAugmentation",
    "RecurrentNet",
    "ResNetNet",
    "Standardize",
    "StandardizedNetwork",
    "TransferNet",
]
