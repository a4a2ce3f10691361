"""The text-encoder tables: the encoders' counts and 16/32-bit sizes from published totals,
a file's bytes from the file safetensors' own writer produces."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

from safetensors.torch import save_file

import t5sym
from t5site import encoders
from t5sym.views.readable import decimals

from .support import published
from .test_layouts import T5XXL_FP16, comfy, hf_model, tiny


def _rows(table: str) -> dict[str, list[str]]:
    lines = table.splitlines()[2:]
    return {c[0]: c[1:] for c in ([x.strip() for x in s.strip("|").split("|")] for s in lines)}


def test_counts_and_plain_sizes_are_the_published_encoders() -> None:
    for name in ("t5-v1_1-xxl", "umt5-xxl"):
        config, n = t5sym.load(name), published.total(name, encoder_only=True)
        assert encoders.count_line(config) == f"**{n:,}** parameters."
        rows = _rows(encoders.formats_table(config))
        assert rows["`fp32`"][:2] == [f"{4 * n:,}", decimals(Fraction(4 * n, 10**9), 2)]
        assert rows["`bf16`"][0] == f"{2 * n:,}"
        assert rows["`bf16`"][2] == "2.000"


def test_a_comfyui_file_is_the_size_safetensors_writes(tmp_path: Path) -> None:
    small_t5, small_umt5 = tiny("t5"), tiny("umt5")
    path = tmp_path / "t5xxl_fp16.safetensors"
    save_file(comfy(hf_model(small_t5), "comfyui-t5xxl-fp16"), path)
    row = _rows(encoders.files_table(small_t5, small_umt5))[
        f"`ComfyUI t5xxl_fp16.safetensors` ({small_t5.name})"
    ]
    assert row[2] == f"{os.path.getsize(path):,}"
    xxl = t5sym.load("t5-v1_1-xxl")
    real = _rows(encoders.files_table(xxl, t5sym.load("umt5-xxl")))
    assert real[f"`ComfyUI t5xxl_fp16.safetensors` ({xxl.name})"][1] == f"{T5XXL_FP16:,}"


def test_reports_say_which_sizes_they_reconcile() -> None:
    xxl, umt5 = t5sym.load("t5-v1_1-xxl"), t5sym.load("umt5-xxl")
    rows = _rows(encoders.reports_table(xxl, umt5))
    n = published.total("t5-v1_1-xxl", encoder_only=True)
    assert rows["FP16 9.4 GB"][0].startswith(f"{decimals(Fraction(2 * n, 10**9), 2)} GB;")
    assert rows["Q8_0 5.5 GB"][1].startswith("not reconciled")
    assert "18.7" in rows["FP16 9.4 GB"][1]
    assert f"{umt5.vocab_size:,}-row" in rows["UMT5-XXL fp8 6.7 GB"][1]
    assert rows["int4 about 3 GB"][0].endswith("(nf4)")


#: Flan-T5-XXL's config.json: vocab_size and d_model (its lm_head is its own, untied).
FLAN_VOCAB, FLAN_D_MODEL = 32128, 4096


def test_flan_te_only_reading_lands_on_the_page_figures() -> None:
    """The published encoder plus two vocab x d_model tensors (lm_head and a second copy of
    the embedding), in GiB, round to the page's 9.4 (FP16) and 18.7 (FP32): the reading
    the reports table gives, computed from the tree."""
    flan = t5sym.load("flan-t5-xxl")
    values = published.total("t5-v1_1-xxl", encoder_only=True) + 2 * FLAN_VOCAB * FLAN_D_MODEL
    assert encoders.te_only_bytes(flan, "fp16") == 2 * values
    assert encoders.te_only_bytes(flan, "fp32") == 4 * values
    assert decimals(Fraction(2 * values, 2**30), 1) == "9.4"
    assert decimals(Fraction(4 * values, 2**30), 1) == "18.7"
    row = _rows(encoders.reports_table(t5sym.load("t5-v1_1-xxl"), t5sym.load("umt5-xxl")))
    assert f"{2 * values:,} bytes = " in row["FP16 9.4 GB"][0]
    assert encoders.rel_bias_line(flan).endswith(f"{2 * 32 * 64:,} bytes more.")


def test_width_table_marks_the_presets_of_the_same_width() -> None:
    rows = _rows(encoders.width_table(t5sym.load("t5-v1_1-xxl")))
    assert len(rows) == len(t5sym.PRESETS)
    same = {k.strip("`") for k, v in rows.items() if v[2] == "same width"}
    assert same == {n for n, p in t5sym.PRESETS.items() if p.config.d_model == 4096}
    assert "umt5-xxl" in same and "t5-11b" not in same


def test_containers_table_has_gguf_files_and_bitsandbytes_footprints() -> None:
    rows = _rows(encoders.containers_table(t5sym.load("t5-v1_1-xxl")))
    assert rows["`gguf-q8_0`"][1].endswith("+ metadata and tokenizer")
    assert rows["`nf4`"][1].startswith("no file; get_memory_footprint()")
    assert "`bf16`" not in rows
    assert encoders.kinds_table().count("\n") >= len(rows)
