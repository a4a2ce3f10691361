"""T5Gemma's and T5Gemma 2's generate() FLOPs against torch's FlopCounterMode around a real
``generate()`` of small CPU models (eager attention, greedy, a fixed number of new tokens),
with and without the cache, every window from 1 to past T."""

from __future__ import annotations

import pytest
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

import t5sym
from t5sym import T5SymError
from t5sym.model import gemma, symbols
from t5sym.model.algebra import integer
from t5sym.views import inference

from .support.cli import run
from .test_flops import gemma_data, gemma_model


def generated(model, batch: int, s: int, t: int, use_cache: bool) -> int:
    """FlopCounterMode's total over ``generate()`` of exactly t new tokens."""
    ids = torch.ones(batch, s, dtype=torch.long)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model.generate(ids, max_new_tokens=t, min_new_tokens=t, do_sample=False,
                             num_beams=1, use_cache=use_cache)  # fmt: skip
    assert out.shape[1] == t + 1  # the start token and t new ones
    return counter.get_total_flops()


def ours(config, batch: int, s: int, t: int, use_cache: bool) -> int:
    values = {**config.values(), symbols.batch: batch, symbols.encoder_length: s,
              symbols.decoder_length: t, **gemma.window_values(config, s, t),
              symbols.SLIDING_STEP_KEYS: inference.sliding_step_keys(config, t)}  # fmt: skip
    return integer(inference.gemma_generation_flops(config, use_cache), values)


@settings(max_examples=12, deadline=None)
@given(data=st.data(), batch=st.integers(1, 2), s=st.integers(1, 6), t=st.integers(1, 7),
       use_cache=st.booleans())  # fmt: skip
def test_t5gemma_generate(data, batch: int, s: int, t: int, use_cache: bool) -> None:
    """GQA, windows 1..5 against T up to 7, balanced and unbalanced stacks, every layer mix."""
    config_json = dict(gemma_data(data.draw), architectures=["T5GemmaForConditionalGeneration"])
    config = t5sym.from_hf(config_json)
    model = gemma_model(config_json, "ForConditionalGeneration")
    assert ours(config, batch, s, t, use_cache) == generated(model, batch, s, t, use_cache)


def gemma2_model(data: dict):
    hf = transformers.T5Gemma2Config.from_dict(data)
    torch.manual_seed(0)
    cls = transformers.T5Gemma2ForConditionalGeneration
    return cls._from_config(hf, attn_implementation="eager").eval()  # sdpa: uncounted on CPU


@pytest.mark.parametrize("window", [2, 3, 8])
@pytest.mark.parametrize("use_cache", [True, False])
def test_t5gemma2_generate(window: int, use_cache: bool) -> None:
    """The merged attention: k and v of the encoder's S once, each step's keys t or
    min(t, W) plus S; five sliding layers of six as Gemma 3 has them."""
    text = dict(vocab_size=11, hidden_size=8, intermediate_size=6, num_hidden_layers=7,
                num_attention_heads=4, num_key_value_heads=2, head_dim=4,
                sliding_window=window)  # fmt: skip
    vision = dict(hidden_size=6, intermediate_size=7, num_hidden_layers=1,
                  num_attention_heads=3, patch_size=4, image_size=14)  # fmt: skip
    encoder = {"text_config": dict(text, num_hidden_layers=2), "vision_config": vision}
    data = {"model_type": "t5gemma2", "decoder": text, "encoder": encoder}
    config = t5sym.from_hf(data)
    assert config.decoder.sliding_layers() == 6
    assert ours(config, 2, 5, 6, use_cache) == generated(gemma2_model(data), 2, 5, 6, use_cache)


def test_sliding_step_keys_by_hand() -> None:
    """Steps 1..6 with a window of 3: 1 + 2 + 3 + 3 + 3 + 3; a window of 1 keeps all."""
    stack = {"sliding_window": 3}
    config = t5sym.from_hf({"model_type": "t5gemma", "encoder": stack, "decoder": stack})
    assert inference.sliding_step_keys(config, 6) == 15
    one = {"sliding_window": 1}
    config = t5sym.from_hf({"model_type": "t5gemma", "encoder": one, "decoder": one})
    assert inference.sliding_step_keys(config, 6) == 21


def test_t5gemma2_window_of_one_is_refused_in_one_line() -> None:
    """transformers' own generate() raises on it (its mask and cache disagree)."""
    text = {"sliding_window": 1}
    data = {"model_type": "t5gemma2", "encoder": {"text_config": text}, "decoder": text}
    with pytest.raises(T5SymError, match=r"^decoder\.sliding_window: 1 is not modelled"):
        inference.gemma_generation_flops(t5sym.from_hf(data))


def test_command_prints_generate_flops() -> None:
    out = run("inference", "t5gemma-2b-2b", "--json")
    assert out.returncode == 0, out.stderr
    assert '"generation_flops"' in out.stdout and '"uncached_generation_flops"' in out.stdout
    assert "generate() FLOPs, cached" in run("inference", "t5gemma-s-s").stdout
