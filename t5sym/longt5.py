"""What LongT5's local and transient-global attention cost against full attention, in S.

The FLOPs of one encoder self-attention layer are read from the FLOP tree
(`t5sym.flops.forward_tree`) of the same structure with each encoder attention (``full``
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

from dataclasses import dataclass, replace
from fractions import Fraction

import sympy
from sympy import Expr

from . import checks, flops, params
from .algebra import integer
from .config import Config, checked_config
from .errors import T5SymError
from .roles import ENCODER_ATTENTIONS
from .symbols import batch, encoder_length
from .tree import Node

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
    >>> from t5sym import longt5
    >>> longt5.layer_flops(attention="full")
    4*batch*d_kv*encoder_length**2*num_heads
    """
    module = _attention(config, attention)
    leaves = [c for c in module.children if not products_only or c.kind == "matmul"]
    expr = sympy.Add(*(c.expr / c.repeat for c in leaves))
    if config is None:
        return sympy.factor(expr)
    return sympy.factor(expr.subs(config.values()))


#: The block counts as single letters, for reading: n local blocks, G global tokens.
n_blocks = sympy.Symbol("n", integer=True, positive=True)
n_global = sympy.Symbol("G", integer=True, nonnegative=True)


def notation(expr: Expr) -> Expr:
    """``expr`` with ⌈S/(r + 1)⌉ written n and ⌊S/g⌋ written G, collected over G."""
    short = expr.xreplace({flops.local_blocks(): n_blocks, flops.global_tokens(): n_global})
    return sympy.collect(sympy.expand(short), [n_global], func=sympy.factor)


def smooth(expr: Expr) -> Expr:
    """``expr`` with every ``ceiling``/``floor`` replaced by its argument.

    Exact when S is a multiple of r + 1 and of g (no padding, no partial global block).
    """
    return sympy.expand(expr.replace(sympy.ceiling, lambda x: x).replace(sympy.floor, lambda x: x))


def ratio(config: Config | None = None, attention: str = "local", **kw: bool) -> Expr:
    """`smooth` cost of ``attention`` over full attention's, simplified: a function of S."""
    full = smooth(layer_flops(config, "full", **kw))
    return sympy.simplify(sympy.expand(smooth(layer_flops(config, attention, **kw)) / full))


def limit_ratio(config: Config | None = None, attention: str = "local", **kw: bool) -> Expr:
    """The `ratio` as S grows without bound: 0 for local, about (1 + d_model/(2·h·d))/g
    for transient-global (the global tokens grow with S)."""
    return sympy.limit(ratio(config, attention, **kw), encoder_length, sympy.oo)


def crossover(config: Config | None = None, attention: str = "local", **kw: bool) -> Expr:
    """The S at which the `smooth` cost equals full attention's, solved by SymPy.

    Beyond it the blocked attention is cheaper; ``sympy.oo`` when it never is (the
    transient-global limit ratio is not below 1).

    Examples
    --------
    >>> from t5sym import longt5
    >>> longt5.crossover(attention="local")  # three blocks of r + 1
    3*(local_radius + 1)
    """
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
    upper bound of the cost), the cost is surely lower; below it every S is evaluated
    exactly. ``None`` if it is never cheaper for all large S.
    """
    checked_config(config)
    full = layer_flops(config, "full", **kw)
    other = layer_flops(config, attention, **kw)
    bound = sympy.expand(
        other.replace(sympy.ceiling, lambda x: x + 1).replace(sympy.floor, lambda x: x)
    )
    gap = sympy.Poly(sympy.expand((full - bound).subs(batch, 1)), encoder_length)
    if gap.LC() <= 0:
        return None
    start = max((int(sympy.floor(r)) for r in sympy.real_roots(gap)), default=0) + 1
    last = next(
        (s for s in range(start, 0, -1) if cost(other, s) >= cost(full, s)),
        0,
    )
    return last + 1


def cost(expr: Expr, s: int, b: int = 1) -> int:
    """``expr`` (a `layer_flops`) at S = ``s`` and B = ``b``, exactly."""
    return integer(expr, {encoder_length: s, batch: b})


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
    exprs = {a: layer_flops(config, a, **kw) for a in ATTENTIONS}
    return [
        Row(checks.positive_int("encoder_length", s), {a: cost(e, s) for a, e in exprs.items()})
        for s in lengths
    ]
