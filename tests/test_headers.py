"""t5sym.views.headers against the real readers: safetensors' safe_open and gguf's GGUFReader
read the same files; truncated, corrupt, hostile and unknown files are one line each."""

from __future__ import annotations

import json
import os
import struct
import time
from pathlib import Path

import gguf
import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from t5sym import T5SymError
from t5sym.views.headers import (
    GGML_TYPES,
    MAX_SAFETENSORS_HEADER,
    SAFETENSORS_BITS,
    HeaderError,
    read_gguf,
    read_header,
    read_json,
    read_safetensors,
)

TENSORS = {
    "a.weight": torch.zeros(3, 5, dtype=torch.float16),
    "b.weight": torch.ones(7, 2, dtype=torch.float8_e4m3fn),
    "c": torch.zeros((), dtype=torch.float32),
    "empty": torch.zeros(0, 4, dtype=torch.bfloat16),
    "spiece_model": torch.arange(11, dtype=torch.uint8),
    "i": torch.zeros(2, 3, dtype=torch.int64),
}

#: torch dtypes → safetensors' names.
NAMES = {
    torch.float16: "F16",
    torch.float8_e4m3fn: "F8_E4M3",
    torch.float32: "F32",
    torch.bfloat16: "BF16",
    torch.uint8: "U8",
    torch.int64: "I64",
}


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def safetensors_bytes(header: dict | bytes, data: bytes = b"") -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def test_safetensors_header_is_what_safetensors_reads(tmp_path: Path) -> None:
    path = str(tmp_path / "m.safetensors")
    save_file(TENSORS, path, metadata={"format": "pt"})
    h = read_safetensors(path)
    assert h.file_size == os.path.getsize(path)
    with open(path, "rb") as f:
        assert h.header_bytes == 8 + struct.unpack("<Q", f.read(8))[0]
    with safe_open(path, "pt") as f:
        assert {t.name for t in h.tensors} == set(f.keys())
        assert h.metadata == f.metadata()
        for t in h.tensors:
            real = f.get_tensor(t.name)
            assert t.shape == tuple(real.shape)
            assert t.dtype == NAMES[real.dtype]
            assert t.nbytes == real.numel() * real.element_size()
    assert h.data_bytes == h.file_size - h.header_bytes
    assert read_header(path) == h
    plain = tmp_path / "noext"
    plain.write_bytes(Path(path).read_bytes())
    assert read_header(str(plain)).tensors == h.tensors  # told by its first bytes


def test_every_safetensors_dtype_bit_size_is_the_packages() -> None:
    """Bits per value as safetensors' torch mapping gives them (the dtypes torch has)."""
    from safetensors.torch import _SIZE, _TYPES

    for name, dtype in _TYPES.items():
        assert SAFETENSORS_BITS[name] == 8 * _SIZE[dtype], name


def test_a_file_of_any_size_answers_at_once(tmp_path: Path) -> None:
    """A sparse file whose header describes a terabyte: no tensor byte is read."""
    big = 1 << 40
    header = {"w": {"dtype": "U8", "shape": [big], "data_offsets": [0, big]}}
    path = tmp_path / "big.safetensors"
    raw = safetensors_bytes(header)
    path.write_bytes(raw)
    os.truncate(path, len(raw) + big)
    start = time.perf_counter()
    h = read_header(str(path))
    assert time.perf_counter() - start < 1
    assert h.file_size == os.path.getsize(path) and h.tensors[0].nbytes == big


def gguf_file(path: Path) -> str:
    """A GGUF file with strings, arrays and Q8_0, F16, F32 tensors, by the gguf package."""
    writer = gguf.GGUFWriter(str(path), "t5encoder")
    writer.add_block_count(2)
    writer.add_string("general.name", "tiny")
    writer.add_token_list(["<pad>", "</s>", "▁a"] * 50)
    writer.add_token_scores([0.5] * 150)
    writer.add_array("nested", [[1, 2], [3]])
    rng = np.random.default_rng(0)
    data = rng.standard_normal((4, 64)).astype(np.float32)
    q8 = gguf.GGMLQuantizationType.Q8_0
    writer.add_tensor("token_embd.weight", gguf.quants.quantize(data, q8), raw_dtype=q8)
    bias = rng.standard_normal((32, 3)).astype(np.float16)
    writer.add_tensor("enc.blk.0.attn_rel_b.weight", bias)
    writer.add_tensor("enc.output_norm.weight", np.ones(64, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return str(path)


def test_gguf_header_is_what_gguf_reads(tmp_path: Path) -> None:
    path = gguf_file(tmp_path / "m.gguf")
    h = read_gguf(path)
    real = gguf.GGUFReader(path)
    assert h.file_size == os.path.getsize(path)
    assert [t.name for t in h.tensors] == [t.name for t in real.tensors]
    for ours, theirs in zip(h.tensors, real.tensors, strict=True):
        assert ours.shape == tuple(int(d) for d in reversed(theirs.shape))
        assert ours.dtype == theirs.tensor_type.name
        assert ours.nbytes == int(theirs.n_bytes)
        assert ours.offset == int(theirs.data_offset)
    assert h.header_bytes == real.data_offset
    assert h.metadata["general.name"] == "tiny" and h.metadata["t5encoder.block_count"] == 2
    assert h.metadata["tokenizer.ggml.tokens"] == {"array": "STRING", "count": 150}
    assert read_header(path) == h


def test_every_ggml_type_is_ggmls() -> None:
    for type_id, (name, block, size) in GGML_TYPES.items():
        t = gguf.GGMLQuantizationType(type_id)
        assert t.name == name and gguf.GGML_QUANT_SIZES[t] == (block, size), name


def one_line(exc: pytest.ExceptionInfo, where: str) -> str:
    message = str(exc.value)
    assert isinstance(exc.value, T5SymError)
    assert "\n" not in message and len(message) < 300, message
    assert where in message, message
    return message


OK_HEADER = {"w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}
BAD_SAFETENSORS = {
    "hostile length": (struct.pack("<Q", 2**63) + b"{}", "over the 100,000,000-byte limit"),
    "length past the end": (struct.pack("<Q", 1000) + b"{}", "truncated"),
    "under 8 bytes": (b"\x01\x02", "truncated"),
    "not json": (safetensors_bytes(b"{not json"), "not valid JSON"),
    "not utf-8": (safetensors_bytes(b'{"\xff": 1}'), "not UTF-8"),
    "an array": (safetensors_bytes(b"[1, 2]"), "must be a JSON object"),
    "NaN": (safetensors_bytes(b'{"x": NaN}'), "not JSON"),
    "repeated key": (
        safetensors_bytes(
            b'{"w": {"dtype": "U8", "shape": [], "data_offsets": [0, 1]}, '
            b'"w": {"dtype": "U8", "shape": [], "data_offsets": [0, 1]}}',
            b"x",
        ),
        "twice",
    ),  # fmt: skip
    "deep": (safetensors_bytes(b"[" * 100000), "nested too deeply"),
    "huge integer": (safetensors_bytes(b'{"x": ' + b"9" * 5000 + b"}"), "digits"),
    "unknown dtype": (
        safetensors_bytes({"w": {"dtype": "F12", "shape": [1], "data_offsets": [0, 2]}}, b"xx"),
        "unknown dtype",
    ),
    "bytes disagree": (
        safetensors_bytes({"w": {"dtype": "F16", "shape": [3], "data_offsets": [0, 4]}}, b"x" * 4),
        "needs 6",
    ),
    "negative shape": (
        safetensors_bytes({"w": {"dtype": "F16", "shape": [-2], "data_offsets": [0, 4]}}, b"x" * 4),
        "non-negative",
    ),
    "gap": (
        safetensors_bytes({"w": {"dtype": "F16", "shape": [2], "data_offsets": [2, 6]}}, b"x" * 6),
        "gap",
    ),
    "truncated data": (safetensors_bytes(OK_HEADER, b"xx"), "truncated"),
    "trailing data": (safetensors_bytes(OK_HEADER, b"x" * 9), "after the last tensor"),
    "missing field": (safetensors_bytes({"w": {"dtype": "F16"}}), "must hold dtype"),
}


@pytest.mark.parametrize("case", sorted(BAD_SAFETENSORS))
def test_bad_safetensors_is_one_line(tmp_path: Path, case: str) -> None:
    data, problem = BAD_SAFETENSORS[case]
    path = write(tmp_path / "bad.safetensors", data)
    with pytest.raises(HeaderError) as exc:
        read_header(path)
    assert problem in one_line(exc, "bad.safetensors")


def gguf_bytes(n_tensors: int = 0, n_kv: int = 0, version: int = 3, rest: bytes = b"") -> bytes:
    return b"GGUF" + struct.pack("<IQQ", version, n_tensors, n_kv) + rest


def gguf_string(s: bytes) -> bytes:
    return struct.pack("<Q", len(s)) + s


def tensor_info(name: bytes, ne: list[int], ggml_type: int, offset: int) -> bytes:
    out = gguf_string(name) + struct.pack("<I", len(ne))
    return out + b"".join(struct.pack("<Q", d) for d in ne) + struct.pack("<IQ", ggml_type, offset)


BAD_GGUF = {
    "huge tensor count": (gguf_bytes(n_tensors=2**64 - 1), "tensor count"),
    "negative kv count": (gguf_bytes(n_kv=2**64 - 1), "key-value count"),
    "huge string": (gguf_bytes(n_kv=1, rest=struct.pack("<Q", 2**62) + bytes(64)), "length"),
    "huge array": (
        gguf_bytes(n_kv=1, rest=gguf_string(b"k") + struct.pack("<IIQ", 9, 4, 2**60) + bytes(64)),
        "array count",
    ),
    "nested too deep": (
        gguf_bytes(
            n_kv=1,
            rest=gguf_string(b"k")
            + (struct.pack("<IIQ", 9, 9, 1))[:4]
            + (struct.pack("<IQ", 9, 1)) * 10
            + struct.pack("<IQ", 4, 0),
        ),
        "too deeply",
    ),  # fmt: skip
    "unknown value type": (
        gguf_bytes(n_kv=1, rest=gguf_string(b"k") + struct.pack("<I", 99)),
        "unknown type",
    ),  # fmt: skip
    "cut in a value": (
        gguf_bytes(n_kv=1, rest=gguf_string(b"k") + struct.pack("<I", 10) + b"\0"),
        "truncated",
    ),  # fmt: skip
    "version 1": (gguf_bytes(version=1), "version 1"),
    "big-endian": (b"GGUF" + struct.pack(">IQQ", 3, 0, 0), "big-endian"),
    "five dims": (gguf_bytes(1, rest=tensor_info(b"t", [1] * 5, 0, 0)), "dimensions"),
    "unknown ggml type": (gguf_bytes(1, rest=tensor_info(b"t", [4], 77, 0)), "ggml type 77"),
    "row not whole blocks": (gguf_bytes(1, rest=tensor_info(b"t", [33], 8, 0)), "block of 32"),
    "data cut": (gguf_bytes(1, rest=tensor_info(b"t", [64], 0, 0)), "truncated"),
    "bad alignment": (
        gguf_bytes(n_kv=1, rest=gguf_string(b"general.alignment") + struct.pack("<II", 4, 3)),
        "power of two",
    ),
    "repeated tensor": (
        gguf_bytes(2, rest=tensor_info(b"t", [1], 0, 0) + tensor_info(b"t", [1], 0, 32)),
        "twice",
    ),
    "not gguf": (b"GGML" + bytes(20), "not a GGUF file"),
}


@pytest.mark.parametrize("case", sorted(BAD_GGUF))
def test_bad_gguf_is_one_line(tmp_path: Path, case: str) -> None:
    data, problem = BAD_GGUF[case]
    path = write(tmp_path / "bad.gguf", data + bytes(64 if case == "repeated tensor" else 0))
    with pytest.raises(HeaderError) as exc:
        read_header(path)
    assert problem in one_line(exc, "bad.gguf")


def test_a_cut_real_gguf_is_truncated(tmp_path: Path) -> None:
    raw = Path(gguf_file(tmp_path / "m.gguf")).read_bytes()
    for size in (10, 40, 200, len(raw) - 1):
        path = write(tmp_path / "cut.gguf", raw[:size])
        with pytest.raises(HeaderError) as exc:
            read_header(path)
        assert "truncated" in one_line(exc, "cut.gguf")


def test_a_cut_real_safetensors_is_truncated(tmp_path: Path) -> None:
    save_file(TENSORS, str(tmp_path / "m.safetensors"))
    raw = (tmp_path / "m.safetensors").read_bytes()
    for size in (4, 20, len(raw) - 1):
        path = write(tmp_path / "cut.safetensors", raw[:size])
        with pytest.raises(HeaderError) as exc:
            read_header(path)
        assert "truncated" in one_line(exc, "cut.safetensors")


def test_not_a_file_is_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)  # opening it for reading would block: refused before
    cases = {
        str(tmp_path): "a folder",
        str(fifo): "a FIFO",
        str(tmp_path / "none.gguf"): "no such file",
        "a\0b": "NUL",
        write(tmp_path / "random.bin", b"\x00\x01" * 20): "unknown file",
    }
    for path, problem in cases.items():
        with pytest.raises(HeaderError) as exc:
            read_header(path)
        assert problem in one_line(exc, "")


def test_header_limit_is_safetensors_own() -> None:
    assert MAX_SAFETENSORS_HEADER == 100_000_000


def test_read_json(tmp_path: Path) -> None:
    path = write(tmp_path / "model_index.json", b'{"a": [1, 2]}')
    assert read_json(path, "model_index.json") == {"a": [1, 2]}
    big = write(tmp_path / "big.json", b" " * 100 + b"{}")
    with pytest.raises(HeaderError) as exc:
        read_json(big, "an index", limit=50)
    assert "over the 50-byte limit" in one_line(exc, "big.json")
