"""Sphinx configuration: numpydoc API pages and a gallery built from examples/.

The build needs no network: ``python -m sphinx -W --keep-going -b html docs
docs/_build/html`` (tests/test_docs.py runs exactly that). Set
``SKNEURAL_DOCS_INTERSPHINX=1`` to link into the Python, scikit-learn, PyTorch
and skorch documentation, whose inventories are fetched over the network.
"""

import os
import re

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
    # A cell ending in a Display's from_estimator shows the figure, not the
    # "<...Display object at 0x...>" that sphinx-gallery would print as its repr.
    "ignore_repr_types": r"skneural\.plot\..*Display'",
}

html_theme = "pydata_sphinx_theme"
# the default, "skneural 0.1.0.dev0 documentation", ran into the navigation bar
html_title = f"skneural {version}"
html_theme_options = {"logo": {"text": "skneural"}}
html_static_path = ["_static"]
html_css_files = ["custom.css"]
exclude_patterns = ["_build"]
templates_path = ["_templates"]


def _write_registry_lists():
    """Write the API page's lists of estimators and transformers from the registry.

    ``api.rst`` includes ``_api_registry.rst``, written here from
    :func:`skneural.utils.all_estimators` at every build, so a new public
    estimator gets its API page without being listed by hand.
    """
    from skneural.utils import all_estimators

    supervised = dict(all_estimators(type_filter=["classifier", "regressor"]))
    transformers = [n for n, _ in all_estimators("transformer") if n not in supervised]
    blocks = []
    for title, names in (("Estimators", sorted(supervised)), ("Transformers", transformers)):
        entries = "\n".join(f"   {name}" for name in names)
        blocks.append(
            f"{title}\n{'-' * len(title)}\n\n.. currentmodule:: skneural\n\n"
            f".. autosummary::\n   :toctree: generated/\n   :template: class.rst\n\n{entries}\n"
        )
    path = os.path.join(os.path.dirname(__file__), "_api_registry.rst")
    with open(path, "w") as f:
        f.write("\n".join(blocks))


_write_registry_lists()
# the generated lists are read through api.rst's include, not as a page of their own
exclude_patterns.append("_api_registry.rst")
autosummary_generate = ["api.rst", "_api_registry.rst"]


def _sklearn_labels_as_text(app, what, name, obj, options, lines):
    """Keep the text of scikit-learn's references to its own user guide.

    The estimators' pages show the methods they inherit from scikit-learn
    (``score``, ``get_params``, ...), whose docstrings refer to labels of
    scikit-learn's documentation (``:ref:`accuracy <accuracy_score>```). Those
    resolve only through intersphinx; in the offline build they would be
    undefined-label warnings, so they become plain text.
    """
    if intersphinx_mapping or not getattr(obj, "__module__", "").startswith("sklearn."):
        return
    lines[:] = [re.sub(r":ref:`([^`<]+?)\s*<[^`>]+>`", r"\1", line) for line in lines]


def _skip_fitted_attributes(app, what, name, obj, skip, options):
    """Leave the fitted attributes (``classes_``, ``history_``, ...) to the Attributes section.

    They are properties on the estimators; listed again among the methods,
    each would appear twice on its class's page.
    """
    if what == "class" and isinstance(obj, property) and name.endswith("_"):
        return True
    return None


def setup(app):
    app.connect("autodoc-process-docstring", _sklearn_labels_as_text)
    app.connect("autodoc-skip-member", _skip_fitted_attributes)
