"""The named SymPy symbols of a T5 model.

Every dimension is a positive integer symbol named after the Hugging Face ``T5Config``
field it stands for, so ``str(expr)`` and ``pycode(expr)`` read like the config. The
paper's notation is used for LaTeX (``d_{\\mathrm{model}}``, ``d_{\\mathrm{ff}}``, ...).

See `CONFIG_FIELD`, `LATEX_NAMES` and `MEANING` for each symbol's
field, LaTeX and meaning; ``num_buckets`` stands for ``relative_attention_num_buckets``.
"""

from __future__ import annotations

from sympy import Symbol


def dim(name: str) -> Symbol:
    """A positive integer symbol."""
    return Symbol(name, integer=True, positive=True)


d_model = dim("d_model")
d_ff = dim("d_ff")
num_heads = dim("num_heads")
d_kv = dim("d_kv")
num_layers = dim("num_layers")
num_decoder_layers = dim("num_decoder_layers")
vocab_size = dim("vocab_size")
num_buckets = dim("num_buckets")

# Other model types and heads (UMT5, LongT5, Switch Transformers, classification heads).
num_labels = dim("num_labels")
num_experts = dim("num_experts")
num_sparse_encoder_layers = dim("num_sparse_encoder_layers")
num_sparse_decoder_layers = dim("num_sparse_decoder_layers")
local_radius = dim("local_radius")
global_block_size = dim("global_block_size")

# T5Gemma (`t5sym.model.gemma`): each stack has its own Gemma 2 widths, named after the fields of
# transformers' ``T5GemmaModuleConfig`` with the stack in front (``encoder_hidden_size`` is
# ``config.encoder.hidden_size``); a field both stacks give the same value is written once,
# without the stack (``hidden_size``; ``vocab_size`` is T5's symbol, with the same meaning).
GEMMA_FIELDS = (
    "vocab_size",
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "head_dim",
)
#: The symbol of a T5Gemma field in both stacks (key ``""``) or in one (``"encoder"``).
GEMMA: dict[tuple[str, str], Symbol] = {
    (stack, f): dim(f"{stack}_{f}" if stack else f)
    for stack in ("", "encoder", "decoder")
    for f in GEMMA_FIELDS
}

#: T5Gemma: layers of each stack with sliding-window attention (the rest attend to every key).
SLIDING_LAYERS = {stack: dim(f"{stack}_sliding_layers") for stack in ("encoder", "decoder")}
#: T5Gemma: how far a sliding-window query reaches in a workload: in the encoder,
#: min(sliding_window, S − 1) keys on each side; in the decoder, min(sliding_window, T) keys
#: counting itself (`t5sym.model.gemma.window_values`); 0 when S = 1.
WINDOW_REACH = {
    stack: Symbol(f"{stack}_window_reach", integer=True, nonnegative=True)
    for stack in ("encoder", "decoder")
}
#: T5Gemma: tokens a sliding-window layer of the decoder keeps in transformers' cache
#: (``DynamicSlidingWindowLayer``): min(T, sliding_window − 1), or all T when the window is 1
#: (its slice ``[-sliding_window + 1:]`` is then ``[0:]``).
SLIDING_CACHE = dim("decoder_sliding_cache_length")
#: T5Gemma: keys a sliding-window layer of the decoder attends over T cached decoding steps,
#: Σ_{t=1..T} min(t, sliding_window) (Σ t when the window is 1: its cache keeps every token).
SLIDING_STEP_KEYS = dim("decoder_sliding_step_keys")
#: T5Gemma 2's SigLIP vision tower: its integer fields' symbols (``vision_hidden_size``, the
#: image's ``num_channels``, ``image_size`` and ``patch_size``).
VISION = {
    f: dim(f if f in ("num_channels", "image_size", "patch_size") else f"vision_{f}")
    for f in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
              "num_channels", "image_size", "patch_size")
}  # fmt: skip

# Workload and layout symbols (FLOPs, memory, sharding): not config fields.
batch = dim("batch")
encoder_length = dim("encoder_length")
decoder_length = dim("decoder_length")
cores = dim("cores")
bytes_per_value = dim("bytes_per_value")

#: The architecture symbols, in the order of the notation table.
DIMENSIONS: tuple[Symbol, ...] = (
    d_model,
    d_ff,
    num_heads,
    d_kv,
    num_layers,
    num_decoder_layers,
    vocab_size,
    num_buckets,
    num_labels,
    num_experts,
    num_sparse_encoder_layers,
    num_sparse_decoder_layers,
    local_radius,
    global_block_size,
)

#: The ``T5Config`` field each symbol stands for.
CONFIG_FIELD: dict[Symbol, str] = {s: s.name for s in DIMENSIONS}
CONFIG_FIELD[num_buckets] = "relative_attention_num_buckets"

#: LaTeX for each symbol, in the T5 paper's notation.
LATEX_NAMES: dict[Symbol, str] = {
    d_model: r"d_{\mathrm{model}}",
    d_ff: r"d_{\mathrm{ff}}",
    num_heads: r"n_{\mathrm{heads}}",
    d_kv: r"d_{\mathrm{kv}}",
    num_layers: r"L",
    num_decoder_layers: r"L_{\mathrm{dec}}",
    vocab_size: r"V",
    num_buckets: r"n_{\mathrm{buckets}}",
    num_labels: r"n_{\mathrm{labels}}",
    num_experts: r"E",
    num_sparse_encoder_layers: r"L_{\mathrm{sparse}}",
    num_sparse_decoder_layers: r"L_{\mathrm{dec,sparse}}",
    local_radius: r"r",
    global_block_size: r"g",
    batch: r"B",
    encoder_length: r"S",
    decoder_length: r"T",
    cores: r"p",
    bytes_per_value: r"b",
}

#: One line on what each symbol means.
MEANING: dict[Symbol, str] = {
    d_model: "width of the residual stream (embedding size)",
    d_ff: "hidden width of the feed-forward layer",
    num_heads: "attention heads per attention layer",
    d_kv: "width of one head's query, key and value",
    num_layers: "encoder blocks (and decoder blocks, unless num_decoder_layers differs)",
    num_decoder_layers: "decoder blocks",
    vocab_size: "rows of the token embedding (and of lm_head)",
    num_buckets: "relative position buckets (rows of the bias table)",
    num_labels: "outputs of a classification or question-answering head",
    num_experts: "experts in each sparse feed-forward layer (Switch Transformers)",
    num_sparse_encoder_layers: "encoder blocks whose feed-forward layer is sparse (Switch)",
    num_sparse_decoder_layers: "decoder blocks whose feed-forward layer is sparse (Switch)",
    local_radius: "tokens a LongT5 encoder token attends on each side (blocks of r + 1)",
    global_block_size: "tokens summed into one global token (LongT5 transient-global)",
    batch: "sequences in a batch",
    encoder_length: "encoder (input) tokens per sequence",
    decoder_length: "decoder (target) tokens per sequence",
    cores: "cores the model is split over (Mesh TensorFlow's model dimension)",
    bytes_per_value: "bytes of one stored value (4 for fp32, 2 for bf16, 1 for int8)",
}

_GEMMA_LATEX = {
    "vocab_size": "V",
    "hidden_size": r"d_{\mathrm{hidden}}",
    "intermediate_size": r"d_{\mathrm{inter}}",
    "num_hidden_layers": "N",
    "num_attention_heads": r"n_{\mathrm{q}}",
    "num_key_value_heads": r"n_{\mathrm{kv}}",
    "head_dim": r"d_{\mathrm{head}}",
}
_GEMMA_MEANING = {
    "vocab_size": "rows of the stack's token embedding (the decoder's: of lm_head too)",
    "hidden_size": "width of the stack's residual stream",
    "intermediate_size": "hidden width of the stack's GeGLU feed-forward layer",
    "num_hidden_layers": "layers of the stack",
    "num_attention_heads": "query heads per attention layer of the stack",
    "num_key_value_heads": "key and value heads (grouped-query attention) of the stack",
    "head_dim": "width of one head (need not be hidden_size / num_attention_heads)",
}
for (_stack, _field), _symbol in GEMMA.items():
    if _symbol in LATEX_NAMES:  # vocab_size: T5's own
        continue
    _mark = {"encoder": r"^{\mathrm{enc}}", "decoder": r"^{\mathrm{dec}}"}.get(_stack, "")
    LATEX_NAMES[_symbol] = _GEMMA_LATEX[_field] + _mark
    _where = f"T5Gemma {_stack}: " if _stack else "T5Gemma, both stacks: "
    MEANING[_symbol] = _where + _GEMMA_MEANING[_field]

for _stack, _mark in (("encoder", r"^{\mathrm{enc}}"), ("decoder", r"^{\mathrm{dec}}")):
    LATEX_NAMES[SLIDING_LAYERS[_stack]] = r"N_{\mathrm{sliding}}" + _mark
    MEANING[SLIDING_LAYERS[_stack]] = f"T5Gemma {_stack}: layers with sliding-window attention"
    LATEX_NAMES[WINDOW_REACH[_stack]] = r"w_{\mathrm{reach}}" + _mark
    MEANING[WINDOW_REACH[_stack]] = (
        f"T5Gemma {_stack}: keys a sliding-window query reaches in the workload"
    )
LATEX_NAMES[SLIDING_CACHE] = r"T_{\mathrm{sliding}}"
MEANING[SLIDING_CACHE] = "T5Gemma decoder: tokens a sliding layer keeps in the cache"
LATEX_NAMES[SLIDING_STEP_KEYS] = r"K_{\mathrm{sliding}}"
MEANING[SLIDING_STEP_KEYS] = (
    "T5Gemma decoder: keys a sliding layer attends over the T cached decoding steps"
)
_VISION_LATEX = {
    "hidden_size": r"d_{\mathrm{hidden}}^{\mathrm{vis}}",
    "intermediate_size": r"d_{\mathrm{inter}}^{\mathrm{vis}}",
    "num_hidden_layers": r"N^{\mathrm{vis}}",
    "num_attention_heads": r"n_{\mathrm{heads}}^{\mathrm{vis}}",
    "num_channels": r"C",
    "image_size": r"H_{\mathrm{img}}",
    "patch_size": r"P",
}
_VISION_MEANING = {
    "hidden_size": "width of the vision tower's residual stream",
    "intermediate_size": "hidden width of the vision tower's feed-forward layer",
    "num_hidden_layers": "layers of the vision tower",
    "num_attention_heads": "attention heads of the vision tower",
    "num_channels": "channels of an input image",
    "image_size": "side of an input image, in pixels",
    "patch_size": "side of one image patch, in pixels",
}
for _field, _symbol in VISION.items():
    LATEX_NAMES[_symbol] = _VISION_LATEX[_field]
    MEANING[_symbol] = "T5Gemma 2: " + _VISION_MEANING[_field]
