"""Report tables built from results: plain text for the command line (80 columns).

Numbers are printed exact first, then readable (``2,851,598,336`` then ``2.85 B``); every
cell comes from a result or a tree the library computed. Text tables fit 80 columns.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from t5sym.model import gemma, params, presets
from t5sym.model.checks import shown_path
from t5sym.model.config import Config
from t5sym.model.nodes import Node, Tree
from t5sym.model.params import Count
from t5sym.views.readable import approx, decimals, gb, gib, number, percent

if TYPE_CHECKING:  # the views are imported by the functions that print them: `t5sym count`
    from t5sym.views.flops import FlopCount  # loads no FLOP, memory, format or sharding module
    from t5sym.views.formats import Weights
    from t5sym.views.memory import Memory
    from t5sym.views.sharding import Shard


def table(
    rows: Sequence[Sequence[str]],
    header: Sequence[str],
    right: set[int] | None = None,
    gap: int = 2,
) -> str:
    """A plain aligned text table (columns in ``right`` aligned right, ``gap`` spaces apart)."""
    right = right or set()
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        cells = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs)
        return (" " * gap).join(cells).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def share(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole`` to two decimals, exactly (no float: parts of
    any size); a whole of 0 counts as 1."""
    return percent(Fraction(part, whole or 1))


# --- Text reports of the command line (80 columns) ----------------------------------------


def describe(config: Config) -> str:
    """Two lines: the config's name and where it came from, then its dims."""
    if isinstance(config, gemma.GemmaConfig):  # hook: T5Gemma describes its two stacks
        return gemma.describe(config)
    c = config
    head = "tied" if c.lm_head_tied else "untied"
    extra = ""
    if c.model_type == "longt5":
        extra = f"\n  encoder_attention_type={c.encoder_attention_type}"
    if c.model_type == "switch_transformers":
        extra = (
            f"\n  num_experts={c.num_experts} sparse blocks={c.sparse_blocks('encoder')}/"
            f"{c.sparse_blocks('decoder')}"
        )
    return (
        f"{shown_path(c.name) if c.name else 'config'} ({c.model_type}): d_model={c.d_model} "
        f"d_ff={c.d_ff} "
        f"num_heads={c.num_heads} d_kv={c.d_kv}\n  num_heads*d_kv={c.inner_dim} "
        f"layers={c.num_layers}/{c.num_decoder_layers} vocab_size={c.vocab_size} "
        f"buckets={c.relative_attention_num_buckets}\n  ffn={c.feed_forward_proj} "
        f"lm_head={head}{extra}"
    )


def tree_rows(
    tree: Tree, numbers: Mapping[str, int], keep: Callable[[int, Node], bool] | None = None
) -> list[list[str]]:
    """Rows "module | number | share" as an indented tree of short names (80 columns).

    Each name is shown relative to the row above it in the tree (``q`` under
    ``...SelfAttention``); ``keep(depth, node)`` filters rows. The full names are the keys
    of ``--json --breakdown``.
    """
    total = numbers[""]
    rows = []

    def walk(node: Node, depth: int, shown_depth: int, parent: str) -> None:
        for child in node.children:
            kept = keep is None or keep(depth, child)
            if kept:
                prefix = f"{parent}." if parent else ""
                name = child.name[len(prefix) :]
                if not child.name.startswith(prefix):  # block 0's bias under block.*
                    name = f"{child.short} (in {_block_of(child.name)} only)"
                value = numbers[child.name]
                rows.append(["  " * shown_depth + name, f"{value:,}", share(value, total)])
            walk(
                child,
                depth + 1,
                shown_depth + 1 if kept else shown_depth,
                child.name if kept else parent,
            )

    walk(tree.root, 0, 0, "")
    return rows


def _block_of(name: str) -> str:
    """``block.0`` for a name inside one block (``encoder.block.0.layer.0...``)."""
    parts = name.split(".")
    return ".".join(parts[1:3]) if len(parts) > 2 and parts[1] == "block" else parts[0]


#: Presets whose published size counts GEGLU experts (T5X's gin: ``wi_0`` and ``wi_1`` per
#: expert) where transformers' SwitchTransformers builds one ``wi`` (`family.readings`).
GATED_EXPERTS = ("switch-xxl-128",)


def switch_note(name: str | None, *, short: bool = False) -> str | None:
    """One line beside a Switch preset whose published size counts GEGLU experts: the
    count with them (T5X's), beside the one transformers builds (one ``wi``)."""
    if name not in GATED_EXPERTS:
        return None
    from t5sym.views import family

    claim = next(c for c in presets.CLAIMS if c.preset == name)
    gated = family.readings(presets.load(name))["gated experts"]
    if short:
        return f"{name}: {claim.label} (paper) = GEGLU experts, as T5X: {gated:,}"
    return f"note: the paper's {claim.label} counts GEGLU experts (wi_0, wi_1; T5X): {gated:,}"


def count_text(result: Count, *, breakdown: bool = False) -> str:
    """`t5sym count`: the class counted, its encoder alone, Switch's active parameters."""
    config = result.config
    rows = [[result.model, f"{result.total:,}", approx(result.total)]]
    if result.active_total is not None:
        rows.append(
            ["  active per token (top-1)", f"{result.active_total:,}", approx(result.active_total)]
        )
    encoder_head = getattr(config, "ENCODER_HEAD", "EncoderModel")  # hook: T5Gemma 2's Encoder
    encoder = config.model[: -len(config.head)] + encoder_head
    if encoder != result.model:
        rows.append([f"{encoder} (encoder only)", f"{result.encoder_only_total:,}",
                     approx(result.encoder_only_total)])  # fmt: skip
    counted = "preset" if config.source == "preset" else config.source
    counted = shown_path(counted) if counted else "given config"
    lines = [
        describe(config),
        f"counted: {counted}",
        "",
        table(rows, ["model", "parameters", "≈"], {1, 2}),
    ]
    note = switch_note(config.name) if config.source == "preset" else None
    if note:
        lines.append(note)
    if breakdown:
        rows = tree_rows(params.tree(config), result.breakdown)
        lines += ["", table(rows, ["module", "parameters", "share"], {1, 2})]
    return "\n".join(lines)


def presets_rows() -> list[list[str]]:
    """One row per preset: dims and the exact total."""
    rows = []
    for name, p in presets.PRESETS.items():
        c = p.config
        rows.append(
            [
                name,
                str(c.d_model),
                str(c.d_ff),
                f"{c.num_heads}×{c.d_kv}",
                f"{c.num_layers}/{c.num_decoder_layers}",
                str(c.vocab_size),
                f"{params.count(c).total:,}",
            ]
        )
    return rows


#: T5Gemma's and T5Gemma 2's presets, after T5's in `t5sym list`.
GEMMA_FAMILY = {**presets.GEMMA_PRESETS, **presets.GEMMA2_PRESETS}


def gemma_presets_rows() -> list[list[str]]:
    """One row per T5Gemma (2) preset: each stack's dims (encoder/decoder where they differ)
    and the exact total."""

    def both(field: str) -> str:
        enc, dec = (getattr(getattr(c, s), field) for s in ("encoder", "decoder"))
        return str(enc) if enc == dec else f"{enc}/{dec}"

    def heads(s) -> str:  # noqa: ANN001
        return f"{s.num_attention_heads}/{s.num_key_value_heads}×{s.head_dim}"

    rows = []
    for name, p in GEMMA_FAMILY.items():
        c = p.config
        enc, dec = heads(c.encoder), heads(c.decoder)
        rows.append(
            [name, both("hidden_size"), both("intermediate_size"),
             enc if enc == dec else f"{enc}; {dec}",
             f"{c.encoder.num_hidden_layers}/{c.decoder.num_hidden_layers}",
             f"{params.count(c).total:,}"]
        )  # fmt: skip
    return rows


def gemma_presets_notes() -> list[str]:
    """What every preset of a family shares: its vocabulary, the vision tower's depth."""
    out = []
    for family in dict.fromkeys(p.family for p in GEMMA_FAMILY.values()):
        configs = [p.config for p in GEMMA_FAMILY.values() if p.family == family]
        vocab = {v for c in configs for v in (c.encoder.vocab_size, c.decoder.vocab_size)}
        towers = {c.vision.num_hidden_layers for c in configs if getattr(c, "vision", None)}
        line = f"{family}: vocab_size {', '.join(f'{v:,}' for v in sorted(vocab))}"
        if towers:
            layers = ", ".join(map(str, sorted(towers)))
            line += f"; a SigLIP vision tower of {layers} layers"
        out.append(line)
    return out


def presets_text() -> str:
    """`t5sym list`: every preset's dims and exact total, T5's then T5Gemma's."""
    header = ["preset", "d_model", "d_ff", "heads×d_kv", "layers", "vocab", "parameters"]
    notes = [switch_note(n, short=True) for n in GATED_EXPERTS]
    gemma_header = ["preset", "hidden", "GeGLU", "heads/kv×head_dim", "layers", "parameters"]
    return "\n".join(
        [
            table(presets_rows(), header, {1, 2, 3, 4, 5, 6}, gap=1),
            *notes,
            "",
            table(gemma_presets_rows(), gemma_header, {1, 2, 3, 4, 5}, gap=1),
            *gemma_presets_notes(),
        ]
    )


def presets_dict() -> dict[str, dict]:
    """`t5sym list --json`: each preset's config fields, Hub id, source and total."""
    return {
        name: {
            **p.config.to_dict(),
            "hub_id": p.hub_id,
            "source": p.source,
            "total": params.count(p.config).total,
        }
        for name, p in {**presets.PRESETS, **GEMMA_FAMILY}.items()
    }


def _flops_keep(depth: int, node: Node) -> bool:
    """The stacks, their attention and FFN modules, and lm_head."""
    return depth == 0 or (bool(node.children) and all(c.is_leaf for c in node.children))


def flops_text(result: FlopCount, *, breakdown: bool = False) -> str:
    """`t5sym flops`: forward and training FLOPs, the rules of thumb, the parts."""
    r = result
    lengths = f"S={r.encoder_length}" + ("" if r.encoder_only else f", T={r.decoder_length}")
    stacks = "2·B·N_enc·S" if r.encoder_only else "2·B·(N_enc·S + N_dec·T)"
    naive = decimals(r.naive_ratio)
    summary = [
        ["forward", f"{r.forward:,}", approx(r.forward), ""],
        ["training (forward + backward)", f"{r.training:,}", approx(r.training), ""],
        ["2·N per token", f"{r.naive:,}", approx(r.naive), naive],
        ["6·N per token (training)", f"{r.naive_training:,}", approx(r.naive_training), naive],
        [stacks, f"{r.per_side:,}", approx(r.per_side), decimals(r.ratio)],
    ]
    excess = [[k, f"{n:,}", share(n, r.forward)] for k, n in r.excess.items()]
    from t5sym.views import flops

    # the tree counted: the config's class, or its EncoderModel when that was asked for
    encoder_only = r.model != r.config.model
    tree = flops.forward_tree(r.config, encoder_only=encoder_only)
    parts = tree_rows(tree, r.breakdown, None if breakdown else _flops_keep)
    idle = flops.idle_on_text(r.config, encoder_only)
    return "\n".join(
        [
            describe(r.config),
            f"{r.model}, B={r.batch}, {lengths}",
            f"{r.tokens:,} tokens; N={r.parameters:,} parameters",
            "FLOPs of matrix products, 2 per multiply-add (as torch's FlopCounterMode)",
            *([f"text in, no image: {', '.join(idle)} compute nothing"] if idle else []),
            "",
            table(summary, ["", "FLOPs", "≈", "ours/rule"], {1, 2, 3}),
            "",
            table(excess, [f"forward − {stacks}", "FLOPs", "share"], {1, 2}),
            "",
            table(parts, ["module", "forward FLOPs", "share"], {1, 2}),
        ]
    )


def memory_text(result: Memory) -> str:
    """`t5sym memory`: bytes of weights, gradients and optimizer state (GiB and GB).

    A result with saved activations (`t5sym.views.activations.FineTuning`): `fine_tuning_text`.
    """
    from t5sym.views import memory

    if not isinstance(result, memory.Memory):
        return fine_tuning_text(result)
    m = result
    rows = [
        [label, f"{n:,}", gib(n), gb(n)]
        for label, n in (
            ("weights", m.weights),
            ("gradients", m.gradients),
            ("optimizer state", m.optimizer_state),
            ("total", m.total),
        )
    ]
    where = "whole model" if m.cores is None else f"one core of {m.cores} (Mesh TF layout)"
    return "\n".join(
        [
            describe(m.config),
            f"{where}; dtype={m.dtype} optimizer={m.optimizer}",
            *textwrap.wrap(memory.ALL_OPTIMIZERS[m.optimizer].doc, 78),
            *_lora_lines(m),
            f"state: {m.state_tensors:,} tensors, {m.state_scalars:,} Python ints",
            *_cast_note(m),
            *_router_note(m),
            "",
            table(rows, ["part", "bytes", "GiB", "GB"], {1, 2, 3}),
            "not counted: activations and temporaries",
        ]
    )


def _lora_lines(m: Memory, dropout: float | None = None) -> list[str]:
    """With LoRA (`t5sym.views.memory.LoraMemory`): trainable vs frozen parameters, and the
    adapters' ``lora_dropout`` where activations are counted."""
    if not hasattr(m, "lora_rank"):
        return []
    p = "" if dropout is None else f" lora_dropout={dropout:g}"
    return [
        f"LoRA r={m.lora_rank}{p} on {', '.join(m.lora_targets)} (peft): "
        f"trainable {m.trainable_parameters:,} (float32 adapters), frozen {m.frozen_parameters:,}",
        "gradients and optimizer state: the adapters only",
    ]


def _cast_note(m: Memory) -> list[str]:
    """fp16 here is the model cast; say where transformers' fp16 load differs."""
    from t5sym.views import formats

    if m.dtype != "fp16" or m.config.model_type not in formats.KEEPS_WO_IN_FP32:
        return []
    return [
        "fp16: every tensor cast (model.half()); from_pretrained in fp16 keeps every wo",
        "in float32: see 't5sym weights --format fp16-hf'",
    ]


def _router_note(m: Memory) -> list[str]:
    """Switch in a dtype of fewer bytes than float32: its routers are float32 once run."""
    from t5sym.views import memory

    if m.config.model_type != "switch_transformers" or m.dtype == "fp32":
        return []
    return [
        f"routers: {memory.ROUTER_BYTES} bytes per value once the model has run (transformers "
        "casts them to",
        "float32 in the forward), and so is what a step keeps for them; 't5sym weights'",
        "gives the file as loaded",
    ]


def shard_text(result: Shard) -> str:
    """`t5sym shard`: per-core dims, parameters and FLOPs, per-block communication."""
    s, dims = result, result.local_dims
    whole = [
        ["parameters", f"{s.parameters:,}", f"{s.parameters_per_core:,}"],
        ["  of which replicated", "", f"{s.replicated_per_core:,}"],
        ["matmul FLOPs per token", f"{s.flops_per_token:,}", f"{s.flops_per_token_per_core:,}"],
    ]
    stacks = list(s.blocks)
    quantities = [
        ("FLOPs per core", lambda b: f"{b.flops_per_core:,}"),
        ("all-reduces", lambda b: str(b.allreduces)),
        ("bytes all-reduced", lambda b: f"{b.allreduce_bytes:,}"),
        ("bytes sent per core (ring)", lambda b: decimals(b.bytes_sent_per_core, 1)),
        ("FLOPs per byte sent", lambda b: decimals(b.ratio, 1)),
    ]
    blocks = [[label, *(get(s.blocks[k]) for k in stacks)] for label, get in quantities]
    return "\n".join(
        [
            describe(s.config),
            f"on {s.cores} cores: num_heads, d_ff and vocab_size split, d_model whole",
            f"(Mesh TF layout); {s.bytes_per_value} bytes per value. Each core: num_heads "
            f"{dims['num_heads']},",
            f"num_heads*d_kv {dims['inner_dim']}, d_ff {dims['d_ff']}, "
            f"vocab_size {dims['vocab_size']}",
            "",
            table(whole, ["", "whole model", "per core"], {1, 2}),
            "",
            table(blocks, ["per token, one block", *stacks], {1, 2}),
            "",
            f"bytes all-reduced per token by the embedding lookups: "
            f"{s.embedding_allreduce_bytes:,}; by the loss: {s.loss_allreduce_bytes:,}",
            "per token: B = S = T = 1; a ring all-reduce sends 2(p-1)/p of the bytes per core",
        ]
    )


# --- serving and fine-tuning at a length ---------------------------------------------------


def _bytes_rows(pairs: Sequence[tuple[str, int]]) -> list[list[str]]:
    return [[label, f"{n:,}", gib(n), gb(n)] for label, n in pairs]


def _caches_head(r, last: list[tuple[str, int]]) -> list[str]:  # noqa: ANN001
    """The config, the workload, and weights and caches in bytes, GiB and GB (then ``last``)."""
    rows = _bytes_rows(
        [
            ("weights", r.weights_bytes),
            ("self-attention cache", r.self_attention_cache_bytes),
            ("cross-attention cache", r.cross_attention_cache_bytes),
            *last,
        ]
    )
    return [
        describe(r.config),
        f"batch={r.batch} S={r.encoder_length} T={r.decoder_length} dtype={r.dtype}",
        "",
        table(rows, ["part", "bytes", "GiB", "GB"], {1, 2, 3}),
        "",
    ]


def _generate_lines(r) -> list[str]:  # noqa: ANN001
    return [
        f"generate() FLOPs, cached:   {number(r.generation_flops)}",
        f"generate() FLOPs, no cache: {number(r.uncached_generation_flops)}",
    ]


def inference_text(result) -> str:  # noqa: ANN001
    """`t5sym inference`: weights, caches, activation peak; generation FLOPs and intensity."""
    r = result
    last = [("activation peak (bound)", r.activation_peak_bytes), ("total", r.total_bytes)]
    return "\n".join(
        [
            *_caches_head(r, last),
            *_generate_lines(r),
            f"last decoding step: {number(r.step_flops)} FLOPs",
            f"                    {number(r.step_bytes_read)} bytes read",
            f"arithmetic intensity: {decimals(r.intensity)} FLOPs per byte",
        ]
    )


def gemma_cache_text(result) -> str:  # noqa: ANN001
    """`t5sym inference` of a T5Gemma: weights, the grouped-query caches (sliding layers
    keep at most the window) and generate()'s FLOPs; the activation peak is not modelled."""
    r = result
    head = _caches_head(r, [("weights and caches", r.weights_bytes + r.kv_cache_bytes)])
    if r.generation_flops is None:
        return "\n".join([*head, "generate() FLOPs and the activation peak are not modelled "
                           "for this config"])  # fmt: skip
    note = "(eager attention: every key a step holds; the activation peak is not modelled)"
    return "\n".join([*head, *_generate_lines(r), note])


def fine_tuning_text(result) -> str:
    """`t5sym memory --batch ...`: training memory plus the activations saved for backward."""
    r = result
    pairs = [("weights", r.weights), ("gradients", r.gradients)]
    pairs += [("optimizer state", r.optimizer_state)]
    pairs += [(f"activations: {k}", v) for k, v in r.parts.items()]
    pairs += [("total", r.total)]
    how = "no checkpointing"
    if r.checkpointing:
        how = "checkpointing each block, " + ("reentrant" if r.reentrant else "non-reentrant")
    mask = "a padding mask" if r.padding_mask else "no padding mask"
    if r.derived:
        where = ["activations derived from torch's source, not measured:"]
        where += [f"  {line}" for line in r.derived_from]
    else:
        where = ["activations as measured on the CPU (saved_tensors_hooks)"]
    routing = getattr(r, "routing", None)  # Switch: the experts' figure is for a routing
    if routing:
        routed = ", ".join(f"{k} {v:,}" for k, v in r.routed_tokens.items())
        where += textwrap.wrap(f"routing: {routing} (routed tokens per sparse block: {routed})", 80)
    return "\n".join(
        [
            describe(r.memory.config),
            f"batch={r.batch} S={r.encoder_length} T={r.decoder_length} dtype={r.dtype} "
            f"optimizer={r.optimizer}; {how}",
            f"attention={r.attention} device={r.device} precision={r.precision} "
            f"dropout_rate={r.dropout:g}; {mask}",
            *_lora_lines(r.memory, getattr(r, "lora_dropout", None)),
            "",
            table(_bytes_rows(pairs), ["part", "bytes", "GiB", "GB"], {1, 2, 3}),
            *where,
        ]
    )


def _bytes_row(label: str, n: int) -> list[str]:
    return [label, f"{n:,}", gib(n), gb(n)]


def weights_text(result: Weights) -> str:
    """`t5sym weights`: bytes per storage and per part in one format (GiB and GB)."""
    from t5sym.views import formats

    w, fmt = result, formats.FORMATS[result.format]
    main = fmt.per_value
    tensors = Counter()
    for counts in w.storages.values():
        tensors.update(counts)
    rows = [
        [s, f"{tensors[s]:,}", f"{n:,}", share(n, w.total)]
        for s, n in sorted(w.by_storage.items(), key=lambda kv: -kv[1])
    ]
    tree = formats.bytes_tree(w.config, fmt, encoder_only=w.encoder_only)
    parts = [_bytes_row(n.name, w.breakdown[n.name]) for n in tree.root.children]
    return "\n".join(
        [
            describe(w.config),
            f"{w.model} weights in {fmt.name}: {w.parameters:,} parameters",
            *textwrap.wrap(f"{fmt.doc}. Source: {fmt.source}.", 78),
            f"{fmt.main}: {main} bytes per parameter (scales included); whole model: "
            f"{decimals(w.bytes_per_parameter, 4)}",
            "",
            table(rows, ["storage", "tensors", "bytes", "share"], {1, 2, 3}),
            "",
            table(
                [*parts, _bytes_row("total", w.total)], ["part", "bytes", "GiB", "GB"], {1, 2, 3}
            ),  # fmt: skip
        ]
    )


def _file_cell(f) -> str:
    """A file's bytes for the table: exact, ``N+`` (GGUF: plus the key-values), or none."""
    if f is None:
        return ""
    if f.file_bytes is not None:
        return f"{f.file_bytes:,}"
    if f.container == "gguf":
        return f"{f.data_bytes + f.difference[0].bytes:,}+"
    return "no file" if f.container == "memory" else "?"


def _parts_text(f) -> list[str]:
    """What makes a file's bytes differ from the weights in memory, one line per part."""
    out = []
    for p in f.difference:
        n = "not derivable" if p.bytes is None else f"{p.bytes:,}"
        out.append(_clip(f"    + {p.what}: {n}" + (f" ({p.why})" if p.why else ""), 80))
    if f.footprint is not None:
        out.append(f"    get_memory_footprint() reports {f.footprint:,}")
    if f.note and f.container != "memory":
        out.append(_clip(f"    {f.note}", 80))
    return out


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def weights_all_text(results: Sequence) -> str:
    """`t5sym weights --all`: one row per format (bytes, GiB, GB, bytes per parameter, its
    file's bytes), the published files that store the model, then the formats that cannot
    hold it, each with its one-line reason."""
    weights = [getattr(r, "weights", r) for r in results]
    files = {getattr(r, "weights", r).format: getattr(r, "file", None) for r in results}
    first = weights[0]
    held = [w for w in weights if w.applicable]
    rows = [
        [*_bytes_row(w.format, w.total), decimals(w.bytes_per_parameter, 4),
         _file_cell(files[w.format])]
        for w in held
    ]  # fmt: skip
    lines = [describe(first.config)]
    if held:
        lines += [
            f"{first.model} weights: {held[0].parameters:,} parameters",
            "",
            table(
                rows, ["format", "bytes", "GiB", "GB", "bytes/param", "file bytes"], {1, 2, 3, 4, 5}
            ),  # fmt: skip
            "file bytes: the format's own file (safetensors: save_pretrained for float, each",
            "tensor once for fp8; N+: GGUF, N plus its metadata and tokenizer, not derivable;",
            "bitsandbytes, fp8-hf and fp8-torchao quantize while loading: no file).",
        ]
    published = [lay for r in results for lay in getattr(r, "layouts", ())]
    if published:
        lines += ["", "files as published (the weights in memory, then what the file adds):"]
        for f in published:
            size = "not derivable" if f.file_bytes is None else f"{f.file_bytes:,} bytes"
            lines.append(_clip(f"  {f.title}: {size}", 80))
            lines.append(f"    weights in memory ({f.format}): {f.weights:,}")
            lines += _parts_text(f)
            if f.published is not None:
                same = "equal" if f.published == f.file_bytes else "differs"
                lines.append(f"    published: {f.published:,} bytes ({same})")
    memory = [files[w.format] for w in held if files[w.format] is not None
              and files[w.format].footprint is not None]  # fmt: skip
    if memory:
        lines += [
            "",
            "in memory vs get_memory_footprint() (it leaves out bitsandbytes' SCB,",
            "absmax and code; it counts fp8-torchao's float8 at 2 bytes, no scales):",
            f"  {'format':<12}{'in memory':>20}{'footprint':>20}",
        ]
        lines += [f"  {f.format:<12}{f.weights:>20,}{f.footprint:>20,}" for f in memory]
    skipped = [r for r in weights if not r.applicable]
    if skipped:
        lines += ["", f"not applicable to {first.model}:"]
        lines += [f"  {r.format}: {r.reason}" for r in skipped]
    return "\n".join(lines)
