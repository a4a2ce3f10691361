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

from fractions import Fraction

import pytest
import sympy
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import t5sym
from t5sym import Config
from t5sym.views import flops
from t5sym.views import longt5 as longt5_lib

from .support.reference import build
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
        t5sym.model.symbols.batch: 2,
        t5sym.model.symbols.encoder_length: s,
        t5sym.model.symbols.decoder_length: 4,
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


# ---------------------------------------------------------------------------------------
# The comparison with full attention (t5sym.views.longt5), against hand values.

#: long-t5-tglobal-base's shapes (flaxformer's longt5 base gin; LongT5 paper, arXiv:2112.07916).
BASE = dict(
    d_model=768,
    d_ff=2048,
    num_heads=12,
    d_kv=64,
    num_layers=12,
    num_decoder_layers=12,
    vocab_size=32128,
    feed_forward_proj="gated-gelu",
)
B_, S_ = t5sym.model.symbols.batch, t5sym.model.symbols.encoder_length


def hand_costs(s: int, hd: int, d_model: int, r: int, g: int) -> dict[str, int]:
    """One layer's scores + context (+ aggregates), B = 1, from the shapes in
    modeling_longt5.py: blocks of r + 1, S padded, 3 blocks of keys, ⌊S/g⌋ globals."""
    b = r + 1
    n = -(-s // b)
    big_g = s // g
    return {
        "full": 2 * 2 * hd * s * s,
        "local": 2 * 2 * hd * n * b * 3 * b,
        "transient-global": 2 * 2 * hd * n * b * (3 * b + big_g) + 2 * s * big_g * d_model,
    }


def test_layer_flops_at_the_base_shapes() -> None:
    config = longt5("transient-global", **BASE)
    assert longt5_lib.layer_flops(config, "full") == 4 * 768 * B_ * S_**2
    # S = 512: 4 local blocks of 128, 32 global tokens
    rows = longt5_lib.table(config, [512, 1000, 16384])
    assert rows[0].flops == {
        "full": 805_306_368,  # 4·768·512²
        "local": 603_979_776,  # 12·768·128²·4
        "transient-global": 679_477_248,  # 3072·512·416 + 2·512·32·768
    }
    for row in rows:
        assert row.flops == hand_costs(row.encoder_length, 768, 768, 127, 16)
    assert rows[2].ratio("local") == Fraction(3 * 128, 16384)


def test_symbolic_layer_flops_are_the_blocked_shapes() -> None:
    from t5sym.model.symbols import d_kv, d_model, global_block_size, local_radius, num_heads

    b = local_radius + 1
    n = sympy.ceiling(S_ / b)
    big_g = sympy.floor(S_ / global_block_size)
    hd = num_heads * d_kv
    hand = {
        "full": 4 * B_ * hd * S_**2,
        "local": 4 * B_ * hd * n * b * 3 * b,
        "transient-global": 4 * B_ * hd * n * b * (3 * b + big_g) + 2 * B_ * S_ * big_g * d_model,
    }
    for attention, expr in hand.items():
        assert sympy.expand(longt5_lib.layer_flops(attention=attention) - expr) == 0
    # the whole module adds q, k, v, o on S tokens, k and v also on the G global tokens
    whole = longt5_lib.layer_flops(attention="transient-global", products_only=False)
    extra = 2 * B_ * d_model * hd * (4 * S_ + 2 * big_g)
    assert sympy.expand(whole - hand["transient-global"] - extra) == 0


def test_ratios_and_crossovers_in_s() -> None:
    from t5sym.model.symbols import d_kv, d_model, global_block_size, local_radius, num_heads

    hd = num_heads * d_kv
    assert sympy.simplify(longt5_lib.ratio(attention="local") - 3 * (local_radius + 1) / S_) == 0
    tglobal = 3 * (local_radius + 1) / S_ + (1 + d_model / (2 * hd)) / global_block_size
    assert sympy.simplify(longt5_lib.ratio(attention="transient-global") - tglobal) == 0
    assert sympy.expand(longt5_lib.crossover(attention="local") - 3 * (local_radius + 1)) == 0
    config = longt5("transient-global", **BASE)
    assert longt5_lib.crossover(config, "local") == 384
    assert longt5_lib.crossover(config, "transient-global") == sympy.Rational(384 * 16 * 2, 29)
    assert longt5_lib.limit_ratio(config, "transient-global") == sympy.Rational(3, 32)
    assert longt5_lib.limit_ratio(config, "local") == 0
    # padding delays the exact crossing: S² > 3·128²·⌈S/128⌉ first for all S ≥ 444
    assert longt5_lib.first_cheaper(config, "local") == 444
    assert longt5_lib.first_cheaper(config, "transient-global") == brute_first(
        config, "transient-global", 5000
    )


def brute_first(config: Config, attention: str, up_to: int) -> int:
    """1 + the last S ≤ up_to where ``attention`` is not cheaper than full (hand costs)."""
    hd = config.num_heads * config.d_kv
    args = (hd, config.d_model, config.local_radius, config.global_block_size)
    costs = [hand_costs(s, *args) for s in range(1, up_to + 1)]
    last = max((s for s, c in enumerate(costs, 1) if c[attention] >= c["full"]), default=0)
    return last + 1


def test_global_tokens_every_token_is_never_cheaper() -> None:
    config = longt5("transient-global", global_block_size=1)
    assert longt5_lib.crossover(config, "transient-global") == sympy.oo
    assert longt5_lib.first_cheaper(config, "transient-global") is None


@settings(max_examples=40, deadline=None)
@given(
    r=st.integers(1, 40),
    g=st.integers(2, 40),
    heads=st.integers(1, 8),
    d_kv=st.integers(1, 16),
    d_model=st.integers(1, 64),
    attention=st.sampled_from(["local", "transient-global"]),
)
def test_first_cheaper_against_brute_force(
    r: int, g: int, heads: int, d_kv: int, d_model: int, attention: str
) -> None:
    config = longt5(
        attention, local_radius=r, global_block_size=g, num_heads=heads, d_kv=d_kv, d_model=d_model
    )
    first = longt5_lib.first_cheaper(config, attention)
    limit = longt5_lib.limit_ratio(config, attention)
    if first is None:
        assert limit >= 1
        return
    # well past any crossing: 60 blocks of both kinds beyond the first cheaper S
    assert first == brute_first(config, attention, first + 60 * (r + 1) * g)


# --- issue 16: first_cheaper without a loop over every length ------------------------------


def hand_gap(s: int, hd: int, d_model: int, r: int, g: int, attention: str, po: bool) -> int:
    """full − ``attention`` at S = s (B = 1); with ``po`` False the q, k, v, o projections
    too: 8·h·d·d_model·S on both sides, and the global tokens' k, v: 4·h·d·d_model·G."""
    costs = hand_costs(s, hd, d_model, r, g)
    extra = 0 if po or attention == "local" else 4 * hd * d_model * (s // g)
    return costs["full"] - costs[attention] - extra


@pytest.mark.parametrize("attention", ["local", "transient-global"])
@pytest.mark.parametrize("products_only", [True, False])
def test_first_cheaper_equals_brute_force_on_a_grid(attention: str, products_only: bool) -> None:
    grid = [(1, 2, 3, 1), (2, 3, 4, 7), (3, 5, 3, 30), (5, 2, 12, 100),
            (8, 9, 4, 1), (4, 16, 6, 24), (7, 3, 1, 2), (2, 7, 16, 60)]  # fmt: skip
    for r, g, hd, d_model in grid:
        config = longt5(attention, local_radius=r, global_block_size=g, num_heads=hd,
                        d_kv=1, d_model=d_model)  # fmt: skip
        first = longt5_lib.first_cheaper(config, attention, products_only=products_only)
        gaps = [hand_gap(s, hd, d_model, r, g, attention, products_only) for s in range(1, 4000)]
        last = max((s for s, gap in enumerate(gaps, 1) if gap <= 0), default=0)
        if first is None:  # never cheaper: not cheaper at the end of the range either
            assert gaps[-1] <= 0 or gaps[-g * (r + 1)] <= 0, (r, g, hd, d_model)
        else:
            assert first == last + 1, (r, g, hd, d_model)


def test_first_cheaper_of_huge_dims_agrees_with_the_hand_costs_around_it() -> None:
    big = 10**300
    for fields in [{"local_radius": big}, {"local_radius": big, "global_block_size": 2},
                   {"global_block_size": big}, {"num_heads": big}]:  # fmt: skip
        config = longt5("transient-global", **fields)
        first = longt5_lib.first_cheaper(config, "transient-global")
        args = (config.num_heads * config.d_kv, config.d_model, config.local_radius,
                config.global_block_size, "transient-global", True)  # fmt: skip
        assert hand_gap(first - 1, *args) <= 0 < hand_gap(first, *args)
        assert all(hand_gap(first + i, *args) > 0 for i in range(1, 50))


def test_last_at_most_zero_by_brute_force() -> None:
    for a2, a1, a0 in [(1, 0, -50), (-1, 10, -9), (0, 3, -7), (2, -40, 100), (-3, 0, 5)]:

        def f(m: int, a2: int = a2, a1: int = a1, a0: int = a0) -> int:
            return a2 * m * m + a1 * m + a0

        for lo, hi in [(-20, 20), (0, 7), (3, 3), (5, 40)]:
            expected = max((m for m in range(lo, hi + 1) if f(m) <= 0), default=None)
            assert longt5_lib.last_at_most_zero(f, lo, hi) == expected, (a2, a1, a0, lo, hi)


def test_unknown_keyword_is_named() -> None:
    config = longt5("local")
    with pytest.raises(t5sym.T5SymError, match="^product_only: unknown keyword"):
        longt5_lib.crossover(config, "local", product_only=False)
