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
import builtins
import inspect
import json
import textwrap
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

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

#: ``min(a, b)`` and ``max(a, b)`` of BigInts, as ``mn(a, b)`` and ``mx(a, b)``.
MIN = "(a,b)=>a<b?a:b"
MAX = "(a,b)=>a>b?a:b"

_ROUNDING = {sympy.floor: "fl", sympy.ceiling: "ce"}
_EXTREMES = {sympy.Min: "mn", sympy.Max: "mx"}
#: What `split` leaves whole: printed as a call or a choice, a factor like a symbol.
_OPAQUE = (sympy.floor, sympy.ceiling, sympy.Min, sympy.Max, sympy.Piecewise)
_RELATIONS = {"==": "===", "!=": "!==", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


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

    def _print_Min(self, expr: Expr) -> str:
        """``Min(S, E·C)`` as ``mn(…, …)`` (`MIN`), two at a time; Max as ``mx``."""
        text = self._whole(expr.args[0])
        for arg in expr.args[1:]:
            text = f"{_EXTREMES[expr.func]}({text}, {self._whole(arg)})"
        return text

    _print_Max = _print_Min

    def _whole(self, expr: Expr) -> str:
        return code(expr, self.obj)

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        """``(c1 ? e1 : … : e_last)``; the last condition must be True."""
        *cases, (last, otherwise) = expr.args
        if otherwise != sympy.true:
            raise ValueError(f"a BigInt formula's last case holds always: {expr}")
        text = self._whole(last)
        for e, cond in reversed(cases):
            text = f"({self._print(cond)} ? {self._whole(e)} : {text})"
        return text

    def _print_Relational(self, expr: sympy.core.relational.Relational) -> str:
        if expr.rel_op not in _RELATIONS:
            raise ValueError(f"a BigInt formula has no {expr.rel_op} comparison: {expr}")
        return f"({self._whole(expr.lhs)} {_RELATIONS[expr.rel_op]} {self._whole(expr.rhs)})"

    def _print_Mod(self, expr: sympy.Mod) -> str:
        return f"md({self._whole(expr.args[0])}, {self._whole(expr.args[1])})"

    def _print_And(self, expr: sympy.And) -> str:
        return "(" + " && ".join(self._print(a) for a in expr.args) + ")"

    def _print_Or(self, expr: sympy.Or) -> str:
        return "(" + " || ".join(self._print(a) for a in expr.args) + ")"


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
    rounded = {f: sympy.Dummy(f"r{i}") for i, f in enumerate(_outermost(expr))}
    if rounded:  # floor, ceiling, Min, Max, Piecewise print whole: a factor like any symbol
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


def _outermost(expr: Expr) -> list[Expr]:
    """The `_OPAQUE` subexpressions of ``expr`` not inside another one."""
    if isinstance(expr, _OPAQUE):
        return [expr]
    found: dict[Expr, None] = {}
    for arg in expr.args:
        found.update(dict.fromkeys(_outermost(arg)))
    return list(found)


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

#: ``d.get(k, default)`` of a printed dict (a JS object with string keys), as ``gt(d, k, x)``.
GET = "(d,k,x)=>Object.prototype.hasOwnProperty.call(d,k)?d[k]:x"

#: ``len(x)`` of a string, a list or a dict (an object: its keys), as a BigInt: ``ln(x)``.
LENGTH = '(x)=>BigInt((typeof x==="object"&&!Array.isArray(x)?Object.keys(x):x).length)'

#: What printed code calls, by the name it calls: `DIVIDE` as ``q``, `FLOOR` as ``fl``, ...
HELPERS = {"q": DIVIDE, "fl": FLOOR, "ce": CEILING, "md": MODULO, "mn": MIN, "mx": MAX,
           "gt": GET, "ln": LENGTH}  # fmt: skip


def prelude() -> str:
    """`HELPERS` as JavaScript ``const`` declarations, one a line: what printed code needs
    before it."""
    return "".join(f"const {name} = {code};\n" for name, code in HELPERS.items())


#: JavaScript's reserved words a Python name may be: printed with a trailing ``_``.
_RESERVED = frozenset(
    "break case catch class const continue debugger default delete do else enum export extends "
    "false finally for function if import in instanceof let new null return super switch this "
    "throw true try typeof var void while with yield await static implements interface package "
    "private protected public arguments eval".split()
)

#: String methods printed as JavaScript's own (same result for a separator that is not empty).
_METHODS = {"split": "split", "startswith": "startsWith"}

#: ``isinstance(x, t)`` for the types a JSON value may be tested for, by name; a tuple of
#: them is printed as the tests joined by ``||``.
_TYPE_TESTS = {
    "str": '(typeof {0} === "string")',
    "list": "Array.isArray({0})",
    "tuple": "Array.isArray({0})",
    "dict": '(typeof {0} === "object" && {0} !== null && Object.getPrototypeOf({0}) === '
    "Object.prototype)",  # a plain object: not a list, not null, not an instance of a class
}


def _name(name: str) -> str:
    return f"{name}_" if name in _RESERVED else name


def _constant(value: object) -> str:
    if type(value) is int:
        return f"{value}n"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise ValueError(f"not a constant jsprint prints: {value!r:.60}")


def literal(value: object) -> str:
    """A Python table (dicts with string keys, tuples, lists, sets, ints, strings, bools, None)
    as a JavaScript literal, every int a BigInt: ``{"Q4_K": 256n}``; a set is a sorted list."""
    if isinstance(value, (set, frozenset)):
        return literal(sorted(value))
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError(f"a printed dict has string keys only: {value!r:.60}")
        items = (f"{json.dumps(k, ensure_ascii=False)}:{literal(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, (tuple, list)):
        return "[" + ",".join(literal(v) for v in value) + "]"
    return _constant(value)


def _template(node: ast.JoinedStr, expression: Callable[[ast.expr], str]) -> str:
    """An f-string as a template literal: ``f"{a} of {b}"`` as ``${a} of ${b}``, in backticks."""
    out = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            text = str(part.value).replace("\\", "\\\\").replace("`", "\\`")
            out.append(text.replace("${", "\\${"))
        elif (
            isinstance(part, ast.FormattedValue)
            and part.conversion == -1
            and not (part.format_spec)
        ):
            out.append("${" + expression(part.value) + "}")
        else:
            raise ValueError(f"not an f-string part jsprint prints: {ast.unparse(part)}")
    return "`" + "".join(out) + "`"


class _Printer:
    """One function's statements and expressions as JavaScript. ``mappings``: its arguments
    annotated as a ``Mapping`` or ``dict`` (``k in d`` is then ``Object.hasOwn(d, k)``);
    ``errors``: the exception classes it names (Python's type of error, left out: every
    ``raise`` is a ``throw new Error``)."""

    def __init__(self, mappings: frozenset[str], errors: frozenset[str]) -> None:
        self.mappings, self.errors = mappings, errors

    def call(self, node: ast.Call) -> str:
        """A call jsprint prints: a function by name, ``len(x)``, ``x.get(k, default)``, and
        `_METHODS`."""
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ValueError(f"not a call jsprint prints: {ast.unparse(node)}")
        kept = [a for a in node.args if not (isinstance(a, ast.Name) and a.id in self.errors)]
        args = [self.expression(a) for a in kept]
        func = node.func
        if isinstance(func, ast.Name) and func.id == "isinstance" and len(args) == 2:
            return self.type_test(node.args[0], node.args[1])
        if (
            isinstance(func, ast.Attribute) and func.attr == "join" and len(args) == 1
            and isinstance(func.value, ast.Constant) and isinstance(func.value.value, str)
        ):  # fmt: skip
            return f"{args[0]}.join({self.expression(func.value)})"
        if isinstance(func, ast.Attribute) and func.attr == "get" and len(args) in (1, 2):
            default = args[1] if len(args) == 2 else "null"
            return f"gt({self.expression(func.value)}, {args[0]}, {default})"
        if isinstance(func, ast.Attribute) and func.attr in _METHODS and len(args) == 1:
            return f"{self.expression(func.value)}.{_METHODS[func.attr]}({args[0]})"
        if isinstance(func, ast.Name) and func.id == "len" and len(args) == 1:
            return f"ln({args[0]})"
        if isinstance(func, ast.Attribute) and func.attr == "items" and not args:
            return f"Object.entries({self.expression(func.value)})"
        if isinstance(func, ast.Name) and func.id not in dir(builtins):
            return f"{_name(func.id)}({', '.join(args)})"
        raise ValueError(f"not a call jsprint prints: {ast.unparse(node)}")

    def type_test(self, value: ast.expr, types: ast.expr) -> str:
        """``isinstance(value, types)`` for the types of `_TYPE_TESTS`."""
        names = types.elts if isinstance(types, ast.Tuple) else [types]
        keys = dict.fromkeys(n.id if isinstance(n, ast.Name) else "" for n in names)
        if not keys or any(k not in _TYPE_TESTS for k in keys):
            raise ValueError(f"not a type test jsprint prints: {ast.unparse(types)}")
        tests = dict.fromkeys(_TYPE_TESTS[k].format(self.expression(value)) for k in keys)
        return "(" + " || ".join(tests) + ")"

    def expression(self, node: ast.expr) -> str:
        """One Python expression over integers and strings as BigInt JavaScript."""
        if isinstance(node, ast.Constant):
            return _constant(node.value)
        if isinstance(node, ast.Name):
            return _name(node.id)
        if isinstance(node, ast.JoinedStr):
            return _template(node, self.expression)
        if isinstance(node, (ast.List, ast.Tuple)) and isinstance(node.ctx, ast.Load):
            return "[" + ", ".join(map(self.expression, node.elts)) + "]"
        if isinstance(node, ast.Dict) and not node.keys:
            return "{}"
        if isinstance(node, ast.ListComp) and len(node.generators) == 1:
            (loop,) = node.generators
            if not loop.ifs and not loop.is_async:
                item = f"({_target(loop.target)}) => {self.expression(node.elt)}"
                return f"{self.expression(loop.iter)}.map({item})"
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            cut = node.slice
            if cut.lower is not None and cut.upper is None and cut.step is None:
                return f"{self.expression(node.value)}.slice(Number({self.expression(cut.lower)}))"
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
            index = node.slice
            if (
                isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub)
                and isinstance(index.operand, ast.Constant) and type(index.operand.value) is int
            ):  # fmt: skip
                return f"{self.expression(node.value)}.at(-{index.operand.value})"
            return f"{self.expression(node.value)}[{self.expression(index)}]"
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.expression(node.left), self.expression(node.right)
            return f"({left} {_BINARY[type(node.op)]} {right})"
        if isinstance(node, ast.BinOp) and type(node.op) in _CALLS:
            left, right = self.expression(node.left), self.expression(node.right)
            return f"{_CALLS[type(node.op)]}({left}, {right})"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            return f"{'-' if isinstance(node.op, ast.USub) else '!'}{self.expression(node.operand)}"
        if isinstance(node, ast.BoolOp) and type(node.op) in _BOOL:
            return "(" + f" {_BOOL[type(node.op)]} ".join(map(self.expression, node.values)) + ")"
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            return "(" + " && ".join(self.compare(a, op, b) for a, op, b in zip(
                sides, node.ops, sides[1:], strict=False)) + ")"  # fmt: skip
        if isinstance(node, ast.IfExp):
            test, yes, no = (self.expression(x) for x in (node.test, node.body, node.orelse))
            return f"({test} ? {yes} : {no})"
        raise ValueError(f"not an expression jsprint prints: {ast.unparse(node)}")

    def compare(self, a: ast.expr, op: ast.cmpop, b: ast.expr) -> str:
        """One comparison; ``a in b`` as ``b.includes(a)`` (b a string or a list), or as
        ``Object.hasOwn(b, a)`` (b one of ``mappings``)."""
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(b, ast.Name) and b.id in self.mappings:
                found = f"Object.hasOwn({self.expression(b)}, {self.expression(a)})"
            else:
                found = f"{self.expression(b)}.includes({self.expression(a)})"
            return f"!{found}" if isinstance(op, ast.NotIn) else found
        if isinstance(op, (ast.Is, ast.IsNot)) and isinstance(b, ast.Constant) and b.value is None:
            return f"{self.expression(a)} {'===' if isinstance(op, ast.Is) else '!=='} null"
        if type(op) not in _COMPARE:
            raise ValueError(f"not a comparison jsprint prints: {ast.unparse(op)}")
        return f"{self.expression(a)} {_COMPARE[type(op)]} {self.expression(b)}"

    def statements(self, body: list[ast.stmt]) -> str:
        out = []
        for stmt in body:
            out.append(self.statement(stmt))
        return " ".join(s for s in out if s)

    def statement(self, stmt: ast.stmt) -> str:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return ""  # the docstring
        if isinstance(stmt, ast.Return):
            return "return;" if stmt.value is None else f"return {self.expression(stmt.value)};"
        if (
            isinstance(stmt, ast.Raise) and stmt.cause is None and isinstance(stmt.exc, ast.Call)
            and isinstance(stmt.exc.func, ast.Name) and stmt.exc.func.id in self.errors
            and len(stmt.exc.args) == 1 and not stmt.exc.keywords
        ):  # fmt: skip
            return f"throw new Error({self.expression(stmt.exc.args[0])});"
        if isinstance(stmt, ast.Continue):
            return "continue;"
        if isinstance(stmt, ast.If):
            text = f"if ({self.expression(stmt.test)}) {{ {self.statements(stmt.body)} }}"
            if stmt.orelse:
                text += f" else {{ {self.statements(stmt.orelse)} }}"
            return text
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            return f"{_target(stmt.targets[0])} = {self.expression(stmt.value)};"
        if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            return f"{_target(stmt.target)} = {self.expression(stmt.value)};"
        if isinstance(stmt, ast.AugAssign) and type(stmt.op) in (ast.Add, ast.Sub):
            op = _BINARY[type(stmt.op)]
            return f"{_target(stmt.target)} {op}= {self.expression(stmt.value)};"
        if isinstance(stmt, ast.Delete) and len(stmt.targets) == 1:
            if isinstance(stmt.targets[0], ast.Subscript):
                return f"delete {_target(stmt.targets[0])};"
        if isinstance(stmt, ast.For) and not stmt.orelse:
            body = self.statements(stmt.body)
            return f"for ({_target(stmt.target)} of {self.expression(stmt.iter)}) {{ {body} }}"
        if (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "append"
            and len(stmt.value.args) == 1 and not stmt.value.keywords
        ):  # fmt: skip
            what, item = stmt.value.func.value, stmt.value.args[0]
            return f"{self.expression(what)}.push({self.expression(item)});"
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            return f"{self.call(stmt.value)};"  # a check, called for its error
        raise ValueError(f"not a statement jsprint prints: {ast.unparse(stmt)}")


def _target(node: ast.expr) -> str:
    """An assignment's or a loop's target: a name, a tuple of names (destructured), or
    ``d[k]`` (k a name or a constant)."""
    if isinstance(node, ast.Name):
        return _name(node.id)
    if (
        isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
        and isinstance(node.slice, (ast.Name, ast.Constant))
    ):  # fmt: skip
        key = node.slice
        index = _name(key.id) if isinstance(key, ast.Name) else _constant(key.value)
        return f"{_name(node.value.id)}[{index}]"
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.elts):
        return "[" + ", ".join(_name(e.id) for e in node.elts) + "]"  # type: ignore[attr-defined]
    raise ValueError(f"not a target jsprint prints: {ast.unparse(node)}")


def _function_node(fn: Callable[..., Any]) -> ast.FunctionDef:
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    (node,) = tree.body
    if not isinstance(node, ast.FunctionDef):
        raise ValueError(f"not a function: {fn!r}")
    return node


def _printer(fn: Callable[..., Any], node: ast.FunctionDef) -> _Printer:
    """The `_Printer` of ``fn``: its Mapping arguments, the exception classes of its module."""
    mappings = frozenset(
        a.arg for a in node.args.args
        if a.annotation is not None
        and ast.unparse(a.annotation).split("[")[0] in ("Mapping", "dict")
    )  # fmt: skip
    errors = frozenset(
        k for k, v in fn.__globals__.items() if isinstance(v, type) and issubclass(v, Exception)
    )
    return _Printer(mappings, errors)


def _locals(node: ast.FunctionDef) -> list[str]:
    """The names a function assigns (its JavaScript ``let``), in order of first assignment."""
    args = {a.arg for a in node.args.args}
    out: dict[str, None] = {}
    for sub in ast.walk(node):
        targets = []
        if isinstance(sub, ast.Assign):
            targets = sub.targets
        elif isinstance(sub, (ast.AnnAssign, ast.AugAssign, ast.For)):
            targets = [sub.target]
        for t in targets:
            for name in ast.walk(t):
                if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Store):
                    if name.id not in args:  # not d of ``d[k] = x``, which is read
                        out.setdefault(name.id)
    return list(out)


def python_function(fn: Callable[..., Any]) -> str:
    """A Python function of integers and strings, printed from its source as an arrow function.

    Its body may hold ``if``/``else``, ``return`` (with a value or none), ``raise
    Error(message)`` (a ``throw``), assignments to names and to ``d[k]`` (``=``, ``+=``,
    ``-=``), ``del d[k]``, ``for a, b in xs:`` with ``continue``, ``xs.append(x)`` and calls
    made for their errors, over ``+ - * // %``, comparisons, ``is None``, ``in``/``not in``
    (of a string, a list, or an argument annotated ``Mapping``/``dict``),
    ``and``/``or``/``not``, ``x if c else y``, ``d[k]``, ``xs[-1]``, ``s[i:]``,
    ``[f(x) for x in xs]``, ``d.get(k[, x])`` (``gt``), ``d.items()``, ``len`` (``ln``),
    ``s.split``, ``s.startswith``, ``", ".join(xs)``, ``isinstance`` of a str, a list or a
    dict, calls of functions by name (an exception class among their arguments is left
    out), f-strings without format specs, and int, string, bool and None literals; ints are
    BigInt, ``//`` and ``%`` round as Python's do (``fl``, ``md``). Anything else is refused.
    Truth tests are JavaScript's: a function printed here tests no list or dict for emptiness.

    Examples
    --------
    >>> from t5site.jsprint import python_function
    >>> from t5sym.model.config import sparse_count
    >>> print(python_function(sparse_count))  # doctest: +NORMALIZE_WHITESPACE
    (layers, step) => { if (((step <= 0n) || (layers <= 0n))) { return 0n; }
    if ((step === 1n)) { return layers; }
    return ((layers < 2n) ? 0n : (fl((layers - 2n), step) + 1n)); }
    """
    node = _function_node(fn)
    args = ", ".join(_name(a.arg) for a in node.args.args)
    names = _locals(node)
    declared = f"let {', '.join(map(_name, names))}; " if names else ""
    return f"({args}) => {{ {declared}{_printer(fn, node).statements(node.body)} }}"


def _globals(fn: Callable[..., Any]) -> list[str]:
    """The module-level names ``fn`` reads (not its arguments or locals, not an exception
    class), in source order."""
    node = _function_node(fn)
    own = {a.arg for a in node.args.args} | set(_locals(node)) | _printer(fn, node).errors
    out: dict[str, None] = {}
    body = ast.Module(body=node.body, type_ignores=[])
    for sub in ast.walk(body):  # annotations are Python's only
        if isinstance(sub, ast.AnnAssign):
            sub.annotation = ast.Constant(None)
    for sub in ast.walk(body):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id not in own:
            if sub.id in fn.__globals__:
                out.setdefault(sub.id)
    return list(out)


def program(*fns: Callable[..., Any], natives: Iterable[str] = ()) -> str:
    """``fns`` and everything they read of their modules, as JavaScript ``const``
    declarations: each function `python_function`, each table a `literal`, each name once,
    what a declaration reads before it. ``natives``: names the page's runtime defines
    (a check of a value's type, ``shown``), not printed."""
    done: dict[str, str] = {}
    seen: set[str] = set(natives)

    def add(name: str, value: Any) -> None:
        if name in seen:  # done, native, or a recursion's second visit
            return
        seen.add(name)
        if inspect.isfunction(value):
            for dep in _globals(value):
                add(dep, value.__globals__[dep])
            done[name] = f"const {_name(name)} = {python_function(value)};"
        else:
            done[name] = f"const {_name(name)} = {literal(value)};"

    for fn in fns:
        add(fn.__name__, fn)
    return "\n".join(done.values()) + "\n"
