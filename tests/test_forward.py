"""The flops page's tables (`t5site.forward`), read back against T5's forward FLOPs worked
by hand from the paper's dims (2 FLOPs per multiply-add of every matrix product, as
torch's FlopCounterMode counts) and the published parameter totals."""

from __future__ import annotations

from t5site import forward

from .support.published import total

# T5 paper §3.7 / config.json: d_model, heads·d_kv, d_ff, layers per stack; vocab 32,128.
DIMS = {"t5-3b": (1024, 4096, 16384, 24), "t5-11b": (1024, 16384, 65536, 24)}
V = 32128


def _forward(name: str, s: int, t: int) -> int:
    """One sequence: every Linear 2·in·out per token it sees, scores and context
    2·inner·queries·keys each, lm_head 2·d_model·V per target token."""
    d, inner, ff, layers = DIMS[name]
    attention = lambda tokens: 2 * 4 * d * inner * tokens  # noqa: E731 (q, k, v, o)
    products = lambda q, k: 2 * 2 * inner * q * k  # noqa: E731 (scores and context)
    ffn = lambda tokens: 2 * 2 * d * ff * tokens  # noqa: E731 (wi, wo)
    encoder = layers * (attention(s) + products(s, s) + ffn(s))
    cross = 2 * 2 * d * inner * t + 2 * 2 * d * inner * s + products(t, s)  # q,o on T; k,v on S
    decoder = layers * (attention(t) + products(t, t) + cross + ffn(t))
    return encoder + decoder + 2 * d * V * t


def _rows(table: str) -> dict[str, list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")][2:]
    cells = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
    return {row[0]: row[1:] for row in cells}


def test_totals_are_the_hand_worked_forward_and_three_times_it() -> None:
    rows = _rows(forward.totals_table())
    for name in DIMS:
        f = _forward(name, 512, 128)
        assert rows[f"`{name}`"][0].startswith(f"**{f:,}**")
        assert rows[f"`{name}`"][1].startswith(f"{3 * f:,}")


def test_lengths_table_at_other_lengths() -> None:
    rows = _rows(forward.lengths_table([(2048, 512), (128, 32)]))
    assert (
        rows["2,048, 512"][0]
        == f"{_forward('t5-3b', 2048, 512):,}<br>{_forward('t5-11b', 2048, 512):,}"
    )
    scores = 24 * (4 * 16384 * (128 * 128 + 32 * 32 + 32 * 128))
    assert rows["128, 32"][2] == f"{scores / _forward('t5-11b', 128, 32):.1%}"


def test_parts_table_evaluates_each_part() -> None:
    rows = _rows(forward.parts_table())
    qkvo = rows["encoder self-attention: `q`, `k`, `v`, `o`"][2]
    assert qkvo == f"{2 * 4 * 1024 * 4096 * 512:,}<br>{2 * 4 * 1024 * 16384 * 512:,}"
    lm_head = rows["`lm_head` (tied: no parameters of its own)"][2]
    assert lm_head == f"{2 * 1024 * V * 128:,}<br>{2 * 1024 * V * 128:,}"


def test_rule_of_thumb_ratios_and_takeaways() -> None:
    f = _forward("t5-11b", 512, 128)
    naive = f / (2 * total("t5-11b") * (512 + 128))
    rows = _rows(forward.ratios_table())
    assert rows["whole model"][1] == f"**{naive:.3f}**"
    take = _rows(forward.takeaways_table())
    assert take["forward FLOPs ÷ 2N per token"][0] == f"{naive:.0%}"
    assert float(forward.ratio_gap()) < 0.05  # the page says the curves lie on top


def test_symbols_modules_gated_and_chart() -> None:
    symbols = [r for r in _rows(forward.symbols_table()).values() if r[0] == "`d_ff`"]
    assert symbols[0][-2:] == ["16,384", "65,536"]
    modules = _rows(forward.modules_table())
    d, inner, ff, layers = DIMS["t5-3b"]
    encoder = layers * (2 * 4 * d * inner * 512 + 4 * inner * 512 * 512 + 2 * 2 * d * ff * 512)
    assert (
        f"({encoder / _forward('t5-3b', 512, 128):.1%})<br>parameters:" in modules["`encoder`"][0]
    )
    # T5 v1.1 XL (config.json): d_model 2,048, d_ff 5,120; three matrices over S = 512
    assert f"**{2 * 3 * 2048 * 5120 * 512:,}**" in forward.gated_ffn()
    assert forward.chart().lstrip().startswith("<")
