"""Submodules imported on first use: ``t5sym.views.flops`` after ``import t5sym``.

>>> import t5sym
>>> t5sym.views.flops.__name__
't5sym.views.flops'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from types import ModuleType


def loader(package: str, modules: Iterable[str]) -> Callable[[str], ModuleType]:
    """A package's ``__getattr__``: imports ``package.name`` for each of `modules`."""
    names = frozenset(modules)

    def __getattr__(name: str) -> ModuleType:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return importlib.import_module(f"{package}.{name}")

    return __getattr__
