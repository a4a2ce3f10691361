"""Reading and validating configs: every bad input is one ValueError line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import t5sym
from t5sym import ConfigError, PresetError, T5SymError, from_hf
from t5sym.config import ACTIVATIONS, ACTIVATIONS_WITH_PARAMETERS

# Shapes of google/t5-v1_1-xxl's config.json, the FLUX / SD3 text encoder keeps only
# the core dims (as the real file does), with keys t5sym ignores.
CORE = {
    "d_model": 4096,
    "d_ff": 10240,
    "num_heads": 64,
    "d_kv": 64,
    "num_layers": 24,
    "vocab_size": 32128,
}


def test_missing_optional_fields_take_t5config_defaults() -> None:
    from transformers import T5Config

    c = from_hf({**CORE, "feed_forward_proj": "gated-gelu", "dropout_rate": 0.1})
    hf = T5Config(**CORE)
    assert c.num_decoder_layers == hf.num_decoder_layers == 24
    assert c.relative_attention_num_buckets == hf.relative_attention_num_buckets
    assert T5Config.feed_forward_proj == from_hf(CORE).feed_forward_proj  # class default


def test_reads_a_file_and_a_folder(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({**CORE, "architectures": ["T5EncoderModel"]}))
    a, b = from_hf(tmp_path / "config.json"), from_hf(tmp_path)
    assert a == b and a.encoder_only
    assert t5sym.load(str(tmp_path)) == a


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"d_model": 0}, "d_model", "positive integer"),
        ({"d_ff": -3}, "d_ff", "positive integer"),
        ({"num_heads": 2.5}, "num_heads", "positive integer"),
        ({"d_kv": 64.0}, "d_kv", "integer"),
        ({"num_layers": True}, "num_layers", "positive integer"),
        ({"vocab_size": "32128"}, "vocab_size", "positive integer"),
        ({"num_decoder_layers": 0}, "num_decoder_layers", "positive integer"),
        ({"relative_attention_num_buckets": None}, "relative_attention_num_buckets", "positive"),
        ({"feed_forward_proj": "swiglu"}, "feed_forward_proj", "unknown activation"),
        ({"feed_forward_proj": "gated-gelu-x"}, "feed_forward_proj", "gated-<act>"),
        ({"feed_forward_proj": "prelu"}, "feed_forward_proj", "learnable parameters"),
        ({"feed_forward_proj": 3}, "feed_forward_proj", "string"),
        ({"tie_word_embeddings": "no"}, "tie_word_embeddings", "true or false"),
        ({"model_type": "bert"}, "model_type", "not a T5-family type"),
        ({"model_type": "T5"}, "model_type", "not a T5-family type"),
        ({"d_model": None}, "d_model", "positive integer"),
    ],
)
def test_bad_field(change: dict, field: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        from_hf({**CORE, **change})
    message = str(info.value)
    assert message.startswith(f"{field}: ") and problem in message and "\n" not in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "field", ["d_model", "d_ff", "num_heads", "d_kv", "num_layers", "vocab_size"]
)
def test_missing_field_takes_transformers_default(tmp_path: Path, field: str) -> None:
    """A field the file leaves out is what transformers' AutoConfig gives it."""
    from transformers import AutoConfig

    data = {"model_type": "t5", **{k: v for k, v in CORE.items() if k != field}}
    (tmp_path / "config.json").write_text(json.dumps(data))
    assert getattr(from_hf(tmp_path), field) == getattr(AutoConfig.from_pretrained(tmp_path), field)


def test_missing_file_invalid_json_and_not_an_object(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        from_hf(tmp_path / "nope.json")
    with pytest.raises(ConfigError, match="no such file"):
        from_hf(tmp_path)  # a folder without config.json
    bad = tmp_path / "bad.json"
    bad.write_text('{"d_model": 512,')
    with pytest.raises(ConfigError, match=r"invalid JSON at line 1, column \d+"):
        from_hf(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="must hold a JSON object"):
        from_hf(bad)


def test_unknown_preset_suggests_closest() -> None:
    with pytest.raises(PresetError, match="did you mean t5-3b") as info:
        t5sym.load("t5-3bb")
    assert isinstance(info.value, T5SymError) and isinstance(info.value, ValueError)


def test_hub_ids_are_aliases() -> None:
    assert t5sym.load("google/flan-t5-xl") == t5sym.load("flan-t5-xl")
    assert t5sym.load("google-t5/t5-11b").name == "t5-11b"


def test_activations_are_those_of_transformers_without_parameters() -> None:
    from transformers.activations import ACT2FN

    with_params = {k for k in ACT2FN if sum(p.numel() for p in ACT2FN[k].parameters())}
    assert ACTIVATIONS == set(ACT2FN) - with_params
    assert ACTIVATIONS_WITH_PARAMETERS == with_params


def test_direct_construction_validates_too() -> None:
    with pytest.raises(ConfigError, match="^d_kv: "):
        t5sym.Config(d_model=8, d_ff=8, num_heads=1, d_kv=-1, num_layers=1, vocab_size=8)
