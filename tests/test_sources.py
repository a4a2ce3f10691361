"""The register of sources, and every citation on the site held to it.

- the register itself: keys, documents, locators that name a section, table or file, facts;
- the library's source texts (presets, claims, accelerators) are register citations;
- every ``[](src:KEY)`` written in docs/ names an entry, and carries no label of its own;
- on the built site: no citation is left unexpanded, every external link is a citation
  (or a link to the thing itself, such as a Hub id), no section, table, arXiv id or gin
  file is named outside a citation, each known claim cites the entry that says it, and
  the statements issue 21 corrected are gone.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlparse

import jupytext
import pytest

from t5sym import sources
from t5sym.model import presets
from t5sym.sources import KEYS, SOURCES
from t5sym.views import hardware

from .support.docs_util import DOCS, ROOT, built_site, markdown_pages, notebooks

MARKER = re.compile(r"\[(?P<text>[^\]]*)\]\(src:(?P<key>[^)\s]*)\)")
KEY = re.compile(r"[a-z0-9][a-z0-9._-]*")
#: A locator names where the fact is said: a section, a table, a file, an issue, a heading.
LOCATOR = re.compile(
    r"§\d|\bTable \d|\btable\b|\.(?:gin|py|md|json|pdf)\b|#\d|\bissue \d|\bquestion \d|"
    r"\babstract\b|“[^”]+”|\bmodel card\b|\bdata sheet\b|\bconfig\.json\b|usage example"
)
#: Locators of another document written by hand: on the site only inside a citation.
HAND_LOCATOR = re.compile(r"§\s?\d|\bTable \d|\barXiv\b|\b[\w.-]+\.gin\b")


# ---------------------------------------------------------------------------------------
# The register.


def test_every_entry_names_document_locator_and_fact() -> None:
    assert len(SOURCES) >= 50
    for key, s in SOURCES.items():
        assert KEY.fullmatch(key), key
        assert s.document.short and s.document.title, key
        assert LOCATOR.search(s.locator), f"{key}: {s.locator!r} names no section/table/file"
        assert s.fact.endswith(".") and len(s.fact) >= 20, key
        assert not re.search(r"“[^”]{60,}”", s.fact), f"{key}: paraphrase, do not quote"
        assert s.href.startswith("https://") or (not s.href and key in NO_ADDRESS), key


#: Entries whose document has no address we could check (cited as text only).
NO_ADDRESS = {"report-flan-te"}


def test_each_citation_text_is_written_once_and_resolves() -> None:
    assert len(KEYS) == len(SOURCES)
    for key, s in SOURCES.items():
        assert KEYS[s.citation] == key
        assert sources.cite(key) == s.citation
    assert sources.cite("t5-paper-sizes", "t5-gin-3b").count("; ") == 1
    with pytest.raises(KeyError):
        sources.cite("no-such-entry")


def test_linked_writes_citations_as_site_links() -> None:
    text = f"3B ({sources.cite('t5-readme-checkpoints')}); 2.8B ({sources.cite('t5-paper-sizes')})"
    assert sources.linked(text) == (
        "3B ([](src:t5-readme-checkpoints)); 2.8B ([](src:t5-paper-sizes))"
    )
    # the longest citation wins: a citation inside another is not split out of it
    assert sources.linked(sources.cite("t5-paper-dff")) == "[](src:t5-paper-dff)"


# ---------------------------------------------------------------------------------------
# The library's source texts come from the register.


def _without_citations(text: str) -> str:
    return re.sub(r"\[\]\(src:[^)]*\)", "", sources.linked(text))


def test_claims_cite_register_entries_only() -> None:
    for claim in presets.CLAIMS:
        parts = claim.source.split("; ")
        assert all(p in KEYS for p in parts), (claim.preset, claim.label, claim.source)


def test_preset_sources_are_register_citations_and_notes() -> None:
    for name, p in presets.PRESETS.items():
        assert sources.linked(p.source) != p.source, f"{name}: cites no register entry"
        rest = _without_citations(p.source)
        assert not HAND_LOCATOR.search(rest), f"{name}: a citation written by hand: {rest!r}"
        assert not re.search(r"/[\w./-]+\.(?:gin|py|md)\b", rest), (name, rest)


def _claim(preset: str, label: str) -> presets.Claim:
    (claim,) = [c for c in presets.CLAIMS if c.preset == preset and c.label == label]
    return claim


def test_issue_21_claims_name_what_says_them() -> None:
    assert _claim("t5-3b", "3B").source == sources.cite("t5-readme-checkpoints")
    assert sources.cite("t5-paper-sizes") in _claim("t5-3b", "2.8B").source
    assert "abstract" not in _claim("switch-xxl-128", "395B").source
    assert _claim("switch-xxl-128", "395B").source.startswith(sources.cite("switch-paper-table-9"))
    assert sources.cite("switch-paper-trillion") in _claim("switch-c-2048", "1.6T").source
    for size in ("small", "base", "large", "xl", "xxl"):
        claims = [c for c in presets.CLAIMS if c.preset == f"byt5-{size}"]
        assert [c.source for c in claims] == [sources.cite(f"byt5-gin-{size}")]
        assert sources.cite(f"t5x-mt5-{size}") in presets.PRESETS[f"mt5-{size}"].source
        assert "2010.11934" not in presets.PRESETS[f"mt5-{size}"].source
    for size, gin in (("3b", "3B"), ("11b", "11B")):
        assert f"t5_1_0/{gin}.gin" in presets.PRESETS[f"t5-{size}"].source


def test_accelerators_cite_register_entries() -> None:
    for acc in hardware.ACCELERATORS:
        assert acc.source == SOURCES[acc.key].href, acc.name
    assert "t5-paper-hardware" in Path(hardware.__file__).read_text()


# ---------------------------------------------------------------------------------------
# The pages' citations.


def _written() -> list[tuple[str, str]]:
    out = [(str(p.relative_to(DOCS)), p.read_text(encoding="utf-8")) for p in markdown_pages()]
    for path in notebooks():
        text = "\n".join(c.source for c in jupytext.read(path).cells)
        out.append((str(path.relative_to(DOCS)), text))
    return out


def test_every_citation_written_in_docs_names_an_entry() -> None:
    found = 0
    for where, text in _written():
        for m in MARKER.finditer(text):
            found += 1
            key = m["key"]
            if "{" in key:  # an f-string in an executed block: checked on the built site
                continue
            assert key in SOURCES, f"{where}: [](src:{key}) names no entry of t5sym.sources"
            assert not m["text"], f"{where}: [{m['text']}](src:{key}) has a label of its own"
    assert found >= 60, found


def test_a_citation_that_does_not_resolve_fails_the_build_hook() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("sources_hook", DOCS / "hooks" / "sources.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    page = type("P", (), {"file": type("F", (), {"src_uri": "x.md"})()})()
    out = hook.on_page_content('<p>a <a href="src:t5-paper-sizes"></a></p>', page, None, None)
    assert 'data-source="t5-paper-sizes"' in out and ">T5 paper §3.7</a>" in out
    assert 'href="https://arxiv.org/abs/1910.10683"' in out
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="no-such-entry"):
        hook.on_page_content('<a href="src:no-such-entry"></a>', page, None, None)
    with pytest.raises(PluginError, match="label"):
        hook.on_page_content('<a href="src:t5-paper-sizes">§9</a>', page, None, None)


# ---------------------------------------------------------------------------------------
# The built site.

_ARTICLE = re.compile(r"<article\b.*?</article>", re.S)
_SKIP = re.compile(r"<(pre|script|style|svg|math)\b.*?</\1>", re.S)
_BLOCK = re.compile(r"</?(?:p|li|tr|h[1-6]|div|table|ul|ol|details|summary|figure)\b[^>]*>")
_CITATION = re.compile(r'<(a|span)\b[^>]*\bdata-source="([^"]*)"[^>]*>.*?</\1>', re.S)
_LINK = re.compile(r'<a\b[^>]*\bhref="(https?://[^"]*)"[^>]*>(.*?)</a>', re.S)


class Block:
    """One paragraph, list item, table row or heading of a built page: text and citations."""

    def __init__(self, page: str, raw: str) -> None:
        self.page, self.raw = page, raw
        self.keys = {m[2] for m in _CITATION.finditer(raw)}
        self.text = _text(raw)
        self.uncited = _text(_CITATION.sub("", raw))
        self.heading = False


def _text(raw: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", raw))).strip()


def _pages(site: Path) -> dict[str, str]:
    return {
        str(p.relative_to(site)): p.read_text(encoding="utf-8")
        for p in sorted(site.rglob("index.html"))
    }


def _blocks(page: str, text: str) -> list[Block]:
    article = _ARTICLE.search(text)
    body = _SKIP.sub(" ", article[0] if article else "")
    out, pos = [], 0
    for tag in _BLOCK.finditer(body):
        out.append(Block(page, body[pos : tag.start()]))
        out[-1].heading = bool(re.match(r"</h[1-6]", tag[0]))
        pos = tag.end()
    out.append(Block(page, body[pos:]))
    return [b for b in out if b.text]


@pytest.fixture(scope="module")
def site_blocks() -> list[Block]:
    return [b for page, text in _pages(built_site()).items() for b in _blocks(page, text)]


#: Pages whose text the library writes (docstrings), checked by the library's own tests.
GENERATED = ("reference/api/index.html",)


def test_every_citation_on_the_site_resolves(site_blocks: list[Block]) -> None:
    site = built_site()
    cited = set()
    for page, text in _pages(site).items():
        assert 'href="src:' not in text, f"{page}: a citation left unexpanded"
        for m in _CITATION.finditer(text):
            assert m[2] in SOURCES, f"{page}: data-source={m[2]!r}"
            cited.add(m[2])
    assert len(cited) >= 60, len(cited)
    # the register page lists every entry, through the same citations
    sources_page = _pages(site)["reference/sources/index.html"]
    assert {m[2] for m in _CITATION.finditer(sources_page)} == set(SOURCES)


def test_every_external_link_in_a_page_is_a_citation() -> None:
    bad = []
    for page, text in _pages(built_site()).items():
        article = _ARTICLE.search(text)
        for m in _LINK.finditer(article[0] if article else ""):
            url, label = m[1], _text(m[2])
            if "data-source=" in m[0]:
                continue
            if urlparse(url).path.strip("/") == label:  # a link to the thing itself (Hub id)
                continue
            bad.append(f"{page}: {label} <{url}>")
    assert not bad, "external links that are not register citations:\n" + "\n".join(bad)


def test_no_section_table_or_file_of_a_source_is_named_outside_a_citation(
    site_blocks: list[Block],
) -> None:
    bad = [
        f"{b.page}: {HAND_LOCATOR.search(b.uncited)[0]!r} in {b.uncited[:160]!r}"
        for b in site_blocks
        if b.page not in (*GENERATED, "reference/sources/index.html")
        and HAND_LOCATOR.search(b.uncited)
    ]
    assert not bad, "citations written by hand (cite a t5sym.sources entry):\n" + "\n".join(bad)


#: Claims the site states from elsewhere, and the entries that say them: every paragraph,
#: list item or table row that states one cites one of its entries (a key or key prefix).
KNOWN_CLAIMS: list[tuple[str, tuple[str, ...]]] = [
    (r"\b2\.8 ?B\b|2\.8 billion", ("t5-paper-sizes",)),
    (r"\b395 ?B\b", ("switch-paper-table-9", "switch-paper-trillion")),
    (r"\b1\.6 ?T\b", ("switch-paper-trillion", "switch-card")),
    (r"(?<![\d.])(?:7|26|1571) ?B\b(?=.*switch)", ("switch-paper-table-9",)),
    (r"\b(?:300M|582M|1\.23B|3\.74B|12\.9B)\b", ("byt5-gin-",)),
    (r"32-headed|128-headed", ("t5-paper-sizes", "question")),
    (r"most efficient", ("t5-paper-dff",)),
    (r"TPU v3 Pods?", ("t5-paper-hardware",)),
    (r"scaling book", ("scaling-book-table",)),
    (r"computational efficiency|load balanc", ("gpt3-architecture",)),
    (r"\bsdpa\b", ("transformers-sdpa",)),
    (r"\bFLUX\.1\b.*\b512\b", ("flux-pipeline",)),
    (r"\[schnell\].*\b256\b", ("flux-schnell-card",)),
    (r"keeps? (?:every |its |T5's )?`?wo`?(?: weights)? in float32", ("t5-keep-fp32",)),
    (r"\bReports?: ", ("report-",)),
    (r"Mesh TensorFlow.*\b(?:never|splits?)\b.*d_model", ("mesh-layout", "t5-paper-hardware")),
]


@pytest.mark.parametrize(("pattern", "keys"), KNOWN_CLAIMS, ids=[c[0] for c in KNOWN_CLAIMS])
def test_each_known_claim_cites_what_says_it(
    site_blocks: list[Block], pattern: str, keys: tuple[str, ...]
) -> None:
    found, bad = 0, []
    for b in site_blocks:
        if b.heading or b.page in GENERATED or b.page.startswith("reference/sources/"):
            continue
        if re.search(pattern, b.uncited, re.I if pattern.islower() else 0):
            found += 1
            if not any(k.startswith(p) for k in b.keys for p in keys):
                bad.append(f"{b.page}: {b.text[:200]!r}")
    assert found, f"no block states {pattern!r}: update KNOWN_CLAIMS"
    assert not bad, f"stated without citing {keys}:\n" + "\n".join(bad)


def test_the_home_page_gives_the_papers_reason_and_ours_apart(site_blocks: list[Block]) -> None:
    (why,) = [b for b in site_blocks if b.page == "index.html" and b.text.startswith("Why.")]
    assert {"t5-paper-dff", "t5-paper-hardware", "mesh-layout"} <= why.keys
    assert "mesh-readme-communication" in why.keys
    assert "our explanation" in why.text and "per sublayer" not in why.text
    assert "2 per encoder block, 3 per decoder block" in why.text


#: Statements issue 21 corrected: none may come back, on the site or in the library's
#: source texts this register feeds.
RETRACTED = [
    r"Table 14",
    r"[Oo]ther copies",
    r"usual\s+transformer\s+recipe",
    r"part \| parameters \| FLOPs",
    r"t5_1_0/(?:3b|11b)\.gin",
    r"2010\.11934",
    r"says num_decoder_layers 12",
    r"in every released config\.json",
    r"§3\.1\.2[^.]*Pods",
    r"Switch paper[^;]*abstract",
    r"transformers' eager attention",
    r"every block then exchanges one",
    r"512 / 256",
    r"transformers keeps T5's `wo`",
]


def test_corrected_statements_do_not_come_back() -> None:
    texts = {page: _text(_SKIP.sub(" ", t)) for page, t in _pages(built_site()).items()}
    for name in ("model/presets.py", "views/hardware.py", "sources.py"):
        texts[f"t5sym/{name}"] = (ROOT / "t5sym" / name).read_text(encoding="utf-8")
    texts.update({f"docs/{where}": text for where, text in _written()})
    bad = [
        f"{where}: {re.search(p, text)[0]!r}"
        for where, text in texts.items()
        if where not in GENERATED
        for p in RETRACTED
        if re.search(p, text)
    ]
    assert not bad, "\n".join(bad)


def test_the_checks_catch_an_unsourced_claim_and_a_bad_citation() -> None:
    page = (
        "<article><p>T5-3B has about 2.8B parameters (T5 paper §3.7).</p>"
        '<p>Cited: 2.8B <a href="https://arxiv.org/abs/1910.10683" '
        'data-source="t5-paper-sizes">T5 paper §3.7</a>.</p></article>'
    )
    blocks = _blocks("x.html", page)
    assert [HAND_LOCATOR.search(b.uncited) is not None for b in blocks] == [True, False]
    assert [b.keys for b in blocks] == [set(), {"t5-paper-sizes"}]
    assert MARKER.search("see [](src:nope)")["key"] not in SOURCES
