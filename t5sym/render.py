"""Formulas as text to copy: LaTeX, MathML, a Python expression, SymPy's srepr.

LaTeX and MathML use the T5 paper's notation (`t5sym.symbols.LATEX_NAMES`);
Python and srepr use the ``T5Config`` field names, so the expression runs as written
once the fields are bound.
"""

from __future__ import annotations

import html
import re

import sympy
from sympy import Expr

from .symbols import LATEX_NAMES
from .tree import Tree

FORMATS = ("text", "latex", "mathml", "python", "srepr")


def latex(expr: Expr) -> str:
    """LaTeX in the paper's notation, e.g. ``d_{\\mathrm{model}} d_{\\mathrm{ff}}``."""
    return sympy.latex(expr, symbol_names=LATEX_NAMES)


def mathml(expr: Expr, display: bool = False) -> str:
    """Presentation MathML (renders in any browser with no script or network)."""
    inner = sympy.mathml(expr.xreplace(_MATHML_SYMBOLS), printer="presentation")
    inner = re.sub(r"&(\w+);", lambda m: f"&#x{ord(html.unescape(m.group(0))):x};", inner)
    mode = ' display="block"' if display else ""
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML"{mode}>{inner}</math>'


def python(expr: Expr) -> str:
    """A Python expression over the ``T5Config`` field names."""
    return sympy.pycode(expr, fully_qualified_modules=False)


def srepr(expr: Expr) -> str:
    """SymPy's ``srepr``: rebuilds the exact expression with ``sympy.sympify``."""
    return sympy.srepr(expr)


def render(expr: Expr, fmt: str = "text") -> str:
    """``expr`` in one of `FORMATS`."""
    if fmt == "text":
        return str(expr)
    return {"latex": latex, "mathml": mathml, "python": python, "srepr": srepr}[fmt](expr)


# MathML's printer writes ``a_b`` as a with subscript b: rename to the paper's letters.
_MATHML_SYMBOLS = {
    s: sympy.Symbol(re.sub(r"\\mathrm|[{}]", "", name), **s.assumptions0)
    for s, name in LATEX_NAMES.items()
}


def approx(n: int) -> str:
    """A readable size beside the exact one: 2851598336 -> ``2.85 B``."""
    for scale, unit in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if abs(n) >= scale:
            return f"{n / scale:.3g} {unit}"
    return str(n)


def exact(n: int) -> str:
    """The exact integer with thousands separators, then the readable one."""
    return f"{n:,} (≈ {approx(n)})" if abs(n) >= 1000 else f"{n:,}"


def table(rows: list[list[str]], header: list[str], right: set[int] | None = None) -> str:
    """A plain aligned text table (columns in ``right`` aligned right)."""
    right = right or set()
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


# --- markdown/html: layout for the docs site (tables, tabs), built from the functions above ---


def breakdown_rows(
    tree: Tree, numbers: dict[str, int], max_depth: int | None = None, *, markdown: bool = False
) -> list[list[str]]:
    """Rows "module | count | share of the total" for a tree's nodes, depth first.

    Names are indented by depth (or, with ``markdown``, set as code); ``numbers`` is what
    `Tree.evaluate` returns (key ``""``: the total).
    """
    total = numbers[""]
    return [
        [
            f"`{node.name}`" if markdown else "  " * (depth - 1) + node.name,
            f"{numbers[node.name]:,}",
            f"{numbers[node.name] / total:.2%}",
        ]
        for depth, node in tree.root.depths()
        if depth and (max_depth is None or depth <= max_depth)
    ]


def markdown_table(rows: list[list[str]], header: list[str], right: set[int] | None = None) -> str:
    """A Markdown (pipe) table; columns in ``right`` are aligned right.

    Cells are written as given, so they may hold inline HTML such as MathML; a ``|`` in a
    cell is escaped.
    """
    right = right or set()

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", r"\|") for c in cells) + " |"

    rule = ["---:" if i in right else "---" for i in range(len(header))]
    return "\n".join([line(header), "|" + "|".join(rule) + "|", *map(line, rows)])


def tabs(panes: dict[str, str]) -> str:
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


def worked(expr: Expr, values: dict, label: str = "") -> str:
    """A worked number in Markdown: each symbol's value, then the exact result.

    e.g. ``t5-3b: `d_model` = 1,024, `vocab_size` = 32,128 → **32,899,072**``.
    """
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    given = ", ".join(f"`{s.name}` = {values[s]:,}" for s in symbols)
    result = int(expr.xreplace({s: values[s] for s in symbols}))
    head = f"{label}: " if label else ""
    return f"{head}{given} → **{result:,}**" if given else f"{head}**{result:,}**"
