"""skneural/__init__.pyi shows type checkers and IDEs every public estimator's signature.

``declare`` generates each estimator's ``__init__`` at import, which tools
that read the source without running it (pyright and Pylance, mypy, jedi)
cannot see: they offer no parameter names and flag ``CNNClassifier(lr=0.1)``
as a call with an unknown argument. The stub declares the same classes, on
the same bases, with the signature ``declare`` generates. It is written from
the declared parameters, with the types their scikit-learn constraints
allow, by running this file (``python tests/test_stub.py``), and the tests
below fail, saying so, when it is out of date.
"""

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import skneural

STUB = Path(__file__).resolve().parents[1] / "skneural" / "__init__.pyi"

HEADER = '''"""The signatures of skneural's public classes, for type checkers and IDEs.

Each estimator's ``__init__`` is generated at import from its declared
parameters (``skneural._core._params.declare``), so tools that read the
source without running it see none; this stub declares it. Written by
``python tests/test_stub.py``: do not edit.
"""
'''


def _literal(value) -> str:
    """``value`` as source text in the style ruff formats it (double-quoted strings)."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple):
        items = [_literal(item) for item in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    text = repr(value)
    ast.literal_eval(text)  # a default a stub can spell (None, numbers, booleans, ...)
    return text


def _annotation(constraints) -> str:
    """The type a stub gives a parameter, read from its scikit-learn constraints."""
    from numbers import Integral

    from sklearn.utils._param_validation import Interval, Options

    kinds = []
    for constraint in constraints:
        if constraint is None:
            kind = "None"
        elif constraint is callable:
            kind = "Callable[..., Any]"
        elif isinstance(constraint, Interval):
            kind = "int" if constraint.type is Integral else "float"
        elif isinstance(constraint, Options):  # StrOptions too
            kind = f"Literal[{', '.join(_literal(v) for v in sorted(constraint.options))}]"
        elif isinstance(constraint, type):
            module = constraint.__module__
            kind = (
                constraint.__name__ if module == "builtins" else f"{module}.{constraint.__name__}"
            )
        else:
            kind = _NAMED.get(constraint, "Any")
        if kind not in kinds:
            kinds.append(kind)
    return " | ".join(kinds)


# scikit-learn's constraints given by name, as types
_NAMED = {
    "boolean": "bool",
    "random_state": "int | numpy.random.RandomState | None",
    "verbose": "int | bool",
}


def stub_text() -> str:
    """The stub of ``skneural``: declared estimators with their signature, the rest imported."""
    public = [getattr(skneural, name) for name in skneural.__all__ if name != "__version__"]
    declared = [cls for cls in public if "_params" in vars(cls)]
    # the declared estimators' bases, and the other public classes re-exported
    # (``import X as X``: a stub's plain imports are private)
    imports = {}
    for cls in public:
        if cls in declared:
            for base in cls.__bases__:
                imports.setdefault(base.__module__, {})[base.__name__] = base.__name__
        else:
            imports.setdefault(cls.__module__, {})[cls.__name__] = (
                f"{cls.__name__} as {cls.__name__}"
            )
    lines = [
        HEADER,
        "import os",
        "from collections.abc import Callable",
        "from typing import Any, Literal",
        "",
        "import numpy",
        "import torch",
        "",
    ]
    for module in sorted(imports):
        listed = ", ".join(text for _, text in sorted(imports[module].items()))
        lines.append(f"from {module} import {listed}")
    lines.append("")
    lines.append("__version__: str")
    lines += ["__all__ = [", *(f'    "{name}",' for name in skneural.__all__), "]"]
    for cls in declared:
        bases = ", ".join(base.__name__ for base in cls.__bases__)
        lines += ["", f"class {cls.__name__}({bases}):", "    def __init__(", "        self,"]
        lines.append("        *,")
        lines += [
            f"        {p.name}: {_annotation(p.constraints)} = {_literal(p.default)},"
            for p in cls._params
        ]
        lines.append("    ) -> None: ...")
    return "\n".join(lines) + "\n"


def test_the_stub_is_up_to_date():
    # compared as syntax trees: the file is the generated text formatted by ruff
    assert ast.dump(ast.parse(STUB.read_text())) == ast.dump(ast.parse(stub_text())), (
        "skneural/__init__.pyi is out of date: run python tests/test_stub.py to rewrite it"
    )


def test_the_stub_declares_the_signatures_python_sees():
    """Read back as a type checker reads it, the stub has each estimator's real signature."""
    tree = ast.parse(STUB.read_text())
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    exported = {
        alias.asname
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname
    }
    for name in skneural.__all__:
        cls = getattr(skneural, name)
        if name == "__version__" or "_params" not in vars(cls):
            assert name == "__version__" or name in exported, name
            continue
        (init,) = [f for f in classes[name].body if isinstance(f, ast.FunctionDef)]
        args = init.args
        assert not args.args[1:] and not args.vararg and not args.kwarg
        stub = {
            arg.arg: ast.literal_eval(d)
            for arg, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
        }
        signature = inspect.signature(cls)
        assert all(p.kind is p.KEYWORD_ONLY for p in signature.parameters.values())
        assert list(stub) == list(signature.parameters), name
        assert stub == {n: p.default for n, p in signature.parameters.items()}, name
        assert [ast.unparse(b) for b in classes[name].bases] == [b.__name__ for b in cls.__bases__]


if __name__ == "__main__":
    STUB.write_text(stub_text())
    subprocess.run([sys.executable, "-m", "ruff", "format", str(STUB)], check=True)
    print(f"wrote {STUB}", file=sys.stderr)
