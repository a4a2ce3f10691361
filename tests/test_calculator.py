"""The browser calculator (Chromium via Playwright, offline) against the Python library.

The page and its generated script come from a strict build of the calculator page
(`tests.support.calc_site`); configs are generated here with a seeded RNG, counted by t5sym in
Python and by ``globalThis.t5sym`` in the browser, and compared part by part as
decimal strings. Expected values come from the Python library (what the CLI prints),
never from the JavaScript. The page words its messages its own way: a refusal is held to
the library's by the field it names (the text before the first colon).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import itertools
import json
import random
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

import t5sym
from t5site import calculator
from t5sym.errors import T5SymError
from t5sym.model import params, presets
from t5sym.model.config import CLASS_PREFIX, HEADS, MODEL_TYPES
from t5sym.views import activations, flops, formats, inference, layouts, memory, sharding
from t5sym.views.layout import most_cores

from .support.calc_site import calculator_site
from .support.docs_util import ARTIFACTS, CHROMIUM, chromium

BUDGET = 40 * 1000  # the page's own script and data as transferred: gzip -9, both files
#: BigInt results as JSON: every BigInt a decimal string.
PLAIN = "(r) => JSON.parse(JSON.stringify(r, (k, v) => typeof v === 'bigint' ? v.toString() : v))"


def strings(value: Any) -> Any:
    """Python results with ints as decimal strings (bools kept), as `PLAIN` gives the JS."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return {k: strings(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strings(v) for v in value]
    return value


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Path:
    return calculator_site()


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium")
    with tempfile.TemporaryDirectory(prefix="t5sym-chromium-") as profile, sync_playwright() as p:
        context = chromium(p, profile)
        yield context
        context.close()


class Watched:
    """A page with every console error and every request recorded."""

    def __init__(self, context: Any, url: str, viewport: dict | None = None) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = context.new_page()
        if viewport:
            self.page.set_viewport_size(viewport)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")


@pytest.fixture(scope="module")
def api(browser: Any, server: str) -> Iterator[Watched]:
    watched = Watched(browser, server + "calculator/")
    yield watched
    watched.page.close()


def run(api: Watched, fn: str, *args: Any) -> Any:
    """``t5sym.<fn>(...args)`` in the page, BigInts as strings; a thrown Error as {error}."""
    return api.page.evaluate(
        f"""([args]) => {{ try {{ return ({PLAIN})(t5sym.{fn}(...args)); }}
        catch (e) {{ return {{error: e.message}}; }} }}""",
        [list(args)],
    )


def run_many(api: Watched, calls: list[tuple[str, list]]) -> list[Any]:
    return api.page.evaluate(
        f"""(calls) => calls.map(([fn, args]) => {{
        try {{ return ({PLAIN})(t5sym[fn](...args)); }} catch (e) {{ return {{error: e.message}}; }}
        }})""",
        [[fn, args] for fn, args in calls],
    )


# --- expected values from Python ------------------------------------------------------------

WORKLOAD = {"batch": 3, "encoder_length": 200, "decoder_length": 37}
#: The model types whose saved-activation trees the page prints (`calculator.saved_types`),
#: each by the type of its trees: the fine-tuning memory of any other the page leaves to the
#: command, refusing model_type (or the field of a kind it has no trees for).
SAVED_TYPES = calculator.saved_types()
#: The model types the library counts fine-tuning memory of (`calculator.fine_tuned_types`).
TRAINED_TYPES = calculator.fine_tuned_types()


def expected(config: t5sym.Config, fn: str, opts: dict | None = None) -> Any:
    """What the Python library gives for one call (its to_dict(details=True), or the error)."""
    opts = opts or {}
    try:
        if fn == "count":
            return strings(params.count(config).to_dict(details=True))
        if fn == "flops":
            lengths = [opts.get(k, d) for k, d in (("batch", 1), ("encoder_length", 512),
                                                    ("decoder_length", 128))]  # fmt: skip
            result = flops.count_flops(config, *lengths, encoder_only=opts.get("encoder_only"))
            return strings(result.to_dict(details=True))
        if fn == "memory" and _left_to_the_command(config, opts):  # no trees on the page
            kinds = [k for k in calculator.SAVED_KINDS
                     if k["model_type"] == SAVED_TYPES.get(config.model_type)]  # fmt: skip
            what = next((f for f in kinds[0] if f != "model_type"), None) if kinds else None
            return {"error": f"{what or 'model_type'}: left to the command"}
        if fn == "memory":  # what `t5sym memory` computes (activations.memory_at)
            lengths = {k: opts.get(k) for k in ("batch", "encoder_length", "decoder_length")}
            setup = {k: opts[k] for k in (*calculator.SETUP_CHOICES, "dropout") if k in opts}
            result = activations.memory_at(config, opts["dtype"], opts["optimizer"],
                                           opts.get("cores"), opts.get("checkpointing", False),
                                           **lengths, **setup)  # fmt: skip
            return strings(result.to_dict(details=True))
        if fn == "inference":
            lengths = [opts[k] for k in ("batch", "encoder_length", "decoder_length")]
            result = inference.inference(config, *lengths, opts["dtype"])
            return strings(result.to_dict(details=True))
        if fn == "weights":
            result = formats.weights(config, opts["format"], encoder_only=opts["encoder_only"])
            return strings(result.to_dict(details=True))
        if fn == "shard":
            result = sharding.shard(config, opts.get("cores"), opts.get("bytes_per_value", 2))
            return strings(result.to_dict(details=True))
    except T5SymError as exc:
        return {"error": str(exc)}
    raise AssertionError(fn)


def _left_to_the_command(config: t5sym.Config, opts: dict) -> bool:
    """Whether the library gets past its model-type check for fine-tuning ``config`` at a
    length (the whole model, its dtype and optimizer taken) where the page prints no trees."""
    at_length = opts.get("checkpointing") is True or any(
        opts.get(k) is not None for k in ("batch", "encoder_length", "decoder_length")
    )
    if (
        calculator.saved_kind(config, SAVED_TYPES) is not None
        or not at_length
        or opts.get("cores") is not None
    ):
        return False
    try:
        memory.training_memory(config, opts["dtype"], opts["optimizer"])
    except T5SymError:
        return False
    return config.model_type in TRAINED_TYPES and config.head == "ForConditionalGeneration"


def field(message: str) -> str:
    """The field a one-line message names: the text before its first colon."""
    return message.split(":", 1)[0]


def refused_alike(got: Any, want: Any) -> bool:
    """Both refuse, naming the same field (the page words its messages its own way)."""
    return (
        isinstance(got, dict) and set(got) == set(want) == {"error"}
        and field(got["error"]) == field(want["error"]) and "\n" not in got["error"]
    )  # fmt: skip


def compare(got: Any, want: Any, what: str) -> None:
    """The JavaScript gives every field of Python's result, equal and in the same order;
    or both refuse, naming the same field."""
    if "error" in want or "error" in got:
        assert refused_alike(got, want), (what, got, want)
        return
    assert list(got) == list(want), what
    for key, value in got.items():
        assert value == want[key], (what, key)


def random_config(rng: random.Random) -> dict[str, Any]:
    """A config.json over every model type and head, with varied dims and options."""
    model_type = rng.choice(MODEL_TYPES)
    head = rng.choice(HEADS[model_type])
    data: dict[str, Any] = {
        "model_type": model_type,
        "architectures": [CLASS_PREFIX[model_type] + head],
        "d_model": rng.randint(1, 8192),
        "d_ff": rng.randint(1, 65536),
        "num_heads": rng.randint(1, 128),
        "d_kv": rng.randint(1, 256),
        "num_layers": rng.randint(1, 48),
        "vocab_size": rng.randint(1, 300000),
        "tie_word_embeddings": rng.random() < 0.5,
    }
    if rng.random() < 0.5:
        data["num_decoder_layers"] = rng.randint(1, 48)
    if rng.random() < 0.3:
        data["relative_attention_num_buckets"] = rng.randint(1, 64)
    if rng.random() < 0.3:
        data["num_labels"] = rng.randint(1, 10)
    if rng.random() < 0.1:  # a dim past 2**53: exact only with BigInt
        data["vocab_size"] = rng.randint(2**53, 2**80)
    act = rng.choice(["relu", "gelu_new", "silu"])
    if model_type == "switch_transformers":
        data["dense_act_fn"] = act
        data["num_experts"] = rng.randint(1, 256)
        data["num_sparse_encoder_layers"] = rng.randint(0, 12)
        data["num_sparse_decoder_layers"] = rng.randint(0, 12)
        data["router_bias"] = rng.random() < 0.5
    else:
        data["feed_forward_proj"] = ("gated-" if rng.random() < 0.5 else "") + act
    if model_type == "longt5":
        data["encoder_attention_type"] = rng.choice(["local", "transient-global"])
    return data


# --- tests ----------------------------------------------------------------------------------


def test_script_and_data_within_budget(site: Path) -> None:
    served = [(site / p).read_bytes() for p in (calculator.SITE_PATH, "assets/calculator.js")]
    size = sum(len(gzip.compress(b, compresslevel=9, mtime=0)) for b in served)
    assert size <= BUDGET, size


def test_the_page_measures_its_own_weight(api: Watched, site: Path) -> None:
    size = sum((site / p).stat().st_size for p in (calculator.SITE_PATH, "assets/calculator.js"))
    api.page.wait_for_function("document.getElementById('o-self').textContent !== ''")
    api.page.evaluate("document.getElementById('o-self').closest('details').open = true")  # folded
    shown = api.page.inner_text("#o-self")
    assert f"this page's two scripts weigh {size:,} bytes uncompressed, " in shown, shown
    zipped = re.search(r"uncompressed, ([\d,]+) with gzip", shown)
    assert zipped and int(zipped[1].replace(",", "")) <= BUDGET, shown
    assert re.search(r'count\("t5-11b"\) with its breakdown takes \d+\.\d{3} ms', shown), shown


def test_a_number_in_a_message_is_shown_as_a_number(api: Watched) -> None:
    """A refused value is repeated as the file has it: -1, not "-1" (the page's numbers are
    BigInts, which JSON would print as strings)."""
    for value, shown in ((-1, "got -1"), ([1, -2], "got [1,-2]"), ("7", 'got "7"')):
        out = run(api, "count", {"model_type": "t5", "d_model": value})
        assert out["error"].startswith("d_model: ") and out["error"].endswith(shown), out


def test_every_preset_gives_the_python_values(api: Watched) -> None:
    calls, wants = [], []
    for name, preset in presets.PRESETS.items():
        config = preset.config
        for fn, opts in (
            ("count", None),
            ("flops", WORKLOAD),
            ("flops", {**WORKLOAD, "encoder_only": True}),
            ("memory", {"dtype": "bf16", "optimizer": "adam"}),
            ("memory", {"dtype": "fp32", "optimizer": "adafactor"}),
            ("memory", {"dtype": "fp32", "optimizer": "adam", "cores": most_cores(config)}),
            ("memory", {"dtype": "fp16", "optimizer": "adafactor", **WORKLOAD}),
            ("memory", {"dtype": "bf16", "optimizer": "adam", "checkpointing": True}),
            ("shard", {"cores": most_cores(config)}),
            ("shard", {"cores": 1, "bytes_per_value": 4}),
            ("inference", {**WORKLOAD, "dtype": "fp16"}),
            *(("weights", {"format": f, "encoder_only": e})
              for f in formats.FORMATS for e in (False, True)),
        ):  # fmt: skip
            calls.append((fn, [name] + ([opts] if opts else [])))
            wants.append((f"{name} {fn} {opts}", expected(config, fn, opts)))
    for got, (what, want) in zip(run_many(api, calls), wants, strict=True):
        compare(got, want, what)


def test_generated_configs_give_the_python_values_part_by_part(api: Watched) -> None:
    rng = random.Random(2024)
    configs = [random_config(rng) for _ in range(1200)]
    seen = {(c["model_type"], c["architectures"][0]) for c in configs}
    assert len(seen) == sum(len(h) for h in HEADS.values())  # every family and head
    calls, wants = [], []
    for i, data in enumerate(configs):
        config = t5sym.from_hf(data)
        opts = {
            "dtype": rng.choice(["fp32", "bf16", "fp16"]),
            "optimizer": rng.choice(list(memory.OPTIMIZERS)),
            "batch": rng.randint(1, 64),
            "encoder_length": rng.randint(1, 4096),
            "decoder_length": rng.randint(1, 1024),
        }
        weights = {
            "format": rng.choice(list(formats.FORMATS)),
            "encoder_only": rng.random() < 0.3,
        }
        kind = i % 4  # training memory: whole, on one of some cores, at a length, checkpointed
        held = {k: opts[k] for k in ("dtype", "optimizer")}
        if kind == 1:  # a divisor of the split dims, or now and then a number that is not
            most = most_cores(config)
            held["cores"] = rng.choice([d for d in range(1, min(most, 64) + 1) if most % d == 0]
                                       + [rng.randint(2, 40)])  # fmt: skip
        memory_opts = held if kind < 2 else {**opts, "checkpointing": kind == 3}
        views = [("count", None), ("memory", memory_opts), ("weights", weights)]
        if kind == 1:  # the Mesh TF layout on the same cores, activations of 1, 2 or 4 bytes
            views.append(("shard", {"cores": held["cores"], "bytes_per_value": 2 ** (i % 3)}))
        if i % 3 == 0:  # the FLOP and inference views on a third (each is slower in Python)
            views += [("flops", opts), ("inference", opts)]
        for fn, o in views:
            calls.append((fn, [json.dumps(data)] + ([o] if o else [])))
            wants.append((f"{data} {fn} {o}", expected(config, fn, o)))
    results = run_many(api, calls)
    for got, (what, want) in zip(results, wants, strict=True):
        compare(got, want, what)
    assert sum(1 for fn, _ in calls if fn == "count") >= 1000
    mixed = [  # llama.cpp's walk giving one leaf's blocks two types (Q6_K for some)
        want for (fn, args), (_, want) in zip(calls, wants, strict=True)
        if fn == "weights" and args[1]["format"].startswith("gguf") and "error" not in want
        and any(len(types) > 1 for types in want["storages"].values())
    ]  # fmt: skip
    assert len(mixed) >= 3


#: One config.json (text) of each bad-input class the loader refuses.
BAD_CONFIGS = [
    '{"model_type": "switch_transformers", "router_jitter_noise": 2}',
    '{"d_model": 0}',
    '{"d_model": -3}',
    '{"d_ff": "2048"}',
    '{"num_heads": 8.0}',
    '{"d_kv": 6.5}',
    '{"num_layers": true}',
    '{"vocab_size": null}',
    '{"vocab_size": 1e5}',
    '{"vocab_size": NaN}',
    '{"vocab_size": [1, 2]}',
    '{"vocab_size": {"a": 1}}',
    '{"d_model": ' + "9" * 1001 + "}",
    '{"d_model": ' + "-" + "9" * 300 + "}",
    '{"num_decoder_layers": 0}',
    '{"relative_attention_num_buckets": 0}',
    '{"hidden_size": 0}',
    '{"num_attention_heads": "x"}',
    '{"head_dim": -1}',
    '{"num_labels": 0, "architectures": ["T5ForSequenceClassification"]}',
    '{"id2label": 5}',
    '{"feed_forward_proj": "gated-relu-x"}',
    '{"feed_forward_proj": "swiglu"}',
    '{"feed_forward_proj": "gelu_nw"}',
    '{"feed_forward_proj": "gated-"}',
    '{"feed_forward_proj": "gated-prelu"}',
    '{"feed_forward_proj": 5}',
    '{"feed_forward_proj": "a very long activation name that goes on and on past sixty chars"}',
    '{"feed_forward_proj": "it\'s"}',
    '{"feed_forward_proj": "caf\\u00e9\\n"}',
    '{"tie_word_embeddings": "yes"}',
    '{"model_type": "bert"}',
    '{"model_type": 5}',
    '{"model_type": "switch_transformers", "dense_act_fn": "gated-gelu"}',
    '{"model_type": "switch_transformers", "router_bias": 1}',
    '{"model_type": "switch_transformers", "num_sparse_encoder_layers": -1}',
    '{"model_type": "switch_transformers", "expert_capacity": 1.5}',
    '{"model_type": "switch_transformers", "num_experts": 0}',
    '{"model_type": "longt5", "encoder_attention_type": "global"}',
    '{"model_type": "longt5", "local_radius": 0}',
    '{"architectures": "T5Model"}',
    '{"architectures": ["BertModel"]}',
    '{"architectures": [5]}',
    '{"model_type": "longt5", "architectures": ["LongT5ForSequenceClassification"]}',
    '{"model_type": "switch_transformers", "architectures": '
    '["SwitchTransformersForTokenClassification"]}',
    "",
    "   ",
    "[1, 2]",
    '"text"',
    "{",
    '{"d_model": 512,}',
    '{"d_model" 512}',
    '{"d_model": 512 "d_ff": 3}',
    '{"d_model": "abc}',
    '{"d_model": 512}\n{"x": 1}',
    "{'d_model': 512}",
    '{"d_model": 01}',
    '{"a": "\\q"}',
    '{"a": "tab\there"}',
    '\n\n  {"d_model": tru}',
    "{}",
    '{"id2label": {"0": "a"}}',
    '{"model_type": "mt5", "architectures": ["T5Model"]}',
    '{"architectures": ["T5WithLMHeadModel"], "model_type": "umt5"}',
    '{"d_model": 8, "is_gated_act": "yes"}',
    '{"d_model": 8, "dense_act_fn": "swiglu"}',
    '{"d_model": 8, "feed_forward_proj": "a-b", "dense_act_fn": "relu"}',
    '{"model_type": "switch_transformers", "encoder_sparse_step": -1}',
    '{"model_type": "switch_transformers", "num_hidden_layers": 0}',
    '{"model_type": "switch_transformers", "num_layers": 0}',
    '{"num_decoder_layers": 0, "architectures": ["T5Model"]}',
    '{"dropout_rate": 1.5}',
    '{"dropout_rate": null}',
    '{"d_model": 1e400}',
    '{"\u00e9": 1, "d_model": 2.0}',
]

#: Bad inputs Python's json reads (NaN, Infinity) and JSON.parse does not: the page refuses
#: the file itself (``config.json: not valid JSON``), the library the field.
NOT_JSON = {'{"vocab_size": NaN}'}

#: Configs the library reads with each rule of its loader: aliases (after the decoder's
#: default, and after Switch's sparse steps), legacy and implied class names, is_gated_act
#: and dense_act_fn over feed_forward_proj, id2label, Switch's own steps, a decoder of 0
#: blocks under an encoder-only head, a byte-order mark, a repeated key.
LOADER_CASES = [
    {"hidden_size": 64, "num_attention_heads": 2, "num_hidden_layers": 3, "head_dim": 16,
     "d_ff": 8},
    {"model_type": "switch_transformers", "num_hidden_layers": 7, "num_sparse_encoder_layers": 2},
    {"model_type": "switch_transformers", "encoder_sparse_step": 3, "decoder_sparse_step": 0},
    {"model_type": "switch_transformers", "num_layers": 10, "num_decoder_layers": 4,
     "num_sparse_decoder_layers": 0, "head_dim": 3},
    {"architectures": ["T5WithLMHeadModel"], "d_model": 64},
    {"architectures": ["FlaxMT5EncoderModel"], "d_model": 64},
    {"architectures": ["UMT5EncoderModel"]},
    {"feed_forward_proj": "gated-gelu", "is_gated_act": True, "dense_act_fn": "gelu_new"},
    {"feed_forward_proj": "relu", "is_gated_act": True, "d_model": 32},
    {"feed_forward_proj": "gated-gelu", "dense_act_fn": "silu", "d_model": 32},
    {"feed_forward_proj": "gated-bogus", "dense_act_fn": "relu", "d_model": 32},
    {"id2label": {"0": "a", "1": "b", "2": "c"}, "architectures": ["T5ForSequenceClassification"]},
    {"id2label": ["a", "b", "c", "d"], "num_labels": 5, "d_ff": 64},
    {"num_decoder_layers": 0, "architectures": ["T5EncoderModel"], "d_model": 64},
    {"dropout_rate": 0, "d_model": 64},
    {"router_jitter_noise": 10**30, "d_model": 64},  # not T5's key: ignored
    {"model_type": "switch_transformers", "router_jitter_noise": 0},
    {"model_type": "longt5", "encoder_attention_type": "transient-global", "d_model": 64},
]  # fmt: skip


def test_the_loaders_rules_give_the_python_values(api: Watched) -> None:
    texts = [json.dumps(c) for c in LOADER_CASES]
    texts += ['\ufeff{"d_model": 96}', '{"d_model": 96, "d_model": 128}']
    calls, wants = [], []
    for text in texts:
        config = t5sym.from_hf(json.loads(text.lstrip("\ufeff")))
        for fn, opts in (("count", None), ("memory", {**WORKLOAD, "dtype": "bf16",
                                                       "optimizer": "adam"})):  # fmt: skip
            calls.append((fn, [text] + ([opts] if opts else [])))
            wants.append((f"{text} {fn}", expected(config, fn, opts)))
    for got, (what, want) in zip(run_many(api, calls), wants, strict=True):
        compare(got, want, what)


#: Values put in one field of a generated config.json: the page must refuse it exactly
#: when the library does, naming the same field.
BAD_VALUES = [0, -1, 1.5, 2.0, "x", "relu", True, None, [1], {"a": 1}, 10**30, -(10**30), 0.5]


def test_a_bad_value_in_any_field_is_refused_as_the_library_refuses_it(
    api: Watched, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rng = random.Random(17)
    texts, wants = [], []
    while len(texts) < 400:
        data = random_config(rng)
        fields = [*data, *calculator.loader_tables()["FIELDS"], "id2label", "is_gated_act",
                  "dense_act_fn", "hidden_size", "num_hidden_layers", "head_dim"]  # fmt: skip
        data[rng.choice(fields)] = rng.choice(BAD_VALUES)
        text = json.dumps(data)
        Path("config.json").write_text(text, encoding="utf-8")
        try:
            config = presets.load("config.json")  # what `t5sym count config.json` reads
        except T5SymError as exc:
            wants.append({"error": str(exc)})
        else:
            want = strings(params.count(config).to_dict(details=True))
            wants.append({**want, "name": None})  # the library names it by its path
        texts.append(text)
    got = run_many(api, [("count", [text]) for text in texts])
    for text, g, want in zip(texts, got, wants, strict=True):
        compare(g, want, text)
    assert sum("error" in w for w in wants) >= 150  # most are refused, some are not
    assert sum("error" not in w for w in wants) >= 50


def test_every_bad_input_class_gives_the_cli_message(
    api: Watched, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "config.json"
    wants = []
    for text in BAD_CONFIGS:
        path.write_text(text, encoding="utf-8")
        try:
            presets.load("config.json")  # what `t5sym count config.json` reads
        except T5SymError as exc:
            wants.append(str(exc))
        else:
            raise AssertionError(f"Python accepted {text!r}")
    got = run_many(api, [("count", [text]) for text in BAD_CONFIGS])
    for text, g, want in zip(BAD_CONFIGS, got, wants, strict=True):
        if text in NOT_JSON:  # Python's json reads NaN; JSON.parse refuses the file
            assert field(g["error"]) == "config.json", (text, g)
            continue
        assert refused_alike(g, {"error": want}), (text, g, want)


def test_t5gemma_is_left_to_the_command_in_one_line(api: Watched) -> None:
    """The library counts T5Gemma and T5Gemma 2; the page refuses them, naming model_type
    and why (its trees would take the script past its budget)."""
    texts = ['{"model_type": "t5gemma"}', '{"model_type": "t5gemma2"}']
    for text in texts:
        assert t5sym.count(t5sym.from_hf(json.loads(text))).total > 0
    for got in run_many(api, [("count", [text]) for text in texts]):
        message = got["error"]
        assert field(message) == "model_type" and "40 KB" in message and "\n" not in message


def test_bad_workloads_and_refused_views_give_the_library_messages(api: Watched) -> None:
    small = presets.load("t5-small")
    cases = [
        ("flops", {"batch": 0}),
        ("flops", {"encoder_length": 2.5}),
        ("flops", {"decoder_length": "x"}),
        ("memory", {"dtype": "fp8", "optimizer": "adam"}),
        ("memory", {"dtype": "int8", "optimizer": "adam"}),
        ("memory", {"dtype": "fp32", "optimizer": "sgd"}),
        ("memory", {"dtype": "int8", "optimizer": "none", "checkpointing": True}),
        ("memory", {"dtype": "int8", "optimizer": "none", "batch": 2}),
        ("memory", {"batch": 0}),
        ("memory", {"decoder_length": 1.5}),
        ("memory", {"cores": 0}),
        ("memory", {"cores": 3}),
        ("memory", {"cores": "8"}),
        ("memory", {"cores": 8, "batch": 2}),
        ("memory", {"cores": 8, "checkpointing": True}),
        ("memory", {"checkpointing": "yes"}),
        ("memory", {"checkpointing": 1}),
        ("flops", {"encoder_only": 1}),
        ("weights", {"format": "bf16", "encoder_only": "true"}),
        ("shard", {"cores": 3}),
        ("shard", {"cores": 0}),
        ("shard", {"cores": None}),
        ("shard", {"cores": 8, "bytes_per_value": 0}),
        ("weights", {"format": "Q4_K_M", "encoder_only": False}),
        ("inference", {"batch": 1, "encoder_length": 1, "decoder_length": 1, "dtype": "int8"}),
        ("inference", {"batch": -1, "encoder_length": 1, "decoder_length": 1, "dtype": "bf16"}),
    ]
    for fn, opts in cases:
        lengths = {"batch": 1, "encoder_length": 512, "decoder_length": 128}
        full = {**({} if fn == "memory" else lengths), "dtype": "fp32", "optimizer": "adafactor",
                **opts}  # fmt: skip
        want = expected(small, fn, full)
        assert "error" in want
        assert refused_alike(run(api, fn, "t5-small", full), want), (fn, opts)
    encoder = {"architectures": ["T5EncoderModel"]}
    want = expected(t5sym.from_hf(encoder), "inference", {**WORKLOAD, "dtype": "bf16"})
    assert refused_alike(run(api, "inference", encoder, {**WORKLOAD, "dtype": "bf16"}), want)
    deep = {"num_layers": formats.MAX_GGUF_LAYERS + 1}  # llama.cpp's walk: one line, no hang
    for fmt in ("gguf-q4_k_m", "gguf-q8_0"):
        opts = {"format": fmt, "encoder_only": False}
        want = expected(t5sym.from_hf(deep), "weights", opts)
        assert "error" in want and refused_alike(run(api, "weights", deep, opts), want)
    training = {**WORKLOAD, "dtype": "bf16", "optimizer": "adam"}
    for fn, opts in (("inference", {**WORKLOAD, "dtype": "bf16"}), ("memory", training),
                     ("shard", {"cores": 1})):  # fmt: skip
        for model_type, heads in HEADS.items():  # served or not: a one-line refusal in both
            for head in heads:
                arch = CLASS_PREFIX[model_type] + head
                data = {"model_type": model_type, "architectures": [arch]}
                want = expected(t5sym.from_hf(data), fn, opts)
                compare(run(api, fn, data, opts), want, f"{fn} {data}")
    for proj in ("gelu_pytorch_tanh", "gated-gelu_fast", "gated-gelu", "gated-silu", "relu"):
        data = {"feed_forward_proj": proj, "num_layers": 1}
        for ckpt in (False, True):  # an activation whose saved tensors are not modelled
            want = expected(t5sym.from_hf(data), "memory", {**training, "checkpointing": ckpt})
            got = run(api, "memory", data, {**training, "checkpointing": ckpt})
            compare(got, want, f"{proj} {ckpt}")


#: Every setup the page offers with every training dtype it takes (autocast runs over fp32
#: weights: the others are in `test_a_bad_setup_is_refused_as_the_library_refuses_it`).
SETUPS = [
    dict(zip((*calculator.SETUP_CHOICES, "dtype"), choice, strict=True))
    for choice in itertools.product(*calculator.SETUP_CHOICES.values(), memory.TRAINING_DTYPES)
    if choice[2] == "cast" or choice[3] == "fp32"
]


def served_config(rng: random.Random, model_type: str | None = None) -> dict[str, Any]:
    """A config.json whose fine-tuning memory the page prints (`SAVED_TYPES` with their LM
    head: t5, mt5, umt5, and LongT5 and Switch where the page has their trees), with varied
    dims, activations and dropout_rate; LongT5's attention, radius and global blocks;
    Switch's experts, capacity, sparse blocks and router jitter; d_kv mostly a multiple of 8
    (CUDA's sdpa kernel refuses others)."""
    model_type = model_type or rng.choice(sorted(SAVED_TYPES))
    data = {
        "model_type": model_type,
        "d_model": rng.randint(1, 4096),
        "d_ff": rng.randint(1, 16384),
        "num_heads": rng.randint(1, 64),
        "d_kv": 8 * rng.randint(1, 32) if rng.random() < 0.8 else rng.randint(1, 256),
        "num_layers": rng.randint(1, 4),
        "vocab_size": rng.randint(1, 300000),
        "feed_forward_proj": rng.choice(["", "gated-"]) + rng.choice(["relu", "gelu", "silu"]),
        "tie_word_embeddings": rng.random() < 0.5,
    }
    if rng.random() < 0.5:
        data["num_decoder_layers"] = rng.randint(1, 4)
    if rng.random() < 0.6:
        data["dropout_rate"] = rng.choice([0, 0.0, 0.05, 0.3])
    if model_type == "longt5":
        data["encoder_attention_type"] = rng.choice(["local", "transient-global"])
        data["local_radius"] = rng.randint(1, 64)
        data["global_block_size"] = rng.randint(1, 32)
    if model_type == "switch_transformers":
        data["dense_act_fn"] = data.pop("feed_forward_proj").removeprefix("gated-")
        data["num_experts"] = rng.randint(1, 32)
        data["expert_capacity"] = rng.randint(0, 128)  # overflowing the experts or not
        data["num_sparse_encoder_layers"] = rng.randint(0, 4)
        data["num_sparse_decoder_layers"] = rng.randint(0, 4)
        data["router_jitter_noise"] = rng.choice([0, 0.0, 0.01, 0.5])
    return data


def test_every_setup_gives_the_librarys_saved_activations(api: Watched) -> None:
    """Each setup (attention, device, precision) × dtype × checkpointing, on generated
    configs: the page's fine-tuning memory equals `activations.memory_at`'s field for field
    (every saved-activation part), or both refuse naming the same field."""
    rng = random.Random(18)
    calls, wants = [], []
    for setup in SETUPS:
        for checkpointing in (False, True):
            for _ in range(6):
                data = served_config(rng)
                opts = {**setup, "optimizer": rng.choice(list(memory.OPTIMIZERS)),
                        "checkpointing": checkpointing, "batch": rng.randint(1, 16),
                        "encoder_length": rng.randint(1, 2048),
                        "decoder_length": rng.randint(1, 512)}  # fmt: skip
                calls.append(("memory", [json.dumps(data), opts]))
                wants.append((f"{data} {opts}", expected(t5sym.from_hf(data), "memory", opts)))
    for got, (what, want) in zip(run_many(api, calls), wants, strict=True):
        compare(got, want, what)
    answered = [opts for (_, [_, opts]), (_, want) in zip(calls, wants, strict=True)
                if "error" not in want]  # fmt: skip
    for setup in SETUPS:  # each counted, with and without checkpointing
        for checkpointing in (False, True):
            case = {**setup, "checkpointing": checkpointing}
            assert sum(case.items() <= opts.items() for opts in answered) >= 2, case
    refused = {field(want["error"]) for _, want in wants if "error" in want}
    assert refused == {"d_kv"}  # CUDA's sdpa kernel


def test_a_bad_setup_is_refused_as_the_library_refuses_it(api: Watched) -> None:
    base = {**WORKLOAD, "dtype": "fp32", "optimizer": "adam"}
    cases = [
        {"attention": "flash"},
        {"attention": "SDPA"},
        {"device": "mps"},
        {"device": 0},
        {"precision": "autocast"},
        {"precision": "bf16"},
        {"precision": "autocast-bf16", "dtype": "bf16"},
        {"precision": "autocast-fp16", "dtype": "fp16"},
        {"dropout": 1},
        {"dropout": -0.1},
        {"dropout": True},
        {"dropout": "0.1"},
        {"attention": None, "device": None},  # the library's defaults
        {"dropout": 0},
        {"device": "mps", "batch": None},  # checked though no activations are counted
        {"attention": "flash", "dtype": "int8", "optimizer": "none"},  # the dtype first
    ]
    for opts in cases:
        full = {**base, **opts}
        for data in ({"d_kv": 6}, {"d_kv": 4, "dropout_rate": 0}, {"dropout_rate": 1}):
            want = expected(t5sym.from_hf(data), "memory", full)
            compare(run(api, "memory", data, full), want, f"{data} {opts}")
    autocast = run(api, "memory", "t5-small", {**base, "precision": "autocast-bf16",
                                               "dtype": "bf16"})  # fmt: skip
    assert autocast["error"].endswith("; this setup takes fp32"), autocast  # the page's words
    # the library takes these; the page counts them only on the command line, and says so
    for opts in ({"padding_mask": True}, {"mask_bytes": 2}):
        got = run(api, "memory", "t5-small", {**base, **opts})
        assert field(got["error"]) == next(iter(opts)), got


def _total(page: Any) -> str:
    return page.locator("#o-count dd").nth(1).inner_text()


def _open_editor(page: Any) -> None:
    """Unfold the config editor (config.json, head, fields), folded under the picker."""
    page.evaluate("document.getElementById('c-edit').open = true")


def test_typing_updates_the_total_and_the_url_round_trips(browser: Any, server: str) -> None:
    w = Watched(browser, server + "calculator/#preset=t5-large&batch=4")
    page = w.page
    large = params.count(presets.load("t5-large")).total
    assert _total(page).replace(",", "") == str(large)
    _open_editor(page)
    page.fill("#f-d_ff", "8192")
    edited = t5sym.from_hf({**calculator._preset(presets.get("t5-large")), "d_ff": 8192})
    assert _total(page).replace(",", "") == str(params.count(edited).total)
    url = page.url
    assert "f.d_ff=8192" in url and "batch=4" in url
    again = Watched(browser, url)
    assert _total(again.page) == _total(page)
    assert again.page.evaluate("document.getElementById('c-edit').open")  # edits: unfolded
    assert again.page.input_value("#f-d_ff") == "8192"
    assert again.page.input_value("#f-batch") == "4"
    # bad input: the message beside the field, nothing else changes
    before = page.locator("#calc section").all_inner_texts()
    page.fill("#f-d_model", "0")
    with pytest.raises(T5SymError, match="^d_model: "):
        t5sym.from_hf({**calculator._preset(presets.get("t5-large")), "d_model": 0})
    assert field(page.inner_text("#e-d_model")) == "d_model"
    assert page.locator("#calc section").all_inner_texts() == before
    stale = "document.getElementById('calc').classList.contains('calc-stale')"
    assert page.evaluate(stale)  # the last good config's numbers, dimmed
    opacity = "getComputedStyle(document.querySelector('#calc section')).opacity"
    assert float(page.evaluate(opacity)) < 1
    page.fill("#f-d_model", "1024")
    assert page.inner_text("#e-d_model") == ""
    assert not page.evaluate(stale)
    # the weight-format view follows its two selects
    page.select_option("#f-format", "nf4")
    page.select_option("#f-encoder_only", "true")
    nf4 = formats.weights(t5sym.from_hf(edited.to_dict()), "nf4", encoder_only=True)
    shown = page.inner_text("#o-weights")
    assert "T5EncoderModel, nf4" in shown and f"{nf4.total:,} B" in shown, shown
    assert "format=nf4" in page.url and "encoder_only=true" in page.url
    # training memory on one of P cores, and the activations saved with checkpointing
    page.fill("#f-cores", "3")
    want = expected(edited, "memory", {"dtype": "fp32", "optimizer": "adafactor", "cores": 3})
    assert refused_alike({"error": page.inner_text("#e-cores")}, want)
    page.fill("#f-cores", "8")
    one = memory.training_memory(edited, "fp32", "adafactor", cores=8)
    assert f"total (one of 8 cores)\n{one.total:,} B" in page.inner_text("#o-memory")
    page.select_option("#f-checkpointing", "true")
    saved = activations.fine_tuning_memory(edited, "fp32", "adafactor", batch=4, encoder_length=512,
                                           decoder_length=128, checkpointing=True)  # fmt: skip
    assert f"{saved.activations_bytes:,} B" in page.inner_text("#o-tuning")
    assert "cores=8" in page.url and "checkpointing=true" in page.url
    assert "derived from torch's source, not measured" in page.inner_text("#o-tuning")
    assert page.is_visible("#o-tuning-from")  # the torch source read, beside the figures
    # the fine-tuning setup: eager on the CPU under autocast, then a dtype autocast refuses
    for name, choice in (("attention", "eager"), ("device", "cpu"), ("precision", "autocast-bf16")):
        page.select_option(f"#f-{name}", choice)
        assert f"{name}={choice}" in page.url
    chosen = {"attention": "eager", "device": "cpu", "precision": "autocast-bf16"}
    saved = activations.fine_tuning_memory(edited, "fp32", "adafactor", batch=4,
                                           encoder_length=512, decoder_length=128,
                                           checkpointing=True, **chosen)  # fmt: skip
    shown = page.inner_text("#o-tuning")
    assert f"{saved.activations_bytes:,} B" in shown and "measured" in shown, shown
    assert "derived" not in shown and not page.is_visible("#o-tuning-from")
    page.select_option("#f-dtype", "bf16")
    want = expected(edited, "memory", {"dtype": "bf16", "optimizer": "adafactor", "batch": 4,
                                       "checkpointing": True, **chosen})  # fmt: skip
    shown, message = page.inner_text("#o-tuning").split("\n")
    assert shown == "not available" and refused_alike({"error": message}, want), message
    page.select_option("#f-dtype", "fp32")
    for watched in (w, again):
        assert not watched.errors
        assert all(r.startswith(server) for r in watched.requests), watched.requests
        watched.page.close()


def test_presets_paste_and_head_in_the_page(browser: Any, server: str) -> None:
    w = Watched(browser, server + "calculator/")
    page = w.page
    page.select_option("#c-preset", "t5-3b")
    assert _total(page).replace(",", "") == str(params.count(presets.load("t5-3b")).total)
    _open_editor(page)
    text = json.dumps({"model_type": "umt5", "d_model": 512, "vocab_size": 32100})
    page.fill("#c-json", text)
    assert _total(page).replace(",", "") == str(params.count(t5sym.from_hf(json.loads(text))).total)
    page.select_option("#c-head", "EncoderModel")
    enc = t5sym.from_hf({**json.loads(text), "architectures": ["UMT5EncoderModel"]})
    assert _total(page).replace(",", "") == str(params.count(enc).total)
    assert page.locator("#o-math math").count() >= 2
    page.fill("#c-json", "{")
    shown = page.inner_text("#e-json")  # the place, its spaces kept by the minifier
    assert re.fullmatch(r"config\.json: not valid JSON( \(line \d+, column \d+\))?", shown), shown
    assert not w.errors
    assert all(r.startswith(server) for r in w.requests)
    w.page.close()


def test_a_refused_view_says_why_in_its_own_section(browser: Any, server: str) -> None:
    w = Watched(browser, server + "calculator/#preset=switch-base-8&cores=2")
    page = w.page
    switch = presets.load("switch-base-8")
    for section, fn, opts in (
        ("#o-shard", "shard", {"cores": 2}),
        ("#o-memory", "memory", {"dtype": "fp32", "optimizer": "adafactor", "cores": 2}),
        ("#o-tuning", "memory", {**WORKLOAD, "dtype": "fp32", "optimizer": "adafactor"}),
    ):
        shown, message = page.inner_text(section).split("\n")
        assert shown == "not available"
        assert refused_alike({"error": message}, expected(switch, fn, opts)), (section, message)
    total = t5sym.count(switch).total
    assert f"{total:,}" in page.inner_text("#o-count")  # the rest is shown
    page.select_option("#c-preset", "t5-small")
    page.select_option("#f-dtype", "int8")
    page.select_option("#f-optimizer", "none")
    small = presets.load("t5-small")
    weights = memory.training_memory(small, "int8", "none", cores=2).weights
    assert f"{weights:,} B" in page.inner_text("#o-memory")
    want = expected(small, "memory", {**WORKLOAD, "dtype": "int8", "optimizer": "none"})
    shown, message = page.inner_text("#o-tuning").split("\n")
    assert shown == "not available" and refused_alike({"error": message}, want)
    assert page.inner_text("#e-dtype") == ""
    assert not w.errors
    w.page.close()


def test_every_input_is_labelled_and_the_page_fits_a_phone(browser: Any, server: str) -> None:
    w = Watched(browser, server + "calculator/")
    page = w.page
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('#calc input, #calc select, #calc textarea')]
        .filter(e => !e.labels || e.labels.length === 0).map(e => e.id)"""
    )
    assert unlabelled == []
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _open_editor(page)
    page.focus("#f-d_model")
    page.keyboard.press("Control+A")
    page.keyboard.type("1024")
    small = t5sym.from_hf({**calculator._preset(presets.get("t5-small")), "d_model": 1024})
    assert _total(page).replace(",", "") == str(params.count(small).total)
    assert not w.errors
    w.page.close()


def test_any_leaf_view_by_name(api: Watched) -> None:
    """`t5sym.view` evaluates a view of `calculator.VIEWS` with no code of its own."""
    rng = random.Random(7)
    for _ in range(40):
        data = random_config(rng)
        config = t5sym.from_hf(data)
        name = rng.choice(list(calculator.VIEWS))
        extra = {"bytes_per_value": 2, "batch": 3, "encoder_length": 50, "decoder_length": 9,
                 "cores": most_cores(config)}  # fmt: skip
        values = {
            **config.values(),
            **{getattr(t5sym.model.symbols, k): v for k, v in extra.items()},
        }
        want = params.tree(config).view(calculator.VIEWS[name]).evaluate(values)
        assert run(api, "view", json.dumps(data), name, extra) == strings(want), (data, name)
    assert field(run(api, "view", "t5-small", "bogus")["error"]) == "view"


# --- the first screen: the picker and the weights in every format ---------------------------

SCREENS = ({"width": 1280, "height": 900}, {"width": 390, "height": 844})
#: The picker's entries checked: a preset (the whole model) and a text encoder (its encoder
#: only), as the picker labels them.
PICKS = (
    ("t5-v1_1-xxl", "t5-v1_1-xxl", False),
    ("UMT5-XXL encoder (Wan 2.1/2.2)", "umt5-xxl", True),
)
ROWS = """() => [...document.querySelectorAll('#o-formats tbody tr')].map(
  tr => [...tr.cells].map(td => td.innerText))"""
#: The size of ComfyUI's t5xxl_fp16.safetensors as published (comfyanonymous/flux_text_encoders,
#: the file listing; tests/test_layouts.py writes the file and reads its size).
T5XXL_FP16 = 9_787_841_024
IN_VIEW = """(sel) => {
  const r = document.querySelector(sel).getBoundingClientRect();
  return {top: r.top, left: r.left, bottom: r.bottom, right: r.right, width: r.width,
          height: r.height, vw: innerWidth, vh: innerHeight, x: scrollX, y: scrollY};
}"""


def _two_decimals(n: int, unit: int) -> str:
    """bytes / unit to two decimals, rounded half up, in integers."""
    hundredths = (n * 100 + unit // 2) // unit
    return f"{hundredths // 100:,}.{hundredths % 100:02d}"


def _expected_rows(name: str, encoder_only: bool) -> tuple[list[list[str]], list[str]]:
    """The formats table as the Python library gives it: one row per format."""
    config = presets.PRESETS[name].config
    rows, why = [], []
    for fmt in formats.FORMATS:
        try:
            total = formats.weights(config, fmt, encoder_only=encoder_only).total
        except T5SymError as exc:
            if str(exc) not in why:
                why.append(str(exc))
            rows.append([fmt, f"not available ({why.index(str(exc)) + 1})"])
            continue
        files = [
            layouts.file_bytes(config, lay, encoder_only=encoder_only).file_bytes
            for lay in layouts.published_for(config, fmt, encoder_only)
        ]
        file = "; ".join(f"{n:,}" for n in files if n is not None)
        rows.append([fmt, f"{total:,}", _two_decimals(total, 10**9), _two_decimals(total, 2**30),
                     file])  # fmt: skip
    return rows, why


def _within(page: Any, selector: str) -> None:
    box = page.evaluate(IN_VIEW, selector)
    assert box["x"] == 0 and box["y"] == 0, (selector, box)  # nothing scrolled
    assert box["width"] > 0 and box["height"] > 0, (selector, box)
    assert box["top"] >= 0 and box["left"] >= 0, (selector, box)
    assert box["bottom"] <= box["vh"] and box["right"] <= box["vw"], (selector, box)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s['width']}x{s['height']}")
def test_the_first_screen_holds_the_picker_and_every_format(
    browser: Any, server: str, screen: dict
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    w = Watched(browser, server + "calculator/", viewport=screen)
    page = w.page
    for label, name, encoder_only in PICKS:
        page.select_option("#c-preset", label=label)
        assert page.input_value("#f-encoder_only") == str(encoder_only).lower()
        assert f"preset={name}" in page.url
        assert f"encoder_only={str(encoder_only).lower()}" in page.url
        rows, why = _expected_rows(name, encoder_only)
        assert page.evaluate(ROWS) == rows, (name, encoder_only)
        assert page.locator("#o-formats-why li").all_inner_texts() == why
        assert [r[0] for r in rows] == list(formats.FORMATS)  # one row per format, in order
        if name == "t5-v1_1-xxl" and encoder_only:  # ComfyUI's t5xxl_fp16, published size
            fp16 = next(r for r in rows if r[0] == "fp16")
            assert fp16[4] == f"{T5XXL_FP16:,}", fp16
        model = formats.weights(presets.PRESETS[name].config, "bf16", encoder_only=encoder_only)
        assert model.model in page.inner_text("#o-formats-caption")
        assert _total(page).replace(",", "") == str(params.count(presets.load(name)).total)
        page.evaluate("window.scrollTo(0, 0)")
        for selector in ("#c-preset", "#f-encoder_only", "#o-count", "#o-formats"):
            _within(page, selector)
        assert page.evaluate("document.documentElement.scrollWidth") <= screen["width"]
        shot = ARTIFACTS / f"calculator-first-screen-{name}-{screen['width']}.png"
        page.screenshot(path=str(shot))
        # the link reproduces the entry picked: a text encoder is shown as itself
        again = Watched(browser, page.url, viewport=screen)
        picked = again.page.evaluate("document.getElementById('c-preset').selectedOptions[0].text")
        assert picked == label
        assert again.page.evaluate(ROWS) == rows
        assert not again.errors
        again.page.close()
    page.screenshot(path=str(ARTIFACTS / f"calculator-page-{screen['width']}.png"), full_page=True)
    assert not w.errors
    assert all(r.startswith(server) for r in w.requests), w.requests
    w.page.close()
