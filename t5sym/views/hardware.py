"""Accelerator figures the pages compare against, each with its source.

These are parameters of a comparison, never hidden in a formula: pass another
`Accelerator` to compare with other hardware. Bandwidth is the memory's peak in bytes/s,
``peak_flops`` the dense (no sparsity) 16-bit matrix peak in FLOP/s, both as the vendor's
data sheet states them (10⁹ and 10¹² are decimal). Each figure's source is an entry of
`t5sym.sources` (``key``); ``source`` is that entry's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from t5sym.errors import T5SymError
from t5sym.model.checks import positive_int, shown, text
from t5sym.sources import SOURCES

GIB = 2**30
GB = 10**9
TERA = 10**12


@dataclass(frozen=True)
class Accelerator:
    """One accelerator chip: its memory, how many cores share it, its bandwidth and peak."""

    name: str
    memory_bytes: int
    cores: int
    source: str
    bandwidth: int = 0
    peak_flops: int = 0
    key: str = ""

    def __post_init__(self) -> None:
        text("name", self.name, "a string")
        text("source", self.source, "a string")
        text("key", self.key, "a string")
        object.__setattr__(self, "memory_bytes", positive_int("memory_bytes", self.memory_bytes))
        object.__setattr__(self, "cores", positive_int("cores", self.cores))
        for field in ("bandwidth", "peak_flops"):  # 0: not known
            value = getattr(self, field)
            if value != 0 or isinstance(value, bool):
                object.__setattr__(self, field, positive_int(field, value))

    @property
    def memory_per_core(self) -> int:
        """Bytes of memory per core: the chip's memory split evenly between its cores."""
        return self.memory_bytes // self.cores

    @property
    def ridge_point(self) -> Fraction:
        """FLOPs per byte at which compute and memory take equally long: peak / bandwidth.

        A kernel of lower arithmetic intensity is bound by memory bandwidth.
        """
        if not self.bandwidth:
            raise T5SymError(f"bandwidth: not known for {shown(self.name)}")
        return Fraction(self.peak_flops, self.bandwidth)


def _chip(name: str, memory: int, cores: int, key: str, bandwidth: int, peak: int) -> Accelerator:
    return Accelerator(name, memory, cores, SOURCES[key].href, bandwidth, peak, key)


#: The TPU v3 chip T5 was trained on (slices of TPU v3 Pods: `t5sym.sources`
#: ``t5-paper-hardware``, T5 paper §2.1): 32 GiB of HBM shared by 2 TensorCores, 900 GB/s,
#: 123 bf16 TFLOP/s (``tpu-v3``, Cloud TPU docs "TPU v3").
TPU_V3 = _chip("TPU v3", 32 * GIB, 2, "tpu-v3", 900 * GB, 123 * TERA)

#: TPU v4: 32 GiB HBM, 1,200 GB/s, 275 bf16 TFLOP/s per chip (``tpu-v4``).
TPU_V4 = _chip("TPU v4", 32 * GIB, 2, "tpu-v4", 1200 * GB, 275 * TERA)

#: NVIDIA A100 SXM data sheet (``a100``): 40 GB HBM2 at 1,555 GB/s; 80 GB HBM2e at
#: 2,039 GB/s; 312 BF16 Tensor Core TFLOP/s dense (624 is with sparsity).
A100_40GB = _chip("A100 40GB", 40 * GIB, 1, "a100", 1555 * GB, 312 * TERA)
A100_80GB = _chip("A100 80GB", 80 * GIB, 1, "a100", 2039 * GB, 312 * TERA)

#: NVIDIA H100 SXM data sheet (``h100``): 80 GB HBM3 at 3.35 TB/s; 1,979 BF16 TFLOP/s with
#: sparsity, half of it dense.
H100_SXM = _chip("H100 SXM", 80 * GIB, 1, "h100", 3350 * GB, 989_500 * 10**9)

#: NVIDIA L4 data sheet (``l4``): 24 GB GDDR6 at 300 GB/s; 242 BF16 TFLOP/s with sparsity,
#: 121 dense.
L4 = _chip("L4", 24 * GIB, 1, "l4", 300 * GB, 121 * TERA)

#: GeForce RTX 4090 (``rtx-4090``, NVIDIA Ada Lovelace architecture whitepaper, appendix
#: table): 24 GB GDDR6X at 1,008 GB/s; 165.2 dense FP16/BF16 Tensor TFLOP/s with FP32
#: accumulate.
RTX_4090 = _chip("RTX 4090", 24 * GIB, 1, "rtx-4090", 1008 * GB, 165_200 * 10**9)

#: The accelerators the serving page compares, in order.
ACCELERATORS = (A100_40GB, A100_80GB, H100_SXM, L4, RTX_4090, TPU_V3, TPU_V4)
