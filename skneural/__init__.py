"""skneural: PyTorch networks as genuine scikit-learn estimators.

CNN estimators for images, LSTM estimators for text and sequences, and
transfer learning from pretrained torchvision backbones (ResNet, VGG,
EfficientNet, MobileNet, ConvNeXt, ViT), built on skorch, that drop into
``Pipeline``, ``cross_val_score`` and every scikit-learn search, and train on
CUDA when it is there.
"""

from skneural._cnn import CNNClassifier, CNNRegressor
from skneural._lstm import LSTMClassifier, LSTMRegressor
from skneural._resnet import ResNetClassifier, ResNetRegressor
from skneural._text import SequenceVectorizer
from skneural._transfer import TransferClassifier, TransferRegressor

__version__ = "0.1.0.dev0"

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
