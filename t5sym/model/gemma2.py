"""T5Gemma 2: the encoder–decoder Gemma 3, its config and its tree of parts with roles.

transformers' ``T5Gemma2Config`` nests an encoder (``T5Gemma2EncoderConfig``: a Gemma 3
``text_config`` and a SigLIP ``vision_config``) and a decoder (``T5Gemma2DecoderConfig``).
Against T5Gemma (`t5sym.model.gemma`), per layer: an RMSNorm over each head of q and of k
(``q_norm``, ``k_norm``, head_dim each), and the decoder's one ``self_attn`` merges self- and
cross-attention (its k and v project the decoder's tokens and the encoder's output alike),
so the decoder has no ``cross_attn``. Both stacks have one width and one vocabulary; the
decoder's embedding and ``lm_head`` are the encoder's when ``tie_word_embeddings``; each
embedding has an ``eoi_embedding`` row of its own. The encoder holds a SigLIP vision tower
(LayerNorms and Linears with biases, a patch convolution, learned positions, an optional
attention-pooling ``head``) and ``multi_modal_projector`` (a vision_hidden_size ×
hidden_size matrix after an RMSNorm).

Examples
--------
>>> import t5sym
>>> from t5sym.model import gemma
>>> config = t5sym.from_hf({"model_type": "t5gemma2"})
>>> gemma.evaluate(config)[0][""] - gemma.evaluate(config)[1][""]  # the decoder's own
2024531200
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import sympy
from sympy import Expr, Symbol

from t5sym.errors import ConfigError
from t5sym.model import gemma
from t5sym.model.checks import class_names, positive_int, shown, text
from t5sym.model.gemma import Stack
from t5sym.model.nodes import Node, Tree, group, placed, weight
from t5sym.model.roles import Role
from t5sym.model.symbols import GEMMA, VISION, num_labels

#: The model type of this module.
MODEL_TYPES = ("t5gemma2",)

#: The heads transformers 5 defines for T5Gemma 2 (``T5Gemma2Encoder``: the encoder alone).
HEADS = ("ForConditionalGeneration", "Model", "Encoder", "ForSequenceClassification",
         "ForTokenClassification")  # fmt: skip

#: The class-name prefix (``T5Gemma2ForConditionalGeneration``).
CLASS_PREFIX = "T5Gemma2"

#: ``T5Gemma2TextConfig`` / ``T5Gemma2DecoderConfig`` defaults (transformers 5.23).
TEXT_DEFAULTS: dict[str, Any] = {
    "vocab_size": 262208,
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

#: Without ``layer_types``: every ``SLIDING_PATTERN``-th layer full, the others sliding.
SLIDING_PATTERN = 6

#: ``SiglipVisionConfig`` defaults (transformers 5.23), the vision tower's fields read.
VISION_DEFAULTS: dict[str, Any] = {
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "num_channels": 3,
    "image_size": 224,
    "patch_size": 16,
    "vision_use_head": True,
}

#: The vision tower's integer fields (their symbols: `t5sym.model.symbols.VISION`).
VISION_FIELDS = tuple(k for k in VISION_DEFAULTS if k != "vision_use_head")


@dataclass(frozen=True)
class Vision:
    """The SigLIP vision tower's ``SiglipVisionConfig`` fields that decide its parameters."""

    hidden_size: int = VISION_DEFAULTS["hidden_size"]
    intermediate_size: int = VISION_DEFAULTS["intermediate_size"]
    num_hidden_layers: int = VISION_DEFAULTS["num_hidden_layers"]
    num_attention_heads: int = VISION_DEFAULTS["num_attention_heads"]
    num_channels: int = VISION_DEFAULTS["num_channels"]
    image_size: int = VISION_DEFAULTS["image_size"]
    patch_size: int = VISION_DEFAULTS["patch_size"]
    vision_use_head: bool = True

    def checked(self) -> Vision:
        """Validated as ``SiglipVisionConfig`` and ``SiglipAttention`` require, or one line."""
        where = "encoder.vision_config"
        values = {f: positive_int(f"{where}.{f}", getattr(self, f), ConfigError)
                  for f in VISION_FIELDS}  # fmt: skip
        if values["hidden_size"] % values["num_attention_heads"]:
            raise ConfigError(
                f"{where}.hidden_size: {values['hidden_size']} is not a multiple of "
                f"{where}.num_attention_heads ({values['num_attention_heads']}), as "
                "SiglipAttention requires"
            )
        if values["image_size"] < values["patch_size"]:
            raise ConfigError(
                f"{where}.image_size: {values['image_size']} is smaller than "
                f"{where}.patch_size ({values['patch_size']}): no patch fits"
            )
        if not isinstance(self.vision_use_head, bool):
            got = shown(self.vision_use_head)
            raise ConfigError(f"{where}.vision_use_head: must be true or false, got {got}")
        return replace(self, **values)


def default_layer_types(layers: int) -> tuple[str, ...]:
    """``T5Gemma2TextConfig``'s default: layer i full when (i + 1) is a multiple of 6."""
    return tuple(
        "full_attention" if (i + 1) % SLIDING_PATTERN == 0 else "sliding_attention"
        for i in range(layers)
    )


@dataclass(frozen=True)
class Gemma2Config(gemma.GemmaConfig):
    """A T5Gemma 2 architecture, as ``T5Gemma2Config`` reads it: the text stacks (Gemma 3
    widths, `t5sym.model.gemma.Stack`), the vision tower and the head.

    Examples
    --------
    >>> from t5sym.model.gemma2 import Gemma2Config
    >>> Gemma2Config(head="Encoder").model
    'T5Gemma2Encoder'
    """

    #: The head of the encoder alone (T5's and T5Gemma's: ``EncoderModel``).
    ENCODER_HEAD = "Encoder"

    vision: Vision = Vision()
    model_type: str = "t5gemma2"

    def __post_init__(self) -> None:
        if self.model_type not in MODEL_TYPES:
            raise ConfigError(f"model_type: {shown(self.model_type)} is not t5gemma2")
        for stack in ("encoder", "decoder"):
            value = getattr(self, stack)
            if not isinstance(value, Stack):
                raise ConfigError(f"{stack}: must be a t5sym.model.gemma.Stack, got {shown(value)}")
            where = "encoder.text_config" if stack == "encoder" else stack  # config.json's path
            object.__setattr__(self, stack, value.checked(where))
        for f in ("hidden_size", "vocab_size"):
            enc, dec = getattr(self.encoder, f), getattr(self.decoder, f)
            if enc != dec:
                raise ConfigError(
                    f"decoder.{f}: {dec}, but the encoder's is {enc}; T5Gemma2Config refuses "
                    "an unbalanced encoder-decoder"
                )
        if not isinstance(self.vision, Vision):
            raise ConfigError(
                f"vision: must be a t5sym.model.gemma2.Vision, got {shown(self.vision)}"
            )
        object.__setattr__(self, "vision", self.vision.checked())
        if not isinstance(self.tie_word_embeddings, bool):
            got = shown(self.tie_word_embeddings)
            raise ConfigError(f"tie_word_embeddings: must be true or false, got {got}")
        if self.is_encoder_decoder is not True:
            raise ConfigError(
                "is_encoder_decoder: T5Gemma2Config requires true (every T5Gemma 2 class but "
                f"the encoder is encoder-decoder), got {shown(self.is_encoder_decoder)}"
            )
        labels = positive_int("num_labels", self.num_labels, ConfigError)
        object.__setattr__(self, "num_labels", labels)
        names = class_names("architectures", self.architectures, ConfigError)
        object.__setattr__(self, "architectures", names)
        head = self.head or gemma.head_of(names, CLASS_PREFIX, HEADS, "t5gemma2")
        if head not in HEADS:
            raise ConfigError(f"head: must be one of {', '.join(HEADS)}, got {shown(head)}")
        object.__setattr__(self, "head", head)
        for key in ("name", "source"):
            if getattr(self, key) is not None:
                text(key, getattr(self, key), "a string or None", ConfigError)

    @property
    def model(self) -> str:
        """The transformers class counted, e.g. ``T5Gemma2ForConditionalGeneration``."""
        return CLASS_PREFIX + self.head

    @property
    def has_decoder(self) -> bool:
        """Every class but ``T5Gemma2Encoder`` builds the decoder."""
        return self.head != "Encoder"

    def breakdown_tree(self, encoder_only: bool = False) -> Tree:
        """The tree of the class this config names (or of ``T5Gemma2Encoder`` alone)."""
        head = "Encoder" if encoder_only else self.head
        biases = (self.encoder.attention_bias, self.decoder.attention_bias)
        tower_head = self.vision.vision_use_head
        return model_tree(Structure(head, self.tie_word_embeddings, *biases, tower_head))

    def depth_symbols(self) -> tuple[Symbol, ...]:
        """T5Gemma's depth symbols and the vision tower's layers."""
        return (*gemma.DEPTHS, VISION["num_hidden_layers"])

    def values(self) -> dict[Symbol, int]:
        """Every symbol's value: the stacks' (`t5sym.model.symbols.GEMMA`) and the tower's."""
        out = super().values()
        return out | {VISION[f]: getattr(self.vision, f) for f in VISION_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict, with ``model`` (the class)."""
        out = super().to_dict()
        out.pop("is_encoder_decoder", None)
        return out | {"vision": {**{f: getattr(self.vision, f) for f in VISION_FIELDS},
                                 "vision_use_head": self.vision.vision_use_head}}  # fmt: skip


# ---------------------------------------------------------------------------------------
# Reading a config.json as transformers' T5Gemma2Config reads it.


def from_fields(
    data: Mapping[str, Any], *, name: str | None = None, source: str | None = None
) -> Gemma2Config:
    """A `Gemma2Config` from a ``config.json``'s fields, as ``T5Gemma2Config`` reads them.

    ``encoder.text_config`` and ``decoder`` are Gemma 3 text stacks (missing: the defaults,
    `TEXT_DEFAULTS`; ``layer_types`` missing: `default_layer_types`), ``encoder.vision_config``
    a ``SiglipVisionConfig`` (`VISION_DEFAULTS`). One line naming the field otherwise.
    """
    encoder = _object("encoder", data.get("encoder"))
    stacks = {
        "encoder": _stack("encoder.text_config", _object("encoder.text_config",
                                                         encoder.get("text_config"))),
        "decoder": _stack("decoder", data.get("decoder")),
    }  # fmt: skip
    vision = _object("encoder.vision_config", encoder.get("vision_config"))
    labels = data.get("num_labels")
    if labels is None and isinstance(data.get("id2label"), (dict, list)):
        labels = len(data["id2label"])
    return Gemma2Config(
        **stacks,
        vision=Vision(**{k: vision[k] for k in VISION_DEFAULTS if k in vision}),
        tie_word_embeddings=data.get("tie_word_embeddings", True),
        is_encoder_decoder=data.get("is_encoder_decoder", True),
        num_labels=2 if labels is None else labels,
        architectures=data.get("architectures"),
        name=name,
        source=source,
    )


def _object(where: str, data: Any) -> Mapping[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: must be an object of config fields, got {shown(data)}")
    return data


def _stack(where: str, data: Any) -> Stack:
    """A Gemma 3 text stack: T5Gemma 2's defaults, ``layer_types`` from its depth."""
    data = _object(where, data)
    fields = {k: data.get(k, v) for k, v in TEXT_DEFAULTS.items()}
    layers = fields["num_hidden_layers"]
    if fields["layer_types"] is None and isinstance(layers, int) and layers > 0:
        fields["layer_types"] = default_layer_types(layers)
    return Stack(**fields)


# ---------------------------------------------------------------------------------------
# The tree: parts with their roles, names as in modeling_t5gemma2.py and modeling_siglip.py.


@dataclass(frozen=True)
class Structure:
    """What decides the tree's shape: the head, tying, biases, the vision tower's head."""

    head: str = "ForConditionalGeneration"
    tied: bool = True
    encoder_bias: bool = False
    decoder_bias: bool = False
    vision_head: bool = True


def _d(stack: str, f: str) -> Symbol:
    return GEMMA[stack, f]


def _linear(name: str, n_in: Expr, n_out: Expr, L: Expr, role: Role, bias: bool) -> Node:
    """``nn.Linear(n_in, n_out, bias=bias)`` in L layers (`t5sym.model.gemma.projection`)."""
    return gemma.projection(name, n_in, n_out, L, role, bias)


def _norm(name: str, width: Expr, repeat: Expr, role: Role = Role.NORM) -> Node:
    return weight(name, (width,), "norm", repeat, "RMSNorm scale", role=role)


def attention(prefix: str, stack: str, bias: bool) -> Node:
    """``T5Gemma2SelfAttention`` / ``T5Gemma2MergedAttention``: T5Gemma's grouped-query
    projections plus ``q_norm`` and ``k_norm`` (head_dim each). The decoder's merges self-
    and cross-attention: the same k and v read the encoder's output too."""
    d, L, hd = _d(stack, "hidden_size"), _d(stack, "num_hidden_layers"), _d(stack, "head_dim")
    q = _d(stack, "num_attention_heads") * hd
    kv = _d(stack, "num_key_value_heads") * hd
    return group(
        prefix,
        _linear(f"{prefix}.q_proj", d, q, L, Role.Q, bias),
        _linear(f"{prefix}.k_proj", d, kv, L, Role.K, bias),
        _linear(f"{prefix}.v_proj", d, kv, L, Role.V, bias),
        _linear(f"{prefix}.o_proj", q, d, L, Role.O, bias),
        _norm(f"{prefix}.q_norm", hd, L),
        _norm(f"{prefix}.k_norm", hd, L),
        role=Role.MERGED_ATTENTION if stack == "decoder" else Role.SELF_ATTENTION,
        doc="grouped-query attention" + (", merged with cross-attention" * (stack == "decoder")),
    )


def embedding(prefix: str, stack: str) -> Node:
    """``T5Gemma2TextScaledWordEmbedding``: the table and its ``eoi_embedding`` row."""
    d = _d(stack, "hidden_size")
    return group(
        prefix,
        weight(
            f"{prefix}.weight",
            (_d(stack, "vocab_size"), d),
            "embedding",
            1,
            "token table",
            role=Role.EMBEDDING,
        ),  # fmt: skip
        weight(
            f"{prefix}.eoi_embedding", (d,), "embedding", 1, "end-of-image row", role=Role.EMBEDDING
        ),  # fmt: skip
        role=Role.EMBEDDING,
        doc="token embedding of the stack",
    )


def text_stack(prefix: str, stack: str, s: Structure, *, embed: bool = True) -> Node:
    """A text stack: embed_tokens (unless tied away), layers, the final norm."""
    b, L, d = f"{prefix}.layers.*", _d(stack, "num_hidden_layers"), _d(stack, "hidden_size")
    bias = s.encoder_bias if stack == "encoder" else s.decoder_bias
    layer = group(
        b,
        attention(f"{b}.self_attn", stack, bias),
        _norm(f"{b}.pre_self_attn_layernorm", d, L),
        _norm(f"{b}.post_self_attn_layernorm", d, L, Role.POST_NORM),
        gemma.mlp(f"{b}.mlp", stack),
        _norm(f"{b}.pre_feedforward_layernorm", d, L),
        _norm(f"{b}.post_feedforward_layernorm", d, L, Role.POST_NORM),
        role=Role.BLOCK,
        doc=f"{stack} layers",
    )
    parts = [embedding(f"{prefix}.embed_tokens", stack) if embed else None, layer,
             _norm(f"{prefix}.norm", d, 1)]  # fmt: skip
    role = Role.ENCODER if stack == "encoder" else Role.DECODER
    return group(prefix, *parts, role=role, doc=f"{stack} text stack")


def _layer_norm(name: str, width: Expr, repeat: Expr) -> Node:
    """``nn.LayerNorm(width)``: a scale and a bias."""
    return group(
        name,
        weight(f"{name}.weight", (width,), "norm", repeat, "LayerNorm scale", role=Role.WEIGHT),
        weight(f"{name}.bias", (width,), "bias", repeat, "LayerNorm bias", role=Role.BIAS),
        role=Role.NORM,
        doc="LayerNorm",
    )


def _siglip_mlp(prefix: str, repeat: Expr) -> Node:
    """``SiglipMLP``: fc1 (wi) and fc2 (wo) with biases, GELU between."""
    h, i = VISION["hidden_size"], VISION["intermediate_size"]
    return group(
        prefix,
        _linear(f"{prefix}.fc1", h, i, repeat, Role.WI, True),
        _linear(f"{prefix}.fc2", i, h, repeat, Role.WO, True),
        role=Role.FFN,
        doc="GELU feed-forward",
    )


def vision_tower(prefix: str, s: Structure) -> Node:
    """SigLIP (``SiglipVisionTransformer``): patch convolution and learned positions, its
    pre-norm layers, the last LayerNorm, and with ``vision_use_head`` the attention pooling
    ``head`` (a probe token, ``nn.MultiheadAttention``'s packed in-projection, a LayerNorm and
    an MLP)."""
    h, L = VISION["hidden_size"], VISION["num_hidden_layers"]
    patch, channels = VISION["patch_size"], VISION["num_channels"]
    positions = sympy.floor(VISION["image_size"] / patch) ** 2
    e, b = f"{prefix}.embeddings", f"{prefix}.encoder.layers.*"
    attn = f"{b}.self_attn"
    parts: list[Node] = [
        group(
            e,
            group(f"{e}.patch_embedding",
                  weight(f"{e}.patch_embedding.weight", (h, channels, patch, patch), "conv", 1,
                         "patch convolution", role=Role.WEIGHT),
                  weight(f"{e}.patch_embedding.bias", (h,), "bias", 1, "bias", role=Role.BIAS),
                  role=Role.EMBEDDING, doc="patches to vectors"),
            weight(f"{e}.position_embedding", (positions, h), "embedding", 1,
                   "one vector per patch position", role=Role.EMBEDDING),
            role=Role.EMBEDDING,
            doc="patch and position embeddings",
        ),
        group(
            b,
            _layer_norm(f"{b}.layer_norm1", h, L),
            group(attn, *(_linear(f"{attn}.{p}_proj", h, h, L, r, True)
                          for p, r in (("k", Role.K), ("v", Role.V), ("q", Role.Q))),
                  _linear(f"{attn}.out_proj", h, h, L, Role.O, True),
                  role=Role.SELF_ATTENTION, doc="multi-head attention"),
            _layer_norm(f"{b}.layer_norm2", h, L),
            _siglip_mlp(f"{b}.mlp", L),
            role=Role.BLOCK,
            doc="vision layers",
        ),
        _layer_norm(f"{prefix}.post_layernorm", h, 1),
    ]  # fmt: skip
    if s.vision_head:
        p = f"{prefix}.head"
        parts.append(
            group(
                p,
                weight(f"{p}.probe", (1, 1, h), "embedding", 1, "pooling query",
                       role=Role.EMBEDDING),
                group(f"{p}.attention",
                      weight(f"{p}.attention.in_proj_weight", (3 * h, h), "matrix", 1,
                             "q, k, v packed", role=Role.WEIGHT),
                      weight(f"{p}.attention.in_proj_bias", (3 * h,), "bias", 1, "bias",
                             role=Role.BIAS),
                      _linear(f"{p}.attention.out_proj", h, h, 1, Role.O, True),
                      role=Role.SELF_ATTENTION, doc="attention pooling"),
                _layer_norm(f"{p}.layernorm", h, 1),
                _siglip_mlp(f"{p}.mlp", 1),
                role=Role.SUBLAYER,
                doc="attention-pooling head (vision_use_head)",
            )
        )  # fmt: skip
    return group(prefix, *parts, role=Role.VISION_TOWER, doc="SigLIP vision model")


def projector(prefix: str) -> Node:
    """``T5Gemma2MultiModalProjector``: an RMSNorm of the pooled image tokens, then a
    vision_hidden_size × hidden_size matrix (a parameter multiplied, not an ``nn.Linear``)."""
    h = VISION["hidden_size"]
    return group(
        prefix,
        weight(
            f"{prefix}.mm_input_projection_weight",
            (h, _d("encoder", "hidden_size")),
            "matrix",
            1,
            "image tokens to the text width",
            role=Role.WEIGHT,
        ),  # fmt: skip
        _norm(f"{prefix}.mm_soft_emb_norm", h, 1),
        role=Role.PROJECTOR,
        doc="multimodal projector",
    )


def encoder(prefix: str, s: Structure) -> list[Node]:
    """``T5Gemma2Encoder``'s parts: ``text_model``, ``vision_tower``, ``multi_modal_projector``."""
    dot = f"{prefix}." if prefix else ""
    return [
        text_stack(f"{dot}text_model", "encoder", s),
        vision_tower(f"{dot}vision_tower", s),
        projector(f"{dot}multi_modal_projector"),
    ]


@cache
def model_tree(s: Structure) -> Tree:
    """The tree of one structure: the encoder (and decoder), then ``lm_head`` (untied) or
    a classification head's ``score``."""
    if s.head == "Encoder":
        return Tree(placed(group("", *encoder("", s), role=Role.MODEL)))
    wrapped = s.head != "Model"
    p = "model." if wrapped else ""
    stacks = [
        group(f"{p}encoder", *encoder(f"{p}encoder", s), role=Role.ENCODER, doc="encoder"),
        text_stack(f"{p}decoder", "decoder", s, embed=not s.tied),
    ]
    parts: list[Node] = stacks
    if wrapped:
        parts = [group("model", *stacks, role=Role.WRAPPED, doc="the wrapped T5Gemma2Model")]
    if s.head == "ForConditionalGeneration" and not s.tied:
        parts.append(gemma.lm_head())
    if s.head in ("ForSequenceClassification", "ForTokenClassification"):
        role = Role.SEQUENCE_CLASSIFIER if "Sequence" in s.head else Role.TOKEN_CLASSIFIER
        score = _linear("score.out_proj", _d("decoder", "hidden_size"), num_labels, 1,
                        Role.LINEAR, True)  # fmt: skip
        parts.append(group("score", score, role=role, doc="classification head"))
    return Tree(placed(group("", *parts, role=Role.MODEL)))
