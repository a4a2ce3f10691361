"""Charts for the site, as SVG text; matplotlib is imported only when a chart is drawn."""

from __future__ import annotations

import io
from collections.abc import Sequence

from .config import Config


def serving_memory_svg(
    config: Config, lengths: Sequence[int], dtype: str = "bf16", batch: int = 1
) -> str:
    """Where serving memory goes as the input length S grows (T = S/4): stacked GB.

    Weights, self- and cross-attention caches and the activation-peak bound, each from
    `t5sym.inference.inference`; fonts of 11 px or more, the legend outside the data.
    """
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    from .inference import inference

    results = [inference(config, batch, s, max(1, s // 4), dtype) for s in lengths]
    parts = {
        "weights": [r.weights_bytes for r in results],
        "cross-attention cache": [r.cross_attention_cache_bytes for r in results],
        "self-attention cache": [r.self_attention_cache_bytes for r in results],
        "activation peak (bound)": [r.activation_peak_bytes for r in results],
    }
    plt.rcParams.update({"font.size": 12, "svg.fonttype": "none"})
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.stackplot(lengths, *([v / 1e9 for v in vals] for vals in parts.values()),
                 labels=list(parts))  # fmt: skip
    ax.set_xscale("log", base=2)
    ticks = list(lengths)[:: -(-len(lengths) // 5)]  # a few labels, none overlapping
    ax.set_xticks(ticks, [f"{s:,}" for s in ticks])  # no 2^k superscripts
    ax.minorticks_off()
    ax.set_xlabel("encoder length S (decoder length T = S/4)")
    ax.set_ylabel("GB")
    ax.set_title(f"{config.name}, {dtype}, batch {batch}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg")
    plt.close(fig)
    svg = out.getvalue()
    return svg[svg.index("<svg") :]


def longt5_attention_svg(config: Config, lengths: Sequence[int]) -> str:
    """One encoder layer's attention FLOPs (B = 1) against S: full, local, transient-global.

    Exact values from `t5sym.longt5.table` (padding and ⌊S/g⌋ included), log-log axes;
    fonts of 11 px or more, the legend outside the data.
    """
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from .longt5 import ATTENTIONS, table

    rows = table(config, list(lengths))
    plt.rcParams.update({"font.size": 12, "svg.fonttype": "none"})
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for attention in ATTENTIONS:
        gflops = [r.flops[attention] / 1e9 for r in rows]
        ax.plot(lengths, gflops, label=attention, linewidth=2)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # no superscripts
    ticks = list(lengths)[:: -(-len(lengths) // 5)]  # a few labels, none overlapping
    ax.set_xticks(ticks, [f"{s:,}" for s in ticks])
    ax.minorticks_off()
    ax.set_xlabel("encoder length S (tokens)")
    ax.set_ylabel("GFLOPs per layer (B = 1)")
    ax.set_title(f"{config.name or 'LongT5'}: attention scores and context")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg")
    plt.close(fig)
    svg = out.getvalue()
    return svg[svg.index("<svg") :]
