"""Every view, for every model it accepts, agrees with `count` (issue 16, point 3).

One small config.json per model type × head × tied/untied lm_head (48 of them, Switch and
LongT5 with their three heads); transformers reads the same file on the meta device
(`tests.support.reference.build_from_folder`) and gives every expected count. Each view runs
through the command's own `t5sym.cli.command` in this process (the whole sweep in seconds);
the defects that started this file also run as real processes (`tests.support.cli.run`).

The identities, for each config:

- ``count --json --breakdown``: the total and every node equal transformers';
- ``memory``: weights = bytes per value × count for fp32, bf16, fp16 (the model cast),
  int8; ``weights --format fp16-hf`` (as ``from_pretrained`` loads fp16) keeps each
  ``wo`` in float32 for t5, mt5 and umt5, so its bytes are 2·N + 2·N_wo;
- ``formula --python`` evaluates to the count with transformers' config fields as its
  variables, and so does ``formula --python --node N`` for every node ``count`` lists;
- ``flops``: the human table's numbers are the JSON's;
- ``weights --all``: every format, the GGUF ones marked not applicable (with a reason)
  exactly where llama.cpp's T5 converter names no tensor;
- ``shard`` and ``memory --cores`` accept the same models and refuse the rest in one line.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import transformers

from t5sym import cli

from .support.cli import one_line_error, run
from .support.reference import build_from_folder, instantiate, numel_by_name, sum_matching

PREFIX = {"t5": "T5", "mt5": "MT5", "umt5": "UMT5", "longt5": "LongT5",
          "switch_transformers": "SwitchTransformers"}  # fmt: skip
ALL_HEADS = ("ForConditionalGeneration", "Model", "EncoderModel", "ForSequenceClassification",
             "ForTokenClassification", "ForQuestionAnswering")  # fmt: skip
HEADS = {t: ALL_HEADS for t in ("t5", "mt5", "umt5")} | {
    t: ALL_HEADS[:3] for t in ("longt5", "switch_transformers")
}
CORE = dict(d_model=16, d_ff=24, num_heads=2, d_kv=6, num_layers=3, vocab_size=40,
            relative_attention_num_buckets=8, num_labels=3)  # fmt: skip


def config_json(model_type: str, head: str, tied: bool) -> dict[str, Any]:
    """A small config.json: unequal depths but for mt5 (and tied Switch), odd sizes.

    Switch's sparse blocks differ from its fields: 3 layers with 2 sparse wanted make every
    block sparse (step 1); 0 wanted in a 2-block decoder still makes block 1 sparse.
    """
    data: dict[str, Any] = {
        "model_type": model_type,
        "architectures": [PREFIX[model_type] + head],
        **CORE,
        "tie_word_embeddings": tied,
    }
    if model_type != "mt5":
        data["num_decoder_layers"] = 2
    if model_type in ("t5", "longt5"):
        data["feed_forward_proj"] = "relu"
    if model_type in ("mt5", "umt5"):
        data["feed_forward_proj"] = "gated-gelu" if model_type == "mt5" else "gated-silu"
    if model_type == "longt5":
        data["encoder_attention_type"] = "transient-global" if tied else "local"
        data |= {"local_radius": 3, "global_block_size": 2}
    if model_type == "switch_transformers":
        data |= {"num_experts": 3, "num_sparse_encoder_layers": 2,
                 "num_sparse_decoder_layers": 0, "router_bias": not tied}  # fmt: skip
        data["num_decoder_layers"] = 3 if tied else 2
    return data


CASES = [
    (t, h, tied) for t in PREFIX for h in HEADS[t] for tied in (True, False)
]  # fmt: skip
IDS = [f"{t}-{h}-{'tied' if tied else 'untied'}" for t, h, tied in CASES]

#: The formats llama.cpp's T5 converter can name every tensor of (T5, mT5, UMT5's seq2seq
#: model, its Model without lm_head, and its encoder: convert_hf_to_gguf's T5 classes).
GGUF_TYPES = ("t5", "mt5", "umt5")
GGUF_HEADS = ("ForConditionalGeneration", "Model", "EncoderModel")

#: The models Mesh TF's layout is modelled for (no experts, no task head).
LAYOUT_HEADS = ("ForConditionalGeneration", "Model", "EncoderModel")


def cli_run(*args: str) -> tuple[int, str, str]:
    """``t5sym ARGS`` through `t5sym.cli.command` in this process: status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def ok(*args: str) -> str:
    code, out, err = cli_run(*args)
    assert code == 0 and not err, (args, code, err)
    return out


def ok_json(*args: str) -> Any:
    return json.loads(ok(*args, "--json"))


class Fields(dict):
    """The config's own fields as eval's variables: transformers' config object's."""

    def __init__(self, hf) -> None:
        super().__init__()
        self.hf = hf

    def __missing__(self, key: str) -> Any:
        value = getattr(self.hf, key)
        assert isinstance(value, int), (key, value)
        return value


def evaluate(text: str, hf) -> int:
    return eval(text, {"__builtins__": {}}, Fields(hf))  # noqa: S307 - t5sym's own output


class Case:
    """One config: its file, transformers' config and models, and the counts they give."""

    def __init__(self, folder: Path, model_type: str, head: str, tied: bool) -> None:
        self.model_type, self.head, self.tied = model_type, head, tied
        self.data = config_json(model_type, head, tied)
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps(self.data))
        self.path = str(folder / "config.json")
        model = build_from_folder(folder, self.data)
        self.hf = model.config
        self.numels = numel_by_name(model)
        self.total = sum(self.numels.values())
        encoder_class = getattr(transformers, PREFIX[model_type] + "EncoderModel")
        self.encoder_total = sum(numel_by_name(instantiate(encoder_class, self.hf, False)).values())
        self.wo = sum(n for name, n in self.numels.items() if name.endswith(".wo.weight"))
        self.router = sum(n for name, n in self.numels.items() if ".router." in name)


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    root = tmp_path_factory.mktemp("views")
    return {i: Case(root / i, *case) for i, case in zip(IDS, CASES, strict=True)}


@pytest.fixture(params=IDS)
def case(request: pytest.FixtureRequest, cases: dict[str, Case]) -> Case:
    return cases[request.param]


# ---------------------------------------------------------------------------------------
# count, formula


def test_count_equals_transformers_node_by_node(case: Case) -> None:
    data = ok_json("count", case.path, "--breakdown")
    assert data["total"] == case.total
    assert data["encoder_only_total"] == case.encoder_total
    for node, n in data["breakdown"].items():
        if node:
            assert n == sum_matching(case.numels, node), node


def test_formula_python_evaluates_to_the_count_with_the_config_fields(case: Case) -> None:
    assert evaluate(ok("formula", case.path, "--python"), case.hf) == case.total
    encoder = ok("formula", case.path, "--python", "--encoder-only")
    assert evaluate(encoder, case.hf) == case.encoder_total


def test_formula_of_every_node_count_lists(case: Case) -> None:
    breakdown = ok_json("count", case.path, "--breakdown")["breakdown"]
    for node in breakdown:
        if node:
            text = ok("formula", case.path, "--python", "--node", node)
            assert evaluate(text, case.hf) == sum_matching(case.numels, node), node


def test_formula_of_lm_head(case: Case) -> None:
    code, out, err = cli_run("formula", case.path, "--node", "lm_head")
    has_lm_head = case.head == "ForConditionalGeneration"
    if has_lm_head and "lm_head.weight" in case.numels:  # transformers: its own matrix
        assert code == 0
        assert (
            evaluate(ok("formula", case.path, "--python", "--node", "lm_head"), case.hf)
            == (case.numels["lm_head.weight"])
        )
        return
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    if has_lm_head:  # tied: transformers lists it under shared only
        assert "node: lm_head is tied to shared in this model" in err
    else:
        assert "no node 'lm_head'" in err


# ---------------------------------------------------------------------------------------
# memory and weights: bytes per value × count


BYTES = {"fp32": 4, "bf16": 2, "fp16": 2, "int8": 1}


def test_memory_weights_are_bytes_per_value_times_the_count(case: Case) -> None:
    """A running model holds every weight in its dtype but Switch's router, float32 after the
    first forward (`memory.ROUTER_BYTES`); the file, as loaded, all in the dtype."""
    for dtype, b in BYTES.items():
        data = ok_json("memory", case.path, "--dtype", dtype, "--optimizer", "none")
        assert data["weights"] == b * case.total + (4 - b) * case.router, dtype
        weights = ok_json("weights", case.path, "--format", dtype if dtype != "int8" else "fp32")
        if dtype != "int8":
            assert weights["total"] == b * case.total, dtype
    human = ok("memory", case.path, "--optimizer", "none")
    assert re.search(rf"^weights +{4 * case.total:,} ", human, re.M), human
    adam = ok_json("memory", case.path, "--optimizer", "adam", "--dtype", "bf16")
    assert adam["gradients"] == 2 * case.total + 2 * case.router


def test_fp16_as_transformers_loads_it_keeps_wo_in_fp32(case: Case) -> None:
    data = ok_json("weights", case.path, "--format", "fp16-hf")
    kept = case.wo if case.model_type in ("t5", "mt5", "umt5") else 0
    assert data["total"] == 2 * case.total + 2 * kept
    assert data["by_storage"].get("F32", 0) == 4 * kept


def test_weights_all_lists_every_format(case: Case) -> None:
    from t5sym.views.formats import FORMATS  # the names asked for, not a figure

    data = ok_json("weights", case.path, "--all")
    assert [d["format"] for d in data] == list(FORMATS)
    gguf = case.model_type in GGUF_TYPES and case.head in GGUF_HEADS
    human = ok("weights", case.path, "--all")
    for entry in data:
        applies = (gguf or not entry["format"].startswith("gguf")) and not (
            case.model_type == "switch_transformers" and entry["format"] == "fp8-hf"
        )  # transformers' FineGrainedFP8 fails on Switch's experts (tests/test_formats_fp8.py)
        assert entry["applicable"] is applies, entry
        if applies:
            assert entry["parameters"] == case.total
            if entry["format"] in ("fp32", "bf16"):
                assert entry["total"] == BYTES[entry["format"]] * case.total
            assert re.search(rf"^{entry['format']} +{entry['total']:,} ", human, re.M)
        else:
            assert entry["reason"] and "\n" not in entry["reason"]
            assert f"  {entry['format']}: {entry['reason']}" in human.splitlines()


# ---------------------------------------------------------------------------------------
# flops: the human table is the JSON


def numbers_of_table(text: str, header: str) -> list[int]:
    """The number column (second from the right) of the table whose header starts so."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header)) + 2
    out = []
    for line in lines[start:]:
        if not line.strip():
            break
        out.append(int(line.split()[-2].replace(",", "")))
    return out


def test_flops_human_and_json_agree(case: Case) -> None:
    data = ok_json("flops", case.path, "--breakdown")
    human = ok("flops", case.path, "--breakdown")
    assert data["parameters"] == case.total
    rows = {
        "forward": data["forward"],
        "training (forward + backward)": data["training"],
        "2·N per token": data["naive"],
        "6·N per token (training)": data["naive_training"],
    }
    for label, n in rows.items():
        assert re.search(rf"^{re.escape(label)} +{n:,} ", human, re.M), label
    parts = numbers_of_table(human, "module")
    expected = [n for k, n in data["breakdown"].items() if k]
    assert sorted(parts) == sorted(expected)
    assert sorted(numbers_of_table(human, "forward − ")) == sorted(data["excess"].values())
    # the short table (no --breakdown) reads the same tree
    short = numbers_of_table(ok("flops", case.path), "module")
    assert set(short) <= set(expected) and short


# ---------------------------------------------------------------------------------------
# shard and memory --cores: the same models


def test_shard_and_memory_per_core_accept_the_same_models(case: Case) -> None:
    accepted = case.model_type != "switch_transformers" and case.head in LAYOUT_HEADS
    shard = cli_run("shard", case.path, "--cores", "1", "--json")
    per_core = cli_run("memory", case.path, "--cores", "1", "--optimizer", "none", "--json")
    for code, out, err in (shard, per_core):
        if accepted:
            assert code == 0 and not err, err
        else:
            assert code == 2 and out == "" and len(err.splitlines()) == 1, err
    if accepted:
        assert json.loads(shard[1])["parameters"] == case.total
        assert json.loads(per_core[1])["weights"] == 4 * case.total
    else:
        assert shard[2] == per_core[2]  # the same reason


# ---------------------------------------------------------------------------------------
# JSON: one type per key


def json_types(value: Any, path: str, out: Mapping[str, set[str]]) -> None:
    if isinstance(value, dict):
        for key, v in value.items():
            # the keys of these maps are names of nodes, storages or terms
            named = path.rsplit(".", 1)[-1] in ("breakdown", "by_storage", "storages", "excess")
            json_types(v, f"{path}.{'*' if named else key}", out)
    elif isinstance(value, list):
        for v in value:
            json_types(v, f"{path}[]", out)
    else:
        out[path].add(type(value).__name__)


def mixed_types(types: Mapping[str, set[str]]) -> dict[str, set[str]]:
    return {path: t for path, t in types.items() if len(t - {"NoneType"}) > 1}


def test_every_json_key_has_one_type(cases: dict[str, Case]) -> None:
    types: defaultdict[str, set[str]] = defaultdict(set)
    for case in cases.values():
        json_types(ok_json("count", case.path, "--breakdown"), "count", types)
        json_types(ok_json("memory", case.path), "memory", types)
        for entry in ok_json("weights", case.path, "--all"):
            if entry["applicable"]:
                json_types(entry, "weights", types)
            else:
                json_types(entry, "weights-not-applicable", types)
    for fmt in ("fp32", "fp16-hf", "nf4"):  # an integral ratio and two fractions
        json_types(ok_json("weights", "t5-small", "--format", fmt), "weights", types)
    assert not mixed_types(types)
    assert types["weights.bytes_per_parameter"] == {"str"}


def test_every_flops_json_key_has_one_type(cases: dict[str, Case]) -> None:
    types: defaultdict[str, set[str]] = defaultdict(set)
    for case in cases.values():
        json_types(ok_json("flops", case.path), "flops", types)
    assert not mixed_types(types)


# ---------------------------------------------------------------------------------------
# The defects, as real processes


def test_token_classification_views_as_real_processes(cases: dict[str, Case]) -> None:
    case = cases["t5-ForTokenClassification-tied"]
    memory = json.loads(run("memory", case.path, "--optimizer", "none", "--json").stdout)
    assert memory["weights"] == 4 * case.total  # not the EncoderModel's
    formula = run("formula", case.path, "--python")
    assert formula.returncode == 0 and evaluate(formula.stdout, case.hf) == case.total
    node = run("formula", case.path, "--python", "--node", "classifier")
    assert evaluate(node.stdout, case.hf) == sum_matching(case.numels, "classifier")
    flops = run("flops", case.path)
    assert flops.returncode == 0 and "Traceback" not in flops.stderr
    assert "classifier" in flops.stdout


def test_tied_lm_head_says_so_as_a_real_process() -> None:
    line = one_line_error(run("formula", "t5-small", "--node", "lm_head"))
    assert "node: lm_head is tied to shared in this model" in line


def test_switch_weights_all_as_a_real_process() -> None:
    out = run("weights", "switch-base-8", "--all")
    assert out.returncode == 0, out.stderr
    assert re.search(r"^bf16 +1,238,678,016 ", out.stdout, re.M)  # 2 × 619,339,008
    assert "gguf-q8_0: GGUF (llama.cpp) has no tensor name" in out.stdout
    assert one_line_error(run("memory", "switch-base-8", "--cores", "2")) == one_line_error(
        run("shard", "switch-base-8", "--cores", "2")
    )


# ---------------------------------------------------------------------------------------
# Human output: integer arithmetic at any size, names escaped


def test_a_321_digit_vocabulary_prints(tmp_path: Path) -> None:
    """Parameters are linear in vocab_size: two transformers models give the line."""
    small = dict(model_type="t5", d_model=8, d_ff=8, num_heads=2, d_kv=4, num_layers=1)
    sizes = {}
    for vocab in (10, 20):
        folder = tmp_path / str(vocab)
        folder.mkdir()
        data = {**small, "vocab_size": vocab}
        (folder / "config.json").write_text(json.dumps(data))
        sizes[vocab] = sum(numel_by_name(build_from_folder(folder, data)).values())
    per_row = (sizes[20] - sizes[10]) // 10
    vocab = 10**320
    total = sizes[10] + per_row * (vocab - 10)
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**small, "vocab_size": vocab}))
    for args, figure in (
        (("memory", "--optimizer", "none"), 4 * total),
        (("inference",), 2 * total),
        (("weights",), 2 * total),
        (("weights", "--all"), 4 * total),
        (("count", "--breakdown"), total),
    ):
        out = ok(args[0], str(path), *args[1:])
        assert f"{figure:,}" in out, args


def test_names_are_escaped_in_human_output(tmp_path: Path) -> None:
    name = "evil\x1b[2J\u202ename"
    folder = tmp_path / name
    folder.mkdir()
    data = config_json("t5", "ForConditionalGeneration", True)
    (folder / "config.json").write_text(json.dumps(data))
    for args in (("memory",), ("flops",), ("inference",), ("weights", "--all"),
                 ("shard", "--cores", "1"), ("count", "--json")):  # fmt: skip
        out = ok(args[0], str(folder), *args[1:])
        assert "\x1b" not in out and "\u202e" not in out and "evil" in out, args
    out = run("count", str(folder))  # and as a real process
    assert out.returncode == 0 and "evil" in out.stdout, out.stderr
    assert "\x1b" not in out.stdout and "\u202e" not in out.stdout
    data = json.loads(run("count", str(folder), "--json").stdout)
    assert name in data["name"]  # JSON's escapes are the same string
