"""Package attributes imported from their modules on first use (PEP 562)."""

from __future__ import annotations

import importlib
import sys


def lazy_attributes(package: str, modules: dict[str, str], public: list[str]):
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``.

    ``modules`` maps each lazily loaded attribute to the module defining it;
    an attribute is imported on first access and then set on the package,
    so later look-ups skip ``__getattr__``. ``public`` (the package's
    ``__all__``) is listed by ``dir()`` before anything is loaded.
    """

    def __getattr__(name):
        if name not in modules:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(modules[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__
