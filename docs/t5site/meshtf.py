"""Mesh TensorFlow's layout of T5-Large, T5-3B and T5-11B as Markdown (`why-d-ff` page).

Every cell is read from `t5sym.views.sharding` (the presets on the cores they were trained
on, `t5sym.views.layout.MODEL_PARALLELISM`) and `t5sym.views.counterfactual.grow_d_model`
(the same sizes reached by growing d_model); figures are per token (B = S = T = 1).

Examples
--------
>>> from t5site import meshtf
>>> meshtf.split_table().splitlines()[0]
'| preset | p | d_ff / p | heads / p (heads·d_kv / p) | V / p | d_model |'
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import sympy
from sympy import Expr

from t5site import tables
from t5sym.model.algebra import split_over
from t5sym.model.symbols import (
    MEANING,
    batch,
    bytes_per_value,
    cores,
    d_ff,
    d_kv,
    d_model,
    decoder_length,
    encoder_length,
    num_heads,
    num_layers,
    vocab_size,
)
from t5sym.views import layout, memory, printers, sharding
from t5sym.views.counterfactual import Alternative, grow_d_model
from t5sym.views.readable import approx
from t5sym.views.sharding import Shard

#: One token through each stack: the per-token figures.
PER_TOKEN = {batch: 1, encoder_length: 1, decoder_length: 1}
#: The two presets grown in d_model on the "road not taken".
BIG = ("t5-3b", "t5-11b")
#: Each block quantity's letter in the formulas: F (FLOPs), A (bytes all-reduced),
#: C (bytes each core sends), R (FLOPs per byte sent).
LETTERS = {"flops_per_core": "F", "allreduce_bytes": "A", "bytes_sent_per_core": "C", "ratio": "R"}
STACKS = {"encoder": "enc", "decoder": "dec"}


@cache
def shards() -> dict[str, Shard]:
    """T5-Large, T5-3B and T5-11B on the cores they were trained on."""
    return sharding.mesh_tf_presets()


@cache
def alternatives() -> dict[str, Alternative]:
    """Each preset beside the model of its size grown in d_model (`grow_d_model`)."""
    return {name: grow_d_model(name) for name in shards()}


def _int(n: int) -> str:
    return f"{n:,}"


def _whole(x: object) -> str:
    return f"{float(x):,.0f}"


def notation_table() -> str:
    """symbol | name in t5sym | meaning | its value for each preset on its cores."""
    shown = [
        d_model,
        d_ff,
        num_heads,
        d_kv,
        num_layers,
        vocab_size,
        batch,
        encoder_length,
        decoder_length,
        cores,
        bytes_per_value,
    ]
    values = {n: sharding.point(s.config, s.cores) for n, s in shards().items()}
    rows = [
        [printers.mathml(s), f"`{s.name}`", MEANING[s], *(_int(v[s]) for v in values.values())]
        for s in shown
    ]
    header = ["symbol", "name in t5sym", "meaning", *shards()]
    return tables.markdown_table(rows, header, right={3, 4, 5})


def split_table() -> str:
    """preset | p | each split dimension divided by p (d_ff, heads, their inner width,
    vocabulary) | d_model, which every core holds whole."""
    rows = []
    for name, s in shards().items():
        c, local = s.config, s.local_dims
        rows.append(
            [
                f"`{name}`",
                str(s.cores),
                f"**{local['d_ff']:,}**",
                f"**{local['num_heads']}** ({_int(local['inner_dim'])} wide)",
                _int(local["vocab_size"]),
                _int(c.d_model),
            ]
        )
    header = ["preset", "p", "d_ff / p", "heads / p (heads·d_kv / p)", "V / p", "d_model"]
    return tables.markdown_table(rows, header, right=set(range(1, 6)))


def _cell(expr: Expr) -> str:
    return printers.mathml(sympy.factor(expr), display=True) if expr != 0 else "0"


def weights_table(stack: str = "encoder") -> str:
    """weights | split axis | parameters per core | FLOPs per core per token | values
    all-reduced, one row per kind of weight of a block (weights with equal cells share it)."""
    rows: dict[tuple[str, ...], list[str]] = {}
    for w in sharding.weight_layouts(stack=stack):
        reduced = w.allreduce_values
        cells = (
            f"`{w.split}`" if w.split else "none",
            _cell(w.parameters_per_core),
            _cell(w.flops_per_core.xreplace(PER_TOKEN)),
            printers.mathml(reduced.xreplace(PER_TOKEN)) if reduced is not None else "none",
        )
        local = w.name.split(".", 5)[-1]  # drop "encoder.block.*.layer.<i>."
        rows.setdefault(cells, []).append(f"`{local}`")
    out = []
    for cells, names in rows.items():
        counted = [
            f"{n} ×{names.count(n)}" if names.count(n) > 1 else n for n in dict.fromkeys(names)
        ]
        out.append(["<br>".join(counted), *cells])
    header = ["weights", "split", "parameters per core", "FLOPs per core", "all-reduced"]
    return tables.markdown_table(out, header)


@cache
def _parameters_split() -> tuple[Expr, Expr]:
    # T5 v1.0 has equal depths: L stands for both stacks, as on the formulas page
    total = sharding.layout_tree("parameters_per_core").total
    split = split_over(total, cores, equal_depths=True)
    return split.split / cores + split.replicated, split.expr


def parameters_formula() -> str:
    """N_core, the parameters each core holds: the split ones over p plus the replicated."""
    return printers.mathml(sympy.Eq(sympy.Symbol("N_core"), _parameters_split()[1]), True)


def _worked(expr: Expr, label: Callable[[str, Shard], str]) -> str:
    return "\n".join(
        f"- {tables.worked(expr, sharding.point(s.config, s.cores), label(n, s))}"
        for n, s in shards().items()
    )


def parameters_worked() -> str:
    """N_core worked for each preset on its cores, as a list."""
    return _worked(_parameters_split()[0], lambda n, s: f"`{n}` on p = {s.cores}")


def parameters_table() -> str:
    """preset | parameters per core | replicated on every core | float32 GiB per core."""
    fp32 = memory.DTYPE_BYTES["fp32"]
    rows = [
        [
            f"`{n}`",
            approx(s.parameters_per_core),
            _int(s.replicated_per_core),
            f"{s.parameters_per_core * fp32 / 2**30:.2f} GiB",
        ]
        for n, s in shards().items()
    ]
    header = ["preset", "parameters per core", "replicated", "float32 weights per core"]
    return tables.markdown_table(rows, header, right={1, 2, 3})


def block_formula(quantity: str, stack: str = "encoder") -> str:
    """One block's ``quantity`` (a key of `LETTERS`) as a displayed equation, factored."""
    lay = sharding.block(stack=stack)
    expr = getattr(lay, quantity)
    shown = expr if quantity in ("allreduce_bytes", "ratio") else sympy.factor(expr)
    name = f"{LETTERS[quantity]}_{STACKS[stack]}"
    return printers.mathml(sympy.Eq(sympy.Symbol(name), shown), display=True)


def block_worked(quantity: str, stack: str = "encoder") -> str:
    """One block's ``quantity`` per token, worked for each preset on its cores."""
    expr = getattr(sharding.block(stack=stack), quantity).xreplace(PER_TOKEN)
    if quantity == "allreduce_bytes":
        return _worked(expr, lambda n, s: f"`{n}`, {stack} block")
    return _worked(expr, lambda n, s: f"`{n}` on p = {s.cores}")


def communication_table() -> str:
    """preset | p | all-reduces per block | bytes all-reduced and sent per core per token
    (encoder / decoder block) | the ring all-reduce's factor 2(p − 1)/p."""
    rows = []
    for name, s in shards().items():
        enc, dec = s.blocks["encoder"], s.blocks["decoder"]
        ring = layout.RING_FACTOR.subs(cores, s.cores)
        rows.append(
            [
                f"`{name}`",
                str(s.cores),
                f"{enc.allreduces} / {dec.allreduces}",
                f"{enc.allreduce_bytes:,} / {dec.allreduce_bytes:,}",
                f"{_whole(enc.bytes_sent_per_core)} / {_whole(dec.bytes_sent_per_core)}",
                f"{float(ring):.3g}",
            ]
        )
    header = [
        "preset",
        "p",
        "all-reduces (enc / dec block)",
        "bytes all-reduced per token",
        "bytes sent per core per token",
        "ring factor 2(p − 1)/p",
    ]
    return tables.markdown_table(rows, header, right={1, 2, 3, 4, 5})


def block_identity() -> str:
    """N_block, the weights of one encoder block, and R_enc written with it (checked equal
    to the ratio of the formulas above)."""
    leaves = [
        n
        for n in sharding.layout_tree("parameters")
        if n.is_leaf and n.kind == "linear" and n.name.startswith("encoder.block.*.")
    ]
    n_block = sympy.Add(*(n.expr / n.repeat for n in leaves))
    symbol = sympy.Symbol("N_block")
    identity = symbol / (2 * bytes_per_value * (cores - 1) * d_model)
    ratio = sharding.block(stack="encoder").ratio
    assert sympy.simplify(identity.subs(symbol, n_block) - ratio) == 0  # derived, checked
    return "\n".join(
        [
            printers.mathml(sympy.Eq(symbol, sympy.factor(n_block)), display=True),
            printers.mathml(sympy.Eq(sympy.Symbol("R_enc"), identity), display=True),
        ]
    )


def ratio_table() -> str:
    """preset | p | FLOPs per core per byte each core sends, encoder and decoder block."""
    rows = [
        [
            f"`{n}`",
            str(s.cores),
            _whole(s.blocks["encoder"].ratio),
            _whole(s.blocks["decoder"].ratio),
        ]
        for n, s in shards().items()
    ]
    header = ["preset", "p", "FLOPs per byte sent (encoder block)", "(decoder block)"]
    return tables.markdown_table(rows, header, right={1, 2, 3})


def grown_solution() -> str:
    """The parameter formula with d_ff = 4·d_model and heads·d_kv = d_model set equal to N,
    and its positive root in d_model (`sympy.solve`)."""
    equation = alternatives()["t5-3b"].equation
    (width,) = equation.free_symbols
    general = sympy.Eq(equation.lhs, sympy.Symbol("N", positive=True))
    (root,) = sympy.solve(general, width)
    return "\n".join(printers.mathml(e, display=True) for e in (general, sympy.Eq(width, root)))


def grown_table() -> str:
    """preset | its parameters N | the root d_model | rounded to a multiple of d_kv (d_kv in
    brackets), with the grown model's heads, d_ff and parameters."""
    rows = []
    for name, a in alternatives().items():
        g = a.grown.config
        rows.append(
            [
                f"`{name}`",
                _int(a.original.parameters),
                f"{a.d_model:,.1f} → **{g.d_model:,}** ({g.d_kv})",
                str(g.num_heads),
                _int(g.d_ff),
                _int(a.grown.parameters),
            ]
        )
    header = ["preset", "N", "d_model: root → rounded (d_kv)", "heads", "d_ff", "parameters"]
    return tables.markdown_table(rows, header, right=set(range(1, 6)))


#: The rows of `comparison_table`: label and the cell of one sharded model.
QUANTITIES: list[tuple[str, Callable[[Shard], str]]] = [
    ("cores p", lambda s: str(s.cores)),
    ("d_model", lambda s: _int(s.config.d_model)),
    ("d_ff", lambda s: _int(s.config.d_ff)),
    ("heads × d_kv", lambda s: f"{s.config.num_heads} × {s.config.d_kv}"),
    ("parameters", lambda s: approx(s.parameters)),
    ("d_ff / p on each core", lambda s: _int(s.local_dims["d_ff"])),
    ("heads / p on each core", lambda s: str(s.local_dims["num_heads"])),
    ("parameters per core", lambda s: approx(s.parameters_per_core)),
    ("FLOPs per core (encoder block)", lambda s: _int(s.blocks["encoder"].flops_per_core)),
    ("bytes all-reduced (encoder block)", lambda s: _int(s.blocks["encoder"].allreduce_bytes)),
    (
        "bytes sent per core (encoder block)",
        lambda s: _whole(s.blocks["encoder"].bytes_sent_per_core),
    ),
    ("FLOPs per byte sent", lambda s: _whole(s.blocks["encoder"].ratio)),
]


def _against(a: Alternative) -> list[tuple[str, str, str]]:
    """(label, as released, grown) rows: the grown model against the released one."""
    o, g = a.original.blocks["encoder"], a.grown.blocks["encoder"]
    root = a.at_root()
    return [
        ("work per core ÷ as released", "", f"{g.flops_per_core / o.flops_per_core:g}×"),
        ("bytes all-reduced ÷ as released", "", f"{g.allreduce_bytes / o.allreduce_bytes:g}×"),
        ("FLOPs per byte sent: fewer by", "", f"{float(o.ratio / g.ratio):g}×"),
        ("d_model at the exact root", "", f"{a.d_model:,.1f}"),
        (
            "work per core at the root ÷ as released",
            "",
            f"{root['flops_per_core'] / o.flops_per_core:.3f}×",
        ),
        (
            "bytes at the root ÷ as released",
            "",
            f"{root['allreduce_bytes'] / o.allreduce_bytes:.3f}×",
        ),
    ]


def comparison_table() -> str:
    """T5-3B and T5-11B as released beside their grown-d_model twins, on the same cores:
    shapes, work and traffic per token, and the grown model's factors against the original."""
    alts = [alternatives()[n] for n in BIG]
    rows = [
        [label, *(get(s) for a in alts for s in (a.original, a.grown))] for label, get in QUANTITIES
    ]
    against = [_against(a) for a in alts]
    for i, (label, *_) in enumerate(against[0]):
        rows.append([label, *(cell for a in against for cell in a[i][1:])])
    header = [""] + [h for n in BIG for h in (f"`{n}`", "grown")]
    return tables.markdown_table(rows, header, right={1, 2, 3, 4})


def most_cores_table() -> str:
    """preset | the most cores one copy can be split over (p divides the heads, d_ff and
    V), as released and with d_model grown | heads."""
    rows = []
    for name, a in alternatives().items():
        o, g = a.original.config, a.grown.config
        rows.append(
            [
                f"`{name}`",
                str(layout.most_cores(o)),
                str(layout.most_cores(g)),
                f"{o.num_heads} / {g.num_heads}",
                str(a.cores),
            ]
        )
    header = [
        "preset",
        "most cores, as released",
        "d_model grown",
        "heads (released / grown)",
        "trained on p",
    ]
    return tables.markdown_table(rows, header, right={1, 2, 3, 4})


def summary_table() -> str:
    """The page in figures, one column per preset: cores, what each core holds and does per
    token, and what growing d_model instead would change."""
    rows: list[list[str]] = []

    def row(label: str, get: Callable[[str, Shard], str]) -> None:
        rows.append([label, *(get(n, s) for n, s in shards().items())])

    row("trained on p cores", lambda n, s: str(s.cores))
    row("d_ff / p on each core", lambda n, s: _int(s.local_dims["d_ff"]))
    row(
        "heads / p × d_kv on each core",
        lambda n, s: f"{s.local_dims['num_heads']} × {s.config.d_kv} = {s.local_dims['inner_dim']}",
    )
    row("FLOPs per core, encoder block", lambda n, s: _int(s.blocks["encoder"].flops_per_core))
    row(
        "all-reduces per block (enc / dec)",
        lambda n, s: f"{s.blocks['encoder'].allreduces} / {s.blocks['decoder'].allreduces}",
    )
    row("bytes all-reduced, encoder block", lambda n, s: _int(s.blocks["encoder"].allreduce_bytes))
    alts = alternatives()
    row("d_model grown instead", lambda n, s: _int(alts[n].grown.config.d_model))
    row("bytes all-reduced, grown ÷ as released", lambda n, s: f"{_bytes_factor(alts[n])}×")
    row(
        "heads, as released / grown",
        lambda n, s: f"{s.config.num_heads} / {alts[n].grown.config.num_heads}",
    )
    return tables.markdown_table(rows, ["", *shards()], right={1, 2, 3})


def _bytes_factor(a: Alternative) -> int:
    return a.grown.blocks["encoder"].allreduce_bytes // a.original.blocks["encoder"].allreduce_bytes
