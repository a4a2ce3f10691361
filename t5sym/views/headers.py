"""The headers of weight files, read without the tensor data: safetensors and GGUF.

Each reader opens only a regular file, reads its header (bounded: `MAX_SAFETENSORS_HEADER`,
`MAX_GGUF_HEADER`, every GGUF count checked against the bytes left), checks every tensor's
dtype, shape and byte range against the file's size, and returns a `Header`: the tensors
(name, dtype, shape in torch's order, bytes, offset) and the metadata. A file of any size
answers at once: no tensor byte is read. A truncated, corrupt, hostile or unknown file is
one `HeaderError` line naming the file and the problem.

Formats (as read for this module):

- safetensors (huggingface/safetensors ``lib.rs``, ``tensor.rs``): an 8-byte little-endian
  header length N (at most 100,000,000), N bytes of JSON (``{"name": {"dtype", "shape",
  "data_offsets": [begin, end]}, "__metadata__": {str: str}}``, padded with spaces), then
  the data, every tensor's range contiguous and the last ending at the end of the file.
- GGUF v2/v3 (ggml ``docs/gguf.md``, ``gguf-py/gguf/gguf_reader.py``): ``GGUF``, a uint32
  version, uint64 tensor and key-value counts, the key-values (typed, arrays nested), then
  per tensor its name, ``n_dims`` (at most 4) uint64 dims (``ne``, innermost first), ggml
  type and offset into the data, which starts at the next multiple of
  ``general.alignment`` (32 by default). Block sizes are ggml's type traits.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from t5sym.errors import T5SymError
from t5sym.model import files
from t5sym.model.checks import literal_int, shown, shown_path


class HeaderError(T5SymError):
    """A weight file (or its folder's JSON) that is missing, truncated, corrupt or unknown."""


#: The longest safetensors header read (safetensors' own ``MAX_HEADER_SIZE``).
MAX_SAFETENSORS_HEADER = 100_000_000

#: The most bytes of a GGUF file read before its tensor data (metadata, tokenizer, infos).
MAX_GGUF_HEADER = 256 << 20

#: The largest JSON file of a model folder read (``model_index.json``, ``*.index.json``).
MAX_JSON_BYTES = 16 << 20

#: Bits per value of each safetensors dtype (``Dtype::bitsize``).
SAFETENSORS_BITS: dict[str, int] = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
    "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8,
    "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
    "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
    "I32": 32, "U32": 32, "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64,
}  # fmt: skip

#: ggml types: id → (name, values per block, bytes per block) (ggml type traits).
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 40),
    10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2),
    26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54), 35: ("TQ2_0", 256, 66),
    39: ("MXFP4", 32, 17),
}  # fmt: skip

#: GGUF value types: id → (name, struct format or None for string and array).
_GGUF_VALUES: dict[int, tuple[str, str | None]] = {
    0: ("UINT8", "<B"), 1: ("INT8", "<b"), 2: ("UINT16", "<H"), 3: ("INT16", "<h"),
    4: ("UINT32", "<I"), 5: ("INT32", "<i"), 6: ("FLOAT32", "<f"), 7: ("BOOL", "<?"),
    8: ("STRING", None), 9: ("ARRAY", None), 10: ("UINT64", "<Q"), 11: ("INT64", "<q"),
    12: ("FLOAT64", "<d"),
}  # fmt: skip

#: GGUF's dimension limit (``GGML_MAX_DIMS``) and how deep arrays may nest here.
GGML_MAX_DIMS, MAX_ARRAY_DEPTH = 4, 4

#: A string value longer than this is kept as its length only (chat templates, merges).
_KEPT_STRING = 200


@dataclass(frozen=True)
class Tensor:
    """One tensor of a header: ``shape`` in torch's order, ``nbytes`` of data at ``offset``.

    ``dtype`` is the file's name: safetensors' (``F16``, ``F8_E4M3``, ``U8``) or ggml's
    (``Q8_0``, ``F16``).
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    nbytes: int
    offset: int

    @property
    def numel(self) -> int:
        """Values held: the product of the shape (1 for a 0-dim tensor)."""
        n = 1
        for d in self.shape:
            n *= d
        return n


@dataclass(frozen=True)
class Header:
    """What a weight file's header says: its tensors and metadata, and the file's size.

    ``header_bytes``: bytes before the tensor data (safetensors: 8 + the JSON; GGUF: up
    to the aligned data start); ``data_bytes``: the tensors' bytes, summed.
    """

    path: str
    format: str  # "safetensors" or "gguf"
    file_size: int
    header_bytes: int
    tensors: tuple[Tensor, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def data_bytes(self) -> int:
        """Bytes of tensor data the header describes."""
        return sum(t.nbytes for t in self.tensors)


# --- files ---------------------------------------------------------------------------------


def path_stat(path: str) -> os.stat_result:
    """``os.stat(path)`` (symlinks followed), or a one-line `HeaderError` naming the path."""
    return files.path_stat(path, HeaderError)


def open_regular(path: str) -> tuple[BinaryIO, int]:
    """``path`` opened for reading and its size, if it is a regular file (`t5sym.model.files`)."""
    return files.open_regular(path, HeaderError)


def read_json(path: str, what: str, limit: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """The JSON object in ``path`` (a regular file of at most ``limit`` bytes)."""
    raw = files.read_regular(path, limit, what, HeaderError)
    return _json_object(raw, shown_path(path), what)


def _json_object(raw: bytes, where: str, what: str) -> dict[str, Any]:
    """``raw`` decoded as one JSON object: UTF-8, no repeated key, no NaN, bounded integers."""
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HeaderError(f"{where}: {what} is not UTF-8 (byte offset {exc.start})") from None

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise HeaderError(f"{what} names {shown(key)} twice")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise HeaderError(f"{what} holds {name}, which is not JSON")

    try:
        data = json.loads(
            body,
            object_pairs_hook=pairs,
            parse_int=lambda s: literal_int(s, HeaderError),
            parse_constant=constant,
        )
    except json.JSONDecodeError as exc:
        raise HeaderError(
            f"{where}: {what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise HeaderError(f"{where}: {what} is JSON nested too deeply") from None
    except HeaderError as exc:
        raise HeaderError(f"{where}: {exc}") from None
    if not isinstance(data, dict):
        raise HeaderError(f"{where}: {what} must be a JSON object, got {type(data).__name__}")
    return data


# --- safetensors ---------------------------------------------------------------------------


def _count(value: Any) -> int | None:
    """``value`` if it is a non-negative int (not a bool), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def read_safetensors(path: str) -> Header:
    """The header of a ``.safetensors`` file, checked as safetensors checks it.

    Examples
    --------
    >>> import json, os, struct, tempfile
    >>> from t5sym.views.headers import read_safetensors
    >>> head = json.dumps({"w": {"dtype": "F16", "shape": [2, 3], "data_offsets": [0, 12]}})
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(struct.pack("<Q", len(head)) + head.encode() + bytes(12))
    >>> read_safetensors(path).tensors[0].nbytes
    12
    """
    where = shown_path(path)
    f, size = open_regular(path)
    with f:
        if size < 8:
            raise HeaderError(
                f"{where}: truncated safetensors file: {size} bytes, less than the 8-byte "
                "header length"
            )
        (n,) = struct.unpack("<Q", f.read(8))
        if n > MAX_SAFETENSORS_HEADER:
            raise HeaderError(
                f"{where}: safetensors header length of {n:,} bytes, over the "
                f"{MAX_SAFETENSORS_HEADER:,}-byte limit"
            )
        if 8 + n > size:
            raise HeaderError(
                f"{where}: truncated safetensors file: the header length says {n:,} bytes, "
                f"{size - 8:,} follow it"
            )
        raw = f.read(n)
    if len(raw) < n:
        raise HeaderError(f"{where}: truncated safetensors file: the header ends early")
    data = _json_object(raw, where, "the safetensors header")
    metadata = data.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise HeaderError(f"{where}: __metadata__ must map names to strings")
    tensors = [_safetensor(where, name, info, 8 + n) for name, info in data.items()]
    _check_ranges(where, tensors, 8 + n, size)
    return Header(path, "safetensors", size, 8 + n, tuple(tensors), metadata)


def _safetensor(where: str, name: str, info: Any, start: int) -> Tensor:
    """One entry of a safetensors header, its bytes agreeing with its dtype and shape."""
    what = f"{where}: tensor {shown(name)}"
    if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
        raise HeaderError(f"{what}: must hold dtype, shape and data_offsets")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(dtype, str) or dtype not in SAFETENSORS_BITS:
        raise HeaderError(f"{what}: unknown dtype {shown(dtype)}")
    if not isinstance(shape, list) or any(_count(d) is None for d in shape):
        raise HeaderError(f"{what}: shape must be a list of non-negative integers")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or any(_count(o) is None for o in offsets)
        or offsets[0] > offsets[1]
    ):
        raise HeaderError(f"{what}: data_offsets must be [begin, end] with begin <= end")
    numel = 1
    for d in shape:
        numel *= d
    bits = numel * SAFETENSORS_BITS[dtype]
    if bits % 8:
        raise HeaderError(f"{what}: {numel:,} {dtype} values do not fill whole bytes")
    nbytes = offsets[1] - offsets[0]
    if bits // 8 != nbytes:
        raise HeaderError(
            f"{what}: data_offsets hold {nbytes:,} bytes, its {dtype} shape {shape} needs "
            f"{bits // 8:,}"
        )
    return Tensor(name, dtype, tuple(shape), nbytes, start + offsets[0])


def _check_ranges(where: str, tensors: list[Tensor], start: int, size: int) -> None:
    """The tensors' ranges: contiguous from the data start, the last ending with the file."""
    end = start
    for t in sorted(tensors, key=lambda t: (t.offset, t.nbytes)):
        if t.offset != end:
            gap = "overlaps another" if t.offset < end else "leaves a gap before it"
            raise HeaderError(f"{where}: tensor {shown(t.name)} {gap} (offset {t.offset:,})")
        end += t.nbytes
    if end > size:
        raise HeaderError(
            f"{where}: truncated: the header describes {end:,} bytes, the file holds {size:,}"
        )
    if end < size:
        raise HeaderError(
            f"{where}: {size - end:,} bytes after the last tensor, which no header entry describes"
        )


# --- GGUF ----------------------------------------------------------------------------------


class _Cursor:
    """Reads a GGUF header forward, never past the file's end or `MAX_GGUF_HEADER`."""

    def __init__(self, f: BinaryIO, size: int, where: str) -> None:
        self.f, self.size, self.where, self.pos = f, size, where, 0

    @property
    def left(self) -> int:
        """Bytes that may still be read."""
        return min(self.size, MAX_GGUF_HEADER) - self.pos

    def _room(self, n: int, what: str) -> None:
        if self.pos + n > self.size:
            raise HeaderError(
                f"{self.where}: truncated GGUF file: {what} needs {n:,} bytes at offset "
                f"{self.pos:,}, the file ends at {self.size:,}"
            )
        if self.pos + n > MAX_GGUF_HEADER:
            raise HeaderError(
                f"{self.where}: GGUF header over the {MAX_GGUF_HEADER:,}-byte limit ({what} "
                f"at offset {self.pos:,})"
            )

    def take(self, n: int, what: str) -> bytes:
        self._room(n, what)
        data = self.f.read(n)
        if len(data) < n:
            raise HeaderError(f"{self.where}: truncated GGUF file: {what} ends early")
        self.pos += n
        return data

    def skip(self, n: int, what: str) -> None:
        self._room(n, what)
        self.f.seek(n, os.SEEK_CUR)
        self.pos += n

    def skip_strings(self, n: int, what: str) -> None:
        """Read past ``n`` strings (a tokenizer's 256k tokens: one tight loop, no decoding)."""
        read, length, pos = self.f.read, struct.Struct("<Q").unpack, self.pos
        end = min(self.size, MAX_GGUF_HEADER)
        for _ in range(n):
            if pos + 8 > end:
                self.pos = pos
                self._room(8, f"{what} string length")
            raw = read(8)
            if len(raw) < 8:
                raise HeaderError(f"{self.where}: truncated GGUF file: {what} ends early")
            (k,) = length(raw)
            pos += 8
            if pos + k > end:
                self.pos = pos
                self._room(k, f"{what} string")
            if len(read(k)) < k:
                raise HeaderError(f"{self.where}: truncated GGUF file: {what} ends early")
            pos += k
        self.pos = pos

    def unpack(self, fmt: str, what: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))[0]

    def count(self, what: str, least: int) -> int:
        """A uint64 count of items of at least ``least`` bytes each, checked against the file."""
        n = self.unpack("<Q", what)
        if n > self.left // max(least, 1):
            raise HeaderError(
                f"{self.where}: truncated or corrupt GGUF: {what} of {n:,}, more than the "
                f"{self.left:,} bytes left can hold"
            )
        return n

    def string(self, what: str) -> str:
        """A GGUF string: uint64 length + UTF-8."""
        n = self.count(f"{what} length", 1)
        raw = self.take(n, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise HeaderError(f"{self.where}: corrupt GGUF: {what} is not UTF-8") from None


def _gguf_value(c: _Cursor, vtype: int, key: str, depth: int = 0) -> Any:
    """One GGUF value; an array is kept as ``{"array": <type>, "count": n}``."""
    if vtype not in _GGUF_VALUES:
        raise HeaderError(f"{c.where}: corrupt GGUF: {shown(key)} has unknown type {vtype}")
    name, fmt = _GGUF_VALUES[vtype]
    if fmt is not None:
        return c.unpack(fmt, shown(key))
    if name == "STRING":
        value = c.string(shown(key))
        return value if len(value) <= _KEPT_STRING else f"<string of {len(value):,} bytes>"
    if depth >= MAX_ARRAY_DEPTH:
        raise HeaderError(f"{c.where}: corrupt GGUF: {shown(key)} nests arrays too deeply")
    etype = c.unpack("<I", f"{shown(key)} element type")
    if etype not in _GGUF_VALUES:
        raise HeaderError(f"{c.where}: corrupt GGUF: {shown(key)} has unknown type {etype}")
    ename, efmt = _GGUF_VALUES[etype]
    size = struct.calcsize(efmt) if efmt else (8 if ename == "STRING" else 12)
    n = c.count(f"{shown(key)} array count", size)
    if efmt is not None:
        c.skip(n * size, shown(key))
    elif ename == "STRING":
        c.skip_strings(n, shown(key))
    else:
        for _ in range(n):
            _gguf_value(c, etype, key, depth + 1)
    return {"array": ename, "count": n}


def read_gguf(path: str) -> Header:
    """The header of a ``.gguf`` file (v2 or v3): metadata and tensor infos, no data.

    Arrays (the tokenizer's tokens, scores, merges) are kept as their type and length.

    Examples
    --------
    >>> import os, struct, tempfile
    >>> from t5sym.views.headers import read_gguf
    >>> path = os.path.join(tempfile.mkdtemp(), "empty.gguf")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
    >>> read_gguf(path).tensors
    ()
    """
    where = shown_path(path)
    f, size = open_regular(path)
    with f:
        c = _Cursor(f, size, where)
        magic = c.take(4, "the magic") if size >= 4 else b""
        if magic != b"GGUF":
            raise HeaderError(f"{where}: not a GGUF file (it does not start with 'GGUF')")
        version = c.unpack("<I", "the version")
        if version not in (2, 3):
            swapped = struct.unpack(">I", struct.pack("<I", version))[0]
            why = "big-endian GGUF" if swapped in (2, 3) else f"GGUF version {version}"
            raise HeaderError(f"{where}: {why} is not read (versions 2 and 3 are)")
        n_tensors = c.count("tensor count", 24)
        n_kv = c.count("key-value count", 13)
        metadata: dict[str, Any] = {}
        for _ in range(n_kv):
            key = c.string("a metadata key")
            if key in metadata:
                raise HeaderError(f"{where}: corrupt GGUF: key {shown(key)} appears twice")
            metadata[key] = _gguf_value(c, c.unpack("<I", f"{shown(key)} type"), key)
        alignment = metadata.get("general.alignment", 32)
        if _count(alignment) is None or alignment == 0 or alignment & (alignment - 1):
            raise HeaderError(
                f"{where}: corrupt GGUF: general.alignment must be a power of two, got "
                f"{shown(alignment)}"
            )
        infos = [_gguf_tensor(c) for _ in range(n_tensors)]
        start = -(-c.pos // alignment) * alignment
    tensors, seen, end = [], set(), size if not infos else start
    for name, ne, ggml_type, offset in infos:
        if name in seen:
            raise HeaderError(f"{where}: corrupt GGUF: tensor {shown(name)} appears twice")
        seen.add(name)
        type_name, block, block_bytes = GGML_TYPES[ggml_type]
        if ne and ne[0] % block:
            raise HeaderError(
                f"{where}: corrupt GGUF: tensor {shown(name)} has rows of {ne[0]:,}, not a "
                f"multiple of {type_name}'s block of {block}"
            )
        numel = 1
        for d in ne:
            numel *= d
        nbytes = numel // block * block_bytes
        if offset % alignment:
            raise HeaderError(
                f"{where}: corrupt GGUF: tensor {shown(name)} offset {offset:,} is not "
                f"aligned to {alignment}"
            )
        tensors.append(Tensor(name, type_name, tuple(reversed(ne)), nbytes, start + offset))
        end = max(end, start + offset + nbytes)
    if end > size:
        raise HeaderError(
            f"{where}: truncated GGUF file: its tensors end at byte {end:,}, the file holds "
            f"{size:,}"
        )
    previous = start
    for t in sorted(tensors, key=lambda t: t.offset):
        if t.offset < previous:
            raise HeaderError(f"{where}: corrupt GGUF: tensor {shown(t.name)} overlaps another")
        previous = t.offset + t.nbytes
    return Header(path, "gguf", size, start, tuple(tensors), metadata)


def _gguf_tensor(c: _Cursor) -> tuple[str, tuple[int, ...], int, int]:
    """One tensor info: name, ``ne`` (innermost first), ggml type id, data offset."""
    name = c.string("a tensor name")
    n_dims = c.unpack("<I", f"{shown(name)} n_dims")
    if n_dims > GGML_MAX_DIMS:
        raise HeaderError(
            f"{c.where}: corrupt GGUF: tensor {shown(name)} has {n_dims:,} dimensions, "
            f"over ggml's {GGML_MAX_DIMS}"
        )
    ne = tuple(c.unpack("<Q", f"{shown(name)} shape") for _ in range(n_dims))
    ggml_type = c.unpack("<I", f"{shown(name)} type")
    if ggml_type not in GGML_TYPES:
        raise HeaderError(f"{c.where}: tensor {shown(name)}: unknown ggml type {ggml_type}")
    offset = c.unpack("<Q", f"{shown(name)} offset")
    return name, ne, ggml_type, offset


# --- either --------------------------------------------------------------------------------


def read_header(path: str) -> Header:
    """The header of a ``.safetensors`` or ``.gguf`` file (told by its name or first bytes).

    Raises
    ------
    HeaderError
        One line naming the file: not a regular file, truncated, corrupt, a hostile
        length or count, or neither format.
    """
    path = os.fsdecode(path)
    lower = path.lower()
    if lower.endswith(".gguf"):
        return read_gguf(path)
    if lower.endswith(".safetensors"):
        return read_safetensors(path)
    f, _ = open_regular(path)
    with f:
        head = f.read(9)
    if head[:4] == b"GGUF":
        return read_gguf(path)
    if len(head) == 9 and head[8:9] == b"{":
        return read_safetensors(path)
    raise HeaderError(
        f"{shown_path(path)}: unknown file: neither safetensors (a length, then a JSON "
        "header) nor GGUF"
    )
