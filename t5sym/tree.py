"""A breakdown tree: SymPy expressions keyed by transformers module names.

A `Node` is one module (or, with ``*`` for the block index, one module summed
over every block of a stack). A leaf is one weight: its ``shape`` (as torch stores it),
how many blocks ``repeat`` it, and its ``kind``; its formula is ``repeat * prod(shape)``.
An inner node's expression is the sum of its children's, so every total is derived from
the parts. `Tree.view` maps the leaves to other formulas (FLOPs, optimizer bytes,
per-core counts) and keeps the same names and sums: one tree, several views.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import sympy
from sympy import Expr, Symbol

from .errors import NodeError


@dataclass(frozen=True)
class Node:
    """One module of the model and its formula.

    ``name`` is the module's path in transformers, e.g.
    ``encoder.block.*.layer.0.SelfAttention.q`` (``*``: summed over all blocks).
    """

    name: str
    leaf: Expr | None = None
    children: tuple[Node, ...] = ()
    doc: str = field(default="", compare=False)
    shape: tuple[Expr, ...] = ()
    repeat: Expr = sympy.S.One
    kind: str = ""

    @property
    def is_leaf(self) -> bool:
        return self.leaf is not None

    @cached_property
    def expr(self) -> Expr:
        """The leaf's formula, or the sum of the children's."""
        if self.leaf is not None:
            return self.leaf
        return sympy.Add(*(c.expr for c in self.children))

    @property
    def short(self) -> str:
        """The last part of the name, e.g. ``q``."""
        return self.name.rsplit(".", 1)[-1]

    def walk(self) -> Iterator[Node]:
        """This node, then every descendant, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def depths(self, depth: int = 0) -> Iterator[tuple[int, Node]]:
        """``(depth, node)`` for this node and every descendant, depth first."""
        yield depth, self
        for child in self.children:
            yield from child.depths(depth + 1)


def weight(name: str, shape: tuple[Expr, ...], kind: str, repeat: Expr = 1, doc: str = "") -> Node:
    """A leaf for one weight of ``shape`` (torch order), in ``repeat`` blocks.

    ``kind`` is ``"linear"``, ``"embedding"`` or ``"norm"``. Formula: repeat·∏shape.
    """
    shape = tuple(sympy.sympify(d) for d in shape)
    repeat = sympy.sympify(repeat)
    return Node(name, repeat * sympy.Mul(*shape), (), doc, shape, repeat, kind)


def group(name: str, *children: Node | None, doc: str = "") -> Node:
    """A node whose formula is the sum of its children (``None`` children are dropped)."""
    return Node(name, None, tuple(c for c in children if c is not None), doc)


def _map(node: Node, fn: Callable[[Node], Expr | None]) -> Node | None:
    if node.is_leaf:
        expr = fn(node)
        if expr is None:
            return None
        return Node(
            node.name, sympy.sympify(expr), (), node.doc, node.shape, node.repeat, node.kind
        )
    children = tuple(c for c in (_map(child, fn) for child in node.children) if c is not None)
    return Node(node.name, None, children, node.doc) if children or not node.name else None


@dataclass(frozen=True)
class Tree:
    """A model's breakdown: the root and every node by name."""

    root: Node

    @cached_property
    def nodes(self) -> dict[str, Node]:
        """Every node below the root, by module name (root excluded)."""
        return {n.name: n for n in self.root.walk() if n is not self.root}

    @property
    def total(self) -> Expr:
        return self.root.expr

    def __getitem__(self, name: str) -> Node:
        try:
            return self.nodes[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self.nodes), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else "; see 'count --breakdown'"
            raise NodeError(f"node: no node {name!r} in this model{hint}") from None

    def view(self, fn: Callable[[Node], Expr | int | None]) -> Tree:
        """The same tree with each leaf's formula replaced by ``fn(leaf)``.

        A leaf for which ``fn`` returns ``None`` is dropped (and a group left empty).
        """
        return Tree(_map(self.root, fn) or Node(""))

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    @cached_property
    def symbols(self) -> tuple[Symbol, ...]:
        """The free symbols of the total, sorted by name."""
        return tuple(sorted(self.total.free_symbols, key=lambda s: s.name))

    @cached_property
    def _leaves(self) -> tuple[Node, ...]:
        return tuple(n for n in self.root.walk() if n.is_leaf)

    def evaluate(self, values: Mapping[Symbol, int]) -> dict[str, int]:
        """Exact integers for the total (key ``""``) and every node.

        Each leaf's formula is evaluated on Python ints (exact at any size); every inner node
        is then the sum of its children, as in `Node.expr`.
        """
        out = {n.name: exact_int(n.expr, values) for n in self._leaves}

        def fill(node: Node) -> int:
            if not node.is_leaf:
                out[node.name] = sum(fill(c) for c in node.children)
            return out[node.name]

        fill(self.root)
        return {"": out.pop(""), **{name: out[name] for name in self.nodes}}


def exact(expr: Expr, values: Mapping[Symbol, int]) -> int | Fraction:
    """Evaluate a rational polynomial exactly: ints and Fractions, no floats, no substitution."""
    if expr.is_Symbol:
        return values[expr]
    if expr.is_Integer:
        return int(expr)
    if expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    if expr.is_Add:
        return sum(exact(a, values) for a in expr.args)
    if expr.is_Mul:
        return math.prod(exact(a, values) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Integer:
        base, exp = exact(expr.base, values), int(expr.exp)
        return base**exp if exp >= 0 else Fraction(1, base ** (-exp))
    raise TypeError(f"cannot evaluate {expr} exactly")


def exact_int(expr: Expr, values: Mapping[Symbol, int]) -> int:
    """`exact`, required to be a whole number."""
    value = exact(expr, values)
    if isinstance(value, Fraction):
        if value.denominator != 1:
            raise ValueError(f"{expr} is not a whole number here: {value}")
        value = value.numerator
    return value
