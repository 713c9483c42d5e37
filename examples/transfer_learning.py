"""
Transfer learning with a pretrained ResNet
==========================================

A network pretrained on one task learns a new one from few labelled images:
``ResNetClassifier`` loads pretrained weights, freezes the early stages, puts
a new head on the network and fine-tunes the last stages.

ImageNet weights would come from ``weights="DEFAULT"`` (torchvision's, from
torch's hub cache or downloaded there) or a local file. To stay offline and
quick, this example makes its own "pretrained" network: a ResNet-18 trained
on scikit-learn's digits 0-4, saved as a checkpoint. It then learns digits
5-9 from 10 images per class, against the same network from random weights.
The 8x8 digits are resized to 16x16 inside the network (``input_size``), so
that the residual stages see more than a single pixel.
"""

# %%
# Pretraining on digits 0-4 and saving the backbone as a checkpoint: a state
# dict, with the normalization it was trained with (pixels in [0, 1]).
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skneural import ResNetClassifier

X, y = load_digits(return_X_y=True)
X = (X * 255 / 16).astype(np.uint8).reshape(-1, 8, 8)  # 8-bit pixels, as photos come
start = time.perf_counter()
source = ResNetClassifier(
    max_epochs=10, batch_size=64, input_size=(16, 16), random_state=0
)
source.fit(X[y < 5], y[y < 5])
elapsed = time.perf_counter() - start
print(f"pretrained on {np.sum(y < 5)} images of digits 0-4 in {elapsed:.0f} s")

checkpoint = Path(tempfile.mkdtemp()) / "resnet18_digits.pth"
torch.save(
    {
        "state_dict": source.module_.network.backbone.state_dict(),
        "mean": (source.module_.standardize.mean / 255).flatten(),
        "std": (source.module_.standardize.std / 255).flatten(),
    },
    checkpoint,
)

# %%
# Few-shot task: digits 5-9, 10 training images per class; the other images
# of digits 5-9 are the test set.
rng = np.random.RandomState(0)
target = np.flatnonzero(y >= 5)
train = np.concatenate(
    [rng.choice(np.flatnonzero(y == d), 10, replace=False) for d in range(5, 10)]
)
test = np.setdiff1d(target, train)
X_few, y_few, X_test, y_test = X[train], y[train], X[test], y[test]

# %%
# The same network from random weights; the pretrained network with only its
# new head trained (``trainable_layers=0``); and with its last three stages
# fine-tuned as well (``trainable_layers=3``), at ``backbone_lr_factor`` times
# the head's learning rate. The head alone is not enough here: features
# learned from five digits do not separate five others linearly. Fine-tuned,
# the pretrained network ends close to the one from random weights on these
# tiny 8x8 images (the lines printed below); on MNIST's 28x28 digits,
# ``benchmarks/bench_transfer.py`` measures 0.930 from pretrained weights
# against 0.903 from random ones.
params = dict(max_epochs=20, batch_size=25, input_size=(16, 16), random_state=0)
for name, clf in {
    "random weights": ResNetClassifier(lr=3e-3, **params),
    "pretrained, head only": ResNetClassifier(
        weights=checkpoint, trainable_layers=0, lr=1e-2, **params
    ),
    "pretrained, fine-tuned": ResNetClassifier(
        weights=checkpoint,
        trainable_layers=3,
        backbone_lr_factor=0.3,
        lr=3e-3,
        **params,
    ),
}.items():
    clf.fit(X_few, y_few)
    print(f"{name:26s} test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# How many stages to open and the learning rate are parameters like any
# other: a search tunes them. The checkpoint is read once, not once per fit.
search = GridSearchCV(
    ResNetClassifier(weights=checkpoint, lr=3e-3, **params),
    {"trainable_layers": [0, 3], "backbone_lr_factor": [0.3, 1.0]},
    cv=2,
).fit(X_few, y_few)
print("best:", search.best_params_, f"test accuracy {search.score(X_test, y_test):.3f}")

# %%
# ``transform`` returns the backbone's pooled features (512 for a ResNet-18),
# so the pretrained network can feed any scikit-learn model.
features = make_pipeline(
    ResNetClassifier(
        weights=checkpoint,
        trainable_layers=0,
        max_epochs=1,
        input_size=(16, 16),
        random_state=0,
    ),
    LogisticRegression(max_iter=1000),
).fit(X_few, y_few)
accuracy = features.score(X_test, y_test)
print(f"pretrained features + logistic regression: test accuracy {accuracy:.3f}")
