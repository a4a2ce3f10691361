"""t5sym: exact, symbolic parameter counts of T5 models, derived from their layers.

>>> import t5sym
>>> t5sym.count(t5sym.load("t5-3b")).total
2851598336
"""

from __future__ import annotations

from . import flops, gpt, layout, memory, sharding, symbols
from .config import Config, from_hf
from .errors import ConfigError, NodeError, PresetError, T5SymError
from .flops import FlopCount, count_flops
from .memory import Memory, training_memory
from .params import Count, count, formula, tree
from .presets import PRESETS, get, load
from .sharding import Shard, shard

__all__ = [
    "PRESETS",
    "Config",
    "ConfigError",
    "Count",
    "FlopCount",
    "Memory",
    "NodeError",
    "PresetError",
    "Shard",
    "T5SymError",
    "count",
    "count_flops",
    "flops",
    "formula",
    "from_hf",
    "get",
    "gpt",
    "layout",
    "load",
    "memory",
    "shard",
    "sharding",
    "symbols",
    "training_memory",
    "tree",
]
__version__ = "0.1.0"
