"""GPT-2/3 formulas against transformers' GPT2LMHeadModel on the meta device."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

import t5sym
from t5sym.views import family, gpt

from .support.reference import build, numel_by_name, sum_matching


def gpt2(n_embd: int, n_layer: int, n_head: int, n_inner: int | None = None, vocab=50257):
    with torch.device("meta"):
        return GPT2LMHeadModel(
            GPT2Config(
                n_embd=n_embd,
                n_layer=n_layer,
                n_head=n_head,
                n_positions=2048,
                n_inner=4 * n_embd if n_inner is None else n_inner,
                vocab_size=vocab,
            )
        )


def assert_matches(config: gpt.GPTConfig, n_head: int) -> None:
    model = gpt2(config.n_embd, config.n_layer, n_head, config.d_ff, config.vocab_size)
    assert model.lm_head.weight is model.transformer.wte.weight  # tied: counted once
    numels = numel_by_name(model)
    ours = gpt.count(config)
    assert ours[""] == sum(numels.values())
    for name, value in ours.items():
        if name:
            assert value == sum_matching(numels, name), name
    assert sum_matching(numels, "transformer") == sum(numels.values())


# The six sizes GPT2 builds as printed (n_embd = n_head·d_head).
BUILDABLE = [c for c in gpt.GPT3 if c.n_embd == c.n_head * c.d_head]


@pytest.mark.parametrize("config", BUILDABLE, ids=lambda c: c.name)
def test_gpt3_sizes_match_transformers_part_by_part(config: gpt.GPTConfig) -> None:
    assert_matches(config, config.n_head)


@pytest.mark.parametrize(
    ("name", "n_heads"),
    [("GPT-3 XL", [16, 32]), ("GPT-3 13B", [20, 4])],
)
def test_inconsistent_rows_counted_with_the_forced_width(name: str, n_heads: list[int]) -> None:
    """GPT2 cannot build 24 heads over 2048 or 40 over 5140; its count has no head term."""
    (config,) = [c for c in gpt.GPT3 if c.name == name]
    for n_head in n_heads:
        assert_matches(config, n_head)
    other = gpt.GPTConfig("13B as 5120 = 40·128", 40, 5120, 40, 128)  # other copies
    assert_matches(other, 40)


@pytest.mark.parametrize(
    "dims",
    [(64, 2, 4, 256, 1000), (48, 3, 6, 100, 50257), (96, 1, 3, 96, 77)],
)
def test_small_configs_with_other_d_ff_and_vocab(dims: tuple[int, ...]) -> None:
    n_embd, n_layer, n_head, n_inner, vocab = dims
    config = gpt.GPTConfig(
        "small", n_layer, n_embd, n_head, n_embd // n_head, n_inner=n_inner, vocab_size=vocab
    )
    assert_matches(config, n_head)


# Table 2.1 of arXiv:2005.14165, typed from the paper: name -> (layers, d_model, heads, d_head)
PAPER = {
    "GPT-3 Small": (12, 768, 12, 64),
    "GPT-3 Medium": (24, 1024, 16, 64),
    "GPT-3 Large": (24, 1536, 16, 96),
    "GPT-3 XL": (24, 2048, 24, 128),
    "GPT-3 2.7B": (32, 2560, 32, 80),
    "GPT-3 6.7B": (32, 4096, 32, 128),
    "GPT-3 13B": (40, 5140, 40, 128),
    "GPT-3 175B": (96, 12288, 96, 128),
}
PUBLISHED = [125e6, 350e6, 760e6, 1.3e9, 2.7e9, 6.7e9, 13.0e9, 175.0e9]


def test_table_2_1() -> None:
    rows = gpt.table_2_1()
    assert {r.name: (r.n_layers, r.d_model, r.n_heads, r.d_head) for r in rows} == PAPER
    assert [r.published for r in rows] == [int(x) for x in PUBLISHED]
    for row in rows:
        layers, d, heads, d_head = PAPER[row.name]
        model = gpt2(d, layers, next(h for h in (heads, 16, 20) if d % h == 0))
        assert row.computed == sum(p.numel() for p in model.parameters())
        assert abs(row.computed / row.published - 1) < 0.02, row  # the paper rounds
        assert bool(row.flag) == (heads * d_head != d)
    assert [r.name for r in rows if r.flag] == ["GPT-3 XL", "GPT-3 13B"]


def _share(numels: dict[str, int], words: tuple[str, ...]) -> Fraction:
    part = sum(n for name, n in numels.items() if any(w in name.split(".") for w in words))
    return Fraction(part, sum(numels.values()))


def test_comparison_shares_against_transformers() -> None:
    rows = {r.name: r for r in gpt.proportions()}
    assert set(t5sym.PRESETS) | {c.name for c in gpt.GPT3} == set(rows)
    for name in ("t5-3b", "t5-11b", "t5-v1_1-xl", "byt5-small"):
        c = t5sym.load(name)
        numels = numel_by_name(build(c))
        row = rows[name]
        # the projections of the attention modules (not their position bias), as family's
        projections = {k: v for k, v in numels.items() if "relative_attention_bias" not in k}
        attention = _share(projections, ("SelfAttention", "EncDecAttention"))
        assert row.attention_share == attention * Fraction(sum(projections.values()), 1) / sum(
            numels.values()
        )
        assert row.feed_forward_share == _share(numels, ("DenseReluDense",))
        q = numels["encoder.block.0.layer.0.SelfAttention.q.weight"]
        wi = [v for k, v in numels.items() if k.startswith("encoder.block.0.layer.1.Dense")][0]
        assert row.inner_ratio == Fraction(q, c.d_model**2)
        assert row.d_ff_ratio == Fraction(wi, c.d_model**2)
    for config in BUILDABLE:
        numels = numel_by_name(gpt2(config.n_embd, config.n_layer, config.n_head))
        row = rows[config.name]
        assert row.attention_share == _share(numels, ("attn",))
        assert row.feed_forward_share == _share(numels, ("mlp",))
        assert row.d_ff_ratio == 4 and row.inner_ratio == 1
    # the question's point: T5-3B/11B widen d_ff and heads·d_kv, GPT-3 keeps 4 and 1
    assert (rows["t5-3b"].d_ff_ratio, rows["t5-3b"].inner_ratio) == (16, 4)
    assert (rows["t5-11b"].d_ff_ratio, rows["t5-11b"].inner_ratio) == (64, 16)


@pytest.mark.parametrize("config", [gpt.GPT3[0], gpt.GPT3[3]], ids=lambda c: c.name)
def test_counts_are_python_ints_equal_to_transformers(config: gpt.GPTConfig) -> None:
    """Plain ints (formattable with ``:,`` on the site), also for XL's forced head width."""
    ours = gpt.count(config)
    assert all(type(v) is int for v in ours.values()), {k: type(v) for k, v in ours.items()}
    n_head = config.n_head if config.consistent else 16  # 16 divides XL's 2048
    model = gpt2(config.n_embd, config.n_layer, n_head, config.d_ff, config.vocab_size)
    assert ours[""] == sum(numel_by_name(model).values())


def test_comparison_shares_are_the_family_shares_for_every_preset() -> None:
    """One rule says what a part is: switch-base-8's experts are feed-forward here too."""
    for row in gpt.proportions():
        if row.name in t5sym.PRESETS:
            shares = family.shares(t5sym.load(row.name))
            assert row.attention_share == shares["attention"], row.name
            assert row.feed_forward_share == shares["feed-forward"], row.name
