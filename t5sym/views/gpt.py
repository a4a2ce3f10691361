"""GPT-2/GPT-3 parameter formulas, built as T5's are, to set the two scalings side by side.

GPT-3 (arXiv:2005.14165, §2.1) keeps GPT-2's decoder-only architecture: learned position
embeddings over n_ctx = 2048 tokens, a bias on every projection, a LayerNorm (weight and
bias) before each sublayer and one at the end, the output layer tied to the token
embedding, and d_ff = 4·d_model. The tree mirrors transformers' ``GPT2LMHeadModel``:

| part (transformers module) | parameters |
|---|---|
| ``transformer.wte``: ``Embedding(vocab_size, n_embd)`` (and the tied lm_head) | V·n_embd |
| ``transformer.wpe``: ``Embedding(n_positions, n_embd)`` | n_positions·n_embd |
| ``ln_1``, ``ln_2``, ``ln_f``: ``LayerNorm(n_embd)`` | 2·n_embd each |
| ``attn.c_attn``: ``Conv1D`` n_embd → 3·n_head·d_head, with bias | (n_embd + 1)·3·n_head·d_head |
| ``attn.c_proj``: n_head·d_head → n_embd, with bias | (n_head·d_head + 1)·n_embd |
| ``mlp.c_fc`` (n_embd → n_inner), ``mlp.c_proj`` (back) | (2·n_embd + 1)·n_inner + n_embd |

As in T5 the formula allows n_head·d_head ≠ n_embd, but transformers' ``GPT2Attention``
has no separate head width (it needs n_embd = n_head·head_dim). GPT-3's Table 2.1 prints
two rows that break it (XL: 24·128 ≠ 2048; 13B: 40·128 ≠ 5140): those are counted with
the width the architecture forces, n_head·d_head = n_embd, and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache

import sympy
from sympy import Expr, Symbol

from t5sym.errors import T5SymError
from t5sym.model import checks, params, presets, roles
from t5sym.model.nodes import Node, Tree, group, placed, weight
from t5sym.model.roles import Role
from t5sym.model.symbols import dim, vocab_size

# ``GPT2Config`` field names; d_head is the GPT-3 paper's (GPT-2 derives it).
n_embd = dim("n_embd")
n_layer = dim("n_layer")
n_head = dim("n_head")
d_head = dim("d_head")
n_positions = dim("n_positions")
n_inner = dim("n_inner")

#: LaTeX in the GPT-3 paper's notation.
LATEX_NAMES: dict[Symbol, str] = {
    n_embd: r"d_{\mathrm{model}}",
    n_layer: r"n_{\mathrm{layers}}",
    n_head: r"n_{\mathrm{heads}}",
    d_head: r"d_{\mathrm{head}}",
    n_positions: r"n_{\mathrm{ctx}}",
    n_inner: r"d_{\mathrm{ff}}",
    vocab_size: r"V",
}

#: GPT-2's byte-level BPE vocabulary, which GPT-3 reuses (arXiv:2005.14165 §2.1).
VOCAB = 50257
N_CTX = 2048


def inner_dim() -> Expr:
    """Width of the attention projections: n_head·d_head."""
    return n_head * d_head


def conv1d(name: str, n_in: Expr, n_out: Expr, repeat: Expr, doc: str) -> Node:
    """GPT-2's ``Conv1D(n_out, n_in)``: weight (n_in, n_out), bias (n_out): (n_in + 1)·n_out."""
    return group(
        name,
        weight(f"{name}.weight", (n_in, n_out), "conv1d", repeat, doc, role=Role.WEIGHT),
        weight(f"{name}.bias", (n_out,), "bias", repeat, "bias", role=Role.BIAS),
        role=Role.LINEAR,
        doc=doc,
    )


def layer_norm(name: str, repeat: Expr) -> Node:
    """``LayerNorm(n_embd)``: a scale and a bias, 2·n_embd."""
    return group(
        name,
        weight(f"{name}.weight", (n_embd,), "norm", repeat, "LayerNorm scale", role=Role.WEIGHT),
        weight(f"{name}.bias", (n_embd,), "norm", repeat, "LayerNorm bias", role=Role.BIAS),
        role=Role.NORM,
        doc="LayerNorm",
    )


def gpt2_tree() -> Tree:
    """``GPT2LMHeadModel`` with its lm_head tied to ``wte`` (counted once)."""
    b, L, inner = "transformer.h.*", n_layer, inner_dim()
    block = group(
        b,
        layer_norm(f"{b}.ln_1", L),
        group(
            f"{b}.attn",
            conv1d(f"{b}.attn.c_attn", n_embd, 3 * inner, L, "query, key, value projection"),
            conv1d(f"{b}.attn.c_proj", inner, n_embd, L, "output projection"),
            role=Role.SELF_ATTENTION,
            doc="multi-head causal self-attention",
        ),
        layer_norm(f"{b}.ln_2", L),
        group(
            f"{b}.mlp",
            conv1d(f"{b}.mlp.c_fc", n_embd, n_inner, L, "input"),
            conv1d(f"{b}.mlp.c_proj", n_inner, n_embd, L, "output projection"),
            role=Role.FFN,
            doc="feed-forward",
        ),
        role=Role.BLOCK,
        doc="decoder blocks",
    )
    embed = Role.EMBEDDING
    return Tree(
        placed(
            group(
                "",
                group(
                    "transformer",
                    weight(
                        "transformer.wte",
                        (vocab_size, n_embd),
                        "embedding",
                        1,
                        "tokens",
                        role=embed,
                    ),
                    weight(
                        "transformer.wpe",
                        (n_positions, n_embd),
                        "embedding",
                        1,
                        "positions",
                        role=embed,
                    ),
                    block,
                    layer_norm("transformer.ln_f", 1),
                    role=Role.DECODER,
                    doc="GPT2Model",
                ),
                role=Role.MODEL,
            )
        )
    )


@cache
def tree() -> Tree:
    """The GPT-2 tree, built once."""
    return gpt2_tree()


@dataclass(frozen=True)
class GPTConfig:
    """A GPT-2/3 architecture with ``GPT2Config`` names (and the paper's d_head).

    ``n_inner`` defaults to 4·n_embd, as in GPT-3.
    """

    name: str
    n_layer: int
    n_embd: int
    n_head: int
    d_head: int
    n_positions: int = N_CTX
    vocab_size: int = VOCAB
    n_inner: int | None = None
    published: str = ""

    def __post_init__(self) -> None:
        checks.text("name", self.name, "a string")
        checks.text("published", self.published, "a string such as '125M'")
        for field in ("n_layer", "n_embd", "n_head", "d_head", "n_positions", "vocab_size"):
            object.__setattr__(self, field, checks.positive_int(field, getattr(self, field)))
        if self.n_inner is not None:
            object.__setattr__(self, "n_inner", checks.positive_int("n_inner", self.n_inner))

    @property
    def d_ff(self) -> int:
        return self.n_inner if self.n_inner is not None else 4 * self.n_embd

    @property
    def printed_inner_dim(self) -> int:
        """n_head·d_head as given, which GPT-2's attention requires to equal n_embd."""
        return self.n_head * self.d_head

    @property
    def consistent(self) -> bool:
        return self.printed_inner_dim == self.n_embd

    def values(self) -> dict[Symbol, int | sympy.Rational]:
        """Symbol values as transformers builds it: n_head·d_head = n_embd."""
        return {
            n_embd: self.n_embd,
            n_layer: self.n_layer,
            n_head: self.n_head,
            d_head: sympy.Rational(self.n_embd, self.n_head),  # the forced head width
            n_positions: self.n_positions,
            n_inner: self.d_ff,
            vocab_size: self.vocab_size,
        }


def count(config: GPTConfig) -> dict[str, int]:
    """Exact counts of every node (total under ``""``), as transformers builds the model.

    Examples
    --------
    >>> from t5sym.views.gpt import GPT3, count
    >>> count(GPT3[0])[""]
    125226240
    """
    if not isinstance(config, GPTConfig):
        got = checks.shown(config)
        raise T5SymError(f"config: expected a t5sym.views.gpt.GPTConfig, e.g. GPT3[0], got {got}")
    # Python ints and Fractions (the forced d_head may be one), so the counts are ints
    values = {
        s: v if isinstance(v, int) else Fraction(int(v.p), int(v.q))
        for s, v in config.values().items()
    }
    return tree().evaluate(values)


def _millions(text: str) -> int:
    number, unit = float(text[:-1]), text[-1]
    return round(number * {"M": 10**6, "B": 10**9}[unit])


#: GPT-3's eight sizes as printed in Table 2.1 of arXiv:2005.14165 (13B's d_model 5140 as
#: printed; other copies give 5120 = 40·128).
GPT3: tuple[GPTConfig, ...] = (
    GPTConfig("GPT-3 Small", 12, 768, 12, 64, published="125M"),
    GPTConfig("GPT-3 Medium", 24, 1024, 16, 64, published="350M"),
    GPTConfig("GPT-3 Large", 24, 1536, 16, 96, published="760M"),
    GPTConfig("GPT-3 XL", 24, 2048, 24, 128, published="1.3B"),
    GPTConfig("GPT-3 2.7B", 32, 2560, 32, 80, published="2.7B"),
    GPTConfig("GPT-3 6.7B", 32, 4096, 32, 128, published="6.7B"),
    GPTConfig("GPT-3 13B", 40, 5140, 40, 128, published="13.0B"),
    GPTConfig("GPT-3 175B", 96, 12288, 96, 128, published="175.0B"),
)


@dataclass(frozen=True)
class Row:
    """One row of GPT-3's Table 2.1 with the exact count beside the published one."""

    name: str
    n_layers: int
    d_model: int
    n_heads: int
    d_head: int
    published: int
    computed: int
    flag: str


def table_2_1() -> list[Row]:
    """GPT-3 Table 2.1 reproduced: published (rounded) and computed parameters.

    Examples
    --------
    >>> from t5sym.views.gpt import table_2_1
    >>> [r.name for r in table_2_1() if r.flag]
    ['GPT-3 XL', 'GPT-3 13B']
    """
    rows = []
    for c in GPT3:
        flag = (
            ""
            if c.consistent
            else f"n_heads*d_head = {c.printed_inner_dim} != d_model = {c.n_embd} as printed; "
            f"counted with {c.n_embd}"
        )
        rows.append(
            Row(
                c.name,
                c.n_layer,
                c.n_embd,
                c.n_head,
                c.d_head,
                _millions(c.published),
                count(c)[""],
                flag,
            )
        )
    return rows


# ---------------------------------------------------------------------------------------
# T5 and GPT-3 side by side.


@dataclass(frozen=True)
class Proportions:
    """How a model spends its parameters: widths relative to d_model and shares."""

    name: str
    family: str
    d_model: int
    d_ff: int
    inner_dim: int
    parameters: int
    attention: int
    feed_forward: int
    flag: str = ""

    @property
    def d_ff_ratio(self) -> Fraction:
        return Fraction(self.d_ff, self.d_model)

    @property
    def inner_ratio(self) -> Fraction:
        """num_heads·d_kv / d_model (GPT: n_head·d_head / n_embd as built)."""
        return Fraction(self.inner_dim, self.d_model)

    @property
    def attention_share(self) -> Fraction:
        return Fraction(self.attention, self.parameters)

    @property
    def feed_forward_share(self) -> Fraction:
        return Fraction(self.feed_forward, self.parameters)


def _sum(numbers: dict[str, int], tree: Tree, category: str) -> int:
    """Parameters of the leaves of ``tree`` in ``category`` (`t5sym.model.roles.category`)."""
    return sum(numbers[n.name] for n in tree if n.is_leaf and roles.category(n) == category)


def proportions() -> list[Proportions]:
    """Every T5 preset and GPT-3 size: d_ff/d_model, inner/d_model, attention and FFN shares.

    Shares are read from the trees, by `t5sym.model.roles.category` (the one rule
    `t5sym.views.family` uses too): the attention projections and the feed-forward layers
    (Switch's router and experts included) over the model's total.

    Examples
    --------
    >>> from t5sym.views.gpt import proportions
    >>> rows = {r.name: r for r in proportions()}
    >>> rows["t5-11b"].d_ff_ratio, rows["t5-11b"].inner_ratio, rows["GPT-3 175B"].d_ff_ratio
    (Fraction(64, 1), Fraction(16, 1), Fraction(4, 1))
    """
    rows = []
    for name, preset in presets.PRESETS.items():
        c = preset.config
        t = params.tree(c)
        numbers = params.count(c).breakdown
        rows.append(
            Proportions(
                name,
                preset.family,
                c.d_model,
                c.d_ff,
                c.inner_dim,
                numbers[""],
                _sum(numbers, t, "attention"),
                _sum(numbers, t, "feed-forward"),
            )
        )
    t = tree()
    for c in GPT3:
        numbers = count(c)
        rows.append(
            Proportions(
                c.name,
                "GPT-3",
                c.n_embd,
                c.d_ff,
                c.n_embd,
                numbers[""],
                _sum(numbers, t, "attention"),
                _sum(numbers, t, "feed-forward"),
                "" if c.consistent else f"printed n_heads*d_head = {c.printed_inner_dim}",
            )
        )
    return rows


__all__ = [
    "GPT3",
    "LATEX_NAMES",
    "GPTConfig",
    "Row",
    "Proportions",
    "proportions",
    "count",
    "gpt2_tree",
    "table_2_1",
    "tree",
]
