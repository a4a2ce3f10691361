"""Diffusers pipelines: which components are T5-family models (folders written here)."""

from __future__ import annotations

from pathlib import Path

from t5sym.views.pipelines import is_pipeline

from .test_inspect import pipeline


def test_is_pipeline(tmp_path: Path) -> None:
    root, _ = pipeline(tmp_path)
    assert is_pipeline(root) and is_pipeline(root / "model_index.json")
    assert not is_pipeline(root / "text_encoder_2") and not is_pipeline(tmp_path / "none")
