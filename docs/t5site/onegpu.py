"""Fine-tuning on one GPU: setups side by side as Markdown tables (`docs/how-to`).

Each setup is a label and the keywords of `t5sym.views.activations.memory_at` (dtype, optimizer,
``lora_rank``, ``lora_targets``, ``checkpointing``, ``attention``...); a setup the library
refuses shows its one-line reason instead of numbers, never a guess.

Examples
--------
>>> import t5sym
>>> from t5site.onegpu import setups_table
>>> table = setups_table(t5sym.load("t5-small"), {"full": {"dtype": "bf16"}}, batch=1)
>>> table.splitlines()[0]
'| setup | weights | gradients | optimizer state | saved activations | total |'
"""

from __future__ import annotations

from collections.abc import Mapping

from t5site import tables
from t5sym.errors import T5SymError
from t5sym.model.config import Config
from t5sym.views import activations

#: The parts each row shows, in GB (10⁹ bytes).
PARTS = ("weights", "gradients", "optimizer state", "saved activations", "total")


def gb(n: int) -> str:
    """Bytes as GB with one decimal."""
    return f"{n / 10**9:,.1f}"


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
