"""Accelerator figures the pages compare against, each with its source.

These are parameters of a comparison, never hidden in a formula: pass another
`Accelerator` to compare with other hardware. Bandwidth is the memory's peak in bytes/s,
``peak_flops`` the dense (no sparsity) 16-bit matrix peak in FLOP/s, both as the vendor's
data sheet states them (10⁹ and 10¹² are decimal).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

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

    @property
    def memory_per_core(self) -> int:
        """Bytes of memory per core: the chip's memory split evenly between its cores."""
        return self.memory_bytes // self.cores

    @property
    def ridge_point(self) -> Fraction:
        """FLOPs per byte at which compute and memory take equally long: peak / bandwidth.

        A kernel of lower arithmetic intensity is bound by memory bandwidth.
        """
        return Fraction(self.peak_flops, self.bandwidth)


#: The TPU v3 chip T5 was trained on (T5 paper §3.1.2: "slices of TPU v3 Pods"): 32 GiB of
#: HBM shared by 2 TensorCores, 900 GB/s, 123 bf16 TFLOP/s (Google Cloud TPU docs, "TPU v3",
#: cloud.google.com/tpu/docs/v3).
TPU_V3 = Accelerator(
    "TPU v3", 32 * GIB, 2, "https://cloud.google.com/tpu/docs/v3", 900 * GB, 123 * TERA
)

#: TPU v4: 32 GiB HBM, 1,200 GB/s, 275 bf16 TFLOP/s per chip (cloud.google.com/tpu/docs/v4).
TPU_V4 = Accelerator(
    "TPU v4", 32 * GIB, 2, "https://cloud.google.com/tpu/docs/v4", 1200 * GB, 275 * TERA
)

_A100 = (
    "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/"
    "nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf"
)

#: NVIDIA A100 SXM data sheet: 40 GB HBM2 at 1,555 GB/s; 80 GB HBM2e at 2,039 GB/s;
#: 312 BF16 Tensor Core TFLOP/s dense (624 is with sparsity).
A100_40GB = Accelerator("A100 40GB", 40 * GIB, 1, _A100, 1555 * GB, 312 * TERA)
A100_80GB = Accelerator("A100 80GB", 80 * GIB, 1, _A100, 2039 * GB, 312 * TERA)

#: NVIDIA H100 SXM data sheet: 80 GB HBM3 at 3.35 TB/s; 1,979 BF16 TFLOP/s with sparsity,
#: half of it dense.
H100_SXM = Accelerator(
    "H100 SXM",
    80 * GIB,
    1,
    "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet",
    3350 * GB,
    989_500 * 10**9,
)

#: NVIDIA L4 data sheet: 24 GB GDDR6 at 300 GB/s; 242 BF16 TFLOP/s with sparsity, 121 dense.
L4 = Accelerator(
    "L4",
    24 * GIB,
    1,
    "https://resources.nvidia.com/en-us-data-center-overview/l4-gpu-datasheet",
    300 * GB,
    121 * TERA,
)

#: GeForce RTX 4090 (NVIDIA Ada Lovelace architecture whitepaper, appendix table): 24 GB
#: GDDR6X at 1,008 GB/s; 165.2 dense FP16/BF16 Tensor TFLOP/s with FP32 accumulate.
RTX_4090 = Accelerator(
    "RTX 4090",
    24 * GIB,
    1,
    "https://images.nvidia.com/aem-dam/Solutions/geforce/ada/nvidia-ada-gpu-architecture.pdf",
    1008 * GB,
    165_200 * 10**9,
)

#: The accelerators the serving page compares, in order.
ACCELERATORS = (A100_40GB, A100_80GB, H100_SXM, L4, RTX_4090, TPU_V3, TPU_V4)
