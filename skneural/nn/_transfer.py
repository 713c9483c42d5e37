"""Any torchvision classification backbone with a new head: the families skneural reads.

A torchvision classifier is a backbone (convolutions or transformer blocks,
then a global pooling) followed by its classifier. :class:`TransferNet` keeps
the backbone with torchvision's own parameter names (so torchvision's weights
and checkpoints of it load as they are), replaces the classifier by a new
head, and reads the backbone as five *stages* from the input on, so that
``trainable_layers=k`` (the last k stages train) means the same for every
family.

What differs between families is in one table, :data:`FAMILIES`: a
:class:`Family` says which architectures it covers, where the old classifier
and the first convolution are, how to build the model, how wide its pooled
features are and how its forward pass splits into the five stages. Adding a
family is a subclass with those few lines.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

# every family is read as this many stages: the stem, then four stages of
# blocks (for convolutional families the four output resolutions 1/4 to 1/32)
N_STAGES = 5


class Stage(NamedTuple):
    """One stage of a backbone: its modules, loose parameters and forward pass.

    ``forward`` runs the stage on the previous stage's output; the last
    stage ends with the pooled features, shape ``(n, n_features)``.
    ``params`` are parameters held outside ``modules`` (ViT's class token
    and position embedding).
    """

    modules: tuple
    params: tuple
    forward: Callable

    def parameters(self):
        """Every parameter of the stage."""
        for module in self.modules:
            yield from module.parameters()
        yield from self.params


def _chain(modules, pool=None) -> Stage:
    """A stage that runs ``modules`` one after the other, then ``pool`` if given."""
    modules = tuple(modules)

    def forward(x):
        for module in modules:
            x = module(x)
        return x if pool is None else pool(x)

    return Stage(modules, (), forward)


def _default_device():
    # torch.get_default_device is torch >= 2.3
    return getattr(torch, "get_default_device", lambda: torch.device("cpu"))()


def _global_pool(x):
    return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


def _downsamples(block: nn.Module) -> bool:
    return any(isinstance(m, nn.Conv2d) and max(m.stride) > 1 for m in block.modules())


def _split_at_downsampling(blocks) -> list[list[nn.Module]]:
    """Blocks grouped by resolution: each block with a strided convolution starts a group."""
    groups: list[list[nn.Module]] = []
    for block in blocks:
        if not groups or _downsamples(block):
            groups.append([block])
        else:
            groups[-1].append(block)
    return groups


class Family:
    """How skneural reads one family of torchvision classification models.

    Attributes
    ----------
    name : str
        Short name (``"resnet"``), the key in :data:`FAMILIES`.
    title : str
        The family's name in messages (``"ResNet"``).
    archs : tuple of str
        torchvision model names of the family.
    head : str
        Dotted path of the old classifier: replaced by ``nn.Identity``, its
        checkpoint entries are ignored.
    first_conv : str
        Dotted path of the first convolution (replaced for inputs of other
        than 1 or 3 channels without pretrained weights).
    min_size : int
        Smallest image side the backbone takes.
    fixed_size : bool
        Whether the model is built for one image size (``build``'s
        ``image_size``).
    """

    name: str
    title: str
    archs: tuple
    head: str
    first_conv: str
    min_size: int = 1
    fixed_size: bool = False

    def build(self, arch: str, image_size: int | None) -> nn.Module:
        """The torchvision model, randomly initialized as torchvision does."""
        return torchvision.models.get_model(arch, weights=None)

    def width(self, model: nn.Module) -> int:
        """Size of the pooled features (read before the head is replaced)."""
        raise NotImplementedError

    def stages(self, model: nn.Module) -> list[Stage]:
        """The five stages from the input on; the last ends with the pooled features."""
        raise NotImplementedError

    def check_size(self, arch: str, size: tuple) -> None:
        """Raise a ``ValueError`` if the backbone cannot take images of ``(height, width)``."""
        if min(size) < self.min_size:
            raise ValueError(
                f"arch={arch!r} takes images of at least {self.min_size}x{self.min_size} "
                f"pixels; the network would get {size[0]}x{size[1]}. Set input_size, e.g. "
                f"input_size=({max(self.min_size, 32)}, {max(self.min_size, 32)})."
            )

    def adapt_state(self, state_dict: dict, model: nn.Module) -> dict:
        """``state_dict`` made to fit ``model`` where the family allows (ViT's image size)."""
        return state_dict


class ResNetFamily(Family):
    """ResNet, ResNeXt and Wide ResNet.

    Stages: stem (``conv1``, ``bn1``), ``layer1``, ``layer2``, ``layer3``, ``layer4``.
    """

    name, title, head, first_conv = "resnet", "ResNet", "fc", "conv1"
    archs = (
        "resnet18",
        "resnet34",
        "resnet50",
        "resnet101",
        "resnet152",
        "resnext50_32x4d",
        "resnext101_32x8d",
        "resnext101_64x4d",
        "wide_resnet50_2",
        "wide_resnet101_2",
    )

    def width(self, model):
        return model.fc.in_features

    def stages(self, m):
        def stem(x):
            return m.maxpool(m.relu(m.bn1(m.conv1(x))))

        return [
            Stage((m.conv1, m.bn1), (), stem),
            _chain([m.layer1]),
            _chain([m.layer2]),
            _chain([m.layer3]),
            _chain([m.layer4], lambda x: torch.flatten(m.avgpool(x), 1)),
        ]


class VGGFamily(Family):
    """VGG, with and without batch normalization.

    Stages: the five convolution blocks of ``features``, each ending with its max pooling;
    the pooled features are the global average of the last block (512), the fully connected
    ``classifier`` is dropped.
    """

    name, title, head, first_conv, min_size = "vgg", "VGG", "classifier", "features.0", 32
    archs = tuple(f"vgg{depth}{bn}" for depth in (11, 13, 16, 19) for bn in ("", "_bn"))

    def build(self, arch, image_size):
        # the classifier (fc6-fc8, 120M of VGG's 130M weights) is dropped: never
        # allocate it. The convolutions are initialized as torchvision does.
        with torch.device("meta"):
            model = torchvision.models.get_model(arch, weights=None)
        model.classifier = nn.Identity()
        model.to_empty(device=_default_device())
        for module in model.features.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.BatchNorm2d):
                module.reset_parameters()
        return model

    def width(self, model):
        return [m for m in model.features if isinstance(m, nn.Conv2d)][-1].out_channels

    def stages(self, m):
        blocks, block = [], []
        for layer in m.features:
            block.append(layer)
            if isinstance(layer, nn.MaxPool2d):
                blocks.append(block)
                block = []
        return [*map(_chain, blocks[:-1]), _chain(blocks[-1], _global_pool)]


class FeatureStagesFamily(Family):
    """Models whose ``features`` is a sequence of blocks, then a pooling and ``classifier``.

    The stages are the blocks grouped by resolution: a block with a strided
    convolution starts a new stage (stem at 1/2, then 1/4, ..., 1/32).
    """

    head, first_conv = "classifier", "features.0.0"

    def width(self, model):
        return [m for m in model.features.modules() if isinstance(m, nn.Conv2d)][-1].out_channels

    def stages(self, m):
        groups = _split_at_downsampling(m.features)
        return [
            *map(_chain, groups[:-1]),
            _chain(groups[-1], _global_pool),
        ]


class EfficientNetFamily(FeatureStagesFamily):
    """EfficientNet B0-B7 and V2.

    Stages: the blocks of ``features`` by resolution: stem (1/2), then 1/4, 1/8, 1/16, 1/32
    (with the last 1x1 convolution).
    """

    name, title = "efficientnet", "EfficientNet"
    archs = (*(f"efficientnet_b{i}" for i in range(8)), *(f"efficientnet_v2_{s}" for s in "sml"))


class MobileNetFamily(FeatureStagesFamily):
    """MobileNet V2 and V3.

    Stages: as EfficientNet; the whole ``classifier`` is dropped (for V3 also its first
    linear layer): the features are the pooled last convolution (576 for V3-small, 960 for
    V3-large, 1280 for V2).
    """

    name, title = "mobilenet", "MobileNet"
    archs = ("mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large")


class ConvNeXtFamily(Family):
    """ConvNeXt.

    Stages: stem (patchify convolution), stage 1, then stages 2-4 each with the downsampling
    before it; the pooled features keep the final ``LayerNorm2d`` (``classifier.0``).
    """

    name, title, head, first_conv, min_size = (
        "convnext",
        "ConvNeXt",
        "classifier.2",
        "features.0.0",
        32,
    )
    archs = tuple(f"convnext_{size}" for size in ("tiny", "small", "base", "large"))

    def width(self, model):
        return model.classifier[2].in_features

    def stages(self, m):
        f = m.features
        norm = m.classifier[0]

        def last(x):
            return torch.flatten(norm(m.avgpool(f[7](f[6](x)))), 1)

        return [
            _chain([f[0]]),
            _chain([f[1]]),
            _chain([f[2], f[3]]),
            _chain([f[4], f[5]]),
            Stage((f[6], f[7], norm), (), last),
        ]


class ViTFamily(Family):
    """Vision Transformer.

    Stages: stem (patch embedding, class token, position embedding), then the encoder blocks
    in four equal groups (3 each for ViT-B); the features are the class token after the
    final ``LayerNorm``.
    """

    name, title, head, first_conv = "vit", "ViT", "heads", "conv_proj"
    fixed_size = True
    archs = ("vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14")

    @staticmethod
    def patch_size(arch: str) -> int:
        return int(arch.rsplit("_", 1)[1])

    def build(self, arch, image_size):
        return torchvision.models.get_model(arch, weights=None, image_size=image_size or 224)

    def width(self, model):
        return model.hidden_dim

    def check_size(self, arch, size):
        patch = self.patch_size(arch)
        if size[0] != size[1] or size[0] % patch or size[0] < patch:
            side = patch * max(1, -(-max(size) // patch))  # the next multiple of the patch
            raise ValueError(
                f"arch={arch!r} takes square images whose side is a multiple of its patch "
                f"size {patch}; the network would get {size[0]}x{size[1]}. Set input_size, "
                f"e.g. input_size=({side}, {side}), or (224, 224), the size torchvision's "
                "weights were trained at."
            )

    def adapt_state(self, state_dict, model):
        # weights trained at another image size: interpolate the position embedding
        key = "encoder.pos_embedding"
        given = state_dict.get(key)
        if given is None or given.shape == model.encoder.pos_embedding.shape:
            return state_dict
        if given.ndim != 3 or given.shape[2] != model.hidden_dim:
            return state_dict  # reported as a mismatch
        from torchvision.models.vision_transformer import interpolate_embeddings

        return dict(interpolate_embeddings(model.image_size, model.patch_size, state_dict))

    def stages(self, m):
        encoder = m.encoder

        def stem(x):
            x = m._process_input(x)
            x = torch.cat([m.class_token.expand(x.shape[0], -1, -1), x], dim=1)
            return encoder.dropout(x + encoder.pos_embedding)

        def last(x):
            for layer in groups[-1]:
                x = layer(x)
            return encoder.ln(x)[:, 0]

        layers = list(encoder.layers)
        size, extra = divmod(len(layers), N_STAGES - 1)
        bounds = [i * size + min(i, extra) for i in range(N_STAGES)]
        groups = [layers[bounds[i] : bounds[i + 1]] for i in range(N_STAGES - 1)]
        return [
            Stage((m.conv_proj, encoder.dropout), (m.class_token, encoder.pos_embedding), stem),
            *map(_chain, groups[:-1]),
            Stage((*groups[-1], encoder.ln), (), last),
        ]


# The families skneural reads, by name; an architecture's family is found by its name.
FAMILIES = {
    family.name: family
    for family in (
        ResNetFamily(),
        VGGFamily(),
        EfficientNetFamily(),
        MobileNetFamily(),
        ConvNeXtFamily(),
        ViTFamily(),
    )
}
ARCHS = tuple(arch for family in FAMILIES.values() for arch in family.archs)


def family_of(arch: str) -> Family:
    """The :class:`Family` of the torchvision architecture ``arch``."""
    for family in FAMILIES.values():
        if arch in family.archs:
            return family
    raise ValueError(
        f"arch={arch!r} is not a supported torchvision classification model; supported: "
        f"{', '.join(ARCHS)}."
    )


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


def check_backbone_state(state_dict: dict, arch: str) -> None:
    """Raise a ``ValueError`` naming the differences if ``state_dict`` does not fit ``arch``.

    Compared with the model built on the meta device (no memory, no
    initialization), at torchvision's default image size.
    """
    with torch.device("meta"):
        reference = torchvision.models.get_model(arch, weights=None).state_dict()
    check_state(state_dict, reference, arch)


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

    # ------------------------------------------------------------------

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
