"""Report formatting: readable sizes at any size, tables that fit 80 columns."""

from __future__ import annotations

import pytest

import t5sym
from t5sym.cli import report


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (999, "999"),
        (2_851_598_336, "2.85 B"),
        (60_506_624, "60.5 M"),
        (10**400, "1.00e+388 T"),  # past float range: no OverflowError
    ],
    ids=["999", "3B", "60M", "1e400"],
)
def test_approx(n: int, expected: str) -> None:  # ids: the number would be 400 digits
    assert report.approx(n) == expected


def test_table_aligns_right_columns() -> None:
    text = report.table([["a", "1"], ["bb", "22"]], ["x", "n"], right={1})
    assert text.splitlines() == ["x    n", "--  --", "a    1", "bb  22"]


@pytest.mark.parametrize("name", ["t5-11b", "byt5-xxl", "ul2", "mt5-xxl"])
def test_text_reports_fit_80_columns(name: str) -> None:
    config = t5sym.load(name)
    texts = [
        report.count_text(t5sym.count(config), breakdown=True),
        report.flops_text(t5sym.count_flops(config, 8, 4096, 4096), breakdown=True),
        report.memory_text(t5sym.training_memory(config, "fp32", "adam")),
        report.shard_text(t5sym.shard(config, 1)),
        report.presets_text(),
    ]
    for text in texts:
        assert max(len(line) for line in text.splitlines()) <= 80, text


# --- Markdown tables shared by the pages --------------------------------------------------


def _cells(table: str) -> list[list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[2:]]


def test_shapes_table_reads_the_paper_dims() -> None:
    from .support.published import total

    rows = _cells(report.shapes_table(["t5-3b", "t5-11b"]))
    # T5 paper §3.7: 3B has 32 heads of 128 and d_ff 16,384; 11B 128 heads and d_ff 65,536
    assert rows[0][:4] == ["`t5-3b`", "1,024", "32 × 128 = 4,096 (4×)", "16,384 (16×)"]
    assert rows[1][3] == "65,536 (64×)"
    assert rows[0][4] == f"{total('t5-3b'):,}"


def test_symbols_table_has_one_row_per_symbol_and_column_per_config() -> None:
    from t5sym.model.symbols import d_ff, d_model

    table = report.symbols_table([d_model, d_ff], {"a": {d_model: 1024, d_ff: 4096}})
    rows = _cells(table)
    assert [r[1] for r in rows] == ["`d_model`", "`d_ff`"]
    assert [r[-1] for r in rows] == ["1,024", "4,096"]


def test_memory_table_gib_and_exact_bytes() -> None:
    m = t5sym.training_memory(t5sym.load("t5-small"), "fp32", "none")
    (row,) = _cells(report.memory_table([m]))
    # weights only: 4 bytes × 60,506,624 parameters (the T5 paper's "60M")
    assert row[1] == f"{4 * 60506624 / 2**30:.2f}" and row[4].endswith(f"{4 * 60506624:,} B")


def test_side_by_side_and_ratios_tables() -> None:
    big, large = t5sym.load("t5-3b"), t5sym.load("t5-large")
    rows = _cells(report.side_by_side_table(big, large))
    assert ["`d_ff`", "4,096", "16,384", "4×"] in rows
    ratios = dict(_cells(report.ratios_table(big, large)))
    assert ratios["feed-forward"] == "4×"


def test_reconciliation_and_presets_tables_have_a_row_each() -> None:
    from t5sym.model import presets
    from t5sym.views import family

    assert len(_cells(report.reconciliation_table(family.reconcile_all()))) == len(presets.CLAIMS)
    rows = _cells(report.presets_table())
    assert len(rows) == len(presets.PRESETS)


def test_gib() -> None:
    assert report.gib(3 * 2**29) == "1.50"
