"""Input checks shared by every entry point: one message shape, ``field: problem, got X``.

Every check raises `t5sym.errors.T5SymError` (a ``ValueError``) with a one-line message
that names the field; `shown` caps what a message echoes of the bad value and
`shown_path` does the same for a path.
"""

from __future__ import annotations

import difflib
import math
import operator
import os
from typing import Any

from t5sym.errors import T5SymError

#: The most characters of a bad value a message repeats.
ECHO_LIMIT = 60

#: The most characters of a path a message repeats (the middle is cut).
PATH_LIMIT = 80

#: The most decimal digits of an integer input (a dimension, a batch size): wider numbers
#: are refused so that every count stays quick to compute and print.
MAX_DIGITS = 1000


def digits(n: int) -> int:
    """The number of decimal digits of ``abs(n)``, without ``str`` (no 4,300-digit limit)."""
    n = abs(n)
    if n < 10:
        return 1
    d = int((n.bit_length() - 1) * math.log10(2)) + 1  # a lower bound
    while 10**d <= n:
        d += 1
    return d


def literal_int(literal: str, error: type[T5SymError] = T5SymError) -> int:
    """A decimal integer literal (``"-42"``) as an int, refused past `MAX_DIGITS` digits
    before ``int`` reads it (Python's own limit is 4,300 digits, and converting is
    quadratic in the length).

    Examples
    --------
    >>> from t5sym.model.checks import literal_int
    >>> literal_int("-42")
    -42
    >>> literal_int("9" * 1001)
    Traceback (most recent call last):
    ...
    t5sym.errors.T5SymError: an integer of 1,001 digits, over the 1,000-digit limit
    """
    count = len(literal.lstrip("+-"))
    if count > MAX_DIGITS:
        raise error(f"an integer of {count:,} digits, over the {MAX_DIGITS:,}-digit limit")
    return int(literal)


def _one_line(text: str) -> str:
    """``text`` with control and unprintable characters escaped, as ``repr`` shows them."""
    return text if text.isprintable() else repr(text)[1:-1]


def shown(value: Any) -> str:
    """``repr(value)``, cut to `ECHO_LIMIT` characters (a 5,000-digit number stays short)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        sign = "a negative" if value < 0 else "an"
        return f"{sign} integer of {digits(value):,} digits"
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__
        text = f"<{type(value).__name__}>"
    if not isinstance(text, str):
        text = f"<{type(value).__name__}>"
    text = _one_line(text)
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as a message starts with it: one line, at most `PATH_LIMIT` characters."""
    text = _one_line(os.fsdecode(path))
    if len(text) <= PATH_LIMIT:
        return text
    half = (PATH_LIMIT - 1) // 2
    return text[:half] + "…" + text[-half:]


def positive_int(field: str, value: Any, error: type[T5SymError] = T5SymError) -> int:
    """``value`` as a Python int if it is an integer > 0 of any integral type, else an error.

    NumPy and SymPy integers are accepted; ``bool`` (also NumPy's), floats (even ``2.0``),
    strings and integers of over `MAX_DIGITS` digits are not.
    """
    if not isinstance(value, bool):
        try:
            number = operator.index(value)
        except Exception:  # TypeError, or a hostile __index__
            number = None
        if number is not None and not isinstance(number, int):
            number = None
        if number is not None and number > 0:
            if number.bit_length() > 3 * MAX_DIGITS and digits(number) > MAX_DIGITS:
                raise error(
                    f"{field}: must have at most {MAX_DIGITS:,} digits, got {shown(number)}"
                )
            return int(number)
        if number is not None:
            raise error(f"{field}: must be a positive integer, got {shown(number)}")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        raise error(f"{field}: must be an integer, got the float {shown(float(value))}")
    raise error(f"{field}: must be a positive integer, got {shown(value)}")


def boolean(field: str, value: Any, error: type[T5SymError] = T5SymError) -> bool:
    """``value`` if it is ``True`` or ``False``, else a one-line error (``"yes"`` and 1 are
    not taken for true)."""
    if isinstance(value, bool):
        return value
    raise error(f"{field}: must be true or false, got {shown(value)}")


def text(field: str, value: Any, what: str, error: type[T5SymError] = T5SymError) -> str:
    """``value`` if it is a ``str``, else an error saying it must be ``what``."""
    if not isinstance(value, str):
        raise error(f"{field}: must be {what}, got {shown(value)}")
    return value


def node_name(value: Any) -> str:
    """``value`` if it is a module name (a ``str``), else a one-line error."""
    return text("node", value, "a module name (a string) such as 'lm_head'")


#: Activations of transformers' ``ACT2FN`` that hold no parameters, usable in
#: ``feed_forward_proj`` as ``"<act>"`` or ``"gated-<act>"``.
ACTIVATIONS = frozenset(
    {
        "gelu",
        "gelu_10",
        "gelu_accurate",
        "gelu_fast",
        "gelu_new",
        "gelu_python",
        "gelu_python_tanh",
        "gelu_pytorch_tanh",
        "hardswish",
        "laplace",
        "leaky_relu",
        "linear",
        "mish",
        "quick_gelu",
        "relu",
        "relu2",
        "relu6",
        "sigmoid",
        "silu",
        "sqrtsoftplus",
        "swish",
        "tanh",
    }
)

#: Activations of ``ACT2FN`` with learnable parameters of their own (not counted yet).
ACTIVATIONS_WITH_PARAMETERS = frozenset({"prelu", "xielu"})


def activation(field: str, act: str, error: type[T5SymError] = T5SymError) -> str:
    """``act`` if it is an activation of `ACTIVATIONS`, else a one-line error naming ``field``.

    >>> from t5sym.model.checks import activation
    >>> activation("hidden_activation", "gelu_pytorch_tanh")
    'gelu_pytorch_tanh'
    """
    if act in ACTIVATIONS_WITH_PARAMETERS:
        raise error(f"{field}: activation {act!r} has learnable parameters, not counted yet")
    if act not in ACTIVATIONS:
        close = difflib.get_close_matches(act, sorted(ACTIVATIONS), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise error(
            f"{field}: unknown activation {shown(act)}{hint} (known: the "
            f"{len(ACTIVATIONS)} of t5sym.model.config.ACTIVATIONS, e.g. relu, gelu_new, silu)"
        )
    return act


def class_names(field: str, value: Any, error: type[T5SymError] = T5SymError) -> tuple[str, ...]:
    """``value`` (``architectures``) as a tuple of class names (None or empty: none)."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)) and all(isinstance(a, str) for a in value):
        return tuple(value)
    raise error(f"{field}: must be a list of class names, got {shown(value)}")
