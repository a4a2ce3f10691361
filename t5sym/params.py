"""Parameter formulas of every part of a T5 model, composed as transformers builds it.

Each part is one function returning a SymPy expression; blocks, stacks and the model are
`t5sym.tree.Node` trees of those parts, named as in transformers'
``modeling_t5.py``. Totals are sums of the parts, never typed.

| part (transformers module) | parameters |
|---|---|
| ``shared``: ``Embedding(vocab_size, d_model)`` | vocab_size·d_model |
| ``q``, ``k``, ``v``: ``Linear(d_model, num_heads·d_kv)`` | d_model·num_heads·d_kv each |
| ``o``: ``Linear(num_heads·d_kv, d_model)`` | num_heads·d_kv·d_model |
| ``relative_attention_bias`` (block 0 only) | num_buckets·num_heads |
| ``wi`` (or ``wi_0`` and ``wi_1``), ``wo`` | d_model·d_ff each |
| ``layer_norm`` (RMSNorm, scale only) | d_model |
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sympy import Expr

from . import checks
from .algebra import tidy
from .config import Config
from .result import Result
from .symbols import (
    d_ff,
    d_kv,
    d_model,
    num_buckets,
    num_decoder_layers,
    num_heads,
    num_layers,
    vocab_size,
)
from .tree import Node, Tree, group, weight

# ---------------------------------------------------------------------------------------
# Parts: one module each, the formula for ONE instance.


#: A weight's shape in torch's order, each dimension a formula.
Dims = tuple[Expr, ...]


def linear(n_in: Expr, n_out: Expr) -> Dims:
    """``nn.Linear(n_in, n_out, bias=False)``: a weight (n_out, n_in), n_in·n_out parameters.

    T5 has no biases anywhere.
    """
    return (n_out, n_in)


def embedding(num: Expr, dim: Expr) -> Dims:
    """``nn.Embedding(num, dim)``: a table (num, dim), num·dim parameters."""
    return (num, dim)


def rms_norm() -> Dims:
    """``T5LayerNorm`` (RMSNorm): a scale of d_model, no bias, no mean."""
    return (d_model,)


def inner_dim() -> Expr:
    """Width of q, k and v: num_heads·d_kv. T5 does not require it to equal d_model."""
    return num_heads * d_kv


def relative_attention_bias() -> Dims:
    """``Embedding(relative_attention_num_buckets, num_heads)``: a bias per bucket and head."""
    return embedding(num_buckets, num_heads)


# ---------------------------------------------------------------------------------------
# Composition: blocks -> stacks -> model, names as in transformers' named_parameters().


def attention(prefix: str, repeat: Expr, with_bias: bool = False) -> Node:
    """``T5Attention``: q, k, v (d_model → num_heads·d_kv) and o (back), ``repeat`` times.

    Block 0's self-attention also holds the relative position bias shared by the stack.
    """
    index = prefix.split(".")
    block0 = ".".join([*index[:2], "0", *index[3:]])
    inner = inner_dim()
    return group(
        prefix,
        weight(f"{prefix}.q", linear(d_model, inner), "linear", repeat, "query projection"),
        weight(f"{prefix}.k", linear(d_model, inner), "linear", repeat, "key projection"),
        weight(f"{prefix}.v", linear(d_model, inner), "linear", repeat, "value projection"),
        weight(f"{prefix}.o", linear(inner, d_model), "linear", repeat, "output projection"),
        weight(
            f"{block0}.relative_attention_bias",
            relative_attention_bias(),
            "embedding",
            1,
            "relative position bias, block 0 only, shared by all blocks",
        )
        if with_bias
        else None,
        doc="multi-head attention",
    )


def feed_forward(prefix: str, repeat: Expr, gated: bool) -> Node:
    """``DenseReluDense``: wi (d_model → d_ff), or wi_0 and wi_1 when gated, then wo (back)."""
    wi = ("wi_0", "wi_1") if gated else ("wi",)
    return group(
        prefix,
        *(weight(f"{prefix}.{w}", linear(d_model, d_ff), "linear", repeat, "input") for w in wi),
        weight(f"{prefix}.wo", linear(d_ff, d_model), "linear", repeat, "output projection"),
        doc="gated feed-forward" if gated else "feed-forward",
    )


def norm(name: str, repeat: Expr) -> Node:
    """A ``T5LayerNorm`` before a sublayer (or at the end of a stack), ``repeat`` times."""
    return weight(name, rms_norm(), "norm", repeat, "RMSNorm scale")


def encoder(gated: bool) -> Node:
    """``T5Stack`` encoder: num_layers × (self-attention, FFN), each with its RMSNorm."""
    L, b = num_layers, "encoder.block.*"
    return group(
        "encoder",
        group(
            b,
            group(
                f"{b}.layer.0",
                attention(f"{b}.layer.0.SelfAttention", L, with_bias=True),
                norm(f"{b}.layer.0.layer_norm", L),
                doc="self-attention sublayer",
            ),
            group(
                f"{b}.layer.1",
                feed_forward(f"{b}.layer.1.DenseReluDense", L, gated),
                norm(f"{b}.layer.1.layer_norm", L),
                doc="feed-forward sublayer",
            ),
            doc="encoder blocks",
        ),
        norm("encoder.final_layer_norm", 1),
        doc="encoder stack",
    )


def decoder(gated: bool) -> Node:
    """``T5Stack`` decoder: num_decoder_layers × (self-attention, cross-attention, FFN)."""
    L, b = num_decoder_layers, "decoder.block.*"
    return group(
        "decoder",
        group(
            b,
            group(
                f"{b}.layer.0",
                attention(f"{b}.layer.0.SelfAttention", L, with_bias=True),
                norm(f"{b}.layer.0.layer_norm", L),
                doc="causal self-attention sublayer",
            ),
            group(
                f"{b}.layer.1",
                attention(f"{b}.layer.1.EncDecAttention", L),
                norm(f"{b}.layer.1.layer_norm", L),
                doc="cross-attention sublayer",
            ),
            group(
                f"{b}.layer.2",
                feed_forward(f"{b}.layer.2.DenseReluDense", L, gated),
                norm(f"{b}.layer.2.layer_norm", L),
                doc="feed-forward sublayer",
            ),
            doc="decoder blocks",
        ),
        norm("decoder.final_layer_norm", 1),
        doc="decoder stack",
    )


def shared() -> Node:
    """``shared``: the token embedding, used by encoder and decoder input (and tied lm_head)."""
    return weight("shared", embedding(vocab_size, d_model), "embedding", 1, "token embedding")


def lm_head() -> Node:
    """``lm_head``: ``Linear(d_model, vocab_size)``, its own matrix only when untied."""
    return weight("lm_head", linear(d_model, vocab_size), "linear", 1, "projection to vocab")


def seq2seq_tree(gated: bool, tied: bool) -> Tree:
    """``T5ForConditionalGeneration``: shared + encoder + decoder (+ lm_head when untied)."""
    return Tree(group("", shared(), encoder(gated), decoder(gated), None if tied else lm_head()))


def encoder_tree(gated: bool) -> Tree:
    """``T5EncoderModel``: shared + encoder."""
    return Tree(group("", shared(), encoder(gated)))


@cache
def _tree(encoder_only: bool, gated: bool, tied: bool) -> Tree:
    return encoder_tree(gated) if encoder_only else seq2seq_tree(gated, tied)


def tree(
    config: Config | None = None,
    *,
    encoder_only: bool = False,
    gated: bool | None = None,
    tied: bool | None = None,
) -> Tree:
    """The breakdown tree for a config's structure (gated FFN or not, tied lm_head or not).

    Trees are built once per structure and cached; without a config, v1.0's (ReLU, tied).
    """
    if config is not None:
        checks.config(config)
    gated = gated if gated is not None else bool(config and config.is_gated)
    tied = tied if tied is not None else (config.tie_word_embeddings if config else True)
    return _tree(encoder_only, gated, tied or encoder_only)


# ---------------------------------------------------------------------------------------
# Exact counts.


@dataclass(frozen=True)
class Count(Result):
    """Exact parameter counts of one config, for the seq2seq and encoder-only models.

    ``breakdown`` and ``encoder_only_breakdown`` map every node of `tree` to its count
    (key ``""``: the total).
    """

    config: Config
    breakdown: dict[str, int]
    encoder_only_breakdown: dict[str, int]

    FIELDS = ("name", "model", "total", "encoder_only_total", "config")
    DETAILS = ("breakdown", "encoder_only_breakdown")

    @property
    def name(self) -> str | None:
        """The config's name (a preset, or the file it was read from)."""
        return self.config.name

    @property
    def total(self) -> int:
        """``T5ForConditionalGeneration``: unique parameters (a tied lm_head counted once)."""
        return self.breakdown[""]

    @property
    def encoder_only_total(self) -> int:
        """``T5EncoderModel``: shared embedding + encoder stack."""
        return self.encoder_only_breakdown[""]

    @property
    def model(self) -> str:
        """The class the config describes: ``T5EncoderModel`` or ``T5ForConditionalGeneration``."""
        return "T5EncoderModel" if self.config.encoder_only else "T5ForConditionalGeneration"

    @property
    def headline(self) -> int:
        """The total of the model the config describes."""
        return self.encoder_only_total if self.config.encoder_only else self.total


def count(config: Config) -> Count:
    """Evaluate every node of the config's trees exactly.

    Examples
    --------
    >>> import t5sym
    >>> t5sym.count(t5sym.load("t5-small")).total
    60506624
    """
    values = checks.config(config).values()
    return Count(
        config,
        tree(config).evaluate(values),
        tree(config, encoder_only=True).evaluate(values),
    )


def formula(
    config: Config | None = None, node: str | None = None, *, encoder_only: bool = False
) -> Expr:
    """The formula of the total (or of ``node``) for a config's structure, tidied for reading.

    Gated or plain FFN, tied or untied lm_head come from the config; equal depths are
    written with ``num_layers`` alone (`t5sym.algebra.tidy`). Without a config: T5 v1.0's
    structure with separate encoder and decoder depths.

    Examples
    --------
    >>> import t5sym
    >>> t5sym.formula(node="encoder.block.*.layer.1.DenseReluDense")
    2*d_ff*d_model*num_layers
    """
    t = tree(config, encoder_only=encoder_only)
    expr = t.total if node is None else t[checks.node_name(node)].expr
    equal = config is not None and config.num_decoder_layers == config.num_layers
    return tidy(expr, equal_depths=equal)
