"""What a reader does with the built site, as functions the browser tests (and a before/after
measurement, ``python -m tests.support.reader SITE``) share.

- `OVERFLOW`: elements of the page's text column wider than their box (they scroll) or
  reaching past the column (they are cut), at the current viewport width.
- `CHART_TEXT`: the smallest rendered size, in CSS px, of any text in an inline SVG chart.
- `visible_code`: the Python a page shows (not the formula tabs, not results), in order,
  with the result block shown under each; `run_visible_code` runs it in one fresh
  interpreter.
- `copy_buttons`: presses every copy button and reads the clipboard.
- `broken_links`: internal links and anchors in the built HTML that lead nowhere.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

# Elements that can be too wide: tables (and the box Material scrolls them in), code,
# formulas, charts, notebook outputs, paragraphs. An element inside a box that scrolls is
# reported as that box (a table's box also says whether its first column stays in view).
OVERFLOW = """() => {
  const column = document.querySelector("article.md-content__inner");
  if (!column) return [];
  // Material lets code blocks and table boxes reach into the page's side padding on
  // purpose: the edge is that of the content area around the text column
  const edge = column.parentElement.getBoundingClientRect().right + 1;
  const scrolling = el => el.scrollWidth > el.clientWidth + 1 &&
    ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const out = [];
  const seen = new Set();
  for (const el of column.querySelectorAll(".md-typeset__scrollwrap, " +
      "table, pre, math[display=block], svg, img, .jp-OutputArea-output, .tabbed-set, p, li")) {
    if (el.checkVisibility && !el.checkVisibility()) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    // a table's box (Material's scrollwrap) reaches into the page's padding by design: the
    // box is judged by whether it scrolls, what is inside it by the box
    const wrap = el.classList.contains("md-typeset__scrollwrap");
    const inside = !wrap && el.parentElement && el.parentElement.closest(".md-typeset__scrollwrap");
    if (inside && column.contains(inside)) continue;
    const scrolls = scrolling(el);
    const cut = !wrap && r.right > edge && !scrolls;
    if (!scrolls && !cut) continue;
    if ([...seen].some(s => s.contains(el))) continue;
    seen.add(el);
    const text = (el.innerText || el.textContent || "").trim().replace(/\\s+/g, " ");
    const table = el.tagName === "TABLE" ? el : el.querySelector("table");
    const cell = table && table.querySelector("td");
    const sticky = !!cell && getComputedStyle(cell).position === "sticky";
    out.push({tag: table ? "table" : el.tagName.toLowerCase(), scrolls, cut, sticky,
              width: Math.round(el.scrollWidth), box: Math.round(el.clientWidth),
              text: text.slice(0, 60)});
  }
  return out;
}"""

CHART_TEXT = """() => {
  let smallest = null;
  const sizes = [];
  for (const t of document.querySelectorAll("article svg text")) {
    if (t.checkVisibility && !t.checkVisibility()) continue;
    const m = t.getScreenCTM();
    if (!m) continue;
    const scale = Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    const px = parseFloat(getComputedStyle(t).fontSize) * scale;
    if (!(px > 0)) continue;
    sizes.push(px);
    if (smallest === null || px < smallest) smallest = px;
  }
  const images = [...document.querySelectorAll("article img")].map(i => i.alt || "");
  const charts = [...document.querySelectorAll("article svg[role=img]")].map(
    s => s.getAttribute("aria-label") || "");
  return {smallest, count: sizes.length, images, charts};
}"""

# Every copy button: press it, read the clipboard, and keep the code block's own text.
COPY_BUTTONS = """async () => {
  const out = [];
  for (const b of document.querySelectorAll('[data-md-type="copy"], button.md-clipboard')) {
    const target = b.getAttribute("data-clipboard-target");
    let code = null;
    try {
      code = target ? document.querySelector(target) : b.closest("pre")?.querySelector("code");
    } catch (error) {
      out.push({lang: "", copied: "", shown: `invalid copy target ${target}`});
      continue;
    }
    if (!code || (code.checkVisibility && !code.checkVisibility())) continue;
    const block = code.closest(".highlight");
    const lang = ((block?.className.match(/language-([\\w-]+)/) || [])[1]) || "";
    await navigator.clipboard.writeText("");
    b.click();
    let copied = "";  // the click writes asynchronously: wait for it (up to 2 s under load)
    for (let waited = 0; copied === "" && waited < 2000; waited += 20) {
      await new Promise(r => setTimeout(r, 20));
      copied = await navigator.clipboard.readText();
    }
    out.push({lang, copied, shown: code.innerText});
  }
  return out;
}"""


def console_commands(shown: str) -> str:
    """The commands of a console block as a reader would type them (prompts and output
    dropped)."""
    return "\n".join(line[2:] for line in shown.splitlines() if line.startswith("$ "))


# ---------------------------------------------------------------------------------------
# Visible code, read from the built HTML.

_BLOCK = re.compile(
    r'<div class="language-(?P<lang>[\w-]+) highlight">(?:<span class="filename">[^<]*</span>)?'
    r"<pre>(?:<span></span>)?<code>(?P<code>.*?)</code></pre></div>",
    re.S,
)
_TABBED = re.compile(r'<div [^>]*?class="tabbed-set.*?</div>\s*</div>\s*</div>', re.S)


def _text(code: str) -> str:
    code = re.sub(r'<a id="__codelineno[^"]*"[^>]*></a>', "", code)
    return html.unescape(re.sub(r"<[^>]+>", "", code))


def visible_code(page_html: str) -> list[tuple[str, str | None]]:
    """``(python source, shown result or None)`` for each Python block the page shows, in
    page order. Formula tabs (an expression to copy, not a program) are left out."""
    body = page_html.split('<article class="md-content__inner', 1)[-1]
    body = body.split("</article>", 1)[0]
    body = _TABBED.sub("", body)
    blocks = [(m["lang"], _text(m["code"])) for m in _BLOCK.finditer(body)]
    out: list[tuple[str, str | None]] = []
    for i, (lang, code) in enumerate(blocks):
        if lang not in ("python", "py"):
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        shown = after[1] if after and after[0] == "text" else None
        out.append((code, shown))
    return out


_RUNNER = r"""
import contextlib, io, json, sys, traceback
blocks = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
results = []
for code in blocks:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "<page>", "exec"), namespace)
        results.append([True, out.getvalue()])
    except BaseException:
        results.append([False, out.getvalue() + traceback.format_exc(limit=3)])
        break
print(json.dumps(results))
"""


def run_visible_code(
    blocks: list[tuple[str, str | None]], cwd: Path, root: Path | None = None
) -> list[str]:
    """Run the blocks in order in one fresh interpreter; the problems found (a block that
    raises, or prints other than the result the page shows under it). ``root`` holds the
    t5sym to import (default: this checkout's, not an installed one) and, in its docs/,
    the site's package t5site (the notebooks draw their charts with it)."""
    if not blocks:
        return []
    root = root or Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "docs")])}
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        env=env,
        input=json.dumps([code for code, _ in blocks]),
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )
    if proc.returncode:
        return [f"runner failed: {proc.stderr[-800:]}"]
    problems = []
    for (code, shown), (ok, printed) in zip(blocks, json.loads(proc.stdout), strict=False):
        first = code.strip().splitlines()[0][:60]
        if not ok:
            problems.append(f"raises: {first!r}\n{printed[-600:]}")
        elif shown is not None and printed.strip() != shown.strip():
            problems.append(f"prints other than shown: {first!r}\n{printed[:300]!r}")
    return problems


# ---------------------------------------------------------------------------------------
# Links.

_HREF = re.compile(r'<a\b[^>]*\bhref="([^"]+)"', re.S)
_ID = re.compile(r'\bid="([^"]+)"')


def broken_links(site: Path) -> list[str]:
    """Every internal ``href`` of every built page whose file or anchor does not exist."""
    ids: dict[Path, set[str]] = {}

    def anchors(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = set(_ID.findall(path.read_text(encoding="utf-8")))
        return ids[path]

    broken = []
    for page in sorted(site.rglob("*.html")):
        base = "/" + page.relative_to(site).as_posix()
        for href in _HREF.findall(page.read_text(encoding="utf-8")):
            href = html.unescape(href)
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            target = urlsplit(urljoin(base, href))
            path = site / unquote(target.path).lstrip("/")
            if path.is_dir() or target.path.endswith("/"):
                path = path / "index.html"
            if not path.is_file():
                broken.append(f"{base}: {href}")
            elif target.fragment and path.suffix == ".html":
                if unquote(target.fragment) not in anchors(path):
                    broken.append(f"{base}: {href} (no such anchor)")
    return broken


if __name__ == "__main__":  # python -m tests.support.reader SITE: the before/after figures
    from .site_measure import main

    main(Path(sys.argv[1]))
