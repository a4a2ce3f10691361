"""T5Gemma (t5sym.model.gemma) against transformers' own T5Gemma, built on the meta device.

Every expected value comes from transformers: ``T5GemmaConfig.from_dict`` for how a
config.json is read, the parameters of ``T5Gemma*`` classes for counts (part by part, every
head, generated configs), the module classes for roles, and the errors transformers raises
for the configs t5sym refuses.
"""

from __future__ import annotations

import re

import pytest
import torch
import transformers
from huggingface_hub.errors import (
    StrictDataclassClassValidationError,
    StrictDataclassFieldValidationError,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import t5sym
from t5sym.errors import ConfigError, NodeError, T5SymError
from t5sym.model import gemma, presets, roles
from t5sym.model.roles import Role
from t5sym.views import inference, sharding

from .support.reference import node_pattern, numel_by_name, sum_matching

FIELDS = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
          "num_attention_heads", "num_key_value_heads", "head_dim")  # fmt: skip


def hf_build(data: dict, head: str, *, is_encoder_decoder: bool | None = None):
    """transformers' model of ``head`` for a config.json ``data``, on the meta device."""
    hf = transformers.T5GemmaConfig.from_dict(data)
    if is_encoder_decoder is not None:
        hf.is_encoder_decoder = is_encoder_decoder
    with torch.device("meta"):
        return getattr(transformers, "T5Gemma" + head)(hf)


@st.composite
def stacks(draw) -> dict:
    heads = draw(st.integers(1, 4))
    stack = dict(
        vocab_size=draw(st.integers(1, 60)),
        hidden_size=heads * draw(st.integers(1, 6)),
        intermediate_size=draw(st.integers(1, 30)),
        num_hidden_layers=draw(st.integers(1, 4)),
        num_attention_heads=heads,
        num_key_value_heads=draw(st.integers(1, heads)),
        head_dim=2 * draw(st.integers(1, 5)),  # need not be hidden_size / heads
        attention_bias=draw(st.booleans()),
    )
    if draw(st.booleans()):
        kinds = st.sampled_from(gemma.LAYER_TYPES)
        stack["layer_types"] = draw(st.lists(kinds, min_size=stack["num_hidden_layers"],
                                             max_size=stack["num_hidden_layers"]))  # fmt: skip
    return stack


@st.composite
def config_jsons(draw) -> dict:
    """config.json dicts of every head: balanced and unbalanced, tied and untied."""
    encoder = draw(stacks())
    decoder = encoder if draw(st.booleans()) else draw(stacks())
    head = draw(st.sampled_from(gemma.HEADS))
    if head == "Model":
        both = True
    elif head == "EncoderModel":
        both = False
    else:
        both = draw(st.booleans())
    return {
        "model_type": "t5gemma",
        "architectures": ["T5Gemma" + head],
        "encoder": encoder,
        "decoder": decoder,
        "tie_word_embeddings": draw(st.booleans()),
        "is_encoder_decoder": both,
        "num_labels": draw(st.integers(1, 5)),
    }


def assert_counts_match(data: dict) -> None:
    config = t5sym.from_hf(data)
    assert isinstance(config, gemma.GemmaConfig)
    model = hf_build(data, config.head)
    numels = numel_by_name(model)
    breakdown, encoder_only = gemma.evaluate(config)
    assert breakdown[""] == sum(numels.values())
    for name, value in breakdown.items():
        if name:
            assert sum_matching(numels, name) == value, name
    leaves = [n for n in gemma.tree(config) if n.is_leaf]
    covered = {p for p in numels for leaf in leaves if node_pattern(leaf.name).match(p)}
    assert covered == set(numels)
    encoder = hf_build(data, "EncoderModel", is_encoder_decoder=False)
    assert encoder_only[""] == sum(numel_by_name(encoder).values())
    # the formula, evaluated, is the same count
    assert gemma.formula(config).subs(config.values()) == breakdown[""]


@settings(max_examples=40, deadline=None)
@given(data=config_jsons())
def test_every_part_of_every_head_equals_transformers(data: dict) -> None:
    assert_counts_match(data)


@pytest.mark.parametrize("head", gemma.HEADS)
@pytest.mark.parametrize("tied", [True, False])
def test_each_head_tied_and_untied(head: str, tied: bool) -> None:
    small = dict(vocab_size=11, hidden_size=8, intermediate_size=5, num_hidden_layers=3,
                 num_attention_heads=2, num_key_value_heads=1, head_dim=6)  # fmt: skip
    data = {"model_type": "t5gemma", "architectures": ["T5Gemma" + head],
            "encoder": small, "decoder": dict(small, hidden_size=6, vocab_size=13),
            "tie_word_embeddings": tied, "is_encoder_decoder": head != "EncoderModel"}  # fmt: skip
    assert_counts_match(data)


# --- reading a config.json as T5GemmaConfig reads it -------------------------------------


@settings(max_examples=40, deadline=None)
@given(data=config_jsons(), drop=st.sets(st.sampled_from(FIELDS)))
def test_fields_and_defaults_as_transformers_reads_them(data: dict, drop: set) -> None:
    data = {**data, "encoder": {k: v for k, v in data["encoder"].items() if k not in drop}}
    if "num_hidden_layers" in drop:
        data["encoder"].pop("layer_types", None)
    if drop & {"hidden_size", "num_attention_heads"}:
        data["encoder"].pop("hidden_size", None)
        data["encoder"].pop("num_attention_heads", None)
    theirs = transformers.T5GemmaConfig.from_dict(data)
    ours = t5sym.from_hf(data)
    for stack in ("encoder", "decoder"):
        for f in (*FIELDS, "attention_bias", "sliding_window"):
            assert getattr(getattr(ours, stack), f) == getattr(getattr(theirs, stack), f), f
        sliding = getattr(theirs, stack).layer_types.count("sliding_attention")
        assert getattr(ours, stack).sliding_layers() == sliding
    assert ours.tie_word_embeddings == theirs.tie_word_embeddings
    assert ours.num_labels == theirs.num_labels


def test_missing_stacks_take_the_module_defaults() -> None:
    theirs = transformers.T5GemmaConfig.from_dict({"encoder": {"hidden_size": 3584}})
    ours = t5sym.from_hf({"model_type": "t5gemma", "encoder": {"hidden_size": 3584}})
    assert ours.decoder.hidden_size == theirs.decoder.hidden_size == 2304  # not the encoder's
    assert ours.tie_word_embeddings is theirs.tie_word_embeddings is True
    assert ours.num_labels == theirs.num_labels


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"encoder": {"hidden_size": 10, "num_attention_heads": 3}}, "encoder.hidden_size"),
        ({"decoder": {"num_hidden_layers": 3, "layer_types": ["full_attention"]}},
         "decoder.layer_types"),
        ({"architectures": ["T5GemmaEncoderModel"]}, "is_encoder_decoder"),
        ({"architectures": ["T5GemmaModel"], "is_encoder_decoder": False}, "is_encoder_decoder"),
        ({"encoder": {"head_dim": None}}, "encoder.head_dim"),
        ({"decoder": {"hidden_size": 2.0}}, "decoder.hidden_size"),
        ({"decoder": {"head_dim": 5}}, "decoder.head_dim"),
    ],
)  # fmt: skip
def test_what_transformers_refuses_is_refused_in_one_line(data: dict, field: str) -> None:
    data = {"model_type": "t5gemma", **data}
    refused = (ValueError, StrictDataclassClassValidationError, StrictDataclassFieldValidationError)
    with pytest.raises(refused):
        head = (data.get("architectures") or ["T5GemmaForConditionalGeneration"])[0]
        hf_build(data, head[len("T5Gemma") :])
    with pytest.raises(ConfigError) as err:
        t5sym.from_hf(data)
    message = str(err.value)
    assert message.startswith(f"{field}: ") and "\n" not in message, message


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"model_type": "t5gemma", "architectures": ["T5GemmaForQuestionAnswering"]},
         "architectures"),
        ({"model_type": "t5gemma", "encoder": {"hidden_activation": "xielu"}},
         "encoder.hidden_activation"),
        ({"model_type": "t5gemma", "encoder": [1]}, "encoder"),
    ],
)  # fmt: skip
def test_what_t5sym_does_not_count_is_refused_in_one_line(data: dict, field: str) -> None:
    with pytest.raises(ConfigError) as err:
        t5sym.from_hf(data)
    assert str(err.value).startswith(f"{field}: ") and "\n" not in str(err.value)


def test_t5gemma_has_no_question_answering_head() -> None:
    assert not hasattr(transformers, "T5GemmaForQuestionAnswering")
    assert set(gemma.HEADS) == {
        n[len("T5Gemma") :] for n in transformers.models.t5gemma.modeling_t5gemma.__all__
    } - {"PreTrainedModel"}


# --- roles, from transformers' module classes ----------------------------------------------


def hf_roles(model: torch.nn.Module) -> dict[str, tuple[str, Role | None, Role | None, bool]]:
    """Each parameter's category, attention kind, stack and whether it is a post-norm."""
    out = {}
    for name, _ in model.named_parameters():
        path, module, classes = name.split("."), model, []
        for part in path[:-1]:
            module = module[int(part)] if part.isdigit() else getattr(module, part)
            classes.append(type(module).__name__)
        stack = Role.DECODER if "T5GemmaDecoder" in classes else (
            Role.ENCODER if "T5GemmaEncoder" in classes else None)  # fmt: skip
        attention = None
        if "T5GemmaCrossAttention" in classes:
            attention = Role.CROSS_ATTENTION
        elif "T5GemmaSelfAttention" in classes:
            attention = Role.SELF_ATTENTION
        if classes[-1] == "T5GemmaRMSNorm":
            category = "norms"
        elif attention:
            category = "attention"
        elif "T5GemmaMLP" in classes:
            category = "feed-forward"
        else:
            category = "embedding"
        out[name] = (category, attention, stack, bool(re.match(r"post_", path[-2])))
    return out


@settings(max_examples=25, deadline=None)
@given(data=config_jsons())
def test_every_leaf_has_the_role_of_its_transformers_module(data: dict) -> None:
    config = t5sym.from_hf(data)
    theirs = hf_roles(hf_build(data, config.head))
    for leaf in gemma.tree(config):
        if not leaf.is_leaf:
            continue
        for name in (n for n in theirs if node_pattern(leaf.name).match(n)):
            category, attention, stack, post = theirs[name]
            assert roles.category(leaf) == category, name
            assert leaf.stack == stack, name
            assert (leaf.role is Role.POST_NORM) == post, name
            if leaf.within(Role.Q, Role.K, Role.V, Role.O):
                assert leaf.module == attention, name


def test_gated_feed_forward_roles_are_t5s() -> None:
    t = gemma.tree(t5sym.load("t5gemma-2b-2b"))
    mlp = "model.encoder.layers.*.mlp"
    assert [t[f"{mlp}.{p}"].role for p in ("gate_proj", "up_proj", "down_proj")] == [
        Role.WI_0,
        Role.WI_1,
        Role.WO,
    ]


# --- presets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(presets.GEMMA_PRESETS))
def test_presets_equal_transformers_and_the_published_counts(name: str) -> None:
    """Every part (and the encoder alone) equals transformers' model of the preset's config
    on meta; the total is KerasHub's exact count of the checkpoint."""
    config = t5sym.load(name)
    data = {"model_type": "t5gemma", "encoder": config.encoder.to_dict(),
            "decoder": config.decoder.to_dict()}  # fmt: skip
    for stack in ("encoder", "decoder"):
        data[stack].pop("sliding_layers")
    assert_counts_match(data)
    model = hf_build(data, "ForConditionalGeneration")
    total = sum(numel_by_name(model).values())
    assert gemma.evaluate(config)[0][""] == total
    exact = [c for c in presets.GEMMA_CLAIMS if c.preset == name and "," in c.label]
    assert [c.value for c in exact] == [total]


def test_preset_aliases_name_every_checkpoint() -> None:
    for variant in presets.GEMMA_VARIANTS:
        assert t5sym.load(f"google/t5gemma-9b-2b-{variant}").name == "t5gemma-9b-2b"


# --- the formula -----------------------------------------------------------------------------


def test_formula_writes_a_shared_field_once() -> None:
    balanced = str(gemma.formula(t5sym.load("t5gemma-2b-2b")))
    assert "encoder_" not in balanced and "num_key_value_heads" in balanced
    unbalanced = gemma.formula(t5sym.load("t5gemma-9b-2b"))
    names = {s.name for s in unbalanced.free_symbols}
    assert {"encoder_hidden_size", "decoder_hidden_size", "head_dim", "vocab_size"} <= names


def test_formula_of_a_tied_lm_head_says_what_it_is_tied_to() -> None:
    with pytest.raises(NodeError, match="tied to the decoder's embed_tokens"):
        gemma.formula(t5sym.load("t5gemma-2b-2b"), "lm_head")


# --- the views refuse T5Gemma in one line ---------------------------------------------------


VIEWS = {
    "inference": lambda c: inference.inference(c),
    "shard": lambda c: sharding.shard(c, 8),
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_views_not_modelled_refuse_in_one_line(view: str) -> None:
    with pytest.raises(T5SymError) as err:
        VIEWS[view](t5sym.load("t5gemma-2b-2b"))
    message = str(err.value)
    assert message.startswith("model_type: t5gemma: ") and "\n" not in message, message


# --- the command line: count and formula through params' hooks, the rest refuse ------------


def test_cli_count_and_formula(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from t5sym import cli

    config = t5sym.load("t5gemma-9b-2b")
    nine = {"hidden_size": 3584, "intermediate_size": 14336, "num_hidden_layers": 42,
            "num_attention_heads": 16, "num_key_value_heads": 8}  # fmt: skip
    data = {"model_type": "t5gemma", "encoder": nine}
    total = sum(numel_by_name(hf_build(data, "ForConditionalGeneration")).values())
    assert cli.main(["count", "google/t5gemma-9b-2b-ul2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == total and out["model"] == "T5GemmaForConditionalGeneration"
    assert cli.main(["count", "t5gemma-9b-2b", "--breakdown"]) == 0
    assert f"{total:,}" in capsys.readouterr().out
    assert cli.main(["formula", "t5gemma-9b-2b", "--python"]) == 0
    text = capsys.readouterr().out.strip()
    assert eval(text, {}, {s.name: v for s, v in config.values().items()}) == total


@pytest.mark.parametrize(
    "argv", [["memory", "t5gemma-2b-2b", "--batch", "1"],
             ["shard", "t5gemma-2b-2b", "--cores", "8"]],
)  # fmt: skip
def test_cli_views_refuse_in_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from t5sym import cli

    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "model_type: t5gemma" in err, err


@pytest.mark.parametrize(
    ("argv", "key"),
    [(["flops", "t5gemma-9b-2b", "--json"], "forward"),
     (["memory", "t5gemma-9b-2b", "--json", "--optimizer", "adam"], "total"),
     (["weights", "t5gemma-9b-2b", "--json", "--format", "nf4"], "total"),
     (["inference", "t5gemma-9b-2b", "--json"], "kv_cache_bytes")],
)  # fmt: skip
def test_cli_views_that_model_t5gemma_answer(
    argv: list[str], key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from t5sym import cli

    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out)[key] > 0


def test_cli_inference_gives_weights_and_caches(capsys: pytest.CaptureFixture[str]) -> None:
    """`t5sym inference` of T5Gemma 9B-2B: the cross-attention cache is, per decoder layer,
    k and v of 4 kv heads × 256 (KerasHub's config, 26 decoder layers) over S tokens."""
    from t5sym import cli

    argv = ["inference", "t5gemma-9b-2b", "--batch", "1", "--encoder-length", "512"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert f"{26 * 2 * 4 * 256 * 512 * 2:,}" in out and "not modelled" in out
    assert max(len(line) for line in out.splitlines()) <= 80
