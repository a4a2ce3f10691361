"""The built site in a real browser (Debian's Chromium via Playwright), offline.

Every page is opened from a local server with the cache disabled and every host but
127.0.0.1 unresolvable: no console error, no failed or foreign request, no raw TeX on
screen, MathML wherever a page has formulas, and bytes transferred per page measured.

Then what a reader does (`tests/reader.py`): every page at 1,280 and 390 px scanned for
elements wider than their column, screenshots of both widths in test-artifacts/, chart
text measured as rendered, every copy button pressed and the clipboard read, every page's
visible Python run in page order in a fresh interpreter, every internal link followed.
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

from .support.docs_util import ARTIFACTS, CHROMIUM, DOCS, ROOT, built_site, chromium
from .support.reader import (
    CHART_TEXT,
    COPY_BUTTONS,
    OVERFLOW,
    broken_links,
    console_commands,
    run_visible_code,
    visible_code,
)

HOME_BUDGET = 600 * 1000  # bytes transferred for the home page
NOTEBOOK_BUDGET = 300 * 1000  # bytes of a notebook page's HTML
WIDTHS = (1280, 390)  # a laptop and a phone
SMALLEST_TEXT = 11  # CSS px: no chart text smaller as rendered
RAW_TEX = ("\\(", "\\[", "$$", "\\frac", "\\mathrm")
READER = """() => {
  const size = el => el ? parseFloat(getComputedStyle(el).fontSize) : null;
  return {
    admonition: size(document.querySelector("article .admonition p, article details p")),
    body: size(document.querySelector("article > p")),
    toggles: document.querySelectorAll("form[data-md-component=palette] input").length,
  };
}"""

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
    wide: dict[int, list[dict]] = field(default_factory=dict)
    charts: dict[int, dict] = field(default_factory=dict)
    copied: list[dict] = field(default_factory=list)
    reader: dict = field(default_factory=dict)


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
        context = chromium(p, profile)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        try:
            for page_path in _pages(site):
                url = server + (f"{page_path}/" if page_path else "")
                visit = out[page_path] = _visit(context, url)
                page = context.pages[-1]
                visit.copied = page.evaluate(COPY_BUTTONS)
                visit.reader = page.evaluate(READER)
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    page.wait_for_timeout(50)
                    visit.wide[width] = page.evaluate(OVERFLOW)
                    visit.charts[width] = page.evaluate(CHART_TEXT)
                    name = (page_path or "home").replace("/", "_")
                    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
                page.close()
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
    for page in visits:
        for width in WIDTHS:
            shot = ARTIFACTS / f"{(page or 'home').replace('/', '_')}-{width}.png"
            assert shot.stat().st_size > 10_000, shot


# ---------------------------------------------------------------------------------------
# What a reader does.


def test_nothing_is_wider_than_the_text_at_1280(visits: dict[str, Visit]) -> None:
    wide = {v.url: v.wide[1280] for v in visits.values() if v.wide[1280]}
    assert not wide, json.dumps(wide, indent=1, ensure_ascii=False)


def test_at_390_only_tables_scroll_and_they_show_it(visits: dict[str, Visit]) -> None:
    """On a phone a table may scroll sideways, with its first column kept in view (sticky)
    and a shadow at the edge, and so may a display formula (with the same shadow); nothing
    else may scroll and nothing may be cut."""
    bad = {}
    for v in visits.values():
        found = [
            w
            for w in v.wide[390]
            if w["cut"] or not ((w["tag"] == "table" and w["sticky"]) or w["tag"] == "math")
        ]
        if found:
            bad[v.url] = found
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)


def test_chart_text_is_legible_at_both_widths(visits: dict[str, Visit]) -> None:
    sizes = {
        (v.url, width): v.charts[width]["smallest"]
        for v in visits.values()
        for width in WIDTHS
        if v.charts[width]["smallest"] is not None
    }
    assert len({url for url, _ in sizes}) >= 5, sizes  # five pages have charts
    small = {k: s for k, s in sizes.items() if s < SMALLEST_TEXT}
    assert not small, small


def test_charts_have_alt_text_and_no_image_lacks_one(visits: dict[str, Visit]) -> None:
    for v in visits.values():
        info = v.charts[1280]
        assert all(len(label) > 40 for label in info["charts"]), (v.url, info["charts"])
        assert all(alt and "No description" not in alt for alt in info["images"]), v.url


def test_copy_buttons_copy_what_a_reader_needs(visits: dict[str, Visit]) -> None:
    pressed, problems = 0, []
    for v in visits.values():
        for c in v.copied:
            pressed += 1
            if c["lang"] == "console":
                want = console_commands(c["shown"])
            elif c["lang"] == "pycon":  # the code without prompts or output
                lines = c["shown"].splitlines()
                want = "\n".join(s[4:] for s in lines if s.startswith((">>> ", "... ")))
            else:
                want = c["shown"].rstrip()
            if c["copied"].rstrip() != want.rstrip():
                problems.append((v.url, c["lang"], c["copied"][:80], want[:80]))
    assert pressed >= 50, pressed
    assert not problems, problems


def test_console_copy_is_the_command_only(visits: dict[str, Visit]) -> None:
    consoles = [c for v in visits.values() for c in v.copied if c["lang"] == "console"]
    assert len(consoles) >= 8
    for c in consoles:
        assert c["copied"].startswith("t5sym ") and "\n" not in c["copied"].strip(), c


@pytest.mark.parametrize("page", ["", "getting-started", "how-to/count-your-config"])
def test_shown_code_runs_as_shown_on_key_pages(site: Path, page: str) -> None:
    blocks = visible_code((site / page / "index.html").read_text(encoding="utf-8"))
    assert blocks or page == "", page
    assert not run_visible_code(blocks, ROOT)


def test_every_pages_visible_code_runs_in_a_fresh_interpreter(site: Path) -> None:
    failing, ran = {}, 0
    for page in _pages(site):
        blocks = visible_code((site / page / "index.html").read_text(encoding="utf-8"))
        ran += len(blocks)
        problems = run_visible_code(blocks, ROOT)
        if problems:
            failing[page or "/"] = problems
    assert ran >= 60, ran
    assert not failing, json.dumps(failing, indent=1)


def test_every_internal_link_and_anchor_exists(site: Path) -> None:
    assert not broken_links(site)


def test_the_link_check_finds_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    links = '<a href="../b/">b</a><a href="#x">x</a><a href="../#top">home</a>'
    (tmp_path / "a" / "index.html").write_text(links)
    (tmp_path / "index.html").write_text('<h1 id="top"></h1><a href="a/">a</a>')
    assert broken_links(tmp_path) == ["/a/index.html: ../b/", "/a/index.html: #x (no such anchor)"]


def test_notebook_pages_are_light_and_have_no_prompts(site: Path) -> None:
    for page in ("notebooks/t5-3b", "notebooks/t5-11b"):
        text = (site / page / "index.html").read_text(encoding="utf-8")
        assert len(text.encode()) <= NOTEBOOK_BUDGET, page
        assert "In [" not in text and "clipboard-copy-txt" not in text, page


def test_search_index_has_the_api_and_no_duplicated_cells(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = index["docs"]
    assert any(d["location"].startswith("reference/api/") for d in docs)
    notebook_text = " ".join(d["text"] for d in docs if d["location"].startswith("notebooks/"))
    assert "Copied!" not in notebook_text and "In [1]" not in notebook_text
    assert notebook_text.count('t5sym.load("t5-3b")') <= 1


def test_no_loopback_site_url(site: Path) -> None:
    for name in ("sitemap.xml", "index.html"):
        path = site / name
        if path.exists():
            assert "127.0.0.1" not in path.read_text(encoding="utf-8"), name


def test_in_short_boxes_at_body_size_and_a_palette_toggle(visits: dict[str, Visit]) -> None:
    boxed = [v for v in visits.values() if v.reader["admonition"] is not None]
    assert len(boxed) >= 3
    for v in boxed:
        assert v.reader["admonition"] == v.reader["body"], (v.url, v.reader)
    assert all(v.reader["toggles"] == 2 for v in visits.values())  # light and dark
