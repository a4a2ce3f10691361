"""The serving page's tables: weights from published totals, ``wo`` from transformers' own
modules on the meta device, the decoding table from the accelerators' data sheets."""

from __future__ import annotations

from fractions import Fraction

import t5sym
from t5site import serving
from t5sym.views import hardware
from t5sym.views.readable import decimals

from .support import published
from .support.reference import build


def _rows(table: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()[2:]]


def _gb(n: int) -> str:
    return f"{decimals(Fraction(n, 10**9), 2)} GB"


def test_weights_are_the_published_totals_in_16_bits() -> None:
    names = ["t5-3b", "t5-11b", "flan-t5-xl", "flan-t5-xxl"]
    rows = _rows(serving.serving_table({n: t5sym.load(n) for n in names}))
    assert [r[1] for r in rows] == [_gb(2 * published.total(n)) for n in names]


def test_the_wo_row_is_the_wo_weights_transformers_builds() -> None:
    xxl, xl = t5sym.load("flan-t5-xxl"), t5sym.load("flan-t5-xl")
    wo = sum(p.numel() for name, p in build(xxl).named_parameters() if name.endswith(".wo.weight"))
    rows = _rows(serving.reports_table(xxl, xl))
    extra, weights = 2 * wo, 2 * published.total("flan-t5-xxl")
    assert rows[2][2].startswith(f"+{_gb(extra)} ({decimals(Fraction(extra, 2**20), 0)} MiB)")
    assert rows[2][2].endswith(f"{_gb(weights + extra)} in all")
    assert rows[3][2] == f"{decimals(Fraction(2 * published.total('flan-t5-xl'), 2**20), 0)} MiB"


def test_decoding_rows_are_the_data_sheets_and_bounded_by_bandwidth() -> None:
    rows = _rows(serving.decoding_table(t5sym.load("flan-t5-xxl")))
    assert len(rows) == len(hardware.ACCELERATORS)
    weights = 2 * published.total("flan-t5-xxl")
    for row, acc in zip(rows, hardware.ACCELERATORS, strict=True):
        assert row[1] == f"{acc.peak_flops / acc.bandwidth:,.0f}"
        # a step reads at least the decoder's share of the weights: more than a fifth of them
        assert float(row[3].removesuffix(" ms")) > 1000 * weights / 5 / acc.bandwidth


def test_fine_tuning_rows_add_up_and_checkpointing_saves_less() -> None:
    rows = _rows(serving.fine_tuning_table({"t5-small": 4}, encoder_length=64, decoder_length=16))
    static, saved, ckpt, total = (Fraction(c.removesuffix(" GB")) for c in rows[0][1:])
    assert rows[0][0] == "t5-small, B = 4"
    assert ckpt < saved
    assert abs(static + saved - total) <= Fraction(1, 100)


def test_crossover_is_where_the_caches_reach_the_weights() -> None:
    config = t5sym.load("t5-3b")
    s = int(_rows(serving.crossover_table({"t5-3b": config}))[0][1].replace(",", ""))
    weights = 2 * published.total("t5-3b")
    below = serving.inference.inference(config, 1, s - s % 4, (s - s % 4) // 4, "bf16")
    above = serving.inference.inference(config, 1, s + 4 - s % 4, (s + 4 - s % 4) // 4, "bf16")
    assert below.kv_cache_bytes <= weights < above.kv_cache_bytes
