"""The documentation builds: offline, warnings as errors, the gallery executed.

The user guide's snippets are doctests that pytest collects from docs/*.rst
(``--doctest-glob`` in pyproject.toml); this test builds the site itself, as
``python -m sphinx -W --keep-going -b html docs docs/_build/html`` would, in a
copy of docs/ and examples/ so that every example runs afresh (sphinx-gallery
skips examples whose output it finds from an earlier build) and the source
tree is left as it was.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import skneural
import skneural.callbacks
import skneural.nn
import skneural.plot
import skneural.utils

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.py"))
BUILD_OUTPUTS = shutil.ignore_patterns(
    "_build", "generated", "auto_examples", "sg_execution_times.rst", "__pycache__"
)


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    for package in ("sphinx", "numpydoc", "sphinx_gallery", "pydata_sphinx_theme", "matplotlib"):
        pytest.importorskip(package)
    source = tmp_path_factory.mktemp("docs_source")
    shutil.copytree(ROOT / "docs", source / "docs", ignore=BUILD_OUTPUTS)
    shutil.copytree(ROOT / "examples", source / "examples", ignore=BUILD_OUTPUTS)
    out = source / "html"
    env = dict(os.environ)
    env.pop("SKNEURAL_DOCS_INTERSPHINX", None)  # the build must not need the network
    # document the skneural these tests import, wherever it is installed
    package_root = str(Path(skneural.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs", str(out)],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return out


def images_of(page):
    """Paths of the images a built page shows, relative to the build directory."""
    sources = re.findall(r'<img[^>]*\bsrc="([^"]+)"', page.read_text())
    return [(page.parent / src).resolve() for src in sources if not src.startswith("data:")]


def test_site_pages(html):
    guide = [f"user_guide/{p.stem}" for p in (ROOT / "docs" / "user_guide").glob("*.rst")]
    for page in ["index", "install", "api", "architecture", *guide]:
        assert (html / f"{page}.html").exists(), page
    # every public name has its API page (the estimators' from the registry)
    public = [f"skneural.{name}" for name in skneural.__all__ if name != "__version__"]
    for module in (skneural.nn, skneural.plot, skneural.utils, skneural.callbacks):
        public += [f"{module.__name__}.{name}" for name in module.__all__]
    missing = [name for name in public if not (html / "generated" / f"{name}.html").exists()]
    assert not missing, f"not in docs/api.rst: {missing}"
    # numpydoc rendered the docstrings without leaving reST errors on the pages
    for name in public:
        page = (html / "generated" / f"{name}.html").read_text()
        assert "problematic" not in page and "system-message" not in page, name


def test_gallery_executed_with_images(html):
    assert EXAMPLES
    index = html / "auto_examples" / "index.html"
    shown = images_of(index)
    for name in EXAMPLES:
        page = html / "auto_examples" / f"{name}.html"
        assert page.exists(), name
        # the example ran: its printed output is on the page
        assert "sphx-glr-script-out" in page.read_text(), name
        assert any(p.name == f"sphx_glr_{name}_thumb.png" for p in shown), name
        for image in images_of(page):
            assert image.is_file(), image
    for image in shown:
        assert image.is_file(), image
