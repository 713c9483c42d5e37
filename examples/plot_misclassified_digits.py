"""
Which digits does a CNN get wrong, and what does augmentation show it?
======================================================================

:class:`~skneural.plot.MisclassifiedImagesDisplay` draws the test images a
fitted classifier gets wrong, with their true and predicted labels, and
:class:`~skneural.plot.AugmentationDisplay` a few training images next to
random draws of the estimator's train-time augmentation (``rotation``,
``shift``, ``zoom``), to check that the augmented digits still read as
digits.

The images are 10,000 MNIST training and 2,000 test digits (28x28) when
the MNIST PNGs are found in the datasets folder (``$SKNEURAL_DATASETS``,
by default ``shared/datasets`` next to the repository), else
scikit-learn's 8x8 digits.
"""

# %%
# Data: a slice of MNIST if present (read from its archive, in memory),
# else scikit-learn's digits.
import io
import os
import tarfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skneural import CNNClassifier
from skneural.plot import AugmentationDisplay, MisclassifiedImagesDisplay


def datasets_dir():
    """``$SKNEURAL_DATASETS``, else ``shared/datasets`` next to the repository.

    The repository is the first folder above this file (or the working
    directory, when run interactively) that holds ``pyproject.toml``; the
    gallery runs a copy of this file under ``docs/auto_examples``.
    """
    if "SKNEURAL_DATASETS" in os.environ:
        return Path(os.environ["SKNEURAL_DATASETS"])
    here = Path(__file__).resolve() if "__file__" in globals() else Path.cwd()
    for folder in [here, *here.parents]:
        if (folder / "pyproject.toml").is_file():
            return folder.parent / "shared" / "datasets"
    return Path("shared", "datasets")


def load_mnist(archive, n_train=10_000, n_test=2_000):
    """The first n_train training and n_test test digits of the MNIST PNG archive."""
    found = {"train": [], "test": []}
    with tarfile.open(archive) as tar:
        for member in tar:
            parts = member.name.split("/")  # train/<label>/<k>.png
            if len(parts) != 3 or not parts[2].endswith(".png"):
                continue
            split, label, k = parts[0], int(parts[1]), int(parts[2][:-4])
            position = k if split == "train" else k - 60_000  # order in the MNIST files
            if position < (n_train if split == "train" else n_test):
                image = Image.open(io.BytesIO(tar.extractfile(member).read()))
                found[split].append((position, np.asarray(image), label))
    arrays = []
    for split in ("train", "test"):
        _, images, labels = zip(
            *sorted(found[split], key=lambda row: row[0]), strict=True
        )
        arrays += [np.stack(images), np.array(labels)]
    return arrays


archive = datasets_dir() / "mnist" / "mnist-pngs.tar.gz"
if archive.exists():
    X_train, y_train, X_test, y_test = load_mnist(archive)
    source = "MNIST"
else:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X.reshape(-1, 8, 8), y, test_size=0.25, stratify=y, random_state=0
    )
    source = "scikit-learn's digits"
print(
    f"{source}: {len(X_train)} training and {len(X_test)} test images"
    f" of {X_train.shape[1:]}"
)

# %%
# A small CNN trained with augmentation: each training image is turned by up
# to 10 degrees, shifted by up to 10% and zoomed by up to 10%, afresh every
# epoch (for as many epochs as ``max_epochs="auto"`` takes for the data's
# size). The display builds the same augmentation from these parameters; the
# estimator need not even be fitted for it.
cnn = CNNClassifier(
    n_filters=8,
    hidden_units=64,
    rotation=10,
    shift=0.1,
    zoom=0.1,
    random_state=0,
)
AugmentationDisplay.from_estimator(cnn, X_train, n_images=4, n_draws=6, random_state=0)

# %%
# The mistakes: the first 24 misclassified test images, with their true and
# predicted labels.
cnn.fit(X_train, y_train)
print(f"test accuracy: {cnn.score(X_test, y_test):.3f}")
display = MisclassifiedImagesDisplay.from_estimator(cnn, X_test, y_test, n_images=24)
display.figure_.suptitle(f"Misclassified {source} test images")
plt.show()
