"""The one way tests run the ``t5sym`` command: a real process, ``python -m t5sym``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def run(
    *args: str,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``t5sym ARGS`` with this interpreter; text output, errors not raised."""
    root = Path(__file__).resolve().parents[2]
    environ = {**os.environ, **(env or {})}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "t5sym", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=environ,
        input=stdin,
        encoding="utf-8",
        errors="replace",
    )


def one_line_error(out: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Assert exit 2, nothing on stdout, one stderr line containing every fragment."""
    assert out.returncode == 2, (out.returncode, out.stdout[-500:], out.stderr[-2000:])
    assert out.stdout == "", out.stdout[-500:]
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]
