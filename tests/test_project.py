"""The project's promises about itself."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import skneural

ROOT = Path(__file__).resolve().parents[1]


def readme_commands():
    block = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    return [line.strip() for chunk in block for line in chunk.splitlines() if line.strip()]


def test_quick_start_is_two_commands():
    commands = readme_commands()
    assert len(commands) == 2
    main_job, tests = commands
    assert main_job.startswith("pip install .") and "examples/" in main_job
    assert (ROOT / main_job.split("python ")[-1]).exists()
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in [line.strip() for line in ci]


def test_public_api():
    assert set(skneural.__all__) == {
        "CNNClassifier",
        "CNNRegressor",
        "LSTMClassifier",
        "LSTMRegressor",
        "SequenceVectorizer",
        "ResNetClassifier",
        "ResNetRegressor",
        "TransferClassifier",
        "TransferRegressor",
        "__version__",
    }
    assert skneural.__version__


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]])
def test_ruff(command):
    pytest.importorskip("ruff")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
