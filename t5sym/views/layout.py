"""Mesh TensorFlow's layout rules for T5: which axis of each weight is split over the cores.

T5 was trained with Mesh TensorFlow, whose layout rules split the ``heads``, ``d_ff`` and
``vocab`` dimensions over the ``model`` mesh dimension of p cores and never split
``d_model`` (tensorflow/mesh ``mesh_tensorflow/transformer/gin/defaults.gin``:
``layout_rules = "...,d_ff:model,heads:model,vocab:model,..."``; t5x ``partitioning.py``
keeps ``('embed', None)``). An einsum needs communication, an all-reduce of its output,
only when a dimension it sums out is split (tensorflow/mesh ``README.md``, "Where does the
network communication happen?"; ``mtf.gather`` is an einsum with a one-hot, ``ops.py``).

Everything here is read from a leaf's shape (`t5sym.model.nodes.Node`): the split axis is the one
whose formula holds num_heads, d_ff or vocab_size (`split_axis`); a ``Linear`` sums out
its input axis and an embedding lookup its rows (`contracted_axis`).
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction
from math import gcd
from typing import Any

import sympy
from sympy import Expr, Symbol

from t5sym.errors import T5SymError
from t5sym.model.algebra import expression
from t5sym.model.checks import positive_int, shown
from t5sym.model.config import Config, checked_config
from t5sym.model.nodes import Node, Tree
from t5sym.model.symbols import cores, d_ff, num_heads, vocab_size

#: The dims split over the ``model`` mesh dimension, with their Mesh TF names
#: (``defaults.gin`` layout_rules ``d_ff:model,heads:model,vocab:model``).
SPLIT: dict[Symbol, str] = {num_heads: "heads", d_ff: "d_ff", vocab_size: "vocab"}

#: ``utils.tpu_mesh_shape.model_parallelism`` of the T5 v1.0 gins
#: (google-research/text-to-text-transfer-transformer ``t5/models/gin/models/``
#: ``bi_v1_large.gin``, ``bi_v1_3B.gin``, ``bi_v1_11B.gin``).
MODEL_PARALLELISM: dict[str, int] = {"t5-large": 2, "t5-3b": 8, "t5-11b": 32}

#: Ring all-reduce: every core sends (and receives) 2·(p−1)/p times the tensor's bytes
#: (a reduce-scatter, then an all-gather, each of p−1 steps of 1/p of the tensor).
RING_FACTOR: Expr = 2 * (cores - 1) / cores


def ring_bytes(tensor_bytes: Expr) -> Expr:
    """Bytes each core sends in a ring all-reduce of ``tensor_bytes``: 2·(p−1)/p × bytes."""
    return RING_FACTOR * expression("tensor_bytes", tensor_bytes)


def split_axis(leaf: Node) -> int | None:
    """The axis of ``leaf.shape`` split over the cores, or ``None`` (replicated).

    It is the axis whose formula holds num_heads, d_ff or vocab_size: the rows of q, k, v
    (num_heads·d_kv), the columns of o, the rows of wi and columns of wo (d_ff), the rows of
    ``shared`` and ``lm_head`` (vocab_size), the columns of the relative attention bias.
    """
    axes = [i for i, dim in enumerate(leaf.shape) if dim.free_symbols & SPLIT.keys()]
    if len(axes) > 1:  # one tensor cannot use the model mesh dimension twice
        raise T5SymError(f"{leaf.name}: more than one split dimension in {leaf.shape}")
    return axes[0] if axes else None


def split_name(leaf: Node) -> str | None:
    """The Mesh TF name of the split dimension (``heads``, ``d_ff``, ``vocab``), or None."""
    axis = split_axis(leaf)
    if axis is None:
        return None
    (symbol,) = leaf.shape[axis].free_symbols & SPLIT.keys()
    return SPLIT[symbol]


def contracted_axis(leaf: Node) -> int | None:
    """The axis of the weight that its use sums out.

    ``Linear``: the input axis (torch stores ``(out, in)``): axis 1. An embedding lookup is
    an einsum with a one-hot over the rows (``mtf.gather``): axis 0. A norm scale is
    elementwise: ``None``.
    """
    return {"linear": 1, "embedding": 0}.get(leaf.kind)


def local_shape(leaf: Node) -> tuple[Expr, ...]:
    """The shape of the weight on one core: the split axis divided by p."""
    axis = split_axis(leaf)
    return tuple(dim / cores if i == axis else dim for i, dim in enumerate(leaf.shape))


def needs_allreduce(leaf: Node) -> bool:
    """True when the weight's use sums out its split axis, so the output is all-reduced."""
    axis = split_axis(leaf)
    return axis is not None and axis == contracted_axis(leaf)


def _local(node: Node) -> Node:
    if not node.is_leaf:
        return replace(node, children=tuple(_local(c) for c in node.children))
    shape = local_shape(node)
    return replace(node, leaf=node.repeat * sympy.Mul(*shape), shape=shape)


def local_tree(tree: Tree) -> Tree:
    """The parameter tree as one core holds it: each leaf's shape is its local shape.

    Every per-leaf formula (bytes, optimizer state) then gives the amount per core, in p.

    Examples
    --------
    >>> from t5sym.model import params
    >>> from t5sym.views.layout import local_tree
    >>> local_tree(params.tree())["encoder.block.*.layer.1.DenseReluDense.wi"].shape
    (d_ff/cores, d_model)
    """
    if not isinstance(tree, Tree):
        raise T5SymError(f"tree: must be a t5sym.model.nodes.Tree, got {shown(tree)}")
    return Tree(_local(tree.root))


def most_cores(config: Config) -> int:
    """The most cores one copy of the model can be split over: gcd(num_heads, d_ff, vocab).

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views.layout import most_cores
    >>> most_cores(t5sym.load("t5-11b"))
    128
    """
    values = checked_config(config).values()
    return math.gcd(*(values[s] for s in SPLIT))


def check_cores(config: Config, count: Any) -> int:
    """``count`` as a number of cores: a positive integer dividing every split dimension.

    One core is a legitimate layout: everything whole, no communication.

    Raises
    ------
    T5SymError
        ``cores: 3 does not divide num_heads = 32`` (or d_ff, vocab_size).
    """
    values = checked_config(config).values()
    return dividing(positive_int("cores", count), [(s.name, values[s]) for s in SPLIT])


def dividing(count: int, split: list[tuple[str, int]]) -> int:
    """``count`` if it divides the value of every ``(name, value)`` of ``split``, else an
    error naming the first it does not and the most it could be (their gcd). The
    calculator runs it printed (`t5site`)."""
    most = 0
    for _, value in split:
        most = gcd(most, value)
    for name, value in split:
        if value % count:
            raise T5SymError(
                f"cores: {count} does not divide {name} = {value}; use a divisor of {most}"
            )
    return count


#: Primes up to this bound are tried as factors of the largest core count (`fewest_cores`).
TRIAL_PRIMES = 1 << 16

#: The most divisors `fewest_cores` lists.
MAX_DIVISORS = 1_000_000


def fewest_cores(most: int, split: int | Fraction, budget: int | Fraction) -> int | None:
    """The least divisor p of ``most`` with split/p ≤ ``budget`` (None: not even ``most``).

    What each core holds is split/p + replicated, falling as p grows, so the least core
    count that fits is the least divisor of ``most`` at or above ⌈split/budget⌉, with
    ``budget`` the memory left once the replicated part is held. It is found from the
    factorization of ``most`` (primes below `TRIAL_PRIMES`, and a prime or a prime's
    power left over), never by trying core counts one by one.

    Examples
    --------
    >>> from t5sym.views.layout import fewest_cores
    >>> fewest_cores(128, 1000, 100), fewest_cores(128, 1000, 7)
    (16, None)
    >>> fewest_cores(10**300, 10**300, 3) == 5 * 10**299  # the least divisor ≥ 10**300/3
    True
    """
    if split <= 0:
        return 1 if budget >= 0 else None
    if budget <= 0:
        return None
    need = max(1, math.ceil(Fraction(split) / Fraction(budget)))
    if need == 1:
        return 1
    if need > most:
        return None
    best = most
    for d in divisors(most):
        if need <= d < best:
            best = d
    return best


def divisors(n: int) -> list[int]:
    """Every divisor of ``n`` > 0, from its factorization; a one-line error when ``n`` has two
    prime factors over `TRIAL_PRIMES` that are not one prime's power, or over `MAX_DIVISORS`
    divisors.

    Examples
    --------
    >>> from t5sym.views.layout import divisors
    >>> divisors(12)
    [1, 2, 3, 4, 6, 12]
    """
    factors: dict[int, int] = {}
    rest = n
    for p in sympy.primerange(2, TRIAL_PRIMES):
        if p * p > rest:
            break
        while rest % p == 0:
            factors[p] = factors.get(p, 0) + 1
            rest //= p
    if rest > 1:
        base, power = sympy.perfect_power(rest) or (rest, 1)
        if not sympy.isprime(base):
            raise T5SymError(
                f"cores: cannot list the divisors of {shown(n)}: two large prime factors"
            )
        factors[int(base)] = factors.get(int(base), 0) + int(power)
    count = math.prod(e + 1 for e in factors.values())
    if count > MAX_DIVISORS:
        raise T5SymError(f"cores: {shown(n)} has {count:,} divisors, over {MAX_DIVISORS:,}")
    out = [1]
    for p, e in factors.items():
        out = [d * p**i for d in out for i in range(e + 1)]
    return sorted(out)
