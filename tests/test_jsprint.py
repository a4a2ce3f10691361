"""t5site.jsprint: the printed JavaScript, run by Node.js, equals t5sym.model.algebra.evaluate."""

from __future__ import annotations

import itertools
import json
import random
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import sympy

from t5site import calculator, jsprint
from t5sym.errors import T5SymError
from t5sym.model import symbols
from t5sym.model.algebra import evaluate
from t5sym.model.symbols import CONFIG_FIELD

NODE = shutil.which("node")
SYMS = (*symbols.DIMENSIONS, symbols.batch, symbols.encoder_length, symbols.decoder_length)


def _field(s: sympy.Symbol) -> str:
    return CONFIG_FIELD.get(s, s.name)


def _random_expr(rng: random.Random) -> sympy.Expr:
    """A random integer-valued polynomial: integer terms, or T(T+1)/2-like sums."""
    terms = []
    for _ in range(rng.randint(1, 4)):
        term = sympy.Integer(rng.choice([1, 2, 3, 6, -4, 10**20]))
        for _ in range(rng.randint(0, 4)):
            term *= rng.choice(SYMS) ** rng.choice([1, 1, 2, 3])
        terms.append(term)
    s = rng.choice(SYMS)
    if rng.random() < 0.5:
        terms.append(rng.choice(SYMS) * s * (s + 1) / 2)
    if rng.random() < 0.3:
        terms.append(s * (s + 1) * (2 * s + 1) / 6)
    return sympy.Add(*terms)


def _run(functions: list[str], values: list[dict[str, str]]) -> list[str]:
    script = (
        f"{jsprint.prelude()}const F = [{','.join(functions)}];\n"
        f"const V = {json.dumps(values)};\n"
        "const out = F.map((f, i) => { const c = {}; "
        "for (const [k, v] of Object.entries(V[i])) c[k] = BigInt(v); "
        "try { return f(c).toString(); } catch (e) { return 'error: ' + e.message; } });\n"
        "process.stdout.write(JSON.stringify(out));"
    )
    return _node(script)


def _node(script: str) -> Any:
    """What a Node.js script writes to stdout, read as JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.js"
        path.write_text(script, encoding="utf-8")
        proc = subprocess.run([NODE, path], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def test_node_is_installed() -> None:
    assert NODE, "Node.js is needed to run the printed JavaScript"


def test_printed_javascript_equals_exact_evaluation() -> None:
    rng = random.Random(12)
    exprs = [_random_expr(rng) for _ in range(300)]
    values = [{s: rng.randint(1, 10 ** rng.randint(1, 25)) for s in SYMS} for _ in exprs]
    got = _run(
        [jsprint.function(e) for e in exprs],
        [{_field(s): str(v) for s, v in vals.items()} for vals in values],
    )
    expected = [str(evaluate(e, v)) for e, v in zip(exprs, values, strict=True)]
    assert got == expected


def test_integers_are_bigint_and_symbols_config_fields() -> None:
    code = jsprint.code(symbols.num_buckets * symbols.num_heads * 3)
    assert code == "3n*c.relative_attention_num_buckets*c.num_heads"
    assert "n" in jsprint.code(sympy.Integer(2**60) * symbols.d_model)
    assert str(2**60) + "n" in jsprint.code(sympy.Integer(2**60) * symbols.d_model)


def test_a_fraction_is_divided_exactly_at_the_end() -> None:
    t = symbols.decoder_length
    code = jsprint.code(t * (t + 1) / 2)
    assert code.startswith("q(") and code.endswith(", 2n)")
    # a value that is not whole throws rather than rounding
    assert _run([jsprint.function(t / 2)], [{"decoder_length": "3"}]) == [
        "error: not a whole number: 3/2"
    ]


@pytest.mark.parametrize(
    "expr", [2**symbols.d_model, sympy.sqrt(symbols.d_model), sympy.Float(1.5)]
)
def test_what_is_not_a_ratio_of_polynomials_is_refused(expr: sympy.Expr) -> None:
    with pytest.raises(ValueError):
        jsprint.function(expr)


def test_a_symbol_divides_exactly_or_throws() -> None:
    """A share per core, d_model + d_ff/cores: whole when the cores divide d_ff."""
    share = jsprint.function(symbols.d_model + symbols.d_ff / symbols.cores)
    got = _run([share, share], [{"d_model": "5", "d_ff": "12", "cores": "4"},
                                {"d_model": "5", "d_ff": "12", "cores": "5"}])  # fmt: skip
    assert got == ["8", "error: not a whole number: 37/5"]


def test_floor_and_ceiling_of_ratios_round_like_python() -> None:
    """LongT5's padding: ceiling(S/(r + 1)), floor(S/g), as Python's // rounds them."""
    S, r, g = symbols.encoder_length, symbols.local_radius, symbols.global_block_size
    exprs = [
        sympy.ceiling(S / (r + 1)) * (r + 1) * 3,
        sympy.floor(S / g) * S * (S + 1) / 2 + sympy.ceiling(S / 7),
    ]
    rng = random.Random(5)
    values = [{S: rng.randint(1, 10**18), r: rng.randint(0, 300), g: rng.randint(1, 99)}
              for _ in range(40)]  # fmt: skip
    got = _run(
        [jsprint.function(e) for e in exprs for _ in values],
        [{_field(k): str(v) for k, v in vals.items()} for _ in exprs for vals in values],
    )
    # hand-written rounding: -(-a // b) is the ceiling, a // b the floor
    expected = [str(-(-v[S] // (v[r] + 1)) * (v[r] + 1) * 3) for v in values] + [
        str((v[S] // v[g]) * (v[S] * (v[S] + 1) // 2) + -(-v[S] // 7)) for v in values
    ]
    assert got == expected


def _small_int_function(a, b):  # ``if``, ``//``, ``%`` and ``x if c else y``, as the rules
    if a < 0 or not b:
        return -a % 7
    return (a - 3) // b * 2 if a % b != 1 else a // -b


def test_a_python_function_prints_and_rounds_as_python_does() -> None:
    """The library's own rules (Switch's sparse step and blocks, llama.cpp's use_more_bits)
    and a function using every construct, printed and run over a grid of integers,
    negatives and 10**30 included: each value equals Python's."""
    from t5sym.model.config import sparse_count, sparse_step_of
    from t5sym.views.formats import more_bits

    rules = [sparse_count, _small_int_function, sparse_step_of, more_bits]
    grid = [*range(-9, 30), 10**30, -(10**30) + 7]
    pairs = [(a, b) for a in grid for b in grid if b != 0]
    script = (
        f"{jsprint.prelude()}"
        f"const F = [{','.join(jsprint.python_function(f) for f in rules)}];\n"
        f"const P = {json.dumps([[str(a), str(b)] for a, b in pairs])};\n"
        "const out = F.map((f) => P.map(([a, b]) => String(f(BigInt(a), BigInt(b)))));\n"
        "process.stdout.write(JSON.stringify(out));"
    )
    got = _node(script)
    for fn, values in zip(rules, got, strict=True):
        want = [str(fn(a, b)).lower() for a, b in pairs]  # True → "true", as JS prints it
        assert values == want, fn.__name__


def test_what_a_python_function_cannot_print_is_refused() -> None:
    def calls(a):
        return abs(a)

    def loops(a):
        for _ in range(a):
            pass
        return a

    def formats(a):  # JavaScript has no format spec: "{a:,}" would lose its commas
        return f"{a:,}"

    def reprs(a):  # nor Python's repr
        return f"{a!r}"

    def methods(a):  # a method jsprint does not know
        return a.upper()

    def numbers(a):  # an int test would have to tell a BigInt from a bool
        return isinstance(a, int)

    def cuts(a):  # only s[i:]
        return a[1:2]

    def filters(a):  # a comprehension maps, it does not filter
        return [x for x in a if x]

    def identities(a):  # `is` only of None
        return a is True

    def joins(a, sep):  # a separator written in the source
        return sep.join(a)

    for fn in (calls, loops, formats, reprs, methods, numbers, cuts, filters, identities, joins):
        with pytest.raises(ValueError, match="jsprint prints"):
            jsprint.python_function(fn)


def test_min_max_and_cases_print_as_sympy_evaluates() -> None:
    """Switch's routed tokens B·min(S, E·C), LongT5's case for B = 1 or S = 1, CUDA's padded
    bias when 16 divides S (``Mod``), a Max, nested: printed and run, each equals SymPy's
    value over random integers."""
    S, T, B = symbols.encoder_length, symbols.decoder_length, symbols.batch
    E, r = symbols.num_experts, symbols.local_radius
    C = sympy.Symbol("expert_capacity", integer=True, nonnegative=True)
    exprs = [
        3 * B * sympy.Min(S, E * C) * (symbols.d_model + 1),
        sympy.Piecewise(
            (2 * B * (r + 1) * sympy.ceiling(S / (r + 1)), sympy.Eq(B, 1) | sympy.Eq(S, 1)),
            (2 * B * S, True),
        ),  # fmt: skip
        sympy.Piecewise(
            (S**2, sympy.Eq(sympy.Mod(S, 16), 0)), (B * S * sympy.ceiling(S / 16) / 2, True)
        ),  # fmt: skip
        sympy.Max(S, T, 7) + sympy.Min(E, B * sympy.Min(S, E * C)) * T * (T + 1) / 2,
        sympy.Piecewise((S, sympy.And(S > T, sympy.Ne(B, 2))), (T - S, S <= T), (0, True)),
    ]
    rng = random.Random(7)
    values = [{S: rng.choice([1, 16, 32, rng.randint(1, 10**6)]), T: rng.randint(1, 99),
               B: rng.choice([1, 2, rng.randint(1, 64)]), E: rng.randint(1, 300),
               C: rng.randint(0, 50), r: rng.randint(0, 127), symbols.d_model: 10**20}
              for _ in range(60)]  # fmt: skip
    got = _run(
        [jsprint.function(e) for e in exprs for _ in values],
        [{_field(k): str(v) for k, v in vals.items()} for _ in exprs for vals in values],
    )
    want = []
    for e in exprs:
        for vals in values:
            x = e.subs(vals)
            want.append(str(x) if x.is_Integer else f"error: not a whole number: {x}")
    assert [g if not g.startswith("error") else g.split(":")[0] for g in got] == [
        w if not w.startswith("error") else "error" for w in want
    ]


#: A table and functions in the style of the library's rules (`formats`' GGUF walk): strings,
#: loops, ``in``, ``.get``, ``.append``, tuples, a reserved JavaScript word as a name.
_RULES = {"big": (("more", 2, "B"), ("all", 0, "C")), "small": (("first", 1, "S"),)}
_BLOCK = {"A": 32, "B": 256, "C": 1}


def _pick(rules: tuple, i: int, n: int, default: str) -> str:
    for test, k, t in rules:
        if test == "all" or (test == "more" and i * k >= n) or (test == "first" and i < k):
            return t
    return default


def _walk(items: list, kind: str, new: str) -> list:
    count = 0
    for name, _cols in items:
        if "x" in name:
            count += 1
    out = []
    i = 0
    for name, cols in items:
        chosen: str = new
        if cols == 0:
            chosen = "F"
        elif "x" in name and name not in ("xa", "xb"):
            chosen = _pick(_RULES.get(kind, ()), i, count, new)
            i += 1
        if cols % _BLOCK.get(chosen, 1) != 0:
            chosen = "F" if chosen != new else new
        out.append(chosen)
    return out


def test_a_program_prints_loops_strings_and_the_tables_it_reads() -> None:
    """`jsprint.program`: a function, the functions and tables it reads, each once; run over
    a grid of inputs it equals Python's result."""
    text = jsprint.program(_walk)
    assert text.count("const _RULES = ") == 1 and "const _pick = " in text
    assert text.index("const _pick") < text.index("const _walk")  # what it reads first
    rng = random.Random(3)
    cases = []
    for _ in range(200):
        items = [[rng.choice(["xa", "xb", "xc", "yx", "a", "b"]) + rng.choice(["", "1"]),
                  rng.choice([0, 32, 64, 256, 100])]
                 for _ in range(rng.randint(0, 12))]  # fmt: skip
        cases.append((items, rng.choice(["big", "small", "none"]), rng.choice(["A", "B", "C"])))
    script = (
        f"{jsprint.prelude()}"
        f"{text}const P = {json.dumps(cases)};\n"
        "const out = P.map(([items, kind, d]) => _walk(items.map(([n, c]) => [n, BigInt(c)]), "
        "kind, d));\nprocess.stdout.write(JSON.stringify(out));"
    )
    got = _node(script)
    assert got == [_walk([tuple(i) for i in items], kind, d) for items, kind, d in cases]


def test_a_table_prints_as_a_literal_with_bigints() -> None:
    assert (
        jsprint.literal({"a": (1, "x", None, True), "b": []}) == '{"a":[1n,"x",null,true],"b":[]}'
    )
    with pytest.raises(ValueError, match="string keys"):
        jsprint.literal({1: 2})
    with pytest.raises(ValueError, match="jsprint prints"):
        jsprint.literal({"a": 1.5})


def test_llama_cpps_walk_prints_as_the_library_runs_it() -> None:
    """`formats.tensor_types` (llama.cpp's type for each GGUF tensor, the file types' rules,
    ``use_more_bits``, the fallback of rows a block does not divide), printed with the tables
    it reads, on random tensor lists for every GGUF format: each type equals the library's."""
    from t5sym.views import formats

    names = ["token_embd.weight", "output.weight", "enc.blk.{}.attn_v.weight",
             "dec.blk.{}.cross_attn_v.weight", "dec.blk.{}.ffn_down.weight",
             "enc.blk.{}.ffn_up.weight", "enc.blk.{}.attn_q.weight"]  # fmt: skip
    rng = random.Random(11)
    cases = []
    for _ in range(300):
        n_layer = rng.randint(1, 40)
        rows = [0, 32, 64, 96, 256, 512, 4096, 4128, 100]
        tensors = {rng.choice(names).format(rng.randrange(n_layer)): rng.choice(rows)
                   for _ in range(rng.randint(1, 60))}  # fmt: skip
        fmt = formats.FORMATS[rng.choice(calculator.GGUF_FORMATS)]
        cases.append([sorted(tensors.items()), n_layer, fmt.main, fmt.rest, fmt.ftype])
    script = (
        f"{jsprint.prelude()}"
        f"{jsprint.program(formats.tensor_types)}const P = {json.dumps(cases)};\n"
        "const out = P.map(([t, n, main, rest, ftype]) => tensor_types(t.map(([a, c]) => "
        "[a, BigInt(c)]), BigInt(n), main, rest, ftype));\n"
        "process.stdout.write(JSON.stringify(out));"
    )
    got = _node(script)
    want = [formats.tensor_types([tuple(x) for x in t], n, main, rest, ftype)
            for t, n, main, rest, ftype in cases]  # fmt: skip
    assert got == want
    assert {t for types in want for t in types} >= {"Q6_K", "Q5_K", "Q8_0", "F16"}


def _outcome(fn: Any, *args: Any) -> list:
    try:
        return ["ok", fn(*args)]
    except T5SymError as e:
        return ["error", str(e)]


def _natives() -> str:
    """`calculator.NATIVES` as the tests stand them in: each check's field and type test,
    not the page's wording."""
    from t5sym.model import config as config_module

    return (
        "const fail = (m) => { throw new Error(m); };\nconst shown = (v) => JSON.stringify(v, "
        "(k, x) => (typeof x === 'bigint' ? Number(x) : x));\n"
        "const boolean = (f, v) => (typeof v === 'boolean' ? v : fail(`${f}: must be true or "
        "false, got ${shown(v)}`));\nconst text = (f, v, what) => (typeof v === 'string' ? v : "
        "fail(`${f}: must be ${what}, got ${shown(v)}`));\n"
        f"const ACTS = {json.dumps(sorted(config_module.ACTIVATIONS))};\n"
        "const activation = (f, a) => (ACTS.includes(a) ? a : fail(`${f}: unknown activation "
        "${shown(a)}`));\nconst gcd = (a, b) => { while (b) [a, b] = [b, a % b]; return a; };\n"
        "const positive_int = (f, v) => (typeof v === 'bigint' && v > 0n ? v : fail(`${f}: "
        "not a whole number above 0`));\nconst _non_negative = (f, v) => (typeof v === 'bigint' "
        "&& v >= 0n ? v : fail(`${f}: not a whole number, 0 or more`));\n"
    )


def test_the_calculators_checks_print_as_the_library_runs_them() -> None:
    """`config._feed_forward` (``is_gated_act``/``dense_act_fn`` over ``feed_forward_proj``)
    and `layout.dividing` (a core count), printed with what they read, the runtime's checks
    of a type standing in (`calculator.NATIVES`): on a grid of good and bad values each gives
    the library's value, or its error; the same message but where a value is quoted (JSON's
    quotes on the page, Python's repr in the library)."""
    from t5sym.model import config as config_module
    from t5sym.views import layout

    projs = ["relu", "gated-gelu", "gated-silu", "gelu", "gated", "x-relu", "gated-a-b", 3]
    flags = [None, True, False, "yes", 1]
    acts = [None, "relu", "gelu_new", "gelu", "silu", "nope", 7]
    cases = []
    for proj, gated, act in itertools.product(projs, flags, acts):
        data = {k: v for k, v in (("is_gated_act", gated), ("dense_act_fn", act)) if v is not None}
        cases.append([data, proj])
    rng = random.Random(5)
    splits = [[[rng.choice(["num_heads", "d_ff", "vocab_size"]), rng.choice([32, 96, 4096, 32128,
               10**30 * 3])] for _ in range(3)] for _ in range(60)]  # fmt: skip
    counts = [rng.choice([1, 2, 3, 4, 7, 8, 64, 128, 3 * 10**29]) for _ in splits]
    script = (
        f"{jsprint.prelude()}"
        f"{_natives()}{jsprint.program(*calculator.RULES, natives=calculator.NATIVES)}"
        f"const P = {json.dumps(cases)};\n"
        f"const S = {json.dumps([[[n, str(v)] for n, v in s] for s in splits])};\n"
        f"const N = {json.dumps([str(n) for n in counts])};\n"
        "const run = (f) => { try { return ['ok', f()]; } catch (e) { return ['error', "
        "e.message]; } };\n"
        "const out = [P.map(([d, p]) => run(() => _feed_forward(d, p))), S.map((s, i) => "
        "run(() => String(dividing(BigInt(N[i]), s.map(([n, v]) => [n, BigInt(v)])))))];\n"
        "process.stdout.write(JSON.stringify(out));"
    )
    fed, divided = _node(script)
    quotes = str.maketrans({"'": '"'})
    for (data, proj), got in zip(cases, fed, strict=True):
        want = _outcome(config_module._feed_forward, data, proj)
        if want[0] == "ok" or got[0] == "ok":
            assert got == want, (data, proj)
        else:  # the field named first, the message equal up to the quotes of a value
            assert got[1].split(":")[0] == want[1].split(":")[0], (data, proj, got, want)
            if "unknown activation" not in want[1]:
                assert got[1].translate(quotes) == want[1].translate(quotes), (data, proj)
    assert sum(g[0] == "ok" for g in fed) > 20 and sum(g[0] == "error" for g in fed) > 20
    for split, count, got in zip(splits, counts, divided, strict=True):
        want = _outcome(layout.dividing, count, [tuple(x) for x in split])
        assert got == ([want[0], str(want[1])] if want[0] == "ok" else want)
    assert {g[0] for g in divided} == {"ok", "error"}


def test_the_runtime_defines_what_the_printed_rules_call() -> None:
    """Each of `calculator.NATIVES` is defined in the page's runtime, and each is called by a
    printed rule (none left over)."""
    runtime = calculator.runtime()
    printed = jsprint.program(*calculator.RULES, natives=calculator.NATIVES)
    for name in calculator.NATIVES:
        assert re.search(rf"^(const {name} =|function {name}\()", runtime, re.M), name
        assert re.search(rf"\b{name}\(", printed), name


def test_the_loaders_rules_print_as_the_library_runs_them() -> None:
    """`config.architecture`, `config._head` (the head ``architectures`` names),
    `config._implied_type`, `config._model_type`, `config._check_is_t5`,
    `config._sparse_steps` (Switch's steps) and `config._fields` (a model type's fields:
    defaults, aliases, ``id2label``, the activation), printed with what
    they read: on a grid of good and bad values each gives the library's value, or its error
    (the same message up to the quotes of a value; for a check of the runtime's, the same
    field)."""
    from t5sym.model import config as config_module

    names = [
        *config_module.LEGACY_ARCHITECTURES,
        "BertModel",
        "T5",
        "T5ForCausalLM",
        "LongT5ForTokenClassification",
        "MT5ForQuestionAnswering",
        "UMT5EncoderModel",
        "SwitchTransformersEncoderModel",
        "SwitchTransformersForSequenceClassification",
    ]
    names += [p + h for p in config_module.CLASS_PREFIX.values() for h in config_module._ALL_HEADS]
    heads = [[t, a, h] for t in config_module.MODEL_TYPES
             for a in [[], *([n] for n in names[::3]), ["T5Model", "BertModel"]]
             for h in ("", "Model", "ForTokenClassification", "Nope")]  # fmt: skip
    implied = [None, [], "T5Model", [3], ["T5Model"], ["BertModel"], ["FlaxMT5Model"], [None]]
    rng = random.Random(7)
    steps = []
    for _ in range(300):
        data = {k: rng.choice([0, 1, 2, -1, None, True, 1.5]) for k in
                ("encoder_sparse_step", "decoder_sparse_step") if rng.random() < 0.3}  # fmt: skip
        fields = {
            "num_layers": rng.choice([0, 1, 2, 12, -1, True, "3"]),
            "num_decoder_layers": rng.choice([0, 1, 12, 24, None]),
            "num_sparse_encoder_layers": rng.choice([0, 3, 6, 12, 24, -2]),
            "num_sparse_decoder_layers": rng.choice([0, 6, 13, False]),
        }
        steps.append([data, fields])
    read = []
    for _ in range(400):
        pick = {
            "d_model": [1, 768, 1.5, True, None],
            "hidden_size": [512, -3],
            "num_layers": [2, 12, "x"],
            "num_hidden_layers": [4, 0],
            "num_decoder_layers": [None, 0, 3],
            "num_labels": [3, None],
            "id2label": [{"0": "a", "1": "b"}, ["a"], [], {}, "ab", 1.5, 7, None],
            "feed_forward_proj": ["relu", "gated-gelu", "gated-x-y", 2],
            "is_gated_act": [True, False, "yes"],
            "dense_act_fn": ["gelu_new", "silu", "nope"],
            "encoder_sparse_step": [0, 2, -1],
            "num_sparse_encoder_layers": [0, 4, 24],
        }
        data = {k: rng.choice(v) for k, v in pick.items() if rng.random() < 0.3}
        read.append([data, rng.choice(config_module.MODEL_TYPES)])
    typed = []
    for _ in range(200):
        pick = {
            "model_type": ["t5", "umt5", "bert", 3, None],
            "architectures": [["UMT5EncoderModel"], ["BertModel"], ["FlaxMT5Model"], "T5Model", []],
            "d_model": [512],
            "num_decoder_layers": [2],
            "vocab_size": [100],
            "hidden_size": [64],
        }
        typed.append({k: rng.choice(v) for k, v in pick.items() if rng.random() < 0.3})
    script = (
        f"{jsprint.prelude()}"
        f"{_natives()}{jsprint.program(*calculator.RULES, natives=calculator.NATIVES)}"
        "const big = (v) => (Number.isInteger(v) ? BigInt(v) : v);\n"
        "const ints = (d) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, big(v)]));\n"
        "const run = (f) => { try { return ['ok', f()]; } catch (e) { return ['error', "
        "e.message]; } };\n"
        "const dump = (x) => JSON.stringify(x, (k, v) => typeof v === 'bigint' ? Number(v) : v);\n"
        f"const A = {json.dumps(names)}, H = {json.dumps(heads)}, I = {json.dumps(implied)};\n"
        f"const W = {json.dumps(steps)}, R = {json.dumps(read)}, T = {json.dumps(typed)};\n"
        "process.stdout.write(dump([A.map((n) => run(() => architecture(n))), "
        "H.map(([t, a, h]) => run(() => _head(t, a, h))), I.map((a) => run(() => "
        "_implied_type(a))), W.map(([d, f]) => run(() => _sparse_steps(ints(d), ints(f)))), "
        "R.map(([d, t]) => run(() => _fields(ints(d), t))), T.map((d) => run(() => "
        "_model_type(ints(d)))), T.map((d) => run(() => _check_is_t5(ints(d))))]));"
    )
    got = _node(script)
    quotes = str.maketrans({"'": '"'})
    runs = [
        (config_module.architecture, [[n] for n in names], got[0], True),
        (config_module._head, [[t, tuple(a), h] for t, a, h in heads], got[1], True),
        (config_module._implied_type, [[a] for a in implied], got[2], True),
        (config_module._sparse_steps, steps, got[3], False),
        (config_module._fields, read, got[4], False),
        (config_module._model_type, [[d] for d in typed], got[5], True),
        (config_module._check_is_t5, [[d] for d in typed], got[6], True),
    ]
    for fn, cases, outs, exact in runs:
        for args, out in zip(cases, outs, strict=True):
            want = _outcome(fn, *args)
            want = [want[0], list(want[1]) if isinstance(want[1], tuple) else want[1]]
            if want[0] == "ok" or out[0] == "ok":  # as JSON: True is not 1
                assert json.dumps(out) == json.dumps(want), (fn.__name__, args, out, want)
            elif exact:
                assert out[1].translate(quotes) == want[1].translate(quotes), (args, out, want)
            else:
                assert out[1].split(":")[0] == want[1].split(":")[0], (args, out, want)
        kinds = {"error" if o[0] == "error" else o[1] is None for o in outs}
        assert kinds == {  # each case seen: an answer, and None or an error
            config_module.architecture: {True, False},
            config_module._implied_type: {True, False},
            config_module._model_type: {True, False},  # "model_type": null
            config_module._check_is_t5: {"error", True},
        }.get(fn, {"error", False}), (fn.__name__, kinds)
