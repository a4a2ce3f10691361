"""The model: a config read as transformers reads it, the presets, the symbols, and the
tree of parts built once per config, each node with its role (`t5sym.model.roles`).

Each module is imported on first use: ``t5sym.model.gemma`` after ``import t5sym``.
"""

from t5sym.lazy import loader

MODULES = (
    "algebra", "checks", "config", "files", "gemma", "gemma2", "nodes", "params", "presets",
    "result", "roles", "symbols",
)  # fmt: skip
__getattr__ = loader(__name__, MODULES)
