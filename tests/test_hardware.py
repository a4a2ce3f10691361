"""Accelerator figures: TPU v3, 32 GiB of HBM per chip, 2 TensorCores (cloud.google.com/tpu)."""

from __future__ import annotations

from t5sym.hardware import TPU_V3


def test_tpu_v3_memory_per_core() -> None:
    assert TPU_V3.memory_per_core == 16 * 1024**3
    assert TPU_V3.source.startswith("https://cloud.google.com/tpu")
