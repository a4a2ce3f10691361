"""Activations a training forward saves for backward, per part, with and without checkpointing.

What autograd keeps between forward and backward of ``T5ForConditionalGeneration`` in
training mode (dropout on, as T5 is fine-tuned), with ``labels`` and no padding mask,
weights and activations in one dtype of b bytes per value; every storage counted once.
Per instance, on a stream of n tokens (n = S in the encoder, T in the decoder) and keys
n_k:

| part | saved |
|---|---|
| ``layer_norm`` | x in float32 (4·B·n·d), 1/rms (4·B·n), x·(1/rms) in b; x itself if b ≠ 4 |
| ``q`` (k, v: the same input) | its input, b·B·n·d |
| attention | q, kᵀ, v copies b·B·h·d_kv·(n + 2·n_k); softmax and its dropout b·2·B·h·n·n_k; mask |
| ``relative_attention_bias`` (block 0) | the int64 buckets, 8·n·n_k |
| ``o`` | its input, b·B·n·h·d_kv |
| FFN | ``wi`` input; the activation's saved tensors; the gate's; dropout mask; ``wo`` input |
| ``dropout`` (each call) | its mask, m·(elements) |
| fp16 blocks | each ``clamp``: its input b·B·n·d and two 0-dim float32 bounds |
| ``embed_tokens``, loss | int64 ids; log-softmax b·B·T·vocab_size, labels, a 0-dim weight |

with h = num_heads, m the bytes of a dropout mask element: 1 (the bool mask of CUDA's
fused ``native_dropout``) or b (the CPU kernel keeps a mask of the input's dtype).

With gradient checkpointing (transformers' ``gradient_checkpointing_enable``), a block
keeps only its inputs: the stream (b·B·n·d), and once per stack the shared position bias
(b·h·n²; block 1 on) and, in the decoder, the causal mask (b·B·T²), the encoder output
(b·B·S·d) and the cross-attention's zero bias (b·h·T·S, block 1 on).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Expr

from . import checks, memory
from .config import Config, checked_config, served
from .errors import T5SymError
from .flops import DEFAULT_BATCH
from .flops import DEFAULT_DECODER_LENGTH as DEFAULT_T
from .flops import DEFAULT_ENCODER_LENGTH as DEFAULT_S
from .memory import Memory
from .result import Result
from .roles import Role
from .symbols import (
    batch,
    d_ff,
    d_kv,
    d_model,
    decoder_length,
    encoder_length,
    num_decoder_layers,
    num_heads,
    num_layers,
    vocab_size,
)
from .tree import Node, Tree, group, placed

#: Bytes of an int64 (token ids, relative-position buckets) and of a float32.
INT64, FLOAT32 = 8, 4

#: Per activation of ``ACT2FN``: (d_ff-wide tensors it saves, whether one is its output).
#: ReLU keeps its output; GELU and SiLU their input; ``gelu_new`` (a Python tanh formula)
#: its input, the tanh, 0.5·x and 1 + tanh.
ACTIVATION_SAVES: dict[str, tuple[int, bool]] = {
    "relu": (1, True),
    "gelu": (1, False),
    "gelu_new": (4, False),
    "silu": (1, False),
    "swish": (1, False),
}

#: Bytes per dropout-mask element of CUDA's fused dropout (a bool mask).
CUDA_MASK = 1

#: The workload keywords of `memory_at`, with the defaults of `t5sym.flops`.
LENGTHS = {"batch": DEFAULT_BATCH, "encoder_length": DEFAULT_S, "decoder_length": DEFAULT_T}


def activation_name(config: Config | None) -> str:
    """transformers' ``dense_act_fn``: ``gated-gelu`` means ``gelu_new``; else the suffix."""
    if config is None:
        return "relu"
    config = checked_config(config)
    return "gelu_new" if config.feed_forward_proj == "gated-gelu" else config.activation


def _leaf(name: str, expr: Expr, doc: str = "") -> Node:
    return Node(name, sympy.sympify(expr), (), doc, (), sympy.S.One, "saved", Role.SAVED)


def _norm(name: str, n: Expr, reps: Expr, b: int) -> Node:
    values = FLOAT32 * batch * n * (d_model + 1) + b * batch * n * d_model
    if b != FLOAT32:
        values += b * batch * n * d_model  # x itself, besides its float32 copy
    return _leaf(name, reps * values, "x in float32, 1/rms, normalized x")


def _attention(
    p: str, role: Role, n: Expr, keys: Expr, reps: Expr, b: int, m: int, bias: bool
) -> Node:
    inner = num_heads * d_kv
    body = b * batch * inner * (n + 2 * keys) + (2 * b + m) * batch * num_heads * n * keys
    cross = role is Role.CROSS_ATTENTION
    block0 = p.replace(".*.", ".0.")
    return group(
        p,
        _leaf(f"{p}.q", reps * b * batch * n * d_model, "input of q, k, v"),
        _leaf(f"{block0}.k", b * batch * encoder_length * d_model, "encoder output, once")
        if cross
        else None,
        _leaf(f"{block0}.relative_attention_bias", INT64 * n * keys, "int64 buckets")
        if bias
        else None,
        _leaf(f"{p}.scores", reps * body, "q, kᵀ, v copies; softmax, dropout and its mask"),
        _leaf(f"{p}.o", reps * b * batch * n * inner, "input of o"),
        role=role,
    )


def _ffn(p: str, n: Expr, reps: Expr, b: int, m: int, config: Config | None) -> Node:
    act = activation_name(config)
    if act not in ACTIVATION_SAVES:
        known = ", ".join(ACTIVATION_SAVES)
        raise T5SymError(f"feed_forward_proj: saved activations of {act!r} not modelled; {known}")
    saves, keeps_output = ACTIVATION_SAVES[act]
    gated = bool(config and config.is_gated)
    wide = reps * batch * n * d_ff
    first = "wi_0" if gated else "wi"
    return group(
        p,
        _leaf(f"{p}.{first}", reps * b * batch * n * d_model, "input of wi"),
        _leaf(f"{p}.act", saves * b * wide, act),
        _leaf(f"{p}.gate", (1 if keeps_output else 2) * b * wide, "act(wi_0 x), wi_1 x")
        if gated
        else None,
        _leaf(f"{p}.dropout", m * wide, "dropout mask"),
        _leaf(f"{p}.wo", b * wide, "input of wo"),
        role=Role.FFN,
    )


def _sublayers(stack: str, n: Expr, reps: Expr, b: int, m: int, config: Config | None) -> Node:
    blk = f"{stack}.block.*"
    parts = [(f"{blk}.layer.0", "SelfAttention", Role.SELF_ATTENTION, n, True)]
    if stack == "decoder":
        parts.append(
            (f"{blk}.layer.1", "EncDecAttention", Role.CROSS_ATTENTION, encoder_length, False)
        )
    layers = []
    for p, kind, role, keys, bias in parts:
        layers.append(
            group(
                p,
                _norm(f"{p}.layer_norm", n, reps, b),
                _attention(f"{p}.{kind}", role, n, keys, reps, b, m, bias),
                _leaf(f"{p}.dropout", reps * m * batch * n * d_model, "dropout mask"),
                role=Role.SUBLAYER,
            )
        )
    ff = f"{blk}.layer.{len(parts)}"
    layers.append(
        group(
            ff,
            _norm(f"{ff}.layer_norm", n, reps, b),
            _ffn(f"{ff}.DenseReluDense", n, reps, b, m, config),
            _leaf(f"{ff}.dropout", reps * m * batch * n * d_model, "dropout mask"),
            role=Role.SUBLAYER,
        )
    )
    return group(blk, *layers, role=Role.BLOCK)


def _clamps(blk: str, n: Expr, reps: Expr, b: int, clamps: int) -> Node:
    return _leaf(blk, reps * clamps * (b * batch * n * d_model + 2 * FLOAT32), "fp16 clamps")


def _checkpointed(stack: str, n: Expr, reps: Expr, b: int, deep: bool) -> Node:
    blk = f"{stack}.block.*"
    inputs = [_leaf(f"{blk}.input", reps * b * batch * n * d_model, "block input")]
    if deep:
        inputs.append(_leaf(f"{stack}.block.1.position_bias", b * num_heads * n * n))
    if stack == "decoder":
        inputs.append(_leaf(f"{stack}.block.0.mask", b * batch * n * n, "causal mask"))
        inputs.append(_leaf(f"{stack}.block.0.encoder", b * batch * encoder_length * d_model))
        if deep:
            inputs.append(_leaf(f"{stack}.block.1.cross_bias", b * num_heads * n * encoder_length))
    return group(blk, *inputs, role=Role.BLOCK)


def _stack(stack: str, config: Config | None, b: int, m: int, dtype: str, ckpt: bool) -> Node:
    enc = stack == "encoder"
    n = encoder_length if enc else decoder_length
    reps = num_layers if enc else num_decoder_layers
    depth = None if config is None else (config.num_layers if enc else config.num_decoder_layers)
    if ckpt:
        blocks = _checkpointed(stack, n, reps, b, depth is None or depth > 1)
    else:
        blocks = _sublayers(stack, n, reps, b, m, config)
        if dtype == "fp16":
            clamp = _clamps(f"{stack}.block.*.clamp", n, reps, b, 2 if enc else 3)
            blocks = group(blocks.name, *blocks.children, clamp, role=Role.BLOCK)
    return group(
        stack,
        _leaf(f"{stack}.embed_tokens", INT64 * batch * n, "token ids"),
        blocks,
        _norm(f"{stack}.final_layer_norm", n, 1, b),
        _leaf(f"{stack}.dropout", 2 * m * batch * n * d_model, "input's and output's masks"),
        role=Role(stack),
    )


def saved_tree(
    config: Config | None = None,
    dtype: str = "bf16",
    *,
    checkpointing: bool = False,
    mask_bytes: int | None = CUDA_MASK,
) -> Tree:
    """Bytes autograd saves for backward in one training forward, per part.

    ``mask_bytes`` is the bytes of a dropout-mask element (1 on CUDA; ``None``: b, as
    the CPU kernel keeps). Symbolic in B, S, T and the dims; the dtype and the config's
    activation, gating and depths (≥ 2 blocks or not) decide the structure.

    Examples
    --------
    >>> from t5sym import activations
    >>> activations.saved_tree(dtype="fp32")["lm_head"].expr
    4*batch*d_model*decoder_length
    """
    if config is not None:
        checked_config(config)
    b = memory.dtype_bytes(dtype)
    if dtype not in memory.TRAINING_DTYPES:
        known = ", ".join(memory.TRAINING_DTYPES)
        raise T5SymError(f"dtype: {dtype} cannot be trained; use {known}")
    checkpointing = checks.boolean("checkpointing", checkpointing)
    m = b if mask_bytes is None else checks.positive_int("mask_bytes", mask_bytes)
    loss = b * batch * decoder_length * vocab_size + INT64 * batch * decoder_length + b
    return Tree(
        placed(
            group(
                "",
                _stack("encoder", config, b, m, dtype, checkpointing),
                _stack("decoder", config, b, m, dtype, checkpointing),
                _leaf("lm_head", b * batch * decoder_length * d_model, "input of lm_head"),
                _leaf("loss", loss, "log-softmax, labels, total weight"),
                role=Role.MODEL,
            )
        )
    )


@dataclass(frozen=True)
class FineTuning(Result):
    """`t5sym.memory.Memory` (weights, gradients, optimizer state) plus saved activations.

    ``activations`` maps every node of `saved_tree` to its bytes (key ``""``: total).
    """

    memory: Memory
    batch: int
    encoder_length: int
    decoder_length: int
    checkpointing: bool
    activations: dict[str, int]

    FIELDS = (
        "name", "dtype", "optimizer", "batch", "encoder_length", "decoder_length",
        "checkpointing", "weights", "gradients", "optimizer_state", "activations_bytes",
        "total", "parts",
    )  # fmt: skip
    DETAILS = ("activations",)

    name = property(lambda self: self.memory.name, doc="The config's name.")
    dtype = property(lambda self: self.memory.dtype, doc="The weights' dtype.")
    optimizer = property(lambda self: self.memory.optimizer, doc="The optimizer.")
    weights = property(lambda self: self.memory.weights, doc="Bytes of the weights.")
    gradients = property(lambda self: self.memory.gradients, doc="Bytes of the gradients.")
    optimizer_state = property(lambda self: self.memory.optimizer_state, doc="State bytes.")

    @property
    def activations_bytes(self) -> int:
        """Bytes saved for backward, every part."""
        return self.activations[""]

    @property
    def total(self) -> int:
        """weights + gradients + optimizer state + saved activations."""
        return self.memory.total + self.activations_bytes

    @property
    def parts(self) -> dict[str, int]:
        """Saved activations of the top-level parts (encoder, decoder, lm_head, loss)."""
        return {k: v for k, v in self.activations.items() if k and "." not in k}


def fine_tuning_memory(
    config: Config,
    dtype: str = memory.DEFAULT_DTYPE,
    optimizer: str = memory.DEFAULT_OPTIMIZER,
    *,
    batch: int,
    encoder_length: int,
    decoder_length: int,
    checkpointing: bool = False,
    mask_bytes: int | None = CUDA_MASK,
) -> FineTuning:
    """`t5sym.memory.training_memory` plus the activations saved at a batch and lengths.

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.activations import fine_tuning_memory
    >>> m = fine_tuning_memory(t5sym.load("t5-small"), "fp32", "adam", batch=1,
    ...                        encoder_length=512, decoder_length=128)
    >>> m.total > m.memory.total
    True
    """
    from .inference import workload

    mem = memory.training_memory(config, dtype, optimizer)
    served(config, "fine-tuning at a length")
    checkpointing = checks.boolean("checkpointing", checkpointing)
    tree = saved_tree(config, dtype, checkpointing=checkpointing, mask_bytes=mask_bytes)
    values = workload(config, batch, encoder_length, decoder_length, memory.dtype_bytes(dtype))
    return FineTuning(
        mem, batch, encoder_length, decoder_length, checkpointing, tree.evaluate(values)
    )


def memory_at(
    config: Config,
    dtype: str,
    optimizer: str,
    cores: int | None = None,
    checkpointing: bool = False,
    **lengths: int | None,
) -> Memory | FineTuning:
    """`t5sym.memory.training_memory`, or with any of ``batch``, ``encoder_length``,
    ``decoder_length`` (the others take `t5sym.flops`' defaults) or ``checkpointing``,
    `fine_tuning_memory` (whole model; ``cores`` is refused there).

    Any other keyword is refused (a misspelt length is never taken for the default).

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.activations import memory_at
    >>> memory_at(t5sym.load("t5-small"), "fp32", "adam", encoder_length=4096).encoder_length
    4096
    >>> memory_at(t5sym.load("t5-small"), "fp32", "adam", encoder_len=4096)
    Traceback (most recent call last):
    ...
    t5sym.errors.T5SymError: encoder_len: unknown keyword; known: batch, ...
    """
    for key in lengths:
        if key not in LENGTHS:
            known = ", ".join(LENGTHS)
            raise T5SymError(f"{checks.shown(key)[1:-1][:40]}: unknown keyword; known: {known}")
    checkpointing = checks.boolean("checkpointing", checkpointing)
    if all(v is None for v in lengths.values()) and not checkpointing:
        return memory.training_memory(config, dtype, optimizer, cores=cores)
    if cores is not None:
        raise T5SymError("cores: per-core memory does not include activations yet")
    kw = {k: d if lengths.get(k) is None else lengths[k] for k, d in LENGTHS.items()}
    return fine_tuning_memory(config, dtype, optimizer, checkpointing=checkpointing, **kw)
