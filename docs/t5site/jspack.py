"""Compact encodings of the calculator's data, each read back by ``calculator.js``.

The page's script and data have a budget (100 KB uncompressed); these keep the generated
file within it without changing what it computes: formulas read their fields by one
letter (`shorten`), MathML tags are one character each (`math_codec`), a column over the
leaves is a palette and a string (`pack_column`), the tree's nodes one flat list
(`flat_nodes`), the presets rows of field indices and values (`pack_presets`).
"""

from __future__ import annotations

import re
import string
from typing import Any

_TAG = re.compile(r'</?[a-z]+(?: [a-z]+="[^"]*")?>')

#: ASCII characters that may stand for a MathML tag (not ``<>&;"\\``, which HTML or JSON read).
_TAG_CODES = "!#$%'*:?@[]^_`{|}~"


#: A packed column's palette is written as characters from ``0`` on, short of ``\\``.
_PALETTE = ord("\\") - ord("0")


def pack_column(column: list[int]) -> int | list[int] | dict[str, Any]:
    """A column of numbers over the leaves, as the page reads it back: one number if
    every entry is the same, ``{"p": palette, "s": one character per entry}`` if it
    holds few distinct numbers, else the list itself."""
    palette = sorted(set(column))
    if len(palette) == 1:
        return palette[0]
    if len(palette) > _PALETTE:
        return column
    return {"p": palette, "s": "".join(chr(ord("0") + palette.index(x)) for x in column)}


def flat_nodes(nodes: dict[tuple, int]) -> list[int]:
    """The nodes in one flat list: a leaf as ``name, formula``, a group as ``name, −k,
    child₁ … child_k`` (``calculator.js`` reads them back in order)."""
    out: list[int] = []
    for name, x in nodes:
        out += [name, x] if isinstance(x, int) else [name, -len(x), *x]
    return out


def math_codec(texts: list[str]) -> dict[str, Any]:
    """``{"tags": {char: tag}, "text": [...]}``: each MathML tag of ``texts`` written as one
    character none of them holds (the page expands them back). The formulas' MathML is
    mostly tags: this keeps the page's script within its budget."""
    joined = "".join(texts)
    tags = sorted(set(_TAG.findall(joined)), key=lambda tag: (-joined.count(tag), tag))
    free = [ch for ch in _TAG_CODES if ch not in joined]
    if len(free) < len(tags):
        raise ValueError(f"MathML codec: {len(tags)} tags, {len(free)} free characters")
    code = dict(zip(tags, free, strict=False))
    return {
        "tags": {ch: tag for tag, ch in code.items()},
        "text": [_TAG.sub(lambda m: code[m[0]], text) for text in texts],
    }


_FIELD = re.compile(r"\bc\.(\w+)")


def shorten(codes: list[str]) -> tuple[dict[str, str], list[str]]:
    """``({field: letter}, codes)``: each field the formulas read (``c.d_model``) renamed to
    one letter, the most read first. The names are most of the formulas' bytes; the page
    gives its values under both names (``values`` in ``calculator.js``)."""
    counts: dict[str, int] = {}
    for code in codes:
        for name in _FIELD.findall(code):
            counts[name] = counts.get(name, 0) + 1
    letters = string.ascii_letters
    if len(counts) > len(letters) or any(len(name) == 1 for name in counts):
        raise ValueError(f"cannot give {sorted(counts)} one letter each")
    order = sorted(counts, key=lambda name: (-counts[name], name))
    short = dict(zip(order, letters, strict=False))
    return short, [_FIELD.sub(lambda m: f"c.{short[m[1]]}", code) for code in codes]


def pack_presets(fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``{"fields": [name, ...], "rows": {preset: [i, value, j, value, ...]}}``: each
    preset's config.json fields by their index in one list (``calculator.js`` unpacks)."""
    names = sorted({k for row in fields.values() for k in row})
    rows = {
        p: [x for k, v in row.items() for x in (names.index(k), v)] for p, row in fields.items()
    }
    return {"fields": names, "rows": rows}
