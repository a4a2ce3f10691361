"""The T5Gemma page's tables (`t5site.t5gemma`) against transformers' T5Gemma on the meta
device and KerasHub's published counts."""

from __future__ import annotations

import pytest
import torch
import transformers

from t5site import t5gemma
from t5sym.model import presets

#: KerasHub's T5Gemma presets page: exact parameter counts (t5sym.sources
#: "keras-hub-t5gemma-presets").
KERAS_HUB = {"t5gemma-2b-2b": 5_596_853_760, "t5gemma-9b-2b": 12_292_375_296,
             "t5gemma-9b-9b": 20_333_401_088}  # fmt: skip


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
    for name, n in KERAS_HUB.items():
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
