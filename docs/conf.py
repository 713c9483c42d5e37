"""Sphinx configuration: numpydoc API pages and a gallery built from examples/.

The build needs no network: ``python -m sphinx -W --keep-going -b html docs
docs/_build/html`` (tests/test_docs.py runs exactly that). Set
``SKNEURAL_DOCS_INTERSPHINX=1`` to link into the Python, scikit-learn, PyTorch
and skorch documentation, whose inventories are fetched over the network.
"""

import os

import skneural

project = "skneural"
author = "The skneural developers"
copyright = "2026, the skneural developers"
release = skneural.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Intersphinx fetches the other projects' inventories over the network, which
# a CI runner or an offline laptop does not have (each failed fetch is a
# warning, an error under -W). Links into those projects are made on request.
intersphinx_mapping = {}
if os.environ.get("SKNEURAL_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "torch": ("https://pytorch.org/docs/stable", None),
        "skorch": ("https://skorch.readthedocs.io/en/stable", None),
    }

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py",  # run every example, not only plot_*.py
    "download_all_examples": False,
    # An example that raises fails the build instead of rendering its traceback.
    "abort_on_example_error": True,
}

html_theme = "pydata_sphinx_theme"
# the default, "skneural 0.1.0.dev0 documentation", ran into the navigation bar
html_title = f"skneural {version}"
html_theme_options = {"logo": {"text": "skneural"}}
html_static_path = ["_static"]
html_css_files = ["custom.css"]
exclude_patterns = ["_build"]
templates_path = ["_templates"]


def _quote_attribute_names_in_types(app, what, name, obj, options, lines):
    """Stopgap for a docstring bug in skneural, to drop once the docstrings are fixed.

    ``feature_names_in_ : ndarray of shape (n_features_in_,)`` (skneural/_docs.py,
    the "fitted" snippet of the CNN and ResNet estimators, and skneural/_lstm.py,
    ``_FITTED``, of the LSTM ones) reads to reStructuredText as a link to a
    target named ``n_features_in``: "Unknown target name" on every estimator's
    page. The fix in the docstrings is scikit-learn's spelling,
    ``(`n_features_in_`,)``; this hook applies it to the docstring text before
    numpydoc renders it, and does nothing once it is there.
    """
    for i, line in enumerate(lines):
        lines[i] = line.replace("(n_features_in_,)", "(`n_features_in_`,)")


def setup(app):
    # numpydoc renders docstrings at the default priority (500): run before it.
    app.connect("autodoc-process-docstring", _quote_attribute_names_in_types, priority=100)
