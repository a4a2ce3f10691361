"""Per-core parameters, FLOPs and all-reduces of T5 under Mesh TF's layout (`t5sym.views.layout`).

Everything here is a view of the parameter tree (`t5sym.model.params.tree`), read from each
weight's shape by the layout rules:

- a split weight holds ∏shape / p on each core; a weight with no split axis (the RMSNorm
  scales) is whole on every core;
- a weight whose use sums out its split axis costs an all-reduce of ``[tokens, out]``:
  ``o`` and ``wo`` (heads and d_ff summed out) and the vocab-split ``shared`` lookup;
  ``q``, ``k``, ``v``, ``wi`` and ``lm_head`` keep the split axis in their output;
- FLOPs: the weight products of `t5sym.views.flops.forward_tree` (2 per multiply-add), divided
  by p for a split weight.

So each attention and feed-forward sublayer costs one all-reduce of a [B, length, d_model]
tensor whatever d_ff and num_heads are, while each core's work grows with d_ff/p and
num_heads·d_kv/p. With Mesh TF's ``model_parallelism`` 2, 8 and 32 for T5-large, 3B and
11B (`t5sym.views.layout.MODEL_PARALLELISM`) every core holds d_ff = 2048 and
num_heads·d_kv = 512: the same matrices per core in all three.

| symbol | meaning |
|---|---|
| ``cores`` (p) | cores along Mesh TF's ``model`` dimension |
| ``batch`` (B), ``encoder_length`` (S), ``decoder_length`` (T) | the workload |
| ``bytes_per_value`` (b) | bytes of one activation value (bfloat16: 2) |

Left out of the per-core FLOPs: the attention ``scores`` and ``context`` (split over heads
too, never communicating), elementwise work, the backward pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

import sympy
from sympy import Expr, Symbol

from t5sym.errors import T5SymError
from t5sym.model import checks, params, presets, symbols
from t5sym.model.algebra import evaluate, integer
from t5sym.model.checks import positive_int
from t5sym.model.config import Config, checked_config
from t5sym.model.nodes import Node, Tree
from t5sym.model.result import Result
from t5sym.model.roles import Role
from t5sym.views import flops
from t5sym.views.layout import (
    MODEL_PARALLELISM,
    check_cores,
    contracted_axis,
    local_shape,
    needs_allreduce,
    ring_bytes,
    split_axis,
    split_name,
)

#: Bytes of one activation value sent in an all-reduce (bfloat16 on TPU: 2).
BF16 = 2

#: All-reduces of [B, T] values for the loss over vocab-split logits: the max and the sum
#: of exponentials of a stable log-sum-exp, and the target's logit (a one-hot einsum).
LOSS_REDUCTIONS = 3

#: The trees `layout_tree` builds.
LAYOUT_TREES = ("parameters", "parameters_per_core", "flops", "flops_per_core", "allreduce_values")

#: What one core holds of each split dimension (`Shard.local_dims`).
LOCAL_DIMS: dict[str, Expr] = {
    "num_heads": symbols.num_heads / symbols.cores,
    "inner_dim": symbols.num_heads * symbols.d_kv / symbols.cores,
    "d_ff": symbols.d_ff / symbols.cores,
    "vocab_size": symbols.vocab_size / symbols.cores,
}

#: Per token: one input token through the encoder and one target token through the decoder.
PER_TOKEN: dict[Symbol, int] = {
    symbols.batch: 1,
    symbols.encoder_length: 1,
    symbols.decoder_length: 1,
}


@cache
def _views(structure: params.Structure) -> dict[str, Tree]:
    check_structure(structure)
    encoder_only = not structure.has_decoder
    base = params.model_tree(structure)
    # flops.py's forward FLOPs (lm_head's product even when tied), weight products only
    forward = flops.forward_tree_of(structure)
    matmuls = forward.view(lambda leaf: leaf.expr if leaf.kind == "linear" else None)

    def per_core(leaf: Node) -> Expr:
        return leaf.expr / symbols.cores if split_axis(leaf) is not None else leaf.expr

    def allreduced(leaf: Node) -> Expr | None:
        if not needs_allreduce(leaf):
            return None
        out = leaf.shape[1 - contracted_axis(leaf)]
        return flops.tokens_through(leaf, encoder_only) * leaf.repeat * out

    return {
        "parameters": base,
        "parameters_per_core": base.view(lambda leaf: leaf.repeat * sympy.Mul(*local_shape(leaf))),
        "flops": matmuls,
        "flops_per_core": matmuls.view(per_core),
        "allreduce_values": base.view(allreduced),
    }


def totals(structure: params.Structure) -> dict[str, Expr]:
    """The `Shard` figures that are sums over the trees, as formulas (in B, S, T too).

    ``replicated_per_core``: the weights with no split axis; ``flops_per_token`` and
    ``flops_per_token_per_core``: the ``flops`` and ``flops_per_core`` views' totals;
    ``embedding_allreduce_bytes``: the top-level weights whose use is all-reduced (the
    vocab-split ``shared`` lookup), b bytes per value.
    """
    check_structure(structure)
    return _totals(structure)


@cache
def _totals(structure: params.Structure) -> dict[str, Expr]:
    trees = _views(structure)
    lookups = [n for n in trees["allreduce_values"].root.children if n.is_leaf]
    return {
        "replicated_per_core": sympy.Add(
            *(n.expr for n in trees["parameters"] if n.is_leaf and split_axis(n) is None)
        ),
        "flops_per_token": trees["flops"].total,
        "flops_per_token_per_core": trees["flops_per_core"].total,
        "embedding_allreduce_bytes": sympy.Add(*(n.expr for n in lookups))
        * symbols.bytes_per_value,
    }


def layout_tree(name: str, config: Config | None = None, *, encoder_only: bool = False) -> Tree:
    """One view of the config's parameter tree under the layout.

    ``name`` is one of ``parameters``, ``parameters_per_core`` (repeat·∏local_shape),
    ``flops`` (the weight products of `t5sym.views.flops.forward_tree`: 2·tokens·entries,
    ``lm_head`` included when tied), ``flops_per_core`` (the split ones divided by p) and
    ``allreduce_values`` (tokens·repeat·out for each weight whose use sums out its split
    axis: values all-reduced per forward pass). Without a config: T5 v1.0's structure.

    Examples
    --------
    >>> from t5sym.views import sharding
    >>> tree = sharding.layout_tree("parameters_per_core")
    >>> tree["encoder.block.*.layer.1.DenseReluDense.wi"].expr
    d_ff*d_model*num_layers/cores
    """
    if name not in LAYOUT_TREES:
        raise T5SymError(
            f"name: unknown layout tree {checks.shown(name)}; known: {', '.join(LAYOUT_TREES)}"
        )
    encoder_only = checks.boolean("encoder_only", encoder_only)
    return _views(params.structure(config, encoder_only=encoder_only))[name]


def check_structure(structure: params.Structure) -> None:
    """Refuse what Mesh TF's T5 layout does not cover, with the reason (one line)."""
    if not isinstance(structure, params.Structure):
        got = checks.shown(structure)
        raise T5SymError(f"structure: must be a t5sym.model.params.Structure, got {got}")
    if structure.sparse:
        raise T5SymError(
            "model_type: Switch Transformers spreads its experts over cores (expert "
            "parallelism), which is not the T5 layout this view models"
        )
    if structure.head not in ("ForConditionalGeneration", "Model", "EncoderModel"):
        raise T5SymError(
            f"architectures: the Mesh TF layout is modelled for the seq2seq model and its "
            f"encoder, not *{structure.head}"
        )


# ---------------------------------------------------------------------------------------
# One block of a stack: FLOPs per core and all-reduces.


def _block_leaves(tree: Tree, stack: str) -> list[Node]:
    """The leaves of ``stack``'s blocks (not its embedding or final norm)."""
    return [n for n in tree if n.is_leaf and n.stack == stack and n.within(Role.BLOCK)]


def _check_stack(stack: object) -> None:
    if stack not in ("encoder", "decoder"):
        got = checks.shown(stack)
        raise T5SymError(f"stack: must be 'encoder' or 'decoder', got {got}")


@dataclass(frozen=True)
class Block:
    """One encoder or decoder block under the layout, as formulas.

    FLOPs are the matmul FLOPs of one forward pass through the block, all-reduce sizes the
    values summed across cores in that pass (B·S·d_model per all-reduce in the encoder,
    B·T·d_model in the decoder).
    """

    stack: str
    flops: Expr
    flops_per_core: Expr
    allreduces: int
    allreduce_values: Expr

    @property
    def allreduce_bytes(self) -> Expr:
        """Bytes of the tensors all-reduced: values × bytes_per_value."""
        return self.allreduce_values * symbols.bytes_per_value

    @property
    def bytes_sent_per_core(self) -> Expr:
        """Bytes each core sends in those ring all-reduces: 2·(p−1)/p × allreduce_bytes."""
        return ring_bytes(self.allreduce_bytes)

    @property
    def ratio(self) -> Expr:
        """FLOPs per core / bytes sent per core, simplified (infinite on one core).

        Encoder block: (2·num_heads·d_kv + k·d_ff) / ((p − 1)·bytes_per_value), k = 1 for a
        ReLU FFN and 3/2 for a gated one.
        """
        return sympy.factor(sympy.simplify(self.flops_per_core / self.bytes_sent_per_core))


def block(config: Config | None = None, stack: str = "encoder") -> Block:
    """The block of ``stack`` (``"encoder"`` or ``"decoder"``) for the config's structure.

    Every quantity is derived from the tree's leaves under ``{stack}.block.*``, per block
    (each leaf's view divided by its repeat): the all-reduce count is the number of weights
    whose use sums out their split axis (2 per encoder block: o, wo; 3 per decoder block).

    Examples
    --------
    >>> from t5sym.views import sharding
    >>> sharding.block(stack="encoder").allreduces, sharding.block(stack="decoder").allreduces
    (2, 3)
    >>> sharding.block(stack="encoder").ratio
    (d_ff + 2*d_kv*num_heads)/(bytes_per_value*(cores - 1))
    """
    _check_stack(stack)

    def per_block(name: str) -> Expr:
        return sympy.Add(
            *(n.expr / n.repeat for n in _block_leaves(layout_tree(name, config), stack))
        )

    return Block(
        stack,
        per_block("flops"),
        per_block("flops_per_core"),
        len(_block_leaves(layout_tree("allreduce_values", config), stack)),
        per_block("allreduce_values"),
    )


@dataclass(frozen=True)
class WeightLayout:
    """One weight of a block under the layout, per block, as formulas.

    ``split`` is the Mesh TF name of its split dimension (None: whole on every core);
    ``allreduce_values`` is None when its use needs no communication.
    """

    name: str
    split: str | None
    parameters_per_core: Expr
    flops_per_core: Expr
    allreduce_values: Expr | None


def weight_layouts(config: Config | None = None, stack: str = "encoder") -> list[WeightLayout]:
    """Every weight of one ``stack`` block: its split, and per block its parameters and
    FLOPs per core and the values it all-reduces (in B, S, T and p)."""
    _check_stack(stack)
    per_core, fl = layout_tree("parameters_per_core", config), layout_tree("flops_per_core", config)
    reduced = layout_tree("allreduce_values", config)
    out = []
    for leaf in _block_leaves(layout_tree("parameters", config), stack):
        flop = fl.nodes.get(leaf.name)
        out.append(
            WeightLayout(
                leaf.name,
                split_name(leaf),
                per_core[leaf.name].expr / leaf.repeat,
                flop.expr / leaf.repeat if flop else sympy.S.Zero,
                reduced[leaf.name].expr / leaf.repeat if leaf.name in reduced.nodes else None,
            )
        )
    return out


# ---------------------------------------------------------------------------------------
# Numbers for one config on p cores.


def point(
    config: Config, cores: int, bytes_per_value: int = BF16, **workload: int
) -> dict[Symbol, int]:
    """Every symbol's value: the config's dims, the cores, bytes per value and the
    workload (``batch``, ``encoder_length``, ``decoder_length``; 1 unless given: per
    token). Any other keyword is refused."""
    values = checked_config(config).values()
    known = {s.name: s for s in PER_TOKEN}
    for name in workload:
        if name not in known:
            raise T5SymError(
                f"{checks.shown(name)[1:-1][:40]}: unknown keyword; known: {', '.join(known)}"
            )
    return {
        **values,
        symbols.cores: positive_int("cores", cores),
        symbols.bytes_per_value: positive_int("bytes_per_value", bytes_per_value),
        **PER_TOKEN,
        **{known[name]: positive_int(name, value) for name, value in workload.items()},
    }


@dataclass(frozen=True)
class BlockNumbers(Result):
    """One block's figures per token (B = S = T = 1), exact.

    ``ratio`` (FLOPs per core per byte sent) is None on one core: nothing is sent.
    """

    flops_per_core: int
    allreduces: int
    allreduce_bytes: int
    bytes_sent_per_core: Fraction
    ratio: Fraction | None

    FIELDS = ("flops_per_core", "allreduces", "allreduce_bytes", "bytes_sent_per_core", "ratio")


@dataclass(frozen=True)
class Shard(Result):
    """A config on ``cores`` cores under Mesh TF's layout: exact figures per token.

    Per token means one input token through the encoder and one target token through the
    decoder (B = S = T = 1); every figure scales with B·S or B·T. On one core there is no
    communication: all-reduces, bytes and ratios are 0 or None.
    """

    config: Config
    cores: int
    bytes_per_value: int
    local_dims: dict[str, int]
    parameters: int
    parameters_per_core: int
    replicated_per_core: int
    flops_per_token: int
    flops_per_token_per_core: int
    blocks: dict[str, BlockNumbers]
    embedding_allreduce_bytes: int
    loss_allreduce_bytes: int
    breakdown_per_core: dict[str, int] = field(repr=False)

    FIELDS = (
        "name",
        "cores",
        "bytes_per_value",
        "local_dims",
        "parameters",
        "parameters_per_core",
        "replicated_per_core",
        "flops_per_token",
        "flops_per_token_per_core",
        "blocks",
        "embedding_allreduce_bytes",
        "loss_allreduce_bytes",
    )
    DETAILS = ("breakdown_per_core",)

    @property
    def name(self) -> str | None:
        """The config's name."""
        return self.config.name


def _block_numbers(config: Config, stack: str, at: dict[Symbol, int]) -> BlockNumbers:
    lay = block(config, stack)
    if at[symbols.cores] == 1:
        return BlockNumbers(integer(lay.flops_per_core, at), 0, 0, Fraction(0), None)
    flops = integer(lay.flops_per_core, at)
    sent = Fraction(evaluate(lay.bytes_sent_per_core, at))
    return BlockNumbers(flops, lay.allreduces, integer(lay.allreduce_bytes, at), sent, flops / sent)


def shard(config: Config, cores: int, bytes_per_value: int = BF16) -> Shard:
    """Evaluate the layout for ``config`` on ``cores`` cores, per token.

    Examples
    --------
    >>> import t5sym
    >>> s = t5sym.shard(t5sym.load("t5-3b"), 8)
    >>> s.local_dims["d_ff"], s.local_dims["inner_dim"], s.blocks["encoder"].allreduces
    (2048, 512, 2)

    Raises
    ------
    T5SymError
        ``cores: ...`` (a positive divisor of num_heads, d_ff and vocab_size) or
        ``bytes_per_value: ...``, one line.
    """
    checked_config(config)
    check_structure(params.structure(config))  # the class named first: no core count fits it
    model = params.build(config, encoder_only=config.encoder_only)
    structure = model.structure
    cores = check_cores(config, cores)
    bytes_per_value = positive_int("bytes_per_value", bytes_per_value)
    encoder_only = not model.has_decoder
    at = point(config, cores, bytes_per_value)
    per_core = _views(structure)["parameters_per_core"].evaluate(at)
    sums = {k: integer(e, at) for k, e in totals(structure).items()}
    stacks = ("encoder",) if encoder_only else ("encoder", "decoder")
    talks = cores > 1
    return Shard(
        config=config,
        cores=cores,
        bytes_per_value=bytes_per_value,
        local_dims={k: integer(e, at) for k, e in LOCAL_DIMS.items()},
        parameters=integer(_views(structure)["parameters"].total, at),
        parameters_per_core=per_core[""],
        replicated_per_core=sums["replicated_per_core"],
        flops_per_token=sums["flops_per_token"],
        flops_per_token_per_core=sums["flops_per_token_per_core"],
        blocks={stack: _block_numbers(config, stack, at) for stack in stacks},
        embedding_allreduce_bytes=sums["embedding_allreduce_bytes"] if talks else 0,
        loss_allreduce_bytes=LOSS_REDUCTIONS * bytes_per_value if talks and not encoder_only else 0,
        breakdown_per_core=per_core,
    )


def mesh_tf_presets() -> dict[str, Shard]:
    """T5-large, 3B and 11B on their Mesh TF model parallelism (each core: d_ff = 2048)."""
    return {name: shard(presets.get(name).config, p) for name, p in MODEL_PARALLELISM.items()}
