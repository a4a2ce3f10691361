"""Saved activations against what autograd saves in a real training forward on CPU.

Reference: ``torch.autograd.graph.saved_tensors_hooks`` around a forward of a small
``T5ForConditionalGeneration`` in training mode (dropout 0.1, ``labels`` given); every
saved tensor's storage is counted once, weights excluded, and credited to the innermost
module running when it was saved (module hooks). With checkpointing: transformers'
``gradient_checkpointing_enable`` with ``use_reentrant=True``, whose checkpoint function
saves each block's tensor inputs through the same hooks; the non-reentrant default keeps
its inputs in its recompute closure, out of the hooks' sight, so `test_checkpointing_ways`
checks it by torch's live storages after the forward. Not seen:
allocator rounding, and temporaries freed before backward.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import t5sym
from t5sym import Config, T5SymError
from t5sym.model import symbols
from t5sym.views import activations, saved_switch

from .support.cli import one_line_error, run
from .support.live_bytes import live_after_forward, saved_by_module
from .support.reference import node_pattern


def compare(
    c: Config, dtype: str, ckpt: bool, batch: int, s: int, t: int, *, attention="eager", **setup
) -> None:
    seen, modules = saved_by_module(c, dtype, ckpt, batch, s, t, attention=attention, **setup)
    amp = setup.pop("autocast", None)
    setup.pop("prepare", None)
    kw = {"padding_mask": setup.pop("padding", False), "attention": attention, **setup}
    if amp:
        kw["precision"] = f"autocast-{amp}"
    # the hooks see a reentrant checkpoint's saved inputs (test_checkpointing_ways: the other)
    tree = activations.saved_tree(c, dtype, checkpointing=ckpt, device="cpu", reentrant=True, **kw)
    values = {**c.values(), symbols.batch: batch, symbols.encoder_length: s,
              symbols.decoder_length: t,
              saved_switch.expert_capacity: c.expert_capacity}  # fmt: skip
    checked = 0
    for node, ours in activations.resolved(tree, values).evaluate(values).items():
        pattern = node_pattern(node) if node else re.compile("")
        if node and not any(pattern.match(m) for m in modules):
            continue  # a part inside a module's own code (scores, gate, loss): in its parent
        got = sum(n for module, n in seen.values() if pattern.match(module))
        assert got == ours, (node, got, ours)
        checked += 1
    assert checked > 5


@pytest.mark.parametrize("ckpt", [False, True])
@pytest.mark.parametrize("dtype", ["fp32", "bf16", "fp16"])
@pytest.mark.parametrize("proj", ["relu", "gelu", "gated-gelu", "gated-silu", "silu"])
def test_saved_per_part(proj: str, dtype: str, ckpt: bool) -> None:
    c = Config(8, 12, 2, 3, 2, 20, num_decoder_layers=3, feed_forward_proj=proj)
    compare(c, dtype, ckpt, 2, 5, 4)


@settings(max_examples=15, deadline=None)
@given(
    d_model=st.integers(1, 12),
    d_ff=st.integers(1, 16),
    heads=st.integers(1, 4),
    d_kv=st.integers(1, 5),
    layers=st.integers(1, 3),
    dec_layers=st.integers(1, 3),
    batch=st.integers(1, 3),
    s=st.integers(1, 7),
    t=st.integers(1, 6),
    dtype=st.sampled_from(["fp32", "bf16", "fp16"]),
    ckpt=st.booleans(),
    proj=st.sampled_from(["relu", "gated-gelu", "gated-silu"]),
)
def test_saved_generated(d_model, d_ff, heads, d_kv, layers, dec_layers, batch, s, t, dtype,
                         ckpt, proj):  # fmt: skip
    c = Config(d_model, d_ff, heads, d_kv, layers, 20, num_decoder_layers=dec_layers,
               feed_forward_proj=proj)  # fmt: skip
    compare(c, dtype, ckpt, batch, s, t)


def test_fine_tuning_adds_activations_to_training_memory() -> None:
    c = t5sym.load("t5-3b")
    m = activations.fine_tuning_memory(c, "bf16", "adafactor", batch=8, encoder_length=512,
                                       decoder_length=128)  # fmt: skip
    base = t5sym.training_memory(c, "bf16", "adafactor")
    assert m.total == base.total + m.activations_bytes
    assert sum(m.parts.values()) == m.activations_bytes


def test_unknown_activation_and_dtype() -> None:
    c = Config(8, 12, 2, 3, 2, 20, feed_forward_proj="tanh")
    with pytest.raises(T5SymError, match="feed_forward_proj"):
        activations.saved_tree(c, "fp32", device="cpu")
    with pytest.raises(T5SymError, match="dtype"):
        activations.saved_tree(None, "int8")


@pytest.mark.parametrize(
    "args", [["--batch", "0"], ["--encoder-length", "-1"], ["--decoder-length", "0"],
             ["--dtype", "fp8", "--batch", "2"]]
)  # fmt: skip
def test_cli_bad_input(args: list[str]) -> None:
    one_line_error(run("memory", "t5-small", *args))


def test_cli_memory_with_lengths() -> None:
    import json

    out = run("memory", "t5-small", "--batch", "2", "--encoder-length", "64",
              "--decoder-length", "16", "--checkpointing", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert (
        d["total"] == d["weights"] + d["gradients"] + d["optimizer_state"] + d["activations_bytes"]
    )
    assert d["checkpointing"] is True and d["reentrant"] is False  # transformers 5's default
    one = ["--batch", "1", "--encoder-length", "8", "--decoder-length", "4", "--checkpointing"]
    text = run("memory", "t5-small", *one)
    assert "checkpointing each block, non-reentrant" in text.stdout, text.stderr
    again = json.loads(run("memory", "t5-small", *one, "--reentrant", "--json").stdout)
    assert again["reentrant"] is True


@pytest.mark.parametrize("padding", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.1])
@pytest.mark.parametrize("ckpt", [False, True])
@pytest.mark.parametrize("attention", ["sdpa", "eager"])
@pytest.mark.parametrize("dtype", ["fp32", "bf16", "fp16"])
@pytest.mark.parametrize("model_type", ["t5", "umt5"])
def test_setups(model_type, dtype, attention, ckpt, dropout, padding) -> None:
    proj = "gated-gelu" if model_type == "umt5" else "relu"
    c = Config(8, 12, 2, 3, 2, 20, num_decoder_layers=3, feed_forward_proj=proj,
               model_type=model_type)  # fmt: skip
    compare(c, dtype, ckpt, 2, 5, 4, attention=attention, dropout=dropout, padding=padding)


@pytest.mark.parametrize(
    "args", [["--attention", "flash"], ["--device", "tpu"], ["--precision", "autocast"],
             ["--precision", "x"], ["--dropout-rate", "1.5"], ["--precision", "autocast-fp8"],
             ["--precision", "autocast-bf16", "--dtype", "bf16"]]
)  # fmt: skip
def test_cli_bad_setup(args: list[str]) -> None:
    one_line_error(run("memory", "t5-small", "--batch", "2", *args))


def test_cli_setup_in_json() -> None:
    import json

    base = ["memory", "t5-small", "--batch", "2", "--json"]
    cuda = json.loads(run(*base).stdout)
    assert (cuda["attention"], cuda["device"], cuda["derived"]) == ("sdpa", "cuda", True)
    assert any("derivatives.yaml" in line for line in cuda["derived_from"])
    cpu = json.loads(run(*base, "--device", "cpu", "--dropout-rate", "0").stdout)
    assert (cpu["derived"], cpu["derived_from"], cpu["dropout"]) == (False, [], 0.0)
    assert cpu["activations_bytes"] < cuda["activations_bytes"] + 10**9


def test_dropout_comes_from_the_config() -> None:
    """``dropout_rate`` of config.json decides the masks: 0 saves none (torch's Dropout(0.0))."""
    fields = {"d_model": 8, "d_ff": 12, "num_heads": 2, "d_kv": 8, "num_layers": 2}
    off = t5sym.from_hf({**fields, "dropout_rate": 0})
    on = t5sym.from_hf({**fields, "dropout_rate": 0.1})
    work = {"batch": 2, "encoder_length": 5, "decoder_length": 4}
    assert off.dropout_rate == 0.0 and t5sym.from_hf(fields).dropout_rate == 0.1
    for device in ("cpu", "cuda"):
        by_config = activations.memory_at(off, "fp32", "adam", device=device, **work)
        explicit = activations.memory_at(on, "fp32", "adam", device=device, dropout=0, **work)
        assert by_config.activations_bytes == explicit.activations_bytes
        masked = activations.memory_at(on, "fp32", "adam", device=device, **work)
        assert by_config.activations_bytes < masked.activations_bytes


@pytest.mark.parametrize("padding", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.1])
@pytest.mark.parametrize("ckpt", [False, True])
@pytest.mark.parametrize("attention", ["sdpa", "eager"])
@pytest.mark.parametrize("amp", ["bf16", "fp16"])
@pytest.mark.parametrize(("model_type", "proj"), [("t5", "relu"), ("t5", "gated-gelu"),
                                                  ("umt5", "gated-gelu")])  # fmt: skip
def test_autocast(model_type, proj, amp, attention, ckpt, dropout, padding) -> None:
    """fp32 weights under torch.autocast (HF Trainer's bf16=True / fp16=True): every Linear's
    low-precision weight and input copies, float32 stream, norms and position bias."""
    c = Config(8, 12, 2, 3, 2, 20, num_decoder_layers=3, feed_forward_proj=proj,
               model_type=model_type)  # fmt: skip
    compare(
        c,
        "fp32",
        ckpt,
        2,
        5,
        4,
        attention=attention,
        dropout=dropout,
        padding=padding,
        autocast=amp,
    )


def test_cli_autocast_equals_torch_on_t5_small() -> None:
    """``--precision autocast-bf16 --device cpu`` on t5-small: torch's saved bytes, fp32 weights;
    on CUDA the figures cite autocast's op lists."""
    import json

    c = t5sym.load("t5-small")
    seen, _ = saved_by_module(c, "fp32", False, 1, 8, 4, attention="sdpa",
                              dropout=c.dropout_rate, autocast="bf16")  # fmt: skip
    base = ["memory", "t5-small", "--precision", "autocast-bf16", "--batch", "1",
            "--encoder-length", "8", "--decoder-length", "4", "--json"]  # fmt: skip
    out = run(*base, "--device", "cpu")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["activations_bytes"] == sum(n for _, n in seen.values())
    assert (d["precision"], d["dtype"], d["weights"]) == ("autocast-bf16", "fp32",
                                                          4 * t5sym.count(c).total)  # fmt: skip
    cuda = json.loads(run(*base).stdout)
    assert cuda["derived"] and any("autocast_mode.h" in line for line in cuda["derived_from"])


@pytest.mark.parametrize(
    ("model_type", "decoder_layers", "dtype", "targets", "amp"),
    [
        ("t5", 1, "fp32", None, None),
        ("t5", 1, "bf16", ["q", "v"], None),
        ("t5", 2, "fp32", None, None),
        ("t5", 1, "fp32", ["q", "v"], "bf16"),
        ("umt5", 1, "fp32", None, None),
        ("longt5", 1, "fp32", None, None),
        ("switch_transformers", 1, "bf16", None, None),
        ("switch_transformers", 2, "fp32", ["q", "v"], None),
    ],
)
def test_checkpointing_ways(model_type, decoder_layers, dtype, targets, amp) -> None:
    """transformers 5's default checkpointing (``use_reentrant=False``) against the
    reentrant one the hooks measure: the difference of torch's live storages after the
    forward equals t5sym's, the cross-attention's zero bias of a single decoder block."""
    c = Config(d_model=16, d_ff=24, num_heads=3, d_kv=8, num_layers=2, vocab_size=40,
               num_decoder_layers=decoder_layers, model_type=model_type, local_radius=2,
               num_experts=2, num_sparse_encoder_layers=1, num_sparse_decoder_layers=1,
               expert_capacity=8)  # fmt: skip
    attention = "sdpa" if model_type in ("t5", "umt5") else "eager"
    real = [live_after_forward(c, dtype, r, targets=targets, attention=attention, autocast=amp)
            for r in (True, False)]  # fmt: skip
    ours = [
        activations.memory_at(
            c, dtype, "adamw", lora_rank=8 if targets else None, lora_targets=targets,
            batch=2, encoder_length=5, decoder_length=4, attention=attention, device="cpu",
            dropout=0.0, checkpointing=True, reentrant=r,
            precision=f"autocast-{amp}" if amp else "cast",
        ).activations_bytes
        for r in (True, False)
    ]  # fmt: skip
    assert real[1] - real[0] == ours[1] - ours[0]
    assert (ours[1] > ours[0]) == (decoder_layers == 1 and model_type != "umt5")
