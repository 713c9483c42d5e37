"""skneural.utils.load_image_folder: an ImageFolder-style tree as X (paths) and y (labels)."""

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY
from numpy.testing import assert_array_equal
from PIL import Image

from skneural import CNNClassifier
from skneural.utils import load_image_folder


def _image(path, shade=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (12, 10), (shade, 255 - shade, 40)).save(path)
    return path


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "my data"
    for relative in [
        "cats/b.jpg",
        "cats/a.PNG",  # the extension in capitals
        "cats/older/z.jpeg",  # a subfolder of a class folder
        "dogs/10.png",
        "dogs/9.png",
        "dogs and wolves/x.webp",  # a space in the class name
    ]:
        _image(root / relative, shade=len(relative) * 9)
    (root / "cats" / "notes.txt").write_text("not an image")
    _image(root / "cats" / ".hidden.png")
    _image(root / ".ipynb_checkpoints" / "x.png")  # a hidden folder: no class
    _image(root / "stray.png")  # not in a class folder
    return root


def test_paths_and_labels_sorted(tree):
    paths, labels = load_image_folder(tree)
    relative = [Path(p).relative_to(tree).as_posix() for p in paths]
    assert relative == [
        "cats/a.PNG",
        "cats/b.jpg",
        "cats/older/z.jpeg",
        "dogs/10.png",
        "dogs/9.png",
        "dogs and wolves/x.webp",
    ]
    assert labels.tolist() == ["cats"] * 3 + ["dogs"] * 2 + ["dogs and wolves"]
    assert paths.dtype.kind == labels.dtype.kind == "U"
    again, labels_again = load_image_folder(str(tree))  # a str path
    assert_array_equal(again, paths)
    assert_array_equal(labels_again, labels)


def test_extensions(tree):
    paths, _ = load_image_folder(tree, extensions=["png", ".JPG", "webp"])
    assert [Path(p).name for p in paths] == ["a.PNG", "b.jpg", "10.png", "9.png", "x.webp"]
    with pytest.raises(ValueError, match="extensions must be"):
        load_image_folder(tree, extensions=[])
    with pytest.raises(ValueError, match="extensions must be"):
        load_image_folder(tree, extensions=[".", "png"])


def test_errors_name_the_folder(tree, tmp_path):
    with pytest.raises(ValueError, match=r"'.*nowhere' does not exist"):
        load_image_folder(tmp_path / "nowhere")
    with pytest.raises(ValueError, match=r"stray\.png' is not a folder"):
        load_image_folder(tree / "stray.png")
    flat = tmp_path / "flat photos"
    _image(flat / "a.png")
    with pytest.raises(ValueError, match=r"flat photos' holds no class folders"):
        load_image_folder(flat)
    with pytest.raises(ValueError, match=r"\['dogs', 'dogs and wolves'\] of '.*my data' hold no"):
        load_image_folder(tree, extensions=".jpg")
    os.mkdir(tree / "empty")
    with pytest.raises(ValueError, match=r"\['empty'\]"):
        load_image_folder(tree)


def test_fits_a_classifier(tmp_path):
    for label, shade in [("dark", 20), ("light", 230)]:
        for i in range(8):
            _image(tmp_path / label / f"{i}.png", shade=shade + i)
    paths, labels = load_image_folder(tmp_path)
    clf = CNNClassifier(image_size=(8, 8), random_state=0, **TINY).fit(paths, labels)
    assert_array_equal(clf.classes_, ["dark", "light"])
    assert clf.predict(paths).shape == (16,)
    assert np.isin(clf.predict(paths), ["dark", "light"]).all()
