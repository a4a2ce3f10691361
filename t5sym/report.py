"""Report tables built from results: plain text for the command line, Markdown for the site.

Numbers are printed exact first, then readable (``2,851,598,336`` then ``2.85 B``); every
cell comes from a result or a tree the library computed. Text tables fit 80 columns.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from sympy import Expr, Symbol

from . import flops, formats, memory, params, presets
from .algebra import Number, evaluate
from .config import Config
from .flops import FlopCount
from .formats import Weights
from .memory import Memory
from .params import Count
from .printers import latex, mathml, python, srepr
from .sharding import Shard
from .tree import Node, Tree

_UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))


def approx(n: Number) -> str:
    """A readable size beside the exact one: 2851598336 -> ``2.85 B`` (any size, no float).

    Examples
    --------
    >>> from t5sym.report import approx
    >>> approx(2851598336), approx(10**400)
    ('2.85 B', '1.00e+388 T')
    """
    for scale, unit in _UNITS:
        if abs(n) >= scale:
            value = Decimal(n.numerator) / Decimal(n.denominator) if isinstance(n, Fraction) else n
            return f"{Decimal(value) / scale:.3g} {unit}"
    return f"{float(n):.3g}" if isinstance(n, Fraction) else str(n)


def number(n: int) -> str:
    """The exact integer with thousands separators, then the readable one if it is large."""
    return f"{n:,} (≈ {approx(n)})" if abs(n) >= 1000 else f"{n:,}"


def ratio(x: Fraction | int | None, digits: int = 3) -> str:
    """An exact ratio to ``digits`` decimals, or ``n/a`` (no communication on one core)."""
    if x is None:
        return "n/a"
    x = Fraction(x)
    return f"{Decimal(x.numerator) / Decimal(x.denominator):,.{digits}f}"


def table(
    rows: Sequence[Sequence[str]],
    header: Sequence[str],
    right: set[int] | None = None,
    gap: int = 2,
) -> str:
    """A plain aligned text table (columns in ``right`` aligned right, ``gap`` spaces apart)."""
    right = right or set()
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        cells = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs)
        return (" " * gap).join(cells).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def breakdown_rows(
    tree: Tree, numbers: Mapping[str, int], max_depth: int | None = None, *, markdown: bool = False
) -> list[list[str]]:
    """Rows "module | count | share of the total" for a tree's nodes, depth first.

    Names are indented by depth (or, with ``markdown``, set as code); ``numbers`` is what
    `t5sym.tree.Tree.evaluate` returns (key ``""``: the total).
    """
    total = numbers[""] or 1
    return [
        [
            f"`{node.name}`" if markdown else "  " * (depth - 1) + node.name,
            f"{numbers[node.name]:,}",
            f"{numbers[node.name] / total:.2%}",
        ]
        for depth, node in tree.root.depths()
        if depth and (max_depth is None or depth <= max_depth)
    ]


# --- Markdown and HTML: layout for the docs site ------------------------------------------


def markdown_table(
    rows: Sequence[Sequence[str]], header: Sequence[str], right: set[int] | None = None
) -> str:
    """A Markdown (pipe) table; columns in ``right`` are aligned right.

    Cells are written as given, so they may hold inline HTML such as MathML; a ``|`` in a
    cell is escaped.
    """
    right = right or set()

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", r"\|") for c in cells) + " |"

    rule = ["---:" if i in right else "---" for i in range(len(header))]
    return "\n".join([line(header), "|" + "|".join(rule) + "|", *map(line, rows)])


def tabs(panes: Mapping[str, str]) -> str:
    """Content tabs in pymdownx.tabbed's syntax: ``=== "title"`` then the pane, indented."""
    blocks = []
    for title, body in panes.items():
        indented = "\n".join(f"    {s}" if s else "" for s in body.splitlines())
        blocks.append(f'=== "{title}"\n\n{indented}\n')
    return "\n".join(blocks)


def fenced(text: str, language: str = "text") -> str:
    """A fenced code block (the site adds a copy button to each)."""
    return f"```{language}\n{text}\n```"


def formula_tabs(expr: Expr) -> str:
    """``expr`` as tabs: Rendered (MathML) | LaTeX | Python | SymPy (srepr), each copyable."""
    return tabs(
        {
            "Rendered": mathml(expr, display=True),
            "LaTeX": fenced(latex(expr), "latex"),
            "Python": fenced(python(expr), "python"),
            "SymPy": fenced(srepr(expr), "python"),
        }
    )


def worked(expr: Expr, values: Mapping[Symbol, Number], label: str = "") -> str:
    """A worked number in Markdown: each symbol's value, then the exact result.

    e.g. ``t5-3b: `d_model` = 1,024, `vocab_size` = 32,128 → **32,899,072**``.
    """
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    given = ", ".join(f"`{s.name}` = {values[s]:,}" for s in symbols)
    result = evaluate(expr, values)
    shown = f"{result:,}" if isinstance(result, int) else str(result)
    head = f"{label}: " if label else ""
    return f"{head}{given} → **{shown}**" if given else f"{head}**{shown}**"


# --- Text reports of the command line (80 columns) ----------------------------------------


def describe(config: Config) -> str:
    """Two lines: the config's name and where it came from, then its dims."""
    c = config
    head = "tied" if c.tie_word_embeddings else "untied"
    return (
        f"{c.name or 'config'}: d_model={c.d_model} d_ff={c.d_ff} num_heads={c.num_heads} "
        f"d_kv={c.d_kv} (num_heads*d_kv={c.inner_dim})\n  layers={c.num_layers}/"
        f"{c.num_decoder_layers} vocab_size={c.vocab_size} "
        f"buckets={c.relative_attention_num_buckets} ffn={c.feed_forward_proj} lm_head={head}"
    )


def tree_rows(
    tree: Tree, numbers: Mapping[str, int], keep: Callable[[int, Node], bool] | None = None
) -> list[list[str]]:
    """Rows "module | number | share" as an indented tree of short names (80 columns).

    Each name is shown relative to the row above it in the tree (``q`` under
    ``...SelfAttention``); ``keep(depth, node)`` filters rows. The full names are the keys
    of ``--json --breakdown``.
    """
    total = numbers[""] or 1
    rows = []

    def walk(node: Node, depth: int, shown_depth: int, parent: str) -> None:
        for child in node.children:
            kept = keep is None or keep(depth, child)
            if kept:
                prefix = f"{parent}." if parent else ""
                name = child.name[len(prefix) :]
                if not child.name.startswith(prefix):  # block 0's bias under block.*
                    name = f"{child.short} (in {_block_of(child.name)} only)"
                value = numbers[child.name]
                rows.append(["  " * shown_depth + name, f"{value:,}", f"{value / total:.2%}"])
            walk(
                child,
                depth + 1,
                shown_depth + 1 if kept else shown_depth,
                child.name if kept else parent,
            )

    walk(tree.root, 0, 0, "")
    return rows


def _block_of(name: str) -> str:
    """``block.0`` for a name inside one block (``encoder.block.0.layer.0...``)."""
    parts = name.split(".")
    return ".".join(parts[1:3]) if len(parts) > 2 and parts[1] == "block" else parts[0]


def count_text(result: Count, *, breakdown: bool = False) -> str:
    """`t5sym count`: the two totals, the described model first; with the tree."""
    seq2seq = ("T5ForConditionalGeneration", result.total)
    enc = ("T5EncoderModel (encoder only)", result.encoder_only_total)
    first, second = (enc, seq2seq) if result.config.encoder_only else (seq2seq, enc)
    rows = [[label, f"{n:,}", approx(n)] for label, n in (first, second)]
    lines = [describe(result.config), "", table(rows, ["model", "parameters", "≈"], {1, 2})]
    if breakdown:
        encoder_only = result.config.encoder_only
        numbers = result.encoder_only_breakdown if encoder_only else result.breakdown
        tree = params.tree(result.config, encoder_only=encoder_only)
        rows = tree_rows(tree, numbers)
        lines += ["", table(rows, ["module", "parameters", "share"], {1, 2})]
    return "\n".join(lines)


def presets_rows() -> list[list[str]]:
    """One row per preset: dims and the exact total."""
    rows = []
    for name, p in presets.PRESETS.items():
        c = p.config
        rows.append(
            [
                name,
                str(c.d_model),
                str(c.d_ff),
                f"{c.num_heads}×{c.d_kv}",
                f"{c.num_layers}/{c.num_decoder_layers}",
                str(c.vocab_size),
                c.feed_forward_proj,
                f"{params.count(c).total:,}",
            ]
        )
    return rows


def presets_text() -> str:
    """`t5sym list`: every preset's dims and exact total."""
    header = ["preset", "d_model", "d_ff", "heads×d_kv", "layers", "vocab", "ffn", "parameters"]
    return table(presets_rows(), header, {1, 2, 3, 4, 5, 7}, gap=1)


def presets_dict() -> dict[str, dict]:
    """`t5sym list --json`: each preset's config fields, Hub id, source and total."""
    return {
        name: {
            **p.config.to_dict(),
            "hub_id": p.hub_id,
            "source": p.source,
            "total": params.count(p.config).total,
        }
        for name, p in presets.PRESETS.items()
    }


def _flops_keep(depth: int, node: Node) -> bool:
    """The stacks, their attention and FFN modules, and lm_head."""
    return depth == 0 or (bool(node.children) and all(c.is_leaf for c in node.children))


def flops_text(result: FlopCount, *, breakdown: bool = False) -> str:
    """`t5sym flops`: forward and training FLOPs, the rules of thumb, the parts."""
    r = result
    lengths = f"S={r.encoder_length}" + ("" if r.encoder_only else f", T={r.decoder_length}")
    stacks = "2·B·N_enc·S" if r.encoder_only else "2·B·(N_enc·S + N_dec·T)"
    naive = ratio(r.naive_ratio)
    summary = [
        ["forward", f"{r.forward:,}", approx(r.forward), ""],
        ["training (3 × forward)", f"{r.training:,}", approx(r.training), ""],
        ["2·N per token", f"{r.naive:,}", approx(r.naive), naive],
        ["6·N per token (training)", f"{r.naive_training:,}", approx(r.naive_training), naive],
        [stacks, f"{r.per_side:,}", approx(r.per_side), ratio(r.ratio)],
    ]
    excess = [[k, f"{n:,}", f"{n / r.forward:.2%}"] for k, n in r.excess.items()]
    tree = flops.forward_tree(r.config, r.encoder_only)
    parts = tree_rows(tree, r.breakdown, None if breakdown else _flops_keep)
    return "\n".join(
        [
            describe(r.config),
            f"{r.model}, B={r.batch}, {lengths}: {r.tokens:,} tokens; N={r.parameters:,}",
            "FLOPs of matrix products, 2 per multiply-add (as torch's FlopCounterMode)",
            "",
            table(summary, ["", "FLOPs", "≈", "ours/rule"], {1, 2, 3}),
            "",
            table(excess, [f"forward − {stacks}", "FLOPs", "share"], {1, 2}),
            "",
            table(parts, ["module", "forward FLOPs", "share"], {1, 2}),
        ]
    )


def memory_text(result: Memory) -> str:
    """`t5sym memory`: bytes of weights, gradients and optimizer state (GiB and GB)."""
    m = result
    rows = [
        [label, f"{n:,}", f"{n / 2**30:,.2f}", f"{n / 10**9:,.2f}"]
        for label, n in (
            ("weights", m.weights),
            ("gradients", m.gradients),
            ("optimizer state", m.optimizer_state),
            ("total", m.total),
        )
    ]
    where = "whole model" if m.cores is None else f"one core of {m.cores} (Mesh TF layout)"
    return "\n".join(
        [
            describe(m.config),
            f"{where}; dtype={m.dtype} optimizer={m.optimizer}",
            *textwrap.wrap(memory.OPTIMIZERS[m.optimizer].doc, 78),
            f"state: {m.state_tensors:,} tensors, {m.state_scalars:,} Python ints",
            "",
            table(rows, ["part", "bytes", "GiB", "GB"], {1, 2, 3}),
            "not counted: activations and temporaries",
        ]
    )


def shard_text(result: Shard) -> str:
    """`t5sym shard`: per-core dims, parameters and FLOPs, per-block communication."""
    s, dims = result, result.local_dims
    whole = [
        ["parameters", f"{s.parameters:,}", f"{s.parameters_per_core:,}"],
        ["  of which replicated", "", f"{s.replicated_per_core:,}"],
        ["matmul FLOPs per token", f"{s.flops_per_token:,}", f"{s.flops_per_token_per_core:,}"],
    ]
    stacks = list(s.blocks)
    quantities = [
        ("FLOPs per core", lambda b: f"{b.flops_per_core:,}"),
        ("all-reduces", lambda b: str(b.allreduces)),
        ("bytes all-reduced", lambda b: f"{b.allreduce_bytes:,}"),
        ("bytes sent per core (ring)", lambda b: ratio(b.bytes_sent_per_core, 1)),
        ("FLOPs per byte sent", lambda b: ratio(b.ratio, 1)),
    ]
    blocks = [[label, *(get(s.blocks[k]) for k in stacks)] for label, get in quantities]
    return "\n".join(
        [
            describe(s.config),
            f"on {s.cores} cores: num_heads, d_ff and vocab_size split, d_model whole",
            f"(Mesh TF layout); {s.bytes_per_value} bytes per value. Each core: num_heads "
            f"{dims['num_heads']},",
            f"num_heads*d_kv {dims['inner_dim']}, d_ff {dims['d_ff']}, "
            f"vocab_size {dims['vocab_size']}",
            "",
            table(whole, ["", "whole model", "per core"], {1, 2}),
            "",
            table(blocks, ["per token, one block", *stacks], {1, 2}),
            "",
            f"bytes all-reduced per token by the embedding lookups: "
            f"{s.embedding_allreduce_bytes:,}; by the loss: {s.loss_allreduce_bytes:,}",
            "per token: B = S = T = 1; a ring all-reduce sends 2(p-1)/p of the bytes per core",
        ]
    )


def _bytes_row(label: str, n: int) -> list[str]:
    return [label, f"{n:,}", f"{n / 2**30:,.2f}", f"{n / 10**9:,.2f}"]


def weights_text(result: Weights) -> str:
    """`t5sym weights`: bytes per storage and per part in one format (GiB and GB)."""
    w, fmt = result, formats.FORMATS[result.format]
    main = fmt.per_value
    tensors = Counter()
    for counts in w.storages.values():
        tensors.update(counts)
    rows = [
        [s, f"{tensors[s]:,}", f"{n:,}", f"{n / w.total:.2%}"]
        for s, n in sorted(w.by_storage.items(), key=lambda kv: -kv[1])
    ]
    tree = formats.bytes_tree(w.config, fmt, encoder_only=w.encoder_only)
    parts = [_bytes_row(n.name, w.breakdown[n.name]) for n in tree.root.children]
    return "\n".join(
        [
            describe(w.config),
            f"{w.model} weights in {fmt.name}: {w.parameters:,} parameters",
            *textwrap.wrap(f"{fmt.doc}. Source: {fmt.source}.", 78),
            f"{fmt.main}: {main} bytes per parameter (scales included); whole model: "
            f"{ratio(w.bytes_per_parameter, 4)}",
            "",
            table(rows, ["storage", "tensors", "bytes", "share"], {1, 2, 3}),
            "",
            table(
                [*parts, _bytes_row("total", w.total)], ["part", "bytes", "GiB", "GB"], {1, 2, 3}
            ),  # fmt: skip
        ]
    )


def weights_all_text(results: Sequence[Weights]) -> str:
    """`t5sym weights --all`: one row per format (bytes, GiB, GB, bytes per parameter)."""
    first = results[0]
    rows = [[*_bytes_row(w.format, w.total), ratio(w.bytes_per_parameter, 4)] for w in results]
    return "\n".join(
        [
            describe(first.config),
            f"{first.model} weights: {first.parameters:,} parameters",
            "",
            table(rows, ["format", "bytes", "GiB", "GB", "bytes/param"], {1, 2, 3, 4}),
        ]
    )
