"""A torchvision ResNet with a new head: :class:`TransferNet` for the ResNets only."""

from __future__ import annotations

from skneural.nn._transfer import TransferNet

RESNET_ARCHS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")


class ResNetNet(TransferNet):
    """A torchvision ResNet whose classifier is replaced by a new head.

    :class:`TransferNet` for the ResNets of :class:`~skneural.ResNetClassifier`
    (``arch`` one of ``"resnet18"``, ``"resnet34"``, ``"resnet50"``,
    ``"resnet101"`` and ``"resnet152"``), with its parameters, attributes and
    methods. The five stages are the stem (``conv1``, ``bn1``), ``layer1``,
    ..., ``layer4``; the backbone's ``fc`` is an identity.

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

    archs = RESNET_ARCHS
