"""FLOP formulas against ``torch.utils.flop_counter.FlopCounterMode`` on transformers' models.

The models are built on the meta device (tests/reference.py), so a forward (and backward)
pass of even T5-11B costs no arithmetic: FlopCounterMode reads the shapes of every mm/bmm.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

import t5sym
from t5sym import Config
from t5sym.views import flops

from .support import reference
from .support.cli import run
from .support.reference import build, numel_by_name, sum_matching
from .test_gemma import config_jsons

# Switch routes tokens by value, which the meta device cannot run (tests/test_family_views.py
# runs small real ones); LongT5's block-local attention has its own tests (test_longt5.py).
PRESET_NAMES = [n for n, p in t5sym.PRESETS.items() if p.config.model_type != "switch_transformers"]
WORKLOAD = (
    t5sym.model.symbols.batch,
    t5sym.model.symbols.encoder_length,
    t5sym.model.symbols.decoder_length,
)


# ---------------------------------------------------------------------------------------
# The reference: FlopCounterMode's counts, keyed by module path without the class name.


def measure(
    model: torch.nn.Module, batch: int, s: int, t: int, backward: bool = False
) -> tuple[int, dict[str, int]]:
    """Total FLOPs of one teacher-forced pass and FLOPs per module path (forward only)."""
    with torch.device("meta"):
        inputs = {"input_ids": torch.zeros(batch, s, dtype=torch.long)}
        if hasattr(model, "decoder"):
            inputs["decoder_input_ids"] = torch.zeros(batch, t, dtype=torch.long)
    return counted_pass(model, inputs, backward)


def counted_pass(
    model: torch.nn.Module, inputs: dict, backward: bool = False
) -> tuple[int, dict[str, int]]:
    """`counted` over one pass of ``model`` on ``inputs`` (and its backward, if asked)."""
    with FlopCounterMode(display=False) as counter:
        out = model(**inputs)
        if backward:
            first = out.logits if hasattr(out, "logits") else out.last_hidden_state
            first.sum().backward()
    return counted(counter, model)


def counted(counter: FlopCounterMode, model: torch.nn.Module) -> tuple[int, dict[str, int]]:
    """FlopCounterMode's total and its FLOPs per module, named as in ``named_modules()``."""
    prefix = type(model).__name__ + "."
    per_module = {
        name.removeprefix(prefix): sum(ops.values())
        for name, ops in counter.get_flop_counts().items()
        if name.startswith(prefix)
    }
    return counter.get_total_flops(), per_module


def module_pattern(node: str) -> re.Pattern[str]:
    """A node name as an exact pattern over module paths (``*``: any block)."""
    return re.compile("^" + re.escape(node).replace(r"\*", r"\d+") + "$")


def summed(per_module: dict[str, int], node: str) -> int:
    pattern = module_pattern(node)
    return sum(n for name, n in per_module.items() if pattern.match(name))


def weightless(per_module: dict[str, int], attention: str) -> int:
    """An attention module's own FLOPs: its count minus that of q, k, v and o."""
    own = summed(per_module, attention)
    return own - sum(summed(per_module, f"{attention}.{w}") for w in "qkvo")


def assert_matches_flop_counter(
    config: Config, encoder_only: bool, batch: int, s: int, t: int
) -> flops.FlopCount:
    total, per_module = measure(build(config, encoder_only), batch, s, t)
    ours = flops.count_flops(config, batch, s, t, encoder_only=encoder_only)
    assert_parts(ours, config, total, per_module, encoder_only)
    return ours


def assert_parts(
    ours: flops.FlopCount, config: Config, total: int, per_module: dict, encoder_only=False
) -> None:
    """``ours`` equals the measured total, and every node the FLOPs under its module path."""
    assert ours.forward == total
    for name, value in ours.breakdown.items():
        short = name.rsplit(".", 1)[-1]
        if short == "scores":  # no module of its own: the rest of the attention module
            attention = name.rsplit(".", 1)[0]
            both = value + ours.breakdown[f"{attention}.context"]
            assert both == weightless(per_module, attention), name
        elif name and short not in ("context", "weight", "bias"):  # a Linear: its module
            assert value == summed(per_module, name), name
    # every FLOP the model counts falls under a top-level node of ours
    top = [n.name for n in flops.forward_tree(config, encoder_only).root.children]
    assert sum(summed(per_module, n) for n in top) == total


@pytest.mark.parametrize("name", PRESET_NAMES)
@pytest.mark.parametrize("encoder_only", [False, True], ids=["seq2seq", "encoder"])
def test_preset_matches_flop_counter_part_by_part(name: str, encoder_only: bool) -> None:
    assert_matches_flop_counter(t5sym.load(name), encoder_only, batch=2, s=7, t=3)


def test_decoder_longer_than_encoder_and_eager_attention() -> None:
    config = t5sym.load("t5-3b")
    model = build(config)
    model.set_attn_implementation("eager")  # torch.matmul, as modeling_t5.py writes it
    total, _ = measure(model, 3, 2, 11)
    assert flops.count_flops(config, 3, 2, 11).forward == total
    assert_matches_flop_counter(config, False, batch=3, s=2, t=11)


configs = reference.configs(min_buckets=4)
lengths = st.integers(1, 13)


@settings(max_examples=60)
@given(
    config=configs,
    encoder_only=st.booleans(),
    batch=st.integers(1, 3),
    s=lengths,
    t=lengths,
)
def test_generated_config_matches_flop_counter_part_by_part(
    config: Config, encoder_only: bool, batch: int, s: int, t: int
) -> None:
    assert_matches_flop_counter(config, encoder_only, batch, s, t)


# ---------------------------------------------------------------------------------------
# Training: forward + backward measured on the meta device.


@pytest.mark.parametrize("name", ["t5-small", "t5-3b", "t5-v1_1-xl", "byt5-small"])
@pytest.mark.parametrize("encoder_only", [False, True], ids=["seq2seq", "encoder"])
def test_training_is_three_forwards(name: str, encoder_only: bool) -> None:
    config = t5sym.load(name)
    model = build(config, encoder_only).train()
    total, _ = measure(model, 2, 9, 4, backward=True)
    ours = flops.count_flops(config, 2, 9, 4, encoder_only=encoder_only)
    assert ours.training == total
    values = {**config.values(), **dict(zip(WORKLOAD, (2, 9, 4), strict=True))}
    assert flops.training(config, encoder_only).subs(values) == total
    assert flops.training_tree(config, encoder_only).evaluate(values)[""] == total


@settings(max_examples=15)
@given(config=configs, encoder_only=st.booleans(), s=lengths, t=lengths)
def test_generated_training_is_three_forwards(
    config: Config, encoder_only: bool, s: int, t: int
) -> None:
    total, _ = measure(build(config, encoder_only).train(), 2, s, t, backward=True)
    assert flops.count_flops(config, 2, s, t, encoder_only=encoder_only).training == total


# ---------------------------------------------------------------------------------------
# The rule of thumb, with N read from the transformers model.


def linear_parameters(model: torch.nn.Module, stack: str) -> int:
    return sum(
        m.weight.numel()
        for name, m in model.named_modules()
        if isinstance(m, torch.nn.Linear) and name.startswith(stack + ".")
    )


@pytest.mark.parametrize("name", ["t5-small", "t5-3b", "t5-11b", "t5-v1_1-xxl", "byt5-base"])
def test_rule_of_thumb_and_its_excess_terms(name: str) -> None:
    config = t5sym.load(name)
    batch, s, t = 2, 23, 5
    model = build(config)
    total, per_module = measure(model, batch, s, t)
    n = sum(numel_by_name(model).values())
    n_enc, n_dec = linear_parameters(model, "encoder"), linear_parameters(model, "decoder")
    ours = flops.count_flops(config, batch, s, t)
    assert ours.parameters == n
    assert ours.naive == 2 * n * batch * (s + t)
    assert ours.naive_training == 6 * n * batch * (s + t)
    assert ours.per_side == 2 * batch * (n_enc * s + n_dec * t)
    assert ours.naive_ratio == Fraction(total, 2 * n * batch * (s + t))
    assert ours.ratio == Fraction(total, 2 * batch * (n_enc * s + n_dec * t))
    # the excess, cause by cause, from the measured modules
    attention = [
        m for m in per_module if m.endswith(("SelfAttention", "EncDecAttention")) and "." in m
    ]
    cross = "decoder.block.*.layer.1.EncDecAttention"
    numels = numel_by_name(model)
    kv_flops = sum(summed(per_module, f"{cross}.{w}") for w in "kv")
    kv_params = sum(sum_matching(numels, f"{cross}.{w}") for w in "kv")
    measured = {
        "attention scores and context": sum(weightless(per_module, a) for a in attention),
        "cross-attention k, v on S tokens, not T": kv_flops - 2 * batch * t * kv_params,
        "lm_head": per_module["lm_head"],
    }
    assert ours.excess == measured
    assert ours.per_side + sum(ours.excess.values()) == total
    # the symbolic ratio depends on S and T only, and gives the measured ratio
    rule = flops.rule_of_thumb(config)
    assert rule.ratio.free_symbols == {
        t5sym.model.symbols.encoder_length,
        t5sym.model.symbols.decoder_length,
    }
    at = dict(zip(WORKLOAD, (batch, s, t), strict=True))
    assert rule.ratio.subs(at) == sympy_fraction(ours.ratio)
    assert rule.naive_ratio.subs(at) == sympy_fraction(ours.naive_ratio)


def sympy_fraction(f: Fraction) -> sympy.Rational:
    return sympy.Rational(f.numerator, f.denominator)


def test_rule_of_thumb_of_the_encoder_alone() -> None:
    config = t5sym.load("t5-v1_1-xl")
    model = build(config, encoder_only=True)
    total, _ = measure(model, 1, 31, 1)
    n = sum(numel_by_name(model).values())
    ours = flops.count_flops(config, 1, 31, 999, encoder_only=True)  # T unused
    assert ours.decoder_length is None and ours.tokens == 31
    assert ours.forward == total
    assert ours.naive == 2 * n * 31
    assert ours.per_side == 2 * linear_parameters(model, "encoder") * 31
    assert set(ours.excess) == {"attention scores and context"}


def test_symbolic_tree_shape() -> None:
    tree = flops.forward_tree()
    attention = tree["encoder.block.*.layer.0.SelfAttention"]
    assert [c.short for c in attention.children] == ["q", "k", "v", "o", "scores", "context"]
    assert "shared" not in tree.nodes  # a lookup: no matrix product
    assert "lm_head" in tree.nodes  # tied or not, the logits are a matrix product
    assert t5sym.model.symbols.vocab_size not in tree["decoder"].expr.free_symbols


# ---------------------------------------------------------------------------------------
# Bad input.


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch": 0}, "batch: must be a positive integer, got 0"),
        ({"encoder_length": -4}, "encoder_length: must be a positive integer, got -4"),
        ({"decoder_length": 2.5}, "decoder_length: must be a positive integer, got 2.5"),
        ({"batch": True}, "batch: must be a positive integer, got True"),
        ({"encoder_length": "512"}, "encoder_length: must be a positive integer, got '512'"),
    ],
)
def test_bad_workload_is_one_line(kwargs: dict, message: str) -> None:
    with pytest.raises(t5sym.T5SymError) as err:
        flops.count_flops(t5sym.load("t5-small"), **kwargs)
    assert str(err.value) == message


# ---------------------------------------------------------------------------------------
# The command.


def test_cli_json_against_flop_counter() -> None:
    argv = ["--batch", "2", "--encoder-length", "64", "--decoder-length", "16"]
    out = run("flops", "t5-3b", *argv, "--json", "--breakdown")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    model = build(t5sym.load("t5-3b"))
    total, per_module = measure(model, 2, 64, 16)
    training, _ = measure(model.train(), 2, 64, 16, backward=True)
    assert (data["batch"], data["encoder_length"], data["decoder_length"]) == (2, 64, 16)
    assert data["forward"] == total
    assert data["training"] == training
    assert data["breakdown"]["lm_head"] == per_module["lm_head"]
    assert data["breakdown"]["encoder.block.*.layer.1.DenseReluDense"] == summed(
        per_module, "encoder.block.*.layer.1.DenseReluDense"
    )
    n = sum(numel_by_name(model).values())
    assert data["naive"] == 2 * n * 2 * (64 + 16)
    assert data["naive_training"] == 6 * n * 2 * (64 + 16)
    assert Fraction(data["naive_ratio"]) == Fraction(total, 2 * n * 2 * 80)


def test_cli_defaults_and_human_table() -> None:
    data = json.loads(run("flops", "t5-small", "--json").stdout)
    assert (data["batch"], data["encoder_length"], data["decoder_length"]) == (1, 512, 128)
    assert "breakdown" not in data
    total, _ = measure(build(t5sym.load("t5-small")), 1, 512, 128)
    out = run("flops", "t5-small")
    assert out.returncode == 0, out.stderr
    assert f"{total:,}" in out.stdout
    assert "2·N per token" in out.stdout and "lm_head" in out.stdout
    full = run("flops", "t5-small", "--breakdown").stdout
    assert "  scores " in full and "  context " in full


def test_cli_encoder_only_config(tmp_path: Path) -> None:
    core = {"d_model": 64, "d_ff": 96, "num_heads": 3, "d_kv": 16, "num_layers": 2}
    (tmp_path / "config.json").write_text(
        json.dumps({**core, "vocab_size": 100, "architectures": ["T5EncoderModel"]})
    )
    data = json.loads(run("flops", str(tmp_path), "--json", "--encoder-length", "40").stdout)
    config = t5sym.load(str(tmp_path))
    total, _ = measure(build(config, encoder_only=True), 1, 40, 1)
    assert data["model"] == "T5EncoderModel" and data["decoder_length"] is None
    assert data["forward"] == total


BAD = [
    (["--batch", "0"], "argument --batch: must be a positive integer, got 0"),
    (["--batch", "-2"], "argument --batch: must be a positive integer, got -2"),
    (["--encoder-length", "1.5"], "argument --encoder-length: must be a positive integer"),
    (["--encoder-length", "0"], "argument --encoder-length: must be a positive integer"),
    (["--decoder-length", "abc"], "argument --decoder-length: must be a positive integer"),
    (["--decoder-length=-1"], "argument --decoder-length: must be a positive integer"),
    (["--batch", ""], "argument --batch: must be a positive integer, got ''"),
]


@pytest.mark.parametrize(("argv", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_cli_bad_input_is_one_line_and_exit_2(argv: list[str], message: str) -> None:
    out = run("flops", "t5-small", *argv)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_cli_unknown_target_is_one_line() -> None:
    out = run("flops", "t5-3bb")
    assert out.returncode == 2 and len(out.stderr.splitlines()) == 1
    assert "preset: unknown name 't5-3bb'" in out.stderr


# ---------------------------------------------------------------------------------------
# T5Gemma: FlopCounterMode on a real forward of small CPU models built by transformers.


def gemma_model(data: dict, head: str, *, is_encoder_decoder: bool | None = None):
    """transformers' small T5Gemma of ``head`` for a config.json ``data``, on the CPU."""
    hf = transformers.T5GemmaConfig.from_dict(data)
    if is_encoder_decoder is not None:
        hf.is_encoder_decoder = is_encoder_decoder
    torch.manual_seed(0)
    return getattr(transformers, "T5Gemma" + head)(hf).eval()


def gemma_measure(model, batch: int, s: int, t: int, backward: bool = False):
    """FlopCounterMode's total and per-module FLOPs of one teacher-forced T5Gemma pass."""
    inputs = {"input_ids": torch.ones(batch, s, dtype=torch.long)}
    if type(model).__name__ in ("T5GemmaForConditionalGeneration", "T5GemmaModel"):
        inputs["decoder_input_ids"] = torch.ones(batch, t, dtype=torch.long)
    return counted_pass(model, inputs, backward)


def assert_gemma_parts(
    ours: flops.FlopCount, config, total: int, per_module: dict, encoder_only: bool = False
) -> None:
    """Every Linear of ours equals its module's FLOPs; scores + context the attention's own."""
    assert ours.forward == total
    tree = flops.forward_tree(config, encoder_only)
    for node in tree:
        value = ours.breakdown[node.name]
        if node.role is flops.Role.SCORES:
            attention = node.name.rsplit(".", 1)[0]
            projections = sum(summed(per_module, f"{attention}.{w}_proj") for w in "qkvo")
            own = summed(per_module, attention) - projections
            assert value + ours.breakdown[f"{attention}.context"] == own, node.name
        elif node.kind == "linear" and node.role is not flops.Role.WEIGHT:
            assert value == summed(per_module, node.name), node.name
        elif node.kind == "linear":  # the weight of a Linear with a bias: the module's
            assert value == summed(per_module, node.name.rsplit(".", 1)[0]), node.name
    assert sum(summed(per_module, n.name) for n in tree.root.children) == total


def gemma_data(draw) -> dict:
    """A generated T5Gemma config.json (tests/test_gemma.py) with small sliding windows."""
    data = draw(config_jsons())
    for stack in ("encoder", "decoder"):
        vocab = max(3, data[stack]["vocab_size"])  # the shifted input's start token is id 2
        data[stack] = dict(data[stack], sliding_window=draw(st.integers(1, 5)), vocab_size=vocab)
        heads = data[stack]["num_attention_heads"]  # repeat_kv: a whole number of groups
        groups = [k for k in range(1, heads + 1) if heads % k == 0]
        data[stack]["num_key_value_heads"] = draw(st.sampled_from(groups))
    return data


@settings(max_examples=30, deadline=None)
@given(data=st.data(), batch=st.integers(1, 2), s=st.integers(1, 9), t=st.integers(1, 9))
def test_gemma_every_head_matches_flop_counter_part_by_part(data, batch, s, t) -> None:
    """Balanced and unbalanced widths, GQA, biases, every layer-type mix, tied and untied."""
    config_json = gemma_data(data.draw)
    config = t5sym.from_hf(config_json)
    model = gemma_model(config_json, config.head)
    total, per_module = gemma_measure(model, batch, s, t)
    ours = flops.count_flops(config, batch, s, t)
    assert_gemma_parts(ours, config, total, per_module)
    encoder = gemma_model(config_json, "EncoderModel", is_encoder_decoder=False)
    total, per_module = gemma_measure(encoder, batch, s, t)
    ours = flops.count_flops(config, batch, s, t, encoder_only=True)
    assert_gemma_parts(ours, config, total, per_module, encoder_only=True)


@settings(max_examples=10, deadline=None)
@given(data=st.data(), s=st.integers(1, 7), t=st.integers(1, 7))
def test_gemma_training_step_matches_flop_counter(data, s: int, t: int) -> None:
    config_json = gemma_data(data.draw)
    config = t5sym.from_hf(config_json)
    model = gemma_model(config_json, config.head)
    total, _ = gemma_measure(model, 2, s, t, backward=True)
    assert flops.count_flops(config, 2, s, t).training == total


def test_gemma_unbalanced_cross_attention_reads_the_encoder_width() -> None:
    """9B-2B's shape, shrunk: cross-attention's k and v map the encoder's width to the decoder's."""
    enc = dict(
        vocab_size=17,
        hidden_size=12,
        intermediate_size=7,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=4,
        sliding_window=2,
    )
    dec = dict(enc, hidden_size=6, num_attention_heads=2, num_key_value_heads=1, head_dim=6,
               num_hidden_layers=2)  # fmt: skip
    data = {"model_type": "t5gemma", "encoder": enc, "decoder": dec}
    config = t5sym.from_hf(data)
    total, per_module = gemma_measure(gemma_model(data, "ForConditionalGeneration"), 2, 5, 3)
    ours = flops.count_flops(config, 2, 5, 3)
    assert_gemma_parts(ours, config, total, per_module)
    k = ours.breakdown["model.decoder.layers.*.cross_attn.k_proj"]
    assert (
        k
        == summed(per_module, "model.decoder.layers.*.cross_attn.k_proj")
        == 2 * 2 * 5 * 12 * 6 * 2
    )


def test_gemma_rule_of_thumb_adds_up() -> None:
    ours = flops.count_flops(t5sym.load("t5gemma-9b-2b"), 2, 64, 16)
    assert ours.per_side + sum(ours.excess.values()) == ours.forward
    assert ours.model == "T5GemmaForConditionalGeneration"


@pytest.mark.parametrize(
    ("stack", "message"),
    [({"num_attention_heads": 3, "hidden_size": 6, "num_key_value_heads": 2},
      "decoder.num_key_value_heads: 2 does not divide"),
     ({"sliding_window": None}, "decoder.sliding_window: null")],
)  # fmt: skip
def test_gemma_what_transformers_cannot_run_is_refused(stack: dict, message: str) -> None:
    data = {"model_type": "t5gemma", "decoder": dict(stack, num_hidden_layers=2)}
    with pytest.raises((RuntimeError, ValueError)):
        small = dict(stack, num_hidden_layers=2, vocab_size=5, intermediate_size=2, head_dim=2)
        small.setdefault("hidden_size", 4)
        small.setdefault("num_attention_heads", 2)
        gemma_measure(gemma_model({"decoder": small, "encoder": small}, "Model"), 1, 3, 3)
    with pytest.raises(t5sym.T5SymError) as err:
        flops.count_flops(t5sym.from_hf(data))
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def attended_products(model, batch: int, s: int, t: int) -> dict[str, int]:
    """FLOPs of scores + context over the pairs a real forward attends to: per attention kind,
    2·2·B·heads·head_dim·(nonzero attention probabilities per head), summed over layers."""
    inputs = {"input_ids": torch.ones(batch, s, dtype=torch.long)}
    if type(model).__name__ == "T5GemmaForConditionalGeneration":
        inputs["decoder_input_ids"] = torch.ones(batch, t, dtype=torch.long)
    with torch.no_grad():
        out = model(**inputs, output_attentions=True)
    kinds = {
        "encoder": "model.encoder.layers.*.self_attn",
        "decoder": "model.decoder.layers.*.self_attn",
        "cross": "model.decoder.layers.*.cross_attn",
    }
    encoder = out.encoder_attentions if hasattr(out, "encoder_attentions") else out.attentions
    found = {"encoder": encoder}
    if hasattr(out, "decoder_attentions"):
        found |= {"decoder": out.decoder_attentions, "cross": out.cross_attentions}
    c = model.config
    stacks = {"encoder": c.encoder, "decoder": c.decoder, "cross": c.decoder}
    result = {}
    for kind, layers in found.items():
        width = stacks[kind].num_attention_heads * stacks[kind].head_dim
        pairs = sum(int((a != 0).sum()) for a in layers) // stacks[kind].num_attention_heads
        prefix = kinds[kind]
        if type(model).__name__ == "T5GemmaEncoderModel":
            prefix = prefix.removeprefix("model.")
        result[prefix] = 2 * 2 * width * pairs
    return result


@settings(max_examples=20, deadline=None)
@given(data=st.data(), batch=st.integers(1, 2), s=st.integers(1, 11), t=st.integers(1, 11))
def test_gemma_attended_pairs_are_those_a_real_forward_attends(data, batch, s, t) -> None:
    """Sliding layers (any mix) read at most their window: the pairs with nonzero attention."""
    config_json = gemma_data(data.draw)
    config_json["architectures"] = ["T5GemmaForConditionalGeneration"]
    config = t5sym.from_hf(config_json)
    ours = flops.count_flops(config, batch, s, t)
    for name, value in attended_products(
        gemma_model(config_json, config.head), batch, s, t
    ).items():
        both = (
            ours.attended_breakdown[f"{name}.scores"] + ours.attended_breakdown[f"{name}.context"]
        )
        assert both == value, name
    assert ours.attended_breakdown["model.encoder.layers.*.mlp"] == ours.breakdown[
        "model.encoder.layers.*.mlp"]  # fmt: skip
    encoder = gemma_model(config_json, "EncoderModel", is_encoder_decoder=False)
    mine = flops.count_flops(config, batch, s, t, encoder_only=True).attended_breakdown
    for name, value in attended_products(encoder, batch, s, t).items():
        assert mine[f"{name}.scores"] + mine[f"{name}.context"] == value, name


@pytest.mark.parametrize("name", list(t5sym.model.presets.GEMMA_PRESETS))
def test_gemma_presets_on_meta_match_flop_counter(name: str) -> None:
    """Full-size T5Gemma on the meta device: the masks passed as None (building them reads
    values), which changes no product: eager attention adds the mask to the full scores."""
    config = t5sym.load(name)
    data = {"model_type": "t5gemma", "encoder": config.encoder.to_dict(),
            "decoder": config.decoder.to_dict()}  # fmt: skip
    for stack in ("encoder", "decoder"):
        data[stack].pop("sliding_layers")
    with torch.device("meta"):
        model = transformers.T5GemmaForConditionalGeneration(
            transformers.T5GemmaConfig.from_dict(data)
        )
        ids, dec = torch.ones(2, 64, dtype=torch.long), torch.ones(2, 16, dtype=torch.long)
    masks = {"full_attention": None, "sliding_attention": None}
    with FlopCounterMode(display=False) as counter:
        model(input_ids=ids, decoder_input_ids=dec, attention_mask=masks,
              decoder_attention_mask=masks)  # fmt: skip
    total, per_module = counted(counter, model)
    assert_gemma_parts(flops.count_flops(config, 2, 64, 16), config, total, per_module)
