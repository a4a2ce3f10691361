"""The FLOPs of a T5 forward pass as Markdown (the `flops` page).

Formulas come from `t5sym.views.flops` (the FLOP tree beside the parameter tree), numbers
from `t5sym.views.flops.count_flops`; the workload is `t5sym flops`'s default (T5's
pre-training input length, one sequence) unless a function takes lengths.

Examples
--------
>>> from t5site import forward
>>> forward.lengths_table([(512, 128)]).splitlines()[0]
'| S, T | forward: t5-3b<br>t5-11b | t5-11b per token | scores + context |'
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import sympy
from sympy import Expr

from t5site import charts, tables
from t5sym.model import params, presets
from t5sym.model.algebra import integer, tidy
from t5sym.model.config import Config
from t5sym.model.symbols import DIMENSIONS, batch, decoder_length, encoder_length
from t5sym.views import flops, printers
from t5sym.views.readable import approx, number

#: The two models of the page's worked numbers.
MODELS = ("t5-3b", "t5-11b")
#: One sequence at `t5sym flops`'s default lengths.
WORK = {
    batch: flops.DEFAULT_BATCH,
    encoder_length: flops.DEFAULT_ENCODER_LENGTH,
    decoder_length: flops.DEFAULT_DECODER_LENGTH,
}
#: The (S, T) pairs of the page's lengths table; the last is the takeaways' long input.
LENGTHS = [(128, 32), (512, 128), (512, 512), (2048, 512), (8192, 2048)]
ENC_SA = "encoder.block.*.layer.0.SelfAttention"
DEC_SA = "decoder.block.*.layer.0.SelfAttention"
CROSS = "decoder.block.*.layer.1.EncDecAttention"
ENC_FF = "encoder.block.*.layer.1.DenseReluDense"
DEC_FF = "decoder.block.*.layer.2.DenseReluDense"
_QKVO, _PRODUCTS = ("q", "k", "v", "o"), flops.ATTENTION_PRODUCTS
#: The rows of `parts_table`: label, the module, its children counted.
PARTS = [
    ("encoder self-attention: `q`, `k`, `v`, `o`", ENC_SA, _QKVO),
    ("encoder self-attention: scores, context", ENC_SA, _PRODUCTS),
    ("decoder self-attention: `q`, `k`, `v`, `o`", DEC_SA, _QKVO),
    ("decoder self-attention: scores, context", DEC_SA, _PRODUCTS),
    ("cross-attention: `q`, `o` (over T)", CROSS, ("q", "o")),
    ("cross-attention: `k`, `v` (over S)", CROSS, ("k", "v")),
    ("cross-attention: scores, context", CROSS, _PRODUCTS),
    ("encoder feed-forward: `wi`, `wo`", ENC_FF, ("wi", "wo")),
    ("decoder feed-forward: `wi`, `wo`", DEC_FF, ("wi", "wo")),
    ("`lm_head` (tied: no parameters of its own)", None, ("lm_head",)),
]
_CROSS_KV = "cross-attention k, v on S tokens, not T"
_SCORES = "attention scores and context"


def _configs(names: Sequence[str] = MODELS) -> list[Config]:
    return [presets.get(n).config for n in names]


@cache
def _counts() -> dict[str, flops.FlopCount]:
    return {c.name: flops.count_flops(c) for c in _configs()}


def symbols_table() -> str:
    """Every dimension and the workload's B, S, T, with T5-3B's and T5-11B's values."""
    used = [s for s in DIMENSIONS if s.name != "num_buckets"] + list(WORK)
    return tables.symbols_table(used, {c.name: {**c.values(), **WORK} for c in _configs()})


def parts_table() -> str:
    """part | parameters | forward FLOPs (per block) | evaluated for T5-3B and T5-11B."""
    pt, ft = params.tree(), flops.forward_tree()
    rows = []
    for label, module, shorts in PARTS:
        names = [f"{module}.{s}" if module else s for s in shorts]
        # lm_head multiplies with the shared table though it holds no parameters of its own
        n = params.lm_head().expr if module is None else sympy.factor(pt.per_block(names))
        f = sympy.factor(ft.per_block(names))
        numbers = (f"{integer(f, {**c.values(), **WORK}):,}" for c in _configs())
        rows.append([label, printers.mathml(n), printers.mathml(f), "<br>".join(numbers)])
    return tables.markdown_table(
        rows, ["part", "parameters", "forward FLOPs", "<br>".join(MODELS)], right={3}
    )


def gated_ffn(names: Sequence[str] = ("t5-v1_1-xl", "t5-v1_1-xxl")) -> str:
    """A gated feed-forward block's parameters and FLOPs, then worked for ``names``."""
    configs = _configs(names)
    gated = [f"{ENC_FF}.{w}" for w in ("wi_0", "wi_1", "wo")]
    n = sympy.factor(params.tree(configs[0]).per_block(gated))
    f = sympy.factor(flops.forward_tree(configs[0]).per_block(gated))
    lines = [f"parameters {printers.mathml(n)}, forward FLOPs {printers.mathml(f)} per block", ""]
    lines += [f"- {tables.worked(f, {**c.values(), **WORK}, c.name)}" for c in configs]
    return "\n".join(lines)


@cache
def forward_formula() -> Expr:
    """The whole model's forward FLOPs, a sum per stack (checked equal to B factored out)."""
    formula = tidy(flops.forward())
    assert sympy.expand(formula - tidy(flops.forward(), factor_out=batch)) == 0
    return formula


def totals_table() -> str:
    """model | forward FLOPs (exact, checked against the closed form) | a training step |
    forward FLOPs per token, at the default workload."""
    rows = []
    for c in _configs():
        fc = _counts()[c.name]
        assert integer(forward_formula(), {**c.values(), **WORK}) == fc.forward
        rows.append(
            [
                f"`{c.name}`",
                f"**{fc.forward:,}** (≈ {approx(fc.forward)})",
                number(fc.training),
                approx(fc.forward // fc.tokens),
            ]
        )
    header = ["model", "forward", "training step", "forward per token"]
    return tables.markdown_table(rows, header, right={1, 2, 3})


def modules_table() -> str:
    """module | forward FLOPs and share of the model's, for the stacks, their main
    modules and `lm_head`; then each stack's share of FLOPs beside its share of parameters."""
    shown = ["encoder", ENC_SA, ENC_FF, "decoder", DEC_SA, CROSS, DEC_FF, "lm_head"]
    rows = []
    for name in shown:
        top = name in ("encoder", "decoder", "lm_head")
        cells = [f"`{name}`" if top else f"&nbsp;&nbsp;`{name}`"]
        for fc in _counts().values():
            value = fc.breakdown[name]
            cells.append(f"{approx(value)} ({value / fc.forward:.1%})")
        rows.append(cells)
    for c in _configs():
        n = params.count(c)
        share = n.breakdown["encoder"] / n.total
        rows[0][1 + MODELS.index(c.name)] += f"<br>parameters: {share:.0%}"
    return tables.markdown_table(rows, ["module", *MODELS], right={1, 2})


def lengths_table(lengths: Sequence[tuple[int, int]] = LENGTHS) -> str:
    """S, T | forward FLOPs of one sequence for T5-3B and T5-11B | T5-11B's per token |
    the share of the weightless attention products (scores, context)."""
    rows = []
    for s, t in lengths:
        f3, f11 = (flops.count_flops(c, 1, s, t) for c in _configs())
        products = f11.excess[_SCORES]
        rows.append(
            [
                f"{s:,}, {t:,}",
                f"{f3.forward:,}<br>{f11.forward:,}",
                approx(f11.forward // f11.tokens),
                f"{products / f11.forward:.1%}",
            ]
        )
    header = ["S, T", "forward: t5-3b<br>t5-11b", "t5-11b per token", "scores + context"]
    return tables.markdown_table(rows, header, right={0, 1, 2, 3})


def _readable(expr: Expr) -> Expr:
    """Factored, unless factoring leaves a sign inside (then expanded: a difference)."""
    factored = sympy.factor(expr)
    return sympy.expand(expr) if factored.could_extract_minus_sign() else factored


def excess_table() -> str:
    """What 2B(N_enc·S + N_dec·T) leaves out, term by term, as formulas (T5 v1.0)."""
    rule = flops.rule_of_thumb(symbolic=True)
    rows = [[name, printers.mathml(_readable(e))] for name, e in rule.excess.items()]
    return tables.markdown_table(rows, ["missing from 2B(N_enc·S + N_dec·T)", "forward FLOPs"])


def ratios_table(name: str = "t5-11b") -> str:
    """rule | forward FLOPs ÷ the rule, as a formula in S and T, and at the workload."""
    rule = flops.rule_of_thumb(presets.get(name).config)
    rows = [
        [label, printers.mathml(ratio), f"**{float(ratio.xreplace(WORK)):.3f}**"]
        for label, ratio in (("whole model", rule.naive_ratio), ("per stack", rule.ratio))
    ]
    at = f"at S = {WORK[encoder_length]}, T = {WORK[decoder_length]}"
    return tables.markdown_table(rows, ["rule", "forward ÷ rule", at], right={2})


def chart_lengths() -> list[int]:
    """The input lengths S of the chart: 64 to 16,384."""
    return [2**k for k in range(6, 15)]


def chart(name: str = "t5-11b") -> str:
    """`t5site.charts.rule_of_thumb` for ``name`` over the chart's lengths."""
    return charts.rule_of_thumb(presets.get(name).config, chart_lengths())


def ratio_gap() -> str:
    """The largest difference between T5-3B's and T5-11B's ratios (both rules, T = S/4
    and T = S) over the chart's lengths, to three decimals."""
    rules = [flops.rule_of_thumb(c) for c in _configs()]
    gap = max(
        abs(float((getattr(rules[0], kind) - getattr(rules[1], kind)).xreplace(at)))
        for kind in ("naive_ratio", "ratio")
        for s in chart_lengths()
        for at in (
            {encoder_length: s, decoder_length: s // 4},
            {encoder_length: s, decoder_length: s},
        )
    )
    return f"{gap:.3f}"


def takeaways_table(name: str = "t5-11b") -> str:
    """At the workload and at the longest lengths: the model's FLOPs against both rules,
    and the per-stack rule's misses as shares of the rule."""
    fc = flops.count_flops(presets.get(name).config)
    long = flops.count_flops(presets.get(name).config, 1, *LENGTHS[-1])
    excess = {k: v / fc.per_side for k, v in fc.excess.items()}
    rows = [
        ["forward FLOPs ÷ 2N per token", f"{float(fc.naive_ratio):.0%}", ""],
        ["forward FLOPs ÷ per-stack rule − 1", f"{float(fc.ratio) - 1:.0%}", ""],
        ["cross-attention `k`, `v` on S tokens, of the rule", f"{excess[_CROSS_KV]:.1%}", ""],
        ["attention scores and context, of the rule", f"{excess[_SCORES]:.1%}", ""],
        ["`lm_head`, of the rule", f"{excess['lm_head']:.2%}", ""],
        [
            "attention scores and context, of the forward FLOPs",
            "",
            f"{long.excess[_SCORES] / long.forward:.0%}",
        ],
        ["forward FLOPs ÷ per-stack rule", "", f"{float(long.ratio):.2f}"],
    ]
    (s, t) = LENGTHS[-1]
    header = [name, f"S = {WORK[encoder_length]}, T = {WORK[decoder_length]}", f"S = {s}, T = {t}"]
    return tables.markdown_table(rows, header, right={1, 2})
