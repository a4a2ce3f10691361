"""Training memory: bytes of weights, gradients and optimizer state, as views of the tree.

Every formula is a per-leaf function of the weight's ``shape`` (torch order), ``repeat``
and ``kind`` (see `t5sym.tree.Node`), mapped over `t5sym.params.tree` with
`t5sym.tree.Tree.view`; totals are the tree's sums. With N parameters held in
T tensors (a leaf repeated in L blocks is L tensors) and b bytes per value:

| part | bytes |
|---|---|
| weights | b·N |
| gradients (``p.grad``, dtype of the weights) | b·N |
| ``torch.optim.Adam`` state | 2·b·N (``exp_avg``, ``exp_avg_sq``) + 4·T (``step``) |
| transformers ``Adafactor`` state (``beta1=None``) | 4·F + 4·T (``RMS``); T ints |

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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy
from sympy import Expr

from . import checks, layout, params, symbols
from .algebra import Split, evaluate, integer, split_over, tidy
from .config import Config, checked_config
from .errors import T5SymError
from .result import Result
from .symbols import bytes_per_value, cores
from .tree import Node, Tree

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


# ---------------------------------------------------------------------------------------
# Validation.


def dtype_bytes(dtype: str) -> int:
    """Bytes per value of ``dtype``; a one-line `T5SymError` for an unknown name."""
    if not isinstance(dtype, str) or dtype not in DTYPE_BYTES:
        raise T5SymError(f"dtype: unknown {dtype!r:.60}; known: {', '.join(DTYPE_BYTES)}")
    return DTYPE_BYTES[dtype]


def get_optimizer(name: str) -> Optimizer:
    """The `Optimizer` called ``name``; a one-line `T5SymError` if unknown."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise T5SymError(f"optimizer: unknown {name!r:.60}; known: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name]


def check(dtype: str, optimizer: str) -> tuple[int, Optimizer]:
    """Bytes per value and the optimizer, checked together (int8 cannot be trained)."""
    b, opt = dtype_bytes(dtype), get_optimizer(optimizer)
    if opt.gradients and dtype not in TRAINING_DTYPES:
        raise T5SymError(
            f"dtype: {dtype} holds weights for inference only; training with "
            f"{optimizer} needs {', '.join(TRAINING_DTYPES)} (or optimizer 'none')"
        )
    return b, opt


def check_layout(config: Config | None) -> None:
    """Refuse, in one line, a model Mesh TF's layout does not cover: the models `t5sym.shard`
    refuses (`t5sym.sharding.check_structure`), so both per-core views accept the same."""
    from . import sharding  # the layout's scope lives with the sharding view

    sharding.check_structure(params.structure(config))


# ---------------------------------------------------------------------------------------
# Views of the parameter tree.


def bytes_tree(tree: Tree, b: Expr | int = bytes_per_value) -> Tree:
    """Bytes of b per value for every parameter: the weights, and their gradients ``p.grad``."""
    return tree.view(lambda leaf: b * leaf.expr)


def state_tree(tree: Tree, optimizer: str, b: Expr | int = bytes_per_value) -> Tree:
    """Bytes of ``optimizer.state`` per leaf (see `OPTIMIZERS`)."""
    opt = get_optimizer(optimizer)
    return tree.view(lambda leaf: opt.state_bytes(leaf, sympy.sympify(b)))


def trees(
    config: Config | None,
    optimizer: str = DEFAULT_OPTIMIZER,
    b: Expr | int = bytes_per_value,
    *,
    per_core: bool = False,
) -> dict[str, Tree]:
    """The byte tree of every part in `PARTS` (a part the optimizer lacks is left out).

    With ``per_core``: of `t5sym.layout.local_tree`, the bytes one core holds, in ``cores``.
    """
    opt = get_optimizer(optimizer)
    tree = params.tree(config)  # the class the config names (its head included)
    if per_core:
        check_layout(config)
        tree = layout.local_tree(tree)
    out = {"weights": bytes_tree(tree, b)}
    if opt.gradients:
        out["gradients"] = bytes_tree(tree, b)
    if opt.name != "none":
        out["optimizer_state"] = state_tree(tree, opt.name, b)
    return out


# ---------------------------------------------------------------------------------------
# Exact numbers.


@dataclass(frozen=True)
class Memory(Result):
    """Exact bytes of one config held with one dtype and optimizer, whole or per core.

    ``cores`` is ``None`` for the whole model, else the bytes are those ONE core holds under
    Mesh TF's layout (`t5sym.layout`). ``breakdown`` holds the bytes of every node of each
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


def training_memory(
    config: Config,
    dtype: str = DEFAULT_DTYPE,
    optimizer: str = DEFAULT_OPTIMIZER,
    *,
    cores: int | None = None,
) -> Memory:
    """Bytes of weights, gradients and optimizer state of ``config``'s model.

    The model is the class the config names (``config.model``: its head included); every
    weight is held in ``dtype`` (fp16 is the model cast, ``model.half()``: transformers'
    ``from_pretrained`` keeps T5's ``wo`` in float32, `t5sym.formats`' ``fp16-hf``). With
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

    Raises
    ------
    T5SymError
        ``dtype: ...``, ``optimizer: ...``, ``cores: ...`` (a positive divisor of
        num_heads, d_ff and vocab_size), or with ``cores`` a model the layout does not
        cover (Switch's experts, a classification head), one line.
    """
    checked_config(config)
    b, opt = check(dtype, optimizer)
    values = config.values()
    if cores is not None:
        check_layout(config)  # the model first: no core count fits it
        cores = layout.check_cores(config, cores)
        values = {**values, symbols.cores: cores}
    parts = trees(config, opt.name, b, per_core=cores is not None)
    breakdown = {name: t.evaluate(values) for name, t in parts.items()}
    numbers = {name: breakdown[name][""] if name in breakdown else 0 for name in PARTS}
    tree = params.tree(config)
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
    >>> from t5sym import memory
    >>> from t5sym.symbols import num_layers
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
    >>> from t5sym import memory
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
    vocab_size) (`t5sym.layout.most_cores`); a core holds split/p + replicated
    (`per_core_split`), so the answer is the least divisor at or above split/(budget −
    replicated) (`t5sym.layout.fewest_cores`, no loop over core counts); ``None`` when even
    the largest does not fit. Activations are not counted.

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.hardware import TPU_V3
    >>> from t5sym.memory import fewest_cores
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
