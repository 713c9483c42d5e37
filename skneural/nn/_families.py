"""The torchvision families skneural reads: one table, :data:`FAMILIES`.

A torchvision classifier is a backbone (convolutions or transformer blocks,
then a global pooling) followed by its classifier. A :class:`Family` says
which architectures it covers, where the old classifier and the first
convolution are, how to build the model, how wide its pooled features are,
how its forward pass splits into five :class:`Stage` objects (a stem and
four stages, so that ``trainable_layers=k`` means the same for every
family) and how a checkpoint is made to fit it (ViT's position embedding).
Adding a family is a subclass with those few lines;
:class:`~skneural.nn.TransferNet` does the rest.
"""

from __future__ import annotations

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
    cpu_bf16 : bool
        Whether the model trains faster in bfloat16 than in float32 on a CPU
        that computes bfloat16 natively (``precision="auto"`` takes it there).
    """

    name: str
    title: str
    archs: tuple
    head: str
    first_conv: str
    min_size: int = 1
    fixed_size: bool = False
    cpu_bf16: bool = True

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
    # depthwise convolutions: their bfloat16 backward is slower on CPUs than float32's
    cpu_bf16 = False


class MobileNetFamily(FeatureStagesFamily):
    """MobileNet V2 and V3.

    Stages: as EfficientNet; the whole ``classifier`` is dropped (for V3 also its first
    linear layer): the features are the pooled last convolution (576 for V3-small, 960 for
    V3-large, 1280 for V2).
    """

    name, title = "mobilenet", "MobileNet"
    archs = ("mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large")
    # depthwise convolutions: their bfloat16 backward is slower on CPUs than float32's
    cpu_bf16 = False


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
