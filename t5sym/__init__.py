"""t5sym: exact, symbolic parameter counts of T5-family models, derived from their layers.

>>> import t5sym
>>> t5sym.count(t5sym.load("t5-3b")).total
2851598336

The views (`flops`, `memory`, `sharding`, `inference`, ...) are imported on first use, so
``import t5sym`` costs little more than ``import sympy``.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import symbols
from .config import Config, from_hf
from .errors import ConfigError, NodeError, PresetError, T5SymError
from .params import Count, count, formula, tree
from .presets import PRESETS, get, load

#: Names imported on first use: (module, attribute or None for the module itself).
_LAZY = {
    "activations": ("activations", None),
    "flops": ("flops", None),
    "formats": ("formats", None),
    "gpt": ("gpt", None),
    "inference": ("inference", None),
    "inspect": ("inspect", None),
    "pipelines": ("pipelines", None),
    "layout": ("layout", None),
    "memory": ("memory", None),
    "printers": ("printers", None),
    "report": ("report", None),
    "sharding": ("sharding", None),
    "FlopCount": ("flops", "FlopCount"),
    "count_flops": ("flops", "count_flops"),
    "Memory": ("memory", "Memory"),
    "training_memory": ("memory", "training_memory"),
    "Shard": ("sharding", "Shard"),
    "shard": ("sharding", "shard"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 't5sym' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = importlib.import_module(f".{module}", __name__)
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
