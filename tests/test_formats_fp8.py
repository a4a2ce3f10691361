"""fp8 as transformers holds it in memory (``fp8-hf``), against transformers itself.

Reference: ``from_pretrained(..., dtype=torch.bfloat16,
quantization_config=FineGrainedFP8Config())`` of a saved small model, run through
transformers' own loading path on the CPU: its ``replace_with_fp8_linear`` swaps the Linears
for ``FP8Linear`` and its ``Fp8Quantize`` quantizes each weight while loading. Only
``FineGrainedFP8HfQuantizer.validate_environment`` is replaced (it refuses to quantize
without a GPU; nothing of the quantization runs on a GPU). The parameters' and buffers'
bytes are then counted tensor by tensor, and ``get_memory_footprint()`` in total. For the
full-size presets, transformers' ``replace_with_fp8_linear`` on the meta device.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers.integrations.finegrained_fp8 import replace_with_fp8_linear
from transformers.quantizers.quantizer_finegrained_fp8 import FineGrainedFP8HfQuantizer

import t5sym
from t5sym import Config
from t5sym.views import formats, layouts

from .support.reference import HEADS, build
from .test_flops import gemma_data
from .test_formats import assert_per_leaf, gemma_small, nbytes, small_model

#: Sizes on both sides of transformers' 128×128 blocks: a multiple of 128 is quantized, any
#: other size stays bfloat16 beside its scales.
SIZES = st.sampled_from([128, 256, 384, 96, 200])


@st.composite
def fp8_configs(draw) -> Config:
    """Every model type fp8-hf holds (Switch's experts refused), every head, tied or not,
    with sizes on and off the 128 grid."""
    model_type = draw(st.sampled_from(["t5", "mt5", "umt5", "longt5"]))
    return Config(
        d_model=draw(SIZES),
        d_ff=draw(SIZES),
        num_heads=draw(st.sampled_from([1, 2, 3])),
        d_kv=draw(st.sampled_from([64, 128, 40])),
        num_layers=draw(st.integers(1, 2)),
        num_decoder_layers=draw(st.one_of(st.none(), st.integers(1, 2))),
        vocab_size=draw(st.sampled_from([128, 300])),
        relative_attention_num_buckets=draw(st.integers(1, 40)),
        feed_forward_proj=draw(st.sampled_from(["relu", "gated-gelu"])),
        tie_word_embeddings=draw(st.booleans()),
        model_type=model_type,
        num_labels=draw(st.integers(1, 3)),
        head=draw(st.sampled_from(HEADS[model_type])),
    )


def held(model: torch.nn.Module, buffers: bool = True) -> dict[str, int]:
    """Bytes of every parameter and buffer, by name (``X.weight_scale_inv`` as
    ``X.weight.scale_inv``: a scale counts with its weight, whose leaf may end in .weight)."""
    tensors = [*model.named_parameters(), *(model.named_buffers() if buffers else ())]
    return {n.replace(".weight_scale_inv", ".weight.scale_inv"): nbytes(t) for n, t in tensors}


def fp8_loaded(model: torch.nn.Module, monkeypatch: pytest.MonkeyPatch) -> torch.nn.Module:
    """``model`` saved, then loaded by transformers with ``FineGrainedFP8Config()``."""
    monkeypatch.setattr(FineGrainedFP8HfQuantizer, "validate_environment", lambda *a, **k: None)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        return type(model).from_pretrained(
            Path(tmp),
            dtype=torch.bfloat16,
            quantization_config=transformers.FineGrainedFP8Config(),
        )


@settings(max_examples=40, deadline=None)
@given(fp8_configs(), st.booleans())
def test_fp8_hf_as_transformers_loads(c: Config, encoder_only: bool) -> None:
    """Per leaf: the float8 weight and its ``weight_scale_inv`` (⌈r/128⌉×⌈c/128⌉ float32),
    or the bfloat16 weight transformers leaves beside its scales, ``wo`` where the class
    keeps it, ``lm_head``, embeddings, norms and biases in bfloat16."""
    with pytest.MonkeyPatch.context() as mp:
        model = fp8_loaded(small_model(c, encoder_only), mp)
    w = formats.weights(c, "fp8-hf", encoder_only=encoder_only)
    assert_per_leaf(w, held(model))
    assert model.get_memory_footprint() == w.total
    memory = layouts.file_bytes(c, "fp8-hf", encoder_only=encoder_only)
    assert memory.footprint == model.get_memory_footprint() and memory.file_bytes is None


def test_fp8_hf_keeps_what_transformers_keeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule's choices, named: T5's ``wo`` and the untied ``lm_head`` stay bfloat16 without
    scales; a 128-multiple Linear is float8; a 96-row one stays bfloat16 with its scales."""
    c = Config(d_model=256, d_ff=384, num_heads=2, d_kv=48, num_layers=1, vocab_size=128,
               feed_forward_proj="gated-gelu", tie_word_embeddings=False)  # fmt: skip
    model = fp8_loaded(small_model(c, False), monkeypatch)
    params = dict(model.named_parameters())
    ffn = "encoder.block.0.layer.1.DenseReluDense"
    attn = "encoder.block.0.layer.0.SelfAttention"
    assert params[f"{ffn}.wi_0.weight"].dtype == torch.float8_e4m3fn
    assert params[f"{ffn}.wi_0.weight_scale_inv"].shape == (3, 2)
    assert params[f"{ffn}.wo.weight"].dtype == torch.bfloat16
    assert f"{ffn}.wo.weight_scale_inv" not in params
    assert params["lm_head.weight"].dtype == torch.bfloat16
    assert "lm_head.weight_scale_inv" not in params
    assert params[f"{attn}.q.weight"].dtype == torch.bfloat16  # 96 rows: not quantized
    assert params[f"{attn}.q.weight_scale_inv"].shape == (1, 2)  # its scales all the same
    storages = formats.storage_map(c, "fp8-hf")
    assert storages["encoder.block.*.layer.1.DenseReluDense.wi_0"] == {"F8_E4M3+blocks": 1}
    assert storages["encoder.block.*.layer.1.DenseReluDense.wo"] == {"BF16": 1}
    assert storages["lm_head"] == {"BF16": 1}


@settings(max_examples=10, deadline=None)
@given(st.data(), st.booleans())
def test_gemma_fp8_hf_as_transformers_loads(data, encoder_only: bool) -> None:
    """T5Gemma: the output projection (``lm_head.out_proj``) stays bfloat16, found by role;
    the parameters (its rotary ``inv_freq`` buffers are not weights)."""
    config_json = gemma_data(data.draw)
    config = t5sym.from_hf(config_json)
    with pytest.MonkeyPatch.context() as mp:
        model = fp8_loaded(gemma_small(config_json, encoder_only), mp)
    real = held(model, buffers=False)  # T5Gemma's rotary inv_freq buffers are no weights
    assert_per_leaf(formats.weights(config, "fp8-hf", encoder_only=encoder_only), real)


def test_switch_experts_refused_as_transformers_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """transformers cannot load Switch's sparse layers in fp8; t5sym refuses in one line."""
    c = Config(d_model=128, d_ff=128, num_heads=1, d_kv=128, num_layers=2, vocab_size=128,
               model_type="switch_transformers", num_experts=2, num_sparse_encoder_layers=2,
               num_sparse_decoder_layers=2)  # fmt: skip
    with pytest.raises(AttributeError, match="intermediate_size"):
        fp8_loaded(small_model(c, True), monkeypatch)
    with pytest.raises(formats.Inapplicable, match=r"^format: fp8-hf cannot hold Switch[^\n]*$"):
        formats.weights(c, "fp8-hf", encoder_only=True)
    refused = [r for r in formats.weights_all(t5sym.load("switch-base-8")) if not r.applicable]
    assert "fp8-hf" in {r.format for r in refused}


@pytest.mark.parametrize(
    "preset", [p for p in t5sym.PRESETS if t5sym.load(p).model_type != "switch_transformers"]
)
def test_presets_on_meta(preset: str) -> None:
    """Full-size presets: transformers' own replacement on the meta device, built in
    bfloat16 (as ``dtype=torch.bfloat16`` loads), with the quantizer's own skip list. On
    meta every FP8Linear weight is float8; the presets whose Linears are not all on the
    128 grid (ByT5) are checked through loading above."""
    c = t5sym.load(preset)
    for encoder_only in (False, True):
        torch.set_default_dtype(torch.bfloat16)
        try:
            model = build(c, encoder_only)
        finally:
            torch.set_default_dtype(torch.float32)
        q = FineGrainedFP8HfQuantizer(transformers.FineGrainedFP8Config(), pre_quantized=False)
        skip = q.get_modules_to_not_convert(model, None, model._keep_in_fp32_modules)
        replace_with_fp8_linear(model, skip, q.quantization_config)
        shapes = [m.weight.shape for m in model.modules() if hasattr(m, "weight_scale_inv")]
        on_grid = all(r % 128 == 0 and k % 128 == 0 for r, k in shapes)
        w = formats.weights(c, "fp8-hf", encoder_only=encoder_only)
        if on_grid:
            assert_per_leaf(w, held(model))
        else:
            assert c.name.startswith("byt5"), c.name


# --- torchao: TorchAoConfig(Float8WeightOnlyConfig()), as transformers loads it ---------------


def torchao_loaded(model: torch.nn.Module) -> torch.nn.Module:
    """``model`` saved, then loaded by transformers with torchao's float8 weight-only config
    (its default granularity: one scale per row)."""
    from torchao.quantization import Float8WeightOnlyConfig

    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        return type(model).from_pretrained(
            Path(tmp),
            dtype=torch.bfloat16,
            quantization_config=transformers.TorchAoConfig(Float8WeightOnlyConfig()),
        )


def torchao_held(model: torch.nn.Module) -> dict[str, int]:
    """Bytes of every parameter: a ``Float8Tensor`` as its float8 values and its scales."""
    out = {}
    for name, p in model.named_parameters():
        if hasattr(p, "qdata"):
            out[name] = nbytes(p.qdata) + nbytes(p.scale)
        else:
            out[name] = nbytes(p)
    return out


@st.composite
def torchao_configs(draw) -> Config:
    """fp8_configs, and Switch Transformers with sparse layers."""
    if draw(st.booleans()):
        return draw(fp8_configs())
    layers = draw(st.integers(1, 3))
    return Config(
        d_model=draw(SIZES),
        d_ff=draw(SIZES),
        num_heads=draw(st.sampled_from([1, 2])),
        d_kv=draw(st.sampled_from([64, 40])),
        num_layers=layers,
        vocab_size=draw(st.sampled_from([128, 300])),
        model_type="switch_transformers",
        num_experts=draw(st.integers(1, 3)),
        num_sparse_encoder_layers=draw(st.integers(0, layers)),
        num_sparse_decoder_layers=draw(st.integers(0, layers)),
        router_bias=draw(st.booleans()),
        tie_word_embeddings=draw(st.booleans()),
        head=draw(st.sampled_from(HEADS["switch_transformers"])),
    )


@settings(max_examples=30, deadline=None)
@given(torchao_configs(), st.booleans())
def test_fp8_torchao_as_transformers_loads(c: Config, encoder_only: bool) -> None:
    """Per leaf: each quantized Linear weight's float8 values and per-row float32 scales
    (``wo`` included), ``lm_head`` and the rest bfloat16; and ``get_memory_footprint()``,
    which counts a ``Float8Tensor`` at its reported bfloat16 size without its scales."""
    model = torchao_loaded(small_model(c, encoder_only))
    w = formats.weights(c, "fp8-torchao", encoder_only=encoder_only)
    assert_per_leaf(w, torchao_held(model))
    memory = layouts.file_bytes(c, "fp8-torchao", encoder_only=encoder_only)
    assert memory.footprint == model.get_memory_footprint()


@settings(max_examples=10, deadline=None)
@given(st.data(), st.booleans())
def test_gemma_fp8_torchao_as_transformers_loads(data, encoder_only: bool) -> None:
    """T5Gemma under torchao: the output projection stays bfloat16; where t5sym refuses (a
    Linear with one input column), transformers fails to load."""
    config_json = gemma_data(data.draw)
    config = t5sym.from_hf(config_json)
    assert_torchao_as_loaded(config, encoder_only, lambda: gemma_small(config_json, encoder_only))


def assert_torchao_as_loaded(config: Config, encoder_only: bool, model) -> None:  # noqa: ANN001
    """t5sym's ``fp8-torchao`` equals, per leaf, what torchao holds of ``model()`` loaded;
    where t5sym refuses (a Linear with one input column), transformers fails to load."""
    try:
        w = formats.weights(config, "fp8-torchao", encoder_only=encoder_only)
    except formats.Inapplicable:
        with pytest.raises(RuntimeError, match="conversion"):
            torchao_loaded(model())
        return
    assert_per_leaf(w, torchao_held(torchao_loaded(model())))


def test_fp8_torchao_quantizes_wo() -> None:
    """transformers' skip list holds ``wo`` but is matched against parameter names: T5's
    ``wo`` is float8 under torchao (and bfloat16 under FineGrainedFP8, `fp8_hf`)."""
    c = Config(d_model=128, d_ff=256, num_heads=2, d_kv=64, num_layers=1, vocab_size=128,
               feed_forward_proj="gated-gelu", tie_word_embeddings=False)  # fmt: skip
    model = torchao_loaded(small_model(c, True))
    wo = dict(model.named_parameters())["encoder.block.0.layer.1.DenseReluDense.wo.weight"]
    assert wo.qdata.dtype == torch.float8_e4m3fn and wo.scale.shape == (128, 1)
    assert "wo" in model._keep_in_fp32_modules
    assert formats.storage_map(c, "fp8-torchao", encoder_only=True)[
        "encoder.block.*.layer.1.DenseReluDense.wo"
    ] == {"F8_E4M3+rows": 1}


@pytest.mark.parametrize("field", ["d_ff", "d_model"])
def test_fp8_torchao_one_input_column_refused_as_torchao_fails(field: str) -> None:
    """A Linear with one input column fails to load under torchao; t5sym refuses it in one
    line naming the dimension."""
    c = Config(**{**dict(d_model=8, d_ff=8, num_heads=2, d_kv=4, num_layers=1, vocab_size=10),
                  field: 1})  # fmt: skip
    with pytest.raises(RuntimeError, match="conversion"):
        torchao_loaded(small_model(c, True))
    with pytest.raises(formats.Inapplicable, match=rf"^format: fp8-torchao [^\n]*{field} = 1"):
        formats.weights(c, "fp8-torchao", encoder_only=True)
