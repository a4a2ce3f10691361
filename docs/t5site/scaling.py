"""How T5 and GPT-3 were scaled, as Markdown (the `question` and `t5-vs-gpt3` pages).

T5's shapes and shares come from `t5sym.views.family` and the parameter tree; GPT-3's from
`t5sym.views.gpt` (its tree, Table 2.1 and `proportions`); published sizes from
`t5sym.views.family.reconcile_all`, their citations written as the site's links.

Examples
--------
>>> from t5site import scaling
>>> scaling.attention_table().splitlines()[0]
'| preset | d_model | heads × d_kv | q, k, v<br>o | one layer | all layers |'
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from t5site import charts, tables
from t5sym import sources
from t5sym.model import params, presets
from t5sym.views import family, gpt, printers
from t5sym.views.readable import approx, percent, short

#: The three T5 v1.0 presets the question is about.
QUESTION = ("t5-large", "t5-3b", "t5-11b")
#: The families set side by side on the t5-vs-gpt3 page.
FAMILIES = ("T5 v1.0", "T5 v1.1", "GPT-3")
Q_PROJ = "encoder.block.*.layer.0.SelfAttention.q"
O_PROJ = "encoder.block.*.layer.0.SelfAttention.o"
WI = "encoder.block.*.layer.1.DenseReluDense.wi"


def _configs(names: Sequence[str] = QUESTION) -> dict:
    return {n: presets.get(n).config for n in names}


# ---------------------------------------------------------------------------------------
# The question page: T5's shapes.


def attention_formula() -> str:
    """P_attn: the parameters of one attention layer, four projections of `q`'s shape."""
    node = params.tree()[Q_PROJ]
    per_layer = 4 * sympy.Mul(*node.shape)
    return printers.mathml(sympy.Eq(sympy.Symbol("P_attn"), per_layer), display=True)


def attention_table(names: Sequence[str] = QUESTION) -> str:
    """preset | d_model | heads × d_kv | shapes of q (k, v alike) and o | parameters of one
    attention layer | of all of them (one per encoder block, two per decoder block)."""
    rows = []
    for n, c in _configs(names).items():
        shapes = f"{list(family.weight_shape(c, Q_PROJ))}<br>{list(family.weight_shape(c, O_PROJ))}"
        rows.append(
            [
                n,
                str(c.d_model),
                f"{c.num_heads} × {c.d_kv}",
                shapes,
                f"{4 * c.d_model * c.inner_dim:,}",
                f"{family.by_category(c)['attention']:,}",
            ]
        )
    header = ["preset", "d_model", "heads × d_kv", "q, k, v<br>o", "one layer", "all layers"]
    return tables.markdown_table(rows, header, right={1, 4, 5})


def ffn_table(names: Sequence[str] = QUESTION) -> str:
    """preset | d_ff (÷ d_model) | the shape of `wi` | the shares of the parameters held by
    the feed-forward layers, the attention and the embedding."""
    rows = []
    for n, c in _configs(names).items():
        s = family.shares(c)
        wi = " × ".join(f"{d:,}" for d in family.weight_shape(c, WI))
        rows.append(
            [
                n,
                f"{c.d_ff:,} ({c.d_ff // c.d_model}×)",
                wi,
                *(f"{float(s[k]):.1%}" for k in ("feed-forward", "attention", "embedding")),
            ]
        )
    header = ["preset", "d_ff (÷ d_model)", "wi", "FFN", "attention", "embedding"]
    return tables.markdown_table(rows, header, right={1, 2, 3, 4, 5})


def ffn_split_table(names: Sequence[str] = QUESTION) -> str:
    """preset | d_ff / (heads·d_kv) | the feed-forward share of feed-forward + attention."""
    rows = []
    for n, c in _configs(names).items():
        parts = family.by_category(c)
        split = parts["feed-forward"] / (parts["feed-forward"] + parts["attention"])
        rows.append(
            [f"`{n}`", f"{c.d_ff} / {c.inner_dim} = {c.d_ff // c.inner_dim}", f"{split:.1%}"]
        )
    header = ["preset", "d_ff / (heads·d_kv)", "feed-forward of feed-forward + attention"]
    return tables.markdown_table(rows, header, right={1, 2})


def exact_total(name: str) -> str:
    """A preset's exact parameter count in bold, then the readable one."""
    n = params.count(presets.get(name).config).total
    return f"**{n:,}** parameters (≈ {approx(n)})"


def published_table(names: Sequence[str]) -> str:
    """The published sizes of ``names`` reconciled with the exact counts, cited as links
    (`t5site.tables.reconciliation_table`)."""
    chosen = [r for r in family.reconcile_all() if r.claim.preset in names]
    return sources.linked(tables.reconciliation_table(chosen))


# ---------------------------------------------------------------------------------------
# The t5-vs-gpt3 page: GPT-3's tree, Table 2.1 and both families' proportions.


def _by_name() -> dict[str, gpt.Proportions]:
    return {s.name: s for s in gpt.proportions()}


def in_short_table() -> str:
    """GPT-3 Small → 175B against T5-Large → T5-11B: d_model, d_ff and the attention's
    inner width at both ends (and the factor), and d_ff ÷ d_model over the sizes."""
    shapes = gpt.proportions()
    g = [s for s in shapes if s.family == "GPT-3"]
    by = _by_name()
    t = [by[n] for n in QUESTION]
    rows = []
    for label, get in (
        ("d_model", lambda s: s.d_model),
        ("d_ff", lambda s: s.d_ff),
        ("heads · d_kv", lambda s: s.inner_dim),
    ):
        ends = ((g[0], g[-1]), (t[0], t[-1]))
        rows.append([label, *(f"{get(a):,} → {get(b):,} ({get(b) // get(a)}×)" for a, b in ends)])
    ratios = [", ".join(dict.fromkeys(str(s.d_ff_ratio) for s in f)) for f in (g, t)]
    rows.append(["d_ff ÷ d_model", *ratios])
    rows.append(["sizes", str(len(g)), str(len(t))])
    header = ["", f"{g[0].name} → {g[-1].name}", f"{t[0].name} → {t[-1].name}"]
    return tables.markdown_table(rows, header, right={1, 2})


def gpt_modules_table() -> str:
    """module | what it is | its parameters in all blocks (LaTeX) | GPT-3 175B's count."""
    big = gpt.GPT3[-1]
    n = gpt.count(big)
    shown = ("wte", "wpe", "ln_1", "c_attn", "c_proj", "ln_2", "c_fc", "ln_f")
    rows = [
        [f"`{node.name}`", node.doc, f"${_tex(sympy.factor(node.expr))}$", f"{n[node.name]:,}"]
        for node in gpt.tree()
        if node.short in shown
    ]
    return tables.markdown_table(
        rows, ["module", "what", "parameters (all blocks)", big.name], right={3}
    )


def _tex(expr: sympy.Expr) -> str:
    return sympy.latex(expr, symbol_names=gpt.LATEX_NAMES)


def gpt_formula() -> str:
    """GPT's parameter total as displayed LaTeX, in the GPT-3 paper's letters."""
    return f"$$N = {_tex(gpt.tree().total)}$$"


def gpt_rule_formula() -> str:
    """The total with d_ff = 4·d_model and heads·d_head = d_model substituted, collected
    by layers (the 12·n_layers·d_model² appears), and its value for GPT-3 175B."""
    total = gpt.tree().total
    rule = {gpt.n_inner: 4 * gpt.n_embd, gpt.d_head: gpt.n_embd / gpt.n_head}
    ruled = sympy.collect(sympy.expand(total.subs(rule)), gpt.n_layer)
    big = gpt.GPT3[-1]
    at = {s: sympy.Integer(v) if isinstance(v, int) else v for s, v in big.values().items()}
    value = int(ruled.subs(at))
    assert value == gpt.count(big)[""]  # the collected form and the tree agree
    return f"$$N = {_tex(ruled)}$$\n\n{big.name}: **{value:,}** (≈ {approx(value)})."


def gpt_constants_table() -> str:
    """GPT-2's vocabulary and GPT-3's context, as t5sym.views.gpt counts them."""
    rows = [
        ["$V$", "byte-level BPE vocabulary (GPT-2's)", f"{gpt.VOCAB:,}"],
        ["$n_{\\mathrm{ctx}}$", "context, in tokens", f"{gpt.N_CTX:,}"],
    ]
    return tables.markdown_table(rows, ["symbol", "meaning", "value"], right={2})


def gpt_sizes_table() -> str:
    """GPT-3's Table 2.1 as printed, the count the formula gives and the published size
    (off by); then each row that cannot be built as printed, with the library's reason."""
    rows, flags = [], []
    for r in gpt.table_2_1():
        gap = (r.computed - r.published) / r.published
        rows.append(
            [
                r.name.removeprefix("GPT-3 "),
                f"{r.n_layers} × {r.d_model:,}",
                f"{r.n_heads} × {r.d_head}" + (" ⚠" if r.flag else ""),
                f"{r.computed:,}",
                f"{approx(r.published)} ({gap:+.1%})",
            ]
        )
        if r.flag:
            flags.append(f"- ⚠ **{r.name}**: {r.flag.replace('*', '·').replace('!=', '≠')}.")
    header = ["GPT-3", "n_layers × d_model", "heads × d_head", "computed", "published (off by)"]
    return "\n".join([tables.markdown_table(rows, header, right=set(range(1, 5))), "", *flags])


def gpt_13b_table() -> str:
    """How close the consistent rows of Table 2.1 come, and the 13B row counted with
    d_model = 40 heads × 128 instead of the printed width."""
    table = gpt.table_2_1()
    gaps = [abs(r.computed - r.published) / r.published for r in table if not r.flag]
    printed = next(r for r in table if r.name == "GPT-3 13B")
    width = printed.n_heads * printed.d_head
    alt = gpt.GPTConfig(
        f"13B with {width}", printed.n_layers, width, printed.n_heads, printed.d_head
    )
    n = gpt.count(alt)[""]
    rows = [
        ["consistent rows", str(len(gaps))],
        ["their largest gap to the published size", f"{max(gaps):.1%}"],
        [f"13B with d_model = {alt.n_embd:,} = {alt.n_head} · {alt.d_head}", f"{n:,}"],
        [
            f"against the published {approx(printed.published)}",
            f"{(n - printed.published) / printed.published:+.1%}",
        ],
    ]
    return tables.markdown_table(rows, ["", "value"], right={1})


def proportions_table(families: Sequence[str] = FAMILIES) -> str:
    """model | d_model | d_ff and heads·d_kv divided by d_model | parameters | the shares
    of attention and feed-forward modules, for every size of ``families``."""
    rows = [
        [
            s.name + (" ⚠" if s.flag else ""),
            f"{s.d_model:,}",
            str(s.d_ff_ratio),
            str(s.inner_ratio),
            approx(s.parameters),
            f"{float(s.attention_share):.0%} / {float(s.feed_forward_share):.0%}",
        ]
        for s in gpt.proportions()
        if s.family in families
    ]
    header = ["model", "d_model", "d_ff ÷", "heads·d_kv ÷", "parameters", "attention / FFN"]
    return tables.markdown_table(rows, header, right=set(range(1, 6)))


def widths_chart(families: Sequence[str] = FAMILIES) -> str:
    """`t5site.charts.widths` for ``families``, each its own series."""
    return charts.widths(gpt.proportions(), {f: f for f in families})


def answer_table() -> str:
    """The two ways to scale at their ends: GPT-3 Small and 175B, T5-Large, 3B and 11B,
    T5 v1.1 XL and XXL; widths (d_ff with d_ff ÷ d_model; heads × head width = the
    attention's inner width), feed-forward share, size."""
    by = _by_name()
    heads = {r.name: r.d_head for r in gpt.table_2_1()}
    g = [s for s in by.values() if s.family == "GPT-3"]
    chosen = [
        g[0],
        g[-1],
        *(by[n] for n in ("t5-large", "t5-3b", "t5-11b", "t5-v1_1-xl", "t5-v1_1-xxl")),
    ]
    t5 = {n: c.d_kv for n, c in _configs([s.name for s in chosen[2:]]).items()}
    rows = []
    for s in chosen:
        width = heads.get(s.name, t5.get(s.name))
        rows.append(
            [
                s.name,
                f"{s.d_model:,}",
                f"{s.d_ff:,} ({short(s.d_ff_ratio)}×)",
                f"{s.inner_dim // width} × {width} = {s.inner_dim:,}",
                percent(s.feed_forward_share, 1),
                approx(s.parameters),
            ]
        )
    header = ["model", "d_model", "d_ff (ratio)", "heads × d_head", "FFN share", "parameters"]
    return tables.markdown_table(rows, header, right=set(range(1, 6)))
