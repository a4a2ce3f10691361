"""Files as published, byte for byte: which tensors a file stores, in which dtype, and its
header, beside the weights the model holds in memory.

A `Layout` is a file layout: the storage format of the model's own tensors
(`t5sym.views.formats`, chosen per leaf by role and kind), what the file adds (a second copy of
the token embedding under ``encoder.embed_tokens.weight``, ComfyUI's empty ``scaled_fp8``
marker, the tokenizer as a ``U8`` tensor ``spiece_model``), and its container's rules:

- ``safetensors`` (huggingface/safetensors ``tensor.rs``, ``prepare`` and ``Metadata``'s
  ``Serialize``): an 8-byte little-endian header length, then the header: compact JSON
  (``serde_json::to_string``: no spaces), ``__metadata__`` first when there is one, then
  every tensor as ``{"dtype","shape","data_offsets"}`` in the order of its data: dtypes in
  descending order of safetensors' ``Dtype`` enum (`DTYPE_ORDER`), then by name; the JSON
  padded with spaces to a multiple of 8; then the data. A ``save_pretrained`` folder is
  split in shards by huggingface_hub's ``split_torch_state_dict_into_shards`` (tensors in
  the state dict's order; a new shard when the next tensor would pass ``max_shard_size``).
- ``gguf`` (ggml ``docs/gguf.md``; ``gguf.cpp``): 24 bytes (magic, version, counts), the
  key-values (the architecture's metadata and the tokenizer: not derivable from a config),
  per tensor its info (name as a uint64 length + bytes, uint32 ``n_dims``, uint64 dims,
  uint32 type, uint64 offset), padding to ``general.alignment`` (32), then each tensor's
  data padded to 32. Types per tensor: `t5sym.views.formats.Plan` (llama.cpp's walk).
- ``memory``: nothing is written (bitsandbytes, transformers' FineGrainedFP8 or torchao
  quantizes while transformers loads); ``footprint`` is what
  ``model.get_memory_footprint()`` reports: the parameters' own bytes, without
  bitsandbytes' int8 ``SCB`` per row or 4-bit ``absmax``/``code`` state, which are
  attributes of the parameters, not parameters or buffers (FP8's ``weight_scale_inv`` are
  parameters: counted; torchao's ``Float8Tensor`` reports its bfloat16 dtype, so its
  float8 values count 2 bytes each and its scales none).

What cannot be derived from a config is said, never guessed: a GGUF file's key-values
(metadata and tokenizer) and the padding after them; the length of ``spiece_model``
(give it as ``tokenizer_bytes`` to have the whole file).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import sympy

from t5sym.errors import T5SymError
from t5sym.model import checks, params
from t5sym.model.algebra import integer
from t5sym.model.config import Config, checked_config
from t5sym.model.nodes import Node
from t5sym.model.result import Result
from t5sym.model.roles import Role
from t5sym.views import formats

#: safetensors' ``Dtype`` enum, in the order its data is written (descending: the enum's
#: derived ``Ord``), checked against files written by the ``safetensors`` package.
DTYPE_ORDER = ("U64", "I64", "F64", "C64", "F32", "U32", "I32", "BF16", "F16", "U16", "I16",
               "F8_E8M0", "F8_E4M3", "F8_E5M2", "I8", "U8", "BOOL")  # fmt: skip

#: Bytes per value of the safetensors dtypes a layout writes.
DTYPE_BYTES = {"F32": 4, "BF16": 2, "F16": 2, "F8_E4M3": 1, "U8": 1}

#: GGUF: fixed header (magic, version, tensor count, key-value count), data alignment.
GGUF_FIXED, GGUF_ALIGNMENT = 24, 32

#: Above this many tensors a header is not written out (it names every tensor).
MAX_TENSORS = 200_000

#: The token-embedding copy ComfyUI's files store beside ``shared.weight``.
EMBED_COPY = "encoder.embed_tokens.weight"


@dataclass(frozen=True)
class Layout:
    """A file layout: ``format`` for the model's tensors, what the file adds, its container.

    ``published``: (preset, bytes, source key) of a file of this layout whose size is
    published; ``encoder_only``/``model_types``: the models such files hold.
    """

    name: str
    title: str
    container: str  # "safetensors", "sharded", "gguf" or "memory"
    format: str
    source: str
    embed_copy: bool = False
    marker: bool = False
    tokenizer: bool = False
    metadata: Mapping[str, str] | None = None
    max_shard_size: int = 0
    model_types: frozenset[str] = frozenset()
    encoder_only: bool = False
    published: tuple[tuple[str, int, str], ...] = ()


_COMFY = "comfy-flux-text-encoders"
_WAN = "comfy-wan-repack"

#: The text-encoder files people download, as published.
PUBLISHED: dict[str, Layout] = {
    lay.name: lay
    for lay in (
        Layout("comfyui-t5xxl-fp16", "ComfyUI t5xxl_fp16.safetensors", "safetensors", "fp16",
               _COMFY, embed_copy=True, model_types=frozenset({"t5"}), encoder_only=True,
               published=(("t5-v1_1-xxl", 9_787_841_024, _COMFY),)),
        Layout("comfyui-t5xxl-fp8_e4m3fn", "ComfyUI t5xxl_fp8_e4m3fn.safetensors",
               "safetensors", "fp8-e4m3fn", _COMFY, embed_copy=True,
               model_types=frozenset({"t5"}), encoder_only=True,
               published=(("t5-v1_1-xxl", 4_893_934_904, _COMFY),)),
        Layout("comfyui-t5xxl-fp8_e4m3fn_scaled", "ComfyUI t5xxl_fp8_e4m3fn_scaled.safetensors",
               "safetensors", "fp8-scaled", _COMFY, embed_copy=True, marker=True,
               model_types=frozenset({"t5"}), encoder_only=True),
        Layout("wan-umt5-xxl-fp16", "Comfy-Org (Wan) umt5_xxl_fp16.safetensors", "safetensors",
               "fp16", _WAN, embed_copy=True, tokenizer=True,
               model_types=frozenset({"umt5"}), encoder_only=True),
        Layout("wan-umt5-xxl-bf16", "Comfy-Org (Wan) umt5_xxl_bf16.safetensors", "safetensors",
               "bf16", _WAN, embed_copy=True, tokenizer=True,
               model_types=frozenset({"umt5"}), encoder_only=True),
        Layout("wan-umt5-xxl-fp8_e4m3fn_scaled",
               "Comfy-Org (Wan) umt5_xxl_fp8_e4m3fn_scaled.safetensors", "safetensors",
               "fp8-scaled", _WAN, embed_copy=True, marker=True, tokenizer=True,
               model_types=frozenset({"umt5"}), encoder_only=True),
        Layout("diffusers-bf16-5gb", "diffusers folder (save_pretrained bf16, 5 GB shards)",
               "sharded", "bf16",
               "diffusers-text-encoder-folder",
               metadata={"format": "pt"}, max_shard_size=5 * 10**9, encoder_only=True),
    )
}  # fmt: skip


def default_layout(fmt: formats.Format) -> Layout:
    """The file a format is written as, one per format: ``save_pretrained``'s
    ``model.safetensors`` (float), ``save_file`` of each tensor once (fp8; ``fp8-scaled``
    with its marker), llama.cpp's GGUF, or no file (bitsandbytes, transformers' FP8: in
    memory)."""
    if fmt.family == "gguf":
        return Layout(fmt.name, "GGUF (llama.cpp names and types)", "gguf", fmt.name, "")
    if fmt.family == "bitsandbytes":
        return Layout(fmt.name, "in memory (bitsandbytes)", "memory", fmt.name, "")
    if fmt.family == "transformers-fp8":
        return Layout(fmt.name, "in memory (transformers FP8)", "memory", fmt.name, "")
    if fmt.family == "torchao-fp8":
        return Layout(fmt.name, "in memory (torchao)", "memory", fmt.name, "")
    if fmt.family == "fp8":
        return Layout(
            fmt.name,
            "safetensors, each tensor once",
            "safetensors",
            fmt.name,
            "",
            marker=fmt.name == "fp8-scaled",
        )
    return Layout(
        fmt.name,
        "model.safetensors (save_pretrained)",
        "safetensors",
        fmt.name,
        "",
        metadata={"format": "pt"},
        max_shard_size=50 * 10**9,
    )


# --- tensors --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """One tensor as a file stores it: name, dtype, shape, data bytes."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    nbytes: int


def _blocks(leaf: Node, config: Config) -> range | list[int]:
    """The block indices holding a ``block.*`` leaf: every block, or for Switch's feed-forward
    layers the sparse blocks (router, experts) or the dense ones, by transformers' rule
    (`t5sym.model.config.Config.sparse_step`)."""
    stack = "decoder" if leaf.within(Role.DECODER) else "encoder"
    depth = config.num_decoder_layers if stack == "decoder" else config.num_layers
    sparse_layer = leaf.within(Role.EXPERTS) or leaf.within(Role.ROUTER)
    dense_in_switch = config.model_type == "switch_transformers" and leaf.within(Role.FFN)
    if not (sparse_layer or dense_in_switch):
        return range(depth)
    step = config.sparse_step(stack)
    sparse = [i for i in range(depth) if step > 0 and (step == 1 or i % step == 1)]
    return sparse if sparse_layer else sorted(set(range(depth)) - set(sparse))


def _names(leaf: Node, config: Config, values: Mapping[sympy.Symbol, int]) -> list[str]:
    """Every tensor name of a leaf: ``block.*`` over the blocks holding it (`_blocks`), and
    Switch's ``expert_*`` over its experts; refused past `MAX_TENSORS` names."""
    base = leaf.name if leaf.name.endswith((".weight", ".bias")) else leaf.name + ".weight"
    repeat = integer(leaf.repeat, values)
    if "*" not in base:
        return [base]
    if repeat > MAX_TENSORS:
        raise T5SymError(
            f"num_layers: a header names every tensor; at most {MAX_TENSORS:,} "
            f"blocks, got {checks.shown(repeat)}"
        )
    blocks = [str(i) for i in _blocks(leaf, config)]
    experts = [str(e) for e in range(config.num_experts)] if leaf.within(Role.EXPERTS) else [""]
    head, _, rest = base.partition("*")
    names = [f"{head}{b}{rest.replace('*', e, 1)}" for b in blocks for e in experts]
    if len(names) != repeat or "*" in "".join(names):  # the tree and the names disagree
        raise T5SymError(f"layout: which blocks hold {leaf.name!r:.80} is not in the tree")
    return names


def tensors(config: Config, layout: Layout, *, encoder_only: bool = False) -> list[Stored]:
    """Every model tensor a safetensors file of ``layout`` stores, in the state dict's
    order (the tree's), each with its dtype (the format's storage) and scales."""
    fmt = formats.get(layout.format)
    tree = params.tree(config, encoder_only=encoder_only)
    values = config.values()
    plan = formats.Plan(fmt, tree, values, config.model_type)
    out: list[Stored] = []
    for leaf in tree:
        if not leaf.is_leaf:
            continue
        ((_, storage),) = formats.storage(fmt, leaf, plan)
        shape = tuple(integer(d, values) for d in leaf.shape)
        numel = 1
        for d in shape:
            numel *= d
        dtype = storage.name.removesuffix("+scales")
        for name in _names(leaf, config, values):
            out.append(Stored(name, dtype, shape, numel * DTYPE_BYTES[dtype]))
            if storage.name.endswith("+scales"):
                out.append(Stored(name.removesuffix(".weight") + ".scale_weight", "F32", (), 4))
            if layout.embed_copy and leaf.role is Role.EMBEDDING and name == "shared.weight":
                out.append(Stored(EMBED_COPY, dtype, shape, numel * DTYPE_BYTES[dtype]))
    if layout.marker:
        out.append(Stored("scaled_fp8", "F8_E4M3", (0,), 0))
    return out


def safetensors_header(stored: Sequence[Stored], metadata: Mapping[str, str] | None = None) -> int:
    """Bytes before the data of a safetensors file of ``stored``: 8 + the padded JSON,
    as the ``safetensors`` package writes it."""
    order = sorted(stored, key=lambda t: (DTYPE_ORDER.index(t.dtype), t.name))
    header: dict[str, object] = {} if metadata is None else {"__metadata__": dict(metadata)}
    offset = 0
    for t in order:
        header[t.name] = {
            "dtype": t.dtype,
            "shape": list(t.shape),
            "data_offsets": [offset, offset + t.nbytes],
        }
        offset += t.nbytes
    n = len(json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode())
    return 8 + n + (-n) % 8


def shards(stored: Sequence[Stored], max_shard_size: int) -> list[list[Stored]]:
    """huggingface_hub's ``split_state_dict_into_shards_factory``: in order, a tensor over
    the limit alone, else a new shard when it would pass the limit."""
    out: list[list[Stored]] = []
    current: list[Stored] = []
    size = 0
    for t in stored:
        if t.nbytes > max_shard_size:
            out.append([t])
            continue
        if size + t.nbytes > max_shard_size:
            out.append(current)
            current, size = [], 0
        current.append(t)
        size += t.nbytes
    if current:
        out.append(current)
    return out


def _pad(n: int) -> int:
    return n + (-n) % GGUF_ALIGNMENT


def gguf_parts(config: Config, fmt: formats.Format, *, encoder_only: bool) -> tuple[int, int, int]:
    """A GGUF file's derivable parts: (tensor count, tensor-info bytes, data bytes with each
    tensor padded to 32), llama.cpp's names and types."""
    tree = params.tree(config, encoder_only=encoder_only)
    values = config.values()
    plan = formats.Plan(fmt, tree, values, config.model_type)
    count = info = data = 0
    for leaf in tree:
        if not leaf.is_leaf:
            continue
        choice = formats.storage(fmt, leaf, plan)
        shape = tuple(integer(d, values) for d in leaf.shape)
        repeat = integer(leaf.repeat, values)
        if repeat > MAX_TENSORS:
            raise formats.Inapplicable(
                f"num_layers: a header names every tensor; at most "
                f"{MAX_TENSORS:,} blocks, got {checks.shown(repeat)}"
            )
        names = [formats.gguf_name(leaf.name, i) for i in range(repeat)]
        info += sum(8 + len(n.encode()) + 4 + 8 * len(shape) + 4 + 8 for n in names)
        count += len(names)
        for n, storage in choice:
            data += integer(sympy.sympify(n), values) * _pad(integer(storage.nbytes(shape), {}))
    return count, info, data


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part(Result):
    """One reason a file's bytes differ from the weights in memory: ``bytes`` (None: not
    derivable from the config, ``why`` says what)."""

    what: str
    bytes: int | None
    why: str = ""

    FIELDS = ("what", "bytes", "why")


@dataclass(frozen=True)
class FileBytes(Result):
    """A layout of one model: its file's bytes (None where a part is not derivable),
    header, tensors, and the parts that make the difference with the weights in memory."""

    layout: str
    title: str
    container: str
    format: str
    weights: int
    file_bytes: int | None
    header_bytes: int | None
    data_bytes: int
    tensors: int
    difference: tuple[Part, ...] = ()
    footprint: int | None = None
    files: int = 1
    source: str = ""
    published: int | None = None
    note: str = ""

    FIELDS = (
        "layout",
        "title",
        "container",
        "format",
        "weights",
        "file_bytes",
        "header_bytes",
        "data_bytes",
        "tensors",
        "files",
        "footprint",
        "difference",
        "source",
        "published",
        "note",
    )


def _footprint(config: Config, fmt: str, encoder_only: bool) -> int:
    """``get_memory_footprint()``: bitsandbytes' parameters without their quantization state
    (int8: the values; 4-bit: ⌈n/2⌉ packed bytes); torchao's ``Float8Tensor`` weights at
    the element size of the dtype they report (bfloat16), their scales left out."""
    w = formats.weights(config, fmt, encoder_only=encoder_only)
    tree = params.tree(config, encoder_only=encoder_only)
    values = config.values()
    total = 0
    for name, counts in w.storages.items():
        shape = tree[name].shape
        numel = integer(sympy.Mul(*shape), values)
        for s, n in counts.items():
            if s == "INT8+SCB":
                total += n * numel
            elif s == "F8_E4M3+rows":  # torchao's Float8Tensor: the bfloat16 it stands for
                total += n * 2 * numel
            elif s.startswith(("NF4", "FP4")):
                total += n * -(-numel // 2)
            else:
                total += n * integer(formats.STORAGES[s].nbytes(shape), values)
    return total


def _in_memory(common: dict, weights: int, foot: int, part: Part, note: str) -> FileBytes:
    """A layout a quantizer makes while transformers loads the model: no file, the bytes it
    holds, and what ``get_memory_footprint()`` reports beside them (``part``: the gap)."""
    return FileBytes(**common, file_bytes=None, header_bytes=None, data_bytes=weights,
                     tensors=0, files=0, footprint=foot, difference=(part,), note=note)  # fmt: skip


def file_bytes(
    config: Config,
    layout: Layout | str,
    *,
    encoder_only: bool = False,
    tokenizer_bytes: int | None = None,
) -> FileBytes:
    """The bytes of ``layout``'s file(s) for ``config`` (its class, or with ``encoder_only``
    its ``…EncoderModel``), beside the weights in memory in the layout's format, and what
    makes the difference. ``tokenizer_bytes``: the length of ``spiece_model`` where the
    layout stores one (not derivable from a config).

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views import layouts
    >>> f = layouts.file_bytes(t5sym.load("t5-v1_1-xxl"), "comfyui-t5xxl-fp16", encoder_only=True)
    >>> f.file_bytes, f.header_bytes
    (9787841024, 27136)
    """
    checked_config(config)
    encoder_only = checks.boolean("encoder_only", encoder_only)
    if isinstance(layout, str):
        if layout in PUBLISHED:
            layout = PUBLISHED[layout]
        elif layout in formats.FORMATS:
            layout = default_layout(formats.FORMATS[layout])
        else:
            known = ", ".join([*PUBLISHED, *formats.FORMATS])
            raise T5SymError(f"layout: unknown {checks.shown(layout)}; known: {known}")
    if tokenizer_bytes is not None:
        tokenizer_bytes = checks.positive_int("tokenizer_bytes", tokenizer_bytes)
    fmt = formats.get(layout.format)
    weights = formats.weights(config, fmt.name, encoder_only=encoder_only).total
    published = next((b for p, b, _ in layout.published if p == config.name), None)
    common = dict(
        layout=layout.name,
        title=layout.title,
        container=layout.container,
        format=fmt.name,
        weights=weights,
        source=layout.source,
        published=published,
    )
    if layout.container == "memory" and fmt.family == "transformers-fp8":
        return FileBytes(
            **common,
            file_bytes=None,
            header_bytes=None,
            data_bytes=weights,
            tensors=0,
            files=0,
            footprint=weights,
            note="quantized by transformers (FineGrainedFP8Config) while it loads the model: "
            "no file; get_memory_footprint() counts the scales, which are parameters",
        )
    if layout.container == "memory" and fmt.family == "torchao-fp8":
        foot = _footprint(config, fmt.name, encoder_only)
        part = Part(
            "get_memory_footprint() counts float8 weights at 2 bytes, without their scales",
            weights - foot,
            "torchao's Float8Tensor reports the bfloat16 dtype it stands for",
        )
        note = "quantized by torchao while transformers loads the model: no file"
        return _in_memory(common, weights, foot, part, note)
    if layout.container == "memory":
        foot = _footprint(config, fmt.name, encoder_only)
        why = (
            "quantized by bitsandbytes while transformers loads the model: no file; "
            "get_memory_footprint() leaves out the quantization state"
        )
        part = Part(
            "quantization state (int8 SCB per row, 4-bit absmax and code)",
            weights - foot,
            "attributes of the parameters, not counted by get_memory_footprint()",
        )
        return _in_memory(common, weights, foot, part, why)
    if layout.container == "gguf":
        count, info, data = gguf_parts(config, fmt, encoder_only=encoder_only)
        derivable = GGUF_FIXED + info
        parts = (
            Part("fixed header and tensor infos", derivable, "24 bytes + each tensor's info"),
            Part("alignment of each tensor's data to 32", data - weights),
            Part(
                "key-values: metadata and tokenizer",
                None,
                "not derivable from a config (the tokenizer's vocabulary and scores)",
            ),
            Part("padding after the key-values", None, "0 to 31 bytes, after the key-values"),
        )
        return FileBytes(
            **common,
            file_bytes=None,
            header_bytes=None,
            data_bytes=data,
            tensors=count,
            difference=parts,
            note=f"file = {derivable + data:,} + the key-values + their padding",
        )
    stored = tensors(config, layout, encoder_only=encoder_only)
    parts_list: list[Part] = []
    copy = next((t for t in stored if t.name == EMBED_COPY), None)
    if copy is not None:
        parts_list.append(
            Part(f"{EMBED_COPY} stored beside shared.weight", copy.nbytes, "tied: loaded once")
        )
    if layout.marker:
        parts_list.append(Part("scaled_fp8 marker", 0, "an empty tensor"))
    note = ""
    if layout.tokenizer:
        stored.append(Stored("spiece_model", "U8", (tokenizer_bytes or 0,), tokenizer_bytes or 0))
        parts_list.append(
            Part(
                "spiece_model (tokenizer, U8)",
                tokenizer_bytes,
                "" if tokenizer_bytes else "its length: not in the config",
            )
        )
    groups = [stored]
    if layout.max_shard_size:
        groups = shards(stored, layout.max_shard_size)
    header = sum(safetensors_header(g, layout.metadata) for g in groups)
    data = sum(t.nbytes for t in stored)
    what = "safetensors header" + (f"s ({len(groups)} files)" if len(groups) > 1 else "")
    parts_list.append(Part(what, header, "8 + JSON, padded to 8"))
    total: int | None = header + data
    if layout.tokenizer and tokenizer_bytes is None:
        total = None
        note = f"file = {header + data:,} + spiece_model (its length: not in the config)"
    return FileBytes(
        **common,
        file_bytes=total,
        header_bytes=header,
        data_bytes=data,
        tensors=len(stored),
        files=len(groups),
        difference=tuple(parts_list),
        note=note,
    )


def applies(layout: Layout, config: Config, encoder_only: bool) -> bool:
    """Whether files of ``layout`` hold this model (a text encoder of its model type)."""
    if layout.encoder_only and not (encoder_only or config.encoder_only):
        return False
    return not layout.model_types or config.model_type in layout.model_types


def published_for(config: Config, fmt: str, encoder_only: bool) -> Iterator[Layout]:
    """The published layouts that store ``fmt`` and hold this model."""
    for lay in PUBLISHED.values():
        if lay.format == fmt and applies(lay, config, encoder_only):
            yield lay


def every_layout(config: Config, *, encoder_only: bool = False) -> list[FileBytes]:
    """`file_bytes` of every format's own file and of every published layout that holds
    this model; a layout that cannot (GGUF for Switch) is left out."""
    out = []
    for fmt in formats.FORMATS.values():
        for lay in (default_layout(fmt), *published_for(config, fmt.name, encoder_only)):
            try:
                out.append(file_bytes(config, lay, encoder_only=encoder_only))
            except T5SymError:  # GGUF for Switch; Switch's sparse blocks in a header
                continue
    return out


@dataclass(frozen=True)
class FormatFiles(Result):
    """One format's weights in memory (`t5sym.views.formats.Weights`, or `NotApplicable`) with
    its own file (``file``) and the published files that store it (``layouts``): what
    ``t5sym weights --all`` reports per format."""

    weights: formats.Weights | formats.NotApplicable
    file: FileBytes | None = None
    layouts: tuple[FileBytes, ...] = ()

    @property
    def format(self) -> str:
        """The format's name."""
        return self.weights.format

    @property
    def applicable(self) -> bool:
        """Whether the format holds the model."""
        return self.weights.applicable

    def to_dict(self, *, details: bool = False) -> dict[str, object]:
        """The weights' keys, then ``file_bytes``, ``header_bytes``, ``footprint``,
        ``difference`` (the parts between the weights and the file) and ``layouts``."""
        out = self.weights.to_dict(details=details)
        if self.file is None:
            return out
        f = self.file
        return out | {
            "file_bytes": f.file_bytes,
            "header_bytes": f.header_bytes,
            "file": f.title,
            "file_note": f.note,
            "footprint": f.footprint,
            "difference": [p.to_dict() for p in f.difference],
            "layouts": [lay.to_dict() for lay in self.layouts],
        }


def weights_all(
    config: Config, *, encoder_only: bool = False, tokenizer_bytes: int | None = None
) -> list[FormatFiles]:
    """`t5sym.views.formats.weights_all` with every format's file and the published layouts
    that store it (text-encoder files for an encoder of their model type)."""
    out = []
    for w in formats.weights_all(config, encoder_only=encoder_only):
        if not w.applicable:
            out.append(FormatFiles(w))
            continue
        fmt = formats.FORMATS[w.format]
        try:
            own = file_bytes(config, default_layout(fmt), encoder_only=encoder_only)
        except T5SymError as exc:  # a header that names too many tensors
            own = FileBytes(
                fmt.name,
                default_layout(fmt).title,
                "",
                fmt.name,
                w.total,
                None,
                None,
                w.total,
                0,
                note=str(exc),
            )
        found = []
        for lay in published_for(config, fmt.name, encoder_only):
            try:
                found.append(file_bytes(config, lay, encoder_only=encoder_only,
                                        tokenizer_bytes=tokenizer_bytes))  # fmt: skip
            except T5SymError:  # a model such files cannot name (Switch's sparse blocks)
                continue
        out.append(FormatFiles(w, own, tuple(found)))
    return out


__all__ = [
    "FormatFiles",
    "weights_all",
    "FileBytes",
    "Layout",
    "PUBLISHED",
    "Part",
    "Stored",
    "default_layout",
    "every_layout",
    "file_bytes",
    "safetensors_header",
    "shards",
    "tensors",
]
