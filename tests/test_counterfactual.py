"""The road not taken: growing d_model to T5-3B's and T5-11B's sizes, against transformers."""

from __future__ import annotations

import t5sym
from t5sym import Config
from t5sym.views import counterfactual

from .support.reference import build


def test_grown_d_model_solves_the_parameter_count() -> None:
    for name in ("t5-3b", "t5-11b"):
        alt = counterfactual.grow_d_model(name)
        target = sum(p.numel() for p in build(t5sym.load(name)).parameters())
        lhs = alt.equation.lhs
        (width,) = lhs.free_symbols

        def real(d: int) -> int:  # transformers' count with d_ff = 4d, heads = d/128, d_kv 128
            c = Config(
                d_model=d,
                d_ff=4 * d,
                num_heads=d // 128,
                d_kv=128,
                num_layers=24,
                vocab_size=32128,
            )
            return sum(p.numel() for p in build(c).parameters())

        below = 128 * int(alt.d_model // 128)
        above = below + 128
        assert (
            lhs.subs(width, below) == real(below) < target < real(above) == lhs.subs(width, above)
        )
        assert alt.equation.rhs == target
        assert abs(lhs.subs(width, alt.d_model_exact) - target) < 1e-6 * target
        assert alt.grown.parameters == real(alt.grown.config.d_model)
        assert alt.grown.config.d_model in (below, above)
        # same work per core, all-reduces d_model_grown / 1024 times larger
        o, g = alt.original.blocks["encoder"], alt.grown.blocks["encoder"]
        assert g.allreduce_bytes * 1024 == o.allreduce_bytes * alt.grown.config.d_model
        assert abs(g.flops_per_core / o.flops_per_core - 1) < 0.02
        assert g.ratio < o.ratio
