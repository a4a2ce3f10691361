"""What each node of a model's tree is: its role, set where the tree is built.

A view asks "is this cross-attention?", never "does the name contain EncDecAttention?".
Every node carries its own `Role` and the roles of the modules it sits in (its
``context``, outermost first), so a leaf knows its stack, its attention module or
feed-forward layer, and what it projects.

Examples
--------
>>> from t5sym.model.params import tree
>>> from t5sym.model.roles import Role, category
>>> k = tree()["decoder.block.*.layer.1.EncDecAttention.k"]
>>> k.role, k.stack, k.module
(<Role.K: 'k'>, <Role.DECODER: 'decoder'>, <Role.CROSS_ATTENTION: 'cross-attention'>)
>>> category(k)
'attention'
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    """One role per kind of module or weight in a T5-family model."""

    MODEL = "model"
    WRAPPED = "wrapped model"  # ``transformer``: the model a classification head wraps
    EMBEDDING = "embedding"
    ENCODER = "encoder"
    DECODER = "decoder"
    BLOCK = "block"
    SUBLAYER = "sublayer"
    SELF_ATTENTION = "self-attention"
    CROSS_ATTENTION = "cross-attention"
    LOCAL_ATTENTION = "local attention"
    GLOBAL_ATTENTION = "transient-global attention"
    MERGED_ATTENTION = "merged attention"  # T5Gemma 2's decoder: self and cross in one
    FFN = "feed-forward"
    EXPERTS = "experts"
    ROUTER = "router"
    VISION_TOWER = "vision tower"  # T5Gemma 2's SigLIP encoder of image patches
    PROJECTOR = "multimodal projector"  # image tokens to the text width
    NORM = "norm"
    #: A norm of a sublayer's output, before the residual add (T5Gemma's ``post_*``):
    #: a norm's parameters, on the other side of its sublayer.
    POST_NORM = "post-sublayer norm"
    RELATIVE_BIAS = "relative bias"
    GLOBAL_RELATIVE_BIAS = "global relative bias"
    LM_HEAD = "lm_head"
    SEQUENCE_CLASSIFIER = "sequence classifier"
    TOKEN_CLASSIFIER = "token classifier"
    QA_HEAD = "question-answering head"
    Q = "q"
    K = "k"
    V = "v"
    O = "o"  # noqa: E741 - transformers' name
    WI = "wi"
    WI_0 = "wi_0"
    WI_1 = "wi_1"
    WO = "wo"
    LINEAR = "linear layer"  # a Linear with its bias (a group of WEIGHT and BIAS)
    WEIGHT = "weight"
    BIAS = "bias"
    SAVED = "saved tensor"  # what autograd keeps for backward (`t5sym.views.activations`)
    # products without a weight, added by the FLOP view
    SCORES = "scores"
    CONTEXT = "context"
    GLOBAL_SUMS = "global sums"


#: The attention modules.
ATTENTIONS = frozenset(
    {Role.SELF_ATTENTION, Role.CROSS_ATTENTION, Role.LOCAL_ATTENTION, Role.GLOBAL_ATTENTION,
     Role.MERGED_ATTENTION}
)  # fmt: skip

#: The encoder's self-attention modules (full, LongT5's local and transient-global).
ENCODER_ATTENTIONS = ATTENTIONS - {Role.CROSS_ATTENTION, Role.MERGED_ATTENTION}

#: The modules a weight sits in, innermost wins (`Node.module`).
MODULES = ATTENTIONS | {Role.FFN, Role.EXPERTS, Role.ROUTER}

#: The layers a head adds after the stacks.
HEADS = frozenset({Role.LM_HEAD, Role.SEQUENCE_CLASSIFIER, Role.TOKEN_CLASSIFIER, Role.QA_HEAD})

#: The two stacks.
STACKS = (Role.ENCODER, Role.DECODER)

#: Relative position biases (LongT5's global one too).
BIASES = frozenset({Role.RELATIVE_BIAS, Role.GLOBAL_RELATIVE_BIAS})

#: Norms, before a sublayer (or at a stack's end) and after one.
NORMS = frozenset({Role.NORM, Role.POST_NORM})


class Placed(Protocol):
    """What `category` reads of a node (a `t5sym.model.nodes.Node`): its role and context."""

    role: Role

    @property
    def module(self) -> Role | None: ...

    def within(self, *roles: Role) -> bool: ...


#: The categories of `category`, in the order tables and charts use.
CATEGORIES = ("embedding", "attention", "relative bias", "feed-forward", "norms")


def category(node: Placed) -> str:
    """What a weight is for: one of `CATEGORIES`, from its role and the module it sits in.

    Norms (LongT5's global-input one, T5Gemma's post-sublayer ones too) are ``norms``;
    position biases ``relative bias``; the rest of an attention module ``attention``; dense
    feed-forward layers, Switch's router and experts ``feed-forward``; token embeddings and
    every head ``embedding`` (the input and output tables and what reads the stacks' output).
    """
    if node.within(*NORMS):
        return "norms"
    if node.role in BIASES:
        return "relative bias"
    module = node.module
    if module in ATTENTIONS:
        return "attention"
    if module is not None:
        return "feed-forward"
    return "embedding"
