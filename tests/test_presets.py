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
