"""Memory formulas against what real optimizers allocate after one training step.

The reference is the real thing: transformers' T5 built on CPU (tiny dims) or on the meta
device (real presets), one forward + ``loss.backward()`` + ``optimizer.step()`` with
``torch.optim.Adam`` or transformers' ``Adafactor``, then every tensor in
``optimizer.state`` (numel · element_size), every ``p.grad`` and every weight.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import (
    MT5EncoderModel,
    MT5ForConditionalGeneration,
    T5EncoderModel,
    T5ForConditionalGeneration,
)
from transformers.optimization import Adafactor

import t5sym
from t5sym import Config, T5SymError
from t5sym.views import memory

from .support.cli import run
from .support.reference import build, hf_config, sum_matching
from .test_flops import gemma_data, gemma_model

TORCH_DTYPE = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}

#: Optimizer settings to run; each maps to a t5sym optimizer name.
SETTINGS = {
    # as T5 was fine-tuned with transformers (its docstring's recommendation)
    "adafactor": lambda ps: Adafactor(
        ps, lr=1e-3, relative_step=False, scale_parameter=False, warmup_init=False
    ),
    "adafactor-defaults": lambda ps: Adafactor(ps),
    "adam": lambda ps: torch.optim.Adam(ps, lr=1e-3),
}
T5SYM_NAME = {"adafactor": "adafactor", "adafactor-defaults": "adafactor", "adam": "adam"}


@dataclass
class Measured:
    """Bytes and counts read from a real model and optimizer, by parameter name."""

    weights: dict[str, int]
    gradients: dict[str, int]
    state: dict[str, int]
    state_tensors: int
    state_scalars: int
    optimizer: torch.optim.Optimizer


def nbytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


def real_model(config: Config, dtype: str, device: str = "cpu") -> torch.nn.Module:
    """transformers' model for ``config`` with its own lm_head when untied, cast to dtype."""
    if device == "meta":
        return build(config, config.encoder_only).to(TORCH_DTYPE[dtype])
    torch.manual_seed(0)
    hf = hf_config(config)
    hf.decoder_start_token_id = 0  # what _shift_right needs to make decoder inputs
    hf.pad_token_id = 0
    mt5 = config.model_type == "mt5"
    if config.encoder_only:
        model = (MT5EncoderModel if mt5 else T5EncoderModel)(hf)
    else:
        model = (MT5ForConditionalGeneration if mt5 else T5ForConditionalGeneration)(hf)
        if not config.tie_word_embeddings:  # transformers 5.x ties a fresh model anyway
            weight = torch.randn(config.vocab_size, config.d_model) * 0.05
            model.lm_head.weight = torch.nn.Parameter(weight)
    return model.to(TORCH_DTYPE[dtype])


def train_one_step(model: torch.nn.Module, config: Config, setting: str) -> Measured:
    """One forward (with labels), backward and optimizer step; then measure everything."""
    if next(model.parameters()).device.type == "meta":
        for p in model.parameters():
            p.grad = torch.empty_like(p)  # a backward pass, in shape and dtype only
    else:
        gen = torch.Generator().manual_seed(1)
        ids = torch.randint(0, config.vocab_size, (2, 5), generator=gen)
        if config.encoder_only:
            loss = model(input_ids=ids).last_hidden_state.float().square().mean()
        else:
            labels = torch.randint(0, config.vocab_size, (2, 3), generator=gen)
            loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
    opt = SETTINGS[setting](model.parameters())
    opt.step()
    named = dict(model.named_parameters())
    state: dict[str, int] = {}
    tensors = scalars = 0
    for name, p in named.items():
        entries = opt.state[p].values()
        state[name] = sum(nbytes(v) for v in entries if torch.is_tensor(v))
        tensors += sum(torch.is_tensor(v) for v in entries)
        scalars += sum(isinstance(v, int | float) for v in entries)
    assert len(opt.state) == len(named)  # every parameter was stepped
    return Measured(
        {n: nbytes(p) for n, p in named.items()},
        {n: nbytes(p.grad) for n, p in named.items()},
        state,
        tensors,
        scalars,
        opt,
    )


def assert_matches(config: Config, dtype: str, setting: str, device: str = "cpu") -> None:
    model = real_model(config, dtype, device)
    real = train_one_step(model, config, setting)
    ours = memory.training_memory(config, dtype, T5SYM_NAME[setting])
    assert ours.weights == sum(real.weights.values())
    assert ours.gradients == sum(real.gradients.values())
    assert ours.optimizer_state == sum(real.state.values())
    assert ours.state_tensors == real.state_tensors
    assert ours.state_scalars == real.state_scalars
    assert ours.total == sum(
        map(sum, (real.weights.values(), real.gradients.values(), real.state.values()))
    )
    # node by node: each module's state, gradients and weights
    for part, measured in (
        ("optimizer_state", real.state),
        ("gradients", real.gradients),
        ("weights", real.weights),
    ):
        for node, value in ours.breakdown[part].items():
            if node:
                assert value == sum_matching(measured, node), (part, node)


# ---------------------------------------------------------------------------------------
# Real CPU models, one step.

dims = {
    "d_model": st.integers(1, 24),
    "d_ff": st.integers(1, 40),
    "num_heads": st.integers(1, 4),
    "d_kv": st.integers(1, 8),
    "num_layers": st.integers(1, 2),
    "num_decoder_layers": st.one_of(st.none(), st.integers(1, 3)),
    "vocab_size": st.integers(2, 50),
    "relative_attention_num_buckets": st.integers(8, 32),
    "feed_forward_proj": st.sampled_from(["relu", "gated-gelu", "gated-silu", "gelu"]),
    "tie_word_embeddings": st.booleans(),
    "model_type": st.sampled_from(["t5", "mt5"]),
}
configs = st.builds(Config, **dims)


@settings(max_examples=30)
@given(
    config=configs,
    dtype=st.sampled_from(list(TORCH_DTYPE)),
    setting=st.sampled_from(list(SETTINGS)),
)
def test_generated_config_matches_one_real_step(config: Config, dtype: str, setting: str) -> None:
    assert_matches(config, dtype, setting)


#: Tiny configs shaped like real ones: wide FFN and heads·d_kv ≠ d_model (3B, 11B),
#: gated untied v1.1, ByT5's deeper encoder, an encoder-only text encoder.
SHAPED = {
    "t5-3b-like": Config(d_model=16, d_ff=256, num_heads=4, d_kv=8, num_layers=2, vocab_size=40),
    "t5-11b-like": Config(d_model=8, d_ff=512, num_heads=16, d_kv=8, num_layers=2, vocab_size=40),
    "v1_1-like": Config(
        d_model=32,
        d_ff=80,
        num_heads=4,
        d_kv=8,
        num_layers=2,
        vocab_size=48,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
    ),
    "byt5-like": Config(
        d_model=24,
        d_ff=56,
        num_heads=3,
        d_kv=8,
        num_layers=3,
        num_decoder_layers=1,
        vocab_size=38,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
    ),
    "encoder-only": Config(
        d_model=16,
        d_ff=32,
        num_heads=2,
        d_kv=8,
        num_layers=2,
        vocab_size=30,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
        architectures=("T5EncoderModel",),
    ),
}


@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("dtype", list(TORCH_DTYPE))
@pytest.mark.parametrize("name", list(SHAPED))
def test_shaped_config_matches_one_real_step(name: str, dtype: str, setting: str) -> None:
    assert_matches(SHAPED[name], dtype, setting)


def test_state_dtypes_are_as_modelled() -> None:
    """bf16 weights: Adam's moments stay bf16, Adafactor's state is float32."""
    config = SHAPED["v1_1-like"]
    for setting, moment_keys, dtype in (
        ("adam", ("exp_avg", "exp_avg_sq"), torch.bfloat16),
        ("adafactor", ("exp_avg_sq_row", "exp_avg_sq_col", "exp_avg_sq"), torch.float32),
    ):
        opt = train_one_step(real_model(config, "bf16"), config, setting).optimizer
        for s in opt.state.values():
            assert {s[k].dtype for k in moment_keys if k in s} == {dtype}
            if setting == "adam":
                assert s["step"].dtype == torch.float32 and s["step"].dim() == 0
            else:
                assert type(s["step"]) is int
                assert s["RMS"].dtype == torch.float32 and s["RMS"].dim() == 0


def test_formula_with_bytes_symbol_matches_a_real_step() -> None:
    """The tidied symbolic total, evaluated, equals what one real step allocates."""
    config = SHAPED["byt5-like"]
    real = train_one_step(real_model(config, "bf16"), config, "adam")
    expected = sum(map(sum, (real.weights.values(), real.gradients.values(), real.state.values())))
    expr = memory.formula(config, "total", "adam")
    values = {**config.values(), memory.bytes_per_value: 2}
    assert expr.free_symbols >= {memory.bytes_per_value}
    assert int(expr.xreplace(values)) == expected
    fixed = memory.formula(config, "total", "adam", "bf16")
    assert memory.bytes_per_value not in fixed.free_symbols
    assert int(fixed.xreplace(config.values())) == expected


# ---------------------------------------------------------------------------------------
# Real presets on the meta device: the optimizers step shapes without any storage.


@pytest.mark.parametrize(
    ("name", "dtype", "setting"),
    [
        ("t5-11b", "bf16", "adam"),
        ("t5-11b", "fp32", "adafactor"),
        ("t5-v1_1-xl", "bf16", "adafactor"),
        ("byt5-small", "fp16", "adam"),
    ],
)
def test_preset_matches_one_meta_step(name: str, dtype: str, setting: str) -> None:
    assert_matches(t5sym.load(name), dtype, setting, device="meta")


@pytest.mark.parametrize("name", ["t5-small", "t5-3b", "t5-11b", "flan-t5-xxl", "ul2"])
def test_weight_bytes_of_a_cast_model(name: str) -> None:
    config = t5sym.load(name)
    model = build(config)
    for dtype in ("fp32", "bf16", "fp16", "int8"):
        if dtype == "int8":  # Module.to takes float dtypes only: int8 tensors of each shape
            real = sum(nbytes(torch.empty_like(p, dtype=torch.int8)) for p in model.parameters())
        else:
            real = sum(nbytes(p) for p in model.to(TORCH_DTYPE[dtype]).parameters())
        assert memory.training_memory(config, dtype, "none").weights == real, dtype


# ---------------------------------------------------------------------------------------
# Bad input and the per-leaf API.


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dtype": "fp8"}, "dtype: unknown 'fp8'; known: fp32, bf16, fp16, int8"),
        ({"optimizer": "sgd"}, "optimizer: unknown 'sgd'; known: adafactor, adam, none"),
        ({"dtype": "int8"}, "dtype: int8 holds weights for inference only"),
        ({"dtype": "int8", "optimizer": "adam"}, "dtype: int8 holds weights for inference only"),
    ],
)
def test_bad_choices_raise_one_line(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(T5SymError) as info:
        memory.training_memory(t5sym.load("t5-small"), **kwargs)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_bad_part_raises_one_line() -> None:
    with pytest.raises(T5SymError, match=r"^part: unknown 'activations'; known: "):
        memory.formula(part="activations")


def test_adafactor_per_leaf_state_of_one_weight() -> None:
    """One leaf's formula against a real Adafactor step on a lone tensor of that shape."""
    tree = t5sym.tree(t5sym.load("t5-3b"))
    values = t5sym.load("t5-3b").values()
    for name in ("decoder.block.*.layer.2.DenseReluDense.wi", "encoder.final_layer_norm"):
        leaf = tree[name]
        shape = [int(d.xreplace(values)) for d in leaf.shape]
        p = torch.nn.Parameter(torch.empty(shape, device="meta"))
        p.grad = torch.empty_like(p)
        opt = SETTINGS["adafactor"]([p])
        opt.step()
        real = sum(nbytes(v) for v in opt.state[p].values() if torch.is_tensor(v))
        per_tensor = memory.state_tree(tree, "adafactor", 4)[name].expr / leaf.repeat
        assert int(per_tensor.xreplace(values)) == real, name


# ---------------------------------------------------------------------------------------
# The command.


def test_cli_json_of_a_config_file_matches_a_real_step(tmp_path: Path) -> None:
    config = SHAPED["v1_1-like"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config.to_dict()))
    out = run("memory", str(path), "--dtype", "bf16", "--optimizer", "adam", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    real = train_one_step(real_model(config, "bf16"), config, "adam")
    assert data["dtype"] == "bf16" and data["optimizer"] == "adam"
    assert data["weights"] == sum(real.weights.values())
    assert data["gradients"] == sum(real.gradients.values())
    assert data["optimizer_state"] == sum(real.state.values())
    assert data["total"] == sum(
        map(sum, (real.weights.values(), real.gradients.values(), real.state.values()))
    )
    assert data["state_tensors"] == real.state_tensors


def test_cli_defaults_are_the_documented_ones() -> None:
    data = json.loads(run("memory", "t5-small", "--json").stdout)
    assert (data["dtype"], data["optimizer"]) == (memory.DEFAULT_DTYPE, memory.DEFAULT_OPTIMIZER)
    assert (data["dtype"], data["optimizer"]) == ("fp32", "adafactor")


def test_cli_human_table_of_t5_11b() -> None:
    config = t5sym.load("t5-11b")
    real = train_one_step(real_model(config, "bf16", "meta"), config, "adafactor")
    out = run("memory", "t5-11b", "--dtype", "bf16")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("t5-11b (t5): d_model=1024 d_ff=65536 num_heads=128 d_kv=128")
    rows = {line.split("  ")[0]: line for line in lines}
    weights, state = sum(real.weights.values()), sum(real.state.values())
    assert f"{weights:,}" in rows["weights"] and f"{weights / 2**30:.2f}" in rows["weights"]
    assert f"{weights:,}" in rows["gradients"]
    assert f"{state:,}" in rows["optimizer state"]
    assert f"{2 * weights + state:,}" in rows["total"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["t5-small", "--dtype", "fp8"], "dtype: unknown 'fp8'; known: fp32, bf16, fp16, int8"),
        (["t5-small", "--optimizer", "sgd"], "optimizer: unknown 'sgd'"),
        (["t5-small", "--dtype", "int8"], "dtype: int8 holds weights for inference only"),
        (["t5-smal"], "preset: unknown name 't5-smal'"),
        (["/no/such/config.json"], "/no/such/config.json: no such file"),
        (["t5-small", "--dtype"], "argument --dtype: expected one argument"),
        ([], "the following arguments are required: TARGET"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    out = run("memory", *args)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and message in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


def test_cli_invalid_config_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"d_model": 8,')
    out = run("memory", str(path))
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "invalid JSON" in out.stderr


# ---------------------------------------------------------------------------------------
# Per core under Mesh TF's layout: each core steps its own shard of every weight.

#: Mesh TF's layout (heads, d_ff, vocab over the model dimension) written out on
#: transformers' parameter names: the axis of each ``weight`` that is split, or None.
MESH_TF_SPLIT = [
    (r"\.(q|k|v)\.weight$", 0),  # (num_heads·d_kv, d_model)
    (r"\.o\.weight$", 1),  # (d_model, num_heads·d_kv)
    (r"relative_attention_bias\.weight$", 1),  # (buckets, num_heads)
    (r"\.(wi|wi_0|wi_1)\.weight$", 0),  # (d_ff, d_model)
    (r"\.wo\.weight$", 1),  # (d_model, d_ff)
    (r"^(shared|lm_head)\.weight$", 0),  # (vocab, d_model)
    (r"layer_norm\.weight$", None),  # (d_model,): replicated
]


def one_core_step(config: Config, p: int, dtype: str, setting: str) -> Measured:
    """One core's shards (meta tensors of the split shapes), stepped by the real optimizer."""
    named = {}
    for name, param in build(config, config.encoder_only).named_parameters():
        (axis,) = [a for pattern, a in MESH_TF_SPLIT if re.search(pattern, name)]
        shape = list(param.shape)
        if axis is not None:
            assert shape[axis] % p == 0, name
            shape[axis] //= p
        shard = torch.nn.Parameter(torch.empty(shape, device="meta", dtype=TORCH_DTYPE[dtype]))
        shard.grad = torch.empty_like(shard)
        named[name] = shard
    opt = SETTINGS[setting](list(named.values()))
    opt.step()
    state = {
        n: sum(nbytes(v) for v in opt.state[s].values() if torch.is_tensor(v))
        for n, s in named.items()
    }
    entries = [v for s in named.values() for v in opt.state[s].values()]
    return Measured(
        {n: nbytes(s) for n, s in named.items()},
        {n: nbytes(s.grad) for n, s in named.items()},
        state,
        sum(torch.is_tensor(v) for v in entries),
        sum(isinstance(v, int | float) for v in entries),
        opt,
    )


@pytest.mark.parametrize(
    ("name", "p", "dtype", "setting"),
    [
        ("t5-11b", 32, "bf16", "adafactor"),
        ("t5-11b", 32, "bf16", "adam"),
        ("t5-11b", 32, "fp32", "adafactor"),
        ("t5-3b", 8, "fp32", "adafactor"),
        ("t5-v1_1-xl", 4, "bf16", "adafactor"),
        ("byt5-small", 2, "fp16", "adam"),
    ],
)
def test_per_core_memory_matches_a_step_on_one_cores_shards(
    name: str, p: int, dtype: str, setting: str
) -> None:
    config = t5sym.load(name)
    real = one_core_step(config, p, dtype, setting)
    ours = memory.training_memory(config, dtype, T5SYM_NAME[setting], cores=p)
    assert ours.cores == p
    assert ours.weights == sum(real.weights.values())
    assert ours.gradients == sum(real.gradients.values())
    assert ours.optimizer_state == sum(real.state.values())
    assert (ours.state_tensors, ours.state_scalars) == (real.state_tensors, real.state_scalars)
    for part, measured in (("optimizer_state", real.state), ("weights", real.weights)):
        for node, value in ours.breakdown[part].items():
            if node:
                assert value == sum_matching(measured, node), (part, node)
    # the symbolic per-core formula at this p gives the bytes one core's step allocates
    at = {**config.values(), t5sym.model.symbols.cores: p}
    per_core = memory.formula(config, "total", T5SYM_NAME[setting], dtype, per_core=True)
    stepped = sum(map(sum, (real.weights.values(), real.gradients.values(), real.state.values())))
    assert per_core.xreplace(at) == stepped


def test_per_core_memory_on_one_core_is_the_whole_model() -> None:
    """One core holds every weight whole: the bytes of one step of the whole model."""
    config = t5sym.load("t5-11b")
    for setting in ("adafactor", "adam"):
        real = train_one_step(real_model(config, "bf16", "meta"), config, setting)
        one = memory.training_memory(config, "bf16", T5SYM_NAME[setting], cores=1)
        assert one.weights == sum(real.weights.values())
        assert one.gradients == sum(real.gradients.values())
        assert one.optimizer_state == sum(real.state.values())
        assert (one.state_tensors, one.state_scalars) == (real.state_tensors, real.state_scalars)


@pytest.mark.parametrize(
    ("p", "message"),
    [(3, "cores: 3 does not divide num_heads = 32"), (0, "cores: must be a positive integer")],
)
def test_per_core_memory_bad_cores_is_one_line(p: int, message: str) -> None:
    with pytest.raises(T5SymError) as info:
        memory.training_memory(t5sym.load("t5-3b"), cores=p)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_fewest_cores_for_t5_11b_fp32_weights_on_tpu_v3() -> None:
    from t5sym.views.hardware import TPU_V3

    from .support.published import total

    # By hand: 4 bytes per parameter, the published count; p = 2 leaves more than 16 GiB
    # per core, p = 4 less (the replicated RMSNorm scales are a few hundred KB).
    weights = 4 * total("t5-11b")
    assert weights / 2 > 16 * 2**30 > weights / 4 + 10**6
    held = memory.fewest_cores(t5sym.load("t5-11b"), TPU_V3.memory_per_core, "fp32", "none")
    assert held.cores == 4 and held.total <= 16 * 2**30


def test_fewest_cores_is_none_when_nothing_fits() -> None:
    assert memory.fewest_cores(t5sym.load("t5-11b"), 1000, "fp32", "adam") is None


def test_fewest_cores_equals_trying_every_divisor_and_answers_at_once_for_huge_dims() -> None:
    """The closed form (no loop over core counts) against the divisor loop it replaced."""
    import time

    from t5sym.views import layout

    for name in ("t5-small", "t5-3b", "t5-11b", "mt5-base"):
        config = t5sym.load(name)
        most = layout.most_cores(config)
        for dtype, optimizer in (("fp32", "adam"), ("bf16", "adafactor")):
            for budget in (10**6, 10**9, 4 * 10**9, 16 * 10**9, 10**11):
                tried = next(
                    (
                        m
                        for p in range(1, most + 1)
                        if most % p == 0
                        and (m := memory.training_memory(config, dtype, optimizer, cores=p)).total
                        <= budget
                    ),
                    None,
                )
                got = memory.fewest_cores(config, budget, dtype, optimizer)
                assert (got and got.cores) == (tried and tried.cores), (name, budget)
    huge = t5sym.from_hf({"d_model": 8, "d_ff": 2**300, "num_heads": 2**300, "d_kv": 1,
                          "num_layers": 1, "vocab_size": 2**300})  # fmt: skip
    whole = memory.training_memory(huge, "bf16", "none").total
    start = time.perf_counter()
    got = memory.fewest_cores(huge, whole // 2**200, "bf16", "none")
    assert time.perf_counter() - start < 5
    # the divisors of gcd = 2**300 are powers of two: p fits, p/2 does not
    assert got.cores & (got.cores - 1) == 0 and got.total <= whole // 2**200
    half = memory.training_memory(huge, "bf16", "none", cores=got.cores // 2)
    assert half.total > whole // 2**200


# ---------------------------------------------------------------------------------------
# T5Gemma: one real step of small CPU models, every head.


def assert_step_matches(ours, real) -> None:  # noqa: ANN001
    """t5sym's training memory equals one real step's, in total and node by node."""
    assert (ours.weights, ours.gradients, ours.optimizer_state) == tuple(
        sum(m.values()) for m in (real.weights, real.gradients, real.state)
    )
    assert (ours.state_tensors, ours.state_scalars) == (real.state_tensors, real.state_scalars)
    for part, measured in (("optimizer_state", real.state), ("gradients", real.gradients),
                           ("weights", real.weights)):  # fmt: skip
        for node, value in ours.breakdown[part].items():
            if node:
                assert value == sum_matching(measured, node), (part, node)


def gemma_one_step(model: torch.nn.Module, vocab: int, setting: str) -> Measured:
    """One forward, backward and optimizer step of a small T5Gemma; then measure."""
    gen = torch.Generator().manual_seed(1)
    inputs = {"input_ids": torch.randint(3, vocab, (2, 5), generator=gen)}
    if type(model).__name__ in ("T5GemmaForConditionalGeneration", "T5GemmaModel"):
        inputs["decoder_input_ids"] = torch.randint(3, vocab, (2, 3), generator=gen)
    out = model(**inputs)
    first = out.logits if hasattr(out, "logits") else out.last_hidden_state
    first.float().square().mean().backward()
    real = stepped(model, SETTINGS[setting])
    assert len(real.gradients) == len(real.weights)  # every parameter was stepped
    return real


def stepped(model: torch.nn.Module, build) -> Measured:  # noqa: ANN001
    """An optimizer ``build`` makes steps once after a backward; the bytes of the weights,
    of the gradients and of the state of every parameter that got a gradient."""
    opt = build(model.parameters())
    opt.step()
    named = dict(model.named_parameters())
    trained = {n: p for n, p in named.items() if p.grad is not None}
    state = {n: sum(nbytes(v) for v in opt.state[p].values() if torch.is_tensor(v))
             for n, p in trained.items()}  # fmt: skip
    entries = [v for p in trained.values() for v in opt.state[p].values()]
    assert len(opt.state) == len(trained)
    return Measured(
        {n: nbytes(p) for n, p in named.items()},
        {n: nbytes(p.grad) for n, p in trained.items()},
        state,
        sum(torch.is_tensor(v) for v in entries),
        sum(isinstance(v, int | float) for v in entries),
        opt,
    )


@settings(max_examples=25, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(list(TORCH_DTYPE)),
       setting=st.sampled_from(list(SETTINGS)))  # fmt: skip
def test_gemma_training_memory_matches_one_real_step(data, dtype: str, setting: str) -> None:
    """GQA, biases, tied and untied, balanced and unbalanced, every head."""
    config_json = gemma_data(data.draw)
    for stack in ("encoder", "decoder"):  # token ids 3.. below every vocabulary
        config_json[stack]["vocab_size"] = max(4, config_json[stack]["vocab_size"])
    config = t5sym.from_hf(config_json)
    model = gemma_model(config_json, config.head).to(TORCH_DTYPE[dtype])
    vocab = min(config.encoder.vocab_size, config.decoder.vocab_size)
    real = gemma_one_step(model, vocab, setting)
    ours = memory.training_memory(config, dtype, T5SYM_NAME[setting])
    assert_step_matches(ours, real)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"lora_rank": 8}, "lora_rank: LoRA on T5Gemma"), ({"cores": 8}, "cores: Mesh TF")],
)
@pytest.mark.parametrize("preset", ["t5gemma-2b-2b", "t5gemma-2-270m-270m"])
def test_gemma_what_memory_does_not_model_is_one_line(
    preset: str, kwargs: dict, message: str
) -> None:
    with pytest.raises(T5SymError) as err:
        memory.training_memory(t5sym.load(preset), "bf16", "adam", **kwargs)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)
