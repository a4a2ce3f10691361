"""A breakdown tree: SymPy expressions keyed by transformers module names.

A `Node` is one module (or, with ``*`` for the block index, one module summed
over every block of a stack). A leaf is one weight: its ``shape`` (as torch stores it),
how many blocks ``repeat`` it, and its ``kind``; its formula is ``repeat * prod(shape)``.
An inner node's expression is the sum of its children's, so every total is derived from
the parts. `Tree.view` maps the leaves to other formulas (FLOPs, optimizer bytes,
per-core counts) and keeps the same names and sums: one tree, several views.

Every node carries its `t5sym.model.roles.Role` and the roles of the modules around it
(``context``): views select nodes by role, names are for people.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

import sympy
from sympy import Expr, Symbol

from t5sym.errors import NodeError
from t5sym.model.algebra import Number, integer
from t5sym.model.checks import shown
from t5sym.model.roles import MODULES, STACKS, Role


@dataclass(frozen=True)
class Node:
    """One module of the model and its formula.

    ``name`` is the module's path in transformers, e.g.
    ``encoder.block.*.layer.0.SelfAttention.q`` (``*``: summed over all blocks);
    ``role`` what it is, ``context`` the roles of the modules it sits in (outermost
    first, set by `placed`).
    """

    name: str
    leaf: Expr | None = None
    children: tuple[Node, ...] = ()
    doc: str = field(default="", compare=False)
    shape: tuple[Expr, ...] = ()
    repeat: Expr = sympy.S.One
    kind: str = ""
    role: Role = Role.MODEL
    context: tuple[Role, ...] = ()

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

    @property
    def stack(self) -> Role | None:
        """`Role.ENCODER` or `Role.DECODER` for a node in (or being) a stack, else None."""
        return next((r for r in (*self.context, self.role) if r in STACKS), None)

    @property
    def module(self) -> Role | None:
        """The innermost attention, feed-forward, router or experts module this node is
        (or sits in), or None (embeddings, heads, a stack's final norm)."""
        return next((r for r in (self.role, *reversed(self.context)) if r in MODULES), None)

    def within(self, *roles: Role) -> bool:
        """Whether this node has one of ``roles`` or sits in a module that has."""
        return self.role in roles or any(r in roles for r in self.context)

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


def weight(
    name: str,
    shape: tuple[Expr, ...],
    kind: str,
    repeat: Expr = 1,
    doc: str = "",
    *,
    role: Role,
) -> Node:
    """A leaf for one weight of ``shape`` (torch order), in ``repeat`` blocks.

    ``kind`` is ``"linear"``, ``"embedding"``, ``"norm"`` or ``"bias"`` (how it is
    stored and used); ``role`` what it is. Formula: repeat·∏shape.
    """
    shape = tuple(sympy.sympify(d) for d in shape)
    repeat = sympy.sympify(repeat)
    return Node(name, repeat * sympy.Mul(*shape), (), doc, shape, repeat, kind, role)


def group(name: str, *children: Node | None, role: Role, doc: str = "") -> Node:
    """A node whose formula is the sum of its children (``None`` children are dropped)."""
    return Node(name, None, tuple(c for c in children if c is not None), doc, role=role)


def placed(node: Node, context: tuple[Role, ...] = ()) -> Node:
    """``node`` and its descendants with ``context`` set: the roles of their ancestors."""
    inner = (*context, node.role)
    children = tuple(placed(c, inner) for c in node.children)
    return replace(node, children=children, context=context)


def _map(node: Node, fn: Callable[[Node], Expr | None]) -> Node | None:
    if node.is_leaf:
        expr = fn(node)
        if expr is None:
            return None
        return replace(node, leaf=sympy.sympify(expr))
    children = tuple(c for c in (_map(child, fn) for child in node.children) if c is not None)
    return replace(node, children=children) if children or not node.name else None


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
        if not isinstance(name, str):
            raise NodeError(f"node: must be a module name such as 'lm_head', got {shown(name)}")
        try:
            return self.nodes[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self.nodes), n=3, cutoff=0.6)
            hint = (
                f"; did you mean {', '.join(close)}?"
                if close
                else "; see 't5sym count --json --breakdown'"
            )
            raise NodeError(f"node: no node {name!r} in this model{hint}") from None

    def view(self, fn: Callable[[Node], Expr | int | None]) -> Tree:
        """The same tree with each leaf's formula replaced by ``fn(leaf)``.

        A leaf for which ``fn`` returns ``None`` is dropped (and a group left empty).
        """
        return Tree(_map(self.root, fn) or Node(""))

    def per_block(self, names: Iterable[str]) -> Expr:
        """One block's worth of the named nodes: each node's formula over its ``repeat``.

        Names missing from this tree (``lm_head`` of a tied model, say) count 0.
        """
        found = [self.nodes[n] for n in names if n in self.nodes]
        return sympy.Add(*(n.expr / n.repeat for n in found))

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    @cached_property
    def _leaves(self) -> tuple[Node, ...]:
        return tuple(n for n in self.root.walk() if n.is_leaf)

    def evaluate(self, values: Mapping[Symbol, Number]) -> dict[str, int]:
        """Exact integers for the total (key ``""``) and every node.

        Each leaf's formula is evaluated on Python ints (exact at any size); every inner node
        is then the sum of its children, as in `Node.expr`.
        """
        out = {n.name: integer(n.expr, values) for n in self._leaves}

        def fill(node: Node) -> int:
            if not node.is_leaf:
                out[node.name] = sum(fill(c) for c in node.children)
            return out[node.name]

        fill(self.root)
        return {"": out.pop(""), **{name: out[name] for name in self.nodes}}
