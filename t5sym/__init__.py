"""t5sym: exact, symbolic parameter counts of T5-family models, derived from their layers.

>>> import t5sym
>>> t5sym.count(t5sym.load("t5-3b")).total
2851598336

Three layers, one folder each: `t5sym.model` (configs, presets, symbols and the tree of
parts with their roles), `t5sym.views` (maps over that tree: FLOPs, memory, caches,
formats, files, sharding) and `t5sym.cli` (the command). The views are imported on first
use, so ``import t5sym`` costs little more than ``import sympy``.
"""

from __future__ import annotations

import importlib
from typing import Any

from t5sym.errors import ConfigError, NodeError, PresetError, T5SymError
from t5sym.model import symbols
from t5sym.model.config import Config, from_hf
from t5sym.model.params import Count, count, formula, tree
from t5sym.model.presets import PRESETS, get, load

#: Names imported on first use: name -> (module, attribute or None for the module itself).
_LAZY = {
    "views": ("t5sym.views", None),
    "cli": ("t5sym.cli", None),
    "FlopCount": ("t5sym.views.flops", "FlopCount"),
    "count_flops": ("t5sym.views.flops", "count_flops"),
    "Memory": ("t5sym.views.memory", "Memory"),
    "training_memory": ("t5sym.views.memory", "training_memory"),
    "Shard": ("t5sym.views.sharding", "Shard"),
    "shard": ("t5sym.views.sharding", "shard"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 't5sym' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = importlib.import_module(module)
    return value if attribute is None else getattr(value, attribute)


__all__ = [
    "PRESETS",
    "Config",
    "ConfigError",
    "Count",
    "NodeError",
    "PresetError",
    "T5SymError",
    "count",
    "formula",
    "from_hf",
    "get",
    "load",
    "symbols",
    "tree",
    *_LAZY,
]
__version__ = "0.1.0"
