"""Convolutional network estimators for images, signals (1-D) and volumes (3-D)."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, Options, StrOptions

from skneural._core._docs import FITTED
from skneural._core._estimator import fitted
from skneural._core._params import Param, declare, refuse_changed, replace
from skneural._core._supervised import (
    CLASS_WEIGHT,
    CLASSIFIER_LOSS,
    REGRESSOR_LOSS,
    NeuralClassifier,
    NeuralRegressor,
)
from skneural._core._training import (
    AUTO_LR,
    AUTO_WEIGHT_DECAY,
    DEFAULT_LR,
    OPTIMIZERS,
    RUNTIME,
    TRAINING,
)
from skneural._inputs._image_augmentation import AUGMENTATION
from skneural._inputs._images import IMAGE_SHAPE, image_input
from skneural._inputs._sequences import (
    SERIES_AUGMENTATION,
    SequenceInput,
    series_augmentation,
)
from skneural.nn import ConvNet
from skneural.nn._convnet import HEADS, POOLINGS, per_layer

_positive = [Interval(Integral, 1, None, closed="left")]

SERIES_LENGTH = Param(
    "series_length",
    None,
    [Interval(Integral, 1, None, closed="left"), None],
    "int or None",
    """Sequences (``spatial_dims=1``) with ``head="flatten"``: the steps of
    the network's input, on which the flattened layer's size depends.
    Shorter series are zero-padded (the padding masked: it never changes a
    prediction), longer ones refused, and none is stretched past it. None:
    the longest training series, times ``1 + time_stretch`` when
    stretching. Set it when later data may hold longer series than the
    training data, as the validation folds of a cross-validation over
    series of unequal lengths do; the steps past the longest training
    series meet weights that training fed only padding (unless stretched
    series reached them). Ignored with ``head="gap"``, which takes any
    length.""",
)

CNN = (
    Param(
        "spatial_dims",
        2,
        [Options(Integral, {1, 2, 3})],
        "{1, 2, 3}",
        """Dimensions the convolutions run over: 1 for signals and time series
        (X ``(n_samples, n_steps)``, ``(n_samples, n_channels, n_steps)`` or a
        list of ``(n_channels, n_steps_i)`` arrays of any lengths, the layout of
        aeon, sktime and the LSTM estimators), 2 for images, 3 for volumes
        (``(n_samples, depth, height, width)`` or ``(n_samples, channels,
        depth, height, width)``).""",
    ),
    IMAGE_SHAPE,
    SERIES_LENGTH,
    Param(
        "image_size",
        None,
        [tuple, list, None],
        "tuple of int or None",
        """``(height, width)`` to which image files are resized when X is a list
        of file paths. None takes the first file's size, with an
        :class:`~skneural.exceptions.AmbiguousInputWarning` (it sizes the
        network: set it for photos). Arrays are not resized.""",
    ),
    Param(
        "n_conv_layers",
        2,
        _positive,
        "int",
        "Number of convolution blocks (conv -> [batch norm] -> ReLU -> [pool]).",
    ),
    Param(
        "n_filters",
        32,
        [*_positive, tuple, list],
        "int or tuple of int",
        """Filters of the first block, doubled in each further block; or one
        number per block, e.g. ``(128, 256, 128)``.""",
    ),
    Param(
        "kernel_size",
        3,
        [*_positive, tuple, list],
        "int or tuple of int",
        """Side of the (square, cubic) convolution kernels (``same`` padding),
        for every block or one per block, e.g. ``(8, 5, 3)``.""",
    ),
    Param(
        "pooling",
        "max",
        [StrOptions(set(POOLINGS)), None],
        '{"max", "avg"} or None',
        """Pooling (window and stride 2) after each block, or None for none.""",
    ),
    Param(
        "head",
        "flatten",
        [StrOptions(set(HEADS))],
        '{"flatten", "gap"}',
        """What the output layers see: ``"flatten"``, the last block's output
        flattened (its size is fixed by the training images, or the longest
        training sequence), or ``"gap"``, global average pooling: each
        channel's mean over all positions (over the real steps of a padded
        sequence), for inputs of any size.""",
    ),
    Param(
        "hidden_units",
        128,
        [Interval(Integral, 0, None, closed="left"), None],
        "int or None",
        "Units of the dense ReLU layer before the output; 0 or None for none.",
    ),
    Param(
        "dropout",
        0.2,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Dropout probability after the dense layer (none without one).",
    ),
    Param(
        "batch_norm",
        False,
        ["boolean"],
        "bool",
        "Whether to add batch normalization after each convolution.",
    ),
    *AUGMENTATION,
    *SERIES_AUGMENTATION,
)

# SGD with momentum and weight decay for images: the classic recipe of image
# CNNs, better than Adam on CIFAR-10; on series Adam did better, so signals
# keep it (the training guide has the figures).
CNN_TRAINING = replace(
    TRAINING,
    optimizer=Param(
        "optimizer",
        "auto",
        [StrOptions({*OPTIMIZERS, "auto"}), callable],
        '{"auto", "adam", "adamw", "sgd", "rmsprop"} or torch.optim.Optimizer subclass',
        """Optimizer. ``"auto"``: ``"sgd"`` (with ``momentum``) for images
        and volumes (``spatial_dims`` 2 or 3), the classic recipe of image
        CNNs, ``"adam"`` for signals (``spatial_dims=1``). A class is called
        with the parameters, ``lr`` and (when nonzero) ``weight_decay``.""",
    ),
    lr=Param(
        "lr",
        "auto",
        [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        'float or "auto"',
        f"""Learning rate. ``"auto"``: {AUTO_LR["sgd"]} for ``"sgd"``,
        {DEFAULT_LR} for the other optimizers.""",
    ),
    weight_decay=Param(
        "weight_decay",
        "auto",
        [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        'float or "auto"',
        f"""Weight decay: L2 penalty for "sgd", "adam" and "rmsprop"; decoupled
        decay for "adamw". ``"auto"``: {AUTO_WEIGHT_DECAY["sgd"]} for ``"sgd"``,
        0 for the other optimizers.""",
    ),
)

_ATTRIBUTES = (
    """
image_shape_ : tuple of int
    ``(channels, height, width)`` (3-D: ``(channels, depth, height, width)``)
    of the images the network takes. Images and volumes only.
n_channels_ : int
    Channels of the sequences. ``spatial_dims=1`` only.
"""
    + FITTED
)

_NOTES = """
With ``spatial_dims=2`` (the default), X may be ``(n, height, width)``,
``(n, channels, height, width)`` or flat ``(n, features)`` (see
``image_shape``), of any numeric dtype; ``uint8`` images are kept as such
in memory and converted to float per batch on the device. Augmentation is
drawn per image, on the batch, only in training. A 4-D X whose last axis
has 1, 3 or 4 values and whose second has another count looks channels-last
and is refused, with a message saying how to pass it.

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

With ``spatial_dims=1``, X holds numeric sequences in the layout of aeon
and sktime, channels first: ``(n, n_steps)`` (one channel), ``(n,
n_channels, n_steps)``, or a list of ``(n_channels, n_steps_i)`` (or 1-D)
arrays of different lengths, zero-padded per batch. Padding never changes a
prediction: padded steps are zeroed after every block, pooling rounds up
and the ``"gap"`` head averages the real steps only. With
``head="flatten"`` every sequence is padded to ``series_length`` (by
default the longest training one, times ``1 + time_stretch`` when
stretching), and longer ones are refused at predict time;
``head="gap"`` takes any length. The FCN of Wang et al. (2017), the standard deep baseline for time
series classification, is ``spatial_dims=1, n_conv_layers=3, n_filters=(128,
256, 128), kernel_size=(8, 5, 3), pooling=None, batch_norm=True,
head="gap", hidden_units=None``.
"""


_DOCS = dict(attributes=_ATTRIBUTES, notes=_NOTES)

_IMAGE_ONLY = (
    *(p for p in CNN if p.name in ("image_shape", "image_size")),
    *AUGMENTATION,
)


class _CNN:
    """Image, volume or sequence input, augmentation and the ConvNet, for both tasks."""

    image_shape_ = fitted("input_", "image_shape_", "(channels, height, width) of the images.")
    n_channels_ = fitted("input_", "n_channels_", "Channels of the sequences (1-D).")

    def _input_adapter(self):
        # the per-block tuples are checked before any data is read
        per_layer(self.kernel_size, self.n_conv_layers, "kernel_size")
        if not isinstance(self.n_filters, Integral):
            per_layer(self.n_filters, self.n_conv_layers, "n_filters")
        if self.spatial_dims != 1:
            refuse_changed(
                self, (SERIES_LENGTH, *SERIES_AUGMENTATION), " is for sequences (spatial_dims=1)."
            )
            return image_input(self, "image_size", spatial_dims=self.spatial_dims)
        refuse_changed(self, _IMAGE_ONLY, " is for images; spatial_dims=1 (sequences) takes none.")
        return SequenceInput(
            "numeric",
            fixed_length=(self.series_length or True) if self.head == "flatten" else False,
            augmentation=series_augmentation(self),
        )

    def _auto_optimizer(self):
        return "adam" if self.spatial_dims == 1 else "sgd"

    def _build_network(self, input_, n_outputs):
        if self.spatial_dims == 1:
            channels = input_.n_channels_
            size = (input_.input_length_ if self.head == "flatten" else input_.max_length_,)
        else:
            channels, *size = input_.image_shape_
        return ConvNet(
            channels,
            n_outputs,
            tuple(size),
            n_conv_layers=self.n_conv_layers,
            n_filters=self.n_filters,
            kernel_size=self.kernel_size,
            pooling=self.pooling,
            head=self.head,
            hidden_units=self.hidden_units,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
        )


@declare(
    (*CNN, CLASSIFIER_LOSS, *CNN_TRAINING, CLASS_WEIGHT, *RUNTIME),
    see_also="""
CNNRegressor : The same network for regression.
sklearn.neural_network.MLPClassifier : A dense network, without convolutions.
""",
    **_DOCS,
)
class CNNClassifier(_CNN, NeuralClassifier):
    """Convolutional neural network classifier for images, signals and volumes.

    A scikit-learn classifier training a PyTorch :class:`~skneural.nn.ConvNet`
    through skorch: labels of any kind, any numeric input dtype, CPU or CUDA,
    and every parameter searchable by ``GridSearchCV`` and friends.

    The default network is the classic one: conv 32 3x3 -> max pool 2 ->
    conv 64 3x3 -> max pool 2 -> dense 128 ReLU -> dropout 0.2 -> output.
    ``spatial_dims=1`` makes it a 1-D network for signals and time series
    (the layout of aeon and sktime, series of any lengths), ``spatial_dims=3``
    a 3-D one for volumes.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skneural import CNNClassifier
    >>> digits = load_digits()
    >>> X, y = digits.images, digits.target  # 8x8 images
    >>> clf = CNNClassifier(random_state=0).fit(X[:1000], y[:1000])
    >>> clf.image_shape_
    (1, 8, 8)
    >>> clf.predict_proba(X[1000:1003]).shape
    (3, 10)
    >>> clf.score(X[1000:], y[1000:]) > 0.9
    True

    Series of different lengths, ``(channels, steps)`` each, with the FCN's
    global average pooling head:

    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> series = [rng.randn(2, rng.randint(50, 80)) for _ in range(100)]
    >>> labels = [int(x[0, :10].mean() > 0) for x in series]
    >>> fcn = CNNClassifier(spatial_dims=1, kernel_size=(8, 5), pooling=None,
    ...                     batch_norm=True, head="gap", hidden_units=None,
    ...                     random_state=0).fit(series, labels)
    >>> fcn.n_channels_
    2
    """


@declare(
    (*CNN, REGRESSOR_LOSS, *CNN_TRAINING, *RUNTIME),
    see_also="CNNClassifier : The same network for classification.",
    **_DOCS,
)
class CNNRegressor(_CNN, NeuralRegressor):
    """Convolutional neural network regressor for images, signals and volumes.

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
