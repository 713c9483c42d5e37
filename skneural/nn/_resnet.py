"""A torchvision ResNet with a new head, frozen early stages and input adaptation."""

from __future__ import annotations

from contextlib import nullcontext

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

RESNET_ARCHS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")

# The stages of a torchvision ResNet from the input on; ``trainable_layers=k``
# opens the last k of them (torchvision's ``trainable_backbone_layers``).
STAGES = ("stem", "layer1", "layer2", "layer3", "layer4")


class ResNetNet(nn.Module):
    """A torchvision ResNet whose classifier is replaced by a new head.

    The input goes through ``adapt`` (one channel repeated to three, resize
    to ``input_size``, scaling by ``1 / pixel_scale`` and normalization with
    ``mean`` and ``std``), then the backbone (``backbone``, a torchvision
    ResNet whose ``fc`` is an identity, so ``backbone.state_dict()`` has
    torchvision's keys), then ``head``.

    The first ``5 - trainable_layers`` stages (stem, layer1, ..., layer4) are
    frozen: their parameters do not require gradients, they run under
    ``torch.no_grad()`` (backward stops where the trainable part begins), and
    their batch normalization layers stay in eval mode whatever mode the
    network is put in, so their running statistics never change.

    Parameters
    ----------
    arch : {"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"}
        The torchvision architecture.
    n_outputs : int
        Size of the output (classes, or regression targets).
    in_channels : int, default=3
        Channels of the input: 1 (repeated to 3) or 3; any other number
        replaces the first convolution by a new one (only without a
        ``state_dict``).
    state_dict : dict or None, default=None
        Backbone weights with torchvision's key names; an ``fc.*`` entry
        (the old classifier) is ignored. None keeps the random
        initialization.
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

    Examples
    --------
    >>> import torch
    >>> from skneural.nn import ResNetNet
    >>> net = ResNetNet("resnet18", n_outputs=5, in_channels=1, trainable_layers=1)
    >>> net(torch.zeros(2, 1, 32, 32)).shape
    torch.Size([2, 5])
    >>> net.features(torch.zeros(2, 1, 32, 32)).shape
    torch.Size([2, 512])
    >>> sum(p.requires_grad for p in net.backbone.layer1.parameters())
    0
    """

    def __init__(
        self,
        arch: str,
        n_outputs: int,
        *,
        in_channels: int = 3,
        state_dict: dict | None = None,
        trainable_layers: int = 5,
        hidden_units: int | None = None,
        dropout: float = 0.0,
        input_size: tuple[int, int] | None = None,
        mean=None,
        std=None,
        pixel_scale: float = 1.0,
    ):
        super().__init__()
        if arch not in RESNET_ARCHS:
            raise ValueError(f"arch must be one of {list(RESNET_ARCHS)}; got {arch!r}.")
        if not 0 <= trainable_layers <= 5:
            raise ValueError(f"trainable_layers must be in 0..5; got {trainable_layers!r}.")
        backbone = torchvision.models.get_model(arch, weights=None)
        if state_dict is not None:
            load_backbone_state(backbone, state_dict, arch)
        n_features = backbone.fc.in_features
        backbone.fc = nn.Identity()
        self.repeat_channels = in_channels == 1
        if in_channels not in (1, 3):
            if state_dict is not None:
                raise ValueError(
                    f"pretrained weights take images of 1 or 3 channels; got {in_channels}."
                )
            old = backbone.conv1
            backbone.conv1 = nn.Conv2d(
                in_channels, old.out_channels, old.kernel_size, old.stride, old.padding, bias=False
            )
        self.backbone = backbone
        self.n_features = n_features
        self.trainable_layers = int(trainable_layers)
        self.input_size = None if input_size is None else tuple(int(s) for s in input_size)
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

    # ------------------------------------------------------------------

    def stages(self) -> list[nn.Module]:
        """The five stages, from the input on: the stem (conv1, bn1) and layer1-4."""
        b = self.backbone
        return [nn.ModuleList([b.conv1, b.bn1]), b.layer1, b.layer2, b.layer3, b.layer4]

    def frozen_stages(self) -> list[nn.Module]:
        return self.stages()[: 5 - self.trainable_layers]

    def train(self, mode: bool = True):
        """Set the mode; frozen batch normalization layers stay in eval mode."""
        super().train(mode)
        for stage in self.frozen_stages():
            for module in stage.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
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
        b = self.backbone
        n_frozen = 5 - self.trainable_layers
        # frozen stages build no graph: backward ends where the trainable part begins
        with torch.no_grad() if n_frozen else nullcontext():
            if n_frozen >= 1:
                x = b.relu(b.bn1(b.conv1(x)))
                x = b.maxpool(x)
            for stage in (b.layer1, b.layer2, b.layer3, b.layer4)[: max(0, n_frozen - 1)]:
                x = stage(x)
        if n_frozen == 0:
            x = b.maxpool(b.relu(b.bn1(b.conv1(x))))
        for stage in (b.layer1, b.layer2, b.layer3, b.layer4)[max(0, n_frozen - 1) :]:
            x = stage(x)
        return torch.flatten(b.avgpool(x), 1)

    def forward(self, x):
        return self.head(self.features(x))

    def extra_repr(self) -> str:
        return f"trainable_layers={self.trainable_layers}, input_size={self.input_size}"


def check_backbone_state(state_dict: dict, arch: str) -> None:
    """Raise a ``ValueError`` naming the differences if ``state_dict`` does not fit ``arch``.

    The old classifier (``fc.*``) is not compared. The reference network is
    built on the meta device: no memory, no initialization.
    """
    with torch.device("meta"):
        reference = torchvision.models.get_model(arch, weights=None).state_dict()
    expected = {
        key: value.shape
        for key, value in reference.items()
        if not key.startswith("fc.") and not key.endswith("num_batches_tracked")
    }
    given = {
        key: value
        for key, value in state_dict.items()
        if not key.startswith("fc.") and not key.endswith("num_batches_tracked")
    }
    missing = sorted(set(expected) - set(given))
    unexpected = sorted(set(given) - set(expected))
    mismatched = sorted(
        key
        for key in set(expected) & set(given)
        if tuple(getattr(given[key], "shape", ())) != tuple(expected[key])
    )
    if missing or unexpected or mismatched:
        parts = []
        for name, keys in (
            ("missing", missing),
            ("unexpected", unexpected),
            ("of another shape", mismatched),
        ):
            if keys:
                more = f" and {len(keys) - 3} more" if len(keys) > 3 else ""
                parts.append(f"{len(keys)} keys {name} ({', '.join(keys[:3])}{more})")
        raise ValueError(
            f"The weights do not fit arch={arch!r}: {'; '.join(parts)}. Is the checkpoint "
            "of another architecture?"
        )


def load_backbone_state(backbone: nn.Module, state_dict: dict, arch: str) -> None:
    """Load ``state_dict`` into a torchvision ResNet, ignoring its classifier ``fc``."""
    check_backbone_state(state_dict, arch)
    kept = {k: v for k, v in state_dict.items() if not k.startswith("fc.")}
    backbone.load_state_dict(kept, strict=False)
