"""The formulas page's worked numbers against transformers' own T5 on the meta device and
the published totals; each weight's module against the module transformers builds."""

from __future__ import annotations

import re

import t5sym
from t5site import formulary

from .support import published
from .support.reference import build, numel_by_name, sum_matching


def _worked(section: str, name: str) -> int:
    """The bold result of ``name``'s worked line in a section."""
    return int(
        re.search(rf"^- {re.escape(name)}: .*\*\*([\d,]+)\*\*$", section, re.M)[1].replace(",", "")
    )


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^### (.+)$", text, flags=re.M)[1:]
    return dict(zip(parts[::2], parts[1::2], strict=True))


def test_whole_models_are_the_published_totals() -> None:
    for preset, other in (("t5-3b", "t5-11b"), ("t5-v1_1-xl", "t5-v1_1-xxl")):
        section = formulary.whole_section(preset, [other])
        for name in (preset, other):
            assert _worked(section, name) == published.total(name)


def test_stacks_are_the_parameters_under_each_node_in_transformers() -> None:
    b3 = t5sym.load("t5-3b")
    numels = numel_by_name(build(b3))
    sections = _sections(formulary.stacks_sections([b3]))
    assert len(sections) >= 8
    for title, body in sections.items():
        node = re.match(r"`([^`]+)`", title)[1]
        assert _worked(body, "t5-3b") == sum_matching(numels, node), node  # all blocks


def test_parts_are_one_instance_of_each_module_transformers_builds() -> None:
    b3 = t5sym.load("t5-3b")
    model = build(b3)
    attention = model.encoder.block[0].layer[0].SelfAttention
    sections = _sections(formulary.parts_sections([b3]))
    assert _worked(sections["`q`, `k`, `v`"], "t5-3b") == attention.q.weight.numel()
    assert _worked(sections["`o`"], "t5-3b") == attention.o.weight.numel()
    assert _worked(sections["`shared`"], "t5-3b") == model.shared.weight.numel()
    q = next(
        leaf for leaf in formulary.TREES["T5 v1.0 (ReLU, tied)"].root.walk() if leaf.short == "q"
    )
    values = {s.name: v for s, v in b3.values().items()}
    args = formulary.module(q).removeprefix("nn.Linear(").removesuffix(", bias=False)").split(", ")
    assert [eval(a, {}, values) for a in args] == [
        attention.q.in_features,
        attention.q.out_features,
    ]


def test_per_part_table_counts_are_transformers_sums() -> None:
    b3, b11 = t5sym.load("t5-3b"), t5sym.load("t5-11b")
    rows = formulary.per_part_table([b3, b11], depth=1).splitlines()[2:]
    cells = {r.split(" | ")[0].strip("| "): r.rsplit("|", 2)[1].strip() for r in rows}
    assert cells["**total**"] == f"{published.total('t5-3b'):,}<br>{published.total('t5-11b'):,}"
    numels = numel_by_name(build(b3))
    assert cells["`encoder`"].split("<br>")[0] == f"{sum_matching(numels, 'encoder'):,}"
