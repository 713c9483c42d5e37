"""The data path: whole tensors, sliced into batches.

skorch's default path wraps numpy arrays in a ``Dataset`` and lets a
``DataLoader`` call ``__getitem__`` once per row and collate the rows again,
which for small models costs more than the model itself. Here a batch is one
index operation on a tensor, moved to the device once and converted to float
there (so ``uint8`` images travel at a quarter of the bytes).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch.utils.data import Dataset


def as_tensor(array: np.ndarray) -> torch.Tensor:
    """Share memory with ``array`` where possible (read-only arrays included)."""
    array = np.ascontiguousarray(array)
    with warnings.catch_warnings():
        # torch warns on read-only arrays (e.g. memory maps); we never write to X
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(array)


class TensorData(Dataset):
    """Inputs, targets and optional sample weights as aligned tensors.

    ``index`` selects rows without copying them (a train/validation split of
    the same arrays). Not indexed row by row: :class:`BatchIterator` slices it.
    """

    def __init__(self, X, y=None, sample_weight=None, index=None):
        self.X = X if isinstance(X, torch.Tensor) else as_tensor(X)
        self.y = None if y is None else (y if isinstance(y, torch.Tensor) else as_tensor(y))
        self.sample_weight = (
            None
            if sample_weight is None
            else torch.as_tensor(np.asarray(sample_weight, dtype=np.float32))
        )
        self.index = None if index is None else torch.as_tensor(index, dtype=torch.long)

    def __len__(self) -> int:
        return len(self.X) if self.index is None else len(self.index)

    def __getitem__(self, i):  # pragma: no cover - only for foreign tools
        row = i if self.index is None else self.index[i]
        return self.X[row], None if self.y is None else self.y[row]

    def subset(self, index) -> TensorData:
        """The rows ``index`` (positions in this dataset), sharing memory."""
        index = torch.as_tensor(index, dtype=torch.long)
        if self.index is not None:
            index = self.index[index]
        return TensorData(self.X, self.y, self.sample_weight, index=index)


class BatchIterator:
    """Iterate over a :class:`TensorData` in batches of tensors on ``device``.

    Each batch is ``(X, y, sample_weight)``; ``y`` and ``sample_weight`` may
    be ``None``. With ``shuffle`` the order is a fresh permutation per pass,
    drawn from ``seed`` (so a seeded fit sees the same batches every time).
    A trailing batch of a single sample is merged into the one before it,
    since batch normalization cannot train on one sample.
    """

    def __init__(
        self, data: TensorData, batch_size: int, *, device="cpu", shuffle=False, seed=None
    ):
        self.data = data
        self.batch_size = int(batch_size)
        self.device = torch.device(device)
        self.shuffle = shuffle
        self._generator = None
        if shuffle:
            self._generator = torch.Generator()
            self._generator.manual_seed(0 if seed is None else int(seed))

    def _bounds(self):
        n, size = len(self.data), self.batch_size
        starts = list(range(0, n, size))
        if self.shuffle and len(starts) > 1 and n - starts[-1] == 1:
            starts.pop()
        ends = [*starts[1:], n]
        return zip(starts, ends, strict=True)

    def __len__(self) -> int:
        return sum(1 for _ in self._bounds())

    def __iter__(self):
        data, device = self.data, self.device
        non_blocking = device.type == "cuda"
        order = data.index
        if self.shuffle:
            permutation = torch.randperm(len(data), generator=self._generator)
            order = permutation if order is None else order[permutation]
        for start, end in self._bounds():
            # a contiguous slice is a view: no copy
            index = slice(start, end) if order is None else order[start:end]
            X = data.X[index].to(device, non_blocking=non_blocking)
            if X.dtype != torch.float32:
                X = X.float()
            y = None if data.y is None else data.y[index].to(device, non_blocking=non_blocking)
            w = None
            if data.sample_weight is not None:
                w = data.sample_weight[index].to(device, non_blocking=non_blocking)
            yield X, y, w
