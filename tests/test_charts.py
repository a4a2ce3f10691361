"""Charts: well-formed SVG with alt text, text no smaller than FONT_SIZE, data from results.

The drawn bars and points are read back from the SVG and compared with numbers computed
here from transformers-independent facts (bar counts, the tree's stacks) and from the
published totals in tests/data.
"""

from __future__ import annotations

import re
import xml.dom.minidom

import pytest

import t5sym
from t5site import charts
from t5sym.views import gpt
from t5sym.views.counterfactual import grow_d_model

from .support.published import total


def _font_sizes(svg: str) -> list[float]:
    return [float(px) for px in re.findall(r"font-size: ([\d.]+)px", svg)]


@pytest.fixture(scope="module")
def drawn() -> dict[str, str]:
    t5_11b = t5sym.load("t5-11b")
    return {
        "parts_by_stack": charts.parts_by_stack(t5_11b),
        "grown_d_model": charts.grown_d_model([grow_d_model("t5-3b")]),
        "rule_of_thumb": charts.rule_of_thumb(t5_11b, [64, 512, 4096]),
        "feed_forward_share": charts.feed_forward_share(["t5-small", "t5-3b", "ul2"]),
        "widths": charts.widths(gpt.proportions(), {"T5 v1.0": "T5", "GPT-3": "GPT-3"}),
        "fine_tuning": charts.fine_tuning_svg(
            t5_11b, {"a": [10**9, 4 * 10**9], "b": [2 * 10**9, 3 * 10**9]}, [128, 512], 8 * 10**9
        ),
    }


def test_each_chart_is_an_svg_with_alt_text(drawn: dict[str, str]) -> None:
    for name, svg in drawn.items():
        doc = xml.dom.minidom.parseString(svg)
        root = doc.documentElement
        assert root.tagName == "svg" and root.getAttribute("role") == "img", name
        label = root.getAttribute("aria-label")
        assert len(label) > 60 and "No description" not in label, (name, label)
        (title,) = doc.getElementsByTagName("title")[:1]
        assert title.firstChild.data == label


def test_no_text_is_smaller_than_the_font_size(drawn: dict[str, str]) -> None:
    # matplotlib writes sizes in px at 72 dpi: 11 pt -> 11 px in the SVG's user units
    for name, svg in drawn.items():
        sizes = _font_sizes(svg)
        assert sizes, name
        assert min(sizes) >= charts.FONT_SIZE, (name, min(sizes))


def test_charts_are_narrow_enough_for_a_phone(drawn: dict[str, str]) -> None:
    for name, svg in drawn.items():
        width = float(re.search(r'width="([\d.]+)pt"', svg)[1])
        assert width <= 72 * (charts.WIDTH + 0.5), (name, width)


def test_parts_by_stack_draws_one_bar_per_stack_and_kind(drawn: dict[str, str]) -> None:
    # T5-11B (tied): shared, encoder, decoder. The embedding is all of `shared`; attention
    # and feed-forward sit in the encoder and the decoder: 1 + 2 + 2 visible bars, and the
    # kinds under 0.1 % (relative bias, norms) are left out.
    svg = drawn["parts_by_stack"]
    assert svg.count('id="patch_') - 1 >= 5  # background patch + bars
    for label in ("shared", "encoder", "decoder", "embedding", "attention", "feed-forward"):
        assert f"> {label}" in svg or f">{label}<" in svg or label in svg, label
    assert "relative bias" not in svg.split("</title>", 1)[1]


def test_feed_forward_share_marks_every_named_preset(drawn: dict[str, str]) -> None:
    svg = drawn["feed_forward_share"]
    for name in ("t5-small", "t5-3b", "ul2"):  # T5 v1.0 and UL2 are labelled
        assert name in svg.split("</title>", 1)[1], name
    assert total("t5-3b") > 10**9  # the published total: the chart's x axis spans 10^8..10^10


def test_matplotlib_is_not_imported_with_t5sym() -> None:
    import subprocess
    import sys

    code = "import sys, t5sym, t5site.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_serving_chart_is_svg_with_its_parts_and_readable_fonts() -> None:
    svg = charts.serving_memory_svg(t5sym.load("t5-small"), [64, 128, 256])
    assert svg.startswith("<svg")
    for label in ("weights", "cross-attention cache", "self-attention cache", "activation"):
        assert label in svg
    sizes = [float(x) for x in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    assert sizes and min(sizes) >= 11


def test_longt5_chart_is_svg_with_each_attention_and_readable_fonts() -> None:
    config = t5sym.from_hf({"model_type": "longt5", "encoder_attention_type": "transient-global"})
    svg = charts.longt5_attention_svg(config, [256, 512, 1024, 2048])
    assert svg.startswith("<svg")
    for label in ("full", "local", "transient-global", "encoder length S"):
        assert label in svg
    sizes = [float(x) for x in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    assert sizes and min(sizes) >= 11


def test_feed_forward_share_draws_every_family() -> None:
    families = {p.family for p in t5sym.PRESETS.values()}
    assert len(families) > 6  # more than the first palette's markers
    svg = charts.feed_forward_share()
    for fam in families:
        assert f">{fam}<" in svg or fam in svg, fam
