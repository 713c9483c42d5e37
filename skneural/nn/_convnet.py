"""A classic convolutional network, sized for any input."""

from __future__ import annotations

from torch import nn


class ConvNet(nn.Module):
    """Convolution blocks, then a dense hidden layer, returning logits.

    Each block is ``conv (same padding) -> [batch norm] -> ReLU -> max pool 2``
    with ``n_filters * 2**i`` filters in block ``i``; then ``flatten -> dense
    hidden_units ReLU -> dropout -> linear n_outputs``. With the defaults this
    is the classic MNIST network (32 and 64 3x3 filters, 128 hidden units).

    Pooling never shrinks a side below 1: a side of length 1 is not pooled, so
    inputs as small as 1x1 work.

    Parameters
    ----------
    in_channels : int
        Channels of the input images.
    n_outputs : int
        Size of the output (classes, or regression targets).
    input_size : tuple of int
        ``(height, width)`` of the input images.
    n_conv_layers : int, default=2
        Number of convolution blocks.
    n_filters : int, default=32
        Filters of the first block; each further block doubles them.
    kernel_size : int, default=3
        Side of the square convolution kernels.
    hidden_units : int, default=128
        Units of the dense hidden layer.
    dropout : float, default=0.2
        Dropout probability after the dense hidden layer.
    batch_norm : bool, default=False
        Whether to put batch normalization after each convolution.

    Examples
    --------
    >>> import torch
    >>> from skneural.nn import ConvNet
    >>> net = ConvNet(in_channels=1, n_outputs=10, input_size=(28, 28))
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        in_channels: int,
        n_outputs: int,
        input_size: tuple[int, int],
        *,
        n_conv_layers: int = 2,
        n_filters: int = 32,
        kernel_size: int = 3,
        hidden_units: int = 128,
        dropout: float = 0.2,
        batch_norm: bool = False,
    ):
        super().__init__()
        height, width = input_size
        layers: list[nn.Module] = []
        channels = in_channels
        for i in range(n_conv_layers):
            out_channels = n_filters * 2**i
            layers.append(
                nn.Conv2d(channels, out_channels, kernel_size, padding="same", bias=not batch_norm)
            )
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.ReLU(inplace=True))
            pool = (2 if height >= 2 else 1, 2 if width >= 2 else 1)
            if pool != (1, 1):
                layers.append(nn.MaxPool2d(pool))
            height, width = height // pool[0], width // pool[1]
            channels = out_channels
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * height * width, hidden_units),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden_units, n_outputs),
        )

    def forward(self, x):
        return self.head(self.features(x))
