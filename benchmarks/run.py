"""Benchmarks of t5sym (not timed tests): run with `make bench` and paste the table into README.

(a) whole process: `t5sym count t5-11b --json` vs counting the same model with transformers
    on the meta device; `import t5sym` vs `import sympy` alone.
(b) in process: exact counts with full breakdowns of every preset (first call and warm).
(c) a sweep over random configs: SymPy substitution vs the formula lambdified to NumPy.
(d) forward FLOPs of every preset over a grid of lengths: t5sym's exact evaluation, SymPy
    substitution, the formula lambdified to NumPy, and FlopCounterMode on the meta device.
(e) the site: a full `mkdocs build --strict` (notebooks executed), and the home page's
    bytes as the browser test measured them (test-artifacts/page-weight.json).
(f) the fast loop: `make check`, timed (recorded here, not asserted by a test; `make test`
    from a fresh clone is timed by hand, as README says).

t5sym is timed as ``pip install`` leaves it, its bytecode compiled (`compileall` first):
an editable tree on a machine that sets PYTHONDONTWRITEBYTECODE, as this one does, would
be compiled from source at every start (about 50 ms), which no installed copy pays.
"""

from __future__ import annotations

import compileall
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import sympy

import t5sym

PY = sys.executable
T5SYM = str(Path(PY).with_name("t5sym"))
REPEAT = 7


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def median_wall(argv: list[str], n: int = REPEAT) -> float:
    wall(argv)  # warm the file cache
    return statistics.median(wall(argv) for _ in range(n))


def interleaved(commands: list[list[str]], n: int = 3 * REPEAT) -> list[float]:
    """Median wall time of each command, run in turn n times: a machine whose speed drifts
    (this one's does, by ±15 %) then drifts for all of them alike, and the ratios hold."""
    for argv in commands:
        wall(argv)  # warm the file cache
    runs = [[wall(argv) for argv in commands] for _ in range(n)]
    return [statistics.median(r[i] for r in runs) for i in range(len(commands))]


HF_COUNT = """
import json, sys, torch
from transformers import T5Config, T5ForConditionalGeneration
c = json.loads(sys.argv[1])
with torch.device("meta"):
    m = T5ForConditionalGeneration(T5Config(**c))
print(json.dumps({"total": sum(p.numel() for p in m.parameters())}))
"""


def bench_process() -> list[tuple[str, str, str]]:
    config = t5sym.load("t5-11b")
    fields = {k: v for k, v in config.to_dict().items() if k not in ("model", "model_type")}
    count = [T5SYM, "count", "t5-11b", "--json"]
    imports = [[PY, "-c", "import sympy"], [PY, "-c", "import t5sym"]]
    ours, imp_sympy, imp_ours = interleaved([count, *imports])
    ours_again, theirs = interleaved([count, [PY, "-c", HF_COUNT, json.dumps(fields)]], REPEAT)
    got = json.loads(subprocess.run([PY, "-c", HF_COUNT, json.dumps(fields)],
                                    capture_output=True, text=True, check=True).stdout)  # fmt: skip
    assert got["total"] == t5sym.count(config).total
    return [
        ("`t5sym count t5-11b --json` (whole process)", f"{ours * 1000:.0f} ms",
         f"{ours / imp_sympy:.2f}× `import sympy` (target ≤ 1.2×)"),
        ("transformers on meta, same model (whole process)", f"{theirs * 1000:.0f} ms",
         f"t5sym {theirs / ours_again:.2f}× faster (target ≥ 10×)"),
        ("`import sympy`", f"{imp_sympy * 1000:.0f} ms", ""),
        ("`import t5sym`", f"{imp_ours * 1000:.0f} ms",
         f"{imp_ours / imp_sympy:.2f}× sympy (target ≤ 1.3×)"),
    ]  # fmt: skip


def bench_presets() -> list[tuple[str, str, str]]:
    code = (
        "import time, t5sym; t = time.perf_counter(); "
        "[t5sym.count(p.config) for p in t5sym.PRESETS.values()]; "
        "print(time.perf_counter() - t)"
    )
    first = statistics.median(
        float(subprocess.run([PY, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(REPEAT)
    )
    presets = list(t5sym.PRESETS.values())
    runs = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        for p in presets:
            t5sym.count(p.config)
        runs.append(time.perf_counter() - start)
    warm = statistics.median(runs)
    n = len(presets)
    return [
        (f"all {n} presets, breakdowns, first call in a new process", f"{first * 1000:.1f} ms",
         "target < 50 ms"),
        (f"all {n} presets, breakdowns, warm", f"{warm * 1000:.1f} ms", ""),
    ]  # fmt: skip


def random_configs(n: int, rng: np.random.Generator) -> dict[sympy.Symbol, np.ndarray]:
    s = t5sym.model.symbols
    high = {s.d_model: 8192, s.d_ff: 65536, s.num_heads: 128, s.d_kv: 256, s.num_layers: 48,
            s.num_decoder_layers: 48, s.vocab_size: 262144, s.num_buckets: 64}  # fmt: skip
    return {sym: rng.integers(1, h + 1, size=n, dtype=np.int64) for sym, h in high.items()}


def bench_sweep(n: int = 2_000_000, n_subs: int = 500) -> list[tuple[str, str, str]]:
    expr = t5sym.tree(gated=True, tied=False).total  # v1.1 structure, unequal depths
    symbols = sorted(expr.free_symbols, key=lambda x: x.name)
    rng = np.random.default_rng(0)
    values = random_configs(n, rng)

    start = time.perf_counter()
    fn = sympy.lambdify(symbols, expr, "numpy")
    compile_s = time.perf_counter() - start
    fn(*(values[x][:10] for x in symbols))  # warm
    times = []
    for _ in range(5):
        start = time.perf_counter()
        out = fn(*(values[x] for x in symbols))
        times.append(time.perf_counter() - start)
    numpy_rate = n / statistics.median(times)

    sample = random.Random(0).sample(range(n), n_subs)
    start = time.perf_counter()
    exact = [expr.subs({x: int(values[x][i]) for x in symbols}) for i in sample]
    subs_rate = n_subs / (time.perf_counter() - start)
    assert all(int(e) == int(out[i]) for e, i in zip(exact, sample, strict=True))  # no overflow
    return [
        (f"SymPy `subs`, {n_subs:,} random configs", f"{subs_rate:,.0f} configs/s", ""),
        (f"lambdified to NumPy (int64), {n:,} random configs", f"{numpy_rate:,.0f} configs/s",
         f"{numpy_rate / subs_rate:,.0f}× subs; target ≥ 10,000,000/s; "
         f"lambdify itself {compile_s * 1000:.0f} ms"),
    ]  # fmt: skip


LENGTHS = (64, 128, 256, 512, 1024, 2048)


def bench_flops() -> list[tuple[str, str, str]]:
    import itertools

    import torch
    from torch.utils.flop_counter import FlopCounterMode

    sys.path.insert(0, str(Path(__file__).parents[1]))
    from t5sym.views import flops
    from tests.support.reference import build

    s = t5sym.model.symbols
    grid = list(itertools.product(LENGTHS, LENGTHS))
    configs = [p.config for p in t5sym.PRESETS.values()]
    n = len(configs) * len(grid)

    start = time.perf_counter()
    exact = {
        (c.name, S, T): flops.count_flops(c, 1, S, T).forward for c in configs for S, T in grid
    }
    exact_s = time.perf_counter() - start

    start = time.perf_counter()
    for c in configs:
        expr = flops.forward(c).subs(c.values()).subs(s.batch, 1)
        for S, T in grid:
            assert expr.subs({s.encoder_length: S, s.decoder_length: T}) == exact[c.name, S, T]
    subs_s = time.perf_counter() - start

    start = time.perf_counter()
    for c in configs:
        expr = flops.forward(c).subs(c.values()).subs(s.batch, 1)
        fn = sympy.lambdify([s.encoder_length, s.decoder_length], expr, "numpy")
        S, T = (np.array(v, dtype=np.int64) for v in zip(*grid, strict=True))
        out = fn(S, T)
        assert [int(x) for x in out] == [exact[c.name, a, b] for a, b in grid]
    numpy_s = time.perf_counter() - start

    # one length pair per preset (it is slow), dense models only: Switch routes tokens
    # data-dependently (nonzero), which the meta device cannot run; LongT5 is checked on
    # small real models in tests/test_longt5.py
    sample = [(c, 512, 128) for c in configs if c.model_type in ("t5", "mt5", "umt5")]
    start = time.perf_counter()
    for c, S, T in sample:
        model = build(c)
        with torch.device("meta"):
            inputs = {"input_ids": torch.zeros(1, S, dtype=torch.long),
                      "decoder_input_ids": torch.zeros(1, T, dtype=torch.long)}  # fmt: skip
        with FlopCounterMode(display=False) as counter:
            model(**inputs)
        assert counter.get_total_flops() == exact[c.name, S, T]
    meta_s = time.perf_counter() - start
    label = f"{len(configs)} presets × {len(grid)} (S, T)"
    return [
        (f"t5sym exact (`count_flops`), {label}", f"{exact_s * 1000:.0f} ms",
         f"{n / exact_s:,.0f} evaluations/s"),
        (f"SymPy `subs`, {label}", f"{subs_s * 1000:.0f} ms", f"{n / subs_s:,.0f} evaluations/s"),
        (f"lambdified to NumPy per preset (incl. lambdify), {label}", f"{numpy_s * 1000:.0f} ms",
         f"{n / numpy_s:,.0f} evaluations/s"),
        (f"FlopCounterMode on meta (build + forward), {len(sample)} dense presets at (512, 128)",
         f"{meta_s * 1000:.0f} ms", f"{len(sample) / meta_s:,.1f} evaluations/s; "
         f"equal to t5sym in every case"),
    ]  # fmt: skip


def bench_site(n: int = 3) -> list[tuple[str, str, str]]:
    import tempfile

    root = Path(__file__).parents[1]
    mkdocs = str(Path(PY).with_name("mkdocs"))
    times = []
    for _ in range(n):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([mkdocs, "build", "--strict", "-d", out], cwd=root, check=True,
                           capture_output=True)  # fmt: skip
            times.append(time.perf_counter() - start)
    rows = [(f"`mkdocs build --strict`, notebooks executed (median of {n})",
             f"{statistics.median(times):.1f} s", "target ≤ 30 s")]  # fmt: skip
    weights = root / "test-artifacts" / "page-weight.json"
    if weights.exists():
        home = json.loads(weights.read_text())["/"]["transfer"]
        rows.append(("home page, bytes transferred (from the browser test)",
                     f"{home / 1000:.0f} KB", "target ≤ 600 KB"))  # fmt: skip
    return rows


def bench_loop() -> list[tuple[str, str, str]]:
    """`make check` once: its wall time and the number of tests it ran."""
    import re

    start = time.perf_counter()
    proc = subprocess.run(["make", "check"], cwd=Path(__file__).parents[1],
                          capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - start
    ran = re.search(r"(\d+) passed", proc.stdout)
    if proc.returncode != 0 or ran is None:
        return [("`make check`", "failed", proc.stdout[-200:].replace("\n", " "))]
    return [("`make check` (lint, fast tests, doctests, the command)", f"{seconds:.1f} s",
             f"{int(ran[1]):,} tests; target ≤ 90 s")]  # fmt: skip


#: The sections, by the letter ``make bench`` prints them under (all by default; e.g.
#: ``python benchmarks/run.py a b`` for the quick ones).
SECTIONS = {
    "a": ("**(a) whole process**", bench_process),
    "b": ("**(b) in process**", bench_presets),
    "c": ("**(c) sweep**", bench_sweep),
    "d": ("**(d) FLOPs over a grid of lengths**", bench_flops),
    "e": ("**(e) the site**", bench_site),
    "f": ("**(f) the fast loop**", bench_loop),
}


def main(letters: list[str]) -> None:
    compileall.compile_dir(Path(t5sym.__file__).parent, quiet=1)
    rows = []
    for letter, (title, bench) in SECTIONS.items():
        if not letters or letter in letters:
            rows += [(title, "", ""), *bench()]
    print("| benchmark | measured | note |")
    print("|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
