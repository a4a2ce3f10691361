"""The independent reference: transformers' own modules, built on the meta device.

Only tests and benchmarks import this; t5sym itself never imports torch or transformers.
"""

from __future__ import annotations

import re

import torch
from hypothesis import strategies as st
from transformers import (
    MT5Config,
    MT5EncoderModel,
    MT5ForConditionalGeneration,
    T5Config,
    T5EncoderModel,
    T5ForConditionalGeneration,
)

from t5sym import Config


def hf_config(c: Config):
    """The transformers config for a t5sym config."""
    cls = MT5Config if c.model_type == "mt5" else T5Config
    return cls(
        d_model=c.d_model,
        d_ff=c.d_ff,
        num_heads=c.num_heads,
        d_kv=c.d_kv,
        num_layers=c.num_layers,
        num_decoder_layers=c.num_decoder_layers,
        vocab_size=c.vocab_size,
        relative_attention_num_buckets=c.relative_attention_num_buckets,
        feed_forward_proj=c.feed_forward_proj,
        tie_word_embeddings=c.tie_word_embeddings,
    )


def build(c: Config, encoder_only: bool = False) -> torch.nn.Module:
    """transformers' model for ``c`` on the meta device (no weights allocated).

    transformers 5.x ties ``lm_head`` to ``shared`` in a freshly built model whatever the
    config says; ``from_pretrained`` unties it when the checkpoint holds its own lm_head
    (``PreTrainedModel.tie_weights``). An untied config gets its own lm_head here, as
    the released v1.1 / mT5 / ByT5 / UL2 checkpoints have.
    """
    if c.model_type == "mt5":
        cls = MT5EncoderModel if encoder_only else MT5ForConditionalGeneration
    else:
        cls = T5EncoderModel if encoder_only else T5ForConditionalGeneration
    with torch.device("meta"):
        model = cls(hf_config(c))
        if not encoder_only and not c.tie_word_embeddings:
            model.lm_head.weight = torch.nn.Parameter(torch.empty(c.vocab_size, c.d_model))
    return model


def numel_by_name(model: torch.nn.Module) -> dict[str, int]:
    """Unique parameters (shared tensors once, as ``named_parameters()`` gives them)."""
    return {name: p.numel() for name, p in model.named_parameters()}


def node_pattern(node: str) -> re.Pattern[str]:
    """A t5sym node name as a prefix pattern over parameter names (``*``: any block)."""
    return re.compile("^" + re.escape(node).replace(r"\*", r"\d+") + r"(\.|$)")


def sum_matching(numels: dict[str, int], node: str) -> int:
    pattern = node_pattern(node)
    return sum(n for name, n in numels.items() if pattern.match(name))


def configs(min_buckets: int = 1) -> st.SearchStrategy[Config]:
    """Generated configs: odd sizes, heads·d_kv ≠ d_model, unequal depths, gated and plain
    FFN, tied and untied, t5 and mt5, other bucket counts (a forward pass needs ≥ 4:
    transformers' bucketing divides by zero below that)."""
    return st.builds(
        Config,
        d_model=st.integers(1, 97),
        d_ff=st.integers(1, 131),
        num_heads=st.integers(1, 9),
        d_kv=st.integers(1, 17),
        num_layers=st.integers(1, 3),
        num_decoder_layers=st.one_of(st.none(), st.integers(1, 3)),
        vocab_size=st.integers(1, 300),
        relative_attention_num_buckets=st.integers(min_buckets, 64),
        feed_forward_proj=st.sampled_from(["relu", "gelu", "gated-gelu", "gated-silu", "silu"]),
        tie_word_embeddings=st.booleans(),
        model_type=st.sampled_from(["t5", "mt5"]),
    )
