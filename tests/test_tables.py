"""The pages' Markdown tables (`t5site.tables`): each cell read back and checked against a
published figure or transformers' own count."""

from __future__ import annotations

import t5sym
from t5site import tables


def test_markdown_table_escapes_pipes_and_aligns_right() -> None:
    text = tables.markdown_table([["a|b", "1"]], ["name", "n"], right={1})
    assert text.splitlines() == ["| name | n |", "|---|---:|", r"| a\|b | 1 |"]


def test_formula_tabs_hold_four_spellings() -> None:
    from t5sym.model.symbols import d_model

    text = tables.formula_tabs(2 * d_model)
    assert [line for line in text.splitlines() if line.startswith("===")] == [
        '=== "Rendered"', '=== "LaTeX"', '=== "Python"', '=== "SymPy"'
    ]  # fmt: skip


def test_worked_shows_each_value_then_the_result() -> None:
    from t5sym.model.symbols import d_model, vocab_size

    # T5-3B's embedding: 32,128 × 1,024 (config.json of t5-3b on the Hub)
    text = tables.worked(d_model * vocab_size, {d_model: 1024, vocab_size: 32128}, "t5-3b")
    assert text == "t5-3b: `d_model` = 1,024, `vocab_size` = 32,128 → **32,899,072**"


def _cells(table: str) -> list[list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[2:]]


def test_shapes_table_reads_the_paper_dims() -> None:
    from .support.published import total

    rows = _cells(tables.shapes_table(["t5-3b", "t5-11b"]))
    # T5 paper §3.7: 3B has 32 heads of 128 and d_ff 16,384; 11B 128 heads and d_ff 65,536
    assert rows[0][:4] == ["`t5-3b`", "1,024", "32 × 128 = 4,096 (4×)", "16,384 (16×)"]
    assert rows[1][3] == "65,536 (64×)"
    assert rows[0][4] == f"{total('t5-3b'):,}"


def test_symbols_table_has_one_row_per_symbol_and_column_per_config() -> None:
    from t5sym.model.symbols import d_ff, d_model

    table = tables.symbols_table([d_model, d_ff], {"a": {d_model: 1024, d_ff: 4096}})
    rows = _cells(table)
    assert [r[1] for r in rows] == ["`d_model`", "`d_ff`"]
    assert [r[-1] for r in rows] == ["1,024", "4,096"]


def test_memory_table_gib_and_exact_bytes() -> None:
    m = t5sym.training_memory(t5sym.load("t5-small"), "fp32", "none")
    (row,) = _cells(tables.memory_table([m]))
    # weights only: 4 bytes × 60,506,624 parameters (the T5 paper's "60M")
    assert row[1] == f"{4 * 60506624 / 2**30:.2f}" and row[4].endswith(f"{4 * 60506624:,} B")


def test_side_by_side_and_ratios_tables() -> None:
    big, large = t5sym.load("t5-3b"), t5sym.load("t5-large")
    rows = _cells(tables.side_by_side_table(big, large))
    assert ["`d_ff`", "4,096", "16,384", "4×"] in rows
    ratios = dict(_cells(tables.ratios_table(big, large)))
    assert ratios["feed-forward"] == "4×"


def test_reconciliation_and_presets_tables_have_a_row_each() -> None:
    from t5sym.model import presets
    from t5sym.views import family

    assert len(_cells(tables.reconciliation_table(family.reconcile_all()))) == len(presets.CLAIMS)
    rows = _cells(tables.presets_table())
    assert len(rows) == len(presets.PRESETS)


def test_latex_names_table_names_transformers_config_fields() -> None:
    import transformers

    from t5sym.model.symbols import DIMENSIONS

    rows = tables.latex_names_table(DIMENSIONS).splitlines()[2:]
    assert len(rows) == len(DIMENSIONS)
    configs = [transformers.T5Config(), transformers.SwitchTransformersConfig(),
               transformers.LongT5Config()]  # fmt: skip
    for row in rows:
        field = row.split(" | ")[0].removeprefix("| ").strip("`")
        assert any(hasattr(c, field) for c in configs), field


def test_sources_register_lists_every_entry_once_under_its_document() -> None:
    import re

    from t5sym.sources import SOURCES

    text = tables.sources_register()
    keys = re.findall(r"^- \[\]\(src:([^)]+)\)", text, flags=re.M)
    assert sorted(keys) == sorted(SOURCES)
    titles = re.findall(r"^\*\*(.+)\*\*$", text, flags=re.M)
    assert len(titles) == len({s.document for s in SOURCES.values()})
