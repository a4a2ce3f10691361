"""Mesh TF's layout rules read from each weight's shape, against the split typed by hand."""

from __future__ import annotations

import pytest

import t5sym
from t5sym import T5SymError
from t5sym.model import params
from t5sym.views import layout

#: Which axis Mesh TF splits (heads, d_ff, vocab on the model dimension), typed by hand from
#: the layout rules `d_ff:model,heads:model,vocab:model` and torch's (out, in) storage.
EXPECTED = {
    "shared": ("vocab", 0, True),  # the lookup sums out the split vocab: all-reduced
    "encoder.block.*.layer.0.SelfAttention.q": ("heads", 0, False),
    "encoder.block.*.layer.0.SelfAttention.o": ("heads", 1, True),
    "encoder.block.0.layer.0.SelfAttention.relative_attention_bias": ("heads", 1, False),
    "encoder.block.*.layer.0.layer_norm": (None, None, False),
    "encoder.block.*.layer.1.DenseReluDense.wi": ("d_ff", 0, False),
    "encoder.block.*.layer.1.DenseReluDense.wo": ("d_ff", 1, True),
    "decoder.block.*.layer.1.EncDecAttention.k": ("heads", 0, False),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_split_axis_name_and_allreduce(name: str) -> None:
    leaf = params.tree()[name]
    split, axis, reduced = EXPECTED[name]
    assert (layout.split_name(leaf), layout.split_axis(leaf)) == (split, axis)
    assert layout.needs_allreduce(leaf) is reduced


def test_most_cores_is_the_gcd_of_the_split_dims() -> None:
    # t5-11b: gcd(128 heads, 65,536, 32,128 = 2**7 * 251) = 128; t5-3b: gcd(32, 16,384, …) = 32
    assert layout.most_cores(t5sym.load("t5-11b")) == 128
    assert layout.most_cores(t5sym.load("t5-3b")) == 32


def test_check_cores_accepts_one_and_divisors_only() -> None:
    config = t5sym.load("t5-3b")
    assert layout.check_cores(config, 1) == 1 and layout.check_cores(config, 32) == 32
    with pytest.raises(T5SymError, match="^cores: 64 does not divide num_heads = 32; use a"):
        layout.check_cores(config, 64)


def test_ring_bytes_on_one_core_is_zero() -> None:
    assert layout.ring_bytes(4096).subs(t5sym.model.symbols.cores, 1) == 0
