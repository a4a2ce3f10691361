"""Markdown for the pages and notebooks: tables, tabs and worked numbers from the library.

Every cell comes from a result or a tree t5sym computed; the pages call one function each.

>>> from t5site.tables import markdown_table
>>> print(markdown_table([["a", "1"]], ["name", "n"], right={1}))
| name | n |
|---|---:|
| a | 1 |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING

from sympy import Expr, Symbol

from t5sym.cli.report import presets_rows, share
from t5sym.model import params, presets
from t5sym.model.algebra import Number, evaluate
from t5sym.model.config import Config
from t5sym.model.nodes import Tree
from t5sym.views.printers import latex, mathml, python, srepr
from t5sym.views.readable import gib, percent, short

if TYPE_CHECKING:
    from t5sym.views.memory import Memory


def significant(x: Number, digits: int) -> str:
    """``x`` to ``digits`` significant digits, exactly (``f"{x:.3g}"`` without a float)."""
    x = Fraction(x)
    with localcontext() as context:
        context.prec = max(28, digits + 2)
        return f"{Decimal(x.numerator) / Decimal(x.denominator):.{digits}g}"


def breakdown_rows(
    tree: Tree, numbers: Mapping[str, int], max_depth: int | None = None
) -> list[list[str]]:
    """Rows "module | count | share of the total" for a tree's nodes, depth first.

    Names are set as code; ``numbers`` is what
    `t5sym.model.nodes.Tree.evaluate` returns (key ``""``: the total).
    """
    total = numbers[""]
    return [
        [
            f"`{node.name}`",
            f"{numbers[node.name]:,}",
            share(numbers[node.name], total),
        ]
        for depth, node in tree.root.depths()
        if depth and (max_depth is None or depth <= max_depth)
    ]


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
    """``expr`` as tabs: Rendered (MathML) | LaTeX | Python | SymPy (srepr), each copyable.

    The site's hook leaves such tab sets out of the search index.
    """
    panes = tabs(
        {
            "Rendered": mathml(expr, display=True),
            "LaTeX": fenced(latex(expr), "latex"),
            "Python": fenced(python(expr), "python"),
            "SymPy": fenced(srepr(expr), "python"),
        }
    )
    return panes


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


def symbols_table(symbols: Sequence[Symbol], columns: Mapping[str, Mapping[Symbol, Number]]) -> str:
    """symbol (MathML) | name (the config field, or the workload's name) | meaning | one
    column of values per entry of ``columns`` (header to values)."""
    from t5sym.model.symbols import CONFIG_FIELD, MEANING

    rows = [
        [
            mathml(s),
            f"`{CONFIG_FIELD.get(s, s.name)}`",
            MEANING[s],
            *(f"{values[s]:,}" for values in columns.values()),
        ]
        for s in symbols
    ]
    header = ["symbol", "name", "meaning", *columns]
    return markdown_table(rows, header, right=set(range(3, 3 + len(columns))))


def shapes_table(names: Sequence[str]) -> str:
    """How presets were scaled: preset | d_model | heads × d_kv | d_ff | parameters.

    heads × d_kv is the attention's inner width; ``d_ff`` and the inner width are also
    given as multiples of ``d_model``.
    """
    rows = []
    for name in names:
        c = presets.get(name).config
        rows.append(
            [
                f"`{name}`",
                f"{c.d_model:,}",
                f"{c.num_heads} × {c.d_kv} = {c.inner_dim:,} ({_times(c.inner_dim, c.d_model)})",
                f"{c.d_ff:,} ({_times(c.d_ff, c.d_model)})",
                f"{params.count(c).total:,}",
            ]
        )
    header = ["preset", "d_model", "heads × d_kv", "d_ff", "parameters"]
    return markdown_table(rows, header, right={1, 2, 3, 4})


def _times(a: int, b: int) -> str:
    return f"{Fraction(a, b)}×"


def presets_table() -> str:
    """Every preset (`presets_rows`, as ``t5sym list`` prints them) as a Markdown table of
    six columns: d_model and d_ff share a cell, and so do the vocabulary and the FFN."""
    rows = [
        [f"`{name}`", f"{int(dm):,} · {int(ff):,}", heads, layers, f"{int(v):,}<br>{ffn}", n]
        for (name, dm, ff, heads, layers, v, n), ffn in zip(
            presets_rows(),
            (p.config.feed_forward_proj for p in presets.PRESETS.values()),
            strict=True,
        )
    ]
    header = ["preset", "d_model · d_ff", "heads × d_kv", "layers", "vocab, FFN", "parameters"]
    return markdown_table(rows, header, right={1, 2, 3, 4, 5})


def shares_table(names: Sequence[str] | None = None) -> str:
    """preset | each category's share of the parameters (`t5sym.views.family.shares`)."""
    from t5sym.views import family

    rows = []
    for name in names or presets.PRESETS:
        s = family.shares(presets.get(name).config)
        rows.append([f"`{name}`", *(percent(s[k]) for k in family.CATEGORIES)])
    header = ["preset", *family.CATEGORIES]
    return markdown_table(rows, header, right=set(range(1, 1 + len(family.CATEGORIES))))


def reconciliation_table(reconciliations: Sequence) -> str:
    """published | preset | exact | published − exact, then the source and the computed
    reason as one cell (`t5sym.views.family.Reconciliation`)."""
    rows = [
        [
            r.claim.label,
            f"`{r.claim.preset}`",
            f"{r.exact:,}",
            f"{r.difference:+,} ({'+' if r.relative >= 0 else ''}{percent(r.relative)})",
            f"{r.reason} ({r.claim.source})",
        ]
        for r in reconciliations
    ]
    header = ["published", "preset", "exact", "published − exact", "computed reason (source)"]
    return markdown_table(rows, header, right={2, 3})


def breakdown_table(config: Config, max_depth: int = 3) -> str:
    """module | parameters | share, for the tree's nodes down to ``max_depth``."""
    tree = params.tree(config, encoder_only=config.encoder_only)
    result = params.count(config)
    numbers = result.encoder_only_breakdown if config.encoder_only else result.breakdown
    rows = breakdown_rows(tree, numbers, max_depth)
    return markdown_table(rows, ["module", "parameters", "share"], right={1, 2})


def side_by_side_table(config: Config, baseline: Config) -> str:
    """field | baseline | config | ratio (`t5sym.views.family.side_by_side`)."""
    from t5sym.views import family

    rows = [
        [f"`{f}`", f"{a:,}", f"{b:,}", f"{short(r)}×"]
        for f, a, b, r in family.side_by_side(config, baseline)
    ]
    header = ["field", baseline.name or "baseline", config.name or "config", "ratio"]
    return markdown_table(rows, header, right={1, 2, 3})


def ratios_table(config: Config, baseline: Config) -> str:
    """kind of weight | how many times the baseline's parameters (`t5sym.views.family.ratios`)."""
    from t5sym.views import family

    rows = [[k, f"{significant(v, 3)}×"] for k, v in family.ratios(config, baseline).items()]
    header = ["part", f"{config.name or 'config'} / {baseline.name or 'baseline'}"]
    return markdown_table(rows, header, right={1})


def memory_table(memories: Sequence[Memory]) -> str:
    """dtype, optimizer | weights | gradients | state | total (GiB), then the exact total
    in bytes, for `t5sym.views.memory.training_memory` results."""
    rows = [
        [
            f"{m.dtype}, {m.optimizer}",
            gib(m.weights),
            gib(m.gradients),
            gib(m.optimizer_state),
            f"{gib(m.total)}<br>{m.total:,} B",
        ]
        for m in memories
    ]
    header = ["dtype, optimizer", "weights", "gradients", "state", "total"]
    table = markdown_table(rows, header, right={1, 2, 3, 4})
    return table + "\n\n(GiB, and the exact total in bytes.)"


def sources_register() -> str:
    """Every entry of `t5sym.sources.SOURCES` as a list under its document's title, in the
    register's order: the citation ``[](src:KEY)``, the fact, its note, and the key."""
    from t5sym.sources import SOURCES

    documents: dict = {}
    for key, source in SOURCES.items():
        documents.setdefault(source.document, []).append((key, source))
    blocks = []
    for document, entries in documents.items():
        items = [
            f"- [](src:{key}): {s.fact}" + (f" ({s.note})" if s.note else "") + f" `{key}`"
            for key, s in entries
        ]
        blocks.append(f"**{document.title}**\n\n" + "\n".join(items))
    return "\n\n".join(blocks)


def latex_names_table(symbols: Sequence[Symbol]) -> str:
    """T5Config field | LaTeX | rendered (MathML) | meaning, one row per symbol.

    >>> from t5site.tables import latex_names_table
    >>> from t5sym.model.symbols import d_model
    >>> latex_names_table([d_model]).splitlines()[2].split(" | ")[:2]
    ['| `d_model`', '`d_{\\\\mathrm{model}}`']
    """
    from t5sym.model.symbols import CONFIG_FIELD, LATEX_NAMES, MEANING

    rows = [
        [f"`{CONFIG_FIELD.get(s, s.name)}`", f"`{LATEX_NAMES[s]}`", mathml(s), MEANING[s]]
        for s in symbols
    ]
    return markdown_table(rows, ["T5Config field", "LaTeX", "rendered", "meaning"])
