"""tests/ mirrors t5sym/ and the site's package docs/t5site/: every module has its own test
module; the library imports nothing of the site's."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The site's own code (calculator, charts, console blocks): not in the wheel.
SITE = ROOT / "docs" / "t5site"


@pytest.mark.parametrize("package", [ROOT / "t5sym", SITE], ids=lambda p: p.name)
def test_every_module_has_a_test_module(package: Path) -> None:
    modules = sorted(p.stem for p in package.glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert len(modules) >= 5, modules
    missing = [
        f"tests/test_{m}.py" for m in modules if not (ROOT / "tests" / f"test_{m}.py").is_file()
    ]
    where = package.relative_to(ROOT).as_posix()
    assert not missing, f"no tests/test_<module>.py for {where}/<module>.py: {missing}"


def test_library_and_site_modules_do_not_share_a_name() -> None:
    """tests/test_<module>.py names one module: the two packages never both have it."""
    library = {p.stem for p in (ROOT / "t5sym").glob("*.py")} - {"__init__"}
    site = {p.stem for p in SITE.glob("*.py")} - {"__init__"}
    assert library & site == set()


# --- the import graph, read from the source -------------------------------------------------

import ast  # noqa: E402

PACKAGE = ROOT / "t5sym"
MODULES = {p.stem for p in PACKAGE.glob("*.py")} - {"__main__"}


def _imports(path: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """The package modules a module imports (anywhere in it, lazily too, or reached as
    ``t5sym.<module>``) and the private names it takes from them: (module, name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    edges, private = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:  # from .x import a, b
                edges.add(node.module.split(".")[0])
                private |= {(node.module, a.name) for a in node.names if a.name.startswith("_")}
            else:  # from . import x, y
                edges |= {a.name for a in node.names if a.name in MODULES}
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "t5sym" and node.attr in MODULES:
                edges.add(node.attr)  # t5sym.<module>: the package's lazy loader imports it
            elif node.value.id in MODULES and node.attr.startswith("_"):
                if not node.attr.startswith("__"):
                    private.add((node.value.id, node.attr))
    return edges - {path.stem}, private


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in PACKAGE.glob("*.py"):
        if path.stem == "__main__":
            continue
        edges, _ = _imports(path)
        graph[path.stem] = edges
    # the package's lazy loader: t5sym.<name> imports the module that __getattr__ names
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if nxt == "__init__":
                continue
            if state.get(nxt) == "open":
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state and node != "__init__":
            visit(node, [node])
    return found


def test_no_import_cycle_between_library_modules() -> None:
    """Lazy imports and ``t5sym.<module>`` count: a cycle through them is still a cycle."""
    graph = _graph()
    assert "report" in graph["cli"] and "config" in graph["params"]  # the reader sees edges
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_module_reaches_into_another_modules_private_names() -> None:
    reached = {}
    for path in PACKAGE.glob("*.py"):
        _, private = _imports(path)
        if private:
            reached[path.stem] = sorted(private)
    assert reached == {}


#: What only the site uses: the site's package and its dependencies (docs requirements).
SITE_ONLY = ("t5site", "matplotlib", "rjsmin", "mkdocs", "markdown_exec", "latex2mathml")


def _imported_roots(path: Path) -> set[str]:
    """The top-level names of every absolute import in a module (lazy ones included)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_library_imports_nothing_of_the_site() -> None:
    """SymPy is the wheel's only dependency: no t5sym module imports the site's code or
    what only the site needs, not even inside a function."""
    reached = {
        path.name: sorted(_imported_roots(path) & set(SITE_ONLY))
        for path in PACKAGE.glob("*.py")
        if _imported_roots(path) & set(SITE_ONLY)
    }
    assert reached == {}
    assert "t5sym" in _imported_roots(SITE / "calculator.py")  # the reader sees imports


def test_no_site_module_left_in_the_library() -> None:
    """The site's modules moved to docs/t5site (issue 17); none comes back to t5sym/."""
    site = {"calculator", "charts", "jsprint", "jspack", "transcript"}
    assert site <= {p.stem for p in SITE.glob("*.py")}
    assert not site & MODULES and not list(PACKAGE.glob("*.js"))
