"""Every model type × every head against transformers' modules on the meta device, part by part.

Configs are generated for t5, mt5, umt5, longt5 (local and transient-global) and
switch_transformers, each with every head transformers defines for it; config.json files
are read by transformers' own ``AutoConfig`` to check defaults and aliases.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings

import t5sym
from t5sym import Config, ConfigError
from t5sym.model import params

from .support.cli import one_line_error, run
from .support.reference import (
    HEADS,
    build,
    build_from_folder,
    family_configs,
    numel_by_name,
    sum_matching,
)


def assert_part_by_part(config: Config, model) -> None:
    """Every node of t5sym's tree equals the sum of the real parameters under its name."""
    numels = numel_by_name(model)
    ours = t5sym.count(config)
    assert ours.total == sum(numels.values()), config
    for name, value in ours.breakdown.items():
        if name:
            assert value == sum_matching(numels, name), (config.model, name)
    top = [n.name for n in params.tree(config).root.children]
    assert sum(sum_matching(numels, n) for n in top) == sum(numels.values())


@settings(max_examples=320)
@given(config=family_configs())
def test_generated_family_config_matches_transformers(config: Config) -> None:
    assert_part_by_part(config, build(config))
    encoder = build(config, encoder_only=True)
    assert t5sym.count(config).encoder_only_total == sum(numel_by_name(encoder).values())


def test_every_head_of_every_type_is_generated() -> None:
    """The heads t5sym accepts are exactly those transformers defines (no silent default)."""
    import transformers

    for model_type, heads in HEADS.items():
        prefix = t5sym.model.config.CLASS_PREFIX[model_type]
        defined = {h for h in t5sym.model.config._ALL_HEADS if hasattr(transformers, prefix + h)}
        assert set(heads) == defined == set(t5sym.model.config.HEADS[model_type])


# config.json files as people have them: missing fields, aliases, labels from id2label.
FILES = [
    {"model_type": "mt5"},  # MT5Config defaults, gated-gelu
    {"model_type": "umt5", "architectures": ["UMT5EncoderModel"], "d_model": 64, "d_ff": 96},
    {"model_type": "t5", "hidden_size": 48, "num_attention_heads": 3, "head_dim": 8},
    {"model_type": "t5", "d_model": 99, "hidden_size": 48},  # the alias wins, as in transformers
    {"model_type": "umt5", "num_hidden_layers": 2, "tie_word_embeddings": False},
    {"model_type": "t5", "architectures": ["T5ForTokenClassification"], "id2label": {"0": "a"}},
    {
        "model_type": "mt5",
        "architectures": ["MT5ForSequenceClassification"],
        "id2label": {"0": "a", "1": "b", "2": "c"},
        "num_labels": 5,
    },
    {"model_type": "t5", "architectures": ["T5ForQuestionAnswering"], "d_model": 32},
    {"model_type": "t5", "architectures": ["T5Model"], "tie_word_embeddings": False},
    {"model_type": "longt5", "encoder_attention_type": "transient-global", "d_model": 32},
    {"model_type": "longt5", "tie_word_embeddings": False, "d_model": 32},
    {"model_type": "switch_transformers", "d_model": 32, "d_ff": 40, "num_experts": 4},
    {
        "model_type": "switch_transformers",
        "d_model": 16,
        "num_layers": 5,
        "num_sparse_encoder_layers": 2,
        "num_decoder_layers": 3,
        "num_sparse_decoder_layers": 0,
        "router_bias": True,
        "tie_word_embeddings": False,
    },
]


@pytest.mark.parametrize("data", FILES, ids=[json.dumps(f)[:70] for f in FILES])
def test_config_json_read_as_transformers_reads_it(tmp_path: Path, data: dict) -> None:
    (tmp_path / "config.json").write_text(json.dumps(data))
    config = t5sym.from_hf(tmp_path)
    assert_part_by_part(config, build_from_folder(tmp_path, data))


BAD = [
    ({"model_type": "bert"}, ["model_type: 'bert' is not a T5-family type", "umt5"]),
    (
        {"model_type": "longt5", "architectures": ["LongT5ForTokenClassification"]},
        ["longt5 has no"],
    ),
    ({"architectures": ["BertModel"]}, ["architectures: 'BertModel' is not a t5 model class"]),
    ({"model_type": "longt5", "encoder_attention_type": "global"}, ["encoder_attention_type"]),
    ({"model_type": "switch_transformers", "num_experts": 0}, ["num_experts: must be a positive"]),
    ({"model_type": "switch_transformers", "dense_act_fn": "gated-gelu"}, ["dense_act_fn"]),
    ({"id2label": 3}, ["id2label: must be an object"]),
]


@pytest.mark.parametrize(("data", "fragments"), BAD, ids=[json.dumps(d)[:50] for d, _ in BAD])
def test_unsupported_types_and_architectures_are_one_line(tmp_path: Path, data, fragments) -> None:
    with pytest.raises(ConfigError):
        t5sym.from_hf(data)
    (tmp_path / "config.json").write_text(json.dumps(data))
    one_line_error(run("count", str(tmp_path)), *fragments)


def test_count_json_reports_the_class_and_switch_active_parameters(tmp_path: Path) -> None:
    data = {"model_type": "switch_transformers", "d_model": 32, "d_ff": 40, "num_experts": 4}
    (tmp_path / "config.json").write_text(json.dumps(data))
    out = run("count", str(tmp_path), "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    model = build_from_folder(tmp_path, data)
    numels = numel_by_name(model)
    assert got["model"] == "SwitchTransformersForConditionalGeneration"
    assert got["total"] == sum(numels.values())
    # one token passes one expert per sparse layer: drop the other 3 of 4 experts' weights
    experts = sum(n for k, n in numels.items() if ".experts." in k)
    assert got["active_total"] == sum(numels.values()) - experts * 3 // 4
