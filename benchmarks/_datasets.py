"""Loaders for the real datasets the benchmarks use.

The archives live outside the repository (``../shared/datasets`` next to the
checkout, or wherever ``SKNEURAL_DATASETS`` points). They are decoded once into
a ``.npz`` cache under ``~/.cache/skneural`` (or ``SKNEURAL_CACHE``), never into
the repository.
"""

from __future__ import annotations

import io
import itertools
import os
import tarfile
from pathlib import Path

import numpy as np

_REPO = Path(__file__).resolve().parents[1]


def datasets_dir() -> Path:
    """Folder holding the shared dataset archives."""
    return Path(os.environ.get("SKNEURAL_DATASETS", _REPO.parent / "shared" / "datasets"))


def cache_dir() -> Path:
    path = Path(os.environ.get("SKNEURAL_CACHE", Path.home() / ".cache" / "skneural"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_mnist():
    """Return ``(X_train, y_train, X_test, y_test)``: uint8 images (n, 28, 28), int64 labels.

    The standard 60,000 / 10,000 split, decoded from ``mnist/mnist-pngs.tar.gz``.
    """
    cached = cache_dir() / "mnist.npz"
    if not cached.exists():
        from PIL import Image

        archive = datasets_dir() / "mnist" / "mnist-pngs.tar.gz"
        if not archive.exists():
            raise FileNotFoundError(
                f"MNIST archive not found at {archive}; set SKNEURAL_DATASETS to the folder "
                "holding mnist/mnist-pngs.tar.gz."
            )
        parts = {"train": ({}, {}), "test": ({}, {})}
        with tarfile.open(archive) as tar:
            for member in tar:
                path = Path(member.name)
                if not member.isfile() or path.suffix != ".png":
                    continue
                split, label, index = path.parts[0], int(path.parts[1]), int(path.stem)
                image = Image.open(io.BytesIO(tar.extractfile(member).read()))
                parts[split][0][index] = np.asarray(image, dtype=np.uint8)
                parts[split][1][index] = label
        arrays = {}
        for split, (images, labels) in parts.items():
            order = sorted(images)  # original MNIST order
            arrays[f"X_{split}"] = np.stack([images[k] for k in order])
            arrays[f"y_{split}"] = np.array([labels[k] for k in order], dtype=np.int64)
        tmp = cached.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(cached)
    with np.load(cached) as data:
        return data["X_train"], data["y_train"], data["X_test"], data["y_test"]


def load_imdb():
    """Return ``(texts_train, y_train, texts_test, y_test)``: lists of str, int64 labels (1 = pos).

    The official 25,000 / 25,000 split of the Large Movie Review Dataset,
    read from ``imdb/aclImdb.tar.gz``: train = ``train/`` + ``val/`` (the
    archive's ``val/`` is 5,000 reviews moved out of the official training
    set), test = ``test/``. Reviews are in the order of their folder and id.
    """
    cached = cache_dir() / "imdb.npz"
    if not cached.exists():
        archive = datasets_dir() / "imdb" / "aclImdb.tar.gz"
        if not archive.exists():
            raise FileNotFoundError(
                f"IMDB archive not found at {archive}; set SKNEURAL_DATASETS to the folder "
                "holding imdb/aclImdb.tar.gz."
            )
        parts = {"train": {}, "test": {}}
        with tarfile.open(archive) as tar:
            for member in tar:
                path = Path(member.name)
                if not member.isfile() or path.suffix != ".txt" or len(path.parts) != 4:
                    continue
                _, folder, label, _ = path.parts
                split = "test" if folder == "test" else "train"
                review_id = int(path.stem.split("_")[0])
                text = tar.extractfile(member).read()
                parts[split][(label == "pos", review_id)] = text
        arrays = {}
        for split, reviews in parts.items():
            keys = sorted(reviews)  # negatives then positives, by id
            encoded = [reviews[k] for k in keys]
            arrays[f"text_{split}"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
            arrays[f"offsets_{split}"] = np.cumsum([0] + [len(t) for t in encoded])
            arrays[f"y_{split}"] = np.array([int(pos) for pos, _ in keys], dtype=np.int64)
        tmp = cached.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(cached)
    out = []
    with np.load(cached) as data:
        for split in ("train", "test"):
            raw, offsets = data[f"text_{split}"].tobytes(), data[f"offsets_{split}"]
            texts = [raw[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets)]
            out += [texts, data[f"y_{split}"]]
    return tuple(out)


CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


def load_cifar10():
    """Return ``(X_train, y_train, X_test, y_test)``: uint8 images (n, 3, 32, 32), int64 labels.

    The standard 50,000 / 10,000 split, decoded from ``cifar10/cifar10-jpeg.tar.gz``
    (labels index :data:`CIFAR10_CLASSES`), in the tar's sorted order.
    """
    cached = cache_dir() / "cifar10.npz"
    if not cached.exists():
        from PIL import Image

        archive = datasets_dir() / "cifar10" / "cifar10-jpeg.tar.gz"
        if not archive.exists():
            raise FileNotFoundError(
                f"CIFAR-10 archive not found at {archive}; set SKNEURAL_DATASETS to the folder "
                "holding cifar10/cifar10-jpeg.tar.gz."
            )
        parts = {"train": ([], []), "test": ([], [])}
        with tarfile.open(archive) as tar:
            for member in tar:
                path = Path(member.name)
                if not member.isfile() or path.suffix != ".jpg":
                    continue
                split, label = path.parts[-3], CIFAR10_CLASSES.index(path.parts[-2])
                with Image.open(io.BytesIO(tar.extractfile(member).read())) as image:
                    parts[split][0].append(np.asarray(image.convert("RGB"), dtype=np.uint8))
                parts[split][1].append(label)
        arrays = {}
        for split, (images, labels) in parts.items():
            arrays[f"X_{split}"] = np.stack(images).transpose(0, 3, 1, 2).copy()
            arrays[f"y_{split}"] = np.array(labels, dtype=np.int64)
        tmp = cached.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(cached)
    with np.load(cached) as data:
        return data["X_train"], data["y_train"], data["X_test"], data["y_test"]
