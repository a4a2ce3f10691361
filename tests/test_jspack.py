"""The calculator's compact encodings: each read back here as ``calculator.js`` reads it.

The page's own reading is exercised end to end by ``tests/test_calculator.py`` (every
value of the page equals the Python's); these check each encoding on its own, including
the inputs the real data does not reach (a palette too long, a field already one letter).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys

import pytest

from t5site import jspack


def unpack_column(packed: object, n: int) -> list[int]:
    if isinstance(packed, int):
        return [packed] * n
    if isinstance(packed, list):
        return packed
    assert isinstance(packed, dict)
    return [packed["p"][ord(ch) - ord("0")] for ch in packed["s"]]


@pytest.mark.parametrize("distinct", [1, 2, 20, 44, 45, 300])
def test_a_column_reads_back_and_its_string_needs_no_escape(distinct: int) -> None:
    rng = random.Random(distinct)
    values = rng.sample(range(1000), distinct)
    column = [rng.choice(values) for _ in range(150)] + values
    packed = jspack.pack_column(column)
    assert unpack_column(packed, len(column)) == column
    if isinstance(packed, dict):  # a JSON string as it is: no quote, backslash or control
        assert json.dumps(packed["s"]) == f'"{packed["s"]}"'
    assert isinstance(packed, int) == (distinct == 1)
    assert isinstance(packed, list) == (distinct > 44)


def test_flat_nodes_read_back_in_order() -> None:
    nodes = {(0, 5): 0, (1, 7): 1, (2, (0, 1)): 2, (3, 9): 3, (4, (2, 3)): 4}
    flat = jspack.flat_nodes(nodes)
    out, i = [], 0
    while i < len(flat):
        name, x = flat[i], flat[i + 1]
        if x < 0:
            out.append((name, tuple(flat[i + 2 : i + 2 - x])))
            i += 2 - x
        else:
            out.append((name, x))
            i += 2
    assert out == list(nodes)


def test_shorten_gives_each_field_one_letter_the_most_read_first() -> None:
    codes = ["2n*c.d_model*c.d_ff", "c.d_model + q(c.num_heads, 2n)", "c.d_model**2n"]
    short, out = jspack.shorten(codes)
    assert short["d_model"] == "a" and len(set(short.values())) == len(short) == 3
    back = {letter: field for field, letter in short.items()}
    restored = [re.sub(r"\bc\.(\w)\b", lambda m: "c." + back[m[1]], code) for code in out]
    assert restored == codes
    assert "q(" in out[1] and "c.d_model" not in out[0]


def test_shorten_refuses_what_it_cannot_rename() -> None:
    with pytest.raises(ValueError):
        jspack.shorten(["c.x + c.d_model"])  # a field already one letter


def test_math_codec_reads_back() -> None:
    texts = ['<mi>d</mi><mo>+</mo><msub><mi>L</mi><mi mathvariant="normal">x</mi></msub>',
             "<mn>2</mn><mo>&#x2062;</mo><mi>V</mi>"]  # fmt: skip
    packed = jspack.math_codec(texts)
    back = ["".join(packed["tags"].get(ch, ch) for ch in text) for text in packed["text"]]
    assert back == texts
    assert all("<" not in t for t in packed["text"])


def test_presets_read_back() -> None:
    fields = {"a": {"d_model": 512, "model_type": "mt5"}, "b": {"d_ff": 3, "d_model": 7}, "c": {}}
    packed = jspack.pack_presets(fields)
    back = {
        name: {packed["fields"][row[i]]: row[i + 1] for i in range(0, len(row), 2)}
        for name, row in packed["rows"].items()
    }
    assert back == fields


def test_math_codec_does_not_depend_on_string_hashing() -> None:
    """Tags of equal counts are ordered by name: the built page is the same on every build."""
    code = (
        "import json; from t5site import jspack; "
        "print(json.dumps(jspack.math_codec(['<mi>a</mi><mn>1</mn><mo>+</mo><msub></msub>'])))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(outs) == 1, outs
