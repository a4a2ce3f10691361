"""Fine-tuning on one GPU: setups side by side as Markdown tables (`docs/how-to`).

Each setup is a label and the keywords of `t5sym.views.activations.memory_at` (dtype, optimizer,
``lora_rank``, ``lora_targets``, ``checkpointing``, ``attention``...); a setup the library
refuses shows its one-line reason instead of numbers, never a guess.

Examples
--------
>>> import t5sym
>>> from t5site.onegpu import SHORT, batches_table, setups_table
>>> table = setups_table(t5sym.load("t5-small"), {"full": {"dtype": "bf16"}}, batch=1)
>>> table.splitlines()[0]
'| setup | weights | gradients | optimizer state | saved activations | total |'
>>> print(batches_table({"t5-small": t5sym.load("t5-small")}, {"full": {}}, 10**9, **SHORT))
| model | full |
|---|---:|
| t5-small | 3 |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from t5site import charts, tables
from t5sym.errors import T5SymError
from t5sym.model.config import Config
from t5sym.views import activations
from t5sym.views.readable import decimals, short

#: The parts each row shows, in GB (10⁹ bytes).
PARTS = ("weights", "gradients", "optimizer state", "saved activations", "total")

#: The models the fine-tuning page compares.
MODELS = ("flan-t5-xl", "flan-t5-xxl", "t5-3b", "t5-11b")
#: LoRA as peft's issues report it: rank 16 on ``q`` and ``v``; and on every Linear of a block.
QV = {"lora_rank": 16, "lora_targets": "q,v"}
WIDE = {"lora_rank": 16, "lora_targets": "q,k,v,o,wi_0,wi_1,wo"}
#: HF Trainer's ``bf16=True``: float32 weights and AdamW state, the forward under autocast.
AUTOCAST = {"dtype": "fp32", "precision": "autocast-bf16"}
#: The page's setups: full fine-tuning and LoRA q,v, with sdpa, eager or checkpointing, LoRA
#: with peft's ``lora_dropout`` 0.1 too; full fine-tuning and LoRA q,v under autocast (HF
#: Trainer's ``bf16=True`` with peft).
SETUPS = {
    "full": {},
    "full, eager": {"attention": "eager"},
    "full, checkpointing": {"checkpointing": True},
    "LoRA q,v": QV,
    "LoRA q,v, lora_dropout 0.1": {**QV, "lora_dropout": 0.1},
    "LoRA q,v, eager": {**QV, "attention": "eager"},
    "LoRA q,v, checkpointing": {**QV, "checkpointing": True},
    "full, autocast": AUTOCAST,
    "full, autocast, checkpointing": {**AUTOCAST, "checkpointing": True},
    "LoRA q,v, autocast": {**QV, **AUTOCAST},
}
#: The setups of the longer input's totals (one column each: it fits a 1,280 px page).
LONG_SETUPS = ("full", "full, checkpointing", "LoRA q,v", "LoRA q,v, checkpointing",
               "full, autocast, checkpointing")  # fmt: skip
#: T5's input length and its targets rounded up; and twice both.
SHORT = {"encoder_length": 512, "decoder_length": 128}
LONG = {"encoder_length": 1024, "decoder_length": 256}


def gb(n: int) -> str:
    """Bytes as GB (10**9 bytes) with one decimal, exactly (no float)."""
    return decimals(Fraction(n, 10**9), 1)


def run(config: Config, setup: Mapping, **workload: int) -> activations.FineTuning | str:
    """`memory_at` for one setup (``dtype`` and ``optimizer`` default to bf16 and adamw), or
    the library's one-line reason when it refuses the setup."""
    kw = {"dtype": "bf16", "optimizer": "adamw", **setup, **workload}
    dtype, optimizer = kw.pop("dtype"), kw.pop("optimizer")
    try:
        return activations.memory_at(config, dtype, optimizer, **kw)
    except T5SymError as error:
        return str(error)


def setups_table(config: Config, setups: Mapping[str, Mapping], **workload: int) -> str:
    """One row per setup: GB of weights, gradients, optimizer state, saved activations and
    the total at the workload (``batch``, ``encoder_length``, ``decoder_length``)."""
    rows = []
    for label, setup in setups.items():
        r = run(config, setup, **workload)
        if isinstance(r, str):
            rows.append([label, "", "", "", f"not modelled: {r}", ""])
            continue
        parts = (r.weights, r.gradients, r.optimizer_state, r.activations_bytes, r.total)
        rows.append([label, *(gb(n) for n in parts)])
    return tables.markdown_table(rows, ["setup", *PARTS], {1, 2, 3, 4, 5})


def totals_table(configs: Mapping[str, Config], setups: Mapping[str, Mapping],
                 **workload: int) -> str:  # fmt: skip
    """One row per model, one column per setup: the total in GB (a refusal: "—")."""
    rows = []
    for name, config in configs.items():
        cells = []
        for setup in setups.values():
            r = run(config, setup, **workload)
            cells.append("—" if isinstance(r, str) else gb(r.total))
        rows.append([name, *cells])
    return tables.markdown_table(rows, ["model", *setups], set(range(1, len(setups) + 1)))


def largest_batch(config: Config, setup: Mapping, budget: int, **lengths: int) -> int:
    """The largest batch whose total stays within ``budget`` bytes (0: not even one)."""
    low, high = 0, 1
    while _total(config, setup, high, lengths) <= budget:
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        if _total(config, setup, mid, lengths) <= budget:
            low = mid
        else:
            high = mid
    return low


def _total(config: Config, setup: Mapping, batch: int, lengths: Mapping[str, int]) -> int:
    r = run(config, setup, batch=batch, **lengths)
    if isinstance(r, str):
        raise T5SymError(r)
    return r.total


def answered(configs: Mapping[str, Config], setups: Mapping[str, Mapping],
             **workload: int) -> dict[str, Mapping]:  # fmt: skip
    """The setups the library models for every config at the workload (`run` gives no
    reason to refuse), in order."""
    return {
        label: setup
        for label, setup in setups.items()
        if not any(isinstance(run(c, setup, **workload), str) for c in configs.values())
    }


def conditions_table(configs: Mapping[str, Config], setup: Mapping, **workload: int) -> str:
    """model | device | derived | dropout_rate | padding mask: how each run is taken (and
    with LoRA, peft's lora_dropout)."""
    rows = []
    for name, config in configs.items():
        r = run(config, setup, **workload)
        if isinstance(r, str):
            raise T5SymError(r)
        mask = "yes" if r.padding_mask else "no"
        row = [name, f"`{r.device}`", f"`{r.derived}`", f"{r.dropout:g}", mask]
        rows.append(row + ([f"{r.lora_dropout:g}"] if hasattr(r, "lora_dropout") else []))
    headers = ["model", "device", "derived", "dropout_rate", "padding mask"]
    return tables.markdown_table(rows, headers + ["lora_dropout"] * any(len(r) > 5 for r in rows))


def setups_tables(configs: Mapping[str, Config], setups: Mapping[str, Mapping],
                  **workload: int) -> str:  # fmt: skip
    """`setups_table` for each config, under its name in bold."""
    return "\n\n".join(
        f"**{name}**\n\n{setups_table(config, setups, **workload)}"
        for name, config in configs.items()
    )


def batches_table(configs: Mapping[str, Config], setups: Mapping[str, Mapping], budget: int,
                  **lengths: int) -> str:  # fmt: skip
    """One row per model, one column per setup: the `largest_batch` within ``budget`` bytes."""
    rows = [
        [name, *(str(largest_batch(c, s, budget, **lengths)) for s in setups.values())]
        for name, c in configs.items()
    ]
    return tables.markdown_table(rows, ["model", *setups], set(range(1, len(setups) + 1)))


def scale_table(config: Config, setup: Mapping, budget: int, **lengths: int) -> str:
    """What one setup costs: the weights with adapters, the bytes each sequence saves for
    backward, how many sequences fit in ``budget`` bytes and the parameters trained."""
    one = run(config, setup, batch=1, **lengths)
    if isinstance(one, str):
        raise T5SymError(one)
    rows = [
        ["weights with the adapters", f"{gb(one.weights)} GB"],
        ["saved for backward, per sequence", f"{gb(one.activations_bytes)} GB"],
        [
            f"sequences that fit in {short(Fraction(budget, 10**9))} GB",
            str(largest_batch(config, setup, budget, **lengths)),
        ],
        ["parameters trained", f"{one.trainable_parameters:,}"],
    ]
    return tables.markdown_table(rows, ["quantity", config.name or "config"], {1})


#: The lengths of `length_chart`: S from 128 to 4,096 tokens, T = S/4.
CHART_LENGTHS = (128, 256, 512, 1024, 2048, 4096)


def length_totals(config: Config, setups: Mapping[str, Mapping], batch: int,
                  lengths: Sequence[int] = CHART_LENGTHS) -> dict[str, list[int]]:  # fmt: skip
    """Each setup's total bytes at each input length S (T = S/4); a setup the library
    refuses at some length is left out."""
    out = {}
    for label, setup in setups.items():
        runs = [run(config, setup, batch=batch, encoder_length=s, decoder_length=max(1, s // 4))
                for s in lengths]  # fmt: skip
        if not any(isinstance(r, str) for r in runs):
            out[label] = [r.total for r in runs]
    return out


def length_chart(config: Config, setups: Mapping[str, Mapping], batch: int, budget: int) -> str:
    """`t5site.charts.fine_tuning_svg` of `length_totals` against ``budget`` bytes."""
    totals = length_totals(config, setups, batch)
    return charts.fine_tuning_svg(config, totals, CHART_LENGTHS, budget)
