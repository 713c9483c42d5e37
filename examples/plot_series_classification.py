"""
Classifying time series with a 1-D CNN: a pipeline and a search
===============================================================

ArrowHead (UCR archive) holds outlines of arrowheads unrolled into series
of 251 steps, in three classes, 36 for training and 175 for testing. It ships
inside the ``aeon`` package (``pip install skneural[series]``), which reads it
offline in aeon's layout: an array ``(n_series, n_channels, n_steps)``,
exactly what :class:`~skneural.CNNClassifier` with ``spatial_dims=1`` (and
:class:`~skneural.LSTMClassifier`) takes. Without aeon, this example
generates a similar problem and says so.
"""

# %%
# The data, as aeon gives it.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skneural import CNNClassifier

try:
    from aeon.datasets import load_classification

    X_train, y_train = load_classification("ArrowHead", split="train")
    X_test, y_test = load_classification("ArrowHead", split="test")
    source = "ArrowHead (UCR), from aeon"
except ImportError:  # a generated stand-in: a bump, a dip or a step, anywhere
    rng = np.random.RandomState(0)

    def make(n):
        t = np.arange(251)
        y = rng.randint(3, size=n)
        at = rng.randint(20, 230, size=n)
        shape = np.where(
            y[:, None] == 2,
            (t > at[:, None]).astype(float),
            np.exp(-0.5 * ((t - at[:, None]) / 6) ** 2) * np.where(y[:, None], 1, -1),
        )
        return (shape + 0.3 * rng.randn(n, 251))[:, None, :], y.astype(str)

    (X_train, y_train), (X_test, y_test) = make(36), make(175)
    source = "a generated stand-in (aeon is not installed)"
classes = sorted(set(y_train))
print(f"{source}: train {X_train.shape}, test {X_test.shape}, classes {classes}")

fig, axes = plt.subplots(1, 3, figsize=(11, 2.6), sharey=True)
for ax, label in zip(axes, classes, strict=True):
    for series in X_train[y_train == label][:5]:
        ax.plot(series[0], lw=1)
    ax.set_title(f"class {label}")
    ax.set_xlabel("step")
fig.tight_layout()


# %%
# A pipeline: each series z-normalized on its own (the UCR convention; a
# stateless step, so it fits in the pipeline), then the 1-D CNN. A grid search
# over the network's flat parameters: the kernel sizes, per block or for all
# blocks, and the head (``"flatten"`` the last block, or global average pooling).
def znormalize(X):
    return (X - X.mean(axis=2, keepdims=True)) / X.std(axis=2, keepdims=True)


pipeline = make_pipeline(
    FunctionTransformer(znormalize),
    CNNClassifier(spatial_dims=1, random_state=0),
)
grid = {
    "cnnclassifier__kernel_size": [3, (7, 5)],
    "cnnclassifier__head": ["flatten", "gap"],
}
start = time.perf_counter()
search = GridSearchCV(pipeline, grid, cv=3).fit(X_train, y_train)
print(
    f"search: {len(search.cv_results_['params'])} candidates x 3 folds "
    f"in {time.perf_counter() - start:.0f} s"
)
results = search.cv_results_
for params, score in zip(results["params"], results["mean_test_score"], strict=True):
    print(f"  {score:.3f}  {params}")
print(f"best: {search.best_params_}")
print(
    f"test accuracy of the refitted best pipeline: {search.score(X_test, y_test):.3f}"
)

# %%
# Where the test errors are: the confusion matrix of the best pipeline.
from sklearn.metrics import ConfusionMatrixDisplay

ConfusionMatrixDisplay.from_estimator(search, X_test, y_test)
plt.show()

# %%
# The published results on ArrowHead (Fawaz et al. 2019, mean of 5 runs):
# FCN 0.843, ResNet 0.838, both trained 1,500-2,000 epochs. The FCN recipe is
# ``CNNClassifier(spatial_dims=1, n_conv_layers=3, n_filters=(128, 256, 128),
# kernel_size=(8, 5, 3), pooling=None, batch_norm=True, head="gap",
# hidden_units=None, lr=1e-3, max_epochs=400)``; ``benchmarks/bench_series.py``
# measures it (about a minute per fit on one CPU thread here: 0.863), the
# default 1-D CNN and the LSTM beside aeon's MiniRocket on three data sets.
