"""What LongT5's local and transient-global attention cost against full attention, in S.

The FLOPs of one encoder self-attention layer are read from the FLOP tree
(`t5sym.views.flops.forward_tree`) of the same structure with each encoder attention (``full``
as in T5, LongT5's ``local`` and ``transient-global``); with n = ⌈S/(r + 1)⌉ local
blocks, G = ⌊S/g⌋ global tokens and h·d = num_heads·d_kv, one layer's attention products
(no weight) cost

| attention | scores + context (+ global aggregates) |
|---|---|
| full | 4·B·h·d·S² |
| local | 4·B·h·d·n·(r + 1)·3·(r + 1) |
| transient-global | 4·B·h·d·n·(r + 1)·(3·(r + 1) + G) + 2·B·S·G·d_model |

`smooth` drops the rounding (n = S/(r + 1), G = S/g: exact when S is a multiple of both),
which makes each a polynomial in S whose ratio to full attention and crossing with it
SymPy solves (`crossover`); `first_cheaper` finds the exact crossing, rounding included.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import sympy
from sympy import Expr

from t5sym.errors import T5SymError
from t5sym.model import checks, params
from t5sym.model.algebra import evaluate, expression, integer
from t5sym.model.config import Config, checked_config
from t5sym.model.nodes import Node
from t5sym.model.roles import ENCODER_ATTENTIONS
from t5sym.model.symbols import batch, encoder_length
from t5sym.views import flops

#: The keyword options of `ratio`, `limit_ratio`, `crossover`, `first_cheaper` and `table`:
#: those `layer_flops` takes.
OPTIONS = ("products_only",)

#: The most cells (runs of max(r + 1, g) lengths) `first_cheaper` searches below the bound
#: on the crossing before it gives up: a config needs that many only when the blocked cost
#: and full attention's grow at almost the same rate.
MAX_CELLS = 10_000


def _options(kw: dict[str, Any]) -> dict[str, bool]:
    """``kw`` if every key is a `layer_flops` option, else a one-line error naming it."""
    for key in kw:
        if key not in OPTIONS:
            known = ", ".join(OPTIONS)
            raise T5SymError(f"{checks.shown(key)[1:-1][:40]}: unknown keyword; known: {known}")
    return kw


#: The encoder self-attentions compared: T5's, and LongT5's two.
ATTENTIONS = ("full", "local", "transient-global")


def _attention(config: Config | None, attention: str) -> Node:
    """The encoder's self-attention module of the FLOP tree, with ``attention``."""
    if attention not in ATTENTIONS:
        raise T5SymError(f"attention: must be one of {', '.join(ATTENTIONS)}")
    base = params.structure(config, encoder_only=True)
    tree = flops.forward_tree_of(replace(base, encoder_attention=attention))
    return next(n for n in tree if n.role in ENCODER_ATTENTIONS)


def layer_flops(
    config: Config | None = None, attention: str = "local", *, products_only: bool = True
) -> Expr:
    """Forward FLOPs of one encoder self-attention layer, as SymPy in B and S.

    The attention module of the FLOP tree over its ``repeat`` (one block): its products
    (``scores``, ``context``, ``global_aggregates``) only, or with ``products_only=False``
    the whole module (``q``, ``k``, ``v``, ``o`` included; the transient-global ``k`` and
    ``v`` also project the G global tokens). With a config its dims are substituted;
    without one the dims stay symbols.

    Examples
    --------
    >>> from t5sym.views import longt5
    >>> longt5.layer_flops(attention="full")
    4*batch*d_kv*encoder_length**2*num_heads
    """
    expr = _per_layer(config, attention, products_only)
    if config is None:
        return sympy.factor(expr)
    return sympy.factor(expr.subs(checked_config(config).values()))


def _per_layer(config: Config | None, attention: str, products_only: Any) -> Expr:
    """`layer_flops` in the dims' symbols, neither substituted nor factored."""
    products_only = checks.boolean("products_only", products_only)
    module = _attention(config, attention)
    leaves = [c for c in module.children if not products_only or c.kind == "matmul"]
    return sympy.Add(*(c.expr / c.repeat for c in leaves))


#: The block counts as single letters, for reading: n local blocks, G global tokens.
n_blocks = sympy.Symbol("n", integer=True, positive=True)
n_global = sympy.Symbol("G", integer=True, nonnegative=True)


def notation(expr: Expr) -> Expr:
    """``expr`` with ⌈S/(r + 1)⌉ written n and ⌊S/g⌋ written G, collected over G."""
    counts = {flops.local_blocks(): n_blocks, flops.global_tokens(): n_global}
    short = expression("expr", expr).xreplace(counts)
    return sympy.collect(sympy.expand(short), [n_global], func=sympy.factor)


def smooth(expr: Expr) -> Expr:
    """``expr`` with every ``ceiling``/``floor`` replaced by its argument.

    Exact when S is a multiple of r + 1 and of g (no padding, no partial global block).
    """
    expr = expression("expr", expr)
    return sympy.expand(expr.replace(sympy.ceiling, lambda x: x).replace(sympy.floor, lambda x: x))


def ratio(config: Config | None = None, attention: str = "local", **kw: bool) -> Expr:
    """`smooth` cost of ``attention`` over full attention's, simplified: a function of S."""
    _options(kw)
    full = smooth(layer_flops(config, "full", **kw))
    return sympy.simplify(sympy.expand(smooth(layer_flops(config, attention, **kw)) / full))


def limit_ratio(config: Config | None = None, attention: str = "local", **kw: bool) -> Expr:
    """The `ratio` as S grows without bound: 0 for local, about (1 + d_model/(2·h·d))/g
    for transient-global (the global tokens grow with S)."""
    _options(kw)
    return sympy.limit(ratio(config, attention, **kw), encoder_length, sympy.oo)


def crossover(config: Config | None = None, attention: str = "local", **kw: bool) -> Expr:
    """The S at which the `smooth` cost equals full attention's, solved by SymPy.

    Beyond it the blocked attention is cheaper; ``sympy.oo`` when it never is (the
    transient-global limit ratio is not below 1).

    Examples
    --------
    >>> from t5sym.views import longt5
    >>> longt5.crossover(attention="local")  # three blocks of r + 1
    3*(local_radius + 1)
    """
    _options(kw)
    full = smooth(layer_flops(config, "full", **kw))
    other = smooth(layer_flops(config, attention, **kw))
    length = sympy.Symbol(encoder_length.name, positive=True)  # a real S: any root
    gap = sympy.cancel((full - other) / (batch * encoder_length)).subs(encoder_length, length)
    roots = sympy.solve(gap, length)
    if len(roots) != 1:
        return sympy.oo
    return sympy.factor(roots[0])


def first_cheaper(config: Config, attention: str = "local", **kw: bool) -> int | None:
    """The least S from which on ``attention`` costs less than full attention, exactly.

    Rounding included (padding to whole blocks of r + 1, ⌊S/g⌋ global tokens). Beyond the
    largest root of full − bound, where bound replaces ⌈x⌉ by x + 1 and ⌊x⌋ by x (an
    upper bound of the cost), the cost is surely lower. Below it the search runs down
    cells of max(r + 1, g) lengths, in which one rounded count is fixed: the starts of the
    blocks inside a cell (where the other count steps) are a quadratic sequence, and so
    is the cost gap inside a block, so each cell takes a few dozen exact evaluations
    whatever its size (`last_at_most_zero`). ``None`` if it is never cheaper for all
    large S.

    Within a block (both counts fixed) the gap full − cost rises with S whenever the
    cost grows slower than full attention (``4·h·d·S² − 2·d_model·G·S`` with
    2·d_model < 4·h·d·(g − 1)), so the last block whose start is not cheaper holds the
    answer.

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views import longt5
    >>> base = t5sym.load("long-t5-local-base")  # r = 127: S² > 3·128²·⌈S/128⌉ from 444
    >>> longt5.first_cheaper(base, "local")
    444
    """
    checked_config(config)
    products_only = _options(kw).get("products_only", True)
    full = _per_layer(config, "full", products_only)
    other = _per_layer(config, attention, products_only)
    bound = sympy.expand(
        other.replace(sympy.ceiling, lambda x: x + 1).replace(sympy.floor, lambda x: x)
    )
    values: dict[sympy.Symbol, int] = {**config.values(), batch: 1}
    gap = sympy.Poly(sympy.expand(full - bound), encoder_length)
    coefficients = [Fraction(evaluate(c, values)) for c in gap.all_coeffs()]
    while coefficients and coefficients[0] == 0:
        coefficients.pop(0)
    if not coefficients or coefficients[0] < 0:
        return None
    top = _largest_root_floor(coefficients) + 1
    if top < 1:
        return 1

    def not_cheaper(s: int) -> int:
        """full − cost at S = s: ≤ 0 where ``attention`` is not cheaper."""
        at = {**values, encoder_length: s}
        return integer(full, at) - integer(other, at)

    block = config.local_radius + 1
    glob = config.global_block_size if other.has(sympy.floor) else None
    return _last_not_cheaper(not_cheaper, top, block, glob) + 1


def _largest_root_floor(coefficients: list[Fraction]) -> int:
    """⌊largest real root⌋ of a polynomial of degree ≤ 2 with a positive leading coefficient
    (highest first), exactly with integer square roots; -1 when it has no real root."""
    if len(coefficients) > 3:
        raise T5SymError("attention: the cost is not quadratic in S")
    common = math.lcm(*(c.denominator for c in coefficients))
    ints = [int(c * common) for c in coefficients]
    if len(ints) == 1:
        return -1
    if len(ints) == 2:
        return -ints[1] // ints[0]
    a, b, c = ints
    disc = b * b - 4 * a * c
    if disc < 0:
        return -1

    def at_most_root(x: int) -> bool:  # x ≤ (−b + √disc)/(2a)
        t = 2 * a * x + b
        return t <= 0 or t * t <= disc

    x = (math.isqrt(disc) - b) // (2 * a)
    while at_most_root(x + 1):
        x += 1
    while not at_most_root(x):
        x -= 1
    return x


def _first(pred: Callable[[int], bool], lo: int, hi: int) -> int:
    """The least m in [lo, hi] with ``pred`` (False, …, False, True, …), else hi + 1."""
    while lo <= hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid - 1
        else:
            lo = mid + 1
    return lo


def last_at_most_zero(f: Callable[[int], int], a: int, b: int) -> int | None:
    """The largest m in [a, b] with f(m) ≤ 0, for f a quadratic polynomial on the integers
    (convex, concave or linear); ``None`` if there is none. O(log(b − a)) evaluations.

    Examples
    --------
    >>> from t5sym.views.longt5 import last_at_most_zero
    >>> last_at_most_zero(lambda m: m * m - 50, -100, 100)  # 7² ≤ 50 < 8²
    7
    """
    if a > b:
        return None
    if f(b) <= 0:
        return b
    if b - a < 3:
        return next((m for m in range(b - 1, a - 1, -1) if f(m) <= 0), None)
    convex = f(a + 2) - 2 * f(a + 1) + f(a) >= 0
    # the vertex: the first m whose step f(m + 1) − f(m) turns (b if it never does)
    if convex:
        v = _first(lambda m: f(m + 1) - f(m) >= 0, a, b - 1)
        if f(v) > 0:
            return None
        return _first(lambda m: f(m) > 0, v, b) - 1  # f rises on [v, b]
    v = _first(lambda m: f(m + 1) - f(m) <= 0, a, b - 1)
    if f(a) > 0:  # f rises on [a, v] and falls to f(b) > 0 after
        return None
    return _first(lambda m: f(m) > 0, a, v) - 1


def _last_not_cheaper(f: Callable[[int], int], top: int, k: int, g: int | None) -> int:
    """The largest S in [1, top] with f(S) ≤ 0 (0 if none).

    ⌈S/k⌉ steps after each multiple of k, ⌊S/g⌋ at each multiple of g (``g`` None: no
    global tokens). Cells of the larger step fix one count; inside a cell the block
    starts, where the other steps, have f quadratic in their index.
    """
    if g is None:
        outer, inner = ("k", k), None
    elif k >= g:
        outer, inner = ("k", k), (g, 0)  # blocks start at multiples of g
    else:
        outer, inner = ("g", g), (k, 1)  # blocks start at multiples of k, plus one
    kind, step = outer
    cell = -(-top // step) if kind == "k" else top // step
    for _ in range(MAX_CELLS):
        if kind == "k":  # S in ((cell − 1)·k, cell·k]: ⌈S/k⌉ = cell
            s0, e = (cell - 1) * step + 1, min(cell * step, top)
        else:  # S in [cell·g, cell·g + g): ⌊S/g⌋ = cell
            s0, e = cell * step, min(cell * step + step - 1, top)
        s0 = max(s0, 1)
        if s0 > e:
            return 0
        if inner is None:
            found = last_at_most_zero(f, s0, e)
        else:
            found = _in_cell(f, s0, e, *inner)
        if found is not None:
            return found
        if s0 == 1:
            return 0
        cell -= 1
    raise T5SymError(
        f"attention: the exact crossing lies more than {MAX_CELLS:,} blocks below its bound "
        "(the blocked cost grows almost as fast as full attention's); see crossover"
    )


def _in_cell(f: Callable[[int], int], s0: int, e: int, step: int, offset: int) -> int | None:
    """The largest S in [s0, e] with f(S) ≤ 0, where blocks start at s0 and at every
    m·step + offset in (s0, e], f is quadratic in m there and rises inside each block."""
    m_lo = (s0 - offset) // step + 1
    m_hi = (e - offset) // step
    m = last_at_most_zero(lambda j: f(j * step + offset), m_lo, m_hi)
    if m is None:
        if f(s0) > 0:
            return None
        m = m_lo - 1
        start = s0
    else:
        start = m * step + offset
    end = min(e, (m + 1) * step + offset - 1)
    return last_at_most_zero(f, start, end)


def cost(expr: Expr, s: int, b: int = 1) -> int:
    """``expr`` (a `layer_flops`) at S = ``s`` and B = ``b``, exactly."""
    s = checks.positive_int("encoder_length", s)
    b = checks.positive_int("batch", b)
    return integer(expression("expr", expr), {encoder_length: s, batch: b})


@dataclass(frozen=True)
class Row:
    """One sequence length: each attention's exact per-layer FLOPs (B = 1) and its ratio."""

    encoder_length: int
    flops: dict[str, int]

    def ratio(self, attention: str) -> Fraction:
        """FLOPs of ``attention`` over full attention's at this length."""
        return Fraction(self.flops[attention], self.flops["full"])


def table(config: Config, lengths: list[int], **kw: bool) -> list[Row]:
    """Exact per-layer FLOPs (B = 1) of every attention at each S in ``lengths``."""
    checked_config(config)
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, Iterable):
        got = checks.shown(lengths)
        raise T5SymError(f"lengths: must be a list of positive integers, got {got}")
    lengths = [checks.positive_int("encoder_length", s) for s in lengths]
    products_only = _options(kw).get("products_only", True)
    exprs = {a: _per_layer(config, a, products_only) for a in ATTENTIONS}
    values = {**config.values(), batch: 1}
    return [
        Row(s, {a: integer(e, {**values, encoder_length: s}) for a, e in exprs.items()})
        for s in lengths
    ]
