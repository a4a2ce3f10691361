"""Parameter formulas of every part of a T5 model, composed as transformers builds it.

Each part is one function returning a SymPy expression; blocks, stacks and the model are
`t5sym.model.nodes.Node` trees of those parts, named as in transformers'
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

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from types import MappingProxyType

from sympy import Add, Expr, Mul, Symbol

from t5sym.errors import NodeError
from t5sym.model import checks, gemma
from t5sym.model.algebra import tidy
from t5sym.model.config import Config, checked_config
from t5sym.model.nodes import Node, Tree, group, placed, weight
from t5sym.model.result import Result
from t5sym.model.roles import Role
from t5sym.model.symbols import (
    d_ff,
    d_kv,
    d_model,
    num_buckets,
    num_decoder_layers,
    num_experts,
    num_heads,
    num_labels,
    num_layers,
    num_sparse_decoder_layers,
    num_sparse_encoder_layers,
    vocab_size,
)

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


@dataclass(frozen=True)
class Structure:
    """What decides a tree's shape (not its sizes): one tree is built per structure.

    ``bias``: where self-attention keeps its relative position bias (``"block0"``, shared
    by the stack as in T5; ``"every"`` layer as in UMT5). ``encoder_attention``: the
    encoder's self-attention module (``"full"``; LongT5's ``"local"`` or
    ``"transient-global"``). ``sparse``: Switch's sparse feed-forward layers.
    ``own_embeddings``: each stack's ``embed_tokens`` is a matrix of its own (Switch with
    ``tie_word_embeddings`` false: transformers 5.x ties ``_tied_weights_keys`` only when
    it is true, and ``SwitchTransformersConfig``, unlike ``T5Config``, does not force it).
    """

    head: str = "ForConditionalGeneration"
    gated: bool = False
    tied: bool = True
    bias: str = "block0"
    encoder_attention: str = "full"
    sparse: bool = False
    router_bias: bool = False
    own_embeddings: bool = False

    @classmethod
    def of(cls, config: Config) -> Structure:
        """The structure of a config's model."""
        return cls(
            head=config.head,
            gated=config.is_gated,
            tied=config.lm_head_tied,
            bias="every" if config.model_type == "umt5" else "block0",
            encoder_attention=config.encoder_attention_type
            if config.model_type == "longt5"
            else "full",
            sparse=config.model_type == "switch_transformers",
            router_bias=config.router_bias and config.model_type == "switch_transformers",
            own_embeddings=config.model_type == "switch_transformers"
            and not config.tie_word_embeddings,
        )

    @property
    def has_decoder(self) -> bool:
        """False for ``EncoderModel`` and ``ForTokenClassification``."""
        return self.head not in ("EncoderModel", "ForTokenClassification")


#: The encoder's self-attention module name and role, by `Structure.encoder_attention`.
ENCODER_ATTENTION_MODULE = {
    "full": ("SelfAttention", Role.SELF_ATTENTION),
    "local": ("LocalSelfAttention", Role.LOCAL_ATTENTION),
    "transient-global": ("TransientGlobalSelfAttention", Role.GLOBAL_ATTENTION),
}


def attention(prefix: str, repeat: Expr, role: Role, bias: str | None = None) -> Node:
    """``T5Attention``: q, k, v (d_model → num_heads·d_kv) and o (back), ``repeat`` times.

    ``bias="block0"``: block 0 also holds the relative position bias shared by the stack;
    ``"every"``: each block holds its own (UMT5); ``"global"``: LongT5's transient-global
    attention, which adds a global bias (block 0) and a ``global_input_layer_norm``
    (every block).
    """
    index = prefix.split(".")
    block0 = ".".join([*index[:2], "0", *index[3:]])
    inner = inner_dim()
    parts = [
        weight(f"{prefix}.q", linear(d_model, inner), "linear", repeat, "query", role=Role.Q),
        weight(f"{prefix}.k", linear(d_model, inner), "linear", repeat, "key", role=Role.K),
        weight(f"{prefix}.v", linear(d_model, inner), "linear", repeat, "value", role=Role.V),
        weight(f"{prefix}.o", linear(inner, d_model), "linear", repeat, "output", role=Role.O),
    ]
    if bias == "every":
        parts.append(
            weight(
                f"{prefix}.relative_attention_bias",
                relative_attention_bias(),
                "embedding",
                repeat,
                "relative position bias, one per block",
                role=Role.RELATIVE_BIAS,
            )
        )
    elif bias in ("block0", "global"):
        parts.append(
            weight(
                f"{block0}.relative_attention_bias",
                relative_attention_bias(),
                "embedding",
                1,
                "relative position bias, block 0 only, shared by all blocks",
                role=Role.RELATIVE_BIAS,
            )
        )
    if bias == "global":
        parts += [
            weight(
                f"{block0}.global_relative_attention_bias",
                relative_attention_bias(),
                "embedding",
                1,
                "global-token position bias, block 0 only",
                role=Role.GLOBAL_RELATIVE_BIAS,
            ),
            weight(
                f"{prefix}.global_input_layer_norm",
                rms_norm(),
                "norm",
                repeat,
                "RMSNorm of the global token summaries",
                role=Role.NORM,
            ),
        ]
    return group(prefix, *parts, role=role, doc="multi-head attention")


def feed_forward(prefix: str, repeat: Expr, gated: bool) -> Node:
    """``DenseReluDense``: wi (d_model → d_ff), or wi_0 and wi_1 when gated, then wo (back)."""
    wi = (Role.WI_0, Role.WI_1) if gated else (Role.WI,)
    return group(
        prefix,
        *(
            weight(f"{prefix}.{w}", linear(d_model, d_ff), "linear", repeat, "input", role=w)
            for w in wi
        ),
        weight(f"{prefix}.wo", linear(d_ff, d_model), "linear", repeat, "output", role=Role.WO),
        role=Role.FFN,
        doc="gated feed-forward" if gated else "feed-forward",
    )


def sparse_mlp(prefix: str, layers: Expr, sparse: Expr, router_bias: bool) -> Node:
    """Switch's ``mlp``: in dense blocks wi and wo; in sparse ones a router and E experts.

    ``router.classifier``: ``Linear(d_model, num_experts)`` (a bias when ``router_bias``);
    ``experts.expert_*``: num_experts non-gated wi/wo pairs per sparse block.
    """
    # built unevaluated: SymPy's first evaluated sum in a process imports its tensor module
    # (about 40 ms), which no other count needs; the value is the same
    dense = Add(layers, -sparse, evaluate=False)
    expert = f"{prefix}.experts.expert_*"
    experts = sparse * num_experts
    classifier = f"{prefix}.router.classifier"
    return group(
        prefix,
        weight(f"{prefix}.wi", linear(d_model, d_ff), "linear", dense, "input", role=Role.WI),
        weight(f"{prefix}.wo", linear(d_ff, d_model), "linear", dense, "output", role=Role.WO),
        group(
            f"{prefix}.router",
            dense_with_bias(classifier, d_model, num_experts, "router", Role.LINEAR, sparse)
            if router_bias
            else weight(
                classifier,
                linear(d_model, num_experts),
                "linear",
                sparse,
                "router logits",
                role=Role.WEIGHT,
            ),
            role=Role.ROUTER,
            doc="top-1 router",
        ),
        group(
            f"{prefix}.experts",
            weight(f"{expert}.wi", linear(d_model, d_ff), "linear", experts, "in", role=Role.WI),
            weight(f"{expert}.wo", linear(d_ff, d_model), "linear", experts, "out", role=Role.WO),
            role=Role.EXPERTS,
            doc="experts, each a feed-forward layer",
        ),
        role=Role.FFN,
        doc="feed-forward: dense, or routed to one of num_experts experts",
    )


def norm(name: str, repeat: Expr) -> Node:
    """A ``T5LayerNorm`` before a sublayer (or at the end of a stack), ``repeat`` times."""
    return weight(name, rms_norm(), "norm", repeat, "RMSNorm scale", role=Role.NORM)


def _ffn(b: str, layer: int, L: Expr, sparse: Expr, s: Structure) -> Node:
    if s.sparse:
        return sparse_mlp(f"{b}.layer.{layer}.mlp", L, sparse, s.router_bias)
    return feed_forward(f"{b}.layer.{layer}.DenseReluDense", L, s.gated)


def encoder(s: Structure) -> Node:
    """``T5Stack`` encoder: num_layers × (self-attention, FFN), each with its RMSNorm."""
    L, b = num_layers, "encoder.block.*"
    module, role = ENCODER_ATTENTION_MODULE[s.encoder_attention]
    bias = "global" if s.encoder_attention == "transient-global" else s.bias
    return group(
        "encoder",
        embed_tokens("encoder") if s.own_embeddings else None,
        group(
            b,
            group(
                f"{b}.layer.0",
                attention(f"{b}.layer.0.{module}", L, role, bias),
                norm(f"{b}.layer.0.layer_norm", L),
                role=Role.SUBLAYER,
                doc="self-attention sublayer",
            ),
            group(
                f"{b}.layer.1",
                _ffn(b, 1, L, num_sparse_encoder_layers, s),
                norm(f"{b}.layer.1.layer_norm", L),
                role=Role.SUBLAYER,
                doc="feed-forward sublayer",
            ),
            role=Role.BLOCK,
            doc="encoder blocks",
        ),
        norm("encoder.final_layer_norm", 1),
        role=Role.ENCODER,
        doc="encoder stack",
    )


def decoder(s: Structure) -> Node:
    """``T5Stack`` decoder: num_decoder_layers × (self-attention, cross-attention, FFN)."""
    L, b = num_decoder_layers, "decoder.block.*"
    return group(
        "decoder",
        embed_tokens("decoder") if s.own_embeddings else None,
        group(
            b,
            group(
                f"{b}.layer.0",
                attention(f"{b}.layer.0.SelfAttention", L, Role.SELF_ATTENTION, s.bias),
                norm(f"{b}.layer.0.layer_norm", L),
                role=Role.SUBLAYER,
                doc="causal self-attention sublayer",
            ),
            group(
                f"{b}.layer.1",
                attention(f"{b}.layer.1.EncDecAttention", L, Role.CROSS_ATTENTION),
                norm(f"{b}.layer.1.layer_norm", L),
                role=Role.SUBLAYER,
                doc="cross-attention sublayer",
            ),
            group(
                f"{b}.layer.2",
                _ffn(b, 2, L, num_sparse_decoder_layers, s),
                norm(f"{b}.layer.2.layer_norm", L),
                role=Role.SUBLAYER,
                doc="feed-forward sublayer",
            ),
            role=Role.BLOCK,
            doc="decoder blocks",
        ),
        norm("decoder.final_layer_norm", 1),
        role=Role.DECODER,
        doc="decoder stack",
    )


def shared() -> Node:
    """``shared``: the token embedding, used by encoder and decoder input (and tied lm_head)."""
    return weight(
        "shared",
        embedding(vocab_size, d_model),
        "embedding",
        1,
        "token embedding",
        role=Role.EMBEDDING,
    )


def embed_tokens(stack: str) -> Node:
    """``<stack>.embed_tokens``: a stack's own token embedding, when not tied to ``shared``."""
    return weight(
        f"{stack}.embed_tokens",
        embedding(vocab_size, d_model),
        "embedding",
        1,
        "",
        role=Role.EMBEDDING,
    )


def lm_head() -> Node:
    """``lm_head``: ``Linear(d_model, vocab_size)``, its own matrix only when untied."""
    return weight(
        "lm_head",
        linear(d_model, vocab_size),
        "linear",
        1,
        "projection to vocab",
        role=Role.LM_HEAD,
    )


def dense_with_bias(
    name: str, n_in: Expr, n_out: Expr, doc: str, role: Role, repeat: Expr = 1
) -> Node:
    """``nn.Linear(n_in, n_out)`` with its bias: weight (n_out, n_in) and bias (n_out,)."""
    return group(
        name,
        weight(f"{name}.weight", linear(n_in, n_out), "linear", repeat, doc, role=Role.WEIGHT),
        weight(f"{name}.bias", (n_out,), "bias", repeat, "bias", role=Role.BIAS),
        role=role,
        doc=doc,
    )


def head_parts(head: str) -> list[Node]:
    """The layers a head adds after the stacks (classification heads have biases)."""
    if head == "ForSequenceClassification":
        seq = "classification_head"
        return [
            group(
                seq,
                dense_with_bias(
                    "classification_head.dense", d_model, d_model, "dense", Role.LINEAR
                ),
                dense_with_bias(
                    "classification_head.out_proj", d_model, num_labels, "out", Role.LINEAR
                ),
                role=Role.SEQUENCE_CLASSIFIER,
                doc="classification head on the last EOS token",
            )
        ]
    if head == "ForTokenClassification":
        return [dense_with_bias("classifier", d_model, num_labels, "tokens", Role.TOKEN_CLASSIFIER)]
    if head == "ForQuestionAnswering":
        return [dense_with_bias("qa_outputs", d_model, num_labels, "spans", Role.QA_HEAD)]
    return []


def prefixed(node: Node, prefix: str) -> Node:
    """``node`` with ``prefix`` before every name (``transformer.`` for a wrapped model)."""
    return replace(
        node,
        name=prefix + node.name,
        children=tuple(prefixed(c, prefix) for c in node.children),
    )


@cache
def model_tree(s: Structure) -> Tree:
    """The tree of one structure: stacks, then lm_head (untied) or a head's layers.

    ``ForSequenceClassification`` and ``ForTokenClassification`` wrap the model as
    ``transformer`` (a ``*Model`` and an ``*EncoderModel``), so their stack names start
    with ``transformer.``.
    """
    stacks = [shared(), encoder(s)]
    if s.has_decoder:
        stacks.append(decoder(s))
    if s.head == "ForConditionalGeneration" and not s.tied:
        stacks.append(lm_head())
    if s.head in ("ForSequenceClassification", "ForTokenClassification"):
        wrapped = prefixed(group("", *stacks, role=Role.WRAPPED), "transformer.")
        stacks = [replace(wrapped, name="transformer", doc="the wrapped model")]
    return Tree(placed(group("", *stacks, *head_parts(s.head), role=Role.MODEL)))


def seq2seq_tree(gated: bool, tied: bool) -> Tree:
    """``T5ForConditionalGeneration``: shared + encoder + decoder (+ lm_head when untied)."""
    return model_tree(Structure(gated=gated, tied=tied))


def encoder_tree(gated: bool) -> Tree:
    """``T5EncoderModel``: shared + encoder."""
    return model_tree(Structure(head="EncoderModel", gated=gated))


def tree(
    config: Config | None = None,
    *,
    encoder_only: bool = False,
    gated: bool | None = None,
    tied: bool | None = None,
) -> Tree:
    """The breakdown tree for a config's structure: model type, head, gated FFN, tied lm_head.

    Trees are built once per `Structure` and cached; without a config, T5 v1.0's
    ``T5ForConditionalGeneration`` (ReLU, tied).
    """
    if isinstance(config, gemma.GemmaConfig):  # hook: T5Gemma's own tree (t5sym.model.gemma)
        if gated is not None or tied is not None:
            raise NodeError("gated, tied: T5Gemma's structure comes from its config only")
        return gemma.tree(config, encoder_only=encoder_only)
    return model_tree(structure(config, encoder_only=encoder_only, gated=gated, tied=tied))


def structure(
    config: Config | None = None,
    *,
    encoder_only: bool = False,
    gated: bool | None = None,
    tied: bool | None = None,
) -> Structure:
    """The `Structure` of a config's model (v1.0's without one), with the overrides given.

    ``encoder_only``: the model's ``EncoderModel`` whatever head the config names.
    """
    s = Structure.of(checked_config(config)) if config is not None else Structure()
    if gated is not None:
        s = replace(s, gated=gated)
    if tied is not None:
        s = replace(s, tied=tied)
    if encoder_only:
        s = replace(s, head="EncoderModel")
    return s


# ---------------------------------------------------------------------------------------
# One config's model, built once and passed to the views.


@dataclass(frozen=True)
class Model:
    """A config's model: what decides its shape (`Structure`), its dims' values and its
    parameter tree (named as transformers' modules, every node with its role).

    Built once per config by `build` (cached); the views take its structure, values and
    tree from here rather than re-deriving them.
    """

    config: Config
    structure: Structure
    values: Mapping[Symbol, int]

    @property
    def tree(self) -> Tree:
        """The parameter tree of this structure (built once per structure)."""
        return model_tree(self.structure)

    @property
    def has_decoder(self) -> bool:
        """False for an ``EncoderModel`` or a token classifier."""
        return self.structure.has_decoder


@lru_cache(maxsize=1024)
def _build(config: Config, encoder_only: bool) -> Model:
    s = structure(config, encoder_only=encoder_only)
    return Model(config, s, MappingProxyType(config.values()))


def build(config: Config, *, encoder_only: bool = False) -> Model:
    """The `Model` of a config (its ``*EncoderModel`` with ``encoder_only``), checked once.

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.model.params import build
    >>> model = build(t5sym.load("t5-small"))
    >>> model.structure.head, model.tree.total.subs(model.values)
    ('ForConditionalGeneration', 60506624)
    """
    return _build(checked_config(config), checks.boolean("encoder_only", encoder_only))


# ---------------------------------------------------------------------------------------
# Exact counts.


@dataclass(frozen=True)
class Count(Result):
    """Exact parameter counts of one config: the class it names and its encoder alone.

    ``breakdown`` maps every node of `tree` (the config's head) to its count and
    ``encoder_only_breakdown`` every node of the ``*EncoderModel`` tree (key ``""``: the
    total). ``active_total`` (Switch only): what one token passes through under top-1
    routing, one expert per sparse layer.
    """

    config: Config
    breakdown: dict[str, int]
    encoder_only_breakdown: dict[str, int]
    active_total: int | None = None

    DETAILS = ("breakdown", "encoder_only_breakdown")

    @property
    def FIELDS(self) -> tuple[str, ...]:  # noqa: N802 - the Result protocol's name
        """The reported attributes (``active_total`` for Switch only)."""
        fields = ("name", "model", "total", "encoder_only_total")
        return fields + (("active_total",) if self.active_total is not None else ()) + ("config",)

    @property
    def name(self) -> str | None:
        """The config's name (a preset, or the file it was read from)."""
        return self.config.name

    @property
    def total(self) -> int:
        """The class the config names: unique parameters (a tied lm_head counted once)."""
        return self.breakdown[""]

    @property
    def encoder_only_total(self) -> int:
        """``*EncoderModel``: shared embedding + encoder stack."""
        return self.encoder_only_breakdown[""]

    @property
    def model(self) -> str:
        """The transformers class counted, e.g. ``T5ForConditionalGeneration``."""
        return self.config.model


def active_tree(tree: Tree) -> Tree:
    """Parameters one token passes through under top-1 routing: each experts leaf / E."""
    experts = Role.EXPERTS
    return tree.view(lambda leaf: _per_expert(leaf.expr) if leaf.within(experts) else leaf.expr)


def _per_expert(expr: Expr) -> Expr:
    """``expr / num_experts`` for an experts leaf, whose count has E as a plain factor.

    Dropping the factor, not dividing: SymPy would sum E's exponents, and its first
    evaluated sum in a process imports its tensor module (about 40 ms a count never needs).
    """
    factors = list(Mul.make_args(expr))
    factors.remove(num_experts)  # a ValueError if E is no plain factor
    return Mul(*factors)


@cache
def _active_tree(s: Structure) -> Tree:
    return active_tree(model_tree(s))


def count(config: Config) -> Count:
    """Evaluate every node of the config's trees exactly.

    Examples
    --------
    >>> import t5sym
    >>> t5sym.count(t5sym.load("t5-small")).total
    60506624
    """
    if isinstance(config, gemma.GemmaConfig):  # hook: T5Gemma's own tree (t5sym.model.gemma)
        return Count(config, *gemma.evaluate(config))  # type: ignore[arg-type]
    model, encoder = build(config), build(config, encoder_only=True)
    active = None
    if config.model_type == "switch_transformers":
        active = _active_tree(model.structure).evaluate(model.values)[""]
    return Count(
        config,
        model.tree.evaluate(model.values),
        encoder.tree.evaluate(model.values),
        active,
    )


def formula(
    config: Config | None = None, node: str | None = None, *, encoder_only: bool = False
) -> Expr:
    """The formula of the total (or of ``node``) for a config's structure, tidied for reading.

    Gated or plain FFN, tied or untied lm_head come from the config; equal depths are
    written with ``num_layers`` alone (`t5sym.model.algebra.tidy`). Without a config: T5 v1.0's
    structure with separate encoder and decoder depths.

    Examples
    --------
    >>> import t5sym
    >>> t5sym.formula(node="encoder.block.*.layer.1.DenseReluDense")
    2*d_ff*d_model*num_layers
    """
    if isinstance(config, gemma.GemmaConfig):  # hook: T5Gemma's own tree (t5sym.model.gemma)
        return gemma.formula(config, node, encoder_only=encoder_only)
    s = structure(config, encoder_only=encoder_only)
    t = model_tree(s)
    expr = t.total if node is None else _node(t, s, checks.node_name(node)).expr
    equal = config is not None and config.num_decoder_layers == config.num_layers
    return tidy(expr, equal_depths=equal)


def _node(t: Tree, s: Structure, name: str) -> Node:
    """The node ``name`` of ``t``; a tied ``lm_head`` is refused with what it is tied to."""
    if name not in t.nodes and s.tied and s.head == "ForConditionalGeneration":
        untied = model_tree(replace(s, tied=False))
        if name in untied.nodes and untied.nodes[name].role is Role.LM_HEAD:
            why = (
                "LongT5 always ties it"
                if s.encoder_attention != "full"
                else ("tie_word_embeddings is true")
            )
            raise NodeError(
                f"node: {name} is tied to shared in this model ({why}): it holds no "
                f"parameters of its own; its count is shared's, --node shared"
            )
    return t[name]
