"""Every public estimator's docstring documents exactly its parameters, in order.

And every public class and function has a doctested example and an API page.
"""

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from skneural.utils import all_estimators

ROOT = Path(__file__).resolve().parents[1]
# the public modules and what docs/api.rst lists of each (the estimators
# through the registry, written into the page at build time by docs/conf.py)
MODULES = ["skneural", "skneural.nn", "skneural.plot", "skneural.utils", "skneural.callbacks"]


def public_objects():
    return [
        (f"{module}.{name}", getattr(importlib.import_module(module), name))
        for module in MODULES
        for name in importlib.import_module(module).__all__
        if not name.startswith("_")
    ]


def documented_parameters(doc: str) -> list[str]:
    """Names of the entries of a numpydoc docstring's Parameters section."""
    section = re.search(r"\n *Parameters\n *-+\n(.*?)(?:\n\n *\w[\w ]*\n *-+\n|\Z)", doc, re.S)
    assert section, "no Parameters section"
    indent = min(len(line) - len(line.lstrip()) for line in section.group(1).splitlines() if line)
    return [
        line.strip().split(" : ")[0]
        for line in section.group(1).splitlines()
        if line.strip() and len(line) - len(line.lstrip()) == indent
    ]


@pytest.mark.parametrize("name, Estimator", all_estimators())
def test_docstring_lists_exactly_the_parameters(name, Estimator):
    signature = [
        p for p in inspect.signature(Estimator.__init__).parameters.values() if p.name != "self"
    ]
    assert documented_parameters(Estimator.__doc__) == [p.name for p in signature]
    for p in signature:
        entry = re.search(rf"\n *{p.name} : (.*)\n", Estimator.__doc__).group(1)
        shown = entry.rsplit("default=", 1)[-1]
        assert ast.literal_eval(shown) == p.default, (p.name, entry)


@pytest.mark.parametrize("name, Estimator", all_estimators())
def test_docstring_has_the_numpydoc_sections_in_order(name, Estimator):
    titles = re.findall(r"\n *(\w[\w ]*)\n *-{3,}\n", Estimator.__doc__)
    order = ["Parameters", "Attributes", "See Also", "Notes", "Examples"]
    assert titles == [t for t in order if t in titles]
    assert {"Parameters", "Attributes", "Examples"} <= set(titles)


def test_docstring_check_catches_a_mismatch():
    class Documented:
        """Something.

        Parameters
        ----------
        a : int, default=1
            A.
        b : int, default=2
            B.

        Returns
        -------
        x : int
        """

    assert documented_parameters(Documented.__doc__) == ["a", "b"]


@pytest.mark.parametrize("name, obj", public_objects())
def test_public_object_has_a_doctested_example(name, obj):
    # the Examples are run by pytest's --doctest-modules, as every docstring is
    titles = re.findall(r"\n *(\w[\w ]*)\n *-{3,}\n", obj.__doc__ or "")
    assert "Examples" in titles, f"{name} has no Examples section"
    examples = obj.__doc__.split("Examples\n", 1)[1]
    assert ">>> " in examples, f"{name}'s Examples hold no doctest"


def test_api_page_lists_every_public_object():
    api = (ROOT / "docs" / "api.rst").read_text()
    listed = {}  # module -> names in its autosummary blocks
    for module, block in re.findall(
        r"currentmodule:: (\S+)\n(.*?)(?=\n\.\. currentmodule|\Z)", api, re.S
    ):
        listed.setdefault(module, set()).update(re.findall(r"^   (\w+)$", block, re.M))
    estimators = {name for name, _ in all_estimators()}
    for name, _ in public_objects():
        module, short = name.rsplit(".", 1)
        if module == "skneural":  # docs/conf.py lists the registry's estimators
            assert short in estimators, name
        else:
            assert short in listed.get(module, ()), f"{name} is not in docs/api.rst"
