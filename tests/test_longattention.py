"""The LongT5 page's tables (`t5site.longattention`), read back against the attention
products worked by hand from transformers' modeling_longt5.py at long-t5-tglobal-base's
shapes (12 heads of 64, d_model 768; r = 127, g = 16): 2 FLOPs per multiply-add."""

from __future__ import annotations

import math

from t5site import longattention

INNER, D_MODEL, BLOCK, G = 12 * 64, 768, 128, 16


def _hand(s: int) -> dict[str, int]:
    """Scores and context: 2 products of 2·inner per (query, key) pair. Local: n blocks of
    r + 1 queries against 3(r + 1) keys, padding included. Transient-global: ⌊S/g⌋ more
    keys per query, and the global sums, an einsum of S × G by S × d_model."""
    n, globals_ = math.ceil(s / BLOCK), s // G
    local = 4 * INNER * n * BLOCK * 3 * BLOCK
    tglobal = 4 * INNER * n * BLOCK * (3 * BLOCK + globals_) + 2 * s * globals_ * D_MODEL
    return {"full": 4 * INNER * s * s, "local": local, "transient-global": tglobal}


def _rows(table: str) -> dict[str, list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")][2:]
    cells = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
    return {row[0]: row[1:] for row in cells}


def test_flops_table_is_the_hand_count_at_multiples_and_not() -> None:
    rows = _rows(longattention.flops_table([512, 1000]))
    for s in (512, 1000):
        hand = _hand(s)
        assert rows[f"{s:,}"] == [f"{hand[a]:,}" for a in ("full", "local", "transient-global")]


def test_ratios_table() -> None:
    hand = _hand(4096)
    (row,) = _rows(longattention.ratios_table([4096])).values()
    assert row == [f"{hand[a] / hand['full']:.3f}" for a in ("local", "transient-global")]


def test_crossover_exact_is_where_it_becomes_cheaper() -> None:
    rows = [line for line in longattention.crossover_table().splitlines() if "| products |" in line]
    local = int(rows[0].rsplit("|", 2)[1].strip().replace(",", ""))
    # the least S from which on local is cheaper: not at S - 1, and at every S up to 4,096 after
    assert _hand(local - 1)["local"] >= _hand(local - 1)["full"]
    assert all(_hand(s)["local"] < _hand(s)["full"] for s in range(local, 4097))


def test_base_table_and_formulas() -> None:
    rows = _rows(longattention.base_table())
    assert rows["`d_model`"] == ["768"] and rows["`local_radius`"] == ["127"]
    assert rows["`global_block_size`"] == ["16"] and rows["`d_ff`"] == ["2,048"]
    assert longattention.layer_formulas().count('=== "Rendered"') == 3
    assert longattention.ratio_formulas().count('=== "Rendered"') == 2
    assert longattention.chart().startswith('<figure markdown="0" role="img"')
    assert longattention.symbols_table().count("\n") == 7
