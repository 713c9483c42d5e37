"""Image files decoded in threads, ahead of the network, and JPEG drafts."""

import pickle
import threading

import numpy as np
import pytest
import torch
from conftest import TINY
from numpy.testing import assert_array_equal
from PIL import Image
from skorch.callbacks import Callback

from skneural import CNNClassifier
from skneural._core import _threads
from skneural._core._data import BatchIterator, TensorData, source_threads
from skneural._core._threads import decode_threads
from skneural._inputs import _images
from skneural._inputs._images import ImageFiles, read_image


def decoding_threads():
    return [t for t in threading.enumerate() if t.name.startswith("skneural-decode")]


def photo(rng, width, height):
    """A photo-like RGB image: smooth shapes, texture and grain."""
    coarse = Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8))
    pixels = np.asarray(coarse.resize((width, height), Image.Resampling.BICUBIC), float)
    pixels += rng.normal(0, 6, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """40 JPEG photos of 256x192 and 192x256 (some grayscale), and 8 PNGs, with labels."""
    rng = np.random.default_rng(0)
    folder = tmp_path_factory.mktemp("photos") / "holiday photos"
    folder.mkdir()
    paths = []
    for i in range(48):
        image = photo(rng, *((256, 192) if i % 2 else (192, 256)))
        if i % 5 == 0:
            image = image.convert("L")
        path = folder / (f"photo {i}.png" if i % 6 == 0 else f"photo {i}.jpg")
        image.save(path, quality=90)
        paths.append(path)
    return paths, np.arange(48) % 3


def test_threads_decode_the_same_pixels(photos):
    paths, _ = photos
    files = ImageFiles(paths, 3, (24, 32))
    index = torch.tensor([5, 0, 47, 12, 12, 3])
    sequential = [files.take(index), files.take(slice(7, 30))]
    bounds = [slice(0, 10), slice(10, 17), slice(17, 48)]
    batches_alone = list(files.batches(bounds))
    with files.threads(3):
        assert len(decoding_threads()) <= 3
        assert_array_equal(files.take(index), sequential[0])
        assert_array_equal(files.take(slice(7, 30)), sequential[1])
        for prefetch in (0, 1, 5):
            ahead = list(files.batches(bounds, prefetch=prefetch))
            for got, expected in zip(ahead, batches_alone, strict=True):
                assert_array_equal(got, expected)
    assert torch.cat(batches_alone).shape == (48, 3, 24, 32)
    assert not decoding_threads()


def test_draft_stays_close_to_the_full_decode(photos):
    paths, _ = photos
    jpeg, png = paths[1], paths[0]
    # 256x192 to 32x24: the decoder scales by 1/4, to 64x48, then Pillow resizes
    drafted = read_image(jpeg, 3, (24, 32)).astype(int)
    full = read_image(jpeg, 3, (24, 32), draft=False).astype(int)
    assert drafted.shape == full.shape == (3, 24, 32)
    assert not np.array_equal(drafted, full)  # the draft was used
    assert np.abs(drafted - full).mean() < 1 and np.abs(drafted - full).max() <= 16
    for channels in (1, 3):
        drafted = ImageFiles(paths, channels, (24, 32)).take(slice(None)).numpy().astype(int)
        full = ImageFiles(paths, channels, (24, 32), draft=False).take(slice(None)).numpy()
        assert np.abs(drafted - full).mean() < 2
    # PNGs, and JPEGs under 4 times the size, are decoded in full
    assert_array_equal(read_image(png, 3, (24, 32)), read_image(png, 3, (24, 32), draft=False))
    assert_array_equal(read_image(jpeg, 3, (64, 96)), read_image(jpeg, 3, (64, 96), draft=False))


def test_errors_in_threads_name_the_file(photos, tmp_path):
    paths, _ = photos
    missing = tmp_path / "gone.jpg"
    truncated = tmp_path / "cut short.jpg"
    data = paths[1].read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    files = ImageFiles([*paths[:20], missing, *paths[20:30], truncated], 3, (24, 32))
    with files.threads(2):
        with pytest.raises(ValueError, match=r"gone\.jpg.*does not exist"):
            files.take(slice(15, 25))
        with pytest.raises(ValueError, match=r"cut short\.jpg.*could not be decoded"):
            files.take(torch.tensor([0, 31, 1]))
        assert files.take(slice(0, 4)).shape == (4, 3, 24, 32)  # the threads go on working
        batches = files.batches([slice(0, 10), slice(10, 20), slice(20, 30)])
        assert next(batches).shape == (10, 3, 24, 32)
        assert next(batches).shape == (10, 3, 24, 32)
        with pytest.raises(ValueError, match=r"gone\.jpg"):
            next(batches)
    assert not decoding_threads()


def test_threads_end_with_the_block(photos):
    paths, labels = photos
    files = ImageFiles(paths * 4, 3, (24, 32))
    data = TensorData(files, torch.as_tensor(np.tile(labels, 4)))
    with pytest.raises(RuntimeError, match="stop"), source_threads(data.X, 2):
        for _ in BatchIterator(data, 8, shuffle=True, seed=0):
            raise RuntimeError("stop")  # batches still pending are cancelled
    assert not decoding_threads()
    assert files._pool is None
    # arrays are no batch source: nothing to start
    with source_threads(torch.zeros(3, 1, 2, 2), 2):
        assert not decoding_threads()


def test_prefetching_does_not_change_the_model(photos, monkeypatch):
    """A seeded fit in threads, decoding ahead, gives the model of the sequential fit."""
    paths, y = photos
    params = dict(image_size=(24, 32), random_state=0, early_stopping=True, **TINY)
    params["batch_size"] = 8

    seen = []

    class Probe(Callback):
        def on_batch_end(self, net, **kwargs):
            seen.append(len(decoding_threads()))

    models = {}
    for threads, prefetch in [(0, 0), (3, 2), (2, 0)]:
        monkeypatch.setattr("skneural._core._estimator.decode_threads", lambda *args, k=threads: k)
        monkeypatch.setattr(_images, "_PREFETCH", prefetch)
        seen.clear()
        clf = CNNClassifier(callbacks=[("probe", Probe())], **params).fit(paths, y)
        assert (max(seen) > 0) == (threads > 0)  # the fit ran in threads, or not
        assert not decoding_threads()
        models[threads, prefetch] = clf
    reference = models[0, 0]
    expected = reference.predict_proba(paths)
    for clf in models.values():
        for name, value in reference.module_.state_dict().items():
            assert torch.equal(clf.module_.state_dict()[name], value), name
        assert_array_equal(clf.predict_proba(paths), expected)  # deterministic
        assert_array_equal(clf.predict_proba(paths[::-1]), expected[::-1])
    assert not decoding_threads()


def test_a_file_failing_in_training_ends_the_threads(photos, tmp_path):
    paths, y = photos
    truncated = tmp_path / "cut short.jpg"  # its header reads: fit starts training
    data = paths[1].read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    clf = CNNClassifier(image_size=(24, 32), normalize=False, **TINY)
    with pytest.raises(ValueError, match=r"cut short\.jpg.*could not be decoded"):
        clf.fit([*paths, truncated], [*y, 0])
    assert not decoding_threads()
    clf.fit(paths, y)
    with pytest.raises(ValueError, match=r"cut short\.jpg"):
        clf.predict([*paths[:40], truncated])
    assert not decoding_threads()


def test_fitted_estimator_and_image_files_pickle(photos):
    paths, y = photos
    # early stopping: the net keeps its validation data, an ImageFiles
    clf = CNNClassifier(image_size=(24, 32), random_state=0, early_stopping=True, **TINY)
    clf.fit(paths, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert_array_equal(restored.predict_proba(paths), clf.predict_proba(paths))
    files = ImageFiles(paths, 1, (24, 32))
    with files.threads(2):
        copy = pickle.loads(pickle.dumps(files))
    assert copy._pool is None and copy.draft and copy.paths == [str(p) for p in paths]
    assert_array_equal(copy.take(slice(0, 5)), files.take(slice(0, 5)))
    assert not decoding_threads()
    # as pickled before decoding had threads: refused, by name
    del files.draft, files.prefetch
    with pytest.raises(
        pickle.UnpicklingError,
        match=r"ImageFiles was pickled by an earlier development version of skneural "
        r"\(its state has no draft, prefetch\)",
    ):
        pickle.loads(pickle.dumps(files))


def test_decoding_threads_fill_the_allotment(monkeypatch):
    """The cores torch leaves free, plus one; on a GPU, all."""
    threads = torch.get_num_threads()
    monkeypatch.setattr(_threads, "available_cpus", lambda: 8)
    try:
        torch.set_num_threads(8)  # this process's allotment: 8 threads
        assert [decode_threads(n) for n in (1, 2, 7, 8, 16, -1)] == [8, 7, 2, 1, 1, 1]
        # the network on a GPU: torch's threads only launch its work
        assert decode_threads(1, "cuda") == decode_threads(8, torch.device("cuda:0")) == 8
        torch.set_num_threads(1)  # e.g. OMP_NUM_THREADS=1, or a Dask worker
        assert [decode_threads(n) for n in (1, 2, -1)] == [1, 1, 1]
        assert decode_threads(1, "cuda") == 1
    finally:
        torch.set_num_threads(threads)
