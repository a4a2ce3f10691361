"""t5sym.views.layouts against real files: safetensors files written by the safetensors package
(save_file, transformers' save_pretrained, sharded), GGUF files written by the gguf
package, bitsandbytes models loaded by transformers (get_memory_footprint), and the
published sizes of ComfyUI's T5-XXL files. Expected figures come from the files, the
packages and the publications, never from t5sym."""

from __future__ import annotations

import dataclasses
import json
import os
import struct
from pathlib import Path

import gguf
import pytest
import torch
import transformers
from safetensors.torch import save_file

import t5sym
from t5sym import T5SymError
from t5sym.views import layouts

from .support.cli import run
from .test_formats import BNB_CONFIG, loaded, small_model
from .test_inspect import write_gguf

torch.manual_seed(0)

#: comfyanonymous/flux_text_encoders, file sizes as published (t5-family reference).
T5XXL_FP16 = 9_787_841_024
T5XXL_FP8_E4M3FN = 4_893_934_904


def tiny(model_type: str = "t5", **kw) -> t5sym.Config:
    base = dict(model_type=model_type, d_model=32, d_ff=48, num_heads=4, d_kv=8, num_layers=3,
                vocab_size=97, feed_forward_proj="gated-gelu",
                architectures=["T5EncoderModel"])  # fmt: skip
    if model_type == "umt5":
        base["architectures"] = ["UMT5EncoderModel"]
    return t5sym.from_hf(base | kw)


def hf_model(c: t5sym.Config, encoder_only: bool = True) -> torch.nn.Module:
    cls = {"t5": transformers.T5Config, "umt5": transformers.UMT5Config}[c.model_type]
    hf = cls(d_model=c.d_model, d_ff=c.d_ff, num_heads=c.num_heads, d_kv=c.d_kv,
             num_layers=c.num_layers, vocab_size=c.vocab_size, feed_forward_proj="gated-gelu",
             tie_word_embeddings=c.lm_head_tied)  # fmt: skip
    prefix = "T5" if c.model_type == "t5" else "UMT5"
    kind = "EncoderModel" if encoder_only else "ForConditionalGeneration"
    return getattr(transformers, prefix + kind)(hf)


def header_of(path: Path) -> int:
    """8 + the header length the file declares."""
    with open(path, "rb") as f:
        return 8 + struct.unpack("<Q", f.read(8))[0]


def params(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().contiguous() for k, v in model.named_parameters()}


AVOID = ("norm", "bias", "embed_tokens", "shared")


def comfy(model: torch.nn.Module, layout: str, tokenizer: int = 0) -> dict[str, torch.Tensor]:
    """The tensors ComfyUI's (or the Wan repack's) file of ``layout`` stores."""
    base = params(model)
    out = {}
    for name, p in base.items():
        linear = not any(a in name for a in AVOID) and p.dim() == 2 and ".block." in name
        linear = linear and "relative_attention_bias" not in name
        if layout.endswith("fp16"):
            out[name] = p.to(torch.float16)
        elif layout.endswith("bf16"):
            out[name] = p.to(torch.bfloat16)
        elif layout.endswith("fp8_e4m3fn"):
            out[name] = p.to(torch.float8_e4m3fn)
        else:  # _scaled
            out[name] = p.to(torch.float8_e4m3fn if linear else torch.float16)
            if linear:
                out[name.removesuffix(".weight") + ".scale_weight"] = torch.ones(())
    out["encoder.embed_tokens.weight"] = out["shared.weight"].clone()
    if layout.endswith("_scaled"):
        out["scaled_fp8"] = torch.empty(0, dtype=torch.float8_e4m3fn)
    if tokenizer:
        out["spiece_model"] = torch.zeros(tokenizer, dtype=torch.uint8)
    return out


@pytest.mark.parametrize("layout", [n for n in layouts.PUBLISHED if not n.startswith("diff")])
def test_published_layouts_as_safetensors_writes_them(tmp_path: Path, layout: str) -> None:
    """ComfyUI's and the Wan repack's files, written by safetensors' save_file: the same
    header and file size, byte for byte."""
    lay = layouts.PUBLISHED[layout]
    c = tiny(next(iter(lay.model_types)))
    tokenizer = 4_321 if lay.tokenizer else 0
    path = tmp_path / "m.safetensors"
    save_file(comfy(hf_model(c), layout, tokenizer), path)
    f = layouts.file_bytes(c, layout, encoder_only=True, tokenizer_bytes=tokenizer or None)
    assert (f.file_bytes, f.header_bytes) == (os.path.getsize(path), header_of(path))
    if lay.tokenizer:
        unknown = layouts.file_bytes(c, layout, encoder_only=True)
        assert unknown.file_bytes is None and "spiece_model" in unknown.note
        assert [p.bytes for p in unknown.difference if "spiece" in p.what] == [None]


@pytest.mark.parametrize("dtype, fmt", [(torch.float32, "fp32"), (torch.bfloat16, "bf16")])
@pytest.mark.parametrize("encoder_only", [False, True])
def test_save_pretrained_file(tmp_path: Path, dtype, fmt: str, encoder_only: bool) -> None:
    c = tiny(architectures=["T5ForConditionalGeneration"], tie_word_embeddings=False)
    model = small_model(c, encoder_only).to(dtype)  # its own lm_head (tests/reference.py)
    model.save_pretrained(tmp_path)
    path = tmp_path / "model.safetensors"
    f = layouts.file_bytes(c, fmt, encoder_only=encoder_only)
    assert (f.file_bytes, f.header_bytes) == (os.path.getsize(path), header_of(path))


SWITCH = dict(model_type="switch_transformers", d_model=32, d_ff=48, num_heads=4, d_kv=8,
              vocab_size=97, num_experts=3, tie_word_embeddings=True)  # fmt: skip


@pytest.mark.parametrize(
    "layers",
    [dict(num_layers=4, num_sparse_encoder_layers=2, num_decoder_layers=3,
          num_sparse_decoder_layers=3),
     dict(num_layers=5, num_sparse_encoder_layers=0, num_decoder_layers=2,
          num_sparse_decoder_layers=1)],
    ids=["alternate", "dense-encoder"],
)  # fmt: skip
@pytest.mark.parametrize("encoder_only", [False, True])
def test_switch_save_pretrained_file(tmp_path: Path, layers: dict, encoder_only: bool) -> None:
    """Switch's sparse blocks (router, experts) and dense ones named as transformers names
    them: the file save_pretrained writes, header and size byte for byte."""
    arch = "SwitchTransformersEncoderModel" if encoder_only else "SwitchTransformersModel"
    c = t5sym.from_hf(SWITCH | layers | {"architectures": [arch]})
    small_model(c, encoder_only).to(torch.bfloat16).save_pretrained(tmp_path)
    path = tmp_path / "model.safetensors"
    f = layouts.file_bytes(c, "bf16", encoder_only=encoder_only)
    assert (f.file_bytes, f.header_bytes) == (os.path.getsize(path), header_of(path))


def test_sharded_folder_as_save_pretrained_writes_it(tmp_path: Path) -> None:
    """diffusers' text-encoder folders: save_pretrained's shards (here of at most 20 KB)."""
    c = tiny()
    model = hf_model(c).to(torch.bfloat16)
    model.save_pretrained(tmp_path, max_shard_size="20KB")
    shards = sorted(tmp_path.glob("*.safetensors"))
    assert len(shards) > 1
    lay = dataclasses.replace(layouts.PUBLISHED["diffusers-bf16-5gb"], max_shard_size=20_000)
    f = layouts.file_bytes(c, lay, encoder_only=True)
    assert f.files == len(shards)
    assert f.file_bytes == sum(os.path.getsize(p) for p in shards)
    assert f.header_bytes == sum(header_of(p) for p in shards)


def test_comfyui_t5xxl_files_as_published() -> None:
    """T5-v1.1-XXL's encoder in ComfyUI's fp16 and fp8_e4m3fn files: the published sizes;
    the tensors are transformers' (on the meta device) plus encoder.embed_tokens.weight."""
    xxl = t5sym.load("t5-v1_1-xxl")
    fp16 = layouts.file_bytes(xxl, "comfyui-t5xxl-fp16", encoder_only=True)
    fp8 = layouts.file_bytes(xxl, "comfyui-t5xxl-fp8_e4m3fn", encoder_only=True)
    assert (fp16.file_bytes, fp8.file_bytes) == (T5XXL_FP16, T5XXL_FP8_E4M3FN)
    assert fp16.header_bytes == 27_136  # published: the file's header
    assert fp16.published == T5XXL_FP16 and fp8.published == T5XXL_FP8_E4M3FN
    hf = transformers.T5Config(d_model=4096, d_ff=10240, num_heads=64, d_kv=64, num_layers=24,
                               vocab_size=32128, feed_forward_proj="gated-gelu")  # fmt: skip
    with torch.device("meta"):
        model = transformers.T5EncoderModel(hf)
    shapes = {k: tuple(p.shape) for k, p in model.named_parameters()}
    shapes["encoder.embed_tokens.weight"] = shapes["shared.weight"]
    lay = layouts.PUBLISHED["comfyui-t5xxl-fp16"]
    assert {t.name: t.shape for t in layouts.tensors(xxl, lay, encoder_only=True)} == shapes


def test_gguf_derivable_parts(tmp_path: Path) -> None:
    """The tensor infos and the padded data are derivable; the key-values are not."""
    c = tiny(d_model=64, d_ff=96, d_kv=32, num_heads=2)
    path = tmp_path / "m.gguf"
    write_gguf(hf_model(c), path)
    reader = gguf.GGUFReader(str(path))
    f = layouts.file_bytes(c, "gguf-q8_0", encoder_only=True)
    assert f.file_bytes is None and f.tensors == len(reader.tensors)
    assert f.data_bytes == os.path.getsize(path) - reader.data_offset
    infos = sum(sum(p.nbytes for p in t.field.parts) for t in reader.tensors)
    assert f.difference[0].bytes == 24 + infos
    assert [p.bytes for p in f.difference][2:] == [None, None]


@pytest.mark.parametrize("fmt", ["int8", "nf4", "nf4-dq"])
def test_bitsandbytes_footprint(tmp_path: Path, fmt: str) -> None:
    """get_memory_footprint() of a model transformers loads with bitsandbytes (CPU)."""
    c = tiny(architectures=["T5ForConditionalGeneration"], tie_word_embeddings=False)
    q = transformers.BitsAndBytesConfig(**BNB_CONFIG[fmt])
    model = loaded(c, False, tmp_path, dtype=torch.float16, quantization_config=q)
    f = layouts.file_bytes(c, fmt)
    assert f.file_bytes is None and f.footprint == model.get_memory_footprint()
    assert f.weights - f.footprint == f.difference[0].bytes > 0


def test_weights_all_json_gives_file_bytes() -> None:
    out = run("weights", "t5-v1_1-xxl", "--all", "--encoder-only", "--json")
    assert out.returncode == 0, out.stderr
    data = {d["format"]: d for d in json.loads(out.stdout)}
    comfy16 = {d["layout"]: d for d in data["fp16"]["layouts"]}["comfyui-t5xxl-fp16"]
    assert comfy16["file_bytes"] == T5XXL_FP16 and comfy16["published"] == T5XXL_FP16
    assert data["gguf-q8_0"]["file_bytes"] is None
    assert data["int8"]["footprint"] is not None
    text = run("weights", "t5-v1_1-xxl", "--all", "--encoder-only").stdout
    assert f"{T5XXL_FP16:,}" in text and f"{T5XXL_FP8_E4M3FN:,}" in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_bad_layout_one_line() -> None:
    with pytest.raises(T5SymError, match=r"^layout: unknown") as exc:
        layouts.file_bytes(tiny(), "comfy")
    assert "\n" not in str(exc.value)
    with pytest.raises(T5SymError, match=r"^tokenizer_bytes"):
        layouts.file_bytes(tiny("umt5"), "wan-umt5-xxl-fp16", tokenizer_bytes=-1)
