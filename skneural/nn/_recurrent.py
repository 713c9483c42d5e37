"""A recurrent network for token ids or numeric sequences, of any lengths."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

SUMMARIES = ("last", "mean", "max")


def left_align(ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids with their padding (zeros, anywhere) moved to the end of each row.

    Returns the re-ordered ids and the number of non-padding tokens per row,
    so that ``"pre"`` and ``"post"`` padding give the same sequences.
    """
    real = ids != 0
    order = torch.argsort((~real).to(torch.int8), dim=1, stable=True)
    return torch.gather(ids, 1, order), real.sum(dim=1)


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
    - numeric sequences (``n_features`` given): a float tensor ``(N, T, F)``
      and the real length of each sequence, ``lengths`` of shape ``(N,)``
      (all ``T`` if omitted); the steps after a sequence's length are
      padding.

    The sequences are packed (:func:`~torch.nn.utils.rnn.pack_padded_sequence`),
    so the LSTM never sees padding: a sequence gets the same output alone or
    in a batch padded to a longer one, with any summary and in both
    directions.

    Parameters
    ----------
    n_outputs : int
        Size of the output (classes, or regression targets).
    vocabulary_size : int or None, default=None
        Number of token ids (ids ``0 .. vocabulary_size - 1``, 0 = padding).
        Exactly one of ``vocabulary_size`` and ``n_features`` is given.
    n_features : int or None, default=None
        Values per step of numeric sequences.
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
    summary : {"last", "mean", "max"}, default="last"
        What of the LSTM's outputs the dense layer sees: the hidden state
        after each sequence's last real step (with ``bidirectional``, joined
        with the backward pass's state after the first step), or the mean or
        the maximum of the outputs over the real steps.
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
    >>> net = RecurrentNet(1, n_features=3, summary="mean")
    >>> net(torch.randn(4, 20, 3), torch.tensor([20, 5, 12, 1])).shape
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
        if vocabulary_size is not None:
            self.embedding = nn.Embedding(vocabulary_size, embedding_dim, padding_idx=0)
            input_size = embedding_dim
        else:
            self.embedding = None
            input_size = n_features
        if mean is not None:
            self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
            self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))
        else:
            self.mean = self.std = None
        self.input_dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(
            input_size,
            hidden_units,
            num_layers=n_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if n_layers > 1 else 0.0,
        )
        width = hidden_units * (2 if bidirectional else 1)
        head = [nn.Dropout(dropout)]
        if dense_units:
            head += [nn.Linear(width, dense_units), nn.ReLU(), nn.Dropout(dropout)]
            width = dense_units
        head.append(nn.Linear(width, n_outputs))
        self.head = nn.Sequential(*head)

    def _embed(self, ids):
        ids, lengths = left_align(ids)
        known = ids < self.vocabulary_size
        steps = self.embedding(torch.where(known, ids, torch.zeros_like(ids)))
        return steps, lengths

    def forward(self, x, lengths=None):
        if self.embedding is not None:
            steps, lengths = self._embed(x)
        else:
            steps = x if self.mean is None else (x - self.mean) / self.std
            if lengths is None:
                lengths = torch.full((x.shape[0],), x.shape[1], dtype=torch.long)
        # an empty sequence is read as one (padding) step
        lengths = lengths.clamp(min=1).cpu()
        steps = self.input_dropout(steps)
        packed = pack_padded_sequence(steps, lengths, batch_first=True, enforce_sorted=False)
        outputs, (hidden, _) = self.lstm(packed)
        if self.summary == "last":
            if self.lstm.bidirectional:
                summary = torch.cat([hidden[-2], hidden[-1]], dim=1)
            else:
                summary = hidden[-1]
        else:
            padded, _ = pad_packed_sequence(outputs, batch_first=True)
            real = (torch.arange(padded.shape[1]) < lengths[:, None]).to(padded.device)
            real = real.unsqueeze(2)
            if self.summary == "mean":
                summary = (padded * real).sum(dim=1) / lengths.to(padded)[:, None]
            else:
                summary = padded.masked_fill(~real, float("-inf")).amax(dim=1)
        return self.head(summary)
