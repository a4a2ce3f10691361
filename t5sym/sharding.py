"""Mesh TensorFlow's model-parallel layout for T5: per-core parameters, FLOPs and all-reduces.

T5 was trained with Mesh TensorFlow, whose layout rules split the ``heads``, ``d_ff`` and
``vocab`` dimensions over the ``model`` mesh dimension of ``p`` cores and never split
``d_model`` (tensorflow/mesh ``mesh_tensorflow/transformer/gin/defaults.gin``:
``layout_rules = "...,d_ff:model,heads:model,vocab:model,..."``; t5x ``partitioning.py``
keeps ``('embed', None)``). An einsum needs communication, an all-reduce of its output,
only when a dimension it sums out is split (tensorflow/mesh ``README.md``, "Where does the
network communication happen?"; ``mtf.gather`` is an einsum with a one-hot, ``ops.py``).

Everything here is a view of the parameter tree (`t5sym.params.tree`), read from each
weight's shape:

- a weight is split along the axis whose formula holds num_heads, d_ff or vocab_size
  (`split_axis`) and each core holds ∏shape / p of it; a weight without such an
  axis (the RMSNorm scales, d_model) is replicated on every core;
- a ``Linear`` sums out its input axis (torch order ``(out, in)``) and an embedding lookup
  its rows, so a weight costs an all-reduce of ``[tokens, out]`` exactly when the summed
  axis is the split one (`contracted_axis`): ``o`` and ``wo`` (heads and d_ff summed
  out) and the vocab-split ``shared`` lookup; ``q``, ``k``, ``v``, ``wi`` and ``lm_head``
  keep the split axis in their output and need none;
- FLOPs: the weight products of `t5sym.flops.forward_tree` (2 per multiply-add,
  one multiply-add per weight entry per token), divided by p for a split weight.

So each attention and feed-forward sublayer costs one all-reduce of a [B, length, d_model]
tensor whatever d_ff and num_heads are, while each core's work grows with d_ff/p and
num_heads·d_kv/p. With Mesh TF's ``model_parallelism`` 2, 8 and 32 for T5-large, 3B and
11B (`MODEL_PARALLELISM`) every core holds d_ff = 2048 and num_heads·d_kv = 512: the
same matrices per core in all three, and the same d_model = 1024 all-reduces. The T5 paper
(arXiv:1910.10683, §3.7) says d_ff was scaled because accelerators "are most efficient for
large dense matrix multiplications".

| symbol | meaning |
|---|---|
| ``cores`` (p) | cores along Mesh TF's ``model`` dimension |
| ``batch`` (B), ``encoder_length`` (S), ``decoder_length`` (T) | the workload |
| ``bytes_per_value`` | bytes of one activation value (bfloat16: 2) |

Left out of the per-core FLOPs: flops.py's attention ``scores`` and ``context`` (split
over heads too, and summing over d_kv and key positions, so never communicating; they
would add 4·B·n_q·n_k·num_heads·d_kv/p per attention), elementwise work, the backward pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import sympy
from sympy import Expr, Symbol

from . import flops, params, presets
from .config import Config
from .errors import T5SymError
from .symbols import (
    batch,
    bytes_per_value,
    cores,
    d_ff,
    d_kv,
    d_model,
    decoder_length,
    encoder_length,
    num_heads,
    vocab_size,
)
from .tree import Node, Tree

#: Bytes of one activation value sent in an all-reduce (bfloat16 on TPU: 2);
#: `t5sym.symbols.bytes_per_value` when left open.
BF16 = 2

#: The dims Mesh TF's T5 layout splits over the ``model`` mesh dimension, with their Mesh TF
#: names (``defaults.gin`` layout_rules ``d_ff:model,heads:model,vocab:model``).
SPLIT: dict[Symbol, str] = {num_heads: "heads", d_ff: "d_ff", vocab_size: "vocab"}

#: ``utils.tpu_mesh_shape.model_parallelism`` of the T5 v1.0 gins.
MODEL_PARALLELISM: dict[str, int] = {"t5-large": 2, "t5-3b": 8, "t5-11b": 32}
MODEL_PARALLELISM_SOURCE = (
    "google-research/text-to-text-transfer-transformer t5/models/gin/models/"
    "bi_v1_large.gin, bi_v1_3B.gin, bi_v1_11B.gin (utils.tpu_mesh_shape.model_parallelism)"
)

#: Ring all-reduce: every core sends (and receives) 2·(p−1)/p times the tensor's bytes
#: (a reduce-scatter, then an all-gather, each of p−1 steps of 1/p of the tensor).
RING_FACTOR: Expr = 2 * (cores - 1) / cores

#: All-reduces of [B, T] values for the loss over vocab-split logits: the max and the sum
#: of exponentials of a stable log-sum-exp, and the target's logit (a one-hot einsum).
LOSS_REDUCTIONS = 3


def ring_bytes(tensor_bytes: Expr) -> Expr:
    """Bytes each core sends in a ring all-reduce of ``tensor_bytes``: 2·(p−1)/p × bytes."""
    return RING_FACTOR * tensor_bytes


# ---------------------------------------------------------------------------------------
# The layout of one weight, read from its shape.


def split_axis(leaf: Node) -> int | None:
    """The axis of ``leaf.shape`` split over the cores, or ``None`` (replicated).

    It is the axis whose formula holds num_heads, d_ff or vocab_size: the rows of q, k, v
    (num_heads·d_kv), the columns of o, the rows of wi and columns of wo (d_ff), the rows of
    ``shared`` and ``lm_head`` (vocab_size), the columns of the relative attention bias.
    """
    axes = [i for i, dim in enumerate(leaf.shape) if dim.free_symbols & SPLIT.keys()]
    if len(axes) > 1:  # one tensor cannot use the model mesh dimension twice
        raise ValueError(f"{leaf.name}: more than one split dimension in {leaf.shape}")
    return axes[0] if axes else None


def contracted_axis(leaf: Node) -> int | None:
    """The axis of the weight that its use sums out.

    ``Linear``: the input axis (torch stores ``(out, in)``): axis 1. An embedding lookup is
    an einsum with a one-hot over the rows (``mtf.gather``): axis 0. A norm scale is
    elementwise: ``None``.
    """
    return {"linear": 1, "embedding": 0}.get(leaf.kind)


def local_shape(leaf: Node) -> tuple[Expr, ...]:
    """The shape of the weight on one core: the split axis divided by p."""
    axis = split_axis(leaf)
    return tuple(dim / cores if i == axis else dim for i, dim in enumerate(leaf.shape))


def needs_allreduce(leaf: Node) -> bool:
    """True when the weight's use sums out its split axis, so the output is all-reduced."""
    axis = split_axis(leaf)
    return axis is not None and axis == contracted_axis(leaf)


def _reads_encoder_output(leaf: Node) -> bool:
    """Cross-attention k and v project the encoder output (``key_value_states``)."""
    return ".EncDecAttention." in leaf.name and leaf.short in ("k", "v")


def tokens(leaf: Node, encoder_only: bool = False) -> Expr:
    """Tokens that pass through the weight in one forward pass.

    A ``Linear``: `t5sym.flops.tokens` (B·S in the encoder and for cross-attention
    keys and values, B·T elsewhere). The shared embedding is looked up once per stack
    input: B·S, plus B·T with a decoder.
    """
    if leaf.kind == "linear":
        return flops.tokens(leaf)
    source = batch * encoder_length
    return source if encoder_only else source + batch * decoder_length


# ---------------------------------------------------------------------------------------
# Views of the parameter tree.


#: The views `view` builds.
VIEWS = ("parameters", "parameters_per_core", "flops", "flops_per_core", "allreduce_values")


_VIEWS: dict[tuple[bool, bool, bool], dict[str, Tree]] = {}


def _build(config: Config | None, encoder_only: bool) -> dict[str, Tree]:
    base = params.tree(config, encoder_only=encoder_only)
    # flops.py's forward FLOPs (lm_head's product even when tied), weight products only
    matmuls = flops.forward_tree(config, encoder_only).view(
        lambda leaf: leaf.expr if leaf.kind == "linear" else None
    )

    def per_core(leaf: Node) -> Expr:
        return leaf.expr / cores if split_axis(leaf) is not None else leaf.expr

    def allreduced(leaf: Node) -> Expr | None:
        if not needs_allreduce(leaf):
            return None
        out = leaf.shape[1 - contracted_axis(leaf)]
        return tokens(leaf, encoder_only) * leaf.repeat * out

    return {
        "parameters": base,
        "parameters_per_core": base.view(lambda leaf: leaf.repeat * sympy.Mul(*local_shape(leaf))),
        "flops": matmuls,
        "flops_per_core": matmuls.view(per_core),
        "allreduce_values": base.view(allreduced),
    }


def view(name: str, config: Config | None = None, *, encoder_only: bool = False) -> Tree:
    """One view of the config's parameter tree under the layout.

    ``name`` is one of ``parameters``, ``parameters_per_core`` (repeat·∏local_shape),
    ``flops`` (the weight products of `t5sym.flops.forward_tree`: 2·tokens·entries,
    ``lm_head`` included when tied) and ``flops_per_core`` (the split ones divided by p),
    ``allreduce_values`` (tokens·repeat·out for each weight whose use sums out its
    split axis: values all-reduced per forward pass). Without a config: T5 v1.0's
    structure.

    Examples
    --------
    >>> view("parameters_per_core")["encoder.block.*.layer.1.DenseReluDense.wi"].expr
    d_ff*d_model*num_layers/cores
    """
    gated = bool(config and config.is_gated)
    tied = config.tie_word_embeddings if config is not None else True
    key = (gated, tied or encoder_only, encoder_only)
    if key not in _VIEWS:
        _VIEWS[key] = _build(config, encoder_only)
    return _VIEWS[key][name]


# ---------------------------------------------------------------------------------------
# One block of a stack: FLOPs per core and all-reduces.


def _block(tree: Tree, stack: str) -> list[Node]:
    prefix = f"{stack}.block.*."
    return [n for n in tree.nodes.values() if n.is_leaf and n.name.startswith(prefix)]


@dataclass(frozen=True)
class Layer:
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
        return self.allreduce_values * bytes_per_value

    @property
    def bytes_sent_per_core(self) -> Expr:
        """Bytes each core sends in those ring all-reduces: 2·(p−1)/p × allreduce_bytes."""
        return ring_bytes(self.allreduce_bytes)

    @property
    def ratio(self) -> Expr:
        """FLOPs per core / bytes sent per core, simplified.

        Encoder block: (2·num_heads·d_kv + k·d_ff) / ((p − 1)·bytes_per_value), k = 1 for a
        ReLU FFN and 3/2 for a gated one: the per-core work (∝ d_model·d_ff/p and
        d_model·num_heads·d_kv/p) over a d_model-sized all-reduce.
        """
        return sympy.factor(sympy.simplify(self.flops_per_core / self.bytes_sent_per_core))


def layer(config: Config | None = None, stack: str = "encoder") -> Layer:
    """The block of ``stack`` (``"encoder"`` or ``"decoder"``) for the config's structure.

    Every quantity is derived from the tree's leaves under ``{stack}.block.*``, per block
    (each leaf's view divided by its repeat): the all-reduce count is the number of weights
    whose use sums out their split axis (2 per encoder block: o, wo; 3 per decoder block).

    Examples
    --------
    >>> layer(stack="encoder").allreduces, layer(stack="decoder").allreduces
    (2, 3)
    >>> layer(stack="encoder").ratio
    (d_ff + 2*d_kv*num_heads)/(bytes_per_value*(cores - 1))
    """
    if stack not in ("encoder", "decoder"):
        raise T5SymError(f"stack: must be 'encoder' or 'decoder', got {stack!r}")

    def per_block(name: str) -> Expr:
        return sympy.Add(*(n.expr / n.repeat for n in _block(view(name, config), stack)))

    return Layer(
        stack,
        per_block("flops"),
        per_block("flops_per_core"),
        len(_block(view("allreduce_values", config), stack)),
        per_block("allreduce_values"),
    )


# ---------------------------------------------------------------------------------------
# Numbers for one config on p cores.


def check_cores(config: Config, p: object) -> int:
    """``p`` as the number of cores, checked: a positive integer dividing every split dim.

    Raises
    ------
    T5SymError
        ``cores: 3 does not divide num_heads = 32`` (or d_ff, vocab_size).
    """
    if isinstance(p, bool) or not isinstance(p, int):
        raise T5SymError(f"cores: must be a positive integer, got {p!r}")
    if p <= 0:
        raise T5SymError(f"cores: must be a positive integer, got {p}")
    values = config.values()
    for symbol in SPLIT:
        if values[symbol] % p:
            raise T5SymError(f"cores: {p} does not divide {symbol.name} = {values[symbol]}")
    return p


def exact(expr: Expr, values: Mapping[Symbol, int]) -> Fraction:
    """``expr`` at ``values``, exactly (every free symbol must be given)."""
    number = sympy.Rational(expr.xreplace({s: sympy.Integer(v) for s, v in values.items()}))
    return Fraction(int(number.p), int(number.q))


def _integer(expr: Expr, values: Mapping[Symbol, int]) -> int:
    number = exact(expr, values)
    if number.denominator != 1:  # cannot happen once check_cores has passed
        raise ValueError(f"{expr} is not an integer at these values: {number}")
    return number.numerator


@dataclass(frozen=True)
class LayerNumbers:
    """One block's figures per token (B = S = T = 1), exact."""

    flops_per_core: int
    allreduces: int
    allreduce_bytes: int
    bytes_sent_per_core: Fraction
    ratio: Fraction


@dataclass(frozen=True)
class Shard:
    """A config on ``cores`` cores under Mesh TF's layout: exact figures.

    Per token means one input token through the encoder and one target token through the
    decoder (B = S = T = 1); every figure scales with B·S or B·T.
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
    layers: dict[str, LayerNumbers]
    embedding_allreduce_bytes: int
    loss_allreduce_bytes: int
    breakdown_per_core: dict[str, int] = field(repr=False)


def values(config: Config, p: int, bytes_value: int = BF16, **workload: int) -> dict:
    """Every symbol's value: the config's dims, p, bytes per value and B = S = T = 1."""
    load = {"batch": 1, "encoder_length": 1, "decoder_length": 1, **workload}
    return {
        **config.values(),
        cores: p,
        bytes_per_value: bytes_value,
        batch: load["batch"],
        encoder_length: load["encoder_length"],
        decoder_length: load["decoder_length"],
    }


def shard(config: Config, p: int, bytes_value: int = BF16) -> Shard:
    """Evaluate the layout for ``config`` on ``p`` cores, per token.

    Examples
    --------
    >>> from t5sym.presets import load
    >>> s = shard(load("t5-3b"), 8)
    >>> s.local_dims["d_ff"], s.local_dims["inner_dim"], s.layers["encoder"].allreduces
    (2048, 512, 2)
    """
    check_cores(config, p)
    if isinstance(bytes_value, bool) or not isinstance(bytes_value, int) or bytes_value <= 0:
        raise T5SymError(f"bytes_per_value: must be a positive integer, got {bytes_value!r}")
    encoder_only = config.encoder_only
    at = values(config, p, bytes_value)
    trees = {k: view(k, config, encoder_only=encoder_only) for k in VIEWS}
    per_core = {"": trees["parameters_per_core"].total} | {
        name: n.expr for name, n in trees["parameters_per_core"].nodes.items()
    }
    replicated = [n for n in trees["parameters"] if n.is_leaf and split_axis(n) is None]
    stacks = ("encoder",) if encoder_only else ("encoder", "decoder")
    layers = {}
    for stack in stacks:
        lay = layer(config, stack)
        layers[stack] = LayerNumbers(
            _integer(lay.flops_per_core, at),
            lay.allreduces,
            _integer(lay.allreduce_bytes, at),
            exact(lay.bytes_sent_per_core, at),
            exact(lay.ratio, at),
        )
    lookups = [n for n in trees["allreduce_values"].root.children if n.is_leaf]
    return Shard(
        config=config,
        cores=p,
        bytes_per_value=bytes_value,
        local_dims={
            "num_heads": config.num_heads // p,
            "inner_dim": config.inner_dim // p,
            "d_ff": config.d_ff // p,
            "vocab_size": config.vocab_size // p,
        },
        parameters=_integer(trees["parameters"].total, at),
        parameters_per_core=_integer(per_core[""], at),
        replicated_per_core=sum(_integer(n.expr, at) for n in replicated),
        flops_per_token=_integer(trees["flops"].total, at),
        flops_per_token_per_core=_integer(trees["flops_per_core"].total, at),
        layers=layers,
        embedding_allreduce_bytes=sum(_integer(n.expr * bytes_per_value, at) for n in lookups),
        loss_allreduce_bytes=0 if encoder_only else LOSS_REDUCTIONS * bytes_value,
        breakdown_per_core={k: _integer(v, at) for k, v in per_core.items()},
    )


# ---------------------------------------------------------------------------------------
# The road not taken: the same parameter count by growing d_model.


@dataclass(frozen=True)
class Alternative:
    """A T5 v1.0 preset against a model of the same size grown in d_model instead.

    The grown model keeps depth, vocabulary and d_kv = 128 and scales like T5-base and
    large: d_ff = 4·d_model and num_heads·d_kv = d_model. ``d_model_exact`` solves
    params(d_model) = the preset's count; ``grown`` rounds it to a multiple of 128.
    """

    preset: str
    cores: int
    equation: sympy.Eq
    d_model_exact: Expr
    original: Shard
    grown: Shard

    @property
    def d_model(self) -> float:
        return float(self.d_model_exact)

    def at_root(self, stack: str = "encoder") -> dict[str, float]:
        """The block's per-token figures at the exact root (before rounding d_model)."""
        lay = layer(self.grown.config, stack)
        at = values(self.grown.config, self.cores, self.grown.bytes_per_value)
        at |= {d_model: self.d_model_exact, d_ff: 4 * self.d_model_exact}
        at[num_heads] = self.d_model_exact / self.grown.config.d_kv
        return {
            "flops_per_core": float(lay.flops_per_core.xreplace(at)),
            "allreduce_bytes": float(lay.allreduce_bytes.xreplace(at)),
        }


def grow_d_model(name: str, p: int | None = None, head_width: int = 128) -> Alternative:
    """Solve for the d_model that reaches ``name``'s parameter count the usual way.

    Substitutes d_ff = 4·d_model and num_heads = d_model/d_kv into the preset's parameter
    formula (`t5sym.params.tree`), keeps its depth, vocabulary and buckets, sets
    d_kv = ``head_width`` and solves the quadratic in d_model with ``sympy.solve``. Then
    compares both on ``p`` cores (default: the preset's Mesh TF model parallelism).

    Examples
    --------
    >>> alt = grow_d_model("t5-3b")
    >>> alt.grown.config.d_model, alt.grown.layers["encoder"].allreduce_bytes
    (2048, 8192)
    """
    original = presets.get(name).config
    p = p if p is not None else MODEL_PARALLELISM.get(name, 1)
    fixed = {s: v for s, v in original.values().items() if s not in (d_model, d_ff, num_heads)}
    fixed[d_kv] = head_width
    size = params.count(original).total
    formula = params.tree(original).total.subs({d_ff: 4 * d_model, num_heads: d_model / d_kv})
    width = Symbol("d_model", positive=True)  # real: the root is not an integer
    equation = sympy.Eq(formula.subs(fixed).subs(d_model, width), size)
    (root,) = sympy.solve(equation, width)
    width = head_width * max(1, round(float(root) / head_width))
    grown = Config(
        d_model=width,
        d_ff=4 * width,
        num_heads=width // head_width,
        d_kv=head_width,
        num_layers=original.num_layers,
        num_decoder_layers=original.num_decoder_layers,
        vocab_size=original.vocab_size,
        relative_attention_num_buckets=original.relative_attention_num_buckets,
        feed_forward_proj=original.feed_forward_proj,
        tie_word_embeddings=original.tie_word_embeddings,
        name=f"{name} grown in d_model",
    )
    return Alternative(name, p, equation, root, shard(original, p), shard(grown, p))


def mesh_tf_presets() -> dict[str, Shard]:
    """T5-large, 3B and 11B on their Mesh TF model parallelism (each core: d_ff = 2048)."""
    out = {name: shard(presets.get(name).config, p) for name, p in MODEL_PARALLELISM.items()}
    widths = {s.local_dims["d_ff"] for s in out.values()}
    assert widths == {2048}, widths  # the T5 v1.0 gins: 4096/2 = 16384/8 = 65536/32
    return out


__all__ = [
    "BF16",
    "LOSS_REDUCTIONS",
    "MODEL_PARALLELISM",
    "RING_FACTOR",
    "SPLIT",
    "Alternative",
    "Layer",
    "LayerNumbers",
    "Shard",
    "bytes_per_value",
    "check_cores",
    "contracted_axis",
    "exact",
    "grow_d_model",
    "layer",
    "local_shape",
    "mesh_tf_presets",
    "needs_allreduce",
    "ring_bytes",
    "shard",
    "split_axis",
    "tokens",
    "view",
]
