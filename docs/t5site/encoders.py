"""T5 as a text encoder: the tables of ``docs/how-to/text-encoder.md``.

The encoder alone (transformers' ``T5EncoderModel``) in every storage format
(`t5sym.views.formats`), the files people download (`t5sym.views.layouts`), and the reports
users give of those files, each reconciled or not.

Examples
--------
>>> import t5sym
>>> from t5site.encoders import count_line, formats_table
>>> count_line(t5sym.load("t5-small"))
'**35,330,816** parameters.'
>>> print(formats_table(t5sym.load("t5-small")).splitlines()[2])
| `fp32` | 141,323,264 | 0.14 | 4.000 |
"""

from __future__ import annotations

import t5sym
from t5site.tables import markdown_table
from t5sym.model.config import Config
from t5sym.model.roles import Role
from t5sym.views import formats, layouts
from t5sym.views.readable import decimals, gb, gib

#: Sizes users report for files of the T5-v1.1-XXL encoder: what they say, the format
#: (or formats) that computes it, and the reason the computed size explains it or not
#: (a function of the model: the computed cell and the reason, for Flan-T5-XXL's files).
REPORTS = (
    ("fp8 text encoder about 4.8 GB", ("fp8",),
     "Linear weights 1 byte, the embedding and norms 2 ({bf16} GB of it)"),
    ("FP16 9.4 GB", ("fp16",), lambda c: _flan_fp16(c)),
    ("Q8_0 5.5 GB", ("gguf-q8_0",), lambda c: _flan_q8_0(c)),
    ("int4 about 3 GB", ("gguf-q4_k_m", "nf4"),
     "a 4-bit file is near 3 GB only when `wo` is quantized too; a quantized load in "
     "transformers keeps `wo` in float32 ([](src:t5-keep-fp32))"),
)  # fmt: skip
#: The same for the UMT5-XXL encoder (Wan 2.1 / 2.2).
UMT5_REPORTS = (
    ("UMT5-XXL fp8 6.7 GB", ("fp8",),
     "Linear weights 1 byte; the {vocab}-row embedding and the norms 2"),
    ("UMT5-XXL bf16 11.4 GB", ("bf16",), "every tensor of the encoder in bf16"),
)  # fmt: skip


def count_line(config: Config) -> str:
    """The encoder's parameters, in bold: the shared embedding and the encoder stack."""
    return f"**{formats.weights(config, 'bf16', encoder_only=True).parameters:,}** parameters."


def formats_table(config: Config) -> str:
    """format | bytes | GB | bytes per parameter, for the encoder in every format."""
    rows = []
    for f in formats.FORMATS:
        w = formats.weights(config, f, encoder_only=True)
        rows.append([f"`{f}`", f"{w.total:,}", gb(w.total), decimals(w.bytes_per_parameter, 3)])
    return markdown_table(rows, ["format", "bytes", "GB", "bytes / param"], {1, 2, 3})


def kinds_table() -> str:
    """format | what is stored | the main storage's bytes per value."""
    rows = [[f"`{f.name}`", f.doc, f"{f.main}: {f.per_value}"] for f in formats.FORMATS.values()]
    return markdown_table(rows, ["format", "what is stored", "bytes / value"])


def _size(config: Config, f: str) -> str:
    return f"{gb(formats.weights(config, f, encoder_only=True).total)} GB"


def _by_role(config: Config, fmt: str, role: Role, *, encoder_only: bool) -> int:
    """Bytes of the one node of ``role`` in ``config``'s tree under ``fmt``."""
    tree = t5sym.tree(config, encoder_only=encoder_only)
    (name,) = [n.name for n in tree.root.walk() if n.role is role]
    return formats.weights(config, fmt, encoder_only=encoder_only).breakdown[name]


def te_only_bytes(config: Config, fmt: str) -> int:
    """Every tensor of the whole model but the decoder's, as a file keeping them stores
    them: the encoder (``T5EncoderModel``), ``lm_head``, and the embedding a second time
    (``encoder.embed_tokens``, tied to ``shared``), each in ``fmt``."""
    encoder = formats.weights(config, fmt, encoder_only=True).total
    head = _by_role(config, fmt, Role.LM_HEAD, encoder_only=False)
    return encoder + head + _by_role(config, fmt, Role.EMBEDDING, encoder_only=True)


def _flan_fp16(config: Config) -> tuple[str, str]:
    """The FP16 report, read as a file of `te_only_bytes` in GiB."""
    flan = t5sym.load("flan-t5-xxl")
    plain = formats.weights(flan, "fp16", encoder_only=True).total
    te16, te32 = te_only_bytes(flan, "fp16"), te_only_bytes(flan, "fp32")
    return (
        f"{gb(plain)} GB; {te16:,} bytes = {gib(te16)} GiB",
        f"lands on 9.4 if the file holds every tensor of Flan-T5-XXL but the decoder's "
        f"(the encoder, `lm_head` and `encoder.embed_tokens` beside `shared`) and GB means "
        f"GiB; in FP32 the same tensors are {gib(te32)} GiB, the page's 18.7 "
        f"([](src:report-flan-te-list)); the file's tensor list is not published where we "
        f"could read it",
    )


def _flan_q8_0(config: Config) -> tuple[str, str]:
    """The Q8_0 report: not reconciled; the nearest computed figures."""
    flan = t5sym.load("flan-t5-xxl")
    gguf = layouts.file_bytes(flan, "gguf-q8_0", encoder_only=True)
    derived = gguf.data_bytes + gguf.difference[0].bytes
    te = te_only_bytes(flan, "gguf-q8_0")
    return (
        f"{gb(derived)} GB ({gib(derived)} GiB) + metadata and tokenizer",
        f"not reconciled: the encoder's Q8_0 tensors and infos are {derived:,} bytes; with "
        f"`lm_head` and an embedding copy in Q8_0 too {te:,} bytes ({gb(te)} GB, {gib(te)} "
        f"GiB); 5.5 would need {5_500_000_000 - derived:,} more bytes (GB) or "
        f"{11 * 2**29 - derived:,} (GiB) than the encoder's tensors",
    )


def rel_bias_line(config: Config) -> str:
    """What a GGUF file's relative bias costs in F32 beyond t5sym's F16 (llama-quantize keeps
    the type it reads: [](src:llama-quant-rel-b))."""
    f32 = _by_role(config, "gguf-f32", Role.RELATIVE_BIAS, encoder_only=True)
    f16 = _by_role(config, "gguf-q8_0", Role.RELATIVE_BIAS, encoder_only=True)
    return (
        "llama-quantize leaves the relative position bias in the type of the GGUF file it "
        "quantizes ([](src:llama-quant-rel-b)): F16, as counted here, from an f16 "
        "conversion; one published analysis of a T5-XXL Q8_0 file finds it F32 "
        f"([](src:report-t5-q8-analysis)), {f32 - f16:,} bytes more."
    )


def reports_table(xxl: Config, umt5: Config) -> str:
    """report | computed | reason: `REPORTS` for ``xxl``, `UMT5_REPORTS` for ``umt5``."""
    bf16_part = gb(formats.weights(xxl, "fp8", encoder_only=True).by_storage["BF16"])
    rows = []
    for config, reports in ((xxl, REPORTS), (umt5, UMT5_REPORTS)):
        for said, names, reason in reports:
            if callable(reason):
                rows.append([said, *reason(config)])
                continue
            sizes = [_size(config, f) for f in names]
            labels = [
                f.removeprefix("gguf-").upper() if f.startswith("gguf-") else f for f in names
            ]
            computed = ", ".join(
                size if len(names) == 1 else f"{size} ({label})"
                for size, label in zip(sizes, labels, strict=True)
            )
            why = reason.format(bf16=bf16_part, vocab=f"{config.vocab_size:,}")
            rows.append([said, computed, why])
    return markdown_table(rows, ["report", "computed", "reason"])


def files_table(xxl: Config, umt5: Config) -> str:
    """file (model) | source | published bytes | computed bytes | the difference: every
    published layout of `t5sym.views.layouts.PUBLISHED`, of the model its files hold."""
    rows = []
    for lay in layouts.PUBLISHED.values():
        model = xxl if not lay.model_types or "t5" in lay.model_types else umt5
        f = layouts.file_bytes(model, lay, encoder_only=True)
        parts = "; ".join(
            f"{p.what} " + ("(not in the config)" if p.bytes is None else f"{p.bytes:,}")
            for p in f.difference
        )
        rows.append(
            [
                f"`{f.title}` ({model.name})",
                f"[](src:{f.source})",
                f"{f.published:,}" if f.published is not None else "—",
                f"{f.file_bytes:,}" if f.file_bytes is not None else "not derivable",
                f"weights {f.weights:,} + {parts}",
            ]
        )
    header = ["file", "source", "published bytes", "computed bytes", "the difference"]
    return markdown_table(rows, header, {2, 3})


def containers_table(config: Config) -> str:
    """format | weights in memory | a GGUF file's tensor bytes, or bitsandbytes'
    ``get_memory_footprint()`` (formats that are neither are left out)."""
    rows = []
    for f in (layouts.file_bytes(config, n, encoder_only=True) for n in formats.FORMATS):
        if f.container == "gguf":
            file = f"{f.data_bytes + f.difference[0].bytes:,} + metadata and tokenizer"
        elif f.container == "memory":
            file = f"no file; get_memory_footprint() {f.footprint:,}"
        else:
            continue
        rows.append([f"`{f.format}`", f"{f.weights:,}", file])
    return markdown_table(rows, ["format", "weights in memory", "file (GGUF) or footprint"], {1})


def width_table(config: Config) -> str:
    """preset | d_model | its encoder in bf16, GB | "same width" where ``d_model`` is
    ``config``'s: the encoders whose output fits a projection trained on ``config``."""
    rows = []
    for name, preset in t5sym.PRESETS.items():
        c = preset.config
        w = formats.weights(c, "bf16", encoder_only=True)
        fits = "same width" if c.d_model == config.d_model else ""
        rows.append([f"`{name}`", f"{c.d_model:,}", gb(w.total), fits])
    return markdown_table(rows, ["preset", "d_model", "encoder, bf16 GB", ""], {1, 2})
