"""Reading and validating configs: every bad input is one ValueError line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import t5sym
from t5sym import ConfigError, PresetError, T5SymError, from_hf
from t5sym.model.config import ACTIVATIONS, ACTIVATIONS_WITH_PARAMETERS

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


# --- issue 16: configs read as transformers 5.x reads them ---------------------------------
# Every expected figure below is transformers' own: its model built on the meta device from
# the same config dict (`tests.support.reference`), parameters counted with numel.


def transformers_params(data: dict, class_name: str | None = None) -> dict[str, int]:
    """Parameters by name of the model transformers builds from config.json ``data``.

    ``class_name`` (default: ``architectures[0]``, else the model type's
    ``ForConditionalGeneration``) is built from its own config class's ``from_dict``, as
    ``<class>.from_pretrained`` reads a folder (with or without ``model_type``).
    """
    import transformers

    from .support.reference import CONFIG_CLASS, instantiate, numel_by_name

    if class_name is None:
        archs = data.get("architectures") or []
        prefix = t5sym.model.config.CLASS_PREFIX[data.get("model_type", "t5")]
        class_name = archs[0] if archs else prefix + "ForConditionalGeneration"
    cls = getattr(transformers, class_name)
    hf = cls.config_class.from_dict(data)
    assert type(hf).__name__ == CONFIG_CLASS[hf.model_type]
    untied = data.get("tie_word_embeddings") is False and hf.model_type != "longt5"
    return numel_by_name(instantiate(cls, hf, untied))


def assert_counts_as_transformers(config: t5sym.Config, numels: dict[str, int]) -> None:
    """t5sym's total and every node of its breakdown equal transformers' parameters."""
    from .support.reference import sum_matching

    ours = t5sym.count(config)
    assert ours.total == sum(numels.values()), (config, ours.total, sum(numels.values()))
    for name, value in ours.breakdown.items():
        if name:
            assert value == sum_matching(numels, name), (config.model, name)


# 1. A config.json that is not T5's: no model_type and no T5 field.

#: Google's bert_config.json (BERT-Base, uncased), as released with google-research/bert.
BERT_CONFIG = {
    "attention_probs_dropout_prob": 0.1,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "hidden_size": 768,
    "initializer_range": 0.02,
    "intermediate_size": 3072,
    "max_position_embeddings": 512,
    "num_attention_heads": 12,
    "num_hidden_layers": 12,
    "type_vocab_size": 2,
    "vocab_size": 30522,
}
#: GPT-2's hparams.json (openai/gpt-2), and the same with its transformers names.
GPT2_HPARAMS = {"n_vocab": 50257, "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12}
GPT2_CONFIG = {"n_embd": 768, "n_layer": 12, "n_head": 12, "vocab_size": 50257}
NOT_T5 = [
    BERT_CONFIG,
    GPT2_HPARAMS,
    GPT2_CONFIG,
    {},
    {"vocab_size": 32128, "tie_word_embeddings": False, "layer_norm_epsilon": 1e-6},
    {"hidden_size": 512, "num_attention_heads": 8, "num_hidden_layers": 6, "head_dim": 64},
    {"architectures": []},
]


def test_t5_fields_are_t5configs_own_less_every_configs_and_berts_and_gpt2s() -> None:
    """`T5_FIELDS`, derived from transformers: what T5Config declares itself, less what every
    config declares, the standard names of its attribute_map, and BERT's and GPT-2's fields."""
    import dataclasses

    import transformers

    def declared(cls) -> set[str]:
        return {f.name for f in dataclasses.fields(cls)} | set(cls.attribute_map)

    generic = declared(transformers.PreTrainedConfig) | set(transformers.T5Config.attribute_map)
    for other in (transformers.BertConfig, transformers.GPT2Config):
        generic |= declared(other)
    assert declared(transformers.T5Config) - generic == t5sym.model.config.T5_FIELDS


@pytest.mark.parametrize("data", NOT_T5, ids=lambda d: json.dumps(d)[:40])
def test_a_config_without_model_type_or_t5_field_is_refused(tmp_path: Path, data: dict) -> None:
    from .support.cli import one_line_error, run

    with pytest.raises(ConfigError) as info:
        from_hf(data)
    message = str(info.value)
    assert message.startswith("model_type: missing") and "not a T5 config" in message
    assert "\n" not in message and len(message) <= 200
    (tmp_path / "config.json").write_text(json.dumps(data))
    one_line_error(run("count", str(tmp_path)), "t5sym: error: model_type: missing")


@pytest.mark.parametrize(
    "data",
    [
        {"d_model": 64, "num_heads": 2, "vocab_size": 100},
        {"num_layers": 2, "hidden_size": 48},  # an alias as well: the alias wins
        {"feed_forward_proj": "gated-silu", "d_ff": 40, "d_model": 24},
        {"dropout_rate": 0.0, "d_kv": 16},
        {"relative_attention_num_buckets": 8, "num_decoder_layers": 2, "d_model": 32},
    ],
    ids=lambda d: json.dumps(d)[:40],
)
def test_a_config_with_t5_fields_and_no_model_type_is_t5(data: dict) -> None:
    config = from_hf(data)
    assert config.model_type == "t5"
    assert_counts_as_transformers(config, transformers_params(data, "T5ForConditionalGeneration"))


@pytest.mark.parametrize(
    ("data", "model"),
    [
        ({"architectures": ["UMT5EncoderModel"], "d_model": 32}, "UMT5EncoderModel"),
        ({"architectures": ["MT5ForTokenClassification"]}, "MT5ForTokenClassification"),
        ({"architectures": ["LongT5Model"]}, "LongT5Model"),
        ({"architectures": ["SwitchTransformersEncoderModel"]}, "SwitchTransformersEncoderModel"),
    ],
)
def test_architectures_without_model_type_names_the_type(data: dict, model: str) -> None:
    """As ``UMT5EncoderModel.from_pretrained`` reads a config.json without model_type."""
    config = from_hf(data)
    assert config.model == model
    assert_counts_as_transformers(config, transformers_params(data))


# 2. Switch: the sparse steps are computed before the aliases are applied.


def test_switch_num_hidden_layers_builds_what_transformers_builds(tmp_path: Path) -> None:
    from .support.reference import build_from_folder, numel_by_name

    data = {"model_type": "switch_transformers", "num_hidden_layers": 24}
    (tmp_path / "config.json").write_text(json.dumps(data))
    theirs = numel_by_name(build_from_folder(tmp_path, data))
    assert sum(theirs.values()) == 449_469_696  # issue 16's figure, as transformers 5.x builds
    config = from_hf(tmp_path)
    # encoder: 24 blocks with the step of 12 // 3 = 4; decoder: 12 blocks (its own default)
    assert (config.num_layers, config.num_decoder_layers) == (24, 12)
    assert config.sparse_step("encoder") == 4 and config.sparse_blocks("encoder") == 6
    assert config.sparse_step("decoder") == 4 and config.sparse_blocks("decoder") == 3
    assert_counts_as_transformers(config, theirs)


SWITCH_MODEL = "SwitchTransformersModel"
SMALL_SWITCH = {"model_type": "switch_transformers", "d_model": 8, "d_ff": 12, "d_kv": 4,
                "num_heads": 2, "vocab_size": 20, "num_experts": 3}  # fmt: skip


@pytest.mark.parametrize(
    "change",
    [
        {"num_hidden_layers": 5},
        {"num_hidden_layers": 7, "num_layers": 3},
        {"num_hidden_layers": 7, "num_layers": 3, "num_decoder_layers": None},
        {"num_hidden_layers": 2, "num_sparse_encoder_layers": 0},
        {"num_hidden_layers": 1, "num_layers": 1, "num_sparse_encoder_layers": 0},
        {"num_hidden_layers": 9, "num_layers": 2, "num_sparse_encoder_layers": 5},
        {"num_hidden_layers": 6, "num_decoder_layers": 4, "num_sparse_decoder_layers": 1},
        {"encoder_sparse_step": 3, "num_layers": 7},  # a step written in the file wins
        {"decoder_sparse_step": 1, "encoder_sparse_step": 0},
        {"encoder_sparse_step": 9, "num_layers": 4, "decoder_sparse_step": 2},
        {"num_hidden_layers": 8, "encoder_sparse_step": 2, "architectures": [SWITCH_MODEL]},
        {"num_hidden_layers": 6, "architectures": ["SwitchTransformersEncoderModel"]},
    ],
    ids=lambda d: json.dumps(d)[:60],
)
def test_switch_sparse_steps_as_transformers_sets_them(change: dict) -> None:
    from transformers import SwitchTransformersConfig

    data = {**SMALL_SWITCH, **change}
    config, hf = from_hf(data), SwitchTransformersConfig.from_dict(data)
    for stack in ("encoder", "decoder"):
        assert config.sparse_step(stack) == getattr(hf, f"{stack}_sparse_step"), stack
    assert_counts_as_transformers(config, transformers_params(data))


def test_a_sparse_step_equal_to_the_computed_one_is_not_kept() -> None:
    """Configs saved by transformers write their steps: the same Config as without them."""
    plain = t5sym.load("switch-base-8")
    saved = from_hf({**plain.to_dict(), "encoder_sparse_step": 2, "decoder_sparse_step": 2})
    assert saved == plain and saved.encoder_sparse_step is None
    assert "encoder_sparse_step" not in saved.to_dict()
    odd = from_hf({**plain.to_dict(), "encoder_sparse_step": 3})
    assert odd != plain and odd.to_dict()["encoder_sparse_step"] == 3
    assert from_hf(odd.to_dict()) == odd


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ({"model_type": "switch_transformers", "encoder_sparse_step": -1}, "encoder_sparse_step",
         "positive integer"),
        ({"model_type": "switch_transformers", "decoder_sparse_step": None}, "decoder_sparse_step",
         "positive integer"),
        ({"model_type": "switch_transformers", "decoder_sparse_step": 2.0}, "decoder_sparse_step",
         "integer"),
        ({"model_type": "switch_transformers", "num_hidden_layers": 4, "num_layers": 0},
         "num_layers", "positive integer"),
    ],
)  # fmt: skip
def test_bad_sparse_steps_are_one_line(data: dict, field: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        from_hf(data)
    message = str(info.value)
    assert message.startswith(f"{field}: ") and problem in message and "\n" not in message


def test_a_sparse_step_of_a_dense_type_is_refused() -> None:
    with pytest.raises(ConfigError, match="^encoder_sparse_step: only switch_transformers"):
        t5sym.Config(8, 8, 1, 8, 2, 8, encoder_sparse_step=2)


# 3. is_gated_act (and dense_act_fn) written in config.json win over feed_forward_proj.

GATING = [
    {"feed_forward_proj": "relu", "is_gated_act": True},
    {"feed_forward_proj": "gated-gelu", "is_gated_act": False},
    {"is_gated_act": True},  # the model type's default feed_forward_proj
    {"is_gated_act": False},
    {"is_gated_act": True, "dense_act_fn": "gelu_pytorch_tanh"},  # as tiny test configs do
    {"feed_forward_proj": "gated-silu", "dense_act_fn": "relu"},
    {"feed_forward_proj": "gated-gelu", "is_gated_act": True, "dense_act_fn": "gelu_new"},
]


@pytest.mark.parametrize("model_type", ["t5", "mt5", "umt5", "longt5"])
@pytest.mark.parametrize("change", GATING, ids=lambda d: json.dumps(d)[:60])
def test_is_gated_act_in_the_file_wins_as_in_transformers(model_type: str, change: dict) -> None:
    from transformers import AutoConfig

    data = {"model_type": model_type, "d_model": 16, "d_ff": 24, "num_layers": 2,
            "num_heads": 2, "d_kv": 4, "vocab_size": 30, **change}  # fmt: skip
    hf = AutoConfig.for_model(**data)
    config = from_hf(data)
    assert config.is_gated == hf.is_gated_act
    assert config.activation == hf.dense_act_fn or (
        config.feed_forward_proj == "gated-gelu" and hf.dense_act_fn == "gelu_new"
    )
    assert_counts_as_transformers(config, transformers_params(data))


def test_a_file_agreeing_with_its_feed_forward_proj_reads_as_before() -> None:
    """Configs saved by transformers write both: nothing changes (flan-t5's, t5-small's)."""
    flan = {"feed_forward_proj": "gated-gelu", "dense_act_fn": "gelu_new", "is_gated_act": True}
    assert from_hf(flan).feed_forward_proj == "gated-gelu"
    v10 = {"feed_forward_proj": "relu", "dense_act_fn": "relu", "is_gated_act": False}
    assert from_hf(v10).feed_forward_proj == "relu"


def test_switch_ignores_is_gated_act_as_transformers_does() -> None:
    data = {**SMALL_SWITCH, "is_gated_act": True, "num_layers": 2}
    config = from_hf(data)
    assert not config.is_gated
    assert_counts_as_transformers(config, transformers_params(data))


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"is_gated_act": "yes"}, "is_gated_act", "true or false"),
        ({"is_gated_act": 1}, "is_gated_act", "true or false"),
        ({"is_gated_act": None}, "is_gated_act", "true or false"),
        ({"dense_act_fn": "swiglu"}, "dense_act_fn", "unknown activation"),
        ({"dense_act_fn": "prelu"}, "dense_act_fn", "learnable parameters"),
        ({"dense_act_fn": 3}, "dense_act_fn", "must be an activation"),
        ({"is_gated_act": True, "feed_forward_proj": "a-b-c"}, "feed_forward_proj", "gated-<act>"),
    ],
)
def test_bad_gating_fields_are_one_line(change: dict, field: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        from_hf({**CORE, **change})
    message = str(info.value)
    assert message.startswith(f"{field}: ") and problem in message and "\n" not in message


# 4. num_decoder_layers: 0 where the model has no decoder.


def type_of(model: str) -> str:
    """The model type of a transformers class name, from its config class."""
    import transformers

    return getattr(transformers, model).config_class.model_type


@pytest.mark.parametrize(
    "model",
    ["T5EncoderModel", "T5ForTokenClassification", "MT5EncoderModel", "UMT5ForTokenClassification",
     "LongT5EncoderModel", "SwitchTransformersEncoderModel"],
)  # fmt: skip
def test_no_decoder_layers_for_a_model_without_decoder(model: str) -> None:
    model_type = type_of(model)
    data = {"model_type": model_type, "architectures": [model], "num_decoder_layers": 0,
            "d_model": 16, "d_ff": 24, "num_layers": 3, "vocab_size": 40}  # fmt: skip
    config = from_hf(data)
    assert config.num_decoder_layers == 0 and config.encoder_only
    assert_counts_as_transformers(config, transformers_params(data))


@pytest.mark.parametrize(
    "model",
    ["T5ForConditionalGeneration", "T5Model", "MT5ForSequenceClassification",
     "UMT5ForQuestionAnswering", "LongT5Model", "SwitchTransformersForConditionalGeneration"],
)  # fmt: skip
def test_no_decoder_layers_for_a_model_with_a_decoder_is_refused(model: str) -> None:
    """transformers builds a decoder of no blocks (only its final norm); t5sym's decoder tree
    always has block 0's relative_attention_bias, so it refuses rather than miscount."""
    model_type = type_of(model)
    with pytest.raises(ConfigError) as info:
        from_hf({"model_type": model_type, "architectures": [model], "num_decoder_layers": 0})
    assert str(info.value) == "num_decoder_layers: must be a positive integer, got 0"


# 5. Legacy architectures: the PyTorch class each stands for.

LEGACY = [
    ("T5WithLMHeadModel", None),
    ("TFT5WithLMHeadModel", None),
    ("TFT5ForConditionalGeneration", "t5"),
    ("TFT5Model", "t5"),
    ("TFT5EncoderModel", None),
    ("FlaxT5ForConditionalGeneration", "t5"),
    ("FlaxT5Model", None),
    ("FlaxT5EncoderModel", "t5"),
    ("TFMT5ForConditionalGeneration", "mt5"),
    ("TFMT5Model", "mt5"),
    ("TFMT5EncoderModel", "mt5"),
    ("FlaxMT5ForConditionalGeneration", "mt5"),
    ("FlaxMT5Model", None),
    ("FlaxMT5EncoderModel", "mt5"),
    ("FlaxLongT5ForConditionalGeneration", "longt5"),
    ("FlaxLongT5Model", None),
]


@pytest.mark.parametrize(("legacy", "model_type"), LEGACY)
def test_legacy_architectures_count_as_the_pytorch_class(legacy: str, model_type) -> None:
    # The PyTorch class: TF/Flax prefix dropped; T5WithLMHeadModel was T5ForConditionalGeneration.
    pytorch = legacy.removeprefix("TF").removeprefix("Flax")
    pytorch = pytorch.replace("WithLMHeadModel", "ForConditionalGeneration")
    data = {"architectures": [legacy], "d_model": 16, "d_ff": 24, "num_layers": 2,
            "vocab_size": 40, "tie_word_embeddings": False}  # fmt: skip
    if model_type:
        data["model_type"] = model_type
    config = from_hf(data)
    assert config.model == pytorch and config.architectures == (legacy,)
    assert_counts_as_transformers(config, transformers_params(data, pytorch))


def test_every_legacy_name_is_tested() -> None:
    assert {name for name, _ in LEGACY} == set(t5sym.model.config.LEGACY_ARCHITECTURES)


# 6. model_type and architectures must name the same type.


@pytest.mark.parametrize(
    ("model_type", "arch"),
    [
        ("t5", "UMT5ForConditionalGeneration"),
        ("umt5", "T5ForConditionalGeneration"),
        ("mt5", "T5EncoderModel"),
        ("longt5", "SwitchTransformersModel"),
        ("switch_transformers", "FlaxLongT5Model"),
        ("t5", "TFMT5EncoderModel"),
    ],
)
def test_model_type_and_architectures_of_different_types_are_refused(
    tmp_path: Path, model_type: str, arch: str
) -> None:
    from .support.cli import one_line_error, run

    data = {"model_type": model_type, "architectures": [arch]}
    with pytest.raises(ConfigError) as info:
        from_hf(data)
    message = str(info.value)
    assert message.startswith("architectures: ") and "model_type" in message
    assert repr(arch) in message and repr(model_type) in message and "\n" not in message
    (tmp_path / "config.json").write_text(json.dumps(data))
    one_line_error(run("count", str(tmp_path)), "architectures: ", "model_type")


# 7. Config.sparse_blocks: a closed form of transformers' loop.


def loop(layers: int, step: int) -> int:
    """``SwitchTransformersStack``'s rule, block by block."""
    return sum(1 for i in range(layers) if ((i % step == 1 or step == 1) if step > 0 else False))


def test_sparse_count_is_transformers_loop_over_a_grid() -> None:
    from t5sym.model.config import sparse_count, sparse_step_of

    for layers in range(0, 60):
        for step in range(-2, 64):
            assert sparse_count(layers, step) == loop(layers, step), (layers, step)
        for wanted in range(0, 64):
            assert sparse_count(layers, sparse_step_of(layers, wanted)) == loop(
                layers, layers // wanted if wanted > 0 else layers
            ), (layers, wanted)


def test_sparse_blocks_of_a_config_are_the_loop_for_every_small_pair() -> None:
    for layers in range(1, 25):
        for wanted in range(0, 27):
            config = from_hf({**SMALL_SWITCH, "num_layers": layers, "num_decoder_layers": layers,
                              "num_sparse_encoder_layers": wanted,
                              "num_sparse_decoder_layers": wanted})  # fmt: skip
            step = layers // wanted if wanted > 0 else layers
            assert config.sparse_blocks("encoder") == loop(layers, step), (layers, wanted)
            assert config.sparse_blocks("decoder") == loop(layers, step), (layers, wanted)


def test_sparse_blocks_of_a_huge_stack_answer_at_once() -> None:
    import time

    start = time.perf_counter()
    big = from_hf({"model_type": "switch_transformers", "num_layers": 10**300,
                   "num_decoder_layers": 10**300 + 7,
                   "num_sparse_decoder_layers": 10**299})  # fmt: skip
    assert big.sparse_blocks("encoder") == (10**300 - 2) // (10**300 // 3) + 1 == 3
    assert big.sparse_blocks("decoder") == (10**300 + 5) // 10 + 1
    assert t5sym.count(big).total > 10**300
    assert time.perf_counter() - start < 0.5


def test_sparse_blocks_name_a_stack() -> None:
    with pytest.raises(ConfigError, match="^stack: must be 'encoder' or 'decoder'"):
        t5sym.load("switch-base-8").sparse_blocks("middle")


def test_router_jitter_noise_is_read_and_checked() -> None:
    """Switch's ``router_jitter_noise`` (transformers' default 0.01) decides saved tensors,
    no parameter: read from config.json, a number from 0 to 1, left out of ``to_dict``."""
    base = {"model_type": "switch_transformers"}
    assert from_hf(base).router_jitter_noise == 0.01
    c = from_hf({**base, "router_jitter_noise": 0})
    assert c.router_jitter_noise == 0.0 and "router_jitter_noise" not in c.to_dict()
    for bad in (2, "0.1", True, None):
        with pytest.raises(ConfigError, match="^router_jitter_noise: must be a number"):
            from_hf({**base, "router_jitter_noise": bad})
    # T5's config ignores the key, as transformers' T5Config does
    assert from_hf({"model_type": "t5", "router_jitter_noise": 10**30}).model_type == "t5"
