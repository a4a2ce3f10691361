"""Preset dimensions against the gin files the checkpoints were trained with (typed here)."""

from __future__ import annotations

import pytest

import t5sym

FIELDS = ("d_model", "d_ff", "num_heads", "d_kv", "num_layers", "num_decoder_layers")

#: text-to-text-transfer-transformer t5/models/gin/models/bi_v1*.gin (v1.0: ReLU, tied)
V1_0 = {
    "t5-small": (512, 2048, 8, 64, 6, 6),
    "t5-base": (768, 3072, 12, 64, 12, 12),
    "t5-large": (1024, 4096, 16, 64, 24, 24),
    "t5-3b": (1024, 16384, 32, 128, 24, 24),
    "t5-11b": (1024, 65536, 128, 128, 24, 24),
}
#: t5.1.1.*.gin (v1.1: gated-GELU, untied); Flan-T5 uses the same shapes (t5x docs/models.md)
V1_1 = {
    "small": (512, 1024, 6, 64, 8, 8),
    "base": (768, 2048, 12, 64, 12, 12),
    "large": (1024, 2816, 16, 64, 24, 24),
    "xl": (2048, 5120, 32, 64, 24, 24),
    "xxl": (4096, 10240, 64, 64, 24, 24),
}
#: t5x t5x/examples/t5/byt5/*.gin (encoder 3× deeper than the decoder)
BYT5 = {
    "byt5-small": (1472, 3584, 6, 64, 12, 4),
    "byt5-base": (1536, 3968, 12, 64, 18, 6),
    "byt5-large": (1536, 3840, 16, 64, 36, 12),
    "byt5-xl": (2560, 6720, 32, 64, 36, 12),
    "byt5-xxl": (4672, 12352, 64, 64, 36, 12),
}


def dims(name: str) -> tuple[int, ...]:
    c = t5sym.load(name)
    decoder = c.num_decoder_layers or c.num_layers
    return (c.d_model, c.d_ff, c.num_heads, c.d_kv, c.num_layers, decoder)


@pytest.mark.parametrize("name", V1_0)
def test_v1_0(name: str) -> None:
    c = t5sym.load(name)
    assert dims(name) == V1_0[name]
    assert (c.vocab_size, c.feed_forward_proj, c.tie_word_embeddings) == (32128, "relu", True)


@pytest.mark.parametrize("size", V1_1)
@pytest.mark.parametrize("family", ["t5-v1_1", "flan-t5", "mt5"])
def test_v1_1_flan_and_mt5(family: str, size: str) -> None:
    name = f"{family}-{size}"
    c = t5sym.load(name)
    assert dims(name) == V1_1[size]
    assert (c.feed_forward_proj, c.tie_word_embeddings) == ("gated-gelu", False)
    assert c.vocab_size == (250112 if family == "mt5" else 32128)


@pytest.mark.parametrize("name", BYT5)
def test_byt5(name: str) -> None:
    c = t5sym.load(name)
    assert dims(name) == BYT5[name]
    assert (c.vocab_size, c.feed_forward_proj, c.tie_word_embeddings) == (384, "gated-gelu", False)


def test_ul2() -> None:
    c = t5sym.load("ul2")
    assert dims("ul2") == (4096, 16384, 16, 256, 32, 32)
    assert (c.vocab_size, c.feed_forward_proj, c.tie_word_embeddings) == (
        32128,
        "gated-silu",
        False,
    )


def test_every_preset_is_checked_here() -> None:
    checked = {*V1_0, *BYT5, "ul2"} | {
        f"{f}-{s}" for f in ("t5-v1_1", "flan-t5", "mt5") for s in V1_1
    }
    assert set(t5sym.PRESETS) == checked
