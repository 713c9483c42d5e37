"""The data path: whole-tensor batches, no per-row indexing, statistics."""

import numpy as np
import pytest
import torch
from conftest import TINY, needs_cuda
from numpy.testing import assert_allclose, assert_array_equal

from skneural import CNNClassifier
from skneural._core import _data
from skneural._core._data import (
    BatchIterator,
    TensorData,
    as_tensor,
    fits_on_device,
    moved,
    resident,
)
from skneural._core._stats import weighted_mean_std


def test_batches_are_slices_in_order_without_shuffle():
    X = np.arange(10 * 3, dtype=np.float32).reshape(10, 3)
    batches = list(BatchIterator(TensorData(X, np.arange(10)), 4))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert_array_equal(torch.cat([b[0] for b in batches]).numpy(), X)
    assert batches[0][2] is None  # no sample weights


def test_shuffled_batches_are_a_seeded_permutation():
    X = np.arange(20, dtype=np.float32).reshape(20, 1)
    data = TensorData(X, np.arange(20))
    first = [b[1] for b in BatchIterator(data, 6, shuffle=True, seed=3)]
    order = torch.cat(first).numpy()
    assert sorted(order) == list(range(20)) and list(order) != list(range(20))
    again = torch.cat([b[1] for b in BatchIterator(data, 6, shuffle=True, seed=3)]).numpy()
    assert_array_equal(order, again)
    # inputs stay aligned with targets and weights
    weighted = TensorData(X, np.arange(20), sample_weight=np.arange(20) * 2.0)
    for Xb, yb, wb in BatchIterator(weighted, 6, shuffle=True, seed=1):
        assert_array_equal(Xb[:, 0].numpy(), yb.numpy())
        assert_array_equal(wb.numpy(), yb.numpy() * 2.0)


def test_a_trailing_single_sample_joins_the_previous_batch():
    data = TensorData(np.zeros((9, 2), np.float32), np.zeros(9))
    iterator = BatchIterator(data, 4, shuffle=True)
    assert len(iterator) == 2
    assert [len(b[0]) for b in iterator] == [4, 5]


def test_uint8_is_converted_per_batch():
    X = np.arange(12, dtype=np.uint8).reshape(6, 2)
    data = TensorData(X)
    assert data.X.dtype == torch.uint8  # stored as given
    ((Xb, _, _),) = BatchIterator(data, 10)
    assert Xb.dtype == torch.float32
    assert_array_equal(Xb.numpy(), X.astype(np.float32))


def test_subset_shares_memory():
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    data = TensorData(X, np.arange(6))
    part = data.subset(np.array([4, 1]))
    assert part.X.data_ptr() == data.X.data_ptr()
    assert len(part) == 2
    ((_, yb, _),) = BatchIterator(part, 10)
    assert_array_equal(yb.numpy(), [4, 1])


def _weighted_subset():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (50, 3, 4, 4), dtype=np.uint8)
    data = TensorData(X, np.arange(50), sample_weight=rng.random(50))
    return data.subset(rng.permutation(50)[:31])


def _same_batches(a, b):
    for (Xa, ya, wa), (Xb, yb, wb) in zip(a, b, strict=True):
        assert Xa.device == Xb.device
        assert_array_equal(Xa.cpu().numpy(), Xb.cpu().numpy())
        assert_array_equal(ya.cpu().numpy(), yb.cpu().numpy())
        assert_array_equal(wa.cpu().numpy(), wb.cpu().numpy())


def test_a_moved_subset_holds_its_rows_only_and_gives_the_same_batches():
    part = _weighted_subset()
    copy = moved(part, "cpu")
    # the subset's rows gathered: the validation part of one array does not
    # copy the training part too
    assert copy.index is None and len(copy.X) == len(part) == 31
    assert copy.X.dtype == torch.uint8  # converted per batch, as before
    for shuffle in (False, True):
        _same_batches(
            BatchIterator(part, 8, shuffle=shuffle, seed=4),
            BatchIterator(copy, 8, shuffle=shuffle, seed=4),
        )


def test_data_stays_on_the_host_off_cuda_and_when_it_does_not_fit():
    part = _weighted_subset()
    assert resident(part, "cpu") is part
    # 31 rows of 48 uint8 values, an int64 target and a float32 weight
    size = 31 * (48 + 8 + 4)
    assert fits_on_device(part, size / _data.RESIDENT_SHARE)
    assert not fits_on_device(part, size / _data.RESIDENT_SHARE - 1)


@needs_cuda
def test_in_memory_data_is_resident_on_cuda_once_per_dataset(monkeypatch):
    part = _weighted_subset()
    on_device = resident(part, "cuda")
    assert on_device.X.is_cuda and on_device.y.is_cuda and on_device.sample_weight.is_cuda
    assert resident(part, "cuda") is on_device  # every epoch of a fit shares the copy
    _same_batches(
        BatchIterator(part, 8, shuffle=True, seed=2, device="cuda"),
        BatchIterator(on_device, 8, shuffle=True, seed=2, device="cuda"),
    )
    monkeypatch.setattr(_data, "RESIDENT_SHARE", 0.0)
    fresh = _weighted_subset()
    assert resident(fresh, "cuda") is fresh  # too big for the device: streamed


def test_read_only_arrays_are_shared_without_warning():
    X = np.arange(6, dtype=np.float32).reshape(3, 2)
    X.setflags(write=False)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tensor = as_tensor(X)
    assert tensor.data_ptr() == X.ctypes.data


def test_training_never_indexes_rows_one_by_one(digits, monkeypatch):
    def per_row(self, i):
        raise AssertionError("a row was fetched with __getitem__")

    monkeypatch.setattr(TensorData, "__getitem__", per_row)
    X, y = digits
    clf = CNNClassifier(early_stopping=True, **TINY).fit(X, y)
    clf.predict(X)


@pytest.mark.parametrize("axis", [1, 2])
def test_weighted_mean_std_matches_numpy(axis):
    rng = np.random.RandomState(0)
    X = rng.rand(50, 3, 4) * 100
    w = rng.randint(0, 4, 50).astype(float)
    index = np.arange(5, 45)
    mean, std = weighted_mean_std(X, axis, w, index, chunk_size=7)
    repeated = X[index].repeat(w[index].astype(int), axis=0)
    other = tuple(i for i in range(3) if i != axis)
    assert_allclose(mean, repeated.mean(axis=other, keepdims=True))
    assert_allclose(std, repeated.std(axis=other, keepdims=True))


def test_constant_channel_gets_unit_std():
    X = np.ones((10, 2, 3, 3))
    X[:, 1] = np.arange(10).reshape(10, 1, 1)
    _, std = weighted_mean_std(X, 1)
    assert std.ravel()[0] == 1.0
    assert std.ravel()[1] == pytest.approx(np.arange(10).std())


def test_integer_inputs_stay_integers_on_the_device():
    # token ids feed an embedding: they must not become floats
    X = np.arange(12, dtype=np.int64).reshape(4, 3)
    ((Xb, _, _),) = BatchIterator(TensorData(X), 10)
    assert Xb.dtype == torch.int64
    assert_array_equal(Xb.numpy(), X)


def test_tuple_inputs_are_sliced_together():
    values = np.arange(10 * 2, dtype=np.float64).reshape(10, 2)
    lengths = np.arange(10, dtype=np.int64)
    data = TensorData((values, lengths), np.arange(10))
    assert len(data) == 10
    for (Xb, Lb), yb, _ in BatchIterator(data.subset(np.arange(2, 10)), 3, shuffle=True, seed=0):
        assert Xb.dtype == torch.float32 and Lb.dtype == torch.int64
        assert_array_equal(Lb.numpy(), yb.numpy())
        assert_array_equal(Xb[:, 0].numpy(), 2 * yb.numpy())


class _CountingSource:
    """A batch source that records which rows each batch asked for."""

    def __init__(self, n):
        self.n = n
        self.requests = []

    def __len__(self):
        return self.n

    def take(self, index):
        rows = torch.arange(self.n)[index]
        self.requests.append(rows.tolist())
        return rows.to(torch.uint8).view(-1, 1)


def test_batch_sources_are_asked_for_one_batch_at_a_time():
    source = _CountingSource(7)
    data = TensorData(source, np.arange(7))
    batches = list(BatchIterator(data.subset(np.arange(1, 7)), 4))
    assert source.requests == [[1, 2, 3, 4], [5, 6]]
    assert batches[0][0].dtype == torch.float32  # uint8 from a source is converted too
    assert_array_equal(batches[1][0].numpy().ravel(), [5, 6])


def test_pad_rows_repeats_the_first_row():
    from skneural._core._data import pad_rows

    X, lengths = torch.arange(6.0).view(3, 2), torch.tensor([3, 1, 2])
    padded, padded_lengths = pad_rows((X, lengths), 5)
    assert_array_equal(padded.numpy(), [[0, 1], [2, 3], [4, 5], [0, 1], [0, 1]])
    assert_array_equal(padded_lengths.numpy(), [3, 1, 2, 3, 3])
    assert pad_rows(X, 2) is X


def test_weighted_moments_in_one_pass_match_numpy_with_masks_and_offsets():
    from skneural._core._stats import weighted_moments

    rng = np.random.RandomState(0)
    # far from 0 with a small spread: a naive one-pass sum of squares loses it
    X = 1e6 + rng.rand(40, 7, 3)
    mask = rng.rand(40, 7, 1) < 0.6
    chunks = ((X[i : i + 9], mask[i : i + 9].astype(float)) for i in range(0, 40, 9))
    mean, std = weighted_moments(chunks, axis=2)
    real = X[np.broadcast_to(mask, X.shape)].reshape(-1, 3)
    assert_allclose(mean, real.mean(axis=0), rtol=1e-12)
    assert_allclose(std, real.std(axis=0), rtol=1e-6)
    # a position that never counts gets mean 0 and std 1
    mean, std = weighted_moments([(X[:5], np.zeros((5, 1, 1)))], axis=2)
    assert_array_equal(mean, 0.0)
    assert_array_equal(std, 1.0)
