"""The Switch and UMT5 pages' tables (`t5site.variants`), read back against transformers'
Switch model on the meta device, the published UMT5-XXL encoder total, and counts worked
by hand from the Switch paper's Table 9 and the released UMT5 configs."""

from __future__ import annotations

from t5site import variants

from .support.published import total


def _rows(table: str) -> dict[str, list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")][2:]
    cells = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
    return {row[0]: row[1:] for row in cells}


def test_switch_total_and_active_against_transformers() -> None:
    import t5sym
    from t5sym.views.readable import approx

    from .support.reference import build, numel_by_name

    n = sum(numel_by_name(build(t5sym.load("switch-base-8"))).values())
    # switch-base-8: 6 sparse blocks per stack; a token skips 7 of 8 experts of 2·768·3,072
    active = n - 12 * 7 * 2 * 768 * 3072
    row = _rows(variants.switch_table())["`switch-base-8`"]
    assert row == [approx(n), approx(active), f"{n / active:,.1f}×"]


def test_switch_c_experts_flops_and_xxl_reading() -> None:
    # Switch paper Table 9: Switch-C d_model 2,080, d_ff 6,144, 15 blocks per stack, every
    # feed-forward sparse; one expert (wi, wo) per token on 512 + 128 tokens
    split = _rows(variants.switch_split_table())
    from t5sym.views.readable import approx

    assert split["of which the experts"] == [approx(2 * 2 * 2080 * 6144 * (512 + 128) * 15)]
    assert split["experts per sparse layer"] == ["2,048"]
    # switch-xxl-128 with GEGLU experts: one more d_model × d_ff matrix per expert, 128
    # experts, 12 sparse blocks per stack (d_model 4,096, d_ff 10,240)
    readings = variants.switch_readings_table()
    assert f"{265082613760 + 4096 * 10240 * 128 * 24:,}" in readings
    assert "[](src:switch-paper-table-9)" in variants.switch_published_table()


def test_umt5_encoder_against_the_published_total() -> None:
    rows = _rows(variants.encoder_table())
    assert rows["`umt5-xxl` encoder alone"][0].startswith(f"**{total('umt5-xxl', True):,}**")
    # 256,384 − 250,112 more rows of 4,096; 23 more encoder bias tables of 32 × 64
    assert rows["of which the larger vocabulary"] == [f"{(256384 - 250112) * 4096:,}"]
    assert rows["of which the bias tables of the other 23 encoder layers"] == [f"{23 * 32 * 64:,}"]
    assert _rows(variants.vocabulary_table())["`umt5-xxl`"] == ["256,384"]


def test_bias_tables() -> None:
    # umt5-small: 8 + 8 self-attention layers of 32 buckets × 6 heads
    assert _rows(variants.bias_table())["`umt5-small`"][1] == f"{16 * 32 * 6:,}"
    assert variants.bias_formula().endswith(f"**{24 * 32 * 64:,}**.")
    assert variants.formula_tabs("umt5-xxl").count("===") == 4


def test_switch_routers_in_float32_once_run() -> None:
    """switch-base-8 in bf16: 6 + 6 sparse blocks, each router a Linear(768, 8) without bias
    (its config.json), float32 once run; AdamW's two states follow each weight's dtype."""
    import t5sym

    from .support.reference import build, numel_by_name

    numels = numel_by_name(build(t5sym.load("switch-base-8")))
    n = sum(numels.values())
    routers = 12 * 768 * 8
    row = _rows(variants.switch_router_table(["switch-base-8"]))["`switch-base-8`"]
    held = 2 * n + 2 * routers  # every weight 2 bytes, the routers' 4
    step = 4 * held + 4 * len(numels)  # weights, gradients, two states; a float32 step each
    assert row == [f"{routers:,}", f"{2 * n:,}", f"{held:,}", f"{step:,}"]
