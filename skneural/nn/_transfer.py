"""Any torchvision classification backbone with a new head: :class:`TransferNet`.

:class:`TransferNet` keeps the backbone with torchvision's own parameter
names (so torchvision's weights and checkpoints of it load as they are),
replaces the classifier by a new head, and reads the backbone as the five
stages of its family (:mod:`skneural.nn._families`), of which the first
``5 - trainable_layers`` are frozen. The functions here check and load a
checkpoint's backbone entries, by the family's key names.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from skneural._pickles import refuse_older_state
from skneural.nn._families import N_STAGES, Family, Stage, family_of


def _without_head(keys, family: Family):
    prefix = family.head + "."
    return [k for k in keys if not k.startswith(prefix) and not k.endswith("num_batches_tracked")]


@functools.cache
def backbone_keys(arch: str) -> frozenset:
    """The state-dict keys of ``arch``'s backbone (without the old classifier).

    Read from a model built on the meta device: no memory, no initialization.
    """
    family = family_of(arch)
    with torch.device("meta"):
        model = torchvision.models.get_model(arch, weights=None)
    return frozenset(_without_head(model.state_dict(), family))


def describe_keys(keys) -> str:
    keys = sorted(keys)
    more = f" and {len(keys) - 3} more" if len(keys) > 3 else ""
    return f"{', '.join(keys[:3])}{more}"


def check_state(state_dict: dict, reference: dict, arch: str) -> None:
    """Raise a ``ValueError`` naming the differences if ``state_dict`` does not fit ``reference``.

    ``reference`` is the state dict (or the shapes) of ``arch``'s backbone;
    the old classifier and batch-norm counters are not compared.
    """
    family = family_of(arch)
    expected = {k: tuple(reference[k].shape) for k in _without_head(reference, family)}
    given = {k: state_dict[k] for k in _without_head(state_dict, family)}
    missing = set(expected) - set(given)
    unexpected = set(given) - set(expected)
    mismatched = {
        k
        for k in set(expected) & set(given)
        if tuple(getattr(given[k], "shape", ())) != expected[k]
    }
    parts = [
        f"{len(keys)} keys {what} ({describe_keys(keys)})"
        for what, keys in (
            ("missing", missing),
            ("unexpected", unexpected),
            ("of another shape", mismatched),
        )
        if keys
    ]
    if parts:
        raise ValueError(
            f"The weights do not fit arch={arch!r}: {'; '.join(parts)}. Is the checkpoint "
            "of another architecture?"
        )


def _get(module: nn.Module, path: str) -> nn.Module:
    for name in path.split("."):
        module = getattr(module, name) if not name.isdigit() else module[int(name)]
    return module


def _set(module: nn.Module, path: str, value: nn.Module) -> None:
    parent, _, name = path.rpartition(".")
    owner = _get(module, parent) if parent else module
    if name.isdigit():
        owner[int(name)] = value
    else:
        setattr(owner, name, value)


class TransferNet(nn.Module):
    """A torchvision classification backbone whose classifier is replaced by a new head.

    The input goes through ``adapt`` (one channel repeated to three, resize
    to ``input_size``, scaling by ``1 / pixel_scale`` and normalization with
    ``mean`` and ``std``), then the backbone (``backbone``, the torchvision
    model with its classifier replaced by an identity, so
    ``backbone.state_dict()`` has torchvision's keys), then ``head``.

    The backbone is read as five stages from the input on (for a ResNet the
    stem, ``layer1``, ..., ``layer4``; the user guide's transfer-learning
    page has every family's).
    The first ``5 - trainable_layers`` are frozen: their parameters do not
    require gradients, they run under ``torch.no_grad()`` (backward stops
    where the trainable part begins), and their modules stay in eval mode
    whatever mode the network is put in, so their batch normalization keeps
    its running statistics and their dropout and stochastic depth are off.

    Parameters
    ----------
    arch : str
        A torchvision classification model of a supported family (ResNet,
        VGG, EfficientNet, MobileNet, ConvNeXt, ViT): ``"resnet18"``,
        ``"vgg16_bn"``, ``"efficientnet_b0"``, ``"mobilenet_v3_small"``,
        ``"convnext_tiny"``, ``"vit_b_16"``, ...
    n_outputs : int
        Size of the output (classes, or regression targets).
    in_channels : int, default=3
        Channels of the input: 1 (repeated to 3) or 3; any other number
        replaces the first convolution by a new one (only without a
        ``state_dict``).
    state_dict : dict or None, default=None
        Backbone weights with torchvision's key names; the old classifier's
        entries are ignored. A ViT's position embedding of another image
        size is interpolated. None keeps the random initialization.
    trainable_layers : int, default=5
        How many stages, counted from the output, train: 0 is the head only,
        5 everything.
    hidden_units : int or None, default=None
        Units of a hidden layer (ReLU, then dropout) in the head; None for a
        single linear layer.
    dropout : float, default=0.0
        Dropout before the head's last linear layer.
    input_size : tuple of int or None, default=None
        ``(height, width)`` the input is resized to (bilinear); None keeps it.
    mean, std : sequence of float or None, default=None
        Per-channel normalization of the three-channel input, after scaling
        by ``1 / pixel_scale`` (e.g. ImageNet's statistics on [0, 1] pixels).
        None: no normalization.
    pixel_scale : float, default=1.0
        Input values are divided by this before normalization (255 for
        8-bit pixels).
    image_size : int or None, default=None
        Side of the square images a ViT is built for (torchvision's
        ``image_size``); None: ``input_size``'s, else 224. Other families
        take any size.

    Examples
    --------
    >>> import torch
    >>> from skneural.nn import TransferNet
    >>> net = TransferNet("mobilenet_v3_small", n_outputs=5, in_channels=1, trainable_layers=1)
    >>> net(torch.zeros(2, 1, 32, 32)).shape
    torch.Size([2, 5])
    >>> net.features(torch.zeros(2, 1, 32, 32)).shape
    torch.Size([2, 576])
    """

    # the architectures a subclass is limited to (ResNetNet's); None: every family's
    archs: tuple | None = None

    def __init__(
        self,
        arch: str,
        n_outputs: int,
        *,
        in_channels: int = 3,
        state_dict: dict | None = None,
        trainable_layers: int = N_STAGES,
        hidden_units: int | None = None,
        dropout: float = 0.0,
        input_size: tuple[int, int] | None = None,
        mean=None,
        std=None,
        pixel_scale: float = 1.0,
        image_size: int | None = None,
    ):
        super().__init__()
        if self.archs is not None and arch not in self.archs:
            raise ValueError(f"arch must be one of {list(self.archs)}; got {arch!r}.")
        family = family_of(arch)
        if not 0 <= trainable_layers <= N_STAGES:
            raise ValueError(
                f"trainable_layers must be in 0..{N_STAGES}; got {trainable_layers!r}."
            )
        if in_channels not in (1, 3) and state_dict is not None:
            raise ValueError(
                f"pretrained weights take images of 1 or 3 channels; got {in_channels}."
            )
        self.arch = arch
        self.input_size = None if input_size is None else tuple(int(s) for s in input_size)
        if image_size is None and self.input_size is not None:
            image_size = self.input_size[0]
        backbone = family.build(arch, image_size)
        n_features = family.width(backbone)
        _set(backbone, family.head, nn.Identity())
        if state_dict is not None:
            load_backbone_state(backbone, state_dict, arch)
        self.repeat_channels = in_channels == 1
        if in_channels not in (1, 3):
            old = _get(backbone, family.first_conv)
            _set(
                backbone,
                family.first_conv,
                nn.Conv2d(
                    in_channels,
                    old.out_channels,
                    old.kernel_size,
                    old.stride,
                    old.padding,
                    dilation=old.dilation,
                    bias=old.bias is not None,
                ),
            )
        self.backbone = backbone
        self.n_features = n_features
        self.trainable_layers = int(trainable_layers)
        self.pixel_scale = float(pixel_scale)
        channels = 3 if in_channels == 1 else in_channels
        if mean is not None:
            mean = torch.as_tensor(mean, dtype=torch.float32).reshape(1, channels, 1, 1)
            std = torch.as_tensor(std, dtype=torch.float32).reshape(1, channels, 1, 1)
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

        if hidden_units:
            self.head = nn.Sequential(
                nn.Linear(n_features, hidden_units),
                nn.ReLU(inplace=True),
                nn.Dropout(dropout),
                nn.Linear(hidden_units, n_outputs),
            )
        else:
            self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(n_features, n_outputs))
        for stage in self.frozen_stages():
            for param in stage.parameters():
                param.requires_grad_(False)
        self.train()

    def __setstate__(self, state):
        # a ResNetNet pickled before it was a TransferNet has no arch
        refuse_older_state(self, state, ("arch",))
        super().__setstate__(state)

    @property
    def family(self) -> Family:
        """The :class:`Family` of ``arch``."""
        return family_of(self.arch)

    def stages(self) -> list[Stage]:
        """The five stages of the backbone, from the input on."""
        return self.family.stages(self.backbone)

    def frozen_stages(self) -> list[Stage]:
        """The stages that do not train: the first ``5 - trainable_layers``."""
        return self.stages()[: N_STAGES - self.trainable_layers]

    def train(self, mode: bool = True):
        """Set the mode; the modules of frozen stages stay in eval mode."""
        super().train(mode)
        for stage in self.frozen_stages():
            for module in stage.modules:
                module.eval()
        return self

    def adapt(self, x: torch.Tensor) -> torch.Tensor:
        """The input as the backbone takes it: 3 channels, resized, normalized."""
        if self.repeat_channels:
            x = x.expand(-1, 3, -1, -1)
        if self.input_size is not None and tuple(x.shape[-2:]) != self.input_size:
            x = F.interpolate(x, size=self.input_size, mode="bilinear", align_corners=False)
        if self.pixel_scale != 1.0:
            x = x / self.pixel_scale
        if self.mean is not None:
            x = (x - self.mean) / self.std
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The backbone's pooled features, shape ``(n, n_features)``."""
        x = self.adapt(x)
        stages = self.stages()
        n_frozen = N_STAGES - self.trainable_layers
        if n_frozen:
            # frozen stages build no graph: backward ends where the trainable part begins
            with torch.no_grad():
                for stage in stages[:n_frozen]:
                    x = stage.forward(x)
        for stage in stages[n_frozen:]:
            x = stage.forward(x)
        return x

    def forward(self, x):
        return self.head(self.features(x))

    def extra_repr(self) -> str:
        return (
            f"arch={self.arch!r}, trainable_layers={self.trainable_layers}, "
            f"input_size={self.input_size}"
        )


def load_backbone_state(backbone: nn.Module, state_dict: dict, arch: str) -> None:
    """Load ``state_dict`` into ``arch``'s backbone, ignoring its old classifier.

    Raises a ``ValueError`` naming the keys that do not fit.
    """
    family = family_of(arch)
    state_dict = family.adapt_state(state_dict, backbone)
    check_state(state_dict, backbone.state_dict(), arch)
    kept = {k: v for k, v in state_dict.items() if not k.startswith(family.head + ".")}
    backbone.load_state_dict(kept, strict=False)
