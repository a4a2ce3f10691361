"""The calculator's script printed with every saved-activation kind (`calculator.KINDS`:
LongT5's two attentions and Switch's two routers besides T5's and UMT5's), run in Chromium:
its fine-tuning memory equals the library's (`activations.memory_at`, itself held to torch's
saved_tensors_hooks) field for field on generated LongT5 and Switch configs in every setup.
The page prints `calculator.SAVED_KINDS` only (the budget); this holds the rest ready."""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

import t5sym
from t5site import calculator
from t5sym.errors import T5SymError
from t5sym.views import activations

from .support.docs_util import CHROMIUM, chromium
from .test_calculator import PLAIN, SETUPS, compare, served_config, strings


@pytest.fixture(scope="module")
def every_kind() -> Iterator[str]:
    """The generated script with `calculator.KINDS` (the page's data restored after)."""
    saved = calculator.SAVED_KINDS
    calculator.SAVED_KINDS = calculator.KINDS
    calculator.data.cache_clear()
    try:
        yield calculator.javascript()
    finally:
        calculator.SAVED_KINDS = saved
        calculator.data.cache_clear()


@pytest.fixture(scope="module")
def page(every_kind: str) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium")
    with tempfile.TemporaryDirectory(prefix="t5sym-chromium-") as profile, sync_playwright() as p:
        context = chromium(p, profile)
        tab = context.new_page()
        tab.set_content("<!doctype html><title>kinds</title>")
        tab.add_script_tag(content=every_kind)
        yield tab
        context.close()


def _expected(data: dict[str, Any], opts: dict[str, Any]) -> dict[str, Any]:
    setup = {k: opts[k] for k in calculator.SETUP_CHOICES}
    try:
        lengths = {k: opts[k] for k in ("batch", "encoder_length", "decoder_length")}
        result = activations.memory_at(t5sym.from_hf(data), opts["dtype"], opts["optimizer"],
                                       None, opts["checkpointing"], **lengths, **setup)  # fmt: skip
    except T5SymError as exc:
        return {"error": str(exc)}
    return strings(result.to_dict(details=True))


def test_every_kind_prints_the_librarys_saved_activations(page: Any) -> None:
    rng = random.Random(20)
    with_kinds = {"longt5", "switch_transformers"}
    calls, wants, kinds = [], [], set()
    for setup in SETUPS:
        for checkpointing in (False, True):
            for _ in range(3):
                data = served_config(rng, rng.choice(sorted(with_kinds)))
                opts = {**setup, "optimizer": "adam", "checkpointing": checkpointing,
                        "batch": rng.randint(1, 8), "encoder_length": rng.randint(1, 1024),
                        "decoder_length": rng.randint(1, 256)}  # fmt: skip
                calls.append([json.dumps(data), opts])
                wants.append((f"{data} {opts}", _expected(data, opts)))
                config = t5sym.from_hf(data)
                kinds.add(calculator.saved_kind(config, {t: t for t in with_kinds}))
    got = page.evaluate(
        f"""(calls) => calls.map((args) => {{
        try {{ return ({PLAIN})(t5sym.memory(...args)); }}
        catch (e) {{ return {{error: e.message}}; }} }})""",
        calls,
    )
    for g, (what, want) in zip(got, wants, strict=True):
        compare(g, want, what)
    assert kinds == {2, 3, 4, 5}, kinds  # LongT5 local and global, Switch without and with jitter
    assert sum("error" not in w for _, w in wants) > len(wants) * 0.8
