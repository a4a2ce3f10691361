"""Activations a training forward saves for backward, per part, with and without checkpointing.

What autograd keeps between forward and backward of ``T5ForConditionalGeneration`` (and
``MT5``/``UMT5``) in training mode with ``labels`` (the decoder's inputs are
``shift_right(labels)``), every storage counted once, in one `Setup`: the attention
implementation (``sdpa``, transformers' default, or ``eager``), the device (``cpu``:
measured; ``cuda``: derived from torch's source, see `CUDA_SOURCES`), the precision
(``cast``: the model cast to the dtype; ``autocast-bf16``/``autocast-fp16``: fp32 weights
under ``torch.autocast``, HF Trainer's ``bf16=True``/``fp16=True``, see `AUTOCAST_SAVES`)
and whether an ``attention_mask`` is passed.
Dropout follows the config's ``dropout_rate``: ``nn.Dropout(0.0)`` saves no mask.
LongT5's encoder attention is `t5sym.views.saved_longt5`'s, Switch's router and experts
`t5sym.views.saved_switch`'s (for the routing it names); both run eager (`EAGER_ONLY`).
Per instance, on a stream of n tokens (n = S in the encoder, T in the decoder), keys n_k,
b bytes per value of the model's dtype:

| part | saved |
|---|---|
| ``layer_norm`` | x in float32 (4·B·n·d), 1/rms (4·B·n), x·(1/rms) in b; x itself if b ≠ 4 |
| ``q`` (k, v: the same input) | its input, b·B·n·d |
| attention | by kernel, `KERNELS` (eager, CPU math / flash, CUDA memory-efficient) |
| ``relative_attention_bias`` (block 0; UMT5 every block) | the int64 buckets, 8·n·n_k |
| ``o`` | its input, b·B·n·h·d_kv (a fused kernel's output: counted in the attention) |
| FFN | ``wi`` input; the activation's saved tensors; the gate's; dropout mask; ``wo`` input |
| ``dropout`` (each call) | its mask, m·(elements); none when ``dropout_rate`` is 0 |
| fp16 blocks | each ``clamp``: its input b·B·n·d and two 0-dim float32 bounds |
| ``embed_tokens``, loss | int64 ids; log-softmax b·B·T·vocab_size, labels, a 0-dim weight |

with h = num_heads, m the bytes of a dropout mask element: 1 (the bool mask of CUDA's
fused ``native_dropout``) or b (the CPU kernel keeps a mask of the input's dtype).

Under autocast, b is the lower dtype's 2 bytes for what Linears and attention compute,
while the stream, the norms, T5's position bias and the loss stay float32 (4); each Linear
also saves its own b-byte input copy and its weight's (b·in·out, once per forward).

With gradient checkpointing (transformers' ``gradient_checkpointing_enable``), a block
keeps only its inputs: the stream (b·B·n·d), and once per stack T5's shared position bias
(b·h·n²; block 1 on; UMT5 passes none), in the decoder the encoder output (b·B·S·d) and
T5's cross-attention zero bias (b·h·T·S, block 1 on); eager attention passes the causal
mask (b·B·T²); a padding mask is passed as a float mask (eager) or a bool one (sdpa).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sympy
from sympy import Expr

from t5sym.errors import T5SymError
from t5sym.model import checks, params
from t5sym.model.config import TRAINED_TYPES, Config, checked_config, dense_act_fn, served
from t5sym.model.nodes import Node, Tree, group, placed
from t5sym.model.result import Result
from t5sym.model.roles import Role
from t5sym.model.symbols import (
    batch,
    d_ff,
    d_kv,
    d_model,
    decoder_length,
    encoder_length,
    num_decoder_layers,
    num_experts,
    num_heads,
    num_layers,
    num_sparse_decoder_layers,
    num_sparse_encoder_layers,
    vocab_size,
)
from t5sym.views import lora, memory, saved_longt5, saved_switch
from t5sym.views.flops import DEFAULT_BATCH
from t5sym.views.flops import DEFAULT_DECODER_LENGTH as DEFAULT_T
from t5sym.views.flops import DEFAULT_ENCODER_LENGTH as DEFAULT_S
from t5sym.views.memory import Memory

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

#: The workload keywords of `memory_at`, with the defaults of `t5sym.views.flops`.
LENGTHS = {"batch": DEFAULT_BATCH, "encoder_length": DEFAULT_S, "decoder_length": DEFAULT_T}

#: The choices of a `Setup`: attention implementation, device, precision.
ATTENTIONS = ("sdpa", "eager")
DEVICES = ("cuda", "cpu")
PRECISIONS = {
    "cast": "the model cast to the dtype (model.to(dtype)), as `t5sym memory --dtype` counts",
    "autocast-bf16": "fp32 weights under torch.autocast(device, torch.bfloat16) (HF Trainer's "
    "bf16=True)",
    "autocast-fp16": "fp32 weights under torch.autocast(device, torch.float16) (HF Trainer's "
    "fp16=True)",
}

#: Bytes per value of each autocast precision's lower dtype.
AUTOCAST = {"autocast-bf16": 2, "autocast-fp16": 2}

#: What autocast changes in what autograd saves (measured on CPU; the CUDA op lists are
#: ``AT_FORALL_LOWER_PRECISION_FP`` and ``AT_FORALL_FP32_SET_OPT_DTYPE`` of ATen's
#: ``autocast_mode.h``).
AUTOCAST_SAVES = (
    "every Linear casts its weight once per forward (autocast's weight cache) and saves the "
    "copy for its input's gradient: the low-precision weights are saved activations",
    "every Linear casts its own input: q, k, v (and wi_0, wi_1) each save a copy",
    "the residual stream, the norms, the embedding and T5's position bias stay float32; "
    "so do the self-attention scores (low-precision q·kᵀ plus the float32 bias)",
    "eager: a float32 softmax is cast again for the matmul with v (a second copy); on CUDA "
    "softmax always runs in float32, on the CPU in its input's dtype",
    "sdpa casts q, k, v and the bias to the low precision; the loss's log-softmax is float32",
)

#: Model types transformers 5.23 runs with eager attention only (``_supports_sdpa`` is
#: False; the default falls back to eager, an explicit sdpa raises): ``sdpa`` gives eager's
#: figures, and the result says ``eager``.
EAGER_ONLY = ("longt5", "switch_transformers")

#: transformers' ``T5Config.dropout_rate`` default, used when the config does not say.
DEFAULT_DROPOUT = 0.1

#: What each attention kernel saves for backward, and where it was read or measured.
KERNELS = {
    "eager": "matmul copies of q, kᵀ, v; softmax; with dropout its mask and the dropped "
    "probabilities (transformers' eager_attention_forward)",
    "math": "CPU sdpa's composite kernel (a bias that needs a gradient, or dropout): as "
    "eager, in float32 for bf16/fp16 inputs",
    "flash": "CPU sdpa's flash kernel (no dropout, a bias without gradient: the "
    "cross-attention): q, k, v, output, float32 logsumexp B·h·n, the bias",
    "efficient": "CUDA sdpa's memory-efficient kernel: q, k, v, output, float32 "
    "logsumexp B·h·32⌈n/32⌉, the bias (padded to 16 keys), philox seed and offset",
}

#: Where the CUDA figures come from (derived from torch's source, not measured).
CUDA_SOURCES = (
    "aten/src/ATen/Context.h sdp_priority_order: flash, efficient, math, cudnn",
    "aten/src/ATen/native/transformers/cuda/sdp_utils.cpp can_use_flash_attention: "
    "check_for_attn_mask excludes flash for T5's float bias; can_use_mem_efficient_attention "
    "takes fp16/fp32/bf16",
    "aten/src/ATen/native/transformers/attention.cpp scaled_dot_product_attention: "
    "preprocess_mask expands the bias to (B, h, n, n_k) and pad_bias<16> pads n_k",
    "aten/src/ATen/native/transformers/cuda/attention.cu _efficient_attention_forward: "
    "output (B, n, h, d_kv), logsumexp float32 (B, h, ceil_div(n, 32)·32), 0-dim int64 "
    "seed and offset",
    "tools/autograd/derivatives.yaml _scaled_dot_product_efficient_attention: backward "
    "takes query, key, value, attn_bias, output, log_sumexp, philox_seed, philox_offset",
    "aten/src/ATen/native/Dropout.cpp dropout: the fused native_dropout on CUDA for "
    "0 < p < 1, input returned for p = 0; derivatives.yaml native_dropout saves result1, "
    "a bool mask",
)

#: Where the CUDA figures under autocast come from, besides `CUDA_SOURCES` (source
#: ``torch-autocast-ops`` in `t5sym.sources`).
AUTOCAST_CUDA_SOURCES = (
    "aten/src/ATen/autocast_mode.h AT_FORALL_LOWER_PRECISION_FP: linear, matmul, "
    "scaled_dot_product_attention in the lower precision (every float argument cast, the "
    "bias too); AT_FORALL_FP32_SET_OPT_DTYPE: softmax, log_softmax in float32",
)


@dataclass(frozen=True)
class Setup:
    """How the training forward runs: what decides which tensors autograd saves.

    ``dropout`` is the config's ``dropout_rate``; ``mask_bytes`` the bytes of a dropout
    mask element (1 on CUDA, b on CPU, unless given); ``lora_dropout`` peft's, on each
    adapter's input (LoRA only; 0 builds ``nn.Identity``); ``reentrant`` how checkpointing
    runs: ``torch.utils.checkpoint``'s ``use_reentrant``, which transformers 5's
    ``gradient_checkpointing_enable()`` sets to False unless told (`REENTRANT`).
    """

    attention: str = "sdpa"
    device: str = "cuda"
    precision: str = "cast"
    padding_mask: bool = False
    dropout: float = DEFAULT_DROPOUT
    mask_bytes: int | None = None
    lora_dropout: float = 0.0
    reentrant: bool = False

    @property
    def autocast(self) -> int | None:
        """Bytes of autocast's lower dtype, or None (a model cast to its dtype)."""
        return AUTOCAST.get(self.precision)

    def mask(self, values: int, rate: float | None = None) -> int:
        """Bytes per dropout-mask element on tensors of ``values`` bytes (0: no dropout), for
        the config's ``dropout`` or, given, another ``rate``: on CPU the mask is a tensor of
        the input's dtype (``input * noise``), on CUDA a bool."""
        if (self.dropout if rate is None else rate) == 0:
            return 0
        return self.mask_bytes or (CUDA_MASK if self.device == "cuda" else values)

    @property
    def derived(self) -> bool:
        """CUDA figures are derived from torch's source; CPU ones are measured."""
        return self.device == "cuda"


def _choice(field: str, value, known) -> str:
    if not isinstance(value, str) or value not in known:
        raise T5SymError(f"{field}: {checks.shown(value)} is not one of {', '.join(known)}")
    return value


def setup(
    config: Config | None,
    *,
    attention: str = "sdpa",
    device: str = "cuda",
    precision: str = "cast",
    padding_mask: bool = False,
    dropout: float | None = None,
    mask_bytes: int | None = None,
    lora_dropout: float = 0.0,
    reentrant: bool = False,
) -> Setup:
    """A checked `Setup`; ``dropout`` None: the config's ``dropout_rate`` (0.1 if unset)."""
    attention = _choice("attention", attention, ATTENTIONS)
    device = _choice("device", device, DEVICES)
    if precision == "autocast":
        raise T5SymError("precision: autocast needs its dtype: autocast-bf16 (HF Trainer's "
                         "bf16=True) or autocast-fp16 (fp16=True)")  # fmt: skip
    precision = _choice("precision", precision, PRECISIONS)
    padding_mask = checks.boolean("padding_mask", padding_mask)
    if dropout is None:
        dropout = getattr(config, "dropout_rate", DEFAULT_DROPOUT)  # hook: Config.dropout_rate
    dropout = _rate("dropout", dropout)
    if mask_bytes is not None:
        mask_bytes = checks.positive_int("mask_bytes", mask_bytes)
    lora_dropout = _rate("lora_dropout", lora_dropout)
    if getattr(config, "model_type", "t5") in EAGER_ONLY:
        attention = "eager"  # no sdpa in transformers: the default falls back to eager
    reentrant = checks.boolean("reentrant", reentrant)
    return Setup(attention, device, precision, padding_mask, dropout, mask_bytes, lora_dropout,
                 reentrant)  # fmt: skip


def _rate(field: str, value: Any) -> float:
    """A dropout probability: a number in [0, 1), as a float; else one line."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise T5SymError(f"{field}: must be a number in [0, 1), got {checks.shown(value)}")
    return float(value)


def activation_name(config: Config | None) -> str:
    """transformers' ``dense_act_fn`` (`t5sym.model.config.dense_act_fn`); ``relu`` for None."""
    if config is None:
        return "relu"
    return dense_act_fn(checked_config(config).feed_forward_proj)


def _leaf(name: str, expr: Expr, doc: str = "") -> Node:
    return Node(name, sympy.sympify(expr), (), doc, (), sympy.S.One, "saved", Role.SAVED)


def _norm(name: str, n: Expr, reps: Expr, b: int, out: int | None = None) -> Node:
    """x in float32, 1/rms, x·(1/rms) in ``out`` bytes (the weight's, b unless autocast),
    and x itself in b when b ≠ 4."""
    values = FLOAT32 * batch * n * (d_model + 1) + (out or b) * batch * n * d_model
    if b != FLOAT32:
        values += b * batch * n * d_model  # x itself, besides its float32 copy
    return _leaf(name, reps * values, "x in float32, 1/rms, normalized x")


def _padded(keys: Expr, to: int) -> Expr:
    return to * sympy.ceiling(keys / to)


@dataclass(frozen=True)
class _Call:
    """One attention module's call, as the kernels see it."""

    role: Role
    n: Expr
    keys: Expr
    reps: Expr
    bias_per_layer: bool  # UMT5: every layer builds its own bias (and zero bias)
    ckpt: bool


def _kernel(s: Setup, call: _Call) -> str:
    """The kernel sdpa dispatches to (``eager`` for eager attention)."""
    if s.attention == "eager":
        return "eager"
    if s.device == "cuda":
        return "efficient"
    # CPU: the flash kernel takes no dropout and no bias that needs a gradient; only the
    # cross-attention's zero bias (a leaf; requires_grad under T5's checkpointing) has none.
    cross = call.role is Role.CROSS_ATTENTION
    if cross and s.dropout == 0 and not (call.ckpt and not call.bias_per_layer):
        return "flash"
    return "math"


def _scores(s: Setup, call: _Call, b: int, m: int) -> tuple[Expr, bool]:
    """Bytes the attention function saves per call (summed over layers), and whether its
    output is the input of ``o`` (a fused kernel's output, transposed back: one storage)."""
    n, keys, reps = call.n, call.keys, call.reps
    inner = num_heads * d_kv
    probs = batch * num_heads * n * keys
    kernel = _kernel(s, call)
    cross = call.role is Role.CROSS_ATTENTION
    out = sympy.S.Zero
    if s.attention == "sdpa" and not cross:
        if call.role is Role.SELF_ATTENTION and n is decoder_length:
            out += reps * n * n  # torch.where(causal bool, bias, min): the bool condition
        elif s.padding_mask:
            out += batch * n * n  # torch.where(padding bool (B, 1, S, S), bias, min), shared
    if kernel in ("eager", "math"):
        a = b if kernel == "eager" or b == FLOAT32 else FLOAT32  # math: float32 on CPU
        f = a  # the softmax's dtype: under autocast float32 scores (a float32 bias or mask)
        if kernel == "eager" and s.autocast and (not cross or s.padding_mask or s.derived):
            f = FLOAT32  # on CUDA autocast runs every softmax in float32
        body = a * batch * inner * (n + 2 * keys) + f * probs  # q, kᵀ, v copies; softmax
        if m:  # the mask (CPU's math: in float32 too)
            body += (s.mask(f) if kernel == "eager" else s.mask_bytes or a) * probs
        if m or f != a:  # the matmul with v: the dropped probabilities, or their a copy
            body += a * probs
        return out + reps * body, False
    fused = b * batch * inner * (2 * n + 2 * keys)  # q, k, v, output
    if kernel == "flash":
        lse = FLOAT32 * batch * num_heads * n
        if s.padding_mask:
            bias = reps * b * probs  # torch.where(mask, zeros, min): one per layer
        else:
            bias = (reps if call.bias_per_layer else 1) * b * num_heads * n * keys
        return out + reps * (fused + lse) + bias, True
    # CUDA memory-efficient attention (derived, see CUDA_SOURCES)
    lse = FLOAT32 * batch * num_heads * _padded(n, 32)
    seeds = 2 * INT64
    padded = reps * b * batch * num_heads * n * _padded(keys, 16)
    if s.padding_mask:
        aligned = reps * b * probs  # torch.where(mask, bias, min): (B, h, n, n_k) per layer
    elif cross:
        aligned = (reps if call.bias_per_layer else 1) * b * num_heads * n * keys
    else:
        aligned = reps * b * num_heads * n * keys  # a contiguous bias per layer
    bias = sympy.Piecewise((aligned, sympy.Eq(sympy.Mod(keys, 16), 0)), (padded, True))
    return out + reps * (fused + lse + seeds) + bias, True


def _weights(config: Config | None, c: int) -> dict[str, Expr]:
    """Autocast's copy of every Linear's weight (c bytes per value), by the Linear's name:
    the parameter tree's ``linear`` leaves, and ``lm_head`` (tied or not, one V×d matrix)."""
    tree = params.tree(config)
    out = {leaf.name: c * leaf.expr for leaf in tree if leaf.is_leaf and leaf.kind == "linear"}
    return {**out, "lm_head": c * params.lm_head().expr}


def _linear_in(name: str, inputs: Expr, w: dict[str, Expr], doc: str) -> Node:
    """A Linear's saved input, and under autocast (``w``) its weight's copy."""
    if w:
        return _leaf(name, inputs + w[name], f"{doc} and weight, low-precision copies")
    return _leaf(name, inputs, doc)


def _attention(p: str, call: _Call, s: Setup, b: int, m: int, bias: bool, per_layer_bias: bool,
               w: dict[str, Expr]) -> Node:  # fmt: skip
    n, keys, reps = call.n, call.keys, call.reps
    inner = num_heads * d_kv
    cross = call.role is Role.CROSS_ATTENTION
    block0 = p.replace(".*.", ".0.")
    scores, fused = _scores(s, call, b, m)
    buckets = INT64 * n * keys * (reps if per_layer_bias else 1)
    if w:  # autocast: each of q, k, v casts its own input
        inputs = [_linear_in(f"{p}.{x}", reps * b * batch * (keys if x != "q" else n) * d_model,
                             w, "input") for x in ("q", "k", "v")]  # fmt: skip
    else:
        inputs = [_leaf(f"{p}.q", reps * b * batch * n * d_model, "input of q, k, v")]
        if cross:
            inputs.append(_leaf(f"{block0}.k", b * batch * encoder_length * d_model,
                                "encoder output, once"))  # fmt: skip
    o = sympy.S.Zero if fused else reps * b * batch * n * inner
    return group(
        p,
        *inputs,
        _leaf(
            f"{p if per_layer_bias else block0}.relative_attention_bias", buckets, "int64 buckets"
        )
        if bias
        else None,  # fmt: skip
        _leaf(f"{p}.scores", scores, KERNELS[_kernel(s, call)]),
        None if fused and not w else _linear_in(f"{p}.o", o, w, "input of o"),
        role=call.role,
    )


def _long_attention(p: str, kind: str, s: Setup, b: int, m: int, w: dict[str, Expr],
                    role: Role) -> Node:  # fmt: skip
    """LongT5's encoder self-attention (`t5sym.views.saved_longt5`), num_layers times."""
    reps, n = num_layers, encoder_length
    block0 = p.replace(".*.", ".0.")
    glob, side = [], {}
    if kind == "transient-global":
        extra, g = saved_longt5.global_inputs(b), saved_longt5.global_tokens_of(kind)
        side = {"k": reps * extra["k"]}  # k's (and under autocast v's) input, global tokens
        if w:
            side["v"] = side["k"]
        glob = [
            _norm(f"{p}.global_input_layer_norm", g, reps, b, FLOAT32 if w else None),
            _leaf(f"{p}.aggregates", reps * extra["aggregates"], "one-hot of the global blocks"),
        ]
    if w:  # autocast: each of q, k, v casts its own input, k and v their global inputs too
        inputs = [_linear_in(f"{p}.{x}", reps * b * batch * n * d_model + side.get(x, 0), w,
                             "input" + (", and on the global tokens" if x in side else ""))
                  for x in ("q", "k", "v")]  # fmt: skip
    else:
        inputs = [_leaf(f"{p}.q", reps * b * batch * n * d_model, "input of q, k, v")]
        if side:
            inputs.append(_leaf(f"{p}.k", side["k"], "input of k, v on the global tokens"))
    return group(
        p,
        *inputs,
        *glob,
        *(
            _leaf(f"{block0}.{k}", v, "int64 buckets")
            for k, v in saved_longt5.buckets(kind).items()
        ),  # fmt: skip
        _leaf(
            f"{p}.scores",
            reps * saved_longt5.scores(kind, b, m),
            "einsum copies of q, kᵀ, v over 3-block windows; float32 softmax",
        ),  # fmt: skip
        _linear_in(f"{p}.o", reps * saved_longt5.o_input(b), w, "input of o"),
        role=role,
    )


def activation_saves(config: Config | None) -> tuple[str, int, bool]:
    """The FFN's activation, the d_ff-wide tensors it saves and whether one is its output
    (`ACTIVATION_SAVES`), or one line when its saved tensors are not modelled."""
    act = activation_name(config)
    if act not in ACTIVATION_SAVES:
        known = ", ".join(ACTIVATION_SAVES)
        raise T5SymError(f"feed_forward_proj: saved activations of {act!r} not modelled; {known}")
    return (act, *ACTIVATION_SAVES[act])


def _ffn(p: str, n: Expr, reps: Expr, b: int, m: int, config: Config | None,
         w: dict[str, Expr]) -> Node:  # fmt: skip
    act, saves, keeps_output = activation_saves(config)
    gated = bool(config and config.is_gated)
    wide = reps * batch * n * d_ff
    firsts = ("wi_0", "wi_1")[: 2 if w else 1] if gated else ("wi",)  # autocast: a copy each
    inputs = reps * b * batch * n * d_model
    return group(
        p,
        *(_linear_in(f"{p}.{first}", inputs, w, "input of wi") for first in firsts),
        _leaf(f"{p}.act", saves * b * wide, act),
        _leaf(f"{p}.gate", (1 if keeps_output else 2) * b * wide, "act(wi_0 x), wi_1 x")
        if gated
        else None,
        _leaf(f"{p}.dropout", m * wide, "dropout mask") if m else None,
        # without dropout, a plain ReLU's output is wo's input: one storage, under act
        None
        if not m and keeps_output and not gated and not w
        else _linear_in(f"{p}.wo", b * wide, w, "input of wo"),
        role=Role.FFN,
    )


#: Switch's sparse blocks of each stack.
_SPARSE = {"encoder": num_sparse_encoder_layers, "decoder": num_sparse_decoder_layers}


def _switch_mlp(p: str, n: Expr, reps: Expr, sparse: Expr, b: int, m: int,
                config: Config, w: dict[str, Expr], sb: int) -> Node:  # fmt: skip
    """Switch's ``mlp`` (`t5sym.views.saved_switch`): a dense FFN in reps − sparse blocks; in
    the sparse ones the float32 router and the experts over the R routed tokens (`routed`),
    written as a dense FFN over R/B tokens a sequence. Under autocast (``w``) the hit experts'
    weight copies: min(E, R) of the E experts' (`experts_hit`)."""
    jitter = config.router_jitter_noise
    rest = saved_switch.routed(n) / batch
    dense = _ffn(p, n, reps - sparse, b, m, config, w)
    hit = saved_switch.experts_hit(saved_switch.routed(n)) / num_experts
    ew = {k: v * hit for k, v in w.items() if k.startswith(f"{p}.experts.")}
    experts = _ffn(f"{p}.experts.expert_*", rest, sparse, b, m, config, ew)
    picked = saved_switch.combine(saved_switch.routed(n), b, sb)
    doc = {"classifier": "input and weight, low-precision copies" if w else
           "float32 input of the classifier", "jitter": "jitter noise",
           "probs": "float32 softmax, argmax indices"}  # fmt: skip
    return group(
        p,
        *dense.children,
        group(
            f"{p}.router",
            *(
                _leaf(f"{p}.router.{k}", sparse * v, doc[k])
                for k, v in saved_switch.router(n, jitter, b if w else None).items()
            ),  # fmt: skip
            role=Role.ROUTER,
        ),
        group(
            f"{p}.experts",
            _leaf(f"{p}.experts.index", sparse * picked["index"], "token indices"),
            *experts.children,
            _leaf(
                f"{p}.experts.combine",
                sparse * picked["combine"],
                "routing weight, expert output, weighted output",
            ),  # fmt: skip
            role=Role.EXPERTS,
        ),
        role=Role.FFN,
    )


def _sublayers(stack: str, n: Expr, reps: Expr, b: int, m: int, config: Config | None,
               s: Setup) -> Node:  # fmt: skip
    blk = f"{stack}.block.*"
    umt5 = config is not None and config.model_type == "umt5"
    sb = FLOAT32 if s.autocast else b  # the residual stream's bytes
    w = _weights(config, b) if s.autocast else {}
    parts = [(f"{blk}.layer.0", "SelfAttention", Role.SELF_ATTENTION, n, True)]
    if stack == "decoder":
        parts.append(
            (f"{blk}.layer.1", "EncDecAttention", Role.CROSS_ATTENTION, encoder_length, False)
        )
    layers = []
    long = _long_kind(config) if stack == "encoder" else None
    for p, kind, role, keys, bias in parts:
        call = _Call(role, n, keys, reps, umt5, False)
        if long:
            kind, role = params.ENCODER_ATTENTION_MODULE[long]
            attention = _long_attention(f"{p}.{kind}", long, s, b, m, w, role)
        else:
            attention = _attention(f"{p}.{kind}", call, s, b, m, bias, umt5, w)
        layers.append(
            group(
                p,
                _norm(f"{p}.layer_norm", n, reps, sb),
                attention,
                _leaf(f"{p}.dropout", reps * m * batch * n * d_model, "dropout mask")
                if m
                else None,
                role=Role.SUBLAYER,
            )
        )
    ff = f"{blk}.layer.{len(parts)}"
    switch = config is not None and config.model_type == "switch_transformers"
    ff_masks = reps * m
    if switch:  # the experts' sum is in the stream's dtype (float32 under autocast)
        ff_masks += _SPARSE[stack] * (s.mask(sb) - m)
    layers.append(
        group(
            ff,
            _norm(f"{ff}.layer_norm", n, reps, sb),
            _switch_mlp(f"{ff}.mlp", n, reps, _SPARSE[stack], b, m, config, w, sb)
            if switch
            else _ffn(f"{ff}.DenseReluDense", n, reps, b, m, config, w),
            _leaf(f"{ff}.dropout", ff_masks * batch * n * d_model, "dropout mask") if m else None,
            role=Role.SUBLAYER,
        )
    )
    return group(blk, *layers, role=Role.BLOCK)


def _long_kind(config: Config | None) -> str | None:
    """LongT5's ``encoder_attention_type``, or None for a full-attention encoder."""
    if config is None or config.model_type != "longt5":
        return None
    return config.encoder_attention_type


def _clamps(blk: str, n: Expr, reps: Expr, b: int, clamps: int) -> Node:
    return _leaf(blk, reps * clamps * (b * batch * n * d_model + 2 * FLOAT32), "fp16 clamps")


def _checkpointed(stack: str, n: Expr, reps: Expr, b: int, deep: bool, s: Setup,
                  umt5: bool, long: str | None = None, switch: bool = False) -> Node:  # fmt: skip
    blk = f"{stack}.block.*"
    deep = deep and not umt5  # UMT5's blocks take no position bias
    c, b = b, FLOAT32 if s.autocast else b  # the stream, bias and masks: float32 (autocast)
    mask_b = b if s.attention == "eager" else 1  # a float additive mask, or sdpa's bool
    inputs = [_leaf(f"{blk}.input", reps * b * batch * n * d_model, "block input")]
    if stack == "encoder" and long:
        kept = saved_longt5.checkpointed(long, c, s.padding_mask)
        inputs.append(_leaf(f"{stack}.block.0.mask", kept["mask"], "LongT5's encoder mask"))
        if deep:
            inputs.append(_leaf(f"{stack}.block.1.position_bias", kept["position_bias"]))
        return group(blk, *inputs, role=Role.BLOCK)
    if deep:
        inputs.append(_leaf(f"{stack}.block.1.position_bias", b * num_heads * n * n))
    if stack == "encoder" and switch:  # (1 - mask)·min, (B, 1, 1, S), passed or not
        inputs.append(_leaf(f"{stack}.block.0.mask", b * batch * n, "extended mask"))
    elif stack == "encoder" and s.padding_mask:
        inputs.append(_leaf(f"{stack}.block.0.mask", mask_b * batch * n * n, "padding mask"))
    if stack == "decoder":
        if s.attention == "eager":
            inputs.append(_leaf(f"{stack}.block.0.mask", b * batch * n * n, "causal mask"))
        inputs.append(_leaf(f"{stack}.block.0.encoder", b * batch * encoder_length * d_model))
        if s.padding_mask and not umt5:  # UMT5 passes it by keyword: not saved
            inputs.append(_leaf(f"{stack}.block.0.encoder_mask",
                                mask_b * batch * n * encoder_length, "padding mask"))  # fmt: skip
        if deep:
            inputs.append(_leaf(f"{stack}.block.1.cross_bias", c * num_heads * n * encoder_length))
        elif not s.reentrant and not umt5:  # one block: its zero bias, a leaf needing a
            # gradient, is held by the graph the non-reentrant forward builds (REENTRANT)
            inputs.append(_leaf(f"{stack}.block.0.cross_bias", c * num_heads * n * encoder_length,
                                "zero bias, held as a leaf of the graph"))  # fmt: skip
    return group(blk, *inputs, role=Role.BLOCK)


def _stack(stack: str, config: Config | None, b: int, m: int, dtype: str, ckpt: bool,
           s: Setup) -> Node:  # fmt: skip
    enc = stack == "encoder"
    n = encoder_length if enc else decoder_length
    reps = num_layers if enc else num_decoder_layers
    depth = None if config is None else (config.num_layers if enc else config.num_decoder_layers)
    umt5 = config is not None and config.model_type == "umt5"
    if ckpt:
        switch = config is not None and config.model_type == "switch_transformers"
        blocks = _checkpointed(stack, n, reps, b, depth is None or depth > 1, s, umt5,
                               _long_kind(config), switch)  # fmt: skip
    else:
        blocks = _sublayers(stack, n, reps, b, m, config, s)
        if dtype == "fp16" and not (config and config.model_type == "longt5"):
            clamp = _clamps(f"{stack}.block.*.clamp", n, reps, b, 2 if enc else 3)
            blocks = group(blocks.name, *blocks.children, clamp, role=Role.BLOCK)
    sb = FLOAT32 if s.autocast else b  # the residual stream's bytes
    return group(
        stack,
        _leaf(f"{stack}.embed_tokens", INT64 * batch * n, "token ids"),
        blocks,
        _norm(f"{stack}.final_layer_norm", n, 1, sb),
        _leaf(
            f"{stack}.dropout", 2 * s.mask(sb) * batch * n * d_model, "input's and output's masks"
        )
        if m
        else None,
        role=Role(stack),
    )


# ---------------------------------------------------------------------------------------
# The base frozen (LoRA, `t5sym.views.lora`): what autograd still saves.

#: What a frozen base saves, and what it no longer does (measured on CPU with peft).
FROZEN = (
    "a frozen Linear saves no input (mm keeps it only for the weight's gradient)",
    "a frozen embedding saves no ids, a frozen norm scale no normalized x",
    "nothing before the first adapter: the stream needs no gradient there",
    "torch.where(causal, bias, min) saves no condition (the bias needs no gradient)",
    "CPU sdpa: the flash kernel whenever dropout is 0 (no bias needs a gradient)",
    "with a padding mask, sdpa's kernel saves where(mask, bias, min) of every layer",
    "checkpointed: the embeddings' output requires a gradient (enable_input_require_grads), "
    "each block's inputs are saved, the adapters inside a block save only in its recompute",
)

#: Checkpointing's two ways (``torch.utils.checkpoint``'s ``use_reentrant``; transformers 5
#: passes False unless told: source ``transformers-checkpointing`` in `t5sym.sources`),
#: measured on CPU with torch's live storages after the forward.
REENTRANT = (
    "reentrant: the checkpoint function saves each block's tensor inputs for backward",
    "non-reentrant (transformers 5's default): the recompute closure keeps the same inputs; "
    "with a single decoder block, the zero bias its cross-attention makes (a leaf that needs "
    "a gradient) is held by the graph too, b·num_heads·T·S (UMT5's blocks make none)",
)

#: What autocast (fp32 weights, HF Trainer's bf16=True / fp16=True) adds with the base
#: frozen (measured on CPU with peft; autocast's ``cached_cast`` caches only leaves that
#: require a gradient: source ``torch-autocast-cache`` in `t5sym.sources`).
FROZEN_AUTOCAST = (
    "a frozen Linear whose input needs a gradient saves its weight's low-precision copy "
    "(for that gradient), cast again at every call: a frozen weight is not cached",
    "lora_A casts its own copy of its input (no adapter shares one) and saves it, with its "
    "weight's copy where the input needs a gradient; lora_B saves its input and weight copy",
    "sdpa casts T5's float32 position bias at every call: one copy per layer",
    "the stream, the norms and the stack's dropout masks stay float32; eager's softmax is "
    "float32 (its low-precision copy saved for v's gradient)",
)

#: The model types whose frozen-base saved tensors are modelled (MT5's modules are T5's;
#: UMT5's every layer makes its own bias).
FROZEN_MODEL_TYPES = ("t5", "mt5", "umt5", "longt5", "switch_transformers")

_ATTENTION_TARGETS = frozenset({Role.Q, Role.K, Role.V, Role.O})


@dataclass(frozen=True)
class _Grads:
    """Which inputs of one attention call need a gradient: q, k, v (and o adapted)."""

    q: bool = True
    k: bool = True
    v: bool = True
    o: bool = False

    @property
    def kernel_saves(self) -> bool:
        return self.q or self.k or self.v

    @property
    def output(self) -> bool:
        return self.kernel_saves or self.o


def _frozen_norm(name: str, n: Expr, reps: Expr, b: int) -> Node:
    values = FLOAT32 * batch * n * (d_model + 1)  # x in float32 (x itself in fp32), 1/rms
    if b != FLOAT32:
        values += b * batch * n * d_model  # x, multiplied by 1/rms (float32)
    return _leaf(name, reps * values, "x in float32, 1/rms (the scale is frozen)")


def _frozen_scores(s: Setup, call: _Call, b: int, m: int, g: _Grads, fp32_o: bool,
                   shared: bool) -> Expr:  # fmt: skip
    """What the attention function saves with frozen q, k, v projections, per `_Grads`;
    ``shared``: whether a bias every layer reuses is counted here (its first saving call)."""
    n, keys, reps = call.n, call.keys, call.reps
    inner = num_heads * d_kv
    probs = batch * num_heads * n * keys
    kernel = _frozen_kernel(s)
    cross = call.role is Role.CROSS_ATTENTION
    if kernel in ("eager", "math"):
        a = b if kernel == "eager" or b == FLOAT32 else FLOAT32
        f = a  # the softmax's dtype: under autocast float32 scores (a float32 bias or mask)
        if kernel == "eager" and s.autocast and (not cross or s.padding_mask or s.derived):
            f = FLOAT32
        scores = g.q or g.k
        body = sympy.S.Zero
        if g.q:
            body += a * batch * inner * keys  # kᵀ, for q's gradient
        if g.k:
            body += a * batch * inner * n  # q, for k's gradient
        if scores:
            body += a * batch * inner * keys  # v, for the probabilities' gradient
        if m:
            if scores:  # softmax output and the dropout mask
                mask = s.mask(f) if kernel == "eager" else s.mask_bytes or a
                body += (f + mask) * probs
            if g.v:
                body += a * probs  # the dropped probabilities (their a copy), for v's gradient
        else:
            if scores:
                body += f * probs  # softmax output (v's gradient reads it too, if f is a)
            if g.v and (f != a or not scores):
                body += a * probs  # its a copy for the matmul with v (autocast)
        return reps * body
    if not g.kernel_saves:
        return sympy.S.Zero
    fused = b * batch * inner * (2 * n + 2 * keys)  # q, k, v, output
    if fp32_o:
        fused -= b * batch * inner * n  # the output is o's input: o.lora_A saves it
    per_layer = b * num_heads * n * keys
    once = sympy.S.Zero
    if shared:  # counted by the first call that saves it (none if no layer does)
        once = per_layer if reps == 1 else sympy.Piecewise((0, sympy.Eq(reps, 0)),
                                                           (per_layer, True))  # fmt: skip
    if s.padding_mask and (cross or n is encoder_length):
        bias = reps * b * probs  # torch.where(mask, bias, min), contiguous: one per layer
    elif call.bias_per_layer:
        bias = reps * per_layer  # UMT5: every layer makes its own bias (and zero bias)
    elif cross:
        bias = once  # T5's zero bias, made once (contiguous)
    elif s.autocast:
        bias = reps * per_layer  # sdpa casts the float32 bias to b at each call
    elif n is decoder_length:  # torch.where(causal, bias, min): one per layer (T > 1)
        bias = sympy.Piecewise((once, sympy.Eq(n, 1)), (reps * per_layer, True))
    else:  # compute_bias permutes: .contiguous() copies it per layer unless h or S is 1
        one = sympy.Or(sympy.Eq(num_heads, 1), sympy.Eq(n, 1))
        bias = sympy.Piecewise((once, one), (reps * per_layer, True))
    if kernel == "flash":
        return reps * (fused + FLOAT32 * batch * num_heads * n) + bias
    lse = FLOAT32 * batch * num_heads * _padded(n, 32)
    padded = reps * b * batch * num_heads * n * _padded(keys, 16)
    aligned = sympy.Eq(sympy.Mod(keys, 16), 0)
    return reps * (fused + lse + 2 * INT64) + sympy.Piecewise((bias, aligned), (padded, True))


def _frozen_kernel(s: Setup) -> str:
    if s.attention == "eager":
        return "eager"
    if s.device == "cuda":
        return "efficient"
    return "flash" if s.dropout == 0 else "math"


#: Autocast's copy of each frozen Linear's weight, one instance (a block, an expert): by
#: (stack, module, projection) role, the parameter tree's name and c·in·out bytes.
Copies = dict[tuple[Role | None, Role | None, Role], tuple[str, Expr]]


def _copies(config: Config | None, c: int) -> Copies:
    """`Copies` of every ``linear`` leaf of the parameter tree, c bytes per value."""
    return {
        (leaf.stack, leaf.module, leaf.role): (leaf.name, c * leaf.shape[0] * leaf.shape[1])
        for leaf in params.tree(config)
        if leaf.is_leaf and leaf.kind == "linear"
    }


def _copy_leaves(p: str, w: Copies, stack: Role, module: Role, hot: Iterable[Role],
                 reps: Expr) -> list[Node]:  # fmt: skip
    """Under autocast, the frozen Linears (by role) whose input needs a gradient save their
    weight's low-precision copy for it (a frozen weight is no leaf that needs a gradient:
    autocast casts it again at each call); ``p``: the module's path in this block."""
    out = []
    for role in hot:
        if (stack, module, role) in w:
            name, each = w[(stack, module, role)]
            out.append(_leaf(f"{p}.{name.rsplit('.', 1)[-1]}", reps * each, "weight copy"))
    return out


def _frozen_attention(p: str, call: _Call, s: Setup, b: int, m: int, g: _Grads, x_kept: bool,
                      norm: bool, shared: bool = True, w: Copies | None = None,
                      stack: Role = Role.ENCODER) -> Node:  # fmt: skip
    """One attention sublayer (``norm``: its input needs a gradient, so its norm saves;
    ``shared``: a bias every layer reuses is counted here, see `_frozen_scores`; ``w``:
    autocast's weight copies, `_copy_leaves`; ``x_kept``: an adapter's lora_A saves its
    input itself, fp32 without lora_dropout, so a fused kernel's output is o's input)."""
    kind = "EncDecAttention" if call.role is Role.CROSS_ATTENTION else "SelfAttention"
    fp32_o = x_kept and g.o and _frozen_kernel(s) in ("flash", "efficient")
    hot = [Role.Q] if norm else []
    if norm or call.role is Role.CROSS_ATTENTION:  # cross: k, v read the encoder's output
        hot += [Role.K, Role.V]
    if g.kernel_saves:
        hot.append(Role.O)
    sb = FLOAT32 if s.autocast else b
    return group(
        p,
        _frozen_norm(f"{p}.layer_norm", call.n, call.reps, sb) if norm else None,
        *_copy_leaves(f"{p}.{kind}", w or {}, stack, call.role, hot, call.reps),
        _leaf(
            f"{p}.{kind}.scores",
            _frozen_scores(s, call, b, m, g, fp32_o, shared),
            f"{KERNELS[_frozen_kernel(s)]}; with frozen q, k, v",
        ),  # fmt: skip
        _leaf(f"{p}.dropout", call.reps * m * batch * call.n * d_model, "dropout mask")
        if m and g.output
        else None,
        role=Role.SUBLAYER,
    )


def _frozen_long_attention(p: str, kind: str, reps: Expr, s: Setup, b: int, m: int, g: _Grads,
                           norm: bool, w: Copies) -> Node:  # fmt: skip
    """LongT5's encoder attention sublayer with frozen q, k, v (`t5sym.views.saved_longt5`;
    eager only), ``reps`` layers: the einsums' copies each gradient needs, the float32
    softmax and its b copy, no buckets (the bias embeddings are frozen); transient-global:
    with ``norm``, the one-hot of the aggregates and the global norm, and k, v called again
    on the global tokens (under autocast a second weight copy each)."""
    module, role = params.ENCODER_ATTENTION_MODULE[kind]
    n, probs = encoder_length, saved_longt5.probabilities(kind)
    f, a = FLOAT32, b  # the softmax of scores.float(); its copy of the scores' dtype
    blocks = batch * saved_longt5.local_blocks() * num_heads * d_kv
    body = sympy.S.Zero
    scores = g.q or g.k
    if g.q:
        body += a * blocks * saved_longt5.keys(kind)  # kᵀ, for q's gradient
    if g.k:
        body += a * blocks * saved_longt5.block_length()  # q, for k's gradient
    if scores:
        body += a * blocks * saved_longt5.keys(kind)  # v, for the probabilities' gradient
    if m:
        if scores:
            body += (f + m) * probs  # softmax, dropout mask
        if g.v:
            body += a * probs  # the dropped probabilities
    else:
        if scores:
            body += f * probs
        if g.v and (f != a or not scores):
            body += a * probs  # the b copy for the einsum with v
    glob: list[Node] = []
    hot = [Role.Q, Role.K, Role.V] if norm else []
    if g.kernel_saves:
        hot.append(Role.O)
    copies = _copy_leaves(f"{p}.{module}", w, Role.ENCODER, role, hot, reps)
    if kind == "transient-global" and norm:
        g_tokens = saved_longt5.global_tokens_of(kind)
        glob = [
            _frozen_norm(f"{p}.{module}.global_input_layer_norm", g_tokens, reps, b),
            _leaf(f"{p}.{module}.aggregates",
                  reps * saved_longt5.global_inputs(b)["aggregates"], "one-hot of the blocks"),
            *_copy_leaves(f"{p}.{module}.global", w, Role.ENCODER, role, [Role.K, Role.V], reps),
        ]  # fmt: skip
    sb = FLOAT32 if s.autocast else b
    return group(
        p,
        _frozen_norm(f"{p}.layer_norm", n, reps, sb) if norm else None,
        *copies,
        *glob,
        _leaf(f"{p}.{module}.scores", reps * body, "einsum copies; float32 softmax"),
        _leaf(f"{p}.dropout", reps * m * batch * n * d_model, "dropout mask")
        if m and g.output
        else None,
        role=Role.SUBLAYER,
    )


def _frozen_ffn(p: str, n: Expr, reps: Expr, b: int, m: int, config: Config | None,
                roles: frozenset[Role], hot: bool, x_kept: bool, w: Copies | None = None,
                stack: Role = Role.ENCODER, sb: int | None = None, module: str = "DenseReluDense",
                role: Role = Role.FFN, copy_reps: Expr | None = None) -> Node | None:  # fmt: skip
    """One feed-forward sublayer; ``hot``: its input needs a gradient; ``w``: autocast's
    weight copies (`_copy_leaves`, ``copy_reps`` times: ``reps`` unless given), ``sb`` the
    stream's bytes (b unless autocast); ``module`` and ``role``: the FFN's name and role
    (Switch's ``mlp``, an expert); ``x_kept`` as in `_frozen_attention` (ReLU's output is
    then wo's input)."""
    act, saves, keeps_output = activation_saves(config)
    gated = bool(config and config.is_gated)
    wide = reps * batch * n * d_ff
    if gated:
        g0, g1 = hot or Role.WI_0 in roles, hot or Role.WI_1 in roles
    else:
        g0 = g1 = hot or Role.WI in roles
    inner = g0 or g1  # the product (or the activation) needs a gradient
    out = inner or Role.WO in roles
    if not out:
        return None
    act_bytes = saves * b * wide if g0 else sympy.S.Zero
    if x_kept and not gated and keeps_output and not m and Role.WO in roles:
        act_bytes = sympy.S.Zero  # ReLU's output is wo's input: wo.lora_A saves it
    gate = sympy.S.Zero
    if gated:
        if g0:
            gate += b * wide  # wi_1 x, for act(wi_0 x)'s gradient
        if g1 and not (g0 and keeps_output):
            gate += b * wide  # act(wi_0 x), for wi_1 x's gradient (ReLU's output: saved)
    copied = (*((Role.WI_0, Role.WI_1, Role.WI) if hot else ()), *((Role.WO,) if inner else ()))
    copies = _copy_leaves(f"{p}.{module}", w or {}, stack, role, copied,
                          reps if copy_reps is None else copy_reps)  # fmt: skip
    return group(
        p,
        _frozen_norm(f"{p}.layer_norm", n, reps, sb or b) if hot else None,
        group(
            f"{p}.{module}",
            *copies,
            _leaf(f"{p}.{module}.act", act_bytes, act),
            _leaf(f"{p}.{module}.gate", gate, "act(wi_0 x), wi_1 x") if gated else None,
            _leaf(f"{p}.{module}.dropout", m * wide, "dropout mask") if m and inner else None,
            role=role,
        ),
        _leaf(f"{p}.dropout", reps * m * batch * n * d_model, "dropout mask") if m else None,
        role=Role.SUBLAYER,
    )


def _frozen_switch(p: str, n: Expr, reps: Expr, sparse: Expr, b: int, m: int, config: Config,
                   roles: frozenset[Role], hot: bool, x_kept: bool, w: Copies, stack: Role,
                   s: Setup) -> Node | None:  # fmt: skip
    """Switch's feed-forward sublayer with the base frozen, ``reps`` blocks of which
    ``sparse`` are sparse: the dense ``mlp`` as `_frozen_ffn`; in a sparse block the router
    (jitter noise, float32 softmax and argmax indices; under autocast the frozen
    classifier's weight copy), the experts over the R routed tokens as a frozen FFN (under
    autocast min(E, R) experts' weight copies), and the combine (`saved_switch.combine`).
    Not ``hot`` (a sparse block 0 before any adapter of the stream: feed-forward targets
    alone): no norm, nothing of the router, and the combine without the expert output."""
    sb = FLOAT32 if s.autocast else b
    dense = _frozen_ffn(p, n, reps - sparse, b, m, config, roles, hot, x_kept, w, stack, sb,
                        module="mlp")  # fmt: skip
    mlp = [c for c in dense.children if c.role is Role.FFN] if dense else []
    if sparse == 0 or dense is None:
        return dense
    tokens = saved_switch.routed(n)
    hit = saved_switch.experts_hit(tokens)
    experts = _frozen_ffn(f"{p}.mlp.experts", tokens / batch, sparse, b, m, config, roles, hot,
                          x_kept, w, stack, sb, module="expert_*", role=Role.EXPERTS,
                          copy_reps=sparse * hit)  # fmt: skip
    router = saved_switch.router(n, config.router_jitter_noise) if hot else {}
    router.pop("classifier", None)  # a frozen classifier keeps no input
    if s.autocast and hot:
        router["classifier"] = b * num_experts * d_model  # its weight's copy
    picked = saved_switch.combine(tokens, b, sb, router_grad=hot)
    masks = (reps - sparse) * m + sparse * s.mask(sb)  # a sparse block's output is the stream's
    kept = [_leaf(f"{p}.mlp.router.{k}", sparse * v) for k, v in router.items()]
    combine = _leaf(f"{p}.mlp.experts.combine", sparse * picked["combine"],
                    "routing weight, expert output, weighted output")  # fmt: skip
    return group(
        p,
        _frozen_norm(f"{p}.layer_norm", n, reps, sb) if hot else None,
        group(
            f"{p}.mlp",
            *(child for node in mlp for child in node.children),
            group(f"{p}.mlp.router", *kept, role=Role.ROUTER),
            group(
                f"{p}.mlp.experts",
                _leaf(f"{p}.mlp.experts.index", sparse * picked["index"], "token indices"),
                *next(c for c in experts.children if c.role is Role.EXPERTS).children,
                combine,
                role=Role.EXPERTS,
            ),
            role=Role.FFN,
        ),
        _leaf(f"{p}.dropout", masks * batch * n * d_model, "dropout mask") if m else None,
        role=Role.SUBLAYER,
    )


def _frozen_stack(stack: str, config: Config | None, b: int, m: int, s: Setup,
                  roles: frozenset[Role], fp16: bool = False) -> Node:  # fmt: skip
    """A stack with the base frozen: block 0 up to its first adapter saves nothing; in fp16
    each sublayer whose output needs a gradient saves its ``clamp`` (as `_clamps`); under
    autocast the stream, norms and stack masks are float32 and each frozen Linear whose
    input needs a gradient saves its weight's copy (`_copy_leaves`)."""
    w = _copies(config, b) if s.autocast else {}
    sb = FLOAT32 if s.autocast else b
    sr = Role(stack)
    enc = stack == "encoder"
    n = encoder_length if enc else decoder_length
    layers = num_layers if enc else num_decoder_layers
    x_kept = b == FLOAT32 and s.lora_dropout == 0  # lora_A saves x itself: no copy, no dropout
    attn = roles & _ATTENTION_TARGETS
    ffn = roles & {Role.WI, Role.WI_0, Role.WI_1, Role.WO}
    hot = _Grads(o=Role.O in attn)
    parts: list[Node | None] = []
    self_p, ff_p = "block.*.layer.0", f"block.*.layer.{1 if enc else 2}"
    first = f"{stack}.block.0"
    ff0 = f"{first}.layer.{1 if enc else 2}"

    umt5 = config is not None and config.model_type == "umt5"

    def self_call(reps: Expr) -> _Call:
        return _Call(Role.SELF_ATTENTION, n, n, reps, umt5, False)

    def cross_call(reps: Expr) -> _Call:
        return _Call(Role.CROSS_ATTENTION, n, encoder_length, reps, umt5, False)

    long = _long_kind(config) if enc else None
    switch = config is not None and config.model_type == "switch_transformers"
    sparse0 = int(switch and config.sparse_step(stack) == 1)  # block 0 sparse

    def ffn_sublayer(p: str, reps: Expr, hot: bool) -> Node | None:
        if switch:
            sparse = sparse0 if reps == 1 else _SPARSE[stack] - sparse0
            return _frozen_switch(p, n, reps, sparse, b, m, config, roles, hot, x_kept, w, sr, s)
        return _frozen_ffn(p, n, reps, b, m, config, roles, hot, x_kept, w, sr, sb)

    def self_attention(p: str, reps: Expr, g: _Grads, norm: bool, shared: bool = True) -> Node:
        if long:
            return _frozen_long_attention(p, long, reps, s, b, m, g, norm, w)
        return _frozen_attention(p, self_call(reps), s, b, m, g, x_kept, norm, shared, w, sr)

    if attn:  # block 0's self-attention reads a stream without gradient
        g = _Grads(Role.Q in attn, Role.K in attn, Role.V in attn, Role.O in attn)
        parts.append(self_attention(f"{first}.layer.0", 1, g, False))
        if not enc:
            parts.append(_frozen_attention(f"{first}.layer.1", cross_call(1), s, b, m, hot,
                                           x_kept, True, w=w, stack=sr))  # fmt: skip
        parts.append(ffn_sublayer(ff0, 1, True))
    elif ffn:
        if not enc:  # the cross-attention's k, v read the encoder's output: it needs one
            g = _Grads(False, True, True, False)
            parts.append(_frozen_attention(f"{first}.layer.1", cross_call(1), s, b, m, g,
                                           x_kept, False, w=w, stack=sr))  # fmt: skip
        parts.append(ffn_sublayer(ff0, 1, not enc))
    hot0 = sum(part is not None for part in parts)  # block 0's sublayers with a gradient
    if attn or ffn:  # blocks 1 on: everything needs a gradient
        rest = layers - 1
        if fp16:
            clamps = hot0 + rest * (2 if enc else 3)
            each = b * batch * n * d_model + 2 * FLOAT32  # input, two 0-dim float32 bounds
            parts.append(_leaf(f"{stack}.block.*.clamp", clamps * each, "fp16 clamps"))
        first_saves = bool(attn & {Role.Q, Role.K, Role.V})  # block 0's kernel saved
        parts.append(self_attention(f"{stack}.{self_p}", rest, hot, True, not first_saves))
        if not enc:  # block 0's cross-attention always saves (its k, v need a gradient)
            parts.append(_frozen_attention(f"{stack}.block.*.layer.1", cross_call(rest), s, b,
                                           m, hot, x_kept, True, False, w, sr))  # fmt: skip
        parts.append(ffn_sublayer(f"{stack}.{ff_p}", rest, True))
        parts.append(_frozen_norm(f"{stack}.final_layer_norm", n, 1, sb))
        if m:
            parts.append(_leaf(f"{stack}.dropout", s.mask(sb) * batch * n * d_model,
                               "output's mask"))  # fmt: skip
    return group(stack, *parts, role=Role(stack))


def _frozen_checkpointed(stack: str, config: Config | None, b: int, m: int, s: Setup) -> Node:
    """A checkpointed stack with the base frozen: transformers' checkpointing makes the
    embeddings' output require a gradient (``enable_input_require_grads``), so the block
    inputs are saved as in full fine-tuning; outside the blocks, the embedding's dropout
    mask, the frozen final norm and its dropout mask."""
    enc = stack == "encoder"
    n = encoder_length if enc else decoder_length
    reps = num_layers if enc else num_decoder_layers
    depth = None if config is None else (config.num_layers if enc else config.num_decoder_layers)
    umt5 = config is not None and config.model_type == "umt5"
    switch = config is not None and config.model_type == "switch_transformers"
    sb = FLOAT32 if s.autocast else b  # the stream's bytes
    return group(
        stack,
        _checkpointed(
            stack, n, reps, b, depth is None or depth > 1, s, umt5, _long_kind(config), switch
        ),
        _frozen_norm(f"{stack}.final_layer_norm", n, 1, sb),
        _leaf(
            f"{stack}.dropout", 2 * s.mask(sb) * batch * n * d_model, "input's and output's masks"
        )
        if m
        else None,
        role=Role(stack),
    )


def frozen_roles(config: Config | None, dtype: str, targets, checkpointing: bool,
                 s: Setup) -> frozenset[Role]:  # fmt: skip
    """The roles of the adapted Linears, once the setup is one `saved_tree` models with
    the base frozen; else a one-line `T5SymError` naming what is not modelled."""
    names = lora.check_targets(config, targets)
    lora.tree(config, names)  # refuses targets of which none is in the model
    model_type = "t5" if config is None else config.model_type
    if model_type not in FROZEN_MODEL_TYPES:
        raise T5SymError(f"model_type: saved activations with LoRA are modelled for "
                         f"{', '.join(FROZEN_MODEL_TYPES)}, not {model_type}")  # fmt: skip
    if dtype not in ("fp32", "bf16", "fp16"):
        raise T5SymError(f"dtype: saved activations with LoRA are modelled for fp32, bf16 and "
                         f"fp16, not {dtype}")  # fmt: skip
    return frozenset(lora.TARGETS[n] for n in names)


def saved_tree(
    config: Config | None = None,
    dtype: str = "bf16",
    *,
    checkpointing: bool = False,
    attention: str = "sdpa",
    device: str = "cuda",
    precision: str = "cast",
    padding_mask: bool = False,
    dropout: float | None = None,
    mask_bytes: int | None = None,
    lora_targets: str | tuple[str, ...] | None = None,
    lora: bool = False,
    lora_dropout: float = 0.0,
    reentrant: bool = False,
) -> Tree:
    """Bytes autograd saves for backward in one training forward, per part.

    The setup (`Setup`): ``attention`` ``"sdpa"`` or ``"eager"``; ``device`` ``"cpu"``
    (measured) or ``"cuda"`` (derived from torch's source, `CUDA_SOURCES`); ``precision``
    ``"cast"`` or ``"autocast-bf16"``/``"autocast-fp16"`` (``dtype`` then fp32, the
    weights'); ``padding_mask`` whether an ``attention_mask`` is passed; ``dropout`` the
    ``dropout_rate`` (None: the config's, else 0.1; 0 saves no mask); ``mask_bytes`` the
    bytes of a dropout-mask element (None: 1 on CUDA, b on CPU). Symbolic in B, S, T and
    the dims; the dtype, the setup and the config's type, activation, gating and depths
    decide the structure.

    With ``lora=True`` the base is frozen and LoRA adapters sit on the ``lora_targets``
    Linears (peft's names; None: peft's default): what the base still saves (`FROZEN`:
    nothing before the first adapter, no Linear's input, no ids, no norm's output; the
    rest as above), without the adapters' own tensors (`t5sym.views.lora.saved_tree`); with
    ``checkpointing``, the block inputs as above (transformers' checkpointing makes the
    embeddings' output require a gradient), the frozen final norms and the dropout masks.
    With a ``lora_dropout`` above 0, an adapter's lora_A keeps its own dropped copy of its
    input, not the input itself: what the base shared with it (a fused kernel's output
    before o, ReLU's output before wo, in fp32) is the base's to keep. Under autocast (fp32
    weights) a frozen Linear whose input needs a gradient saves autocast's low-precision
    copy of its weight (`FROZEN_AUTOCAST`): ``lm_head``'s is b·vocab_size·d_model.
    LongT5's encoder attention keeps the einsums' copies its gradients need
    (`_frozen_long_attention`), Switch's sparse blocks the frozen router and experts
    (`_frozen_switch`). Measured with peft on CPU for t5, mt5, umt5, longt5 and
    switch_transformers, fp32, bf16 and fp16 (its clamps where the stream needs a
    gradient) and under autocast-bf16/fp16, eager and sdpa, with and without checkpointing
    and a padding mask.

    Examples
    --------
    >>> from t5sym.views import activations
    >>> activations.saved_tree(dtype="fp32")["lm_head"].expr
    4*batch*d_model*decoder_length
    >>> activations.saved_tree(dtype="fp32", precision="autocast-bf16")["lm_head"].expr
    2*batch*d_model*decoder_length + 2*d_model*vocab_size
    >>> "lm_head" in activations.saved_tree(dtype="fp32", lora=True, lora_targets="q,v").nodes
    False
    >>> activations.saved_tree(dtype="fp32", lora=True, lora_targets="q,v",
    ...                        precision="autocast-bf16")["lm_head"].expr
    2*d_model*vocab_size
    """
    if config is not None:
        checked_config(config)
    b = memory.dtype_bytes(dtype)
    if dtype not in memory.TRAINING_DTYPES:
        known = ", ".join(memory.TRAINING_DTYPES)
        raise T5SymError(f"dtype: {dtype} cannot be trained; use {known}")
    checkpointing = checks.boolean("checkpointing", checkpointing)
    lora = lora or lora_targets is not None
    kw = dict(attention=attention, device=device, precision=precision, padding_mask=padding_mask,
              dropout=dropout, mask_bytes=mask_bytes, lora_dropout=lora_dropout,
              reentrant=reentrant)  # fmt: skip
    s = _setup_for(config, kw, lora)
    sb = b  # the weights' and the residual stream's bytes; b: what Linears compute in
    if s.autocast:
        if dtype != "fp32":
            raise T5SymError(f"dtype: {s.precision} runs over fp32 weights (HF Trainer's "
                             f"bf16=True / fp16=True), not {dtype}")  # fmt: skip
        b = s.autocast
    if s.attention == "sdpa" and s.device == "cuda" and config is not None:
        align = 4 if b == FLOAT32 else 8
        if config.d_kv % align:
            raise T5SymError(f"d_kv: CUDA's memory-efficient kernel needs a multiple of {align} "
                             f"in {dtype}, got {config.d_kv} (sdpa falls back to math: not "
                             "modelled on CUDA)")  # fmt: skip
    m = s.mask(b)
    loss = sb * batch * decoder_length * vocab_size + INT64 * batch * decoder_length + sb
    if lora:
        roles = frozen_roles(config, dtype, lora_targets, checkpointing, s)
        if checkpointing:
            stacks = [_frozen_checkpointed(k, config, b, m, s) for k in ("encoder", "decoder")]
        else:
            fp16 = dtype == "fp16" and _long_kind(config) is None  # LongT5 saves no clamps
            stacks = [
                _frozen_stack(k, config, b, m, s, roles, fp16) for k in ("encoder", "decoder")
            ]
        # lm_head's input needs a gradient once any block holds an adapter (or checkpointing
        # makes the embeddings' output need one): under autocast it saves its weight's copy
        head = s.autocast and (checkpointing or roles - {Role.LM_HEAD})
        return Tree(
            placed(
                group(
                    "",
                    *stacks,
                    _leaf("lm_head", b * params.lm_head().expr, "weight copy") if head else None,
                    _leaf("loss", loss, "log-softmax, labels, total weight"),
                    role=Role.MODEL,
                )
            )
        )
    return Tree(
        placed(
            group(
                "",
                _stack("encoder", config, b, m, dtype, checkpointing, s),
                _stack("decoder", config, b, m, dtype, checkpointing, s),
                _linear_in(
                    "lm_head",
                    b * batch * decoder_length * d_model,
                    _weights(config, b) if s.autocast else {},
                    "input of lm_head",
                ),
                _leaf("loss", loss, "log-softmax, labels, total weight"),
                role=Role.MODEL,
            )
        )
    )


def resolved(tree: Tree, values: dict) -> Tree:
    """``tree`` with its alignment cases (CUDA's padded bias and logsumexp: ``Piecewise``,
    ``ceiling``; with a frozen base whether a bias is copied per layer) settled at the
    lengths and ``num_heads`` in ``values``, so `Tree.evaluate` takes it."""
    lengths = {k: v for k, v in values.items() if k in (encoder_length, decoder_length, batch)}
    for sym in (num_heads, num_layers, num_decoder_layers):  # the frozen base's bias copies
        lengths[sym] = values.get(sym, sym)

    for sym in (num_experts, saved_switch.expert_capacity):  # Switch's routed tokens
        if sym in values:
            lengths[sym] = values[sym]

    def settle(leaf: Node) -> Expr:
        expr = leaf.expr
        if expr.has(sympy.Piecewise, sympy.ceiling, sympy.Min):
            return expr.subs(lengths)
        return expr

    return tree.view(settle)


@dataclass(frozen=True)
class FineTuning(Result):
    """`t5sym.views.memory.Memory` (weights, gradients, optimizer state) plus saved activations.

    ``activations`` maps every node of `saved_tree` to its bytes (key ``""``: total);
    ``setup`` is how the forward runs. On CUDA the activations are ``derived`` from torch's
    source (``derived_from``: `CUDA_SOURCES`), not measured.
    """

    memory: Memory
    batch: int
    encoder_length: int
    decoder_length: int
    checkpointing: bool
    activations: dict[str, int]
    setup: Setup = Setup()

    FIELDS = (
        "name", "dtype", "optimizer", "batch", "encoder_length", "decoder_length",
        "checkpointing", "reentrant", "attention", "device", "precision", "padding_mask",
        "dropout", "weights", "gradients", "optimizer_state", "activations_bytes", "derived",
        "derived_from", "total", "parts",
    )  # fmt: skip
    DETAILS = ("activations",)

    name = property(lambda self: self.memory.name, doc="The config's name.")
    dtype = property(lambda self: self.memory.dtype, doc="The weights' dtype.")
    optimizer = property(lambda self: self.memory.optimizer, doc="The optimizer.")
    weights = property(lambda self: self.memory.weights, doc="Bytes of the weights.")
    gradients = property(lambda self: self.memory.gradients, doc="Bytes of the gradients.")
    optimizer_state = property(lambda self: self.memory.optimizer_state, doc="State bytes.")
    attention = property(lambda self: self.setup.attention, doc="sdpa or eager.")
    device = property(lambda self: self.setup.device, doc="cuda or cpu.")
    precision = property(lambda self: self.setup.precision, doc="How the dtype is applied.")
    padding_mask = property(lambda self: self.setup.padding_mask, doc="An attention_mask.")
    reentrant = property(lambda self: self.setup.reentrant, doc="use_reentrant's value.")
    dropout = property(lambda self: self.setup.dropout, doc="The dropout_rate.")
    derived = property(lambda self: self.setup.derived, doc="Derived (CUDA), not measured.")

    @property
    def derived_from(self) -> list[str]:
        """The torch source files and functions the CUDA figures are derived from."""
        if not self.derived:
            return []
        sources = [line for line in CUDA_SOURCES  # eager: only the dropout kernel differs
                   if self.setup.attention == "sdpa" or "Dropout.cpp" in line]  # fmt: skip
        return [*sources, *(AUTOCAST_CUDA_SOURCES if self.setup.autocast else ())]

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


@dataclass(frozen=True)
class LoraFineTuning(FineTuning):
    """`FineTuning` with LoRA (``memory``: a `t5sym.views.memory.LoraMemory`): the activations are
    the frozen base's (`saved_tree` with ``lora=True``) plus the adapters'
    (`t5sym.views.lora.saved_tree`), every storage once."""

    FIELDS = (
        *FineTuning.FIELDS[:3], "lora_rank", "lora_targets", "lora_dropout",
        "trainable_parameters",
        "frozen_parameters", *FineTuning.FIELDS[3:],
    )  # fmt: skip

    lora_rank = property(lambda self: self.memory.lora_rank, doc="The adapters' rank.")
    lora_targets = property(lambda self: self.memory.lora_targets, doc="peft's targets.")
    lora_dropout = property(lambda self: self.setup.lora_dropout, doc="peft's lora_dropout.")
    trainable_parameters = property(lambda self: self.memory.trainable_parameters,
                                    doc="The adapters' parameters.")  # fmt: skip
    frozen_parameters = property(lambda self: self.memory.frozen_parameters,
                                 doc="The base model's parameters.")  # fmt: skip


@dataclass(frozen=True)
class SwitchFineTuning(FineTuning):
    """`FineTuning` of Switch Transformers: the experts' saved tensors are for the routing
    ``routing`` says (`t5sym.views.saved_switch.ROUTING`: R = B·min(n, E·expert_capacity)
    routed tokens per sparse block, the most any routing sends, every token when no expert
    overflows); ``routed_tokens`` is R in the encoder's and the decoder's sparse blocks."""

    FIELDS = (*FineTuning.FIELDS[:-2], "routing", "routed_tokens", *FineTuning.FIELDS[-2:])

    routing = property(lambda self: saved_switch.ROUTING, doc="What depends on routing.")

    @property
    def routed_tokens(self) -> dict[str, int]:
        """R per sparse block of each stack: B·min(n, num_experts·expert_capacity)."""
        cap = self.memory.config.num_experts * self.memory.config.expert_capacity
        return {"encoder": self.batch * min(self.encoder_length, cap),
                "decoder": self.batch * min(self.decoder_length, cap)}  # fmt: skip


@dataclass(frozen=True)
class LoraSwitchFineTuning(LoraFineTuning):
    """`LoraFineTuning` of Switch Transformers: ``routing`` and ``routed_tokens`` as in
    `SwitchFineTuning` (adapters on the experts' wi and wo see the R routed tokens; under
    autocast min(E, R) experts' adapter weight copies, as the frozen experts')."""

    FIELDS = (*LoraFineTuning.FIELDS[:-2], "routing", "routed_tokens",
              *LoraFineTuning.FIELDS[-2:])  # fmt: skip

    routing = SwitchFineTuning.routing
    routed_tokens = SwitchFineTuning.routed_tokens


#: The setup keywords `fine_tuning_memory` and `memory_at` pass to `saved_tree`.
SETUP_KEYWORDS = (
    "attention",
    "device",
    "precision",
    "padding_mask",
    "dropout",
    "mask_bytes",
    "lora_dropout",
    "reentrant",
)


def fine_tuning_memory(
    config: Config,
    dtype: str = memory.DEFAULT_DTYPE,
    optimizer: str = memory.DEFAULT_OPTIMIZER,
    *,
    batch: int,
    encoder_length: int,
    decoder_length: int,
    checkpointing: bool = False,
    attention: str = "sdpa",
    device: str = "cuda",
    precision: str = "cast",
    padding_mask: bool = False,
    dropout: float | None = None,
    mask_bytes: int | None = None,
    lora_rank: int | None = None,
    lora_targets: str | tuple[str, ...] | None = None,
    lora_dropout: float = 0.0,
    reentrant: bool = False,
) -> FineTuning:
    """`t5sym.views.memory.training_memory` plus the activations saved at a batch and lengths,
    in the setup `saved_tree` takes. With ``lora_rank`` (and ``lora_targets``, peft's
    names, and ``lora_dropout``): LoRA, the base frozen (`LoraFineTuning`).

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views.activations import fine_tuning_memory
    >>> m = fine_tuning_memory(t5sym.load("t5-small"), "fp32", "adam", batch=1,
    ...                        encoder_length=512, decoder_length=128, attention="sdpa")
    >>> m.total > m.memory.total, m.derived
    (True, True)
    """
    from t5sym.views.inference import workload

    mem = memory.training_memory(config, dtype, optimizer, lora_rank=lora_rank,
                                 lora_targets=lora_targets)  # fmt: skip
    served(config, "fine-tuning at a length", TRAINED_TYPES)
    checkpointing = checks.boolean("checkpointing", checkpointing)
    kw = dict(attention=attention, device=device, precision=precision, padding_mask=padding_mask,
              dropout=dropout, mask_bytes=mask_bytes, lora_dropout=lora_dropout,
              reentrant=reentrant)  # fmt: skip
    if isinstance(mem, memory.LoraMemory):
        targets = mem.lora_targets
        base = saved_tree(config, dtype, checkpointing=checkpointing, lora=True,
                          lora_targets=targets, **kw)  # fmt: skip
        s = setup(config, **kw)  # checked by saved_tree, after the dtype
        values = {**workload(config, batch, encoder_length, decoder_length,
                             memory.dtype_bytes(dtype)), lora.rank: mem.lora_rank,
                  saved_switch.expert_capacity: config.expert_capacity}  # fmt: skip
        saved = resolved(base, values).evaluate(values)
        adapters = lora.saved_tree(config, targets, dtype, checkpointing=checkpointing,
                                   autocast=s.autocast,
                                   mask=s.mask(FLOAT32, s.lora_dropout))  # fmt: skip
        for key, n in resolved(adapters, values).evaluate(values).items():
            if n:
                saved[key] = saved.get(key, 0) + n
        cls = LoraSwitchFineTuning if config.model_type == "switch_transformers" else LoraFineTuning
        return cls(mem, batch, encoder_length, decoder_length, checkpointing, saved, s)
    tree = saved_tree(config, dtype, checkpointing=checkpointing, **kw)  # lora_dropout: refused
    s = setup(config, **kw)
    values = workload(config, batch, encoder_length, decoder_length, memory.dtype_bytes(dtype))
    values[saved_switch.expert_capacity] = config.expert_capacity  # Switch's routed tokens
    tree = resolved(tree, values)
    if config.model_type == "switch_transformers":
        return SwitchFineTuning(mem, batch, encoder_length, decoder_length, checkpointing,
                                tree.evaluate(values), s)  # fmt: skip
    return FineTuning(mem, batch, encoder_length, decoder_length, checkpointing,
                      tree.evaluate(values), s)  # fmt: skip


def _setup_for(config: Config | None, kw: dict[str, Any], lora: bool) -> Setup:
    """`setup` of ``kw``; a ``lora_dropout`` above 0 needs ``lora``."""
    s = setup(config, **kw)
    if s.lora_dropout and not lora:
        raise T5SymError("lora_dropout: peft's dropout on the adapters' input; give lora_rank")
    return s


def memory_at(
    config: Config,
    dtype: str,
    optimizer: str,
    cores: int | None = None,
    checkpointing: bool = False,
    lora_rank: int | None = None,
    lora_targets: str | tuple[str, ...] | None = None,
    **lengths: int | None,
) -> Memory | FineTuning:
    """`t5sym.views.memory.training_memory`, or with any of ``batch``, ``encoder_length``,
    ``decoder_length`` (the others take `t5sym.views.flops`' defaults) or ``checkpointing``,
    `fine_tuning_memory` (whole model; ``cores`` is refused there). The setup keywords
    (``attention``, ``device``, ``precision``, ``padding_mask``, ``dropout``,
    ``mask_bytes``, ``lora_dropout``) go to `fine_tuning_memory` (given without lengths,
    they are checked). ``lora_rank`` and ``lora_targets``: LoRA
    (`t5sym.views.memory.LoraMemory`, or with a workload `LoraFineTuning`).

    Any other keyword is refused (a misspelt length is never taken for the default).

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views.activations import memory_at
    >>> memory_at(t5sym.load("t5-small"), "fp32", "adam", encoder_length=4096).encoder_length
    4096
    >>> memory_at(t5sym.load("t5-small"), "fp32", "adam", encoder_len=4096)
    Traceback (most recent call last):
    ...
    t5sym.errors.T5SymError: encoder_len: unknown keyword; known: batch, ...
    """
    for key in lengths:
        if key not in LENGTHS and key not in SETUP_KEYWORDS:
            known = ", ".join((*LENGTHS, *SETUP_KEYWORDS))
            raise T5SymError(f"{checks.shown(key)[1:-1][:40]}: unknown keyword; known: {known}")
    kw = {k: lengths.pop(k) for k in SETUP_KEYWORDS if k in lengths}
    kw = {k: v for k, v in kw.items() if v is not None or k in ("dropout", "mask_bytes")}
    checkpointing = checks.boolean("checkpointing", checkpointing)
    if all(v is None for v in lengths.values()) and not checkpointing:
        _setup_for(config, kw, lora_rank is not None)  # checked, though no activations are counted
        return memory.training_memory(config, dtype, optimizer, cores=cores,
                                      lora_rank=lora_rank, lora_targets=lora_targets)  # fmt: skip
    if cores is not None:
        raise T5SymError("cores: per-core memory does not include activations yet")
    sizes = {k: d if lengths.get(k) is None else lengths[k] for k, d in LENGTHS.items()}
    return fine_tuning_memory(config, dtype, optimizer, checkpointing=checkpointing, **kw,
                              lora_rank=lora_rank, lora_targets=lora_targets,
                              **sizes)  # fmt: skip
