"""The architecture of a T5 model, validated, with Hugging Face ``T5Config`` field names.

`Config` holds what decides the parameter count and nothing else. Read one from a
``config.json`` file, a folder holding one, or a dict with `from_hf`; every field a
file leaves out takes the value transformers' ``T5Config`` gives it.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sympy import Symbol

from .checks import MAX_DIGITS, positive_int, shown, shown_path, text
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

#: The largest ``config.json`` read (real ones are a few KB).
MAX_FILE_BYTES = 1 << 20


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
    #: Where it was read: ``"preset"``, the path of the ``config.json`` read, or None.
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for key in (*REQUIRED, "relative_attention_num_buckets"):
            object.__setattr__(self, key, positive_int(key, getattr(self, key), ConfigError))
        if self.num_decoder_layers is None:
            object.__setattr__(self, "num_decoder_layers", self.num_layers)
        layers = positive_int("num_decoder_layers", self.num_decoder_layers, ConfigError)
        object.__setattr__(self, "num_decoder_layers", layers)
        _check_feed_forward_proj(self.feed_forward_proj)
        if not isinstance(self.tie_word_embeddings, bool):
            raise ConfigError(
                f"tie_word_embeddings: must be true or false, got {shown(self.tie_word_embeddings)}"
            )
        _check_model_type(self.model_type)
        object.__setattr__(self, "architectures", _architectures(self.architectures))
        for key in ("name", "source"):
            if getattr(self, key) is not None:
                text(key, getattr(self, key), "a string or None", ConfigError)

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
        """The fields as a JSON-ready dict (``name``, ``architectures``, ``source`` left out)."""
        d = asdict(self)
        del d["name"], d["architectures"], d["source"]
        return d


def _architectures(value: Any) -> tuple[str, ...]:
    """``architectures`` as a tuple of class names (None or empty: none)."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)) and all(isinstance(a, str) for a in value):
        return tuple(value)
    raise ConfigError(f"architectures: must be a list of class names, got {shown(value)}")


def _check_feed_forward_proj(value: Any) -> None:
    text("feed_forward_proj", value, "a string such as 'relu'", ConfigError)
    parts = value.split("-")
    if len(parts) > 2 or (len(parts) == 2 and parts[0] != "gated"):
        raise ConfigError(
            f"feed_forward_proj: {shown(value)} is not '<act>' or 'gated-<act>' (e.g. 'gated-gelu')"
        )
    act = parts[-1]
    if act in ACTIVATIONS_WITH_PARAMETERS:
        raise ConfigError(
            f"feed_forward_proj: activation {act!r} has learnable parameters, not counted yet"
        )
    if act not in ACTIVATIONS:
        close = difflib.get_close_matches(act, sorted(ACTIVATIONS), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ConfigError(
            f"feed_forward_proj: unknown activation {shown(act)}{hint} (known: the "
            f"{len(ACTIVATIONS)} of t5sym.config.ACTIVATIONS, e.g. relu, gelu_new, silu)"
        )


def _check_model_type(value: Any) -> None:
    text("model_type", value, f"a string, one of {', '.join(MODEL_TYPES)}", ConfigError)
    if value in MODEL_TYPES:
        return
    if value in REFUSED_MODEL_TYPES:
        raise ConfigError(
            f"model_type: {value!r} is not supported ({REFUSED_MODEL_TYPES[value]}); "
            f"t5sym counts {' and '.join(MODEL_TYPES)}"
        )
    raise ConfigError(f"model_type: must be one of {', '.join(MODEL_TYPES)}, got {shown(value)}")


def from_hf(source: str | Path | Mapping[str, Any], *, name: str | None = None) -> Config:
    """Read a Hugging Face T5 config: a ``config.json`` path, a folder holding one, or a dict.

    Keys t5sym does not use are ignored (a key given twice in a file: the last one, as
    ``json`` and transformers read it); counted fields that are missing take
    ``T5Config``'s defaults, except the core dims in `REQUIRED`. Only a regular file of
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
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ConfigError(f"{missing[0]}: required field is missing from the config")
    kwargs = {k: data[k] for k in REQUIRED}
    for key, default in DEFAULTS.items():
        kwargs[key] = data.get(key, default)
    return Config(
        **kwargs,
        model_type=data.get("model_type", "t5"),
        architectures=data.get("architectures"),
        name=name,
        source=where,
    )


def _stat(path: str) -> os.stat_result:
    """``os.stat(path)`` (symlinks followed), or a one-line error naming the path."""
    if "\0" in path:
        raise ConfigError(f"{shown_path(path)}: a path cannot hold a NUL character")
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"{shown_path(path)}: no such file") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{shown_path(path)}: cannot be read ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    """The OS's words for an error, e.g. ``File name too long``."""
    return getattr(exc, "strerror", None) or exc.__class__.__name__


def _read_json(path: str) -> tuple[dict[str, Any], str]:
    """The JSON object in ``path`` (or in ``path/config.json``) and the file it was read from."""
    if not path:
        raise ConfigError("path: empty; give a config.json or a folder holding one")
    if stat.S_ISDIR(_stat(path).st_mode):
        path = os.path.join(path, "config.json")
    raw = _read_regular(path, _stat(path))
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


def _read_regular(path: str, info: os.stat_result) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most `MAX_FILE_BYTES`.

    Opened non-blocking and checked again on the open file, so a FIFO swapped in after
    the first check cannot block the read.
    """
    _check_regular(path, info)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ConfigError(f"{shown_path(path)}: cannot be read ({_reason(exc)})") from None
    try:
        _check_regular(path, os.fstat(fd))
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{shown_path(path)}: cannot be read ({_reason(exc)})") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:  # it grew since the check
        raise ConfigError(
            f"{shown_path(path)}: over the {MAX_FILE_BYTES:,}-byte limit of a config.json"
        )
    return raw


def _check_regular(path: str, info: os.stat_result) -> None:
    """A one-line error unless ``info`` is a regular file within `MAX_FILE_BYTES`."""
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{shown_path(path)}: is not a regular file ({_kind(info.st_mode)})")
    if info.st_size > MAX_FILE_BYTES:
        raise ConfigError(
            f"{shown_path(path)}: {info.st_size:,} bytes, over the {MAX_FILE_BYTES:,}-byte "
            "limit of a config.json"
        )


def _kind(mode: int) -> str:
    """What a non-regular file is, e.g. ``a FIFO``."""
    for test, kind in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a file"


def _parse_int(literal: str) -> int:
    """A JSON integer literal, refused past `MAX_DIGITS` digits before converting it."""
    if len(literal.lstrip("-")) > MAX_DIGITS:
        raise ConfigError(
            f"an integer of {len(literal.lstrip('-')):,} digits, over the {MAX_DIGITS:,}-digit "
            "limit"
        )
    return int(literal)


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type: array, string, number, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    names = {list: "an array", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)
