"""The one file reader's rules: regular files only, never blocking, capped; one line."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from t5sym import ConfigError, T5SymError
from t5sym.model import files


def test_reads_a_regular_file_within_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"x" * 10)
    assert files.read_regular(str(path), 10, "a test file") == b"x" * 10
    with pytest.raises(T5SymError, match=r"11 bytes, over the 10-byte limit of a test file$"):
        path.write_bytes(b"x" * 11)
        files.read_regular(str(path), 10, "a test file")


@pytest.mark.parametrize("make", ["folder", "fifo", "missing", "nul"])
def test_refuses_what_is_not_a_regular_file_in_one_line(tmp_path: Path, make: str) -> None:
    path = tmp_path / "thing"
    expected = {
        "folder": "is not a regular file (a folder)",
        "fifo": "is not a regular file (a FIFO)",
        "missing": "no such file",
        "nul": "a path cannot hold a NUL character",
    }[make]
    if make == "folder":
        path.mkdir()
    elif make == "fifo":
        os.mkfifo(path)  # reading it would block forever: it must be refused first
    name = str(path) + ("\0x" if make == "nul" else "")
    done = []
    thread = threading.Thread(
        target=lambda: done.append(
            pytest.raises(ConfigError, files.read_regular, name, 9, "x", ConfigError)
        )  # fmt: skip
    )
    thread.start()
    thread.join(5)
    assert done, "the reader blocked"
    message = str(done[0].value)
    assert message.endswith(expected) and "\n" not in message
