"""Convolutional network estimators for images."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval

from skneural._core._docs import FITTED
from skneural._core._estimator import fitted
from skneural._core._params import Param, declare
from skneural._core._supervised import (
    CLASS_WEIGHT,
    CLASSIFIER_LOSS,
    REGRESSOR_LOSS,
    NeuralClassifier,
    NeuralRegressor,
)
from skneural._core._training import RUNTIME, TRAINING
from skneural._inputs._images import AUGMENTATION, IMAGE_SHAPE, image_input
from skneural.nn import ConvNet

_positive = [Interval(Integral, 1, None, closed="left")]

CNN = (
    IMAGE_SHAPE,
    Param(
        "image_size",
        None,
        [tuple, list, None],
        "tuple of int or None",
        """``(height, width)`` to which image files are resized when X is a list
        of file paths; None for the size of the first file. Arrays are not
        resized.""",
    ),
    Param(
        "n_conv_layers",
        2,
        _positive,
        "int",
        "Number of convolution blocks (conv -> [batch norm] -> ReLU -> max pool).",
    ),
    Param(
        "n_filters",
        32,
        _positive,
        "int",
        "Filters of the first block; each further block doubles them.",
    ),
    Param(
        "kernel_size",
        3,
        _positive,
        "int",
        "Side of the square convolution kernels (``same`` padding).",
    ),
    Param(
        "hidden_units", 128, _positive, "int", "Units of the dense layer after the convolutions."
    ),
    Param(
        "dropout",
        0.2,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Dropout probability after the dense layer.",
    ),
    Param(
        "batch_norm",
        False,
        ["boolean"],
        "bool",
        "Whether to add batch normalization after each convolution.",
    ),
    *AUGMENTATION,
)

_ATTRIBUTES = (
    """
image_shape_ : tuple of int
    ``(channels, height, width)`` of the images the network takes.
"""
    + FITTED
)

_NOTES = """
X may be ``(n, height, width)``, ``(n, channels, height, width)`` or flat
``(n, features)`` (see ``image_shape``), of any numeric dtype; ``uint8``
images are kept as such in memory and converted to float per batch on the
device. Augmentation is drawn per image, on the batch, only in training.

X may also be a list or array of image file paths (``str`` or
``pathlib.Path``; JPEG, PNG and whatever else Pillow reads;
:func:`skneural.utils.load_image_folder` lists a folder per class). The
files are decoded per batch, in threads beside the network and two batches
ahead of it (one per core ``n_threads`` leaves free, plus one), so
memory is bounded by a few batches, not the dataset; they get one channel
if every training image is grayscale, else three (RGB; palette images
converted, alpha dropped), and are resized to ``image_size``, large JPEGs
from a reduced decode (JPEG draft mode, to at least twice ``image_size``:
about one grey level from a full decode on average). Files decode to 8-bit
pixels, as ``uint8`` arrays hold them: a model fitted on files predicts on
files or on ``uint8`` arrays of its ``image_shape_`` alike, and the other
way round. With ``normalize=True`` the channel statistics are computed from
all training images, decoded in chunks.
"""


_DOCS = dict(attributes=_ATTRIBUTES, notes=_NOTES)


class _CNN:
    """Image input (arrays or files), augmentation and the ConvNet, for both tasks."""

    image_shape_ = fitted("input_", "image_shape_", "(channels, height, width) of the images.")

    def _input_adapter(self):
        return image_input(self, "image_size")

    def _build_network(self, input_, n_outputs):
        channels, height, width = input_.image_shape_
        return ConvNet(
            channels,
            n_outputs,
            (height, width),
            n_conv_layers=self.n_conv_layers,
            n_filters=self.n_filters,
            kernel_size=self.kernel_size,
            hidden_units=self.hidden_units,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
        )


@declare(
    (*CNN, CLASSIFIER_LOSS, *TRAINING, CLASS_WEIGHT, *RUNTIME),
    see_also="""
CNNRegressor : The same network for regression.
sklearn.neural_network.MLPClassifier : A dense network, without convolutions.
""",
    **_DOCS,
)
class CNNClassifier(_CNN, NeuralClassifier):
    """Convolutional neural network classifier for images.

    A scikit-learn classifier training a PyTorch :class:`~skneural.nn.ConvNet`
    through skorch: labels of any kind, any numeric input dtype, CPU or CUDA,
    and every parameter searchable by ``GridSearchCV`` and friends.

    The default network is the classic one: conv 32 3x3 -> max pool 2 ->
    conv 64 3x3 -> max pool 2 -> dense 128 ReLU -> dropout 0.2 -> output.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skneural import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CNNClassifier(random_state=0).fit(X[:1000], y[:1000])
    >>> clf.image_shape_
    (1, 8, 8)
    >>> clf.predict_proba(X[1000:1003]).shape
    (3, 10)
    >>> clf.score(X[1000:], y[1000:]) > 0.9
    True
    """


@declare(
    (*CNN, REGRESSOR_LOSS, *TRAINING, *RUNTIME),
    see_also="CNNClassifier : The same network for classification.",
    **_DOCS,
)
class CNNRegressor(_CNN, NeuralRegressor):
    """Convolutional neural network regressor for images.

    The network of :class:`CNNClassifier` with one linear output per target.

    Examples
    --------
    >>> import numpy as np
    >>> from skneural import CNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(300, 8, 8).astype(np.float32)
    >>> y = 1000 + 50 * X[:, :4, :4].mean(axis=(1, 2))  # a brightness, far from 0
    >>> reg = CNNRegressor(max_epochs=30, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> reg.score(X, y) > 0.5
    True
    """
