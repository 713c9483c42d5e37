"""Sphinx configuration: numpydoc API pages and a gallery built from examples/."""

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
}

html_theme = "pydata_sphinx_theme"
exclude_patterns = ["_build"]
templates_path = ["_templates"]
