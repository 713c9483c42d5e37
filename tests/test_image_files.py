"""Image files as input: paths decoded per batch, for the CNN and ResNet estimators."""

from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import TINY
from numpy.testing import assert_allclose, assert_array_equal
from PIL import Image

from skneural import CNNClassifier, CNNRegressor, ResNetClassifier
from skneural._inputs._image_files import read_stored_image
from skneural._inputs._images import ImageFiles, is_image_paths, read_image


def _save(array, path, mode=None, **kwargs):
    Image.fromarray(array, mode=mode).save(path, **kwargs)
    return path


@pytest.fixture(scope="module")
def digit_files(tmp_path_factory, digits):
    """The 400 digits as 8x8 grayscale PNGs (lossless), in a folder with a space."""
    X, y = digits
    images = np.rint(X.reshape(-1, 8, 8) * 255 / 16).astype(np.uint8)
    folder = tmp_path_factory.mktemp("digits") / "hand written"
    folder.mkdir()
    paths = [_save(image, folder / f"digit {i}.png") for i, image in enumerate(images)]
    return paths, images, y


def test_predictions_from_files_equal_predictions_from_arrays(digit_files):
    paths, images, y = digit_files
    clf = CNNClassifier(random_state=0, **TINY).fit(images[:300], y[:300])
    proba_files = clf.predict_proba(paths[300:])  # list of Path
    assert_array_equal(proba_files, clf.predict_proba(images[300:]))
    as_strings = np.array([str(p) for p in paths[300:]])  # array of str
    assert_array_equal(clf.predict(as_strings), clf.predict(images[300:]))


def test_fit_on_files_learns_the_array_model(digit_files):
    paths, images, y = digit_files
    params = dict(random_state=0, max_epochs=10)
    from_files = CNNClassifier(**params).fit(paths[:300], y[:300])
    from_arrays = CNNClassifier(**params).fit(images[:300], y[:300])
    assert from_files.image_shape_ == (1, 8, 8) and from_files.n_features_in_ == 64
    # the same standardization (computed from decoded chunks) and the same training
    assert_allclose(
        from_files.module_.standardize.mean, from_arrays.module_.standardize.mean, rtol=1e-6
    )
    assert_allclose(
        from_files.module_.standardize.std, from_arrays.module_.standardize.std, rtol=1e-5
    )
    assert_allclose(
        from_files.predict_proba(paths[300:]),
        from_arrays.predict_proba(images[300:]),
        atol=1e-4,
    )
    assert from_files.score(paths[300:], y[300:]) > 0.85


def test_files_with_augmentation_and_regression(digit_files):
    paths, _, y = digit_files
    clf = CNNClassifier(random_state=0, rotation=10, shift=0.1, **TINY).fit(paths[:200], y[:200])
    assert clf.predict(paths[200:210]).shape == (10,)
    reg = CNNRegressor(random_state=0, **TINY).fit(paths[:200], y[:200].astype(float))
    assert reg.predict(paths[:5]).shape == (5,)


@pytest.fixture
def mixed_folder(tmp_path):
    """RGB/grayscale/palette/alpha/16-bit images of several sizes, PNG and JPEG."""
    rng = np.random.RandomState(0)
    ramp = np.add.outer(np.arange(12) * 9, np.arange(10) * 11)  # smooth: JPEG keeps it
    rgb = np.stack([ramp, 200 - ramp, np.full_like(ramp, 90)], axis=-1).astype(np.uint8)
    gray = rng.randint(0, 256, size=(12, 10)).astype(np.uint8)
    folder = tmp_path / "my photos"
    folder.mkdir()
    files = {
        "rgb": _save(rgb, folder / "rgb image.png"),
        "gray": _save(gray, folder / "gray.png"),
        "jpeg": _save(rgb, folder / "photo.jpg", quality=95),
        "gray_jpeg": _save(gray, folder / "gray photo.jpeg"),
        "rgba": _save(np.dstack([rgb, np.full((12, 10), 128, np.uint8)]), folder / "alpha.png"),
        "big": _save(rng.randint(0, 256, size=(24, 20, 3)).astype(np.uint8), folder / "big.png"),
    }
    palette = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    palette.save(folder / "palette.png")
    files["palette"] = folder / "palette.png"
    Image.fromarray(gray.astype(np.uint16) * 257).save(folder / "deep.png")  # 16-bit
    files["deep"] = folder / "deep.png"
    return files, rgb, gray


def test_modes_are_converted(mixed_folder):
    files, rgb, gray = mixed_folder
    assert_array_equal(read_image(files["rgb"], 3, (12, 10)), rgb.transpose(2, 0, 1))
    assert_array_equal(read_image(files["gray"], 1, (12, 10))[0], gray)
    assert_array_equal(read_image(files["gray"], 3, (12, 10)), np.stack([gray] * 3))
    assert_array_equal(read_image(files["rgba"], 3, (12, 10)), rgb.transpose(2, 0, 1))
    assert_array_equal(read_image(files["deep"], 1, (12, 10))[0], gray)  # 16 -> 8 bits
    expected = np.asarray(Image.open(files["palette"]).convert("RGB")).transpose(2, 0, 1)
    assert_array_equal(read_image(files["palette"], 3, (12, 10)), expected)
    luma = np.asarray(Image.fromarray(rgb).convert("L"))
    assert_array_equal(read_image(files["rgb"], 1, (12, 10))[0], luma)
    jpeg = read_image(files["jpeg"], 3, (12, 10)).astype(int)
    assert np.abs(jpeg - rgb.transpose(2, 0, 1)).mean() < 5  # lossy, but the same image
    assert read_image(files["big"], 3, (12, 10)).shape == (3, 12, 10)  # resized


def test_stored_images_are_what_the_network_reads_at_their_own_size(mixed_folder):
    """The plots read files as stored, with the estimators' reader: 8-bit files
    give the pixels a network gets at the file's size and channels."""
    files, _, gray = mixed_folder
    for name in ("rgb", "gray", "jpeg", "gray_jpeg", "rgba", "big", "palette"):
        stored = read_stored_image(files[name])
        assert stored.dtype == np.uint8 and stored.shape[0] == (1 if "gray" in name else 3)
        expected = read_image(files[name], stored.shape[0], stored.shape[1:], draft=False)
        assert_array_equal(stored, expected)
    # 16-bit values are kept, for drawing by their range; the network gets them / 257
    deep = read_stored_image(files["deep"])
    assert deep.dtype == np.float32 and np.array_equal(deep[0], gray * 257.0)
    with pytest.raises(ValueError, match=r"Image file .*missing\.png' does not exist"):
        read_stored_image(files["rgb"].parent / "missing.png")


def test_estimators_on_a_folder_of_mixed_files(mixed_folder):
    files, _, _ = mixed_folder
    paths = sorted(files.values()) * 3  # the whole folder, 24 images
    y = np.arange(len(paths)) % 2
    clf = CNNClassifier(random_state=0, **TINY).fit(paths, y)
    assert clf.image_shape_ == (3, 12, 10)  # colour present: RGB; the first file's size
    assert clf.predict(paths).shape == (24,)
    sized = CNNClassifier(image_size=(16, 16), random_state=0, **TINY).fit(paths, y)
    assert sized.image_shape_ == (3, 16, 16)
    gray_only = [files["gray"], files["gray_jpeg"], files["deep"]] * 4
    assert CNNClassifier(**TINY).fit(gray_only, np.arange(12) % 2).image_shape_ == (1, 12, 10)
    resnet = ResNetClassifier(input_size=(16, 16), max_epochs=1, batch_size=8, random_state=0)
    resnet.fit(paths, y)
    assert resnet.image_shape_ == (3, 16, 16)
    assert resnet.predict_proba(paths[:5]).shape == (5, 2)
    assert resnet.transform(paths[:5]).shape == (5, 512)


def test_missing_and_corrupt_files_are_named(mixed_folder, tmp_path):
    files, _, _ = mixed_folder
    good = [files["rgb"], files["gray"]]
    missing = tmp_path / "not there.png"
    corrupt = tmp_path / "corrupt file.png"
    corrupt.write_bytes(b"this is not an image")
    truncated = tmp_path / "truncated.jpg"  # its header reads, its data does not decode
    noise = np.random.RandomState(0).randint(0, 256, size=(128, 128)).astype(np.uint8)
    data = _save(noise, tmp_path / "whole.jpg").read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    clf = CNNClassifier(**TINY)
    with pytest.raises(ValueError, match=r"not there\.png.*does not exist"):
        clf.fit([*good, missing], [0, 1, 0])
    with pytest.raises(ValueError, match=r"corrupt file\.png.*could not be read as an image"):
        clf.fit([*good, corrupt], [0, 1, 0])
    clf.set_params(image_size=(8, 8))
    with pytest.raises(ValueError, match=r"truncated\.jpg.*could not be decoded"):
        clf.fit([*good, truncated], [0, 1, 0])
    clf.fit(good * 4, [0, 1] * 4)
    with pytest.raises(ValueError, match=r"not there\.png"):
        clf.predict([files["rgb"], missing])


def test_image_files_source_decodes_only_the_batch(digit_files, monkeypatch):
    paths, images, _ = digit_files
    source = ImageFiles(paths, channels=1, size=(8, 8))
    opened = []
    real_open = Image.open
    monkeypatch.setattr(Image, "open", lambda path, *a, **k: opened.append(path) or real_open(path))
    batch = source.take(torch.tensor([5, 2, 9]))
    assert batch.dtype == torch.uint8 and batch.shape == (3, 1, 8, 8)
    assert_array_equal(batch[:, 0].numpy(), images[[5, 2, 9]])
    assert [Path(p).name for p in opened] == ["digit 5.png", "digit 2.png", "digit 9.png"]
    assert source.take(slice(10, 14)).shape == (4, 1, 8, 8)


def test_what_counts_as_paths(digit_files):
    paths, _, _ = digit_files
    assert is_image_paths(paths) and is_image_paths([str(p) for p in paths])
    assert is_image_paths(np.array([str(p) for p in paths]))
    assert not is_image_paths(str(paths[0]))
    assert not is_image_paths(np.zeros((3, 4)))
    assert not is_image_paths([])
    assert not is_image_paths([[1, 2], [3, 4]])
