import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

# Small networks and few epochs: the behaviour tests check what training
# does, not how well a full-size network learns.
TINY = dict(n_filters=4, hidden_units=16, max_epochs=3, batch_size=32)

# Small LSTMs (what the tests train) run on one torch thread: their per-step
# kernels are too small to share out, and on a busy machine two threads
# spin waiting for each other (0.005 s a step on one thread, up to 0.7 s on two).
SMALL_LSTM = dict(embedding_dim=16, hidden_units=16, dense_units=16)


@pytest.fixture
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture(scope="session")
def digits():
    """400 digits (8x8 images flattened to 64 features), labels 0-9."""
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


@pytest.fixture(scope="session")
def digits_images(digits):
    X, y = digits
    return X.reshape(-1, 8, 8).astype(np.float32), y


def bright_third_images(n=48, channels=3, side=8, seed=0):
    """uint8 images whose class (0, 1, 2) is which third of the image is bright."""
    rng = np.random.RandomState(seed)
    X = rng.randint(0, 60, size=(n, channels, side, side)).astype(np.uint8)
    y = np.arange(n) % 3
    third = side // 3
    for i, label in enumerate(y):
        X[i, :, :, label * third : (label + 1) * third] += 150
    return X, y


@pytest.fixture
def fresh_weight_cache():
    """The process-wide cache of pretrained weights, empty before and after the test."""
    from skneural import _weights

    _weights.clear_cache()
    yield
    _weights.clear_cache()
