"""Printers: every format gives back the same formula; Python uses the config's field names."""

from __future__ import annotations

import xml.dom.minidom

import pytest
import sympy
import torch

import t5sym
from t5sym.model.symbols import DIMENSIONS, LATEX_NAMES
from t5sym.views import printers

from .support.reference import build, numel_by_name


@pytest.mark.parametrize("name", ["t5-11b", "t5-v1_1-xxl", "byt5-small"])
def test_srepr_round_trips(name: str) -> None:
    expr = t5sym.formula(t5sym.load(name))
    assert sympy.sympify(printers.srepr(expr)) == expr


@pytest.mark.parametrize("name", ["t5-small", "t5-v1_1-base", "byt5-small"])
def test_python_evaluates_over_the_config_fields_to_transformers_count(name: str) -> None:
    config = t5sym.load(name)
    fields = {k: v for k, v in config.to_dict().items() if isinstance(v, int)}
    assert "relative_attention_num_buckets" in fields
    text = printers.python(t5sym.formula(config))
    assert "num_buckets" not in text.replace("relative_attention_num_buckets", "")
    assert eval(text, {}, fields) == sum(numel_by_name(build(config)).values())


def test_latex_uses_the_paper_notation_for_every_symbol() -> None:
    expr = t5sym.formula(t5sym.load("byt5-small"))
    text = printers.latex(expr)
    for symbol in expr.free_symbols:
        assert LATEX_NAMES[symbol] in text
    assert "num_" not in text and "_model" not in text
    assert set(DIMENSIONS) <= set(LATEX_NAMES)


def test_mathml_is_well_formed_and_has_no_raw_names() -> None:
    text = printers.mathml(t5sym.formula(t5sym.load("ul2")), display=True)
    doc = xml.dom.minidom.parseString(text)
    assert doc.documentElement.tagName == "math"
    assert "num_" not in text and "vocab_size" not in text


def test_unknown_format_is_one_line() -> None:
    with pytest.raises(t5sym.T5SymError, match="^format: unknown 'png'"):
        printers.render(sympy.Symbol("x"), "png")


@pytest.mark.parametrize("stack", ["encoder", "decoder"])
def test_switch_sparse_blocks_are_written_over_the_config_fields(stack: str) -> None:
    """transformers' own sparse blocks, for depths the wanted count does not divide."""
    import transformers

    for layers in range(1, 6):
        for wanted in range(0, 7):
            hf = transformers.SwitchTransformersConfig(
                d_model=4, d_ff=4, num_heads=1, d_kv=2, vocab_size=8, num_experts=2,
                num_layers=layers, num_decoder_layers=layers,
                num_sparse_encoder_layers=wanted, num_sparse_decoder_layers=wanted,
            )  # fmt: skip
            with torch.device("meta"):
                model = transformers.SwitchTransformersModel(hf)
            built = sum(b.is_sparse for b in getattr(model, stack).block)
            config = t5sym.from_hf(hf.to_dict())
            text = printers.sparse_blocks_python(config, stack)
            fields = {k: getattr(hf, k) for k in ("num_layers", "num_decoder_layers",
                      f"num_sparse_{stack}_layers", f"{stack}_sparse_step")}  # fmt: skip
            assert eval(text, {"__builtins__": {}}, fields) == built, (layers, wanted)  # noqa: S307
