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


def test_gib() -> None:
    assert report.gib(3 * 2**29) == "1.50"
