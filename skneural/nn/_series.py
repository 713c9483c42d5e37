"""Train-time augmentation of numeric sequences (series) of any lengths."""

from __future__ import annotations

import math

import torch
from torch import nn


class SeriesAugmentation(nn.Module):
    """Random train-time augmentation of a batch of padded series ``(values, lengths)``.

    ``values`` is ``(N, C, T)`` (channels first, as :class:`ConvNet` in 1-D
    and :class:`RecurrentNet` read), zero-padded after each series' real
    steps, and ``lengths`` ``(N,)`` their real lengths. Every series draws
    its own factors, in a few vectorized tensor operations on the batch's
    device:

    1. time stretch: the series is resampled, by linear interpolation
       between its real steps (``numpy.interp``'s), to its length times a
       factor drawn log-uniformly in ``[1 / (1 + time_stretch), 1 +
       time_stretch]``, at least one step (and at most ``max_length``):
       slower or faster versions of the same movement, the same shape at
       another scale. The lengths change with it;
    2. amplitude scale: every value of the series is multiplied by a factor
       drawn in ``[1 - amplitude_scale, 1 + amplitude_scale]``.

    Padding stays zero after the real steps, so the networks' masking holds.
    Operations left at 0 draw nothing, so they cost nothing.

    Parameters
    ----------
    time_stretch : float, default=0
        Largest relative stretch (``0.5``: between 2/3 and 1.5 times as long).
    amplitude_scale : float, default=0
        Largest relative change of the values, below 1.
    max_length : int or None, default=None
        Steps of every output batch, for networks that take a fixed length
        (a flatten head): no series comes out longer (a longer draw is cut
        to it, a longer series compressed), and the batch has this width.
        None: the batch is as wide as its longest stretched series.

    Examples
    --------
    >>> import torch
    >>> from skneural.nn import SeriesAugmentation
    >>> augment = SeriesAugmentation(time_stretch=0.5, amplitude_scale=0.1)
    >>> lengths = torch.tensor([100, 60, 30])  # 2 channels, zero-padded to 100 steps
    >>> values = torch.randn(3, 2, 100) * (torch.arange(100) < lengths[:, None])[:, None]
    >>> out, new_lengths = augment((values, lengths))
    >>> out.shape[:2], out.shape[2] == int(new_lengths.max())
    (torch.Size([3, 2]), True)
    >>> bool(((new_lengths >= lengths / 1.5 - 1) & (new_lengths <= lengths * 1.5 + 1)).all())
    True
    """

    def __init__(
        self,
        time_stretch: float = 0.0,
        amplitude_scale: float = 0.0,
        max_length: int | None = None,
    ):
        super().__init__()
        self.time_stretch = float(time_stretch)
        self.amplitude_scale = float(amplitude_scale)
        self.max_length = None if max_length is None else int(max_length)
        if self.time_stretch < 0:
            raise ValueError(f"time_stretch must be >= 0; got {time_stretch!r}.")
        if not 0 <= self.amplitude_scale < 1:
            raise ValueError(f"amplitude_scale must be in [0, 1); got {amplitude_scale!r}.")

    def extra_repr(self) -> str:
        parts = [f"time_stretch={self.time_stretch}", f"amplitude_scale={self.amplitude_scale}"]
        if self.max_length is not None:
            parts.append(f"max_length={self.max_length}")
        return ", ".join(parts)

    @property
    def active(self) -> bool:
        """Whether this changes anything at all."""
        return bool(self.time_stretch or self.amplitude_scale)

    def forward(self, batch):
        values, lengths = batch
        lengths = lengths.to(values.device)
        if self.time_stretch:
            values, lengths = self._stretch(values, lengths)
        if self.amplitude_scale:
            a = self.amplitude_scale
            factor = 1 + (2 * torch.rand(len(values), 1, 1, device=values.device) - 1) * a
            values = values * factor.to(values.dtype)
        return values, lengths

    def _stretch(self, values, lengths):
        n, channels, _ = values.shape
        device = values.device
        log_range = math.log1p(self.time_stretch)
        factor = torch.exp((2 * torch.rand(n, device=device) - 1) * log_range)
        # an empty (length 0) series stays empty
        new = (lengths * factor).round().long().clamp(min=1)
        if self.max_length is not None:
            new = new.clamp(max=self.max_length)
        new = torch.where(lengths > 0, new, lengths)
        if self.max_length is not None:
            width = self.max_length
        else:
            width = max(int(new.max()), 1) if n else 1
        steps = torch.arange(width, device=device, dtype=torch.float32)
        # output step j reads the source at j * (L - 1) / (L' - 1), as numpy.interp
        scale = (lengths - 1).clamp(min=0).float() / (new - 1).clamp(min=1).float()
        last = (lengths - 1).clamp(min=0)[:, None]
        position = torch.minimum(steps[None, :] * scale[:, None], last.float())
        low = position.floor().long()
        high = torch.minimum(low + 1, last)
        weight = (position - low).to(values.dtype)[:, None, :]
        low = low[:, None, :].expand(n, channels, width)
        high = high[:, None, :].expand(n, channels, width)
        out = values.gather(2, low) * (1 - weight) + values.gather(2, high) * weight
        real = (steps[None, :] < new[:, None]).to(values.dtype)[:, None, :]
        return out * real, new
