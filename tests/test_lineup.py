"""The family's tables against transformers' own models on the meta device and the
published totals (tests/data/published.json)."""

from __future__ import annotations

import t5sym
from t5site import lineup

from .support import published
from .support.reference import build


def _rows(table: str) -> list[list[str]]:
    return [[c.strip() for c in s.strip("|").split("|")] for s in table.splitlines()[2:]]


def test_tied_twice_extra_is_the_lm_head_transformers_lists_again() -> None:
    rows = _rows(lineup.tied_twice_table())
    assert rows
    for row in rows:
        model = build(t5sym.load(row[1].strip("`")))
        unique = {id(p): p.numel() for p in model.parameters()}
        listed = dict(model.named_parameters(remove_duplicate=False))
        assert listed["lm_head.weight"] is listed["shared.weight"]
        assert row[2] == f"{listed['lm_head.weight'].numel():,}"
        assert row[4].startswith(f"{sum(unique.values()):,} ")


def test_reconciled_rows_are_the_published_exact_totals() -> None:
    rows = _rows(lineup.reconciled_table(["t5-3b", "t5-11b"]))
    assert {r[0] for r in rows} >= {"3B", "11B"}
    for row in rows:
        assert row[2] == f"{published.total(row[1].strip('`')):,}"


def test_v10_feed_forward_share_is_the_dense_relu_dense_weights() -> None:
    rows = {r[0].strip("`"): r for r in _rows(lineup.v10_table("T5 v1.0"))}
    assert list(rows) == ["t5-small", "t5-base", "t5-large", "t5-3b", "t5-11b"]
    model = build(t5sym.load("t5-small"))
    ffn = sum(p.numel() for n, p in model.named_parameters() if "DenseReluDense" in n)
    total = sum(p.numel() for p in model.parameters())
    assert rows["t5-small"][1] == f"{100 * ffn / total:.1f}%"
    assert rows["t5-small"][2] == "4"


def test_cut_rounded_and_top_tables() -> None:
    assert "`t5-3b`" in lineup.cut_table()
    rounded = _rows(lineup.rounded_table())[0]
    assert int(rounded[0]) > 0 and rounded[1].endswith("%")
    top = _rows(lineup.top_shares_table(3))
    assert len(top) == 3 and all(r[0].startswith("`switch-") for r in top)
    assert lineup.sources_list().count("\n") + 1 == len(t5sym.PRESETS)


def test_claims_table_reads_each_published_size_from_the_published_total() -> None:
    from decimal import Decimal

    rows = _rows(lineup.claims_table(["t5-3b", "t5-11b"]))
    assert len(rows) >= 3
    for label, preset, exact, reads in rows:
        total = published.total(preset.strip("`"))
        assert exact == f"{total:,}"
        number, unit = label.split(" ")[0][:-1], label.split(" ")[0][-1]
        value = int(Decimal(number) * {"B": 10**9, "M": 10**6}[unit])
        method, resolution = reads.split(" to ")
        step = int(Decimal(resolution[:-2]) * {"B": 10**9, "M": 10**6}[resolution[-1]])
        kept = (total + step // 2) // step if method == "rounded" else total // step
        assert kept * step == value, label
