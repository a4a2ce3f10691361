"""LongT5's local and transient-global attention against full attention, as Markdown (the
`longt5` page).

Every formula is `t5sym.views.longt5`'s (built from the FLOP tree of `t5sym.views.flops`);
the worked numbers are at the shapes of the preset ``long-t5-tglobal-base``.

Examples
--------
>>> from t5site import longattention
>>> longattention.flops_table([512]).splitlines()[0]
'| S | full | local | transient-global |'
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from t5site import charts, tables
from t5sym.model import presets
from t5sym.model.config import Config
from t5sym.model.symbols import (
    CONFIG_FIELD,
    MEANING,
    batch,
    encoder_length,
    global_block_size,
    local_radius,
)
from t5sym.views import flops, longt5
from t5sym.views.printers import mathml

#: The blocked attentions, compared with full attention.
BLOCKED = ("local", "transient-global")
#: The input lengths of the page's tables.
LENGTHS = [256, 512, 1000, 2048, 4096, 16384]


def base() -> Config:
    """The worked example's shapes: the preset ``long-t5-tglobal-base``."""
    return presets.get("long-t5-tglobal-base").config


def symbols_table() -> str:
    """symbol | config field | meaning, for S, B, r, g and the derived n and G."""
    rows = [
        [mathml(s), f"`{CONFIG_FIELD.get(s, s.name)}`", MEANING[s]]
        for s in (encoder_length, batch, local_radius, global_block_size)
    ]
    rows += [
        [mathml(longt5.n_blocks), "", f"local blocks, {mathml(flops.local_blocks())}"],
        [mathml(longt5.n_global), "", f"global tokens, {mathml(flops.global_tokens())}"],
    ]
    return tables.markdown_table(rows, ["symbol", "field", "meaning"])


def layer_formulas() -> str:
    """Each attention's products in one layer: in n and G (displayed, so that a narrow
    screen scrolls it), then exactly as tabs (expanded: a sum wraps between its terms)."""
    parts = []
    for attention in longt5.ATTENTIONS:
        expr = longt5.layer_flops(attention=attention)
        parts += [
            f"**{attention}**:\n\n{mathml(longt5.notation(expr), display=True)}\n\nexactly:\n",
            tables.formula_tabs(sympy.expand(expr)),
            "",
        ]
    return "\n".join(parts)


def module_formula() -> str:
    """The whole transient-global attention module of one layer, projections included."""
    whole = longt5.layer_flops(attention="transient-global", products_only=False)
    return mathml(longt5.notation(whole), display=True)


def ratio_formulas() -> str:
    """Each blocked attention's cost over full attention's, as tabs."""
    return "\n".join(
        f"**{a} / full**\n\n{tables.formula_tabs(longt5.ratio(attention=a))}\n" for a in BLOCKED
    )


def crossover_formulas() -> str:
    """The length beyond which each blocked attention is cheaper (`sympy.solve`), as tabs."""
    return "\n".join(
        f"**{a}**: cheaper than full attention beyond\n\n"
        f"{tables.formula_tabs(longt5.crossover(attention=a))}\n"
        for a in BLOCKED
    )


def base_table() -> str:
    """field | value, for the worked example's shapes (r and g: LongT5Config's defaults)."""
    c = base()
    fields = (
        "d_model",
        "d_ff",
        "num_heads",
        "d_kv",
        "num_layers",
        "num_decoder_layers",
        "feed_forward_proj",
        "vocab_size",
        "local_radius",
        "global_block_size",
    )
    rows = [
        [f"`{f}`", f"{v:,}" if isinstance(v := getattr(c, f), int) else f"`{v}`"] for f in fields
    ]
    return tables.markdown_table(rows, ["field", c.name], right={1})


def base_formulas() -> str:
    """At the example's shapes: each attention's products in B and S, and each blocked
    one's ratio to full attention with its limit for long inputs, as a list."""
    c = base()
    lines = [
        f"- {a}: {mathml(longt5.notation(longt5.layer_flops(c, a)))}" for a in longt5.ATTENTIONS
    ]
    lines.append("")
    lines += [
        f"- {a} / full: {mathml(longt5.ratio(c, a))}, tending to {mathml(longt5.limit_ratio(c, a))}"
        for a in BLOCKED
    ]
    return "\n".join(lines)


def crossover_table() -> str:
    """attention | what is counted | the solved crossover S (no rounding) | the exact least
    S from which on it stays cheaper (padding and ⌊S/g⌋ included)."""
    c, rows = base(), []
    for a in BLOCKED:
        for products_only, what in ((True, "products"), (False, "whole module")):
            solved = longt5.crossover(c, a, products_only=products_only)
            exact = longt5.first_cheaper(c, a, products_only=products_only)
            rows.append([a, what, f"{mathml(solved)} ≈ {float(solved):,.1f}", f"{exact:,}"])
    return tables.markdown_table(rows, ["attention", "counted", "solved S", "exact S"], {2, 3})


def flops_table(lengths: Sequence[int] = LENGTHS) -> str:
    """S | the attention products of one layer, B = 1, exact, for each attention."""
    rows = [
        [f"{r.encoder_length:,}", *(f"{r.flops[a]:,}" for a in longt5.ATTENTIONS)]
        for r in longt5.table(base(), list(lengths))
    ]
    return tables.markdown_table(rows, ["S", *longt5.ATTENTIONS], {0, 1, 2, 3})


def ratios_table(lengths: Sequence[int] = LENGTHS) -> str:
    """S | each blocked attention's products over full attention's, to three decimals."""
    rows = [
        [f"{r.encoder_length:,}", *(f"{float(r.ratio(a)):.3f}" for a in BLOCKED)]
        for r in longt5.table(base(), list(lengths))
    ]
    header = ["S", *(f"{a} / full" for a in BLOCKED)]
    return tables.markdown_table(rows, header, {0, 1, 2})


def chart() -> str:
    """`t5site.charts.longt5_attention_svg` over S = 128 … 16,384, as a labelled figure."""
    svg = charts.longt5_attention_svg(base(), [2**k for k in range(7, 15)])
    label = (
        "Attention FLOPs of one encoder layer against the input length, log-log: full "
        "attention grows quadratically, local attention linearly, transient-global in "
        "between, tending to a fixed fraction of full attention"
    )
    return f'<figure markdown="0" role="img" aria-label="{label}">{svg}</figure>'
