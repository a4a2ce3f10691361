"""The architecture of a T5 model, validated, with Hugging Face ``T5Config`` field names.

`Config` holds what decides the parameter count and nothing else. Read one from a
``config.json`` file, a folder holding one, or a dict with `from_hf`; every field a
file leaves out takes the value transformers' ``T5Config`` gives it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sympy import Symbol

from .errors import ConfigError
from .symbols import CONFIG_FIELD, DIMENSIONS

#: Fields every config must give: no default fits a model you mean to count.
REQUIRED = ("d_model", "d_ff", "num_heads", "d_kv", "num_layers", "vocab_size")

#: Defaults of the other counted fields, as in transformers' ``T5Config`` (5.x).
DEFAULTS: dict[str, Any] = {
    "num_decoder_layers": None,  # None: as many as num_layers
    "relative_attention_num_buckets": 32,
    "feed_forward_proj": "relu",
    "tie_word_embeddings": True,
}

#: ``model_type`` values whose structure t5sym counts.
MODEL_TYPES = ("t5", "mt5")

#: Related model types with another structure, and what differs.
REFUSED_MODEL_TYPES = {
    "umt5": "each layer has its own relative attention bias",
    "longt5": "local/transient-global attention adds parameters",
    "switch_transformers": "mixture-of-experts feed-forward layers",
}

#: Activations of transformers' ``ACT2FN`` that hold no parameters, usable in
#: ``feed_forward_proj`` as ``"<act>"`` or ``"gated-<act>"``.
ACTIVATIONS = frozenset(
    {
        "gelu",
        "gelu_10",
        "gelu_accurate",
        "gelu_fast",
        "gelu_new",
        "gelu_python",
        "gelu_python_tanh",
        "gelu_pytorch_tanh",
        "hardswish",
        "laplace",
        "leaky_relu",
        "linear",
        "mish",
        "quick_gelu",
        "relu",
        "relu2",
        "relu6",
        "sigmoid",
        "silu",
        "sqrtsoftplus",
        "swish",
        "tanh",
    }
)

#: Activations of ``ACT2FN`` with learnable parameters of their own (not counted yet).
ACTIVATIONS_WITH_PARAMETERS = frozenset({"prelu", "xielu"})

ENCODER_ONLY_ARCHITECTURES = frozenset({"T5EncoderModel", "MT5EncoderModel"})


@dataclass(frozen=True)
class Config:
    """A T5 architecture: the ``T5Config`` fields that decide the parameter count.

    Examples
    --------
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
    architectures: tuple[str, ...] = field(default=(), compare=False)
    name: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for key in (*REQUIRED, "relative_attention_num_buckets"):
            _check_dim(key, getattr(self, key))
        if self.num_decoder_layers is None:
            object.__setattr__(self, "num_decoder_layers", self.num_layers)
        _check_dim("num_decoder_layers", self.num_decoder_layers)
        _check_feed_forward_proj(self.feed_forward_proj)
        if not isinstance(self.tie_word_embeddings, bool):
            raise ConfigError(
                f"tie_word_embeddings: must be true or false, got {self.tie_word_embeddings!r}"
            )
        _check_model_type(self.model_type)
        archs = self.architectures
        if isinstance(archs, str) or not all(isinstance(a, str) for a in archs or ()):
            raise ConfigError(f"architectures: must be a list of class names, got {archs!r}")
        object.__setattr__(self, "architectures", tuple(archs or ()))

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
        """True when ``architectures`` names ``T5EncoderModel`` (e.g. a diffusion text encoder)."""
        return bool(self.architectures) and all(
            a in ENCODER_ONLY_ARCHITECTURES for a in self.architectures
        )

    def values(self) -> dict[Symbol, int]:
        """The value of every symbol of `t5sym.symbols` for this config."""
        return {s: getattr(self, CONFIG_FIELD[s]) for s in DIMENSIONS}

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (``name`` and ``architectures`` left out)."""
        d = asdict(self)
        del d["name"], d["architectures"]
        return d


def _check_dim(key: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            raise ConfigError(f"{key}: must be an integer, got the float {value!r}")
        raise ConfigError(f"{key}: must be a positive integer, got {value!r}")
    if value <= 0:
        raise ConfigError(f"{key}: must be a positive integer, got {value}")


def _check_feed_forward_proj(value: Any) -> None:
    if not isinstance(value, str):
        raise ConfigError(f"feed_forward_proj: must be a string such as 'relu', got {value!r}")
    parts = value.split("-")
    if len(parts) > 2 or (len(parts) == 2 and parts[0] != "gated"):
        raise ConfigError(
            f"feed_forward_proj: {value!r} is not '<act>' or 'gated-<act>' (e.g. 'gated-gelu')"
        )
    act = parts[-1]
    if act in ACTIVATIONS_WITH_PARAMETERS:
        raise ConfigError(
            f"feed_forward_proj: activation {act!r} has learnable parameters, not counted yet"
        )
    if act not in ACTIVATIONS:
        raise ConfigError(
            f"feed_forward_proj: unknown activation {act!r} in {value!r}; "
            f"known: {', '.join(sorted(ACTIVATIONS))}"
        )


def _check_model_type(value: Any) -> None:
    if value in MODEL_TYPES:
        return
    if value in REFUSED_MODEL_TYPES:
        raise ConfigError(
            f"model_type: {value!r} is not supported ({REFUSED_MODEL_TYPES[value]}); "
            f"t5sym counts {' and '.join(MODEL_TYPES)}"
        )
    raise ConfigError(f"model_type: must be one of {', '.join(MODEL_TYPES)}, got {value!r}")


def from_hf(source: str | Path | Mapping[str, Any], *, name: str | None = None) -> Config:
    """Read a Hugging Face T5 config: a ``config.json`` path, a folder holding one, or a dict.

    Keys t5sym does not use are ignored; counted fields that are missing take
    ``T5Config``'s defaults, except the core dims in `REQUIRED`.

    Raises
    ------
    ConfigError
        One line naming the file or field and the problem.
    """
    if isinstance(source, Mapping):
        data = dict(source)
    else:
        data = _read_json(Path(source))
        name = name or str(source)
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ConfigError(f"{missing[0]}: required field is missing from the config")
    model_type = data.get("model_type", "t5")
    kwargs = {k: data[k] for k in REQUIRED}
    for key, default in DEFAULTS.items():
        kwargs[key] = data.get(key, default)
    archs = data.get("architectures") or ()
    return Config(**kwargs, model_type=model_type, architectures=archs, name=name)


def _read_json(path: Path) -> dict[str, Any]:
    if path.is_dir():
        path = path / "config.json"
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must hold a JSON object, got {type(data).__name__}")
    return data
