"""Terminal output: encodable text and one capped error line."""

from __future__ import annotations

import io

from t5sym.cli import console


def test_encodable_gives_ascii_stand_ins() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert console.encodable("2.85 B ≈ 3·10⁹", stream) == "2.85 B ~ 3*10?"
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert console.encodable("≈", utf8) == "≈"


def test_error_line_is_one_capped_line() -> None:
    line = console.error_line("a\nb" + "x" * 500)
    assert "\n" not in line and len(line) <= 200 and line.startswith("a b")


def test_printable_escapes_what_could_move_the_cursor_or_reorder_the_line() -> None:
    import json

    name = "a\x1b[2J\u202eb\x85c\U000e0001d\n"
    text = console.printable(name)
    assert text.endswith("d\n") and text.count("\n") == 1
    assert all(c == "\n" or c.isprintable() for c in text)
    assert r"\u001b[2J" in text and r"\u202e" in text and r"\u0085" in text
    # as JSON writes a string: the escapes read back as the same characters
    dumped = json.dumps(name, ensure_ascii=False)
    assert json.loads(console.printable(dumped)) == name
    line = console.error_line("bad name: " + name)
    assert "\x1b" not in line and "\u202e" not in line and "\n" not in line
