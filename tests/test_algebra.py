"""The one exact evaluator and the formula tidier, against hand-computed values."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from t5sym import T5SymError
from t5sym.model.algebra import evaluate, integer, split_over, tidy
from t5sym.model.symbols import cores, d_ff, d_model, num_decoder_layers, num_layers

d, h, k = (sympy.Symbol(n, positive=True, integer=True) for n in ("d", "h", "k"))
VALUES = {d: 3, h: 2, k: 5}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (d * h + k, 11),
        (sympy.Rational(1, 3) * d, 1),  # a whole Fraction comes back as an int
        (d / 2, Fraction(3, 2)),
        (d**3 - h**-1, Fraction(53, 2)),
        (sympy.Integer(10) ** 30, 10**30),
    ],
)
def test_evaluate(expr: sympy.Expr, expected: int | Fraction) -> None:
    value = evaluate(expr, VALUES)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (sympy.ceiling(d / h), 2),  # 3/2 rounds up
        (sympy.floor(d / h), 1),
        (sympy.ceiling(d * h / 3), 2),  # whole: unchanged
        (sympy.floor(-d / h), -2),  # towards minus infinity, not towards zero
        (sympy.ceiling(-d / h), -1),
        (sympy.floor(k / (d + 1)) * sympy.ceiling(k / (d + 1)), 2),  # 5/4: 1 and 2
        (h * sympy.ceiling(sympy.Rational(1, 3) + d / k), 2),  # 14/15 rounds up to 1
        (d * sympy.floor(sympy.Integer(10) ** 30 / 7 + h), 3 * (10**30 // 7 + 2)),
        # 10**40 = 3q + 1: (10**40 + 1)/3 = q + 2/3 rounds up to q + 1
        (sympy.ceiling((sympy.Integer(10) ** 40 + 1) / d) - sympy.Integer(10) ** 40 // 3, 1),
    ],
)
def test_evaluate_floor_and_ceiling_of_rationals(expr: sympy.Expr, expected: int) -> None:
    value = evaluate(expr, VALUES)
    assert value == expected and type(value) is int


def test_evaluate_refuses_what_is_not_a_rational_polynomial() -> None:
    with pytest.raises(T5SymError, match="^expr: cannot evaluate"):
        evaluate(sympy.sqrt(d), VALUES)
    with pytest.raises(T5SymError, match="^expr: cannot evaluate"):
        evaluate(sympy.Float(0.5) * d, VALUES)
    with pytest.raises(T5SymError, match="^expr: cannot evaluate"):
        evaluate(sympy.ceiling(sympy.sqrt(d)), VALUES)
    with pytest.raises(T5SymError, match="^expr: cannot evaluate"):
        evaluate(sympy.frac(d / h), VALUES)
    with pytest.raises(T5SymError, match="^expr: .* not a whole number"):
        integer(d / 2, VALUES)
    assert integer(d * 4 / 2, VALUES) == 6


def test_tidy_writes_equal_depths_with_num_layers() -> None:
    expr = 2 * d_model * d_ff * num_layers + 3 * d_model * d_ff * num_decoder_layers
    assert tidy(expr, equal_depths=True) == 5 * d_model * d_ff * num_layers
    assert tidy(expr).free_symbols == {d_model, d_ff, num_layers, num_decoder_layers}


def test_split_over_separates_what_the_cores_divide() -> None:
    s = split_over(6 * d_model * d_ff / cores + 2 * d_model, cores)
    assert (s.split, s.replicated) == (6 * d_model * d_ff, 2 * d_model)
    with pytest.raises(T5SymError, match="^expr: not of the form"):
        split_over(d_model * cores, cores)


def test_tidy_factors_out_a_common_symbol() -> None:
    b = sympy.Symbol("b", positive=True, integer=True)
    expr = 2 * b * d * num_layers + 4 * b * d * h * num_layers + 6 * b * k
    tidied = tidy(expr, factor_out=b)
    assert tidied.args[0] == b or b in tidied.args  # written b·(...)
    assert sympy.expand(tidied - expr) == 0
    assert tidied.subs({b: 1, d: 3, h: 2, k: 5, num_layers: 4}) == 2 * 3 * 4 + 4 * 3 * 2 * 4 + 30


def test_tidy_refuses_a_factor_missing_from_a_term() -> None:
    with pytest.raises(T5SymError, match="^factor_out: .* not a factor"):
        tidy(d * h + k, factor_out=d)
