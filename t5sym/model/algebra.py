"""Exact evaluation and tidying of the formulas: the one place numbers leave SymPy.

`evaluate` turns a polynomial with rational coefficients (and ``floor``/``ceiling`` of
such polynomials: LongT5's block counts) into a Python ``int`` or ``Fraction`` at given
symbol values (exact at any size, no floats, no substitution);
`tidy` writes a total the way the site prints it; `split_over` separates what a
per-core formula divides by the cores from what every core holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy
from sympy import Expr, Symbol

from t5sym.errors import T5SymError
from t5sym.model.checks import boolean, shown
from t5sym.model.symbols import (
    d_ff,
    num_decoder_layers,
    num_layers,
    num_sparse_decoder_layers,
    num_sparse_encoder_layers,
)

#: The depth symbols a total is collected by: blocks, then Switch's sparse blocks.
DEPTHS = (num_layers, num_decoder_layers, num_sparse_encoder_layers, num_sparse_decoder_layers)

Number = int | Fraction


def expression(field: str, value: Any) -> Expr:
    """``value`` as a SymPy expression if it is one (or an ``int``/``Fraction``), else a
    one-line `T5SymError` naming ``field``: a string is not parsed, a float not taken.

    Examples
    --------
    >>> from t5sym.model.algebra import expression
    >>> expression("expr", 3)
    3
    """
    if isinstance(value, sympy.Expr):
        return value
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, int) and not isinstance(value, bool):
        return sympy.Integer(value)
    raise T5SymError(f"{field}: must be a SymPy expression, got {shown(value)}")


def evaluate(expr: Expr, values: Mapping[Symbol, Number]) -> Number:
    """``expr`` at ``values``, exactly: an ``int``, or a ``Fraction`` when not whole.

    ``expr`` is built from symbols, rationals, sums, products, integer powers and
    ``floor``/``ceiling`` (of an argument evaluated exactly first); anything else, or a
    symbol without a value, is a one-line `T5SymError`.

    Examples
    --------
    >>> import sympy
    >>> from t5sym.model.algebra import evaluate
    >>> from t5sym.model.symbols import d_model, encoder_length, vocab_size
    >>> evaluate(d_model * vocab_size, {d_model: 1024, vocab_size: 32128})
    32899072
    >>> evaluate(sympy.ceiling(encoder_length / 128), {encoder_length: 513})
    5
    """
    expr = expression("expr", expr)
    if not isinstance(values, Mapping):
        raise T5SymError(f"values: must map symbols to numbers, got {shown(values)}")
    try:
        value = _exact(expr, values)
    except KeyError as exc:
        raise T5SymError(f"values: no value for {shown(exc.args[0])}") from None
    except TypeError as exc:  # a value that is not a number
        raise T5SymError(f"values: {shown(str(exc))}") from None
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        raise T5SymError(f"values: a number is needed, got {shown(value)}")
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


def _exact(expr: Expr, values: Mapping[Symbol, Number]) -> Number:
    if expr.is_Symbol:
        return values[expr]
    if expr.is_Integer:
        return int(expr)
    if expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    if expr.is_Add:
        return sum(_exact(a, values) for a in expr.args)
    if expr.is_Mul:
        return math.prod(_exact(a, values) for a in expr.args)
    if isinstance(expr, sympy.ceiling):  # a count of blocks: ⌈x⌉
        x = Fraction(_exact(expr.args[0], values))
        return -(-x.numerator // x.denominator)
    if expr.is_Pow and expr.exp.is_Integer:
        base, exp = _exact(expr.base, values), int(expr.exp)
        return base**exp if exp >= 0 else Fraction(1, base ** (-exp))
    if isinstance(expr, (sympy.floor, sympy.ceiling)):
        inner = Fraction(_exact(expr.args[0], values))
        return math.floor(inner) if isinstance(expr, sympy.floor) else math.ceil(inner)
    raise T5SymError(f"expr: cannot evaluate {shown(expr)} exactly")


def integer(expr: Expr, values: Mapping[Symbol, Number]) -> int:
    """`evaluate`, required to be a whole number (a count, bytes, FLOPs)."""
    value = evaluate(expr, values)
    if isinstance(value, Fraction):
        raise T5SymError(f"expr: {shown(expr)} is not a whole number here: {value}")
    return value


def tidy(expr: Expr, *, equal_depths: bool = False, factor_out: Expr | None = None) -> Expr:
    """A formula as the site prints it: terms collected per depth symbol, each factored.

    The depth symbols are `DEPTHS`: the blocks of each stack and Switch's sparse blocks
    (what a sparse block adds over a dense one is collected under its own symbol). With
    ``equal_depths``, ``num_decoder_layers`` is written ``num_layers`` (T5's presets
    have equal depths; the site's ``L`` then stands for both stacks). With ``factor_out``
    (a factor of every term, such as ``batch`` in a FLOP count), the formula is written
    ``factor_out · tidy(expr / factor_out)``.

    Examples
    --------
    >>> from t5sym.model.algebra import tidy
    >>> from t5sym.model.symbols import batch, d_ff, d_model, num_layers
    >>> tidy(2 * d_model * d_ff * num_layers + d_model * num_layers + 2 * d_model)
    d_model*num_layers*(2*d_ff + 1) + 2*d_model
    >>> tidy(2 * batch * d_model * num_layers + 2 * batch * d_model * d_ff, factor_out=batch)
    batch*(2*d_ff*d_model + 2*d_model*num_layers)
    """
    expr = expression("expr", expr)
    equal_depths = boolean("equal_depths", equal_depths)
    if factor_out is not None:
        factor_out = expression("factor_out", factor_out)
        rest = sympy.expand(expr / factor_out)
        if any(
            sympy.denom(term).free_symbols & factor_out.free_symbols
            for term in sympy.Add.make_args(rest)
        ):
            raise T5SymError(f"factor_out: {shown(factor_out)} is not a factor of every term")
        return sympy.Mul(factor_out, tidy(rest, equal_depths=equal_depths), evaluate=False)
    if equal_depths:
        expr = expr.subs(num_decoder_layers, num_layers)
    terms = sympy.collect(sympy.expand(expr), list(DEPTHS), evaluate=False)
    rest = terms.pop(sympy.S.One, sympy.S.Zero)
    factored = sympy.factor(rest)
    if factored.is_Mul and factored.args[0].is_Number:  # 2*(a + b) would not round-trip
        factored = rest
    return sympy.Add(*(depth * _readable(c) for depth, c in terms.items()), factored)


def _readable(coefficient: Expr) -> Expr:
    """A depth's coefficient factored, and each sum inside it collected by d_ff when that
    is shorter: ``2*d_ff*(num_experts - 1) + num_experts``, not ``2*d_ff*num_experts - ...``."""
    factored = sympy.factor(coefficient)
    if factored.is_Mul:
        return sympy.Mul(*(_collected(a) for a in factored.args))
    return _collected(factored)


def _collected(expr: Expr) -> Expr:
    if not expr.is_Add or d_ff not in expr.free_symbols:
        return expr
    terms = sympy.collect(expr, [d_ff], evaluate=False)
    shorter = sympy.Add(*(key * sympy.factor(c) for key, c in terms.items()))
    return shorter if sympy.count_ops(shorter) < sympy.count_ops(expr) else expr


@dataclass(frozen=True)
class Split:
    """A per-core formula as split/``cores`` + replicated (both factored, free of ``cores``)."""

    split: Expr
    replicated: Expr
    cores: Symbol

    @property
    def expr(self) -> Expr:
        """split/cores + replicated, each part factored, unevaluated so it reads that way."""
        return sympy.Add(
            sympy.Mul(self.split, 1 / self.cores, evaluate=False), self.replicated, evaluate=False
        )


def split_over(expr: Expr, cores: Symbol, *, equal_depths: bool = False) -> Split:
    """Separate ``expr`` (linear in 1/cores) into what is divided by the cores and the rest.

    Examples
    --------
    >>> from t5sym.model.algebra import split_over
    >>> from t5sym.model.symbols import cores, d_ff, d_model
    >>> s = split_over(2 * d_model * d_ff / cores + d_model, cores)
    >>> s.split, s.replicated
    (2*d_ff*d_model, d_model)
    """
    expr = sympy.expand(expression("expr", expr))
    if not isinstance(cores, Symbol):
        raise T5SymError(f"cores: must be a SymPy symbol, got {shown(cores)}")
    if boolean("equal_depths", equal_depths):
        expr = expr.subs(num_decoder_layers, num_layers)
    terms = sympy.collect(expr, 1 / cores, evaluate=False)
    split = terms.pop(1 / cores, sympy.S.Zero)
    replicated = terms.pop(sympy.S.One, sympy.S.Zero)
    if terms or cores in (split + replicated).free_symbols:
        raise T5SymError(f"expr: not of the form a/{cores} + b: {shown(expr)}")
    return Split(sympy.factor(split), sympy.factor(replicated), cores)
