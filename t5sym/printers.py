"""Formulas as text to copy: LaTeX, MathML, a Python expression, SymPy's srepr.

LaTeX and MathML use the T5 paper's notation (`t5sym.symbols.LATEX_NAMES`); the Python
expression uses the Hugging Face config field names (`t5sym.symbols.CONFIG_FIELD`), so
``eval(text, {}, config_fields)`` gives the count; srepr rebuilds the SymPy expression.
"""

from __future__ import annotations

import html
import re

import sympy
from sympy import Expr

from .errors import T5SymError
from .symbols import CONFIG_FIELD, LATEX_NAMES

#: The formats of `render`.
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
    """A Python expression over the config field names (``relative_attention_num_buckets``).

    Examples
    --------
    >>> from t5sym.printers import python
    >>> from t5sym.symbols import num_buckets, num_heads
    >>> python(num_buckets * num_heads)
    'num_heads*relative_attention_num_buckets'
    """
    return sympy.pycode(expr.xreplace(_FIELD_SYMBOLS), fully_qualified_modules=False)


def srepr(expr: Expr) -> str:
    """SymPy's ``srepr``: rebuilds the exact expression with ``sympy.sympify``."""
    return sympy.srepr(expr)


def render(expr: Expr, fmt: str = "text") -> str:
    """``expr`` in one of `FORMATS` (``text``: SymPy's ``str`` over the config field names)."""
    if fmt not in FORMATS:
        raise T5SymError(f"format: unknown {fmt!r}; known: {', '.join(FORMATS)}")
    if fmt == "text":
        return str(expr.xreplace(_FIELD_SYMBOLS))
    return {"latex": latex, "mathml": mathml, "python": python, "srepr": srepr}[fmt](expr)


# MathML's printer writes ``a_b`` as a with subscript b: rename to the paper's letters.
_MATHML_SYMBOLS = {
    s: sympy.Symbol(re.sub(r"\\mathrm|[{}]", "", name), **s.assumptions0)
    for s, name in LATEX_NAMES.items()
}

# Symbols whose name is not their config field (num_buckets) renamed for `python`.
_FIELD_SYMBOLS = {
    s: sympy.Symbol(field, **s.assumptions0) for s, field in CONFIG_FIELD.items() if field != s.name
}
