"""Weight formats against the real libraries, tensor by tensor and in total.

References: torch's dtypes (float8 included); transformers' ``from_pretrained`` of a
saved small T5 in float16 / bfloat16 (which modules stay float32) and with a
``BitsAndBytesConfig`` (bitsandbytes' CPU backend quantizes for real: int8 + ``SCB``,
4-bit + ``QuantState``); a float8 file written by the published converter's rule
(names, not kinds) and measured as safetensors stores it; the ``gguf`` package's
quantizers, writer, reader and block sizes. (llama.cpp's own quantizer, which picks the
per-tensor types of Q5_K_M and Q4_K_M, was checked against while writing the rule, through
llama-cpp-python; it builds llama.cpp from source for most of an hour, so the suite does
not run it.)
"""

from __future__ import annotations

import dataclasses
import json
import re
import struct
from pathlib import Path

import pytest
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import save_file

import t5sym
from t5sym import Config, T5SymError
from t5sym.views import formats

from .support.cli import one_line_error, run
from .support.reference import build, cached_build, configs, family_configs, node_pattern
from .test_flops import gemma_data, gemma_model

EXAMPLES = 100
FLOAT = ("fp32", "bf16", "fp16", "fp16-hf")
BNB = ("int8", "nf4", "nf4-dq", "fp4", "fp4-dq")
TORCH = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def nbytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


def ours(config: Config, fmt: str, encoder_only: bool) -> formats.Weights:
    return formats.weights(config, fmt, encoder_only=encoder_only)


def assert_per_leaf(w: formats.Weights, real: dict[str, int]) -> None:
    """Every leaf's bytes = the sum over the tensors it names; the total = their sum."""
    tree = t5sym.tree(w.config, encoder_only=w.encoder_only)
    for leaf in tree:
        if leaf.is_leaf:
            pattern = node_pattern(leaf.name)
            want = sum(n for name, n in real.items() if pattern.match(name))
            assert w.breakdown[leaf.name] == want, (w.format, leaf.name)
    assert w.total == sum(real.values()), w.format


def small_model(c: Config, encoder_only: bool) -> torch.nn.Module:
    """transformers' model of ``c``'s class (or its EncoderModel) on the CPU, with its own
    lm_head when untied (see reference.build) and every weight drawn at random."""
    torch.manual_seed(0)
    model = build(c, encoder_only, device="cpu")
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    return model


def loaded(c: Config, encoder_only: bool, tmp: Path, **kwargs) -> torch.nn.Module:
    """The small model saved, then loaded back by ``from_pretrained(tmp, **kwargs)``."""
    model = small_model(c, encoder_only)
    model.save_pretrained(tmp)
    return type(model).from_pretrained(tmp, **kwargs)


# --- float: torch dtypes and from_pretrained ----------------------------------------------


def test_torch_element_sizes() -> None:
    """Bytes per value of the dense storages are torch's element sizes."""
    for name, dtype in [("F32", torch.float32), ("BF16", torch.bfloat16),
                        ("F16", torch.float16), ("F8_E4M3", torch.float8_e4m3fn)]:  # fmt: skip
        assert formats.STORAGES[name].per_value == torch.empty(0, dtype=dtype).element_size()


#: T5 and MT5 configs, and every model type and head of the family.
ANY = st.one_of(configs(), family_configs())


@settings(max_examples=EXAMPLES)
@given(ANY, st.booleans(), st.sampled_from(FLOAT))
def test_float_formats_as_from_pretrained_loads(c: Config, encoder_only: bool, fmt: str) -> None:
    """fp32/bf16/fp16: every tensor in that dtype; fp16-hf: from_pretrained(dtype=fp16)."""
    import tempfile

    dtype = TORCH["fp16" if fmt == "fp16-hf" else fmt]
    with tempfile.TemporaryDirectory() as tmp:
        if fmt == "fp16-hf":
            model = loaded(c, encoder_only, Path(tmp), dtype=dtype)
        else:
            model = small_model(c, encoder_only).to(dtype)
    real = {n: nbytes(p) for n, p in model.named_parameters()}
    assert_per_leaf(ours(c, fmt, encoder_only), real)


def test_fp16_keeps_wo_in_fp32_and_bf16_does_not(tmp_path: Path) -> None:
    c = t5sym.load("t5-v1_1-small").__class__(
        d_model=16, d_ff=24, num_heads=2, d_kv=4, num_layers=2, vocab_size=40,
        feed_forward_proj="gated-gelu", tie_word_embeddings=False,
    )  # fmt: skip
    fp16 = loaded(c, False, tmp_path / "a", dtype=torch.float16)
    fp32 = {n for n, p in fp16.named_parameters() if p.dtype == torch.float32}
    assert fp32 and all(n.endswith(".wo.weight") for n in fp32)
    storages = formats.storage_map(c, "fp16-hf", encoder_only=False)
    assert {n for n, s in storages.items() if "F32" in s} == {
        n for n in storages if n.endswith(".wo")
    }
    bf16 = loaded(c, False, tmp_path / "b", dtype=torch.bfloat16)
    assert {p.dtype for p in bf16.parameters()} == {torch.bfloat16}


@pytest.mark.parametrize("preset", list(t5sym.PRESETS))
def test_presets_on_meta(preset: str) -> None:
    """Full-size presets on the meta device: dtypes, transformers' own keep-in-fp32 list,
    and the fp8 rule (Linear weights float8, the rest bfloat16)."""
    c = t5sym.load(preset)
    for encoder_only in (False, True):
        model = cached_build(c, encoder_only)
        keep = set(model._keep_in_fp32_modules or ())
        linears = {f"{n}.weight" for n, m in model.named_modules()
                   if isinstance(m, torch.nn.Linear)}  # fmt: skip
        params = dict(model.named_parameters())
        for fmt in ("fp32", "bf16", "fp16"):
            real = {n: p.numel() * TORCH[fmt].itemsize for n, p in params.items()}
            assert_per_leaf(ours(c, fmt, encoder_only), real)
        hf = {n: p.numel() * (4 if n.split(".")[-2] in keep else 2) for n, p in params.items()}
        assert_per_leaf(ours(c, "fp16-hf", encoder_only), hf)
        f8 = torch.float8_e4m3fn.itemsize
        fp8 = {n: p.numel() * (f8 if n in linears else 2) for n, p in params.items()}
        assert_per_leaf(ours(c, "fp8", encoder_only), fp8)


# --- fp8: the published converter's rule, measured in a safetensors file ------------------

#: Clybius's converter (marduk191/Learned-Rounding, convert_fp8_scaled_learned_svd.py,
#: --t5xxl): weights whose name holds one of these stay as they are.
AVOID = ("norm", "bias", "embed_tokens", "shared")


def fp8_file(model: torch.nn.Module, path: Path, fmt: str) -> int:
    """Write the model as each fp8 file is made; return the bytes of its tensor data.

    ``fp8``: the converter without scales (kept tensors bf16); ``fp8-e4m3fn``: ComfyUI's
    t5xxl_fp8_e4m3fn (every tensor float8); ``fp8-scaled``: ComfyUI's _scaled files (kept
    tensors fp16, one 0-dim float32 ``scale_weight`` per weight, the ``scaled_fp8`` marker).
    """
    out = {}
    for name, p in model.named_parameters():
        p = p.detach().to(torch.bfloat16)
        if fmt == "fp8-e4m3fn":
            out[name] = p.to(torch.float8_e4m3fn)
            continue
        if any(a in name for a in AVOID) or not name.endswith(".weight"):
            out[name] = p.to(torch.float16 if fmt == "fp8-scaled" else torch.bfloat16)
            continue
        out[name] = p.to(torch.float8_e4m3fn)
        if fmt == "fp8-scaled":
            out[f"{name.removesuffix('.weight')}.scale_weight"] = torch.ones(
                (), dtype=torch.float32
            )
    if fmt == "fp8-scaled":
        out["scaled_fp8"] = torch.empty(0, dtype=torch.float8_e4m3fn)
    save_file(out, path)
    raw = path.read_bytes()
    header = struct.unpack("<Q", raw[:8])[0]
    ends = [v["data_offsets"][1] for k, v in json.loads(raw[8 : 8 + header]).items()
            if k != "__metadata__"]  # fmt: skip
    assert len(raw) - 8 - header == max(ends)
    return max(ends)


@settings(max_examples=EXAMPLES)
@given(ANY, st.booleans(), st.sampled_from(["fp8", "fp8-e4m3fn", "fp8-scaled"]))
def test_fp8_file_bytes(c: Config, encoder_only: bool, fmt: str) -> None:
    import tempfile

    model = small_model(c, encoder_only)
    with tempfile.TemporaryDirectory() as tmp:
        data = fp8_file(model, Path(tmp) / "m.safetensors", fmt)
    assert ours(c, fmt, encoder_only).total == data


# --- bitsandbytes: transformers' from_pretrained with a BitsAndBytesConfig, on the CPU ------

BNB_CONFIG = {
    "int8": dict(load_in_8bit=True),
    **{
        f"{q}{dq}": dict(
            load_in_4bit=True, bnb_4bit_quant_type=q, bnb_4bit_use_double_quant=bool(dq)
        )  # fmt: skip
        for q in ("nf4", "fp4")
        for dq in ("", "-dq")
    },
}


def held_bytes(p: torch.Tensor) -> int:
    """A parameter's bytes with what bitsandbytes keeps beside it (SCB, QuantState)."""
    n = nbytes(p)
    if getattr(p, "SCB", None) is not None:
        n += nbytes(p.SCB)
    qs = getattr(p, "quant_state", None)
    if qs is not None:
        n += nbytes(qs.absmax) + nbytes(qs.code)
        if qs.nested:
            n += nbytes(qs.offset) + nbytes(qs.state2.absmax) + nbytes(qs.state2.code)
    return n


def bnb_loaded(c: Config, encoder_only: bool, fmt: str, tmp: Path) -> dict[str, int]:
    q = transformers.BitsAndBytesConfig(**BNB_CONFIG[fmt])
    model = loaded(c, encoder_only, tmp, dtype=torch.float16, quantization_config=q)
    return {n: held_bytes(p) for n, p in model.named_parameters()}


@settings(max_examples=EXAMPLES)
@given(ANY, st.booleans(), st.sampled_from(BNB))
def test_bitsandbytes_as_transformers_loads(c: Config, encoder_only: bool, fmt: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        real = bnb_loaded(c, encoder_only, fmt, Path(tmp))
    assert_per_leaf(ours(c, fmt, encoder_only), real)


@pytest.mark.parametrize("fmt", BNB)
def test_bitsandbytes_layout_for_preset_shapes(fmt: str) -> None:
    """Each distinct quantized shape of a preset, quantized by bitsandbytes itself."""
    import bitsandbytes.functional as F

    cache: dict[tuple[int, ...], int] = {}
    for preset in ("t5-small", "t5-v1_1-base", "byt5-small", "t5-v1_1-xxl"):
        c = t5sym.load(preset)
        w = ours(c, fmt, True)
        tree = t5sym.tree(c, encoder_only=True)
        values = c.values()
        for leaf_name, counts in w.storages.items():
            ((storage, n),) = counts.items()
            if storage != formats.FORMATS[fmt].main:
                continue
            leaf = tree[leaf_name]
            shape = tuple(int(t5sym.model.algebra.integer(d, values)) for d in leaf.shape)
            if shape not in cache:
                zeros = torch.zeros(shape, dtype=torch.float16)
                if fmt == "int8":
                    cb, scb, _ = F.int8_vectorwise_quant(zeros)
                    cache[shape] = nbytes(cb) + nbytes(scb)
                else:
                    packed, qs = F.quantize_4bit(
                        zeros, quant_type=fmt[:3], compress_statistics=fmt.endswith("-dq")
                    )
                    p = torch.nn.Parameter(packed, requires_grad=False)
                    p.quant_state = qs
                    cache[shape] = held_bytes(p)
            assert w.breakdown[leaf_name] == n * cache[shape], (preset, leaf_name)


# --- command line ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["q9", "FP8", "gguf-q2_k", "x" * 5000])
def test_unknown_format_one_line(bad: str) -> None:
    one_line_error(run("weights", "t5-small", "--format", bad), "format:", "known:")


def test_unknown_format_from_python() -> None:
    with pytest.raises(T5SymError, match=r"^format: unknown"):
        formats.weights(t5sym.load("t5-small"), "int3")


def test_command_json_and_text() -> None:
    out = run("weights", "t5-v1_1-xxl", "--encoder-only", "--format", "fp8", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["model"] == "T5EncoderModel" and data["format"] == "fp8"
    assert data["parameters"] == 4762310656  # published (t5-family reference)
    text = run("weights", "t5-v1_1-xxl", "--all")
    assert text.returncode == 0 and all(len(line) <= 80 for line in text.stdout.splitlines())
    assert all(f in text.stdout for f in formats.FORMATS)
    one = run("weights", "t5-small", "--format", "gguf-q4_k_m")
    assert one.returncode == 0 and all(len(line) <= 80 for line in one.stdout.splitlines())
    assert re.search(r"Q6_K\s+\d+", one.stdout)


# --- GGUF: the gguf package's block sizes, quantizers, writer and reader ---------------------


def test_ggml_block_sizes() -> None:
    """Every GGUF storage's block and bytes per block are ggml's (gguf.GGML_QUANT_SIZES)."""
    import gguf

    for name in ("Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q3_K", "Q4_0", "Q5_0", "Q5_1", "F16", "F32"):
        block, size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[name]]
        s = formats.STORAGES[name]
        assert (s.block, s.per_value) == (block, sympy_rational(size, block)), name


def sympy_rational(a: int, b: int):
    import sympy

    return sympy.Rational(a, b)


def gguf_file(model: torch.nn.Module, arch, qtype, path: Path) -> dict[str, int]:
    """Write the model's weights to a GGUF file as convert_hf_to_gguf + llama-quantize
    --pure would (norms F32, the relative bias F16, other weights ``qtype``, quantized by
    the gguf package); return each tensor's data bytes as the reader reads them. A row
    the block does not divide, and a one-row weight (1-D to ggml), stay F16, as llama.cpp
    leaves them (checked against llama.cpp itself below)."""
    import gguf

    names = gguf.get_tensor_name_map(arch, 64)
    writer = gguf.GGUFWriter(path, gguf.MODEL_ARCH_NAMES[arch])
    for hf_name, p in model.named_parameters():
        name = names.get_name(hf_name.removesuffix(".weight")) + ".weight"
        data = p.detach().float().numpy()
        if data.ndim <= 1 or name.endswith("_norm.weight"):
            t = gguf.GGMLQuantizationType.F32
        elif "attn_rel_b" in name:
            t = gguf.GGMLQuantizationType.F16
        elif data.shape[-1] % gguf.GGML_QUANT_SIZES[qtype][0] or data.shape[0] == 1:
            t = gguf.GGMLQuantizationType.F16
        else:
            t = qtype
        q = gguf.quants.quantize(data, t)
        writer.add_tensor(name, q, raw_dtype=t)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return {t.name: int(t.n_bytes) for t in gguf.GGUFReader(path).tensors}


def _up(n: int) -> int:
    """``n`` rounded up to a whole number of 32-wide quantization blocks."""
    return 32 * -(-n // 32)


@settings(max_examples=EXAMPLES)
@given(configs(), st.booleans(), st.sampled_from(["Q8_0", "Q4_0"]), st.booleans())
def test_gguf_pure_file_bytes(c: Config, encoder_only: bool, qtype: str, aligned: bool) -> None:
    """Per tensor and in total, the data bytes of a GGUF file the gguf package writes."""
    import tempfile

    import gguf

    if aligned:  # rows that are multiples of 32 (one block or more), as in every released T5
        c = dataclasses.replace(c, d_model=_up(c.d_model), d_ff=_up(c.d_ff), d_kv=_up(c.d_kv))
    arch = gguf.MODEL_ARCH.T5ENCODER if encoder_only else gguf.MODEL_ARCH.T5
    model = small_model(c, encoder_only)
    with tempfile.TemporaryDirectory() as tmp:
        real = gguf_file(model, arch, gguf.GGMLQuantizationType[qtype], Path(tmp) / "m.gguf")
    w = ours(c, f"gguf-{qtype.lower()}", encoder_only)
    assert w.total == sum(real.values())
    names = gguf.get_tensor_name_map(arch, 64)
    per_hf = {}
    for hf_name, _ in model.named_parameters():
        per_hf[hf_name] = real[names.get_name(hf_name.removesuffix(".weight")) + ".weight"]
    assert_per_leaf(w, per_hf)
    last = c.num_layers - 1
    assert formats.gguf_name("encoder.block.*.layer.1.DenseReluDense.wo", last) in real


# --- T5Gemma: the same rules on its tree, against the same writers and loaders ---------------


def gemma_small(data: dict, encoder_only: bool) -> torch.nn.Module:
    """transformers' small T5Gemma of the config's class (or its encoder), weights random."""
    head = "EncoderModel" if encoder_only else t5sym.from_hf(data).head
    model = gemma_model(data, head, is_encoder_decoder=False if encoder_only else None)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    return model


@settings(max_examples=30, deadline=None)
@given(st.data(), st.booleans(), st.sampled_from([*FLOAT, "fp8", "fp8-e4m3fn", "fp8-scaled"]))
def test_gemma_float_and_fp8_formats(data, encoder_only: bool, fmt: str) -> None:
    """Every head, GQA, biases, tied and untied: torch's dtypes, from_pretrained in fp16
    (T5Gemma keeps no module in float32) and the fp8 files as safetensors writes them."""
    import tempfile

    config_json = gemma_data(data.draw)
    config = t5sym.from_hf(config_json)
    model = gemma_small(config_json, encoder_only)
    w = formats.weights(config, fmt, encoder_only=encoder_only)
    with tempfile.TemporaryDirectory() as tmp:
        if fmt.startswith("fp8"):
            assert w.total == fp8_file(model, Path(tmp) / "m.safetensors", fmt)
            return
        if fmt == "fp16-hf":
            model.save_pretrained(tmp)
            model = type(model).from_pretrained(tmp, dtype=torch.float16)
        else:
            model = model.to(TORCH[fmt])
    assert_per_leaf(w, {n: nbytes(p) for n, p in model.named_parameters()})


@settings(max_examples=15, deadline=None)
@given(st.data(), st.booleans(), st.sampled_from(BNB))
def test_gemma_bitsandbytes_as_transformers_loads(data, encoder_only: bool, fmt: str) -> None:
    """The output projection (``lm_head.out_proj``) stays unquantized, found by its role."""
    import tempfile

    config_json = gemma_data(data.draw)
    config = t5sym.from_hf(config_json)
    model = gemma_small(config_json, encoder_only)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        q = transformers.BitsAndBytesConfig(**BNB_CONFIG[fmt])
        model = type(model).from_pretrained(tmp, dtype=torch.float16, quantization_config=q)
        real = {n: held_bytes(p) for n, p in model.named_parameters()}
    assert_per_leaf(formats.weights(config, fmt, encoder_only=encoder_only), real)


def test_gemma_gguf_is_refused_in_one_line() -> None:
    results = formats.weights_all(t5sym.load("t5gemma-2b-2b"))
    refused = [r for r in results if not r.applicable]
    assert {r.format for r in refused} == {f for f in formats.FORMATS if f.startswith("gguf")}
    assert all("\n" not in r.reason and "T5Gemma" in r.reason for r in refused)
    with pytest.raises(T5SymError, match="^format: GGUF is not modelled for T5Gemma"):
        formats.weights(t5sym.load("t5gemma-2b-2b"), "gguf-q8_0")
