"""t5sym.views.inspect on real files: tiny T5 / UMT5 models built by transformers on the CPU,
written by safetensors (save_file, save_pretrained) and by the gguf package. Expected
figures come from the files (os.path.getsize, the packages' readers) and from transformers'
parameters, never from t5sym."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import gguf
import numpy as np
import pytest
import torch
import transformers
from safetensors.torch import save_file

import t5sym
from t5sym import T5SymError
from t5sym.views.inspect import inspect, inspect_text
from t5sym.views.pipelines import pipeline_configs

torch.manual_seed(0)


def t5_config(**kw) -> transformers.T5Config:
    base = dict(d_model=32, d_ff=48, num_heads=4, d_kv=6, num_layers=2, vocab_size=96,
                relative_attention_num_buckets=8)  # fmt: skip
    return transformers.T5Config(**(base | kw))


def umt5_config(**kw) -> transformers.UMT5Config:
    base = dict(d_model=32, d_ff=40, num_heads=2, d_kv=8, num_layers=2, vocab_size=80,
                feed_forward_proj="gated-gelu")  # fmt: skip
    return transformers.UMT5Config(**(base | kw))


def params(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """transformers' unique parameters (a tied matrix once), contiguous, for save_file."""
    return {k: v.detach().contiguous() for k, v in model.named_parameters()}


def nbytes(tensors: dict[str, torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in tensors.values())


def by_dtype(tensors: dict[str, torch.Tensor]) -> dict[str, int]:
    names = {torch.float16: "F16", torch.bfloat16: "BF16", torch.float32: "F32",
             torch.float8_e4m3fn: "F8_E4M3"}  # fmt: skip
    out: dict[str, int] = {}
    for t in tensors.values():
        out[names[t.dtype]] = out.get(names[t.dtype], 0) + t.numel() * t.element_size()
    return dict(sorted(out.items()))


def assert_text(result) -> str:
    text = inspect_text(result)
    assert all(len(line) <= 80 for line in text.splitlines()), text
    json.dumps(result.to_dict())  # JSON-ready
    return text


def assert_dims(config: t5sym.Config, hf) -> None:
    for key in ("d_model", "d_ff", "num_heads", "d_kv", "num_layers", "vocab_size",
                "relative_attention_num_buckets"):  # fmt: skip
        assert getattr(config, key) == getattr(hf, key), key


def test_transformers_folder_and_its_file(tmp_path: Path) -> None:
    """save_pretrained's folder (config.json + model.safetensors) and the file alone."""
    hf = t5_config()
    model = transformers.T5ForConditionalGeneration(hf)
    model.save_pretrained(tmp_path)
    file = tmp_path / "model.safetensors"
    result = inspect(tmp_path)
    (m,) = result.models
    assert result.kind == "folder" and m.recognised_from == "config.json"
    assert m.matches and not m.duplicates and not m.extras and not m.missing, assert_text(result)
    assert m.file_bytes == os.path.getsize(file)
    assert m.loaded_by_dtype == by_dtype(params(model))
    alone = inspect(file).models[0]
    assert alone.recognised_from == "tensors" and alone.matches
    assert alone.config.model == "T5ForConditionalGeneration" and alone.config.lm_head_tied
    assert_dims(alone.config, hf)
    assert t5sym.count(alone.config).total == sum(p.numel() for p in model.parameters())
    text = assert_text(inspect(file))
    assert f"{os.path.getsize(file):,}" in text and "every tensor as planned" in text


@pytest.mark.parametrize(
    "cls, hf",
    [
        (transformers.T5ForConditionalGeneration, t5_config(feed_forward_proj="gated-gelu",
                                                            tie_word_embeddings=False)),
        (transformers.UMT5ForConditionalGeneration, umt5_config(tie_word_embeddings=False)),
        (transformers.UMT5EncoderModel, umt5_config()),
        (transformers.T5ForSequenceClassification, t5_config(num_labels=3)),
        (transformers.T5ForQuestionAnswering, t5_config()),
    ],
)  # fmt: skip
def test_recognised_from_the_tensors_alone(tmp_path: Path, cls, hf) -> None:
    """Type, head, dims, gating and tying from names and shapes; the count is transformers'."""
    model = cls(hf).to(torch.float16)
    if not getattr(hf, "tie_word_embeddings", True) and hasattr(model, "lm_head"):
        model.lm_head.weight = torch.nn.Parameter(torch.randn_like(model.lm_head.weight))
    tensors = params(model)
    path = tmp_path / "m.safetensors"
    save_file(tensors, path)
    m = inspect(path).models[0]
    assert m.config.model == cls.__name__
    assert_dims(m.config, hf)
    assert m.config.is_gated == hf.is_gated_act
    assert t5sym.count(m.config).total == sum(t.numel() for t in tensors.values())
    assert m.matches and m.format == "fp16", assert_text(inspect(path))
    assert m.loaded_bytes == nbytes(tensors) and m.loaded_by_dtype == {"F16": nbytes(tensors)}
    assert m.file_bytes == os.path.getsize(path)
    assert_text(inspect(path))


def test_umt5_has_a_bias_in_every_block_t5_in_block_0(tmp_path: Path) -> None:
    for cls, model_type in ((transformers.UMT5EncoderModel, "umt5"),
                            (transformers.T5EncoderModel, "t5")):  # fmt: skip
        save_file(params(cls(umt5_config())), tmp_path / "m.safetensors")
        assert inspect(tmp_path / "m.safetensors").models[0].config.model_type == model_type


def test_comfyui_fp16_duplicates_and_tokenizer(tmp_path: Path) -> None:
    """Wan's text encoder as Comfy-Org repacks it: embed_tokens beside shared, spiece_model."""
    model = transformers.UMT5EncoderModel(umt5_config()).to(torch.float16)
    tensors = params(model)
    stored = dict(tensors)
    stored["encoder.embed_tokens.weight"] = tensors["shared.weight"].clone()
    stored["spiece_model"] = torch.arange(300, dtype=torch.int32).to(torch.uint8)
    path = tmp_path / "umt5_xxl_fp16.safetensors"
    save_file(stored, path)
    result = inspect(path)
    (m,) = result.models
    assert [(d.name, d.of) for d in m.duplicates] == [
        ("encoder.embed_tokens.weight", "shared.weight")
    ]
    assert [(e.name, e.dtype, e.nbytes) for e in m.extras] == [("spiece_model", "U8", 300)]
    assert "tokenizer" in m.extras[0].why and m.layout.startswith("ComfyUI")
    assert m.matches and m.config.model == "UMT5EncoderModel"
    assert m.loaded_bytes == nbytes(tensors)  # the duplicate and the tokenizer not loaded
    assert m.file_bytes == os.path.getsize(path)
    text = assert_text(result)
    assert "spiece_model" in text and "= shared.weight" in text


def linear_names(tensors: dict[str, torch.Tensor]) -> list[str]:
    return [k for k, v in tensors.items() if v.dim() == 2 and ".block." in k
            and "relative_attention_bias" not in k]  # fmt: skip


def test_comfyui_fp8_every_tensor(tmp_path: Path) -> None:
    """t5xxl_fp8_e4m3fn: every tensor float8_e4m3fn, norms and embeddings too."""
    model = transformers.T5EncoderModel(t5_config(feed_forward_proj="gated-gelu"))
    tensors = {k: v.to(torch.float8_e4m3fn) for k, v in params(model).items()}
    tensors["encoder.embed_tokens.weight"] = tensors["shared.weight"].clone()
    path = tmp_path / "t5xxl_fp8_e4m3fn.safetensors"
    save_file(tensors, path)
    m = inspect(path).models[0]
    assert m.loaded_by_dtype == {"F8_E4M3": sum(p.numel() for p in model.parameters())}
    rows = {r.node: r for r in m.rows}
    assert rows["shared"].found_dtypes == {"F8_E4M3": 1}
    assert rows["encoder.final_layer_norm"].found_dtypes == {"F8_E4M3": 1}
    assert m.format.startswith("fp8")
    assert_text(inspect(path))


def test_comfyui_fp8_scaled(tmp_path: Path) -> None:
    """t5xxl_fp8_e4m3fn_scaled: F8 Linears with an F32 scale_weight, F16 rest, a marker."""
    model = transformers.T5EncoderModel(t5_config(feed_forward_proj="gated-gelu"))
    base = params(model)
    linears = linear_names(base)
    stored = {k: v.to(torch.float8_e4m3fn if k in linears else torch.float16)
              for k, v in base.items()}  # fmt: skip
    for k in linears:
        stored[k.removesuffix(".weight") + ".scale_weight"] = torch.tensor(0.5)
    stored["scaled_fp8"] = torch.empty(0, dtype=torch.float8_e4m3fn)
    path = tmp_path / "t5xxl_fp8_e4m3fn_scaled.safetensors"
    save_file(stored, path)
    m = inspect(path).models[0]
    assert [e.name for e in m.extras] == ["scaled_fp8"] and "marker" in m.extras[0].why
    rows = {r.node: r for r in m.rows}
    q = rows["encoder.block.*.layer.0.SelfAttention.q"]
    assert q.found_dtypes == {"F8_E4M3+scales": 2}
    assert q.found_bytes == sum(base[k].numel() + 4 for k in linears if ".q." in k)
    loaded = {k: v for k, v in stored.items() if k != "scaled_fp8"}
    assert m.loaded_by_dtype == by_dtype(loaded)
    assert m.format == "fp8-scaled" and m.layout.startswith("ComfyUI")
    assert_text(inspect(path))


def write_gguf(model: torch.nn.Module, path: Path) -> dict[str, int]:
    """As convert_hf_to_gguf + llama-quantize --pure Q8_0 (norms F32, relative bias F16),
    with the gguf package's writer and one token per embedding row in the key-values; the
    bytes of each tensor as `gguf.GGUFReader` reads them back."""
    arch = gguf.MODEL_ARCH.T5ENCODER
    names = gguf.get_tensor_name_map(arch, 64)
    writer = gguf.GGUFWriter(str(path), gguf.MODEL_ARCH_NAMES[arch])
    writer.add_token_list([f"t{i}" for i in range(model.get_input_embeddings().num_embeddings)])
    for hf_name, p in model.named_parameters():
        name = names.get_name(hf_name.removesuffix(".weight")) + ".weight"
        data = p.detach().float().numpy()
        q = gguf.GGMLQuantizationType
        t = q.F32 if data.ndim <= 1 else q.F16 if "attn_rel_b" in name else q.Q8_0
        writer.add_tensor(name, gguf.quants.quantize(data, t), raw_dtype=t)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return {t.name: int(t.n_bytes) for t in gguf.GGUFReader(str(path)).tensors}


@pytest.mark.parametrize("gated", [False, True])
def test_gguf_with_llama_cpp_names(tmp_path: Path, gated: bool) -> None:
    hf = t5_config(d_model=64, d_ff=96, d_kv=32, num_heads=2, vocab_size=96,
                   feed_forward_proj="gated-gelu" if gated else "relu")  # fmt: skip
    model = transformers.T5EncoderModel(hf)
    path = tmp_path / "t5-encoder-Q8_0.gguf"
    real = write_gguf(model, path)
    result = inspect(path)
    (m,) = result.models
    assert result.kind == "gguf" and m.layout.startswith("llama.cpp")
    assert m.config.model == "T5EncoderModel" and m.config.is_gated == gated
    assert_dims(m.config, hf)
    assert m.format == "gguf-q8_0" and m.matches, assert_text(result)
    assert m.loaded_bytes == sum(real.values())
    assert m.file_bytes == os.path.getsize(path)
    assert t5sym.count(m.config).total == sum(p.numel() for p in model.parameters())
    assert_text(result)


def pipeline(tmp_path: Path) -> tuple[Path, dict[str, torch.nn.Module]]:
    """A diffusers-like folder: FLUX's T5 in text_encoder_2 (sharded), a UMT5 in
    text_encoder_3, and components of other classes."""
    root = tmp_path / "pipe"
    root.mkdir()
    index = {
        "_class_name": "FluxPipeline",
        "_diffusers_version": "0.40.0",
        "text_encoder": ["transformers", "CLIPTextModel"],
        "text_encoder_2": ["transformers", "T5EncoderModel"],
        "text_encoder_3": ["transformers", "UMT5EncoderModel"],
        "transformer": ["diffusers", "FluxTransformer2DModel"],
        "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
    }
    (root / "model_index.json").write_text(json.dumps(index))
    models = {
        "text_encoder_2": transformers.T5EncoderModel(t5_config(feed_forward_proj="gated-gelu")),
        "text_encoder_3": transformers.UMT5EncoderModel(umt5_config()),
    }
    models["text_encoder_2"].to(torch.bfloat16).save_pretrained(
        root / "text_encoder_2", max_shard_size="8KB"
    )
    models["text_encoder_3"].save_pretrained(root / "text_encoder_3")
    return root, models


def test_pipeline_counts_every_t5_component(tmp_path: Path) -> None:
    root, models = pipeline(tmp_path)
    shards = sorted((root / "text_encoder_2").glob("*.safetensors"))
    assert len(shards) > 1 and (root / "text_encoder_2" / "model.safetensors.index.json").exists()
    for target in (root, root / "model_index.json"):
        result = inspect(target)
        assert result.kind == "pipeline"
        assert [m.name for m in result.models] == ["text_encoder_2", "text_encoder_3"]
        assert "text_encoder: CLIPTextModel" in result.others
        t5, umt5 = result.models
        assert t5.matches and umt5.matches and not t5.notes, assert_text(result)
        assert t5.file_bytes == sum(os.path.getsize(p) for p in shards)
        assert t5.loaded_by_dtype == by_dtype(params(models["text_encoder_2"]))
        loaded = sum(nbytes(params(m)) for m in models.values())
        assert result.loaded_bytes == loaded
        assert "text_encoder_3" in assert_text(result)
    configs = pipeline_configs(root)
    assert [c.model for c in configs] == ["T5EncoderModel", "UMT5EncoderModel"]
    for c, key in zip(configs, models, strict=True):
        assert t5sym.count(c).total == sum(p.numel() for p in models[key].parameters())


def test_missing_and_misshapen_tensors_are_listed(tmp_path: Path) -> None:
    model = transformers.T5EncoderModel(t5_config(num_layers=3))
    tensors = params(model)
    del tensors["encoder.block.1.layer.0.SelfAttention.q.weight"]
    tensors["encoder.block.2.layer.1.DenseReluDense.wo.weight"] = torch.zeros(32, 40)
    save_file(tensors, tmp_path / "m.safetensors")
    result = inspect(tmp_path / "m.safetensors")
    (m,) = result.models
    assert m.missing == ("encoder.block.1.layer.0.SelfAttention.q.weight",)
    wo = next(r for r in m.rows if r.node.endswith("DenseReluDense.wo"))
    assert wo.wrong_shapes == ("encoder.block.2.layer.1.DenseReluDense.wo.weight",)
    assert not m.matches
    text = assert_text(result)
    assert "encoder.block.1.layer.0.SelfAttention.q.weight" in text and "!" in text


def one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert isinstance(exc.value, T5SymError) and "\n" not in message, message
    return message


def test_bad_paths_are_one_line(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.safetensors"
    hostile.write_bytes(struct.pack("<Q", 2**63) + b"{}")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other.safetensors"
    save_file({"foo": torch.zeros(2, 2)}, other)
    no_t5 = tmp_path / "sdxl"
    no_t5.mkdir()
    (no_t5 / "model_index.json").write_text('{"unet": ["diffusers", "UNet2DConditionModel"]}')
    lost = tmp_path / "lost"
    lost.mkdir()
    (lost / "model_index.json").write_text('{"text_encoder": ["transformers", "T5EncoderModel"]}')
    bad_index = tmp_path / "badindex"
    bad_index.mkdir()
    (bad_index / "model_index.json").write_text("[1, 2")
    cases = {
        hostile: "over the 100,000,000-byte limit",
        fifo: "a FIFO",
        empty: "no .safetensors or .gguf file",
        other: "not a T5-family model",
        lost: "no such folder",
        bad_index: "not valid JSON",
        tmp_path / "nothing.gguf": "no such file",
    }
    for path, problem in cases.items():
        with pytest.raises(T5SymError) as exc:
            inspect(path)
        assert problem in one_line(exc), path
    with pytest.raises(T5SymError) as exc:
        pipeline_configs(no_t5)
    assert "no T5-family component" in one_line(exc)
    with pytest.raises(T5SymError) as exc:
        pipeline_configs(empty)
    assert "no model_index.json" in one_line(exc)
    with pytest.raises(T5SymError) as exc:
        inspect(42)  # type: ignore[arg-type]
    assert "path" in one_line(exc)


def test_gguf_names_map_back_to_transformers() -> None:
    from t5sym.views import formats
    from t5sym.views.inspect import GGUF_TEMPLATES, transformers_name

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.T5, 4)
    model = transformers.T5ForConditionalGeneration(
        t5_config(feed_forward_proj="gated-gelu", tie_word_embeddings=False)
    )
    for hf_name, _ in model.named_parameters():
        theirs = names.get_name(hf_name.removesuffix(".weight")) + ".weight"
        assert transformers_name(theirs, True, GGUF_TEMPLATES) == hf_name, theirs
    assert formats.gguf_name("encoder.block.*.layer.1.DenseReluDense.wi", 1) == (
        "enc.blk.1.ffn_up.weight"
    )
    assert transformers_name("enc.blk.1.ffn_up.weight", False, GGUF_TEMPLATES) == (
        "encoder.block.1.layer.1.DenseReluDense.wi.weight"
    )


def test_t5xxl_fp16_as_published_answers_at_once(tmp_path: Path) -> None:
    """comfyanonymous/flux_text_encoders t5xxl_fp16.safetensors: T5-v1.1-XXL's encoder (shapes
    from transformers on the meta device), every tensor F16, shared.weight and
    encoder.embed_tokens.weight both stored, a 27,136-byte header: the published size
    9,787,841,024 bytes, written as a sparse file (no data) and inspected at once."""
    import time

    hf = transformers.T5Config(d_model=4096, d_ff=10240, num_heads=64, d_kv=64, num_layers=24,
                               vocab_size=32128, feed_forward_proj="gated-gelu")  # fmt: skip
    with torch.device("meta"):
        model = transformers.T5EncoderModel(hf)
    shapes = {k: list(p.shape) for k, p in model.named_parameters()}
    shapes["encoder.embed_tokens.weight"] = shapes["shared.weight"]
    header, offset = {}, 0
    for name, shape in sorted(shapes.items()):
        size = 2 * int(np.prod(shape))
        header[name] = {"dtype": "F16", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header, separators=(",", ":")).encode()  # as safetensors writes it
    assert len(raw) <= 27_136 - 8
    raw += b" " * (27_136 - 8 - len(raw))  # the published header length
    path = tmp_path / "t5xxl_fp16.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw)
    os.truncate(path, 8 + len(raw) + offset)
    assert os.path.getsize(path) == 9_787_841_024  # the published file's size
    start = time.perf_counter()
    result = inspect(path)
    assert time.perf_counter() - start < 5
    (m,) = result.models
    weights = 2 * sum(p.numel() for p in model.parameters())
    assert m.config.model == "T5EncoderModel" and m.matches
    assert_dims(m.config, hf)
    assert m.loaded_by_dtype == {"F16": weights} and m.file_bytes == 9_787_841_024
    assert [d.name for d in m.duplicates] == ["encoder.embed_tokens.weight"]
    assert f"{weights:,}" in assert_text(result)


@pytest.mark.parametrize(
    "cls, hf",
    [
        (transformers.SwitchTransformersForConditionalGeneration,
         transformers.SwitchTransformersConfig(
             d_model=16, d_ff=24, num_heads=2, d_kv=8, num_layers=4, num_decoder_layers=4,
             vocab_size=50, num_experts=3, num_sparse_encoder_layers=2,
             num_sparse_decoder_layers=2)),
        (transformers.LongT5EncoderModel,
         transformers.LongT5Config(d_model=16, d_ff=24, num_heads=2, d_kv=8, num_layers=2,
                                   vocab_size=50, encoder_attention_type="transient-global")),
        (transformers.LongT5ForConditionalGeneration,
         transformers.LongT5Config(d_model=16, d_ff=24, num_heads=2, d_kv=8, num_layers=2,
                                   vocab_size=50)),
    ],
)  # fmt: skip
def test_switch_and_longt5_are_recognised(tmp_path: Path, cls, hf) -> None:
    """Experts and routers (Switch), local and transient-global attention (LongT5)."""
    model = cls(hf)
    tensors = params(model)
    save_file(tensors, tmp_path / "m.safetensors")
    m = inspect(tmp_path / "m.safetensors").models[0]
    assert m.config.model == cls.__name__ and m.matches, assert_text(inspect(tmp_path))
    assert t5sym.count(m.config).total == sum(t.numel() for t in tensors.values())
    assert m.loaded_bytes == nbytes(tensors)


def test_the_command_inspects_and_counts_a_pipeline(tmp_path: Path) -> None:
    """``t5sym inspect PATH`` and ``t5sym count PIPELINE``, as real processes."""
    from .support.cli import one_line_error, run

    root, models = pipeline(tmp_path)
    numels = [sum(p.numel() for p in m.parameters()) for m in models.values()]
    counted = run("count", str(root), "--json")
    assert counted.returncode == 0, counted.stderr
    assert [c["total"] for c in json.loads(counted.stdout)] == numels
    text = run("count", str(root / "model_index.json"))
    assert text.returncode == 0 and f"{numels[1]:,}" in text.stdout
    shown = run("inspect", str(root), "--json")
    assert shown.returncode == 0, shown.stderr
    loaded = sum(nbytes(params(m)) for m in models.values())
    assert json.loads(shown.stdout)["loaded_bytes"] == loaded
    assert "text_encoder_2" in run("inspect", str(root)).stdout
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes((2**63).to_bytes(8, "little"))
    assert one_line_error(run("inspect", str(bad))).startswith("t5sym: ")


def test_transformers_fp8_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model loaded with FineGrainedFP8Config and saved: float8 weights with a
    ``weight_scale_inv`` each (a 96-row weight bfloat16 beside its scales), recognised as
    ``fp8-hf``, every byte of the file's tensors where the plan puts it."""
    from .test_formats_fp8 import fp8_loaded

    model = fp8_loaded(transformers.T5EncoderModel(t5_config(
        d_model=256, d_ff=384, num_heads=2, d_kv=48, feed_forward_proj="gated-gelu")),
        monkeypatch)  # fmt: skip
    model.save_pretrained(tmp_path)
    m = inspect(tmp_path).models[0]
    assert m.format == "fp8-hf" and m.layout.startswith("transformers (FineGrainedFP8")
    assert all(r.expected_bytes == r.found_bytes for r in m.rows)
    assert not m.extras and not m.missing
    real = {n: nbytes({n: p}) for n, p in model.named_parameters()}
    assert sum(r.found_bytes for r in m.rows) == sum(real.values()) == m.plan_bytes
    assert m.loaded_bytes == sum(real.values())
    assert_text(inspect(tmp_path))
