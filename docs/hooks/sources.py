"""MkDocs hook: a page cites an entry of `t5sym.sources` by its key, and the build writes it.

A page (its prose, an executed block's output or a notebook's Markdown cell) writes a
citation as the empty link ``[](src:KEY)``. Here every such link becomes a link to the
entry's document, labelled with its citation (document and section, table or file), with
the fact it is cited for as its title and the key as ``data-source``; an entry without an
address becomes the label alone. An unknown key, or a citation given a label of its own,
fails the build: the register writes each citation once.
"""

from __future__ import annotations

import html
import re
from typing import Any

from mkdocs.exceptions import PluginError

from t5sym.sources import SOURCES

_MARK = re.compile(r'<a href="src:(?P<key>[^"]*)"(?P<attrs>[^>]*)>(?P<text>.*?)</a>', re.S)


def cited(key: str, where: str = "") -> str:
    """The HTML of a citation of entry ``key``."""
    source = SOURCES.get(key)
    if source is None:
        raise PluginError(f"{where}: [](src:{key}) names no entry of t5sym.sources")
    label, fact = html.escape(source.citation), html.escape(source.fact, quote=True)
    if not source.href:
        return f'<span class="source" title="{fact}" data-source="{key}">{label}</span>'
    href = html.escape(source.href, quote=True)
    return f'<a href="{href}" title="{fact}" data-source="{key}">{label}</a>'


def on_page_content(html_text: str, page: Any, config: Any, files: Any) -> str:
    where = page.file.src_uri

    def link(match: re.Match[str]) -> str:
        if match["text"].strip():
            raise PluginError(
                f"{where}: [{match['text']}](src:{match['key']}): a citation takes its "
                "label from t5sym.sources; write it as [](src:KEY)"
            )
        return cited(html.unescape(match["key"]), where)

    return _MARK.sub(link, html_text)
