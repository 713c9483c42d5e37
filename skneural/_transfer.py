"""Transfer learning from any torchvision classification backbone, as scikit-learn estimators.

One estimator per task, with the architecture a parameter (``arch=``), so
that a search can compare families like any other hyperparameter and every
family shares the same meaning of ``weights``, ``trainable_layers``,
``backbone_lr_factor`` and ``transform``. What differs between families is
the table :data:`skneural.nn._families.FAMILIES`.
"""

from __future__ import annotations

import dataclasses
from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from skneural._core._docs import FITTED
from skneural._core._estimator import fitted
from skneural._core._features import FeaturesMixin
from skneural._core._params import Param, declare, replace
from skneural._core._supervised import (
    CLASS_WEIGHT,
    CLASSIFIER_LOSS,
    REGRESSOR_LOSS,
    NeuralClassifier,
    NeuralRegressor,
)
from skneural._core._training import RUNTIME, TRAINING
from skneural._inputs._image_augmentation import AUGMENTATION
from skneural._inputs._images import IMAGE_SHAPE, image_input
from skneural._inputs._validation import check_shape_param
from skneural._weights import WEIGHTS, load_weights
from skneural.nn import Standardize, TransferNet
from skneural.nn._families import ARCHS, FAMILIES, N_STAGES, family_of

# ``trainable_layers=None``: everything trains from random weights, the last
# stages (torchvision's default for fine-tuning a backbone) from pretrained ones
_DEFAULT_TRAINABLE_PRETRAINED = 3

_ARCH_LIST = "; ".join(
    f"{family.title}: {', '.join(f'``{arch}``' for arch in family.archs)}"
    for family in FAMILIES.values()
)

ARCH = Param(
    "arch",
    "resnet18",
    [StrOptions(set(ARCHS))],
    "str",
    f"""The torchvision classification model whose backbone is used, by
    its torchvision name. {_ARCH_LIST}.""",
)

# input_size as every family reads it; the transfer estimators add the sizes
# some families need
INPUT_SIZE = Param(
    "input_size",
    None,
    [tuple, list, None],
    "tuple of int or None",
    """``(height, width)`` the images are resized to (bilinear) before the
    backbone, e.g. ``(224, 224)``; image files are decoded at this size.
    None keeps the size of the images (for files, the first one's).""",
)

TRANSFER = (
    ARCH,
    WEIGHTS,
    Param(
        "trainable_layers",
        None,
        [Interval(Integral, 0, N_STAGES, closed="both"), None],
        "int in 0..5 or None",
        """How many of the backbone's five stages train, counted from the
        output, as torchvision's ``trainable_backbone_layers``: 0 trains the
        new head only, 1 also the last stage, ..., 5 everything. Every family
        is read as a stem and four stages (for a ResNet the stem, ``layer1``,
        ..., ``layer4``; for a ViT the patch embedding and four groups of
        encoder blocks; the user guide has the table). Frozen stages get no
        gradients and no optimizer state, stay in eval mode (batch
        normalization keeps its running statistics, dropout is off), and
        backward does not run through them. None: 5 with ``weights=None``,
        3 with pretrained weights.""",
    ),
    Param(
        "hidden_units",
        None,
        [Interval(Integral, 1, None, closed="left"), None],
        "int or None",
        """Units of a hidden layer (ReLU, then dropout) in the new head; None
        for a single linear layer on the pooled features.""",
    ),
    Param(
        "dropout",
        0.0,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Dropout probability before the head's output layer.",
    ),
    Param(
        "backbone_lr_factor",
        0.1,
        [Interval(Real, 0, None, closed="neither")],
        "float",
        """Learning rate of the pretrained backbone relative to ``lr`` (the new
        head's): discriminative fine-tuning. Ignored with ``weights=None``,
        where the whole network is new. 0.1 suits features learned on a large,
        related source such as ImageNet; from a small or distant source,
        0.3 to 1 adapts the backbone more.""",
    ),
    dataclasses.replace(
        INPUT_SIZE,
        doc=INPUT_SIZE.doc
        + """
    A ViT takes square images whose side is a multiple of its patch size (it
    is built for that size; pretrained position embeddings are interpolated
    to it); VGG and ConvNeXt take at least 32x32.""",
    ),
    IMAGE_SHAPE,
    *AUGMENTATION,
)
TRANSFER_TRAINING = replace(TRAINING, lr=1e-3, batch_size=32, max_epochs=10)

ATTRIBUTES = (
    """
image_shape_ : tuple of int
    ``(channels, height, width)`` of the images the network takes.
"""
    + FITTED
)

# the notes' paragraphs on inputs and on normalization, shared with the ResNets'
INPUT_NOTES = """Inputs are images as for :class:`CNNClassifier`: ``(n, height, width)``,
``(n, channels, height, width)``, flat ``(n, features)`` (see
``image_shape``), or a list or array of image file paths (``str`` or
``pathlib.Path``), decoded per batch. Grayscale images are repeated to
three channels inside the network.
"""

NORMALIZATION_NOTES = """Normalization. With pretrained weights (and ``normalize=True``) the
network scales pixels to [0, 1] and normalizes them with the weights' own
mean and standard deviation (``module_.standardize``, which folds the
scaling into its statistics) (ImageNet's for torchvision's weights, and
for local checkpoints unless they hold ``"mean"`` and ``"std"`` next to
their ``"state_dict"``): ``uint8`` arrays and image files are read as
0-255, arrays of any other dtype as already in [0, 1] (torchvision's
convention). With ``weights=None`` each channel is standardized with the
training data's statistics, as in :class:`CNNClassifier`.

``trainable_layers``, ``arch``, ``weights`` and the head take effect on a
fresh fit; ``warm_start=True`` continues the fitted network as it is.
"""

_NOTES = f"""{INPUT_NOTES}
The backbone is the torchvision model without its classifier: ``fc``
(ResNet), ``classifier`` (VGG, EfficientNet, MobileNet: for VGG and
MobileNetV3 its pretrained fully connected layers go too, the features
are the pooled last convolution), the last linear layer of ``classifier``
(ConvNeXt, whose final layer norm is kept) or ``heads`` (ViT, whose
features are the class token). ``module_.network.backbone.state_dict()``
has torchvision's key names.

{NORMALIZATION_NOTES}"""

DOCS = dict(attributes=ATTRIBUTES, notes=_NOTES)


class _Transfer(FeaturesMixin):
    """A pretrained torchvision backbone with a new head, for both tasks."""

    image_shape_ = fitted("input_", "image_shape_", "(channels, height, width) of the images.")

    # the network class built; ResNetClassifier builds its ResNetNet
    _network_class = TransferNet

    def _pretrained(self):
        """The pretrained weights (from the per-process cache), or None."""
        return None if self.weights is None else load_weights(self.arch, self.weights)

    def _input_adapter(self):
        if self.input_size is not None:
            check_shape_param(self.input_size, "input_size", (2,))
        return image_input(self, "input_size")

    def _build_network(self, input_, n_outputs):
        family = family_of(self.arch)
        channels, *size = input_.image_shape_
        size = tuple(size if self.input_size is None else self.input_size)
        family.check_size(self.arch, size)
        pretrained = self._pretrained()  # a bad name, file or download fails here
        if pretrained is not None and channels not in (1, 3):
            raise ValueError(
                f"Pretrained weights take images of 1 or 3 channels; X has images of shape "
                f"{input_.image_shape_} (channels, height, width)."
            )
        trainable = self.trainable_layers
        if trainable is None:
            trainable = N_STAGES if pretrained is None else _DEFAULT_TRAINABLE_PRETRAINED
        # a network built for one image size (ViT) is built for the input's
        extra = {"image_size": size[0]} if family.fixed_size else {}
        return self._network_class(
            self.arch,
            n_outputs,
            in_channels=channels,
            state_dict=None if pretrained is None else pretrained.state_dict,
            trainable_layers=trainable,
            hidden_units=self.hidden_units,
            dropout=self.dropout,
            input_size=None if self.input_size is None else tuple(self.input_size),
            **extra,
        )

    def _standardizer(self, input_, data, sample_weight, index):
        if len(data) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to train (its batch "
                f"normalization needs them); got 1 sample."
            )
        pretrained = self._pretrained()
        if pretrained is None or not self.normalize:
            return super()._standardizer(input_, data, sample_weight, index)
        # the weights' own statistics, for pixels in [0, 1]: scaled to the input's range
        scale = input_.pixel_range_
        shape = (1, 3, 1, 1)
        return Standardize(
            torch.tensor(pretrained.mean).reshape(shape) * scale,
            torch.tensor(pretrained.std).reshape(shape) * scale,
        )

    def _cpu_bf16_pays(self):
        return family_of(self.arch).cpu_bf16

    def _lr_groups(self):
        factor = 1.0 if self.weights is None else self.backbone_lr_factor
        return {"backbone": ("network.backbone.", factor)}


@declare(
    (*TRANSFER, CLASSIFIER_LOSS, *TRANSFER_TRAINING, CLASS_WEIGHT, *RUNTIME),
    see_also="""
TransferRegressor : The same network for regression.
ResNetClassifier : The same for the ResNets only.
CNNClassifier : A small convolutional network trained from scratch.
""",
    **DOCS,
)
class TransferClassifier(_Transfer, NeuralClassifier):
    """Transfer-learning classifier on any torchvision backbone.

    Loads a torchvision classification model chosen by ``arch`` (ResNet,
    VGG, EfficientNet, MobileNet, ConvNeXt or ViT; pretrained weights by
    torchvision name or from a local file), freezes its early stages, puts
    a new head sized to the classes on its pooled features and fine-tunes
    the last stages, with a smaller learning rate for the pretrained part
    than for the head. Every parameter, the architecture and how many
    stages train included, is searchable by ``GridSearchCV`` and friends;
    the weights are loaded once per process, not once per fit.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skneural import TransferClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = TransferClassifier(arch="mobilenet_v3_small", max_epochs=5, random_state=0)
    >>> clf.fit(X[:400], y[:400]).predict_proba(X[400:403]).shape
    (3, 10)
    >>> clf.transform(X[:2]).shape  # the backbone's pooled features
    (2, 576)
    """


@declare(
    (*TRANSFER, REGRESSOR_LOSS, *TRANSFER_TRAINING, *RUNTIME),
    see_also="""
TransferClassifier : The same network for classification.
ResNetRegressor : The same for the ResNets only.
""",
    **DOCS,
)
class TransferRegressor(_Transfer, NeuralRegressor):
    """Transfer-learning regressor on any torchvision backbone.

    The network of :class:`TransferClassifier` with one linear output per
    target.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skneural import TransferRegressor
    >>> X, y = load_digits(return_X_y=True)
    >>> reg = TransferRegressor(arch="efficientnet_b0", max_epochs=2, random_state=0)
    >>> reg.fit(X[:100], y[:100] / 9).predict(X[:2]).shape
    (2,)
    """
