"""Formulas as text to copy: LaTeX, MathML, a Python expression, SymPy's srepr.

LaTeX and MathML use the T5 paper's notation (`t5sym.model.symbols.LATEX_NAMES`); the Python
expression uses the Hugging Face config field names (`t5sym.model.symbols.CONFIG_FIELD`), so
``eval(text, {}, config_fields)`` gives the count; srepr rebuilds the SymPy expression.

Switch's ``num_sparse_encoder_layers`` and ``num_sparse_decoder_layers`` symbols stand for
the sparse blocks transformers builds (`t5sym.model.config.Config.sparse_blocks`), which differ
from the config fields of those names when the layers do not divide evenly (5 layers, 2
sparse wanted: blocks 1 and 3; 0 wanted: block 1). Given the config, `python` writes each
as the expression transformers evaluates over the config's own fields, so the printed
formula evaluates to the count with the values the config.json (or transformers' config
object) holds.
"""

from __future__ import annotations

import html
import re

import sympy
from sympy import Expr

from t5sym.errors import T5SymError
from t5sym.model.config import Config
from t5sym.model.symbols import (
    CONFIG_FIELD,
    LATEX_NAMES,
    num_decoder_layers,
    num_layers,
    num_sparse_decoder_layers,
    num_sparse_encoder_layers,
)

#: The formats of `render`.
NOTATIONS = ("text", "latex", "mathml", "python", "srepr")


def latex(expr: Expr) -> str:
    """LaTeX in the paper's notation, e.g. ``d_{\\mathrm{model}} d_{\\mathrm{ff}}``."""
    return sympy.latex(expr, symbol_names=LATEX_NAMES)


def mathml(expr: Expr, display: bool = False) -> str:
    """Presentation MathML (renders in any browser with no script or network)."""
    inner = sympy.mathml(expr.xreplace(_MATHML_SYMBOLS), printer="presentation")
    inner = re.sub(r"&(\w+);", lambda m: f"&#x{ord(html.unescape(m.group(0))):x};", inner)
    mode = ' display="block"' if display else ""
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML"{mode}>{inner}</math>'


def python(expr: Expr, config: Config | None = None) -> str:
    """A Python expression over the config field names (``relative_attention_num_buckets``).

    With a Switch Transformers ``config``, the sparse-block symbols are written as
    transformers computes them from the config's fields (`sparse_blocks_python`).

    Examples
    --------
    >>> from t5sym.views.printers import python
    >>> from t5sym.model.symbols import num_buckets, num_heads
    >>> python(num_buckets * num_heads)
    'num_heads*relative_attention_num_buckets'
    """
    expr = expr.xreplace(_FIELD_SYMBOLS)
    blocks = {}
    if config is not None and config.model_type == "switch_transformers":
        for stack, symbol in _SPARSE.items():
            if symbol in expr.free_symbols:
                placeholder = sympy.Symbol(f"_{stack}_sparse_blocks_", **symbol.assumptions0)
                blocks[placeholder.name] = sparse_blocks_python(config, stack)
                expr = expr.xreplace({symbol: placeholder})
    text = sympy.pycode(expr, fully_qualified_modules=False)
    for name, written in blocks.items():
        text = text.replace(name, written)
    return text


#: The sparse-block symbol of each stack.
_SPARSE = {"encoder": num_sparse_encoder_layers, "decoder": num_sparse_decoder_layers}


def sparse_blocks_python(config: Config, stack: str) -> str:
    """The sparse blocks of ``stack`` as a Python expression over Switch's config fields.

    ``SwitchTransformersConfig`` sets ``<stack>_sparse_step = layers //
    num_sparse_<stack>_layers`` (``layers`` when that is 0) unless the config gives it, and
    ``SwitchTransformersStack`` makes block i sparse when ``i % step == 1 or step == 1``
    (none when step is 0): `t5sym.model.config.sparse_count` in closed form. Depths are written
    as `t5sym.model.params.formula` writes them (``num_layers`` alone when they are equal).

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views.printers import sparse_blocks_python
    >>> config = t5sym.load("switch-base-8")
    >>> text = sparse_blocks_python(config, "encoder")
    >>> eval(text, {}, {"num_layers": 5, "num_sparse_encoder_layers": 2})
    2
    """
    equal = config.num_decoder_layers == config.num_layers
    depth = num_layers if stack == "encoder" or equal else num_decoder_layers
    layers = CONFIG_FIELD[depth]
    if getattr(config, f"{stack}_sparse_step") is not None:  # given by the config.json
        step = f"{stack}_sparse_step"
    else:
        wanted = CONFIG_FIELD[_SPARSE[stack]]
        step = f"({layers} // {wanted} if {wanted} else {layers})"
    return (
        f"({layers} if {step} == 1 else ({layers} - 2) // {step} + 1 "
        f"if {step} and {layers} >= 2 else 0)"
    )


def srepr(expr: Expr) -> str:
    """SymPy's ``srepr``: rebuilds the exact expression with ``sympy.sympify``."""
    return sympy.srepr(expr)


def render(expr: Expr, fmt: str = "text", config: Config | None = None) -> str:
    """``expr`` in one of `NOTATIONS` (``text``: SymPy's ``str`` over the config field names).

    ``config``: the config the formula is for (`python` writes Switch's sparse blocks
    over its fields).
    """
    if fmt not in NOTATIONS:
        raise T5SymError(f"format: unknown {fmt!r}; known: {', '.join(NOTATIONS)}")
    if fmt == "text":
        return str(expr.xreplace(_FIELD_SYMBOLS))
    if fmt == "python":
        return python(expr, config)
    return {"latex": latex, "mathml": mathml, "srepr": srepr}[fmt](expr)


# MathML's printer writes ``a_b`` as a with subscript b: rename to the paper's letters.
_MATHML_SYMBOLS = {
    s: sympy.Symbol(re.sub(r"\\mathrm|[{}]", "", name), **s.assumptions0)
    for s, name in LATEX_NAMES.items()
}

# Symbols whose name is not their config field (num_buckets) renamed for `python`.
_FIELD_SYMBOLS = {
    s: sympy.Symbol(field, **s.assumptions0) for s, field in CONFIG_FIELD.items() if field != s.name
}
