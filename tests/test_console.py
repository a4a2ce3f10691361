"""Terminal output: encodable text and one capped error line."""

from __future__ import annotations

import io

from t5sym import console


def test_encodable_gives_ascii_stand_ins() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert console.encodable("2.85 B ≈ 3·10⁹", stream) == "2.85 B ~ 3*10?"
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert console.encodable("≈", utf8) == "≈"


def test_error_line_is_one_capped_line() -> None:
    line = console.error_line("a\nb" + "x" * 500)
    assert "\n" not in line and len(line) <= 200 and line.startswith("a b")
