"""An image folder with one subfolder per class, as X (paths) and y (labels)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# torchvision's ImageFolder reads the same
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def load_image_folder(path, extensions=IMAGE_EXTENSIONS):
    """The images of a folder with one subfolder per class, as paths and labels.

    The layout of torchvision's ``ImageFolder``: ``path/<class>/<image>``,
    images in a class folder's own subfolders included. The paths are X and
    the labels y for the CNN and ResNet estimators, which decode the files
    batch by batch.

    Parameters
    ----------
    path : str or os.PathLike
        The folder holding one folder per class.
    extensions : str or sequence of str, default=IMAGE_EXTENSIONS
        File name endings of the images, compared without regard to case
        (``".jpg"`` or ``"jpg"``). The default is torchvision's list:
        ``.jpg``, ``.jpeg``, ``.png``, ``.ppm``, ``.bmp``, ``.pgm``, ``.tif``,
        ``.tiff`` and ``.webp``. Other files are skipped, and so are names
        starting with a dot (e.g. ``.ipynb_checkpoints``) and files directly
        in ``path``.

    Returns
    -------
    paths : ndarray of str of shape (n_samples,)
        The image files, sorted by class and then by path within the class,
        so the order is the same on every machine.
    labels : ndarray of str of shape (n_samples,)
        The name of each image's class folder.

    Raises
    ------
    ValueError
        If ``path`` is not a folder, holds no class folders, or a class
        folder holds no images (each named in the message).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> from skneural.utils import load_image_folder
    >>> root = Path(tempfile.mkdtemp())
    >>> for label, shade in [("dark", 30), ("light", 220)]:
    ...     (root / label).mkdir()
    ...     for i in range(3):
    ...         Image.new("L", (16, 16), shade + i).save(root / label / f"{i}.png")
    >>> paths, labels = load_image_folder(root)
    >>> [Path(p).relative_to(root).as_posix() for p in paths[:2]]
    ['dark/0.png', 'dark/1.png']
    >>> labels
    array(['dark', 'dark', 'dark', 'light', 'light', 'light'], dtype='<U5')
    """
    root = Path(path)
    if not root.exists():
        raise ValueError(f"Image folder {os.fspath(path)!r} does not exist.")
    if not root.is_dir():
        raise ValueError(f"Image folder {os.fspath(path)!r} is not a folder.")
    endings = _endings(extensions)
    classes = sorted(
        entry.name for entry in os.scandir(root) if entry.is_dir() and not _hidden(entry.name)
    )
    if not classes:
        raise ValueError(
            f"Image folder {os.fspath(path)!r} holds no class folders: it should hold one "
            "folder of images per class."
        )
    paths, labels, empty = [], [], []
    for name in classes:
        files = _images(root / name, endings)
        if not files:
            empty.append(name)
        paths.extend(files)
        labels.extend([name] * len(files))
    if empty:
        raise ValueError(
            f"Class folder(s) {empty} of {os.fspath(path)!r} hold no images with the "
            f"extensions {list(endings)}."
        )
    return np.array(paths, dtype=str), np.array(labels, dtype=str)


def _endings(extensions) -> tuple[str, ...]:
    values = [extensions] if isinstance(extensions, str) else list(extensions)
    if not values or not all(isinstance(value, str) and value.strip(".") for value in values):
        raise ValueError(
            f"extensions must be a file name ending or a non-empty list of them, got "
            f"{extensions!r}."
        )
    return tuple(dict.fromkeys("." + value.lower().lstrip(".") for value in values))


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _images(folder: Path, endings) -> list[str]:
    """The image files under ``folder``, at any depth, sorted by path."""
    found = []
    for parent, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = [name for name in dirs if not _hidden(name)]
        found.extend(
            os.path.join(parent, name)
            for name in files
            if not _hidden(name) and name.lower().endswith(endings)
        )
    # by path components, so "a/b.png" comes before "a b.png" wherever it was found
    return sorted(found, key=lambda p: Path(p).relative_to(folder).parts)
