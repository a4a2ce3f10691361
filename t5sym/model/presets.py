"""Every released T5-family checkpoint as a `t5sym.model.config.Config`, with its source.

Dimensions are those of the checkpoints' ``config.json`` on the Hugging Face Hub and of
the gin files they were trained with (sources on each preset, written as citations of
`t5sym.sources` entries). Rounded sizes that papers and READMEs give are kept in `CLAIMS`
so the site can reconcile them with the exact counts.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass

from t5sym.errors import ConfigError, PresetError
from t5sym.model.checks import shown, text
from t5sym.model.config import Config, from_hf
from t5sym.model.gemma import GemmaConfig, Stack
from t5sym.model.gemma2 import Gemma2Config, Vision, default_layer_types
from t5sym.sources import cite


@dataclass(frozen=True)
class Preset:
    """A released checkpoint: its config, Hub id, family and where the dims come from."""

    config: Config | GemmaConfig
    hub_id: str
    family: str
    source: str

    @property
    def name(self) -> str:
        return self.config.name or self.hub_id


PRESETS: dict[str, Preset] = {}


def _add(
    *,
    name: str,
    hub_id: str,
    family: str,
    source: str,
    d_model: int,
    d_ff: int,
    num_heads: int,
    d_kv: int,
    num_layers: int,
    num_decoder_layers: int | None = None,
    vocab_size: int,
    feed_forward_proj: str = "gated-gelu",
    tie_word_embeddings: bool = False,
    model_type: str = "t5",
    encoder_attention_type: str = "local",
    num_experts: int = 8,
    num_sparse_encoder_layers: int = 3,
    num_sparse_decoder_layers: int = 3,
    expert_capacity: int = 64,
) -> None:
    """Register one preset; every value by its transformers config field name."""
    config = Config(
        d_model=d_model,
        d_ff=d_ff,
        num_heads=num_heads,
        d_kv=d_kv,
        num_layers=num_layers,
        num_decoder_layers=num_decoder_layers,
        vocab_size=vocab_size,
        feed_forward_proj=feed_forward_proj,
        tie_word_embeddings=tie_word_embeddings,
        model_type=model_type,
        encoder_attention_type=encoder_attention_type,
        num_experts=num_experts,
        num_sparse_encoder_layers=num_sparse_encoder_layers,
        num_sparse_decoder_layers=num_sparse_decoder_layers,
        expert_capacity=expert_capacity,
        name=name,
        source="preset",
    )
    PRESETS[name] = Preset(config=config, hub_id=hub_id, family=family, source=source)


# T5 v1.0 (dimensions: T5 paper §3.7 and the gins): ReLU FFN, lm_head tied to the embedding.
_V10 = {
    "small": dict(d_model=512, d_ff=2048, num_heads=8, d_kv=64, num_layers=6),
    "base": dict(d_model=768, d_ff=3072, num_heads=12, d_kv=64, num_layers=12),
    "large": dict(d_model=1024, d_ff=4096, num_heads=16, d_kv=64, num_layers=24),
    "3b": dict(d_model=1024, d_ff=16384, num_heads=32, d_kv=128, num_layers=24),
    "11b": dict(d_model=1024, d_ff=65536, num_heads=128, d_kv=128, num_layers=24),
}
for _size, _row in _V10.items():
    _add(
        name=f"t5-{_size}",
        hub_id=f"google-t5/t5-{_size}",
        family="T5 v1.0",
        source=cite(f"t5-gin-{_size}", f"t5x-t5_1_0-{_size}", "t5-paper-sizes"),
        **_row,
        vocab_size=32128,
        feed_forward_proj="relu",
        tie_word_embeddings=True,
    )

# T5 v1.1 and Flan-T5 (same shapes) and mT5 (vocab 250112): gated-GELU, untied lm_head.
_V11 = {
    "small": dict(d_model=512, d_ff=1024, num_heads=6, d_kv=64, num_layers=8),
    "base": dict(d_model=768, d_ff=2048, num_heads=12, d_kv=64, num_layers=12),
    "large": dict(d_model=1024, d_ff=2816, num_heads=16, d_kv=64, num_layers=24),
    "xl": dict(d_model=2048, d_ff=5120, num_heads=32, d_kv=64, num_layers=24),
    "xxl": dict(d_model=4096, d_ff=10240, num_heads=64, d_kv=64, num_layers=24),
}
for _size, _row in _V11.items():
    _add(
        name=f"t5-v1_1-{_size}",
        hub_id=f"google/t5-v1_1-{_size}",
        family="T5 v1.1",
        source=cite("t5-gin-v1_1", f"t5x-t5_1_1-{_size}"),
        **_row,
        vocab_size=32128,
    )
for _size, _row in _V11.items():
    _add(
        name=f"flan-t5-{_size}",
        hub_id=f"google/flan-t5-{_size}",
        family="Flan-T5",
        source=f"{cite('t5x-models')} (Flan-T5 = T5 v1.1 shapes); {cite(f't5x-t5_1_1-{_size}')}",
        **_row,
        vocab_size=32128,
    )
for _size, _row in _V11.items():
    _add(
        name=f"mt5-{_size}",
        hub_id=f"google/mt5-{_size}",
        family="mT5",
        source=cite(f"t5x-mt5-{_size}"),
        **_row,
        vocab_size=250112,
        model_type="mt5",
    )

# ByT5: bytes (vocab 384 = 256 bytes + 3 specials + 125 sentinels), encoder 3x deeper.
_BYT5 = {
    "small": dict(
        d_model=1472, d_ff=3584, num_heads=6, d_kv=64, num_layers=12, num_decoder_layers=4
    ),
    "base": dict(
        d_model=1536, d_ff=3968, num_heads=12, d_kv=64, num_layers=18, num_decoder_layers=6
    ),
    "large": dict(
        d_model=1536, d_ff=3840, num_heads=16, d_kv=64, num_layers=36, num_decoder_layers=12
    ),
    "xl": dict(
        d_model=2560, d_ff=6720, num_heads=32, d_kv=64, num_layers=36, num_decoder_layers=12
    ),
    "xxl": dict(
        d_model=4672, d_ff=12352, num_heads=64, d_kv=64, num_layers=36, num_decoder_layers=12
    ),
}
for _size, _row in _BYT5.items():
    _add(
        name=f"byt5-{_size}",
        hub_id=f"google/byt5-{_size}",
        family="ByT5",
        source=cite(f"t5x-byt5-{_size}", "byt5-paper-sizes"),
        **_row,
        vocab_size=384,
    )

# UL2 20B: gated-SiLU; dims restated from the google/ul2 model card's config.
_add(
    name="ul2",
    hub_id="google/ul2",
    family="UL2",
    source=f"{cite('ul2-model-doc')} (activation); {cite('ul2-card')} as restated from the "
    f"model card; {cite('ul2-paper')}",
    d_model=4096,
    d_ff=16384,
    num_heads=16,
    d_kv=256,
    num_layers=32,
    vocab_size=32128,
    feed_forward_proj="gated-silu",
)

# UMT5 (Chung et al. 2023, "UniMax", arXiv:2304.09151): mT5's v1.1 shapes, a 256384-row
# vocabulary, a relative position bias in every self-attention layer.
_UMT5_SOURCE = {
    "small": "no config.json of google/umt5-small was read: mT5-small's shapes "
    f"({cite('t5x-mt5-small')}) with UMT5's vocabulary are assumed",
    "base": f"{cite('umt5-base-config')} as copied in fine-tuned checkpoints",
    "xl": cite("umt5-xl-config"),
    "xxl": f"google/umt5-xxl's config as shipped in {cite('umt5-xxl-config')} (the Wan "
    "2.1/2.2 text encoder)",
}
for _size, _row in _V11.items():
    if _size == "large":
        continue  # no umt5-large checkpoint was released
    _add(
        name=f"umt5-{_size}",
        hub_id=f"google/umt5-{_size}",
        family="UMT5",
        source=f"{_UMT5_SOURCE[_size]}; {cite('umt5-paper')}",
        **_row,
        vocab_size=256384,
        model_type="umt5",
    )

# LongT5 (Guo et al. 2022, arXiv:2112.07916): T5 v1.1 shapes; local or transient-global
# attention in the encoder (local_radius 127, global_block_size 16: transformers' defaults
# and the released config.json files).
_LONGT5_HF = {
    "tglobal-base": f"; {cite('longt5-base-config')}",
    "tglobal-large": f"; {cite('longt5-large-config')} as copied in fine-tuned checkpoints",
    "tglobal-xl": f"; {cite('longt5-xl-config')} as copied in fine-tuned checkpoints",
    "local-xl": f"; no LongT5-Local-XL checkpoint is listed in {cite('longt5-readme')} and no "
    "google/long-t5-local-xl config.json was read: the gin's shapes",
}
for _kind, _attention in (("local", "local"), ("tglobal", "transient-global")):
    for _size in ("base", "large", "xl"):
        _add(
            name=f"long-t5-{_kind}-{_size}",
            hub_id=f"google/long-t5-{_kind}-{_size}",
            family="LongT5",
            source=cite(f"longt5-gin-{_attention}-{_size}")
            + _LONGT5_HF.get(f"{_kind}-{_size}", ""),
            **_V11[_size],
            vocab_size=32128,
            model_type="longt5",
            encoder_attention_type=_attention,
        )

# Switch Transformers (Fedus et al. 2022, arXiv:2101.03961): T5 with top-1 routed experts
# in every other feed-forward layer (every layer in Switch-C), ReLU experts; expert
# capacity 64 is transformers' SwitchTransformersConfig default (no released config.json
# was checked for it).
_SWITCH_BASE = dict(d_model=768, d_ff=3072, num_heads=12, d_kv=64, num_layers=12)
for _experts in (8, 16, 32, 64, 128, 256):
    _read = _experts in (32, 64, 256)
    _add(
        name=f"switch-base-{_experts}",
        hub_id=f"google/switch-base-{_experts}",
        family="Switch",
        source=f"{cite('switch-gin-base')} (token embedder reused for the logits: tied); "
        f"{cite('t5x-models')}; "
        + (
            cite(f"switch-base-{_experts}-config")
            if _read
            else f"config.json of google/switch-base-{_experts} not read: as switch-base-32"
        ),
        **_SWITCH_BASE,
        vocab_size=32128,
        feed_forward_proj="relu",
        tie_word_embeddings=True,
        model_type="switch_transformers",
        num_experts=_experts,
        num_sparse_encoder_layers=6,
        num_sparse_decoder_layers=6,
    )
_add(
    name="switch-large-128",
    hub_id="google/switch-large-128",
    family="Switch",
    source=f"{cite('switch-gin-large')} (logits as Switch Base: tied); config.json of "
    "google/switch-large-128 not read",
    d_model=1024,
    d_ff=4096,
    num_heads=16,
    d_kv=64,
    num_layers=24,
    vocab_size=32128,
    feed_forward_proj="relu",
    tie_word_embeddings=True,
    model_type="switch_transformers",
    num_experts=128,
    num_sparse_encoder_layers=12,
    num_sparse_decoder_layers=12,
)
_add(
    name="switch-xxl-128",
    hub_id="google/switch-xxl-128",
    family="Switch",
    source=f"{cite('switch-gin-xxl')}; the gin's MLPs are GEGLU (wi_0, wi_1), which transformers' "
    "SwitchTransformers cannot hold (its experts are never gated): counted as transformers "
    "builds it, one wi per expert; config.json of google/switch-xxl-128 not read, so its "
    "activation and tie_word_embeddings are not confirmed (false assumed from the gin)",
    d_model=4096,
    d_ff=10240,
    num_heads=64,
    d_kv=64,
    num_layers=24,
    vocab_size=32128,
    feed_forward_proj="gelu",
    tie_word_embeddings=False,
    model_type="switch_transformers",
    num_experts=128,
    num_sparse_encoder_layers=12,
    num_sparse_decoder_layers=12,
)
_add(
    name="switch-c-2048",
    hub_id="google/switch-c-2048",
    family="Switch",
    source=f"{cite('switch-gin-c')}; config.json of google/switch-c-2048 not read: the gin's "
    "15 + 15 blocks, every one sparse, and tied logits (transformers' default) are used here",
    d_model=2080,
    d_ff=6144,
    num_heads=30,
    d_kv=64,
    num_layers=15,
    num_decoder_layers=15,
    vocab_size=32128,
    feed_forward_proj="relu",
    tie_word_embeddings=True,
    model_type="switch_transformers",
    num_experts=2048,
    num_sparse_encoder_layers=15,
    num_sparse_decoder_layers=15,
)


# T5Gemma (Zhang et al. 2025): encoder-decoder Gemma 2, kept apart from PRESETS (whose
# configs every T5 view reads) and reached by `get` and `load` like any preset: the Gemma 2
# sizes (2B-2B, 9B-2B, 9B-9B) and the T5 sizes (S, B, L, ML, XL; ML between Large and XL).
# No config.json of the gated checkpoints was read: the dimensions are those of the
# released models' own configs (Gemma 2's table, Google DeepMind's T5Gemma presets), and
# KerasHub's exact count of each checkpoint confirms them.
GEMMA_PRESETS: dict[str, Preset] = {}
_GEMMA2 = {
    "2b": Stack(),  # T5GemmaModuleConfig's defaults are the Gemma 2 2B stack
    "9b": Stack(
        hidden_size=3584,
        intermediate_size=14336,
        num_hidden_layers=42,
        num_attention_heads=16,
        num_key_value_heads=8,
    ),
}
#: The T5-sized stacks: layers, width, GeGLU width, heads (as many key-value heads) × width.
_T5_SIZED = {
    "s": (8, 512, 1024, 8, 64),
    "b": (12, 768, 2048, 12, 64),
    "l": (24, 1024, 2816, 16, 64),
    "ml": (26, 1152, 6912, 4, 256),
    "xl": (24, 2048, 5120, 32, 64),
}
for _size, (_layers, _width, _ff, _heads, _head_dim) in _T5_SIZED.items():
    _GEMMA2[_size] = Stack(
        hidden_size=_width,
        intermediate_size=_ff,
        num_hidden_layers=_layers,
        num_attention_heads=_heads,
        num_key_value_heads=_heads,
        head_dim=_head_dim,
    )
_GEMMA_SIZE_NAMES = {"s": "Small", "b": "Base", "l": "Large", "ml": "ML", "xl": "XL"}
#: The Hub ids of each T5Gemma preset's checkpoints (pretrained and instruction-tuned).
GEMMA_VARIANTS = ("ul2", "prefixlm", "ul2-it", "prefixlm-it")
_KERAS = f"the exact count of {cite('keras-hub-t5gemma-presets')} confirms the dimensions"
for _enc, _dec in (("2b", "2b"), ("9b", "2b"), ("9b", "9b")):
    _name = f"t5gemma-{_enc}-{_dec}"
    GEMMA_PRESETS[_name] = Preset(
        config=GemmaConfig(
            encoder=_GEMMA2[_enc], decoder=_GEMMA2[_dec], name=_name, source="preset"
        ),
        hub_id=f"google/{_name}-ul2",
        family="T5Gemma",
        source=f"{cite('gemma2-paper-table1', 't5gemma-module-config', 't5gemma-doc')} "
        f"(encoder Gemma 2 {_enc.upper()}, decoder Gemma 2 {_dec.upper()}; tied embeddings, "
        f"the T5GemmaConfig default); no config.json of the gated checkpoint was read: {_KERAS}",
    )
for _size in _T5_SIZED:
    _name = f"t5gemma-{_size}-{_size}"
    _also = f"; {cite('gemma-cpp-t5gemma-s')}" if _size == "s" else ""
    GEMMA_PRESETS[_name] = Preset(
        config=GemmaConfig(
            encoder=_GEMMA2[_size], decoder=_GEMMA2[_size], name=_name, source="preset"
        ),
        hub_id=f"google/{_name}-ul2",
        family="T5Gemma",
        source=f"{cite('gemma-t5gemma-presets')} (the {_GEMMA_SIZE_NAMES[_size]} stack: "
        "layers, widths, heads and key-value heads, head width; sliding window 4096 in every "
        f"other layer, layer 0 first; soft-caps 50 and 30 and RoPE, no parameters){_also}; "
        f"vocabulary 256,000 rows, the default of {cite('t5gemma-module-config')} (the Flax "
        "table pads it to 256,128); tied embeddings, the T5GemmaConfig default; no "
        f"config.json of the gated checkpoint was read: {_KERAS}",
    )

# T5Gemma 2 (transformers' t5gemma2): encoder-decoder Gemma 3 with a SigLIP vision tower,
# apart from GEMMA_PRESETS (the T5Gemma views' presets: T5Gemma 2 has count, formula and
# caches only). Text stacks: Gemma 3 270M, 1B and 4B; the tower: Gemma 3's SigLIP.
GEMMA2_PRESETS: dict[str, Preset] = {}
#: Gemma 3 text stacks: layers, width, GeGLU width, heads, key-value heads, sliding window.
_GEMMA3 = {
    "270m": (18, 640, 2048, 4, 1, 512),
    "1b": (26, 1152, 6912, 4, 1, 512),
    "4b": (34, 2560, 10240, 8, 4, 1024),
}
_SIGLIP = Vision(
    hidden_size=1152,
    intermediate_size=4304,
    num_hidden_layers=27,
    num_attention_heads=16,
    image_size=896,
    patch_size=14,
    vision_use_head=False,
)
for _size, (_layers, _width, _ff, _heads, _kv, _window) in _GEMMA3.items():
    _name = f"t5gemma-2-{_size}-{_size}"
    _stack = Stack(
        vocab_size=262144,
        hidden_size=_width,
        intermediate_size=_ff,
        num_hidden_layers=_layers,
        num_attention_heads=_heads,
        num_key_value_heads=_kv,
        head_dim=256,
        sliding_window=_window,
        layer_types=default_layer_types(_layers),
    )
    GEMMA2_PRESETS[_name] = Preset(
        config=Gemma2Config(
            encoder=_stack, decoder=_stack, vision=_SIGLIP, name=_name, source="preset"
        ),
        hub_id=f"google/{_name}",
        family="T5Gemma 2",
        source=f"{cite('gemma-cpp-gemma3')} (Gemma 3 {_size.upper()}: layers, widths, heads "
        f"and key-value heads of 256, window {_window:,} in five layers of six, vocabulary "
        f"262,144 rows; the SigLIP tower of its vision models, 896-pixel images in 14-pixel "
        f"patches, no pooling head); {cite('t5gemma2-doc')} (the sizes); no config.json of "
        f"the checkpoint was read: {cite('mteb-kalm-reranker')} gives the exact count of a "
        "checkpoint adapted from it, which the dimensions reproduce; the count does not depend "
        "on the window (the caches do), which is Gemma 3's, not read from a T5Gemma 2 config",
    )


@dataclass(frozen=True)
class Claim:
    """A parameter count somebody published, with where it was read."""

    preset: str
    label: str
    value: int
    source: str


#: Published sizes to reconcile with the exact counts (see the family page).
CLAIMS: tuple[Claim, ...] = (
    Claim("t5-small", "60M", 60_000_000, cite("t5-paper-sizes", "t5-readme-checkpoints")),
    Claim("t5-base", "220M", 220_000_000, cite("t5-paper-sizes", "t5-readme-checkpoints")),
    Claim("t5-large", "770M", 770_000_000, cite("t5-paper-sizes", "t5-readme-checkpoints")),
    Claim("t5-3b", "3B", 3_000_000_000, cite("t5-readme-checkpoints")),
    Claim("t5-3b", "2.8B", 2_800_000_000, cite("t5-paper-sizes", "t5-gin-3b")),
    Claim("t5-11b", "11B", 11_000_000_000, cite("t5-paper-sizes", "t5-readme-checkpoints")),
    Claim("t5-large", "770,567,168", 770_567_168, cite("wikipedia-t5")),
    Claim("byt5-small", "300M", 300_000_000, cite("byt5-gin-small")),
    Claim("byt5-base", "582M", 582_000_000, cite("byt5-gin-base")),
    Claim("byt5-large", "1.23B", 1_230_000_000, cite("byt5-gin-large")),
    Claim("byt5-xl", "3.74B", 3_740_000_000, cite("byt5-gin-xl")),
    Claim("byt5-xxl", "12.9B", 12_900_000_000, cite("byt5-gin-xxl")),
    Claim("long-t5-local-base", "250M", 250_000_000, cite("longt5-readme")),
    Claim("long-t5-tglobal-base", "250M", 250_000_000, cite("longt5-readme")),
    Claim("long-t5-local-large", "780M", 780_000_000, cite("longt5-readme")),
    Claim("long-t5-tglobal-large", "780M", 780_000_000, cite("longt5-readme")),
    Claim("long-t5-tglobal-xl", "3B", 3_000_000_000, cite("longt5-readme")),
    Claim("switch-base-128", "7B", 7_000_000_000, cite("switch-paper-table-9")),
    Claim("switch-large-128", "26B", 26_000_000_000, cite("switch-paper-table-9")),
    Claim(
        "switch-xxl-128",
        "395B",
        395_000_000_000,
        cite("switch-paper-table-9", "switch-paper-trillion"),
    ),
    Claim("switch-c-2048", "1571B", 1_571_000_000_000, cite("switch-paper-table-9")),
    Claim(
        "switch-c-2048",
        "1.6T",
        1_600_000_000_000,
        cite("switch-paper-trillion", "switch-card"),
    ),
)


#: Published sizes of the T5Gemma and T5Gemma 2 presets (apart from `CLAIMS`, which
#: `t5sym.views.family` reconciles with T5's views). T5Gemma 2's are the counts of
#: checkpoints adapted from Google's, with their architecture (KerasHub's T5Gemma 2 counts
#: hold a second embedding table and are not transformers' model).
GEMMA_CLAIMS: tuple[Claim, ...] = (
    Claim("t5gemma-2b-2b", "5,596,853,760", 5_596_853_760, cite("keras-hub-t5gemma-presets")),
    Claim("t5gemma-9b-2b", "12,292,375,296", 12_292_375_296, cite("keras-hub-t5gemma-presets")),
    Claim("t5gemma-9b-9b", "20,333,401,088", 20_333_401_088, cite("keras-hub-t5gemma-presets")),
    Claim("t5gemma-s-s", "312,517,632", 312_517_632, cite("keras-hub-t5gemma-presets")),
    Claim("t5gemma-b-b", "591,490,560", 591_490_560, cite("keras-hub-t5gemma-presets")),
    Claim("t5gemma-l-l", "1,241,761,792", 1_241_761_792, cite("keras-hub-t5gemma-presets")),
    Claim("t5gemma-ml-ml", "2,200,345,344", 2_200_345_344, cite("keras-hub-t5gemma-presets")),
    Claim("t5gemma-xl-xl", "3,766,980,608", 3_766_980_608, cite("keras-hub-t5gemma-presets")),
    Claim("t5gemma-2b-2b", "6B", 6_000_000_000, cite("t5gemma-collection")),
    Claim("t5gemma-9b-9b", "20B", 20_000_000_000, cite("t5gemma-collection")),
    Claim("t5gemma-2-270m-270m", "786,029,296", 786_029_296, cite("mteb-kalm-reranker")),
    Claim("t5gemma-2-1b-1b", "2,115,977,456", 2_115_977_456, cite("mteb-kalm-reranker")),
    Claim("t5gemma-2-4b-4b", "7,508,928,880", 7_508_928_880, cite("mteb-kalm-reranker")),
)

#: KerasHub's T5Gemma 2 counts, which hold the decoder's own embedding table beside the
#: encoder's (transformers' model shares one): set beside the exact count on the T5Gemma page.
KERAS_HUB_GEMMA2_CLAIMS: tuple[Claim, ...] = tuple(
    Claim(name, f"{value:,}", value, cite("keras-hub-t5gemma2-presets"))
    for name, value in (
        ("t5gemma-2-270m-270m", 953_800_816),
        ("t5gemma-2-1b-1b", 2_417_966_192),
        ("t5gemma-2-4b-4b", 8_180_020_080),
    )
)

#: Every preset by name: `PRESETS`, `GEMMA_PRESETS` and `GEMMA2_PRESETS`.
ALL_PRESETS: dict[str, Preset] = {**PRESETS, **GEMMA_PRESETS, **GEMMA2_PRESETS}


def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, p in ALL_PRESETS.items():
        for alias in (name, p.hub_id, p.hub_id.split("/")[-1]):
            out[alias.lower()] = name
    for name in GEMMA_PRESETS:
        for variant in GEMMA_VARIANTS:
            out[f"google/{name}-{variant}"] = out[f"{name}-{variant}"] = name
    out["google/ul2-20b"] = "ul2"
    return out


PRESET_NAMES = _aliases()


#: A Hugging Face Hub id, ``org/name`` with an optional ``@revision``.
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*(@\S+)?|[A-Za-z0-9][\w.-]*@\S+")


def get(name: str) -> Preset:
    """The preset called ``name`` (also its Hub id, e.g. ``google/flan-t5-xl``).

    Raises
    ------
    PresetError
        For an unknown name, with the closest preset names.
    """
    text("preset", name, "a preset name such as 't5-small'", PresetError)
    key = PRESET_NAMES.get(name.strip().lower())
    if key is None:
        close = _nearest(name.strip().lower(), cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see 't5sym list'"
        raise PresetError(f"preset: unknown name {shown(name)}{hint}")
    return ALL_PRESETS[key]


def load(target: str | os.PathLike[str]) -> Config:
    """A config from a ``config.json``, its folder, a preset name or a preset's Hub id.

    An existing local path comes first, as in transformers' ``from_pretrained``: a folder
    ``./t5-small`` holding a ``config.json`` is read from disk, not taken for the preset.
    Otherwise a preset name or Hub id (case-insensitive) gives the built-in preset. The
    config's ``source`` says which: ``"preset"`` or the path of the file read; its ``name``
    is the preset's name or the path as given. Nothing is downloaded: a Hub id that is no
    preset is an error, with the nearest presets.

    Raises
    ------
    T5SymError
        `PresetError` or `t5sym.errors.ConfigError`, one line.
    """
    if isinstance(target, (bytes, os.PathLike)):
        return from_hf(target)
    name = text(
        "preset", target, "a preset name or a path to a config.json or its folder", PresetError
    )
    key = PRESET_NAMES.get(name.strip().lower())
    if "\0" not in name and os.path.exists(name):
        try:
            return from_hf(name)
        except ConfigError as exc:
            if key is None or os.path.isfile(name):
                raise
            raise ConfigError(
                f"{exc} (local folder {shown(name)} shadows the preset {key}, as in transformers)"
            ) from None
    if key is not None:
        return ALL_PRESETS[key].config
    stripped = name.strip()
    if _HUB_ID.fullmatch(stripped) and not stripped.lower().endswith(".json"):
        raise PresetError(_not_a_preset(stripped))
    if stripped.endswith(".json") or os.sep in name or (os.altsep and os.altsep in name):
        return from_hf(name)  # one line: no such file
    return get(name).config


def _nearest(name: str, cutoff: float) -> list[str]:
    """Up to 3 preset names whose name or Hub id is closest to ``name`` (or its part after /)."""
    tail = name.rsplit("/", 1)[-1]
    score: dict[str, float] = {}
    for alias, preset in PRESET_NAMES.items():
        best = max(difflib.SequenceMatcher(None, query, alias).ratio() for query in {name, tail})
        score[preset] = max(best, score.get(preset, 0.0))
    ranked = sorted((p for p in score if score[p] >= cutoff), key=lambda p: -score[p])
    return ranked[:3]


def _not_a_preset(hub_id: str) -> str:
    """The message for a Hub id (maybe ``@revision``) that is neither a preset nor a path."""
    base, _, revision = hub_id.partition("@")
    close = _nearest(base.lower(), cutoff=0.3)
    nearest = f"nearest presets: {', '.join(close)}" if close else "see 't5sym list'"
    if revision:
        known = PRESET_NAMES.get(base.lower())
        also = f"{shown(base)} is the preset {known}" if known else nearest
        return (
            f"preset: {shown(hub_id)}: the revision {shown(revision)} is not supported; "
            f"t5sym reads configs from disk only (no download); {also}"
        )
    return (
        f"preset: {shown(hub_id)} is not a known preset and no such local file; t5sym reads "
        f"configs from disk only (no download); {nearest}"
    )
