"""LongT5's saved activations against what autograd saves in a real training forward on CPU.

Reference: ``saved_tensors_hooks`` around ``LongT5ForConditionalGeneration(input_ids,
labels)`` (`tests.support.live_bytes.saved_by_module`), every part of
`t5sym.views.activations.saved_tree` compared to the bytes saved inside its module.
"""

from __future__ import annotations

import json

import pytest

from t5sym import Config, T5SymError
from t5sym.views import activations, saved_longt5

from .support.cli import run
from .support.live_bytes import saved_by_module
from .test_activations import compare
from .test_lora import peft_saved_bytes


def longt5(kind: str, **kw) -> Config:
    fields = dict(num_decoder_layers=2, model_type="longt5", encoder_attention_type=kind,
                  local_radius=3, global_block_size=3)  # fmt: skip
    return Config(8, 12, kw.pop("heads", 2), 5, kw.pop("layers", 2), 20, **{**fields, **kw})


@pytest.mark.parametrize("padding", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.1])
@pytest.mark.parametrize("ckpt", [False, True])
@pytest.mark.parametrize("dtype", ["fp32", "bf16", "fp16"])
@pytest.mark.parametrize("kind", saved_longt5.KINDS)
def test_setups(kind, dtype, ckpt, dropout, padding) -> None:
    """S = 9 in blocks of 4 (the last padded), G = 3 global tokens."""
    compare(longt5(kind), dtype, ckpt, 2, 9, 4, dropout=dropout, padding=padding)


@pytest.mark.parametrize(
    ("batch", "s", "radius", "block", "layers"),
    [(1, 7, 3, 3, 2), (1, 1, 1, 4, 1), (2, 1, 1, 4, 3), (2, 2, 1, 4, 1), (2, 12, 1, 1, 2),
     (1, 12, 3, 4, 3)],
)  # fmt: skip
@pytest.mark.parametrize("kind", saved_longt5.KINDS)
def test_lengths(kind, batch, s, radius, block, layers) -> None:
    """o's input is a view of the padded output when B or S is 1; no global token (G = 0)
    when S < g; S a multiple of the block; one layer (no shared bias kept)."""
    c = longt5(kind, local_radius=radius, global_block_size=block, layers=layers)
    for dtype, ckpt, dropout in (("fp32", False, 0.1), ("bf16", True, 0.0), ("fp16", False, 0.0)):
        compare(c, dtype, ckpt, batch, s, 3, dropout=dropout)


@pytest.mark.parametrize("padding", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.1])
@pytest.mark.parametrize("ckpt", [False, True])
@pytest.mark.parametrize("amp", ["bf16", "fp16"])
@pytest.mark.parametrize("kind", saved_longt5.KINDS)
def test_under_autocast(kind, amp, ckpt, dropout, padding) -> None:
    """fp32 weights under torch.autocast; transient-global: k and v each cast their input on
    the tokens and on the global aggregates, the global norm's output float32."""
    compare(longt5(kind), "fp32", ckpt, 2, 9, 4, dropout=dropout, padding=padding,
            autocast=amp)  # fmt: skip


@pytest.mark.parametrize("kind", saved_longt5.KINDS)
def test_lengths_under_autocast(kind) -> None:
    """B = 1 (o's input a view), G = 0 (S < g), one layer."""
    for batch, s, radius, block, layers in ((1, 7, 3, 3, 2), (2, 2, 1, 4, 1), (1, 12, 3, 4, 3)):
        c = longt5(kind, local_radius=radius, global_block_size=block, layers=layers)
        compare(c, "fp32", False, batch, s, 3, dropout=0.1, autocast="bf16")


def test_sdpa_is_eager() -> None:
    """transformers 5.23 has no sdpa for LongT5 (the default falls back to eager)."""
    c = longt5("local")
    sdpa = activations.saved_tree(c, "fp32", device="cpu", attention="sdpa")
    eager = activations.saved_tree(c, "fp32", device="cpu", attention="eager")
    assert sdpa == eager
    m = activations.fine_tuning_memory(c, "fp32", "adam", batch=2, encoder_length=9,
                                       decoder_length=4)  # fmt: skip
    assert m.attention == "eager"


#: The setups of the LoRA grid: (dtype, precision, checkpointing, dropout, padding, B, S).
LORA_SETUPS = [
    ("fp32", "cast", False, 0.0, False, 2, 9),
    ("bf16", "cast", False, 0.1, False, 2, 9),
    ("fp16", "cast", False, 0.0, True, 2, 9),
    ("fp32", "autocast-bf16", False, 0.1, False, 2, 9),
    ("fp32", "autocast-fp16", True, 0.0, True, 2, 9),
    ("bf16", "cast", True, 0.1, False, 2, 9),
    ("fp32", "cast", False, 0.1, False, 1, 7),  # o's input a view of the padded output
    ("fp32", "autocast-bf16", False, 0.0, False, 1, 4),
]


@pytest.mark.parametrize("setup", LORA_SETUPS)
@pytest.mark.parametrize(
    ("proj", "targets"),
    [("relu", ["q", "v"]), ("gated-gelu", ["q", "k", "v", "o", "wi_0", "wi_1", "wo", "lm_head"]),
     ("relu", ["o", "wo"])],
)  # fmt: skip
@pytest.mark.parametrize("kind", saved_longt5.KINDS)
def test_lora_equals_peft(kind, proj, targets, setup) -> None:
    """The frozen base: each einsum keeps what a gradient needs (kᵀ for q's, q for k's, v
    for the probabilities'), the float32 softmax and its copy; no buckets, no clamps;
    transient-global's k and v adapters also run on the G global tokens."""
    dtype, precision, ckpt, dropout, padding, batch, s = setup
    c = longt5(kind, feed_forward_proj=proj)
    amp = precision.removeprefix("autocast-") if precision != "cast" else None
    real = peft_saved_bytes(c, targets, dtype, "eager", dropout, batch, s, 4, ckpt=ckpt,
                            padding=padding, autocast=amp)  # fmt: skip
    ours = activations.memory_at(
        c, dtype, "adamw", lora_rank=8, lora_targets=targets, batch=batch, encoder_length=s,
        decoder_length=4, device="cpu", dropout=dropout, reentrant=True, checkpointing=ckpt,
        padding_mask=padding, precision=precision)  # fmt: skip
    assert ours.activations_bytes == real


def test_lora_needs_targets() -> None:
    """peft has no default target_modules for longt5: they are asked for, in one line."""
    with pytest.raises(T5SymError, match="^lora_targets: peft has no default target_modules"):
        activations.saved_tree(longt5("local"), "fp32", lora=True)


@pytest.mark.parametrize("kind", saved_longt5.KINDS)
def test_cli_equals_torch(kind, tmp_path) -> None:
    """``t5sym memory CONFIG --device cpu``: torch's saved bytes for a small LongT5."""
    c = longt5(kind)
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**c.to_dict(), "num_decoder_layers": 2, "dropout_rate": 0.1,
                                "architectures": ["LongT5ForConditionalGeneration"]}))  # fmt: skip
    seen, _ = saved_by_module(c, "bf16", False, 2, 9, 4, dropout=0.1)
    args = ["memory", str(path), "--dtype", "bf16", "--batch", "2", "--encoder-length", "9",
            "--decoder-length", "4", "--json"]  # fmt: skip
    out = run(*args, "--device", "cpu")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["activations_bytes"] == sum(n for _, n in seen.values())
    assert (d["attention"], d["derived"]) == ("eager", False)
    cuda = json.loads(run(*args).stdout)  # a bool dropout mask: fewer bytes, derived
    assert cuda["derived"] and cuda["activations_bytes"] < d["activations_bytes"]


def test_cli_autocast_transient_global() -> None:
    """``--precision autocast-bf16`` on long-t5-tglobal-base: a figure, no refusal."""
    out = run("memory", "long-t5-tglobal-base", "--batch", "1", "--precision", "autocast-bf16",
              "--device", "cpu", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["activations_bytes"] > 0


def test_cli_lora_equals_peft(tmp_path) -> None:
    """``t5sym memory CONFIG --lora-rank 8 --lora-targets q,v --precision autocast-bf16``
    on a small transient-global LongT5: peft's saved bytes; without targets, one line."""
    c = longt5("transient-global")
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**c.to_dict(), "dropout_rate": 0.1,
                                "architectures": ["LongT5ForConditionalGeneration"]}))  # fmt: skip
    real = peft_saved_bytes(c, ["q", "v"], "fp32", "eager", 0.1, 2, 9, 4, autocast="bf16")
    args = ["memory", str(path), "--lora-rank", "8", "--batch", "2", "--encoder-length", "9",
            "--decoder-length", "4", "--device", "cpu", "--precision", "autocast-bf16"]  # fmt: skip
    out = run(*args, "--lora-targets", "q,v", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["activations_bytes"] == real and d["lora_targets"] == ["q", "v"]
    refused = run(*args)
    assert refused.returncode == 2 and refused.stdout == "" and refused.stderr.count("\n") == 1
    assert "lora_targets: peft has no default target_modules for longt5" in refused.stderr
