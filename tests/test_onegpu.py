"""The one-GPU tables show each setup's parts as `memory_at` returns them, refusals as text."""

from __future__ import annotations

import t5sym
from t5site import onegpu
from t5sym.views import activations


def test_rows_are_memory_at_in_gb() -> None:
    config = t5sym.load("t5-small")
    setups = {"full": {}, "lora": {"lora_rank": 8, "attention": "eager"},
              "lora ckpt": {"lora_rank": 8, "checkpointing": True}}  # fmt: skip
    table = onegpu.setups_table(config, setups, batch=2, encoder_length=64, decoder_length=16)
    lines = table.splitlines()
    assert len(lines) == 2 + len(setups)
    r = activations.memory_at(config, "bf16", "adamw", lora_rank=8, attention="eager",
                              batch=2, encoder_length=64, decoder_length=16)  # fmt: skip
    cells = [c.strip() for c in lines[3].strip("|").split("|")]
    assert cells[1:] == [onegpu.gb(n) for n in (r.weights, r.gradients, r.optimizer_state,
                                                 r.activations_bytes, r.total)]  # fmt: skip
    assert "not modelled: checkpointing: with LoRA" in lines[4]


def test_totals_and_largest_batch() -> None:
    config = t5sym.load("t5-small")
    table = onegpu.totals_table({"t5-small": config}, {"a": {}, "b": {"checkpointing": True,
                                "lora_rank": 8}}, batch=1)  # fmt: skip
    assert table.splitlines()[-1].endswith("| — |")
    setup = {"lora_rank": 8, "attention": "eager"}
    n = onegpu.largest_batch(config, setup, 10**9, encoder_length=512, decoder_length=128)
    total = onegpu.run(config, setup, batch=n, encoder_length=512, decoder_length=128).total
    more = onegpu.run(config, setup, batch=n + 1, encoder_length=512, decoder_length=128).total
    assert total <= 10**9 < more
