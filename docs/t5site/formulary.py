"""The formulas page: every part, block, stack and whole model of T5 as formula tabs with
worked numbers (``docs/reference/formulas.md``), all from `t5sym.model.params`' trees.

Examples
--------
>>> import t5sym
>>> from t5site.formulary import per_part_table
>>> rows = per_part_table([t5sym.load("t5-small")], depth=1).splitlines()
>>> [row.rsplit("|", 2)[1].strip() for row in rows[2:]]
['60,506,624', '16,449,536', '18,881,280', '25,175,808']
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from t5site import tables
from t5sym import count, load
from t5sym.model import params
from t5sym.model.config import Config
from t5sym.model.nodes import Node
from t5sym.views import printers

#: The two trees whose parts differ: T5 v1.0 and T5 v1.1.
TREES = {
    "T5 v1.0 (ReLU, tied)": params.tree(gated=False, tied=True),
    "T5 v1.1 (gated, untied)": params.tree(gated=True, tied=False),
}
#: The torch module that holds each kind of weight.
MODULE = {"linear": "nn.Linear", "embedding": "nn.Embedding", "norm": "T5LayerNorm"}


def module(leaf: Node) -> str:
    """The constructor call of a weight's module, as transformers writes it (torch stores a
    Linear's weight as (out, in), so its arguments are the shape reversed)."""
    dims = [printers.python(d) for d in leaf.shape]
    if leaf.kind == "linear":
        dims = [*dims[::-1], "bias=False"]
    return f"{MODULE[leaf.kind]}({', '.join(dims)})"


def _section(title: str, expr: sympy.Expr, configs: Sequence[Config], lead: str = "") -> str:
    worked = "\n".join(f"- {tables.worked(expr, c.values(), c.name)}" for c in configs)
    head = f"### {title}\n\n{lead}" if title else lead
    return f"{head}{tables.formula_tabs(expr)}\n\n{worked}\n"


def parts_sections(configs: Sequence[Config]) -> str:
    """One section per kind of weight (its names, its module, the formula for one instance
    and its value for each config), first seen first over `TREES`."""
    parts: dict[tuple, dict[str, Node]] = {}
    for t in TREES.values():
        for leaf in t.root.walk():
            if leaf.is_leaf:
                parts.setdefault((leaf.kind, leaf.shape), {})[leaf.short] = leaf
    out = []
    for leaves in parts.values():
        first = next(iter(leaves.values()))
        names = ", ".join(f"`{short}`" for short in leaves)
        lead = f"`{module(first)}`: {first.doc}.\n\n"
        out.append(_section(names, sympy.Mul(*first.shape), configs, lead))
    return "\n".join(out)


def stacks_sections(configs: Sequence[Config], max_depth: int = 2) -> str:
    """One section per block and stack of T5 v1.0's tree down to ``max_depth``: the node's
    formula (`params.formula`) and its value for each config."""
    out = []
    for node in TREES["T5 v1.0 (ReLU, tied)"].root.children:
        if node.is_leaf:
            continue
        for depth, sub in node.depths():
            if not sub.is_leaf and depth <= max_depth:
                title = f"`{sub.name}`: {sub.doc}"
                out.append(_section(title, params.formula(node=sub.name), configs))
    return "\n".join(out)


def whole_section(preset: str, others: Sequence[str] = ()) -> str:
    """The whole model's formula for ``preset``'s kind of tree, worked for it and ``others``."""
    expr = params.formula(load(preset))
    return _section("", expr, [load(n) for n in (preset, *others)])


def per_part_table(configs: Sequence[Config], depth: int = 4) -> str:
    """part | factored formula | each config's count, for T5 v1.0's tree down to ``depth``
    (each module summed over all blocks; names relative to the row above them)."""
    numbers = [count(c).breakdown for c in configs]
    rows = []

    def add(node: Node, parent: str = "", level: int = 0) -> None:
        if level > depth:
            return
        short = node.name[len(parent) + 1 :] if parent else node.name
        label = "&nbsp;" * 4 * (level - 1) + f"`{short}`" if level else "**total**"
        cells = "<br>".join(f"{n[node.name]:,}" for n in numbers)
        rows.append([label, printers.mathml(sympy.factor(node.expr)), cells])
        for child in node.children:
            add(child, node.name, level + 1)

    add(TREES["T5 v1.0 (ReLU, tied)"].root)
    header = ["part", "formula", "<br>".join(c.name or "config" for c in configs)]
    return tables.markdown_table(rows, header, right={2})
