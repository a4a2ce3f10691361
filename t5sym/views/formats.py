"""Weights as people ship them: the bytes of every tensor under a storage format.

A format is one rule, `Format.storage`, that maps each leaf of the parameter tree
(`t5sym.model.nodes.Node`: name, ``kind``, shape) to how its tensor is stored (`Storage`); the
weight-format view replaces each leaf's count by its bytes (`bytes_tree`, a
`t5sym.model.nodes.Tree.view`), so every total is the sum of its parts. A `Storage` gives its
bytes for any shape, exactly, with the per-block, per-row and per-tensor scales it keeps;
its ``per_value`` is the bytes per parameter as an exact rational.

| family | what is quantized | what is kept, and in what |
|---|---|---|
| ``fp32``, ``bf16``, ``fp16`` | nothing | every tensor in that dtype |
| ``fp16-hf`` | nothing | fp16, but every ``wo`` in fp32 (``_keep_in_fp32_modules``) |
| ``fp8`` | every Linear | embeddings, norms, anything else: bf16 |
| ``fp8-e4m3fn`` | every tensor | nothing (ComfyUI's ``t5xxl_fp8_e4m3fn``) |
| ``fp8-scaled`` | every Linear, + an fp32 ``scale_weight`` | the rest fp16 (ComfyUI) |
| ``fp8-hf`` | Linears but ``wo``, ``lm_head``, + fp32 per 128×128 | the rest bf16 (in memory) |
| ``fp8-torchao`` | Linears but ``lm_head``, + an fp32 scale per row | the rest bf16 (in memory) |
| ``int8``, ``nf4``, ``fp4``, ``*-dq`` | Linears but ``wo``, ``lm_head`` | ``wo`` fp32, rest fp16 |
| ``gguf-*`` | every 2-D weight but the relative bias | norms F32, relative bias F16 |
| ``gguf-f16``, ``gguf-f32`` | nothing | 2-D weights F16 (norms F32), or all F32 |

``wo`` is kept in fp32 only by the model types whose transformers class says so
(`KEEPS_WO_IN_FP32`: t5, mt5, umt5); LongT5 and Switch Transformers quantize it like any
Linear. A task head's last Linear (``classification_head.out_proj``, ``classifier``,
``qa_outputs``) is quantized: transformers means to skip the module of the model's last
parameter, but strips only a ``.weight`` suffix from its name, and that parameter is the
head's ``.bias``, which names no module. T5Gemma 2's SigLIP tower: its ``nn.Linear`` s are
quantized like any, but not its pooling head's ``nn.MultiheadAttention`` (`replaced_linear`);
the converters' ``fp8`` and ``fp8-scaled`` refuse it (`T5XXL_NAME_RULES`).

Sources (read for this module; see each `Format`'s ``source``):

- transformers 5.x: ``T5PreTrainedModel._keep_in_fp32_modules = ["wo"]`` (also MT5's and
  UMT5's; LongT5's and SwitchTransformers' classes have none), applied only when loading
  in float16 (``modeling_utils.py``); the bitsandbytes quantizers skip
  ``_keep_in_fp32_modules``, tied weights, the output embedding and the module of the
  model's last parameter (``quantizers/base.py``, ``get_keys_to_not_convert``).
- bitsandbytes 0.50 ``functional.py``: ``int8_vectorwise_quant`` (int8 values + one float32
  ``SCB`` per row), ``quantize_4bit`` (two 4-bit values per byte over the flattened tensor,
  one float32 ``absmax`` per block of 64, a 16-entry float32 ``code``; with
  ``compress_statistics`` the absmax is itself quantized by ``quantize_blockwise`` with
  blocks of 256: uint8 absmax, float32 ``absmax2`` per 256 blocks, a 256-entry float32
  code and a float32 ``offset``).
- ggml ``ggml.c`` type traits (block of 32: Q8_0 34 bytes, Q4_0 18, Q5_0 22, Q5_1 24;
  super-block of 256: Q6_K 210, Q5_K 176, Q4_K 144); llama.cpp ``src/llama-quant.cpp``
  (``tensor_allows_quantization``, ``llama_tensor_get_type_impl``,
  ``tensor_type_fallback``, as vendored by llama-cpp-python 0.3.36) and
  ``convert_hf_to_gguf.py`` (norms and 1-D tensors F32, other weights F16 under
  ``--outtype f16``). A one-row weight is 1-D to ggml and stays F16.
- fp8 (``fp8``): Clybius's converter as published in marduk191/Learned-Rounding
  ``convert_fp8_scaled_learned_svd.py`` (``--t5xxl``: names holding ``norm``, ``bias``,
  ``embed_tokens`` or ``shared`` are kept; every other weight is float8_e4m3fn).
- fp8 as ComfyUI publishes it (comfyanonymous/flux_text_encoders): ``t5xxl_fp8_e4m3fn``
  stores every tensor float8_e4m3fn (``fp8-e4m3fn``); ``t5xxl_fp8_e4m3fn_scaled`` stores
  the Linear weights float8_e4m3fn with one float32 ``scale_weight`` each (a 0-dim tensor,
  as ``comfy/ops.py`` creates it; no ``scale_input``) and the rest float16 (``fp8-scaled``).
  How a file adds duplicates, markers and its header: `t5sym.views.layouts`.
- fp8 as transformers holds it (``fp8-hf``): ``from_pretrained(...,
  quantization_config=FineGrainedFP8Config(), dtype=torch.bfloat16)`` in transformers 5.x,
  ``integrations/finegrained_fp8.py``: ``replace_with_fp8_linear`` makes every ``nn.Linear``
  an ``FP8Linear`` but the quantizer's skip list (``get_keys_to_not_convert``: tied weights,
  the output embedding, the module of the last parameter; plus ``_keep_in_fp32_modules``,
  ``wo`` for t5/mt5/umt5, kept in bfloat16 as loaded); an ``FP8Linear`` holds a
  float8_e4m3fn weight and a float32 ``weight_scale_inv`` of ⌈out/128⌉×⌈in/128⌉
  (``weight_block_size`` (128, 128)); ``Fp8Quantize`` leaves a weight whose dims are not
  multiples of 128 unquantized, in bfloat16, beside those scales. Switch's experts are
  refused: transformers' ``FP8Experts`` cannot be built from a ``SwitchTransformersConfig``.
- fp8 as torchao holds it (``fp8-torchao``): ``TorchAoConfig(Float8WeightOnlyConfig())``
  with ``dtype=torch.bfloat16`` (torchao 0.18, ``quant_api.py``; its default granularity
  ``PerRow``): each quantized weight is a ``Float8Tensor`` of float8_e4m3fn values and a
  float32 scale per row. transformers' ``quantizer_torchao.py`` quantizes an ``nn.Linear``
  weight unless ``should_convert_module`` matches its skip list against the *parameter*
  name: ``lm_head`` (and the tied embeddings) match, ``wo`` (a suffix of the module name,
  not of ``….wo.weight``) does not, so ``wo`` is float8 too.
- llama.cpp ``src/llama-quant.cpp`` at commit 007dbbf3 (ggml-org/llama.cpp):
  ``llama_tensor_get_type_impl`` for the ``_S``, ``_M`` and ``_L`` file types
  (`FTYPE_RULES`), ``llama_ftype_get_default_type``, ``tensor_type_fallback`` (Q3_K → Q4_0).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import sympy
from sympy import Expr, Rational

from t5sym.errors import T5SymError
from t5sym.model import checks, gemma, gemma2, params
from t5sym.model.algebra import integer
from t5sym.model.config import CLASS_PREFIX, Config, checked_config
from t5sym.model.nodes import Node, Tree
from t5sym.model.result import Result
from t5sym.model.roles import Role
from t5sym.model.symbols import num_layers

Dims = tuple[Expr, ...]


class Inapplicable(T5SymError):
    """A format that cannot hold this model: GGUF names no tensor of it (Switch's experts,
    LongT5's attention, a task head), or its walk is refused (`MAX_GGUF_LAYERS`)."""


# ---------------------------------------------------------------------------------------
# Storages: how one tensor is held, and its exact bytes.


@dataclass(frozen=True)
class Storage:
    """How one tensor is stored: ``nbytes(shape)`` exactly, ``per_value`` asymptotically.

    ``block`` is the number of values a row must be a multiple of (GGUF's block types);
    ``per_value`` is the bytes per parameter (scales included) of a large tensor.
    """

    name: str
    per_value: Rational
    nbytes: Callable[[Dims], Expr] = field(compare=False)
    block: int = 1
    doc: str = field(default="", compare=False)


def _numel(shape: Dims) -> Expr:
    return sympy.Mul(*shape)


def dense(name: str, b: int) -> Storage:
    """b bytes per value, nothing else: b·∏shape."""
    return Storage(name, Rational(b), lambda s: b * _numel(s), doc=f"{b} bytes per value")


def ggml(name: str, block: int, block_bytes: int) -> Storage:
    """A GGUF block type: each row in blocks of ``block`` values, ``block_bytes`` each."""
    per = Rational(block_bytes, block)
    return Storage(
        name, per, lambda s: per * _numel(s), block, f"{block_bytes} bytes per {block} values"
    )


def _fp8_scaled(shape: Dims) -> Expr:
    """1 byte per value + one float32 ``scale_weight`` (ComfyUI's scaled fp8)."""
    return _numel(shape) + FLOAT32


def _fp8_blocks(shape: Dims) -> Expr:
    """transformers' ``FP8Linear``: 1 byte per value + a float32 ``weight_scale_inv`` per
    128×128 block, ⌈r/128⌉·⌈c/128⌉ of them; a weight whose rows or columns are not a
    multiple of 128 is not quantized (kept bfloat16, 2 bytes per value) but keeps its
    scales: ∏shape·(2 − w) + 4·⌈r/128⌉·⌈c/128⌉, w = 1 when 128 divides r and c, else 0."""
    rows, cols = shape[0], sympy.Mul(*shape[1:])
    r, c = rows / FP8_BLOCK, cols / FP8_BLOCK
    whole = (1 + sympy.floor(r) - sympy.ceiling(r)) * (1 + sympy.floor(c) - sympy.ceiling(c))
    return _numel(shape) * (2 - whole) + FLOAT32 * sympy.ceiling(r) * sympy.ceiling(c)


def _fp8_rows(shape: Dims) -> Expr:
    """float8 values + a float32 scale per output row (torchao's ``PerRow``): ∏shape +
    4·shape[0]."""
    return _numel(shape) + FLOAT32 * shape[0]


def _int8_rows(shape: Dims) -> Expr:
    """int8 values + a float32 absmax (``SCB``) per output row: ∏shape + 4·shape[0]."""
    return _numel(shape) + FLOAT32 * shape[0]


def _bnb4(shape: Dims, nested: bool) -> Expr:
    """⌈n/2⌉ packed bytes, ⌈n/64⌉ absmax, the 16-value code (+ double quantization)."""
    n = _numel(shape)
    blocks = sympy.ceiling(n / BNB_BLOCK)
    data = sympy.ceiling(n / 2) + FLOAT32 * BNB_CODE
    if not nested:
        return data + FLOAT32 * blocks
    blocks2 = sympy.ceiling(blocks / BNB_NESTED_BLOCK)
    return data + blocks + FLOAT32 * (blocks2 + BNB_NESTED_CODE + 1)


FLOAT32 = 4
#: transformers' ``FineGrainedFP8Config.weight_block_size`` default: (128, 128).
FP8_BLOCK = 128
#: bitsandbytes 4-bit: values per absmax block, entries of the 4-bit code (float32).
BNB_BLOCK, BNB_CODE = 64, 16
#: bitsandbytes double quantization: absmax values per second-level block, code entries.
BNB_NESTED_BLOCK, BNB_NESTED_CODE = 256, 256

#: bitsandbytes 4-bit bytes per value: 1/2 + 4/64 (fp32 absmax per 64 values), or with
#: double quantization 1/2 + 1/64 (uint8 absmax) + 4/(64·256) (fp32 absmax2 per 256 blocks).
_BNB4_PER_VALUE = {
    False: Rational(1, 2) + Rational(FLOAT32, BNB_BLOCK),
    True: Rational(1, 2) + Rational(1, BNB_BLOCK) + Rational(FLOAT32, BNB_BLOCK * BNB_NESTED_BLOCK),
}

#: Every storage a format can choose, by name.
STORAGES: dict[str, Storage] = {
    s.name: s
    for s in (
        dense("F32", 4),
        dense("BF16", 2),
        dense("F16", 2),
        dense("F8_E4M3", 1),
        Storage("F8_E4M3+scales", Rational(1), _fp8_scaled, doc="+ scale_weight (fp32)"),
        Storage(
            "F8_E4M3+blocks",
            1 + Rational(FLOAT32, FP8_BLOCK**2),
            _fp8_blocks,
            doc="+ one fp32 weight_scale_inv per 128×128 block",
        ),
        Storage("F8_E4M3+rows", Rational(1), _fp8_rows, doc="+ one fp32 scale per row"),
        Storage("INT8+SCB", Rational(1), _int8_rows, doc="+ one fp32 absmax per row"),
        *(
            Storage(
                f"{q}{'+dq' if nested else ''}",
                _BNB4_PER_VALUE[nested],
                lambda s, nested=nested: _bnb4(s, nested),
                doc="absmax per 64 values" + (", double-quantized" if nested else ""),
            )
            for q in ("NF4", "FP4")
            for nested in (False, True)
        ),
        ggml("Q8_0", 32, 34),
        ggml("Q5_1", 32, 24),
        ggml("Q5_0", 32, 22),
        ggml("Q4_0", 32, 18),
        ggml("Q6_K", 256, 210),
        ggml("Q5_K", 256, 176),
        ggml("Q4_K", 256, 144),
        ggml("Q3_K", 256, 110),
    )
}

#: What a choice of storage is: (how many of the leaf's ``repeat`` tensors, which storage).
Choice = Sequence[tuple[Expr | int, Storage]]


# ---------------------------------------------------------------------------------------
# Formats: one rule per family, deciding each leaf's storage.


@dataclass(frozen=True)
class Format:
    """A storage format: ``rule(fmt, leaf, plan)`` → the storage of each of its tensors.

    ``main`` names the storage of the tensors it quantizes (or holds), ``rest`` the one it
    keeps everything else in; ``per_value`` is ``main``'s bytes per parameter.
    """

    name: str
    family: str
    main: str
    rest: str
    doc: str
    source: str
    ftype: str = ""  # llama.cpp: the file type ("" for --pure)

    @property
    def per_value(self) -> Rational:
        """Bytes per parameter of the main storage, scales included, as an exact rational."""
        return STORAGES[self.main].per_value


HF = "transformers 5.x modeling_utils.py, quantizers/base.py"
BNB = "bitsandbytes 0.50 functional.py (int8_vectorwise_quant, quantize_4bit, QuantState)"
GGML = "ggml type traits; llama.cpp src/llama-quant.cpp, convert_hf_to_gguf.py"
FP8 = "marduk191/Learned-Rounding convert_fp8_scaled_learned_svd.py (--t5xxl)"
COMFY = "comfyanonymous/flux_text_encoders (file headers); ComfyUI comfy/ops.py"
HF_FP8 = (
    "transformers 5.x integrations/finegrained_fp8.py (FP8Linear, replace_with_fp8_linear, "
    "Fp8Quantize), quantizers/quantizer_finegrained_fp8.py, quantizers/base.py"
)
TORCHAO = (
    "torchao 0.18 quantization/quant_api.py (Float8WeightOnlyConfig: PerRow), Float8Tensor; "
    "transformers 5.x quantizers/quantizer_torchao.py"
)
LLAMA = "llama.cpp src/llama-quant.cpp (007dbbf3): llama_tensor_get_type_impl"


def _formats() -> dict[str, Format]:
    out = [
        Format("fp32", "float", "F32", "F32", "every tensor in float32", "torch"),
        Format("bf16", "float", "BF16", "BF16", "every tensor in bfloat16", "torch"),
        Format("fp16", "float", "F16", "F16", "every tensor in float16", "torch"),
        Format(
            "fp16-hf",
            "float",
            "F16",
            "F16",
            "float16 as from_pretrained loads it: every wo in float32 (_keep_in_fp32_modules)",
            HF,
        ),  # fmt: skip
        Format(
            "fp8", "fp8", "F8_E4M3", "BF16", "Linear weights float8_e4m3fn, the rest bfloat16", FP8
        ),  # fmt: skip
        Format(
            "fp8-e4m3fn",
            "fp8",
            "F8_E4M3",
            "F8_E4M3",
            "every tensor float8_e4m3fn, norms and embeddings too (ComfyUI's t5xxl_fp8_e4m3fn)",
            COMFY,
        ),  # fmt: skip
        Format(
            "fp8-scaled",
            "fp8",
            "F8_E4M3+scales",
            "F16",
            "Linear weights float8_e4m3fn + one fp32 scale_weight each, the rest float16 "
            "(ComfyUI's _scaled files)",
            COMFY,
        ),  # fmt: skip
        Format(
            "fp8-hf",
            "transformers-fp8",
            "F8_E4M3+blocks",
            "BF16",
            "transformers' FineGrainedFP8Config as from_pretrained(dtype=bfloat16) holds it: "
            "Linear weights float8_e4m3fn + an fp32 scale per 128x128 block; wo (t5, mt5, "
            "umt5), lm_head and the rest bfloat16",
            HF_FP8,
        ),
        Format(
            "fp8-torchao",
            "torchao-fp8",
            "F8_E4M3+rows",
            "BF16",
            "torchao's Float8WeightOnlyConfig (TorchAoConfig, dtype=bfloat16) in memory: Linear "
            "weights float8_e4m3fn + an fp32 scale per row, wo too; lm_head and the rest "
            "bfloat16",
            TORCHAO,
        ),
        Format(
            "int8",
            "bitsandbytes",
            "INT8+SCB",
            "F16",
            "LLM.int8: Linear weights int8 + fp32 row absmax; wo fp32, lm_head and the rest fp16",
            f"{BNB}; {HF}",
        ),  # fmt: skip
    ]
    for q in ("nf4", "fp4"):
        for dq in ("", "-dq"):
            what = "double-quantized absmax" if dq else "fp32 absmax"
            out.append(
                Format(
                    f"{q}{dq}",
                    "bitsandbytes",
                    f"{q.upper()}{'+dq' if dq else ''}",
                    "F16",
                    f"4-bit {q}, blocks of 64, {what}; wo fp32, lm_head and the rest fp16",
                    f"{BNB}; {HF}",
                )  # fmt: skip
            )
    for t in ("Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"):
        same = " (= file type " + t + ")" if t in ("Q8_0", "Q6_K") else ""
        out.append(
            Format(
                f"gguf-{t.lower()}",
                "gguf",
                t,
                "F16",
                f"GGUF, every quantizable tensor {t}: llama-quantize --pure{same}",
                GGML,
            )  # fmt: skip
        )
    for ftype, (t, what) in FTYPES.items():
        out.append(
            Format(
                f"gguf-{ftype.lower()}",
                "gguf",
                t,
                "F16",
                f"GGUF file type {ftype}: {what}",
                f"{GGML}; {LLAMA}",
                ftype,
            )  # fmt: skip
        )
    out.append(Format("gguf-f16", "gguf", "F16", "F16",
                      "GGUF as convert_hf_to_gguf --outtype f16 writes it: 2-D weights F16, "
                      "norms F32", GGML))  # fmt: skip
    out.append(Format("gguf-f32", "gguf", "F32", "F32",
                      "GGUF as convert_hf_to_gguf --outtype f32 writes it: every tensor F32",
                      GGML))  # fmt: skip
    return {f.name: f for f in out}


#: llama.cpp's file types beyond --pure: default type, and what differs (`FTYPE_RULES`).
FTYPES: dict[str, tuple[str, str]] = {
    "Q5_K_M": ("Q5_K", "Q5_K, with Q6_K for half the attn_v and ffn_down"),
    "Q5_K_S": ("Q5_K", "Q5_K (the embedding Q6_K)"),
    "Q4_K_M": ("Q4_K", "Q4_K, with Q6_K for half the attn_v and ffn_down"),
    "Q4_K_S": ("Q4_K", "Q4_K, with Q5_K for the first 4 attn_v and first eighth of ffn_down"),
    "Q3_K_L": ("Q3_K", "Q3_K, with Q5_K for every attn_v and ffn_down"),
    "Q3_K_M": ("Q3_K", "Q3_K, attn_v Q5_K (first 2) or Q4_K, ffn_down Q5_K (first 16th) or Q4_K"),
    "Q3_K_S": ("Q3_K", "Q3_K (the embedding Q6_K)"),
}

#: llama.cpp ``llama_tensor_get_type_impl`` as it applies to T5's tensor names (``attn_o``
#: matches no ``attn_output`` rule; ``cross_attn_v`` is an ``attn_v``): for each file type,
#: for ``attn_v`` and ``ffn_down``, the first rule that holds for the tensor's index ``i``
#: among its kind (of ``n``: every attn_v, or ``block_count`` for ffn_down) picks its type.
#: A rule is ``(test, k, type)``: ``"more"`` llama.cpp's ``use_more_bits(i, n)``, ``"first"``
#: i < k, ``"part"`` i < n // k, ``"all"`` always.
FTYPE_RULES: dict[str, dict[str, tuple[tuple[str, int, str], ...]]] = {
    "Q5_K_M": {"attn_v": (("more", 0, "Q6_K"),), "ffn_down": (("more", 0, "Q6_K"),)},
    "Q4_K_M": {"attn_v": (("more", 0, "Q6_K"),), "ffn_down": (("more", 0, "Q6_K"),)},
    "Q4_K_S": {"attn_v": (("first", 4, "Q5_K"),), "ffn_down": (("part", 8, "Q5_K"),)},
    "Q3_K_L": {"attn_v": (("all", 0, "Q5_K"),), "ffn_down": (("all", 0, "Q5_K"),)},
    "Q3_K_M": {
        "attn_v": (("first", 2, "Q5_K"), ("all", 0, "Q4_K")),
        "ffn_down": (("part", 16, "Q5_K"), ("all", 0, "Q4_K")),
    },
}


def _ruled(rules: Sequence[tuple[str, int, str]], i: int, n: int, default: str) -> str:
    """The type the first holding rule of `FTYPE_RULES` picks, else ``default``."""
    for test, k, t in rules:
        if (
            test == "all"
            or (test == "more" and more_bits(i, n))
            or (test == "first" and i < k)
            or (test == "part" and i < n // k)
        ):
            return t
    return default


#: Every format, by name.
FORMATS: dict[str, Format] = _formats()


def get(name: str) -> Format:
    """The `Format` called ``name``; a one-line `T5SymError` naming the known ones."""
    if not isinstance(name, str) or name not in FORMATS:
        raise T5SymError(f"format: unknown {checks.shown(name)}; known: {', '.join(FORMATS)}")
    return FORMATS[name]


# --- The rule ------------------------------------------------------------------------------


def storage(fmt: Format, leaf: Node, plan: Plan) -> Choice:
    """THE rule: how each of the ``leaf.repeat`` tensors of a leaf is stored under ``fmt``.

    - float: ``main`` for all; ``fp16-hf`` keeps ``wo`` in float32 (`Plan.keeps_in_fp32`).
    - fp8: Linear weights (kind ``"linear"``) in ``main``; anything else in ``rest``
      (``fp8-e4m3fn``: both float8).
    - transformers-fp8: Linear weights but ``lm_head`` and the kept ``wo`` in ``main``
      (``FP8Linear``: a weight not a multiple of 128 stays bfloat16 beside its scales);
      anything else, the kept ``wo`` too, in ``rest`` (loaded in bfloat16: nothing upcast).
    - torchao-fp8: Linear weights but ``lm_head`` in ``main``, ``wo`` too (transformers
      matches its skip list against parameter names, so ``wo`` never matches); the rest in
      ``rest``.
    - bitsandbytes: Linear weights but ``lm_head`` in ``main``; ``wo`` in float32 where
      `Plan.keeps_in_fp32`; anything else in ``rest``.
    - gguf: norms F32, the relative bias in ``rest``, other weights as llama.cpp picks
      (`Plan`).

    A leaf kind this rule does not know (a bias, a router) is kept in ``rest`` by every
    family but GGUF, which refuses a tensor llama.cpp has no name for.
    """
    one = ((leaf.repeat, STORAGES[fmt.rest]),)
    if fmt.family == "float":
        keep32 = fmt.name == "fp16-hf" and plan.keeps_in_fp32(leaf)
        return ((leaf.repeat, STORAGES["F32" if keep32 else fmt.main]),)
    if fmt.family == "fp8":
        return ((leaf.repeat, STORAGES[fmt.main]),) if leaf.kind == "linear" else one
    if fmt.family == "transformers-fp8":
        skipped = leaf.within(Role.LM_HEAD) or plan.keeps_in_fp32(leaf)
        quantized = replaced_linear(leaf) and not skipped
        return ((leaf.repeat, STORAGES[fmt.main]),) if quantized else one
    if fmt.family == "torchao-fp8":
        quantized = replaced_linear(leaf) and not leaf.within(Role.LM_HEAD)
        return ((leaf.repeat, STORAGES[fmt.main]),) if quantized else one
    if fmt.family == "bitsandbytes":
        if plan.keeps_in_fp32(leaf):
            return ((leaf.repeat, STORAGES["F32"]),)
        quantized = replaced_linear(leaf) and not leaf.within(Role.LM_HEAD)
        return ((leaf.repeat, STORAGES[fmt.main]),) if quantized else one
    return plan.gguf(leaf)


def replaced_linear(leaf: Node) -> bool:
    """Whether transformers' quantizers (bitsandbytes, FineGrainedFP8, torchao) replace the
    weight of this leaf: an ``nn.Linear``'s (kind ``"linear"``), but not the ``out_proj`` of
    ``nn.MultiheadAttention`` in SigLIP's attention-pooling head (T5Gemma 2's vision tower:
    the output projection of the tower's one sublayer outside its blocks), a
    ``NonDynamicallyQuantizableLinear`` that bitsandbytes and FineGrainedFP8 skip (``type(m)
    is nn.Linear``) and torchao's ``_is_linear`` excludes. Bare matrices (kind ``"matrix"``:
    ``in_proj_weight``, the projector's ``mm_input_projection_weight``) and the patch
    convolution are no ``nn.Linear``: kept as loaded."""
    pooling = leaf.within(Role.VISION_TOWER) and leaf.within(Role.SUBLAYER)
    return leaf.kind == "linear" and not (pooling and leaf.within(Role.O))


# ---------------------------------------------------------------------------------------
# GGUF: llama.cpp's per-tensor choices, tensor by tensor in its order.

#: transformers' T5 names → llama.cpp's (gguf ``MODEL_TENSOR`` names for T5).
_GGUF_PARTS = {
    "layer.0.SelfAttention.q": "attn_q", "layer.0.SelfAttention.k": "attn_k",
    "layer.0.SelfAttention.v": "attn_v", "layer.0.SelfAttention.o": "attn_o",
    "layer.0.SelfAttention.relative_attention_bias": "attn_rel_b",
    "layer.0.layer_norm": "attn_norm",
    "layer.1.EncDecAttention.q": "cross_attn_q", "layer.1.EncDecAttention.k": "cross_attn_k",
    "layer.1.EncDecAttention.v": "cross_attn_v", "layer.1.EncDecAttention.o": "cross_attn_o",
}  # fmt: skip
_GGUF_FFN = {"wi": "ffn_up", "wi_0": "ffn_gate", "wi_1": "ffn_up", "wo": "ffn_down"}


def gguf_name(name: str, index: int = 0) -> str:
    """llama.cpp's name for a transformers T5 weight (``index``: the block), or an error.

    e.g. ``encoder.block.*.layer.1.DenseReluDense.wo`` → ``enc.blk.3.ffn_down.weight``.
    """
    top = {"shared": "token_embd", "lm_head": "output",
           "encoder.final_layer_norm": "enc.output_norm",
           "decoder.final_layer_norm": "dec.output_norm"}  # fmt: skip
    if name in top:
        return f"{top[name]}.weight"
    stack, _, rest = name.partition(".block.")
    block, _, part = rest.partition(".")
    ffn_layer = "layer.1" if stack == "encoder" else "layer.2"
    if part.startswith(f"{ffn_layer}.DenseReluDense."):
        part = _GGUF_FFN.get(part.rsplit(".", 1)[1], "")
    elif part == f"{ffn_layer}.layer_norm":
        part = "ffn_norm"
    elif part == "layer.1.layer_norm" and stack == "decoder":
        part = "cross_attn_norm"
    else:
        part = _GGUF_PARTS.get(part, "")
    if stack not in ("encoder", "decoder") or not part:
        raise Inapplicable(f"format: GGUF (llama.cpp) has no tensor name for {name!r:.80}")
    return f"{stack[:3]}.blk.{block if block != '*' else index}.{part}.weight"


def more_bits(i: int, n: int) -> bool:
    """llama.cpp's ``use_more_bits``: the first and last eighth, and every third between."""
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


#: llama.cpp ``tensor_type_fallback``: a K type whose block does not divide the row → this
#: 32-block type; a 32-block type that does not fit either → F16 (llama.cpp as vendored by
#: llama-cpp-python 0.3.36, which the tests run; older versions refused such a row).
FALLBACK = {"Q3_K": "Q4_0", "Q4_K": "Q5_0", "Q5_K": "Q5_1", "Q6_K": "Q8_0"}

#: The model types whose transformers class keeps ``wo`` in float32
#: (``_keep_in_fp32_modules = ["wo"]`` in modeling_t5.py, modeling_mt5.py, modeling_umt5.py).
KEEPS_WO_IN_FP32 = frozenset({"t5", "mt5", "umt5"})

#: Above this many blocks the per-tensor walk is refused: it names and sorts every tensor,
#: linear in the depth (seconds at this limit), and no T5 has more than 24 blocks.
MAX_GGUF_LAYERS = 10_000

#: Each storage's block (values per block; 1 for a dense type), as `fallback` reads it.
BLOCKS: dict[str, int] = {name: s.block for name, s in STORAGES.items()}


def fallback(new: str, ncols: int) -> str:
    """llama.cpp's ``tensor_type_fallback``: a K type whose block does not divide the row
    to its 32-block fallback (`FALLBACK`), then F16 if that does not divide it either."""
    if ncols % BLOCKS[new] == 0:
        return new
    back = FALLBACK.get(new, new)
    return back if ncols % BLOCKS[back] == 0 else "F16"


def tensor_types(
    tensors: Sequence[tuple[str, int]], n_layer: int, main: str, rest: str, ftype: str
) -> list[str]:
    """llama.cpp's type for each ``(gguf name, row length)`` of ``tensors``, in its order
    (names sorted; row length 0: one row, 1-D to ggml, kept as ``rest``): ``main``; with a
    file type ``ftype``, the output (or tied) embedding Q6_K (Q8_0 when its block does not
    divide the row; ``main`` when that is Q8_0), ``attn_v`` and ``ffn_down`` by `FTYPE_RULES`
    (the i-th of every attn_v, of ``n_layer`` ffn_down); then `fallback` where ``main`` is a
    block type. Plain values only: the calculator prints it as JavaScript.

    Examples
    --------
    >>> from t5sym.views.formats import tensor_types
    >>> tensor_types([("blk.0.attn_v.weight", 4096), ("token_embd.weight", 4096)],
    ...              1, "Q4_K", "F32", "Q4_K_M")
    ['Q6_K', 'Q6_K']
    """
    n_v = 0
    tied = True
    for name, _row in tensors:
        if "attn_v.weight" in name:
            n_v += 1
        if name == "output.weight":
            tied = False
    rules = FTYPE_RULES.get(ftype, {})
    i_v = 0
    i_down = 0
    out = []
    for name, ncols in tensors:
        new = main
        if ncols == 0:
            new = rest
        elif ftype != "":
            if name == "output.weight" or (tied and name == "token_embd.weight"):
                new = main if main == "Q8_0" else ("Q8_0" if ncols % BLOCKS[main] != 0 else "Q6_K")
            elif "attn_v.weight" in name:
                new = _ruled(rules.get("attn_v", ()), i_v, n_v, main)
                i_v += 1
            elif "ffn_down" in name:
                new = _ruled(rules.get("ffn_down", ()), i_down, n_layer, main)
                i_down += 1
        if ncols != 0 and BLOCKS[main] > 1:
            new = fallback(new, ncols)
        out.append(new)
    return out


@dataclass
class Plan:
    """What a rule may need beyond the leaf: the config's values, and llama.cpp's walk."""

    fmt: Format
    tree: Tree
    values: Mapping[sympy.Symbol, int] | None
    model_type: str = "t5"  # without a config: the formulas of T5's own classes
    _types: dict[str, Counter[str]] | None = None

    def keeps_in_fp32(self, leaf: Node) -> bool:
        """``wo`` under a model type that keeps it in float32 (`KEEPS_WO_IN_FP32`)."""
        return leaf.role is Role.WO and self.model_type in KEEPS_WO_IN_FP32

    def gguf(self, leaf: Node) -> Choice:
        if leaf.kind == "norm":
            return ((leaf.repeat, STORAGES["F32"]),)
        if leaf.role is Role.RELATIVE_BIAS:
            return ((leaf.repeat, STORAGES[self.fmt.rest]),)
        gguf_name(leaf.name)  # a name llama.cpp knows, or an error
        if self.values is None:  # no config: every row a multiple of the block
            return ((leaf.repeat, STORAGES[self.fmt.main]),)
        if self._types is None:
            self._types = self._walk()
        counts = self._types[leaf.name]
        if len(counts) == 1:
            return ((leaf.repeat, STORAGES[next(iter(counts))]),)
        return tuple((n, STORAGES[t]) for t, n in sorted(counts.items()))

    def _walk(self) -> dict[str, Counter[str]]:
        """llama.cpp's choice for every quantizable tensor, in its order (sorted names)."""
        values, ftype = self.values or {}, self.fmt.ftype
        tensors = {}  # gguf name -> (leaf name, row length)
        for leaf in self.tree.root.walk():
            if not leaf.is_leaf or leaf.kind == "norm" or leaf.role is Role.RELATIVE_BIAS:
                continue
            repeat = integer(leaf.repeat, values)
            if repeat > MAX_GGUF_LAYERS:
                raise Inapplicable(f"num_layers: GGUF formats walk every block; at most "
                                   f"{MAX_GGUF_LAYERS:,}, got {checks.shown(repeat)}")  # fmt: skip
            ncols = integer(leaf.shape[-1], values)
            if integer(sympy.Mul(*leaf.shape[:-1]), values) == 1:
                ncols = 0  # one row: 1-D to ggml (ggml_n_dims), never quantized
            for i in range(repeat):
                tensors[gguf_name(leaf.name, i)] = (leaf.name, ncols)
        names = sorted(tensors)  # llama.cpp's weights_map order (no name starts "blk.")
        n_layer = integer(num_layers, values)  # llama.cpp's n_layer_all: block_count
        types = tensor_types([(n, tensors[n][1]) for n in names], n_layer,
                             self.fmt.main, self.fmt.rest, ftype)  # fmt: skip
        out: dict[str, Counter[str]] = {}
        for name, t in zip(names, types, strict=True):
            out.setdefault(tensors[name][0], Counter())[t] += 1
        return out


# ---------------------------------------------------------------------------------------
# The view, and exact numbers.


def _leaf_bytes(choice: Choice, leaf: Node) -> Expr:
    return sympy.Add(*(n * s.nbytes(leaf.shape) for n, s in choice))


def bytes_tree(config: Config | None, fmt: str | Format, *, encoder_only: bool = False) -> Tree:
    """The parameter tree with each leaf's count replaced by its bytes under ``fmt``."""
    fmt = fmt if isinstance(fmt, Format) else get(fmt)
    if config is not None:
        _checked(config)
        _refuse_gemma_gguf(config, fmt)
    elif fmt.ftype:
        raise T5SymError(f"format: {fmt.name} picks types per layer; give a config")
    tree = params.tree(config, encoder_only=bool(encoder_only))
    _refuse_fp8_experts(fmt, tree)
    if config is None:
        plan = Plan(fmt, tree, None)
    else:
        plan = Plan(fmt, tree, config.values(), config.model_type)
    _refuse_one_column(fmt, plan)
    return tree.view(lambda leaf: _leaf_bytes(storage(fmt, leaf, plan), leaf))


def storage_map(
    config: Config, fmt: str | Format, *, encoder_only: bool = False
) -> dict[str, dict[str, int]]:
    """For every leaf: how many of its tensors each storage holds, e.g. ``{"Q6_K": 6}``."""
    fmt = fmt if isinstance(fmt, Format) else get(fmt)
    _checked(config)
    _refuse_gemma_gguf(config, fmt)
    tree = params.tree(config, encoder_only=bool(encoder_only))
    _refuse_fp8_experts(fmt, tree)
    values = config.values()
    plan = Plan(fmt, tree, values, config.model_type)
    _refuse_one_column(fmt, plan)
    return {
        leaf.name: {s.name: integer(sympy.sympify(n), values) for n, s in storage(fmt, leaf, plan)}
        for leaf in tree
        if leaf.is_leaf
    }


def _checked(config: object) -> Config:
    """``config`` (a `t5sym.Config`, a T5Gemma or T5Gemma 2 config), else a one-line error."""
    if isinstance(config, gemma2.Gemma2Config):  # T5Gemma 2: its tree, the same rules
        return gemma.checked(config)  # type: ignore[return-value]
    if isinstance(config, gemma.GemmaConfig):  # T5Gemma: its own tree, the same rules
        return gemma.modelled(config, "the weight-format view")  # type: ignore[return-value]
    return checked_config(config)


#: The formats made by a converter's list of T5-XXL names (`FP8`, `COMFY`): not modelled for
#: T5Gemma 2, whose vision tower and decoder those names do not describe.
T5XXL_NAME_RULES = ("fp8", "fp8-scaled")


def _refuse_gemma_gguf(config: object, fmt: Format) -> None:
    """GGUF of T5Gemma: t5sym's tensor names and llama.cpp's per-layer choices are T5's.
    The converter-made fp8 files of T5Gemma 2 (`T5XXL_NAME_RULES`): its ``--t5xxl`` names
    (kept: ``norm``, ``bias``, ``embed_tokens``, ``shared``; dropped: ``decoder``) are T5-XXL's."""
    if isinstance(config, gemma.GemmaConfig) and fmt.family == "gguf":
        raise Inapplicable(
            "format: GGUF is not modelled for T5Gemma (t5sym follows llama.cpp's T5 "
            "tensor names and per-layer types only)"
        )
    if isinstance(config, gemma2.Gemma2Config) and fmt.name in T5XXL_NAME_RULES:
        raise Inapplicable(
            f"format: {fmt.name} is not modelled for T5Gemma 2 (its converter keeps and drops "
            "tensors by T5-XXL's names, which name no part of the vision tower)"
        )


def experts_refusal(fmt: Format) -> str | None:
    """The one-line refusal of ``fmt`` for a tree holding experts (Role.EXPERTS), or None.

    transformers' FP8 replaces each ``.experts`` module by its ``FP8Experts``, which reads
    ``intermediate_size`` from the config: Switch Transformers' sparse layers fail to load.
    """
    if fmt.family != "transformers-fp8":
        return None
    return (
        f"format: {fmt.name} cannot hold Switch Transformers' experts (transformers' "
        "FP8Experts needs intermediate_size, which SwitchTransformersConfig lacks)"
    )


def _refuse_fp8_experts(fmt: Format, tree: Tree) -> None:
    """`experts_refusal`, raised when ``tree`` holds experts."""
    refusal = experts_refusal(fmt)
    if refusal and any(n.role is Role.EXPERTS for n in tree.root.walk()):
        raise Inapplicable(refusal)


def one_column_refusal(fmt: Format) -> str | None:
    """The refusal of ``fmt`` for a weight it quantizes whose last dimension is 1, with
    ``{leaf}`` and ``{dim}`` to fill in, or None: torchao's float8 cannot quantize such a
    weight (transformers' load fails)."""
    if fmt.family != "torchao-fp8":
        return None
    return (
        f"format: {fmt.name} cannot hold a Linear with one input column "
        "({leaf}: {dim} = 1); torchao fails to quantize it"
    )


def _refuse_one_column(fmt: Format, plan: Plan) -> None:
    """`one_column_refusal`, raised for the first such weight of ``plan``'s tree."""
    refusal = one_column_refusal(fmt)
    if refusal is None or plan.values is None:
        return
    for leaf in plan.tree:
        if not leaf.is_leaf:
            continue
        ((_, s),) = storage(fmt, leaf, plan)
        if s.name == fmt.main and integer(leaf.shape[-1], plan.values) == 1:
            raise Inapplicable(refusal.format(leaf=leaf.name, dim=leaf.shape[-1]))


class _Asked(Result):
    """What a format was asked for: a config's model, or its ``…EncoderModel``."""

    config: Config
    encoder_only: bool

    @property
    def name(self) -> str | None:
        """The config's name."""
        return self.config.name

    @property
    def model(self) -> str:
        """The class weighed: the config's (``config.model``), or its ``…EncoderModel``."""
        if self.encoder_only:
            if isinstance(self.config, gemma2.Gemma2Config):
                return gemma2.CLASS_PREFIX + self.config.ENCODER_HEAD
            if isinstance(self.config, gemma.GemmaConfig):
                return gemma.CLASS_PREFIX + "EncoderModel"
            return CLASS_PREFIX[self.config.model_type] + "EncoderModel"
        return self.config.model


@dataclass(frozen=True)
class Weights(_Asked):
    """Exact bytes of one model's weights in one format, per module and per storage.

    ``breakdown``: bytes of every node (``""``: the total); ``storages``: for each leaf,
    how many of its tensors each storage holds; ``by_storage``: bytes per storage.
    """

    config: Config
    format: str
    encoder_only: bool
    parameters: int
    breakdown: dict[str, int] = field(repr=False)
    storages: dict[str, dict[str, int]] = field(repr=False)
    by_storage: dict[str, int] = field(repr=False)

    FIELDS = (
        "name",
        "model",
        "format",
        "applicable",
        "parameters",
        "total",
        "bytes_per_parameter",
        "main_bytes_per_parameter",
        "by_storage",
    )
    DETAILS = ("breakdown", "storages")

    #: Always true (`NotApplicable` is the other answer of `weights_all`).
    applicable = True

    @property
    def total(self) -> int:
        """Bytes of every weight and scale."""
        return self.breakdown[""]

    @property
    def bytes_per_parameter(self) -> Fraction:
        """total / parameters, exact."""
        return Fraction(self.total, self.parameters)

    @property
    def main_bytes_per_parameter(self) -> Fraction:
        """The format's main storage, per parameter (scales included), exact."""
        r = FORMATS[self.format].per_value
        return Fraction(int(r.p), int(r.q))


def weights(config: Config, fmt: str, *, encoder_only: bool = False) -> Weights:
    """Exact bytes of ``config``'s weights stored in ``fmt``, per module and in total.

    The model is the config's class (``config.model``, from its ``architectures``), or
    with ``encoder_only`` its model type's ``…EncoderModel`` (a text encoder).

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views import formats
    >>> w = formats.weights(t5sym.load("t5-v1_1-xxl"), "bf16", encoder_only=True)
    >>> w.total == 2 * w.parameters
    True
    >>> formats.FORMATS["gguf-q8_0"].per_value
    17/16

    Raises
    ------
    T5SymError
        ``format: ...`` for an unknown name (one line, naming the known ones).
    """
    f = get(fmt)
    _checked(config)
    encoder_only = checks.boolean("encoder_only", encoder_only)
    values = config.values()
    numbers = bytes_tree(config, f, encoder_only=encoder_only).evaluate(values)
    count = params.tree(config, encoder_only=encoder_only).evaluate(values)[""]
    storages = storage_map(config, f, encoder_only=encoder_only)
    tree = params.tree(config, encoder_only=encoder_only)
    by: Counter[str] = Counter()
    for name, counts in storages.items():
        leaf = tree[name]
        per = {s: integer(STORAGES[s].nbytes(leaf.shape), values) for s in counts}
        for s, n in counts.items():
            by[s] += n * per[s]
    return Weights(config, f.name, encoder_only, count, numbers, storages, dict(by))


@dataclass(frozen=True)
class NotApplicable(_Asked):
    """A format `weights_all` could not apply to the model, with the one-line reason."""

    config: Config
    format: str
    encoder_only: bool
    reason: str

    FIELDS = ("name", "model", "format", "applicable", "reason")

    #: Always false.
    applicable = False


def weights_all(config: Config, *, encoder_only: bool = False) -> list[Weights | NotApplicable]:
    """`weights` in every format of `FORMATS`, in order; a format that cannot hold the model
    (`Inapplicable`: GGUF for Switch, LongT5 or a task head; ``fp8-hf`` for Switch's
    experts) is a `NotApplicable` with its reason.

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views import formats
    >>> results = formats.weights_all(t5sym.load("switch-base-8"))
    >>> [r.format for r in results if not r.applicable][:3]
    ['fp8-hf', 'gguf-q8_0', 'gguf-q6_k']
    """
    _checked(config)
    encoder_only = checks.boolean("encoder_only", encoder_only)
    out: list[Weights | NotApplicable] = []
    for name in FORMATS:
        try:
            out.append(weights(config, name, encoder_only=encoder_only))
        except Inapplicable as exc:
            out.append(NotApplicable(config, name, encoder_only, str(exc).removeprefix("format: ")))
    return out


def formula(config: Config | None, fmt: str, *, encoder_only: bool = False) -> Expr:
    """The bytes of the whole model under ``fmt`` as a formula in the dims.

    Without a config, every row is taken to be a multiple of the GGUF block; the GGUF
    mixes (``gguf-q5_k_m``, ``gguf-q4_k_m``) choose per layer and need a config.

    Examples
    --------
    >>> from t5sym.views import formats
    >>> from t5sym.model.symbols import d_ff, d_model, num_layers
    >>> f = formats.formula(None, "fp8", encoder_only=True)
    >>> f.coeff(num_layers).coeff(d_ff)  # wi and wo: one byte per value
    2*d_model
    """
    return bytes_tree(config, get(fmt), encoder_only=encoder_only).total
