"""Accelerator figures the pages compare against, each with its source.

These are parameters of a comparison, never hidden in a formula: pass another
`Accelerator` to compare with other hardware.
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = 2**30


@dataclass(frozen=True)
class Accelerator:
    """One accelerator chip: its memory and how many cores share it."""

    name: str
    memory_bytes: int
    cores: int
    source: str

    @property
    def memory_per_core(self) -> int:
        """Bytes of memory per core: the chip's memory split evenly between its cores."""
        return self.memory_bytes // self.cores


#: The TPU v3 chip T5 was trained on (T5 paper §3.1.2: "slices of TPU v3 Pods"): 32 GiB of
#: HBM shared by 2 TensorCores (Google Cloud TPU docs, "TPU v3", cloud.google.com/tpu/docs/v3).
TPU_V3 = Accelerator("TPU v3", 32 * GIB, 2, "https://cloud.google.com/tpu/docs/v3")
