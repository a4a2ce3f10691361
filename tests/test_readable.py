"""Readable numbers: exact, integer-only, at any size (values worked out by hand)."""

from __future__ import annotations

from fractions import Fraction

from t5sym.views import readable


def test_approx_and_number() -> None:
    assert readable.approx(2_851_598_336) == "2.85 B"
    assert readable.approx(999) == "999" and readable.approx(1_500) == "1.5 K"
    assert readable.number(1_240_909_824) == "1,240,909,824 (≈ 1.24 B)"
    assert readable.number(42) == "42"


def test_bytes_in_gib_and_gb() -> None:
    assert readable.gib(3 * 2**30 // 2) == "1.50"  # 1.5 GiB
    assert readable.gb(9_787_841_024) == "9.79"
    assert readable.percent(Fraction(1, 8)) == "12.50%"


def test_no_float_overflow_past_10_to_the_308() -> None:
    """A 321-digit byte count (a hostile vocab_size) prints instead of OverflowError."""
    n = 10**320 + 7
    assert readable.gib(n).startswith("93,132,257,461,547,8")
    assert readable.gb(n) == f"{10**311:,}.00"
    assert readable.approx(n) == "1.00e+308 T"
    assert readable.decimals(Fraction(n, 3), 1).endswith(".7")


def test_decimals_are_exact_or_na() -> None:
    assert readable.decimals(Fraction(12288, 7), 1) == "1,755.4"
    assert readable.decimals(None) == "n/a"
    assert (readable.short(4), readable.short(Fraction(3, 2))) == ("4", "1.5")
