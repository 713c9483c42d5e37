"""A recurrent network for token ids or numeric sequences, of any lengths."""

from __future__ import annotations

import torch
from torch import nn

SUMMARIES = ("last", "mean", "max")


def left_align(ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids with their padding (zeros, anywhere) moved to the end of each row.

    Returns the re-ordered ids and the number of non-padding tokens per row,
    so that ``"pre"`` and ``"post"`` padding give the same sequences.
    """
    real = ids != 0
    order = torch.argsort((~real).to(torch.int8), dim=1, stable=True)
    return torch.gather(ids, 1, order), real.sum(dim=1)


def reverse_real_steps(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each sequence of ``x`` (N, T, ...) with its first ``lengths`` steps reversed.

    The padding after them stays where it is; applying this twice gives ``x`` back.
    """
    steps = torch.arange(x.shape[1], device=x.device)
    last = (lengths.to(x.device) - 1)[:, None]
    index = torch.where(steps < last + 1, last - steps, steps)
    index = index.view(*index.shape, *([1] * (x.dim() - 2))).expand_as(x)
    return torch.gather(x, 1, index)


class RecurrentNet(nn.Module):
    """An LSTM over a batch of sequences, summarized, then a dense layer; raw outputs.

    ``[embedding | standardize] -> dropout -> LSTM -> summary -> dropout ->
    dense ReLU -> dropout -> linear n_outputs``. With the defaults this is
    the classic text network: embedding 128, LSTM 128, dense 64 ReLU, dropout
    0.2.

    Two kinds of input:

    - token ids (``vocabulary_size`` given): an integer tensor ``(N, T)``
      where 0 is padding, wherever it stands (front, back or both; the real
      tokens are the non-zero ids, in order). A row of padding only (an
      empty document) is read as one padding step. Ids at or above
      ``vocabulary_size`` (not seen in training) are embedded as zeros,
      like padding, but count as steps;
    - numeric sequences (``n_features`` given): a float tensor ``(N, C, T)``
      (channels first, as for :class:`ConvNet` in 1-D and aeon/sktime), and
      the real length of each sequence, ``lengths`` of shape ``(N,)`` (all
      ``T`` if omitted); the steps after a sequence's length are padding.

    Padding never reaches a real step's output: the real steps come first
    (token ids are moved there), a forward LSTM reads them before any
    padding, the backward direction of a ``bidirectional`` layer reads each
    sequence's real steps reversed (not the padding first), and the
    summaries read only real steps. So a sequence gets the same output alone
    or in a batch padded to a longer one. (Packed sequences would do the
    same, but their backward pass is many times slower on CPU.)

    Parameters
    ----------
    n_outputs : int
        Size of the output (classes, or regression targets).
    vocabulary_size : int or None, default=None
        Number of token ids (ids ``0 .. vocabulary_size - 1``, 0 = padding).
        Exactly one of ``vocabulary_size`` and ``n_features`` is given.
    n_features : int or None, default=None
        Values per step (channels ``C``) of numeric sequences.
    embedding_dim : int, default=128
        Size of the token embeddings (token input only).
    hidden_units : int, default=128
        Units of each LSTM layer (per direction).
    n_layers : int, default=1
        Stacked LSTM layers.
    bidirectional : bool, default=False
        Whether each layer also reads the sequence backwards.
    dropout : float, default=0.2
        Dropout probability on the embeddings, between LSTM layers, on the
        summary and after the dense layer.
    dense_units : int or None, default=64
        Units of the dense ReLU layer after the LSTM; None or 0 for none.
    patch_size : int, default=1
        Numeric sequences only: consecutive steps grouped into one LSTM step
        of ``patch_size * C`` values (the last group of each sequence
        zero-padded), so the LSTM reads ``ceil(T / patch_size)`` steps.
        Long series (hundreds of steps) train far better and faster in
        patches than one value at a time.
    summary : {"last", "mean", "max"}, default="last"
        What of the LSTM's outputs the dense layer sees: the output at each
        sequence's last real step (with ``bidirectional``, joined with the
        backward direction's output at the first step, i.e. after reading
        the whole sequence), or the mean or the maximum of the outputs over
        the real steps.
    mean, std : torch.Tensor or None, default=None
        Per-feature statistics of numeric sequences, shape ``(F,)``: each
        step is standardized as ``(x - mean) / std`` (buffers, saved with the
        model).

    Examples
    --------
    >>> import torch
    >>> from skneural.nn import RecurrentNet
    >>> net = RecurrentNet(2, vocabulary_size=1000)
    >>> ids = torch.tensor([[5, 17, 3, 0, 0], [8, 9, 10, 11, 12]])
    >>> net(ids).shape
    torch.Size([2, 2])
    >>> net = RecurrentNet(1, n_features=3, summary="mean", bidirectional=True)
    >>> net(torch.randn(4, 3, 20), torch.tensor([20, 5, 12, 1])).shape
    torch.Size([4, 1])
    """

    def __init__(
        self,
        n_outputs: int,
        *,
        vocabulary_size: int | None = None,
        n_features: int | None = None,
        embedding_dim: int = 128,
        hidden_units: int = 128,
        n_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.2,
        dense_units: int | None = 64,
        summary: str = "last",
        patch_size: int = 1,
        mean: torch.Tensor | None = None,
        std: torch.Tensor | None = None,
    ):
        super().__init__()
        if (vocabulary_size is None) == (n_features is None):
            raise ValueError("Give exactly one of vocabulary_size (tokens) and n_features.")
        if summary not in SUMMARIES:
            raise ValueError(f"summary must be one of {SUMMARIES}; got {summary!r}.")
        self.vocabulary_size = vocabulary_size
        self.summary = summary
        if patch_size < 1:
            raise ValueError(f"patch_size must be a positive int; got {patch_size!r}.")
        if patch_size > 1 and vocabulary_size is not None:
            raise ValueError("patch_size is for numeric sequences; token ids are read one by one.")
        self.patch_size = int(patch_size)
        self.bidirectional = bool(bidirectional)
        if vocabulary_size is not None:
            self.embedding = nn.Embedding(vocabulary_size, embedding_dim, padding_idx=0)
            input_size = embedding_dim
        else:
            self.embedding = None
            input_size = n_features * self.patch_size
        if mean is not None:
            self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
            self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))
        else:
            self.mean = self.std = None
        self.dropout = nn.Dropout(dropout)
        width = hidden_units * (2 if bidirectional else 1)
        self.forward_lstms = nn.ModuleList()
        self.backward_lstms = nn.ModuleList()
        for layer in range(n_layers):
            size = input_size if layer == 0 else width
            self.forward_lstms.append(nn.LSTM(size, hidden_units, batch_first=True))
            if bidirectional:
                self.backward_lstms.append(nn.LSTM(size, hidden_units, batch_first=True))
        head = [nn.Dropout(dropout)]
        if dense_units:
            head += [nn.Linear(width, dense_units), nn.ReLU(), nn.Dropout(dropout)]
            width = dense_units
        head.append(nn.Linear(width, n_outputs))
        self.head = nn.Sequential(*head)

    def _embed(self, ids):
        ids, lengths = left_align(ids)
        ids = ids[:, : max(int(lengths.max()), 1)]
        known = ids < self.vocabulary_size
        steps = self.embedding(torch.where(known, ids, torch.zeros_like(ids)))
        return steps, lengths

    def _patches(self, steps, lengths):
        """``(N, T, C)`` steps as ``(N, ceil(T / p), p * C)`` patches; padding zeroed first."""
        n, length, channels = steps.shape
        real = torch.arange(length, device=steps.device) < lengths[:, None]
        steps = steps * real.unsqueeze(2).to(steps.dtype)
        p = self.patch_size
        steps = torch.nn.functional.pad(steps, (0, 0, 0, -length % p))
        return steps.reshape(n, -1, p * channels), -(-lengths // p)

    def forward(self, x, lengths=None):
        if self.embedding is not None:
            steps, lengths = self._embed(x)
        else:
            steps = x.transpose(1, 2)  # (N, C, T) -> (N, T, C), as the LSTM reads
            if self.mean is not None:
                steps = (steps - self.mean) / self.std
            if lengths is None:
                lengths = torch.full((x.shape[0],), x.shape[2], dtype=torch.long)
            if self.patch_size > 1:
                steps, lengths = self._patches(steps, lengths.to(steps.device))
        # an empty sequence is read as one (padding) step
        lengths = lengths.to(steps.device).clamp(min=1)
        steps = steps[:, : int(lengths.max())]
        outputs = self.dropout(steps)
        for layer, forward_lstm in enumerate(self.forward_lstms):
            if layer:
                outputs = self.dropout(outputs)
            ahead, _ = forward_lstm(outputs)
            if self.bidirectional:
                back, _ = self.backward_lstms[layer](reverse_real_steps(outputs, lengths))
                ahead = torch.cat([ahead, reverse_real_steps(back, lengths)], dim=2)
            outputs = ahead
        rows = torch.arange(len(outputs), device=outputs.device)
        if self.summary == "last":
            summary = outputs[rows, lengths - 1]
            if self.bidirectional:
                half = outputs.shape[2] // 2
                summary = torch.cat([summary[:, :half], outputs[:, 0, half:]], dim=1)
        else:
            real = torch.arange(outputs.shape[1], device=outputs.device) < lengths[:, None]
            real = real.unsqueeze(2)
            if self.summary == "mean":
                summary = (outputs * real).sum(dim=1) / lengths.to(outputs.dtype)[:, None]
            else:
                summary = outputs.masked_fill(~real, float("-inf")).amax(dim=1)
        return self.head(summary)
