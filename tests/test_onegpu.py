"""The one-GPU tables show each setup's parts as `memory_at` returns them, refusals as text."""

from __future__ import annotations

import t5sym
from t5site import onegpu
from t5sym.views import activations


def test_rows_are_memory_at_in_gb() -> None:
    config = t5sym.load("t5-small")
    setups = {"full": {}, "lora": {"lora_rank": 8, "attention": "eager"},
              "flash": {"lora_rank": 8, "attention": "flash"}}  # fmt: skip
    table = onegpu.setups_table(config, setups, batch=2, encoder_length=64, decoder_length=16)
    lines = table.splitlines()
    assert len(lines) == 2 + len(setups)
    r = activations.memory_at(config, "bf16", "adamw", lora_rank=8, attention="eager",
                              batch=2, encoder_length=64, decoder_length=16)  # fmt: skip
    cells = [c.strip() for c in lines[3].strip("|").split("|")]
    assert cells[1:] == [onegpu.gb(n) for n in (r.weights, r.gradients, r.optimizer_state,
                                                 r.activations_bytes, r.total)]  # fmt: skip
    assert "not modelled: attention: 'flash' is not one of" in lines[4]


def test_totals_and_largest_batch() -> None:
    config = t5sym.load("t5-small")
    table = onegpu.totals_table({"t5-small": config}, {"a": {}, "b": {"attention": "flash"}},
                                batch=1)  # fmt: skip
    assert table.splitlines()[-1].endswith("| — |")
    setup = {"lora_rank": 8, "attention": "eager"}
    n = onegpu.largest_batch(config, setup, 10**9, encoder_length=512, decoder_length=128)
    total = onegpu.run(config, setup, batch=n, encoder_length=512, decoder_length=128).total
    more = onegpu.run(config, setup, batch=n + 1, encoder_length=512, decoder_length=128).total
    assert total <= 10**9 < more


def test_scale_table_is_peft_on_meta() -> None:
    """The adapters' parameters and the float32 weights are those of peft's own wrapper."""
    from peft import LoraConfig, get_peft_model

    from tests.support.reference import build

    config = t5sym.load("flan-t5-small")
    model = get_peft_model(build(config), LoraConfig(r=16, target_modules=["q", "v"]))
    trained = sum(p.numel() for p in model.parameters() if p.requires_grad)
    everything = sum(p.numel() for p in model.parameters())
    setup = {**onegpu.QV, "dtype": "fp32", "attention": "eager"}
    cells = {
        row[0]: row[1]
        for row in (
            [c.strip() for c in line.strip("|").split("|")]
            for line in onegpu.scale_table(config, setup, 10**9, **onegpu.SHORT).splitlines()[2:]
        )
    }
    assert cells["parameters trained"] == f"{trained:,}"
    assert cells["weights with the adapters"] == f"{onegpu.gb(everything * 4)} GB"
    fits = int(cells["sequences that fit in 1 GB"])
    assert onegpu.run(config, setup, batch=fits + 1, **onegpu.SHORT).total > 10**9


def test_batches_table_holds_the_largest_batch_within_the_budget() -> None:
    configs = {"t5-small": t5sym.load("t5-small")}
    table = onegpu.batches_table(configs, {"full": {}}, 2 * 10**9, **onegpu.SHORT)
    n = int(table.splitlines()[-1].split("|")[2])
    assert n > 0
    assert onegpu.run(configs["t5-small"], {}, batch=n, **onegpu.SHORT).total <= 2 * 10**9
    assert onegpu.run(configs["t5-small"], {}, batch=n + 1, **onegpu.SHORT).total > 2 * 10**9


def test_conditions_table_reads_the_config_and_refuses_with_the_reason() -> None:
    import dataclasses

    import pytest

    from t5sym.errors import T5SymError

    config = dataclasses.replace(t5sym.load("t5-small"), dropout_rate=0.2)
    row = onegpu.conditions_table({"mine": config}, {}, batch=1).splitlines()[-1]
    assert row == "| mine | `cuda` | `True` | 0.2 | no |"
    lora = onegpu.conditions_table({"mine": config}, {**onegpu.QV, "lora_dropout": 0.05}, batch=1)
    assert lora.splitlines()[0].endswith("| lora_dropout |")
    assert lora.splitlines()[-1] == "| mine | `cuda` | `True` | 0.2 | no | 0.05 |"
    with pytest.raises(T5SymError, match="attention"):
        onegpu.conditions_table({"mine": config}, {**onegpu.QV, "attention": "flash"}, batch=1)


def test_answered_leaves_out_what_the_library_refuses() -> None:
    configs = {"t5-small": t5sym.load("t5-small")}
    setups = {"full": {}, "odd": {"attention": "flash"}, "eager": {"attention": "eager"}}
    assert "attention" in onegpu.run(configs["t5-small"], setups["odd"], batch=1)
    assert list(onegpu.answered(configs, setups, batch=1)) == ["full", "eager"]


def test_length_chart_draws_each_setup_against_the_budget() -> None:
    """One line per setup with a point per length, the budget line, and an alt text; the
    totals grow with the length (activations saved per token) for every setup."""
    import xml.dom.minidom

    config = t5sym.load("t5-small")
    setups = {"full": {}, "LoRA q,v": onegpu.QV}
    totals = onegpu.length_totals(config, setups, batch=2)
    assert list(totals) == ["full", "LoRA q,v"]
    for values in totals.values():
        assert len(values) == len(onegpu.CHART_LENGTHS) and values == sorted(set(values))
    svg = onegpu.length_chart(config, setups, batch=2, budget=10**9)
    root = xml.dom.minidom.parseString(svg).documentElement
    assert root.getAttribute("role") == "img" and "full, LoRA q,v" in root.getAttribute(
        "aria-label"
    )
    assert svg.count("<path") >= 3  # two lines and the budget


def test_lora_under_autocast_is_answered_with_float32_weights() -> None:
    """HF Trainer's ``bf16=True`` with peft: a row of numbers, not a refusal; the frozen
    weights float32 (4 bytes per parameter t5sym counts, plus the float32 adapters)."""
    config = t5sym.load("t5-small")
    r = onegpu.run(config, onegpu.SETUPS["LoRA q,v, autocast"], batch=2, **onegpu.SHORT)
    assert not isinstance(r, str), r
    assert r.precision == "autocast-bf16" and r.trainable_parameters > 0
    assert r.weights == 4 * (t5sym.count(config).total + r.trainable_parameters)
