"""Sharding formulas against a Mesh-TF-like simulation and transformers' real weights."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import pytest
import sympy

import t5sym
from t5sym import Config, T5SymError
from t5sym.model.algebra import evaluate
from t5sym.model.symbols import d_ff, d_kv, d_model, num_heads
from t5sym.views import layout, sharding

from .support.cli import run
from .support.mesh_sim import Dims, forward, is_matmul
from .support.reference import build, node_pattern

SIM_DIMS = [
    # ReLU, tied, deeper encoder
    Dims(6, 8, 4, 3, 2, 1, 12, 5, gated=False, tied=True),
    # gated, untied, deeper decoder, S < T
    Dims(5, 12, 4, 2, 1, 2, 16, 4, gated=True, tied=False, encoder_length=3, decoder_length=4),
    # heads·d_kv > d_model and d_ff = 4·heads·d_kv, like T5-3B
    Dims(4, 16, 8, 4, 1, 1, 8, 3, gated=False, tied=True, batch=3),
]


def config_of(d: Dims) -> Config:
    return Config(
        d_model=d.d_model,
        d_ff=d.d_ff,
        num_heads=d.num_heads,
        d_kv=d.d_kv,
        num_layers=d.num_layers,
        num_decoder_layers=d.num_decoder_layers,
        vocab_size=d.vocab_size,
        relative_attention_num_buckets=d.num_buckets,
        feed_forward_proj="gated-gelu" if d.gated else "relu",
        tie_word_embeddings=d.tied,
    )


def at(d: Dims, p: int) -> dict:
    return sharding.point(
        config_of(d),
        p,
        2,
        batch=d.batch,
        encoder_length=d.encoder_length,
        decoder_length=d.decoder_length,
    )


# ---------------------------------------------------------------------------------------
# The simulation: counted all-reduces and per-core FLOPs against the formulas.


@pytest.mark.parametrize("p", [1, 2, 4])
@pytest.mark.parametrize("d", SIM_DIMS, ids=["relu-tied", "gated-untied", "wide-heads"])
def test_simulated_blocks_communicate_and_compute_as_the_formulas_say(d: Dims, p: int) -> None:
    run = forward(d, p)
    config, values = config_of(d), at(d, p)
    for stack, length in (("encoder", d.encoder_length), ("decoder", d.decoder_length)):
        layer = sharding.block(config, stack)
        block = f"{stack}.block.0."
        flops = sum(
            f for label, f in run.mesh.flops if label.startswith(block) and is_matmul(label)
        )
        assert flops == evaluate(layer.flops_per_core, values)
        reduced = [n for label, n in run.mesh.allreduces if label.startswith(block)]
        if p == 1:
            assert reduced == []
            continue
        assert len(reduced) == layer.allreduces
        assert reduced == [d.batch * length * d.d_model] * layer.allreduces
        assert sum(reduced) == evaluate(layer.allreduce_values, values)
        # attention scores, softmax and position bias never communicate
        assert all(
            label.endswith((".o", ".wo")) for label, _ in run.mesh.allreduces if block in label
        )


@pytest.mark.parametrize("p", [2, 4])
@pytest.mark.parametrize("d", SIM_DIMS, ids=["relu-tied", "gated-untied", "wide-heads"])
def test_simulated_model_matches_the_views(d: Dims, p: int) -> None:
    run = forward(d, p)
    config, values = config_of(d), at(d, p)
    matmul = sum(f for label, f in run.mesh.flops if is_matmul(label))
    assert matmul == evaluate(sharding.layout_tree("flops_per_core", config).total, values)
    weights = [n for label, n in run.mesh.allreduces if not label.startswith("loss.")]
    assert sum(weights) == evaluate(sharding.layout_tree("allreduce_values", config).total, values)
    lookups = [n for label, n in run.mesh.allreduces if label == "shared.lookup"]
    assert lookups == [
        d.batch * d.encoder_length * d.d_model,
        d.batch * d.decoder_length * d.d_model,
    ]
    loss = [n for label, n in run.mesh.allreduces if label.startswith("loss.")]
    assert loss == [d.batch * d.decoder_length] * sharding.LOSS_REDUCTIONS
    # every core holds 1/p of each split weight: the per-core parameter view
    per_core = run.mesh
    held = sum(
        int(np.prod([per_core.local(x) for x in dims])) for dims, _ in _weights_of(d).values()
    )
    assert held == evaluate(sharding.layout_tree("parameters_per_core", config).total, values)


def _weights_of(d: Dims) -> dict:
    from .support.mesh_sim import weights

    return weights(d)


@pytest.mark.parametrize("p", [2, 4])
@pytest.mark.parametrize("d", SIM_DIMS, ids=["relu-tied", "gated-untied", "wide-heads"])
def test_sharded_forward_equals_the_unsharded_one(d: Dims, p: int) -> None:
    """The layout is right: split weights, partial sums all-reduced, same numbers."""
    one, many = forward(d, 1), forward(d, p)
    np.testing.assert_allclose(many.encoder_output, one.encoder_output, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(many.logits, one.logits, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(many.loss, one.loss, rtol=1e-10, atol=1e-12)


def test_simulated_encoder_block_is_t5s_block() -> None:
    """On one core the simulation computes transformers' T5 encoder (the reference is real)."""
    import torch
    from transformers import T5Config, T5EncoderModel

    from .support.mesh_sim import Mesh, encoder_block, rms_norm

    d = Dims(6, 8, 4, 3, 2, 2, 12, 5, gated=False, tied=True)
    w = _weights_of(d)
    m = Mesh(d.sizes(), 1)
    rng = np.random.default_rng(7)
    x = rng.normal(0, 1, (d.batch, d.encoder_length, d.d_model))
    bias = rng.normal(0, 1, (d.num_heads, d.encoder_length, d.encoder_length))
    t = m.distribute(("batch", "S", "d_model"), x)
    b = m.distribute(("heads", "S", "S_k"), bias)
    lay = {k: m.distribute(dims, a) for k, (dims, a) in w.items()}
    for i in range(d.num_layers):
        t = encoder_block(m, i, lay, t, b, gated=False)
    ours = m.gather(rms_norm(m, t, lay["encoder.final_layer_norm"]))

    hf = T5EncoderModel(
        T5Config(
            d_model=d.d_model,
            d_ff=d.d_ff,
            num_heads=d.num_heads,
            d_kv=d.d_kv,
            num_layers=d.num_layers,
            vocab_size=d.vocab_size,
            dropout_rate=0.0,
        )
    ).double()
    hf.eval()
    state = {}
    for name, (dims, a) in w.items():
        if not name.startswith("encoder.") or "relative_attention_bias" in name:
            continue
        key = name + ".weight"
        if dims == ("d_model", "heads", "d_kv"):
            a = a.reshape(d.d_model, -1).T  # Linear(d_model, heads·d_kv): (out, in)
        elif dims == ("heads", "d_kv", "d_model"):
            a = a.reshape(-1, d.d_model).T
        elif dims == ("d_model", "d_ff"):
            a = a.T
        elif dims == ("d_ff", "d_model"):
            a = a.T
        state[key] = torch.from_numpy(np.ascontiguousarray(a))
    missing = hf.load_state_dict(state, strict=False)
    assert not missing.unexpected_keys
    assert not [k for k in missing.missing_keys if ".block." in k and "relative" not in k]
    h = torch.from_numpy(x)
    pb = torch.from_numpy(bias)[None]
    with torch.no_grad():
        for block in hf.encoder.block:
            h = block(h, position_bias=pb)[0]
        h = hf.encoder.final_layer_norm(h)
    # T5LayerNorm takes the variance in float32, hence the tolerance
    np.testing.assert_allclose(ours, h.numpy(), rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------------------
# Per-core parameters against transformers' real weights.

#: Mesh TF's layout applied to transformers' T5 parameters, by hand: the axis holding
#: heads (q, k, v rows; o columns; the bias table's columns), d_ff or vocab.
HF_SPLIT = [
    (re.compile(r"\.(q|k|v)\.weight$"), 0),
    (re.compile(r"\.o\.weight$"), 1),
    (re.compile(r"relative_attention_bias\.weight$"), 1),
    (re.compile(r"\.(wi|wi_0|wi_1)\.weight$"), 0),
    (re.compile(r"\.wo\.weight$"), 1),
    (re.compile(r"^(shared|lm_head)\.weight$"), 0),
    (re.compile(r"layer_norm\.weight$"), None),
]


def hf_split(name: str) -> int | None:
    (axis,) = [a for pattern, a in HF_SPLIT if pattern.search(name)]
    return axis


@pytest.mark.parametrize(
    ("name", "p"),
    [
        ("t5-large", 2),
        ("t5-3b", 8),
        ("t5-11b", 32),
        ("t5-v1_1-xl", 4),
        ("flan-t5-small", 2),
        ("mt5-base", 4),
        ("byt5-small", 2),
        ("ul2", 16),
    ],
)
@pytest.mark.parametrize("encoder_only", [False, True], ids=["seq2seq", "encoder"])
def test_per_core_parameters_match_transformers_split_by_hand(
    name: str, p: int, encoder_only: bool
) -> None:
    config = t5sym.load(name)
    model = build(config, encoder_only)
    tree = sharding.layout_tree("parameters", config, encoder_only=encoder_only)
    leaves = [n for n in tree if n.is_leaf]
    values = sharding.point(config, p)
    expected_total = 0
    for pname, param in model.named_parameters():
        axis = hf_split(pname)
        shape = list(param.shape)
        if axis is not None:
            assert shape[axis] % p == 0
            shape[axis] //= p
        expected_total += int(np.prod(shape))
        (leaf,) = [n for n in leaves if node_pattern(n.name).match(pname)]
        ours = [evaluate(x, values) for x in layout.local_shape(leaf)]
        assert ours == shape, pname
    per_core = sharding.layout_tree("parameters_per_core", config, encoder_only=encoder_only)
    assert evaluate(per_core.total, values) == expected_total
    if not encoder_only:
        assert sharding.shard(config, p).parameters_per_core == expected_total


def test_each_core_holds_d_ff_2048_on_the_mesh_tf_presets() -> None:
    # bi_v1_large/3B/11B.gin: d_ff 4096, 16384, 65536 on model_parallelism 2, 8, 32
    shards = sharding.mesh_tf_presets()
    assert {n: s.cores for n, s in shards.items()} == {"t5-large": 2, "t5-3b": 8, "t5-11b": 32}
    for name, s in shards.items():
        model = build(t5sym.load(name))
        wi = dict(model.named_parameters())["encoder.block.0.layer.1.DenseReluDense.wi.weight"]
        q = dict(model.named_parameters())["encoder.block.0.layer.0.SelfAttention.q.weight"]
        assert s.local_dims["d_ff"] == wi.shape[0] // s.cores == 2048
        assert s.local_dims["inner_dim"] == q.shape[0] // s.cores == 512
    # the same per-core block work and the same d_model-sized all-reduces in all three
    assert (
        len(
            {
                (s.blocks["encoder"].flops_per_core, s.blocks["encoder"].allreduce_bytes)
                for s in shards.values()
            }
        )
        == 1
    )


# ---------------------------------------------------------------------------------------
# The formulas' shape.


def test_ratio_grows_with_d_ff_and_heads_not_with_d_model() -> None:
    for stack in ("encoder", "decoder"):
        layer = sharding.block(stack=stack)
        more = sympy.Symbol("more", positive=True)  # p = 1 + more: at least 2 cores
        ratio = layer.ratio.subs(t5sym.model.symbols.cores, 1 + more)
        assert sympy.diff(ratio, d_ff).is_positive
        assert sympy.diff(ratio, num_heads).is_positive
        assert sympy.diff(ratio, d_kv).is_positive
        assert d_model not in ratio.free_symbols
        # communication is d_model-sized whatever d_ff and heads are
        assert not {d_ff, num_heads, d_kv} & layer.allreduce_values.free_symbols
        # per-core FLOPs fall as 1/p
        assert sympy.simplify(layer.flops_per_core * t5sym.model.symbols.cores - layer.flops) == 0


# ---------------------------------------------------------------------------------------
# Bad input.


@pytest.mark.parametrize(
    ("config", "p", "message"),
    [
        ("t5-3b", 3, "cores: 3 does not divide num_heads = 32"),
        ("t5-3b", 0, "cores: must be a positive integer, got 0"),
        ("t5-3b", -8, "cores: must be a positive integer, got -8"),
        ("t5-3b", 2.0, "cores: must be an integer, got the float 2.0"),
        ("t5-3b", True, "cores: must be a positive integer, got True"),
        (dict(d_ff=100, num_heads=8), 8, "cores: 8 does not divide d_ff = 100"),
        (dict(d_ff=64, num_heads=8, vocab_size=30), 4, "cores: 4 does not divide vocab_size = 30"),
    ],
)
def test_bad_cores(config, p, message: str) -> None:
    if isinstance(config, dict):
        base = {"d_model": 16, "d_kv": 4, "num_layers": 1, "vocab_size": 32, **config}
        config = Config(**base)
    else:
        config = t5sym.load(config)
    with pytest.raises(T5SymError) as err:
        sharding.shard(config, p)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


# ---------------------------------------------------------------------------------------
# The command.


def test_cli_shard_json() -> None:
    out = run("shard", "t5-11b", "--cores", "32", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    model = build(t5sym.load("t5-11b"))
    per_core = 0
    for pname, param in model.named_parameters():
        axis = hf_split(pname)
        per_core += param.numel() // (32 if axis is not None else 1)
    assert data["parameters_per_core"] == per_core
    assert data["parameters"] == sum(p.numel() for p in model.parameters())
    assert data["local_dims"] == {
        "num_heads": 4,
        "inner_dim": 512,
        "d_ff": 2048,
        "vocab_size": 1004,
    }
    enc, dec = data["blocks"]["encoder"], data["blocks"]["decoder"]
    assert (enc["allreduces"], dec["allreduces"]) == (2, 3)
    # one bf16 [1, 1, d_model] tensor per all-reduce
    assert enc["allreduce_bytes"] == 2 * 1024 * 2
    assert dec["allreduce_bytes"] == 3 * 1024 * 2
    # per core and token: 2 FLOPs per weight of the block's Linear layers, split over 32
    linear = [
        param.numel()
        for pname, param in model.named_parameters()
        if pname.startswith("encoder.block.0.")
        and hf_split(pname) is not None
        and "relative_attention_bias" not in pname
    ]
    assert enc["flops_per_core"] == 2 * sum(linear) // 32
    # a ring all-reduce of B bytes on p cores sends 2·(p − 1)/p · B per core (NCCL's
    # bus-bandwidth factor): 2 · 31/32 · 4096 bytes
    assert enc["bytes_sent_per_core"] == "7936"  # a Fraction, whole here
    assert Fraction(enc["ratio"]) == Fraction(2 * sum(linear) // 32, 7936)
    for key in ("parameters", "flops_per_token", "flops_per_token_per_core"):
        assert isinstance(data[key], int)


def test_cli_shard_text() -> None:
    out = run("shard", "t5-3b", "--cores", "8")
    assert out.returncode == 0, out.stderr
    assert "d_ff 2048" in out.stdout
    assert "one block" in out.stdout and "encoder" in out.stdout and "decoder" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cores", "0"], "t5sym shard: error: argument --cores: must be a positive integer"),
        (["--cores", "-4"], "t5sym shard: error: argument --cores: must be a positive integer"),
        (["--cores", "3"], "t5sym: error: cores: 3 does not divide num_heads = 128"),
        (["--cores", "256"], "t5sym: error: cores: 256 does not divide num_heads = 128"),
        (["--cores", "two"], "t5sym shard: error: argument --cores: must be a positive integer"),
        ([], "t5sym shard: error: the following arguments are required: --cores"),
    ],
)
def test_cli_shard_bad_input(args: list[str], message: str) -> None:
    out = run("shard", "t5-11b", *args)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.strip().startswith(message)
    assert len(out.stderr.splitlines()) == 1 and "Traceback" not in out.stderr


def test_cli_shard_of_a_text_encoder_config(tmp_path) -> None:
    from .support.reference import numel_by_name

    core = {"d_model": 64, "d_ff": 96, "num_heads": 4, "d_kv": 16, "num_layers": 2}
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**core, "vocab_size": 100, "architectures": ["T5EncoderModel"]}))
    out = run("shard", str(path), "--cores", "2", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert list(data["blocks"]) == ["encoder"] and data["loss_allreduce_bytes"] == 0
    numels = numel_by_name(build(t5sym.load(str(path)), encoder_only=True))
    expected = sum(n // (2 if hf_split(k) is not None else 1) for k, n in numels.items())
    assert data["parameters_per_core"] == expected
    # one lookup of a [1, 1, d_model] token over the split vocab, bf16
    assert data["embedding_allreduce_bytes"] == 64 * 2


# --- issue 16: the fewest cores in closed form, as the loop over every divisor found them ---


def loop_fewest_cores(config: Config, budget: int, dtype: str, optimizer: str) -> int | None:
    """The old search, by brute force: every divisor of the gcd, smallest first."""
    most = np.gcd.reduce([config.num_heads, config.d_ff, config.vocab_size])
    for p in (d for d in range(1, int(most) + 1) if most % d == 0):
        if t5sym.training_memory(config, dtype, optimizer, cores=p).total <= budget:
            return p
    return None


def closed_fewest_cores(config: Config, budget: int, dtype: str, optimizer: str) -> int | None:
    """layout.fewest_cores on the per-core split: what memory.fewest_cores is to compute."""
    per_core = t5sym.views.memory.per_core_split(config, optimizer, dtype)
    split = evaluate(per_core.split, config.values())
    left = budget - evaluate(per_core.replicated, config.values())
    return layout.fewest_cores(layout.most_cores(config), split, left)


@pytest.mark.parametrize("optimizer", ["adam", "adafactor", "none"])
@pytest.mark.parametrize(("heads", "d_ff", "vocab"), [(4, 24, 36), (6, 36, 72), (1, 8, 10)])
def test_fewest_cores_closed_form_equals_the_loop_on_a_grid(heads: int, d_ff: int, vocab: int,
                                                            optimizer: str) -> None:  # fmt: skip
    config = Config(d_model=8, d_ff=d_ff, num_heads=heads, d_kv=4, num_layers=2,
                    vocab_size=vocab, feed_forward_proj="gated-gelu")  # fmt: skip
    whole = t5sym.training_memory(config, "bf16", optimizer).total
    for budget in range(whole // 40, whole + 2, max(1, whole // 60)):
        expected = loop_fewest_cores(config, budget, "bf16", optimizer)
        assert closed_fewest_cores(config, budget, "bf16", optimizer) == expected, budget


def test_fewest_cores_of_a_300_digit_model_is_immediate() -> None:
    big = 10**300  # gcd(1024, 10**300, 10**300) = 1024 cores at most
    config = Config(d_model=8, d_ff=big, num_heads=1024, d_kv=4, num_layers=big,
                    vocab_size=big)  # fmt: skip
    whole = t5sym.training_memory(config, "fp32", "none").total
    # a core holds more than 1/p of the whole (the norms are replicated): 128, not 100
    assert closed_fewest_cores(config, whole // 100, "fp32", "none") == 128
    assert t5sym.training_memory(config, "fp32", "none", cores=64).total > whole // 100
    assert t5sym.training_memory(config, "fp32", "none", cores=128).total <= whole // 100
    assert closed_fewest_cores(config, 1, "fp32", "none") is None


def test_layout_fewest_cores_by_hand() -> None:
    # divisors of 360 at or above ⌈1000/97⌉ = 11: 12
    assert layout.fewest_cores(360, 1000, 97) == 12
    assert layout.fewest_cores(360, 1000, 2) is None  # 500 > 360
    # at or above 2.5·3**400: 2**a·3**(400 − j) with 2**a/3**j ≥ 2.5 least at a = 3, j = 1
    assert layout.fewest_cores(2**5 * 3**400, 3**400 * 5, 2) == 8 * 3**399
    assert layout.divisors(2**3 * 7) == [1, 2, 4, 7, 8, 14, 28, 56]


def test_layout_divisors_refuses_two_large_primes() -> None:
    p, q = sympy.nextprime(10**40), sympy.nextprime(10**41)
    with pytest.raises(T5SymError, match="^cores: cannot list the divisors"):
        layout.divisors(int(p * q))
