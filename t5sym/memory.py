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

from . import params, sharding, symbols
from .config import Config
from .errors import T5SymError
from .symbols import bytes_per_value, num_decoder_layers, num_layers
from .tree import Node, Tree

#: Bytes per value of each weight dtype.
DTYPE_BYTES: dict[str, int] = {"fp32": 4, "bf16": 2, "fp16": 2, "int8": 1}

#: Dtypes a model can be trained in (int8 holds weights for inference only).
TRAINING_DTYPES = ("fp32", "bf16", "fp16")

#: Optimizers whose state is modelled; ``"none"``: inference, weights only.
OPTIMIZERS = ("adafactor", "adam", "none")

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


def values(leaf: Node) -> Expr:
    """Values of a leaf: repeat·∏shape (its parameter count)."""
    return leaf.expr


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


#: The optimizers by name.
OPTIMIZER: dict[str, Optimizer] = {
    "adam": Optimizer(
        "adam",
        _adam_bytes,
        lambda leaf: 3 * tensors(leaf),  # exp_avg, exp_avg_sq, step
        _zero,
        doc="torch.optim.Adam: exp_avg, exp_avg_sq (weights' dtype), step (0-dim float32)",
    ),
    "adafactor": Optimizer(
        "adafactor",
        _adafactor_bytes,
        lambda leaf: (3 if len(leaf.shape) >= 2 else 2) * tensors(leaf),  # row, col | sq; RMS
        tensors,  # step: a Python int
        doc="transformers Adafactor, beta1=None: factored second moment and RMS in float32, "
        "step an int",
    ),
    "none": Optimizer("none", _zero, _zero, _zero, gradients=False, doc="inference: weights"),
}


# ---------------------------------------------------------------------------------------
# Validation.


def dtype_bytes(dtype: str) -> int:
    """Bytes per value of ``dtype``; a one-line `T5SymError` for an unknown name."""
    if dtype not in DTYPE_BYTES:
        raise T5SymError(f"dtype: unknown {dtype!r}; known: {', '.join(DTYPE_BYTES)}")
    return DTYPE_BYTES[dtype]


def get_optimizer(name: str) -> Optimizer:
    """The `Optimizer` called ``name``; a one-line `T5SymError` if unknown."""
    if name not in OPTIMIZER:
        raise T5SymError(f"optimizer: unknown {name!r}; known: {', '.join(OPTIMIZERS)}")
    return OPTIMIZER[name]


def _check(dtype: str, optimizer_name: str) -> tuple[int, Optimizer]:
    b, opt = dtype_bytes(dtype), get_optimizer(optimizer_name)
    if opt.gradients and dtype not in TRAINING_DTYPES:
        raise T5SymError(
            f"dtype: {dtype} holds weights for inference only; training with "
            f"{optimizer_name} needs {', '.join(TRAINING_DTYPES)} (or optimizer 'none')"
        )
    return b, opt


# ---------------------------------------------------------------------------------------
# Views of the parameter tree.


def weights_tree(tree: Tree, b: Expr | int = bytes_per_value) -> Tree:
    """Bytes of the weights: b·repeat·∏shape per leaf."""
    return tree.view(lambda leaf: b * values(leaf))


def gradients_tree(tree: Tree, b: Expr | int = bytes_per_value) -> Tree:
    """Bytes of ``p.grad``: as many values as parameters, in the weights' dtype."""
    return tree.view(lambda leaf: b * values(leaf))


def state_tree(tree: Tree, name: str, b: Expr | int = bytes_per_value) -> Tree:
    """Bytes of ``optimizer.state`` per leaf for optimizer ``name`` (see `OPTIMIZER`)."""
    opt = get_optimizer(name)
    return tree.view(lambda leaf: opt.state_bytes(leaf, sympy.sympify(b)))


def trees(
    config: Config, dtype: str, optimizer_name: str, *, per_core: bool = False
) -> dict[str, Tree]:
    """The byte trees of every part in `PARTS` (zero trees dropped) for one config.

    With ``per_core``, of `local_tree`: the bytes one core holds, in ``cores``.
    """
    b, opt = _check(dtype, optimizer_name)
    tree = params.tree(config, encoder_only=config.encoder_only)
    if per_core:
        tree = local_tree(tree)
    out = {"weights": weights_tree(tree, b)}
    if opt.gradients:
        out["gradients"] = gradients_tree(tree, b)
    if opt.name != "none":
        out["optimizer_state"] = state_tree(tree, opt.name, b)
    return out


# ---------------------------------------------------------------------------------------
# Exact numbers.


@dataclass(frozen=True)
class Memory:
    """Exact bytes of one config trained with one dtype and optimizer.

    ``formulas`` holds the symbolic totals (keys ``weights``, ``gradients``,
    ``optimizer_state``, ``total``, ``state_tensors``, ``state_scalars``); ``breakdown``
    the bytes of every node of each part's tree (``""``: the part's total).
    """

    config: Config
    dtype: str
    optimizer: str
    weights: int
    gradients: int
    optimizer_state: int
    state_tensors: int
    state_scalars: int
    formulas: dict[str, Expr]
    breakdown: dict[str, dict[str, int]]

    @property
    def total(self) -> int:
        """weights + gradients + optimizer state."""
        return self.weights + self.gradients + self.optimizer_state

    def to_dict(self) -> dict[str, int | str | None]:
        """The choices and integer byte counts, JSON-ready."""
        return {
            "name": self.config.name,
            "dtype": self.dtype,
            "optimizer": self.optimizer,
            "weights": self.weights,
            "gradients": self.gradients,
            "optimizer_state": self.optimizer_state,
            "total": self.total,
            "state_tensors": self.state_tensors,
            "state_scalars": self.state_scalars,
        }


def training_memory(
    config: Config, dtype: str = DEFAULT_DTYPE, optimizer: str = DEFAULT_OPTIMIZER
) -> Memory:
    """Bytes of weights, gradients and optimizer state of ``config``'s model.

    The model is ``T5EncoderModel`` when the config says so, else
    ``T5ForConditionalGeneration``; every weight is held in ``dtype``.

    Examples
    --------
    >>> from t5sym.presets import load
    >>> m = training_memory(load("t5-small"), "fp32", "adam")
    >>> m.weights == 4 * 60506624 and m.gradients == m.weights
    True

    Parameters
    ----------
    config
        The architecture.
    dtype
        One of `DTYPE_BYTES` (``int8`` only with ``optimizer="none"``).
    optimizer
        One of `OPTIMIZERS`.

    Raises
    ------
    T5SymError
        ``dtype: ...`` or ``optimizer: ...``, one line.
    """
    _, opt = _check(dtype, optimizer)
    parts = trees(config, dtype, optimizer)
    tree = params.tree(config, encoder_only=config.encoder_only)
    counts = {
        "state_tensors": tree.view(opt.state_tensors),
        "state_scalars": tree.view(opt.state_scalars),
    }
    values_ = config.values()
    breakdown = {name: t.evaluate(values_) for name, t in parts.items()}
    numbers = {name: breakdown.get(name, {"": 0})[""] for name in PARTS}
    formulas = {name: parts[name].total if name in parts else sympy.S.Zero for name in PARTS}
    formulas["total"] = sympy.Add(*(formulas[name] for name in PARTS))
    for name, t in counts.items():
        formulas[name] = t.total
        numbers[name] = int(t.total.xreplace(values_))
    return Memory(config, dtype, optimizer, **numbers, formulas=formulas, breakdown=breakdown)


def formula(
    config: Config | None = None,
    part: str = "total",
    optimizer: str = DEFAULT_OPTIMIZER,
    dtype: str | None = None,
) -> Expr:
    """The tidied formula of one part (or the total) in bytes.

    With ``dtype=None`` the bytes per value stay the symbol `bytes_per_value`.
    Without a config: T5 v1.0's structure (ReLU, tied) with separate depths.

    Examples
    --------
    >>> formula(part="weights", optimizer="none", dtype="bf16").coeff(num_layers)
    4*d_model*(d_ff + 2*d_kv*num_heads + 1)
    """
    if part not in (*PARTS, "total"):
        raise T5SymError(f"part: unknown {part!r}; known: {', '.join((*PARTS, 'total'))}")
    opt = get_optimizer(optimizer)
    b: Expr | int = bytes_per_value if dtype is None else _check(dtype, optimizer)[0]
    tree = params.tree(config, encoder_only=bool(config and config.encoder_only))
    exprs = {
        "weights": weights_tree(tree, b).total,
        "gradients": gradients_tree(tree, b).total if opt.gradients else sympy.S.Zero,
        "optimizer_state": state_tree(tree, opt.name, b).total,
    }
    expr = sympy.Add(*exprs.values()) if part == "total" else exprs[part]
    if config is not None and config.num_decoder_layers == config.num_layers:
        expr = expr.subs(num_decoder_layers, num_layers)
    terms = sympy.collect(sympy.expand(expr), [num_layers, num_decoder_layers], evaluate=False)
    rest = terms.pop(sympy.S.One, sympy.S.Zero)
    return sympy.Add(*(depth * sympy.factor(c) for depth, c in terms.items()), sympy.factor(rest))


# ---------------------------------------------------------------------------------------
# Per core under Mesh TensorFlow's model-parallel layout.


def _local(node: Node) -> Node:
    if not node.is_leaf:
        return Node(node.name, None, tuple(_local(c) for c in node.children), node.doc)
    shape = sharding.local_shape(node)
    return Node(
        node.name, node.repeat * sympy.Mul(*shape), (), node.doc, shape, node.repeat, node.kind
    )


def local_tree(tree: Tree) -> Tree:
    """The parameter tree as one core holds it: each leaf's shape is its local shape.

    `t5sym.sharding.local_shape`: the axis holding num_heads, d_ff or vocab_size is
    divided by p (the symbol ``cores``), every other weight (the RMSNorm scales) is whole
    on every core. Every per-leaf formula of this module then gives bytes per core: an
    optimizer's state follows the shard it updates, so Adam's moments are ∏shape/p each
    and Adafactor's factored second moment holds rows + cols of the local matrix (the
    vector along the split axis is split, the other one replicated), while the 0-dim
    ``step``/``RMS`` of every tensor sit on every core.

    Examples
    --------
    >>> local_tree(params.tree())["encoder.block.*.layer.1.DenseReluDense.wi"].shape
    (d_ff/cores, d_model)
    """
    return Tree(_local(tree.root))


def per_core_trees(config: Config, dtype: str, optimizer_name: str) -> dict[str, Tree]:
    """`trees` on `local_tree`: bytes per core of every part, in ``cores``."""
    return trees(config, dtype, optimizer_name, per_core=True)


@dataclass(frozen=True)
class CoreMemory(Memory):
    """`Memory` of ONE core of ``cores`` under Mesh TF's layout.

    ``formulas`` are in the symbol ``cores`` (p); ``state_tensors`` and ``state_scalars``
    count what each core keeps (a piece of every tensor, so as many as the whole model).
    """

    cores: int = 1

    def to_dict(self) -> dict[str, int | str | None]:
        """`Memory.to_dict` and the number of cores."""
        return {**super().to_dict(), "cores": self.cores}


def per_core_memory(
    config: Config,
    cores: int,
    dtype: str = DEFAULT_DTYPE,
    optimizer: str = DEFAULT_OPTIMIZER,
) -> CoreMemory:
    """Bytes of weights, gradients and optimizer state held by one of ``cores`` cores.

    Mesh TensorFlow's T5 layout (see `t5sym.sharding`): heads, d_ff and vocab split
    over the cores, the RMSNorm scales replicated. Activations and temporaries are not
    counted, as in `training_memory`.

    Examples
    --------
    >>> from t5sym.presets import load
    >>> m = per_core_memory(load("t5-3b"), 8, "fp32", "none")
    >>> m.breakdown["weights"]["encoder.block.*.layer.1.DenseReluDense.wi"] == 4 * 24 * 2048 * 1024
    True

    Raises
    ------
    T5SymError
        ``cores: ...`` (p must divide num_heads, d_ff and vocab_size), ``dtype: ...`` or
        ``optimizer: ...``, one line.
    """
    sharding.check_cores(config, cores)
    _, opt = _check(dtype, optimizer)
    parts = per_core_trees(config, dtype, optimizer)
    values_ = {**config.values(), symbols.cores: cores}
    breakdown = {name: t.evaluate(values_) for name, t in parts.items()}
    numbers = {name: breakdown.get(name, {"": 0})[""] for name in PARTS}
    formulas = {name: parts[name].total if name in parts else sympy.S.Zero for name in PARTS}
    formulas["total"] = sympy.Add(*(formulas[name] for name in PARTS))
    tree = params.tree(config, encoder_only=config.encoder_only)
    for name, fn in (("state_tensors", opt.state_tensors), ("state_scalars", opt.state_scalars)):
        formulas[name] = tree.view(fn).total
        numbers[name] = int(formulas[name].xreplace(config.values()))
    return CoreMemory(
        config,
        dtype,
        optimizer,
        **numbers,
        formulas=formulas,
        breakdown=breakdown,
        cores=cores,
    )
