"""What Switch Transformers' router and experts save for backward, for a given routing.

transformers 5.23's ``SwitchTransformersSparseMLP`` in a training forward, per sparse
block on a stream of n tokens (n = S or T), b bytes per value, E = ``num_experts``:

| saved | bytes |
|---|---|
| router: jitter noise (when > 0), float32 input of ``classifier`` | 4·B·n·d_model each |
| router, autocast: the classifier's input and weight, c copies | c·B·n·d_model, c·E·d_model |
| router: float32 softmax, argmax indices of its max | 4·B·n·E, 8·B·n |
| experts: each hit expert's token indices (``torch.where``: two int64 columns) | 16·R |
| experts: wi's input, the activation, its dropout mask, wo's input | as a dense FFN over R tokens |
| experts: routing weight, expert output, weighted output (``index_add_``) | b·R·(1 + 2·d) |

Under autocast (fp32 weights, c = 2 bytes for bf16 and fp16) the router's ``classifier`` is a
Linear like any other: its input's and weight's c copies replace the float32 input (the
softmax, asked for in float32, stays 4 bytes); the routing weight and the weighted output
are float32 (the stream), the expert's output c bytes; each expert hit casts its wi and wo
once (autocast's weight cache): at most min(E, R) experts, reached when the routing sends a
token to every expert.

R is the number of tokens the router sends to an expert: what depends on routing. Each
expert takes at most ``expert_capacity`` (C) tokens of a sequence (the one-hot and
``cumsum`` capacity mask are computed without gradient: nothing saved), so R ≤
B·min(n, E·C); `routed` is that bound, reached whenever no expert overflows (then
R = B·n, every token routed) and exceeded by no routing: the experts' figure is exact for
such a routing and an upper bound otherwise. Every term is linear in R.
"""

from __future__ import annotations

import sympy
from sympy import Expr, Symbol

from t5sym.model.symbols import batch, d_model, num_experts

#: ``expert_capacity``: tokens of a sequence one expert takes (a config field; no
#: parameter depends on it, so it is a symbol of this view only).
expert_capacity = Symbol("expert_capacity", integer=True, nonnegative=True)

#: transformers' ``SwitchTransformersConfig.router_jitter_noise`` default (the released
#: checkpoints keep it), used when the config does not say.
DEFAULT_JITTER = 0.01

#: Bytes of an int64 and of a float32.
INT64, FLOAT32 = 8, 4

#: What depends on routing, as the results say it.
ROUTING = (
    "experts' saved tensors are for R = B·min(n, E·expert_capacity) routed tokens per "
    "sparse block (every token routed when no expert overflows its capacity); a routing "
    "that drops tokens saves less; under autocast each expert hit casts its weights once "
    "(min(E, R) experts counted: fewer when the routing leaves one idle), with LoRA its "
    "adapters' weights too"
)


def routed(n: Expr) -> Expr:
    """R: tokens routed to an expert in one sparse block, the most any routing sends.

    Examples
    --------
    >>> from t5sym.model.symbols import encoder_length
    >>> from t5sym.views.saved_switch import routed
    >>> routed(encoder_length)
    batch*Min(encoder_length, expert_capacity*num_experts)
    """
    return batch * sympy.Min(n, num_experts * expert_capacity)


def router(n: Expr, jitter: float = DEFAULT_JITTER, c: int | None = None) -> dict[str, Expr]:
    """The router's saved bytes in one sparse block: float32 whatever the model's dtype, but
    under autocast (``c``: the low precision's bytes) the classifier's c copies of its input
    and weight."""
    if c:
        out = {"classifier": c * batch * n * d_model + c * num_experts * d_model}
    else:
        out = {"classifier": FLOAT32 * batch * n * d_model}
    if jitter:
        out["jitter"] = FLOAT32 * batch * n * d_model
    out["probs"] = FLOAT32 * batch * n * num_experts + INT64 * batch * n
    return out


def combine(
    tokens: Expr, b: int, sb: int | None = None, router_grad: bool = True
) -> dict[str, Expr]:
    """What dispatching R tokens and adding the weighted outputs back saves: the routing
    weight and the weighted output in the stream's ``sb`` bytes (b unless autocast), the
    expert's output in b (only when the routing weight needs a gradient: not with
    ``router_grad`` False, a frozen router on a stream without one, LoRA's block 0)."""
    sb = sb or b
    expert = b * d_model if router_grad else 0
    return {"index": 2 * INT64 * tokens, "combine": tokens * (sb + expert + sb * d_model)}


def experts_hit(tokens: Expr) -> Expr:
    """Experts a sparse block's routing sends tokens to, at most: min(E, R)."""
    return sympy.Min(num_experts, tokens)
