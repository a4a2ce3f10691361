"""Formulas as text to copy: LaTeX, MathML, a Python expression, SymPy's srepr.

LaTeX and MathML use the T5 paper's notation (:data:`t5sym.symbols.LATEX_NAMES`);
Python and srepr use the ``T5Config`` field names, so the expression runs as written
once the fields are bound.
"""

from __future__ import annotations

import html
import re

import sympy
from sympy import Expr

from .symbols import LATEX_NAMES

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
    """``expr`` in one of :data:`FORMATS`."""
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
