"""The exception family (t5sym.errors): what each bad input raises."""

from __future__ import annotations

from pathlib import Path

import pytest

import t5sym
from t5sym.errors import ConfigError, NodeError, PresetError, T5SymError


def test_one_family_of_value_errors() -> None:
    assert t5sym.T5SymError is T5SymError
    assert issubclass(T5SymError, ValueError)
    for cls in (ConfigError, PresetError, NodeError):
        assert issubclass(cls, T5SymError)


def test_each_bad_input_raises_its_class(tmp_path: Path) -> None:
    with pytest.raises(PresetError):
        t5sym.load("t5-3bb")
    with pytest.raises(ConfigError):
        t5sym.from_hf(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError):
        t5sym.from_hf(tmp_path / "bad.json")
    with pytest.raises(NodeError):
        t5sym.formula(t5sym.load("t5-3b"), "lm_head")
