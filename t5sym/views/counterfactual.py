"""The road not taken: T5-3B's and T5-11B's sizes reached by growing d_model instead.

`grow_d_model` keeps a preset's depth, vocabulary and head width, scales like T5-base and
large and GPT-3 (d_ff = 4·d_model, num_heads·d_kv = d_model), solves the parameter formula
for the d_model that gives the preset's count, and compares both under Mesh TF's layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Expr, Symbol

from t5sym.errors import T5SymError
from t5sym.model import checks, params, presets
from t5sym.model.config import Config
from t5sym.model.symbols import d_ff, d_kv, d_model, num_heads
from t5sym.views.layout import MODEL_PARALLELISM
from t5sym.views.sharding import Shard, block, point, shard


@dataclass(frozen=True)
class Alternative:
    """A T5 v1.0 preset against a model of the same size grown in d_model instead.

    ``d_model_exact`` solves params(d_model) = the preset's count; ``grown`` rounds it to a
    multiple of the head width.
    """

    preset: str
    cores: int
    equation: sympy.Eq
    d_model_exact: Expr
    original: Shard
    grown: Shard

    @property
    def d_model(self) -> float:
        """The exact root as a float (for display)."""
        return float(self.d_model_exact)

    def at_root(self, stack: str = "encoder") -> dict[str, float]:
        """The block's per-token figures at the exact root (before rounding d_model)."""
        lay = block(self.grown.config, stack)
        at = point(self.grown.config, self.cores, self.grown.bytes_per_value)
        at |= {d_model: self.d_model_exact, d_ff: 4 * self.d_model_exact}
        at[num_heads] = self.d_model_exact / self.grown.config.d_kv
        return {
            "flops_per_core": float(lay.flops_per_core.xreplace(at)),
            "allreduce_bytes": float(lay.allreduce_bytes.xreplace(at)),
        }


def grow_d_model(name: str, cores: int | None = None, head_width: int = 128) -> Alternative:
    """Solve for the d_model that reaches preset ``name``'s parameter count the usual way.

    Substitutes d_ff = 4·d_model and num_heads = d_model/d_kv into the preset's parameter
    formula (`t5sym.model.params.tree`), keeps its depth, vocabulary and buckets, sets
    d_kv = ``head_width`` and solves the quadratic in d_model with ``sympy.solve``. Then
    compares both on ``cores`` cores (default: the preset's Mesh TF model parallelism).

    Examples
    --------
    >>> from t5sym.views.counterfactual import grow_d_model
    >>> alt = grow_d_model("t5-3b")
    >>> alt.grown.config.d_model, alt.grown.blocks["encoder"].allreduce_bytes
    (2048, 8192)
    """
    original = presets.get(name).config
    head_width = checks.positive_int("head_width", head_width)
    cores = cores if cores is not None else MODEL_PARALLELISM.get(name, 1)
    fixed = {s: v for s, v in original.values().items() if s not in (d_model, d_ff, num_heads)}
    fixed[d_kv] = head_width
    size = params.count(original).total
    formula = params.tree(original).total.subs({d_ff: 4 * d_model, num_heads: d_model / d_kv})
    width = Symbol("d_model", positive=True)  # real: the root is not an integer
    equation = sympy.Eq(formula.subs(fixed).subs(d_model, width), size)
    roots = sympy.solve(equation, width)
    if len(roots) != 1:  # a head as wide as the whole model leaves no d_model to solve for
        raise T5SymError(f"head_width: no d_model of width {checks.shown(head_width)} "
                         f"reaches {name}'s {size:,} parameters")  # fmt: skip
    (root,) = roots
    heads = sympy.floor(root / head_width + sympy.Rational(1, 2))  # the nearest, exactly
    if heads < 1:
        raise T5SymError(f"head_width: {checks.shown(head_width)} is wider than the d_model "
                         f"that reaches {name}'s {size:,} parameters")  # fmt: skip
    rounded = head_width * int(heads)
    grown = Config(
        d_model=rounded,
        d_ff=4 * rounded,
        num_heads=rounded // head_width,
        d_kv=head_width,
        num_layers=original.num_layers,
        num_decoder_layers=original.num_decoder_layers,
        vocab_size=original.vocab_size,
        relative_attention_num_buckets=original.relative_attention_num_buckets,
        feed_forward_proj=original.feed_forward_proj,
        tie_word_embeddings=original.tie_word_embeddings,
        name=f"{name} grown in d_model",
    )
    return Alternative(name, cores, equation, root, shard(original, cores), shard(grown, cores))
