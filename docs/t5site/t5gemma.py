"""T5Gemma beside T5: the tables of ``docs/explanation/t5gemma.md``.

Each cell is a count of `t5sym.model.gemma`'s tree, selected by role, or a published size
(`t5sym.model.presets.GEMMA_CLAIMS`) beside the exact count.

Examples
--------
>>> from t5site.t5gemma import published_table
>>> print(published_table().splitlines()[2])
| `t5gemma-2b-2b` | 5,596,853,760 | 5,596,853,760 | +0 |
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import t5sym
from t5site import tables
from t5sym.model import gemma, presets
from t5sym.model.roles import Role
from t5sym.views import flops, inference
from t5sym.views.readable import decimals, percent


def ungrouped(config: gemma.GemmaConfig) -> gemma.GemmaConfig:
    """``config`` with as many key and value heads as query heads in both stacks."""
    return replace(
        config,
        encoder=replace(config.encoder, num_key_value_heads=config.encoder.num_attention_heads),
        decoder=replace(config.decoder, num_key_value_heads=config.decoder.num_attention_heads),
    )


def costs_row(name: str) -> list[int]:
    """parameters | encoder only | what k and v would add without grouping | the post-sublayer
    norms | the decoder's own embedding, for one preset."""
    config = t5sym.load(name)
    counts, encoder = gemma.evaluate(config)
    post = sum(counts[n.name] for n in gemma.tree(config) if n.is_leaf and n.role is Role.POST_NORM)
    extra = gemma.evaluate(ungrouped(config))[0][""] - counts[""]
    return [counts[""], encoder[""], extra, post, counts["model.decoder.embed_tokens"]]


def costs_table() -> str:
    """`costs_row` of every T5Gemma preset."""
    rows = [[f"`{n}`", *(f"{v:,}" for v in costs_row(n))] for n in presets.GEMMA_PRESETS]
    header = ["preset", "parameters", "encoder only", "k, v if not grouped", "post-norms",
              "decoder embedding"]  # fmt: skip
    return tables.markdown_table(rows, header, {1, 2, 3, 4, 5})


def published_table() -> str:
    """preset | published size | t5sym's exact count | the difference, for every published
    T5Gemma size."""
    rows = []
    for claim in presets.GEMMA_CLAIMS:
        ours = gemma.evaluate(t5sym.load(claim.preset))[0][""]
        rows.append([f"`{claim.preset}`", claim.label, f"{ours:,}", f"{ours - claim.value:+,}"])
    return tables.markdown_table(rows, ["preset", "published", "t5sym", "difference"], {2, 3})


def flops_table(lengths: tuple[int, ...] = (512, 16384), t: int = 128) -> str:
    """preset | S | forward FLOPs (FlopCounterMode's: every masked product computed) |
    attended (the pairs the masks let through) | their ratio, at batch 1."""
    rows = []
    for name in presets.GEMMA_PRESETS:
        for s in lengths:
            f = flops.count_flops(t5sym.load(name), 1, s, t)
            kept = percent(Fraction(f.attended, f.forward), 1)
            rows.append([f"`{name}`", f"{s:,}", f"{f.forward:,}", f"{f.attended:,}", kept])
    header = ["preset", f"S (T = {t})", "forward", "attended", "attended/forward"]
    return tables.markdown_table(rows, header, {1, 2, 3, 4})


def caches_table(
    lengths: tuple[int, ...] = (128, 16384), s: int = 512, names: tuple[str, ...] = ()
) -> str:
    """preset | T | the self-attention, cross-attention and total cache bytes in bf16 after
    a forward of ``s`` encoder and T decoder tokens (`t5sym.views.inference.gemma_cache`),
    for ``names`` (the T5Gemma presets without)."""
    rows = []
    for name in names or presets.GEMMA_PRESETS:
        for t in lengths:
            r = inference.gemma_cache(t5sym.load(name), 1, s, t, "bf16")
            cells = (r.self_attention_cache_bytes, r.cross_attention_cache_bytes, r.kv_cache_bytes)
            rows.append([f"`{name}`", f"{t:,}", *(f"{n:,}" for n in cells)])
    header = [f"preset (bf16, S = {s})", "T", "self-attention", "cross-attention", "total bytes"]
    return tables.markdown_table(rows, header, {1, 2, 3, 4})


def generate_table(
    lengths: tuple[int, ...] = (128, 16384), s: int = 512, names: tuple[str, ...] = ()
) -> str:
    """preset | T | FLOPs of ``generate()`` of T tokens with the cache
    (`t5sym.views.inference.gemma_cache`), and it and the uncached run as multiples of a
    teacher-forced forward of T tokens (`t5sym.count_flops`); batch 1, ``s`` encoder tokens."""
    rows = []
    for name in names or presets.GEMMA_PRESETS:
        config = t5sym.load(name)
        for t in lengths:
            r = inference.gemma_cache(config, 1, s, t, "bf16")
            forward = t5sym.count_flops(config, 1, s, t).forward
            cached, uncached = r.generation_flops, r.uncached_generation_flops
            ratios = (f"{decimals(Fraction(n, forward), 3)}×" for n in (cached, uncached))
            rows.append([f"`{name}`", f"{t:,}", f"{cached:,}", *ratios])
    header = [f"preset (S = {s})", "T", "generate(), cached", "÷ forward", "no cache ÷ forward"]
    return tables.markdown_table(rows, header, {1, 2, 3, 4})


def gemma2_row(name: str) -> list[int]:
    """parameters | vision tower | projector | token embedding (with its end-of-image row) |
    the text stacks' layers and norms, for one T5Gemma 2 preset, selected by role."""
    config = t5sym.load(name)
    counts = gemma.evaluate(config)[0]
    leaves = [n for n in gemma.tree(config) if n.is_leaf]
    vision = sum(counts[n.name] for n in leaves if n.within(Role.VISION_TOWER))
    projector = sum(counts[n.name] for n in leaves if n.within(Role.PROJECTOR))
    embedding = sum(counts[n.name] for n in leaves
                    if n.role is Role.EMBEDDING and not n.within(Role.VISION_TOWER))  # fmt: skip
    text = counts[""] - vision - projector - embedding
    return [counts[""], vision, projector, embedding, text]


def gemma2_table() -> str:
    """`gemma2_row` of every T5Gemma 2 preset."""
    rows = [[f"`{n}`", *(f"{v:,}" for v in gemma2_row(n))] for n in presets.GEMMA2_PRESETS]
    header = ["preset", "parameters", "vision tower", "projector", "token embedding",
              "text layers and norms"]  # fmt: skip
    return tables.markdown_table(rows, header, {1, 2, 3, 4, 5})


def keras_hub_gemma2_table() -> str:
    """preset | KerasHub's count | t5sym's | their difference | one more embedding table
    (vocab_size × hidden_size) | what remains, for every T5Gemma 2 preset."""
    rows = []
    for claim in presets.KERAS_HUB_GEMMA2_CLAIMS:
        config = t5sym.load(claim.preset)
        ours = gemma.evaluate(config)[0][""]
        table = config.decoder.vocab_size * config.decoder.hidden_size
        diff = claim.value - ours
        rows.append([f"`{claim.preset}`", claim.label, f"{ours:,}", f"{diff:+,}", f"{table:,}",
                     f"{diff - table:+,}"])  # fmt: skip
    header = ["preset", "KerasHub", "t5sym", "difference", "vocab × hidden", "remainder"]
    return tables.markdown_table(rows, header, {1, 2, 3, 4, 5})


def gemma2_caches_table(t: int = 16384, s: int = 512) -> str:
    """`caches_table` of the T5Gemma 2 presets: the merged attention's cache."""
    return caches_table((t,), s, names=tuple(presets.GEMMA2_PRESETS))
