"""Family-level views of the counts: where parameters go, and the published sizes explained.

Everything here is computed from the parameter tree of `t5sym.model.params`:

- `by_category` sums the tree's leaves by what they are (token embedding and
  lm_head, attention q/k/v/o, relative position bias, feed-forward, RMSNorm scales);
- `shape` evaluates a weight's shape (torch order) for a config;
- `reconcile` explains a published rounded size (`t5sym.model.presets.CLAIMS`):
  which count it matches (the unique parameters, or the tied embedding counted a second
  time as the output layer) and how (equal, rounded, or cut to the digits it shows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import sympy
from sympy import Expr

from t5sym.errors import T5SymError
from t5sym.model import checks
from t5sym.model.algebra import integer, tidy
from t5sym.model.config import Config, checked_config
from t5sym.model.params import count, tree
from t5sym.model.presets import CLAIMS, Claim, load
from t5sym.model.roles import CATEGORIES, Role, category
from t5sym.views.readable import approx

#: The top-level parts of a ``T5ForConditionalGeneration``, as node names.
STACKS = ("shared", "encoder", "decoder", "lm_head")


def formulas_by_category(config: Config | None = None, *, encoder_only: bool = False):
    """The parameter formula of each category: the sum of its leaves' formulas.

    Equal encoder and decoder depths are written with ``num_layers`` alone, as
    `t5sym.model.params.formula` does.

    Returns
    -------
    dict[str, sympy.Expr]
        Keyed by `CATEGORIES` (a category with no weight maps to 0).
    """
    encoder_only = checks.boolean("encoder_only", encoder_only)
    out: dict[str, Expr] = {c: sympy.S.Zero for c in CATEGORIES}
    for node in tree(config, encoder_only=encoder_only):
        if node.is_leaf:
            out[category(node)] += node.expr
    equal = config is not None and config.num_decoder_layers == config.num_layers
    return {k: tidy(v, equal_depths=equal) for k, v in out.items()}


def by_category(config: Config, *, encoder_only: bool = False) -> dict[str, int]:
    """Exact parameters per category (they sum to the total).

    Examples
    --------
    >>> from t5sym.views.family import by_category
    >>> from t5sym.model.params import count
    >>> from t5sym.model.presets import load
    >>> sum(by_category(load("t5-small")).values()) == count(load("t5-small")).total
    True
    """
    parts = by_stack_and_category(config, encoder_only=encoder_only)
    return {c: parts[("", c)] for c in CATEGORIES}


def by_stack_and_category(
    config: Config, *, encoder_only: bool = False
) -> dict[tuple[str, str], int]:
    """Exact parameters per (stack, category); keys ``("", category)`` hold the totals.

    Stacks are the model's top-level modules, `STACKS` for a ``*ForConditionalGeneration``
    (``lm_head`` only when untied; no decoder when encoder-only).
    """
    result = count(config)
    encoder_only = checks.boolean("encoder_only", encoder_only)
    numbers = result.encoder_only_breakdown if encoder_only else result.breakdown
    out: dict[tuple[str, str], int] = {("", c): 0 for c in CATEGORIES}
    for top in tree(config, encoder_only=encoder_only).root.children:
        for leaf in (n for n in top.walk() if n.is_leaf):
            key = (top.name, category(leaf))
            out[key] = out.get(key, 0) + numbers[leaf.name]
            out[("", key[1])] += numbers[leaf.name]
    return out


def shares(config: Config, *, encoder_only: bool = False) -> dict[str, Fraction]:
    """Each category's exact share of the total, as a fraction."""
    parts = by_category(config, encoder_only=encoder_only)
    total = sum(parts.values())
    return {k: Fraction(v, total) for k, v in parts.items()}


def ratios(config: Config, baseline: Config) -> dict[str, Fraction]:
    """How many times ``baseline``'s parameters each category (and ``"total"``) holds."""
    checked_config(baseline)
    a, b = by_category(config), by_category(baseline)
    out = {k: Fraction(a[k], b[k]) for k in CATEGORIES if b[k]}
    out["total"] = Fraction(count(config).total, count(baseline).total)
    return out


#: Config fields that set a T5 model's size, for side-by-side comparisons.
FIELDS = ("d_model", "d_ff", "num_heads", "d_kv", "inner_dim", "num_layers", "vocab_size")


def side_by_side(config: Config, baseline: Config) -> list[tuple[str, int, int, Fraction]]:
    """(field, baseline's value, config's value, config / baseline) for each of `FIELDS`."""
    checked_config(config)
    checked_config(baseline)
    out = []
    for f in FIELDS:
        a, b = getattr(baseline, f), getattr(config, f)
        out.append((f, a, b, Fraction(b, a)))
    return out


def weight_shape(config: Config, node: str) -> tuple[int, ...]:
    """The shape (torch order, one instance) of the weight ``node`` for ``config``.

    Examples
    --------
    >>> from t5sym.views.family import weight_shape
    >>> from t5sym.model.presets import load
    >>> weight_shape(load("t5-3b"), "encoder.block.*.layer.0.SelfAttention.q")
    (4096, 1024)
    """
    values = checked_config(config).values()
    return tuple(integer(d, values) for d in tree(config)[checks.node_name(node)].shape)


# ---------------------------------------------------------------------------------------
# Published sizes, reconciled with the exact counts.

_SCALE = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}


def resolution(label: str) -> int:
    """The place value of the last digit a published size states.

    ``"2.8B"`` -> 10**8; ``"770M"`` -> 10**7 (trailing zeros of a whole number are not
    significant); ``"3B"`` -> 10**9; ``"770,567,168"`` -> 1 (written in full).
    """
    label = checks.text("label", label, "a size such as '2.8B'")
    m = re.fullmatch(r"([\d,]+)(?:\.(\d+))?([KMBT]?)", label.strip())
    if m is None:
        raise T5SymError(f"label: cannot read {checks.shown(label)} as a size such as '2.8B'")
    whole, decimals, unit = m.group(1), m.group(2), _SCALE[m.group(3)]
    if "," in whole:
        return unit
    if decimals:
        return unit // 10 ** len(decimals)
    zeros = len(whole) - len(whole.rstrip("0"))
    return unit * 10 ** min(zeros, len(whole) - 1)


@dataclass(frozen=True)
class Reconciliation:
    """A published size next to the exact count, and the computed reason for the gap."""

    claim: Claim
    exact: int
    readings: dict[str, int]
    reading: str | None
    method: str
    resolution: int

    @property
    def counted(self) -> int | None:
        """The count the claim matches (``None`` if unexplained)."""
        return self.readings[self.reading] if self.reading else None

    @property
    def difference(self) -> int:
        """Published minus exact."""
        return self.claim.value - self.exact

    @property
    def relative(self) -> Fraction:
        """(published − exact) / exact."""
        return Fraction(self.difference, self.exact)

    @property
    def digits(self) -> int:
        """Significant digits the claim states."""
        return len(str(self.claim.value // self.resolution))

    @property
    def exact_rounded(self) -> int:
        """The unique count rounded to the claim's precision."""
        return round_to(self.exact, self.resolution)

    @property
    def extra(self) -> int:
        """What the matched count adds to the unique parameters (V·d_model when tied twice)."""
        return (self.counted or self.exact) - self.exact

    @property
    def reason(self) -> str:
        """One line: which count the claim is and how it was written."""
        if self.reading is None:
            return "matches no count, rounded or cut to its digits"
        what = READINGS[self.reading]
        if self.extra:
            what = f"unique parameters + {self.extra:,} ({what})"
        if self.method == "equal":
            return f"equals the {what}"
        if self.method == "rounded":
            return f"the {what}, rounded to the nearest {approx(self.resolution)}"
        return f"the {what}, cut (not rounded) to a multiple of {approx(self.resolution)}"


#: The counts a published size can be: how each is described.
READINGS = {
    "unique": "unique parameters",
    "tied twice": "the tied embedding counted again as lm_head",
    "gated experts": "experts with a second input matrix each, as the gin's GEGLU experts",
}

_METHODS = ("equal", "rounded", "cut")


def _whole(field: str, value: object) -> int:
    """``value`` if it is an ``int`` (not a bool), else a one-line error."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise T5SymError(f"{field}: must be an integer, got {checks.shown(value)}")


def round_to(n: int, step: int) -> int:
    """``n`` rounded to a multiple of ``step``, halves up."""
    n, step = _whole("n", n), checks.positive_int("step", step)
    return (n + step // 2) // step * step


def cut_to(n: int, step: int) -> int:
    """``n`` with the digits below ``step`` dropped."""
    n, step = _whole("n", n), checks.positive_int("step", step)
    return n // step * step


def _matches(method: str, n: int, value: int, step: int) -> bool:
    if method == "equal":
        return n == value
    if method == "rounded":
        return round_to(n, step) == value
    return cut_to(n, step) == value


def readings(config: Config) -> dict[str, int]:
    """The counts a published size may be: unique parameters; for a tied lm_head the
    count of the same model with lm_head as its own matrix (the embedding counted twice);
    for Switch's plain experts, the count with a second input matrix per expert (the
    trained XXL's GEGLU experts, which transformers' SwitchTransformers cannot hold)."""
    result = count(config)
    out = {"unique": result.total}
    if config.lm_head_tied:
        untied = tree(config, tied=False).evaluate(config.values())
        out["tied twice"] = untied[""]
    if config.model_type == "switch_transformers" and not config.is_gated:
        second = sum(
            result.breakdown[n.name]
            for n in tree(config)
            if n.is_leaf and n.role is Role.WI and n.within(Role.EXPERTS)
        )
        out["gated experts"] = result.total + second
    return out


def reconcile(claim: Claim) -> Reconciliation:
    """Explain ``claim``: the first (method, reading) that reproduces its value.

    Methods in order: equal, rounded to the claim's last stated digit (half up), cut to it.
    Readings in order: unique parameters, tied embedding counted twice, gated experts.
    """
    if not isinstance(claim, Claim):
        got = checks.shown(claim)
        raise T5SymError(f"claim: must be a t5sym.model.presets.Claim, got {got}")
    config = load(claim.preset)
    found = readings(config)
    step = resolution(claim.label)
    for method in _METHODS:
        for name, n in found.items():
            if _matches(method, n, claim.value, step):
                return Reconciliation(claim, found["unique"], found, name, method, step)
    return Reconciliation(claim, found["unique"], found, None, "none", step)


def reconcile_all() -> list[Reconciliation]:
    """`reconcile` for every published size in `t5sym.model.presets.CLAIMS`."""
    return [reconcile(c) for c in CLAIMS]
