"""T5Gemma 2's training memory against one real step of small CPU models.

The reference: transformers' ``T5Gemma2*`` of every head, fed text and an image (image and
end-of-image tokens in the encoder's input, end-of-image in the decoder's), one forward,
``backward()`` and ``step()`` of torch's Adam or transformers' Adafactor; then every weight,
every ``p.grad`` and every tensor of ``optimizer.state``, by parameter name.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st

import t5sym
from t5sym.views import memory

from .test_flops_gemma2 import runnable
from .test_memory import SETTINGS, T5SYM_NAME, TORCH_DTYPE, Measured, assert_step_matches, stepped


def multimodal(draw) -> dict:
    """A runnable config.json whose image fills one token: 2×2 patches pooled to 1, and the
    image, end-of-image and begin-of-image ids inside the vocabulary."""
    data = runnable(draw)
    vocab = max(6, data["encoder"]["text_config"]["vocab_size"])
    for stack in (data["encoder"]["text_config"], data["decoder"]):
        stack["vocab_size"] = vocab
    vision = data["encoder"]["vision_config"]
    vision["image_size"] = 2 * vision["patch_size"]
    ids = {"image_token_index": vocab - 1, "eoi_token_index": vocab - 2}
    data["encoder"] |= {**ids, "boi_token_index": vocab - 3, "mm_tokens_per_image": 1}
    return {**data, **ids}


def model_of(data: dict) -> torch.nn.Module:
    hf = transformers.T5Gemma2Config.from_dict(data)
    torch.manual_seed(0)
    if t5sym.from_hf(data).head == "Encoder":
        return transformers.T5Gemma2Encoder(hf.encoder, hf.eoi_token_index)
    return getattr(transformers, "T5Gemma2" + t5sym.from_hf(data).head)(hf)


def one_step(model: torch.nn.Module, data: dict, build: Callable) -> Measured:
    """One forward on text and an image, backward and optimizer step; then measure."""
    vocab = data["decoder"]["vocab_size"]
    gen = torch.Generator().manual_seed(1)
    text = torch.randint(0, vocab - 3, (2, 6), generator=gen)
    text[:, 1], text[:, 2] = data["image_token_index"], data["eoi_token_index"]
    vision = data["encoder"]["vision_config"]
    size = vision["image_size"]
    pixels = torch.randn(2, vision.get("num_channels", 3), size, size, generator=gen)
    inputs = {"input_ids": text, "pixel_values": pixels.to(next(model.parameters()).dtype)}
    if type(model).__name__ in ("T5Gemma2ForConditionalGeneration", "T5Gemma2Model"):
        decoder = torch.randint(0, vocab - 3, (2, 3), generator=gen)
        decoder[:, 1] = data["eoi_token_index"]
        inputs["decoder_input_ids"] = decoder
    out = model(**inputs)
    first = out.logits if hasattr(out, "logits") else out.last_hidden_state
    first.float().square().mean().backward()
    return stepped(model, build)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(list(TORCH_DTYPE)),
       setting=st.sampled_from(list(SETTINGS)))  # fmt: skip
def test_training_memory_matches_one_real_step(data, dtype: str, setting: str) -> None:
    """Every head, tied and untied, the tower's pooling head on and off: weights, gradients,
    optimizer state, its tensors and Python numbers, in total and part by part. The pooling
    head is never read, so it has no gradient: the only parameters without one."""
    config_json = multimodal(data.draw)
    config = t5sym.from_hf(config_json)
    model = model_of(config_json).to(TORCH_DTYPE[dtype])
    real = one_step(model, config_json, SETTINGS[setting])
    untouched = set(real.weights) - set(real.gradients)
    assert all("vision_tower.head." in n for n in untouched), untouched
    ours = memory.training_memory(config, dtype, T5SYM_NAME[setting])
    assert_step_matches(ours, real)


def test_saved_activations_are_refused_in_one_line() -> None:
    from .support.cli import run

    out = run("memory", "t5gemma-2-270m-270m", "--batch", "1", "--encoder-length", "8",
              "--decoder-length", "8")  # fmt: skip
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
    assert "t5gemma2" in out.stderr


#: Every optimizer of the view, as people build them (bitsandbytes' run on the CPU too).
def _optimizers() -> dict:
    bnb = pytest.importorskip("bitsandbytes")
    return {
        "adam": lambda ps: torch.optim.Adam(ps, lr=1e-3),
        "adamw": lambda ps: torch.optim.AdamW(ps, lr=1e-3),
        "adafactor": SETTINGS["adafactor"],
        "adamw8bit": lambda ps: bnb.optim.AdamW8bit(ps, lr=1e-3),
        "adam8bit": lambda ps: bnb.optim.Adam8bit(ps, lr=1e-3),
        "paged_adamw8bit": lambda ps: bnb.optim.PagedAdamW8bit(ps, lr=1e-3),
        "paged_adamw": lambda ps: bnb.optim.PagedAdamW(ps, lr=1e-3),
    }


def mid_sized() -> dict:
    """Tensors above bitsandbytes' 4096-value threshold and below it, the pooling head on."""
    text = dict(vocab_size=256, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                num_attention_heads=2, num_key_value_heads=1, head_dim=32,
                sliding_window=4)  # fmt: skip
    vision = dict(hidden_size=64, intermediate_size=80, num_hidden_layers=1,
                  num_attention_heads=2, patch_size=4, image_size=8,
                  vision_use_head=True)  # fmt: skip
    ids = {"image_token_index": 255, "eoi_token_index": 254}
    encoder = {"text_config": text, "vision_config": vision, **ids, "boi_token_index": 253,
               "mm_tokens_per_image": 1}  # fmt: skip
    return {"model_type": "t5gemma2", "architectures": ["T5Gemma2ForConditionalGeneration"],
            "encoder": encoder, "decoder": text, "tie_word_embeddings": False, **ids}  # fmt: skip


@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
@pytest.mark.parametrize("optimizer", ["adam", "adamw", "adafactor", "adamw8bit", "adam8bit",
                                       "paged_adamw8bit", "paged_adamw"])  # fmt: skip
def test_every_optimizer_after_one_real_step(optimizer: str, dtype: str) -> None:
    """torch's, transformers' and bitsandbytes' optimizers: every distinct storage of
    ``optimizer.state`` (the 8-bit ones' two qmaps once), its tensors and Python numbers."""
    build = _optimizers()[optimizer]
    data = mid_sized()
    config = t5sym.from_hf(data)
    model = model_of(data).to(TORCH_DTYPE[dtype])
    real = one_step(model, data, build)
    seen: dict[int, int] = {}
    for state in real.optimizer.state.values():
        for value in state.values():
            if torch.is_tensor(value):
                seen[value.untyped_storage().data_ptr()] = value.untyped_storage().nbytes()
    ours = memory.training_memory(config, dtype, optimizer)
    assert any("vision_tower.head." in n for n in set(real.weights) - set(real.gradients))
    assert (ours.weights, ours.gradients) == (sum(real.weights.values()),
                                              sum(real.gradients.values()))  # fmt: skip
    assert ours.optimizer_state == sum(seen.values())
    assert (ours.state_tensors, ours.state_scalars) == (real.state_tensors, real.state_scalars)
