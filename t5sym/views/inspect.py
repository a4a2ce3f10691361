"""What a weight file or folder holds: the model recognised from its headers, reconciled.

`inspect` reads only headers (`t5sym.views.headers`): a ``.safetensors``, a ``.gguf``, a Hugging
Face model folder (its ``config.json``, ``model.safetensors.index.json`` or
``*.safetensors``), or a diffusers pipeline (``model_index.json``: every T5-family
component). From the tensor names and shapes it recognises the config (`recognise`):
model type (UMT5 keeps a relative bias in every block, T5 in block 0), ``d_model``,
``d_ff``, ``num_heads`` (the relative bias is ``[buckets, heads]``), ``d_kv`` (inner width
/ heads), depths, vocabulary, gated FFN, head and tied ``lm_head``. Every tensor is then
matched to a leaf of `t5sym.model.params.tree` and compared with the storage format that fits
the file best (`t5sym.views.formats`): tensors, shapes, dtypes and bytes expected vs found;
duplicates (ComfyUI's ``encoder.embed_tokens.weight`` beside ``shared.weight``), tensors
transformers does not load (a tokenizer, markers), missing tensors, and the bytes the model
takes in memory once loaded, per dtype, against the files' size.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from t5sym.errors import T5SymError
from t5sym.model import params
from t5sym.model.algebra import integer
from t5sym.model.checks import shown, shown_path
from t5sym.model.config import CLASS_PREFIX, Config, from_hf
from t5sym.model.nodes import Node, Tree
from t5sym.model.result import Result
from t5sym.model.roles import Role
from t5sym.views import formats, pipelines
from t5sym.views.headers import Header, HeaderError, Tensor, read_header, read_json
from t5sym.views.readable import gib

#: A scale tensor kept beside an fp8 weight (ComfyUI's scaled fp8): ``<weight>.<suffix>``.
SCALE_SUFFIXES = ("scale_weight", "scale_input", "weight_scale_inv")

#: The scale transformers' FP8Linear keeps per 128×128 block (``fp8-hf``, saved by
#: ``save_pretrained``); its weight is float8, or bfloat16 off the 128 grid.
BLOCK_SCALE = "weight_scale_inv"

#: What a tensor no leaf names is, by its name: why transformers does not load it.
KNOWN_EXTRAS = {
    "spiece_model": "tokenizer (SentencePiece model bytes)",
    "scaled_fp8": "marker (ComfyUI: a scaled fp8 file)",
}

#: The token-embedding names a stack may store beside ``shared`` (tied in transformers).
EMBED_COPIES = ("encoder.embed_tokens.weight", "decoder.embed_tokens.weight")


# --- GGUF names → transformers names --------------------------------------------------------


def _gguf_templates() -> dict[str, tuple[str, ...]]:
    """llama.cpp's name of every T5 / UMT5 weight (``blk.*``) → transformers' candidates."""
    out: dict[str, list[str]] = {}
    for gated in (False, True):
        for bias in ("block0", "every"):
            s = params.Structure(gated=gated, tied=False, bias=bias)
            for leaf in params.model_tree(s):
                if not leaf.is_leaf:
                    continue
                try:
                    name = formats.gguf_name(leaf.name, 0)
                except T5SymError:
                    continue
                key = name.replace(".blk.0.", ".blk.*.") if "*" in leaf.name else name
                hf = leaf.name + ".weight"
                if hf not in out.setdefault(key, []):
                    out[key].append(hf)
    return {k: tuple(v) for k, v in out.items()}


_GGUF_BLOCK = re.compile(r"^(enc|dec)\.blk\.(\d+)\.(.+)$")


def transformers_name(gguf: str, gated: bool, templates: Mapping[str, tuple[str, ...]]) -> str:
    """transformers' name of a llama.cpp T5 tensor (``enc.blk.3.ffn_up.weight`` →
    ``encoder.block.3.layer.1.DenseReluDense.wi_1.weight`` when gated), or the name as is.

    Examples
    --------
    >>> from t5sym.views.inspect import GGUF_TEMPLATES, transformers_name
    >>> transformers_name("enc.blk.3.attn_q.weight", False, GGUF_TEMPLATES)
    'encoder.block.3.layer.0.SelfAttention.q.weight'
    """
    match = _GGUF_BLOCK.match(gguf)
    key, index = (gguf, None)
    if match:
        key, index = f"{match[1]}.blk.*.{match[3]}", match[2]
        if key not in templates and match[2] == "0":
            key = gguf
    found = templates.get(key)
    if not found:
        return gguf
    name = found[0]
    if len(found) > 1:  # ffn_up: wi (plain) or wi_1 (gated)
        name = next((n for n in found if ("wi_1" in n) == gated), name)
    return name.replace("*", index) if index is not None else name


#: llama.cpp's T5 names, as `transformers_name` reads them.
GGUF_TEMPLATES = _gguf_templates()


# --- recognition --------------------------------------------------------------------------


_BLOCK = re.compile(r"^(encoder|decoder)\.block\.(\d+)\.")
_EXPERT = re.compile(r"\.mlp\.experts\.expert_(\d+)\.")


def _shape(shapes: Mapping[str, tuple[int, ...]], *names: str) -> tuple[str, tuple[int, ...]]:
    for name in names:
        if name in shapes and len(shapes[name]) == 2:
            return name, shapes[name]
    return "", ()


def recognise(shapes: Mapping[str, tuple[int, ...]], name: str | None = None) -> Config:
    """The config a set of transformers-named tensors (name → shape) stores.

    The activation is not in the weights: a gated FFN is taken as ``gated-gelu`` and a
    plain one as ``relu`` (neither changes a count).

    Examples
    --------
    >>> from t5sym.views.inspect import recognise
    >>> c = recognise({"shared.weight": (100, 8), "encoder.block.0.layer.0.SelfAttention."
    ...   "relative_attention_bias.weight": (32, 2), "encoder.block.0.layer.0.SelfAttention."
    ...   "q.weight": (6, 8), "encoder.block.0.layer.1.DenseReluDense.wi_0.weight": (16, 8)})
    >>> c.model, c.num_heads, c.d_kv, c.d_ff, c.is_gated
    ('T5EncoderModel', 2, 3, 16, True)
    """
    where = f"{name}: " if name else ""
    shapes = {k.removeprefix("transformer."): v for k, v in shapes.items()}
    emb, table = _shape(shapes, "shared.weight", *EMBED_COPIES)
    if not emb:
        raise HeaderError(
            f"{where}not a T5-family model: no token embedding (shared.weight, "
            "encoder.embed_tokens.weight or token_embd.weight)"
        )
    vocab, d_model = table
    module = "SelfAttention"
    for m in ("LocalSelfAttention", "TransientGlobalSelfAttention"):
        if any(f".layer.0.{m}." in k for k in shapes):
            module = m
    attn = f"encoder.block.0.layer.0.{module}"
    _, q = _shape(shapes, f"{attn}.q.weight")
    bias_name, bias = _shape(
        shapes,
        f"{attn}.relative_attention_bias.weight",
        "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
    )
    if not q or not bias:
        missing = f"{attn}.q.weight" if not q else f"{attn}.relative_attention_bias.weight"
        raise HeaderError(f"{where}cannot tell the attention's size: no 2-D {missing}")
    buckets, heads = bias
    if q[0] % heads:
        raise HeaderError(
            f"{where}{bias_name} gives {heads} heads, which do not divide q's width {q[0]}"
        )
    layers = {"encoder": 0, "decoder": 0}
    experts, sparse = 0, {"encoder": set(), "decoder": set()}
    for key in shapes:
        if m := _BLOCK.match(key):
            layers[m[1]] = max(layers[m[1]], int(m[2]) + 1)
            if ".mlp.router." in key:
                sparse[m[1]].add(int(m[2]))
        if m := _EXPERT.search(key):
            experts = max(experts, int(m[1]) + 1)
    switch = any(".mlp." in k for k in shapes)
    ffn = "mlp" if switch else "DenseReluDense"
    gated = any(".DenseReluDense.wi_0." in k for k in shapes)
    wi = [
        f"{s}.block.{i}.layer.{n}.{ffn}.{w}.weight"
        for s, n in (("encoder", 1), ("decoder", 2))
        for i in range(max(layers[s], 1))
        for w in ("wi", "wi_0", "experts.expert_0.wi")
    ]
    _, wi_shape = _shape(shapes, *wi)
    if not wi_shape:
        raise HeaderError(f"{where}cannot tell d_ff: no feed-forward wi or wi_0 tensor")
    every = any(
        f"{s}.block.1.layer.0.SelfAttention.relative_attention_bias.weight" in shapes
        for s in ("encoder", "decoder")
    )
    model_type = (
        "switch_transformers"
        if switch
        else "longt5"
        if module != "SelfAttention"
        else "umt5"
        if every
        else "t5"
    )
    head = _head_of(shapes, layers["decoder"] > 0)
    fields: dict[str, Any] = {
        "model_type": model_type,
        "architectures": [CLASS_PREFIX[model_type] + head[0]],
        "d_model": d_model,
        "vocab_size": vocab,
        "num_heads": heads,
        "d_kv": q[0] // heads,
        "relative_attention_num_buckets": buckets,
        "d_ff": wi_shape[0],
        "num_layers": max(layers["encoder"], 1),
        "tie_word_embeddings": "lm_head.weight" not in shapes,
    }
    if layers["decoder"]:
        fields["num_decoder_layers"] = layers["decoder"]
    if head[1]:
        fields["num_labels"] = head[1]
    if switch:
        fields |= {
            "dense_act_fn": "relu",
            "num_experts": max(experts, 1),
            "num_sparse_encoder_layers": len(sparse["encoder"]),
            "num_sparse_decoder_layers": len(sparse["decoder"]),
            "router_bias": any(".router.classifier.bias" in k for k in shapes),
        }
    else:
        fields["feed_forward_proj"] = "gated-gelu" if gated else "relu"
    if module == "TransientGlobalSelfAttention":
        fields["encoder_attention_type"] = "transient-global"
    try:
        return from_hf(fields, name=name)
    except T5SymError as exc:
        raise HeaderError(f"{where}the tensors give no valid config ({exc})") from None


def _head_of(shapes: Mapping[str, tuple[int, ...]], decoder: bool) -> tuple[str, int]:
    """The head its tensors name, and its ``num_labels`` (0: none)."""
    for head, name in (
        ("ForSequenceClassification", "classification_head.out_proj.weight"),
        ("ForTokenClassification", "classifier.weight"),
        ("ForQuestionAnswering", "qa_outputs.weight"),
    ):
        if name in shapes and shapes[name]:
            return head, shapes[name][0]
    return ("ForConditionalGeneration" if decoder else "EncoderModel"), 0


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileInfo(Result):
    """One weight file: its format, size, header and tensor data."""

    path: str
    format: str
    file_size: int
    header_bytes: int
    data_bytes: int
    tensors: int

    FIELDS = ("path", "format", "file_size", "header_bytes", "data_bytes", "tensors")


@dataclass(frozen=True)
class Row(Result):
    """One leaf of the tree: its tensors, dtypes and bytes expected by the plan vs found.

    ``expected_dtypes`` and ``found_dtypes`` count tensors per storage (``F8_E4M3+scales``:
    an fp8 weight with its scale tensors; ``F8_E4M3+blocks``: a weight with transformers'
    ``weight_scale_inv``); ``wrong_shapes`` names the tensors whose shape is
    not ``shape``.
    """

    node: str
    shape: tuple[int, ...]
    expected: int
    found: int
    expected_dtypes: dict[str, int]
    found_dtypes: dict[str, int]
    expected_bytes: int
    found_bytes: int
    wrong_shapes: tuple[str, ...] = ()

    FIELDS = ("node", "shape", "expected", "found", "expected_dtypes", "found_dtypes",
              "expected_bytes", "found_bytes", "wrong_shapes", "ok")  # fmt: skip

    @property
    def ok(self) -> bool:
        """Every tensor there, in the shape, dtype and bytes the plan says."""
        return (
            self.expected == self.found
            and self.expected_dtypes == self.found_dtypes
            and self.expected_bytes == self.found_bytes
            and not self.wrong_shapes
        )


@dataclass(frozen=True)
class Extra(Result):
    """A tensor no leaf of the model names (``why``), or a duplicate (``of``)."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    nbytes: int
    why: str
    of: str = ""

    FIELDS = ("name", "dtype", "shape", "nbytes", "why", "of")


@dataclass(frozen=True)
class Model(Result):
    """One model's files, the config recognised, and every tensor reconciled with the plan.

    ``format``: the t5sym storage format closest to the files (fewest tensors in another
    dtype); ``loaded_by_dtype``: bytes in memory once loaded as stored, each tensor of the
    model once (a duplicate is tied, not loaded twice; an fp8 weight's scales with it; the
    tokenizer and markers not at all).
    """

    name: str
    path: str
    files: tuple[FileInfo, ...]
    config: Config
    recognised_from: str
    layout: str
    format: str
    rows: tuple[Row, ...]
    duplicates: tuple[Extra, ...]
    extras: tuple[Extra, ...]
    missing: tuple[str, ...]
    loaded_by_dtype: dict[str, int]
    plan_bytes: int
    notes: tuple[str, ...] = ()

    FIELDS = ("name", "path", "model", "config", "recognised_from", "layout", "format",
              "file_bytes", "loaded_bytes", "loaded_by_dtype", "plan_bytes", "matches",
              "files", "duplicates", "extras", "missing", "notes", "rows")  # fmt: skip

    @property
    def model(self) -> str:
        """The transformers class the tensors make, e.g. ``UMT5EncoderModel``."""
        return self.config.model

    @property
    def file_bytes(self) -> int:
        """Bytes of the files on disk."""
        return sum(f.file_size for f in self.files)

    @property
    def loaded_bytes(self) -> int:
        """Bytes in memory once loaded (`loaded_by_dtype`, summed)."""
        return sum(self.loaded_by_dtype.values())

    @property
    def matches(self) -> bool:
        """Every leaf as planned, nothing missing."""
        return all(r.ok for r in self.rows) and not self.missing


@dataclass(frozen=True)
class Inspection(Result):
    """What ``t5sym inspect PATH`` reports: one model, or every T5-family component of a
    pipeline (``others``: its components of other classes)."""

    path: str
    kind: str
    models: tuple[Model, ...]
    others: tuple[str, ...] = ()

    FIELDS = ("path", "kind", "file_bytes", "loaded_bytes", "loaded_by_dtype", "models",
              "others")  # fmt: skip

    @property
    def file_bytes(self) -> int:
        """Bytes of every model's files."""
        return sum(m.file_bytes for m in self.models)

    @property
    def loaded_by_dtype(self) -> dict[str, int]:
        """Bytes once loaded per dtype, over every model."""
        total: Counter[str] = Counter()
        for m in self.models:
            total.update(m.loaded_by_dtype)
        return dict(sorted(total.items()))

    @property
    def loaded_bytes(self) -> int:
        """Bytes once loaded, every model."""
        return sum(m.loaded_bytes for m in self.models)


# --- reconciliation -----------------------------------------------------------------------


def _pattern(leaf: str) -> re.Pattern[str]:
    """A leaf name as a pattern over tensor names (``*``: a block or expert index)."""
    body = re.escape(leaf).replace(r"\*", r"\d+")
    suffix = "" if leaf.endswith((".weight", ".bias")) else r"\.weight"
    return re.compile(f"^{body}{suffix}$")


def _match(tree: Tree) -> list[tuple[Node, re.Pattern[str]]]:
    return [(leaf, _pattern(leaf.name)) for leaf in tree if leaf.is_leaf]


def _gguf_names(tensors: Mapping[str, Tensor]) -> dict[str, Tensor]:
    gated = any(".ffn_gate." in k for k in tensors)
    return {transformers_name(k, gated, GGUF_TEMPLATES): t for k, t in tensors.items()}


def _closest_format(
    config: Config, encoder_only: bool, found: Mapping[str, Counter[str]], gguf: bool
) -> str:
    """The format whose storage of each leaf differs from ``found`` in fewest tensors."""
    best: tuple[int, str] | None = None
    for name, fmt in formats.FORMATS.items():
        if (fmt.family == "gguf") != gguf:
            continue
        try:
            plan = formats.storage_map(config, fmt, encoder_only=encoder_only)
        except T5SymError:
            continue
        misses = sum(
            sum((Counter(plan[leaf]) - found.get(leaf, Counter())).values()) for leaf in plan
        )
        if best is None or misses < best[0]:
            best = (misses, name)
    if best is None:
        raise HeaderError(f"{config.name}: no t5sym format stores this model")
    return best[1]


def reconcile(
    tensors: Mapping[str, Tensor],
    config: Config,
    *,
    name: str = "",
    path: str = "",
    files: Iterable[FileInfo] = (),
    recognised_from: str = "tensors",
    gguf: bool = False,
    notes: Iterable[str] = (),
) -> Model:
    """Every tensor (transformers names) matched to a leaf of ``config``'s tree and compared
    with the closest format's plan; duplicates, extras and missing tensors listed."""
    encoder_only = config.encoder_only
    tree = params.tree(config)
    values = config.values()
    patterns = _match(tree)
    matched: dict[str, list[Tensor]] = {leaf.name: [] for leaf, _ in patterns}
    scales: dict[str, list[Tensor]] = {}
    extras, duplicates = [], []
    for key in sorted(tensors):
        t = tensors[key]
        stem, _, last = key.rpartition(".")
        if last in SCALE_SUFFIXES and stem + ".weight" in tensors:
            scales.setdefault(stem + ".weight", []).append(t)
            continue
        leaf = next((leaf for leaf, p in patterns if p.match(key)), None)
        if leaf is not None:
            matched[leaf.name].append(t)
        elif key in EMBED_COPIES and "shared.weight" in tensors:
            duplicates.append(_extra(t, "tied to shared.weight: loaded once", "shared.weight"))
        elif key == "lm_head.weight" and config.lm_head_tied and "shared.weight" in tensors:
            duplicates.append(_extra(t, "tied to shared.weight: loaded once", "shared.weight"))
        else:
            extras.append(_extra(t, _why(key, t)))
    found_dtypes: dict[str, Counter[str]] = {}
    for leaf_name, ts in matched.items():
        found_dtypes[leaf_name] = Counter(_found_storage(t, scales.get(t.name, ())) for t in ts)
    fmt = _closest_format(config, encoder_only, found_dtypes, gguf)
    weights = formats.weights(config, fmt, encoder_only=encoder_only)
    rows, missing = [], []
    loaded: Counter[str] = Counter()
    for leaf, _ in patterns:
        ts = matched[leaf.name]
        shape = tuple(integer(d, values) for d in leaf.shape)
        expected = integer(leaf.repeat, values)
        found_bytes = 0
        for t in ts:
            found_bytes += t.nbytes
            loaded[t.dtype] += t.nbytes
            for s in scales.get(t.name, ()):
                found_bytes += s.nbytes
                loaded[s.dtype] += s.nbytes
        rows.append(
            Row(
                leaf.name,
                shape,
                expected,
                len(ts),
                dict(sorted(weights.storages[leaf.name].items())),
                dict(sorted(found_dtypes[leaf.name].items())),
                weights.breakdown[leaf.name],
                found_bytes,
                tuple(t.name for t in ts if t.shape != shape),
            )
        )
        missing += _missing(leaf, ts, expected, config)
    for key, ss in scales.items():  # scales of a weight no leaf took
        if not any(key == t.name for ts in matched.values() for t in ts):
            extras += [_extra(s, "a scale of a tensor the model does not have") for s in ss]
    plain = {t.name for t in tensors.values()}
    layout = _layout(gguf, duplicates, extras, scales, plain)
    return Model(
        name,
        path,
        tuple(files),
        config,
        recognised_from,
        layout,
        fmt,
        tuple(rows),
        tuple(duplicates),
        tuple(extras),
        tuple(missing),
        dict(sorted(loaded.items())),
        weights.total,
        tuple(notes),
    )


def _found_storage(t: Tensor, scales: Iterable[Tensor]) -> str:
    """A tensor's storage as `t5sym.views.formats` names it: its dtype, ``+scales`` with
    ComfyUI's scales, ``F8_E4M3+blocks`` with transformers' ``weight_scale_inv``."""
    names = [s.name.rpartition(".")[2] for s in scales]
    if BLOCK_SCALE in names:
        return "F8_E4M3+blocks"
    return t.dtype + ("+scales" if names else "")


def _extra(t: Tensor, why: str, of: str = "") -> Extra:
    return Extra(t.name, t.dtype, t.shape, t.nbytes, why, of)


def _why(name: str, t: Tensor) -> str:
    """Why transformers does not load a tensor, from its name."""
    if name in KNOWN_EXTRAS:
        return KNOWN_EXTRAS[name]
    if name.endswith((".SCB", ".weight_format")):
        return "bitsandbytes state"
    if t.dtype == "U8" and "token" in name.lower():
        return "tokenizer bytes"
    return "not a parameter of this model (transformers ignores it)"


def _missing(leaf: Node, ts: list[Tensor], expected: int, config: Config) -> list[str]:
    """The tensors of ``leaf`` not found: their names where the block indices are 0..n-1."""
    if len(ts) >= expected:
        return []
    depth = config.num_layers if leaf.stack is Role.ENCODER else config.num_decoder_layers
    if leaf.name.count("*") == 1 and expected == depth and leaf.within(Role.BLOCK):
        have = {t.name for t in ts}
        names = [_pattern_name(leaf.name, i) for i in range(expected)]
        return [n for n in names if n not in have]
    if "*" not in leaf.name:
        return [_pattern_name(leaf.name, 0)]
    return [f"{leaf.name}: {len(ts)} of {expected} tensors"]


def _pattern_name(leaf: str, index: int) -> str:
    name = leaf.replace("*", str(index))
    return name if name.endswith((".weight", ".bias")) else name + ".weight"


def _layout(
    gguf: bool,
    duplicates: list[Extra],
    extras: list[Extra],
    scales: Mapping[str, list[Tensor]],
    names: set[str],
) -> str:
    """Who wrote the files, as far as the names tell."""
    if gguf:
        return "llama.cpp (GGUF names)"
    blocks = [s for ss in scales.values() for s in ss if s.name.endswith("." + BLOCK_SCALE)]
    if blocks and not duplicates and not extras:
        return "transformers (FineGrainedFP8: weight_scale_inv per 128×128 block)"
    marks = []
    if duplicates:
        marks.append("embeddings stored twice")
    if scales:
        marks.append("fp8 scales")
    if any(e.name in KNOWN_EXTRAS for e in extras):
        marks.append(", ".join(e.name for e in extras if e.name in KNOWN_EXTRAS))
    if any(n.startswith("transformer.") for n in names):
        marks.append("wrapped as transformer.*")
    if duplicates or scales or any(e.name in KNOWN_EXTRAS for e in extras):
        return "ComfyUI (" + "; ".join(marks) + ")"
    return "transformers" + (f" ({'; '.join(marks)})" if marks else "")


# --- paths --------------------------------------------------------------------------------


def _headers(paths: list[str]) -> tuple[dict[str, Tensor], list[FileInfo], list[str], bool]:
    """Every file's header: tensors by name (a name in two files: a note), file infos."""
    tensors: dict[str, Tensor] = {}
    infos, notes = [], []
    kinds = set()
    for p in paths:
        h: Header = read_header(p)
        kinds.add(h.format)
        infos.append(
            FileInfo(p, h.format, h.file_size, h.header_bytes, h.data_bytes, len(h.tensors))
        )
        for t in h.tensors:
            if t.name in tensors:
                notes.append(f"{t.name} is stored in two files; the first is reconciled")
                continue
            tensors[t.name] = t
    if len(kinds) > 1:
        raise HeaderError(f"{shown_path(paths[0])}: safetensors and GGUF files mixed")
    gguf = kinds == {"gguf"}
    return (_gguf_names(tensors) if gguf else tensors), infos, notes, gguf


def _weight_files(folder: str) -> tuple[list[str], list[str]]:
    """A model folder's weight files (the index's shards, or every ``*.safetensors``, or its
    one ``.gguf``), and notes."""
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.isfile(index):
        data = read_json(index, "a safetensors index")
        weight_map = data.get("weight_map")
        if not isinstance(weight_map, dict) or not all(
            isinstance(v, str) and v and "/" not in v and "\\" not in v and v not in (".", "..")
            for v in weight_map.values()
        ):
            raise HeaderError(
                f"{shown_path(index)}: weight_map must map names to file names in the folder"
            )
        files = [os.path.join(folder, f) for f in sorted(set(weight_map.values()))]
        return files, []
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise HeaderError(f"{shown_path(folder)}: cannot be listed ({exc.strerror})") from None
    found = [os.path.join(folder, n) for n in names if n.endswith(".safetensors")]
    if found:
        return found, []
    ggufs = [os.path.join(folder, n) for n in names if n.endswith(".gguf")]
    if len(ggufs) == 1:
        return ggufs, []
    if ggufs:
        raise HeaderError(
            f"{shown_path(folder)}: holds {len(ggufs)} .gguf files; inspect one of them"
        )
    raise HeaderError(f"{shown_path(folder)}: no .safetensors or .gguf file")


def _index_note(folder: str, infos: list[FileInfo]) -> list[str]:
    """A note when the index's ``total_size`` is not the shards' tensor bytes."""
    index = os.path.join(folder, "model.safetensors.index.json")
    if not os.path.isfile(index):
        return []
    total = (read_json(index, "a safetensors index").get("metadata") or {}).get("total_size")
    data = sum(i.data_bytes for i in infos)
    if total is None or total == data:
        return []
    return [f"model.safetensors.index.json total_size {shown(total)}, the shards hold {data:,}"]


def inspect_model(path: str, name: str = "") -> Model:
    """One model: a weight file, or a model folder (with its ``config.json`` if it has one)."""
    path = os.fsdecode(path)
    folder, config_json = None, None
    if pipelines.is_dir(path):
        folder = path
        files, notes = _weight_files(path)
        if os.path.exists(os.path.join(path, "config.json")):
            config_json = os.path.join(path, "config.json")
    elif os.path.basename(path).endswith(".index.json"):
        folder = os.path.dirname(path) or "."
        files, notes = _weight_files(folder)
    else:
        files, notes = [path], []
    tensors, infos, more, gguf = _headers(files)
    notes += more
    if folder is not None:
        notes += _index_note(folder, infos)
    shapes = {k: t.shape for k, t in tensors.items()}
    label = name or path
    if config_json is None:
        config = recognise(shapes, label)
        source = "tensors"
    else:
        config = from_hf(config_json, name=label)
        source = "config.json"
        notes += _agreement(config, shapes, label)
    return reconcile(tensors, config, name=label, path=path, files=infos,
                     recognised_from=source, gguf=gguf, notes=notes)  # fmt: skip


#: The fields `_agreement` compares between a config.json and the tensors.
_COMPARED = ("d_model", "d_ff", "num_heads", "d_kv", "num_layers", "vocab_size",
             "relative_attention_num_buckets", "model_type")  # fmt: skip


def _agreement(config: Config, shapes: Mapping[str, tuple[int, ...]], label: str) -> list[str]:
    """Notes where the tensors say another value than config.json."""
    try:
        seen = recognise(shapes, label)
    except HeaderError as exc:
        return [f"the tensors alone give no config: {exc}"]
    return [
        f"config.json has {k}={getattr(config, k)}, the tensors {getattr(seen, k)}"
        for k in _COMPARED
        if getattr(config, k) != getattr(seen, k)
        and not (k == "model_type" and {config.model_type, seen.model_type} == {"t5", "mt5"})
    ]


def inspect(path: str | os.PathLike[str]) -> Inspection:
    """What ``path`` holds: a ``.safetensors`` or ``.gguf`` file, a model folder, a
    ``model_index.json`` or its diffusers folder (every T5-family component), reconciled
    with t5sym's plan from the headers alone.

    Raises
    ------
    T5SymError
        One line (`t5sym.views.headers.HeaderError` for a file): missing, not a regular file,
        truncated, corrupt, hostile, unknown, or no T5-family model.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise HeaderError(f"path: expected a file or folder, got {shown(path)}")
    path = os.fsdecode(path)
    if not path:
        raise HeaderError("path: empty; give a weight file or a folder")
    pipeline = pipelines.pipeline_folder(path)
    if pipeline is None:
        model = inspect_model(path)
        kind = "folder" if pipelines.is_dir(path) else model.files[0].format
        return Inspection(path, kind, (model,))
    ours, others = pipelines.components(pipeline)
    models = tuple(
        inspect_model(pipelines.component_folder(pipeline, key), name=key) for key, _ in ours
    )
    return Inspection(path, "pipeline", models, tuple(others))


# --- text ---------------------------------------------------------------------------------

WIDTH = 80


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _middle(text: str, width: int) -> str:
    """``text`` cut in the middle to ``width`` characters (a name's end says the most)."""
    if len(text) <= width:
        return text
    head = (width - 1) * 2 // 5
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def _dtypes(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{d} ×{n}" if n != 1 else d for d, n in counts.items()) or "none"


def _shape_text(shape: Iterable[int]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def model_text(m: Model) -> str:
    """One model's report: files, config, layout, every leaf, extras, memory (80 columns)."""
    c = m.config
    lines = [_cut(f"{m.name}: {c.model} ({c.model_type}), from the {m.recognised_from}", WIDTH)]
    for f in m.files:
        lines.append(_cut(f"  {f.format} {shown_path(f.path)}", WIDTH))
        lines.append(
            f"    {f.file_size:,} bytes: header {f.header_bytes:,}, "
            f"{f.tensors:,} tensors {f.data_bytes:,}"
        )
    lines.append(f"  d_model={c.d_model} d_ff={c.d_ff} num_heads={c.num_heads} d_kv={c.d_kv}")
    depth = f"{c.num_layers}" + ("" if c.encoder_only else f"/{c.num_decoder_layers}")
    head = "none" if c.head != "ForConditionalGeneration" else (
        "tied" if c.lm_head_tied else "untied")  # fmt: skip
    lines.append(
        f"  layers={depth} vocab_size={c.vocab_size} "
        f"buckets={c.relative_attention_num_buckets} ffn={'gated' if c.is_gated else 'plain'}"
        f" lm_head={head}"
    )
    lines.append(_cut(f"  layout: {m.layout}", WIDTH))
    lines.append(f"  closest t5sym format: {m.format}")
    lines.append("")
    lines.append(f"{'tensor':<45} {'found':>5} {'dtype':<14} {'bytes':>13}")
    lines.append(f"{'-' * 45} {'-' * 5} {'-' * 14} {'-' * 13}")
    for r in m.rows:
        dtype = next(iter(r.found_dtypes)) if len(r.found_dtypes) == 1 else "mixed"
        dtype = "none" if not r.found_dtypes else dtype
        count = f"{r.found}/{r.expected}"
        lines.append(
            f"{_middle(r.node, 45):<45} {count:>5} {_cut(dtype, 14):<14} {r.found_bytes:>13,}"
        )
        if len(r.found_dtypes) > 1:
            lines.append(_cut(f"  found: {_dtypes(r.found_dtypes)}", WIDTH))
        if r.expected_dtypes != r.found_dtypes or r.expected_bytes != r.found_bytes:
            plan = _cut(f"  ! plan: {_dtypes(r.expected_dtypes)}", 65)
            lines.append(f"{plan:<66}{r.expected_bytes:>13,}")
        if r.wrong_shapes:
            lines.append(_cut(f"  ! {len(r.wrong_shapes)} not {_shape_text(r.shape)}: "
                              f"{', '.join(r.wrong_shapes)}", WIDTH))  # fmt: skip
    total_found = sum(r.found_bytes for r in m.rows)
    lines.append(f"{'model tensors':<60}{total_found:>19,}")
    lines.append(f"{'plan (' + m.format + ')':<60}{m.plan_bytes:>19,}")
    for title, items in (
        ("stored twice (tied in transformers: loaded once)", m.duplicates),
        ("not loaded by transformers", m.extras),
    ):
        if items:
            lines += ["", f"{title}:"]
            for e in items:
                what = f"  {e.name} {e.dtype} {_shape_text(e.shape)}"
                lines.append(f"{_cut(what, 65):<66}{e.nbytes:>13,}")
                lines.append(_cut(f"    {('= ' + e.of) if e.of else e.why}", WIDTH))
    lines += ["", "missing: " + ("none" if not m.missing else f"{len(m.missing)} tensors")]
    lines += [_cut(f"  {n}", WIDTH) for n in m.missing[:20]]
    if len(m.missing) > 20:
        lines.append(f"  … and {len(m.missing) - 20} more")
    lines += ["", "in memory once loaded (as stored, each tensor once):"]
    lines += _memory_lines(m.loaded_by_dtype, m.loaded_bytes, m.file_bytes)
    for note in m.notes:
        lines.append(_cut(f"note: {note}", WIDTH))
    lines.append(
        "reconciled: every tensor as planned" if m.matches else "reconciled: differences (!)"
    )
    return "\n".join(lines)


def _memory_lines(by_dtype: Mapping[str, int], loaded: int, on_disk: int) -> list[str]:
    lines = [f"  {d:<14}{n:>20,} B {gib(n):>10} GiB" for d, n in by_dtype.items()]
    lines.append(f"  {'total':<14}{loaded:>20,} B {gib(loaded):>10} GiB")
    lines.append(f"  {'files on disk':<14}{on_disk:>20,} B {gib(on_disk):>10} GiB")
    return lines


def inspect_text(result: Inspection) -> str:
    """The report of `inspect`, plain text within 80 columns, exact integers."""
    parts = []
    if result.kind == "pipeline":
        head = [_cut(f"pipeline {shown_path(result.path)}: "
                     f"{len(result.models)} T5-family component(s)", WIDTH)]  # fmt: skip
        head += [_cut(f"  other: {o}", WIDTH) for o in result.others]
        parts.append("\n".join(head))
    parts += [model_text(m) for m in result.models]
    if result.kind == "pipeline" and result.models:
        total = ["every T5-family component, once loaded:"]
        total += _memory_lines(result.loaded_by_dtype, result.loaded_bytes, result.file_bytes)
        parts.append("\n".join(total))
    return "\n\n".join(parts)


__all__ = [
    "Extra",
    "FileInfo",
    "Inspection",
    "Model",
    "Row",
    "inspect",
    "inspect_model",
    "inspect_text",
    "recognise",
    "reconcile",
    "transformers_name",
]
