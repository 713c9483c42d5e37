"""precision="auto" and channels-last memory follow the hardware (skneural._core._hardware)."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits

from skneural import CNNClassifier, LSTMClassifier, TransferClassifier
from skneural._core import _hardware
from skneural._core._hardware import native_bf16, native_bf16_cpu, resolve_precision

# a process whose torch runs as on a CPU without native bfloat16 (AVX2): ATen's
# kernels and oneDNN's instruction set capped below AVX-512
AVX2_ONLY = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


@pytest.fixture(scope="module")
def images():
    X, y = load_digits(return_X_y=True)
    return X.reshape(-1, 8, 8)[:400], y[:400]


def _first_conv_dtype(clf, X):
    seen = []
    hook = clf.module_.network.blocks[0].conv.register_forward_hook(
        lambda module, args, out: seen.append(out.dtype)
    )
    clf.predict(X[:2])
    hook.remove()
    return seen[0]


def _run(code, env=None):
    """Run ``code`` in a fresh Python process; return what it printed."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_resolve_precision_rules(monkeypatch):
    for explicit in ("32", "bf16-mixed", "16-mixed"):
        assert resolve_precision(explicit, "cpu") == explicit
    monkeypatch.setattr(_hardware, "native_bf16_cpu", lambda: True)
    assert resolve_precision("auto", "cpu") == "bf16-mixed"
    assert resolve_precision("auto", "cpu", cpu_bf16_pays=False) == "32"
    monkeypatch.setattr(_hardware, "native_bf16_cpu", lambda: False)
    assert resolve_precision("auto", "cpu") == "32"


@pytest.mark.parametrize(
    ("capability", "native"), [((7, 5), False), ((8, 0), True), ((9, 0), True)]
)
def test_cuda_bf16_from_compute_capability_8(monkeypatch, capability, native):
    # this machine may have no GPU: only the capability query is stood in for
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    assert native_bf16(torch.device("cuda", 0)) is native
    # a family that declines bfloat16 on CPUs takes it on a GPU that has it
    expected = "bf16-mixed" if native else "32"
    assert resolve_precision("auto", "cuda:0", cpu_bf16_pays=False) == expected


def test_detection_reads_the_cpu_and_the_isa_caps(monkeypatch):
    monkeypatch.setattr(_hardware, "_cpu_flag", lambda name: name == "avx512_bf16")
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    monkeypatch.delenv("DNNL_MAX_CPU_ISA", raising=False)
    assert native_bf16_cpu()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "avx512_core")  # oneDNN capped below bf16
    assert not native_bf16_cpu()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_BF16")
    assert native_bf16_cpu()
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX2")
    assert not native_bf16_cpu()  # ATen's kernels capped
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    monkeypatch.setattr(_hardware, "_cpu_flag", lambda name: False)
    assert not native_bf16_cpu()  # the CPU has neither AVX512-BF16 nor AMX
    monkeypatch.setattr(_hardware, "_cpu_flag", lambda name: name == "amx_tile")
    assert native_bf16_cpu()


def test_auto_precision_trains_and_predicts_as_the_hardware_allows(images):
    X, y = images
    clf = CNNClassifier(n_filters=8, hidden_units=32, max_epochs=3, random_state=0).fit(X, y)
    expected = "bf16-mixed" if native_bf16_cpu() else "32"
    assert clf.precision == "auto"  # the parameter is stored as given
    assert clf.net_.precision == expected
    conv_dtype = _first_conv_dtype(clf, X)
    assert conv_dtype == (torch.bfloat16 if expected == "bf16-mixed" else torch.float32)
    # seeded fits repeat exactly on one machine, in either precision
    again = CNNClassifier(n_filters=8, hidden_units=32, max_epochs=3, random_state=0).fit(X, y)
    assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_forced_fallback_trains_in_float32(images, monkeypatch):
    """A CPU without native bfloat16 trains and predicts in float32, channels-last still."""
    X, y = images
    monkeypatch.setattr(_hardware, "native_bf16_cpu", lambda: False)
    clf = CNNClassifier(n_filters=8, hidden_units=32, max_epochs=3, random_state=0).fit(X, y)
    assert clf.net_.precision == "32" and clf.net_.channels_last
    assert _first_conv_dtype(clf, X) == torch.float32
    reference = CNNClassifier(
        n_filters=8, hidden_units=32, max_epochs=3, precision="32", random_state=0
    ).fit(X, y)
    assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))


def test_a_cpu_capped_below_bf16_is_detected_in_a_real_process():
    out = _run(
        """
        from skneural._core._hardware import native_bf16_cpu
        print(native_bf16_cpu())
        """,
        env=AVX2_ONLY,
    )
    assert out.strip() == "False"


def test_a_bf16_model_predicts_in_float32_on_a_cpu_without_it(images, tmp_path):
    X, y = images
    clf = CNNClassifier(n_filters=8, hidden_units=32, max_epochs=3, random_state=0).fit(X, y)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "X.npy", X)
    out = _run(
        f"""
        import os, pickle, numpy as np
        os.chdir({str(tmp_path)!r})
        clf = pickle.loads(open("model.pkl", "rb").read())
        print(clf._prediction_precision())
        np.save("proba.npy", clf.predict_proba(np.load("X.npy")))
        """,
        env=AVX2_ONLY,
    )
    assert out.strip() == "32"
    proba = np.load(tmp_path / "proba.npy")
    # float32 predictions of the same weights: close to the bfloat16 ones
    assert_allclose(proba, clf.predict_proba(X), atol=0.05)
    assert (proba.argmax(1) == clf.predict(X)).mean() > 0.97


def test_depthwise_backbones_stay_in_float32_on_the_cpu(monkeypatch):
    monkeypatch.setattr(_hardware, "native_bf16_cpu", lambda: True)
    for arch, pays in [
        ("resnet18", True),
        ("vit_b_16", True),
        ("efficientnet_b0", False),
        ("mobilenet_v3_small", False),
    ]:
        assert TransferClassifier(arch=arch)._cpu_bf16_pays() is pays
        expected = "bf16-mixed" if pays else "32"
        assert resolve_precision("auto", "cpu", cpu_bf16_pays=pays) == expected


def test_sequences_keep_the_default_memory_format():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 2, 30)
    y = (X[:, 0, :5].mean(axis=1) > 0).astype(int)
    cnn = CNNClassifier(spatial_dims=1, max_epochs=2, random_state=0).fit(X, y)
    lstm = LSTMClassifier(hidden_units=8, dense_units=8, max_epochs=2, random_state=0).fit(X, y)
    assert not cnn.net_.channels_last and not lstm.net_.channels_last


def test_a_fit_keeps_its_step_tensors_on_the_heap():
    """glibc's thresholds are raised by the first fit of a process (skneural._core._malloc)."""
    out = _run(
        """
        import sys
        import numpy as np
        from skneural import CNNClassifier
        from skneural._core import _malloc
        before = _malloc._tuned
        X = np.random.RandomState(0).rand(40, 8, 8)
        CNNClassifier(n_filters=4, hidden_units=8, max_epochs=1).fit(X, np.arange(40) % 2)
        print(before, _malloc._tuned, sys.platform.startswith("linux"))
        """
    )
    before, after, linux = out.split()
    assert before == "False"
    if linux == "True":
        assert after == "True"
