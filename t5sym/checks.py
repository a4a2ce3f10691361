"""Input checks shared by every entry point: one message shape, ``field: problem, got X``.

Every check raises `t5sym.errors.T5SymError` (a ``ValueError``) with a one-line message
that names the field; `shown` caps what a message echoes of the bad value.
"""

from __future__ import annotations

import math
import operator
from typing import Any

from .errors import T5SymError

#: The most characters of a bad value a message repeats.
ECHO_LIMIT = 60


def shown(value: Any) -> str:
    """``repr(value)``, cut to `ECHO_LIMIT` characters (a 5,000-digit number stays short)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        digits = int(value.bit_length() * 0.30103) + 1  # str() refuses over 4,300 digits
        digits -= 10 ** (digits - 1) > abs(value)
        return f"an integer of {digits:,} digits"
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__
        text = f"<{type(value).__name__}>"
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"


def positive_int(field: str, value: Any, error: type[T5SymError] = T5SymError) -> int:
    """``value`` as a Python int if it is an integer > 0 of any integral type, else an error.

    NumPy and SymPy integers are accepted; ``bool``, floats (even ``2.0``) and strings are
    not.
    """
    if not isinstance(value, bool):
        try:
            number = operator.index(value)
        except TypeError:
            number = None
        if number is not None and number > 0:
            return number
        if number is not None:
            raise error(f"{field}: must be a positive integer, got {number}")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        raise error(f"{field}: must be an integer, got the float {value!r}")
    raise error(f"{field}: must be a positive integer, got {shown(value)}")
