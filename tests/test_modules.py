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
    modules = sorted(
        p.stem for p in package.rglob("*.py") if p.stem not in ("__init__", "__main__")
    )
    assert len(modules) >= 5, modules
    missing = [
        f"tests/test_{m}.py" for m in modules if not (ROOT / "tests" / f"test_{m}.py").is_file()
    ]
    where = package.relative_to(ROOT).as_posix()
    assert not missing, f"no tests/test_<module>.py for {where}/<module>.py: {missing}"


def test_library_and_site_modules_do_not_share_a_name() -> None:
    """tests/test_<module>.py names one module: the two packages never both have it."""
    library = {p.stem for p in (ROOT / "t5sym").rglob("*.py")} - {"__init__", "__main__"}
    site = {p.stem for p in SITE.glob("*.py")} - {"__init__"}
    assert library & site == set()


# --- the import graph, read from the source -------------------------------------------------

import ast  # noqa: E402

PACKAGE = ROOT / "t5sym"
#: Every module of the library by its dotted name (packages by their __init__).
MODULES = {
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
    for p in PACKAGE.rglob("*.py")
    if p.stem != "__main__"
}


def _target(name: str) -> str | None:
    """The library module a dotted name reaches: ``t5sym.views.flops.count_flops`` →
    ``t5sym.views.flops``."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None


def _imports(module: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The library modules a module imports (anywhere in it, lazily too, or reached as
    ``t5sym.views.flops``) and the private names it takes from them: (module, name)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    edges, private = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("t5sym"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    edges.add(full if full in MODULES else node.module)
                    if alias.name.startswith("_"):
                        private.add((node.module, alias.name))
        elif isinstance(node, ast.Attribute) and (name := _dotted(node)):
            head, _, attr = name.rpartition(".")
            if name.startswith("t5sym.") and (target := _target(name)):
                edges.add(target)  # t5sym.views.flops: the package's lazy loader imports it
            elif head in {m.rpartition(".")[2] for m in MODULES} and attr.startswith("_"):
                if not attr.startswith("__"):
                    private.add((head, attr))
    return {e for e in edges if e in MODULES} - {module}, private


def _graph() -> dict[str, set[str]]:
    """Module → the modules it imports; a package's __init__ is left out (its lazy loaders
    import on first use, and importing a submodule runs its package's __init__ first)."""
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    return {m: _imports(m)[0] - packages for m in MODULES if m not in packages}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_no_import_cycle_between_library_modules() -> None:
    """Lazy imports and ``t5sym.views.<module>`` count: a cycle through them is still one."""
    graph = _graph()
    assert "t5sym.cli.report" in graph["t5sym.cli.command"]  # the reader sees edges
    assert "t5sym.model.config" in graph["t5sym.model.params"]
    assert "t5sym.views.flops" in graph["t5sym.cli.command"]  # reached as t5sym.views.flops.X
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_layers_import_downwards_only() -> None:
    """The model imports no view and nothing of the command; the views import nothing of
    the command: the folders are the layers."""
    above = {"t5sym.model": ("t5sym.views", "t5sym.cli"), "t5sym.views": ("t5sym.cli",)}
    upward = {
        (module, target)
        for module, targets in _graph().items()
        for layer, higher in above.items()
        if module.startswith(layer + ".")
        for target in targets
        if target.startswith(higher)
    }
    assert upward == set()


def test_no_module_reaches_into_another_modules_private_names() -> None:
    reached = {m: sorted(p) for m in MODULES if (p := _imports(m)[1])}
    assert reached == {}


#: What only the site uses: the site's package and its dependencies (docs requirements).
SITE_ONLY = ("t5site", "matplotlib", "minify", "mkdocs", "markdown_exec", "latex2mathml")


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
        for path in PACKAGE.rglob("*.py")
        if _imported_roots(path) & set(SITE_ONLY)
    }
    assert reached == {}
    assert "t5sym" in _imported_roots(SITE / "calculator.py")  # the reader sees imports


def test_no_site_module_left_in_the_library() -> None:
    """The site's modules moved to docs/t5site (issue 17); none comes back to t5sym/."""
    site = {"calculator", "charts", "jsprint", "transcript", "onegpu", "tables"}
    assert site <= {p.stem for p in SITE.glob("*.py")}
    library = {m.rpartition(".")[2] for m in MODULES}
    assert not site & library and not list(PACKAGE.rglob("*.js"))
