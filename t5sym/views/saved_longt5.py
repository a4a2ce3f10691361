"""What LongT5's local and transient-global encoder attention save for backward, in S.

transformers 5.23's ``LongT5LocalAttention`` and ``LongT5TransientGlobalAttention`` in a
training forward, per layer: bl = r + 1 tokens a block (r = ``local_radius``),
nb = ⌈S/bl⌉ blocks (S padded to whole blocks), K keys a block (3·bl: the block and its two
neighbours; transient-global adds the G = ⌊S/g⌋ global tokens, g = ``global_block_size``),
P = B·nb·h·bl·K probabilities, b bytes per value, m per dropout-mask element:

| saved | bytes |
|---|---|
| input of q, k, v | b·B·S·d_model |
| the einsums' q, kᵀ, v copies | b·B·nb·h·d_kv·(bl + 2·K) |
| softmax of ``scores.float()`` | 4·P |
| its b copy for the matmul with v (b ≠ 4), or with dropout its mask and output | b·P, (m + b)·P |
| buckets (block 0): local, and transient-global's side buckets | 8·bl·3·bl, 8·B·S·G |
| input of o: the S tokens (the padded nb·bl when B or S is 1: a view) | b·B·S·h·d_kv |
| transient-global: the aggregates' one-hot, ``global_input_layer_norm`` | b·B·S·G, a norm |
| transient-global: input of k, v on the global tokens | b·B·G·d_model |

The encoder always builds its mask (all ones when no ``attention_mask`` is passed), so a
padding mask changes no shape. With checkpointing a block keeps its input, block 0 the
mask (local: the bool (B, 1, nb, bl, 3·bl) mask; transient-global: the (B, S) mask, float32
ones or the int64 one passed) and block 1 on the position bias (local: float32 (B, nb, h,
bl, 3·bl), as the float32 mask is added to it; transient-global: b, (B, nb, h, bl, K)).
Under autocast (fp32 weights, b = 2) q, k and v each cast their input, and k and v also
their global-token input (2·b·B·G·d_model more); the aggregates' einsum saves the
one-hot's b copy and the global norm, on its b input, gives float32.
LongT5 has no sdpa (``_supports_sdpa`` is False in 5.23; the default falls back to eager).
"""

from __future__ import annotations

import sympy
from sympy import Expr

from t5sym.model.symbols import batch, d_kv, d_model, encoder_length, num_heads
from t5sym.views.flops import block_length, global_tokens, local_blocks

#: The encoder attentions modelled, by ``encoder_attention_type``.
KINDS = ("local", "transient-global")

#: Bytes of an int64 and of a float32.
INT64, FLOAT32 = 8, 4


def keys(kind: str) -> Expr:
    """Keys a block attends: 3·bl, and the G global tokens (transient-global)."""
    local = 3 * block_length()
    return local + global_tokens() if kind == "transient-global" else local


def probabilities(kind: str) -> Expr:
    """P = B·nb·h·bl·K: the softmax's elements in one layer.

    Examples
    --------
    >>> from t5sym.model.algebra import evaluate
    >>> from t5sym.model.symbols import batch, encoder_length, local_radius, num_heads
    >>> from t5sym.views.saved_longt5 import probabilities
    >>> evaluate(probabilities("local"), {batch: 1, num_heads: 12, local_radius: 127,
    ...                                   encoder_length: 4096})  # 32 blocks of 128 × 384
    18874368
    """
    return batch * local_blocks() * num_heads * block_length() * keys(kind)


def scores(kind: str, b: int, m: int) -> Expr:
    """Bytes the attention products save in one layer: the q, kᵀ, v copies, the float32
    softmax, and its b copy or the dropout mask (m per element) and dropped output."""
    p = probabilities(kind)
    copies = b * batch * local_blocks() * num_heads * d_kv * (block_length() + 2 * keys(kind))
    if m:
        return copies + FLOAT32 * p + (m + b) * p
    return copies + FLOAT32 * p + (b * p if b != FLOAT32 else 0)


def buckets(kind: str) -> dict[str, Expr]:
    """The int64 buckets block 0 saves, by the embedding that reads them."""
    bl = block_length()
    out = {"relative_attention_bias": INT64 * bl * 3 * bl}
    if kind == "transient-global":
        out["global_relative_attention_bias"] = INT64 * batch * encoder_length * global_tokens()
    return out


def global_inputs(b: int) -> dict[str, Expr]:
    """Transient-global: the aggregates' one-hot (b·B·S·G) and the input of k, v on the
    global tokens (b·B·G·d_model); the global norm is a norm over B·G tokens."""
    g = global_tokens()
    return {"aggregates": b * batch * encoder_length * g, "k": b * batch * g * d_model}


def checkpointed(kind: str, b: int, padding: bool) -> dict[str, Expr]:
    """What a checkpointed encoder keeps besides each block's input: block 0's mask, and
    (block 1 on) the position bias."""
    bl, nb = block_length(), local_blocks()
    if kind == "local":
        mask = batch * nb * bl * 3 * bl  # bool
        bias = FLOAT32 * batch * nb * num_heads * bl * 3 * bl
    else:
        mask = (INT64 if padding else FLOAT32) * batch * encoder_length
        bias = b * probabilities(kind)
    return {"mask": mask, "position_bias": bias}


def o_input(b: int) -> Expr:
    """Bytes of o's saved input: the output over the S tokens, b·B·S·h·d_kv, a copy of the
    padded output's first S rows, except when that slice is a view (B = 1 or S = 1):
    then the whole padded output, b·B·nb·bl·h·d_kv, stays saved."""
    inner = num_heads * d_kv
    view = sympy.Or(sympy.Eq(batch, 1), sympy.Eq(encoder_length, 1))
    padded = b * batch * local_blocks() * block_length() * inner
    return sympy.Piecewise((padded, view), (b * batch * encoder_length * inner, True))


def global_tokens_of(kind: str) -> Expr:
    """G, the tokens the global norm sees per sequence (0 for local attention)."""
    return global_tokens() if kind == "transient-global" else sympy.S.Zero
