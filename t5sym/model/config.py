"""The architecture of a T5-family model, validated, with Hugging Face config field names.

`Config` holds what decides the parameter count and nothing else. Read one from a
``config.json`` file, a folder holding one, or a dict with `from_hf`; every field a
file leaves out takes the value the model type's transformers config class gives it
(t5, mt5, umt5, longt5, switch_transformers), and ``architectures[0]`` picks the head.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sympy import Symbol

from t5sym.errors import ConfigError, T5SymError
from t5sym.model import files, gemma, gemma2, symbols
from t5sym.model.checks import (  # ACTIVATIONS*: defined in checks, which t5sym.model.gemma shares
    ACTIVATIONS,  # noqa: F401 - re-exported, t5sym.model.config.ACTIVATIONS
    ACTIVATIONS_WITH_PARAMETERS,  # noqa: F401 - re-exported
    activation,
    boolean,
    class_names,
    literal_int,
    positive_int,
    shown,
    shown_path,
    text,
)
from t5sym.model.symbols import CONFIG_FIELD, DIMENSIONS

#: Each model type's transformers config class: its defaults for the counted fields
#: (transformers 5.x ``configuration_<type>.py``) and whether ``lm_head`` can be untied.
_COMMON = {
    "d_kv": 64,
    "num_decoder_layers": None,  # None: as many as num_layers
    "relative_attention_num_buckets": 32,
    "tie_word_embeddings": True,
    "num_labels": 2,  # PreTrainedConfig: two labels unless num_labels or id2label says
}
_T5 = {
    **_COMMON,
    "vocab_size": 32128,
    "d_model": 512,
    "d_ff": 2048,
    "num_layers": 6,
    "num_heads": 8,
    "feed_forward_proj": "relu",
}
MODEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "t5": _T5,
    "mt5": {
        **_COMMON,
        "vocab_size": 250112,
        "d_model": 512,
        "d_ff": 1024,
        "num_layers": 8,
        "num_heads": 6,
        "feed_forward_proj": "gated-gelu",
    },
    "longt5": {
        **_T5,
        "encoder_attention_type": "local",
        "local_radius": 127,
        "global_block_size": 16,
    },
    "switch_transformers": {
        **_COMMON,
        "vocab_size": 32128,
        "d_model": 768,
        "d_ff": 2048,
        "num_layers": 12,
        "num_decoder_layers": 12,
        "num_heads": 12,
        "dense_act_fn": "relu",
        "num_experts": 8,
        "num_sparse_encoder_layers": 3,
        "num_sparse_decoder_layers": 3,
        "router_bias": False,
        "expert_capacity": 64,
    },
}
MODEL_DEFAULTS["umt5"] = MODEL_DEFAULTS["mt5"]

#: ``model_type`` values whose structure t5sym counts.
MODEL_TYPES = ("t5", "mt5", "umt5", "longt5", "switch_transformers")

#: The class-name prefix of each model type (``UMT5ForConditionalGeneration``).
CLASS_PREFIX = {
    "t5": "T5",
    "mt5": "MT5",
    "umt5": "UMT5",
    "longt5": "LongT5",
    "switch_transformers": "SwitchTransformers",
}

#: `CLASS_PREFIX` longest first: ``LongT5Model`` is tried as LongT5's before T5's.
_PREFIXES_LONGEST_FIRST = tuple(sorted(CLASS_PREFIX.items(), key=lambda kv: -len(kv[1])))

#: The heads transformers defines for each model type.
_ALL_HEADS = (
    "ForConditionalGeneration",
    "Model",
    "EncoderModel",
    "ForSequenceClassification",
    "ForTokenClassification",
    "ForQuestionAnswering",
)
HEADS: dict[str, tuple[str, ...]] = {
    "t5": _ALL_HEADS,
    "mt5": _ALL_HEADS,
    "umt5": _ALL_HEADS,
    "longt5": _ALL_HEADS[:3],
    "switch_transformers": _ALL_HEADS[:3],
}

#: transformers' ``attribute_map``: other names a config.json may use for a field.
ALIASES: dict[str, dict[str, str]] = {
    t: {
        "hidden_size": "d_model",
        "num_attention_heads": "num_heads",
        "num_hidden_layers": "num_layers",
        **({} if t == "switch_transformers" else {"head_dim": "d_kv"}),
    }
    for t in MODEL_TYPES
}

#: The fields that make a config.json without ``model_type`` a T5 config (read as
#: transformers' ``T5Config.from_dict`` reads it). They are the fields ``T5Config`` declares
#: itself, less those every config has (``PreTrainedConfig``'s), less the standard names of
#: its ``attribute_map`` (``hidden_size``, ``num_attention_heads``, ``num_hidden_layers``,
#: ``head_dim``: every model's names for its width, heads, depth and head size), less the
#: fields it shares with the configs that carry no ``model_type`` either, Google's
#: ``bert_config.json`` and GPT-2's (``vocab_size``, ``layer_norm_epsilon``, ``use_cache``,
#: ``pad_token_id``, ...). ``tests/test_config.py`` derives the set from transformers.
T5_FIELDS = frozenset(
    {
        "d_ff",
        "d_kv",
        "d_model",
        "dropout_rate",
        "feed_forward_proj",
        "initializer_factor",
        "num_decoder_layers",
        "num_heads",
        "num_layers",
        "relative_attention_max_distance",
        "relative_attention_num_buckets",
    }
)

#: Class names an older ``architectures`` holds, and the PyTorch class each stands for:
#: ``T5WithLMHeadModel`` (and TF's ``TFT5WithLMHeadModel``) were transformers 2.x's names
#: of ``T5ForConditionalGeneration``; the TF and Flax classes (transformers 4.x, removed in
#: 5) have the parameters of the PyTorch class of the same name.
LEGACY_ARCHITECTURES: dict[str, str] = {
    "T5WithLMHeadModel": "T5ForConditionalGeneration",
    "TFT5WithLMHeadModel": "T5ForConditionalGeneration",
    **{
        f"{framework}{prefix}{head}": f"{prefix}{head}"
        for framework in ("TF", "Flax")
        for prefix in ("T5", "MT5")
        for head in ("ForConditionalGeneration", "Model", "EncoderModel")
    },
    "FlaxLongT5ForConditionalGeneration": "LongT5ForConditionalGeneration",
    "FlaxLongT5Model": "LongT5Model",
}

#: LongT5's encoder self-attention, by ``encoder_attention_type``.
ENCODER_ATTENTION = ("local", "transient-global")

#: The largest ``config.json`` read (real ones are a few KB).
MAX_FILE_BYTES = 1 << 20


@dataclass(frozen=True)
class Config:
    """A T5-family architecture: the config fields that decide the parameter count.

    Field names are transformers' (``T5Config``, ``UMT5Config``, ``LongT5Config``,
    ``SwitchTransformersConfig``); a field another model type does not have keeps its
    default and is left out of `to_dict`. ``architectures[0]`` picks the head
    (``T5ForConditionalGeneration`` when there is none): see `model` and `head`.

    Examples
    --------
    >>> from t5sym import Config
    >>> Config(d_model=1024, d_ff=16384, num_heads=32, d_kv=128, num_layers=24,
    ...        vocab_size=32128).inner_dim
    4096
    """

    d_model: int
    d_ff: int
    num_heads: int
    d_kv: int
    num_layers: int
    vocab_size: int
    num_decoder_layers: int | None = None
    relative_attention_num_buckets: int = 32
    feed_forward_proj: str = "relu"
    tie_word_embeddings: bool = True
    model_type: str = "t5"
    num_labels: int = 2
    encoder_attention_type: str = "local"
    local_radius: int = 127
    global_block_size: int = 16
    num_experts: int = 8
    num_sparse_encoder_layers: int = 3
    num_sparse_decoder_layers: int = 3
    router_bias: bool = False
    expert_capacity: int = 64
    #: ``nn.Dropout``'s probability in every block (0: no dropout, no mask saved); it
    #: decides no parameter, so `to_dict` leaves it out.
    dropout_rate: float = 0.1
    #: Switch: the router multiplies its input by noise in [1 - r, 1 + r] while training
    #: (0: none, and no noise saved for backward); decides no parameter, left out of `to_dict`.
    router_jitter_noise: float = 0.01
    #: Switch: every how many blocks of a stack one is sparse, when it is not what
    #: transformers computes from the final fields (None): a config.json that sets
    #: ``encoder_sparse_step``, or depths given by an alias (`from_hf`).
    encoder_sparse_step: int | None = None
    decoder_sparse_step: int | None = None
    architectures: tuple[str, ...] = field(default=(), compare=False)
    name: str | None = field(default=None, compare=False)
    #: Where it was read: ``"preset"``, the path of the ``config.json`` read, or None.
    source: str | None = field(default=None, compare=False)
    #: The head counted, e.g. ``"ForConditionalGeneration"`` (from ``architectures[0]``).
    head: str = field(default="", compare=True)

    def __post_init__(self) -> None:
        for key in (*_DIMS, "num_labels", "local_radius", "global_block_size", "num_experts"):
            object.__setattr__(self, key, positive_int(key, getattr(self, key), ConfigError))
        for key in ("num_sparse_encoder_layers", "num_sparse_decoder_layers"):
            object.__setattr__(self, key, _non_negative(key, getattr(self, key)))
        object.__setattr__(
            self, "expert_capacity", _non_negative("expert_capacity", self.expert_capacity)
        )
        for key in ("dropout_rate", "router_jitter_noise"):
            object.__setattr__(self, key, _probability(key, getattr(self, key)))
        _check_model_type(self.model_type)
        names = class_names("architectures", self.architectures, ConfigError)
        object.__setattr__(self, "architectures", names)
        object.__setattr__(self, "head", _head(self.model_type, self.architectures, self.head))
        if self.num_decoder_layers is None:
            object.__setattr__(self, "num_decoder_layers", self.num_layers)
        if self.encoder_only and self.num_decoder_layers == 0:  # no decoder is built
            layers = _non_negative("num_decoder_layers", self.num_decoder_layers)
        else:
            layers = positive_int("num_decoder_layers", self.num_decoder_layers, ConfigError)
        object.__setattr__(self, "num_decoder_layers", layers)
        for stack in STACKS:
            self._check_sparse_step(stack)
        _check_feed_forward_proj(self.feed_forward_proj)
        for key in ("tie_word_embeddings", "router_bias"):
            if not isinstance(getattr(self, key), bool):
                raise ConfigError(f"{key}: must be true or false, got {shown(getattr(self, key))}")
        if self.model_type == "switch_transformers" and self.is_gated:
            raise ConfigError(
                f"dense_act_fn: Switch Transformers' experts are not gated, got "
                f"{shown(self.feed_forward_proj)}"
            )
        if self.encoder_attention_type not in ENCODER_ATTENTION:
            raise ConfigError(
                f"encoder_attention_type: must be one of {', '.join(ENCODER_ATTENTION)}, "
                f"got {shown(self.encoder_attention_type)}"
            )
        for key in ("name", "source"):
            if getattr(self, key) is not None:
                text(key, getattr(self, key), "a string or None", ConfigError)

    def _check_sparse_step(self, stack: str) -> None:
        """Validate ``<stack>_sparse_step``; None when it is the step transformers computes."""
        key = f"{stack}_sparse_step"
        step = getattr(self, key)
        if step is None:
            return
        if self.model_type != "switch_transformers":
            raise ConfigError(
                f"{key}: only switch_transformers has sparse blocks, not {self.model_type}"
            )
        step = _non_negative(key, step)
        computed = sparse_step_of(self._layers(stack), getattr(self, f"num_sparse_{stack}_layers"))
        object.__setattr__(self, key, None if step == computed else step)

    def _layers(self, stack: str) -> int:
        """The blocks of ``stack``: ``num_layers`` or ``num_decoder_layers``."""
        if stack not in STACKS:
            raise ConfigError(f"stack: must be 'encoder' or 'decoder', got {shown(stack)}")
        return self.num_layers if stack == "encoder" else self.num_decoder_layers

    @property
    def model(self) -> str:
        """The transformers class counted, e.g. ``UMT5EncoderModel``."""
        return CLASS_PREFIX[self.model_type] + self.head

    @property
    def is_gated(self) -> bool:
        """True for ``"gated-<act>"``: the FFN has two input matrices, ``wi_0`` and ``wi_1``."""
        return self.feed_forward_proj.startswith("gated-")

    @property
    def activation(self) -> str:
        """The activation name, e.g. ``"relu"`` or ``"gelu"`` for ``"gated-gelu"``."""
        return self.feed_forward_proj.split("-")[-1]

    @property
    def inner_dim(self) -> int:
        """Width of the attention projections: ``num_heads * d_kv`` (need not be d_model)."""
        return self.num_heads * self.d_kv

    @property
    def encoder_only(self) -> bool:
        """True for a model without decoder: ``*EncoderModel``, ``*ForTokenClassification``."""
        return self.head in ("EncoderModel", "ForTokenClassification")

    @property
    def lm_head_tied(self) -> bool:
        """Whether ``lm_head`` shares ``shared``'s matrix in a loaded checkpoint.

        ``tie_word_embeddings`` decides, except for LongT5, whose checkpoints store only
        ``shared.weight`` (transformers ``configuration_longt5.py`` ties it always).
        """
        return self.tie_word_embeddings or self.model_type == "longt5"

    def sparse_step(self, stack: str) -> int:
        """Every how many blocks of ``stack`` one is sparse, as transformers holds it.

        ``SwitchTransformersConfig`` computes ``<stack>_sparse_step = layers //
        num_sparse_<stack>_layers`` (``layers`` when that is 0) unless the config.json sets
        it; 0 for a dense model type.

        >>> from t5sym import load
        >>> load("switch-base-8").sparse_step("encoder")
        2
        """
        layers = self._layers(stack)
        if self.model_type != "switch_transformers":
            return 0
        given = getattr(self, f"{stack}_sparse_step")
        if given is not None:
            return given
        return sparse_step_of(layers, getattr(self, f"num_sparse_{stack}_layers"))

    def sparse_blocks(self, stack: str) -> int:
        """Blocks of ``stack`` whose feed-forward layer is sparse, by transformers' rule.

        Block i of ``layers`` is sparse when ``step == 1`` or ``i % step == 1``, and none is
        when ``step <= 0`` (``SwitchTransformersStack``, ``step`` = `sparse_step`): counted
        in closed form, so a stack of 10**300 blocks answers at once. 0 for a dense model
        type.

        >>> from t5sym import from_hf
        >>> from_hf({"model_type": "switch_transformers", "num_layers": 10**300}).sparse_blocks(
        ...     "encoder") == 3
        True
        """
        return sparse_count(self._layers(stack), self.sparse_step(stack))

    def values(self) -> dict[Symbol, int]:
        """The value of every symbol of `t5sym.model.symbols` for this config.

        The sparse-layer symbols take the number of sparse blocks transformers builds
        (`sparse_blocks`), which is the config field whenever the layers divide evenly.
        """
        out = {s: getattr(self, CONFIG_FIELD[s]) for s in DIMENSIONS}
        out[symbols.num_sparse_encoder_layers] = self.sparse_blocks("encoder")
        out[symbols.num_sparse_decoder_layers] = self.sparse_blocks("decoder")
        return out

    def to_dict(self) -> dict[str, Any]:
        """The fields of this model type as a JSON-ready dict, with ``model`` (the class)."""
        keys = [*_DIMS, "num_decoder_layers", "relative_attention_num_buckets"]
        keys += ["feed_forward_proj", "tie_word_embeddings", "model_type"]
        if self.head in (
            "ForSequenceClassification",
            "ForTokenClassification",
            "ForQuestionAnswering",
        ):
            keys.append("num_labels")
        keys += _TYPE_FIELDS.get(self.model_type, [])
        keys += [
            f"{s}_sparse_step" for s in STACKS if getattr(self, f"{s}_sparse_step") is not None
        ]
        return {"model": self.model, **{k: getattr(self, k) for k in keys}}


#: The two stacks of blocks, as `Config.sparse_blocks` names them.
STACKS = ("encoder", "decoder")

#: Each stack's field of depth.
_STACK_DEPTHS = (("encoder", "num_layers"), ("decoder", "num_decoder_layers"))


def sparse_step_of(layers: int, wanted: int) -> int:
    """``SwitchTransformersConfig``'s sparse step of a stack of ``layers`` blocks when
    ``wanted`` of them are to be sparse: ``layers // wanted``, or ``layers`` for none.

    Examples
    --------
    >>> from t5sym.model.config import sparse_step_of
    >>> sparse_step_of(12, 6), sparse_step_of(12, 0)
    (2, 12)
    """
    return layers // wanted if wanted > 0 else layers


def sparse_count(layers: int, step: int) -> int:
    """How many of ``i in range(layers)`` satisfy transformers' sparse rule for ``step``.

    ``SwitchTransformersStack`` makes block i sparse when ``step > 0`` and ``(i % step == 1
    or step == 1)``: all blocks for step 1; for a larger step, i = 1, 1 + step, ... below
    ``layers``, which is ``(layers - 2) // step + 1`` of them once ``layers >= 2``.

    Examples
    --------
    >>> from t5sym.model.config import sparse_count
    >>> [sparse_count(n, 2) for n in range(6)]
    [0, 0, 1, 1, 2, 2]
    >>> sparse_count(10**300, 1) == 10**300 and sparse_count(7, 0) == 0
    True
    """
    if step <= 0 or layers <= 0:
        return 0
    if step == 1:
        return layers
    return 0 if layers < 2 else (layers - 2) // step + 1


#: The dimensions every model type has.
_DIMS = ("d_model", "d_ff", "num_heads", "d_kv", "num_layers", "vocab_size",
         "relative_attention_num_buckets")  # fmt: skip

#: Fields of one model type only, shown by `Config.to_dict`.
_TYPE_FIELDS = {
    "longt5": ["encoder_attention_type", "local_radius", "global_block_size"],
    "switch_transformers": [
        "num_experts",
        "num_sparse_encoder_layers",
        "num_sparse_decoder_layers",
        "router_bias",
        "expert_capacity",
    ],
}


def _probability(key: str, value: Any) -> float:
    """A probability in [0, 1] (an int or a float in JSON), as a float; else one line."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(f"{key}: must be a number from 0 to 1, got {shown(value)}")
    return float(value)


def _non_negative(key: str, value: Any) -> int:
    if value == 0 and not isinstance(value, bool) and isinstance(value, int):
        return 0
    return positive_int(key, value, ConfigError)


def architecture(name: str) -> tuple[str, str] | None:
    """The model type and head a class name of ``architectures`` stands for, or None.

    A legacy name (`LEGACY_ARCHITECTURES`) stands for its PyTorch class.

    Examples
    --------
    >>> from t5sym.model.config import architecture
    >>> architecture("UMT5EncoderModel")
    ('umt5', 'EncoderModel')
    >>> architecture("T5WithLMHeadModel")
    ('t5', 'ForConditionalGeneration')
    >>> architecture("BertModel") is None
    True
    """
    name = LEGACY_ARCHITECTURES.get(name, name)
    for model_type, prefix in _PREFIXES_LONGEST_FIRST:
        head = name[len(prefix) :]
        if name.startswith(prefix) and head in _ALL_HEADS:
            return model_type, head
    return None


def _head(model_type: str, architectures: tuple[str, ...], head: str) -> str:
    """The head named by ``head`` or ``architectures[0]`` (default ForConditionalGeneration).

    ``architectures[0]`` must be a class of ``model_type`` (or a legacy name of one).
    """
    heads = HEADS[model_type]
    if not head and len(architectures) > 0:
        name = architectures[0]
        found = architecture(name)
        if found is None:
            raise ConfigError(
                f"architectures: {shown(name)} is not a {model_type} model class; "
                f"t5sym counts {_classes(model_type)}"
            )
        kind, head = found
        if head not in HEADS[kind]:
            model_type, heads = kind, HEADS[kind]  # "longt5 has no LongT5ForTokenClassification"
        elif kind != model_type:
            raise ConfigError(
                f"architectures: {shown(name)} is a {kind} class but model_type is "
                f"{shown(model_type)}; make the two fields name the same model type"
            )
    head = head or "ForConditionalGeneration"
    if head not in heads:
        raise ConfigError(
            f"architectures: {model_type} has no {CLASS_PREFIX[model_type]}{head}; "
            f"transformers defines {_classes(model_type)}"
        )
    return head


def _classes(model_type: str) -> str:
    """The classes of ``model_type``'s heads, as a message lists them."""
    return ", ".join([CLASS_PREFIX[model_type] + h for h in HEADS[model_type]])


def _check_feed_forward_proj(value: Any) -> None:
    activation("feed_forward_proj", _proj_parts(value)[-1], ConfigError)


def _proj_parts(value: Any) -> list[str]:
    """``feed_forward_proj`` split at its ``-``, if it is ``<act>`` or ``gated-<act>``."""
    text("feed_forward_proj", value, "a string such as 'relu'", ConfigError)
    parts = value.split("-")
    if len(parts) > 2 or (len(parts) == 2 and parts[0] != "gated"):
        raise ConfigError(
            f"feed_forward_proj: {shown(value)} is not '<act>' or 'gated-<act>' (e.g. 'gated-gelu')"
        )
    return parts


#: The ``feed_forward_proj`` whose activation is not its last part: ``T5Config`` runs
#: ``gelu_new`` for ``gated-gelu`` (transformers' ``configuration_t5.py``).
RENAMED_ACTIVATIONS = {"gated-gelu": "gelu_new"}


def dense_act_fn(proj: str) -> str:
    """transformers' ``dense_act_fn`` of a ``feed_forward_proj``: its `RENAMED_ACTIVATIONS`
    entry, else its last part (``gated-silu``: ``silu``)."""
    return RENAMED_ACTIVATIONS.get(proj, proj.split("-")[-1])


def _feed_forward(data: Mapping[str, Any], proj: Any) -> Any:
    """``feed_forward_proj`` as the model transformers builds has it.

    ``T5Config`` (and MT5's, UMT5's, LongT5's) derives ``is_gated_act`` and
    ``dense_act_fn`` from ``feed_forward_proj`` (`dense_act_fn`), then sets every key of
    config.json it does not declare, so an ``is_gated_act`` or a ``dense_act_fn`` written
    in the file wins; the modules read those two. Unchanged when the file agrees with its
    ``feed_forward_proj`` (or writes neither). The calculator runs it printed (`t5site`).
    """
    if "is_gated_act" not in data and "dense_act_fn" not in data:
        return proj
    parts = _proj_parts(proj)
    gated = parts[0] == "gated"
    act = dense_act_fn(proj)
    if "is_gated_act" in data:
        gated = boolean("is_gated_act", data["is_gated_act"], ConfigError)
    if "dense_act_fn" in data:
        what = "an activation such as 'relu'"
        act = text("dense_act_fn", data["dense_act_fn"], what, ConfigError)
        activation("dense_act_fn", act, ConfigError)
    if gated == (parts[0] == "gated") and act == dense_act_fn(proj):
        return proj
    return ("gated-" if gated else "") + act


def _check_model_type(value: Any) -> None:
    text("model_type", value, f"a string, one of {', '.join(MODEL_TYPES)}", ConfigError)
    if value not in MODEL_TYPES:
        raise ConfigError(
            f"model_type: {shown(value)} is not a T5-family type; t5sym counts "
            f"{', '.join(MODEL_TYPES)}"
        )


def from_hf(source: str | Path | Mapping[str, Any], *, name: str | None = None) -> Config:
    """Read a Hugging Face T5 config: a ``config.json`` path, a folder holding one, or a dict.

    Keys t5sym does not use are ignored (a key given twice in a file: the last one, as
    ``json`` and transformers read it); counted fields that are missing take the defaults
    of the model type's transformers config class (`MODEL_DEFAULTS`). Only a regular file of
    at most `MAX_FILE_BYTES` is read (symlinks are followed): a FIFO, a device or a
    folder is refused before it is opened for reading.

    Raises
    ------
    ConfigError
        One line naming the file or field and the problem.
    """
    if name is not None:
        text("name", name, "a string or None", ConfigError)
    if isinstance(source, Mapping):
        data = dict(source)
        where = None
    elif isinstance(source, (str, bytes, os.PathLike)):
        path = os.fsdecode(source)
        data, where = _read_json(path)
        name = name or path
    else:
        raise ConfigError(
            f"source: expected a path to a config.json, a folder or a dict, got {shown(source)}"
        )
    return _from_fields(data, name=name, source=where)


def _from_fields(data: dict[str, Any], *, name: str | None, source: str | None) -> Config:
    """A `Config` from config.json's fields, as the model type's transformers config reads them.

    Without ``model_type``, ``architectures[0]`` names the type (``UMT5EncoderModel``:
    umt5), else the file must have a field of `T5_FIELDS` to be read as T5 (`_model_type`,
    `_check_is_t5`). The fields are `_fields`'s.
    """
    model_type = _model_type(data)
    if isinstance(model_type, str) and (  # hook: T5Gemma is its own structure (t5sym.model.gemma)
        model_type in gemma.MODEL_TYPES or model_type in gemma.REFUSED_TYPES
    ):
        return gemma.from_fields(data, name=name, source=source)
    if model_type in gemma2.MODEL_TYPES:  # hook: T5Gemma 2 (t5sym.model.gemma2)
        return gemma2.from_fields(data, name=name, source=source)
    _check_model_type(model_type)
    config = Config(
        **_fields(data, model_type),
        dropout_rate=data.get("dropout_rate", 0.1),  # every T5-family config's default
        # Switch's own (transformers' default); other types' configs ignore the key
        router_jitter_noise=(
            data.get("router_jitter_noise", 0.01) if model_type == "switch_transformers" else 0.01
        ),
        model_type=model_type,
        architectures=data.get("architectures"),
        name=name,
        source=source,
    )
    _check_is_t5(data)
    return config


def _model_type(data: Mapping[str, Any]) -> Any:
    """``model_type``, else the type ``architectures[0]`` names, else t5."""
    if "model_type" in data:
        return data["model_type"]
    return _implied_type(data.get("architectures")) or "t5"


def _check_is_t5(data: Mapping[str, Any]) -> None:
    """Refuse a config.json that does not say it is of the T5 family: no ``model_type``,
    no T5-family class in ``architectures``, no field of `T5_FIELDS`."""
    if "model_type" in data or _implied_type(data.get("architectures")) is not None:
        return
    for key in T5_FIELDS:
        if key in data:
            return
    raise ConfigError(
        "model_type: missing, and neither a T5 field (d_model, d_ff, d_kv, num_heads, "
        "num_layers, ...) nor a T5-family class in architectures: not a T5 config"
    )


def _fields(data: Mapping[str, Any], model_type: str) -> dict[str, Any]:
    """config.json's fields that make ``model_type``'s structure, as its transformers config
    class reads them.

    Missing fields take that class's defaults (`MODEL_DEFAULTS`); an alias of its
    ``attribute_map`` (``hidden_size``, ...) wins over the field it stands for, as in
    transformers, and is applied after ``num_decoder_layers`` took its default (so
    ``num_hidden_layers`` alone leaves the decoder at the class's depth, as transformers
    5.x builds it) and after Switch's sparse steps were computed; ``num_labels`` wins
    over the length of ``id2label``; ``is_gated_act`` and ``dense_act_fn`` win over
    ``feed_forward_proj`` (`_feed_forward`).
    """
    fields = {}
    for key, default in MODEL_DEFAULTS[model_type].items():
        fields[key] = data[key] if key in data else default
    if fields["num_decoder_layers"] is None:  # set before the aliases, as transformers 5 does
        fields["num_decoder_layers"] = fields["num_layers"]
    if model_type == "switch_transformers":  # the sparse steps too
        for key, step in _sparse_steps(data, fields).items():
            fields[key] = step
    for alias, key in ALIASES[model_type].items():
        if alias in data:
            fields[key] = data[alias]
    if "num_labels" not in data and data.get("id2label") is not None:
        labels = data["id2label"]
        if not isinstance(labels, (dict, list)):
            raise ConfigError(f"id2label: must be an object of labels, got {shown(labels)}")
        fields["num_labels"] = len(labels)
    if model_type == "switch_transformers":  # its experts' activation; never gated
        fields["feed_forward_proj"] = fields["dense_act_fn"]
        del fields["dense_act_fn"]
    else:
        fields["feed_forward_proj"] = _feed_forward(data, fields["feed_forward_proj"])
    return fields


def _implied_type(architectures: Any) -> str | None:
    """The model type ``architectures[0]`` names, if it is a T5-family class."""
    if isinstance(architectures, (list, tuple)) and len(architectures) > 0:
        if isinstance(architectures[0], str):
            found = architecture(architectures[0])
            if found is not None:
                return found[0]
    return None


def _sparse_steps(data: Mapping[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Switch's ``<stack>_sparse_step`` as ``SwitchTransformersConfig`` sets them.

    Its ``__post_init__`` computes them from ``num_layers`` and ``num_decoder_layers``
    before the aliases of ``attribute_map`` (``num_hidden_layers``) are applied, and a
    config.json that writes a step sets it afterwards (it wins).
    """
    out = {}
    for stack, key in _STACK_DEPTHS:
        step = f"{stack}_sparse_step"
        if step in data:  # null too: transformers' stack would compare None with 0
            out[step] = _non_negative(step, data[step])
            continue
        layers = fields[key]  # the field, before any alias; an encoder-only head: 0 decoder blocks
        if stack == "encoder":
            layers = positive_int(key, layers, ConfigError)
        else:
            layers = _non_negative(key, layers)
        wanted = f"num_sparse_{stack}_layers"
        out[step] = sparse_step_of(layers, _non_negative(wanted, fields[wanted]))
    return out


def _read_json(path: str) -> tuple[dict[str, Any], str]:
    """The JSON object in ``path`` (or in ``path/config.json``) and the file it was read from."""
    if not path:
        raise ConfigError("path: empty; give a config.json or a folder holding one")
    if stat.S_ISDIR(files.path_stat(path, ConfigError).st_mode):
        path = os.path.join(path, "config.json")
    raw = files.read_regular(path, MAX_FILE_BYTES, "a config.json", ConfigError)
    where = shown_path(path)
    if not raw.strip():
        raise ConfigError(f"{where}: empty file, expected a JSON object")
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{where}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        data = json.loads(body, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{where}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ConfigError(f"{where}: JSON nested too deeply") from None
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must hold a JSON object, got {_json_type(data)}")
    return data, path


def _parse_int(literal: str) -> int:
    """A JSON integer literal, refused past `t5sym.model.checks.MAX_DIGITS` digits before
    converting it."""
    return literal_int(literal, ConfigError)


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type: array, string, number, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    names = {list: "an array", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def checked_config(value: Any) -> Config:
    """``value`` if it is a `t5sym.Config`, else a one-line error saying how to get one.

    A T5Gemma config (`t5sym.model.gemma.GemmaConfig`) is refused here in one line: the views
    that call this (sharding, activations, LoRA, activation peaks) model T5's blocks only;
    FLOPs, caches with generate() FLOPs, weight formats and training memory take T5Gemma
    before calling it.
    """
    if isinstance(value, gemma.GemmaConfig):  # hook: one line for every T5-only view
        raise T5SymError(
            f"model_type: {value.model_type}: this view models T5's blocks only (for T5Gemma: "
            "count, formula, flops, caches and generate() FLOPs, weights and memory without "
            "activations)"
        )
    if not isinstance(value, Config):
        raise T5SymError(
            f"config: expected a t5sym.Config, e.g. t5sym.load('t5-small'), got {shown(value)}"
        )
    return value


#: Model types whose serving and fine-tuning arithmetic (caches, activations) is modelled.
SERVED_TYPES = ("t5", "mt5", "umt5")

#: Model types whose saved activations are modelled (`t5sym.views.activations`): LongT5's
#: local and transient-global encoders and Switch's routed experts too.
TRAINED_TYPES = (*SERVED_TYPES, "longt5", "switch_transformers")


def served(value: Any, what: str, types: tuple[str, ...] = SERVED_TYPES) -> Config:
    """``value`` (a Config) if ``what`` is modelled for its type and head, else one line.

    Caches and activation peaks are modelled for the dense T5 blocks of T5, mT5 and UMT5
    (``types``, `SERVED_TYPES`) in ``*ForConditionalGeneration``; LongT5's local attention
    and Switch's experts keep other tensors. Saved activations pass `TRAINED_TYPES`.
    """
    checked = checked_config(value)
    if checked.model_type not in types:
        raise T5SymError(
            f"model_type: {what} is modelled for {', '.join(types)}, not "
            f"{checked.model_type} (its attention or experts keep other tensors)"
        )
    if checked.head != "ForConditionalGeneration":
        raise T5SymError(f"architectures: {what} is modelled for *ForConditionalGeneration, "
                         f"not *{checked.head}")  # fmt: skip
    return checked
