"""T5Gemma 2 (t5sym.model.gemma2) against transformers' own T5Gemma 2, built on the meta device.

Every expected value comes from transformers: ``T5Gemma2Config.from_dict`` for how a
config.json is read, the parameters of its classes for counts (part by part, every head,
generated configs: layer-type mixes, tied and untied, biases, the vision tower's pooling
head on and off), its module classes for roles, and the errors it raises for what t5sym
refuses.
"""

from __future__ import annotations

import pytest
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st

import t5sym
from t5sym.errors import ConfigError, T5SymError
from t5sym.model import gemma, gemma2, presets, roles
from t5sym.views import formats, memory

from .support.reference import node_pattern, numel_by_name, sum_matching

FIELDS = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
          "num_attention_heads", "num_key_value_heads", "head_dim")  # fmt: skip


def hf_build(data: dict, head: str):
    """transformers' T5Gemma 2 of ``head`` for a config.json ``data``, on the meta device."""
    hf = transformers.T5Gemma2Config.from_dict(data)
    with torch.device("meta"):
        if head == "Encoder":
            return transformers.T5Gemma2Encoder(hf.encoder, hf.eoi_token_index)
        return getattr(transformers, "T5Gemma2" + head)(hf)


@st.composite
def text_stacks(draw, hidden: int, heads: int, vocab: int) -> dict:
    stack = dict(
        vocab_size=vocab,
        hidden_size=hidden,
        intermediate_size=draw(st.integers(1, 30)),
        num_hidden_layers=draw(st.integers(1, 7)),
        num_attention_heads=heads,
        num_key_value_heads=draw(st.integers(1, heads)),
        head_dim=2 * draw(st.integers(1, 5)),
        attention_bias=draw(st.booleans()),
    )
    if draw(st.booleans()):
        kinds = st.sampled_from(gemma.LAYER_TYPES)
        layers = stack["num_hidden_layers"]
        stack["layer_types"] = draw(st.lists(kinds, min_size=layers, max_size=layers))
    return stack


@st.composite
def config_jsons(draw) -> dict:
    """config.json dicts of every head, tied and untied, the tower's head on and off."""
    heads = draw(st.integers(1, 4))
    hidden, vocab = heads * draw(st.integers(1, 6)), draw(st.integers(1, 60))
    encoder = draw(text_stacks(hidden, heads, vocab))
    decoder = encoder if draw(st.booleans()) else draw(text_stacks(hidden, heads, vocab))
    vision_heads, patch = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    vision = dict(
        hidden_size=vision_heads * draw(st.integers(1, 5)),
        intermediate_size=draw(st.integers(1, 20)),
        num_hidden_layers=draw(st.integers(1, 3)),
        num_attention_heads=vision_heads,
        num_channels=draw(st.integers(1, 3)),
        patch_size=patch,
        image_size=draw(st.integers(patch, 3 * patch + 2)),
        vision_use_head=draw(st.booleans()),
    )
    return {
        "model_type": "t5gemma2",
        "architectures": ["T5Gemma2" + draw(st.sampled_from(gemma2.HEADS))],
        "encoder": {"text_config": encoder, "vision_config": vision},
        "decoder": decoder,
        "tie_word_embeddings": draw(st.booleans()),
        "num_labels": draw(st.integers(1, 5)),
    }


def assert_counts_match(data: dict) -> None:
    config = t5sym.from_hf(data)
    assert isinstance(config, gemma2.Gemma2Config)
    numels = numel_by_name(hf_build(data, config.head))
    breakdown, encoder_only = gemma.evaluate(config)
    assert breakdown[""] == sum(numels.values())
    for name, value in breakdown.items():
        if name:
            assert sum_matching(numels, name) == value, name
    leaves = [n for n in gemma.tree(config) if n.is_leaf]
    assert {p for p in numels for leaf in leaves if node_pattern(leaf.name).match(p)} == set(numels)
    assert encoder_only[""] == sum(numel_by_name(hf_build(data, "Encoder")).values())
    assert gemma.formula(config).subs(config.values()) == breakdown[""]


@settings(max_examples=40, deadline=None)
@given(data=config_jsons())
def test_every_part_of_every_head_equals_transformers(data: dict) -> None:
    assert_counts_match(data)


@pytest.mark.parametrize("head", gemma2.HEADS)
@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("tower_head", [True, False])
def test_each_head_tied_and_untied(head: str, tied: bool, tower_head: bool) -> None:
    small = dict(vocab_size=11, hidden_size=8, intermediate_size=5, num_hidden_layers=7,
                 num_attention_heads=2, num_key_value_heads=1, head_dim=6)  # fmt: skip
    vision = dict(hidden_size=6, intermediate_size=7, num_hidden_layers=2, num_attention_heads=3,
                  patch_size=4, image_size=14, vision_use_head=tower_head)  # fmt: skip
    data = {"model_type": "t5gemma2", "architectures": ["T5Gemma2" + head],
            "encoder": {"text_config": small, "vision_config": vision},
            "decoder": dict(small, num_hidden_layers=3), "tie_word_embeddings": tied}  # fmt: skip
    assert_counts_match(data)


def test_defaults_equal_transformers() -> None:
    """No field at all: T5Gemma2Config's defaults (a SigLIP-base tower with its head)."""
    assert_counts_match({"model_type": "t5gemma2"})


# --- reading a config.json as T5Gemma2Config reads it -----------------------------------


@settings(max_examples=30, deadline=None)
@given(data=config_jsons(), drop=st.sets(st.sampled_from(FIELDS)))
def test_fields_and_defaults_as_transformers_reads_them(data: dict, drop: set) -> None:
    text = data["encoder"]["text_config"]
    data["encoder"]["text_config"] = {k: v for k, v in text.items() if k not in drop}
    if drop & {"hidden_size", "num_attention_heads", "vocab_size", "num_hidden_layers"}:
        data["encoder"]["text_config"] = {}
        data["decoder"] = {}
    theirs = transformers.T5Gemma2Config.from_dict(data)
    ours = t5sym.from_hf(data)
    for stack, hf in (("encoder", theirs.encoder.text_config), ("decoder", theirs.decoder)):
        for f in (*FIELDS, "attention_bias", "sliding_window"):
            assert getattr(getattr(ours, stack), f) == getattr(hf, f), (stack, f)
        assert getattr(ours, stack).sliding_layers() == hf.layer_types.count("sliding_attention")
    for f in gemma2.VISION_DEFAULTS:
        assert getattr(ours.vision, f) == getattr(theirs.encoder.vision_config, f), f
    assert ours.tie_word_embeddings == theirs.tie_word_embeddings


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"decoder": {"hidden_size": 1152}}, "decoder.hidden_size"),
        ({"decoder": {"vocab_size": 5}}, "decoder.vocab_size"),
        ({"is_encoder_decoder": False}, "is_encoder_decoder"),
        ({"encoder": {"vision_config": {"hidden_size": 10, "num_attention_heads": 3}}},
         "encoder.vision_config.hidden_size"),
        ({"encoder": {"text_config": {"hidden_size": 10, "num_attention_heads": 3},
                      "vision_config": {}}, "decoder": {"hidden_size": 10,
                                                        "num_attention_heads": 3}},
         "encoder.text_config.hidden_size"),
        ({"encoder": {"text_config": {"head_dim": 5}}}, "encoder.text_config.head_dim"),
    ],
)  # fmt: skip
def test_what_transformers_refuses_is_refused_in_one_line(data: dict, field: str) -> None:
    data = {"model_type": "t5gemma2", **data}
    with pytest.raises(Exception):  # noqa: B017, PT011 - transformers raises several kinds
        hf_build(data, "ForConditionalGeneration")
    with pytest.raises(ConfigError) as err:
        t5sym.from_hf(data)
    message = str(err.value)
    assert message.startswith(f"{field}: ") and "\n" not in message, message


def test_heads_are_transformers_classes() -> None:
    names = set(transformers.models.t5gemma2.modeling_t5gemma2.__all__) - {
        "T5Gemma2PreTrainedModel"}  # fmt: skip
    assert {gemma2.CLASS_PREFIX + h for h in gemma2.HEADS} == names


# --- roles, from transformers' module classes ---------------------------------------------


@settings(max_examples=15, deadline=None)
@given(data=config_jsons())
def test_every_leaf_has_the_category_of_its_transformers_module(data: dict) -> None:
    config = t5sym.from_hf(data)
    model = hf_build(data, config.head)
    for leaf in gemma.tree(config):
        if not leaf.is_leaf:
            continue
        for name, _ in model.named_parameters():
            if not node_pattern(leaf.name).match(name):
                continue
            module = model.get_submodule(name.rsplit(".", 1)[0])
            kind = type(module).__name__
            if kind in ("T5Gemma2RMSNorm", "LayerNorm"):
                want = "norms"
            elif kind.endswith("Attention") or type(model.get_submodule(
                    name.rsplit(".", 2)[0])).__name__.endswith("Attention"):  # fmt: skip
                want = "attention"
            elif "MLP" in kind or kind == "Linear" and "mlp" in name.split(".")[-3:-1]:
                want = "feed-forward"
            else:
                continue
            assert roles.category(leaf) == want, name


# --- the views that are not mapped for T5Gemma 2 refuse in one line --------------------------


VIEWS = {
    "gguf": lambda c: formats.weights(c, "gguf-q8_0"),
    "fp8": lambda c: formats.weights(c, "fp8"),
    "lora": lambda c: memory.training_memory(c, lora_rank=8),
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_views_not_mapped_refuse_in_one_line(view: str) -> None:
    with pytest.raises(T5SymError) as err:
        VIEWS[view](t5sym.from_hf({"model_type": "t5gemma2"}))
    message = str(err.value)
    assert message.split(":")[0] in ("format", "lora_rank") and "\n" not in message, message
    assert "T5Gemma" in message


def test_count_text_names_the_encoder_class_transformers_defines(tmp_path) -> None:
    """`t5sym count` of a T5Gemma 2 config: its encoder alone is ``T5Gemma2Encoder``
    (transformers 5 has no T5Gemma2EncoderModel)."""
    import transformers

    path = tmp_path / "config.json"
    path.write_text('{"model_type": "t5gemma2"}')
    assert hasattr(transformers, "T5Gemma2Encoder")
    assert not hasattr(transformers, "T5Gemma2EncoderModel")
    from .support.cli import run

    out = run("count", str(path))
    assert out.returncode == 0 and "T5Gemma2Encoder (encoder only)" in out.stdout


def test_roles_of_the_new_parts_are_transformers_classes() -> None:
    """Each node with a T5Gemma 2 role is the module transformers builds for it: the
    SigLIP tower, the projector, the decoder's merged attention (meta device)."""
    import re

    import torch
    import transformers

    from t5sym.model import gemma, gemma2
    from t5sym.model.roles import Role

    with torch.device("meta"):
        model = transformers.T5Gemma2ForConditionalGeneration(transformers.T5Gemma2Config())
    by_class: dict[str, set[str]] = {}
    for name, module in model.named_modules():  # block indices as the tree writes them
        by_class.setdefault(type(module).__name__, set()).add(re.sub(r"\.\d+\.", ".*.", name))
    expected = {Role.VISION_TOWER: "SiglipVisionModel",
                Role.PROJECTOR: "T5Gemma2MultiModalProjector",
                Role.MERGED_ATTENTION: "T5Gemma2MergedAttention"}  # fmt: skip
    tree = gemma.tree(gemma2.Gemma2Config())
    for role, cls in expected.items():
        assert {n.name for n in tree if n.role is role} == by_class[cls], role


# --- presets -------------------------------------------------------------------------------


def preset_json(config: gemma2.Gemma2Config) -> dict:
    """The config.json of a T5Gemma 2 preset: its fields as T5Gemma2Config reads them."""
    stacks = {}
    for stack in ("encoder", "decoder"):
        stacks[stack] = getattr(config, stack).to_dict()
        stacks[stack].pop("sliding_layers")
    vision = config.to_dict()["vision"]
    return {"model_type": "t5gemma2", "decoder": stacks["decoder"],
            "encoder": {"text_config": stacks["encoder"], "vision_config": vision}}  # fmt: skip


@pytest.mark.parametrize("name", list(presets.GEMMA2_PRESETS))
def test_presets_equal_transformers_and_the_published_counts(name: str) -> None:
    """Every part equals transformers' T5Gemma2ForConditionalGeneration of the preset's
    config on meta, and the total is the published count of a checkpoint adapted from it
    (MTEB's KaLM-Reranker-V1, t5sym.sources "mteb-kalm-reranker")."""
    config = t5sym.load(name)
    data = preset_json(config)
    assert_counts_match(data)
    total = sum(numel_by_name(hf_build(data, "ForConditionalGeneration")).values())
    exact = [c.value for c in presets.GEMMA_CLAIMS if c.preset == name and "," in c.label]
    assert exact == [total]
    assert t5sym.load(f"google/{name}") is config
