"""T5Gemma: Google's encoder–decoder Gemma 2, its config and its tree of parts with roles.

transformers' ``T5GemmaConfig`` nests one ``T5GemmaModuleConfig`` per stack (``encoder``,
``decoder``), each a Gemma 2 with its own widths: grouped-query attention
(``num_key_value_heads`` key and value heads of ``head_dim``, which need not be
``hidden_size / num_attention_heads``), an RMSNorm before *and after* every sublayer, a GeGLU
feed-forward layer, ``layer_types`` mixing sliding-window and full attention. Each stack has
its own token embedding; ``lm_head`` ties to the decoder's when ``tie_word_embeddings``.

Parts (names as in ``modeling_t5gemma.py``), per layer of a stack of width d, GQA widths
q = num_attention_heads·head_dim and kv = num_key_value_heads·head_dim:

| part | parameters | role |
|---|---|---|
| ``embed_tokens`` | vocab_size·d | embedding |
| ``self_attn.q_proj`` / ``o_proj`` | d·q each | q / o |
| ``self_attn.k_proj`` / ``v_proj`` | d·kv each | k / v |
| ``cross_attn.*`` (decoder) | as self_attn, k and v reading the encoder's width | q k v o |
| ``mlp.gate_proj`` / ``up_proj`` / ``down_proj`` | d·intermediate_size each | wi_0 wi_1 wo |
| ``pre_*_layernorm`` / ``post_*_layernorm`` | d each | norm / post-sublayer norm |
| ``norm`` (end of stack) | d | norm |

Examples
--------
>>> import t5sym
>>> from t5sym.model import gemma
>>> config = t5sym.load("t5gemma-2b-2b")
>>> gemma.evaluate(config)[0][""]
5596853760
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import sympy
from sympy import Expr, Symbol

from t5sym.errors import ConfigError, NodeError
from t5sym.model.checks import activation, class_names, positive_int, shown, shown_path, text
from t5sym.model.nodes import Node, Tree, group, placed, weight
from t5sym.model.roles import Role
from t5sym.model.symbols import (
    GEMMA,
    GEMMA_FIELDS,
    SLIDING_CACHE,
    SLIDING_LAYERS,
    WINDOW_REACH,
    num_labels,
)

#: The model types of this module (T5Gemma 2, ``t5gemma2``, is `t5sym.model.gemma2`).
MODEL_TYPES = ("t5gemma",)

#: Model types of the family that are recognised but not counted, with the reason.
REFUSED_TYPES: dict[str, str] = {}

#: The heads transformers 5 defines for T5Gemma, in its ``__all__`` order.
HEADS = (
    "ForConditionalGeneration",
    "Model",
    "EncoderModel",
    "ForSequenceClassification",
    "ForTokenClassification",
)

#: The class-name prefix (``T5GemmaForConditionalGeneration``).
CLASS_PREFIX = "T5Gemma"

#: ``layer_types`` T5Gemma's layers can run (its forward has a mask for these two only).
LAYER_TYPES = ("sliding_attention", "full_attention")

#: ``T5GemmaModuleConfig``'s defaults (transformers 5.x): the Gemma 2 2B stack.
STACK_DEFAULTS: dict[str, Any] = {
    "vocab_size": 256000,
    "hidden_size": 2304,
    "intermediate_size": 9216,
    "num_hidden_layers": 26,
    "num_attention_heads": 8,
    "num_key_value_heads": 4,
    "head_dim": 256,
    "attention_bias": False,
    "hidden_activation": "gelu_pytorch_tanh",
    "sliding_window": 4096,
    "layer_types": None,
}


@dataclass(frozen=True)
class Stack:
    """One stack's ``T5GemmaModuleConfig``: the fields that decide its parameters and caches.

    ``layer_types`` None is transformers' default: sliding-window attention in layers 0, 2,
    4, ... and full attention in the others (kept as None, so a stack of any depth is
    described without listing its layers).
    """

    vocab_size: int = STACK_DEFAULTS["vocab_size"]
    hidden_size: int = STACK_DEFAULTS["hidden_size"]
    intermediate_size: int = STACK_DEFAULTS["intermediate_size"]
    num_hidden_layers: int = STACK_DEFAULTS["num_hidden_layers"]
    num_attention_heads: int = STACK_DEFAULTS["num_attention_heads"]
    num_key_value_heads: int = STACK_DEFAULTS["num_key_value_heads"]
    head_dim: int = STACK_DEFAULTS["head_dim"]
    attention_bias: bool = False
    hidden_activation: str = STACK_DEFAULTS["hidden_activation"]
    sliding_window: int | None = STACK_DEFAULTS["sliding_window"]
    layer_types: tuple[str, ...] | None = None

    def checked(self, stack: str) -> Stack:
        """This stack validated as ``T5GemmaModuleConfig`` validates it (``stack`` names the
        fields in messages: ``encoder.hidden_size``), or a one-line `ConfigError`."""
        values = {
            f: positive_int(f"{stack}.{f}", getattr(self, f), ConfigError) for f in GEMMA_FIELDS
        }
        if values["hidden_size"] % values["num_attention_heads"]:
            raise ConfigError(
                f"{stack}.hidden_size: {values['hidden_size']} is not a multiple of "
                f"{stack}.num_attention_heads ({values['num_attention_heads']}), as "
                "transformers requires"
            )
        if values["head_dim"] % 2:
            raise ConfigError(
                f"{stack}.head_dim: {values['head_dim']} is odd; RoPE rotates pairs of a head's "
                "dimensions, and transformers refuses an odd one"
            )
        if not isinstance(self.attention_bias, bool):
            raise ConfigError(
                f"{stack}.attention_bias: must be true or false, got {shown(self.attention_bias)}"
            )
        act = text(f"{stack}.hidden_activation", self.hidden_activation, "a string", ConfigError)
        activation(f"{stack}.hidden_activation", act, ConfigError)
        window = self.sliding_window
        if window is not None:
            window = positive_int(f"{stack}.sliding_window", window, ConfigError)
        return replace(
            self, **values, sliding_window=window, layer_types=self._layer_types(stack, values)
        )

    def _layer_types(self, stack: str, values: dict[str, int]) -> tuple[str, ...] | None:
        kinds = self.layer_types
        if kinds is None:
            return None
        if not isinstance(kinds, (list, tuple)) or not all(isinstance(k, str) for k in kinds):
            raise ConfigError(f"{stack}.layer_types: must be a list of strings, got {shown(kinds)}")
        bad = [k for k in kinds if k not in LAYER_TYPES]
        if bad:
            raise ConfigError(
                f"{stack}.layer_types: {shown(bad[0])} is not a T5Gemma layer type; its layers "
                f"are {' or '.join(LAYER_TYPES)}"
            )
        if len(kinds) != values["num_hidden_layers"]:
            raise ConfigError(
                f"{stack}.layer_types: {len(kinds)} entries, but {stack}.num_hidden_layers is "
                f"{values['num_hidden_layers']} (transformers requires one per layer)"
            )
        kinds = tuple(kinds)
        return None if kinds == _default_types(len(kinds)) else kinds

    def sliding_layers(self) -> int:
        """Layers with sliding-window attention (layers 0, 2, 4, ... by default)."""
        if self.layer_types is None:
            return (self.num_hidden_layers + 1) // 2
        return self.layer_types.count("sliding_attention")

    def to_dict(self) -> dict[str, Any]:
        out = {f: getattr(self, f) for f in GEMMA_FIELDS}
        out |= {"attention_bias": self.attention_bias, "hidden_activation": self.hidden_activation}
        out |= {"sliding_window": self.sliding_window, "sliding_layers": self.sliding_layers()}
        if self.layer_types is not None:
            out["layer_types"] = list(self.layer_types)
        return out


# The sliding windows' symbols: `t5sym.model.symbols.SLIDING_LAYERS`, `WINDOW_REACH`,
# `SLIDING_CACHE` (each with its LaTeX and meaning).


def window_values(
    config: GemmaConfig, encoder_length: int, decoder_length: int
) -> dict[Symbol, int]:
    """`SLIDING_LAYERS` and `WINDOW_REACH` of a config and workload (lengths S and T)."""
    config = checked(config)
    out: dict[Symbol, int] = {}
    for name, reach in (("encoder", encoder_length - 1), ("decoder", decoder_length)):
        s = getattr(config, name)
        out[SLIDING_LAYERS[name]] = s.sliding_layers()
        window = reach if s.sliding_window is None else s.sliding_window
        out[WINDOW_REACH[name]] = min(window, reach)
    window = config.decoder.sliding_window
    kept = decoder_length if window in (None, 1) else min(decoder_length, window - 1)
    return out | {SLIDING_CACHE: kept}


def _default_types(layers: int) -> tuple[str, ...]:
    """``T5GemmaModuleConfig``'s default ``layer_types`` for a few layers."""
    return tuple(LAYER_TYPES[i % 2] for i in range(layers))


@dataclass(frozen=True)
class GemmaConfig:
    """A T5Gemma architecture, as ``T5GemmaConfig`` reads it: two stacks and the head.

    ``head`` comes from ``architectures[0]`` (``ForConditionalGeneration`` without one).
    ``is_encoder_decoder`` decides what the classification heads wrap (a ``T5GemmaModel``,
    or a ``T5GemmaEncoderModel`` when false); ``T5GemmaModel`` requires it true and
    ``T5GemmaEncoderModel`` false, as transformers does.

    Examples
    --------
    >>> from t5sym.model.gemma import GemmaConfig, Stack
    >>> GemmaConfig(encoder=Stack(hidden_size=3584), decoder=Stack()).model
    'T5GemmaForConditionalGeneration'
    """

    encoder: Stack = Stack()
    decoder: Stack = Stack()
    tie_word_embeddings: bool = True
    is_encoder_decoder: bool = True
    num_labels: int = 2
    model_type: str = "t5gemma"
    architectures: tuple[str, ...] = field(default=(), compare=False)
    name: str | None = field(default=None, compare=False)
    source: str | None = field(default=None, compare=False)
    head: str = ""

    def __post_init__(self) -> None:
        if self.model_type not in MODEL_TYPES:
            raise ConfigError(
                f"model_type: {shown(self.model_type)} is not {', '.join(MODEL_TYPES)}"
            )
        for stack in ("encoder", "decoder"):
            value = getattr(self, stack)
            if not isinstance(value, Stack):
                raise ConfigError(f"{stack}: must be a t5sym.model.gemma.Stack, got {shown(value)}")
            object.__setattr__(self, stack, value.checked(stack))
        for key in ("tie_word_embeddings", "is_encoder_decoder"):
            if not isinstance(getattr(self, key), bool):
                raise ConfigError(f"{key}: must be true or false, got {shown(getattr(self, key))}")
        object.__setattr__(
            self, "num_labels", positive_int("num_labels", self.num_labels, ConfigError)
        )
        names = class_names("architectures", self.architectures, ConfigError)
        object.__setattr__(self, "architectures", names)
        head = self.head or head_of(self.architectures)
        if head not in HEADS:
            raise ConfigError(f"head: must be one of {', '.join(HEADS)}, got {shown(head)}")
        if head == "Model" and not self.is_encoder_decoder:
            raise ConfigError(
                "is_encoder_decoder: T5GemmaModel is encoder-decoder only and needs it true, "
                "got false (transformers refuses it; T5GemmaEncoderModel is the encoder)"
            )
        if head == "EncoderModel" and self.is_encoder_decoder:
            raise ConfigError(
                "is_encoder_decoder: T5GemmaEncoderModel needs it false, got true "
                '(transformers refuses it; set "is_encoder_decoder": false)'
            )
        object.__setattr__(self, "head", head)
        for key in ("name", "source"):
            if getattr(self, key) is not None:
                text(key, getattr(self, key), "a string or None", ConfigError)

    @property
    def model(self) -> str:
        """The transformers class counted, e.g. ``T5GemmaForConditionalGeneration``."""
        return CLASS_PREFIX + self.head

    @property
    def has_decoder(self) -> bool:
        """Whether the class counted builds the decoder (classification heads: when
        ``is_encoder_decoder``; ``ForConditionalGeneration`` always)."""
        if self.head == "ForConditionalGeneration":
            return True
        return self.head != "EncoderModel" and self.is_encoder_decoder

    @property
    def encoder_only(self) -> bool:
        """True for a model without decoder."""
        return not self.has_decoder

    @property
    def lm_head_tied(self) -> bool:
        """Whether ``lm_head.out_proj`` is the decoder's ``embed_tokens`` matrix."""
        return self.tie_word_embeddings

    def breakdown_tree(self, encoder_only: bool = False) -> Tree:
        """The tree of the class this config names (or of its encoder alone)."""
        return model_tree(Structure.of(self, encoder_only=encoder_only))

    def depth_symbols(self) -> tuple[Symbol, ...]:
        """The depth symbols a formula is collected by (`DEPTHS`)."""
        return DEPTHS

    def values(self) -> dict[Symbol, int]:
        """The value of every T5Gemma symbol (`t5sym.model.symbols.GEMMA`) for this config."""
        out: dict[Symbol, int] = {num_labels: self.num_labels}
        for stack in ("encoder", "decoder"):
            for f in GEMMA_FIELDS:
                out[GEMMA[stack, f]] = getattr(getattr(self, stack), f)
        for f in GEMMA_FIELDS:
            if out[GEMMA["encoder", f]] == out[GEMMA["decoder", f]]:
                out[GEMMA["", f]] = out[GEMMA["encoder", f]]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict, with ``model`` (the class)."""
        out: dict[str, Any] = {"model": self.model, "model_type": self.model_type}
        out |= {"encoder": self.encoder.to_dict(), "decoder": self.decoder.to_dict()}
        out |= {"tie_word_embeddings": self.tie_word_embeddings}
        out |= {"is_encoder_decoder": self.is_encoder_decoder}
        if self.head in ("ForSequenceClassification", "ForTokenClassification"):
            out["num_labels"] = self.num_labels
        return out


def head_of(
    architectures: tuple[str, ...],
    prefix: str = CLASS_PREFIX,
    heads: tuple[str, ...] = HEADS,
    model_type: str = "t5gemma",
) -> str:
    """The head ``architectures[0]`` names among ``heads`` of the classes ``prefix…``
    (``ForConditionalGeneration`` without one); T5Gemma 2 passes its own."""
    if not architectures:
        return "ForConditionalGeneration"
    name = architectures[0]
    head = name[len(prefix) :] if name.startswith(prefix) else ""
    if head not in heads:
        known = ", ".join(prefix + h for h in heads)
        raise ConfigError(
            f"architectures: {shown(name)} is not a {model_type} model class; transformers "
            f"defines {known}"
        )
    return head


def describe(config: GemmaConfig) -> str:
    """Lines for ``t5sym count``: the name and type, then two per stack (80 columns).

    >>> import t5sym
    >>> from t5sym.model.gemma import describe
    >>> print(describe(t5sym.load("t5gemma-9b-2b")).splitlines()[1])
      encoder: hidden_size=3584 intermediate_size=14336 layers=42 (21 sliding)
    """
    c = checked(config)
    lines = [
        f"{shown_path(c.name) if c.name else 'config'} ({c.model_type}): "
        f"lm_head={'tied' if c.lm_head_tied else 'untied'}"
    ]
    for name in ("encoder", "decoder") if c.has_decoder else ("encoder",):
        s = getattr(c, name)
        lines.append(
            f"  {name}: hidden_size={s.hidden_size} intermediate_size={s.intermediate_size} "
            f"layers={s.num_hidden_layers} ({s.sliding_layers()} sliding)"
        )
        lines.append(
            f"    heads={s.num_attention_heads} kv_heads={s.num_key_value_heads} "
            f"head_dim={s.head_dim} vocab_size={s.vocab_size}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Reading a config.json as transformers' T5GemmaConfig reads it.


def from_fields(
    data: Mapping[str, Any], *, name: str | None = None, source: str | None = None
) -> GemmaConfig:
    """A `GemmaConfig` from a ``config.json``'s fields, as ``T5GemmaConfig`` reads them.

    ``encoder`` and ``decoder`` are each a ``T5GemmaModuleConfig`` (missing or null: all its
    defaults, the Gemma 2 2B stack; a missing decoder is *not* a copy of the encoder); keys
    t5sym does not use are ignored, and a stack has no aliases (``d_model`` is not read).
    ``num_labels`` wins over the length of ``id2label``, as in transformers 5.

    Raises
    ------
    ConfigError
        One line naming the field (``decoder.head_dim``) and the problem.
    """
    model_type = data.get("model_type", "t5gemma")
    if model_type in REFUSED_TYPES:
        raise ConfigError(f"model_type: {REFUSED_TYPES[model_type]}")
    stacks = {s: _stack(s, data.get(s)) for s in ("encoder", "decoder")}
    labels = data.get("num_labels")
    if labels is None and data.get("id2label") is not None:
        if not isinstance(data["id2label"], (dict, list)):
            raise ConfigError(
                f"id2label: must be an object of labels, got {shown(data['id2label'])}"
            )
        labels = len(data["id2label"])
    return GemmaConfig(
        **stacks,
        tie_word_embeddings=data.get("tie_word_embeddings", True),
        is_encoder_decoder=data.get("is_encoder_decoder", True),
        num_labels=2 if labels is None else labels,
        model_type=model_type,
        architectures=data.get("architectures"),
        name=name,
        source=source,
    )


def _stack(stack: str, data: Any) -> Stack:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{stack}: must be an object of T5GemmaModuleConfig fields, got {shown(data)}"
        )
    return Stack(**{k: data[k] for k in STACK_DEFAULTS if k in data})


# ---------------------------------------------------------------------------------------
# The tree: parts with their roles, names as in modeling_t5gemma.py.


@dataclass(frozen=True)
class Structure:
    """What decides the tree's shape: the head, what it wraps, tying and biases."""

    head: str = "ForConditionalGeneration"
    decoder: bool = True
    tied: bool = True
    encoder_bias: bool = False
    decoder_bias: bool = False

    @classmethod
    def of(cls, config: GemmaConfig, *, encoder_only: bool = False) -> Structure:
        head = "EncoderModel" if encoder_only else config.head
        return cls(
            head=head,
            decoder=config.has_decoder and not encoder_only,
            tied=config.lm_head_tied,
            encoder_bias=config.encoder.attention_bias,
            decoder_bias=config.decoder.attention_bias,
        )


def _d(stack: str, f: str) -> Symbol:
    return GEMMA[stack, f]


def projection(name: str, n_in: Expr, n_out: Expr, L: Expr, role: Role, bias: bool) -> Node:
    """``nn.Linear(n_in, n_out, bias=bias)`` in L layers: a leaf, or a group with its bias."""
    if not bias:
        return weight(name, (n_out, n_in), "linear", L, role.value, role=role)
    return group(
        name,
        weight(f"{name}.weight", (n_out, n_in), "linear", L, role.value, role=Role.WEIGHT),
        weight(f"{name}.bias", (n_out,), "bias", L, "bias", role=Role.BIAS),
        role=role,
        doc=role.value,
    )


def attention(prefix: str, stack: str, role: Role, bias: bool) -> Node:
    """``T5GemmaSelfAttention`` / ``T5GemmaCrossAttention``: grouped-query attention.

    q and o are num_attention_heads·head_dim wide, k and v num_key_value_heads·head_dim;
    cross-attention's k and v read the encoder's output (its ``hidden_size``).
    """
    d, L = _d(stack, "hidden_size"), _d(stack, "num_hidden_layers")
    q = _d(stack, "num_attention_heads") * _d(stack, "head_dim")
    kv = _d(stack, "num_key_value_heads") * _d(stack, "head_dim")
    source = _d("encoder", "hidden_size") if role is Role.CROSS_ATTENTION else d
    return group(
        prefix,
        projection(f"{prefix}.q_proj", d, q, L, Role.Q, bias),
        projection(f"{prefix}.k_proj", source, kv, L, Role.K, bias),
        projection(f"{prefix}.v_proj", source, kv, L, Role.V, bias),
        projection(f"{prefix}.o_proj", q, d, L, Role.O, bias),
        role=role,
        doc="grouped-query attention",
    )


def mlp(prefix: str, stack: str) -> Node:
    """``T5GemmaMLP``: GeGLU, down(act(gate(x)) · up(x)); gate, up, down are T5's gated
    wi_0, wi_1 and wo."""
    d, L, ff = (
        _d(stack, "hidden_size"),
        _d(stack, "num_hidden_layers"),
        _d(stack, "intermediate_size"),
    )
    return group(
        prefix,
        weight(f"{prefix}.gate_proj", (ff, d), "linear", L, "gate", role=Role.WI_0),
        weight(f"{prefix}.up_proj", (ff, d), "linear", L, "up", role=Role.WI_1),
        weight(f"{prefix}.down_proj", (d, ff), "linear", L, "down", role=Role.WO),
        role=Role.FFN,
        doc="GeGLU feed-forward",
    )


def _norm(name: str, stack: str, repeat: Expr, role: Role = Role.NORM) -> Node:
    doc = "RMSNorm of the sublayer's output" if role is Role.POST_NORM else "RMSNorm scale"
    return weight(name, (_d(stack, "hidden_size"),), "norm", repeat, doc, role=role)


def stack_node(prefix: str, stack: str, s: Structure) -> Node:
    """``T5GemmaEncoder`` / ``T5GemmaDecoder``: embed_tokens, layers, the final norm."""
    b, L = f"{prefix}.layers.*", _d(stack, "num_hidden_layers")
    bias = s.encoder_bias if stack == "encoder" else s.decoder_bias
    parts = [
        attention(f"{b}.self_attn", stack, Role.SELF_ATTENTION, bias),
        _norm(f"{b}.pre_self_attn_layernorm", stack, L),
        _norm(f"{b}.post_self_attn_layernorm", stack, L, Role.POST_NORM),
    ]
    if stack == "decoder":
        parts += [
            attention(f"{b}.cross_attn", stack, Role.CROSS_ATTENTION, bias),
            _norm(f"{b}.pre_cross_attn_layernorm", stack, L),
            _norm(f"{b}.post_cross_attn_layernorm", stack, L, Role.POST_NORM),
        ]
    parts += [
        mlp(f"{b}.mlp", stack),
        _norm(f"{b}.pre_feedforward_layernorm", stack, L),
        _norm(f"{b}.post_feedforward_layernorm", stack, L, Role.POST_NORM),
    ]
    return group(
        prefix,
        weight(
            f"{prefix}.embed_tokens",
            (_d(stack, "vocab_size"), _d(stack, "hidden_size")),
            "embedding",
            1,
            "token embedding of the stack",
            role=Role.EMBEDDING,
        ),
        group(b, *parts, role=Role.BLOCK, doc=f"{stack} layers"),
        _norm(f"{prefix}.norm", stack, 1),
        role=Role.ENCODER if stack == "encoder" else Role.DECODER,
        doc=f"{stack} stack",
    )


def lm_head() -> Node:
    """``lm_head.out_proj``: decoder hidden_size → decoder vocab_size, no bias (its own matrix
    when untied; tied, the product is still computed, `t5sym.views.flops`)."""
    vocab, width = _d("decoder", "vocab_size"), _d("decoder", "hidden_size")
    return group(
        "lm_head",
        weight("lm_head.out_proj", (vocab, width), "linear", 1, "logits", role=Role.WEIGHT),
        role=Role.LM_HEAD,
        doc="projection to the decoder's vocabulary",
    )


@cache
def model_tree(s: Structure) -> Tree:
    """The tree of one structure: the stacks (under ``model.`` when a head wraps them),
    then ``lm_head`` (untied) or a classification head's ``score``."""
    wrapped = s.head not in ("Model", "EncoderModel")
    prefix = "model." if wrapped else ""
    stacks = [stack_node(f"{prefix}encoder", "encoder", s)]
    if s.decoder:
        stacks.append(stack_node(f"{prefix}decoder", "decoder", s))
    parts: list[Node] = stacks
    if wrapped:
        parts = [group("model", *stacks, role=Role.WRAPPED, doc="the wrapped T5GemmaModel")]
    width = _d("decoder" if s.decoder else "encoder", "hidden_size")
    if s.head == "ForConditionalGeneration" and not s.tied:
        parts.append(lm_head())
    if s.head in ("ForSequenceClassification", "ForTokenClassification"):
        role = (
            Role.SEQUENCE_CLASSIFIER
            if s.head == "ForSequenceClassification"
            else (Role.TOKEN_CLASSIFIER)
        )
        parts.append(
            group(
                "score",
                projection("score.out_proj", width, num_labels, 1, Role.LINEAR, True),
                role=role,
                doc="classification head",
            )
        )
    return Tree(placed(group("", *parts, role=Role.MODEL)))


def tree(config: GemmaConfig, *, encoder_only: bool = False) -> Tree:
    """The breakdown tree of the class the config names (or of its encoder alone); T5Gemma 2
    (`t5sym.model.gemma2`) builds its own."""
    return checked(config).breakdown_tree(encoder_only)


def modelled(config: Any, what: str) -> GemmaConfig:
    """``config`` if ``what`` (a view) is modelled for it: T5Gemma, not T5Gemma 2."""
    config = checked(config)
    if config.model_type != "t5gemma":
        raise ConfigError(
            f"model_type: {config.model_type}: {what} is modelled for t5gemma only; T5Gemma 2 "
            "has count, formula, FLOPs on text, caches, weight formats and training memory "
            "(its vision tower is not mapped by the other views)"
        )
    return config


def checked(value: Any) -> GemmaConfig:
    """``value`` if it is a `GemmaConfig`, else a one-line error."""
    if not isinstance(value, GemmaConfig):
        raise ConfigError(
            f"config: expected a t5sym.model.gemma.GemmaConfig, e.g. t5sym.load('t5gemma-2b-2b'), "
            f"got {shown(value)}"
        )
    return value


def check_runnable(config: GemmaConfig, *, decoder: bool = True) -> None:
    """Refuse, in one line, a config transformers builds but cannot run forward.

    Its attention repeats each key-value head num_attention_heads / num_key_value_heads
    times (``repeat_kv``), which needs a whole number; a sliding-window layer needs
    ``sliding_window`` (the mask refuses null).
    """
    for name in ("encoder", "decoder") if decoder else ("encoder",):
        s = getattr(checked(config), name)
        if s.num_attention_heads % s.num_key_value_heads:
            raise ConfigError(
                f"{name}.num_key_value_heads: {s.num_key_value_heads} does not divide "
                f"{name}.num_attention_heads ({s.num_attention_heads}); transformers' attention "
                "cannot share the key-value heads among the query heads"
            )
        if s.sliding_window is None and s.sliding_layers():
            raise ConfigError(
                f"{name}.sliding_window: null, but {s.sliding_layers()} layers are "
                "sliding_attention; transformers cannot mask them without a window"
            )


def evaluate(config: GemmaConfig) -> tuple[dict[str, int], dict[str, int]]:
    """Exact counts of every node: of the class the config names, and of its encoder alone
    (``T5GemmaEncoderModel``: embed_tokens, layers, norm). Key ``""``: the total."""
    values = checked(config).values()
    return tree(config).evaluate(values), tree(config, encoder_only=True).evaluate(values)


#: The depth symbols a formula is collected by.
DEPTHS = tuple(GEMMA[s, "num_hidden_layers"] for s in ("", "encoder", "decoder"))


def formula(config: GemmaConfig, node: str | None = None, *, encoder_only: bool = False) -> Expr:
    """The formula of the total (or of ``node``), a field both stacks share written once.

    A field whose encoder and decoder values are equal is written without the stack
    (``hidden_size`` for ``encoder_hidden_size`` and ``decoder_hidden_size``); terms are
    collected per depth symbol.

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.model import gemma
    >>> gemma.formula(t5sym.load("t5gemma-2b-2b"), "model.encoder.layers.*.mlp")
    3*hidden_size*intermediate_size*num_hidden_layers
    """
    config = checked(config)
    t = tree(config, encoder_only=encoder_only)
    if node is None:
        expr = t.total
    else:
        text("node", node, "a module name (a string) such as 'lm_head'", NodeError)
        if node not in t.nodes and node.startswith("lm_head") and config.lm_head_tied:
            raise NodeError(
                f"node: {node} is tied to the decoder's embed_tokens in this model "
                "(tie_word_embeddings is true): it holds no parameters of its own"
            )
        expr = t[node].expr
    values = config.values()
    shared = {
        GEMMA[stack, f]: GEMMA["", f]
        for f in GEMMA_FIELDS
        for stack in ("encoder", "decoder")
        if GEMMA["", f] in values
    }
    return _collected(expr.xreplace(shared), config.depth_symbols())


def _collected(expr: Expr, depths: tuple[Symbol, ...]) -> Expr:
    """``expr`` with its terms collected per depth symbol, each coefficient factored."""
    expanded = sympy.expand(expr)
    parts = sympy.collect(
        expanded, [d for d in depths if d in expanded.free_symbols], evaluate=False
    )
    return sympy.Add(*(sympy.factor(c) * k for k, c in parts.items()))
