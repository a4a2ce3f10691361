"""Every command's --json is its result's to_dict(): each key is an attribute, same value."""

from __future__ import annotations

import json

import pytest

import t5sym
from t5sym.model.result import plain
from t5sym.views import flops, memory, sharding

from .support.cli import run

CASES = [
    (["count", "t5-3b", "--breakdown"], lambda c: t5sym.count(c), True),
    (["flops", "t5-small", "--breakdown"], lambda c: flops.count_flops(c), True),
    (["memory", "t5-11b", "--cores", "32"], lambda c: memory.training_memory(c, cores=32), False),
    (["shard", "t5-3b", "--cores", "8"], lambda c: sharding.shard(c, 8), False),
    (["shard", "t5-3b", "--cores", "1"], lambda c: sharding.shard(c, 1), False),
]


@pytest.mark.parametrize(
    ("argv", "compute", "details"), CASES, ids=[" ".join(a) for a, *_ in CASES]
)
def test_json_keys_are_attributes_with_their_values(argv, compute, details) -> None:
    out = run(*argv, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    result = compute(t5sym.load(argv[1]))
    assert list(data) == list(result.FIELDS + (result.DETAILS if details else ()))
    for key, value in data.items():
        assert value == plain(getattr(result, key)), key
    assert json.loads(json.dumps(result.to_dict(details=details))) == data


def test_plain_keeps_fractions_exact() -> None:
    s = sharding.shard(t5sym.load("t5-3b"), 8).to_dict()
    # ring bytes 2·7/8·4,096 = 7,168; ratio 12,582,912 / 7,168 = 12,288/7
    assert s["blocks"]["encoder"]["bytes_sent_per_core"] == "7168"  # a whole Fraction
    assert s["blocks"]["encoder"]["ratio"] == "12288/7"
