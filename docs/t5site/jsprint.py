"""Formulas as JavaScript that computes them exactly: BigInt arithmetic over a config object.

Built on SymPy's `JavascriptCodePrinter`: integers print as BigInt literals (``128n``),
symbols as fields of the config object ``c`` named like Hugging Face's config
(``c.d_model``, ``c.relative_attention_num_buckets``; `t5sym.model.symbols.CONFIG_FIELD`), powers
as ``(x**2n)``. A formula with rational coefficients (Σ t = T(T+1)/2) is written as
an integer polynomial over one whole denominator D and divided at the end by `DIVIDE`,
which throws unless the division is exact: no float64 ever holds a count. A formula
divided by a polynomial (a share per core, d_ff/p) is divided by it the same way.

A rule the library writes as a small Python function of integers (Switch's sparse blocks,
llama.cpp's ``use_more_bits``) is printed from its own source by `python_function`.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from functools import cache

import sympy
from sympy import Expr
from sympy.printing.jscode import JavascriptCodePrinter

from t5sym.model.symbols import CONFIG_FIELD

#: The exact division a printed formula calls as ``q(numerator, D)`` (BigInt, D > 0).
DIVIDE = "(a,b)=>{if(a%b)throw new Error(`not a whole number: ${a}/${b}`);return a/b}"

#: ``floor(a/b)`` and ``ceiling(a/b)`` of BigInts, as ``fl(a, b)`` and ``ce(a, b)`` (BigInt
#: division truncates toward zero; these round down and up whatever the signs).
FLOOR = "(a,b)=>{const d=a/b;return (a%b!==0n&&(a<0n)!==(b<0n))?d-1n:d}"
CEILING = "(a,b)=>{const d=a/b;return (a%b!==0n&&(a<0n)===(b<0n))?d+1n:d}"

#: Python's ``a % b`` of BigInts (the sign of ``b``), as ``md(a, b)``; it calls ``fl``.
MODULO = "(a,b)=>a-b*fl(a,b)"

_ROUNDING = {sympy.floor: "fl", sympy.ceiling: "ce"}


class BigIntPrinter(JavascriptCodePrinter):
    """SymPy's JavaScript printer, with BigInt numbers and config-field symbols.

    Only integer polynomials print (`function` brings a formula to that form first):
    a Rational, a negative or symbolic power, or a function raises ``ValueError``.
    """

    def __init__(self, obj: str = "c") -> None:
        super().__init__({"contract": False})
        self.obj = obj

    def _print_Integer(self, expr: sympy.Integer) -> str:
        return f"{int(expr)}n"

    _print_Zero = _print_One = _print_NegativeOne = _print_Integer

    def _print_Rational(self, expr: sympy.Rational) -> str:
        raise ValueError(f"a BigInt formula has no fraction: {expr}")

    def _print_Float(self, expr: sympy.Float) -> str:
        raise ValueError(f"a BigInt formula has no float: {expr}")

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        return f"{self.obj}.{CONFIG_FIELD.get(expr, expr.name)}"

    def _print_Pow(self, expr: sympy.Pow) -> str:
        if not (expr.exp.is_Integer and expr.exp > 0):
            raise ValueError(f"a BigInt formula has only positive integer powers: {expr}")
        base = self._print(expr.base)
        base = base if expr.base.is_Atom else f"({base})"
        return f"({base}**{int(expr.exp)}n)"

    def _print_Function(self, expr: Expr) -> str:
        if expr.func in _ROUNDING:  # floor or ceiling of a ratio of polynomials
            num, den = sympy.fraction(sympy.together(expr.args[0]))
            parts = []
            for part in (num, den):
                poly, whole = split(part)
                if whole != 1:
                    raise ValueError(f"a BigInt formula rounds only ratios of integers: {expr}")
                parts.append(self._print(poly))
            return f"{_ROUNDING[expr.func]}({parts[0]}, {parts[1]})"
        raise ValueError(f"a BigInt formula has no function: {expr}")


def split(expr: Expr) -> tuple[Expr, int]:
    """``expr`` as (integer polynomial, whole denominator D > 0) with expr = poly / D.

    A formula whose numbers are all integers is kept as written; one with a fraction is
    expanded over the least common denominator of its coefficients (common factors
    pulled out again with ``factor_terms``).

    Raises
    ------
    ValueError
        Not a polynomial (a symbol divides).
    """
    expr = sympy.sympify(expr)
    rounded = {
        f: sympy.Dummy(f"r{i}") for i, f in enumerate(expr.atoms(sympy.floor, sympy.ceiling))
    }
    if rounded:  # floor/ceiling print as fl(…)/ce(…): a factor like any symbol here
        num, den = split(expr.xreplace(rounded))
        return num.xreplace({v: k for k, v in rounded.items()}), den
    if expr.atoms(sympy.Float) or not expr.free_symbols and not expr.is_Rational:
        raise ValueError(f"not a polynomial with rational coefficients: {expr}")
    if not expr.free_symbols:  # a number
        return sympy.Integer(expr.p), int(expr.q)
    if all(a.is_Integer for a in expr.atoms(sympy.Number)) and not any(
        p.exp.is_negative for p in expr.atoms(sympy.Pow)
    ):
        return expr, 1
    try:
        poly = sympy.Poly(expr, *sorted(expr.free_symbols, key=str))
    except sympy.PolynomialError:
        raise ValueError(f"not a polynomial with rational coefficients: {expr}") from None
    if not poly.domain.is_QQ and not poly.domain.is_ZZ:
        raise ValueError(f"not a polynomial with rational coefficients: {expr}")
    den = sympy.ilcm(1, *(sympy.Rational(c).q for c in poly.coeffs()))
    return sympy.factor_terms((poly * den).as_expr()), int(den)


@cache
def code(expr: Expr, obj: str = "c", divide: str = "q") -> str:
    """The JavaScript expression of ``expr``: BigInt, ``divide(…, Dn)`` when D ≠ 1.

    Examples
    --------
    >>> from t5site.jsprint import code
    >>> from t5sym.model.symbols import d_model, num_buckets, num_heads
    >>> code(2 * d_model**2 + num_buckets * num_heads)
    '2n*(c.d_model**2n) + c.relative_attention_num_buckets*c.num_heads'
    >>> from t5sym.model.symbols import decoder_length as T
    >>> code(T * (T + 1) / 2)
    'q(c.decoder_length*(c.decoder_length + 1n), 2n)'
    >>> from t5sym.model.symbols import cores, d_ff
    >>> code(d_model + d_ff / cores)  # whole when the cores divide d_ff
    'q(c.cores*c.d_model + c.d_ff, c.cores)'
    """
    try:
        num, den = split(expr)
    except ValueError:  # a symbol divides: a share per core, d_ff/cores
        top, bottom = sympy.fraction(sympy.together(expr))
        if not bottom.free_symbols:
            raise
        return f"{divide}({code(top, obj, divide)}, {code(bottom, obj, divide)})"
    text = BigIntPrinter(obj).doprint(num)
    return text if den == 1 else f"{divide}({text}, {den}n)"


def function(expr: Expr, obj: str = "c", divide: str = "q") -> str:
    """``c=>…``: a JavaScript arrow function from a config object to the BigInt value."""
    return f"{obj}=>{code(expr, obj, divide)}"


_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_CALLS = {ast.FloorDiv: "fl", ast.Mod: "md"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "===", ast.NotEq: "!=="}
_BOOL = {ast.And: "&&", ast.Or: "||"}


def _expression(node: ast.expr) -> str:
    """One Python expression over integers as BigInt JavaScript (`python_function`)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return f"{node.value}n"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return f"({_expression(node.left)} {_BINARY[type(node.op)]} {_expression(node.right)})"
    if isinstance(node, ast.BinOp) and type(node.op) in _CALLS:
        return f"{_CALLS[type(node.op)]}({_expression(node.left)}, {_expression(node.right)})"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        return f"{'-' if isinstance(node.op, ast.USub) else '!'}{_expression(node.operand)}"
    if isinstance(node, ast.BoolOp) and type(node.op) in _BOOL:
        return "(" + f" {_BOOL[type(node.op)]} ".join(map(_expression, node.values)) + ")"
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        sides = [node.left, *node.comparators]
        pairs = [
            f"{_expression(a)} {_COMPARE[type(op)]} {_expression(b)}"
            for a, op, b in zip(sides, node.ops, sides[1:], strict=False)
        ]
        return "(" + " && ".join(pairs) + ")"
    if isinstance(node, ast.IfExp):
        test, yes, no = (_expression(x) for x in (node.test, node.body, node.orelse))
        return f"({test} ? {yes} : {no})"
    raise ValueError(f"not an integer expression jsprint prints: {ast.unparse(node)}")


def _statements(body: list[ast.stmt]) -> str:
    out = []
    for stmt in body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # the docstring
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            out.append(f"return {_expression(stmt.value)};")
        elif isinstance(stmt, ast.If):
            text = f"if ({_expression(stmt.test)}) {{ {_statements(stmt.body)} }}"
            if stmt.orelse:
                text += f" else {{ {_statements(stmt.orelse)} }}"
            out.append(text)
        else:
            raise ValueError(f"not a statement jsprint prints: {ast.unparse(stmt)}")
    return " ".join(out)


def python_function(fn: Callable[..., int | bool]) -> str:
    """A Python function of integers, printed from its source as a BigInt arrow function.

    Its body may hold ``if``/``else`` and ``return`` of ``+ - * // %``, comparisons,
    ``and``/``or``/``not`` and ``x if c else y`` over its arguments and integer literals;
    ``//`` and ``%`` round as Python's do (``fl``, ``md``). Anything else is refused.

    Examples
    --------
    >>> from t5site.jsprint import python_function
    >>> from t5sym.model.config import sparse_count
    >>> print(python_function(sparse_count))  # doctest: +NORMALIZE_WHITESPACE
    (layers, step) => { if (((step <= 0n) || (layers <= 0n))) { return 0n; }
    if ((step === 1n)) { return layers; }
    return ((layers < 2n) ? 0n : (fl((layers - 2n), step) + 1n)); }
    """
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    (node,) = tree.body
    if not isinstance(node, ast.FunctionDef):
        raise ValueError(f"not a function: {fn!r}")
    args = ", ".join(a.arg for a in node.args.args)
    return f"({args}) => {{ {_statements(node.body)} }}"
