"""
A CNN on MNIST: training history and confusion matrix
=====================================================

A :class:`~skneural.CNNClassifier` trained on real handwritten digits, the
MNIST database (28x28 grayscale images, 10 classes), read straight from its
archive of PNGs: no download, nothing unpacked to disk. To build in well
under a minute on two CPU cores, it trains on a subset, the first 8,000 of
the 60,000 training images, for 8 epochs, and is scored on the first 2,000
of the 10,000 test images. (Small convolutional networks trained on all
60,000 images for longer reach about 99%: Keras's ``mnist_cnn`` example
states 99.25% after 12 epochs.)

The archive is looked for in the datasets folder: ``$SKNEURAL_DATASETS``, by
default ``shared/datasets`` next to the repository
(``mnist/mnist-pngs.tar.gz``). Where it is absent, the example runs on
scikit-learn's 8x8 digits instead and says so in its output.
"""

# %%
# Data: a slice of MNIST, decoded in memory from the archive; else
# scikit-learn's digits.
import io
import os
import tarfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split

from skneural import CNNClassifier
from skneural.plot import TrainingHistoryDisplay


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


ARCHIVE = datasets_dir() / "mnist" / "mnist-pngs.tar.gz"


def load_mnist(archive, n_train=8_000, n_test=2_000):
    """The first n_train training and n_test test images (uint8, 28x28) and labels."""
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


if ARCHIVE.exists():
    X_train, y_train, X_test, y_test = load_mnist(ARCHIVE)
    source = "MNIST"
else:
    print(f"MNIST not found at {ARCHIVE}: using scikit-learn's 8x8 digits instead.")
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X.reshape(-1, 8, 8), y, test_size=0.25, stratify=y, random_state=0
    )
    source = "scikit-learn's digits"
print(
    f"{source}: {len(X_train)} training and {len(X_test)} test images of "
    f"{X_train.shape[1]}x{X_train.shape[2]} pixels, {X_train.dtype}"
)

# %%
# Two convolution blocks (16 and 32 filters), a dense layer of 64 units and
# dropout. The pixels go in as they are (uint8, 0-255): the estimator learns
# their mean and standard deviation from the training images and
# standardizes inside the network. With ``early_stopping=True`` it holds 10%
# of the training images out, scores them after every epoch and keeps the
# weights of the best epoch.
cnn = CNNClassifier(
    n_filters=16,
    hidden_units=64,
    max_epochs=8,
    early_stopping=True,
    validation_fraction=0.1,
    random_state=0,
)
cnn.fit(X_train, y_train)
print(
    f"{cnn.n_iter_} epochs, best validation accuracy {cnn.best_validation_score_:.3f}"
)
print(f"test accuracy: {cnn.score(X_test, y_test):.3f}")

# %%
# The training history: loss, validation accuracy and learning rate (decayed
# by the default cosine schedule) per epoch, the kept epoch marked.
display = TrainingHistoryDisplay.from_estimator(cnn, name=f"CNN on {source}")

# %%
# Which digits are taken for which: scikit-learn's confusion matrix of the
# test predictions, rows normalized (the diagonal is each digit's recall).
fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")
ConfusionMatrixDisplay.from_estimator(
    cnn, X_test, y_test, normalize="true", values_format=".2f", colorbar=False, ax=ax
)
ax.set_title(f"{source} test images, rows normalized")
plt.show()

# sphinx_gallery_thumbnail_number = 2
