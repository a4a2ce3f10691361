"""T5-11B's training memory, whole and per core of its Mesh TF layout, as Markdown (the
`memory` page).

Every number is `t5sym.views.memory`'s (weights, gradients and optimizer state from the
parameter tree; per core from `t5sym.views.layout.local_tree`); p is T5-11B's
``model_parallelism`` (`t5sym.views.layout.MODEL_PARALLELISM`), the chip `TPU_V3`.

Examples
--------
>>> from t5site import training
>>> training.weights_table().splitlines()[0]
'| dtype | t5-3b | t5-11b |'
"""

from __future__ import annotations

from functools import cache

import sympy

from t5site import tables
from t5sym.model import params, presets
from t5sym.model.algebra import integer
from t5sym.model.symbols import bytes_per_value, cores
from t5sym.views import layout, memory, printers
from t5sym.views.hardware import TPU_V3
from t5sym.views.memory import Memory
from t5sym.views.readable import gib

NAME = "t5-11b"
#: T5-11B's cores in the gin file it was trained with.
P = layout.MODEL_PARALLELISM[NAME]
#: dtype and optimizer of each setup, the cheapest first and the dearest last.
SETUPS = [("bf16", "adafactor"), ("bf16", "adam"), ("fp32", "adafactor"), ("fp32", "adam")]
WI = "encoder.block.*.layer.1.DenseReluDense.wi"
NORM = "encoder.block.*.layer.0.layer_norm"


def _config():
    return presets.get(NAME).config


@cache
def whole() -> list[Memory]:
    """T5-11B's training memory in each of `SETUPS`, the whole model."""
    return [memory.training_memory(_config(), d, o) for d, o in SETUPS]


@cache
def per_core() -> list[Memory]:
    """The same on one core of p."""
    return [memory.training_memory(_config(), d, o, cores=P) for d, o in SETUPS]


#: The rows of `leaves_table` and `whole_table`: label, the tree's view, optimizer, part.
PARTS = [
    ("weights", memory.bytes_tree, "none", "weights"),
    ("gradients", memory.bytes_tree, "adam", "gradients"),
    ("Adam state", lambda t: memory.state_tree(t, "adam"), "adam", "optimizer_state"),
    (
        "Adafactor state",
        lambda t: memory.state_tree(t, "adafactor"),
        "adafactor",
        "optimizer_state",
    ),
]


def leaves_table() -> str:
    """part | its bytes for `wi`, one RMSNorm and `shared` (each over the blocks holding
    it), as factored formulas with b bytes per value."""
    tree = params.tree(_config())
    rows = []
    for label, view, _, _ in PARTS:
        t = view(tree)
        rows.append(
            [label, *(printers.mathml(sympy.factor(t[leaf].expr)) for leaf in (WI, NORM, "shared"))]
        )
    header = ["part", "`wi` (all encoder blocks)", "one RMSNorm (all encoder blocks)", "`shared`"]
    return tables.markdown_table(rows, header)


def whole_table() -> str:
    """part | its bytes summed over T5 v1.0's tree | T5-11B in bf16 (checked equal to
    `training_memory`)."""
    c = _config()
    bf16 = {**c.values(), bytes_per_value: memory.DTYPE_BYTES["bf16"]}
    rows = []
    for label, _, optimizer, part in PARTS:
        formula = memory.formula(c, part, optimizer)
        value = integer(formula, bf16)
        assert value == getattr(memory.training_memory(c, "bf16", optimizer), part)
        rows.append([label, printers.mathml(formula), f"{value:,}"])
    return tables.markdown_table(rows, ["part", "whole model, bytes", f"{NAME} in bf16"], {2})


def factoring_table() -> str:
    """One `wi`'s shape and the moment values Adam and Adafactor keep for it; Adafactor's
    whole state as a share of Adam's (bf16)."""
    c = _config()
    r, k = (integer(d, c.values()) for d in params.tree(c)[WI].shape)
    adam, ada = (
        memory.training_memory(c, "bf16", o).optimizer_state for o in ("adam", "adafactor")
    )
    rows = [
        [f"one `wi` of {NAME}", f"{r:,} × {k:,}"],
        ["Adam's moment values for it (2 per entry)", f"{2 * r * k:,}"],
        ["Adafactor's (one per row and one per column)", f"{r + k:,}"],
        ["whole model: Adafactor's state ÷ Adam's, bf16", f"{ada / adam:.2%}"],
    ]
    return tables.markdown_table(rows, ["", "value"], right={1})


def weights_table(names: tuple[str, ...] = ("t5-3b", NAME)) -> str:
    """dtype | the weights alone, GiB and bytes, for each model."""
    rows = []
    for dtype in ("fp32", "bf16", "int8"):
        cells = [dtype]
        for name in names:
            n = memory.training_memory(presets.get(name).config, dtype, "none").weights
            cells.append(f"{gib(n)} GiB<br>{n:,} B")
        rows.append(cells)
    return tables.markdown_table(rows, ["dtype", *names], right={1, 2})


def whole_memory_table() -> str:
    """`t5site.tables.memory_table` of T5-11B in each setup, the whole model."""
    return tables.memory_table(whole())


def per_core_table() -> str:
    """`t5site.tables.memory_table` of one core of p, each setup."""
    return f"At p = {P}:\n\n{tables.memory_table(per_core())}"


def split_table() -> str:
    """bytes split over p and bytes on every core (bf16, Adafactor), as formulas and for
    T5-11B; then the worked per-core total."""
    c = _config()
    split = memory.per_core_split(c, "adafactor", "bf16")
    at = {**c.values(), cores: P}
    assert integer(split.expr, at) == per_core()[0].total
    over, on_each = integer(split.split, at), integer(split.replicated, at)
    rows = [
        ["split over the p cores", printers.mathml(split.split), f"{over:,}"],
        ["on every core", printers.mathml(split.replicated), f"{on_each:,}"],
    ]
    table = tables.markdown_table(rows, ["bytes", "formula", NAME], right={2})
    worked = f"- {NAME}, p = {P}: {over:,} / {P} + {on_each:,} = **{per_core()[0].total:,}**"
    return f"{table}\n\n{worked} bytes per core"


def hbm_table() -> str:
    """The chip's memory per core, and how much of it T5-11B's training state takes on one
    core of p (cheapest and dearest setup), and the whole model's in cores' worth."""
    hbm = TPU_V3.memory_per_core
    best, worst = per_core()[0], per_core()[-1]
    rows = [
        [f"{TPU_V3.name} HBM per chip", f"{gib(TPU_V3.memory_bytes)} GiB"],
        ["TensorCores per chip", str(TPU_V3.cores)],
        ["HBM per core", f"{gib(hbm)} GiB"],
        [f"p = {P}, {best.dtype}, {best.optimizer}: share of a core", f"{best.total / hbm:.0%}"],
        [f"p = {P}, {worst.dtype}, {worst.optimizer}: share of a core", f"{worst.total / hbm:.0%}"],
        ["whole model, fp32, Adam: cores' worth", f"{whole()[-1].total / hbm:.1f}"],
    ]
    return tables.markdown_table(rows, ["", "value"], right={1})


def takeaways_table() -> str:
    """T5-11B in bf16: the optimizer state's share with Adafactor and Adam; one core's share
    of the whole against 1/p; fp32 against bf16 per core with Adafactor."""
    ada, adam = whole()[0], whole()[1]
    rows = [
        ["optimizer state of the total, bf16, Adafactor", f"{ada.optimizer_state / ada.total:.2%}"],
        ["optimizer state of the total, bf16, Adam", f"{adam.optimizer_state / adam.total:.0%}"],
        [
            f"one core of p = {P}, of the whole (bf16, Adafactor)",
            f"{per_core()[0].total / ada.total:.3%}",
        ],
        ["1/p", f"{1 / P:.3%}"],
        [
            "per core, fp32 / bf16, Adafactor (GiB)",
            f"{gib(per_core()[2].total)} / {gib(per_core()[0].total)}",
        ],
    ]
    return tables.markdown_table(rows, [NAME, "value"], right={1})
