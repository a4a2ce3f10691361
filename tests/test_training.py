"""The memory page's tables (`t5site.training`), read back against the published T5-11B
total, transformers' tensors on the meta device (Adam keeps two moments of the weight's
dtype and a float32 step per tensor) and the TPU v3 data sheet."""

from __future__ import annotations

from t5site import training

from .support.published import total

N = total("t5-11b")


def _rows(table: str) -> dict[str, list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")][2:]
    cells = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
    return {row[0]: row[1:] for row in cells}


def test_weights_are_bytes_per_value_times_the_published_total() -> None:
    rows = _rows(training.weights_table())
    for dtype, b in (("fp32", 4), ("bf16", 2), ("int8", 1)):
        assert rows[dtype][1] == f"{b * N / 2**30:.2f} GiB<br>{b * N:,} B"


def test_adam_in_bf16_against_transformers_tensors() -> None:
    import t5sym

    from .support.reference import build

    tensors = len(list(build(t5sym.load("t5-11b")).parameters()))  # tied: shared once
    adam = 2 * N + 2 * N + 2 * 2 * N + 4 * tensors  # weights, grads, exp_avg(_sq), steps
    assert _rows(training.whole_memory_table())["bf16, adam"][3].endswith(f"<br>{adam:,} B")


def test_factoring_of_one_wi() -> None:
    rows = _rows(training.factoring_table())
    # T5-11B's wi: d_ff × d_model = 65,536 × 1,024 (torch's (out, in))
    assert rows["one `wi` of t5-11b"] == ["65,536 × 1,024"]
    assert rows["Adam's moment values for it (2 per entry)"] == [f"{2 * 65536 * 1024:,}"]
    assert rows["Adafactor's (one per row and one per column)"] == [f"{65536 + 1024:,}"]


def test_per_core_and_chip() -> None:
    hbm = _rows(training.hbm_table())
    # TPU v3: 32 GiB of HBM per chip, two TensorCores (Google Cloud's TPU v3 page)
    assert hbm["TPU v3 HBM per chip"] == ["32.00 GiB"] and hbm["HBM per core"] == ["16.00 GiB"]
    take = _rows(training.takeaways_table())
    assert take["1/p"] == [f"{1 / 32:.3%}"]  # the 11B gin file's model_parallelism
    table, worked = training.split_table().split("\n\n")
    over, on_each = (int(r[1].replace(",", "")) for r in _rows(table).values())
    # every core holds the 122 RMSNorm scales of 1,024 (2·24 + 1 + 3·24 + 1) whole: bf16
    # weights and gradients at least
    assert on_each > 2 * 2 * 122 * 1024
    assert worked.startswith(f"- t5-11b, p = 32: {over:,} / 32 + {on_each:,} = **")
    assert training.per_core_table().startswith("At p = 32:")


def test_formula_tables() -> None:
    assert _rows(training.leaves_table())["Adam state"][0].startswith("<math")
    whole = _rows(training.whole_table())
    assert whole["weights"][1] == f"{2 * N:,}" and whole["gradients"][1] == f"{2 * N:,}"
