"""LoRA against peft itself: ``get_peft_model(model, LoraConfig(r, target_modules))``.

Trainable parameters on real presets (transformers on the meta device), node by node;
gradients, optimizer state and the adapters' saved tensors after a real step of a small
model on CPU (``torch.optim.AdamW``, bitsandbytes' ``AdamW8bit``/``PagedAdamW8bit``/
``PagedAdamW``), every ``.grad`` and every ``optimizer.state`` tensor summed (a storage
shared by several entries, bitsandbytes' qmaps, once).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from peft import LoraConfig, get_peft_model
from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as DEFAULTS

import t5sym
from t5sym import Config, T5SymError, symbols
from t5sym.views import lora, memory

from .support.cli import run
from .support.reference import build, sum_matching
from .test_saved_switch import round_robin

warnings.filterwarnings("ignore", message="Paged optimizers are not supported on CPU")
bnb = pytest.importorskip("bitsandbytes")

TORCH_DTYPE = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def peft_names(model: torch.nn.Module) -> dict[str, int]:
    """Trainable parameters by t5sym-style name: ``…q.lora_A.default.weight`` → ``…q.lora_A``."""
    out = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            name = name.removeprefix("base_model.model.").replace(".default.weight", "")
            out[name] = p.numel()
    return out


def peft_model(config: Config, rank: int, targets, device: str = "meta", dtype=None):
    model = build(config, device=device)
    if dtype is not None:
        model = model.to(TORCH_DTYPE[dtype])
    return get_peft_model(model, LoraConfig(r=rank, target_modules=targets))


# ---------------------------------------------------------------------------------------
# Trainable parameters on presets (meta device).


@pytest.mark.parametrize(
    ("name", "targets"),
    [
        ("t5-small", None),
        ("t5-small", ["q", "k", "v", "o", "wi", "wo", "lm_head"]),  # tied lm_head
        ("flan-t5-xl", None),
        ("flan-t5-xl", ["q", "v", "wi_0", "wi_1", "wo", "lm_head"]),
        ("umt5-small", ["q", "v"]),
        ("switch-base-8", ["q", "wi", "wo"]),  # dense blocks' wi/wo and every expert's
        ("long-t5-tglobal-base", ["q", "k", "v", "o", "lm_head"]),
    ],
)
def test_trainable_parameters_equal_peft(name: str, targets: list[str] | None) -> None:
    config = t5sym.load(name)
    model = peft_model(config, 8, targets)
    real = peft_names(model)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    ours = t5sym.training_memory(config, "bf16", "adamw", lora_rank=8, lora_targets=targets)
    assert ours.trainable_parameters == sum(real.values())
    assert ours.frozen_parameters == frozen
    tree = lora.tree(config, targets)
    values = lora.values(config, 8)
    for leaf in tree:
        if leaf.is_leaf and lora.is_adapter(leaf):
            assert t5sym.model.algebra.integer(leaf.expr, values) == sum_matching(real, leaf.name)
    assert ours.gradients == 4 * sum(real.values())  # float32 adapters (peft's autocast)


def test_default_targets_are_peft_s() -> None:
    """peft's defaults for T5-family model types: q, v for t5 and mt5; none for the rest."""
    for model_type in ("t5", "mt5", "umt5", "longt5", "switch_transformers"):
        if model_type in DEFAULTS:
            assert lora.DEFAULT_TARGETS[model_type] == tuple(DEFAULTS[model_type])
        else:
            assert model_type not in lora.DEFAULT_TARGETS
            with pytest.raises(ValueError, match="target_modules"):
                peft_model(t5sym.load({"umt5": "umt5-small", "longt5": "long-t5-local-base",
                                       "switch_transformers": "switch-base-8"}[model_type]),
                           8, None)  # fmt: skip
    assert set(lora.DEFAULT_TARGETS) == {t for t in DEFAULTS if t in lora.DEFAULT_TARGETS}


def test_adapters_in_a_bf16_model_are_float32() -> None:
    config = t5sym.load("t5-small")
    model = peft_model(config, 4, None, dtype="bf16")
    trained = {p.dtype for p in model.parameters() if p.requires_grad}
    frozen = {p.dtype for p in model.parameters() if not p.requires_grad}
    assert (trained, frozen) == ({torch.float32}, {torch.bfloat16})
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    assert t5sym.training_memory(config, "bf16", "adamw", lora_rank=4).weights == weights


# ---------------------------------------------------------------------------------------
# A real step on CPU: gradients and optimizer state.

SMALL = {
    "v1.1-like": Config(d_model=128, d_ff=96, num_heads=4, d_kv=16, num_layers=2,
                        vocab_size=40, feed_forward_proj="gated-gelu", tie_word_embeddings=False),
    "v1.0-like": Config(d_model=32, d_ff=64, num_heads=2, d_kv=8, num_layers=2,
                        num_decoder_layers=1, vocab_size=30),
}  # fmt: skip

#: Optimizers as people build them over the trainable parameters, by t5sym name.
BUILD = {
    "adamw": lambda ps: torch.optim.AdamW(ps, lr=1e-3),
    "adam": lambda ps: torch.optim.Adam(ps, lr=1e-3),
    "adamw8bit": lambda ps: bnb.optim.AdamW8bit(ps, lr=1e-3),
    "adam8bit": lambda ps: bnb.optim.Adam8bit(ps, lr=1e-3),
    "paged_adamw8bit": lambda ps: bnb.optim.PagedAdamW8bit(ps, lr=1e-3),
    "paged_adamw": lambda ps: bnb.optim.PagedAdamW(ps, lr=1e-3),
}


def state_bytes(opt: torch.optim.Optimizer) -> tuple[int, int, int]:
    """Bytes of every distinct storage in ``optimizer.state``; tensor and scalar entries."""
    seen: dict[int, int] = {}
    tensors = scalars = 0
    for state in opt.state.values():
        for value in state.values():
            if torch.is_tensor(value):
                tensors += 1
                storage = value.untyped_storage()
                seen[storage.data_ptr()] = storage.nbytes()
            elif isinstance(value, int | float):
                scalars += 1
    return sum(seen.values()), tensors, scalars


def one_step(config: Config, rank: int, targets, dtype: str, optimizer: str):
    torch.manual_seed(0)
    model = peft_model(config, rank, targets, device="cpu", dtype=dtype)
    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(0, config.vocab_size, (2, 5), generator=gen)
    labels = torch.randint(0, config.vocab_size, (2, 3), generator=gen)
    model.config.decoder_start_token_id = model.config.pad_token_id = 0
    model(input_ids=ids, labels=labels).loss.backward()
    opt = BUILD[optimizer]([p for p in model.parameters() if p.requires_grad])
    opt.step()
    return model, opt


@pytest.mark.parametrize("optimizer", list(BUILD))
@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
@pytest.mark.parametrize(
    ("name", "rank", "targets"),
    [("v1.1-like", 32, ["q", "v", "wi_0", "wo"]), ("v1.0-like", 4, None)],
)
def test_one_real_step(name: str, rank: int, targets, dtype: str, optimizer: str) -> None:
    config = SMALL[name]
    model, opt = one_step(config, rank, targets, dtype, optimizer)
    ours = memory.training_memory(config, dtype, optimizer, lora_rank=rank, lora_targets=targets)
    params = list(model.parameters())
    assert ours.weights == sum(p.numel() * p.element_size() for p in params)
    assert all(p.grad is None for p in params if not p.requires_grad)  # frozen: no .grad
    assert ours.gradients == sum(p.grad.numel() * p.grad.element_size()
                                 for p in params if p.requires_grad)  # fmt: skip
    real_state, tensors, scalars = state_bytes(opt)
    assert (ours.optimizer_state, ours.state_tensors, ours.state_scalars) == (
        real_state, tensors, scalars)  # fmt: skip
    assert len(opt.state) == sum(p.requires_grad for p in params)


def test_8bit_state_is_quantized_above_4096_values_only() -> None:
    """v1.1-like, r=32: lora_A (32, 128) has 4096 values (uint8 state), lora_B (64, 32) 2048
    (float32): both kinds are in the step measured above; here their entries."""
    model, opt = one_step(SMALL["v1.1-like"], 32, ["q"], "fp32", "adamw8bit")
    kinds = {
        p.numel(): {k: v.dtype for k, v in opt.state[p].items() if torch.is_tensor(v)}
        for p in model.parameters()
        if p.requires_grad
    }
    assert kinds[4096]["state1"] == torch.uint8 and kinds[4096]["absmax1"].itemsize == 4
    assert kinds[2048] == {"state1": torch.float32, "state2": torch.float32}


# ---------------------------------------------------------------------------------------
# The adapters' saved tensors: hooks around every lora_A and lora_B forward.


def adapter_saved_bytes(model: torch.nn.Module, run_step) -> int:
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            seen[storage.data_ptr()] = storage.nbytes()
        return t

    contexts = []

    def enter(*_):
        ctx = torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t)
        ctx.__enter__()
        contexts.append(ctx)

    def leave(*_):
        contexts.pop().__exit__(None, None, None)

    for name, module in model.named_modules():
        if re.search(r"\.lora_[AB]\.default$", name):
            module.register_forward_pre_hook(enter)
            module.register_forward_hook(leave)
    run_step()
    return sum(seen.values())


@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
@pytest.mark.parametrize("targets", [["q", "v"], ["q", "k", "v", "o", "wi_0", "wi_1", "wo"]])
def test_adapters_saved_tensors(dtype: str, targets: list[str]) -> None:
    config = SMALL["v1.1-like"]
    torch.manual_seed(0)
    model = peft_model(config, 8, targets, device="cpu", dtype=dtype)
    model.config.decoder_start_token_id = model.config.pad_token_id = 0
    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(0, config.vocab_size, (2, 5), generator=gen)
    labels = torch.randint(0, config.vocab_size, (2, 3), generator=gen)
    real = adapter_saved_bytes(model, lambda: model(input_ids=ids, labels=labels))
    tree = lora.saved_tree(config, targets, dtype)
    values = {**lora.values(config, 8), symbols.batch: 2,
              symbols.encoder_length: 5, symbols.decoder_length: 3}  # fmt: skip
    assert tree.evaluate(values)[""] == real


# ---------------------------------------------------------------------------------------
# Bad input and the command.


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lora_rank": 0}, "lora_rank: "),
        ({"lora_rank": 8, "lora_targets": "q,x"}, "lora_targets: unknown 'x'; known: q, k, v"),
        ({"lora_rank": 8, "lora_targets": ""}, "lora_targets: none given"),
        ({"lora_rank": 8, "lora_targets": "wi_0"}, "lora_targets: none of wi_0 is a Linear"),
        ({"lora_targets": "q"}, "lora_targets: given without lora_rank"),
        ({"lora_rank": 8, "cores": 2}, "cores: per-core memory with LoRA"),
        ({"optimizer": "adamw8bit", "cores": 2}, "optimizer: per-core memory"),
        ({"optimizer": "sgd"}, "optimizer: unknown 'sgd'; known: adafactor, adam, none, adamw"),
    ],
)
def test_bad_input_is_one_line(kwargs: dict, message: str) -> None:
    with pytest.raises(T5SymError) as info:
        memory.training_memory(t5sym.load("t5-small"), "fp32", **{"optimizer": "adam", **kwargs})
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_umt5_has_no_default_targets() -> None:
    with pytest.raises(T5SymError, match="^lora_targets: peft has no default target_modules"):
        memory.training_memory(t5sym.load("umt5-small"), "bf16", "adamw", lora_rank=8)


def test_cli_json_equals_peft_on_flan_t5_xl() -> None:
    config = t5sym.load("flan-t5-xl")
    model = peft_model(config, 16, ["q", "v"], dtype="bf16")
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    tensors = sum(p.requires_grad for p in model.parameters())
    out = run("memory", "flan-t5-xl", "--dtype", "bf16", "--optimizer", "adamw",
              "--lora-rank", "16", "--lora-targets", "q,v", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["trainable_parameters"] == trainable
    assert data["gradients"] == 4 * trainable
    assert data["optimizer_state"] == 4 * 2 * trainable + 4 * tensors  # moments, step
    assert data["weights"] == sum(p.numel() * p.element_size() for p in model.parameters())
    human = run("memory", "flan-t5-xl", "--dtype", "bf16", "--lora-rank", "16",
                "--optimizer", "adamw8bit")  # fmt: skip
    assert human.returncode == 0, human.stderr
    assert f"{trainable:,}" in human.stdout and "frozen" in human.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lora-rank", "0"], "argument --lora-rank: must be"),
        (["--lora-rank", "8", "--lora-targets", "q,qq"], "lora_targets: unknown 'qq'"),
        (["--optimizer", "adamw9bit"], "optimizer: unknown 'adamw9bit'"),
        (["--lora-targets", "q"], "lora_targets: given without lora_rank"),
    ],
)
def test_cli_bad_values_exit_2(args: list[str], message: str) -> None:
    out = run("memory", "t5-small", *args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and message in out.stderr, out.stderr


# ---------------------------------------------------------------------------------------
# With a workload: everything autograd saves in a peft model (the base frozen).


def peft_saved_bytes(config: Config, targets, dtype: str, attention: str, dropout: float,
                     batch: int, s: int, t: int, *, ckpt: bool = False, padding: bool = False,
                     autocast: str | None = None, prepare=None,
                     lora_dropout: float = 0.0) -> int:  # fmt: skip
    """Bytes of every distinct storage saved for backward in one training forward of
    ``get_peft_model`` on CPU (``labels`` given), parameters excluded. ``ckpt``: transformers'
    checkpointing (reentrant, whose function saves each block's inputs through the hooks;
    it makes the embeddings' output require a gradient); ``padding``: an
    ``attention_mask`` with the last token of the first row masked; ``autocast``: the
    forward under ``torch.autocast("cpu", dtype)`` over fp32 weights (HF Trainer's
    ``bf16=True``/``fp16=True``); ``prepare``: called with the base model (a router's
    routing); ``lora_dropout``: peft's."""
    from .support.reference import training_model

    model = training_model(config, TORCH_DTYPE[dtype], attention, dropout)
    if prepare is not None:
        prepare(model)
    lora = LoraConfig(r=8, target_modules=targets, lora_dropout=lora_dropout)
    model = get_peft_model(model, lora).train()
    if ckpt:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: dict[int, int] = {}

    def pack(x: torch.Tensor) -> torch.Tensor:
        nonlocal params
        storage = x.untyped_storage()
        key = storage.data_ptr()
        if key in seen:
            return x
        # a parameter or a view of one; else one of the live parameters' storages, looked up
        # again: Switch's router moves its classifier to float32 in the forward (a new
        # Parameter), and the old one's freed storage may hold an activation
        parameter = isinstance(x if x._base is None else x._base, torch.nn.Parameter)
        if not parameter and key in params:
            params = {p.untyped_storage().data_ptr() for p in model.parameters()}
            parameter = key in params
        if not parameter:
            seen[key] = storage.nbytes()
        return x

    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(0, config.vocab_size, (batch, s), generator=gen)
    labels = torch.randint(0, config.vocab_size, (batch, t), generator=gen)
    kw = {}
    if padding:
        kw["attention_mask"] = torch.ones(batch, s, dtype=torch.long)
        kw["attention_mask"][0, -1] = 0
    amp = TORCH_DTYPE[autocast] if autocast else torch.bfloat16
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda x: x):
        with torch.autocast("cpu", amp, enabled=autocast is not None):
            model(input_ids=ids, labels=labels, **kw)
    return sum(seen.values())


WIDE = ["q", "k", "v", "o", "wi_0", "wi_1", "wo", "lm_head"]
SAVED_CONFIGS = {
    **SMALL,
    "h1": Config(d_model=8, d_ff=12, num_heads=1, d_kv=3, num_layers=3, vocab_size=20,
                 num_decoder_layers=1, feed_forward_proj="gated-silu"),
}  # fmt: skip


@pytest.mark.parametrize("dropout", [0.0, 0.1])
@pytest.mark.parametrize("attention", ["eager", "sdpa"])
@pytest.mark.parametrize("dtype", ["fp32", "bf16", "fp16"])
@pytest.mark.parametrize(
    ("name", "targets"),
    [
        ("v1.1-like", ["q", "v"]),
        ("v1.1-like", WIDE),
        ("v1.0-like", ["q", "v"]),
        ("v1.0-like", ["q", "k", "v", "o", "wi", "wo", "lm_head"]),
        ("h1", ["o", "wo"]),
        ("h1", ["wi_1", "lm_head"]),
    ],
)
def test_saved_with_a_workload_equals_peft(name, targets, dtype, attention, dropout) -> None:
    config = SAVED_CONFIGS[name]
    real = peft_saved_bytes(config, targets, dtype, attention, dropout, 2, 5, 4)
    ours = t5sym.views.activations.memory_at(
        config, dtype, "adamw", lora_rank=8, lora_targets=targets, batch=2, encoder_length=5,
        decoder_length=4, attention=attention, device="cpu", dropout=dropout)  # fmt: skip
    assert ours.activations_bytes == real
    assert ours.total == ours.memory.total + real and not ours.derived


@pytest.mark.parametrize(
    ("heads", "layers", "decoder_layers", "s", "t"),
    [(2, 1, 1, 1, 1), (1, 1, 2, 3, 1), (3, 2, 1, 1, 3), (2, 3, 2, 7, 6)],
)
@pytest.mark.parametrize("attention", ["eager", "sdpa"])
def test_saved_with_a_workload_at_edge_shapes(heads, layers, decoder_layers, s, t,
                                              attention) -> None:  # fmt: skip
    """One head or one token: T5's position bias is contiguous, and shared by every layer."""
    config = Config(d_model=8, d_ff=12, num_heads=heads, d_kv=3, num_layers=layers,
                    vocab_size=20, num_decoder_layers=decoder_layers)  # fmt: skip
    for targets in (["q", "v"], ["o"], ["wo", "lm_head"]):
        real = peft_saved_bytes(config, targets, "fp32", attention, 0.0, 2, s, t)
        ours = t5sym.views.activations.memory_at(
            config, "fp32", "adamw", lora_rank=8, lora_targets=targets, batch=2,
            encoder_length=s, decoder_length=t, attention=attention, device="cpu",
            dropout=0)  # fmt: skip
        assert ours.activations_bytes == real, targets


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dtype": "bf16", "precision": "autocast-bf16"}, "dtype: autocast-bf16 runs over fp32"),
        ({"dtype": "int8"}, "dtype: int8 holds weights for inference only"),
        ({"lora_targets": "q,zz"}, "lora_targets: unknown 'zz'"),
        ({"lora_dropout": 1}, "lora_dropout: must be a number in [0, 1), got 1"),
        ({"lora_dropout": True}, "lora_dropout: must be a number in [0, 1), got True"),
        ({"lora_dropout": "0.1"}, "lora_dropout: must be a number in [0, 1), got '0.1'"),
        ({"lora_dropout": 0.1, "lora_rank": None}, "lora_dropout: peft's dropout"),
        ({"lora_dropout": 0.1, "lora_rank": None, "batch": None}, "lora_dropout: peft's"),
    ],
)
def test_workload_setups_not_modelled_are_refused(kwargs: dict, message: str) -> None:
    kw = {"dtype": "bf16", "lora_rank": 8, "batch": 2, **kwargs}
    dtype = kw.pop("dtype")
    with pytest.raises(T5SymError) as info:
        t5sym.views.activations.memory_at(t5sym.load("t5-small"), dtype, "adamw", **kw)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_cli_lora_with_a_workload_equals_peft_on_t5_small() -> None:
    config = t5sym.load("t5-small")
    real = peft_saved_bytes(config, ["q", "v"], "fp32", "eager", 0.0, 1, 8, 4)
    out = run("memory", "t5-small", "--dtype", "fp32", "--optimizer", "adamw", "--lora-rank",
              "8", "--batch", "1", "--encoder-length", "8", "--decoder-length", "4",
              "--device", "cpu", "--attention", "eager", "--dropout-rate", "0",
              "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["activations_bytes"] == real and data["lora_targets"] == ["q", "v"]
    assert data["trainable_parameters"] == 294912  # peft's, on t5-small (test above)
    human = run("memory", "t5-small", "--lora-rank", "8", "--batch", "2", "--attention", "eager")
    assert human.returncode == 0 and "LoRA r=8 lora_dropout=0 on q, v" in human.stdout
    assert "derived from torch's source" in human.stdout
    refused = run("memory", "t5-small", "--lora-rank", "8", "--batch", "2", "--precision",
                  "autocast-fp16", "--dtype", "fp16")  # fmt: skip
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "dtype: autocast-fp16 runs over" in refused.stderr


def test_cli_lora_dropout_equals_peft_on_t5_small() -> None:
    """``--lora-dropout`` (peft's issue 945 used 0.05): the JSON equals peft on CPU, the
    text says it; without ``--lora-rank`` it is one line, exit status 2."""
    config = t5sym.load("t5-small")
    real = peft_saved_bytes(config, ["q", "v"], "bf16", "sdpa", 0.0, 1, 8, 4, lora_dropout=0.05)
    args = ["--dtype", "bf16", "--lora-rank", "8", "--batch", "1", "--encoder-length", "8",
            "--decoder-length", "4", "--device", "cpu", "--dropout-rate", "0"]  # fmt: skip
    out = run("memory", "t5-small", *args, "--lora-dropout", "0.05", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["activations_bytes"] == real and data["lora_dropout"] == 0.05
    human = run("memory", "t5-small", *args, "--lora-dropout", "0.05")
    assert human.returncode == 0 and "LoRA r=8 lora_dropout=0.05 on q, v" in human.stdout
    alone = run("memory", "t5-small", "--batch", "1", "--lora-dropout", "0.05")
    assert alone.returncode == 2 and alone.stdout == "" and alone.stderr.count("\n") == 1
    assert "lora_dropout: peft's dropout on the adapters' input; give lora_rank" in alone.stderr


UMT5 = Config(d_model=8, d_ff=12, num_heads=2, d_kv=3, num_layers=2, vocab_size=20,
              num_decoder_layers=3, feed_forward_proj="gated-gelu", model_type="umt5")  # fmt: skip


@pytest.mark.parametrize("padding", [False, True])
@pytest.mark.parametrize("ckpt", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.1])
@pytest.mark.parametrize("attention", ["eager", "sdpa"])
@pytest.mark.parametrize("dtype", ["fp32", "bf16", "fp16"])
@pytest.mark.parametrize(
    ("name", "targets"),
    [
        ("v1.1-like", ["q", "v"]),
        ("v1.1-like", WIDE),
        ("v1.0-like", ["q", "k", "v", "o", "wi", "wo", "lm_head"]),
        ("h1", ["o", "wo"]),
        ("umt5", ["q", "v"]),
        ("umt5", WIDE),
    ],
)
def test_checkpointing_padding_and_umt5_equal_peft(name, targets, dtype, attention, dropout,
                                                   ckpt, padding) -> None:  # fmt: skip
    config = UMT5 if name == "umt5" else SAVED_CONFIGS[name]
    real = peft_saved_bytes(config, targets, dtype, attention, dropout, 2, 5, 4, ckpt=ckpt,
                            padding=padding)  # fmt: skip
    ours = t5sym.views.activations.memory_at(
        config, dtype, "adamw", lora_rank=8, lora_targets=targets, batch=2, encoder_length=5,
        decoder_length=4, attention=attention, device="cpu", dropout=dropout,
        reentrant=True, checkpointing=ckpt, padding_mask=padding)  # fmt: skip
    assert ours.activations_bytes == real


@pytest.mark.parametrize(
    ("dtype", "attention", "ckpt", "amp"),
    [("fp32", "eager", False, None), ("fp32", "sdpa", False, None), ("bf16", "sdpa", True, None),
     ("fp32", "sdpa", False, "bf16"), ("fp16", "eager", False, None)],
)  # fmt: skip
@pytest.mark.parametrize(
    ("name", "targets"),
    [
        ("v1.1-like", WIDE),
        ("v1.0-like", ["q", "k", "v", "o", "wi", "wo", "lm_head"]),
        ("h1", ["o", "wo"]),
        ("umt5", ["q", "v"]),
    ],
)
def test_lora_dropout_equals_peft(name, targets, dtype, attention, ckpt, amp) -> None:
    """peft's ``lora_dropout`` 0.1: each adapter's lora_A keeps its own dropped input and
    the mask (float32 on CPU) where its input needs a gradient; in fp32 no adapter shares x,
    and what the base shared with lora_A (a fused kernel's output, ReLU's) is its own."""
    config = UMT5 if name == "umt5" else SAVED_CONFIGS[name]
    real = peft_saved_bytes(config, targets, dtype, attention, 0.0, 2, 5, 4, ckpt=ckpt,
                            autocast=amp, lora_dropout=0.1)  # fmt: skip
    ours = t5sym.views.activations.memory_at(
        config, dtype, "adamw", lora_rank=8, lora_targets=targets, batch=2, encoder_length=5,
        decoder_length=4, attention=attention, device="cpu", dropout=0.0, reentrant=True,
        checkpointing=ckpt,
        precision=f"autocast-{amp}" if amp else "cast", lora_dropout=0.1)  # fmt: skip
    without = t5sym.views.activations.memory_at(
        config, dtype, "adamw", lora_rank=8, lora_targets=targets, batch=2, encoder_length=5,
        decoder_length=4, attention=attention, device="cpu", dropout=0.0, reentrant=True,
        checkpointing=ckpt,
        precision=f"autocast-{amp}" if amp else "cast")  # fmt: skip
    assert ours.activations_bytes == real and ours.lora_dropout == 0.1
    assert real > without.activations_bytes or ckpt  # the masks, at the least


# ---------------------------------------------------------------------------------------
# LoRA under autocast (HF Trainer's bf16=True / fp16=True with peft): fp32 weights.

AUTOCAST_CASES = [
    ("v1.0-like", ["q", "v"]),
    ("v1.0-like", ["q", "k", "v", "o", "wi", "wo", "lm_head"]),
    ("h1", ["wo"]),
    ("v1.1-like", ["wi_1", "lm_head"]),
    ("umt5", ["q", "v"]),
]


@pytest.mark.parametrize(("dropout", "padding"), [(0.0, False), (0.1, True)])
@pytest.mark.parametrize("ckpt", [False, True])
@pytest.mark.parametrize("attention", ["eager", "sdpa"])
@pytest.mark.parametrize("amp", ["bf16", "fp16"])
@pytest.mark.parametrize(("name", "targets"), AUTOCAST_CASES)
def test_lora_under_autocast_equals_peft(name, targets, amp, attention, ckpt, dropout,
                                         padding) -> None:  # fmt: skip
    """Every frozen Linear whose input needs a gradient saves autocast's copy of its weight
    (cast again at each call: a frozen weight is not cached); each adapter its own input
    copy, lora_A its weight copy where its input needs a gradient, lora_B its input and
    weight copies; the stream, norms and position bias float32."""
    config = UMT5 if name == "umt5" else SAVED_CONFIGS[name]
    real = peft_saved_bytes(config, targets, "fp32", attention, dropout, 2, 5, 4, ckpt=ckpt,
                            padding=padding, autocast=amp)  # fmt: skip
    ours = t5sym.views.activations.memory_at(
        config, "fp32", "adamw", lora_rank=8, lora_targets=targets, batch=2, encoder_length=5,
        decoder_length=4, attention=attention, device="cpu", dropout=dropout,
        reentrant=True, checkpointing=ckpt, padding_mask=padding,
        precision=f"autocast-{amp}")  # fmt: skip
    assert ours.activations_bytes == real


@pytest.mark.parametrize(
    ("heads", "layers", "decoder_layers", "s", "t"),
    [(2, 1, 1, 1, 1), (1, 3, 2, 3, 1), (3, 2, 1, 1, 3), (1, 2, 3, 5, 4)],
)
def test_lora_under_autocast_at_edge_shapes(heads, layers, decoder_layers, s, t) -> None:
    """sdpa casts T5's float32 position bias at each call: one copy per layer, even where
    the bias itself is shared (one head, one token)."""
    config = Config(d_model=8, d_ff=12, num_heads=heads, d_kv=3, num_layers=layers,
                    vocab_size=20, num_decoder_layers=decoder_layers)  # fmt: skip
    for targets in (["q", "v"], ["wo"], ["o", "lm_head"]):
        real = peft_saved_bytes(config, targets, "fp32", "sdpa", 0.0, 2, s, t, autocast="bf16")
        ours = t5sym.views.activations.memory_at(
            config, "fp32", "adamw", lora_rank=8, lora_targets=targets, batch=2,
            encoder_length=s, decoder_length=t, device="cpu", dropout=0,
            precision="autocast-bf16")  # fmt: skip
        assert ours.activations_bytes == real, targets


def test_cli_lora_under_autocast_equals_peft(tmp_path: Path) -> None:
    """``t5sym memory … --lora-rank 8 --precision autocast-bf16`` answers, equal to peft on
    CPU (a flan-t5-small-shaped model, two layers)."""
    small = Config(d_model=16, d_ff=24, num_heads=2, d_kv=8, num_layers=2, vocab_size=40,
                   feed_forward_proj="gated-gelu", tie_word_embeddings=False)  # fmt: skip
    real = peft_saved_bytes(small, ["q", "v"], "fp32", "sdpa", 0.1, 2, 6, 3, autocast="bf16")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(small.to_dict()))
    out = run("memory", str(path), "--lora-rank", "8", "--lora-targets", "q,v", "--precision",
              "autocast-bf16", "--batch", "2", "--encoder-length", "6", "--decoder-length",
              "3", "--device", "cpu", "--dropout-rate", "0.1", "--optimizer", "adamw",
              "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["activations_bytes"] == real and data["precision"] == "autocast-bf16"
    model = peft_model(small, 8, ["q", "v"])  # on meta: the JSON keys keep their meaning
    trained = [p for p in model.parameters() if p.requires_grad]
    assert data["trainable_parameters"] == sum(p.numel() for p in trained)
    assert data["gradients"] == 4 * data["trainable_parameters"]
    assert data["optimizer_state"] == 4 * len(trained) + 8 * data["trainable_parameters"]
    human = run("memory", "flan-t5-small", "--lora-rank", "8", "--precision", "autocast-bf16",
                "--batch", "2")  # fmt: skip
    assert human.returncode == 0 and "LoRA r=8 lora_dropout=0 on q, v" in human.stdout, human.stderr


# ---------------------------------------------------------------------------------------
# Generated: every model type, precision, attention and target set together.


@st.composite
def lora_cases(draw: st.DrawFn) -> tuple:
    """A small config of any trained model type, peft targets, a setup and a workload."""
    model_type = draw(st.sampled_from(["t5", "umt5", "longt5", "switch_transformers"]))
    switch = model_type == "switch_transformers"
    proj = "relu" if switch else draw(st.sampled_from(["relu", "gelu", "gated-gelu",
                                                       "gated-silu"]))  # fmt: skip
    layers, dec = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch, s, t = draw(st.integers(1, 3)), draw(st.integers(1, 9)), draw(st.integers(1, 6))
    kw = dict(num_decoder_layers=dec, feed_forward_proj=proj, model_type=model_type,
              tie_word_embeddings=draw(st.booleans()))  # fmt: skip
    if model_type == "longt5":
        kind = draw(st.sampled_from(["local", "transient-global"]))
        kw |= dict(encoder_attention_type=kind, local_radius=draw(st.integers(1, 3)),
                   global_block_size=draw(st.integers(1, 4)))  # fmt: skip
    if switch:  # every expert hit (round robin, n ≥ E, no overflow): min(E, R) is exact
        experts = draw(st.integers(1, 3))
        s, t = max(s, experts), max(t, experts)
        kw |= dict(num_experts=experts, num_sparse_encoder_layers=draw(st.integers(0, layers)),
                   num_sparse_decoder_layers=draw(st.integers(0, dec)),
                   expert_capacity=max(s, t))  # fmt: skip
    c = Config(draw(st.integers(2, 12)), draw(st.integers(2, 16)), draw(st.integers(1, 3)),
               draw(st.integers(1, 5)), layers, 20, **kw)  # fmt: skip
    names = ["q", "k", "v", "o", "lm_head", *(["wi_0", "wi_1"] if c.is_gated else ["wi"]), "wo"]
    targets = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
    precision = draw(st.sampled_from(["cast", "autocast-bf16", "autocast-fp16"]))
    dtype = draw(st.sampled_from(["fp32", "bf16", "fp16"])) if precision == "cast" else "fp32"
    attention = (
        draw(st.sampled_from(["eager", "sdpa"])) if model_type in ("t5", "umt5") else "eager"
    )
    setup = dict(dtype=dtype, precision=precision, attention=attention,
                 dropout=draw(st.sampled_from([0.0, 0.1])), ckpt=draw(st.booleans()),
                 padding=draw(st.booleans()),
                 lora_dropout=draw(st.sampled_from([0.0, 0.05])))  # fmt: skip
    return c, targets, setup, (batch, s, t)


@settings(max_examples=40, deadline=None)
@given(lora_cases())
def test_lora_generated_equals_peft(case) -> None:
    c, targets, setup, (batch, s, t) = case
    precision, dtype = setup["precision"], setup["dtype"]
    amp = precision.removeprefix("autocast-") if precision != "cast" else None
    ours = t5sym.views.activations.memory_at(
        c, dtype, "adamw", lora_rank=8, lora_targets=targets, batch=batch, encoder_length=s,
        decoder_length=t, attention=setup["attention"], device="cpu", dropout=setup["dropout"],
        reentrant=True, checkpointing=setup["ckpt"], padding_mask=setup["padding"],
        precision=precision, lora_dropout=setup["lora_dropout"])  # fmt: skip
    prepare = round_robin if c.model_type == "switch_transformers" else None
    real = peft_saved_bytes(c, targets, dtype, setup["attention"], setup["dropout"], batch, s,
                            t, ckpt=setup["ckpt"], padding=setup["padding"], autocast=amp,
                            prepare=prepare, lora_dropout=setup["lora_dropout"])  # fmt: skip
    assert ours.activations_bytes == real
