"""t5sym: exact, symbolic parameter counts of T5 models, derived from their layers.

>>> import t5sym
>>> t5sym.count(t5sym.load("t5-3b")).total
2851598336
"""

from __future__ import annotations

from . import symbols
from .config import Config, from_hf
from .errors import ConfigError, NodeError, PresetError, T5SymError
from .params import Count, count, formula, tree
from .presets import PRESETS, get, load

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
]
__version__ = "0.1.0"
