"""LoRA as peft builds it: adapters beside the chosen Linears, the base frozen.

A view of the parameter tree (`t5sym.model.params.tree`): every target Linear (chosen by its
`t5sym.model.roles.Role`, from peft's ``target_modules`` names) keeps its frozen weight and gains
two leaves of kind `ADAPTER`, as peft's ``LoraLayer.update_layer`` creates them on a
``Linear(in, out)``:

| leaf | shape (torch order) | parameters per repeat |
|---|---|---|
| ``<target>.lora_A`` | (r, in) | r·in |
| ``<target>.lora_B`` | (out, r) | out·r |

so r·(in + out) per repeat (per block, per Switch expert). Only the adapters are trained:
gradients and optimizer state exist for them alone (`t5sym.views.memory.training_memory` with
``lora_rank``). peft's ``get_peft_model`` upcasts adapters created in a bf16/fp16 model to
float32 (``autocast_adapter_dtype=True``, its default), so the adapters are held in
`ADAPTER_DTYPE` whatever the base's dtype.

What was read, in peft 0.21.2: ``peft/utils/constants.py``
(``TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING``: ``"t5": ["q", "v"]``,
``"mt5": ["q", "v"]``, no entry for umt5, longt5 or switch_transformers, for which
``get_peft_model`` asks for ``target_modules``), ``peft/tuners/lora/layer.py`` (the shapes
above; ``lora_dropout == 0`` builds ``nn.Identity``, above 0 ``nn.Dropout``; the forward
casts its input to the adapters' dtype and adds ``lora_B(lora_A(dropout(x)))``; torch's
``aten/src/ATen/native/Dropout.cpp`` drops on the CPU as ``input * noise``, the noise of
the input's dtype, and on CUDA by ``native_dropout``, a bool mask),
``peft/tuners/tuners_utils.py`` (a name matches a target when it is the target or ends
with ``"." + target``: ``q`` matches ``SelfAttention.q`` and ``EncDecAttention.q``, ``wi``
a dense block's and every Switch expert's).

Examples
--------
>>> import t5sym
>>> from t5sym.views import lora
>>> lora.trainable_parameters(t5sym.load("t5-small"), 8)  # peft: 294,912
294912
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import sympy
from sympy import Expr, Symbol

from t5sym.errors import T5SymError
from t5sym.model import checks, params
from t5sym.model.algebra import integer
from t5sym.model.config import Config, checked_config
from t5sym.model.nodes import Node, Tree, group, placed, weight
from t5sym.model.roles import Role
from t5sym.model.symbols import batch, decoder_length, encoder_length, num_experts
from t5sym.views import saved_longt5, saved_switch
from t5sym.views.flops import global_tokens

#: The ``kind`` of an adapter leaf (`t5sym.model.nodes.Node.kind`): the trained weights.
ADAPTER = "lora"

#: The adapters' dtype: peft's ``autocast_adapter_dtype=True`` upcasts bf16/fp16 to fp32.
ADAPTER_DTYPE = "fp32"

#: Bytes per value of an adapter (`ADAPTER_DTYPE`).
ADAPTER_BYTES = 4

#: The rank r of every adapter, a symbol of the view's formulas.
rank = Symbol("lora_rank", positive=True, integer=True)

#: peft's ``target_modules`` names of T5-family Linears, and the role each selects.
TARGETS: dict[str, Role] = {
    "q": Role.Q,
    "k": Role.K,
    "v": Role.V,
    "o": Role.O,
    "wi": Role.WI,
    "wi_0": Role.WI_0,
    "wi_1": Role.WI_1,
    "wo": Role.WO,
    "lm_head": Role.LM_HEAD,
}

#: peft 0.21.2's default ``target_modules`` by ``model_type``
#: (``TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING``); absent: peft has none.
DEFAULT_TARGETS: dict[str, tuple[str, ...]] = {"t5": ("q", "v"), "mt5": ("q", "v")}


def check_rank(value: object) -> int:
    """``value`` as a positive int, else one line naming ``lora_rank``."""
    return checks.positive_int("lora_rank", value)


def check_targets(config: Config | None, targets: str | Iterable[str] | None) -> tuple[str, ...]:
    """peft's ``target_modules`` names as a tuple (``"q,v"`` or ``["q", "v"]``).

    ``None``: peft's default for the config's model type (t5, mt5: q, v); a model type
    peft has no default for, an empty list or an unknown name is a one-line `T5SymError`.
    """
    model_type = "t5" if config is None else config.model_type
    if targets is None:
        if model_type not in DEFAULT_TARGETS:
            known = ", ".join(DEFAULT_TARGETS)
            raise T5SymError(
                f"lora_targets: peft has no default target_modules for {model_type} (only "
                f"{known}); name them, e.g. q,v"
            )
        return DEFAULT_TARGETS[model_type]
    if isinstance(targets, str):
        names = [t.strip() for t in targets.split(",")]
    elif isinstance(targets, Iterable):
        names = list(targets)
    else:
        raise T5SymError(f"lora_targets: must be names such as 'q,v', got {checks.shown(targets)}")
    if not names or names == [""]:
        raise T5SymError(f"lora_targets: none given; known: {', '.join(TARGETS)}")
    for name in names:
        if not isinstance(name, str) or name not in TARGETS:
            raise T5SymError(
                f"lora_targets: unknown {checks.shown(name)[:60]}; known: {', '.join(TARGETS)}"
            )
    return tuple(dict.fromkeys(names))


def is_adapter(leaf: Node) -> bool:
    """Whether a leaf of `tree` is a LoRA adapter (trained) rather than a frozen weight."""
    return leaf.kind == ADAPTER


def adapters(name: str, n_in: Expr, n_out: Expr, repeat: Expr, role: Role) -> tuple[Node, Node]:
    """``lora_A`` (r, in) and ``lora_B`` (out, r) on the Linear ``name``, ``repeat`` times.

    They carry the Linear's ``role`` (a pair on q is part of q), told apart by their kind.
    """
    return (
        weight(f"{name}.lora_A", (rank, n_in), ADAPTER, repeat, "LoRA down", role=role),
        weight(f"{name}.lora_B", (n_out, rank), ADAPTER, repeat, "LoRA up", role=role),
    )


def _adapt(node: Node, roles: frozenset[Role]) -> Node:
    """``node`` with adapters after every target Linear among its children."""
    children: list[Node] = []
    for child in node.children:
        if child.is_leaf:
            children.append(child)
            if child.kind == "linear" and child.role in roles:
                n_out, n_in = child.shape
                children.extend(adapters(child.name, n_in, n_out, child.repeat, child.role))
        else:
            children.append(_adapt(child, roles))
    return replace(node, children=tuple(children))


def tree(
    config: Config | None, targets: str | Iterable[str] | None = None, *, encoder_only=False
) -> Tree:
    """The parameter tree with LoRA adapters (rank `rank`) on the ``targets`` Linears.

    The frozen weights keep their names; adapters are ``<target>.lora_A``/``lora_B``
    (peft's ``…lora_A.default.weight``). A tied ``lm_head`` (T5 v1.0, LongT5) has no node
    of its own: as a target it gains its adapters at the top level (``lm_head.lora_A``),
    as peft wraps the Linear that shares ``shared.weight``. A target list of which nothing
    is in the model (``wi`` of a gated model) is refused, as peft refuses it.

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views import lora
    >>> t = lora.tree(t5sym.load("t5-small"), "q,v")
    >>> t["encoder.block.*.layer.0.SelfAttention.q.lora_A"].expr
    d_model*lora_rank*num_layers
    """
    if config is not None:
        checked_config(config)
    names = check_targets(config, targets)
    roles = frozenset(TARGETS[n] for n in names)
    base = params.tree(config, encoder_only=encoder_only)
    root = _adapt(base.root, roles)
    s = params.structure(config, encoder_only=encoder_only)
    tied_head = s.head == "ForConditionalGeneration" and "lm_head" not in base.nodes
    if Role.LM_HEAD in roles and tied_head:
        n_out, n_in = params.lm_head().shape
        root = replace(
            root, children=(*root.children, *adapters("lm_head", n_in, n_out, 1, Role.LM_HEAD))
        )
    out = Tree(placed(group("", *root.children, role=Role.MODEL)))
    if not any(is_adapter(leaf) for leaf in out):
        raise T5SymError(
            f"lora_targets: none of {', '.join(names)} is a Linear of this model "
            f"({'gated' if s.gated else 'non-gated'} feed-forward)"
        )
    return out


def adapter_tree(tree: Tree) -> Tree:
    """Only the adapters of a LoRA `tree` (the trained parameters)."""
    return tree.view(lambda leaf: leaf.expr if is_adapter(leaf) else None)


def frozen_tree(tree: Tree) -> Tree:
    """Only the frozen weights of a LoRA `tree`."""
    return tree.view(lambda leaf: None if is_adapter(leaf) else leaf.expr)


def values(config: Config, lora_rank: int) -> dict[Symbol, int]:
    """The config's values and the rank."""
    return {**config.values(), rank: check_rank(lora_rank)}


def trainable_parameters(
    config: Config, lora_rank: int, targets: str | Iterable[str] | None = None
) -> int:
    """Parameters peft trains: r·(in + out) per target Linear and repeat.

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views.lora import trainable_parameters
    >>> trainable_parameters(t5sym.load("flan-t5-xl"), 16, "q,k,v,o")
    18874368
    """
    v = values(checked_config(config), lora_rank)
    return integer(adapter_tree(tree(config, targets)).total, v)


# ---------------------------------------------------------------------------------------
# Saved for backward: what the adapters add.

#: The targets whose Linears read one input (self-attention's q, k, v; wi, wi_0, wi_1;
#: cross-attention's q reads the decoder's stream, its k and v the encoder's output).
SHARED_INPUT = (frozenset({Role.Q, Role.K, Role.V}), frozenset({Role.WI, Role.WI_0, Role.WI_1}))

#: Model types whose adapters' saved tensors `saved_tree` models (full attention, dense FFN).
SAVED_MODEL_TYPES = ("t5", "mt5", "umt5", "longt5", "switch_transformers")


def saved_tree(
    config: Config | None,
    targets: str | Iterable[str] | None = None,
    dtype: str = "bf16",
    *,
    checkpointing: bool = False,
    autocast: int | None = None,
    mask: int = 0,
) -> Tree:
    """Bytes the adapters' forward saves for backward, per adapter leaf.

    peft's ``Linear.forward`` adds ``lora_B(lora_A(x.to(fp32))) · scaling``: ``lora_A``
    (its weight trained) saves its input and ``lora_B`` its input of r values per token,
    both float32 (`ADAPTER_BYTES`). In a bf16/fp16 model ``x.to(fp32)`` is a new tensor per
    adapter; in an fp32 model it is ``x`` itself, so adapters reading one input (q, k, v of a
    self-attention; wi_0, wi_1; every cross-attention k and v: the encoder's output) save
    it once. On a stream of n tokens (S in the encoder and for cross-attention's k, v; T
    in the decoder and ``lm_head``), per adapter and repeat:

    | saved | bytes |
    |---|---|
    | ``lora_A``'s input | 4·B·n·in |
    | ``lora_B``'s input | 4·B·n·r |

    LongT5 transient-global's k and v adapters run again on the G global tokens (G in place
    of n); a Switch expert's adapters see the R routed tokens of a sparse block
    (`t5sym.views.saved_switch.routed`) in place of B·n, summed over the experts.

    With ``checkpointing`` (each block recomputed in backward), only the adapters outside
    the blocks (``lm_head``'s) save in the forward.

    Under autocast (``autocast``: c bytes of its low precision; the model fp32) each
    adapter is a Linear autocast runs in c bytes: ``lora_A`` saves its own c copy of its
    input (no copy is shared) and, when that input needs a gradient (`cold`: not in block 0
    before the first adapter), its weight's c copy; ``lora_B`` its c input and its weight's
    c copy, per repeat:

    | saved | bytes |
    |---|---|
    | ``lora_A`` | c·B·n·in, c·r·in (unless cold) |
    | ``lora_B`` | c·B·n·r, c·out·r |

    With peft's ``lora_dropout`` above 0 (``mask``: bytes per element of its mask, 4 on
    CPU, where ``input * noise`` keeps the float32 noise, 1 on CUDA's bool mask; 0 for
    ``lora_dropout`` 0, an ``nn.Identity``) ``lora_A`` reads ``dropout(x)``, a tensor of
    its own: nothing is shared, and each call keeps the mask where its input needs a
    gradient (not in a `cold` repeat), per adapter and repeat:

    | saved | bytes |
    |---|---|
    | ``lora_A``'s input, its dropped copy | 4·B·n·in (under autocast, c·B·n·in as above) |
    | the mask | mask·B·n·in (unless cold) |

    The frozen base's own saved tensors (a frozen Linear keeps no input: ``mm`` saves
    ``self`` only for its weight's gradient) are `t5sym.views.activations`' to say.

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views import lora
    >>> t = lora.saved_tree(t5sym.load("t5-small"), "q,v")
    >>> t["encoder.block.*.layer.0.SelfAttention.q.lora_B"].expr
    4*batch*encoder_length*lora_rank*num_layers
    """
    if dtype not in ("fp32", "bf16", "fp16"):
        raise T5SymError(
            f"dtype: {checks.shown(dtype)[:60]} cannot be trained; use fp32, bf16, fp16"
        )
    if config is not None and config.model_type not in SAVED_MODEL_TYPES:
        raise T5SymError(
            f"model_type: the adapters' saved tensors are modelled for "
            f"{', '.join(SAVED_MODEL_TYPES)}, not {config.model_type}"
        )
    lora = tree(config, targets)
    roles = frozenset(TARGETS[n] for n in check_targets(config, targets))
    switch = config is not None and config.model_type == "switch_transformers"
    sparse0 = switch and config.sparse_step("encoder") == 1  # the encoder's block 0 sparse
    seen: set[tuple[Role | None, Role | None, object]] = set()

    def saved(leaf: Node) -> Expr | None:
        if not is_adapter(leaf):
            return None
        if checkpointing and leaf.role is not Role.LM_HEAD:
            return sympy.S.Zero  # inside a checkpointed block: saved in its recompute only
        cross_kv = leaf.module is Role.CROSS_ATTENTION and leaf.role in (Role.K, Role.V)
        decoder = leaf.stack is Role.DECODER or leaf.role is Role.LM_HEAD
        n = encoder_length if cross_kv or not decoder else decoder_length
        down = leaf.shape[0] == rank  # lora_A (r, in); lora_B (out, r)
        width = leaf.shape[1]
        group_of = next((g for g in SHARED_INPUT if leaf.role in g), leaf.role)
        repeat, copies, per_block = leaf.repeat, leaf.repeat, 1  # blocks: weight copies
        if leaf.module is Role.EXPERTS:  # R routed tokens a sparse block, min(E, R) experts
            tokens = saved_switch.routed(n)
            repeat = leaf.repeat / num_experts
            per_block = saved_switch.experts_hit(tokens)
            copies = repeat * per_block
            n = tokens / batch
        calls = [(n, (leaf.stack, leaf.module, Role.K if cross_kv else group_of))]
        if leaf.module is Role.GLOBAL_ATTENTION and leaf.role in (Role.K, Role.V):
            calls.append((global_tokens(), (leaf.stack, leaf.module, "global")))
        out = sympy.S.Zero
        for tokens, key in calls:
            inputs = batch * tokens * width
            if long_o(leaf) and down and dtype == "fp32" and not autocast and not mask:
                # x itself: LongT5's o reads its padded output when the slice to S tokens is a
                # view (B or S is 1)
                inputs = saved_longt5.o_input(1)
            if autocast:
                out += autocast * inputs * repeat  # each call casts its own copy
            elif dtype == "fp32" and down and not mask:  # lora_A saves x: once per distinct input
                if key not in seen:
                    seen.add(key)  # one encoder output for every decoder block
                    out += ADAPTER_BYTES * inputs * (1 if cross_kv else repeat)
            else:
                out += ADAPTER_BYTES * inputs * repeat
            if mask and down:  # lora_dropout's mask, in the repeats whose input needs a gradient
                out += mask * inputs * (repeat - cold(leaf, roles, checkpointing, sparse0))
        if autocast:  # the weight's c copy, once (cached), where the input needs a gradient
            copy = autocast * leaf.shape[0] * leaf.shape[1]
            block0 = per_block * cold(leaf, roles, checkpointing, sparse0) if down else 0
            out += copy * (copies - block0)
        return out

    return lora.view(saved)


def long_o(leaf: Node) -> bool:
    """Whether ``leaf`` sits on the o of LongT5's local or transient-global attention."""
    return leaf.role is Role.O and leaf.module in (Role.LOCAL_ATTENTION, Role.GLOBAL_ATTENTION)


def cold(leaf: Node, roles: frozenset[Role], checkpointing: bool = False,
         sparse0: bool = False) -> int:  # fmt: skip
    """1 if the adapted Linear ``leaf`` sits on reads an input that needs no gradient in
    one of its repeats (block 0 before the first adapter: the frozen embeddings give a
    stream without one), else 0.

    Self-attention's q, k, v in block 0 read it; o reads their output (hot once q, k or v
    is adapted); the decoder's cross-attention q reads a stream hot once block 0's
    self-attention holds an adapter, its k, v the encoder's (hot); an encoder FFN's wi is
    hot after an attention adapter, its wo after one on wi; the decoder's FFN follows the
    hot cross-attention; Switch's block 0 is dense, or sparse (``sparse0``: its experts'
    then). ``lm_head`` is cold when it alone is adapted (checkpointing makes the
    embeddings' output need a gradient: nothing is cold then).
    """
    if checkpointing:
        return 0
    attn = roles & {Role.Q, Role.K, Role.V, Role.O}
    if leaf.role is Role.LM_HEAD:
        return int(not roles - {Role.LM_HEAD})
    if leaf.module is Role.CROSS_ATTENTION:
        return int(leaf.role is Role.Q and not attn)
    if leaf.module is Role.FFN or leaf.within(Role.FFN, Role.EXPERTS):
        if leaf.stack is Role.DECODER or attn or sparse0 != (leaf.module is Role.EXPERTS):
            return 0
        return int(leaf.role is not Role.WO or not roles & {Role.WI, Role.WI_0, Role.WI_1})
    if leaf.role is Role.O:
        return int(not attn - {Role.O})
    return 1
