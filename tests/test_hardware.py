"""Accelerator figures: TPU v3, 32 GiB of HBM per chip, 2 TensorCores (cloud.google.com/tpu)."""

from __future__ import annotations

from t5sym.sources import SOURCES
from t5sym.views.hardware import ACCELERATORS, TPU_V3


def test_tpu_v3_memory_per_core() -> None:
    assert TPU_V3.memory_per_core == 16 * 1024**3
    assert TPU_V3.source.startswith("https://cloud.google.com/tpu")


def test_tpu_v3_chip_memory_is_32_gib() -> None:
    # Cloud TPU docs, "TPU v3": 32 GiB of HBM per chip, 2 TensorCores
    assert TPU_V3.memory_bytes == 32 * 2**30 and TPU_V3.cores == 2


def test_every_figure_cites_a_register_entry() -> None:
    for acc in ACCELERATORS:
        assert acc.key in SOURCES and acc.source == SOURCES[acc.key].href, acc.name
    assert TPU_V3.key == "tpu-v3"
