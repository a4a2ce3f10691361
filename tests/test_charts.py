"""The serving chart: an SVG with every part labelled, drawn from the library's numbers."""

from __future__ import annotations

import re
import subprocess
import sys

import t5sym
from t5sym import charts


def test_serving_chart_is_svg_with_its_parts_and_readable_fonts() -> None:
    svg = charts.serving_memory_svg(t5sym.load("t5-small"), [64, 128, 256])
    assert svg.startswith("<svg")
    for label in ("weights", "cross-attention cache", "self-attention cache", "activation"):
        assert label in svg
    sizes = [float(x) for x in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    assert sizes and min(sizes) >= 11


def test_matplotlib_is_imported_only_when_drawing() -> None:
    code = "import t5sym.charts, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_longt5_chart_is_svg_with_each_attention_and_readable_fonts() -> None:
    config = t5sym.from_hf({"model_type": "longt5", "encoder_attention_type": "transient-global"})
    svg = charts.longt5_attention_svg(config, [256, 512, 1024, 2048])
    assert svg.startswith("<svg")
    for label in ("full", "local", "transient-global", "encoder length S"):
        assert label in svg
    sizes = [float(x) for x in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    assert sizes and min(sizes) >= 11
