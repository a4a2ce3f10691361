"""MkDocs hook: every formula on the site becomes MathML at build time (no script, no network).

- ``pymdownx.arithmatex`` (generic mode) wraps prose math as ``<span class="arithmatex">\\(…\\)``
  and ``<div class="arithmatex">\\[…\\]``; each becomes ``<math>`` via latex2mathml.
- Notebook pages (mkdocs-jupyter) show their formulas as MathML already (cells display
  ``printers.mathml``); TeX in a notebook would need MathJax, so it fails the build, and the
  MathJax loader nbconvert adds is removed (no request leaves the site).
- Notebook pages lose what a reader does not need (`_lighter`): Jupyter's inlined
  stylesheets (590 KB; docs/assets/extra.css styles the few classes used) and the second,
  hidden copy of every cell's code that its copy widget reads
  (it put every cell twice in the search index). Code cells become the site's own code
  blocks, with the site's copy button.
- The API page's prose is in the search index, its docstrings (every ``doc-object``) are
  marked ``data-search-exclude``, which keeps the index, fetched by every page, within the
  home page's weight budget.
- The directory of the running Python goes first on ``PATH`` so that shell examples
  (``$ t5sym …`` in ``console`` fences run by markdown-exec) use this environment's t5sym.
"""

from __future__ import annotations

import html
import os
import re
import sys
from pathlib import Path
from typing import Any

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

_ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])'
    r"\s*</(?P=tag)>",
    re.S,
)
_MATHJAX = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->|<script src=\"\"> </script>",
    re.S,
)


def to_mathml(tex: str, display: bool = False) -> str:
    """MathML for a TeX fragment taken from HTML (entities decoded first)."""
    tex = html.unescape(tex).strip()
    tex = re.sub(r"^\\displaystyle\s*", "", tex)
    return convert(tex, display="block" if display else "inline")


def _arithmatex(match: re.Match[str]) -> str:
    if match["block"] is not None:
        return to_mathml(match["block"], display=True)
    return to_mathml(match["inline"])


_STYLE = re.compile(r"<style[^>]*>(?P<css>.*?)</style>", re.S)
_JUPYTER_CSS = (".jupyter-wrapper", "jp-Mermaid", "td.linenos")
_COPY_WIDGET = re.compile(
    r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>'
    r'|<div class="clipboard-copy-txt"[^>]*>.*?</div>',
    re.S,
)
_CELL_CODE = re.compile(
    r'<div class="highlight-ipynb hl-(?P<lang>\w+)"><pre>(?P<code>.*?)</pre></div>', re.S
)


def _lighter(content: str) -> str:
    """A notebook page without Jupyter's stylesheets and hidden code copies."""
    content = _STYLE.sub(
        lambda m: "" if any(k in m["css"] for k in _JUPYTER_CSS) else m[0], content
    )
    content = _COPY_WIDGET.sub("", content)
    # "cell-id=…" is no valid CSS id selector: the copy buttons target code by its id
    content = re.sub(r'\bid="cell-id=([\w-]+)"', r'id="cell-\1"', content)
    return _CELL_CODE.sub(
        lambda m: (
            f'<div class="language-{m["lang"]} highlight"><pre><code>'
            f"{m['code'].removeprefix('<span></span>')}</code></pre></div>"
        ),
        content,
    )


#: What TeX leaves in a rendered notebook: a ``text/latex`` output, or delimiters in a cell.
_TEX = ("jp-RenderedLatex", "$$", "\\(", "\\[")


def _notebook(content: str, name: str) -> str:
    content = _lighter(_MATHJAX.sub("", content))
    if any(mark in content for mark in _TEX):
        raise PluginError(
            f"{name}: TeX in a notebook is not rendered (no MathJax here); "
            "display(HTML(printers.mathml(expr))) instead"
        )
    return content


def on_config(config: Any) -> Any:
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[:1] != [bin_dir]:
        os.environ["PATH"] = os.pathsep.join([bin_dir, path]) if path else bin_dir
    return config


_TOC_MATH = re.compile(r"\\\((.+?)\\\)", re.S)


def plain(tex: str) -> str:
    """Readable text for a TeX fragment where markup cannot go (``<title>``)."""
    tex = re.sub(r"\\(?:mathrm|text|mathit)\{([^{}]*)\}", r"\1", html.unescape(tex))
    for command, char in (("\\cdot", "·"), ("\\times", "×"), ("\\approx", "≈"), ("\\,", " ")):
        tex = tex.replace(command, char)
    return re.sub(r"\\(?=[a-zA-Z])|[{}]", "", tex).replace("\\", "").strip()


def _toc(items: Any) -> None:
    """Headings with math: the table of contents holds their text with ``\\(…\\)`` left in."""
    for item in items:
        item.title = _TOC_MATH.sub(lambda m: to_mathml(m[1]), item.title)
        _toc(item.children)


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    content = _ARITHMATEX.sub(_arithmatex, content)
    _toc(getattr(page, "toc", None) or [])
    if page.title and "\\(" in page.title:
        page.title = _TOC_MATH.sub(lambda m: plain(m[1]), page.title)
    if page.file.src_uri.endswith((".py", ".ipynb")):
        content = _notebook(content, page.file.src_uri)
    if page.file.src_uri == "reference/api.md":  # the prose is searched, not the docstrings
        content = content.replace(
            '<div class="doc doc-object', '<div data-search-exclude class="doc doc-object'
        )
    # An output line's newline goes inside its span, so that copying (which hides prompts
    # and output, extra.css) leaves no blank line where the output was.
    content = _OUTPUT_LINE.sub(r"\1\n</span>", content)
    if page.file.src_uri.startswith(("reference/", "explanation/", "how-to/")):  # numbers
        content = content.replace("<table>", "<table data-search-exclude>")
    if page.file.src_uri != "reference/cli.md":  # a command's printed tables: numbers too
        content = content.replace(
            '<div class="language-console highlight">',
            '<div data-search-exclude class="language-console highlight">',
        )
    return _FORMULA_TABS.sub(r'<div data-search-exclude class="tabbed-set', content)


_OUTPUT_LINE = re.compile(r'(<span class="go">[^<]*)</span>\n')

#: `t5site.tables.formula_tabs`: a tab set whose labels are Rendered, LaTeX, Python, SymPy.
#: Left out of the search index: a formula's four spellings are no search terms, and they
#: would weigh on every page's load (the index is fetched with the page).
_FORMULA_TABS = re.compile(
    r'<div class="tabbed-set(?=[^>]*>(?:(?!tabbed-set).){0,2000}?>Rendered</label>'
    r"(?:(?!tabbed-set).){0,400}?>SymPy</label>)",
    re.S,
)
