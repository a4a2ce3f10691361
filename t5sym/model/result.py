"""What every result (`Count`, `FlopCount`, `Memory`, `Shard`, ...) shares: ``to_dict``.

A result names the attributes it reports in ``FIELDS`` (and the bulky ones, printed only
on request, in ``DETAILS``); ``to_dict`` maps each name to its JSON-ready value, so the
command's ``--json`` keys are the Python attribute names.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, ClassVar

import sympy


def plain(value: Any) -> Any:
    """A JSON-ready value: ints stay exact, a Fraction becomes ``"a/b"`` (``"a"`` when whole:
    one JSON type per key), a formula its text.

    Results (anything with ``to_dict``), mappings and sequences are converted recursively.

    Examples
    --------
    >>> from fractions import Fraction
    >>> from t5sym.model.result import plain
    >>> plain({"ratio": Fraction(3, 2), "whole": Fraction(4), "n": 10**30})
    {'ratio': '3/2', 'whole': '4', 'n': 1000000000000000000000000000000}
    """
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, sympy.Basic):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class Result:
    """Mixin: ``to_dict()`` over the attribute names in ``FIELDS`` (+ ``DETAILS``)."""

    FIELDS: ClassVar[tuple[str, ...]] = ()
    DETAILS: ClassVar[tuple[str, ...]] = ()

    def to_dict(self, *, details: bool = False) -> dict[str, Any]:
        """``{name: plain(getattr(self, name))}`` for each reported attribute."""
        names = self.FIELDS + (self.DETAILS if details else ())
        return {name: plain(getattr(self, name)) for name in names}
