"""Exact evaluation and tidying of the formulas: the one place numbers leave SymPy.

`evaluate` turns a polynomial with rational coefficients into a Python ``int`` or
``Fraction`` at given symbol values (exact at any size, no floats, no substitution);
`tidy` writes a total the way the site prints it; `split_over` separates what a
per-core formula divides by the cores from what every core holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import sympy
from sympy import Expr, Symbol

from .symbols import num_decoder_layers, num_layers

Number = int | Fraction


def evaluate(expr: Expr, values: Mapping[Symbol, Number]) -> Number:
    """``expr`` at ``values``, exactly: an ``int``, or a ``Fraction`` when not whole.

    Examples
    --------
    >>> from t5sym.symbols import d_model, vocab_size
    >>> evaluate(d_model * vocab_size, {d_model: 1024, vocab_size: 32128})
    32899072
    """
    value = _exact(sympy.sympify(expr), values)
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
    raise TypeError(f"cannot evaluate {expr} exactly")


def integer(expr: Expr, values: Mapping[Symbol, Number]) -> int:
    """`evaluate`, required to be a whole number (a count, bytes, FLOPs)."""
    value = evaluate(expr, values)
    if isinstance(value, Fraction):
        raise ValueError(f"{expr} is not a whole number here: {value}")
    return value


def tidy(expr: Expr, *, equal_depths: bool = False) -> Expr:
    """A formula as the site prints it: terms collected per depth symbol, each factored.

    With ``equal_depths``, ``num_decoder_layers`` is written ``num_layers`` (T5's presets
    have equal depths; the site's ``L`` then stands for both stacks).

    Examples
    --------
    >>> from t5sym.symbols import d_ff, d_model, num_layers
    >>> tidy(2 * d_model * d_ff * num_layers + d_model * num_layers + 2 * d_model)
    d_model*num_layers*(2*d_ff + 1) + 2*d_model
    """
    expr = sympy.sympify(expr)
    if equal_depths:
        expr = expr.subs(num_decoder_layers, num_layers)
    terms = sympy.collect(sympy.expand(expr), [num_layers, num_decoder_layers], evaluate=False)
    rest = terms.pop(sympy.S.One, sympy.S.Zero)
    factored = sympy.factor(rest)
    if factored.is_Mul and factored.args[0].is_Number:  # 2*(a + b) would not round-trip
        factored = rest
    return sympy.Add(*(depth * sympy.factor(c) for depth, c in terms.items()), factored)


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
    >>> from t5sym.symbols import cores, d_ff, d_model
    >>> s = split_over(2 * d_model * d_ff / cores + d_model, cores)
    >>> s.split, s.replicated
    (2*d_ff*d_model, d_model)
    """
    expr = sympy.expand(sympy.sympify(expr))
    if equal_depths:
        expr = expr.subs(num_decoder_layers, num_layers)
    terms = sympy.collect(expr, 1 / cores, evaluate=False)
    split = terms.pop(1 / cores, sympy.S.Zero)
    replicated = terms.pop(sympy.S.One, sympy.S.Zero)
    if terms or cores in (split + replicated).free_symbols:
        raise ValueError(f"{expr} is not of the form a/{cores} + b")
    return Split(sympy.factor(split), sympy.factor(replicated), cores)
