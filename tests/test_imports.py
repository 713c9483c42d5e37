"""Importing skneural is cheap: heavy and optional modules load only when used.

Each case runs in a fresh interpreter, the only way to see what an import
brings into ``sys.modules``.
"""

import json
import subprocess
import sys

import pytest

# never loaded by importing skneural or any estimator but the ResNet ones
HEAVY = ["torchvision", "torch._dynamo", "matplotlib", "optuna", "distributed", "tensorboard"]


def modules_after(statement):
    """Which of the names of interest are in ``sys.modules`` after ``statement``."""
    names = [*HEAVY, "torch", "sklearn", "skorch"]
    report = f"import json, sys\nprint(json.dumps([m for m in {names!r} if m in sys.modules]))"
    code = f"{statement}\n{report}"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_import_skneural_loads_nothing_heavy():
    # the estimators are imported on first access (module-level __getattr__)
    assert modules_after("import skneural; skneural.__version__") == set()
    assert modules_after("import skneural.nn") == set()


@pytest.mark.parametrize(
    "statement",
    [
        "from skneural import CNNClassifier, CNNRegressor",
        "from skneural import LSTMClassifier, LSTMRegressor, SequenceVectorizer",
        "import skneural.plot, skneural.utils, skneural.callbacks",
        "from skneural.nn import ConvNet, RecurrentNet, Standardize, StandardizedNetwork",
    ],
)
def test_estimators_load_no_optional_module(statement):
    assert not modules_after(statement) & set(HEAVY)


def test_lazy_names_resolve():
    import skneural
    import skneural.nn

    assert skneural.ResNetClassifier.__module__ == "skneural._resnet"
    assert skneural.nn.ResNetNet.__module__ == "skneural.nn._resnet"
    assert {"CNNClassifier", "__version__"} <= set(dir(skneural))
    assert set(skneural.nn.__all__) <= set(dir(skneural.nn))
    with pytest.raises(AttributeError, match="no attribute 'CNN'"):
        skneural.CNN  # noqa: B018
    with pytest.raises(ImportError, match="cannot import name"):
        exec("from skneural.nn import Missing")
