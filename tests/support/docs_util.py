"""Shared by the docs tests: the strict site build (once per test run) and fence parsing."""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ARTIFACTS = ROOT / "test-artifacts"
BIN = Path(sys.executable).parent


def env() -> dict[str, str]:
    """The environment for builds and shell examples: this venv's ``t5sym`` first on PATH."""
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
        "NO_MKDOCS_2_WARNING": "1",
    }


@dataclass(frozen=True)
class Build:
    """One ``mkdocs build --strict``: where the site went, its exit status, log and time."""

    site: Path
    returncode: int
    log: str
    seconds: float


def mkdocs_build(project: Path, site: Path, timeout: float = 600) -> Build:
    """Run ``mkdocs build --strict`` for ``project``'s mkdocs.yml into ``site``.

    Never ``-q``: MkDocs then stops counting warnings and strict mode lets them pass.
    """
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", site],
        cwd=project,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Build(site, proc.returncode, proc.stdout + proc.stderr, time.perf_counter() - start)


@functools.cache
def site_build() -> Build:
    """The real site, built once per test run (shared by test_docs and test_site)."""
    tmp = Path(tempfile.mkdtemp(prefix="t5sym-site-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    return mkdocs_build(ROOT, tmp / "site")


def built_site() -> Path:
    """The built site's folder; fails with the build log if the strict build failed."""
    build = site_build()
    if build.returncode != 0:
        raise AssertionError(f"mkdocs build --strict failed:\n{build.log}")
    return build.site


def markdown_pages() -> list[Path]:
    """Every Markdown page under docs/, sorted."""
    return sorted(DOCS.rglob("*.md"))


def notebooks() -> list[Path]:
    """The jupytext notebooks rendered by mkdocs-jupyter."""
    return sorted((DOCS / "notebooks").glob("*.py"))


@dataclass(frozen=True)
class Fence:
    """A fenced code block as written: language, option string, body, first line number."""

    path: Path
    line: int
    language: str
    info: str
    body: str

    def option(self, key: str, default: str = "") -> str:
        match = re.search(rf'\b{key}="([^"]*)"', self.info)
        return match[1] if match else default

    @property
    def executed(self) -> bool:
        return self.option("exec").lower() not in {"", "no", "off", "false", "0"}


_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)(?P<info>.*)$")


def fences(path: Path) -> list[Fence]:
    """Every fenced block of a Markdown file (nested indentation allowed), in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Fence] = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        close = re.compile(rf"^{re.escape(indent)}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        body = "\n".join(s[len(indent) :] for s in lines[i + 1 : j])
        out.append(Fence(path, i + 1, match["lang"].lower(), match["info"].strip(), body))
        i = j + 1
    return out


#: Debian's Chromium: the browser tests never download one.
CHROMIUM = Path("/usr/bin/chromium")

#: Offline: every host but the test server's 127.0.0.1 fails to resolve.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def chromium(playwright, profile: str):
    """A headless Chromium context with a fresh profile, offline but for 127.0.0.1."""
    return playwright.chromium.launch_persistent_context(
        profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
