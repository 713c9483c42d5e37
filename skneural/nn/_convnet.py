"""A convolutional network in 1, 2 or 3 spatial dimensions, sized for any input."""

from __future__ import annotations

import math
from numbers import Integral

import torch
import torch.nn.functional as F
from torch import nn

HEADS = ("flatten", "gap")
POOLINGS = ("max", "avg")

_CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
_BATCH_NORM = {1: None, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}  # 1: MaskedBatchNorm1d
_POOL = {
    ("max", 1): nn.MaxPool1d,
    ("max", 2): nn.MaxPool2d,
    ("max", 3): nn.MaxPool3d,
    ("avg", 1): nn.AvgPool1d,
    ("avg", 2): nn.AvgPool2d,
    ("avg", 3): nn.AvgPool3d,
}


_MAX_POOLS = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)


def per_layer(value, n_layers: int, name: str) -> tuple[int, ...]:
    """``value`` (an int, or one int per layer) as a tuple of ``n_layers`` positive ints."""
    values = (value,) * n_layers if isinstance(value, Integral) else tuple(value)
    if len(values) != n_layers or not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in values
    ):
        raise ValueError(
            f"{name} must be a positive int or a tuple of one positive int per convolution "
            f"block ({n_layers}); got {value!r}."
        )
    return tuple(int(v) for v in values)


class MaskedBatchNorm1d(nn.BatchNorm1d):
    """Batch normalization of ``(N, C, T)`` whose training statistics read real steps only.

    With a ``mask`` ``(N or 1, 1, T)`` (1 on real steps, 0 on padding), the batch
    mean and variance, and so the running statistics, are those of the real
    steps: how much padding a batch holds changes nothing. Without a mask, or
    in evaluation, it is :class:`torch.nn.BatchNorm1d`.
    """

    def forward(self, x, mask=None):
        if mask is None or not self.training:
            return super().forward(x)
        count = mask.expand(x.shape[0], 1, x.shape[2]).sum().clamp(min=1)
        mean = (x * mask).sum(dim=(0, 2)) / count
        centered = x - mean[None, :, None]
        var = (centered.square() * mask).sum(dim=(0, 2)) / count
        with torch.no_grad():
            self.num_batches_tracked += 1
            unbiased = var * count / (count - 1).clamp(min=1)
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(unbiased, self.momentum)
        scale = self.weight * torch.rsqrt(var + self.eps)
        return torch.addcmul(self.bias[None, :, None], centered, scale[None, :, None])


class _Block(nn.Module):
    """``conv (same padding) -> [batch norm] -> ReLU -> [pool 2]``, masking padded steps."""

    def __init__(
        self, spatial_dims, in_channels, out_channels, kernel_size, batch_norm, pooling, pool
    ):
        super().__init__()
        # "same" padding; an even kernel gets one more zero after than before
        # (as torch's padding="same", without its warning and extra copy per call)
        self.pad = (
            None if kernel_size % 2 else ((kernel_size - 1) // 2, kernel_size // 2) * spatial_dims
        )
        self.conv = _CONV[spatial_dims](
            in_channels,
            out_channels,
            kernel_size,
            padding=kernel_size // 2 if kernel_size % 2 else 0,
            bias=not batch_norm,
        )
        norm = MaskedBatchNorm1d if spatial_dims == 1 else _BATCH_NORM[spatial_dims]
        self.norm = norm(out_channels) if batch_norm else None
        # pool: per spatial axis, 2 to pool it, 1 to leave it; None for no pooling.
        # 1-D pools in ceil mode: any length pools, a last odd step alone
        self.pool = None
        if pool is not None:
            self.pool = _POOL[pooling, spatial_dims](pool, ceil_mode=spatial_dims == 1)
        self.masked_average = spatial_dims == 1 and pooling == "avg"

    def forward(self, x, mask=None):
        if self.pad is not None:
            x = F.pad(x, self.pad)
        x = self.conv(x)
        if isinstance(self.norm, MaskedBatchNorm1d):
            x = self.norm(x, mask)
        elif self.norm is not None:
            x = self.norm(x)
        if mask is not None:
            x = x * mask  # padded steps are 0 from here on
        if self.pool is None:
            return F.relu(x), mask
        if isinstance(self.pool, _MAX_POOLS):
            # ReLU commutes with max pooling (the same values and gradients), and
            # after it runs on a fraction of the values. In 1-D a max over real
            # steps and padding (0) is, after ReLU, the max of the real steps.
            x = F.relu(self.pool(x))
        elif self.masked_average and mask is not None:
            # the average of the real steps only
            x = self.pool(F.relu(x)) / self.pool(mask).clamp(min=1e-6)
        else:
            x = self.pool(F.relu(x))
        if mask is None:  # 2-D, 3-D, and 1-D batches without padding
            return x, None
        mask = F.max_pool1d(mask, 2, ceil_mode=True)
        return x * mask, mask


class ConvNet(nn.Module):
    """Convolution blocks, then a flatten or global-average-pooling head; raw outputs.

    Each block is ``conv (same padding) -> [batch norm] -> ReLU -> [pool 2]``
    in ``spatial_dims`` dimensions (1: signals ``(N, C, T)``, 2: images
    ``(N, C, H, W)``, 3: volumes ``(N, C, D, H, W)``). The head is
    ``flatten`` (of the last block's output) or ``gap`` (the mean of each
    channel over all positions), then an optional dense ReLU layer with
    dropout, then a linear output. With the defaults this is the classic
    MNIST network (32 and 64 3x3 filters, max pooling, flatten, dense 128);
    ``spatial_dims=1, n_filters=(128, 256, 128), kernel_size=(8, 5, 3),
    pooling=None, batch_norm=True, head="gap", hidden_units=None`` is the
    FCN of Wang et al. (2017) for time series.

    Pooling (window and stride 2) never shrinks a side below 1 in 2-D and 3-D:
    a side of length 1 is not pooled, so inputs as small as 1x1 work. In 1-D
    the network also takes the real ``lengths`` of zero-padded sequences:
    padded steps are set to zero after every block, pooling rounds up (a
    last odd step is pooled alone) and the ``gap`` head averages over the
    real steps only, so padding never changes a sequence's output. Without
    ``lengths``, every step is real.

    Parameters
    ----------
    in_channels : int
        Channels of the input.
    n_outputs : int
        Size of the output (classes, or regression targets).
    input_size : tuple of int
        Spatial size of the input: ``(T,)``, ``(H, W)`` or ``(D, H, W)``; it
        sets the spatial dimensions. With ``head="gap"`` other sizes work too.
    n_conv_layers : int, default=2
        Number of convolution blocks.
    n_filters : int or tuple of int, default=32
        Filters of the first block, doubled in each further block; or one
        number per block.
    kernel_size : int or tuple of int, default=3
        Side of the (square, cubic) kernels, for every block or one per block.
    pooling : {"max", "avg"} or None, default="max"
        Pooling after each block, or None for none.
    head : {"flatten", "gap"}, default="flatten"
        What the output layers see: the flattened last block (its size fixed
        by ``input_size``), or each channel's mean over all positions.
    hidden_units : int or None, default=128
        Units of the dense ReLU layer before the output; 0 or None for none.
    dropout : float, default=0.2
        Dropout probability after the dense layer (none without one).
    batch_norm : bool, default=False
        Whether to put batch normalization after each convolution.

    Examples
    --------
    >>> import torch
    >>> from skneural.nn import ConvNet
    >>> net = ConvNet(in_channels=1, n_outputs=10, input_size=(28, 28))
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> fcn = ConvNet(3, 2, (100,), n_conv_layers=3, n_filters=(128, 256, 128),
    ...               kernel_size=(8, 5, 3), pooling=None, batch_norm=True,
    ...               head="gap", hidden_units=None)
    >>> fcn(torch.randn(4, 3, 100), torch.tensor([100, 60, 7, 1])).shape
    torch.Size([4, 2])
    """

    def __init__(
        self,
        in_channels: int,
        n_outputs: int,
        input_size: tuple[int, ...],
        *,
        n_conv_layers: int = 2,
        n_filters: int | tuple[int, ...] = 32,
        kernel_size: int | tuple[int, ...] = 3,
        pooling: str | None = "max",
        head: str = "flatten",
        hidden_units: int | None = 128,
        dropout: float = 0.2,
        batch_norm: bool = False,
    ):
        super().__init__()
        spatial_dims = len(input_size)
        if spatial_dims not in _CONV:
            raise ValueError(f"input_size must have 1 to 3 sides; got {input_size!r}.")
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}; got {head!r}.")
        if pooling is not None and pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS} or None; got {pooling!r}.")
        if isinstance(n_filters, Integral):
            filters = tuple(int(n_filters) * 2**i for i in range(n_conv_layers))
        else:
            filters = per_layer(n_filters, n_conv_layers, "n_filters")
        kernels = per_layer(kernel_size, n_conv_layers, "kernel_size")
        self.spatial_dims = spatial_dims
        self.head_type = head
        size = list(input_size)
        blocks = []
        channels = in_channels
        for out_channels, kernel in zip(filters, kernels, strict=True):
            pool = None
            if pooling is not None:
                if spatial_dims == 1:
                    pool = 2  # ceil mode: any length pools
                    size = [math.ceil(s / 2) for s in size]
                else:
                    pool = tuple(2 if s >= 2 else 1 for s in size)
                    if pool == (1,) * spatial_dims:
                        pool = None
                    size = [s // 2 if s >= 2 else s for s in size]
            blocks.append(
                _Block(spatial_dims, channels, out_channels, kernel, batch_norm, pooling, pool)
            )
            channels = out_channels
        self.blocks = nn.ModuleList(blocks)
        width = channels * (math.prod(size) if head == "flatten" else 1)
        layers: list[nn.Module] = []
        if hidden_units:
            layers += [nn.Linear(width, hidden_units), nn.ReLU(inplace=True), nn.Dropout(dropout)]
            width = hidden_units
        layers.append(nn.Linear(width, n_outputs))
        self.head = nn.Sequential(*layers)

    def forward(self, x, lengths=None):
        mask = None
        if self.spatial_dims == 1:
            if lengths is not None and bool((lengths < x.shape[-1]).any()):
                steps = torch.arange(x.shape[-1], device=x.device)
                mask = (steps < lengths.to(x.device)[:, None]).to(x.dtype).unsqueeze(1)
                x = x * mask
            # else every step is real: no mask to apply (the same outputs, faster)
        elif lengths is not None:
            raise ValueError("lengths are for 1-D sequences (N, C, T) only.")
        for block in self.blocks:
            x, mask = block(x, mask)
        if self.head_type == "flatten":
            x = x.flatten(1)
        elif mask is not None:
            x = x.sum(dim=-1) / mask.sum(dim=-1).clamp(min=1)
        else:
            x = x.flatten(2).mean(dim=2)
        return self.head(x)
