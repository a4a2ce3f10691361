"""Family-level views against transformers' modules on the meta device."""

from __future__ import annotations

import dataclasses
import re
from fractions import Fraction

import pytest

import t5sym
from t5sym.model.presets import CLAIMS
from t5sym.views import family

from .support.reference import build, cached_build, numel_by_name

# A classification of transformers' parameter names written from modeling_t5.py's module
# tree, independently of t5sym's tree: (pattern, category).
HF_CATEGORIES = [
    (r"\.layer_norm\.weight$|final_layer_norm\.weight$", "norms"),
    (r"relative_attention_bias\.weight$", "relative bias"),
    (r"\.DenseReluDense\.", "feed-forward"),
    (r"\.(SelfAttention|EncDecAttention)\.[qkvo]\.weight$", "attention"),
    (r"^(shared|lm_head)\.weight$", "embedding"),
]

CHECKED = ["t5-small", "t5-large", "t5-3b", "t5-11b", "t5-v1_1-xl", "byt5-small", "ul2"]


def hf_by_stack_and_category(model) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for name, n in numel_by_name(model).items():
        (cat,) = [c for pattern, c in HF_CATEGORIES if re.search(pattern, name)]
        for key in ((name.split(".")[0], cat), ("", cat)):
            out[key] = out.get(key, 0) + n
    return out


@pytest.mark.parametrize("name", CHECKED)
@pytest.mark.parametrize("encoder_only", [False, True], ids=["seq2seq", "encoder"])
def test_categories_match_transformers(name: str, encoder_only: bool) -> None:
    config = t5sym.load(name)
    ours = family.by_stack_and_category(config, encoder_only=encoder_only)
    theirs = hf_by_stack_and_category(cached_build(config, encoder_only))
    assert {k: v for k, v in ours.items() if v} == theirs
    assert set(family.by_category(config, encoder_only=encoder_only)) == set(family.CATEGORIES)


@pytest.mark.parametrize("name", CHECKED)
def test_category_formulas_evaluate_to_transformers_counts(name: str) -> None:
    config = t5sym.load(name)
    theirs = hf_by_stack_and_category(cached_build(config))
    for cat, expr in family.formulas_by_category(config).items():
        assert int(expr.xreplace(config.values())) == theirs.get(("", cat), 0), cat


def test_shares_and_ratios_are_exact_fractions_of_transformers_counts() -> None:
    big, large = t5sym.load("t5-11b"), t5sym.load("t5-large")
    hf_big = hf_by_stack_and_category(cached_build(big))
    hf_large = hf_by_stack_and_category(cached_build(large))
    total_big = sum(v for (s, _), v in hf_big.items() if s == "")
    shares = family.shares(big)
    assert shares["feed-forward"] == Fraction(hf_big[("", "feed-forward")], total_big)
    assert sum(shares.values()) == 1
    ratios = family.ratios(big, large)
    assert ratios["attention"] == Fraction(hf_big[("", "attention")], hf_large[("", "attention")])
    total_large = sum(v for (s, _), v in hf_large.items() if s == "")
    assert ratios["total"] == Fraction(total_big, total_large)


@pytest.mark.parametrize("name", ["t5-large", "t5-3b", "t5-11b", "t5-v1_1-xl"])
def test_shape_is_the_real_weight_shape(name: str) -> None:
    config = t5sym.load(name)
    model = cached_build(config)
    for node in t5sym.tree(config):
        if node.is_leaf:
            real = model.get_parameter(node.name.replace("*", "0") + ".weight")
            assert family.weight_shape(config, node.name) == tuple(real.shape), node.name


@pytest.mark.parametrize(
    ("label", "place"),
    [("2.8B", 10**8), ("770M", 10**7), ("3B", 10**9), ("60M", 10**7), ("300M", 10**8)]
    + [("1.23B", 10**7), ("582M", 10**6), ("11B", 10**9), ("770,567,168", 1)],
)
def test_resolution_is_the_place_of_the_last_stated_digit(label: str, place: int) -> None:
    assert family.resolution(label) == place


def test_resolution_refuses_what_is_not_a_size() -> None:
    with pytest.raises(ValueError, match="^label: "):
        family.resolution("about three billion")


def test_wikipedia_counts_the_tied_embedding_twice() -> None:
    """Wikipedia's exact figure is transformers' unique count plus lm_head listed again."""
    (claim,) = [c for c in CLAIMS if c.label == "770,567,168"]
    config = t5sym.load(claim.preset)
    model = build(config)
    assert model.lm_head.weight is model.shared.weight
    unique = sum(p.numel() for p in model.parameters())
    listed = dict(model.named_parameters(remove_duplicate=False))
    assert claim.value == unique + listed["lm_head.weight"].numel()
    # and it is the size of the same model with an untied lm_head of its own
    untied = build(dataclasses.replace(config, tie_word_embeddings=False))
    assert claim.value == sum(p.numel() for p in untied.parameters())
    r = family.reconcile(claim)
    assert (r.reading, r.method, r.counted, r.exact) == ("tied twice", "equal", claim.value, unique)
    assert r.extra == listed["lm_head.weight"].numel()


@pytest.mark.parametrize("claim", CLAIMS, ids=[f"{c.preset}-{c.label}" for c in CLAIMS])
def test_every_claim_is_reproduced_by_the_stated_method(claim) -> None:
    r = family.reconcile(claim)
    config = t5sym.load(claim.preset)
    model = cached_build(config)
    unique = sum(p.numel() for p in model.parameters())
    assert r.exact == unique
    if "gated experts" in r.readings:  # a second input matrix for every expert
        wi = sum(
            p.numel()
            for n, p in model.named_parameters()
            if n.endswith("experts.expert_0.wi.weight")
        )
        assert r.readings["gated experts"] == unique + wi * config.num_experts
    if r.reading is None:  # no reading, rounded or cut to the claim's digits, gives it
        assert claim.preset == "switch-xxl-128", claim
        for n in r.readings.values():
            assert claim.value not in (
                n,
                family.round_to(n, r.resolution),
                family.cut_to(n, r.resolution),
            )
        return
    step = Fraction(r.resolution)
    if r.method == "rounded":
        assert abs(r.counted - claim.value) <= step / 2
    elif r.method == "cut":
        assert 0 <= r.counted - claim.value < step
        # and rounding would not have given it
        assert abs(r.counted - claim.value) > step / 2
    else:
        assert r.counted == claim.value
    if r.reading == "tied twice":
        assert r.counted == unique + model.lm_head.weight.numel()
    assert r.difference == claim.value - unique
    assert r.relative == Fraction(claim.value - unique, unique)


def test_770m_is_not_the_unique_count_rounded() -> None:
    (claim,) = [c for c in CLAIMS if c.preset == "t5-large" and c.label == "770M"]
    unique = sum(p.numel() for p in cached_build(t5sym.load("t5-large")).parameters())
    assert abs(unique - claim.value) > family.resolution(claim.label) / 2
    assert family.reconcile(claim).reading == "tied twice"


def test_unexplained_claim_says_so() -> None:
    claim = t5sym.model.presets.Claim("t5-3b", "5B", 5 * 10**9, "made up for the test")
    r = family.reconcile(claim)
    assert r.reading is None and r.counted is None and "no count" in r.reason


@pytest.mark.parametrize("claim", CLAIMS, ids=[f"{c.preset}-{c.label}" for c in CLAIMS])
def test_rounding_helpers_agree_with_decimal(claim) -> None:
    """round_to / cut_to against the decimal module's ROUND_HALF_UP and ROUND_DOWN."""
    from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

    r = family.reconcile(claim)
    unique = sum(p.numel() for p in cached_build(t5sym.load(claim.preset)).parameters())
    step = Decimal(r.resolution)
    for mode, fn in ((ROUND_HALF_UP, family.round_to), (ROUND_DOWN, family.cut_to)):
        expected = (Decimal(unique) / step).quantize(Decimal(1), rounding=mode) * step
        assert fn(unique, r.resolution) == int(expected)
    assert r.exact_rounded == family.round_to(unique, r.resolution)
    if "," not in claim.label:  # "2.8B" -> "28": two significant digits
        mantissa = claim.label.rstrip("KMBT").replace(".", "").strip("0")
        assert r.digits == len(mantissa)


def test_compare_3b_with_large() -> None:
    # Dims of text-to-text-transfer-transformer t5/models/gin/models/bi_v1_large.gin, bi_v1_3B.gin
    rows = {
        f: (a, b, r)
        for f, a, b, r in family.side_by_side(t5sym.load("t5-3b"), t5sym.load("t5-large"))
    }
    assert rows["d_ff"] == (4096, 16384, 4)
    assert rows["inner_dim"] == (16 * 64, 32 * 128, 4)
    assert rows["d_model"][2] == 1
