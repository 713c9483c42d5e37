"""Pretrained ResNet estimators: transfer learning as a scikit-learn estimator.

:class:`ResNetClassifier` and :class:`ResNetRegressor` are the transfer
estimators of :mod:`skneural._transfer` with ``arch`` limited to the ResNets
(and their own documentation), kept for the code written for them.
"""

from __future__ import annotations

import dataclasses

from sklearn.utils._param_validation import StrOptions

from skneural._core._params import declare, replace
from skneural._core._supervised import (
    CLASS_WEIGHT,
    CLASSIFIER_LOSS,
    REGRESSOR_LOSS,
    NeuralClassifier,
    NeuralRegressor,
)
from skneural._core._training import RUNTIME
from skneural._transfer import (
    ARCH,
    ATTRIBUTES,
    INPUT_NOTES,
    INPUT_SIZE,
    NORMALIZATION_NOTES,
    TRANSFER,
    TRANSFER_TRAINING,
    _Transfer,
)
from skneural.nn import ResNetNet
from skneural.nn._resnet import RESNET_ARCHS

# the transfer parameters, with arch limited to the ResNets and input_size
# without the sizes other families need
RESNET = replace(
    TRANSFER,
    arch=dataclasses.replace(
        ARCH,
        constraints=[StrOptions(set(RESNET_ARCHS))],
        type="{" + ", ".join(f'"{arch}"' for arch in RESNET_ARCHS) + "}",
        doc="The torchvision architecture.",
    ),
    input_size=INPUT_SIZE,
)

_NOTES = f"""{INPUT_NOTES}
{NORMALIZATION_NOTES}
These are :class:`TransferClassifier` and :class:`TransferRegressor` with
``arch`` limited to the ResNets, kept for the code written for them.
"""


_DOCS = dict(attributes=ATTRIBUTES, notes=_NOTES)


class _ResNet(_Transfer):
    """A pretrained torchvision ResNet with a new head, for both tasks."""

    _network_class = ResNetNet


@declare(
    (*RESNET, CLASSIFIER_LOSS, *TRANSFER_TRAINING, CLASS_WEIGHT, *RUNTIME),
    see_also="""
ResNetRegressor : The same network for regression.
TransferClassifier : The same for other torchvision backbones (VGG, EfficientNet, ...).
CNNClassifier : A small convolutional network trained from scratch.
""",
    **_DOCS,
)
class ResNetClassifier(_ResNet, NeuralClassifier):
    """Pretrained ResNet classifier: transfer learning for images.

    Loads a torchvision ResNet (pretrained weights by name or from a local
    file), freezes its early stages, puts a new head sized to the classes on
    it and fine-tunes the last stages, with a smaller learning rate for the
    pretrained part than for the head. Every parameter, including how many
    stages train, is searchable by ``GridSearchCV`` and friends; the weights
    are loaded once per process, not once per fit.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skneural import ResNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ResNetClassifier(max_epochs=5, random_state=0)
    >>> clf.fit(X[:400], y[:400]).predict_proba(X[400:403]).shape
    (3, 10)
    >>> clf.transform(X[:2]).shape  # the backbone's pooled features
    (2, 512)
    >>> clf.score(X[400:], y[400:]) > 0.7
    True
    """


@declare(
    (*RESNET, REGRESSOR_LOSS, *TRANSFER_TRAINING, *RUNTIME),
    see_also="""
ResNetClassifier : The same network for classification.
TransferRegressor : The same for other torchvision backbones (VGG, EfficientNet, ...).
""",
    **_DOCS,
)
class ResNetRegressor(_ResNet, NeuralRegressor):
    """Pretrained ResNet regressor: transfer learning for image targets.

    The network of :class:`ResNetClassifier` with one linear output per
    target.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skneural import ResNetRegressor
    >>> X, y = load_digits(return_X_y=True)
    >>> reg = ResNetRegressor(max_epochs=3, random_state=0).fit(X[:100], y[:100] / 9)
    >>> reg.predict(X[:2]).shape
    (2,)
    """
