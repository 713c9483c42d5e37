"""The data path: whole tensors, sliced into batches.

skorch's default path wraps numpy arrays in a ``Dataset`` and lets a
``DataLoader`` call ``__getitem__`` once per row and collate the rows again,
which for small models costs more than the model itself. Here a batch is one
index operation on a tensor, moved to the device once and converted to float
there (so ``uint8`` images travel at a quarter of the bytes).

The inputs ``X`` of a :class:`TensorData` are one of

- a tensor, sliced as it is;
- a tuple of tensors with the same first dimension (e.g. padded sequences
  and their lengths), sliced together and passed to the network as
  separate arguments;
- a *batch source*: any object with ``__len__`` and ``take(index)``
  returning a tensor or a tuple of tensors for a slice or a ``LongTensor``
  of row positions (e.g. image files decoded per batch, so memory is
  bounded by the batch, not the dataset). A source may also offer
  ``batches(indexes)``, the batches of a whole pass in order, which
  :class:`BatchIterator` then uses (image files decode the next batches
  while the network trains on one), and ``threads(n)``, a context manager
  inside which it works in ``n`` threads (entered for a whole fit or
  prediction, see :func:`source_threads`).

On the device, ``uint8`` and non-float32 floating tensors become float32;
integer tensors (token ids, lengths) stay integers.

On a CUDA device, in-memory inputs that fit in a share of its free memory
(:data:`RESIDENT_SHARE`) are copied there once, in their own dtype, and
every batch of every epoch is then sliced on the device
(:func:`resident`): no host-to-device copy per batch, and no idle GPU
while the host gathers a shuffled batch. Batch sources (image files)
always stream.
"""

from __future__ import annotations

import warnings
from contextlib import closing, nullcontext

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


def n_rows(X) -> int:
    """Number of samples in inputs of any of the kinds above."""
    return len(X[0]) if isinstance(X, tuple) else len(X)


def take_rows(X, index):
    """Rows ``index`` (a slice or a LongTensor of positions) of inputs of any kind."""
    if isinstance(X, torch.Tensor):
        return X[index]
    if isinstance(X, tuple):
        return tuple(part[index] for part in X)
    return X.take(index)


def _is_source(X) -> bool:
    return not isinstance(X, torch.Tensor | tuple | np.ndarray)


def take_batches(X, indexes):
    """``take_rows(X, index)`` for each of ``indexes``, in order, as a generator.

    A batch source with a ``batches`` method gives them itself (decoding ahead).
    """
    if _is_source(X) and hasattr(X, "batches"):
        return X.batches(indexes)
    return (take_rows(X, index) for index in indexes)


def source_threads(X, n: int):
    """A context in which the batch source X works in ``n`` threads, where it can."""
    if _is_source(X) and hasattr(X, "threads"):
        return X.threads(n)
    return nullcontext()


def to_device(X, device, non_blocking=False):
    """Move a tensor or a tuple of tensors to ``device``, as float32 where it holds values."""
    if isinstance(X, tuple):
        return tuple(to_device(part, device, non_blocking) for part in X)
    X = X.to(device, non_blocking=non_blocking)
    if X.dtype == torch.uint8 or (X.is_floating_point() and X.dtype != torch.float32):
        X = X.float()
    return X


# Inputs are kept on a CUDA device when their bytes are at most this share of
# the device's free memory (the rest is left for weights and activations).
RESIDENT_SHARE = 0.25


def fits_on_device(data, free_bytes: int) -> bool:
    """Whether the rows of ``data`` take at most :data:`RESIDENT_SHARE` of ``free_bytes``."""
    X = data.X if isinstance(data.X, tuple) else (data.X,)
    row_bytes = sum(
        t[0].numel() * t.element_size()
        for t in (*X, data.y, data.sample_weight)
        if t is not None and len(t)
    )
    return len(data) * row_bytes <= RESIDENT_SHARE * free_bytes


def moved(data, device) -> TensorData:
    """The rows of ``data`` as a :class:`TensorData` on ``device``, in their dtypes.

    A subset's rows are gathered first, so that the training and validation
    parts of one array take its size on the device, not twice.
    """
    index = slice(None) if data.index is None else data.index

    def move(t):
        return None if t is None else t[index].to(device)

    X = take_rows(data.X, index)
    return TensorData(
        tuple(t.to(device) for t in X) if isinstance(X, tuple) else X.to(device),
        move(data.y),
        move(data.sample_weight),
    )


def resident(data, device) -> TensorData:
    """``data`` copied to ``device`` once, for batches sliced there; else ``data`` itself.

    Only in-memory tensors on a CUDA device, when their bytes are at most
    :data:`RESIDENT_SHARE` of its free memory. The copy is kept on ``data``
    (``data`` lives for one fit or one prediction), so the epochs of a fit
    share it.
    """
    device = torch.device(device)
    if device.type != "cuda" or not isinstance(data, TensorData) or _is_source(data.X):
        return data
    cached = getattr(data, "_resident", None)
    if cached is not None and cached[0] == device:
        return cached[1]
    free, _ = torch.cuda.mem_get_info(device)
    if not fits_on_device(data, free):
        return data
    copy = moved(data, device)
    data._resident = (device, copy)
    return copy


def pad_rows(X, size: int):
    """Inputs of fewer than ``size`` rows, completed to ``size`` by repeating row 0."""
    if isinstance(X, tuple):
        return tuple(pad_rows(part, size) for part in X)
    missing = size - len(X)
    if missing <= 0:
        return X
    return torch.cat([X, X[:1].expand(missing, *X.shape[1:])])


def _as_inputs(X):
    if isinstance(X, torch.Tensor):
        return X
    if isinstance(X, tuple):
        return tuple(_as_inputs(part) for part in X)
    if isinstance(X, np.ndarray):
        return as_tensor(X)
    return X  # a batch source


def device_of(data) -> torch.device:
    """Where the inputs of ``data`` (a :class:`TensorData`) live (the CPU for a batch source)."""
    X = data.X[0] if isinstance(data.X, tuple) else data.X
    return X.device if isinstance(X, torch.Tensor) else torch.device("cpu")


class TensorData(Dataset):
    """Inputs, targets and optional sample weights as aligned tensors.

    ``index`` selects rows without copying them (a train/validation split of
    the same arrays). Not indexed row by row: :class:`BatchIterator` slices it.
    """

    def __init__(self, X, y=None, sample_weight=None, index=None):
        self.X = _as_inputs(X)
        self.y = None if y is None else (y if isinstance(y, torch.Tensor) else as_tensor(y))
        self.sample_weight = (
            None
            if sample_weight is None
            else sample_weight.float()
            if isinstance(sample_weight, torch.Tensor)
            else torch.as_tensor(np.asarray(sample_weight, dtype=np.float32))
        )
        self.index = None if index is None else torch.as_tensor(index, dtype=torch.long)

    def __len__(self) -> int:
        return n_rows(self.X) if self.index is None else len(self.index)

    def __getitem__(self, i):  # pragma: no cover - only for foreign tools
        row = i if self.index is None else self.index[i]
        return take_rows(self.X, row), None if self.y is None else self.y[row]

    def subset(self, index) -> TensorData:
        """The rows ``index`` (positions in this dataset), sharing memory."""
        index = torch.as_tensor(index, dtype=torch.long)
        if self.index is not None:
            index = self.index[index]
        return TensorData(self.X, self.y, self.sample_weight, index=index)


def batch_bounds(n: int, batch_size: int, *, training: bool) -> list[tuple[int, int]]:
    """``(start, end)`` of the batches of ``n`` samples.

    In training, a trailing batch of a single sample is merged into the one
    before it, since batch normalization cannot train on one sample.
    """
    starts = list(range(0, n, batch_size))
    if training and len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    return list(zip(starts, [*starts[1:], n], strict=True))


class BatchIterator:
    """Iterate over a :class:`TensorData` in batches of tensors on ``device``.

    Each batch is ``(X, y, sample_weight)``; ``y`` and ``sample_weight`` may
    be ``None``. With ``shuffle`` the order is a fresh permutation per pass,
    drawn from ``seed`` (so a seeded fit sees the same batches every time).
    Shuffled (training) passes merge a trailing batch of a single sample into
    the one before it (see :func:`batch_bounds`).
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
        return batch_bounds(len(self.data), self.batch_size, training=self.shuffle)

    def __len__(self) -> int:
        return len(self._bounds())

    def __iter__(self):
        data, device = self.data, self.device
        non_blocking = device.type == "cuda"
        order = data.index
        if self.shuffle:
            permutation = torch.randperm(len(data), generator=self._generator)
            # the same permutation on every device; gathered where the data lives
            permutation = permutation.to(order.device if order is not None else device_of(data))
            order = permutation if order is None else order[permutation]
        # a contiguous slice is a view: no copy
        indexes = [
            slice(start, end) if order is None else order[start:end]
            for start, end in self._bounds()
        ]
        with closing(take_batches(data.X, indexes)) as batches:
            for index, X in zip(indexes, batches, strict=True):
                X = to_device(X, device, non_blocking)
                y = None if data.y is None else data.y[index].to(device, non_blocking=non_blocking)
                w = None
                if data.sample_weight is not None:
                    w = data.sample_weight[index].to(device, non_blocking=non_blocking)
                yield X, y, w
