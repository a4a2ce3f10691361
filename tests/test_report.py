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


def test_switch_fine_tuning_text_says_what_depends_on_routing() -> None:
    """Switch's experts save for a routing: the text says so, as --json does (`routing`)."""
    from t5sym.views import activations

    config = t5sym.load("switch-base-8")
    r = activations.memory_at(config, "bf16", "adamw", batch=1, encoder_length=16,
                              decoder_length=4, device="cpu")  # fmt: skip
    text = report.fine_tuning_text(r)
    assert "routing:" in text and "encoder 16, decoder 4" in " ".join(text.split())
    assert max(len(line) for line in text.splitlines()) <= 80
    small = activations.memory_at(t5sym.load("t5-small"), "bf16", "adamw", batch=1,
                                  encoder_length=16, decoder_length=4)  # fmt: skip
    plain = report.fine_tuning_text(small)
    assert "routing:" not in plain


def test_memory_text_says_a_half_switch_runs_its_routers_in_float32() -> None:
    """Beside `memory.value_bytes`: the weights `t5sym memory` gives for a bf16 Switch model
    exceed `t5sym weights --format bf16`'s, and the text says why; not for fp32, not for T5."""
    switch, t5 = t5sym.load("switch-base-8"), t5sym.load("t5-small")
    said = "routers: 4 bytes per value once the model has run"
    assert said in report.memory_text(t5sym.training_memory(switch, "bf16", "adamw"))
    assert said in report.memory_text(t5sym.training_memory(switch, "fp16", "none"))
    assert said not in report.memory_text(t5sym.training_memory(switch, "fp32", "adamw"))
    assert said not in report.memory_text(t5sym.training_memory(t5, "bf16", "adamw"))
