"""Parameters declared once: default, constraint and documentation together.

A public estimator lists its parameters as :class:`Param` objects; the
:func:`declare` decorator turns the list into

- ``__init__``, keyword-only, storing every parameter verbatim (generated,
  as :mod:`dataclasses` does, so ``inspect.signature`` and scikit-learn's
  ``get_params`` see the real signature);
- ``_parameter_constraints`` for scikit-learn's validation;
- the ``Parameters`` section of the docstring, in signature order, each
  entry's ``default=`` written from the actual default, so the text and the
  signature cannot disagree.

So a parameter shared by every estimator (``lr``, ``batch_size``, ...) is
written once, in :mod:`skneural._core._training`, and a family that wants
another default or another sentence says only that (:func:`replace`).
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, field
from dataclasses import replace as _replace
from typing import Any


@dataclass(frozen=True)
class Param:
    """One estimator parameter.

    Parameters
    ----------
    name : str
        The parameter's name.
    default : object
        Its default value.
    constraints : list
        scikit-learn parameter constraints (``Interval``, ``StrOptions``, ...).
    type : str
        The numpydoc type text, without the default.
    doc : str
        The description.
    """

    name: str
    default: Any
    constraints: list = field(compare=False)
    type: str
    doc: str


def replace(params, **changes):
    """``params`` with some replaced: ``name=value`` sets a default, ``name=Param`` swaps."""
    result = []
    for param in params:
        change = changes.get(param.name, param.default)
        result.append(change if isinstance(change, Param) else _replace(param, default=change))
    unknown = set(changes) - {p.name for p in params}
    if unknown:
        raise ValueError(f"No parameters named {sorted(unknown)}.")
    return tuple(result)


def refuse_changed(estimator, params, reason: str):
    """Refuse parameters that do not apply: raise a ValueError naming the first of
    ``params`` that ``estimator`` sets to other than its default, as
    ``name=value`` followed by ``reason``."""
    for param in params:
        value = getattr(estimator, param.name)
        if value != param.default:
            raise ValueError(f"{param.name}={value!r}{reason}")


def _shown(value) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def parameter_docs(params) -> str:
    """The numpydoc ``Parameters`` entries of ``params``, unindented."""
    entries = []
    for p in params:
        head = f"{p.name} : {p.type}, default={_shown(p.default)}"
        entries.append(head + "\n" + textwrap.indent(inspect.cleandoc(p.doc), "    "))
    return "\n".join(entries)


def _substitute(doc: str, marker: str, text: str) -> str:
    """Replace each ``marker`` line of ``doc`` by ``text`` at the marker's indentation."""
    while marker in doc:
        start = doc.index(marker)
        indent = doc[doc.rfind("\n", 0, start) + 1 : start]
        block = textwrap.indent(textwrap.dedent(text).strip("\n"), indent)[len(indent) :]
        doc = doc[:start] + block + doc[start + len(marker) :]
    return doc


def fill_doc(**snippets):
    """Decorator: replace each ``%(name)s`` line of a docstring by ``snippets[name]``."""

    def decorate(obj):
        doc = obj.__doc__
        for name, text in snippets.items():
            doc = _substitute(doc, f"%({name})s", text)
        obj.__doc__ = doc
        return obj

    return decorate


def _section(title: str, text: str) -> str:
    text = textwrap.dedent(text).strip("\n")
    return f"{title}\n{'-' * len(title)}\n{text}\n\n" if text.strip() else ""


def _entries(text: str) -> str:
    """Numpydoc entries joined from several pieces, without blank lines between them."""
    return "\n".join(line for line in text.splitlines() if line.strip())


def declare(params, *, attributes: str = "", see_also: str = "", notes: str = ""):
    """Class decorator: ``__init__``, constraints and documentation from ``params``.

    The class docstring holds the summary, the description and the
    Examples; this inserts before the Examples the task's description
    (``_task_doc`` of the task base), and the Parameters (from ``params``),
    Attributes (the task's ``_task_attributes``, then ``attributes``), See
    Also and Notes sections, in numpydoc's order.
    """
    params = tuple(params)
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise ValueError(f"Parameters declared twice: {names}")

    def decorate(cls):
        cls._params = params
        cls._parameter_constraints = {p.name: p.constraints for p in params}
        cls.__init__ = _make_init(cls, params)
        task_attributes = textwrap.dedent(cls._task_attributes).strip("\n")
        intro = textwrap.dedent(cls._task_doc).strip("\n")
        sections = (
            (intro + "\n\n" if intro else "")
            + _section("Parameters", parameter_docs(params))
            + _section("Attributes", _entries(task_attributes + "\n" + textwrap.dedent(attributes)))
            + _section("See Also", see_also)
            + _section("Notes", notes)
        )
        doc = cls.__doc__
        at = doc.index("\n    Examples\n") + 1
        cls.__doc__ = doc[:at] + textwrap.indent(sections, "    ") + doc[at:]
        return cls

    return decorate


def _make_init(cls, params):
    defaults = {f"_default_{p.name}": p.default for p in params}
    signature = ", ".join(f"{p.name}=_default_{p.name}" for p in params)
    body = "\n".join(f"    self.{p.name} = {p.name}" for p in params) or "    pass"
    source = f"def __init__(self, *, {signature}):\n{body}\n"
    namespace: dict = {}
    exec(source, dict(defaults), namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = f"Store the parameters of {cls.__name__} (see the class documentation)."
    return init
