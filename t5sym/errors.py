"""The one exception family t5sym raises for bad input."""

from __future__ import annotations


class T5SymError(ValueError):
    """Bad input: the message is one line that names the field and the problem."""


class ConfigError(T5SymError):
    """A config (file, folder or dict) that is missing, unreadable or invalid."""


class PresetError(T5SymError):
    """A name that is neither a preset nor an existing path."""


class NodeError(T5SymError):
    """A module name that is not a node of the tree."""
