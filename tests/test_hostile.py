"""Hostile input: every bad config, path, argument or output is one error line, never a hang.

From Python the error is a `t5sym.T5SymError` (a ``ValueError``) whose message is one line
starting with the field; from the command it is ``t5sym: error: ...`` and status 2.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy
import pytest
import sympy

import t5sym
from t5sym import Config, ConfigError, PresetError, T5SymError, from_hf
from t5sym.model import checks
from t5sym.model.config import MAX_FILE_BYTES, checked_config

from .support.cli import one_line_error, run

CORE = {"d_model": 64, "d_ff": 96, "num_heads": 3, "d_kv": 16, "num_layers": 2, "vocab_size": 100}
ROOT = Path(__file__).resolve().parent.parent


def one_line(info: pytest.ExceptionInfo[Exception], field: str, *fragments: str) -> str:
    """Assert a T5SymError of one short line that starts with ``field: ``."""
    assert isinstance(info.value, T5SymError) and isinstance(info.value, ValueError)
    message = str(info.value)
    assert "\n" not in message and len(message) <= 200, message
    assert message.startswith(f"{field}: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


#: Reads ``sys.argv[1]`` with `from_hf`; prints the error message and exits 3.
_FROM_HF = """
import sys
from t5sym import T5SymError, from_hf
try:
    from_hf(sys.argv[1])
except T5SymError as exc:
    print(exc)
    sys.exit(3)
"""


def _limit_memory() -> None:
    """In the child: at most 2 GiB of address space, so an endless read fails fast."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def guarded(*argv: str | bytes, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGV`` from the repository with a timeout and a memory cap.

    A regression that reads ``/dev/zero`` or blocks on a FIFO then fails this test instead
    of hanging the suite or exhausting the machine's memory.
    """
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        preexec_fn=_limit_memory,
        encoding="utf-8",
        errors="replace",
    )


def from_hf_message(path: Path | str) -> str:
    """The one-line message of ``from_hf(path)``, read in a guarded child process."""
    out = guarded("-c", _FROM_HF, str(path))
    assert out.returncode == 3 and "Traceback" not in out.stderr, out.stderr[-1000:]
    lines = out.stdout.splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 200, out.stdout[-1000:]
    return lines[0]


def write_config(path: Path, text: str | bytes) -> Path:
    """Write a config.json's raw text (or bytes) and return its path."""
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- 1. non-dimension fields of the wrong JSON type -------------------------------------

WRONG_TYPES = [
    ("architectures", 5, "list of class names"),
    ("architectures", True, "list of class names"),
    ("architectures", 1.5, "list of class names"),
    ("architectures", {}, "list of class names"),
    ("architectures", {"T5EncoderModel": 1}, "list of class names"),
    ("architectures", ["T5EncoderModel", 5], "list of class names"),
    ("architectures", "T5EncoderModel", "list of class names"),
    ("model_type", ["t5"], "must be a string"),
    ("model_type", 5, "must be a string"),
    ("model_type", {"t5": 1}, "must be a string"),
    ("feed_forward_proj", None, "must be a string"),
    ("feed_forward_proj", ["relu"], "must be a string"),
    ("tie_word_embeddings", "yes", "true or false"),
    ("tie_word_embeddings", 1, "true or false"),
]


class TestWrongFieldTypes:
    """A field of the wrong JSON type names the field in one line."""

    @pytest.mark.parametrize(("field", "value", "problem"), WRONG_TYPES)
    def test_dict(self, field: str, value: Any, problem: str) -> None:
        with pytest.raises(ConfigError) as info:
            from_hf({**CORE, field: value})
        one_line(info, field, problem)

    @pytest.mark.parametrize(("field", "value", "problem"), WRONG_TYPES[:8])
    def test_file_from_the_command(self, tmp_path: Path, field: str, value: Any, problem: str):
        path = write_config(tmp_path / "config.json", json.dumps({**CORE, field: value}))
        one_line_error(run("count", str(path)), f"t5sym: error: {field}: ", problem)

    def test_null_architectures_is_none(self) -> None:
        assert from_hf({**CORE, "architectures": None}).architectures == ()

    def test_long_string_value_is_cut(self) -> None:
        with pytest.raises(ConfigError) as info:
            from_hf({**CORE, "feed_forward_proj": "gated-" + "x" * 100_000})
        one_line(info, "feed_forward_proj", "unknown activation")


# --- 2, 3 and friends: hostile JSON text ----------------------------------------------


class TestHostileJson:
    """Deep nesting, huge literals, NaN, odd encodings: one line naming the file."""

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ("[" * 100_000, "nested too deeply"),
            ('{"a": ' * 100_000, "nested too deeply"),
            ('{"d_model": ' + "9" * 5000 + "}", "5,000 digits"),
            ('{"unused": -' + "1" * 100_000 + "}", "100,000 digits"),
            ("", "empty file"),
            ("  \n\t ", "empty file"),
            ("[1, 2]", "must hold a JSON object, got an array"),
            ('"t5-small"', "must hold a JSON object, got a string"),
            ("512", "must hold a JSON object, got a number"),
            ("null", "must hold a JSON object, got null"),
            ("{not json", "invalid JSON at line 1"),
        ],
        ids=[
            "deep-array",
            "deep-object",
            "int-5000-digits",
            "int-100000-digits",
            "empty",
            "blank",
            "array",
            "string",
            "number",
            "null",
            "invalid",
        ],
    )
    def test_file(self, tmp_path: Path, text: str, problem: str) -> None:
        path = write_config(tmp_path / "config.json", text)
        with pytest.raises(ConfigError) as info:
            from_hf(path)
        one_line(info, checks.shown_path(path), problem)
        one_line_error(
            run("count", str(path)), f"t5sym: error: {checks.shown_path(path)}: ", problem
        )

    def test_invalid_utf8(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "config.json", b'{"d_model": "\xff\xfe"}')
        with pytest.raises(ConfigError) as info:
            from_hf(path)
        one_line(info, checks.shown_path(path), "not UTF-8", "0xff")

    def test_utf8_bom_is_read(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "config.json", b"\xef\xbb\xbf" + json.dumps(CORE).encode())
        assert from_hf(path) == from_hf(CORE)

    @pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
    def test_non_finite_dimension(self, tmp_path: Path, literal: str) -> None:
        text = json.dumps(CORE).replace('"d_model": 64', f'"d_model": {literal}')
        path = write_config(tmp_path / "config.json", text)
        with pytest.raises(ConfigError) as info:
            from_hf(path)
        one_line(info, "d_model", "positive integer")
        one_line_error(run("count", str(path)), "t5sym: error: d_model: ")

    def test_duplicate_keys_take_the_last_as_transformers_does(self, tmp_path: Path) -> None:
        text = json.dumps(CORE)[:-1] + ', "d_model": 128, "d_model": 32}'
        path = write_config(tmp_path / "config.json", text)
        assert from_hf(path).d_model == 32 == json.loads(text)["d_model"]

    def test_lookalike_field_name_is_ignored_as_transformers_ignores_it(
        self, tmp_path: Path
    ) -> None:
        from transformers import AutoConfig

        data = {("d_modeⅼ" if k == "d_model" else k): v for k, v in CORE.items()}  # U+217C
        data["model_type"] = "t5"
        path = write_config(tmp_path / "config.json", json.dumps(data, ensure_ascii=False))
        assert from_hf(path).d_model == AutoConfig.from_pretrained(tmp_path).d_model

    def test_huge_dimension_is_counted_exactly(self, tmp_path: Path) -> None:
        big = 10**400
        config = from_hf({**CORE, "d_model": big})
        assert config.d_model == big and type(config.d_model) is int
        expected = t5sym.count(from_hf(CORE)).total + (big - 64) * (
            t5sym.count(from_hf({**CORE, "d_model": 65})).total - t5sym.count(from_hf(CORE)).total
        )
        assert t5sym.count(config).total == expected  # linear in d_model
        path = write_config(tmp_path / "config.json", json.dumps({**CORE, "d_model": big}))
        out = run("count", str(path), "--json")
        assert out.returncode == 0, out.stderr[-500:]
        assert json.loads(out.stdout)["total"] == expected

    def test_huge_dimension_human_output(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "config.json", json.dumps({**CORE, "d_model": 10**400}))
        out = run("count", str(path))  # render.approx: float(n / 10**12) overflows
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-500:]

    @pytest.mark.parametrize("digits", [1001, 4000])
    def test_dimension_over_the_digit_limit(self, digits: int) -> None:
        with pytest.raises(ConfigError) as info:
            from_hf({**CORE, "d_ff": 10 ** (digits - 1)})
        one_line(info, "d_ff", "at most 1,000 digits", f"{digits:,} digits")

    @pytest.mark.parametrize("value", [10**5000, -(10**5000)], ids=["positive", "negative"])
    def test_python_int_past_str_limit(self, value: int) -> None:
        with pytest.raises(ConfigError) as info:
            Config(**{**CORE, "vocab_size": value})
        one_line(info, "vocab_size", "5,001 digits")


# --- 4. files that are not regular --------------------------------------------------------


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _special(kind: str, tmp_path: Path) -> tuple[Path, str]:
    """A path of the given kind and the kind of file the message should name."""
    if kind == "dev-zero":
        return Path("/dev/zero"), "character device"
    if kind == "fifo":
        return _fifo(tmp_path / "fifo.json"), "FIFO"
    if kind == "link-to-dev-zero":
        (tmp_path / "zero.json").symlink_to("/dev/zero")
        return tmp_path / "zero.json", "character device"
    if kind == "link-to-fifo":
        _fifo(tmp_path / "fifo")
        (tmp_path / "link.json").symlink_to(tmp_path / "fifo")
        return tmp_path / "link.json", "FIFO"
    if kind == "folder-with-fifo":
        _fifo(tmp_path / "config.json")
        return tmp_path, "FIFO"
    if kind == "folder-with-folder":
        (tmp_path / "config.json").mkdir()
        return tmp_path, "folder"
    raise AssertionError(kind)


SPECIAL = [
    "dev-zero",
    "fifo",
    "link-to-dev-zero",
    "link-to-fifo",
    "folder-with-fifo",
    "folder-with-folder",
]


class TestNotARegularFile:
    """Devices, FIFOs and folders are refused before any read that could block or not end."""

    @pytest.mark.parametrize("kind", SPECIAL)
    def test_from_hf(self, tmp_path: Path, kind: str) -> None:
        path, what = _special(kind, tmp_path)
        read = path / "config.json" if kind.startswith("folder") else path
        message = from_hf_message(path)
        assert message.startswith(f"{checks.shown_path(read)}: is not a regular file"), message
        assert what in message

    @pytest.mark.parametrize("kind", SPECIAL)
    def test_command(self, tmp_path: Path, kind: str) -> None:
        path, what = _special(kind, tmp_path)
        one_line_error(guarded("-m", "t5sym", "count", str(path)), "is not a regular file", what)

    def test_symlink_loop(self, tmp_path: Path) -> None:
        (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
        (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
        with pytest.raises(ConfigError) as info:
            from_hf(tmp_path / "a.json")
        one_line(info, checks.shown_path(tmp_path / "a.json"), "symbolic links")
        one_line_error(run("count", str(tmp_path / "a.json")), "symbolic links")

    def test_symlinked_config_is_read(self, tmp_path: Path) -> None:
        """As in the Hugging Face cache, whose snapshot files are symlinks to blobs."""
        write_config(tmp_path / "blob", json.dumps(CORE))
        (tmp_path / "snapshot").mkdir()
        (tmp_path / "snapshot" / "config.json").symlink_to(tmp_path / "blob")
        assert from_hf(tmp_path / "snapshot").d_model == 64

    @pytest.mark.parametrize("size", [MAX_FILE_BYTES + 1, 8 << 30], ids=["just-over", "8GiB"])
    def test_too_large(self, tmp_path: Path, size: int) -> None:
        path = tmp_path / "config.json"
        with open(path, "wb") as f:
            f.truncate(size)  # sparse: no disk used
        message = from_hf_message(path)
        assert message.startswith(f"{checks.shown_path(path)}: {size:,} bytes, over the "), message
        assert f"{MAX_FILE_BYTES:,}-byte limit" in message
        one_line_error(guarded("-m", "t5sym", "count", str(path)), "limit")

    def test_largest_allowed_file_is_read(self, tmp_path: Path) -> None:
        text = json.dumps(CORE)
        path = write_config(tmp_path / "config.json", text + " " * (MAX_FILE_BYTES - len(text)))
        assert path.stat().st_size == MAX_FILE_BYTES and from_hf(path).d_model == 64


# --- 5. odd paths -----------------------------------------------------------------------


class TestOddPaths:
    """Over-long names, NUL bytes, newlines and unreadable files: one line, path capped."""

    @pytest.mark.parametrize("name", ["a" * 300 + ".json", "x" * 300 + "/config.json"])
    def test_name_too_long(self, tmp_path: Path, name: str) -> None:
        path = str(tmp_path / name)
        with pytest.raises(ConfigError) as info:
            from_hf(path)
        message = one_line(info, checks.shown_path(path), "File name too long")
        assert len(message) < 160
        line = one_line_error(run("count", path), "File name too long")
        assert len(line) < 200

    def test_name_too_long_without_a_slash(self) -> None:
        with pytest.raises(PresetError) as info:
            t5sym.load("x" * 300)
        one_line(info, "preset", "unknown name")
        one_line_error(run("count", "x" * 300), "t5sym: error: preset: unknown name")

    @pytest.mark.parametrize("load", [from_hf, t5sym.load], ids=["from_hf", "load"])
    def test_nul_byte(self, tmp_path: Path, load: Any) -> None:
        path = f"{tmp_path}/a\0b.json"
        with pytest.raises(ConfigError) as info:
            load(path)
        one_line(info, checks.shown_path(path), "NUL")
        assert "\\x00" in str(info.value)

    def test_newline_in_a_path_stays_on_one_line(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError) as info:
            from_hf(tmp_path / "a\nb.json")
        one_line(info, checks.shown_path(tmp_path / "a\nb.json"), "a\\nb.json: no such file")
        one_line_error(run("count", str(tmp_path / "a\nb.json")), "no such file")

    def test_invalid_utf8_file_name_from_the_command(self, tmp_path: Path) -> None:
        out = subprocess.run(
            [sys.executable, "-m", "t5sym", "count", os.fsencode(tmp_path) + b"/\xff.json"],
            capture_output=True,
            timeout=60,
            cwd=ROOT,
        )
        assert out.returncode == 2 and b"Traceback" not in out.stderr, out.stderr[-500:]
        assert len(out.stderr.splitlines()) == 1 and b"no such file" in out.stderr

    def test_permission_denied(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A config its reader may not open (as root every mode reads: the OS error is made)."""
        path = write_config(tmp_path / "config.json", json.dumps(CORE))
        path.chmod(0)

        def refuse(name: object, flags: int, *args: object) -> int:
            raise PermissionError(13, "Permission denied", str(name))

        monkeypatch.setattr("t5sym.model.config.os.open", refuse)
        with pytest.raises(ConfigError) as info:
            from_hf(path)
        one_line(info, checks.shown_path(path), "Permission denied")

    def test_a_file_in_place_of_a_folder(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "config.json", json.dumps(CORE))
        with pytest.raises(ConfigError) as info:
            from_hf(path / "config.json")
        one_line(info, checks.shown_path(path / "config.json"), "Not a directory")

    def test_empty_path(self) -> None:
        with pytest.raises(ConfigError) as info:
            from_hf("")
        one_line(info, "path", "empty")


# --- 6, 12. the Python API with wrong types ----------------------------------------------


class TestApiTypes:
    """Wrong argument types are a T5SymError naming the argument, never Attribute/TypeError."""

    @pytest.mark.parametrize(
        ("call", "field", "fragment"),
        [
            (lambda: from_hf(None), "source", "expected a path"),
            (lambda: from_hf(5), "source", "expected a path"),
            (lambda: from_hf(["config.json"]), "source", "expected a path"),
            (lambda: from_hf(CORE, name=5), "name", "string"),
            (lambda: t5sym.load(None), "preset", "preset name"),
            (lambda: t5sym.load(5), "preset", "preset name"),
            (lambda: t5sym.load(["t5-small"]), "preset", "preset name"),
            (lambda: t5sym.get(None), "preset", "preset name"),
            (lambda: Config(**CORE, architectures=5), "architectures", "list"),
            (lambda: Config(**{**CORE, "d_model": "512"}), "d_model", "positive integer"),
            (lambda: Config(**CORE, name=5), "name", "string"),
            (lambda: Config(**CORE, source=b"x"), "source", "string"),
            (lambda: checked_config("t5-small"), "config", "t5sym.load('t5-small')"),
            (lambda: checked_config(None), "config", "expected a t5sym.Config"),
            (lambda: checks.node_name(123), "node", "string"),
        ],
        ids=[
            "from_hf-None",
            "from_hf-int",
            "from_hf-list",
            "from_hf-name",
            "load-None",
            "load-int",
            "load-list",
            "get-None",
            "Config-architectures",
            "Config-str-dim",
            "Config-name",
            "Config-source",
            "checks.config-str",
            "checks.config-None",
            "checks.node_name-int",
        ],
    )
    def test_one_line(self, call: Any, field: str, fragment: str) -> None:
        with pytest.raises(T5SymError) as info:
            call()
        one_line(info, field, fragment)

    def test_checks_pass_good_values_through(self) -> None:
        config = t5sym.load("t5-small")
        assert checked_config(config) is config and checks.node_name("lm_head") == "lm_head"

    def test_hostile_repr_is_not_trusted(self) -> None:
        class Evil:
            def __repr__(self) -> str:
                raise RuntimeError("no")

        with pytest.raises(ConfigError) as info:
            Config(**{**CORE, "d_kv": Evil()})
        one_line(info, "d_kv", "<Evil>")

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            (lambda: t5sym.count("t5-small"), "config"),
            (lambda: t5sym.tree("t5-small"), "config"),
            (lambda: t5sym.formula("t5-small"), "config"),
            (lambda: t5sym.formula(t5sym.load("t5-small"), 123), "node"),
            (lambda: t5sym.training_memory("t5-small"), "config"),
        ],
        ids=["count", "tree", "formula-config", "formula-node", "training_memory"],
    )
    def test_engine_entry_points(self, call: Any, field: str) -> None:
        with pytest.raises(T5SymError) as info:
            call()
        one_line(info, field)


# --- 7. NumPy and SymPy integers --------------------------------------------------------


class TestIntegralTypes:
    """Any integral type is a dimension, stored as a plain Python int."""

    @pytest.mark.parametrize(
        "value",
        [numpy.int64(512), numpy.int32(512), numpy.uint16(512), sympy.Integer(512)],
        ids=["int64", "int32", "uint16", "sympy"],
    )
    def test_accepted_as_int(self, value: Any) -> None:
        config = Config(**{**CORE, "d_model": value, "num_decoder_layers": value})
        assert type(config.d_model) is int and type(config.num_decoder_layers) is int
        plain = Config(**{**CORE, "d_model": 512, "num_decoder_layers": 512})
        assert config == plain and t5sym.count(config).total == t5sym.count(plain).total

    @pytest.mark.parametrize(
        ("value", "problem"),
        [
            (numpy.True_, "positive integer"),
            (numpy.float64(512.0), "must be an integer, got the float"),
            (numpy.int64(-3), "got -3"),
            (sympy.Rational(1, 2), "positive integer"),
            (sympy.Float(512.0), "positive integer"),
        ],
        ids=["np-bool", "np-float", "np-negative", "rational", "sympy-float"],
    )
    def test_refused(self, value: Any, problem: str) -> None:
        with pytest.raises(ConfigError) as info:
            Config(**{**CORE, "d_kv": value})
        one_line(info, "d_kv", problem)


# --- 11. output and arguments of the command --------------------------------------------


class TestCommandOutput:
    """A full, closed or ASCII-only stdout, and huge arguments, are handled in one line."""

    def test_full_device(self) -> None:
        with open("/dev/full", "w") as full:
            out = subprocess.run(
                [sys.executable, "-m", "t5sym", "list"],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
                cwd=ROOT,
            )
        assert out.returncode == 2, out.stderr[-500:]
        assert out.stderr == "t5sym: error: output: cannot write (No space left on device)\n"

    def test_closed_stdout(self) -> None:
        out = subprocess.run(
            f"{sys.executable} -m t5sym list >&-",
            shell=True,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert out.returncode == 2, out.stderr[-500:]
        assert out.stderr == "t5sym: error: output: cannot write (stdout is closed)\n"

    def test_broken_pipe_is_silent(self) -> None:
        proc = subprocess.Popen(
            [sys.executable, "-m", "t5sym", "list"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before anything is written
        err = proc.stderr.read()
        assert proc.wait(timeout=60) in (0, -signal.SIGPIPE, 128 + signal.SIGPIPE)
        assert err == b"", err[-500:]

    @pytest.mark.parametrize("args", [("count", "t5-3b"), ("flops", "t5-small"), ("list",)])
    def test_ascii_output_encoding(self, args: tuple[str, ...]) -> None:
        out = run(*args, env={"PYTHONIOENCODING": "ascii"})
        assert out.returncode == 0 and out.stderr == "", out.stderr[-500:]
        assert out.stdout.isascii() and ("~" in out.stdout or "headsxd_kv" in out.stdout)

    def test_ascii_error_line(self, tmp_path: Path) -> None:
        out = run("count", str(tmp_path / ("é" * 100)), env={"PYTHONIOENCODING": "ascii"})
        assert one_line_error(out, "no such file").isascii()

    @pytest.mark.parametrize(
        "argv",
        [
            ["flops", "t5-small", "--batch", "9" * 5000],
            ["flops", "t5-small", "--encoder-length", "1" + "0" * 1000],
            ["flops", "t5-small", "--decoder-length", "x" * 5000],
            ["x" * 5000],
            ["memory", "t5-small", "--dtype", "x" * 5000],
            ["shard", "t5-small", "--cores", "9" * 5000],
            ["formula", "t5-small", "--node", "x" * 5000],
            ["count", "x" * 5000],
        ],
        ids=[
            "batch",
            "length-1001-digits",
            "not-a-number",
            "command",
            "dtype",
            "cores",
            "node",
            "target",
        ],
    )
    def test_long_argument_is_capped(self, argv: list[str]) -> None:
        line = one_line_error(run(*argv))
        assert len(line) < 200, len(line)

    def test_batch_over_the_digit_limit_names_the_limit(self) -> None:
        one_line_error(
            run("flops", "t5-small", "--batch", "9" * 5000),
            "argument --batch: must have at most 1,000 digits",
        )

    def test_batch_of_a_thousand_digits_prints(self) -> None:
        out = run("flops", "t5-small", "--batch", "9" * 1000)  # render.approx overflows
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-500:]

    def test_shard_on_one_core(self) -> None:
        out = run("shard", "t5-small", "--cores", "1")  # sharding: TypeError invalid input zoo
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-500:]


def test_in_process_main_leaves_the_digit_limit_alone(capsys: pytest.CaptureFixture[str]) -> None:
    from t5sym.cli import main

    before = sys.get_int_max_str_digits()
    assert main(["count", "t5-small", "--json"]) == 0
    assert sys.get_int_max_str_digits() == before
    assert json.loads(capsys.readouterr().out)["total"] == 60_506_624


# --- issue 16: configs that are not T5's, or whose fields disagree ------------------------


class TestIssue16:
    """Each is one line from the command (status 2), or a quick count."""

    @pytest.mark.parametrize(
        ("data", "fragments"),
        [
            ({"n_embd": 768, "n_layer": 12, "n_head": 12, "vocab_size": 50257},
             ["model_type: missing", "not a T5 config"]),
            ({"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12},
             ["model_type: missing"]),
            ({"model_type": "t5", "architectures": ["UMT5ForConditionalGeneration"]},
             ["architectures: 'UMT5ForConditionalGeneration' is a umt5 class", "model_type"]),
            ({"model_type": "mt5", "architectures": ["FlaxT5Model"]},
             ["architectures: 'FlaxT5Model' is a t5 class", "model_type is 'mt5'"]),
            ({**CORE, "is_gated_act": "true"}, ["is_gated_act: must be true or false"]),
            ({**CORE, "dense_act_fn": "x" * 5000}, ["dense_act_fn: unknown activation"]),
            ({"model_type": "switch_transformers", "encoder_sparse_step": [2]},
             ["encoder_sparse_step: "]),
            ({"model_type": "switch_transformers", "num_hidden_layers": 3, "num_layers": "x"},
             ["num_layers: must be a positive integer"]),
            ({**CORE, "architectures": ["T5Model"], "num_decoder_layers": 0},
             ["num_decoder_layers: must be a positive integer, got 0"]),
        ],
    )  # fmt: skip
    def test_one_line(self, tmp_path: Path, data: dict, fragments: list[str]) -> None:
        with pytest.raises(ConfigError) as info:
            from_hf(data)
        one_line(info, fragments[0].split(":")[0])
        path = write_config(tmp_path / "config.json", json.dumps(data))
        line = one_line_error(run("count", str(path)), *fragments)
        assert len(line) <= 220, line

    def test_switch_of_a_300_digit_depth_is_counted_at_once(self, tmp_path: Path) -> None:
        data = {"model_type": "switch_transformers", "num_layers": 10**300,
                "num_decoder_layers": 10**300, "num_sparse_decoder_layers": 10**299}  # fmt: skip
        path = write_config(tmp_path / "config.json", json.dumps(data))
        out = guarded("-m", "t5sym", "count", str(path), "--json", timeout=20)
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-500:]
        assert json.loads(out.stdout)["total"] == t5sym.count(from_hf(data)).total


# --- issue 16: every public function of the views, hostile arguments ----------------------


def _hostile_calls() -> list[tuple[str, Any, str]]:
    """(id, call, field): each call must raise a one-line T5SymError starting ``field: ``."""
    from t5sym.model import algebra, symbols
    from t5sym.views import (
        activations,
        counterfactual,
        family,
        flops,
        gpt,
        hardware,
        inference,
        layout,
        longt5,
        sharding,
    )

    small = t5sym.load("t5-small")
    lt = t5sym.load("long-t5-tglobal-base")
    tf = dict(batch=1, encoder_length=1, decoder_length=1)
    calls: list[tuple[str, Any, str]] = [
        ("memory_at-typo", lambda: activations.memory_at(small, "fp32", "adam", encoder_len=4096),
         "encoder_len"),
        ("memory_at-batch-str", lambda: activations.memory_at(small, "fp32", "adam", batch="8"),
         "batch"),
        ("longt5.ratio-typo", lambda: longt5.ratio(lt, "local", product_only=False),
         "product_only"),
        ("longt5.first_cheaper-typo", lambda: longt5.first_cheaper(lt, "local", products=True),
         "products"),
        ("longt5.table-typo", lambda: longt5.table(lt, [512], productsonly=True), "productsonly"),
        ("sharding.point-typo", lambda: sharding.point(small, 2, seq_len=5), "seq_len"),
        ("sharding.point-dim", lambda: sharding.point(small, 2, d_model=5), "d_model"),
        ("activation_name-str", lambda: activations.activation_name("t5-small"), "config"),
        ("saved_tree-mask-str", lambda: activations.saved_tree(small, mask_bytes="1"),
         "mask_bytes"),
        ("saved_tree-mask-float", lambda: activations.saved_tree(small, mask_bytes=2.5),
         "mask_bytes"),
        ("saved_tree-checkpointing", lambda: activations.saved_tree(small, checkpointing="no"),
         "checkpointing"),
        ("fine_tuning-mask-bool",
         lambda: activations.fine_tuning_memory(small, mask_bytes=True, **tf),
         "mask_bytes"),
        ("sharding.point-config", lambda: sharding.point("t5-small", 2), "config"),
        ("sharding.point-cores", lambda: sharding.point(small, "2"), "cores"),
        ("sharding.totals-None", lambda: sharding.totals(None), "structure"),
        ("sharding.totals-list", lambda: sharding.totals([1]), "structure"),
        ("sharding.layout_tree-encoder_only",
         lambda: sharding.layout_tree("flops", small, encoder_only="yes"),
         "encoder_only"),
        ("sharding.weight_layouts-stack", lambda: sharding.weight_layouts(small, "decoders"),
         "stack"),
        ("longt5.layer_flops-products_only", lambda: longt5.layer_flops(lt, products_only=1),
         "products_only"),
        ("longt5.cost-s", lambda: longt5.cost(longt5.layer_flops(lt), "512"), "encoder_length"),
        ("longt5.cost-b-list", lambda: longt5.cost(longt5.layer_flops(lt), 5, [1]), "batch"),
        ("longt5.cost-expr", lambda: longt5.cost("x", 5), "expr"),
        ("longt5.table-config", lambda: longt5.table(None, [1]), "config"),
        ("longt5.table-lengths", lambda: longt5.table(lt, 512), "lengths"),
        ("longt5.table-zero", lambda: longt5.table(lt, [0]), "encoder_length"),
        ("longt5.smooth-None", lambda: longt5.smooth(None), "expr"),
        ("longt5.notation-str", lambda: longt5.notation("S"), "expr"),
        ("inference.encoder_peak-str", lambda: inference.encoder_peak("t5-small"), "config"),
        ("inference.step_peak-int", lambda: inference.step_peak(5), "config"),
        ("inference.encoder_peak-b", lambda: inference.encoder_peak(small, b=0), "bytes_per_value"),
        ("inference.workload-config", lambda: inference.workload(None, 1, 1, 1, 2), "config"),
        ("inference.workload-b", lambda: inference.workload(small, 1, 1, 1, "2"),
         "bytes_per_value"),
        ("inference.cache_part-tree", lambda: inference.cache_part(None, "self"), "tree"),
        ("inference.cache_part-kind", lambda: inference.cache_part(inference.cache_tree(), "both"),
         "kind"),
        ("inference.generation_flops-use_cache", lambda: inference.generation_flops(small, "no"),
         "use_cache"),
        ("inference.sum_steps-None", lambda: inference.sum_steps(None), "expr"),
        ("inference.sum_steps-cubic", lambda: inference.sum_steps(inference.step**3), "expr"),
        ("inference.step_seconds-no-bandwidth",
         lambda: inference.inference(small).step_seconds(hardware.Accelerator("x", 1, 1, "s")),
         "bandwidth"),
        ("counterfactual.head_width-str", lambda: counterfactual.grow_d_model("t5-3b", None, "128"),
         "head_width"),
        ("counterfactual.head_width-zero", lambda: counterfactual.grow_d_model("t5-3b", None, 0),
         "head_width"),
        ("counterfactual.head_width-huge",
         lambda: counterfactual.grow_d_model("t5-3b", None, 10**400),
         "head_width"),
        ("family.side_by_side-config", lambda: family.side_by_side("t5-small", small), "config"),
        ("family.side_by_side-baseline", lambda: family.side_by_side(small, None), "config"),
        ("family.ratios-baseline", lambda: family.ratios(small, 5), "config"),
        ("family.weight_shape-config", lambda: family.weight_shape(None, "shared"), "config"),
        ("family.weight_shape-node", lambda: family.weight_shape(small, 5), "node"),
        ("family.by_category-encoder_only", lambda: family.by_category(small, encoder_only="x"),
         "encoder_only"),
        ("family.resolution-None", lambda: family.resolution(None), "label"),
        ("family.resolution-text", lambda: family.resolution("many"), "label"),
        ("family.round_to-zero", lambda: family.round_to(10, 0), "step"),
        ("family.cut_to-str", lambda: family.cut_to(10, "1"), "step"),
        ("family.round_to-float", lambda: family.round_to(2.5, 1), "n"),
        ("family.reconcile-str", lambda: family.reconcile("t5-3b"), "claim"),
        ("flops.forward_tree-encoder_only", lambda: flops.forward_tree(small, "x"), "encoder_only"),
        ("flops.matmul_parameters-stack", lambda: flops.matmul_parameters(small, "x"), "stack"),
        ("flops.rule_of_thumb-symbolic", lambda: flops.rule_of_thumb(small, symbolic=1),
         "symbolic"),
        ("flops.backward_per_forward-str", lambda: flops.backward_per_forward("q"), "role"),
        ("algebra.evaluate-values", lambda: algebra.evaluate(symbols.d_model, None),
         "values"),
        ("algebra.evaluate-missing", lambda: algebra.evaluate(symbols.d_model, {}), "values"),
        ("algebra.evaluate-str", lambda: algebra.evaluate("d_model", {}), "expr"),
        ("algebra.evaluate-float", lambda: algebra.evaluate(sympy.Float(2.5), {}), "expr"),
        ("algebra.integer-str-value",
         lambda: algebra.integer(symbols.d_model, {symbols.d_model: "x"}), "values"),
        ("algebra.tidy-None", lambda: algebra.tidy(None), "expr"),
        ("algebra.split_over-list", lambda: algebra.split_over([1], symbols.cores), "expr"),
        ("layout.most_cores-str", lambda: layout.most_cores("t5-small"), "config"),
        ("layout.check_cores-config", lambda: layout.check_cores(None, 2), "config"),
        ("layout.local_tree-None", lambda: layout.local_tree(None), "tree"),
        ("layout.ring_bytes-str", lambda: layout.ring_bytes("8"), "tensor_bytes"),
        ("gpt.count-str", lambda: gpt.count("GPT-3 Small"), "config"),
        ("gpt.GPTConfig-n_layer-str", lambda: gpt.GPTConfig("x", "12", 64, 4, 16), "n_layer"),
        ("gpt.GPTConfig-n_head-zero", lambda: gpt.GPTConfig("x", 2, 64, 0, 16), "n_head"),
        ("gpt.GPTConfig-n_embd-float", lambda: gpt.GPTConfig("x", 2, 64.0, 4, 16), "n_embd"),
        ("gpt.GPTConfig-huge", lambda: gpt.GPTConfig("x", 10**1001, 64, 4, 16), "n_layer"),
        ("hardware.cores-zero", lambda: hardware.Accelerator("x", 10, 0, "s", 1, 1), "cores"),
        ("hardware.cores-str", lambda: hardware.Accelerator("x", 10, "2", "s", 1, 1), "cores"),
        ("hardware.bandwidth-float", lambda: hardware.Accelerator("x", 10, 1, "s", 2.5, 1),
         "bandwidth"),
        ("hardware.ridge_point-unknown", lambda: hardware.Accelerator("x", 10, 1, "s").ridge_point,
         "bandwidth"),
    ]  # fmt: skip
    return calls


_CALLS = _hostile_calls()


@pytest.mark.parametrize(("call", "field"), [c[1:] for c in _CALLS], ids=[c[0] for c in _CALLS])
def test_views_refuse_hostile_arguments_in_one_line(call: Any, field: str) -> None:
    with pytest.raises(T5SymError) as info:
        call()
    one_line(info, field)


def test_memory_at_takes_its_lengths_by_name() -> None:
    small = t5sym.load("t5-small")
    at = t5sym.views.activations.memory_at(small, "fp32", "adam", encoder_length=4096)
    assert (at.batch, at.encoder_length, at.decoder_length) == (1, 4096, 128)


def test_first_cheaper_of_a_300_digit_radius_is_immediate() -> None:
    # local: S² ≤ 3·k²·⌈S/k⌉ (k = r + 1) holds for every S ≤ 3k and, in the fourth block,
    # up to ⌊√12·k⌋; from the fifth block on (q − 1)² > 3q: first cheaper at ⌊√(12k²)⌋ + 1
    r = 10**300
    config = from_hf({"model_type": "longt5", "encoder_attention_type": "local", "local_radius": r})
    out = guarded("-c", "import sys, t5sym; from t5sym.views import longt5;"
                  "c = t5sym.from_hf({'model_type': 'longt5', 'encoder_attention_type': 'local',"
                  "'local_radius': 10**300}); print(longt5.first_cheaper(c, 'local') % 10**9)",
                  timeout=20)  # fmt: skip
    assert out.returncode == 0, out.stderr[-500:]
    expected = math.isqrt(12 * (r + 1) ** 2) + 1
    assert int(out.stdout) == expected % 10**9
    assert t5sym.views.longt5.first_cheaper(config, "local") == expected
