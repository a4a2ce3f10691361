"""Serving a T5 model: weights, key/value caches, activation peaks and the cost of generating.

Every formula is a view of the parameter tree (`t5sym.model.params.tree`) or of the FLOP tree
(`t5sym.views.flops.forward_tree`), symbolic in B (``batch``), S (``encoder_length``), T
(``decoder_length``) and the dims; ``b`` is the bytes per value of the weights' dtype.

| quantity | formula |
|---|---|
| self-attention cache (decoder ``k``, ``v``) | b·B·T·num_heads·d_kv per weight and block |
| cross-attention cache (``EncDecAttention`` ``k``, ``v``) | b·B·S·num_heads·d_kv per ... |
| cached generation of T tokens | encoder + cross k, v once + Σ_{t=1..T} step(t) |
| uncached generation | encoder + Σ_{t=1..T} decoder forward on t tokens |

The caches are what transformers' ``EncoderDecoderCache`` holds after a forward with
``use_cache=True``: each decoder layer of ``self_attention_cache`` keeps keys and values
of shape (B, num_heads, T, d_kv), each layer of ``cross_attention_cache`` (B, num_heads,
S, d_kv), in the weights' dtype. A cache entry is the output of a ``k`` or ``v``
projection for every token that passed through it (`t5sym.views.flops.tokens_through`), so the
cache tree is the parameter tree's view b·tokens·repeat·(output width).

T5Gemma's caches (`gemma_cache`): k and v of num_key_value_heads·head_dim per token, T
tokens in a full decoder layer and the last sliding_window − 1 in a sliding one
(transformers' ``DynamicSlidingWindowLayer``), S in every cross-attention layer; T5Gemma
2's merged decoder attention fills both caches from the same k and v.

Decoding step t (1-based; the query is one token, t positions are cached) multiplies by
every decoder weight once per sequence except the cross-attention ``k`` and ``v`` (their
outputs are cached from the first step), attends to t self positions and S encoder
positions, and projects to the vocabulary: as ``FlopCounterMode`` counts one step of
``generate()`` (greedy, eager attention).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

import sympy
from sympy import Expr, Symbol

from t5sym.errors import T5SymError
from t5sym.model import checks, gemma, params, symbols
from t5sym.model.algebra import expression, integer
from t5sym.model.checks import positive_int
from t5sym.model.config import Config, checked_config, served
from t5sym.model.nodes import Node, Tree
from t5sym.model.result import Result
from t5sym.model.roles import HEADS, Role
from t5sym.model.symbols import (
    batch,
    bytes_per_value,
    d_ff,
    d_kv,
    d_model,
    decoder_length,
    encoder_length,
    num_heads,
    vocab_size,
)
from t5sym.views import flops, memory
from t5sym.views.hardware import Accelerator

#: The step index of a cached decode (1-based): the positions the step attends to.
step = sympy.Symbol("t", integer=True, positive=True)

#: Dtypes a model is served in (int8 quantization changes the activations; not modelled).
INFERENCE_DTYPES = ("fp32", "bf16", "fp16")

#: Defaults of ``t5sym inference``: one sequence, T5's input length 512 and 128 targets
#: (as `t5sym.views.flops`), weights in bf16 (how Flan-T5 and T5 v1.1 checkpoints are served).
DEFAULT_SERVING_DTYPE = "bf16"

#: Bytes of an int64 (token ids, relative-position buckets).
INT64 = 8


# ---------------------------------------------------------------------------------------
# Caches: views of the parameter tree.


def cached(leaf: Node) -> str | None:
    """``"self"`` or ``"cross"`` for a decoder ``k``/``v`` weight, else ``None``."""
    if leaf.stack is not Role.DECODER or leaf.kind != "linear" or not leaf.within(Role.K, Role.V):
        return None
    return "cross" if leaf.within(Role.CROSS_ATTENTION) else "self"


def cache_bytes(leaf: Node, b: Expr | int = bytes_per_value) -> Expr | None:
    """Bytes one cached weight's outputs take: b·tokens·repeat·(output width).

    tokens is B·T for a decoder self-attention ``k``/``v``, B·S for a cross-attention one
    (`t5sym.views.flops.tokens_through`); the output width is the weight's first dim
    (num_heads·d_kv). ``None`` (not cached) for every other leaf.
    """
    if cached(leaf) is None:
        return None
    return b * flops.tokens_through(leaf) * leaf.repeat * leaf.shape[0]


def cache_tree(config: Config | None = None, b: Expr | int = bytes_per_value) -> Tree:
    """The decoder's ``EncoderDecoderCache`` in bytes, one leaf per cached ``k``/``v``.

    Examples
    --------
    >>> from t5sym.views import inference
    >>> inference.cache_tree()["decoder.block.*.layer.0.SelfAttention.k"].expr
    batch*bytes_per_value*d_kv*decoder_length*num_decoder_layers*num_heads
    """
    b = _bytes(b)
    return params.tree(config).view(lambda leaf: cache_bytes(leaf, b))


def cache_part(tree: Tree, kind: str) -> Expr:
    """The ``"self"`` or ``"cross"`` part of a cache tree: the sum of its leaves."""
    if not isinstance(tree, Tree):
        raise T5SymError(f"tree: must be a t5sym.model.nodes.Tree, got {checks.shown(tree)}")
    if kind not in ("self", "cross"):
        raise T5SymError(f"kind: must be 'self' or 'cross', got {checks.shown(kind)}")
    return sympy.Add(*(n.expr for n in tree if n.is_leaf and cached(n) == kind))


# ---------------------------------------------------------------------------------------
# T5Gemma's caches: grouped-query, sliding layers keep a window.


def gemma_cache_bytes(
    leaf: Node, b: Expr | int = bytes_per_value, part: str | None = None
) -> Expr | None:
    """Bytes one cached T5Gemma ``k_proj``/``v_proj`` weight's outputs take (``part``:
    ``"self"`` or ``"cross"`` only).

    b·B·(num_key_value_heads·head_dim, the weight's first dim)·tokens, per layer: S for
    cross-attention (the encoder output, every layer), T in a full self-attention layer,
    `t5sym.model.symbols.SLIDING_CACHE` in a sliding one (its last sliding_window − 1 tokens).
    T5Gemma 2's decoder has one attention for both (`Role.MERGED_ATTENTION`): its k and v
    hold the self and the cross part.
    """
    kind = cached(leaf)
    if kind is None:
        return None
    kinds = ("self", "cross") if leaf.within(Role.MERGED_ATTENTION) else (kind,)
    out = []
    if "cross" in kinds and part in (None, "cross"):
        out.append(b * batch * encoder_length * leaf.repeat * leaf.shape[0])
    if "self" in kinds and part in (None, "self"):
        sliding = symbols.SLIDING_LAYERS["decoder"]
        tokens = (leaf.repeat - sliding) * decoder_length + sliding * symbols.SLIDING_CACHE
        out.append(b * batch * leaf.shape[0] * tokens)
    return sympy.Add(*out) if out else None


def gemma_cache_tree(
    config: gemma.GemmaConfig, b: Expr | int = bytes_per_value, part: str | None = None
) -> Tree:
    """T5Gemma's (or T5Gemma 2's) ``EncoderDecoderCache`` in bytes, one leaf per cached
    ``k_proj``/``v_proj``; ``part`` ``"self"`` or ``"cross"`` for one cache alone.

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views import inference
    >>> t = inference.gemma_cache_tree(t5sym.load("t5gemma-9b-2b"))
    >>> t["model.decoder.layers.*.cross_attn.k_proj"].expr
    batch*bytes_per_value*decoder_head_dim*decoder_num_hidden_layers*decoder_num_key_value_heads*encoder_length
    """
    b = _bytes(b)
    config = gemma.checked(config)
    if part not in (None, "self", "cross"):
        raise T5SymError(f"part: must be 'self', 'cross' or None, got {checks.shown(part)}")
    return gemma.tree(config).view(lambda leaf: gemma_cache_bytes(leaf, b, part))


@dataclass(frozen=True)
class Caches(Result):
    """Exact bytes of a model's weights and of its cache after a forward of S encoder and T
    decoder tokens with ``use_cache=True``: what `Inference` and `GemmaCache` share."""

    config: Config
    dtype: str
    batch: int
    encoder_length: int
    decoder_length: int
    weights_bytes: int
    self_attention_cache_bytes: int
    cross_attention_cache_bytes: int
    cache_breakdown: dict[str, int] = field(repr=False)

    FIELDS = (
        "name", "dtype", "batch", "encoder_length", "decoder_length", "weights_bytes",
        "self_attention_cache_bytes", "cross_attention_cache_bytes", "kv_cache_bytes",
    )  # fmt: skip
    DETAILS = ("cache_breakdown",)

    @property
    def name(self) -> str | None:
        """The config's name."""
        return self.config.name

    @property
    def kv_cache_bytes(self) -> int:
        """Self-attention + cross-attention cache."""
        return self.self_attention_cache_bytes + self.cross_attention_cache_bytes


@dataclass(frozen=True)
class GemmaCache(Caches):
    """`Caches` of a T5Gemma after a forward of T decoder tokens (or ``generate()`` of T
    tokens), and the FLOPs of that ``generate()`` with and without the cache
    (`gemma_generation_flops`; None where it refuses).

    The self-attention cache keeps num_key_value_heads·head_dim per token (grouped-query
    attention), T tokens in full layers and min(T, sliding_window − 1) in sliding ones; the
    cross-attention cache keeps the encoder output's S tokens in every layer.
    """

    generation_flops: int | None
    uncached_generation_flops: int | None

    FIELDS = (*Caches.FIELDS, "generation_flops", "uncached_generation_flops")


def gemma_cache(
    config: gemma.GemmaConfig,
    batch_: int = flops.DEFAULT_BATCH,
    s: int = flops.DEFAULT_ENCODER_LENGTH,
    t: int = flops.DEFAULT_DECODER_LENGTH,
    dtype: str = DEFAULT_SERVING_DTYPE,
) -> GemmaCache:
    """Exact weights and cache bytes of serving a T5Gemma or T5Gemma 2
    (``…ForConditionalGeneration``; T5Gemma 2's vision tower is weighed, its image tokens are
    the encoder's S like any other).

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views import inference
    >>> r = inference.gemma_cache(t5sym.load("t5gemma-2b-2b"), 1, 512, 128, "bf16")
    >>> r.cross_attention_cache_bytes == 26 * 2 * 4 * 256 * 512 * 2
    True
    """
    config = gemma.checked(config)
    if config.head != "ForConditionalGeneration":
        raise T5SymError(f"architectures: caches are modelled for *ForConditionalGeneration, "
                         f"not {config.model}")  # fmt: skip
    gemma.check_runnable(config)
    b = check_dtype(dtype)
    values = {
        **config.values(),
        batch: positive_int("batch", batch_),
        encoder_length: positive_int("encoder_length", s),
        decoder_length: positive_int("decoder_length", t),
        bytes_per_value: b,
    }
    values |= gemma.window_values(config, s, t)
    values[symbols.SLIDING_STEP_KEYS] = sliding_step_keys(config, t)
    weights = memory.bytes_tree(gemma.tree(config)).total
    return GemmaCache(
        config, dtype, batch_, s, t, integer(weights, values),
        integer(gemma_cache_tree(config, part="self").total, values),
        integer(gemma_cache_tree(config, part="cross").total, values),
        gemma_cache_tree(config).evaluate(values),
        *(_generated(config, values, use_cache) for use_cache in (True, False)),
    )  # fmt: skip


def _generated(config: gemma.GemmaConfig, values: dict, use_cache: bool) -> int | None:
    """`gemma_generation_flops` evaluated, None for a config it refuses (a forward runs)."""
    try:
        return integer(gemma_generation_flops(config, use_cache), values)
    except T5SymError:
        return None


def sliding_step_keys(config: gemma.GemmaConfig, t: int) -> int:
    """`t5sym.model.symbols.SLIDING_STEP_KEYS` for T = ``t`` decoding steps: step k attends to
    the k positions so far in a full layer and, in a sliding one, to the min(k − 1, W − 1)
    its cache kept and its own (W = ``sliding_window``; a window of 1 keeps every token):
    Σ_k min(k, W) = m(m + 1)/2 + (t − m)·W with m = min(t, W)."""
    window = gemma.checked(config).decoder.sliding_window
    if window in (None, 1):
        return t * (t + 1) // 2
    m = min(t, window)
    return m * (m + 1) // 2 + (t - m) * window


def _gemma_step_leaves(tree: Tree) -> list[Node]:
    """The leaves a T5Gemma decoding step runs: the decoder's and the head's."""
    return [n for n in tree if n.is_leaf and (n.stack is Role.DECODER or n.within(*HEADS))]


def _gemma_generation(tree: Tree, use_cache: bool) -> Expr:
    """`gemma_generation_flops` of one FLOP tree (`t5sym.views.flops.forward_tree`)."""
    T, S = decoder_length, encoder_length
    total = _encoder(tree)
    if not use_cache:  # step t: the decoder on t tokens, cross k and v on the S again,
        # lm_head on the last only (generate() passes logits_to_keep=1)
        leaves = _gemma_step_leaves(tree)
        decoder = sympy.Add(*(n.expr for n in leaves if not n.within(*HEADS)))
        head = sympy.Add(*(n.expr for n in leaves if n.within(*HEADS)))
        return sympy.expand(total + sum_steps(decoder.subs(T, step)) + T * head.subs(T, 1))
    sliding = symbols.SLIDING_LAYERS["decoder"]
    for leaf in _gemma_step_leaves(tree):
        if leaf.kind == "linear":  # k, v of the encoder's S once; the rest on 1 token a step
            once = leaf.expr.subs(T, 0)
            total += once + T * (leaf.expr.subs(T, 1) - once)
            continue
        module = tree[leaf.name.rsplit(".", 1)[0]]
        per_key = 2 * batch * flops.query_weight(module).shape[0]  # one query, one key, a layer
        layers = leaf.repeat
        keys = layers * T * S if module.role is not Role.SELF_ATTENTION else sympy.S.Zero
        if module.role is not Role.CROSS_ATTENTION:  # the decoder's own positions
            keys += (layers - sliding) * T * (T + 1) / 2 + sliding * symbols.SLIDING_STEP_KEYS
        total += per_key * keys
    return sympy.expand(total)


def gemma_generation_flops(config: gemma.GemmaConfig, use_cache: bool = True) -> Expr:
    """FLOPs of ``generate()`` of T tokens (greedy) by a T5Gemma or T5Gemma 2 on text, as
    FlopCounterMode counts them with eager attention (every key a step holds).

    The encoder once; with the cache, cross-attention's k and v (T5Gemma 2: the merged
    attention's on the encoder's S outputs) once, and at step t = 1..T every other decoder
    linear and ``lm_head`` on one token, attention over t keys in a full layer,
    min(t, sliding_window) in a sliding one (the cache keeps the last window − 1), and S
    in cross-attention: Σ_t min(t, W) is `t5sym.model.symbols.SLIDING_STEP_KEYS`. Without
    the cache, step t runs the decoder on all t tokens (`t5sym.views.flops` at T = t) and
    ``lm_head`` on the last one (generate() asks for one position's logits).

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views import inference
    >>> f = inference.gemma_generation_flops(t5sym.load("t5gemma-2b-2b"))
    >>> t5sym.model.symbols.SLIDING_STEP_KEYS in f.free_symbols
    True
    """
    config = gemma.checked(config)
    if config.head != "ForConditionalGeneration":
        raise T5SymError(f"architectures: generate() is modelled for *ForConditionalGeneration, "
                         f"not {config.model}")  # fmt: skip
    if config.model_type == "t5gemma2" and config.decoder.sliding_window == 1:
        raise T5SymError(
            "decoder.sliding_window: 1 is not modelled for T5Gemma 2's generate(), which "
            "fails in transformers 5.23 (cache and mask disagree)"
        )
    use_cache = checks.boolean("use_cache", use_cache)
    return _gemma_generation(flops.forward_tree(config), use_cache)


# ---------------------------------------------------------------------------------------
# Generation FLOPs: views of the FLOP tree.


def _decoder_leaves(tree: Tree) -> list[Node]:
    """The leaves a decoding step runs: the decoder's and the head's."""
    return [n for n in tree if n.is_leaf and (n.stack is Role.DECODER or n.role in HEADS)]


def step_flops(config: Config | None = None, t: Expr = step) -> Expr:
    """FLOPs of cached decoding step t: the decoder's forward at T = 1 with t self keys.

    The FLOP tree's decoder leaves with one query token and the self-attention key length
    t, without the cross-attention ``k``/``v`` (read from the cache).
    """
    return _step(flops.forward_tree(config), expression("t", t))


def _step(tree: Tree, t: Expr) -> Expr:
    out = []
    for leaf in _decoder_leaves(tree):
        if cached(leaf) == "cross":
            continue
        expr = leaf.expr
        if leaf.within(Role.SELF_ATTENTION) and leaf.kind == "matmul":
            expr = expr.subs(decoder_length, 1) * t  # n_q·n_k = T·T -> 1·t
        else:
            expr = expr.subs(decoder_length, 1)
        out.append(expr)
    return sympy.Add(*out)


def _encoder(tree: Tree) -> Expr:
    """The encoder's FLOPs: its leaves'."""
    return sympy.Add(*(n.expr for n in tree if n.is_leaf and n.stack is Role.ENCODER))


def _encoder_and_cross(tree: Tree) -> Expr:
    return _encoder(tree) + sympy.Add(*(n.expr for n in tree if n.is_leaf and cached(n) == "cross"))


#: Σ_{t=1..T} t^k for the powers a step's FLOPs can hold (Faulhaber's formulas).
_POWER_SUMS = (
    decoder_length,
    decoder_length * (decoder_length + 1) / 2,
    decoder_length * (decoder_length + 1) * (2 * decoder_length + 1) / 6,
)


def sum_steps(expr: Expr) -> Expr:
    """Σ_{t=1..T} expr for ``expr`` a polynomial of degree ≤ 2 in the step t.

    The same as ``sympy.summation(expr, (t, 1, T))``, term by term, without its search.
    """
    poly = sympy.Poly(sympy.expand(expression("expr", expr)), step)
    if poly.degree() >= len(_POWER_SUMS):
        raise T5SymError(f"expr: of degree {poly.degree()} in t; at most 2 is summed")
    return sympy.Add(*(c * _POWER_SUMS[k] for (k,), c in poly.terms()))


@cache
def _generation(structure: params.Structure, use_cache: bool) -> Expr:
    tree = flops.forward_tree_of(structure)
    if use_cache:
        total = _encoder_and_cross(tree) + sum_steps(_step(tree, step))
    else:
        decoder = sympy.Add(*(n.expr for n in _decoder_leaves(tree)))
        total = _encoder(tree) + sum_steps(decoder.subs(decoder_length, step))
    return sympy.expand(total)


def generation_flops(config: Config | None = None, use_cache: bool = True) -> Expr:
    """FLOPs of generating T tokens (greedy): the encoder pass and T decoding steps.

    With the cache: encoder + cross-attention ``k``/``v`` on the S encoder outputs once
    + Σ_{t=1..T} `step_flops`. Without it, step t runs the decoder on all t tokens
    (the FLOP tree's decoder at T = t, cross ``k``/``v`` included):
    encoder + Σ_{t=1..T} decoder(t).

    Examples
    --------
    >>> from t5sym.views import inference, flops
    >>> import sympy
    >>> saved = flops.forward() - inference.generation_flops()  # teacher forcing - cached
    >>> sympy.factor(saved)  # only the causal self-attention differs: T² vs T(T+1)/2 keys
    2*batch*d_kv*decoder_length*num_decoder_layers*num_heads*(decoder_length - 1)
    """
    if config is not None:
        checked_config(config)
    use_cache = checks.boolean("use_cache", use_cache)
    return _generation(params.structure(config), use_cache)


# ---------------------------------------------------------------------------------------
# Activation peaks (no grad, eval, eager attention): stated upper bounds.

#: Score-sized (B, num_heads, n_q, n_k) tensors alive at once in eager attention: the old
#: and the new one of each step ``matmul(q, kᵀ) * scaling``, ``+ position_bias``,
#: ``softmax``; one of them (the softmax output, which T5's blocks return) stays
#: referenced through the FFN, whose tensors the bound adds on top.
SCORE_TENSORS = 2

#: Stream-sized (B, n, d_model) tensors a block can hold at once: the stack's input
#: embeddings, the block's input, the normalized input, the sublayer output, the residual
#: sum and the ``o``/``wo`` product.
STREAM_TENSORS = 6

#: Head-sized (B, n, num_heads·d_kv) tensors: q, k, v, their reshaped copies for the two
#: batched products, and the context made contiguous for ``o``.
HEAD_TENSORS = 6

#: int64 (n_q, n_k) tensors the relative-position bucketing holds at once (block 0).
BUCKET_TENSORS = 4


def _pass_bound(n_q: Expr, keys: tuple[Expr, ...], gated: bool, b: Expr | int) -> Expr:
    """Upper bound on live activation bytes while ONE block runs on n_q query tokens."""
    ffn = (4 if gated else 2) * batch * n_q * d_ff
    scores = sum(((SCORE_TENSORS * batch + 1) * num_heads * n_q * k for k in keys), sympy.S.Zero)
    values = STREAM_TENSORS * batch * n_q * d_model + HEAD_TENSORS * batch * n_q * num_heads * d_kv
    buckets = BUCKET_TENSORS * INT64 * n_q * keys[0]
    return b * (values + scores + ffn) + buckets


def _gated(config: Config | None) -> bool:
    return config is not None and checked_config(config).is_gated


def _bytes(b: object) -> Expr | int:
    """Bytes per value: a positive integer, or a formula (the symbol `bytes_per_value`)."""
    if isinstance(b, sympy.Expr) and not b.is_number:
        return b
    return positive_int("bytes_per_value", b)


def encoder_peak(config: Config | None = None, b: Expr | int = bytes_per_value) -> Expr:
    """Bound on the encoder pass's live activations (its output included), in bytes.

    One block at a time is alive: the stream, q/k/v and copies, (2·B + 1)·num_heads·S²
    score-sized values (two batch-sized score tensors and the shared position bias),
    the FFN's d_ff-wide tensors (2, or 4 when gated) and the bucketing's int64 temporaries.
    """
    gated = _gated(config)
    return _pass_bound(encoder_length, (encoder_length,), gated, _bytes(b))


def step_peak(config: Config | None = None, b: Expr | int = bytes_per_value) -> Expr:
    """Bound on one cached decoding step's live activations at its last step (t = T).

    A block on one query token attending to T cached and S encoder positions (both score
    sets bounded as in `encoder_peak`), the causal mask (B·T), the encoder output kept for
    the cross-attention (B·S·d_model), the logits (B·vocab_size) and the one layer's keys
    and values ``torch.cat`` copies while it appends (2·B·num_heads·d_kv·T).
    """
    gated = _gated(config)
    b = _bytes(b)
    block = _pass_bound(sympy.S.One, (decoder_length, encoder_length), gated, b)
    held = batch * (decoder_length + encoder_length * d_model + vocab_size)
    copy = 2 * batch * num_heads * d_kv * decoder_length
    return block + b * (held + copy)


# ---------------------------------------------------------------------------------------
# Bytes read per decoding step and arithmetic intensity.


def weights_read(config: Config | None = None, b: Expr | int = bytes_per_value) -> Expr:
    """Bytes of weights one decoding step reads: the decoder's weights and the vocabulary
    projection (``lm_head``, or ``shared`` when tied); the encoder's are not read again.

    The embedding lookup reads B rows of ``shared`` only, not counted.
    """
    tree = params.tree(config)
    return _bytes(b) * (tree["decoder"].expr + vocab_size * d_model)


def bytes_read(config: Config | None = None, b: Expr | int = bytes_per_value) -> Expr:
    """Bytes the last decoding step (t = T) reads: `weights_read` + both caches."""
    return weights_read(config, b) + cache_tree(config, b).total


def intensity(config: Config | None = None, b: Expr | int = bytes_per_value) -> Expr:
    """FLOPs per byte read of the last decoding step: step_flops(T) / bytes_read."""
    return step_flops(config, decoder_length) / bytes_read(config, b)


# ---------------------------------------------------------------------------------------
# Crossovers, solved.


def solve_length(expr: Expr, other: Expr, length: Symbol = encoder_length) -> Expr | None:
    """The positive ``length`` at which ``expr`` reaches ``other`` (SymPy ``solve``).

    ``None`` when it never does (no positive root once the other symbols have values).
    """
    x = sympy.Symbol("x", positive=True)  # not integer: the crossing need not be whole
    roots = sympy.solve(sympy.Eq(expr, other).subs(length, x), x)
    positive = [r for r in roots if r.is_positive is not False and r.is_real is not False]
    return positive[0] if len(positive) == 1 else (max(positive) if positive else None)


# ---------------------------------------------------------------------------------------
# Exact numbers.


def check_dtype(dtype: str) -> int:
    """Bytes per value of a serving dtype; a one-line `T5SymError` otherwise."""
    b = memory.dtype_bytes(dtype)
    if dtype not in INFERENCE_DTYPES:
        raise T5SymError(
            f"dtype: {dtype} is not modelled for serving; use one of {', '.join(INFERENCE_DTYPES)}"
        )
    return b


@dataclass(frozen=True)
class Inference(Caches):
    """Exact bytes and FLOPs of serving one config on B sequences of S inputs, T outputs.

    ``activation_peak_bytes`` is the larger of the encoder pass's and the last decoding
    step's bounds (`encoder_peak`, `step_peak`); ``total_bytes`` = weights + both caches +
    that peak. FLOPs are those of ``generate()`` (greedy, T new tokens) with and without
    the cache; ``intensity`` is the last step's FLOPs per byte it reads.
    """

    encoder_peak_bytes: int
    step_peak_bytes: int
    generation_flops: int | None
    uncached_generation_flops: int | None
    step_flops: int
    step_bytes_read: int

    FIELDS = (
        *Caches.FIELDS,
        "encoder_peak_bytes", "step_peak_bytes", "activation_peak_bytes", "total_bytes",
        "generation_flops", "uncached_generation_flops", "step_flops", "step_bytes_read",
        "intensity",
    )  # fmt: skip

    @property
    def activation_peak_bytes(self) -> int:
        """max(encoder pass, last decoding step): the bounds of `encoder_peak`, `step_peak`."""
        return max(self.encoder_peak_bytes, self.step_peak_bytes)

    @property
    def total_bytes(self) -> int:
        """weights + caches + activation peak."""
        return self.weights_bytes + self.kv_cache_bytes + self.activation_peak_bytes

    @property
    def intensity(self) -> Fraction:
        """FLOPs per byte read by the last decoding step."""
        return Fraction(self.step_flops, self.step_bytes_read)

    def bound_by_memory(self, accelerator: Accelerator) -> bool:
        """Whether the last step is memory-bound there: intensity < peak FLOPs / bandwidth."""
        return self.intensity < _chip(accelerator).ridge_point

    def step_seconds(self, accelerator: Accelerator) -> Fraction:
        """Lower bound on the last step's time: max(bytes / bandwidth, FLOPs / peak FLOPs)."""
        accelerator = _chip(accelerator)
        if not accelerator.peak_flops:
            raise T5SymError(f"peak_flops: not known for {checks.shown(accelerator.name)}")
        return max(
            Fraction(self.step_bytes_read, accelerator.bandwidth),
            Fraction(self.step_flops, accelerator.peak_flops),
        )


def _chip(accelerator: object) -> Accelerator:
    if not isinstance(accelerator, Accelerator):
        got = checks.shown(accelerator)
        raise T5SymError(f"accelerator: must be a t5sym.views.hardware.Accelerator, got {got}")
    if not accelerator.bandwidth:
        raise T5SymError(f"bandwidth: not known for {checks.shown(accelerator.name)}")
    return accelerator


def workload(config: Config, batch_: int, s: int, t: int, b: int) -> dict[Symbol, int]:
    """The symbol values of a config, a workload and a dtype, checked."""
    return {
        **checked_config(config).values(),
        batch: positive_int("batch", batch_),
        encoder_length: positive_int("encoder_length", s),
        decoder_length: positive_int("decoder_length", t),
        bytes_per_value: positive_int("bytes_per_value", b),
    }


def inference(
    config: Config,
    batch: int = flops.DEFAULT_BATCH,
    encoder_length: int = flops.DEFAULT_ENCODER_LENGTH,
    decoder_length: int = flops.DEFAULT_DECODER_LENGTH,
    dtype: str = DEFAULT_SERVING_DTYPE,
) -> Inference:
    """Exact bytes and FLOPs of serving ``config`` (``T5ForConditionalGeneration``).

    Examples
    --------
    >>> import t5sym
    >>> r = t5sym.views.inference.inference(t5sym.load("t5-small"), 1, 512, 128, "fp32")
    >>> r.cross_attention_cache_bytes == 2 * 6 * 512 * 512 * 4
    True

    Raises
    ------
    T5SymError
        ``batch``, ``encoder_length``, ``decoder_length`` not positive integers, or
        ``dtype`` not one of fp32, bf16, fp16; one line.
    """
    if isinstance(config, gemma.GemmaConfig):
        raise T5SymError(
            "model_type: t5gemma: activation peaks are modelled for T5's blocks only; "
            "t5sym.views.inference.gemma_cache gives T5Gemma's weights, caches and generate() FLOPs"
        )
    served(config, "serving with a cache")
    b = check_dtype(dtype)
    values = workload(config, batch, encoder_length, decoder_length, b)
    caches = cache_tree(config)
    return Inference(
        config, dtype, batch, encoder_length, decoder_length,
        integer(memory.bytes_tree(params.tree(config)).total, values),
        integer(cache_part(caches, "self"), values),
        integer(cache_part(caches, "cross"), values),
        caches.evaluate(values),
        integer(encoder_peak(config), values),
        integer(step_peak(config), values),
        integer(generation_flops(config), values),
        integer(generation_flops(config, use_cache=False), values),
        integer(step_flops(config, decoder_length), values),
        integer(bytes_read(config), values),
    )  # fmt: skip
