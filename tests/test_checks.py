"""Input checks (t5sym.model.checks): which values are positive integers, and capped echoes."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from t5sym.errors import ConfigError, T5SymError
from t5sym.model.checks import ECHO_LIMIT, boolean, positive_int, shown
from t5sym.model.config import served
from t5sym.model.presets import load
from t5sym.views import formats
from t5sym.views.activations import memory_at
from t5sym.views.flops import count_flops


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), (4096, 4096), (np.int64(64), 64), (np.uint8(3), 3), (sympy.Integer(10**30), 10**30)],
)
def test_positive_int_accepts_every_integral_type(value: object, expected: int) -> None:
    out = positive_int("d_model", value)
    assert out == expected and type(out) is int


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "d_model: must be a positive integer, got True"),
        (False, "d_model: must be a positive integer, got False"),
        (0, "d_model: must be a positive integer, got 0"),
        (-1, "d_model: must be a positive integer, got -1"),
        (np.int64(-3), "d_model: must be a positive integer, got -3"),
        (2.0, "d_model: must be an integer, got the float 2.0"),
        (2.5, "d_model: must be a positive integer, got 2.5"),
        (float("nan"), "d_model: must be a positive integer, got nan"),
        ("512", "d_model: must be a positive integer, got '512'"),
        (None, "d_model: must be a positive integer, got None"),
        (sympy.Rational(1, 2), "d_model: must be a positive integer, got 1/2"),
    ],
)
def test_positive_int_refuses(value: object, message: str) -> None:
    with pytest.raises(T5SymError) as err:
        positive_int("d_model", value)
    assert str(err.value) == message


def test_positive_int_raises_the_class_it_is_given() -> None:
    with pytest.raises(ConfigError, match="^num_heads: "):
        positive_int("num_heads", 0, ConfigError)


def test_shown_caps_a_5000_digit_integer() -> None:
    assert shown(10**4999) == "an integer of 5,000 digits"
    assert shown(-(10**4999)) == "a negative integer of 5,000 digits"
    with pytest.raises(T5SymError) as err:
        positive_int("vocab_size", -(10**4999))
    assert len(str(err.value)) < 100  # not 5,000 digits in an error message


def test_shown_cuts_long_reprs_and_survives_a_broken_one() -> None:
    assert shown("ab") == "'ab'"
    long = shown("x" * 500)
    assert len(long) == ECHO_LIMIT == 60 and long == "'" + "x" * 58 + "…"

    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    assert shown(Hostile()) == "<Hostile>"


def test_servable_refuses_types_and_heads_it_does_not_model() -> None:
    import pytest

    import t5sym
    from t5sym import T5SymError

    assert served(t5sym.from_hf({"model_type": "umt5"}), "serving").model_type == "umt5"
    for data, field in (
        ({"model_type": "longt5"}, "model_type: serving is modelled for t5, mt5, umt5"),
        ({"model_type": "switch_transformers"}, "model_type"),
        ({"architectures": ["T5EncoderModel"]}, "architectures: serving is modelled for"),
        ({"architectures": ["T5ForSequenceClassification"]}, "architectures"),
    ):
        with pytest.raises(T5SymError, match=f"^{field}"):
            served(t5sym.from_hf(data), "serving")


def test_boolean_options_take_true_or_false_only() -> None:
    small = load("t5-small")
    assert boolean("x", True) is True and boolean("x", False) is False
    calls = [
        ("encoder_only", lambda v: count_flops(small, encoder_only=v)),
        ("encoder_only", lambda v: formats.weights(small, "bf16", encoder_only=v)),
        ("checkpointing", lambda v: memory_at(small, "fp32", "adam", None, v, batch=1)),
    ]
    for field, call in calls:
        for bad in ("yes", 1, 0, [True]):
            with pytest.raises(T5SymError) as info:
                call(bad)
            assert str(info.value) == f"{field}: must be true or false, got {shown(bad)}"


def test_literal_int_caps_digits_before_converting() -> None:
    from t5sym.model.checks import MAX_DIGITS, literal_int

    assert literal_int("-" + "9" * MAX_DIGITS) == -(10**MAX_DIGITS - 1)
    with pytest.raises(ConfigError) as err:
        literal_int("9" * 100_000, ConfigError)  # not converted: Python's own limit is 4,300
    assert str(err.value) == "an integer of 100,000 digits, over the 1,000-digit limit"


def test_every_digit_cap_of_the_config_reader_is_checks_max_digits(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """checks.MAX_DIGITS is the one place: lowered, the JSON reader and the dimension
    check of a Config both follow it."""
    from t5sym import from_hf
    from t5sym.model import checks

    monkeypatch.setattr(checks, "MAX_DIGITS", 5)
    path = tmp_path / "config.json"
    path.write_text('{"d_model": 123456}')
    with pytest.raises(ConfigError, match="an integer of 6 digits, over the 5-digit limit"):
        from_hf(path)
    with pytest.raises(ConfigError, match="^d_model: must have at most 5 digits"):
        from_hf({"d_model": 2**70})
    path.write_text('{"d_model": 12345}')
    assert from_hf(path).d_model == 12345
