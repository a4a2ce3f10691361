"""The T5Gemma page's tables (`t5site.t5gemma`) against transformers' T5Gemma on the meta
device and KerasHub's published counts."""

from __future__ import annotations

import pytest
import torch
import transformers

import t5sym
from t5site import t5gemma
from t5sym.model import presets
from t5sym.views import inference

#: KerasHub's T5Gemma presets page: exact parameter counts (t5sym.sources
#: "keras-hub-t5gemma-presets").
KERAS_HUB = {"t5gemma-2b-2b": 5_596_853_760, "t5gemma-9b-2b": 12_292_375_296,
             "t5gemma-9b-9b": 20_333_401_088, "t5gemma-s-s": 312_517_632,
             "t5gemma-b-b": 591_490_560, "t5gemma-l-l": 1_241_761_792,
             "t5gemma-ml-ml": 2_200_345_344, "t5gemma-xl-xl": 3_766_980_608}  # fmt: skip
#: KerasHub's T5Gemma 2 presets (t5sym.sources "keras-hub-t5gemma2-presets") and MTEB's
#: counts of rerankers adapted from each checkpoint ("mteb-kalm-reranker").
KERAS_HUB_2 = {"t5gemma-2-270m-270m": 953_800_816, "t5gemma-2-1b-1b": 2_417_966_192,
               "t5gemma-2-4b-4b": 8_180_020_080}  # fmt: skip
MTEB = {"t5gemma-2-270m-270m": 786_029_296, "t5gemma-2-1b-1b": 2_115_977_456,
        "t5gemma-2-4b-4b": 7_508_928_880}  # fmt: skip


def _hf_config(name: str, *, grouped: bool = True):
    data = presets.get(name).config
    return transformers.T5GemmaConfig(
        encoder=transformers.T5GemmaModuleConfig(**_module(data.encoder, grouped)),
        decoder=transformers.T5GemmaModuleConfig(**_module(data.decoder, grouped)),
        tie_word_embeddings=True,
    )


def _hf(name: str, *, grouped: bool = True) -> dict[str, int]:
    """transformers' T5GemmaForConditionalGeneration of a preset on meta: numel by name."""
    with torch.device("meta"):
        model = transformers.T5GemmaForConditionalGeneration(_hf_config(name, grouped=grouped))
    return {n: p.numel() for n, p in model.named_parameters()}


def _module(stack, grouped: bool) -> dict:
    fields = {f: getattr(stack, f) for f in ("hidden_size", "intermediate_size",
              "num_hidden_layers", "num_attention_heads", "head_dim", "vocab_size")}  # fmt: skip
    fields["num_key_value_heads"] = (
        stack.num_key_value_heads if grouped else stack.num_attention_heads
    )
    return fields


@pytest.mark.parametrize("name", list(KERAS_HUB))
def test_costs_row_against_transformers(name: str) -> None:
    grouped, ungrouped = _hf(name), _hf(name, grouped=False)
    total = sum(grouped.values())
    assert total == KERAS_HUB[name]
    encoder = sum(v for k, v in grouped.items() if k.startswith("model.encoder."))
    post = sum(v for k, v in grouped.items() if "post_" in k and "layernorm" in k)
    row = t5gemma.costs_row(name)
    assert row == [total, encoder, sum(ungrouped.values()) - total, post,
                   grouped["model.decoder.embed_tokens.weight"]]  # fmt: skip


def test_published_table_has_every_claim() -> None:
    rows = [line for line in t5gemma.published_table().splitlines()[2:]]
    assert len(rows) == len(presets.GEMMA_CLAIMS)
    for name, n in {**KERAS_HUB, **MTEB}.items():
        assert f"| `{name}` | {n:,} | {n:,} | +0 |" in rows


def test_flops_table_forward_is_flop_counter_on_meta() -> None:
    """The forward cell of t5gemma-2b-2b at S = 512, T = 128: FlopCounterMode on
    transformers' model of the preset on the meta device (masks passed as None: building
    them reads values; eager attention adds them to the full scores, no product changes)."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model = transformers.T5GemmaForConditionalGeneration(_hf_config("t5gemma-2b-2b"))
        ids, dec = torch.ones(1, 512, dtype=torch.long), torch.ones(1, 128, dtype=torch.long)
    masks = {"full_attention": None, "sliding_attention": None}
    with FlopCounterMode(display=False) as counter:
        model(input_ids=ids, decoder_input_ids=dec, attention_mask=masks,
              decoder_attention_mask=masks)  # fmt: skip
    row = t5gemma.flops_table((512,)).splitlines()[2]
    assert row.startswith(f"| `t5gemma-2b-2b` | 512 | {counter.get_total_flops():,} | ")


def test_caches_table_cross_attention_by_hand() -> None:
    """KerasHub's 2B-2B: 26 decoder layers, 1 key-value head of 256 (t5gemma-2b-2b's config):
    k and v of the 512 encoder tokens per layer, 2 bytes each in bf16."""
    row = t5gemma.caches_table((128,)).splitlines()[2]
    config = presets.get("t5gemma-2b-2b").config.decoder
    cross = config.num_hidden_layers * 2 * config.num_key_value_heads * config.head_dim * 512 * 2
    assert row.split(" | ")[3] == f"{cross:,}"


def _hf2(name: str) -> dict[str, int]:
    """transformers' T5Gemma2ForConditionalGeneration of a preset on meta: numel by name."""
    config = presets.get(name).config
    stacks = {s: getattr(config, s).to_dict() for s in ("encoder", "decoder")}
    for stack in stacks.values():
        stack.pop("sliding_layers")
    encoder = {"text_config": stacks["encoder"], "vision_config": config.to_dict()["vision"]}
    data = {"model_type": "t5gemma2", "decoder": stacks["decoder"], "encoder": encoder}
    with torch.device("meta"):
        model = transformers.T5Gemma2ForConditionalGeneration(
            transformers.T5Gemma2Config.from_dict(data)
        )
    return {n: p.numel() for n, p in model.named_parameters()}


@pytest.mark.parametrize("name", list(MTEB))
def test_gemma2_row_against_transformers(name: str) -> None:
    theirs = _hf2(name)
    total = sum(theirs.values())
    assert total == MTEB[name]

    def part(prefix: str) -> int:
        return sum(v for k, v in theirs.items() if k.startswith(prefix))

    vision, projector = (
        part("model.encoder.vision_tower."),
        part("model.encoder.multi_modal_projector."),
    )
    embedding = part("model.encoder.text_model.embed_tokens.")
    assert t5gemma.gemma2_row(name) == [total, vision, projector, embedding,
                                        total - vision - projector - embedding]  # fmt: skip


def test_keras_hub_gemma2_table_sets_keras_hub_beside_transformers() -> None:
    """KerasHub's count minus transformers' on meta, and one more embedding table: the
    numel of transformers' text_model.embed_tokens.weight."""
    rows = t5gemma.keras_hub_gemma2_table().splitlines()[2:]
    assert len(rows) == len(KERAS_HUB_2)
    for row, (name, n) in zip(rows, KERAS_HUB_2.items(), strict=True):
        theirs = _hf2(name)
        total, table = sum(theirs.values()), theirs["model.encoder.text_model.embed_tokens.weight"]
        cells = [f"`{name}`", f"{n:,}", f"{total:,}", f"{n - total:+,}", f"{table:,}",
                 f"{n - total - table:+,}"]  # fmt: skip
        assert row == "| " + " | ".join(cells) + " |"


def test_gemma2_caches_table_cross_attention_by_hand() -> None:
    """The merged attention's cross part: k and v of the S = 512 encoder tokens in every
    decoder layer, num_key_value_heads x head_dim each, 2 bytes in bf16 (gemma.cpp's Gemma 3
    1B: 26 layers, 1 key-value head of 256)."""
    rows = t5gemma.gemma2_caches_table().splitlines()[2:]
    assert rows[1].split(" | ")[3] == f"{26 * 2 * 1 * 256 * 512 * 2:,}"


def test_family_page_lists_every_gemma_preset_with_its_published_total() -> None:
    from t5site import lineup

    rows = lineup.gemma_table().splitlines()[2:]
    published = {**KERAS_HUB, **MTEB}
    assert [r.split(" | ")[0] for r in rows] == [f"| `{n}`" for n in published]
    for row, total in zip(rows, published.values(), strict=True):
        assert row.endswith(f" | {total:,} |")
    assert lineup.gemma_sources_list().count("\n") + 1 == len(published)


def test_generate_table_shows_the_library_and_the_window_saves_only_with_the_cache() -> None:
    """The cells are `inference.gemma_cache`'s (tested against FlopCounterMode around a real
    generate()) and their ratios to the forward; the cached run computes less than the
    teacher-forced forward, the uncached one more, past the window (T = 16,384 > 4,096) too."""
    table = t5gemma.generate_table(names=("t5gemma-s-s",))
    rows = [[c.strip() for c in r.split("|")[1:-1]] for r in table.splitlines()[2:]]
    config = t5sym.load("t5gemma-s-s")
    for row, t in zip(rows, (128, 16384), strict=True):
        r = inference.gemma_cache(config, 1, 512, t, "bf16")
        forward = t5sym.count_flops(config, 1, 512, t).forward
        assert row[2] == f"{r.generation_flops:,}"
        assert r.generation_flops < forward < r.uncached_generation_flops
        ratios = [float(c.rstrip("×").replace(",", "")) for c in row[3:]]
        assert ratios[0] < 1 < ratios[1]
