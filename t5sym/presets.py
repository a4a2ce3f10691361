"""Every released T5-family checkpoint as a `t5sym.config.Config`, with its source.

Dimensions are those of the checkpoints' ``config.json`` on the Hugging Face Hub and of
the gin files they were trained with (sources on each preset). Rounded sizes that papers
and READMEs give are kept in `CLAIMS` so the site can reconcile them with the
exact counts.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from .config import Config, from_hf
from .errors import PresetError

T5_GIN = "google-research/text-to-text-transfer-transformer t5/models/gin/models/"
T5X_GIN = "google-research/t5x t5x/examples/"


@dataclass(frozen=True)
class Preset:
    """A released checkpoint: its config, Hub id, family and where the dims come from."""

    config: Config
    hub_id: str
    family: str
    source: str

    @property
    def name(self) -> str:
        return self.config.name or self.hub_id


PRESETS: dict[str, Preset] = {}


def _add(
    name,
    hub_id,
    family,
    source,
    d_model,
    d_ff,
    num_heads,
    d_kv,
    layers,
    vocab,
    ffn="gated-gelu",
    tied=False,
    model_type="t5",
):
    enc, dec = layers if isinstance(layers, tuple) else (layers, layers)
    cfg = Config(
        d_model=d_model,
        d_ff=d_ff,
        num_heads=num_heads,
        d_kv=d_kv,
        num_layers=enc,
        num_decoder_layers=dec,
        vocab_size=vocab,
        feed_forward_proj=ffn,
        tie_word_embeddings=tied,
        model_type=model_type,
        name=name,
    )
    PRESETS[name] = Preset(cfg, hub_id, family, source)


# T5 v1.0 (Raffel et al. 2020, Table 14): ReLU FFN, lm_head tied to the embedding.
for _size, _dims in {
    "small": (512, 2048, 8, 64, 6),
    "base": (768, 3072, 12, 64, 12),
    "large": (1024, 4096, 16, 64, 24),
    "3b": (1024, 16384, 32, 128, 24),
    "11b": (1024, 65536, 128, 128, 24),
}.items():
    _gin = {
        "small": "bi_v1_small.gin",
        "base": "bi_v1.gin",
        "large": "bi_v1_large.gin",
        "3b": "bi_v1_3B.gin",
        "11b": "bi_v1_11B.gin",
    }[_size]
    _add(
        f"t5-{_size}",
        f"google-t5/t5-{_size}",
        "T5 v1.0",
        f"{T5_GIN}{_gin}; {T5X_GIN}t5/t5_1_0/{_size}.gin; arXiv:1910.10683 §3.7",
        *_dims,
        32128,
        ffn="relu",
        tied=True,
    )

# T5 v1.1 and Flan-T5 (same shapes) and mT5 (vocab 250112): gated-GELU, untied lm_head.
_V11 = {
    "small": (512, 1024, 6, 64, 8),
    "base": (768, 2048, 12, 64, 12),
    "large": (1024, 2816, 16, 64, 24),
    "xl": (2048, 5120, 32, 64, 24),
    "xxl": (4096, 10240, 64, 64, 24),
}
for _size, _dims in _V11.items():
    _add(
        f"t5-v1_1-{_size}",
        f"google/t5-v1_1-{_size}",
        "T5 v1.1",
        f"{T5_GIN}t5.1.1.{_size}.gin; {T5X_GIN}t5/t5_1_1/{_size}.gin",
        *_dims,
        32128,
    )
for _size, _dims in _V11.items():
    _add(
        f"flan-t5-{_size}",
        f"google/flan-t5-{_size}",
        "Flan-T5",
        f"google-research/t5x docs/models.md (Flan-T5 = T5 v1.1 shapes); "
        f"{T5X_GIN}t5/t5_1_1/{_size}.gin",
        *_dims,
        32128,
    )
for _size, _dims in _V11.items():
    _add(
        f"mt5-{_size}",
        f"google/mt5-{_size}",
        "mT5",
        f"{T5X_GIN}t5/mt5/{_size}.gin; arXiv:2010.11934 Table 2",
        *_dims,
        250112,
        model_type="mt5",
    )

# ByT5: bytes (vocab 384 = 256 bytes + 3 specials + 125 sentinels), encoder 3x deeper.
for _size, _dims in {
    "small": (1472, 3584, 6, 64, (12, 4)),
    "base": (1536, 3968, 12, 64, (18, 6)),
    "large": (1536, 3840, 16, 64, (36, 12)),
    "xl": (2560, 6720, 32, 64, (36, 12)),
    "xxl": (4672, 12352, 64, 64, (36, 12)),
}.items():
    _add(
        f"byt5-{_size}",
        f"google/byt5-{_size}",
        "ByT5",
        f"{T5X_GIN}t5/byt5/{_size}.gin; arXiv:2105.13626 Table 1",
        *_dims,
        384,
    )

# UL2 20B: gated-SiLU; dims restated from the google/ul2 model card's config.
_add(
    "ul2",
    "google/ul2",
    "UL2",
    "transformers docs/source/en/model_doc/ul2.md (activation); google/ul2 config.json "
    "as restated from its model card; arXiv:2205.05131",
    4096,
    16384,
    16,
    256,
    32,
    32128,
    ffn="gated-silu",
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
    Claim("t5-small", "60M", 60_000_000, "T5 paper §3.7 and README"),
    Claim("t5-base", "220M", 220_000_000, "T5 paper §3.7 and README"),
    Claim("t5-large", "770M", 770_000_000, "T5 paper §3.7 and README"),
    Claim("t5-3b", "3B", 3_000_000_000, "T5 paper §3.7 and README"),
    Claim("t5-3b", "2.8B", 2_800_000_000, "bi_v1_3B.gin comment"),
    Claim("t5-11b", "11B", 11_000_000_000, "T5 paper §3.7 and README"),
    Claim(
        "t5-large",
        "770,567,168",
        770_567_168,
        "Wikipedia 'T5 (language model)' table (tied embedding counted twice)",
    ),
    Claim("byt5-small", "300M", 300_000_000, "ByT5 gin comment"),
    Claim("byt5-base", "582M", 582_000_000, "ByT5 gin comment"),
    Claim("byt5-large", "1.23B", 1_230_000_000, "ByT5 gin comment"),
    Claim("byt5-xl", "3.74B", 3_740_000_000, "ByT5 gin comment"),
    Claim("byt5-xxl", "12.9B", 12_900_000_000, "ByT5 gin comment"),
)


def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, p in PRESETS.items():
        for alias in (name, p.hub_id, p.hub_id.split("/")[-1]):
            out[alias.lower()] = name
    out["google/ul2-20b"] = "ul2"
    return out


ALIASES = _aliases()


def get(name: str) -> Preset:
    """The preset called ``name`` (also its Hub id, e.g. ``google/flan-t5-xl``).

    Raises
    ------
    PresetError
        For an unknown name, with the closest preset names.
    """
    key = ALIASES.get(name.strip().lower())
    if key is None:
        close = difflib.get_close_matches(name.lower(), list(PRESETS), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see 't5sym list'"
        raise PresetError(f"preset: unknown name {name!r}{hint}")
    return PRESETS[key]


def load(target: str | Path) -> Config:
    """A config from a preset name, a Hub id of a preset, a ``config.json`` or its folder.

    Raises
    ------
    T5SymError
        `PresetError` or `t5sym.errors.ConfigError`, one line.
    """
    text = str(target)
    if text.strip().lower() in ALIASES:
        return PRESETS[ALIASES[text.strip().lower()]].config
    path = Path(text)
    if path.exists() or text.endswith(".json") or os.sep in text:
        return from_hf(path)
    return get(text).config
