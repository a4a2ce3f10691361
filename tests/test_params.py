"""Parameter formulas against transformers' modules on the meta device, node by node."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import t5sym
from t5sym import Config, params

from . import reference
from .reference import build, numel_by_name, sum_matching

PRESET_NAMES = list(t5sym.PRESETS)


def assert_matches_transformers(config: Config, encoder_only: bool) -> None:
    numels = numel_by_name(build(config, encoder_only))
    ours = t5sym.count(config)
    numbers = ours.encoder_only_breakdown if encoder_only else ours.breakdown
    assert numbers[""] == sum(numels.values())
    for name, value in numbers.items():
        if name:
            assert value == sum_matching(numels, name), name
    # every parameter of the real model falls under some top-level node
    top = [n.name for n in params.tree(config, encoder_only=encoder_only).root.children]
    assert sum(sum_matching(numels, n) for n in top) == sum(numels.values())


@pytest.mark.parametrize("name", PRESET_NAMES)
@pytest.mark.parametrize("encoder_only", [False, True], ids=["seq2seq", "encoder"])
def test_preset_matches_transformers_part_by_part(name: str, encoder_only: bool) -> None:
    assert_matches_transformers(t5sym.load(name), encoder_only)


configs = reference.configs()


@settings(max_examples=200)
@given(config=configs, encoder_only=st.booleans())
def test_generated_config_matches_transformers_part_by_part(
    config: Config, encoder_only: bool
) -> None:
    assert_matches_transformers(config, encoder_only)


# Exact totals published for the released checkpoints: transformers' count of unique
# parameters (see ../shared/reference/t5-family.md and the model cards).
PUBLISHED = {
    "t5-small": 60_506_624,
    "t5-base": 222_903_552,
    "t5-large": 737_668_096,
    "t5-3b": 2_851_598_336,
    "t5-11b": 11_307_321_344,
    "t5-v1_1-small": 76_961_152,
    "t5-v1_1-base": 247_577_856,
    "t5-v1_1-large": 783_150_080,
    "t5-v1_1-xl": 2_849_757_184,
    "t5-v1_1-xxl": 11_135_332_352,
    "flan-t5-small": 76_961_152,
    "flan-t5-base": 247_577_856,
    "flan-t5-large": 783_150_080,
    "flan-t5-xl": 2_849_757_184,
    "flan-t5-xxl": 11_135_332_352,
    "mt5-base": 582_401_280,
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_published_totals(name: str) -> None:
    assert t5sym.count(t5sym.load(name)).total == PUBLISHED[name]


def test_total_is_sum_of_top_level_parts() -> None:
    for config in (t5sym.load("t5-11b"), t5sym.load("ul2")):
        tree = params.tree(config)
        assert tree.total == sum((c.expr for c in tree.root.children), start=0)


def test_inner_width_need_not_equal_d_model() -> None:
    c = t5sym.load("t5-11b")
    assert c.inner_dim == 128 * 128 != c.d_model
    q = t5sym.count(c).breakdown["encoder.block.*.layer.0.SelfAttention.q"]
    assert q == c.num_layers * c.d_model * c.num_heads * c.d_kv


def test_formula_structure_follows_the_variant() -> None:
    from t5sym.symbols import num_decoder_layers, vocab_size

    tied_equal = t5sym.formula(t5sym.load("t5-3b"))
    assert num_decoder_layers not in tied_equal.free_symbols
    assert tied_equal.coeff(vocab_size) != 0
    untied = t5sym.formula(t5sym.load("t5-v1_1-xl"))
    unequal = t5sym.formula(t5sym.load("byt5-small"))
    assert num_decoder_layers in unequal.free_symbols
    for config, expr in [("t5-3b", tied_equal), ("t5-v1_1-xl", untied), ("byt5-small", unequal)]:
        c = t5sym.load(config)
        assert expr.subs(c.values()) == t5sym.count(c).total


def test_formula_of_a_node() -> None:
    with pytest.raises(t5sym.T5SymError, match="^node: no node 'lm_head'"):
        t5sym.formula(t5sym.load("t5-3b"), "lm_head")  # tied: no lm_head of its own
    c = t5sym.load("t5-v1_1-xl")
    assert t5sym.formula(c, "lm_head").subs(c.values()) == c.vocab_size * c.d_model
