"""T5Gemma 2's weight formats against transformers' own loaders, tensor by tensor.

References: small ``T5Gemma2*`` models (the SigLIP tower with and without its
attention-pooling head) saved and loaded back by ``from_pretrained`` in float16, with a
``BitsAndBytesConfig`` (bitsandbytes' CPU backend), ``FineGrainedFP8Config`` (only its
``validate_environment`` replaced, as in tests/test_formats_fp8.py) and
``TorchAoConfig(Float8WeightOnlyConfig())``; every parameter's bytes with what each library
keeps beside it; a safetensors file of every tensor in float8 (``fp8-e4m3fn``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st

import t5sym
from t5sym import T5SymError
from t5sym.views import formats

from .test_formats import BNB, BNB_CONFIG, TORCH, assert_per_leaf, fp8_file, held_bytes, nbytes
from .test_formats_fp8 import (
    assert_torchao_as_loaded,
    fp8_loaded,
    held,
    torchao_held,
    torchao_loaded,
)
from .test_gemma2 import config_jsons


def small(data: dict, encoder_only: bool) -> torch.nn.Module:
    """transformers' T5Gemma 2 of the config's class (or ``T5Gemma2Encoder``) on the CPU,
    every weight drawn at random."""
    hf = transformers.T5Gemma2Config.from_dict(data)
    torch.manual_seed(0)
    if encoder_only or t5sym.from_hf(data).head == "Encoder":
        model = transformers.T5Gemma2Encoder(hf.encoder, hf.eoi_token_index)
    else:
        model = getattr(transformers, "T5Gemma2" + t5sym.from_hf(data).head)(hf)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    return model


def reloaded(model: torch.nn.Module, **kwargs) -> torch.nn.Module:
    """``model`` saved, then loaded by ``from_pretrained(**kwargs)``."""
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        return type(model).from_pretrained(Path(tmp), **kwargs)


def grid(tower_head: bool = True, tied: bool = False, head: str = "ForConditionalGeneration"):
    """A config.json whose every Linear is on transformers' 128×128 fp8 grid."""
    text = dict(vocab_size=256, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                num_attention_heads=2, num_key_value_heads=1, head_dim=64)  # fmt: skip
    vision = dict(hidden_size=128, intermediate_size=256, num_hidden_layers=1,
                  num_attention_heads=2, patch_size=4, image_size=16,
                  vision_use_head=tower_head)  # fmt: skip
    return {"model_type": "t5gemma2", "architectures": ["T5Gemma2" + head],
            "encoder": {"text_config": text, "vision_config": vision}, "decoder": text,
            "tie_word_embeddings": tied}  # fmt: skip


@settings(max_examples=20, deadline=None)
@given(config_jsons(), st.booleans(), st.sampled_from([*TORCH, "fp16-hf", "fp8-e4m3fn"]))
def test_float_formats_as_torch_and_from_pretrained_hold_them(
    data: dict, encoder_only: bool, fmt: str
) -> None:
    """Every head, tied and untied, the tower's pooling head on and off: torch's dtypes,
    ``from_pretrained(dtype=float16)`` (T5Gemma 2 keeps no module in float32) and a file of
    every tensor in float8 as safetensors writes it."""
    config = t5sym.from_hf(data)
    model = small(data, encoder_only)
    w = formats.weights(config, fmt, encoder_only=encoder_only)
    if fmt == "fp8-e4m3fn":
        with tempfile.TemporaryDirectory() as tmp:
            assert w.total == fp8_file(model, Path(tmp) / "m.safetensors", fmt)
        return
    if fmt == "fp16-hf":
        model = reloaded(model, dtype=torch.float16)
        assert not model._keep_in_fp32_modules
    else:
        model = model.to(TORCH[fmt])
    assert_per_leaf(w, {n: nbytes(p) for n, p in model.named_parameters()})


@settings(max_examples=15, deadline=None)
@given(config_jsons(), st.booleans(), st.sampled_from(BNB))
def test_bitsandbytes_as_transformers_loads(data: dict, encoder_only: bool, fmt: str) -> None:
    """Per leaf: int8 + SCB or 4-bit + QuantState for every replaced Linear (the tower's too),
    the rest float16."""
    config = t5sym.from_hf(data)
    q = transformers.BitsAndBytesConfig(**BNB_CONFIG[fmt])
    model = reloaded(small(data, encoder_only), dtype=torch.float16, quantization_config=q)
    real = {n: held_bytes(p) for n, p in model.named_parameters()}
    assert_per_leaf(formats.weights(config, fmt, encoder_only=encoder_only), real)


@settings(max_examples=10, deadline=None)
@given(config_jsons(), st.booleans())
def test_fp8_hf_as_transformers_loads(data: dict, encoder_only: bool) -> None:
    """Off the 128 grid: every replaced Linear bfloat16 beside its scales (the rotary and
    position-id buffers are no weights)."""
    config = t5sym.from_hf(data)
    with pytest.MonkeyPatch.context() as mp:
        model = fp8_loaded(small(data, encoder_only), mp)
    w = formats.weights(config, "fp8-hf", encoder_only=encoder_only)
    assert_per_leaf(w, held(model, buffers=False))
    assert model.get_memory_footprint(return_buffers=False) == w.total


@settings(max_examples=10, deadline=None)
@given(config_jsons(), st.booleans())
def test_fp8_torchao_as_transformers_loads(data: dict, encoder_only: bool) -> None:
    """Per-row float8 for every replaced Linear; where t5sym refuses (one input column),
    transformers fails to load."""
    assert_torchao_as_loaded(t5sym.from_hf(data), encoder_only, lambda: small(data, encoder_only))


#: What each quantizer makes of a replaced Linear's weight, and of one it leaves as loaded.
QUANTIZED = {"int8": torch.int8, "nf4": torch.uint8, "fp8-hf": torch.float8_e4m3fn}
LOADED_AS = {"int8": torch.float16, "nf4": torch.float16, "fp8-hf": torch.bfloat16}


@pytest.mark.parametrize("fmt", ["int8", "nf4", "fp8-hf", "fp8-torchao"])
def test_what_each_quantizer_replaces_in_the_vision_tower(fmt: str) -> None:
    """On the 128 grid, named: the tower's Linears and its pooling MLP quantized; the pooling
    attention's ``in_proj_weight`` (a Parameter), its ``out_proj`` (a
    NonDynamicallyQuantizableLinear), the patch Conv2d, the projector's
    ``mm_input_projection_weight`` and the untied ``lm_head`` left as loaded; t5sym's per-leaf
    choice says the same, and every byte is where its plan puts it."""
    data = grid()
    config = t5sym.from_hf(data)
    model = small(data, False)
    if fmt == "fp8-torchao":
        model = torchao_loaded(model)
        real = torchao_held(model)
    elif fmt == "fp8-hf":
        with pytest.MonkeyPatch.context() as mp:
            model = fp8_loaded(model, mp)
        real = held(model, buffers=False)
    else:
        q = transformers.BitsAndBytesConfig(**BNB_CONFIG[fmt])
        model = reloaded(model, dtype=torch.float16, quantization_config=q)
        real = {n: held_bytes(p) for n, p in model.named_parameters()}
    params = dict(model.named_parameters())
    tower = "model.encoder.vision_tower"
    replaced = [f"{tower}.encoder.layers.0.self_attn.q_proj.weight",
                f"{tower}.encoder.layers.0.self_attn.out_proj.weight",
                f"{tower}.encoder.layers.0.mlp.fc1.weight", f"{tower}.head.mlp.fc2.weight",
                "model.decoder.layers.1.self_attn.o_proj.weight"]  # fmt: skip
    kept = [f"{tower}.head.attention.in_proj_weight", f"{tower}.head.attention.out_proj.weight",
            f"{tower}.embeddings.patch_embedding.weight",
            "model.encoder.multi_modal_projector.mm_input_projection_weight",
            "lm_head.out_proj.weight"]  # fmt: skip
    for name in replaced:
        p = params[name]
        assert hasattr(p, "qdata") if fmt == "fp8-torchao" else p.dtype == QUANTIZED[fmt], name
    for name in kept:
        p = params[name]
        assert not hasattr(p, "qdata") and p.dtype == LOADED_AS.get(fmt, torch.bfloat16), name
    storages = formats.storage_map(config, fmt)
    main = formats.FORMATS[fmt].main
    leaf = {n: next(iter(storages[t5sym_name(n)])) for n in (*replaced, *kept)}
    assert {n for n, s in leaf.items() if s == main} == set(replaced)
    assert_per_leaf(formats.weights(config, fmt), real)


def t5sym_name(hf_name: str) -> str:
    """The leaf of t5sym's tree holding ``hf_name`` (block index as ``*``)."""
    tree = t5sym.tree(t5sym.from_hf(grid()))
    from .support.reference import node_pattern

    (name,) = [n.name for n in tree if n.is_leaf and node_pattern(n.name).match(hf_name)]
    return name


@pytest.mark.parametrize("fmt", ["fp8", "fp8-scaled", "gguf-q8_0"])
def test_converter_and_gguf_formats_are_refused_in_one_line(fmt: str) -> None:
    config = t5sym.load("t5gemma-2-270m-270m")
    with pytest.raises(T5SymError) as err:
        formats.weights(config, fmt)
    assert str(err.value).startswith("format: ") and "\n" not in str(err.value)
    refused = {r.format for r in formats.weights_all(config) if not r.applicable}
    assert refused == {"fp8", "fp8-scaled"} | {f for f in formats.FORMATS if f.startswith("gguf")}


def test_encoder_only_is_transformers_encoder_class() -> None:
    w = formats.weights(t5sym.load("t5gemma-2-270m-270m"), "bf16", encoder_only=True)
    assert hasattr(transformers, w.model) and w.model == "T5Gemma2Encoder"
