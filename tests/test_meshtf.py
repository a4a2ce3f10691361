"""The why-d-ff page's tables (`t5site.meshtf`), read back against hand arithmetic from the
T5 paper's dims and the T5 gin files' model_parallelism."""

from __future__ import annotations

from t5site import meshtf

# T5 paper §3.7 (d_model 1024, d_kv 128; 3B: 32 heads, d_ff 16,384; 11B: 128 heads, d_ff
# 65,536), T5-Large (16 heads of 64, d_ff 4,096); vocab 32,128; gin files' model_parallelism:
# Large 2, 3B 8, 11B 32.
PAPER = {
    "t5-large": (2, 4096, 16, 64),
    "t5-3b": (8, 16384, 32, 128),
    "t5-11b": (32, 65536, 128, 128),
}
D_MODEL, VOCAB, BF16 = 1024, 32128, 2


def _rows(table: str) -> dict[str, list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")][2:]
    cells = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
    return {row[0]: row[1:] for row in cells}


def _enc_flops(p: int, d_ff: int, heads: int, d_kv: int) -> int:
    # q, k, v, o: d_model × heads·d_kv/p each; wi, wo: d_model × d_ff/p; 2 FLOPs per MAC
    return 2 * (4 * D_MODEL * heads * d_kv // p + 2 * D_MODEL * d_ff // p)


def test_split_table_divides_the_split_dimensions() -> None:
    rows = _rows(meshtf.split_table())
    for name, (p, d_ff, heads, d_kv) in PAPER.items():
        assert rows[f"`{name}`"] == [
            str(p),
            f"**{d_ff // p:,}**",
            f"**{heads // p}** ({heads * d_kv // p:,} wide)",
            f"{VOCAB // p:,}",
            f"{D_MODEL:,}",
        ]


def test_summary_flops_and_bytes_per_token() -> None:
    rows = _rows(meshtf.summary_table())
    flops = [f"{_enc_flops(*dims):,}" for dims in PAPER.values()]
    assert flops == ["12,582,912"] * 3
    assert rows["FLOPs per core, encoder block"] == flops
    # two all-reduces (after o and wo) of d_model bf16 values; the decoder adds cross o
    assert rows["bytes all-reduced, encoder block"] == [f"{2 * D_MODEL * BF16:,}"] * 3
    assert rows["all-reduces per block (enc / dec)"] == ["2 / 3"] * 3
    # grown: d_model 1,024 / 2,048 / 4,096 (d_ff = 4·d_model, heads of 128), bytes ∝ d_model
    assert rows["d_model grown instead"] == ["1,024", "2,048", "4,096"]
    assert rows["bytes all-reduced, grown ÷ as released"] == ["1×", "2×", "4×"]
    assert rows["heads, as released / grown"] == ["16 / 8", "32 / 16", "128 / 32"]


def test_communication_table_ring_bytes() -> None:
    rows = _rows(meshtf.communication_table())
    for name, (p, *_) in PAPER.items():
        enc, dec = 2 * D_MODEL * BF16, 3 * D_MODEL * BF16
        sent = [round(2 * (p - 1) * n / p) for n in (enc, dec)]  # ring: 2(p-1)/p of each
        assert rows[f"`{name}`"][2] == f"{enc:,} / {dec:,}"
        assert rows[f"`{name}`"][3] == f"{sent[0]:,} / {sent[1]:,}"
    ratio = _rows(meshtf.ratio_table())["`t5-3b`"][1]
    assert ratio == f"{12582912 / 7168:,.0f}"  # 1,755


def test_grown_table_counts_like_transformers() -> None:
    import t5sym
    from tests.support.reference import build, numel_by_name

    row = _rows(meshtf.grown_table())["`t5-3b`"]
    assert row[1].endswith("→ **2,048** (128)") and row[2:4] == ["16", "8,192"]
    grown = t5sym.from_hf(
        {
            "model_type": "t5",
            "d_model": 2048,
            "d_ff": 8192,
            "num_heads": 16,
            "d_kv": 128,
            "num_layers": 24,
            "vocab_size": VOCAB,
        }
    )
    assert row[4] == f"{sum(numel_by_name(build(grown)).values()):,}"


def test_weights_table_groups_equal_rows_and_formulas_are_mathml() -> None:
    enc = meshtf.weights_table("encoder")
    assert "`SelfAttention.q`<br>`SelfAttention.k`<br>`SelfAttention.v`" in enc
    assert meshtf.block_formula("ratio").startswith("<math")
    assert meshtf.parameters_worked().count("\n- ") == 2
    assert meshtf.block_identity().count("<math") == 2
