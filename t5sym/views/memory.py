"""Training memory: bytes of weights, gradients and optimizer state, as views of the tree.

Every formula is a per-leaf function of the weight's ``shape`` (torch order), ``repeat``
and ``kind`` (see `t5sym.model.nodes.Node`), mapped over `t5sym.model.params.tree` with
`t5sym.model.nodes.Tree.view`; totals are the tree's sums. With N parameters held in
T tensors (a leaf repeated in L blocks is L tensors) and b bytes per value:

| part | bytes |
|---|---|
| weights | b·N |
| gradients (``p.grad``, dtype of the weights) | b·N |
| ``torch.optim.Adam`` state | 2·b·N (``exp_avg``, ``exp_avg_sq``) + 4·T (``step``) |
| transformers ``Adafactor`` state (``beta1=None``) | 4·F + 4·T (``RMS``); T ints |
| bitsandbytes ``AdamW8bit`` (per tensor of n ≥ 4096 values) | 2·n (uint8) + 8·⌈n/256⌉ (absmax) |
| bitsandbytes ``AdamW8bit`` (n < 4096), ``PagedAdamW`` | 8·n (float32 state1, state2) |

F is the factored second moment: a row vector (``shape[:-1]``) and a column vector
(``shape[:-2] + shape[-1:]``) for a matrix, the full tensor for a 1-D RMSNorm scale.

What the optimizers allocate was read from their source (torch 2.x
``torch/optim/adam.py``, transformers 5.x ``transformers/optimization.py``):
Adam's moments are ``zeros_like(p)`` (the weights' dtype) and its ``step`` a 0-dim
float32 tensor (float32 whatever ``capturable``/``fused``, under the default float32
default dtype). Adafactor upcasts bf16/fp16 gradients to float32 before creating its
state, so its state is float32 for every weight dtype; ``step`` is a Python int and
``RMS`` becomes a 0-dim float32 tensor at the first step. Not counted: activations,
temporaries, a float32 master copy (neither optimizer keeps one).

bitsandbytes 0.50.2 (``bitsandbytes/optim/optimizer.py``, ``Optimizer2State.init_state``):
a tensor of fewer than ``min_8bit_size`` = 4096 values keeps ``state1``/``state2`` in float32;
a larger one keeps them in uint8 with a float32 ``absmax1``/``absmax2`` per block of 256
values and references the optimizer's two 256-value float32 quantization maps (``qmap1``,
``qmap2``: one pair per optimizer, counted once); ``step`` is a Python int. The paged
variants allocate the same bytes (on CUDA, buffers of ≥ 10⁵ values in unified memory,
evictable to the host; on CPU they fall back to ordinary tensors). ``PagedAdamW`` is 32-bit:
float32 state for every tensor, whatever the weights' dtype.

With LoRA (``lora_rank``, `t5sym.views.lora`): the base is frozen, so gradients and optimizer
state exist for the adapters only, held in float32 (peft's ``autocast_adapter_dtype``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import sympy
from sympy import Expr

from t5sym.errors import T5SymError
from t5sym.model import checks, gemma, gemma2, params, symbols
from t5sym.model.algebra import Split, evaluate, integer, split_over, tidy
from t5sym.model.config import Config, checked_config
from t5sym.model.nodes import Node, Tree
from t5sym.model.result import Result
from t5sym.model.roles import Role
from t5sym.model.symbols import bytes_per_value, cores
from t5sym.views import layout, lora

#: Bytes per value of each weight dtype.
DTYPE_BYTES: dict[str, int] = {"fp32": 4, "bf16": 2, "fp16": 2, "int8": 1}

#: Dtypes a model can be trained in (int8 holds weights for inference only).
TRAINING_DTYPES = ("fp32", "bf16", "fp16")

#: Default dtype: Mesh TensorFlow, which trained T5, kept variables in memory in float32
#: ("must be tf.float32 for training"; bfloat16 only in checkpoints and, in T5's
#: operative gins, activations): tensorflow/mesh ``mesh_tensorflow/transformer/utils.py``,
#: ``get_variable_dtype``.
DEFAULT_DTYPE = "fp32"

#: Default optimizer: T5 was trained with Adafactor (T5 paper §3.1.2, arXiv 1910.10683).
DEFAULT_OPTIMIZER = "adafactor"

#: Bytes of one float32 value: Adafactor's state and every optimizer's 0-dim scalars.
FLOAT32 = 4

#: The parts of `Memory`, in order.
PARTS = ("weights", "gradients", "optimizer_state")

#: The node of a state tree holding what the optimizer keeps once (not per parameter).
SHARED_STATE = "optimizer.shared"


# ---------------------------------------------------------------------------------------
# Per leaf: one weight of `shape`, repeated in `leaf.repeat` blocks.


def tensors(leaf: Node) -> Expr:
    """Parameter tensors of a leaf: ``repeat`` (one per block)."""
    return leaf.repeat


def adam_moments(leaf: Node) -> Expr:
    """Adam's ``exp_avg`` and ``exp_avg_sq``: one value each per parameter, 2·repeat·∏shape."""
    return 2 * leaf.expr


def adafactor_second_moment(leaf: Node) -> Expr:
    """Adafactor's second moment, factored for ≥ 2 dims, full for a 1-D weight.

    ``exp_avg_sq_row`` has ``shape[:-1]`` and ``exp_avg_sq_col`` ``shape[:-2] + shape[-1:]``:
    rows + cols values for a matrix; ``exp_avg_sq`` of ``shape`` for an RMSNorm scale.
    """
    shape = leaf.shape
    if len(shape) < 2:
        return leaf.repeat * sympy.Mul(*shape)
    row = sympy.Mul(*shape[:-1])
    col = sympy.Mul(*shape[:-2], shape[-1])
    return leaf.repeat * (row + col)


@dataclass(frozen=True)
class Optimizer:
    """What one optimizer keeps per parameter tensor, as per-leaf formulas.

    ``state_bytes(leaf, b)`` is the bytes of the leaf's state for weights of b bytes per
    value; ``state_tensors`` and ``state_scalars`` count the tensors (0-dim included) and
    the plain Python numbers it keeps in ``optimizer.state``.
    """

    name: str
    state_bytes: Callable[[Node, Expr], Expr]
    state_tensors: Callable[[Node], Expr]
    state_scalars: Callable[[Node], Expr]
    gradients: bool = True
    doc: str = field(default="", compare=False)
    #: Bytes held once per optimizer whatever the tensors (bitsandbytes' qmaps), of a tree.
    shared: Callable[[Tree], Expr] | None = None
    #: Whether Mesh TF's per-core layout applies (its state linear in each piece).
    per_core: bool = True


def _adam_bytes(leaf: Node, b: Expr) -> Expr:
    """b·2·repeat·∏shape (moments in the weights' dtype) + 4·repeat (float32 ``step``)."""
    return b * adam_moments(leaf) + FLOAT32 * tensors(leaf)


def _adafactor_bytes(leaf: Node, b: Expr) -> Expr:
    """4·(factored second moment) + 4·repeat (float32 ``RMS``); float32 for any b."""
    return FLOAT32 * (adafactor_second_moment(leaf) + tensors(leaf))


def _zero(leaf: Node, *_: Expr) -> Expr:
    return sympy.S.Zero


#: The optimizers by name; ``"none"``: inference, weights only.
OPTIMIZERS: dict[str, Optimizer] = {
    "adafactor": Optimizer(
        "adafactor",
        _adafactor_bytes,
        lambda leaf: (3 if len(leaf.shape) >= 2 else 2) * tensors(leaf),  # row, col | sq; RMS
        tensors,  # step: a Python int
        doc="transformers Adafactor, beta1=None: factored second moment and RMS in float32, "
        "step an int",
    ),
    "adam": Optimizer(
        "adam",
        _adam_bytes,
        lambda leaf: 3 * tensors(leaf),  # exp_avg, exp_avg_sq, step
        _zero,
        doc="torch.optim.Adam: exp_avg, exp_avg_sq (weights' dtype), step (0-dim float32)",
    ),
    "none": Optimizer("none", _zero, _zero, _zero, gradients=False, doc="inference: weights"),
}

#: bitsandbytes' ``min_8bit_size`` (tensors smaller keep float32 state) and block size.
MIN_8BIT_SIZE, BLOCKSIZE = 4096, 256

#: Bytes of bitsandbytes' two quantization maps (``dynamic``, ``udynamic``: 256 float32 each).
QMAP_BYTES = 2 * 256 * FLOAT32


def numel(leaf: Node) -> Expr:
    """Values in ONE tensor of the leaf: ∏shape."""
    return sympy.Mul(*leaf.shape)


def small(leaf: Node) -> Expr:
    """1 when one tensor of the leaf has fewer than `MIN_8BIT_SIZE` values, else 0.

    As ⌈k/(k + 1)⌉ with k = ⌊(MIN_8BIT_SIZE − 1)/n⌋: floors and ceilings only, so exact.
    """
    k = sympy.floor((MIN_8BIT_SIZE - 1) / numel(leaf))
    return sympy.ceiling(k / (k + 1))


def _adam8bit_bytes(leaf: Node, b: Expr) -> Expr:
    """Per tensor: 8·n (float32) when small, else 2·n (uint8) + 8·⌈n/256⌉ (absmax1, 2)."""
    n, s = numel(leaf), small(leaf)
    quantized = 2 * n + 2 * FLOAT32 * sympy.ceiling(n / BLOCKSIZE)
    return leaf.repeat * (s * 2 * FLOAT32 * n + (1 - s) * quantized)


def _adam8bit_tensors(leaf: Node) -> Expr:
    """state1, state2; and absmax1, absmax2, qmap1, qmap2 for a quantized tensor."""
    return leaf.repeat * (2 + 4 * (1 - small(leaf)))


def _qmaps(tree: Tree) -> Expr:
    """`QMAP_BYTES` once if any tensor is quantized (⌈q/(q + 1)⌉: 1 for q ≥ 1 tensors)."""
    q = sympy.Add(*(leaf.repeat * (1 - small(leaf)) for leaf in tree if leaf.is_leaf))
    return QMAP_BYTES * sympy.ceiling(q / (q + 1))


def _adam32bit_bytes(leaf: Node, b: Expr) -> Expr:
    """state1, state2 in float32 whatever the weights' dtype: 8·repeat·∏shape."""
    return 2 * FLOAT32 * leaf.expr


_ADAM8BIT_DOC = (
    "uint8 state1/state2 with float32 absmax per 256 values (float32 below 4096 values), "
    "two shared qmaps, step an int"
)

#: Optimizers of torch and bitsandbytes that t5sym counts beside `OPTIMIZERS` (which the
#: site's calculator mirrors): torch's AdamW (Adam's state) and bitsandbytes' 8-bit and
#: paged Adam/AdamW, whose blockwise state is not split by Mesh TF's per-core layout.
TORCH_OPTIMIZERS: dict[str, Optimizer] = {
    "adamw": replace(OPTIMIZERS["adam"], name="adamw", doc="torch.optim.AdamW: as Adam"),
    **{
        name: Optimizer(
            name,
            _adam8bit_bytes,
            _adam8bit_tensors,
            tensors,  # step: a Python int
            doc=f"bitsandbytes {cls}: {_ADAM8BIT_DOC}",
            shared=_qmaps,
            per_core=False,
        )
        for name, cls in (
            ("adamw8bit", "AdamW8bit"),
            ("adam8bit", "Adam8bit"),
            ("paged_adamw8bit", "PagedAdamW8bit"),
        )
    },
    "paged_adamw": Optimizer(
        "paged_adamw",
        _adam32bit_bytes,
        lambda leaf: 2 * tensors(leaf),  # state1, state2
        tensors,
        doc="bitsandbytes PagedAdamW: float32 state1/state2, step an int",
        per_core=False,
    ),
}

#: Every optimizer by name.
ALL_OPTIMIZERS: dict[str, Optimizer] = {**OPTIMIZERS, **TORCH_OPTIMIZERS}


# ---------------------------------------------------------------------------------------
# Validation.


def dtype_bytes(dtype: str) -> int:
    """Bytes per value of ``dtype``; a one-line `T5SymError` for an unknown name."""
    if not isinstance(dtype, str) or dtype not in DTYPE_BYTES:
        raise T5SymError(f"dtype: unknown {dtype!r:.60}; known: {', '.join(DTYPE_BYTES)}")
    return DTYPE_BYTES[dtype]


def get_optimizer(name: str) -> Optimizer:
    """The `Optimizer` called ``name``; a one-line `T5SymError` if unknown."""
    if not isinstance(name, str) or name not in ALL_OPTIMIZERS:
        raise T5SymError(f"optimizer: unknown {name!r:.60}; known: {', '.join(ALL_OPTIMIZERS)}")
    return ALL_OPTIMIZERS[name]


def check(dtype: str, optimizer: str) -> tuple[int, Optimizer]:
    """Bytes per value and the optimizer, checked together (int8 cannot be trained)."""
    b, opt = dtype_bytes(dtype), get_optimizer(optimizer)
    if opt.gradients and dtype not in TRAINING_DTYPES:
        raise T5SymError(
            f"dtype: {dtype} holds weights for inference only; training with "
            f"{optimizer} needs {', '.join(TRAINING_DTYPES)} (or optimizer 'none')"
        )
    return b, opt


def check_per_core(opt: Optimizer) -> None:
    """Refuse, in one line, an optimizer whose state Mesh TF's per-core layout does not
    split (bitsandbytes' blockwise state)."""
    if not opt.per_core:
        per_core = ", ".join(k for k, o in ALL_OPTIMIZERS.items() if o.per_core)
        raise T5SymError(
            f"optimizer: per-core memory (Mesh TF's layout) is for {per_core}, not {opt.name}"
        )


def check_layout(config: Config | None) -> None:
    """Refuse, in one line, a model Mesh TF's layout does not cover: the models `t5sym.shard`
    refuses (`t5sym.views.sharding.check_structure`), so both per-core views accept the same."""
    from t5sym.views import sharding  # the layout's scope lives with the sharding view

    sharding.check_structure(params.structure(config))


# ---------------------------------------------------------------------------------------
# Views of the parameter tree.


#: Bytes per value of Switch's router (its classifier, and bias) once the model has run:
#: transformers routes in ``config.router_dtype``, float32 by default, and casts the
#: classifier to it in the forward (``self.classifier = self.classifier.to(self.dtype)``,
#: ``SwitchTransformersTop1Router``), so in a bf16 or fp16 model it, its gradient and its
#: optimizer state are float32 from the first step on: source ``switch-router-float32`` in
#: `t5sym.sources`.
ROUTER_BYTES = 4


def value_bytes(leaf: Node, b: Expr | int = bytes_per_value) -> Expr:
    """Bytes per value a running model holds ``leaf`` in: b, but `ROUTER_BYTES` for Switch's
    router. ``b`` is the model's dtype (``model.to(dtype)``)."""
    return sympy.Integer(ROUTER_BYTES) if leaf.within(Role.ROUTER) else sympy.sympify(b)


def bytes_tree(tree: Tree, b: Expr | int = bytes_per_value) -> Tree:
    """Bytes of every parameter of a model in b bytes per value (`value_bytes`): the
    weights, and their gradients ``p.grad``."""
    return tree.view(lambda leaf: value_bytes(leaf, b) * leaf.expr)


def state_tree(tree: Tree, optimizer: str, b: Expr | int = bytes_per_value) -> Tree:
    """Bytes of ``optimizer.state`` per leaf (see `ALL_OPTIMIZERS`), each leaf in its
    `value_bytes`; what an optimizer holds once (bitsandbytes' qmaps) is the node
    `SHARED_STATE`."""
    opt = get_optimizer(optimizer)
    state = tree.view(lambda leaf: opt.state_bytes(leaf, value_bytes(leaf, b)))
    if opt.shared is None:
        return state
    once = Node(SHARED_STATE, opt.shared(tree), kind="optimizer", role=Role.MODEL)
    return Tree(replace(state.root, children=(*state.root.children, once)))


def trees(
    config: Config | None,
    optimizer: str = DEFAULT_OPTIMIZER,
    b: Expr | int = bytes_per_value,
    *,
    per_core: bool = False,
) -> dict[str, Tree]:
    """The byte tree of every part in `PARTS` (a part the optimizer lacks is left out).

    With ``per_core``: of `t5sym.views.layout.local_tree`, the bytes one core holds, in ``cores``.
    """
    opt = get_optimizer(optimizer)
    tree = params.tree(config)  # the class the config names (its head included)
    if per_core:
        check_per_core(opt)
        check_layout(config)
        tree = layout.local_tree(tree)
    trained = trained_tree(config, tree)
    out = {"weights": bytes_tree(tree, b)}
    if opt.gradients:
        out["gradients"] = bytes_tree(trained, b)
    if opt.name != "none":
        out["optimizer_state"] = state_tree(trained, opt.name, b)
    return out


def unreached(leaf: Node) -> bool:
    """T5Gemma 2's SigLIP attention-pooling head (the vision tower's one sublayer outside its
    blocks, ``vision_use_head``): computed, never read (T5Gemma 2 projects the tower's
    ``last_hidden_state``), so a training step leaves it no gradient and no optimizer state."""
    return leaf.within(Role.VISION_TOWER) and leaf.within(Role.SUBLAYER)


def trained_tree(config: Config | None, tree: Tree) -> Tree:
    """The leaves of ``tree`` a training step gives a gradient: every one but `unreached`
    (T5Gemma 2 on text and images; its text alone reaches neither tower nor projector)."""
    if not isinstance(config, gemma2.Gemma2Config):
        return tree
    return tree.view(lambda leaf: None if unreached(leaf) else leaf.expr)


def lora_trees(
    config: Config | None,
    optimizer: str = DEFAULT_OPTIMIZER,
    b: Expr | int = bytes_per_value,
    targets: str | tuple[str, ...] | None = None,
) -> dict[str, Tree]:
    """The byte trees of `PARTS` with LoRA adapters (`t5sym.views.lora.tree`), the base frozen.

    weights: the frozen base in b bytes per value and the adapters in
    `t5sym.views.lora.ADAPTER_BYTES`; gradients and optimizer state: the adapters only.
    """
    opt = get_optimizer(optimizer)
    tree = lora.tree(config, targets)
    a = lora.ADAPTER_BYTES
    out = {"weights": tree.view(
        lambda leaf: (a if lora.is_adapter(leaf) else value_bytes(leaf, b)) * leaf.expr
    )}  # fmt: skip
    trained = lora.adapter_tree(tree)
    if opt.gradients:
        out["gradients"] = bytes_tree(trained, a)
    if opt.name != "none":
        out["optimizer_state"] = state_tree(trained, opt.name, a)
    return out


# ---------------------------------------------------------------------------------------
# Exact numbers.


@dataclass(frozen=True)
class Memory(Result):
    """Exact bytes of one config held with one dtype and optimizer, whole or per core.

    ``cores`` is ``None`` for the whole model, else the bytes are those ONE core holds under
    Mesh TF's layout (`t5sym.views.layout`). ``breakdown`` holds the bytes of every node of each
    part's tree (``""``: the part's total); ``state_tensors`` and ``state_scalars`` count
    what the optimizer keeps (per core: a piece of every tensor, as many as the whole).
    """

    config: Config
    dtype: str
    optimizer: str
    cores: int | None
    weights: int
    gradients: int
    optimizer_state: int
    state_tensors: int
    state_scalars: int
    breakdown: dict[str, dict[str, int]] = field(repr=False)

    FIELDS = (
        "name",
        "dtype",
        "optimizer",
        "cores",
        "weights",
        "gradients",
        "optimizer_state",
        "total",
        "state_tensors",
        "state_scalars",
    )
    DETAILS = ("breakdown",)

    @property
    def name(self) -> str | None:
        """The config's name."""
        return self.config.name

    @property
    def total(self) -> int:
        """weights + gradients + optimizer state."""
        return self.weights + self.gradients + self.optimizer_state


@dataclass(frozen=True, kw_only=True)
class LoraMemory(Memory):
    """`Memory` of LoRA fine-tuning (`t5sym.views.lora`): the base frozen, the adapters trained.

    ``trainable_parameters`` are the adapters' (peft's ``requires_grad`` parameters),
    ``frozen_parameters`` the base model's; ``gradients`` and ``optimizer_state`` keep their
    meaning: the bytes of ``p.grad`` and ``optimizer.state``, for the adapters alone.
    """

    lora_rank: int
    lora_targets: tuple[str, ...]
    trainable_parameters: int
    frozen_parameters: int

    FIELDS = (
        *Memory.FIELDS[:4],
        "lora_rank",
        "lora_targets",
        "trainable_parameters",
        "frozen_parameters",
        *Memory.FIELDS[4:],
    )


def _lora_memory(
    config: Config, dtype: str, opt: Optimizer, b: int, lora_rank: object, targets: object
) -> LoraMemory:
    rank = lora.check_rank(lora_rank)
    names = lora.check_targets(config, targets)  # type: ignore[arg-type]
    values = lora.values(config, rank)
    parts = lora_trees(config, opt.name, b, names)
    breakdown = {name: t.evaluate(values) for name, t in parts.items()}
    numbers = {name: breakdown[name][""] if name in breakdown else 0 for name in PARTS}
    tree = lora.tree(config, names)
    trained = lora.adapter_tree(tree)
    for name in ("state_tensors", "state_scalars"):
        numbers[name] = integer(trained.view(getattr(opt, name)).total, values)
    numbers["trainable_parameters"] = integer(trained.total, values)
    numbers["frozen_parameters"] = integer(lora.frozen_tree(tree).total, values)
    return LoraMemory(
        config, dtype, opt.name, None, **numbers, breakdown=breakdown,
        lora_rank=rank, lora_targets=names,
    )  # fmt: skip


def training_memory(
    config: Config,
    dtype: str = DEFAULT_DTYPE,
    optimizer: str = DEFAULT_OPTIMIZER,
    *,
    cores: int | None = None,
    lora_rank: int | None = None,
    lora_targets: str | tuple[str, ...] | None = None,
) -> Memory:
    """Bytes of weights, gradients and optimizer state of ``config``'s model.

    With ``lora_rank``: LoRA fine-tuning as peft builds it (`t5sym.views.lora`; ``lora_targets``
    peft's ``target_modules`` names, ``"q,v"``, default peft's for the model type), a
    `LoraMemory`: gradients and optimizer state of the adapters only.

    The model is the class the config names (``config.model``: its head included); every
    weight is held in ``dtype`` (fp16 is the model cast, ``model.half()``: transformers'
    ``from_pretrained`` keeps T5's ``wo`` in float32, `t5sym.views.formats`' ``fp16-hf``)
    but Switch's router, float32 once the model has run (`value_bytes`; with int8, the view's
    one byte per weight, counted so too, not measured). With
    ``cores``,
    the bytes ONE of them holds under Mesh TF's layout: heads, d_ff and vocab split, the
    RMSNorm scales whole on every core; an optimizer's state follows the piece it updates.

    Examples
    --------
    >>> import t5sym
    >>> m = t5sym.training_memory(t5sym.load("t5-small"), "fp32", "adam")
    >>> m.weights == 4 * 60506624 and m.gradients == m.weights
    True
    >>> t5sym.training_memory(t5sym.load("t5-3b"), "fp32", "none", cores=8).weights
    1426236416
    >>> m = t5sym.training_memory(t5sym.load("t5-small"), "bf16", "adamw", lora_rank=8)
    >>> m.trainable_parameters, m.gradients == 4 * m.trainable_parameters
    (294912, True)

    Raises
    ------
    T5SymError
        ``dtype: ...``, ``optimizer: ...``, ``lora_rank: ...``, ``lora_targets: ...``,
        ``cores: ...`` (a positive divisor of
        num_heads, d_ff and vocab_size), or with ``cores`` a model the layout does not
        cover (Switch's experts, a classification head), one line.
    """
    if isinstance(config, gemma2.Gemma2Config):  # T5Gemma 2: its tree, the same rules
        gemma.checked(config)
    elif isinstance(config, gemma.GemmaConfig):  # T5Gemma: its own tree, the same rules
        gemma.modelled(config, "the memory view")
    if isinstance(config, gemma.GemmaConfig):
        if lora_rank is not None or lora_targets is not None:
            raise T5SymError("lora_rank: LoRA on T5Gemma is not modelled (its targets are T5's)")
        if cores is not None:
            raise T5SymError("cores: Mesh TF's layout is modelled for T5's blocks, not T5Gemma")
    else:
        checked_config(config)
    b, opt = check(dtype, optimizer)
    if lora_rank is not None:
        if cores is not None:
            raise T5SymError("cores: per-core memory with LoRA is not modelled")
        return _lora_memory(config, dtype, opt, b, lora_rank, lora_targets)
    if lora_targets is not None:
        raise T5SymError("lora_targets: given without lora_rank")
    values = config.values()
    if cores is not None:
        check_per_core(opt)
        check_layout(config)  # the model first: no core count fits it
        cores = layout.check_cores(config, cores)
        values = {**values, symbols.cores: cores}
    parts = trees(config, opt.name, b, per_core=cores is not None)
    breakdown = {name: t.evaluate(values) for name, t in parts.items()}
    numbers = {name: breakdown[name][""] if name in breakdown else 0 for name in PARTS}
    tree = trained_tree(config, params.tree(config))
    for name in ("state_tensors", "state_scalars"):
        numbers[name] = integer(tree.view(getattr(opt, name)).total, config.values())
    return Memory(config, dtype, optimizer, cores, **numbers, breakdown=breakdown)


def formula(
    config: Config | None = None,
    part: str = "total",
    optimizer: str = DEFAULT_OPTIMIZER,
    dtype: str | None = None,
    *,
    per_core: bool = False,
) -> Expr:
    """The tidied formula of one part (or the total) in bytes.

    With ``dtype=None`` the bytes per value stay the symbol `bytes_per_value`; with
    ``per_core``, the bytes one core holds, in ``cores``. Without a config: T5 v1.0's
    structure (ReLU, tied) with separate depths.

    Examples
    --------
    >>> from t5sym.views import memory
    >>> from t5sym.model.symbols import num_layers
    >>> memory.formula(part="weights", optimizer="none", dtype="bf16").coeff(num_layers)
    4*d_model*(d_ff + 2*d_kv*num_heads + 1)
    """
    if part not in (*PARTS, "total"):
        raise T5SymError(f"part: unknown {part!r:.60}; known: {', '.join((*PARTS, 'total'))}")
    opt = get_optimizer(optimizer)
    b: Expr | int = bytes_per_value if dtype is None else check(dtype, optimizer)[0]
    parts = trees(config, opt.name, b, per_core=per_core)
    if part == "total":
        expr = sympy.Add(*(t.total for t in parts.values()))
    else:
        expr = parts[part].total if part in parts else sympy.S.Zero
    equal = config is not None and config.num_decoder_layers == config.num_layers
    return expr if per_core else tidy(expr, equal_depths=equal)


def per_core_split(
    config: Config | None = None,
    optimizer: str = DEFAULT_OPTIMIZER,
    dtype: str | None = None,
    part: str = "total",
) -> Split:
    """Bytes per core as (split over the cores) / p + (held whole by every core).

    Examples
    --------
    >>> from t5sym.views import memory
    >>> memory.per_core_split(optimizer="none").replicated
    bytes_per_value*d_model*(3*num_decoder_layers + 2*num_layers + 2)
    """
    expr = formula(config, part, optimizer, dtype, per_core=True)
    equal = config is not None and config.num_decoder_layers == config.num_layers
    return split_over(expr, cores, equal_depths=equal)


def fewest_cores(
    config: Config,
    memory_per_core: int,
    dtype: str = DEFAULT_DTYPE,
    optimizer: str = DEFAULT_OPTIMIZER,
) -> Memory | None:
    """The `Memory` of one core at the fewest cores whose share fits in ``memory_per_core``.

    The candidates are the layouts Mesh TF allows: every divisor p of gcd(num_heads, d_ff,
    vocab_size) (`t5sym.views.layout.most_cores`); a core holds split/p + replicated
    (`per_core_split`), so the answer is the least divisor at or above split/(budget −
    replicated) (`t5sym.views.layout.fewest_cores`, no loop over core counts); ``None`` when even
    the largest does not fit. Activations are not counted.

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views.hardware import TPU_V3
    >>> from t5sym.views.memory import fewest_cores
    >>> fewest_cores(t5sym.load("t5-11b"), TPU_V3.memory_per_core, "fp32", "adam").cores
    16
    """
    budget = checks.positive_int("memory_per_core", memory_per_core)
    check(dtype, optimizer)
    parts, values = per_core_split(checked_config(config), optimizer, dtype), config.values()
    held_whole = evaluate(parts.replicated, values)
    p = layout.fewest_cores(layout.most_cores(config), evaluate(parts.split, values),
                            budget - held_whole)  # fmt: skip
    return None if p is None else training_memory(config, dtype, optimizer, cores=p)
