"""The built site in a real browser (Debian's Chromium via Playwright), offline.

Every page is opened from a local server with the cache disabled and every host but
127.0.0.1 unresolvable: no console error, no failed or foreign request, no raw TeX on
screen, MathML wherever a page has formulas, and bytes transferred per page measured.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from .docs_util import ARTIFACTS, DOCS, built_site

CHROMIUM = Path("/usr/bin/chromium")
HOME_BUDGET = 600 * 1000  # bytes transferred for the home page
RAW_TEX = ("\\(", "\\[", "$$", "\\frac", "\\mathrm")
SCREENSHOTS = {"": "home.png", "notebooks/t5-3b": "t5-3b.png", "notebooks/t5-11b": "t5-11b.png"}

# Visible text outside code blocks (code may show LaTeX on purpose, e.g. to copy).
VISIBLE_TEXT = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest("pre, code, script, style, textarea")) continue;
    if (el.checkVisibility && !el.checkVisibility()) continue;
    out.push(n.nodeValue);
  }
  return out.join(" ");
}"""
MATHML = """() => [...document.querySelectorAll("math")].map(m => {
  const r = m.getBoundingClientRect();
  return [r.width, r.height, m.closest(".tabbed-block") !== null];
})"""
BYTES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const all = [nav, ...performance.getEntriesByType("resource")];
  return {
    transfer: all.reduce((s, e) => s + e.transferSize, 0),
    body: all.reduce((s, e) => s + e.encodedBodySize, 0),
    requests: all.length,
  };
}"""
COPY = """() => {
  const blocks = [...document.querySelectorAll(".tabbed-set pre")];
  const copy = '[data-md-type="copy"]';
  const copyable = blocks.filter(p => p.querySelector(copy) || p.parentElement.querySelector(copy));
  return [blocks.length, copyable.length];
}"""


@dataclass
class Visit:
    """What one page did in the browser."""

    url: str
    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    raw_tex: list[str] = field(default_factory=list)
    maths: list[list] = field(default_factory=list)
    bytes: dict = field(default_factory=dict)
    copy: list[int] = field(default_factory=list)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _pages(site: Path) -> list[str]:
    """Every page's path below the root ("" for home), from the built files."""
    rels = (p.parent.relative_to(site) for p in site.rglob("index.html"))
    return sorted("" if rel == Path(".") else rel.as_posix() for rel in rels)


def _source(page: str) -> Path:
    """The docs/ source a built page came from."""
    if not page:
        return DOCS / "index.md"
    for candidate in (DOCS / f"{page}.md", DOCS / page / "index.md", DOCS / f"{page}.py"):
        if candidate.is_file():
            return candidate
    raise AssertionError(f"no source for page {page!r}")


def _has_formulas(source: Path) -> bool:
    text = source.read_text(encoding="utf-8")
    return bool(re.search(r"\$[^\s$]|\\\(|mathml\(|formula_tabs\(", text))


@pytest.fixture(scope="module")
def site() -> Path:
    return built_site()


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def visits(site: Path, server: str) -> dict[str, Visit]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
            "the browser tests never download a browser"
        )
    ARTIFACTS.mkdir(exist_ok=True)
    out: dict[str, Visit] = {}
    with tempfile.TemporaryDirectory(prefix="t5sym-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        )
        try:
            for page_path in _pages(site):
                out[page_path] = _visit(context, server + (f"{page_path}/" if page_path else ""))
                if page_path in SCREENSHOTS:
                    context.pages[-1].screenshot(
                        path=str(ARTIFACTS / SCREENSHOTS[page_path]), full_page=True
                    )
                context.pages[-1].close()
        finally:
            context.close()
    weights = {page or "/": v.bytes for page, v in out.items()}
    (ARTIFACTS / "page-weight.json").write_text(json.dumps(weights, indent=2) + "\n")
    return out


def _visit(context, url: str) -> Visit:
    visit = Visit(url)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.on("console", lambda m: m.type == "error" and visit.console.append(m.text))
    page.on("pageerror", lambda e: visit.console.append(str(e)))
    page.on("requestfailed", lambda r: visit.failed.append(f"{r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and visit.failed.append(f"{r.url} {r.status}"))

    def request(r) -> None:
        parts = urlsplit(r.url)
        if parts.scheme not in ("data", "blob", "about") and parts.hostname != "127.0.0.1":
            visit.foreign.append(r.url)

    page.on("request", request)
    context.on("request", request)
    page.goto(url, wait_until="networkidle")
    text = page.evaluate(VISIBLE_TEXT)
    visit.raw_tex = [t for t in RAW_TEX if t in text]
    visit.maths = page.evaluate(MATHML)
    visit.bytes = page.evaluate(BYTES)
    visit.copy = page.evaluate(COPY)
    context.remove_listener("request", request)
    return visit


def _report(visits: dict[str, Visit], attr: str) -> list[str]:
    return [f"{v.url}: {getattr(v, attr)}" for v in visits.values() if getattr(v, attr)]


def test_every_page_was_opened(visits: dict[str, Visit], site: Path) -> None:
    assert "" in visits and "reference/formulas" in visits
    assert "notebooks/t5-3b" in visits and "notebooks/t5-11b" in visits
    assert len(visits) == len(list(site.rglob("index.html")))


def test_no_console_errors(visits: dict[str, Visit]) -> None:
    assert not _report(visits, "console")


def test_no_failed_requests(visits: dict[str, Visit]) -> None:
    assert not _report(visits, "failed")


def test_no_request_leaves_the_machine(visits: dict[str, Visit]) -> None:
    assert not _report(visits, "foreign")


def test_no_raw_tex_on_screen(visits: dict[str, Visit]) -> None:
    assert not _report(visits, "raw_tex")


def test_mathml_renders_where_there_are_formulas(visits: dict[str, Visit]) -> None:
    missing = []
    for page, visit in visits.items():
        if not _has_formulas(_source(page)):
            continue
        shown = [m for m in visit.maths if m[0] > 0 and m[1] > 0]
        if not shown:
            missing.append(visit.url)
    assert not missing, f"pages with formulas but no rendered MathML: {missing}"
    formulas = visits["reference/formulas"].maths
    assert len(formulas) >= 20
    # Hidden tabs aside, MathML Core lays every formula out with a real size.
    assert all(w > 0 and h > 0 for w, h, in_tab in formulas if not in_tab)


def test_formula_code_blocks_have_copy_buttons(visits: dict[str, Visit]) -> None:
    blocks, copyable = visits["reference/formulas"].copy
    assert blocks >= 30 and copyable == blocks


def test_home_page_weight(visits: dict[str, Visit]) -> None:
    home = visits[""].bytes
    print(f"\nhome page: {home['transfer']:,} bytes transferred in {home['requests']} requests")
    assert home["transfer"] >= (Path(built_site()) / "index.html").stat().st_size
    assert home["transfer"] <= HOME_BUDGET, home


def test_screenshots_saved(visits: dict[str, Visit]) -> None:
    for name in SCREENSHOTS.values():
        shot = ARTIFACTS / name
        assert shot.stat().st_size > 10_000, shot
