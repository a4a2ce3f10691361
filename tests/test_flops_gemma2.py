"""T5Gemma 2's FLOPs on text against torch's FlopCounterMode on small CPU models that
transformers builds: every head, tied and untied, the tower's head on and off, part by part."""

from __future__ import annotations

import pytest
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st

import t5sym
from t5sym.model import gemma2
from t5sym.views import flops

from .support.cli import run
from .test_flops import assert_gemma_parts, counted_pass, summed
from .test_gemma2 import config_jsons

#: The heads whose decoder is fed ``decoder_input_ids`` here (the others shift the input).
DECODER_INPUT = ("ForConditionalGeneration", "Model")


def runnable(draw) -> dict:
    """A generated config.json transformers can run forward: a whole number of query heads
    per key-value head, small windows, and a vocabulary holding the start token (id 2)."""
    data = draw(config_jsons())
    stacks = [data["encoder"]["text_config"], data["decoder"]]
    for stack in stacks:
        heads = stack["num_attention_heads"]
        divisors = [k for k in range(1, heads + 1) if heads % k == 0]
        stack["num_key_value_heads"] = draw(st.sampled_from(divisors))
        stack["sliding_window"] = draw(st.integers(1, 5))
        stack["vocab_size"] = max(3, stack["vocab_size"])
    if data["decoder"] is data["encoder"]["text_config"]:
        data["decoder"] = dict(stacks[0])
    data["decoder"]["vocab_size"] = data["encoder"]["text_config"]["vocab_size"]
    return data


def measure(data: dict, head: str, batch: int, s: int, t: int, backward: bool = False):
    """FlopCounterMode's total and per-module FLOPs of one teacher-forced pass on text, with
    eager attention (transformers' default for T5Gemma 2 is sdpa, whose CPU kernel torch's
    FlopCounterMode does not count; its products are the same)."""
    hf = transformers.T5Gemma2Config.from_dict(data)
    torch.manual_seed(0)
    cls = getattr(transformers, "T5Gemma2" + head)
    # eager: torch counts no CPU sdpa kernel (flop_counter.py registers the CUDA ones only)
    model = cls._from_config(hf.encoder if head == "Encoder" else hf, attn_implementation="eager")
    inputs = {"input_ids": torch.zeros(batch, s, dtype=torch.long)}
    if head in DECODER_INPUT:
        inputs["decoder_input_ids"] = torch.zeros(batch, t, dtype=torch.long)
    return counted_pass(model, inputs, backward)


def assert_parts(ours: flops.FlopCount, config, total: int, per_module: dict, enc: bool) -> None:
    """T5Gemma's part-by-part check (tests/test_flops.py), and the rule of thumb adds up."""
    assert_gemma_parts(ours, config, total, per_module, encoder_only=enc)
    assert ours.per_side + sum(ours.excess.values()) == ours.forward


@settings(max_examples=25, deadline=None)
@given(data=st.data(), batch=st.integers(1, 2), s=st.integers(1, 7), t=st.integers(1, 7))
def test_every_head_matches_flop_counter_part_by_part(data, batch: int, s: int, t: int) -> None:
    config_json = runnable(data.draw)
    config = t5sym.from_hf(config_json)
    total, per_module = measure(config_json, config.head, batch, s, t)
    ours = flops.count_flops(config, batch, s, t)
    assert_parts(ours, config, total, per_module, False)
    shifted = s if config.head not in DECODER_INPUT else t
    assert ours.decoder_length == (None if config.head == "Encoder" else shifted)
    total, per_module = measure(config_json, "Encoder", batch, s, t)
    ours = flops.count_flops(config, batch, s, t, encoder_only=True)
    assert_parts(ours, config, total, per_module, True)
    assert ours.model == "T5Gemma2Encoder" and ours.decoder_length is None


@settings(max_examples=8, deadline=None)
@given(data=st.data(), s=st.integers(1, 6), t=st.integers(1, 6))
def test_training_step_matches_flop_counter(data, s: int, t: int) -> None:
    config_json = runnable(data.draw)
    config = t5sym.from_hf(config_json)
    total, _ = measure(config_json, config.head, 2, s, t, backward=True)
    assert flops.count_flops(config, 2, s, t).training == total


def test_merged_attention_reads_decoder_and_encoder_tokens() -> None:
    """Its k and v project T + S tokens; each of the T queries scores T + S keys."""
    text = dict(vocab_size=11, hidden_size=8, intermediate_size=5, num_hidden_layers=2,
                num_attention_heads=2, num_key_value_heads=1, head_dim=6)  # fmt: skip
    data = {"model_type": "t5gemma2", "encoder": {"text_config": text}, "decoder": text}
    config = t5sym.from_hf(data)
    total, per_module = measure(data, "ForConditionalGeneration", 2, 5, 3)
    ours = flops.count_flops(config, 2, 5, 3)
    assert_parts(ours, config, total, per_module, False)
    k = "model.decoder.layers.*.self_attn.k_proj"
    assert ours.breakdown[k] == summed(per_module, k) == 2 * 2 * (3 + 5) * 8 * 6 * 2
    scores = ours.breakdown["model.decoder.layers.*.self_attn.scores"]
    assert scores == 2 * 2 * 3 * (3 + 5) * 12 * 2
    assert not any(name.startswith("model.encoder.vision_tower") for name in ours.breakdown)


def test_command_says_the_tower_is_idle(tmp_path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"model_type": "t5gemma2"}')
    out = run("flops", str(path))
    assert out.returncode == 0, out.stderr
    assert "text in, no image: model.encoder.vision_tower, model.encoder.multi_modal_projector" in (
        out.stdout
    )
    assert "merged attention k, v on the S encoder outputs too" in out.stdout


@pytest.mark.parametrize("head", gemma2.HEADS)
def test_rule_of_thumb_adds_up_for_every_head(head: str) -> None:
    data = {"model_type": "t5gemma2", "architectures": ["T5Gemma2" + head]}
    ours = flops.count_flops(t5sym.from_hf(data), 2, 64, 16)
    assert ours.per_side + sum(ours.excess.values()) == ours.forward
    assert ours.parameters == t5sym.count(t5sym.from_hf(data)).total
