"""The independent reference: transformers' own modules, built on the meta device.

Only tests and benchmarks import this; t5sym itself never imports torch or transformers.
"""

from __future__ import annotations

import functools
import re

import torch
import transformers
from hypothesis import strategies as st
from transformers import AutoConfig

from t5sym import Config

#: transformers' config class of each model type.
CONFIG_CLASS = {
    "t5": "T5Config",
    "mt5": "MT5Config",
    "umt5": "UMT5Config",
    "longt5": "LongT5Config",
    "switch_transformers": "SwitchTransformersConfig",
}


def hf_config(c: Config):
    """The transformers config for a t5sym config (its model type's own class)."""
    fields = dict(
        d_model=c.d_model,
        d_ff=c.d_ff,
        num_heads=c.num_heads,
        d_kv=c.d_kv,
        num_layers=c.num_layers,
        num_decoder_layers=c.num_decoder_layers,
        vocab_size=c.vocab_size,
        relative_attention_num_buckets=c.relative_attention_num_buckets,
        tie_word_embeddings=c.tie_word_embeddings,
        num_labels=c.num_labels,
    )
    if c.model_type == "switch_transformers":
        fields |= dict(
            dense_act_fn=c.feed_forward_proj,
            num_experts=c.num_experts,
            num_sparse_encoder_layers=c.num_sparse_encoder_layers,
            num_sparse_decoder_layers=c.num_sparse_decoder_layers,
            router_bias=c.router_bias,
            expert_capacity=c.expert_capacity,
            router_jitter_noise=c.router_jitter_noise,
        )
    else:
        fields["feed_forward_proj"] = c.feed_forward_proj
    if c.model_type == "longt5":
        fields |= dict(
            encoder_attention_type=c.encoder_attention_type,
            local_radius=c.local_radius,
            global_block_size=c.global_block_size,
        )
    return getattr(transformers, CONFIG_CLASS[c.model_type])(**fields)


def instantiate(cls, hf, untied: bool, device: str = "meta") -> torch.nn.Module:
    """``cls(hf)`` on ``device``; an untied lm_head gets its own Parameter.

    transformers 5.x ties ``lm_head`` to ``shared`` in a freshly built model whatever the
    config says; ``from_pretrained`` unties it when the checkpoint holds its own lm_head
    (``PreTrainedModel.tie_weights``), as the released v1.1 / mT5 / ByT5 / UL2 do.
    """
    with torch.device(device):
        model = cls(hf)
        if untied and hasattr(model, "lm_head"):
            weight = model.lm_head.weight
            model.lm_head.weight = torch.nn.Parameter(torch.empty_like(weight))
    return model


def build(c: Config, encoder_only: bool = False, device: str = "meta") -> torch.nn.Module:
    """transformers' model of the class ``c`` names (or its EncoderModel) on ``device``."""
    prefix = c.model[: -len(c.head)]
    cls = getattr(transformers, prefix + ("EncoderModel" if encoder_only else c.head))
    return instantiate(cls, hf_config(c), not c.lm_head_tied, device)


@functools.cache
def cached_build(c: Config, encoder_only: bool = False) -> torch.nn.Module:
    """`build` on the meta device, once per config (Switch-C takes minutes to build).

    Only for counting: the model returned is shared, so do not change it.
    """
    return build(c, encoder_only)


#: transformers' class-name prefix of each model type (``UMT5ForConditionalGeneration``).
PREFIX = {"t5": "T5", "mt5": "MT5", "umt5": "UMT5", "longt5": "LongT5",
          "switch_transformers": "SwitchTransformers"}  # fmt: skip


def training_model(c: Config, dtype: torch.dtype, attention: str, dropout: float):
    """A real ``*ForConditionalGeneration`` of ``c`` on CPU for a training forward: seeded,
    in ``dtype``, with ``attention`` and ``dropout_rate``; decoder start and pad ids 0."""
    cfg = hf_config(c)
    cfg._attn_implementation, cfg.dropout_rate = attention, dropout
    cfg.decoder_start_token_id = cfg.pad_token_id = 0
    torch.manual_seed(0)
    return getattr(transformers, PREFIX[c.model_type] + "ForConditionalGeneration")(cfg).to(dtype)


def build_from_folder(folder, config_json: dict) -> torch.nn.Module:
    """The model transformers loads for a config.json: AutoConfig, then its architecture."""
    hf = AutoConfig.from_pretrained(folder)
    archs = config_json.get("architectures") or []
    name = archs[0] if archs else PREFIX[hf.model_type] + "ForConditionalGeneration"
    untied = config_json.get("tie_word_embeddings") is False and hf.model_type != "longt5"
    return instantiate(getattr(transformers, name), hf, untied)


def numel_by_name(model: torch.nn.Module) -> dict[str, int]:
    """Unique parameters (shared tensors once, as ``named_parameters()`` gives them)."""
    return {name: p.numel() for name, p in model.named_parameters()}


def node_pattern(node: str) -> re.Pattern[str]:
    """A t5sym node name as a prefix pattern over parameter names (``*``: any index)."""
    return re.compile("^" + re.escape(node).replace(r"\*", r"\d+") + r"(\.|$)")


def sum_matching(numels: dict[str, int], node: str) -> int:
    pattern = node_pattern(node)
    return sum(n for name, n in numels.items() if pattern.match(name))


def configs(min_buckets: int = 1) -> st.SearchStrategy[Config]:
    """Generated T5/MT5 configs: odd sizes, heads·d_kv ≠ d_model, unequal depths, gated and
    plain FFN, tied and untied, other bucket counts (a forward pass needs ≥ 4:
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


HEADS = {
    "t5": ["ForConditionalGeneration", "Model", "EncoderModel", "ForSequenceClassification",
           "ForTokenClassification", "ForQuestionAnswering"],
    "longt5": ["ForConditionalGeneration", "Model", "EncoderModel"],
}  # fmt: skip
HEADS["mt5"] = HEADS["umt5"] = HEADS["t5"]
HEADS["switch_transformers"] = HEADS["longt5"]


@st.composite
def family_configs(draw, min_buckets: int = 1) -> Config:
    """Generated configs of every model type and head transformers defines for it."""
    model_type = draw(st.sampled_from(sorted(HEADS)))
    layers = draw(st.integers(1, 5))
    extra: dict = {}
    ffn = ["relu", "gelu", "gated-gelu", "gated-silu", "silu"]
    if model_type == "switch_transformers":
        ffn = ["relu", "gelu", "silu"]
        extra = dict(
            num_experts=draw(st.integers(1, 5)),
            num_sparse_encoder_layers=draw(st.integers(0, 6)),
            num_sparse_decoder_layers=draw(st.integers(0, 6)),
            router_bias=draw(st.booleans()),
        )
    if model_type == "longt5":
        extra = dict(encoder_attention_type=draw(st.sampled_from(["local", "transient-global"])))
    return Config(
        d_model=draw(st.integers(1, 64)),
        d_ff=draw(st.integers(1, 80)),
        num_heads=draw(st.integers(1, 6)),
        d_kv=draw(st.integers(1, 12)),
        num_layers=layers,
        num_decoder_layers=draw(st.one_of(st.none(), st.integers(1, 5))),
        vocab_size=draw(st.integers(1, 200)),
        relative_attention_num_buckets=draw(st.integers(min_buckets, 40)),
        feed_forward_proj=draw(st.sampled_from(ffn)),
        tie_word_embeddings=draw(st.booleans()),
        model_type=model_type,
        num_labels=draw(st.integers(1, 7)),
        head=draw(st.sampled_from(HEADS[model_type])),
        **extra,
    )
