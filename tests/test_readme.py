"""The README's examples are run: console blocks compared with their shown output, and the
Python block's printed lines compared with the values in its trailing comments."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from .support.cli import run

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

#: The library's folders, each module in the one it belongs to, in reading order (README's
#: Layout table); the site's package beside it.
LAYERS = {
    "t5sym": ("errors", "lazy", "sources"),
    "t5sym.model": (
        "checks", "files", "config", "presets", "symbols", "roles", "nodes", "params", "gemma",
        "gemma2", "algebra", "result",
    ),
    "t5sym.views": (
        "flops", "memory", "lora", "activations", "saved_longt5", "saved_switch",
        "inference", "layout",
        "sharding", "longt5",
        "counterfactual", "family", "gpt", "hardware", "formats", "layouts", "headers",
        "inspect", "pipelines", "printers", "readable",
    ),
    "t5sym.cli": ("command", "console", "report"),
}  # fmt: skip


def layout_table() -> str:
    """folder | module | what it holds (its docstring's first paragraph), for every module."""
    import importlib
    import pkgutil

    rows = ["| folder | module | holds |", "|---|---|---|"]
    for package, names in LAYERS.items():
        found = importlib.import_module(package)
        modules = {m.name for m in pkgutil.iter_modules(found.__path__) if not m.ispkg}
        assert sorted(names) == sorted(modules - {"__main__"}), set(modules) ^ set(names)
        folder = package.replace(".", "/") + "/"
        for i, name in enumerate(names):
            doc = importlib.import_module(f"{package}.{name}").__doc__ or ""
            summary = " ".join(doc.strip().split("\n\n")[0].split()).replace("|", "\\|")
            rows.append(f"| {f'`{folder}`' if i == 0 else ''} | `{name}` | {summary} |")
    return "\n".join(rows)


def test_readme_layout_lists_every_module_as_its_docstring_says() -> None:
    table = layout_table()
    assert table in README, "README's Layout table differs from the code; it should be:\n" + table
