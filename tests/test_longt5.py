"""LongT5's local and transient-global encoder FLOPs against torch's FlopCounterMode.

transformers' LongT5 models run on the meta device (the block splitting, the one-hot global
aggregates and the masks all have meta kernels), so FlopCounterMode reads the shapes of
every mm/bmm/einsum of ``modeling_longt5.py``. Lengths are drawn around the block length
r + 1 and the global block size g, so that S is and is not a multiple of each (padding of
the last local block; a last partial global block joining the one before; S < g: no global
token at all).

One artefact of ``torch.einsum``: a contraction over a dimension of size 1 is an elementwise
``mul`` (no bmm), which FlopCounterMode does not count. The score einsum contracts over
d_kv and the global-aggregate einsum over S, so generated configs keep d_kv ≥ 2 and S ≥ 2;
`test_einsum_over_one_is_not_counted_by_torch` shows what happens below.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import t5sym
from t5sym import Config, flops

from .reference import build
from .test_flops import measure, summed, weightless

#: Attention modules of LongT5's encoder, by encoder_attention_type.
MODULE = {"local": "LocalSelfAttention", "transient-global": "TransientGlobalSelfAttention"}


def longt5(attention: str, **fields) -> Config:
    """A small LongT5 config (transformers' LongT5Config defaults for the rest)."""
    base = dict(d_model=24, d_ff=40, num_heads=3, d_kv=5, num_layers=2, vocab_size=64)
    return t5sym.from_hf(
        {"model_type": "longt5", "encoder_attention_type": attention, **base, **fields}
    )


def assert_matches_flop_counter(
    config: Config, encoder_only: bool, batch: int, s: int, t: int
) -> flops.FlopCount:
    """Total and every node against FlopCounterMode's per-module counts.

    An attention module's products have no module of their own: their sum (``scores``,
    ``context`` and, transient-global, ``global_aggregates``) is the module's count minus
    that of its q, k, v and o.
    """
    total, per_module = measure(build(config, encoder_only), batch, s, t)
    ours = flops.count_flops(config, batch, s, t, encoder_only=encoder_only)
    assert ours.forward == total
    products = (*flops.ATTENTION_PRODUCTS, flops.GLOBAL_AGGREGATES)
    modules = {name.rsplit(".", 1)[0] for name in ours.breakdown if name.endswith(".scores")}
    for name, value in ours.breakdown.items():
        if name and name.rsplit(".", 1)[-1] not in products:
            assert value == summed(per_module, name), name
    for module in modules:
        own = sum(ours.breakdown.get(f"{module}.{p}", 0) for p in products)
        assert own == weightless(per_module, module), module
    top = [n.name for n in flops.forward_tree(config, encoder_only).root.children]
    assert sum(summed(per_module, n) for n in top) == total
    return ours


# Hand-written cases: padding and global blocks at their edges.
CASES = [
    # (local_radius, global_block_size, S): r + 1 = 4, g = 5
    (3, 5, 12),  # S a multiple of r + 1, not of g (a partial global block)
    (3, 5, 13),  # neither: the last local block padded
    (3, 5, 20),  # both
    (3, 5, 4),  # one local block, S < g: no global token
    (3, 5, 1),  # one token
    (1, 2, 9),  # tiny blocks
    (7, 3, 7),  # one local block, two global tokens
]


@pytest.mark.parametrize("attention", list(MODULE))
@pytest.mark.parametrize(("r", "g", "s"), CASES)
@pytest.mark.parametrize("encoder_only", [False, True], ids=["seq2seq", "encoder"])
def test_longt5_matches_flop_counter_part_by_part(
    attention: str, r: int, g: int, s: int, encoder_only: bool
) -> None:
    config = longt5(attention, local_radius=r, global_block_size=g)
    ours = assert_matches_flop_counter(config, encoder_only, batch=2, s=s, t=3)
    module = f"encoder.block.*.layer.0.{MODULE[attention]}"
    assert f"{module}.scores" in ours.breakdown
    assert (f"{module}.global_aggregates" in ours.breakdown) == (attention != "local")


def test_einsum_over_one_is_not_counted_by_torch() -> None:
    """d_kv = 1: the Q·Kᵀ einsum is a mul; S = 1 (g = 1): so is the global aggregate."""
    module = "encoder.block.*.layer.0.TransientGlobalSelfAttention"
    for d_kv, s, missing in [(1, 9, "scores"), (3, 1, "global_aggregates")]:
        config = longt5("transient-global", d_kv=d_kv, local_radius=2, global_block_size=1)
        total, per_module = measure(build(config, encoder_only=True), 2, s, 1)
        ours = flops.count_flops(config, 2, s, 1, encoder_only=True)
        assert ours.breakdown[f"{module}.{missing}"] > 0
        assert total == ours.forward - ours.breakdown[f"{module}.{missing}"]


@st.composite
def longt5_configs(draw) -> Config:
    """Generated LongT5 configs: odd sizes, unequal depths, gated or not, every head."""
    return longt5(
        draw(st.sampled_from(list(MODULE))),
        d_model=draw(st.integers(1, 40)),
        d_ff=draw(st.integers(1, 48)),
        num_heads=draw(st.integers(1, 5)),
        d_kv=draw(st.integers(2, 9)),  # d_kv = 1: see the module docstring
        num_layers=draw(st.integers(1, 3)),
        num_decoder_layers=draw(st.integers(1, 3)),
        vocab_size=draw(st.integers(1, 80)),
        relative_attention_num_buckets=draw(st.integers(4, 40)),
        feed_forward_proj=draw(st.sampled_from(["relu", "gated-gelu", "gated-silu"])),
        local_radius=draw(st.integers(1, 9)),
        global_block_size=draw(st.integers(1, 9)),
        architectures=[
            "LongT5" + draw(st.sampled_from(["ForConditionalGeneration", "Model", "EncoderModel"]))
        ],
    )


@settings(max_examples=60, deadline=None)
@given(
    config=longt5_configs(),
    encoder_only=st.booleans(),
    batch=st.integers(1, 3),
    s=st.integers(2, 45),
    t=st.integers(1, 7),
)
@example(longt5("transient-global", local_radius=4, global_block_size=6), False, 1, 35, 2)
def test_generated_longt5_matches_flop_counter(
    config: Config, encoder_only: bool, batch: int, s: int, t: int
) -> None:
    assert_matches_flop_counter(config, encoder_only, batch, s, t)


# ---------------------------------------------------------------------------------------
# Training: forward + backward measured on the meta device.


@pytest.mark.parametrize("attention", list(MODULE))
@pytest.mark.parametrize("encoder_only", [False, True], ids=["seq2seq", "encoder"])
@pytest.mark.parametrize("s", [11, 16, 33])
def test_training_is_forward_and_backward(attention: str, encoder_only: bool, s: int) -> None:
    config = longt5(attention, local_radius=3, global_block_size=5)
    total, _ = measure(build(config, encoder_only).train(), 2, s, 4, backward=True)
    ours = flops.count_flops(config, 2, s, 4, encoder_only=encoder_only)
    assert ours.training == total
    values = {
        **config.values(),
        t5sym.symbols.batch: 2,
        t5sym.symbols.encoder_length: s,
        t5sym.symbols.decoder_length: 4,
    }
    assert flops.training_tree(config, encoder_only).evaluate(values)[""] == total


@settings(max_examples=12, deadline=None)
@given(config=longt5_configs(), encoder_only=st.booleans(), s=st.integers(2, 40))
def test_generated_training_is_forward_and_backward(
    config: Config, encoder_only: bool, s: int
) -> None:
    total, _ = measure(build(config, encoder_only).train(), 2, s, 3, backward=True)
    assert flops.count_flops(config, 2, s, 3, encoder_only=encoder_only).training == total


# ---------------------------------------------------------------------------------------
# The rule of thumb's excess, measured.


@pytest.mark.parametrize("attention", list(MODULE))
def test_rule_of_thumb_excess_adds_up(attention: str) -> None:
    config = longt5(attention, local_radius=3, global_block_size=5)
    batch, s, t = 2, 23, 5
    model = build(config)
    total, per_module = measure(model, batch, s, t)
    ours = flops.count_flops(config, batch, s, t)
    assert ours.per_side + sum(ours.excess.values()) == total
    module = f"encoder.block.*.layer.0.{MODULE[attention]}"
    kv = sum(summed(per_module, f"{module}.{w}") for w in "kv")
    kv_params = sum(
        m.weight.numel()
        for name, m in model.named_modules()
        if isinstance(m, torch.nn.Linear)
        and name.endswith(("Attention.k", "Attention.v"))
        and name.startswith("encoder.")
    )
    extra = kv - 2 * batch * s * kv_params  # k and v on the global tokens
    if attention == "local":
        assert extra == 0 and "global tokens: their sums, k and v" not in ours.excess
    else:
        assert extra > 0
        own = weightless(per_module, module)
        scores_and_context = sum(
            v
            for k, v in ours.breakdown.items()
            if k.startswith(module + ".") and k.endswith(("scores", "context"))
        )
        assert ours.excess["global tokens: their sums, k and v"] == (
            extra + own - scores_and_context
        )
