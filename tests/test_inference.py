"""Serving formulas against transformers: its real cache, FlopCounterMode, live tensor bytes.

References: the tensors ``EncoderDecoderCache`` holds after a real forward with
``use_cache=True`` (meta device for full-size presets, CPU for small models);
``FlopCounterMode`` around ``generate()`` and around a step-by-step cached decode; the live
bytes `tests.support.live_bytes.LiveBytes` follows through a real no-grad forward on CPU.
"""

from __future__ import annotations

import pytest
import sympy
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

import t5sym
from t5sym import Config, T5SymError
from t5sym.model import symbols
from t5sym.model.algebra import integer
from t5sym.views import hardware, inference

from .support.cli import one_line_error, run
from .support.live_bytes import LiveBytes
from .support.reference import build, hf_config
from .test_flops import gemma_data, gemma_model
from .test_gemma2 import config_jsons as gemma2_jsons

TORCH_DTYPE = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def cache_bytes(cache) -> tuple[int, int]:
    """Bytes of the keys and values each part of an ``EncoderDecoderCache`` holds."""

    def held(part) -> int:
        return sum(
            t.numel() * t.element_size()
            for layer in part.layers
            if getattr(layer, "is_initialized", False)
            for t in (layer.keys, layer.values)
        )

    return held(cache.self_attention_cache), held(cache.cross_attention_cache)


def ours(config: Config, batch: int, s: int, t: int, dtype: str) -> inference.Inference:
    return inference.inference(config, batch, s, t, dtype)


def real(c: Config, dtype: str = "fp32", device: str = "cpu") -> torch.nn.Module:
    cfg = hf_config(c)
    cfg._attn_implementation = "eager"
    cfg.decoder_start_token_id, cfg.pad_token_id, cfg.eos_token_id = 0, 0, 1
    from transformers import T5ForConditionalGeneration

    torch.manual_seed(0)
    with torch.device(device):
        model = T5ForConditionalGeneration(cfg)
    return model.to(TORCH_DTYPE[dtype]).eval()


@pytest.mark.parametrize("dtype", ["fp32", "bf16", "fp16"])
@pytest.mark.parametrize("name", ["t5-small", "t5-3b", "flan-t5-xl", "t5-v1_1-xxl"])
def test_cache_of_full_size_presets_on_meta(name: str, dtype: str) -> None:
    config = t5sym.load(name)
    model = build(config).to(TORCH_DTYPE[dtype])
    batch, s, t = 3, 7, 5
    with torch.no_grad():
        ids = torch.zeros(batch, s, dtype=torch.long, device="meta")
        dec = torch.zeros(batch, t, dtype=torch.long, device="meta")
        out = model(input_ids=ids, decoder_input_ids=dec, use_cache=True)
    got = cache_bytes(out.past_key_values)
    r = ours(config, batch, s, t, dtype)
    assert (r.self_attention_cache_bytes, r.cross_attention_cache_bytes) == got


@settings(max_examples=15, deadline=None)
@given(
    d_model=st.integers(1, 24),
    heads=st.integers(1, 4),
    d_kv=st.integers(1, 6),
    layers=st.integers(1, 3),
    dec_layers=st.integers(1, 3),
    batch=st.integers(1, 3),
    s=st.integers(1, 9),
    t=st.integers(1, 6),
    dtype=st.sampled_from(["fp32", "bf16", "fp16"]),
)
def test_cache_of_small_cpu_models(d_model, heads, d_kv, layers, dec_layers, batch, s, t, dtype):
    c = Config(d_model, 7, heads, d_kv, layers, 30, num_decoder_layers=dec_layers)
    model = real(c, dtype)
    with torch.no_grad():
        ids = torch.randint(2, 30, (batch, s))
        dec = torch.randint(2, 30, (batch, t))
        out = model(input_ids=ids, decoder_input_ids=dec, use_cache=True)
    r = ours(c, batch, s, t, dtype)
    assert (r.self_attention_cache_bytes, r.cross_attention_cache_bytes) == cache_bytes(
        out.past_key_values
    )


SMALL = [
    Config(16, 24, 3, 4, 3, 50, num_decoder_layers=2, feed_forward_proj="gated-gelu",
           tie_word_embeddings=False),
    Config(8, 12, 2, 3, 2, 40),
    Config(5, 9, 1, 2, 2, 30, num_decoder_layers=1, feed_forward_proj="gated-silu"),
]  # fmt: skip


def values(c: Config, batch: int, s: int, t: int, b: int = 4) -> dict:
    return {**c.values(), symbols.batch: batch, symbols.encoder_length: s,
            symbols.decoder_length: t, symbols.bytes_per_value: b}  # fmt: skip


@pytest.mark.parametrize("use_cache", [True, False])
@pytest.mark.parametrize("c", SMALL)
def test_generate_flops(c: Config, use_cache: bool) -> None:
    """generate() with a fixed number of new tokens (transformers sizes generate's cache by
    num_layers, so these configs keep num_decoder_layers ≤ num_layers)."""
    model, batch, s, t = real(c), 2, 5, 4
    ids = torch.randint(2, c.vocab_size, (batch, s))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model.generate(
            ids, max_new_tokens=t, min_new_tokens=t, do_sample=False, num_beams=1,
            use_cache=use_cache,
        )  # fmt: skip
    assert out.shape[1] == t + 1
    expr = inference.generation_flops(c, use_cache=use_cache)
    assert integer(expr, values(c, batch, s, t)) == counter.get_total_flops()


@pytest.mark.parametrize("c", SMALL[1:])
def test_step_by_step_cached_decode_flops(c: Config) -> None:
    model, batch, s, t = real(c), 2, 6, 5
    ids = torch.randint(2, c.vocab_size, (batch, s))
    per_step = []
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        enc = model.get_encoder()(input_ids=ids)
        cache, token = None, torch.zeros(batch, 1, dtype=torch.long)
        for _ in range(t):
            before = counter.get_total_flops()
            out = model(encoder_outputs=enc, decoder_input_ids=token,
                        past_key_values=cache, use_cache=True)  # fmt: skip
            per_step.append(counter.get_total_flops() - before)
            cache, token = out.past_key_values, out.logits.argmax(-1)
    v = values(c, batch, s, t)
    assert integer(inference.generation_flops(c), v) == counter.get_total_flops()
    # step t on its own (the first step also projects the encoder output for the cache)
    cross = (
        integer(inference.generation_flops(c), v)
        - sum(integer(inference.step_flops(c, k), v) for k in range(1, t + 1))
        - integer(t5sym.views.flops.forward_tree(c)["encoder"].expr, v)
    )
    assert per_step[1:] == [integer(inference.step_flops(c, k), v) for k in range(2, t + 1)]
    assert per_step[0] == integer(inference.step_flops(c, 1), v) + cross


@settings(max_examples=12, deadline=None)
@given(
    d_model=st.integers(2, 24),
    d_ff=st.integers(1, 64),
    heads=st.integers(1, 8),
    d_kv=st.integers(1, 8),
    batch=st.integers(1, 3),
    s=st.integers(1, 48),
    t=st.integers(2, 12),
    proj=st.sampled_from(["relu", "gated-gelu", "gated-silu"]),
)
def test_activation_peaks_bound_live_bytes(d_model, d_ff, heads, d_kv, batch, s, t, proj):
    """The live bytes of a real no-grad pass stay within the bound, and the bound within
    3× of them (the bound adds the attention and FFN moments, which never coexist)."""
    c = Config(d_model, d_ff, heads, d_kv, 2, 40, feed_forward_proj=proj)
    model = real(c)
    v = values(c, batch, s, t)
    ids = torch.randint(2, 40, (batch, s))
    with torch.no_grad():
        tracker = LiveBytes()
        tracker.ignore([*model.parameters(), ids])
        with tracker:
            enc = model.get_encoder()(input_ids=ids)
        bound = integer(inference.encoder_peak(c), v)
        assert tracker.peak <= bound <= 3 * tracker.peak
        cache, token = None, torch.zeros(batch, 1, dtype=torch.long)
        for _ in range(t):
            held = [] if cache is None else [
                x for layer in (*cache.self_attention_cache.layers,
                                *cache.cross_attention_cache.layers)
                for x in (layer.keys, layer.values)
            ]  # fmt: skip
            tracker = LiveBytes()
            tracker.ignore([*model.parameters(), enc.last_hidden_state, token, *held])
            with tracker:
                out = model(encoder_outputs=enc, decoder_input_ids=token,
                            past_key_values=cache, use_cache=True)  # fmt: skip
            cache, token = out.past_key_values, out.logits.argmax(-1)
    new_cache = {
        x.untyped_storage().data_ptr()
        for layer in cache.self_attention_cache.layers
        for x in (layer.keys, layer.values)
    }
    live = peak = 0
    for key, size in tracker.events:  # the last step, its new cache left out
        if key not in new_cache:
            live += size
            peak = max(peak, live)
    peak += enc.last_hidden_state.numel() * 4  # the encoder output generate() keeps
    assert peak <= integer(inference.step_peak(c), v)


def test_result_keys_and_sums() -> None:
    r = ours(t5sym.load("t5-11b"), 1, 512, 128, "bf16")
    d = r.to_dict()
    for key in ("weights_bytes", "self_attention_cache_bytes", "cross_attention_cache_bytes",
                "kv_cache_bytes", "activation_peak_bytes", "total_bytes"):  # fmt: skip
        assert key in d
    assert d["weights_bytes"] == 2 * t5sym.count(t5sym.load("t5-11b")).total
    assert d["total_bytes"] == (
        d["weights_bytes"] + d["kv_cache_bytes"] + d["activation_peak_bytes"]
    )


def test_crossover_is_solved() -> None:
    """The length at which the caches equal the weights, solved, then checked by substitution
    into transformers' cache size per token (2·layers·heads·d_kv values per position)."""
    c = t5sym.load("t5-3b")
    v = {**c.values(), symbols.batch: 1, symbols.bytes_per_value: 2}
    caches = inference.cache_tree(c).total.subs(symbols.decoder_length, symbols.encoder_length)
    weights = t5sym.views.memory.bytes_tree(t5sym.tree(c)).total
    s = inference.solve_length(caches.subs(v), weights.subs(v))
    per_token = 2 * 2 * c.num_decoder_layers * c.num_heads * c.d_kv * 2  # self + cross, k + v
    assert sympy.Rational(2 * t5sym.count(c).total, per_token) == s


def test_accelerators_have_sources_and_ridge_points() -> None:
    for acc in hardware.ACCELERATORS:
        assert acc.source.startswith("https://")
        assert acc.bandwidth > 0 and acc.peak_flops > 0 and acc.ridge_point > 1
    assert hardware.TPU_V3.memory_per_core == 16 * hardware.GIB


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--encoder-length", "0"], "--encoder-length"),
        (["--decoder-length", "-2"], "--decoder-length"),
        (["--batch", "0"], "--batch"),
        (["--dtype", "fp64"], "dtype"),
        (["--dtype", "int8"], "dtype"),
    ],
)
def test_cli_bad_input(args: list[str], fragment: str) -> None:
    one_line_error(run("inference", "t5-small", *args), fragment)


def test_python_bad_input() -> None:
    with pytest.raises(T5SymError, match="encoder_length"):
        inference.inference(t5sym.load("t5-small"), 1, 0, 5)
    with pytest.raises(T5SymError, match="dtype"):
        inference.inference(t5sym.load("t5-small"), 1, 5, 5, "int4")


def test_cli_json() -> None:
    import json

    out = run("inference", "t5-small", "--json", "--encoder-length", "64")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["kv_cache_bytes"] == d["self_attention_cache_bytes"] + d["cross_attention_cache_bytes"]


# ---------------------------------------------------------------------------------------
# T5Gemma: the cache a real forward / generate() of small CPU models holds.


def gemma_kv_bytes(part) -> tuple[int, int]:
    """Bytes of the keys and of the values one part of an ``EncoderDecoderCache`` holds."""
    layers = [layer for layer in part.layers if getattr(layer, "is_initialized", False)]
    return tuple(sum(getattr(x, k).numel() * getattr(x, k).element_size() for x in layers)
                 for k in ("keys", "values"))  # fmt: skip


def assert_gemma_cache(config, cache, batch: int, s: int, t: int, dtype: str) -> None:
    ours = inference.gemma_cache(config, batch, s, t, dtype)
    got = cache_bytes(cache)
    assert (ours.self_attention_cache_bytes, ours.cross_attention_cache_bytes) == got
    for name, part in (("self_attn", cache.self_attention_cache),
                       ("cross_attn", cache.cross_attention_cache)):  # fmt: skip
        keys, values_ = gemma_kv_bytes(part)
        assert ours.cache_breakdown[f"model.decoder.layers.*.{name}.k_proj"] == keys
        assert ours.cache_breakdown[f"model.decoder.layers.*.{name}.v_proj"] == values_


@settings(max_examples=25, deadline=None)
@given(data=st.data(), batch=st.integers(1, 2), s=st.integers(1, 7), t=st.integers(1, 9),
       dtype=st.sampled_from(["fp32", "bf16"]))  # fmt: skip
def test_gemma_cache_of_a_forward_with_use_cache(data, batch, s, t, dtype) -> None:
    """GQA widths, sliding windows 1..5 against T up to 9 (a window of 1 keeps every token),
    balanced and unbalanced stacks, every layer-type mix."""
    config_json = dict(gemma_data(data.draw), architectures=["T5GemmaForConditionalGeneration"])
    config = t5sym.from_hf(config_json)
    model = gemma_model(config_json, "ForConditionalGeneration").to(TORCH_DTYPE[dtype])
    ids = torch.ones(batch, s, dtype=torch.long)
    with torch.no_grad():
        out = model(input_ids=ids, decoder_input_ids=torch.ones(batch, t, dtype=torch.long),
                    use_cache=True)  # fmt: skip
    assert_gemma_cache(config, out.past_key_values, batch, s, t, dtype)


@pytest.mark.parametrize("window", [1, 2, 3, 8])
def test_gemma_cache_after_generate(window: int) -> None:
    """generate() of N tokens: the decoder has run N positions (start token + N - 1)."""
    stack = dict(
        vocab_size=11,
        hidden_size=8,
        intermediate_size=6,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=4,
        sliding_window=window,
    )
    data = {"model_type": "t5gemma", "encoder": dict(stack, hidden_size=12, num_hidden_layers=2),
            "decoder": stack}  # fmt: skip
    model = gemma_model(data, "ForConditionalGeneration")
    ids = torch.ones(2, 5, dtype=torch.long)
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=6, min_new_tokens=6, do_sample=False,
                             return_dict_in_generate=True)  # fmt: skip
    assert out.sequences.shape[1] == 7  # the start token and 6 new ones
    assert_gemma_cache(t5sym.from_hf(data), out.past_key_values, 2, 5, 6, "fp32")


def test_gemma_inference_refuses_what_it_does_not_model_in_one_line() -> None:
    with pytest.raises(T5SymError) as err:
        inference.inference(t5sym.load("t5gemma-2b-2b"))
    assert str(err.value).startswith("model_type: t5gemma: ") and "\n" not in str(err.value)
    data = {"model_type": "t5gemma", "architectures": ["T5GemmaModel"]}
    with pytest.raises(T5SymError, match="^architectures: caches are modelled"):
        inference.gemma_cache(t5sym.from_hf(data))


@settings(max_examples=20, deadline=None)
@given(data=st.data(), batch=st.integers(1, 2), s=st.integers(1, 7), t=st.integers(1, 9))
def test_gemma2_merged_attention_cache_of_a_text_forward(data, batch, s, t) -> None:
    """T5Gemma 2: the decoder's one attention fills both caches from the same k and v."""
    config_json = data.draw(gemma2_jsons())
    config_json["architectures"] = ["T5Gemma2ForConditionalGeneration"]
    text = config_json["encoder"]["text_config"]
    for stack in (text, config_json["decoder"]):
        stack["vocab_size"] = max(3, stack["vocab_size"])
        stack["sliding_window"] = data.draw(st.integers(1, 5))
        heads = stack["num_attention_heads"]
        stack["num_key_value_heads"] = data.draw(
            st.sampled_from([k for k in range(1, heads + 1) if heads % k == 0])
        )
    torch.manual_seed(0)
    hf = transformers.T5Gemma2Config.from_dict(config_json)
    model = transformers.T5Gemma2ForConditionalGeneration(hf).eval()
    with torch.no_grad():
        ids, dec = torch.ones(batch, s, dtype=torch.long), torch.ones(batch, t, dtype=torch.long)
        out = model(input_ids=ids, decoder_input_ids=dec, use_cache=True)
    cache = out.past_key_values
    ours = inference.gemma_cache(t5sym.from_hf(config_json), batch, s, t, "fp32")
    assert (ours.self_attention_cache_bytes, ours.cross_attention_cache_bytes) == cache_bytes(cache)
    keys = [gemma_kv_bytes(p)[0] for p in (cache.self_attention_cache, cache.cross_attention_cache)]
    assert ours.cache_breakdown["model.decoder.layers.*.self_attn.k_proj"] == sum(keys)


@pytest.mark.parametrize("name", list(t5sym.model.presets.GEMMA_PRESETS))
def test_gemma_preset_cache_on_meta_past_the_window(name: str) -> None:
    """Full-size presets on meta, T = 4100 > sliding_window: sliding layers keep 4095 tokens."""
    config = t5sym.load(name)
    data = {"model_type": "t5gemma", "encoder": config.encoder.to_dict(),
            "decoder": config.decoder.to_dict()}  # fmt: skip
    for stack in ("encoder", "decoder"):
        data[stack].pop("sliding_layers")
    hf = transformers.T5GemmaConfig.from_dict(data)
    with torch.device("meta"):
        model = transformers.T5GemmaForConditionalGeneration(hf).to(torch.bfloat16).eval()
        ids, dec = torch.ones(1, 64, dtype=torch.long), torch.ones(1, 4100, dtype=torch.long)
    masks = {"full_attention": None, "sliding_attention": None}  # building them reads values
    out = model(input_ids=ids, decoder_input_ids=dec, attention_mask=masks,
                decoder_attention_mask=masks, use_cache=True)  # fmt: skip
    assert_gemma_cache(config, out.past_key_values, 1, 64, 4100, "bf16")
