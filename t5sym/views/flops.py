"""FLOPs of one T5 forward pass (teacher forcing) and of one training step, per part.

Convention: a matrix product of (m × k) by (k × n) costs 2·m·k·n FLOPs, one multiply and
one add per multiply-add, as ``torch.utils.flop_counter.FlopCounterMode`` counts
``mm``/``bmm``. Only matrix products are counted: embeddings (a lookup), RMSNorm,
softmax, the relative position bias and activations cost 0 here.

The FLOP tree is a view of the parameter tree (`t5sym.model.params.tree`): each linear
weight costs 2·tokens·(its parameters), where tokens is B·S on the encoder side (B =
``batch``, S = ``encoder_length``), B·T on the decoder side (T = ``decoder_length``), and
B·S for the cross-attention ``k`` and ``v``, which project the encoder output. Added
nodes, which hold no parameters, cover the products without a weight, inside each
attention module (``n_q`` queries, ``n_k`` keys, repeated over the blocks):

| node | FLOPs per block |
|---|---|
| ``<attention>.scores``: Q·Kᵀ | 2·B·num_heads·n_q·n_k·d_kv |
| ``<attention>.context``: softmax(scores)·V | 2·B·num_heads·n_q·n_k·d_kv |
| ``lm_head`` (tied or not) | 2·B·T·d_model·vocab_size |

with (n_q, n_k) = (S, S) in the encoder's ``SelfAttention``, (T, T) in the decoder's
(the causal mask does not shrink the matrix product transformers computes) and (T, S)
in ``EncDecAttention``.

LongT5's encoder (transformers ``modeling_longt5.py``) splits the S tokens into
n = ⌈S/(r + 1)⌉ blocks of r + 1 (r = ``local_radius``; the last block padded), and each
query block attends its own block and its two neighbours, 3·(r + 1) keys: (n_q, n_k) =
(n·(r + 1), 3·(r + 1)) in ``LocalSelfAttention``. ``TransientGlobalSelfAttention`` adds
G = ⌊S/g⌋ global tokens (g = ``global_block_size``; the last partial block joins the one
before it), each the sum of its block's inputs — ``global_aggregates``, a one-hot einsum
of 2·B·S·G·d_model FLOPs — projected by ``k`` and ``v`` (which then see B·(S + G) tokens)
and appended to every block's keys: n_k = 3·(r + 1) + G.

T5Gemma (`t5sym.model.gemma`): the same view of its own tree. The products' width is the
``q`` projection's output (num_attention_heads·head_dim: grouped-query attention repeats
k and v to the query heads first); cross-attention's k and v read the encoder's width and
its S tokens; ``lm_head`` is computed even when tied; the sequence classifier scores every
token. Its eager attention (the only one transformers runs it with) computes every pair
and masks the scores, so a sliding-window layer costs what a full one does; `attended_tree`
counts only the pairs the masks let through. Soft-capping is no matrix product.

T5Gemma 2 (`t5sym.model.gemma2`), text in: the decoder's merged attention projects the T
decoder tokens and the S encoder outputs with the same ``k_proj`` and ``v_proj``
(B·(T + S) tokens) and each query attends to all of them, (n_q, n_k) = (T, T + S). The
vision tower and the projector run on images only and cost 0 on text
(`gemma2_forward_tree_of`).

Training: backward costs 2 × forward for every matrix product (the gradients with
respect to both operands, each a product of the same size), so a step costs 3 × forward
— except LongT5's ``global_aggregates``, whose one-hot operand needs no gradient:
backward = 1 × forward there (`backward_per_forward`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cache

import sympy
from sympy import Expr, Symbol

from t5sym.errors import T5SymError
from t5sym.model import checks, gemma, gemma2, params, symbols
from t5sym.model.algebra import integer
from t5sym.model.checks import positive_int
from t5sym.model.config import Config, checked_config
from t5sym.model.nodes import Node, Tree, group, placed
from t5sym.model.result import Result
from t5sym.model.roles import ATTENTIONS, HEADS, Role
from t5sym.model.symbols import (
    batch,
    d_model,
    decoder_length,
    encoder_length,
    global_block_size,
    local_radius,
    num_experts,
)

#: FLOPs of backward per FLOP of forward, for every matrix product of two operands that
#: both need a gradient (all but LongT5's ``global_aggregates``: `backward_per_forward`).
BACKWARD_PER_FORWARD = 2

#: Short names of the added nodes: products of activations, no weight.
ATTENTION_PRODUCTS = ("scores", "context")

#: LongT5 transient-global attention's extra product: the global tokens' sums.
GLOBAL_AGGREGATES = "global_aggregates"

#: Heads whose decoder reads the shifted input (``decoder_input_ids`` from ``input_ids``):
#: their decoder length is the encoder length.
SHIFTED_INPUT_HEADS = ("ForSequenceClassification", "ForQuestionAnswering")


def lengths(node: Node) -> tuple[Expr, Expr]:
    """(query length, key length) of the attention module holding ``node``.

    Encoder: (S, S); decoder self-attention: (T, T); cross-attention: (T, S); T5Gemma 2's
    merged attention: (T, T + S). For a
    feed-forward weight only the first, the length of its stream, matters; a token
    classifier reads the encoder's S tokens, ``lm_head`` and ``qa_outputs`` the decoder's T.
    """
    if node.stack is Role.ENCODER or node.within(Role.TOKEN_CLASSIFIER):
        return encoder_length, encoder_length
    if node.within(Role.CROSS_ATTENTION):
        return decoder_length, encoder_length
    if node.within(Role.MERGED_ATTENTION):  # T5Gemma 2: the decoder's and the encoder's
        return decoder_length, decoder_length + encoder_length
    return decoder_length, decoder_length


def block_length() -> Expr:
    """LongT5's local block: r + 1 tokens (r = ``local_radius``)."""
    return local_radius + 1


def local_blocks() -> Expr:
    """n = ⌈S/(r + 1)⌉: LongT5's local blocks, the last one padded (``_split_into_blocks``)."""
    return sympy.ceiling(encoder_length / block_length())


def global_tokens() -> Expr:
    """G = ⌊S/g⌋: LongT5's global tokens (``_make_global_fixed_block_ids``).

    The tokens of a last, partial block of g join the block before it; fewer than g
    tokens make no global token at all.
    """
    return sympy.floor(encoder_length / global_block_size)


def attended(module: Node) -> tuple[Expr, Expr]:
    """(queries, keys per query) of the score matrix an attention module computes.

    Full attention: `lengths`. ``LocalSelfAttention``: n·(r + 1) queries (S padded to
    whole blocks), each block against its 3 neighbouring blocks, 3·(r + 1) keys;
    ``TransientGlobalSelfAttention``: the same plus the G global tokens as keys.
    """
    if module.role is Role.LOCAL_ATTENTION:
        return local_blocks() * block_length(), 3 * block_length()
    if module.role is Role.GLOBAL_ATTENTION:
        return local_blocks() * block_length(), 3 * block_length() + global_tokens()
    return lengths(module)


def tokens_through(leaf: Node, encoder_only: bool = False) -> Expr:
    """Tokens that pass through a weight in one forward pass.

    A ``Linear``: B·(key length) for ``k`` and ``v`` (the cross-attention ones project the
    S encoder outputs; LongT5's transient-global ones also the G global tokens:
    B·(S + G)), else B·(query length); the sequence classifier reads one representation
    per sequence (its last EOS token): B. The shared embedding is looked up once per stack
    input: B·S, plus B·T with a decoder.
    """
    if leaf.kind != "linear":
        return batch * encoder_length + (0 if encoder_only else batch * decoder_length)
    if leaf.within(Role.SEQUENCE_CLASSIFIER):
        return batch
    kv = leaf.within(Role.K, Role.V)
    if kv and leaf.within(Role.GLOBAL_ATTENTION):
        return batch * (encoder_length + global_tokens())
    query, key = lengths(leaf)
    return batch * (key if kv else query)


def matmul(leaf: Node) -> Expr | None:
    """A weight's forward FLOPs: 2·tokens·repeat·∏shape for a linear, none for the rest.

    Switch's experts: each token passes one expert of num_experts (top-1 routing), so an
    experts leaf costs 2·tokens·(its parameters)/num_experts.
    """
    if leaf.kind != "linear":
        return None
    share = 1 / num_experts if leaf.within(Role.EXPERTS) else 1
    return 2 * tokens_through(leaf) * leaf.expr * share


def query_weight(module: Node) -> Node:
    """The ``q`` weight of an attention module (the weight leaf of a ``q`` with a bias)."""
    q = next(c for c in module.children if c.role is Role.Q)
    return q if q.is_leaf else next(c for c in q.children if c.role is Role.WEIGHT)


def attention_products(module: Node) -> tuple[Node, ...]:
    """``scores`` and ``context`` of one attention module: 2·B·n_q·n_k·(heads·head width).

    heads·head width is the output width of the module's ``q`` (num_heads·d_kv in T5,
    num_attention_heads·head_dim in T5Gemma, whose k and v heads are repeated to match
    the query heads before the products). (n_q, n_k) from `attended`: (S, S), (T, T) or
    (T, S) for full attention, blocked for LongT5's encoder. A transient-global module adds
    ``global_aggregates``: 2·B·S·G·d_model (the one-hot einsum summing each block of g
    inputs into a global token). Repeated as often as the module's own ``q``; leaves of
    kind ``"matmul"``, no shape.
    """
    query, key = attended(module)
    q = query_weight(module)
    repeat = q.repeat
    flops = 2 * batch * q.shape[0] * query * key * repeat
    where = (*module.context, module.role)

    def product(short: str, role: Role, expr: Expr, doc: str) -> Node:
        return Node(f"{module.name}.{short}", expr, (), doc, (), repeat, "matmul", role, where)

    products = [
        product(ATTENTION_PRODUCTS[0], Role.SCORES, flops, "Q·Kᵀ, no weight"),
        product(ATTENTION_PRODUCTS[1], Role.CONTEXT, flops, "softmax(scores)·V, no weight"),
    ]
    if module.role is Role.GLOBAL_ATTENTION:
        aggregates = 2 * batch * encoder_length * global_tokens() * d_model * repeat
        doc = "one-hot einsum: the sum of each global block's inputs, no weight"
        products.append(product(GLOBAL_AGGREGATES, Role.GLOBAL_SUMS, aggregates, doc))
    return tuple(products)


def _with_products(node: Node) -> Node:
    if node.is_leaf:
        return node
    children = tuple(_with_products(c) for c in node.children)
    if node.role in ATTENTIONS:
        children += attention_products(node)
    return replace(node, children=children)


def check_structure(structure: params.Structure) -> None:
    """Refuse what the FLOP view does not model, with the reason (one line).

    Every encoder attention of `t5sym.model.params` is modelled (full, LongT5's local and
    transient-global); one `attended` does not know is refused.
    """
    if structure.encoder_attention not in params.ENCODER_ATTENTION_MODULE:
        raise T5SymError(
            f"encoder_attention_type: FLOPs of {structure.encoder_attention!r:.40} "
            "attention are not modelled"
        )


@cache
def forward_tree_of(structure: params.Structure) -> Tree:
    check_structure(structure)
    view = params.model_tree(structure).view(matmul).root
    parts = [_with_products(c) for c in view.children if c.role is not Role.LM_HEAD]
    if structure.head == "ForConditionalGeneration":  # computed even when tied to shared
        parts.append(matmul_leaf(placed(params.lm_head(), (Role.MODEL,))))
    return Tree(group("", *parts, role=Role.MODEL))


def matmul_leaf(leaf: Node) -> Node:
    """``leaf`` with its formula replaced by its forward FLOPs (`matmul`)."""
    return replace(leaf, leaf=matmul(leaf))


def forward_tree(config: Config | None = None, encoder_only: bool = False) -> Tree:
    """Forward FLOPs of every part, as SymPy in the dims and ``batch``, S and T.

    The parameter tree's view under `matmul`, with ``scores`` and ``context`` in each
    attention module and ``lm_head`` (even when tied: the product is computed anyway).
    Without a config: T5 v1.0's structure (ReLU FFN).

    Examples
    --------
    >>> from t5sym.views import flops
    >>> flops.forward_tree()["decoder.block.*.layer.1.EncDecAttention.k"].expr
    2*batch*d_kv*d_model*encoder_length*num_decoder_layers*num_heads
    """
    encoder_only = checks.boolean("encoder_only", encoder_only)
    if isinstance(config, gemma2.Gemma2Config):  # T5Gemma 2 on text: the tower idle
        return gemma2_forward_tree_of(config.breakdown_tree(encoder_only))
    if isinstance(config, gemma.GemmaConfig):  # T5Gemma: its own tree, the same products
        config = gemma.modelled(config, "the FLOP view")
        return gemma_forward_tree_of(gemma.Structure.of(config, encoder_only=encoder_only))
    return forward_tree_of(params.structure(config, encoder_only=encoder_only))


def backward_per_forward(role: Role) -> int:
    """Backward FLOPs per forward FLOP of a product with ``role``.

    2 (a gradient for each operand); 1 for LongT5's global sums (``global_aggregates``),
    whose one-hot block matrix needs no gradient, so only the hidden states' gradient is
    computed.
    """
    if not isinstance(role, Role):
        raise T5SymError(f"role: must be a t5sym.model.roles.Role, got {checks.shown(role)}")
    if role is Role.GLOBAL_SUMS:
        return 1
    return BACKWARD_PER_FORWARD


def training_tree(config: Config | None = None, encoder_only: bool = False) -> Tree:
    """FLOPs of one training step per part: (1 + `backward_per_forward`)·forward."""
    return forward_tree(config, encoder_only).view(
        lambda leaf: (1 + backward_per_forward(leaf.role)) * leaf.expr
    )


def forward(config: Config | None = None, encoder_only: bool = False) -> Expr:
    """Forward FLOPs of the whole model: the sum of `forward_tree`'s parts."""
    return forward_tree(config, encoder_only).total


def training(config: Config | None = None, encoder_only: bool = False) -> Expr:
    """FLOPs of one training step: forward + backward, 3 × forward but for LongT5's
    ``global_aggregates`` (2 × theirs): the total of `training_tree`."""
    return training_tree(config, encoder_only).total


# ---------------------------------------------------------------------------------------
# The rule of thumb: 2·N FLOPs per token forward, 6·N per token for training.


def matmul_parameters(config: Config | None, stack: str) -> Expr:
    """N_enc or N_dec: parameters of the linear weights in the ``encoder`` or ``decoder``."""
    if stack not in ("encoder", "decoder"):
        got = checks.shown(stack)
        raise T5SymError(f"stack: must be 'encoder' or 'decoder', got {got}")
    return _linear_parameters(params.tree(config), Role(stack))


#: Modules that see no text token: T5Gemma 2's vision tower and projector (images only).
IDLE_ON_TEXT = (Role.VISION_TOWER, Role.PROJECTOR)


def idle_on_text(config: Config | gemma.GemmaConfig, encoder_only: bool = False) -> tuple[str, ...]:
    """The modules of the config's model that compute nothing on text (`IDLE_ON_TEXT`)."""
    if not isinstance(config, gemma.GemmaConfig):
        return ()
    return tuple(n.name for n in config.breakdown_tree(encoder_only) if n.role in IDLE_ON_TEXT)


def _linear_parameters(tree: Tree, stack: Role) -> Expr:
    """Linear weights of ``stack`` (its blocks) that text passes, experts counted once."""
    active = params.active_tree(tree)
    return sympy.Add(
        *(
            n.expr
            for n in active
            if n.kind == "linear" and n.stack is stack and not n.within(*IDLE_ON_TEXT)
        )
    )


@dataclass(frozen=True)
class RuleOfThumb:
    """Our forward FLOPs against two per-token rules, with the terms that make them differ.

    - ``naive``: 2·N·B·(S + T), N every parameter of the model (its total count).
    - ``per_side``: 2·B·(N_enc·S + N_dec·T), N_enc and N_dec the linear weights of each
      stack (`matmul_parameters`; no embedding, norm, bias table or lm_head).
    - ``excess``: forward − per_side, term by term: attention ``scores`` and ``context``
      (quadratic in the lengths), LongT5's global tokens (their sums, and k and v applied
      to them), cross-attention k and v applied to S tokens rather than T, and
      ``lm_head``.

    Training multiplies every term by 3, so the ratios hold for 6·N as well.
    """

    forward: Expr
    naive: Expr
    per_side: Expr
    excess: dict[str, Expr]

    @property
    def ratio(self) -> Expr:
        """forward / per_side."""
        return sympy.cancel(self.forward / self.per_side)

    @property
    def naive_ratio(self) -> Expr:
        """forward / naive."""
        return sympy.cancel(self.forward / self.naive)


def rule_of_thumb(
    config: Config | None = None, encoder_only: bool = False, *, symbolic: bool = False
) -> RuleOfThumb:
    """How far 2·N per token is from the forward FLOPs, as SymPy.

    With a config (and ``symbolic=False``) its dims are substituted, leaving B, S and T;
    the ratios depend on S and T only.

    Examples
    --------
    >>> from t5sym.views.flops import rule_of_thumb
    >>> from t5sym.model.presets import load
    >>> rule_of_thumb(load("t5-small"), encoder_only=True).ratio  # 1 + S/(6·d_model)
    encoder_length/3072 + 1
    """
    encoder_only = checks.boolean("encoder_only", encoder_only)
    symbolic = checks.boolean("symbolic", symbolic)
    if isinstance(config, gemma2.Gemma2Config):
        result = _gemma2_rule(config.breakdown_tree(encoder_only))
    elif isinstance(config, gemma.GemmaConfig):
        config = gemma.modelled(config, "the FLOP view")
        result = _gemma_rule(gemma.Structure.of(config, encoder_only=encoder_only))
    else:
        result = _symbolic_rule(params.structure(config, encoder_only=encoder_only))
    if config is None or symbolic:
        return result
    values = config.values()
    return RuleOfThumb(
        *(sympy.expand(e.subs(values)) for e in (result.forward, result.naive, result.per_side)),
        {k: sympy.factor(e.subs(values)) for k, e in result.excess.items()},
    )


def batch_tokens(structure: params.Structure) -> Expr:
    """B·(S + T) tokens in a batch, or B·S for a model without decoder."""
    return _batch_tokens(structure.has_decoder)


def _batch_tokens(has_decoder: bool) -> Expr:
    return batch * (encoder_length + decoder_length if has_decoder else encoder_length)


def naive_per_parameter(structure: params.Structure) -> Expr:
    """2·B·(S + T): the rule of thumb's forward FLOPs per parameter (2 per token)."""
    return 2 * batch_tokens(structure)


@cache
def _symbolic_rule(structure: params.Structure) -> RuleOfThumb:
    """`RuleOfThumb` of one structure, in the symbols (built once per structure)."""
    return _rule(params.model_tree(structure), forward_tree_of(structure), structure.has_decoder)


def _rule(tree: Tree, flops: Tree, has_decoder: bool) -> RuleOfThumb:
    """`RuleOfThumb` of a parameter tree and its forward FLOP tree.

    N is the model's parameter count; N_enc and N_dec count each stack's linear weights,
    one expert per sparse layer for Switch (what a token passes through).
    """
    naive = 2 * _batch_tokens(has_decoder) * tree.total
    per_side = 2 * batch * _linear_parameters(tree, Role.ENCODER) * encoder_length
    excess = {
        "attention scores and context": sympy.Add(
            *(n.expr for n in flops if n.role in (Role.SCORES, Role.CONTEXT))
        )
    }

    def beyond(module: Role, length: Expr) -> Expr:
        """What the k and v weights of ``module`` cost beyond projecting ``length`` tokens."""
        kv = [n for n in flops if n.is_leaf and n.within(Role.K, Role.V) and n.within(module)]
        return sympy.Add(*(n.expr - 2 * batch * length * tree[n.name].expr for n in kv))

    sums = [n.expr for n in flops if n.role is Role.GLOBAL_SUMS]
    if sums:  # LongT5's transient-global attention: k, v also see G global tokens
        excess["global tokens: their sums, k and v"] = sympy.Add(*sums) + beyond(
            Role.GLOBAL_ATTENTION, encoder_length
        )
    if has_decoder:
        per_side += 2 * batch * _linear_parameters(tree, Role.DECODER) * decoder_length
        if any(n.role is Role.CROSS_ATTENTION for n in flops):
            excess["cross-attention k, v on S tokens, not T"] = beyond(
                Role.CROSS_ATTENTION, decoder_length
            )
        if any(n.role is Role.MERGED_ATTENTION for n in flops):
            excess["merged attention k, v on the S encoder outputs too"] = beyond(
                Role.MERGED_ATTENTION, decoder_length
            )
    top = [n for n in flops.root.children if n.role in HEADS]
    if top:
        excess[" + ".join(n.name for n in top)] = sympy.Add(*(n.expr for n in top))
    return RuleOfThumb(flops.total, naive, per_side, excess)


# ---------------------------------------------------------------------------------------
# Exact counts.

#: Defaults of `count_flops` and ``t5sym flops``: one sequence, T5's pre-training
#: input length 512 (Raffel et al. 2020, section 3.1.2; targets were 114 tokens, rounded
#: up here to 128).
DEFAULT_BATCH = 1
DEFAULT_ENCODER_LENGTH = 512
DEFAULT_DECODER_LENGTH = 128


@dataclass(frozen=True)
class FlopCount(Result):
    """Exact FLOPs of one config and workload.

    ``breakdown`` maps every node of `forward_tree` to its forward FLOPs (key ``""``:
    the total). ``naive`` (2·N·tokens) and ``per_side`` (2·B·(N_enc·S + N_dec·T)) are the
    rules of thumb of `RuleOfThumb`, ``excess`` the terms by which forward exceeds
    ``per_side``; ``naive_ratio`` and ``ratio`` compare forward with each.
    """

    config: Config
    model: str
    batch: int
    encoder_length: int
    decoder_length: int | None
    encoder_only: bool
    breakdown: dict[str, int]
    training: int
    parameters: int
    naive: int
    per_side: int
    excess: dict[str, int]

    FIELDS = (
        "name",
        "model",
        "batch",
        "encoder_length",
        "decoder_length",
        "tokens",
        "forward",
        "training",
        "parameters",
        "naive",
        "naive_training",
        "naive_ratio",
        "per_side",
        "per_side_training",
        "ratio",
        "excess",
    )
    DETAILS = ("breakdown",)

    @property
    def name(self) -> str | None:
        """The config's name."""
        return self.config.name

    @property
    def forward(self) -> int:
        """Forward FLOPs (teacher forcing)."""
        return self.breakdown[""]

    @property
    def naive_training(self) -> int:
        """6·N·tokens: the training rule of thumb."""
        return (1 + BACKWARD_PER_FORWARD) * self.naive

    @property
    def per_side_training(self) -> int:
        """6·B·(N_enc·S + N_dec·T)."""
        return (1 + BACKWARD_PER_FORWARD) * self.per_side

    @property
    def tokens(self) -> int:
        """Tokens in the batch: B·(S + T), or B·S for the encoder alone."""
        return self.batch * (self.encoder_length + (self.decoder_length or 0))

    @property
    def ratio(self) -> Fraction:
        """forward / (2·B·(N_enc·S + N_dec·T))."""
        return Fraction(self.forward, self.per_side)

    @property
    def naive_ratio(self) -> Fraction:
        """forward / (2·N·tokens): how far 2N per token (and 6N for training) is off."""
        return Fraction(self.forward, self.naive)


def count_flops(
    config: Config,
    batch: int = DEFAULT_BATCH,
    encoder_length: int = DEFAULT_ENCODER_LENGTH,
    decoder_length: int = DEFAULT_DECODER_LENGTH,
    *,
    encoder_only: bool | None = None,
) -> FlopCount:
    """Exact FLOPs of every part for ``batch`` sequences of S input and T target tokens.

    The model is the class the config names (``encoder_only``: its ``*EncoderModel``); a
    model without decoder ignores ``decoder_length``, and the sequence-classification and
    question-answering heads feed their decoder the shifted input, so T = S for them.

    Raises
    ------
    T5SymError
        ``batch``, ``encoder_length`` or ``decoder_length`` not a positive integer.

    Examples
    --------
    >>> import t5sym
    >>> t5sym.count_flops(t5sym.load("t5-small"), 1, 512, 128).forward  # as FlopCounterMode
    36624662528
    """
    if isinstance(config, gemma2.Gemma2Config):
        pass
    elif isinstance(config, gemma.GemmaConfig):
        gemma.modelled(config, "the FLOP view")
    else:
        checked_config(config)
    batch = positive_int("batch", batch)
    encoder_length = positive_int("encoder_length", encoder_length)
    decoder_length = positive_int("decoder_length", decoder_length)
    encoder_only = False if encoder_only is None else checks.boolean("encoder_only", encoder_only)
    if isinstance(config, gemma2.Gemma2Config):  # T5Gemma 2 on text
        return _count_gemma2(config, batch, encoder_length, decoder_length, encoder_only)
    if isinstance(config, gemma.GemmaConfig):  # T5Gemma: its own tree, the same products
        return _count_gemma(config, batch, encoder_length, decoder_length, encoder_only)
    model = params.build(config, encoder_only=encoder_only)
    structure = model.structure
    enc = not structure.has_decoder
    if structure.head in SHIFTED_INPUT_HEADS:
        decoder_length = encoder_length
    values = _workload(model.values, batch, encoder_length, decoder_length)
    rule = _symbolic_rule(structure)
    forward = forward_tree_of(structure)
    breakdown = forward.evaluate(values)
    return FlopCount(
        config,
        config.model[: -len(config.head)] + structure.head,
        batch,
        encoder_length,
        None if enc else decoder_length,
        enc,
        breakdown,
        _training_total(forward, breakdown),
        model.tree.evaluate(model.values)[""],
        *_rule_values(rule, values),
    )


def _workload(
    sizes: Mapping[Symbol, int], batch_: int, encoder_length_: int, decoder_length_: int
) -> dict[Symbol, int]:
    """A config's sizes with B, S and T."""
    return {
        **sizes,
        batch: batch_,
        encoder_length: encoder_length_,
        decoder_length: decoder_length_,
    }


def _rule_values(rule: RuleOfThumb, values: Mapping[Symbol, int]) -> tuple:
    """`RuleOfThumb`'s naive, per_side and excess terms evaluated: `FlopCount`'s fields."""
    excess = {k: integer(e, values) for k, e in rule.excess.items()}
    return integer(rule.naive, values), integer(rule.per_side, values), excess


def _training_total(forward: Tree, breakdown: dict[str, int]) -> int:
    """(1 + `BACKWARD_PER_FORWARD`)·forward, less what cheaper backward passes spare."""
    spared = sum(  # FLOPs whose backward costs less than 2 × forward
        (BACKWARD_PER_FORWARD - backward_per_forward(n.role)) * breakdown[n.name]
        for n in forward
        if n.is_leaf
    )
    return (1 + BACKWARD_PER_FORWARD) * breakdown[""] - spared


# ---------------------------------------------------------------------------------------
# T5Gemma (`t5sym.model.gemma`): the same products over its own tree.

#: T5Gemma's heads whose decoder reads the shifted input (T = S), as T5's classifiers.
GEMMA_SHIFTED_INPUT_HEADS = ("ForSequenceClassification", "ForTokenClassification")


def _gemma_matmul(has_decoder: bool) -> Callable[[Node], Expr | None]:
    """A T5Gemma weight's forward FLOPs: 2·B·n·(its parameters) for a linear, none else.

    n is the length of the stream it reads: S in the encoder (and for a head on the encoder
    alone), S for cross-attention's k and v (they project the encoder's output), T for the
    rest of the decoder and a head on it. Unlike T5's, T5Gemma's sequence classifier scores
    every token and then picks the last non-padding one, so it reads n tokens, not one.
    """

    def flops_of(leaf: Node) -> Expr | None:
        if leaf.kind != "linear":
            return None
        reads_encoder = (
            leaf.stack is Role.ENCODER
            or (leaf.stack is None and not has_decoder)
            or (leaf.within(Role.CROSS_ATTENTION) and leaf.within(Role.K, Role.V))
        )
        return 2 * batch * (encoder_length if reads_encoder else decoder_length) * leaf.expr

    return flops_of


@cache
def gemma_forward_tree_of(structure: gemma.Structure) -> Tree:
    """T5Gemma's forward FLOPs per part: the untied tree's linears (``lm_head`` is computed
    even when tied), ``scores`` and ``context`` in every attention module.

    Sliding-window layers cost what full ones do here: transformers' eager attention (T5Gemma
    supports no sdpa) computes every (query, key) product and masks the scores outside the
    window; soft-capping (tanh of the scores and the logits) is no matrix product, 0 FLOPs.
    """
    untied = replace(structure, tied=False)
    view = gemma.model_tree(untied).view(_gemma_matmul(structure.decoder)).root
    return Tree(group("", *(_with_products(c) for c in view.children), role=Role.MODEL))


def attended_pairs(module: Node) -> Expr:
    """(query, key) pairs the masks of a T5Gemma attention module let through, all layers.

    Per layer, with r the stack's `t5sym.model.symbols.WINDOW_REACH`: encoder full S², sliding
    S·(2r + 1) − r·(r + 1) (keys within the window on either side); decoder self-attention
    full T·(T + 1)/2 (causal), sliding T·r − r·(r − 1)/2 (the last r keys up to the query);
    cross-attention T·S. Sliding and full layers weighted by their counts.
    """
    stack = "encoder" if module.stack is Role.ENCODER else "decoder"
    sliding, reach = symbols.SLIDING_LAYERS[stack], symbols.WINDOW_REACH[stack]
    full = gemma.GEMMA[stack, "num_hidden_layers"] - sliding
    S, T = encoder_length, decoder_length
    if module.role is Role.CROSS_ATTENTION:
        return (full + sliding) * T * S
    if module.stack is Role.ENCODER:
        return full * S**2 + sliding * (S * (2 * reach + 1) - reach * (reach + 1))
    return full * T * (T + 1) / 2 + sliding * (T * reach - reach * (reach - 1) / 2)


def attended_tree(config: gemma.GemmaConfig, encoder_only: bool = False) -> Tree:
    """T5Gemma's forward FLOPs if ``scores`` and ``context`` covered only the (query, key)
    pairs the masks let through (`attended_pairs`): what a kernel that skips masked pairs,
    such as flash attention with a sliding window, needs at least. The linears as in
    `forward_tree`; each product 2·B·(q's width)·(pairs).

    Examples
    --------
    >>> import t5sym
    >>> from t5sym.views import flops
    >>> t = flops.attended_tree(t5sym.load("t5gemma-2b-2b"))
    >>> t["model.decoder.layers.*.self_attn.scores"].expr.free_symbols >= {
    ...     t5sym.model.symbols.SLIDING_LAYERS["decoder"]}
    True
    """
    encoder_only = checks.boolean("encoder_only", encoder_only)
    config = gemma.modelled(config, "the FLOP view")
    return _attended_tree(gemma.Structure.of(config, encoder_only=encoder_only))


@cache
def _attended_tree(structure: gemma.Structure) -> Tree:
    forward = gemma_forward_tree_of(structure)

    def attended(leaf: Node) -> Expr:
        if leaf.role not in (Role.SCORES, Role.CONTEXT):
            return leaf.expr
        module = forward[leaf.name.rsplit(".", 1)[0]]
        return 2 * batch * query_weight(module).shape[0] * attended_pairs(module)

    return forward.view(attended)


@cache
def _gemma_rule(structure: gemma.Structure) -> RuleOfThumb:
    tree = gemma.model_tree(structure)
    return _rule(tree, gemma_forward_tree_of(structure), structure.decoder)


def _count_gemma(
    config: gemma.GemmaConfig, batch: int, encoder_length: int, decoder_length: int, enc: bool
) -> FlopCount:
    """`count_flops` of a T5Gemma config (arguments checked)."""
    structure = gemma.Structure.of(config, encoder_only=enc)
    gemma.check_runnable(config, decoder=structure.decoder)
    if structure.head in GEMMA_SHIFTED_INPUT_HEADS:
        decoder_length = encoder_length
    sizes = config.values()
    values = _workload(sizes, batch, encoder_length, decoder_length)
    rule, forward = _gemma_rule(structure), gemma_forward_tree_of(structure)
    breakdown = forward.evaluate(values)
    attended = _attended_tree(structure).evaluate(
        values | gemma.window_values(config, encoder_length, decoder_length)
    )
    return GemmaFlopCount(
        config,  # type: ignore[arg-type]
        gemma.CLASS_PREFIX + structure.head,
        batch,
        encoder_length,
        decoder_length if structure.decoder else None,
        not structure.decoder,
        breakdown,
        _training_total(forward, breakdown),
        gemma.model_tree(structure).evaluate(sizes)[""],
        *_rule_values(rule, values),
        attended,
    )


@dataclass(frozen=True)
class GemmaFlopCount(FlopCount):
    """A T5Gemma `FlopCount`, with ``attended_breakdown``: the FLOPs of every part if the
    attention products covered only the pairs the masks let through (`attended_tree`).

    ``forward`` is what transformers computes (eager attention: every pair, the masked ones
    set to −∞), which FlopCounterMode counts.
    """

    attended_breakdown: dict[str, int] = field(default_factory=dict)

    FIELDS = (*FlopCount.FIELDS, "attended")
    DETAILS = (*FlopCount.DETAILS, "attended_breakdown")

    @property
    def attended(self) -> int:
        """Forward FLOPs with scores and context over the unmasked pairs only."""
        return self.attended_breakdown[""]


# ---------------------------------------------------------------------------------------
# T5Gemma 2 (`t5sym.model.gemma2`): text in, the same products; the tower idle.


def _gemma2_matmul(leaf: Node) -> Expr | None:
    """A T5Gemma 2 weight's FLOPs on text: 2·B·n·(its parameters) for a linear, n its
    module's query length (`lengths`), its key length for k and v; none for the rest and for
    the vision tower and projector, which run on images only."""
    if leaf.kind != "linear" or leaf.within(Role.VISION_TOWER, Role.PROJECTOR):
        return None
    query, key = lengths(leaf)
    return 2 * batch * (key if leaf.within(Role.K, Role.V) else query) * leaf.expr


@cache
def gemma2_forward_tree_of(tree: Tree) -> Tree:
    """T5Gemma 2's forward FLOPs per part on text, from its parameter tree: the linears,
    ``scores`` and ``context`` in every attention module (every pair, the masked ones too,
    as eager attention and sdpa's kernels compute them), and ``lm_head`` even when tied.

    transformers 5.23 runs T5Gemma 2 with sdpa by default; torch's FlopCounterMode counts
    sdpa's CUDA kernels with the same formula and no CPU kernel (``torch/utils/
    flop_counter.py`` registers ``_scaled_dot_product_{efficient,flash,cudnn}_attention``
    only), so on a CPU it shows these products with eager attention alone."""
    parts = [_with_products(c) for c in tree.view(_gemma2_matmul).root.children]
    roles = {c.role for c in tree.root.children}
    if Role.WRAPPED in roles and not roles & HEADS:  # ForConditionalGeneration, tied
        parts.append(Tree(placed(gemma.lm_head(), (Role.MODEL,))).view(_gemma2_matmul).root)
    return Tree(group("", *parts, role=Role.MODEL))


@cache
def _gemma2_rule(tree: Tree) -> RuleOfThumb:
    return _rule(tree, gemma2_forward_tree_of(tree), Role.DECODER in {n.role for n in tree})


def _count_gemma2(
    config: gemma2.Gemma2Config, batch: int, encoder_length: int, decoder_length: int, enc: bool
) -> FlopCount:
    """`count_flops` of a T5Gemma 2 config on text (arguments checked)."""
    tree = config.breakdown_tree(enc)
    head = "Encoder" if enc else config.head
    gemma.check_runnable(config, decoder=config.has_decoder and not enc)
    if head in GEMMA_SHIFTED_INPUT_HEADS:
        decoder_length = encoder_length
    sizes = config.values()
    values = _workload(sizes, batch, encoder_length, decoder_length)
    rule, forward = _gemma2_rule(tree), gemma2_forward_tree_of(tree)
    breakdown = forward.evaluate(values)
    has_decoder = head != "Encoder"
    return FlopCount(
        config,
        gemma2.CLASS_PREFIX + head,
        batch,
        encoder_length,
        decoder_length if has_decoder else None,
        not has_decoder,
        breakdown,
        _training_total(forward, breakdown),
        tree.evaluate(sizes)[""],
        *_rule_values(rule, values),
    )
