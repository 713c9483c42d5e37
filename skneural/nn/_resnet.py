"""A torchvision ResNet with a new head, frozen early stages and input adaptation."""

from __future__ import annotations

from skneural.nn._transfer import TransferNet, check_backbone_state, load_backbone_state

RESNET_ARCHS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")

# The stages of a torchvision ResNet from the input on; ``trainable_layers=k``
# opens the last k of them (torchvision's ``trainable_backbone_layers``).
STAGES = ("stem", "layer1", "layer2", "layer3", "layer4")

__all__ = ["RESNET_ARCHS", "STAGES", "ResNetNet", "check_backbone_state", "load_backbone_state"]


class ResNetNet(TransferNet):
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

    :class:`TransferNet` restricted to the ResNets of ``ResNetClassifier``.

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
        if arch not in RESNET_ARCHS:
            raise ValueError(f"arch must be one of {list(RESNET_ARCHS)}; got {arch!r}.")
        super().__init__(
            arch,
            n_outputs,
            in_channels=in_channels,
            state_dict=state_dict,
            trainable_layers=trainable_layers,
            hidden_units=hidden_units,
            dropout=dropout,
            input_size=input_size,
            mean=mean,
            std=std,
            pixel_scale=pixel_scale,
        )

    def __setstate__(self, state):
        super().__setstate__(state)
        if "arch" not in self.__dict__:  # pickled before ResNetNet was a TransferNet
            blocks = tuple(len(getattr(self.backbone, f"layer{i}")) for i in range(1, 5))
            bottleneck = hasattr(self.backbone.layer1[0], "conv3")
            self.arch = _RESNET_BY_BLOCKS[blocks, bottleneck]


# the ResNets by their blocks per stage and block kind
_RESNET_BY_BLOCKS = {
    ((2, 2, 2, 2), False): "resnet18",
    ((3, 4, 6, 3), False): "resnet34",
    ((3, 4, 6, 3), True): "resnet50",
    ((3, 4, 23, 3), True): "resnet101",
    ((3, 8, 36, 3), True): "resnet152",
}
