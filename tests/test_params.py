"""Parameter formulas against transformers' modules on the meta device, node by node."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import t5sym
from t5sym import Config
from t5sym.model import params

from .support import published, reference
from .support.reference import build, numel_by_name, sum_matching

# Switch-C (61,440 experts) takes minutes to build: tests/test_family_views.py checks it once.
PRESET_NAMES = [n for n in t5sym.PRESETS if n != "switch-c-2048"]


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


PUBLISHED = published.totals()
PUBLISHED_ENCODER = published.totals(encoder_only=True)


@pytest.mark.parametrize("name", PUBLISHED)
def test_published_totals(name: str) -> None:
    assert t5sym.count(t5sym.load(name)).total == PUBLISHED[name]


@pytest.mark.parametrize("name", PUBLISHED_ENCODER)
def test_published_encoder_only_totals(name: str) -> None:
    assert t5sym.count(t5sym.load(name)).encoder_only_total == PUBLISHED_ENCODER[name]


def test_every_published_total_names_a_preset_and_a_source() -> None:
    rows = published.all_totals()
    assert len(rows) >= 16
    for row in rows:
        assert row.preset in t5sym.PRESETS, row
        assert row.source.startswith("https://huggingface.co/"), row
        assert row.total > 0 and row.how, row


def test_inner_width_need_not_equal_d_model() -> None:
    c = t5sym.load("t5-11b")
    assert (c.inner_dim, c.d_model) == (128 * 128, 1024)  # bi_v1_11B.gin: 128 heads × d_kv 128
    q = t5sym.count(c).breakdown["encoder.block.*.layer.0.SelfAttention.q"]
    assert q == 24 * 1024 * 16384  # 24 layers of Linear(1024, 16384, bias=False)


def test_formula_structure_follows_the_variant() -> None:
    from t5sym.model.symbols import num_decoder_layers, vocab_size

    tied_equal = t5sym.formula(t5sym.load("t5-3b"))
    assert num_decoder_layers not in tied_equal.free_symbols
    assert tied_equal.coeff(vocab_size) != 0
    untied = t5sym.formula(t5sym.load("t5-v1_1-xl"))
    unequal = t5sym.formula(t5sym.load("byt5-small"))
    assert num_decoder_layers in unequal.free_symbols
    for config, expr in [("t5-3b", tied_equal), ("t5-v1_1-xl", untied), ("byt5-small", unequal)]:
        c = t5sym.load(config)
        assert expr.subs(c.values()) == sum(numel_by_name(build(c)).values()), config


def test_formula_of_a_node() -> None:
    # tied: no lm_head of its own, and the message says what it is tied to
    with pytest.raises(t5sym.T5SymError, match="^node: lm_head is tied to shared in this model"):
        t5sym.formula(t5sym.load("t5-3b"), "lm_head")
    with pytest.raises(t5sym.T5SymError, match=r"^node: lm_head is tied .*LongT5 always ties"):
        t5sym.formula(t5sym.load("long-t5-local-base"), "lm_head")
    with pytest.raises(t5sym.T5SymError, match="^node: no node 'lm_head'"):
        t5sym.formula(t5sym.load("t5-v1_1-xl"), "lm_head", encoder_only=True)  # no head at all
    c = t5sym.load("t5-v1_1-xl")
    assert t5sym.formula(c, "lm_head").subs(c.values()) == c.vocab_size * c.d_model


def test_counting_every_preset_makes_sympy_sum_nothing() -> None:
    """Counting is evaluation only: SymPy's first evaluated sum in a process imports its
    tensor module (tens of ms), so no count, Switch's active one included, may make one."""
    code = (
        "import sys, t5sym\n"
        "for p in t5sym.PRESETS.values(): t5sym.count(p.config)\n"
        "print('sympy.tensor.tensor' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "False", (out.stdout, out.stderr)
