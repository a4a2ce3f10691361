"""The question and t5-vs-gpt3 pages' tables (`t5site.scaling`), read back against
transformers' modules on the meta device, published totals, and GPT-2's parameter formula
worked by hand from the GPT-3 paper's Table 2.1 dims."""

from __future__ import annotations

from t5site import scaling

from .support.published import total


def _rows(table: str) -> dict[str, list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")][2:]
    cells = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
    return {row[0]: row[1:] for row in cells}


def _gpt2(layers: int, width: int, vocab: int = 50257, ctx: int = 2048) -> int:
    """GPT-2 by hand: per block 4d² + 4d (qkv, proj) + 8d² + 5d (fc, proj) + 4d (two LNs);
    the token and position embeddings; the final LayerNorm (lm_head tied)."""
    return layers * (12 * width**2 + 13 * width) + (vocab + ctx) * width + 2 * width


def test_attention_table_against_transformers() -> None:
    import t5sym

    from .support.reference import build, numel_by_name

    rows = _rows(scaling.attention_table())
    # T5-3B (paper §3.7): 32 heads × 128 = 4,096 wide; q,k,v: (4096, 1024), o: (1024, 4096)
    assert rows["t5-3b"][:4] == [
        "1024",
        "32 × 128",
        "[4096, 1024]<br>[1024, 4096]",
        f"{4 * 1024 * 4096:,}",
    ]
    numels = numel_by_name(build(t5sym.load("t5-3b")))
    attention = sum(n for k, n in numels.items() if "Attention" in k and "bias" not in k)
    assert rows["t5-3b"][4] == f"{attention:,}"


def test_ffn_tables_read_the_paper_dims() -> None:
    rows = _rows(scaling.ffn_table())
    assert rows["t5-11b"][:2] == ["65,536 (64×)", "65,536 × 1,024"]  # torch's (out, in)
    split = _rows(scaling.ffn_split_table())
    assert split["`t5-3b`"][0] == "16384 / 4096 = 4"
    # 48 FFNs of 2·1024·16384 against 72 attentions of 4·1024·4096: 96 / (96 + 72)
    assert split["`t5-3b`"][1] == f"{96 / 168:.1%}"


def test_exact_total_and_published_are_the_published_figures() -> None:
    assert scaling.exact_total("t5-3b") == f"**{total('t5-3b'):,}** parameters (≈ 2.85 B)"
    table = scaling.published_table(["t5-3b"])
    assert f"{total('t5-3b'):,}" in table and "](src:" in table and "t5-11b" not in table


def test_gpt_sizes_follow_gpt2_by_hand() -> None:
    rows = _rows(scaling.gpt_sizes_table())
    # GPT-3 Table 2.1: Small 12 × 768, 175B 96 × 12,288
    assert rows["Small"][2] == f"{_gpt2(12, 768):,}" == "125,226,240"
    assert rows["175B"][2] == f"{_gpt2(96, 12288):,}"
    assert scaling.gpt_rule_formula().endswith(f"**{_gpt2(96, 12288):,}** (≈ 175 B).")
    assert "⚠ **GPT-3 13B**" in scaling.gpt_sizes_table()
    thirteen = _rows(scaling.gpt_13b_table())["13B with d_model = 5,120 = 40 · 128"]
    assert thirteen == [f"{_gpt2(40, 5120):,}"]


def test_in_short_and_answer_tables() -> None:
    short = _rows(scaling.in_short_table())
    assert short["d_model"] == ["768 → 12,288 (16×)", "1,024 → 1,024 (1×)"]
    assert short["d_ff ÷ d_model"] == ["4", "4, 16, 64"]
    answer = _rows(scaling.answer_table())
    # T5 v1.1 XL: d_model 2,048, d_ff 5,120 (its config.json); heads of 64
    assert answer["t5-v1_1-xl"][:3] == ["2,048", "5,120 (2.5×)", "32 × 64 = 2,048"]
    assert answer["GPT-3 175B"][2] == "96 × 128 = 12,288"  # GPT-3's Table 2.1
    proportions = _rows(scaling.proportions_table())
    assert proportions["t5-v1_1-xl"][:3] == ["2,048", "5/2", "1"]
    assert scaling.widths_chart().lstrip().startswith("<")
    assert scaling.attention_formula().startswith("<math")
