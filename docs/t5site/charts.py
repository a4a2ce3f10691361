"""Charts for the site and the notebooks, as SVG text (matplotlib, imported when drawn).

Every chart is drawn from library results only and returned as an ``<svg>`` element with
``role="img"``, an ``aria-label`` and a ``<title>`` saying what it shows. They are drawn
to be read on a phone: 4.4 inches wide (about 420 CSS pixels), text of at least
`FONT_SIZE` points, panels stacked rather than side by side, and the legend outside the
data. matplotlib is an optional dependency: it is imported inside the functions.
"""

from __future__ import annotations

import html
import io
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from t5sym.model import params, presets
from t5sym.model.config import Config
from t5sym.views import family, flops, gpt
from t5sym.views.counterfactual import Alternative
from t5sym.views.sharding import Shard

#: Text size in points (1 pt = 4/3 CSS px at the chart's natural width).
FONT_SIZE = 11

#: Width of every chart in inches.
WIDTH = 4.4

#: One colour per series, told apart in grey too (blue, orange, green, purple, brown).
COLORS = ("#3f6fb5", "#d9822b", "#4c9a5b", "#8a5fb0", "#8c564b", "#c44e52", "#17becf",
          "#7f7f7f", "#bcbd22", "#e377c2")  # fmt: skip
MARKERS = "osD^vP*Xph"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",  # text as text: small, searchable, scalable
            "font.size": FONT_SIZE,
            "axes.titlesize": FONT_SIZE,
            "axes.labelsize": FONT_SIZE,
            "xtick.labelsize": FONT_SIZE,
            "ytick.labelsize": FONT_SIZE,
            "legend.fontsize": FONT_SIZE,
            "svg.hashsalt": "t5sym",  # the same SVG on every build
        }
    )
    return plt


def _svg(fig: Any, alt: str) -> str:
    """The figure as an inline ``<svg>`` with its alt text; the figure is closed."""
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    label = html.escape(alt, quote=True)
    svg = re.sub(
        r"<svg\b",
        f'<svg role="img" aria-label="{label}" class="t5sym-chart"',
        svg,
        count=1,
    )
    return re.sub(r"(<svg\b[^>]*>)", rf"\1<title>{label}</title>", svg, count=1)


def _short(value: float, _position: object = None) -> str:
    """A tick label without superscripts: 64, 1,024, 100M, 10B."""
    for scale, unit in ((10**12, "T"), (10**9, "B"), (10**6, "M")):
        if value >= scale:
            return f"{value / scale:g}{unit}"
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def _log_axis(ax: Any, axis: str, base: int = 10) -> None:
    """A log scale whose tick labels are plain numbers (no small superscript exponents)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    getattr(ax, f"set_{axis}scale")("log", base=base)
    target = getattr(ax, f"{axis}axis")
    target.set_major_locator(LogLocator(base=base))
    target.set_major_formatter(FuncFormatter(_short))
    target.set_minor_formatter(NullFormatter())


def _tick_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(_short)


def _legend_below(fig: Any, ax: Any, columns: int = 2) -> None:
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=columns,
        frameon=False,
    )


def parts_by_stack(config: Config) -> str:
    """Stacked bars: each top-level part (encoder, decoder, ...) split by kind of weight.

    From `t5sym.views.family.by_stack_and_category`, in billions of parameters; kinds under
    0.1 % of the total are left out of the bars (their shares are printed by the pages).

    Examples
    --------
    >>> import t5sym
    >>> from t5site.charts import parts_by_stack
    >>> parts_by_stack(t5sym.load("t5-small")).startswith('<svg role="img"')
    True
    """
    plt = _pyplot()
    parts = family.by_stack_and_category(config)
    total = params.count(config).total
    stacks = [s for s in family.STACKS if any(parts.get((s, c)) for c in family.CATEGORIES)]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.6 * len(stacks) + 0.9))
    left = [0.0] * len(stacks)
    shown = []
    for color, cat in zip(COLORS, family.CATEGORIES, strict=False):
        widths = [parts.get((s, cat), 0) / 1e9 for s in stacks]
        if parts[("", cat)] * 1000 < total:
            continue
        ax.barh(stacks, widths, left=left, label=cat, color=color)
        left = [a + b for a, b in zip(left, widths, strict=True)]
        shown.append(cat)
    ax.invert_yaxis()
    ax.set_xlabel("parameters (billions)")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    _legend_below(fig, ax, columns=min(3, len(shown)))
    name = config.name or "the model"
    alt = (
        f"Horizontal stacked bars for {name}: parameters of "
        + ", ".join(stacks)
        + " split into "
        + ", ".join(shown)
        + "; the feed-forward weights are the longest part of the encoder and decoder bars."
    )
    return _svg(fig, alt)


def grown_d_model(alternatives: Sequence[Alternative]) -> str:
    """Three stacked panels: FLOPs per core, bytes sent per core and FLOPs per byte sent
    for one encoder block per token, each preset as released beside its grown-d_model twin.

    From `t5sym.views.counterfactual.grow_d_model`'s `Alternative` (both `Shard` results).
    """
    plt = _pyplot()
    panels: list[tuple[str, Callable[[Shard], Any]]] = [
        ("FLOPs per core", lambda s: s.blocks["encoder"].flops_per_core),
        ("bytes sent per core", lambda s: s.blocks["encoder"].bytes_sent_per_core),
        ("FLOPs per byte sent", lambda s: s.blocks["encoder"].ratio),
    ]
    names = [a.preset for a in alternatives]
    fig, axes = plt.subplots(len(panels), 1, figsize=(WIDTH, 2.2 * len(panels) + 0.4))
    x = range(len(names))
    for ax, (title, get) in zip(axes, panels, strict=True):
        for k, label in enumerate(("as released", "d_model grown")):
            shards = [a.original if k == 0 else a.grown for a in alternatives]
            ax.bar(
                [i + (k - 0.5) * 0.38 for i in x],
                [float(get(s)) for s in shards],
                width=0.38,
                label=label,
                color=COLORS[k],
            )
        ax.set_xticks(list(x))
        ax.set_xticklabels([f"{a.preset}, p = {a.cores}" for a in alternatives])
        ax.set_title(f"{title} (encoder block, per token)", loc="left")
        ax.yaxis.set_major_formatter(_tick_formatter())
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    _legend_below(fig, axes[-1])
    alt = (
        "Three bar charts, one per quantity, for "
        + ", ".join(names)
        + " as released and with d_model grown to the same size: FLOPs per core are "
        "equal in each pair, the grown models send more bytes per core and so do fewer "
        "FLOPs per byte sent."
    )
    return _svg(fig, alt)


def rule_of_thumb(config: Config, lengths: Sequence[int], quarter: bool = True) -> str:
    """Forward FLOPs over the two 2N-per-token rules (`t5sym.views.flops.rule_of_thumb`) as the
    input length S grows, for T = S/4 (solid) and T = S (dashed); 1 is a perfect rule."""
    plt = _pyplot()
    from t5sym.model.algebra import evaluate
    from t5sym.model.symbols import decoder_length, encoder_length

    rule = flops.rule_of_thumb(config)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    ratios = (("whole model", rule.naive_ratio), ("per stack", rule.ratio))
    for color, (kind, ratio) in zip(COLORS, ratios, strict=False):
        for target, style in ((4, "-"), (1, "--")):
            ys = [
                float(evaluate(ratio, {encoder_length: s, decoder_length: max(1, s // target)}))
                for s in lengths
            ]
            label = f"{kind}, T = S/4" if target == 4 else f"{kind}, T = S"
            ax.plot(lengths, ys, color=color, ls=style, marker="o", ms=4, label=label)
    ax.axhline(1, color="gray", lw=0.8)
    _log_axis(ax, "x", base=2)
    ax.set_xlabel("S, input tokens")
    ax.set_ylabel("FLOPs / rule")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    _legend_below(fig, ax)
    alt = (
        f"Line chart for {config.name or 'the model'}: forward FLOPs divided by 2N per "
        "token (whole model) stays below 1 and falls, divided by the per-stack rule "
        "stays above 1 and rises as the input length S grows from "
        f"{lengths[0]} to {lengths[-1]} tokens."
    )
    return _svg(fig, alt)


def feed_forward_share(names: Sequence[str] | None = None) -> str:
    """Scatter: each preset's size (log scale) against its feed-forward share, one marker
    per family; T5 v1.0 and UL2 labelled. From `t5sym.views.family.shares`."""
    plt = _pyplot()
    names = list(names or presets.PRESETS)
    families = sorted({presets.PRESETS[n].family for n in names})
    fig, ax = plt.subplots(figsize=(WIDTH, 4.0))
    styles = itertools.cycle(zip(COLORS, MARKERS, strict=True))  # every family drawn
    for (color, marker), fam in zip(styles, families, strict=False):
        members = [n for n in names if presets.PRESETS[n].family == fam]
        configs = [presets.PRESETS[n].config for n in members]
        xs = [params.count(c).total for c in configs]
        ys = [100 * float(family.shares(c)["feed-forward"]) for c in configs]
        ax.scatter(xs, ys, marker=marker, color=color, label=fam, alpha=0.85)
        if fam in ("T5 v1.0", "UL2"):
            for n, x, y in zip(members, xs, ys, strict=True):
                ax.annotate(n, (x, y), textcoords="offset points", xytext=(6, -12))
    _log_axis(ax, "x")
    ax.set_xlabel("parameters (log scale)")
    ax.set_ylabel("feed-forward share (%)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    _legend_below(fig, ax, columns=3)
    alt = (
        "Scatter plot of every preset's parameter count (log scale) against the share of "
        "its parameters in the feed-forward layers, one marker per family ("
        + ", ".join(families)
        + "): the share rises with size within each family."
    )
    return _svg(fig, alt)


def widths(proportions: Sequence[gpt.Proportions], families: Mapping[str, str]) -> str:
    """Two stacked panels over parameters (log scale): d_model, then d_ff ÷ d_model (and
    T5 v1.0's heads·d_kv ÷ d_model, dashed), for the families in ``families`` (name to
    legend label). From `t5sym.views.gpt.proportions`."""
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(WIDTH, 6.0), sharex=True)
    for color, marker, (fam, label) in zip(COLORS, MARKERS, families.items(), strict=False):
        members = [s for s in proportions if s.family == fam]
        xs = [s.parameters for s in members]
        top.plot(xs, [s.d_model for s in members], marker=marker, color=color, label=label)
        bottom.plot(xs, [float(s.d_ff_ratio) for s in members], marker=marker, color=color)
        if fam == "T5 v1.0":
            inner = [float(s.inner_ratio) for s in members]
            bottom.plot(xs, inner, marker=marker, color=color, linestyle="--")
    for ax in (top, bottom):
        _log_axis(ax, "x")
        _log_axis(ax, "y", base=2)
        ax.grid(alpha=0.3)
    top.set_title("d_model, the residual stream's width", loc="left")
    bottom.set_title("d_ff ÷ d_model; dashed: heads·d_kv ÷ d_model", loc="left")
    bottom.set_xlabel("parameters (log scale)")
    fig.tight_layout()
    _legend_below(fig, top, columns=3)
    t5 = [s for s in proportions if s.family == "T5 v1.0"]
    alt = (
        "Two line charts over parameter count: GPT-3 widens d_model with size and keeps "
        "d_ff ÷ d_model fixed; T5 v1.0 keeps d_model at "
        f"{t5[-1].d_model if t5 else 'one width'} for its largest models and raises "
        "d_ff ÷ d_model and the attention's width instead."
    )
    return _svg(fig, alt)


def serving_memory_svg(
    config: Config, lengths: Sequence[int], dtype: str = "bf16", batch: int = 1
) -> str:
    """Where serving memory goes as the input length S grows (T = S/4): stacked GB.

    Weights, self- and cross-attention caches and the activation-peak bound, each from
    `t5sym.views.inference.inference`.
    """
    from t5sym.views.inference import inference

    plt = _pyplot()
    results = [inference(config, batch, s, max(1, s // 4), dtype) for s in lengths]
    parts = {
        "weights": [r.weights_bytes for r in results],
        "cross-attention cache": [r.cross_attention_cache_bytes for r in results],
        "self-attention cache": [r.self_attention_cache_bytes for r in results],
        "activation peak (bound)": [r.activation_peak_bytes for r in results],
    }
    fig, ax = plt.subplots(figsize=(WIDTH, 3.2))
    ax.stackplot(
        lengths,
        *([v / 1e9 for v in vals] for vals in parts.values()),
        labels=list(parts),
        colors=COLORS[: len(parts)],
    )
    _log_axis(ax, "x", base=2)
    ax.set_xlabel("encoder length S (decoder length T = S/4)")
    ax.set_ylabel("GB")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    _legend_below(fig, ax, columns=2)
    name = config.name or "the model"
    alt = (
        f"Stacked areas for {name} in {dtype}, batch {batch}: weights, cross-attention "
        f"cache, self-attention cache and activation peak in GB as S grows from "
        f"{lengths[0]:,} to {lengths[-1]:,}; the weights stay flat while the caches grow."
    )
    return _svg(fig, alt)


def longt5_attention_svg(config: Config, lengths: Sequence[int]) -> str:
    """One encoder layer's attention FLOPs (B = 1) against S: full, local, transient-global.

    Exact values from `t5sym.views.longt5.table` (padding and ⌊S/g⌋ included), log-log axes.
    """
    from t5sym.views.longt5 import ATTENTIONS, table

    plt = _pyplot()
    rows = table(config, list(lengths))
    fig, ax = plt.subplots(figsize=(WIDTH, 3.2))
    for color, marker, attention in zip(COLORS, MARKERS, ATTENTIONS, strict=False):
        gflops = [r.flops[attention] / 1e9 for r in rows]
        ax.plot(lengths, gflops, label=attention, color=color, marker=marker, linewidth=2)
    _log_axis(ax, "x", base=2)
    _log_axis(ax, "y")
    ax.set_xlabel("encoder length S (tokens)")
    ax.set_ylabel("GFLOPs per layer (B = 1)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    _legend_below(fig, ax, columns=3)
    name = config.name or "LongT5"
    alt = (
        f"Log-log lines for {name}: one encoder layer's attention FLOPs against S from "
        f"{lengths[0]:,} to {lengths[-1]:,}; full attention grows as S squared, local and "
        f"transient-global attention grow linearly."
    )
    return _svg(fig, alt)


def fine_tuning_svg(
    config: Config, totals: Mapping[str, Sequence[int]], lengths: Sequence[int], budget: int
) -> str:
    """Fine-tuning memory against the input length S: one line per setup (``totals``: its
    total bytes at each of ``lengths``, from `t5sym.views.activations.memory_at`), log-log,
    with the GPU's ``budget`` as a dashed line."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(WIDTH, 3.4))
    for (label, values), color, marker in zip(totals.items(), COLORS, MARKERS, strict=False):
        ax.plot(lengths, [v / 1e9 for v in values], marker=marker, color=color, label=label)
    ax.axhline(budget / 1e9, color="#7f7f7f", linestyle="--", linewidth=1)
    ax.annotate(f"{budget / 1e9:g} GB", (lengths[0], budget / 1e9), textcoords="offset points",
                xytext=(0, 4), fontsize=FONT_SIZE, color="#555555")  # fmt: skip
    _log_axis(ax, "x", base=2)
    _log_axis(ax, "y")
    ax.set_xlabel("input length S (target length T = S/4)")
    ax.set_ylabel("GB")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    _legend_below(fig, ax, columns=2)
    name = config.name or "the model"
    alt = (
        f"Lines for {name}: the fine-tuning memory in GB of {', '.join(totals)} as the input "
        f"length grows from {lengths[0]:,} to {lengths[-1]:,} tokens, against "
        f"{budget / 1e9:g} GB; without checkpointing the saved activations grow with the "
        "length and cross the budget first."
    )
    return _svg(fig, alt)
