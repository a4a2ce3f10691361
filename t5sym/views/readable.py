"""Numbers written for people, exactly and with integer arithmetic only.

The exact value first, then a readable one: ``2,851,598,336`` then ``2.85 B``. Every
function here takes integers or fractions of any size (a 321-digit vocabulary included)
and never converts to ``float``, which overflows past about 1.8·10^308.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

from t5sym.model.algebra import Number

_UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))


def _decimal(x: Number) -> Decimal:
    x = Fraction(x)
    return Decimal(x.numerator) / Decimal(x.denominator)


def approx(n: Number) -> str:
    """A readable size beside the exact one: 2851598336 -> ``2.85 B`` (any size, no float).

    Examples
    --------
    >>> from t5sym.views.readable import approx
    >>> approx(2851598336), approx(10**400)
    ('2.85 B', '1.00e+388 T')
    """
    for scale, unit in _UNITS:
        if abs(n) >= scale:
            return f"{_decimal(n) / scale:.3g} {unit}"
    return f"{_decimal(n):.3g}" if isinstance(n, Fraction) else str(n)


def number(n: int) -> str:
    """The exact integer with thousands separators, then the readable one if it is large."""
    return f"{n:,} (≈ {approx(n)})" if abs(n) >= 1000 else f"{n:,}"


def decimals(x: Number | None, digits: int = 3) -> str:
    """An exact fraction to ``digits`` decimals, or ``n/a`` (no communication on one core).

    Examples
    --------
    >>> from fractions import Fraction
    >>> from t5sym.views.readable import decimals
    >>> decimals(Fraction(1, 3)), decimals(10**400, 1)[:5], decimals(None)
    ('0.333', '10,00', 'n/a')
    """
    if x is None:
        return "n/a"
    with localcontext() as context:
        context.prec = max(28, len(str(abs(Fraction(x).numerator))) + digits + 2)
        return f"{_decimal(x):,.{digits}f}"


def short(x: Number) -> str:
    """Six significant digits, no trailing zeros: 4 -> ``4``, 3/2 -> ``1.5``."""
    return f"{_decimal(x):.6g}"


def percent(x: Number, digits: int = 2) -> str:
    """A fraction as a percentage: 0.8234 -> ``82.34%``."""
    return f"{decimals(100 * Fraction(x), digits).replace(',', '')}%"


def gib(n: Number) -> str:
    """Bytes in GiB (2**30 bytes) to two decimals."""
    return decimals(Fraction(n) / 2**30, 2)


def gb(n: Number) -> str:
    """Bytes in GB (10**9 bytes) to two decimals."""
    return decimals(Fraction(n) / 10**9, 2)
