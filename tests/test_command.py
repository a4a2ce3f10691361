"""The ``t5sym`` command, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import t5sym
from t5sym.model import presets

from .support.cli import run

CORE = {"d_model": 64, "d_ff": 96, "num_heads": 3, "d_kv": 16, "num_layers": 2, "vocab_size": 100}


def test_count_json_of_a_preset() -> None:
    from .support.reference import build, numel_by_name

    out = run("count", "t5-11b", "--json", "--breakdown")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    config = t5sym.load("t5-11b")
    assert data["total"] == sum(numel_by_name(build(config)).values())
    assert data["encoder_only_total"] == sum(numel_by_name(build(config, True)).values())
    assert data["breakdown"]["shared"] == 32128 * 1024


def test_count_of_a_text_encoder_config_is_the_encoder(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**CORE, "architectures": ["T5EncoderModel"]}))
    out = run("count", str(path))
    assert out.returncode == 0, out.stderr
    table = [line for line in out.stdout.splitlines() if line.startswith("T5")]
    assert len(table) == 1 and table[0].startswith("T5EncoderModel")
    assert json.loads(run("count", str(tmp_path), "--json").stdout)["model"] == "T5EncoderModel"


def test_human_count_and_breakdown() -> None:
    out = run("count", "t5-3b", "--breakdown")
    assert out.returncode == 0
    assert "2,851,598,336" in out.stdout  # the published exact count of google-t5/t5-3b
    assert "relative_attention_bias (in block.0 only)" in out.stdout


def test_list() -> None:
    out = run("list")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    names = [line.split()[0] for line in lines[2 : 2 + len(t5sym.PRESETS)]]
    assert names == list(t5sym.PRESETS)
    # Switch-XXL: the paper's 395B (t5-family reference) beside the GEGLU-expert count
    after = lines[2 + len(t5sym.PRESETS) :]
    note = "switch-xxl-128: 395B (paper) = GEGLU experts, as T5X: 393,931,632,640"
    assert after[:2] == [note, ""]
    names = [*presets.GEMMA_PRESETS, *presets.GEMMA2_PRESETS]
    gemma_rows = {line.split()[0]: line.split()[-1] for line in after[4 : 4 + len(names)]}
    assert list(gemma_rows) == names
    assert after[4 + len(names) :] == [  # sourced: T5GemmaModuleConfig, gemma.cpp (Gemma 3)
        "T5Gemma: vocab_size 256,000",
        "T5Gemma 2: vocab_size 262,144; a SigLIP vision tower of 27 layers",
    ]
    exact = [c for c in presets.GEMMA_CLAIMS if "," in c.label]  # KerasHub's and MTEB's
    assert len(exact) == 11
    for claim in exact:
        assert gemma_rows[claim.preset] == claim.label, claim
    data = json.loads(run("list", "--json").stdout)
    assert data["t5-large"]["total"] == 737_668_096
    assert data["t5gemma-s-s"]["total"] == 312_517_632  # KerasHub's t5gemma_s_s_* presets


@pytest.mark.parametrize("fmt", ["--latex", "--python", "--srepr", "--mathml", None])
def test_formula_formats(fmt: str | None) -> None:
    out = run("formula", "t5-11b", *([fmt] if fmt else []))
    assert out.returncode == 0, out.stderr
    text = out.stdout.strip()
    if fmt == "--latex":
        assert r"d_{\mathrm{model}}" in text
    elif fmt == "--mathml":
        assert text.startswith("<math")
    elif fmt == "--srepr":
        assert text.startswith("Add(")
    else:
        config = t5sym.load("t5-11b")
        names = {k: v for k, v in config.to_dict().items() if isinstance(v, int)}
        assert eval(text, {}, names) == 11_307_321_344  # published total of t5-11b


BAD = [
    (["count", "t5-3bb"], "preset: unknown name 't5-3bb'; did you mean t5-3b"),
    (["count", "missing/config.json"], "no such file"),
    (["count", "{tmp}/bad.json"], "invalid JSON"),
    (["count", "{tmp}/dff.json"], "d_ff: must be a positive integer, got None"),
    (["count", "{tmp}/zero.json"], "d_model: must be a positive integer, got 0"),
    (["count", "{tmp}/negative.json"], "num_heads: must be a positive integer, got -1"),
    (["count", "{tmp}/float.json"], "d_kv: must be a positive integer, got 2.5"),
    (["count", "{tmp}/bool.json"], "num_layers: must be a positive integer, got True"),
    (["count", "{tmp}/string.json"], "vocab_size: must be a positive integer, got '100'"),
    (["count", "{tmp}/ffn.json"], "feed_forward_proj: unknown activation"),
    (["count", "{tmp}/bert.json"], "model_type: 'bert' is not a T5-family type"),
    (["formula", "t5-3b", "--node", "nope"], "node: no node 'nope'"),
    (["count"], "the following arguments are required: TARGET"),
    (["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, argv: list[str], message: str) -> None:
    files = {
        "dff": {**CORE, "d_ff": None},
        "zero": {**CORE, "d_model": 0},
        "negative": {**CORE, "num_heads": -1},
        "float": {**CORE, "d_kv": 2.5},
        "bool": {**CORE, "num_layers": True},
        "string": {**CORE, "vocab_size": "100"},
        "ffn": {**CORE, "feed_forward_proj": "gated-swoosh"},
        "bert": {**CORE, "model_type": "bert"},
    }
    for name, data in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    (tmp_path / "bad.json").write_text("{not json")
    out = run(*[a.format(tmp=tmp_path) for a in argv])
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("t5sym")
    out = subprocess.run([str(exe), "count", "t5-small", "--json"], capture_output=True, text=True)
    assert json.loads(out.stdout)["total"] == 60_506_624  # published total of t5-small


def test_formula_of_a_text_encoder_config_is_the_encoder_only_one(tmp_path: Path) -> None:
    from .support.reference import build, numel_by_name

    path = tmp_path / "config.json"
    path.write_text(json.dumps({**CORE, "architectures": ["T5EncoderModel"]}))
    out = run("formula", str(path), "--python")
    assert out.returncode == 0, out.stderr
    config = t5sym.from_hf(path)
    names = {k: v for k, v in config.to_dict().items() if isinstance(v, int)}
    assert eval(out.stdout, {}, names) == sum(numel_by_name(build(config, True)).values())


def test_count_loads_no_view_module() -> None:
    """``t5sym count`` (human or JSON) imports no FLOP, memory, format or sharding view, nor
    SymPy's tensor module that the first evaluated sum pulls in: it is the fast path."""
    views = {f"t5sym.views.{m}" for m in ("flops", "memory", "formats", "sharding", "inference",
                                          "activations")} | {"sympy.tensor.tensor"}  # fmt: skip
    for extra in ([], ["--json"]):
        argv = ["count", "t5-11b", *extra]
        code = (
            "import sys, contextlib, io; from t5sym import cli\n"
            f"with contextlib.redirect_stdout(io.StringIO()): cli.main({argv})\n"
            "print(' '.join(sys.modules))"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        loaded = set(out.stdout.split())
        assert not views & loaded, (extra, views & loaded)
        if extra:  # JSON needs no table either
            assert not {"t5sym.cli.report", "t5sym.views.printers"} & loaded
