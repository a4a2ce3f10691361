"""Presets: the released checkpoints, and how `t5sym.load` picks a path or a preset."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

import t5sym
from t5sym import ConfigError, PresetError, sources
from t5sym.model import presets

from .support.cli import one_line_error, run

CORE = {"d_model": 64, "d_ff": 96, "num_heads": 3, "d_kv": 16, "num_layers": 2, "vocab_size": 100}

# name, Hub id, family, d_model d_ff num_heads d_kv num_layers num_decoder_layers vocab_size,
# feed_forward_proj, tie_word_embeddings, model_type; in the order `t5sym list` shows them.
TABLE = """
t5-small       google-t5/t5-small    T5_v1.0   512  2048   8   64  6  6  32128  relu        1 t5
t5-base        google-t5/t5-base     T5_v1.0   768  3072  12   64 12 12  32128  relu        1 t5
t5-large       google-t5/t5-large    T5_v1.0  1024  4096  16   64 24 24  32128  relu        1 t5
t5-3b          google-t5/t5-3b       T5_v1.0  1024 16384  32  128 24 24  32128  relu        1 t5
t5-11b         google-t5/t5-11b      T5_v1.0  1024 65536 128  128 24 24  32128  relu        1 t5
t5-v1_1-small  google/t5-v1_1-small  T5_v1.1   512  1024   6   64  8  8  32128  gated-gelu  0 t5
t5-v1_1-base   google/t5-v1_1-base   T5_v1.1   768  2048  12   64 12 12  32128  gated-gelu  0 t5
t5-v1_1-large  google/t5-v1_1-large  T5_v1.1  1024  2816  16   64 24 24  32128  gated-gelu  0 t5
t5-v1_1-xl     google/t5-v1_1-xl     T5_v1.1  2048  5120  32   64 24 24  32128  gated-gelu  0 t5
t5-v1_1-xxl    google/t5-v1_1-xxl    T5_v1.1  4096 10240  64   64 24 24  32128  gated-gelu  0 t5
flan-t5-small  google/flan-t5-small  Flan-T5   512  1024   6   64  8  8  32128  gated-gelu  0 t5
flan-t5-base   google/flan-t5-base   Flan-T5   768  2048  12   64 12 12  32128  gated-gelu  0 t5
flan-t5-large  google/flan-t5-large  Flan-T5  1024  2816  16   64 24 24  32128  gated-gelu  0 t5
flan-t5-xl     google/flan-t5-xl     Flan-T5  2048  5120  32   64 24 24  32128  gated-gelu  0 t5
flan-t5-xxl    google/flan-t5-xxl    Flan-T5  4096 10240  64   64 24 24  32128  gated-gelu  0 t5
mt5-small      google/mt5-small      mT5       512  1024   6   64  8  8 250112  gated-gelu  0 mt5
mt5-base       google/mt5-base       mT5       768  2048  12   64 12 12 250112  gated-gelu  0 mt5
mt5-large      google/mt5-large      mT5      1024  2816  16   64 24 24 250112  gated-gelu  0 mt5
mt5-xl         google/mt5-xl         mT5      2048  5120  32   64 24 24 250112  gated-gelu  0 mt5
mt5-xxl        google/mt5-xxl        mT5      4096 10240  64   64 24 24 250112  gated-gelu  0 mt5
byt5-small     google/byt5-small     ByT5     1472  3584   6   64 12  4    384  gated-gelu  0 t5
byt5-base      google/byt5-base      ByT5     1536  3968  12   64 18  6    384  gated-gelu  0 t5
byt5-large     google/byt5-large     ByT5     1536  3840  16   64 36 12    384  gated-gelu  0 t5
byt5-xl        google/byt5-xl        ByT5     2560  6720  32   64 36 12    384  gated-gelu  0 t5
byt5-xxl       google/byt5-xxl       ByT5     4672 12352  64   64 36 12    384  gated-gelu  0 t5
ul2            google/ul2            UL2      4096 16384  16  256 32 32  32128  gated-silu  0 t5
umt5-small     google/umt5-small     UMT5      512  1024   6   64  8  8 256384  gated-gelu  0 umt5
umt5-base      google/umt5-base      UMT5      768  2048  12   64 12 12 256384  gated-gelu  0 umt5
umt5-xl        google/umt5-xl        UMT5     2048  5120  32   64 24 24 256384  gated-gelu  0 umt5
umt5-xxl       google/umt5-xxl       UMT5     4096 10240  64   64 24 24 256384  gated-gelu  0 umt5
long-t5-local-base google/long-t5-local-base LongT5 768 2048 12 64 12 12 32128 gg 0 longt5
long-t5-local-large google/long-t5-local-large LongT5 1024 2816 16 64 24 24 32128 gg 0 longt5
long-t5-local-xl google/long-t5-local-xl LongT5 2048 5120 32 64 24 24 32128 gg 0 longt5
long-t5-tglobal-base google/long-t5-tglobal-base LongT5 768 2048 12 64 12 12 32128 gg 0 longt5
long-t5-tglobal-large google/long-t5-tglobal-large LongT5 1024 2816 16 64 24 24 32128 gg 0 longt5
long-t5-tglobal-xl google/long-t5-tglobal-xl LongT5 2048 5120 32 64 24 24 32128 gg 0 longt5
switch-base-8 google/switch-base-8 Switch 768 3072 12 64 12 12 32128 relu 1 switch
switch-base-16 google/switch-base-16 Switch 768 3072 12 64 12 12 32128 relu 1 switch
switch-base-32 google/switch-base-32 Switch 768 3072 12 64 12 12 32128 relu 1 switch
switch-base-64 google/switch-base-64 Switch 768 3072 12 64 12 12 32128 relu 1 switch
switch-base-128 google/switch-base-128 Switch 768 3072 12 64 12 12 32128 relu 1 switch
switch-base-256 google/switch-base-256 Switch 768 3072 12 64 12 12 32128 relu 1 switch
switch-large-128 google/switch-large-128 Switch 1024 4096 16 64 24 24 32128 relu 1 switch
switch-xxl-128 google/switch-xxl-128 Switch 4096 10240 64 64 24 24 32128 gelu 0 switch
switch-c-2048 google/switch-c-2048 Switch 2080 6144 30 64 15 15 32128 relu 1 switch
"""
# name: encoder_attention_type (LongT5), or experts and sparse encoder/decoder layers (Switch)
EXTRA = {
    **{f"long-t5-local-{s}": "local" for s in ("base", "large", "xl")},
    **{f"long-t5-tglobal-{s}": "transient-global" for s in ("base", "large", "xl")},
    **{f"switch-base-{e}": (e, 6, 6) for e in (8, 16, 32, 64, 128, 256)},
    "switch-large-128": (128, 12, 12),
    "switch-xxl-128": (128, 12, 12),
    "switch-c-2048": (2048, 15, 15),
}
DIMS = ("d_model", "d_ff", "num_heads", "d_kv", "num_layers", "num_decoder_layers", "vocab_size")
ROWS = [line.split() for line in TABLE.strip().splitlines()]


def test_the_presets_in_order() -> None:
    assert list(presets.PRESETS) == [row[0] for row in ROWS]


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_preset_values(row: list[str]) -> None:
    name, hub_id, family, *numbers, ffn, tied, model_type = row
    model_type = {"switch": "switch_transformers"}.get(model_type, model_type)
    ffn = {"gg": "gated-gelu"}.get(ffn, ffn)
    p = presets.get(name)
    assert (p.name, p.hub_id, p.family) == (name, hub_id, family.replace("_", " "))
    c = p.config
    assert [getattr(c, k) for k in DIMS] == [int(n) for n in numbers]
    assert (c.feed_forward_proj, c.tie_word_embeddings, c.model_type) == (
        ffn,
        tied == "1",
        model_type,
    )
    assert c.relative_attention_num_buckets == 32 and c.architectures == ()
    assert c.name == name and c.source == "preset"
    extra = EXTRA.get(name)
    if model_type == "longt5":
        assert (c.encoder_attention_type, c.local_radius, c.global_block_size) == (extra, 127, 16)
    if model_type == "switch_transformers":
        fields = ("num_experts", "num_sparse_encoder_layers", "num_sparse_decoder_layers")
        assert tuple(getattr(c, f) for f in fields) == extra
        assert (c.expert_capacity, c.router_bias) == (64, False)


def test_sources_name_the_gin_file_of_each_preset() -> None:
    gins = {
        "small": "bi_v1_small",
        "base": "bi_v1.gin",
        "large": "bi_v1_large",
        "3b": "3B",
        "11b": "11B",
    }
    for size, gin in gins.items():
        assert gin in presets.PRESETS[f"t5-{size}"].source
    for name, p in presets.PRESETS.items():
        size = name.rsplit("-", 1)[-1]
        if p.family in ("T5 v1.1", "Flan-T5", "mT5", "ByT5", "LongT5"):
            assert f"{size}.gin" in p.source, name
    for size, gin in (("small", "small"), ("base", "base"), ("large", "large"), ("3b", "3B")):
        assert f"t5x/examples/t5/t5_1_0/{gin}.gin" in presets.PRESETS[f"t5-{size}"].source
    assert "t5x/examples/t5/t5_1_0/11B.gin" in presets.PRESETS["t5-11b"].source
    for size in ("small", "base", "large", "xl", "xxl"):  # mT5's dims: the t5x gins
        assert f"t5x/examples/t5/mt5/{size}.gin" in presets.PRESETS[f"mt5-{size}"].source
    assert sources.cite("ul2-paper") in presets.PRESETS["ul2"].source
    for name in ("umt5-small", "umt5-base", "umt5-xl", "umt5-xxl"):
        assert sources.cite("umt5-paper") in presets.PRESETS[name].source
    for name, gin in (("switch-base-8", "switch_base"), ("switch-c-2048", "switch_c")):
        assert f"moe/models/{gin}.gin" in presets.PRESETS[name].source
    assert len({p.source for p in presets.PRESETS.values()}) == len(presets.PRESETS)


def test_add_takes_keywords_only() -> None:
    params = inspect.signature(presets._add).parameters.values()
    assert {p.kind for p in params} == {inspect.Parameter.KEYWORD_ONLY}
    with pytest.raises(TypeError):
        presets._add("x", "y", "z", "s", 1, 1, 1, 1, 1, 1)  # type: ignore[misc]


def test_aliases() -> None:
    for name, p in presets.PRESETS.items():
        for alias in (name, p.hub_id, p.hub_id.split("/")[-1], p.hub_id.upper()):
            assert t5sym.load(alias) is p.config
    assert presets.PRESET_NAMES["google/ul2-20b"] == "ul2"
    assert t5sym.load(" T5-Small ") is presets.PRESETS["t5-small"].config


# --- an existing local path comes first, as in transformers' from_pretrained -------------


def test_local_folder_named_like_a_preset_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "t5-small").mkdir()
    (tmp_path / "t5-small" / "config.json").write_text(json.dumps(CORE))
    monkeypatch.chdir(tmp_path)
    config = t5sym.load("t5-small")
    assert config.d_model == 64 and config.name == "t5-small"
    assert Path(config.source) == Path("t5-small/config.json")
    out = run("count", "t5-small", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["config"]["d_model"] == 64


def test_local_file_named_like_a_hub_id_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "google").mkdir()
    (tmp_path / "google" / "flan-t5-xl").write_text(json.dumps(CORE))
    monkeypatch.chdir(tmp_path)
    assert t5sym.load("google/flan-t5-xl").d_model == 64


def test_local_folder_without_config_says_it_shadows_the_preset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "t5-small").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        ConfigError, match="^t5-small/config.json: no such file .*shadows the preset"
    ):
        t5sym.load("t5-small")


def test_source_says_where_a_config_came_from(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(CORE))
    assert t5sym.load("t5-small").source == "preset"
    assert t5sym.load(str(tmp_path)).source == str(tmp_path / "config.json")
    assert t5sym.from_hf(CORE).source is None
    assert t5sym.load(tmp_path) == t5sym.from_hf(CORE)  # a Path is always a path


# --- names that are neither ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "fragments"),
    [
        (
            "google/t5-efficient-tiny",
            [
                "preset: 'google/t5-efficient-tiny' is not a known preset and no such local file",
                "no download",
                "nearest presets: ",
            ],
        ),
        ("org/name", ["'org/name' is not a known preset", "nearest presets: "]),
        (
            "google/flan-t5-xl@main",
            ["the revision 'main' is not supported", "no download", "preset flan-t5-xl"],
        ),
        ("google/t5-tiny@v2", ["the revision 'v2' is not supported", "nearest presets: "]),
        ("t5-3bb", ["preset: unknown name 't5-3bb'; did you mean t5-3b"]),
    ],
)
def test_not_a_preset(target: str, fragments: list[str]) -> None:
    with pytest.raises(PresetError) as info:
        t5sym.load(target)
    message = str(info.value)
    assert all(f in message for f in fragments), message
    assert len(message) <= 200
    one_line_error(run("count", target), *fragments)


def test_hub_id_suggestions_use_names_and_hub_ids() -> None:
    with pytest.raises(PresetError, match="nearest presets: t5-v1_1-xxl"):
        t5sym.load("google/t5-v1_1-xxxl")


@pytest.mark.parametrize("target", ["missing/config.json", "nope.json", "/no/such/dir", "./nope"])
def test_path_like_names_are_no_such_file(target: str) -> None:
    with pytest.raises(ConfigError, match=f"^{target}: no such file$"):
        t5sym.load(target)


# --- T5Gemma and T5Gemma 2 ----------------------------------------------------------------

# name, Hub id; per stack (both alike but 9b-2b's encoder): layers, hidden, GeGLU width, heads,
# key-value heads, head_dim, vocab, sliding window. Read from: Gemma 2's Table 1 (2b, 9b);
# google-deepmind/gemma gemma/research/t5gemma/config.py (s, b, l, ml, xl; its 256,128-row
# Flax table is the Hub's 256,000 rows padded); google/gemma.cpp gemma/configs.cc (Gemma 3
# 270M, 1B, 4B for T5Gemma 2).
GEMMA_TABLE = """
t5gemma-2b-2b        google/t5gemma-2b-2b-ul2    26 2304  9216  8  4 256 256000 4096
t5gemma-9b-9b        google/t5gemma-9b-9b-ul2    42 3584 14336 16  8 256 256000 4096
t5gemma-s-s          google/t5gemma-s-s-ul2       8  512  1024  8  8  64 256000 4096
t5gemma-b-b          google/t5gemma-b-b-ul2      12  768  2048 12 12  64 256000 4096
t5gemma-l-l          google/t5gemma-l-l-ul2      24 1024  2816 16 16  64 256000 4096
t5gemma-ml-ml        google/t5gemma-ml-ml-ul2    26 1152  6912  4  4 256 256000 4096
t5gemma-xl-xl        google/t5gemma-xl-xl-ul2    24 2048  5120 32 32  64 256000 4096
t5gemma-2-270m-270m  google/t5gemma-2-270m-270m  18  640  2048  4  1 256 262144  512
t5gemma-2-1b-1b      google/t5gemma-2-1b-1b      26 1152  6912  4  1 256 262144  512
t5gemma-2-4b-4b      google/t5gemma-2-4b-4b      34 2560 10240  8  4 256 262144 1024
"""
GEMMA_FIELDS = ("num_hidden_layers", "hidden_size", "intermediate_size", "num_attention_heads",
                "num_key_value_heads", "head_dim", "vocab_size", "sliding_window")  # fmt: skip
GEMMA_ROWS = [line.split() for line in GEMMA_TABLE.strip().splitlines()]


@pytest.mark.parametrize("row", GEMMA_ROWS, ids=[row[0] for row in GEMMA_ROWS])
def test_gemma_preset_values(row: list[str]) -> None:
    name, hub_id, *dims = row
    preset = presets.get(hub_id)
    assert preset.name == name and preset.hub_id == hub_id
    expected = dict(zip(GEMMA_FIELDS, map(int, dims), strict=True))
    for stack in ("encoder", "decoder"):
        s = getattr(preset.config, stack)
        assert {f: getattr(s, f) for f in GEMMA_FIELDS} == expected, (name, stack)
    assert preset.config.tie_word_embeddings


def test_t5gemma2_layer_types_and_vision_tower() -> None:
    """Gemma 3's layers: five sliding of six (gemma.cpp's RepeatedAttentionWindowSizes<N, 6>);
    its SigLIP tower (AddVitConfig, 896-pixel images): 1152 wide, 4304, 16 heads, 27 layers."""
    for name in presets.GEMMA2_PRESETS:
        config = presets.get(name).config
        layers = config.encoder.num_hidden_layers
        full = [i for i, k in enumerate(config.encoder.layer_types) if k == "full_attention"]
        assert full == list(range(5, layers, 6)), name
        v = config.vision
        assert (v.hidden_size, v.intermediate_size, v.num_attention_heads) == (1152, 4304, 16)
        assert (v.num_hidden_layers, v.image_size, v.patch_size) == (27, 896, 14)
        assert not v.vision_use_head


def test_gemma_aliases_and_sources() -> None:
    for name, p in {**presets.GEMMA_PRESETS, **presets.GEMMA2_PRESETS}.items():
        for alias in (name, p.hub_id, p.hub_id.split("/")[-1], p.hub_id.upper()):
            assert t5sym.load(alias) is p.config
        assert sources.linked(p.source) != p.source, f"{name}: cites no register entry"
    for variant in presets.GEMMA_VARIANTS:
        assert presets.get(f"google/t5gemma-ml-ml-{variant}").name == "t5gemma-ml-ml"
    assert sources.cite("gemma-t5gemma-presets") in presets.get("t5gemma-xl-xl").source
    assert sources.cite("gemma-cpp-gemma3") in presets.get("t5gemma-2-1b-1b").source
