"""Serving and fine-tuning T5 at a length: the tables of ``docs/how-to/serve-and-fine-tune.md``.

Each function is one table, from `t5sym.views.inference` and `t5sym.views.activations`;
GB are 10⁹ bytes, MiB 2²⁰.

Examples
--------
>>> import t5sym
>>> from t5site.serving import serving_table
>>> print(serving_table({"t5-small": t5sym.load("t5-small")}))
| model | weights | both caches | activation peak | total |
|---|---:|---:|---:|---:|
| t5-small | 0.12 GB | 0.01 GB | 0.03 GB | 0.16 GB |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

import t5sym
from t5site import charts, tables
from t5sym.cli.report import approx
from t5sym.model.config import Config
from t5sym.model.roles import Role
from t5sym.model.symbols import batch, bytes_per_value, decoder_length, encoder_length
from t5sym.views import activations, hardware, inference, memory, readable
from t5sym.views.readable import decimals

#: One sequence of T5's own input length and its targets rounded up, in bf16.
ONE = {"batch": 1, "encoder_length": 512, "decoder_length": 128, "dtype": "bf16"}
#: What the figure says to a screen reader.
FIGURE_LABEL = (
    "stacked memory in bf16 against the encoder length: the weights dominate up to a few "
    "thousand tokens, then the attention scores of the activation peak and the "
    "cross-attention cache grow"
)
#: What linzhiqiu/t2v_metrics#5 reports clip-flant5-xxl and -xl to take when loaded, MiB.
CLIP_XXL_MIB = 22_394
CLIP_XL_MIB = 6_900


def gb(n: int) -> str:
    """Bytes as GB (10⁹), two decimals, exactly."""
    return f"{readable.gb(n)} GB"


def mib(n: int) -> str:
    """Bytes as MiB (2²⁰), no decimals, exactly."""
    return f"{decimals(Fraction(n, 2**20), 0)} MiB"


def _run(config: Config, **workload) -> inference.Inference:
    w = {**ONE, **workload}
    return inference.inference(
        config, w["batch"], w["encoder_length"], w["decoder_length"], w["dtype"]
    )


def serving_table(configs: Mapping[str, Config], **workload) -> str:
    """model | weights | both caches | activation peak | total, in GB (`inference.inference`)."""
    rows = []
    for name, config in configs.items():
        r = _run(config, **workload)
        parts = (r.weights_bytes, r.kv_cache_bytes, r.activation_peak_bytes, r.total_bytes)
        rows.append([name, *(gb(n) for n in parts)])
    header = ["model", "weights", "both caches", "activation peak", "total"]
    return tables.markdown_table(rows, header, {1, 2, 3, 4})


def cache_formulas() -> str:
    """The self- and cross-attention caches as formula tabs, one after the other."""
    tree = inference.cache_tree()
    return "\n\n".join(
        tables.formula_tabs(inference.cache_part(tree, k)) for k in ("self", "cross")
    )


def memory_figure(config: Config, lengths: Sequence[int]) -> str:
    """`charts.serving_memory_svg` as an accessible figure."""
    svg = charts.serving_memory_svg(config, lengths)
    label = f"{config.name}: {FIGURE_LABEL}"
    return f'<figure markdown="0" role="img" aria-label="{label}">{svg}</figure>'


def crossover_table(configs: Mapping[str, Config]) -> str:
    """model | S where the caches reach the weights | S where the encoder's peak does
    (`inference.solve_length`, T = S/4, batch 1, bf16)."""
    rows = []
    for name, c in configs.items():
        v = {**c.values(), batch: 1, bytes_per_value: 2}
        weights = memory.bytes_tree(t5sym.tree(c)).total.subs(v)
        caches = inference.cache_tree(c).total.subs(v).subs(decoder_length, encoder_length / 4)
        peak = inference.encoder_peak(c).subs(v)
        found = (inference.solve_length(e, weights) for e in (caches, peak))
        rows.append([name, *(f"{float(s):,.0f}" for s in found)])  # a root: irrational
    header = ["model", "S where caches = weights", "S where encoder peak = weights"]
    return tables.markdown_table(rows, header, {1, 2})


def generation_table(configs: Mapping[str, Config], **workload) -> str:
    """model | FLOPs of ``generate()`` with the cache | without | their ratio."""
    rows = []
    for name, config in configs.items():
        r = _run(config, **workload)
        ratio = Fraction(r.uncached_generation_flops, r.generation_flops)
        rows.append(
            [
                name,
                approx(r.generation_flops),
                approx(r.uncached_generation_flops),
                f"{decimals(ratio, 1)}×",
            ]  # fmt: skip
        )
    header = ["model", "FLOPs, cached", "FLOPs, no cache", "ratio"]
    return tables.markdown_table(rows, header, {1, 2, 3})


def decoding_table(config: Config, batches: tuple[int, int] = (1, 64)) -> str:
    """accelerator (its source) | ridge point | a step's arithmetic intensity at two batches |
    the last step's lower bound at the first batch (`t5sym.views.hardware`)."""
    small, large = (_run(config, batch=b) for b in batches)
    rows = [
        [
            f"{acc.name} ([](src:{acc.key}))",
            f"{float(acc.ridge_point):,.0f}",
            f"{float(small.intensity):.2f} / {float(large.intensity):.1f}",
            f"{1000 * float(small.step_seconds(acc)):.1f} ms",
        ]
        for acc in hardware.ACCELERATORS
    ]
    header = ["accelerator", "ridge (FLOPs/byte)", f"intensity, batch {batches[0]} / "
              f"{batches[1]}", "last step ≥"]  # fmt: skip
    return tables.markdown_table(rows, header, {1, 2, 3})


def fine_tuning_table(runs: Mapping[str, int], **lengths: int) -> str:
    """model, batch | weights + grads + state | activations | checkpointed | total, in bf16
    with Adafactor (`activations.fine_tuning_memory`); ``runs`` maps a preset to its batch."""
    rows = []
    for name, b in runs.items():
        c = t5sym.load(name)
        plain, ckpt = (
            activations.fine_tuning_memory(
                c, "bf16", "adafactor", batch=b, checkpointing=k, **{**_LENGTHS, **lengths}
            )  # fmt: skip
            for k in (False, True)
        )
        parts = (plain.memory.total, plain.activations_bytes, ckpt.activations_bytes, plain.total)
        rows.append([f"{name}, B = {b}", *(gb(n) for n in parts)])
    header = ["model, batch", "weights + grads + state", "activations", "checkpointed", "total"]
    return tables.markdown_table(rows, header, {1, 2, 3, 4})


_LENGTHS = {"encoder_length": 512, "decoder_length": 128}


def wo_bytes(config: Config) -> int:
    """Bytes that keeping every feed-forward output projection ``wo`` in float32 adds to a
    16-bit model: 2 per parameter of the nodes with role `Role.WO`."""
    tree = t5sym.tree(config)
    n = sum(node.expr for node in tree if node.is_leaf and node.role == Role.WO)
    return 2 * int(n.subs(config.values()))


def reports_table(xxl: Config, xl: Config) -> str:
    """report | reported | computed | what the computed figure is: published memory of
    Flan-T5-XXL and -XL (and the CLIP-FlanT5 models built on them) against their weights."""
    w_xxl, w_xl = _run(xxl).weights_bytes, _run(xl).weights_bytes
    wo = wo_bytes(xxl)
    rows = [
        ["Flan-T5-XXL loaded in fp16 ([](src:report-langchain))", "22 GB",
         f"{gb(w_xxl)} ({mib(w_xxl)})", "the weights alone, in 16 bits"],
        ["clip-flant5-xxl, to load ([](src:report-t2v-metrics))", f"{CLIP_XXL_MIB:,} MiB",
         f"{gb(w_xxl)} ({mib(w_xxl)})", "the weights alone, in 16 bits"],
        ["Flan-T5-XXL in fp16, `wo` kept in float32", "",
         f"+{gb(wo)} ({mib(wo)}), {gb(w_xxl + wo)} in all",
         "every `wo` in 4 bytes instead of 2"],
        ["clip-flant5-xl ([](src:report-t2v-metrics))", f"{CLIP_XL_MIB} MiB", mib(w_xl),
         "Flan-T5-XL's weights in 16 bits; the CLIP part is not counted"],
    ]  # fmt: skip
    return tables.markdown_table(rows, ["report", "reported", "computed", "what is computed"])
