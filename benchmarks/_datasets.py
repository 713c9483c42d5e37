"""Loaders for the real datasets the benchmarks use.

The archives live outside the repository (``../shared/datasets`` next to the
checkout, or wherever ``SKNEURAL_DATASETS`` points). They are decoded once into
a ``.npz`` cache under ``~/.cache/skneural`` (or ``SKNEURAL_CACHE``), never into
the repository.
"""

from __future__ import annotations

import io
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
