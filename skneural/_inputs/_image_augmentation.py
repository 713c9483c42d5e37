"""Train-time augmentation of images: the estimators' parameters and the module they make."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval

from skneural._core._params import Param
from skneural.nn import ImageAugmentation

# train-time augmentation, drawn per image on the training batches
AUGMENTATION = (
    Param(
        "rotation",
        0.0,
        [Interval(Real, 0, 180, closed="both")],
        "float",
        "Train-time augmentation: largest random rotation, in degrees.",
    ),
    Param(
        "shift",
        0.0,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        """Train-time augmentation: largest random shift, as a fraction of the
        image's height and width.""",
    ),
    Param(
        "zoom",
        0.0,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Train-time augmentation: largest random zoom, relative.",
    ),
    Param(
        "horizontal_flip",
        False,
        ["boolean"],
        "bool",
        "Train-time augmentation: flip each image left-right with probability 1/2.",
    ),
    Param(
        "vertical_flip",
        False,
        ["boolean"],
        "bool",
        "Train-time augmentation: flip each image upside down with probability 1/2.",
    ),
    Param(
        "brightness",
        0.0,
        [Interval(Real, 0, None, closed="left")],
        "float",
        """Train-time augmentation (colour jitter): each image's pixels are
        multiplied by a factor drawn in ``[max(0, 1 - brightness), 1 + brightness]``.""",
    ),
    Param(
        "contrast",
        0.0,
        [Interval(Real, 0, None, closed="left")],
        "float",
        """Train-time augmentation (colour jitter): each image is blended with
        its mean gray level by a factor drawn in
        ``[max(0, 1 - contrast), 1 + contrast]`` (below 1 flattens it).""",
    ),
    Param(
        "saturation",
        0.0,
        [Interval(Real, 0, None, closed="left")],
        "float",
        """Train-time augmentation (colour jitter): each image is blended with
        its grayscale version by a factor drawn in
        ``[max(0, 1 - saturation), 1 + saturation]`` (0 is gray). RGB images
        only.""",
    ),
    Param(
        "hue",
        0.0,
        [Interval(Real, 0, 0.5, closed="both")],
        "float",
        """Train-time augmentation (colour jitter): each image's hue is rotated
        by a fraction of a turn drawn in ``[-hue, hue]``, at most 0.5. RGB
        images only.""",
    ),
    Param(
        "crop_padding",
        0,
        [Interval(Integral, 0, None, closed="left")],
        "int",
        """Train-time augmentation: random crop with padding. Each image is
        padded by this many pixels on every side, reflecting its border, and
        cropped back to its size at a random position, so it moves by up to
        ``crop_padding`` pixels either way (4 for 32x32 images is the CIFAR-10
        recipe).""",
    ),
    Param(
        "erasing",
        0.0,
        [Interval(Real, 0, 1, closed="both")],
        "float",
        """Train-time augmentation: random erasing (cutout), the probability
        that an image gets one rectangle of 2% to 33% of its area (aspect
        ratio 0.3 to 3.3) filled with the batch's mean pixel, i.e. about 0
        once standardized.""",
    ),
)


def augmentation_module(params, pixel_range=None) -> ImageAugmentation:
    """The :class:`~skneural.nn.ImageAugmentation` of the ``AUGMENTATION`` values ``params``.

    Colour jitter clamps to ``[0, 255]`` for 8-bit pixels (``pixel_range``
    255: ``uint8`` arrays and image files), else to each batch's own range.
    """
    value_range = (0.0, 255.0) if pixel_range == 255 else None
    return ImageAugmentation(
        **{p.name: params.get(p.name, p.default) for p in AUGMENTATION}, value_range=value_range
    )
