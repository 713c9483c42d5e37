"""Every public estimator's docstring documents exactly its parameters, in order."""

import ast
import inspect
import re

import pytest

from skneural.utils import all_estimators


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
