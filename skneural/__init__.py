"""skneural: PyTorch networks as genuine scikit-learn estimators.

CNN estimators for images, LSTM estimators for text and sequences, and
transfer learning from pretrained torchvision backbones (ResNet, VGG,
EfficientNet, MobileNet, ConvNeXt, ViT), built on skorch, that drop into
``Pipeline``, ``cross_val_score`` and every scikit-learn search, and train on
CUDA when it is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skneural._lazy import lazy_attributes

__version__ = "0.1.0.dev0"

# Each public class is imported from its module on first use (PEP 562), so
# ``import skneural`` costs next to nothing, ``from skneural import
# CNNClassifier`` loads what the CNN needs and no more (no torchvision), and
# only the ResNet estimators bring in torchvision.
_LAZY = {
    "CNNClassifier": "skneural._cnn",
    "CNNRegressor": "skneural._cnn",
    "LSTMClassifier": "skneural._lstm",
    "LSTMRegressor": "skneural._lstm",
    "ResNetClassifier": "skneural._resnet",
    "ResNetRegressor": "skneural._resnet",
    "SequenceVectorizer": "skneural._text",
    "TransferClassifier": "skneural._transfer",
    "TransferRegressor": "skneural._transfer",
}

__all__ = [
    "CNNClassifier",
    "CNNRegressor",
    "LSTMClassifier",
    "LSTMRegressor",
    "ResNetClassifier",
    "ResNetRegressor",
    "SequenceVectorizer",
    "TransferClassifier",
    "TransferRegressor",
    "__version__",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)

# Type checkers and IDEs read __init__.pyi (the estimators' signatures, which
# declare generates at import); this is for tools that read no stubs.
if TYPE_CHECKING:  # they do not run __getattr__
    from skneural._cnn import CNNClassifier, CNNRegressor
    from skneural._lstm import LSTMClassifier, LSTMRegressor
    from skneural._resnet import ResNetClassifier, ResNetRegressor
    from skneural._text import SequenceVectorizer
    from skneural._transfer import TransferClassifier, TransferRegressor
