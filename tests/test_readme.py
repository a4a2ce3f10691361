"""The README's examples are run: console blocks compared with their shown output, and the
Python block's printed lines compared with the values in its trailing comments."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from .cli import run

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)
CONSOLE = [body for lang, body in FENCE.findall(README) if lang == "console"]
PYTHON = [body for lang, body in FENCE.findall(README) if lang == "python"]


def test_readme_has_examples() -> None:
    assert len(CONSOLE) >= 3 and len(PYTHON) == 1


@pytest.mark.parametrize("block", CONSOLE, ids=lambda b: b.splitlines()[0])
def test_console_example(block: str) -> None:
    command, *shown = block.rstrip("\n").split("\n")
    assert command.startswith("$ t5sym ")
    argv = shlex.split(command[2:])
    out = run(*argv[1:])
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip("\n").split("\n") == shown


def test_python_example_prints_what_its_comments_say() -> None:
    code = PYTHON[0]
    expected = [
        m.group(1).strip()
        for line in code.splitlines()
        if line.lstrip().startswith("print(") and (m := re.search(r"#\s*(.+)$", line))
    ]
    # a comment line right after a print() without its own comment is its output
    lines = code.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith("print(") and "#" not in line and lines[i + 1].startswith("# "):
            expected.append(lines[i + 1][2:].strip())
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "README.md", "exec"), {})
    assert buffer.getvalue().strip().splitlines() == expected


# --- the Layout section, written from the code ------------------------------------------------

#: The layers of the library, each module in the one it belongs to (README's Layout table).
LAYERS = {
    "input": ("errors", "checks", "files", "config", "presets", "sources", "pipelines", "headers"),
    "the model": ("symbols", "roles", "nodes", "params", "gemma", "algebra"),
    "views": (
        "flops",
        "memory",
        "lora",
        "activations",
        "inference",
        "layout",
        "sharding",
        "longt5",
        "counterfactual",
        "family",
        "gpt",
        "hardware",
        "formats",
        "layouts",
        "inspect",
    ),  # fmt: skip
    "results": ("result", "readable", "printers", "report", "onegpu"),
    "faces": ("console", "cli"),
}


def layout_table() -> str:
    """layer | module | what it holds (its docstring's first paragraph), for every module."""
    import importlib
    import pkgutil

    import t5sym

    modules = {m.name for m in pkgutil.iter_modules(t5sym.__path__)} - {"__main__"}
    listed = [m for names in LAYERS.values() for m in names]
    assert sorted(listed) == sorted(modules), set(modules) ^ set(listed)
    rows = ["| layer | module | holds |", "|---|---|---|"]
    for layer, names in LAYERS.items():
        for i, name in enumerate(names):
            doc = importlib.import_module(f"t5sym.{name}").__doc__ or ""
            summary = " ".join(doc.strip().split("\n\n")[0].split()).replace("|", "\\|")
            rows.append(f"| {layer if i == 0 else ''} | `{name}` | {summary} |")
    return "\n".join(rows)


def test_readme_layout_lists_every_module_as_its_docstring_says() -> None:
    table = layout_table()
    assert table in README, "README's Layout table differs from the code; it should be:\n" + table
