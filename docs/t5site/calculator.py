"""The browser calculator's one JavaScript file, printed from the trees at build time.

Every `t5sym.model.params.Structure` a valid config can reach (model type × head × gated ×
tied × LongT5 attention × Switch router bias) is built once; its trees (parameters,
encoder alone, forward FLOPs, inference) and formulas (the FLOP rules of thumb, the
Mesh TF layout's sums and blocks, generate()'s FLOPs) are plain JSON: nodes ``[name,
formula]`` or ``[name, [children]]`` over one table of formulas printed by
`t5site.jsprint` as BigInt arrow functions ``c=>…``. A view that maps each parameter
leaf alone (bytes, optimizer state, caches, per-core shares: `VIEWS`) is one column of
formulas over the leaves; the saved-activation trees, one per fine-tuning setup the page
offers (attention, device, precision: `SETUP_CHOICES`) and per case a config reaches, are
each a tree of its shape and a column of formulas over its leaves (`saved_trees`,
`Tables.column_tree`); a weight format is one storage per leaf, or for GGUF the data
llama.cpp's walk reads (`gguf_columns`).

The loader's rules are data too (`loader_tables`): each field's kind, found by asking
`t5sym.model.config.Config` which values it takes (`field_kinds`), the model types'
defaults, aliases and heads, the activations; Switch's sparse blocks and llama.cpp's
``use_more_bits`` are printed from the library's own Python functions
(`t5site.jsprint.python_function`). ``calculator.js`` reads JSON with ``JSON.parse`` and
interprets that data; its messages are the page's own (``tests/test_calculator.py`` holds
that it refuses what the library refuses, naming the same field). The file defines
``globalThis.t5sym`` with ``count``, ``flops``, ``memory``, ``inference``, ``shard``,
``weights``, ``view``, ``parse`` and ``presets``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import sympy
from sympy import Expr

from t5sym.errors import ConfigError, T5SymError
from t5sym.model import checks, gemma, gemma2, params, presets, symbols
from t5sym.model import config as config_module
from t5sym.model.algebra import tidy
from t5sym.model.config import (
    ACTIVATIONS,
    ACTIVATIONS_WITH_PARAMETERS,
    CLASS_PREFIX,
    ENCODER_ATTENTION,
    HEADS,
    MODEL_DEFAULTS,
    MODEL_TYPES,
    SERVED_TYPES,
    TRAINED_TYPES,
    Config,
    from_hf,
    served,
)
from t5sym.model.nodes import Node, Tree
from t5sym.model.roles import Role
from t5sym.views import (
    activations,
    flops,
    formats,
    inference,
    layout,
    layouts,
    memory,
    printers,
    saved_switch,
    sharding,
)

from . import jsprint

#: Every head transformers defines for some model type, in the order of the key.
ALL_HEADS = HEADS["t5"]

#: The site path of the generated file (below the site root).
SITE_PATH = "assets/t5sym-calc.js"

#: Optimizers with state, in the order of `t5sym.views.memory.OPTIMIZERS`.
_STATEFUL = tuple(name for name in memory.OPTIMIZERS if name != "none")


def key(config: Config) -> str:
    """The structure key the JavaScript computes: six digits of the fields that decide it.

    model type, head (in `ALL_HEADS`), gated, ``tie_word_embeddings``,
    ``encoder_attention_type``, ``router_bias``.
    """
    return "".join(
        str(i)
        for i in (
            MODEL_TYPES.index(config.model_type),
            ALL_HEADS.index(config.head),
            int(config.is_gated),
            int(config.tie_word_embeddings),
            ENCODER_ATTENTION.index(config.encoder_attention_type),
            int(config.router_bias),
        )
    )


def configs() -> Iterator[Config]:
    """One config per key: every combination of the fields `key` reads that loads."""
    seen = set()
    for model_type in MODEL_TYPES:
        act = "dense_act_fn" if model_type == "switch_transformers" else "feed_forward_proj"
        for head in HEADS[model_type]:
            for proj in ("relu", "gated-gelu"):
                for tie in (True, False):
                    for attention in ENCODER_ATTENTION:
                        for router_bias in (False, True):
                            data = {
                                "model_type": model_type,
                                "architectures": [CLASS_PREFIX[model_type] + head],
                                act: proj,
                                "tie_word_embeddings": tie,
                                "encoder_attention_type": attention,
                                "router_bias": router_bias,
                            }
                            try:
                                config = from_hf(data)
                            except ConfigError:
                                continue
                            if key(config) not in seen:
                                seen.add(key(config))
                                yield config


_B = symbols.bytes_per_value


def _state(optimizer: memory.Optimizer):
    return lambda leaf: optimizer.state_bytes(leaf, memory.value_bytes(leaf, _B))


def _local(leaf: Node) -> Node:
    """The leaf as one core holds it (`t5sym.views.layout.local_tree`)."""
    return layout.local_tree(Tree(leaf)).root


def _state_per_core(optimizer: memory.Optimizer):
    return lambda leaf: optimizer.state_bytes(_local(leaf), memory.value_bytes(leaf, _B))


def _cache(kind: str | None):
    def fn(leaf: Node) -> Expr | None:
        if kind is not None and inference.cached(leaf) != kind:
            return None
        return inference.cache_bytes(leaf)

    return fn


#: The views of a parameter tree that map each leaf alone (`t5sym.model.nodes.Tree.view`): a
#: column of formulas over the leaves; a view is then (parameter tree, column).
VIEWS = {
    "bytes": lambda leaf: memory.value_bytes(leaf, _B) * leaf.expr,  # memory.bytes_tree
    **{f"state:{k}": _state(o) for k, o in memory.OPTIMIZERS.items() if k in _STATEFUL},
    "bytes:core": lambda leaf: memory.value_bytes(leaf, _B) * _local(leaf).expr,  # per core
    "parameters:core": lambda leaf: _local(leaf).expr,  # sharding: parameters_per_core
    **{f"state:{k}:core": _state_per_core(memory.OPTIMIZERS[k]) for k in _STATEFUL},
    **{f"state_tensors:{k}": o.state_tensors for k, o in memory.OPTIMIZERS.items()},
    **{f"state_scalars:{k}": o.state_scalars for k, o in memory.OPTIMIZERS.items()},
    "cache": _cache(None),  # inference.cache_tree
    "cache:self": _cache("self"),
    "cache:cross": _cache("cross"),
    "active": lambda leaf: params.active_tree(Tree(leaf)).total,
}


#: The weight formats whose storage of each leaf is known at build time (one letter per
#: leaf); GGUF's are picked by llama.cpp tensor by tensor, on the page as in `formats.Plan`.
FIXED_FORMATS = tuple(n for n, f in formats.FORMATS.items() if f.family != "gguf")
GGUF_FORMATS = tuple(n for n, f in formats.FORMATS.items() if f.family == "gguf")

#: A tensor's dimensions as the storages see it: rows (``shape[0]``) × the rest.
ROWS, COLS = sympy.symbols("rows cols", positive=True, integer=True)

#: Each leaf's tensor: rows, cols and how many there are (`Node.repeat`).
SHAPES = {
    "rows": lambda leaf: leaf.shape[0],
    "cols": lambda leaf: sympy.Mul(*leaf.shape[1:]),
    "repeat": lambda leaf: leaf.repeat,
}

#: A model type of each kind the storage rule tells apart (`formats.KEEPS_WO_IN_FP32`).
_RULE_KINDS = {
    "": next(t for t in MODEL_TYPES if t in formats.KEEPS_WO_IN_FP32),
    "plain": next(t for t in MODEL_TYPES if t not in formats.KEEPS_WO_IN_FP32),
}


class Tables:
    """Interned formulas, nodes and MathML: each written once in the file."""

    def __init__(self) -> None:
        self.formulas: dict[str, int] = {}
        self.nodes: dict[tuple, int] = {}
        self.mathml: dict[str, int] = {}
        self.printed: dict[Expr, int] = {}
        self.leaves: dict[int, Node] = {}
        self.shapes: dict[tuple, int] = {}
        self.shaped: dict[tuple, int] = {}
        self.symbols: set[sympy.Symbol] = set()  # of the trees `column_tree` interned

    @staticmethod
    def _intern(table: dict, item: Any) -> int:
        return table.setdefault(item, len(table))

    def formula(self, expr: Expr) -> int:
        """The index of a formula's BigInt code."""
        return self._intern(self.formulas, jsprint.code(expr))

    def node(self, node: Node) -> int:
        """The index of a node: ``[name, formula]`` (leaf) or ``[name, [children]]``."""
        if node.is_leaf:
            return self._intern(self.nodes, (node.name, self.formula(node.expr)))
        return self._intern(self.nodes, (node.name, tuple(self.node(c) for c in node.children)))

    def shape(self, node: Node) -> int:
        """The index of a node's shape: a leaf ``[name, -1]`` (its formula is a column's),
        a group ``[name, [children]]``; one shape's parts shared by every tree holding them."""
        if node.is_leaf:
            return self._intern(self.nodes, (node.name, -1))
        return self._intern(self.nodes, (node.name, tuple(self.shape(c) for c in node.children)))

    def tree(self, tree: Tree) -> int:
        """The index of a tree's root."""
        return self.node(tree.root)

    def column_tree(self, tree: Tree) -> int:
        """The index of ``[root, column]`` in `shaped_list`: ``root`` ``tree``'s shape (its
        nodes' names and nesting, `shape`), ``column`` the formula of each of ``tree``'s
        leaves in walk order. Trees that differ only in their leaves' formulas (a dtype, a
        kernel's saved tensors) share one shape, and shapes share their common parts."""
        self.symbols |= tree.root.expr.free_symbols
        shape = _shape(tree.root)
        if shape not in self.shapes:
            self.shapes[shape] = self.shape(tree.root)
        column = tuple(self.formula(leaf.expr) for leaf in tree.root.walk() if leaf.is_leaf)
        return self._intern(self.shaped, (self.shapes[shape], column))

    def shaped_list(self) -> list[list]:
        """The `column_tree` entries in index order, as JSON."""
        return [[root, list(column)] for root, column in self.shaped]

    def columns(self, tree: Tree) -> int:
        """`tree` (a parameter tree), its leaves kept for the leaf views of `VIEWS`."""
        for leaf in tree.root.walk():
            if leaf.is_leaf:
                self.leaves.setdefault(self.node(leaf), leaf)
        return self.tree(tree)

    def node_list(self) -> list[list]:
        """The nodes in index order, as JSON: ``[name, formula]`` or ``[name, [children]]``."""
        return [[name, x if isinstance(x, int) else list(x)] for name, x in self.nodes]

    def view_columns(self) -> dict[str, list[int]]:
        """``leaves`` (the node ids of parameter leaves) and, for each of `VIEWS`, the
        formula index of each of them (null: the view drops the leaf)."""
        ids = sorted(self.leaves)
        out: dict[str, list] = {"leaves": ids}
        for name, fn in VIEWS.items():
            exprs = (fn(self.leaves[i]) for i in ids)
            out[name] = [None if e is None else self.formula(e) for e in exprs]
        return out

    def weight_columns(self) -> dict[str, Any]:
        """The weight-format view: each storage's bytes as a formula in ``rows``, ``cols``;
        each leaf's `SHAPES` (formula indices); for each of `FIXED_FORMATS` (and
        ``"{format}:plain"`` where the model types that keep no ``wo`` in float32 differ)
        the storage `t5sym.views.formats.storage` picks for each leaf; for `GGUF_FORMATS`,
        what llama.cpp's walk reads (`gguf_columns`)."""
        leaves = [self.leaves[i] for i in sorted(self.leaves)]
        choices: dict[str, list[str]] = {}
        for fmt in FIXED_FORMATS:
            f = formats.get(fmt)
            for suffix, model_type in _RULE_KINDS.items():
                plan = formats.Plan(f, Tree(leaves[0]), None, model_type)
                column = []
                for leaf in leaves:
                    ((n, storage),) = formats.storage(f, leaf, plan)
                    if n != leaf.repeat or len(leaf.shape) > 2:  # what the page computes
                        raise ValueError(f"{leaf.name}: not one storage of a 2-D tensor")
                    column.append(storage.name)
                if not suffix or column != choices[fmt]:
                    choices[f"{fmt}:{suffix}" if suffix else fmt] = column
        used = {name for column in choices.values() for name in column}
        used |= {n for n, s in formats.STORAGES.items() if s.block > 1}  # GGUF's types
        return {
            "storages": {
                name: self.formula(s.nbytes((ROWS, COLS)))
                for name, s in formats.STORAGES.items()
                if name in used
            },
            "main": {
                fmt: [int(formats.FORMATS[fmt].per_value.p), int(formats.FORMATS[fmt].per_value.q)]
                for fmt in formats.FORMATS
            },
            **gguf_columns(leaves),
            "keeps_wo": sorted(formats.KEEPS_WO_IN_FP32),
            "one_column": {
                fmt: [refusal, formats.FORMATS[fmt].main]
                for fmt in FIXED_FORMATS
                if (refusal := formats.one_column_refusal(formats.get(fmt)))
            },
            "last_dim": [str(leaf.shape[-1]) for leaf in leaves],
            **{k: [self.formula(fn(leaf)) for leaf in leaves] for k, fn in SHAPES.items()},
            "choices": choices,
        }

    def math(self, expr: Expr) -> int:
        """The index of the MathML of a part's formula, tidied as the site prints it (each
        formula tidied and printed once: the same parts recur across structures)."""
        if expr not in self.printed:
            text = printers.mathml(tidy(expr)).replace("<mo>&#x2062;</mo>", "")
            self.printed[expr] = self._intern(self.mathml, text)
        return self.printed[expr]


def _shape(node: Node) -> tuple:
    """A node's names and nesting, without its formulas."""
    return (node.name, tuple(_shape(c) for c in node.children) if not node.is_leaf else None)


def _gguf_name(leaf: Node) -> int | str | None:
    """What `formats.Plan.gguf` reads of a leaf: 0 a norm (F32), 1 the relative bias (rest),
    else llama.cpp's name with ``#`` for the block (`formats.gguf_name`), None if it has none."""
    if leaf.kind == "norm":
        return 0
    if leaf.role is Role.RELATIVE_BIAS:
        return 1
    try:
        return formats.gguf_name(leaf.name, "#")  # type: ignore[arg-type]
    except T5SymError:
        return None


def gguf_columns(leaves: list[Node]) -> dict[str, Any]:
    """What llama.cpp's walk (`formats.Plan`) reads of each GGUF format and leaf: the format's
    default type, file type and kept type (the relative bias, one-row weights), the most
    blocks it walks, and `_gguf_name` of each leaf; the walk's rules are printed
    (`RULES`: `formats.tensor_types`)."""
    return {
        "gguf": {
            n: [formats.FORMATS[n].main, formats.FORMATS[n].ftype, formats.FORMATS[n].rest]
            for n in GGUF_FORMATS
        },
        "max_layers": formats.MAX_GGUF_LAYERS,
        "gguf_names": [_gguf_name(leaf) for leaf in leaves],
    }


def _attempt(fn, *args: Any) -> Any:
    """``fn(*args)``, or the one-line message with which the view refuses the structure."""
    try:
        return fn(*args)
    except T5SymError as exc:
        return str(exc)


def _refused(fn, *args: Any) -> str | int:
    """0, or the one-line message with which ``fn(*args)`` refuses."""
    try:
        fn(*args)
    except T5SymError as exc:
        return str(exc)
    return 0


#: The model's parameter count, a value the page computes before the formulas that use it.
PARAMETERS = sympy.Symbol("parameters", positive=True, integer=True)


def _flops(t: Tables, config: Config) -> list:
    """``[forward tree, tokens, per_side, naive, [[name, excess], ...], training]``
    (`RuleOfThumb`; naive in `PARAMETERS`; training the total of
    `t5sym.views.flops.training_tree`: each product times 1 + its backward share)."""
    structure = params.structure(config)
    rule = flops.rule_of_thumb(config, symbolic=True)
    return [
        t.tree(flops.forward_tree(config)),
        t.formula(flops.batch_tokens(structure)),
        t.formula(rule.per_side),
        t.formula(flops.naive_per_parameter(structure) * PARAMETERS),
        [[k, t.formula(e)] for k, e in rule.excess.items()],
        t.formula(flops.training_tree(config).total),
    ]


def _refusal(t: Tables, structure: params.Structure) -> int | dict:
    """0, or ``{"refused": message}`` where `t5sym.views.sharding.check_structure`
    refuses the structure: Mesh TF's layout does not cover it."""
    try:
        sharding.check_structure(structure)
    except T5SymError as exc:
        return {"refused": str(exc)}
    return 0


#: The fields of `t5sym.views.inference.Inference` after the cache trees, in the file's order.
INFERENCE_FORMULAS = (
    "encoder_peak_bytes",
    "step_peak_bytes",
    "generation_flops",
    "uncached_generation_flops",
    "step_flops",
    "step_bytes_read",
)


def _inference(t: Tables, config: Config) -> list | str:
    """``[parameter tree, *INFERENCE_FORMULAS]`` (caches and weights: leaf views), or the
    message with which `t5sym.model.config.served` refuses the structure."""
    try:
        served(config, "serving with a cache")
    except T5SymError as exc:
        return str(exc)
    formulas = (
        inference.encoder_peak(config),
        inference.step_peak(config),
        inference.generation_flops(config),
        inference.generation_flops(config, use_cache=False),
        inference.step_flops(config, symbols.decoder_length),
        inference.bytes_read(config),
    )
    return [
        t.columns(params.tree(config)),
        *(t.formula(e) for e in formulas),
    ]


def _fraction(t: Tables, expr: Expr) -> list[int]:
    """A formula whose value is a fraction (bytes sent per core: 2·(p − 1)/p·…) as its
    numerator's and denominator's formulas."""
    return [t.formula(e) for e in sympy.fraction(sympy.together(expr))]


def _shard(t: Tables, config: Config) -> list | dict:
    """`t5sym.views.sharding.shard` per token (`sharding.PER_TOKEN`): ``[sums, blocks]``, the
    sums of `sharding.totals` in its order (emitted as ``SHARD_SUMS``), each
    block ``[stack, flops_per_core, allreduces, allreduce_bytes, bytes_sent_per_core,
    ratio]`` (the last two as `_fraction`), or ``{"refused": message}``."""
    if refused := _refusal(t, params.structure(config)):  # the class named, as `shard`
        return refused
    structure = params.structure(config, encoder_only=config.encoder_only)
    at = sharding.PER_TOKEN
    blocks = []
    for stack in ("encoder", "decoder") if structure.has_decoder else ("encoder",):
        lay = sharding.block(config, stack)
        blocks.append([
            stack,
            t.formula(lay.flops_per_core.subs(at)),
            lay.allreduces,
            t.formula(lay.allreduce_bytes.subs(at)),
            _fraction(t, lay.bytes_sent_per_core.subs(at)),
            _fraction(t, (lay.flops_per_core / lay.bytes_sent_per_core).subs(at)),
        ])  # fmt: skip
    sums = sharding.totals(structure)
    return [[t.formula(e.subs(at)) for e in sums.values()], blocks]


#: The fine-tuning setups the page offers, each field as `t5sym.views.activations.setup`
#: takes it (its default first); with ``dtype`` and ``dropout`` (``"0"``: a
#: ``dropout_rate`` of 0, which saves no mask; ``"1"``: any other, `DROPOUTS`) they key
#: `saved_trees`' cases, ``" "``-joined in `SAVED_SETUP`'s order. No padding mask: the page
#: passes labels only (``t5sym memory --padding-mask`` counts it).
SETUP_CHOICES = {
    "attention": activations.ATTENTIONS,
    "device": activations.DEVICES,
    "precision": tuple(activations.PRECISIONS),
}
SAVED_SETUP = (*SETUP_CHOICES, "dtype", "dropout")
#: A rate standing for each dropout key: the library's `Setup.mask` reads only whether it is 0.
DROPOUTS = {"0": 0.0, "1": activations.DEFAULT_DROPOUT}
_DEFAULT_SETUP = activations.setup(None)
if any(getattr(_DEFAULT_SETUP, k) != v[0] for k, v in SETUP_CHOICES.items()) or (
    _DEFAULT_SETUP.padding_mask or _DEFAULT_SETUP.mask_bytes is not None
):
    raise RuntimeError(f"the page's default setup is not the library's {_DEFAULT_SETUP}")


#: What decides a saved-activation tree within a setup, without checkpointing and with it,
#: in the order of its index (``calculator.js``'s ``savedTree`` reads the same off the config).
SAVED_PLAIN = ("activation", "gated", "kind")
SAVED_CHECKPOINTED = ("deep encoder", "deep decoder", "kind")

#: The d_kv values `_alignment` tries: the multiple the library asks is the smallest it takes.
_D_KV_PROBES = range(1, 17)


def _field(exc: T5SymError) -> str:
    """The field a one-line message names (the text before its first colon)."""
    return str(exc).split(":", 1)[0]


def _alignment(kw: dict[str, Any], dtype: str) -> int:
    """The d_kv multiple `t5sym.views.activations.saved_tree` takes in a setup (1: any), asked
    of it by `_D_KV_PROBES`; the build stops if what it takes is not the multiples of one."""
    taken = []
    for d_kv in _D_KV_PROBES:
        try:
            activations.saved_tree(from_hf({"model_type": "t5", "d_kv": d_kv}), dtype, **kw)
        except T5SymError as exc:
            if _field(exc) != "d_kv":
                raise
            continue
        taken.append(d_kv)
    if not taken or taken != [k for k in _D_KV_PROBES if k % taken[0] == 0]:
        raise ValueError(f"{kw} {dtype}: d_kv {taken} taken, not the multiples of one number")
    return taken[0]


def _case(t: Tables, kw: dict[str, Any], dtype: str, sources: dict[str, int]) -> dict[str, Any]:
    """One setup's trees (`Tables.column_tree` indices): ``plain`` by `SAVED_PLAIN` (activation in
    `activations.ACTIVATION_SAVES`, as `activations.activation_name` names it), ``checkpointed``
    by `SAVED_CHECKPOINTED` (a stack is deep with 2 blocks or more), each index the digits
    read in that order (mixed radix, as ``savedTree``); ``d_kv``, the multiple the setup
    needs (`_alignment`); ``derived`` and ``derived_from``, `FineTuning`'s (the second as
    indices into ``sources``). Or ``{"refused": field}``: the field the library names when it
    refuses the setup."""
    t5 = from_hf({"model_type": "t5"})
    try:
        result = activations.fine_tuning_memory(t5, dtype, "none", batch=1, encoder_length=1,
                                                decoder_length=1, **kw)  # fmt: skip
    except T5SymError as exc:
        return {"refused": _field(exc)}
    plain: list[int | None] = []
    checkpointed: list[int | None] = []
    for act, gated, kind in itertools.product(activations.ACTIVATION_SAVES, (0, 1), SAVED_KINDS):
        proj = f"gated-{act}" if gated else act
        plain.append(_kind_tree(t, {**kind, _act_field(kind): proj}, dtype, False, kw))
    for enc, dec, kind in itertools.product((0, 1), (0, 1), SAVED_KINDS):
        layers = {"num_layers": enc + 1, "num_decoder_layers": dec + 1}
        checkpointed.append(_kind_tree(t, {**kind, **layers}, dtype, True, kw))
    return {
        "plain": plain,
        "checkpointed": checkpointed,
        "d_kv": _alignment(kw, dtype),
        "derived": result.derived,
        "derived_from": [sources.setdefault(s, len(sources)) for s in result.derived_from],
    }


#: The configs whose saved-activation trees the page can print, each standing for every config
#: it matches (`saved_kind`: its fields equal, the first that matches): a model type counts as
#: the first kind whose trees equal its own (`saved_types`: MT5's modules are T5's); LongT5 by
#: its encoder's attention; Switch by whether its router adds jitter noise (0 saves none).
KINDS: tuple[dict[str, Any], ...] = (
    {"model_type": "t5"},
    {"model_type": "umt5"},
    *({"model_type": "longt5", "encoder_attention_type": a} for a in ENCODER_ATTENTION),
    {"model_type": "switch_transformers", "router_jitter_noise": 0.0},
    {"model_type": "switch_transformers"},
)
#: The kinds the page prints. LongT5's and Switch's trees print and equal the library's
#: (tests/test_calculator.py runs them with `KINDS`), but their setups cost 5.5 KB with gzip
#: (LongT5 2.9 KB, Switch 3.0 KB), over the page's 40 KB: the page leaves them to the command.
SAVED_KINDS: tuple[dict[str, Any], ...] = KINDS[:2]


def _act_field(kind: dict[str, Any]) -> str:
    """The config.json key of the feed-forward activation (Switch's ``dense_act_fn``)."""
    return "dense_act_fn" if kind["model_type"] == "switch_transformers" else "feed_forward_proj"


def _kind_tree(t: Tables, data: dict[str, Any], dtype: str, checkpointing: bool,
               kw: dict[str, Any]) -> int | None:  # fmt: skip
    """`Tables.column_tree` of `activations.saved_tree` of one kind's config, or None where no
    config of the kind takes it (Switch's experts are not gated)."""
    try:
        config = from_hf(data)
    except ConfigError:
        return None
    return t.column_tree(activations.saved_tree(config, dtype, checkpointing=checkpointing, **kw))


#: The setups `saved_types` compares trees in: the library's default, and eager on the CPU
#: under autocast (the other kernels, the float32 stream).
_COMPARED = (
    ("bf16", {}),
    ("fp32", {"attention": "eager", "device": "cpu", "precision": "autocast-bf16"}),
)


def _saved_leaves(data: dict[str, Any]) -> tuple:
    """A config's saved-activation trees in `_COMPARED`'s setups, as (name, formula) of every
    node: plain (plain and gated FFN where the type takes it) and checkpointed (two blocks a
    stack)."""
    out = []
    for proj, ckpt in (("relu", False), ("gated-gelu", False), ("relu", True)):
        try:
            config = from_hf({**data, _act_field(data): proj,
                              "num_layers": 2, "num_decoder_layers": 2})  # fmt: skip
        except ConfigError:
            continue
        for dtype, kw in _COMPARED:
            tree = activations.saved_tree(config, dtype, checkpointing=ckpt, **kw)
            out.append(tuple((n.name, n.expr) for n in tree.root.walk()))
    return tuple(out)


def saved_kind(config: Config, types: dict[str, str]) -> int | None:
    """The index in `SAVED_KINDS` of the trees the page uses for ``config`` (as
    ``calculator.js``'s ``savedTree``): the first kind of the type ``types`` names for its
    model type whose fields the config has; None: the page has no trees for it."""
    alias = types.get(config.model_type)
    for i, kind in enumerate(SAVED_KINDS):
        fields = {k: v for k, v in kind.items() if k != "model_type"}
        if kind["model_type"] == alias and all(getattr(config, k) == v for k, v in fields.items()):
            return i
    return None


#: Configs of each kind `saved_types` checks against the kind's own trees: other depths,
#: sparse blocks, jitter rates, attentions; what a kind stands for has the same trees.
_KIND_PROBES: tuple[dict[str, Any], ...] = (
    {},
    {"num_sparse_encoder_layers": 0, "num_sparse_decoder_layers": 1},
    {"num_sparse_encoder_layers": 2, "router_jitter_noise": 0.5},
    {"router_jitter_noise": 0},
    *({"encoder_attention_type": a} for a in ENCODER_ATTENTION),
)


def saved_types() -> dict[str, str]:
    """Each model type whose saved activations the page prints, by the model type of the first
    kind in `SAVED_KINDS` whose trees equal its own (MT5's modules are T5's). The build stops
    if a config `saved_kind` gives a kind (`_KIND_PROBES`) has other trees than the kind: the
    page would need another kind."""
    kinds = [_saved_leaves(k) for k in SAVED_KINDS]
    out = {}
    for model_type in MODEL_TYPES:
        try:
            mine = _saved_leaves({"model_type": model_type})
        except T5SymError:
            continue
        if mine in kinds:
            out[model_type] = SAVED_KINDS[kinds.index(mine)]["model_type"]
    for model_type in out:
        for probe in _KIND_PROBES:
            data = {"model_type": model_type, **probe}
            try:
                trees, config = _saved_leaves(data), from_hf(data)
            except T5SymError:
                continue
            kind = saved_kind(config, out)
            if kind is not None and trees != kinds[kind]:
                raise ValueError(f"{data}: saved trees of no kind in SAVED_KINDS")
    return out


def fine_tuned_types() -> list[str]:
    """The model types `t5sym.views.activations.fine_tuning_memory` takes, asked of it with
    each type's defaults (a refusal naming another field than model_type still takes it)."""
    out = []
    for model_type in MODEL_TYPES:
        try:
            activations.fine_tuning_memory(from_hf({"model_type": model_type}), "fp32", "none",
                                           batch=1, encoder_length=1, decoder_length=1)  # fmt: skip
        except T5SymError as exc:
            if _field(exc) == "model_type":
                continue
        out.append(model_type)
    return out


def saved_trees(t: Tables) -> dict[str, Any]:
    """`t5sym.views.activations.saved_tree` of every case a served config reaches in every
    setup the page offers: ``cases`` by `SAVED_SETUP` (`_case`), ``sources`` the torch
    source lines the CUDA figures are derived from, ``kinds`` (`SAVED_KINDS`), ``types``
    (`saved_types`), ``eager_only``, ``results`` (each result's fields), ``fields`` (what the
    trees read beyond the dimensions), and for Switch ``routing`` and ``routed``. Trees
    shared by setups, and nodes shared by trees, are written once: `Tables` interns them."""
    sources: dict[str, int] = {}
    cases = {}
    for choice in itertools.product(*SETUP_CHOICES.values(), memory.TRAINING_DTYPES, DROPOUTS):
        *setup, dtype, dropout = choice
        kw = {**dict(zip(SETUP_CHOICES, setup, strict=True)), "dropout": DROPOUTS[dropout]}
        cases[" ".join(choice)] = _case(t, kw, dtype, sources)
    out = {
        "cases": cases,
        "sources": list(sources),
        "kinds": SAVED_KINDS,
        "types": saved_types(),
        "eager_only": sorted(activations.EAGER_ONLY),
        "results": {"": activations.FineTuning.FIELDS},
    }  # each result's fields, in order
    if "switch_transformers" in out["types"]:  # what depends on routing, in Switch's results
        lengths = {"encoder": symbols.encoder_length, "decoder": symbols.decoder_length}
        routed = {k: saved_switch.routed(n) for k, n in lengths.items()}
        t.symbols |= {x for e in routed.values() for x in e.free_symbols}
        out["results"]["switch_transformers"] = activations.SwitchFineTuning.FIELDS
        out["routing"] = saved_switch.ROUTING
        out["routed"] = {k: t.formula(e) for k, e in routed.items()}
    # the config fields the trees read beyond the dimensions (Switch's capacity)
    fields = {symbols.CONFIG_FIELD.get(x, x.name) for x in t.symbols}
    dims = {symbols.CONFIG_FIELD[x] for x in symbols.DIMENSIONS}
    out["fields"] = sorted(fields & {f.name for f in dataclasses.fields(Config)} - dims)
    return out


def _parts_math(t: Tables, tree: Tree) -> list[list]:
    """MathML of each top-level part (a wrapped model's parts too), tidied as the site prints."""
    out = []
    for node in tree.root.children:
        for part in node.children if node.name == "transformer" else (node,):
            out.append([part.name, t.math(part.expr)])
    return out


def structure(t: Tables, config: Config) -> list:
    """Every view of one structure, as indices into the tables.

    ``[params, encoder_only, math, active, flops, memory_per_core, inference, shard,
    formats, fine_tuning]`` (``formats``: `_format_refusals`; ``fine_tuning``: 0, or the
    message with which `t5sym.model.config.served` refuses fine-tuning at a length);
    ``active`` is 0 but for Switch, a view the structure refuses is its one-line message.
    Training memory maps ``params`` (the class the config names, its head included, as
    `t5sym.views.memory.trees`);
    ``memory_per_core`` is 0, or the refusal of `t5sym.views.memory.check_layout` (Mesh TF's
    layout, checked on the class named: `_refusal`).
    """
    tree = params.tree(config)
    return [
        t.columns(tree),
        t.columns(params.tree(config, encoder_only=True)),
        _parts_math(t, tree),
        int(config.model_type == "switch_transformers"),
        _attempt(_flops, t, config),
        _refusal(t, params.structure(config)),  # memory.check_layout
        _inference(t, config),
        _shard(t, config),
        _format_refusals(config),
        _refused(served, config, "fine-tuning at a length", TRAINED_TYPES),
    ]


def _format_refusals(config: Config) -> list[dict[str, str]] | int:
    """The weight formats `t5sym.views.formats.bytes_tree` refuses for the structure, naming
    the format, with the library's message: ``[{format: message}, {...}]`` of the class named
    and of its encoder alone, or 0. GGUF's are left out: the page's walk refuses a tensor
    llama.cpp has no name for (``gguf_names``) and checks the depth."""
    out: list[dict[str, str]] = [{}, {}]
    for name in FIXED_FORMATS:
        for encoder_only in (False, True):
            try:
                formats.bytes_tree(config, name, encoder_only=encoder_only)
            except T5SymError as exc:
                if _field(exc) != "format":
                    raise
                out[encoder_only][name] = str(exc)
    return out if any(out) else 0


def _preset(p: presets.Preset) -> dict[str, Any]:
    """A preset as the config.json fields that load it (``architectures`` names the head).

    ``model_type`` always (a file without it and without a T5 field is refused); fields
    equal to the model type's default are left out (the loader fills them in): a
    ``ForConditionalGeneration``, a decoder as deep as the encoder.
    """
    fields = p.config.to_dict()
    defaults = MODEL_DEFAULTS[p.config.model_type]
    kept = {k: v for k, v in fields.items() if k != "model" and defaults.get(k, v) != v}
    if (
        defaults["num_decoder_layers"] is None
        and kept.get("num_decoder_layers") == fields["num_layers"]
    ):
        del kept["num_decoder_layers"]  # the loader's default: as many as num_layers
    if p.config.model_type == "switch_transformers":  # Switch's name for the activation
        kept.pop("feed_forward_proj", None)
        if fields["feed_forward_proj"] != defaults["dense_act_fn"]:
            kept["dense_act_fn"] = fields["feed_forward_proj"]
    out: dict[str, Any] = {"model_type": p.config.model_type}
    if p.config.head != "ForConditionalGeneration":
        out["architectures"] = [fields["model"]]
    return {**out, **kept}


#: What `field_kinds` tries on each field: the kind is the set of these it accepts.
_PROBES = (0, 1, 2, -1, 0.5, 1.0, True, False, "x")
_KINDS = {
    "positive": {1, 2},  # indices into _PROBES
    "count": {0, 1, 2},
    "probability": {0, 1, 4, 5},
    "boolean": {6, 7},
}
#: The strings `field_kinds` tries on a field that takes text: the library's names.
_WORDS = (
    *MODEL_TYPES,
    *ENCODER_ATTENTION,
    *sorted(ACTIVATIONS | ACTIVATIONS_WITH_PARAMETERS),
    *(f"gated-{a}" for a in sorted(ACTIVATIONS | ACTIVATIONS_WITH_PARAMETERS)),
)
_SMALLEST = {f: 1 for f in config_module._DIMS}


def _takes(field: str, value: Any, **more: Any) -> bool:
    try:
        Config(**{**_SMALLEST, field: value, **more})
    except ConfigError:
        return False
    return True


def field_kinds() -> dict[str, Any]:
    """Each field `Config` checks, in its order, and what it takes, asked of `Config` itself:
    ``"positive"``, ``"count"`` (0 too), ``"probability"``, ``"boolean"``, or the list of the
    library's names it takes (model types, attentions, activations). The build stops on a
    field that is none of these."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(Config):
        if not f.init or f.name in ("architectures", "name", "source", "head"):
            continue
        more = {"model_type": "switch_transformers"} if f.name.endswith("_sparse_step") else {}
        taken = {i for i, v in enumerate(_PROBES) if _takes(f.name, v, **more)}
        kind = next((k for k, probes in _KINDS.items() if probes == taken), None)
        if kind is None and not taken:  # text: the names it takes
            kind = [w for w in _WORDS if _takes(f.name, w)]
        if not kind:
            raise ValueError(f"{f.name}: takes {[_PROBES[i] for i in sorted(taken)]}, no kind")
        out[f.name] = kind
    return out


def held_refusals() -> dict[str, str]:
    """``"{dtype} {optimizer}"``: the message `t5sym.views.memory.check` refuses the pair with
    (int8 holds weights for inference only), for every dtype and optimizer it knows."""
    out = {}
    for dtype, optimizer in itertools.product(memory.DTYPE_BYTES, memory.ALL_OPTIMIZERS):
        try:
            memory.check(dtype, optimizer)
        except T5SymError as exc:
            out[f"{dtype} {optimizer}"] = str(exc)
    return out


def symbol_fields() -> list[str]:
    """The config fields behind `Config.values()` (the sparse counts are derived)."""
    derived = (symbols.num_sparse_encoder_layers, symbols.num_sparse_decoder_layers)
    return [symbols.CONFIG_FIELD[s] for s in symbols.DIMENSIONS if s not in derived]


def loader_tables() -> dict[str, Any]:
    """The loader's and the views' tables, as ``calculator.js`` reads them."""
    encoder_only = [h for h in ALL_HEADS if Config(**_SMALLEST, head=h).encoder_only]
    return {
        "MODEL_TYPES": MODEL_TYPES,
        "CONFIG_DEFAULTS": {
            f.name: f.default
            for f in dataclasses.fields(Config)
            if f.default is not dataclasses.MISSING and f.init
        },
        "FIELDS": field_kinds(),
        #: The fields that may be 0 when the head builds no decoder (`ENCODER_ONLY`).
        "ZERO_WITHOUT_DECODER": [
            k
            for k, kind in field_kinds().items()
            if kind == "positive" and _takes(k, 0, head=encoder_only[0])
        ],
        "ENCODER_ONLY": encoder_only,
        #: The model types whose feed-forward cannot be gated (Switch's experts).
        "UNGATED": [
            t for t in MODEL_TYPES if not _takes("feed_forward_proj", "gated-relu", model_type=t)
        ],  # fmt: skip
        "OTHER_TYPES": [*gemma.MODEL_TYPES, *gemma2.MODEL_TYPES, *gemma.REFUSED_TYPES],
        #: The config fields behind `Config.values()` (the sparse counts are derived).
        "SYMBOL_FIELDS": symbol_fields(),
        "ENCODER_ATTENTION": ENCODER_ATTENTION,
        "MAX_DIGITS": checks.MAX_DIGITS,
        "DTYPE_BYTES": memory.DTYPE_BYTES,
        "TRAINING_DTYPES": memory.TRAINING_DTYPES,
        "INFERENCE_DTYPES": inference.INFERENCE_DTYPES,
        "OPTIMIZERS": {k: o.gradients for k, o in memory.OPTIMIZERS.items()},
        #: What `t5sym.views.memory.check` refuses of a dtype with an optimizer, in its words.
        "HELD": held_refusals(),
        #: Every optimizer the library knows; the page computes `memory.OPTIMIZERS`.
        "ALL_OPTIMIZERS": list(memory.ALL_OPTIMIZERS),
        #: The fine-tuning setup's fields, the page's choices of each (the library's default
        #: first) and the order that keys `saved_trees`' cases.
        "SETUP_CHOICES": SETUP_CHOICES,
        "SAVED_SETUP": SAVED_SETUP,
        "PARTS": memory.PARTS,
        "SHIFTED_INPUT_HEADS": flops.SHIFTED_INPUT_HEADS,
        "SERVED_TYPES": SERVED_TYPES,
        "SAVED_ACTIVATIONS": list(activations.ACTIVATION_SAVES),
        #: `t5sym.views.layout.SPLIT`: [symbol name, config field] of each dimension cores split.
        "SPLIT": [[s.name, symbols.CONFIG_FIELD.get(s, s.name)] for s in layout.SPLIT],
        "BACKWARD_PER_FORWARD": flops.BACKWARD_PER_FORWARD,
        "DEFAULTS": {
            "batch": flops.DEFAULT_BATCH,
            "encoder_length": flops.DEFAULT_ENCODER_LENGTH,
            "decoder_length": flops.DEFAULT_DECODER_LENGTH,
            "dtype": memory.DEFAULT_DTYPE,
            "optimizer": memory.DEFAULT_OPTIMIZER,
            "inference_dtype": inference.DEFAULT_SERVING_DTYPE,
        },
    }


#: The library's rules written as small Python functions, printed from their source with
#: the functions and tables they read (`t5site.jsprint.program`): the model type and head
#: ``architectures`` names (`t5sym.model.config.architecture`, ``_head``, ``_implied_type``,
#: ``_model_type``), whether the file is T5's (``_check_is_t5``), a model type's fields
#: (``_fields``: its defaults, aliases, ``id2label``), Switch's sparse steps
#: (``_sparse_steps``) and blocks (``SwitchTransformersConfig``,
#: ``SwitchTransformersStack``), llama.cpp's type for each GGUF tensor
#: (`t5sym.views.formats.tensor_types`: its file types' rules, ``use_more_bits``, the
#: fallback of rows a block does not divide), ``is_gated_act`` and ``dense_act_fn`` over
#: ``feed_forward_proj`` (`t5sym.model.config._feed_forward`), a core count's check
#: (`t5sym.views.layout.dividing`).
RULES = (
    config_module.architecture,
    config_module._head,
    config_module._implied_type,
    config_module._model_type,
    config_module._fields,
    config_module._check_is_t5,
    config_module._sparse_steps,
    config_module.sparse_step_of,
    config_module.sparse_count,
    config_module._feed_forward,
    config_module.dense_act_fn,
    formats.tensor_types,
    layout.dividing,
)

#: What the printed rules call that the runtime (``calculator.js``) defines: the checks of a
#: value's type (`t5sym.model.checks`), a value as a message shows it, and gcd.
NATIVES = ("boolean", "text", "activation", "positive_int", "_non_negative", "shown", "gcd")


def published_files() -> dict[str, dict[str, dict[str, list]]]:
    """The files of each preset as the published layouts write them (issue 19):
    ``{preset: {"true"|"false" (encoder only): {format: [[title, file bytes], ...]}}}``, from
    `t5sym.views.layouts.file_bytes`, where it gives a number (not a tokenizer's unknown
    length, not a layout refused for the structure)."""
    out: dict[str, dict[str, dict[str, list]]] = {}
    for name, p in presets.PRESETS.items():
        for encoder_only in (False, True):
            for fmt in formats.FORMATS:
                for lay in layouts.published_for(p.config, fmt, encoder_only):
                    try:
                        size = layouts.file_bytes(p.config, lay, encoder_only=encoder_only)
                    except T5SymError:  # Switch's sparse blocks in a diffusers header
                        continue
                    if size.file_bytes is not None:
                        by = out.setdefault(name, {}).setdefault(str(encoder_only).lower(), {})
                        by.setdefault(fmt, []).append([lay.title, size.file_bytes])
    return out


@cache
def data() -> tuple[dict[str, Any], list[str]]:
    """The JSON data of the file and its formula codes (in table order)."""
    t = Tables()
    records: dict[str, int] = {}
    keys: dict[str, int] = {}
    fields: dict[str, int] = {}
    field_lists: dict[tuple, int] = {}
    done: dict[params.Structure, str] = {}
    for config in configs():
        s = params.Structure.of(config)
        if s not in done:
            done[s] = json.dumps(structure(t, config), separators=(",", ":"))
        text = done[s]
        keys[key(config)] = records.setdefault(text, len(records))
        listed = tuple(config.to_dict())
        fields[key(config)[:2]] = field_lists.setdefault(listed, len(field_lists))
    saved = saved_trees(t)
    local_dims = {k: t.formula(e) for k, e in sharding.LOCAL_DIMS.items()}
    out = {
        **loader_tables(),
        "keys": keys,
        "structures": [json.loads(r) for r in records],
        "saved": saved,
        "LOCAL_DIMS": local_dims,
        "SHARD_SUMS": list(sharding.totals(params.structure(None))),
        "LOSS_REDUCTIONS": sharding.LOSS_REDUCTIONS,
        "BF16": sharding.BF16,
        "views": t.view_columns(),
        "weights": t.weight_columns(),
        "mathml": list(t.mathml),
        "to_dict": {"keys": fields, "lists": [list(f) for f in field_lists]},
        "presets": {name: _preset(p) for name, p in presets.PRESETS.items()},
        "files": published_files(),
    }
    out["saved"]["trees"] = t.shaped_list()
    out["nodes"] = t.node_list()  # last: every view above interned its nodes
    return out, list(t.formulas)


def runtime() -> str:
    """The hand-written part: checks, evaluation and the API (``calculator.js``)."""
    text = resources.files("t5site").joinpath("calculator.js").read_text(encoding="utf-8")
    # whole-line comments are for the reader of the source, not for the page's budget
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def javascript() -> str:
    """The whole file: the data, the formulas as BigInt functions, then the runtime."""
    tables, codes = data()
    formulas = ",\n".join(f"c=>{code}" for code in codes)
    return (
        "// Generated by t5site.calculator from the SymPy trees: do not edit.\n"
        '"use strict";\n(() => {\n'
        + jsprint.prelude()
        + jsprint.program(*RULES, natives=NATIVES)
        + f"const DATA = {json.dumps(tables, separators=(',', ':'), ensure_ascii=False)};\n"
        f"const FORMULAS = [\n{formulas}];\n"
        f"{runtime()}"
        "})();\n"
    )


def minify(text: str) -> str:
    """JavaScript as the site serves it: tdewolff/minify's output (comments and needless
    whitespace out, the names a function declares shortened, numbers kept exact; globals and
    properties as written). tdewolff-minify is a docs-build dependency, not one of t5sym's."""
    import minify as tdewolff

    tdewolff.config({"js-keep-var-names": False, "js-precision": 0, "js-version": 2022})
    return tdewolff.string("application/javascript", text)


def write(path: str | Path, *, minified: bool = False) -> Path:
    """Write `javascript` to ``path`` (folders made as needed), `minify`-ed if asked."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = javascript()
    path.write_text(minify(text) if minified else text, encoding="utf-8")
    return path
