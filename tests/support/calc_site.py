"""A small site holding the calculator page only (its index and assets), built once."""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .docs_util import DOCS, ROOT, env


@functools.cache
def calculator_site() -> Path:
    """``mkdocs build --strict`` of the real mkdocs.yml (theme, plugins, hooks) over a docs
    folder holding calculator.md, the assets and a one-line home page."""
    tmp = Path(tempfile.mkdtemp(prefix="t5sym-calc-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    docs = tmp / "docs"
    shutil.copytree(DOCS / "assets", docs / "assets")
    shutil.copy(DOCS / "calculator.md", docs / "calculator.md")
    (docs / "index.md").write_text("# t5sym\n\n[Calculator](calculator.md)\n", encoding="utf-8")
    hooks = "\n".join(f"  - {p}" for p in sorted((DOCS / "hooks").glob("*.py")))
    (tmp / "mkdocs.yml").write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: docs\n"
        f"hooks:\n{hooks}\n"
        "nav:\n  - Calculator: calculator.md\n  - Home: index.md\n",
        encoding="utf-8",
    )
    site = tmp / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", site],
        cwd=tmp,
        env={**env(), "PYTHONPATH": str(ROOT)},  # this checkout's t5sym, for the hook
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise AssertionError(f"mkdocs build --strict failed:\n{proc.stdout}{proc.stderr}")
    return site
