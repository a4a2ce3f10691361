"""The family side by side: the tables of ``docs/reference/family.md`` and the home page.

Where each preset comes from, the feed-forward share across T5 v1.0, and the published
sizes reconciled (`t5sym.views.family.reconcile`), split by the reason each one reads as it
does. Citations are written as the site's links ``[](src:KEY)``.

Examples
--------
>>> from t5site.lineup import reconciled_table
>>> print(reconciled_table(["t5-3b"]).splitlines()[0])
| published | preset | exact | published − exact | computed reason (source) |
"""

from __future__ import annotations

from collections.abc import Sequence

import t5sym
from t5site import tables
from t5sym import sources
from t5sym.cli.report import approx, number
from t5sym.model import gemma
from t5sym.model.presets import GEMMA2_PRESETS, GEMMA_PRESETS
from t5sym.views import family
from t5sym.views.readable import percent


def _cited(r: family.Reconciliation) -> str:
    return f"**{r.claim.label}** ({sources.linked(r.claim.source)})"


def reconciled_table(presets: Sequence[str] | None = None) -> str:
    """`tables.reconciliation_table` of the published sizes of ``presets`` (all: None)."""
    found = [r for r in family.reconcile_all() if presets is None or r.claim.preset in presets]
    return sources.linked(tables.reconciliation_table(found))


def claims_table(presets: Sequence[str]) -> str:
    """published (its sources) | preset | exact | how the published size reads the exact
    count: a compact `reconciled_table` for a narrow screen."""
    rows = [
        [
            f"{r.claim.label} ({sources.linked(r.claim.source)})",
            f"`{r.claim.preset}`",
            f"{r.exact:,}",
            f"{r.method} to {approx(r.resolution)}",
        ]  # fmt: skip
        for r in family.reconcile_all()
        if r.claim.preset in presets
    ]
    return tables.markdown_table(rows, ["published", "preset", "exact", "reads"], {2})


def sources_list() -> str:
    """One item per preset: its Hub id (linked) and where its dimensions are read."""
    return "\n".join(
        f"- `{name}` ([{p.hub_id}](https://huggingface.co/{p.hub_id})): {sources.linked(p.source)}"
        for name, p in t5sym.PRESETS.items()
    )


def v10_table(family_name: str = "T5 v1.0") -> str:
    """preset | feed-forward share | d_ff / (heads·d_kv) | feed-forward : (feed-forward +
    attention) | embedding share, for the presets of one family, smallest first."""
    rows = []
    for name, p in t5sym.PRESETS.items():
        if p.family != family_name:
            continue
        c, parts, s = p.config, family.by_category(p.config), family.shares(p.config)
        ffn = parts["feed-forward"]
        block = ffn / (ffn + parts["attention"])
        rows.append([f"`{name}`", percent(s["feed-forward"], 1), f"{c.d_ff / c.inner_dim:g}",
                     percent(block, 1), percent(s["embedding"], 1)])  # fmt: skip
    header = ["preset", "feed-forward share", "d_ff / (heads·d_kv)",
              "feed-forward : (feed-forward + attention)", "embedding share"]  # fmt: skip
    return tables.markdown_table(rows, header, {1, 2, 3, 4})


def top_shares_table(n: int = 3) -> str:
    """The ``n`` presets with the highest feed-forward share, highest first."""
    ffn = {name: family.shares(p.config)["feed-forward"] for name, p in t5sym.PRESETS.items()}
    top = sorted(ffn, key=ffn.get, reverse=True)[:n]
    rows = [[f"`{name}`", percent(ffn[name], 1)] for name in top]
    return tables.markdown_table(rows, ["preset", "feed-forward share"], {1})


def tied_twice_table() -> str:
    """The sizes that count a tied embedding twice: the extra, V × d_model, and the unique
    count rounded to the claim's precision where the claim is not the exact sum."""
    rows = []
    for r in family.reconcile_all():
        if r.reading != "tied twice":
            continue
        c = t5sym.load(r.claim.preset)
        rounded = "—" if r.method == "equal" else approx(r.exact_rounded)
        rows.append([_cited(r), f"`{r.claim.preset}`", f"{r.extra:,}",
                     f"{c.vocab_size:,} × {c.d_model:,}", number(r.exact), rounded])  # fmt: skip
    header = ["published", "preset", "extra", "V × d_model", "unique count",
              "unique, at the claim's precision"]  # fmt: skip
    return tables.markdown_table(rows, header, {2, 4, 5})


def cut_table() -> str:
    """The sizes that cut the count's digits instead of rounding them."""
    rows = [
        [_cited(r), f"`{r.claim.preset}`", number(r.exact), approx(r.exact_rounded)]
        for r in family.reconcile_all()
        if r.method == "cut"
    ]
    return tables.markdown_table(rows, ["published", "preset", "exact", "rounded"], {2, 3})


def rounded_table() -> str:
    """How many sizes are the unique count rounded, and the one furthest from it."""
    rounded = [r for r in family.reconcile_all() if r.reading == "unique" and r.method == "rounded"]
    worst = max(rounded, key=lambda r: abs(r.relative))
    sign = "+" if worst.relative >= 0 else ""
    row = [str(len(rounded)), f"{sign}{percent(worst.relative, 1)}", _cited(worst),
           f"`{worst.claim.preset}`", str(worst.digits)]  # fmt: skip
    header = ["sizes rounded", "largest relative gap", "published", "preset", "digits shown"]
    return tables.markdown_table([row], header, {0, 1, 4})


def gemma_table() -> str:
    """The T5Gemma and T5Gemma 2 presets: each stack's layers, widths, heads (query/key-value
    × head_dim; the encoder's line first when the stacks differ), vocabulary, and the exact
    total of their ForConditionalGeneration."""
    rows = []
    for name, p in {**GEMMA_PRESETS, **GEMMA2_PRESETS}.items():
        c = p.config
        stacks = [c.encoder, c.decoder] if c.encoder != c.decoder else [c.encoder]
        dims = "<br>".join(
            f"{s.num_hidden_layers} × {s.hidden_size}, {s.intermediate_size}, "
            f"{s.num_attention_heads}/{s.num_key_value_heads}×{s.head_dim}"
            for s in stacks
        )
        rows.append([f"`{name}`", p.family, dims, f"{c.encoder.vocab_size:,}",
                     f"{gemma.evaluate(c)[0]['']:,}"])  # fmt: skip
    header = ["preset", "family", "layers × hidden, GeGLU width, heads/kv×head_dim",
              "vocab", "parameters"]  # fmt: skip
    return tables.markdown_table(rows, header, {3, 4})


def gemma_sources_list() -> str:
    """One item per T5Gemma and T5Gemma 2 preset: its Hub id and where its dimensions are
    read."""
    found = {**GEMMA_PRESETS, **GEMMA2_PRESETS}
    return "\n".join(
        f"- `{name}` ([{p.hub_id}](https://huggingface.co/{p.hub_id})): {sources.linked(p.source)}"
        for name, p in found.items()
    )
