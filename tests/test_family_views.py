"""Every view of the new model types and heads against the real thing, or refused with a reason.

FLOPs against ``torch.utils.flop_counter.FlopCounterMode`` (meta device where a forward pass
needs no values; small real CPU models for the heads that read EOS positions and for Switch,
whose router picks experts by value); training memory against a real optimizer step; the
Mesh TF sharding view against transformers' weights split by hand; formulas evaluated over
the config's fields against transformers' count.
"""

from __future__ import annotations

import dataclasses
import functools

import pytest
import sympy
import torch
from torch.utils.flop_counter import FlopCounterMode

import t5sym
from t5sym import Config, T5SymError
from t5sym.model import algebra, params
from t5sym.views import flops, memory, printers, sharding

from . import test_memory as memory_tests
from . import test_sharding as sharding_tests
from .support.reference import build, cached_build, numel_by_name, sum_matching
from .test_flops import assert_parts, counted, measure, summed


def small(model_type: str = "umt5", head: str = "", **fields) -> Config:
    """A small config of ``model_type`` with odd sizes (heads·d_kv ≠ d_model)."""
    base = dict(d_model=24, d_ff=40, num_heads=3, d_kv=5, num_layers=2, vocab_size=50)
    base.update(relative_attention_num_buckets=8, num_decoder_layers=3)
    if model_type != "switch_transformers":
        base["feed_forward_proj"] = "gated-gelu"
    base.update(fields)
    return Config(**base, model_type=model_type, head=head)


# ---------------------------------------------------------------------------------------
# FLOPs on the meta device: heads that need no values.

META_HEADS = ["ForConditionalGeneration", "Model", "EncoderModel", "ForTokenClassification"]


@pytest.mark.parametrize("model_type", ["t5", "mt5", "umt5"])
@pytest.mark.parametrize("head", META_HEADS)
@pytest.mark.parametrize("tied", [True, False], ids=["tied", "untied"])
def test_flops_of_heads_on_the_meta_device(model_type: str, head: str, tied: bool) -> None:
    config = small(model_type, head, tie_word_embeddings=tied, num_labels=5)
    total, per_module = measure(build(config), 2, 7, 4)
    assert_parts(flops.count_flops(config, 2, 7, 4), config, total, per_module)


@pytest.mark.parametrize("name", ["umt5-small", "umt5-xxl"])
@pytest.mark.parametrize("encoder_only", [False, True], ids=["seq2seq", "encoder"])
def test_umt5_presets_flops(name: str, encoder_only: bool) -> None:
    config = t5sym.load(name)
    total, per_module = measure(build(config, encoder_only), 1, 9, 5)
    ours = flops.count_flops(config, 1, 9, 5, encoder_only=encoder_only)
    assert ours.forward == total
    assert ours.breakdown["encoder"] == summed(per_module, "encoder")


def test_umt5_training_flops_are_three_forwards() -> None:
    config = small()
    total, _ = measure(build(config).train(), 2, 6, 3, backward=True)
    assert flops.count_flops(config, 2, 6, 3).training == total


# ---------------------------------------------------------------------------------------
# FLOPs of real CPU models: the heads that read the EOS positions or route by value.


def real(config: Config) -> torch.nn.Module:
    """transformers' model for ``config`` on CPU, random weights, eager attention, eval."""
    torch.manual_seed(0)
    model = build(config, device="cpu")
    for p in model.parameters():
        torch.nn.init.normal_(p, std=0.05)
    model.set_attn_implementation("eager")  # SDPA on CPU tensors is not counted
    model.config.decoder_start_token_id = 0  # what _shift_right needs (T5's tokenizer ids)
    model.config.pad_token_id = 0
    return model.eval()


def measure_real(model: torch.nn.Module, inputs: dict) -> tuple[int, dict[str, int]]:
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(**inputs)
    return counted(counter, model)


def with_eos(config: Config, batch: int, length: int) -> torch.Tensor:
    """Input ids of tokens 2.. with T5's EOS (id 1) last in every row, as a tokenizer ends them."""
    gen = torch.Generator().manual_seed(3)
    ids = torch.randint(2, config.vocab_size, (batch, length), generator=gen)
    ids[:, -1] = 1
    return ids


@pytest.mark.parametrize("model_type", ["t5", "mt5", "umt5"])
@pytest.mark.parametrize(("head", "labels"), [("ForSequenceClassification", 4),
                                              ("ForQuestionAnswering", 2)])  # fmt: skip
def test_flops_of_eos_heads_on_real_models(model_type: str, head: str, labels: int) -> None:
    config = small(model_type, head, num_labels=labels)
    batch, length = 2, 6
    total, per_module = measure_real(real(config), {"input_ids": with_eos(config, batch, length)})
    ours = flops.count_flops(config, batch, length, 999)  # T = S: the decoder reads the input
    assert ours.decoder_length == length
    assert_parts(ours, config, total, per_module)


SWITCH = dict(num_experts=4, num_sparse_encoder_layers=2, num_sparse_decoder_layers=1)


@pytest.mark.parametrize(
    "fields",
    [
        dict(SWITCH, num_layers=4, num_decoder_layers=2),
        dict(SWITCH, num_layers=2, num_decoder_layers=2, router_bias=True),
        dict(num_experts=3, num_sparse_encoder_layers=3, num_sparse_decoder_layers=3,
             num_layers=3, num_decoder_layers=3, tie_word_embeddings=False),
    ],
    ids=["every-other", "router-bias", "all-sparse-untied"],
)  # fmt: skip
def test_switch_flops_per_token_under_top1_routing(fields: dict) -> None:
    batch, s, t = 2, 7, 5
    # expert capacity ≥ tokens per sequence: no token is dropped, each passes one expert
    config = small("switch_transformers", expert_capacity=max(s, t), **fields)
    model = real(config)
    gen = torch.Generator().manual_seed(5)
    inputs = {
        "input_ids": torch.randint(0, config.vocab_size, (batch, s), generator=gen),
        "decoder_input_ids": torch.randint(0, config.vocab_size, (batch, t), generator=gen),
    }
    total, per_module = measure_real(model, inputs)
    ours = flops.count_flops(config, batch, s, t)
    assert_parts(ours, config, total, per_module)
    # the router and the experts, each measured on its own
    for stack, tokens in (("encoder", batch * s), ("decoder", batch * t)):
        layer = 1 if stack == "encoder" else 2
        mlp = f"{stack}.block.*.layer.{layer}.mlp"
        sparse = config.sparse_blocks(stack)
        router = summed(per_module, f"{mlp}.router.classifier")
        assert router == 2 * tokens * config.d_model * config.num_experts * sparse
        experts = sum(summed(per_module, f"{mlp}.experts.expert_*.{w}") for w in ("wi", "wo"))
        assert experts == 2 * 2 * tokens * config.d_model * config.d_ff * sparse
        assert ours.breakdown[f"{mlp}.experts"] == experts
        assert ours.breakdown[f"{mlp}.router"] == router


# ---------------------------------------------------------------------------------------
# Training memory: a real optimizer step.


def real_for_training(config: Config) -> torch.nn.Module:
    torch.manual_seed(0)
    model = build(config, device="cpu")
    for p in model.parameters():
        torch.nn.init.normal_(p, std=0.05)
    model.config.decoder_start_token_id = 0
    model.config.pad_token_id = 0
    return model


@pytest.mark.parametrize(
    "config",
    [
        small("umt5"),
        small("umt5", "EncoderModel"),
        # two experts: in this step every expert receives tokens, so every one has a
        # gradient and optimizer state (an expert no token reached would have neither)
        small("switch_transformers", expert_capacity=8, **{**SWITCH, "num_experts": 2}),
    ],
    ids=["umt5", "umt5-encoder", "switch"],
)
@pytest.mark.parametrize("setting", ["adam", "adafactor"])
def test_training_memory_against_a_real_step(config: Config, setting: str) -> None:
    model = real_for_training(config)
    measured = memory_tests.train_one_step(model, config, setting)
    ours = memory.training_memory(config, "fp32", memory_tests.T5SYM_NAME[setting])
    assert ours.weights == sum(measured.weights.values())
    assert ours.gradients == sum(measured.gradients.values())
    assert ours.optimizer_state == sum(measured.state.values())
    assert (ours.state_tensors, ours.state_scalars) == (
        measured.state_tensors,
        measured.state_scalars,
    )
    for part, numbers in (("optimizer_state", measured.state), ("weights", measured.weights)):
        for node, value in ours.breakdown[part].items():
            if node:
                assert value == sum_matching(numbers, node), (part, node)


@pytest.mark.parametrize("dtype", ["bf16", "fp16"])
@pytest.mark.parametrize("setting", ["adam", "adafactor"])
def test_a_half_switch_trains_its_router_in_float32(dtype: str, setting: str) -> None:
    """transformers casts the router's classifier to ``router_dtype`` (float32) in the
    forward: after one step of a bf16 or fp16 Switch model, that Linear, its gradient and its
    optimizer state are float32, the rest half; part by part as the library counts them."""
    config = small("switch_transformers", expert_capacity=8, **{**SWITCH, "num_experts": 2})
    model = real_for_training(config).to(memory_tests.TORCH_DTYPE[dtype])
    measured = memory_tests.train_one_step(model, config, setting)
    routers = {p.dtype for n, p in model.named_parameters() if ".router." in n}
    assert routers == {torch.float32}  # the reference did cast them
    ours = memory.training_memory(config, dtype, memory_tests.T5SYM_NAME[setting])
    assert ours.weights == sum(measured.weights.values())
    assert ours.gradients == sum(measured.gradients.values())
    assert ours.optimizer_state == sum(measured.state.values())
    for part, numbers in (("optimizer_state", measured.state), ("weights", measured.weights)):
        for node, value in ours.breakdown[part].items():
            if node:
                assert value == sum_matching(numbers, node), (part, node)


# ---------------------------------------------------------------------------------------
# Sharding: applies to UMT5; refused for Switch and the classification heads.


@pytest.mark.parametrize(("name", "p"), [("umt5-small", 2), ("umt5-xl", 4), ("umt5-xxl", 8)])
@pytest.mark.parametrize("encoder_only", [False, True], ids=["seq2seq", "encoder"])
def test_umt5_sharding_matches_transformers_split_by_hand(
    name: str, p: int, encoder_only: bool
) -> None:
    sharding_tests.test_per_core_parameters_match_transformers_split_by_hand(name, p, encoder_only)


def test_umt5_shard_holds_one_bias_per_layer() -> None:
    config = t5sym.load("umt5-xxl")
    shard = sharding.shard(config, 8)
    bias = "encoder.block.*.layer.0.SelfAttention.relative_attention_bias"
    tree = sharding.layout_tree("parameters_per_core", config)
    values = sharding.point(config, 8)
    assert algebra.evaluate(tree[bias].expr, values) == 24 * 32 * 64 // 8
    assert shard.parameters_per_core > 0


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (small("switch_transformers"), "model_type: Switch Transformers spreads its experts"),
        (small("umt5", "ForSequenceClassification"), "architectures: the Mesh TF layout"),
        (small("t5", "ForTokenClassification"), "architectures: the Mesh TF layout"),
        (small("mt5", "ForQuestionAnswering"), "architectures: the Mesh TF layout"),
    ],
    ids=["switch", "sequence", "token", "qa"],
)
def test_sharding_refuses_with_a_reason(config: Config, message: str) -> None:
    with pytest.raises(T5SymError) as err:
        sharding.shard(config, 2)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


# ---------------------------------------------------------------------------------------
# Formulas: the --python formula over the config's fields equals transformers' count.


def evaluate_python(config: Config, encoder_only: bool = False) -> int:
    """``t5sym formula --python`` evaluated with the config's fields as its variables."""
    text = printers.render(params.formula(config, encoder_only=encoder_only), "python")
    fields = {k: v for k, v in config.to_dict().items() if isinstance(v, int)}
    fields["num_decoder_layers"] = config.num_decoder_layers
    fields["num_sparse_encoder_layers"] = config.sparse_blocks("encoder")
    fields["num_sparse_decoder_layers"] = config.sparse_blocks("decoder")
    fields["num_labels"] = config.num_labels
    fields["num_experts"] = config.num_experts
    return eval(text, {"__builtins__": {}}, fields)  # noqa: S307 - our own printed formula


@pytest.mark.parametrize(
    "config",
    [
        small("umt5"),
        small("umt5", "ForSequenceClassification", num_labels=7),
        small("t5", "ForTokenClassification", num_labels=3),
        small("mt5", "ForQuestionAnswering"),
        small("longt5", encoder_attention_type="transient-global", num_decoder_layers=2),
        small("switch_transformers", **SWITCH, num_layers=4),
        small("switch_transformers", **SWITCH, num_layers=5, num_decoder_layers=4),
    ],
    ids=["umt5", "umt5-seq", "t5-token", "mt5-qa", "longt5-tglobal", "switch", "switch-odd"],
)
def test_python_formula_equals_transformers(config: Config) -> None:
    assert evaluate_python(config) == sum(numel_by_name(build(config)).values())


@pytest.mark.parametrize("name", ["umt5-xxl", "switch-base-8", "long-t5-tglobal-xl"])
def test_python_formula_of_presets(name: str) -> None:
    config = t5sym.load(name)
    assert evaluate_python(config) == sum(numel_by_name(build(config)).values())
    encoder = sum(numel_by_name(build(config, encoder_only=True)).values())
    assert evaluate_python(config, encoder_only=True) == encoder


def test_latex_uses_the_new_symbols() -> None:
    latex = printers.render(params.formula(t5sym.load("switch-c-2048")), "latex")
    assert r"L_{\mathrm{sparse}}" in latex and " E" in latex
    labels = printers.render(params.formula(small("umt5", "ForTokenClassification")), "latex")
    assert r"n_{\mathrm{labels}}" in labels
    # a sparse block's extra parameters are collected under its own symbol
    expr = params.formula(t5sym.load("switch-base-8"))
    sparse = sympy.collect(sympy.expand(expr), [t5sym.model.symbols.num_sparse_encoder_layers],
                           evaluate=False)  # fmt: skip
    assert t5sym.model.symbols.num_sparse_encoder_layers in sparse


# ---------------------------------------------------------------------------------------
# Switch-C: 61,440 experts, built once (minutes on the meta device), checked part by part.


@functools.cache
def switch_c() -> dict[str, int]:
    return numel_by_name(cached_build(t5sym.load("switch-c-2048")))


@pytest.mark.parametrize("encoder_only", [False, True], ids=["seq2seq", "encoder"])
def test_switch_c_matches_transformers_part_by_part(encoder_only: bool) -> None:
    numels = switch_c()
    ours = t5sym.count(t5sym.load("switch-c-2048"))
    numbers = ours.encoder_only_breakdown if encoder_only else ours.breakdown
    if encoder_only:  # SwitchTransformersEncoderModel: the same names, shared + encoder
        numels = {k: v for k, v in numels.items() if k.split(".")[0] in ("shared", "encoder")}
    assert numbers[""] == sum(numels.values())
    for name, value in numbers.items():
        if name:
            assert value == sum_matching(numels, name), name


def test_switch_active_parameters_are_one_expert_per_sparse_layer() -> None:
    config = small("switch_transformers", **SWITCH, num_layers=4)
    numels = numel_by_name(build(config))
    experts = sum(n for k, n in numels.items() if ".experts." in k)
    one_each = sum(n for k, n in numels.items() if ".experts.expert_0." in k)
    assert t5sym.count(config).active_total == sum(numels.values()) - experts + one_each
    untied = dataclasses.replace(config, tie_word_embeddings=False)
    assert t5sym.count(untied).total == sum(numel_by_name(build(untied)).values())
