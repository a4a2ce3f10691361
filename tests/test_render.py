"""Renderers: every format gives back the same formula."""

from __future__ import annotations

import xml.dom.minidom

import pytest
import sympy

import t5sym
from t5sym import render
from t5sym.symbols import DIMENSIONS, LATEX_NAMES

from .reference import build, numel_by_name


@pytest.mark.parametrize("name", ["t5-11b", "t5-v1_1-xxl", "byt5-small"])
def test_srepr_and_python_round_trip(name: str) -> None:
    config = t5sym.load(name)
    expr = t5sym.formula(config)
    assert sympy.sympify(render.srepr(expr)) == expr
    namespace = {s.name: v for s, v in config.values().items()}
    real = sum(numel_by_name(build(config)).values())  # transformers' count
    assert eval(render.python(expr), {}, namespace) == real


def test_latex_uses_the_paper_notation_for_every_symbol() -> None:
    expr = t5sym.formula(t5sym.load("byt5-small"))
    text = render.latex(expr)
    for symbol in expr.free_symbols:
        assert LATEX_NAMES[symbol] in text
    assert "num_" not in text and "_model" not in text
    assert set(DIMENSIONS) <= set(LATEX_NAMES)


def test_mathml_is_well_formed_and_has_no_raw_names() -> None:
    text = render.mathml(t5sym.formula(t5sym.load("ul2")), display=True)
    doc = xml.dom.minidom.parseString(text)
    assert doc.documentElement.tagName == "math"
    assert "num_" not in text and "vocab_size" not in text


@pytest.mark.parametrize(
    ("n", "expected"), [(999, "999"), (2_851_598_336, "2.85 B"), (60_506_624, "60.5 M")]
)
def test_approx(n: int, expected: str) -> None:
    assert render.approx(n) == expected
