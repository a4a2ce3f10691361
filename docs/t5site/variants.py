"""Switch Transformers and UMT5 against dense T5 and mT5, as Markdown (the `switch` and
`umt5` pages).

Counts come from `t5sym.model.params` (total and active parameters), FLOPs from
`t5sym.views.flops.count_flops`, published sizes from `t5sym.views.family.reconcile_all`
(their citations written as the site's links).

Examples
--------
>>> from t5site import variants
>>> variants.switch_table().splitlines()[2]
'| `switch-base-8` | 619 M | 223 M | 2.8× |'
"""

from __future__ import annotations

from collections.abc import Sequence

from t5site import tables
from t5sym import sources
from t5sym.model import params, presets
from t5sym.model.algebra import integer
from t5sym.model.roles import Role
from t5sym.views import family, flops, formats, memory
from t5sym.views.readable import approx

#: Switch-C's workload on the page: one sequence of S input and T target tokens.
BATCH, S, T = 1, 512, 128
#: The dense models Switch-C is set beside.
DENSE = ("t5-v1_1-xl", "t5-v1_1-xxl")
UMT5 = ("umt5-small", "umt5-base", "umt5-xl", "umt5-xxl")
BIAS = "relative_attention_bias"


def _config(name: str):
    return presets.get(name).config


def formula_tabs(name: str) -> str:
    """A preset's parameter formula as tabs (`t5site.tables.formula_tabs`)."""
    return tables.formula_tabs(params.formula(_config(name)))


# ---------------------------------------------------------------------------------------
# Switch Transformers.


def switch_table() -> str:
    """preset | total | active parameters | total ÷ active, for every Switch preset."""
    rows = []
    for name, p in presets.PRESETS.items():
        if p.family == "Switch":
            n = params.count(p.config)
            rows.append(
                [
                    f"`{name}`",
                    approx(n.total),
                    approx(n.active_total),
                    f"{n.total / n.active_total:,.1f}×",
                ]
            )
    return tables.markdown_table(rows, ["preset", "total", "active", "total / active"], {1, 2, 3})


def switch_flops_table(name: str = "switch-c-2048") -> str:
    """model | parameters | forward FLOPs of one sequence, for ``name`` and the dense
    T5 v1.1 models."""
    rows = []
    for model in (name, *DENSE):
        c = _config(model)
        rows.append(
            [
                f"`{model}`",
                approx(params.count(c).total),
                approx(flops.count_flops(c, BATCH, S, T).forward),
            ]
        )
    header = ["model", "parameters", f"forward FLOPs (S = {S}, T = {T})"]
    return tables.markdown_table(rows, header, {1, 2})


def switch_split_table(name: str = "switch-c-2048", dense: str = DENSE[-1]) -> str:
    """Where ``name``'s forward FLOPs go (experts, routers), its experts per layer, and its
    parameters and FLOPs as multiples of ``dense``'s."""
    c, d = _config(name), _config(dense)
    f = flops.count_flops(c, BATCH, S, T)
    experts = sum(v for k, v in f.breakdown.items() if k.endswith("mlp.experts"))
    router = sum(v for k, v in f.breakdown.items() if k.endswith("mlp.router"))
    rows = [
        ["forward FLOPs", approx(f.forward)],
        ["of which the experts", approx(experts)],
        ["of which the routers", approx(router)],
        ["experts per sparse layer", f"{c.num_experts:,}"],
        [f"parameters ÷ `{dense}`'s", f"{params.count(c).total / params.count(d).total:,.0f}"],
        [f"FLOPs ÷ `{dense}`'s", f"{f.forward / flops.count_flops(d, BATCH, S, T).forward:.2f}"],
    ]
    return tables.markdown_table(rows, [f"`{name}`", "value"], right={1})


def switch_router_table(
    names: Sequence[str] = ("switch-base-8", "switch-c-2048"), optimizer: str = "adamw"
) -> str:
    """preset | router parameters | bf16 file | held once run | a training step, for a bf16
    model: the routers float32 once it has run (`t5sym.views.memory.value_bytes`)."""
    rows = []
    for name in names:
        c = _config(name)
        routers = params.tree(c).view(lambda leaf: leaf.expr if leaf.within(Role.ROUTER) else None)
        held = memory.training_memory(c, "bf16", optimizer)
        rows.append([
            f"`{name}`",
            f"{integer(routers.total, c.values()):,}",
            f"{formats.weights(c, 'bf16').total:,}",
            f"{held.weights:,}",
            f"{held.total:,}",
        ])  # fmt: skip
    head = ["bf16", "router parameters", "weights loaded (B)", "once run (B)",
            f"training step, {optimizer} (B)"]  # fmt: skip
    return tables.markdown_table(rows, head, right={1, 2, 3, 4})


def _switch_reconciliations() -> list[family.Reconciliation]:
    return [r for r in family.reconcile_all() if presets.get(r.claim.preset).family == "Switch"]


def switch_published_table() -> str:
    """published | source | exact | the computed reason, for every Switch claim."""
    rows = [
        [
            f"{r.claim.label} `{r.claim.preset}`",
            sources.linked(r.claim.source),
            f"{r.exact:,}",
            r.reason,
        ]
        for r in _switch_reconciliations()
    ]
    return tables.markdown_table(rows, ["published", "source", "exact", "computed reason"], {2})


def switch_readings_table() -> str:
    """switch-xxl-128's published size against its count with gated experts (the trained
    model's GEGLU), and switch-c-2048's unique parameters against both published sizes."""
    xxl = next(r for r in _switch_reconciliations() if r.claim.preset == "switch-xxl-128")
    gated = xxl.readings["gated experts"]
    rows = [
        [
            f"`switch-xxl-128`: published ({sources.linked(xxl.claim.source)})",
            f"**{xxl.claim.label}**",
        ],
        ["counted with a second input matrix per expert", f"{gated:,} (≈ {approx(gated)})"],
        ["still short of the published figure by", approx(xxl.claim.value - gated)],
    ]
    for r in (r for r in _switch_reconciliations() if r.claim.preset == "switch-c-2048"):
        rows.append(
            [
                f"`switch-c-2048`: published ({sources.linked(r.claim.source)})",
                f"**{r.claim.label}** from {r.exact:,} unique parameters",
            ]
        )
    return tables.markdown_table(rows, ["", "parameters"], right={1})


# ---------------------------------------------------------------------------------------
# UMT5.


def vocabulary_table(names: Sequence[str] = ("mt5-xxl", "umt5-xxl")) -> str:
    """preset | vocab_size (the rows of `shared` and of the untied `lm_head`)."""
    rows = [[f"`{n}`", f"{_config(n).vocab_size:,}"] for n in names]
    return tables.markdown_table(rows, ["preset", "vocab_size"], right={1})


def bias_formula(name: str = "umt5-xxl") -> str:
    """One self-attention layer's bias table as formula tabs, then the encoder's bias
    tables of ``name`` worked."""
    c = _config(name)
    expr = params.tree(c)[f"encoder.block.*.layer.0.SelfAttention.{BIAS}"].expr
    worked = tables.worked(expr, c.values(), f"The encoder's biases of `{name}`")
    return f"{tables.formula_tabs(expr)}\n\n{worked}."


def bias_table(names: Sequence[str] = UMT5) -> str:
    """preset | parameters | those of all bias tables | their share."""
    rows = []
    for name in names:
        n = params.count(_config(name))
        biases = sum(v for k, v in n.breakdown.items() if k.endswith(BIAS))
        rows.append([f"`{name}`", f"{n.total:,}", f"{biases:,}", f"{biases / n.total:.5%}"])
    return tables.markdown_table(rows, ["preset", "parameters", "bias tables", "share"], {1, 2, 3})


def encoder_table(name: str = "umt5-xxl", baseline: str = "mt5-xxl") -> str:
    """``name``'s encoder alone and its whole model; the encoder against ``baseline``'s,
    split into the larger vocabulary and the bias tables of the other encoder layers."""
    c, b = _config(name), _config(baseline)
    n, m = params.count(c), params.count(b)
    diff = n.encoder_only_total - m.encoder_only_total
    vocab = (c.vocab_size - b.vocab_size) * c.d_model
    rows = [
        [
            f"`{name}` encoder alone",
            f"**{n.encoder_only_total:,}** (≈ {approx(n.encoder_only_total)})",
        ],
        [f"`{name}`, the whole model", f"{n.total:,}"],
        [f"encoder − the `{baseline}` encoder", f"{diff:+,}"],
        ["of which the larger vocabulary", f"{vocab:,}"],
        [
            f"of which the bias tables of the other {c.num_layers - 1} encoder layers",
            f"{diff - vocab:,}",
        ],
    ]
    return tables.markdown_table(rows, ["", "parameters"], right={1})
