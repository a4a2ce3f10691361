"""The built wheel in a clean venv: sympy is its only dependency and ``t5sym`` works.

The wheel holds the library (t5sym/**.py) and its one command; the site's own code
(docs/t5site: calculator, charts, jsprint, jspack, transcript, calculator.js) is not in it.

Builds the wheel with ``pip wheel`` from a copy of the checkout (so no stale ``build/``
is packed and the checkout stays clean), installs it into a new venv without system site
packages (pip fetches sympy and mpmath from the package index), and runs the installed
command there, away from the checkout.
"""

from __future__ import annotations

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .support import published

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformers", "numpy")
IMPORTS = (
    "import json, sys, t5sym; "
    f"print(json.dumps([t5sym.__file__, sorted(m for m in {HEAVY!r} if m in sys.modules)]))"
)
PIP = ("--disable-pip-version-check", "-q")
#: Generous: a cold pip install of sympy on a slow connection.
TIMEOUT = 900


def _clean_env() -> dict[str, str]:
    """This environment without anything that would put the checkout on sys.path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**env, "PYTHONNOUSERSITE": "1"}


def _run(argv: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert out.returncode == 0, f"{argv}\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}"
    return out


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wheel")


@pytest.fixture(scope="module")
def wheel(work: Path) -> Path:
    src = work / "src"
    ignore = shutil.ignore_patterns(
        ".git", ".venv", "site", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
    )
    shutil.copytree(ROOT, src, ignore=ignore)
    dist = work / "dist"
    _run([sys.executable, "-m", "pip", "wheel", *PIP, "--no-deps", "-w", dist, src], work)
    (built,) = dist.glob("t5sym-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, work: Path) -> Path:
    env = work / "venv"
    _run([sys.executable, "-m", "venv", env], work)
    _run([env / "bin" / "python", "-m", "pip", "install", *PIP, wheel], work)
    return env


#: The site's own code (docs/t5site): never in the wheel, under any name.
SITE_MODULES = ("calculator", "charts", "jsprint", "jspack", "transcript")
#: What a wheel's .dist-info holds (setuptools; LICENSE files when declared).
DIST_INFO = {"METADATA", "WHEEL", "RECORD", "entry_points.txt", "top_level.txt"}


def test_wheel_holds_the_library_and_nothing_else(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    dist_info = "-".join(wheel.name.split("-")[:2]) + ".dist-info"  # t5sym-<version>
    assert {n.split("/")[0] for n in names} == {"t5sym", dist_info}
    assert not [n for n in names if n.startswith(("tests/", "docs/", "benchmarks/"))]
    sources = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "t5sym").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    package = {n for n in names if n.startswith("t5sym/")}
    assert package == sources  # t5sym/**.py: no .js, no data, no stale file
    assert all(n.endswith(".py") for n in package)
    site = [n for n in names for m in SITE_MODULES if Path(n).stem == m]
    assert site == [] and not [n for n in names if n.endswith(".js") or "t5site" in n]
    meta = {n.removeprefix(f"{dist_info}/") for n in names if n.startswith(f"{dist_info}/")}
    assert DIST_INFO <= meta and not {m for m in meta - DIST_INFO if not m.startswith("licenses/")}


def test_wheel_metadata_requires_sympy_only(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        info = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(z.read(info).decode())
        scripts = z.read(info.replace("METADATA", "entry_points.txt")).decode()
        top_level = z.read(info.replace("METADATA", "top_level.txt")).decode().split()
    requires = metadata.get_all("Requires-Dist") or []
    assert [re.split(r"[<>=!~ ;\[]", r)[0] for r in requires] == ["sympy"]
    assert not metadata.get_all("Provides-Extra")  # no extra pulls the site's dependencies
    assert (metadata["Name"], top_level) == ("t5sym", ["t5sym"])
    entry_points = [line.strip() for line in scripts.splitlines() if line.strip()]
    assert entry_points == ["[console_scripts]", "t5sym = t5sym.cli:main"]  # one command


def test_installed_library_has_no_site_module(venv: Path, work: Path) -> None:
    code = (
        "import importlib.util, json; "
        f"print(json.dumps([m for m in {SITE_MODULES!r} + ('t5site',) "
        "if importlib.util.find_spec(m if m == 't5site' else 't5sym.' + m)]))"
    )
    assert json.loads(_run([venv / "bin" / "python", "-c", code], work).stdout) == []


def test_clean_venv_holds_t5sym_sympy_and_mpmath_only(venv: Path, work: Path) -> None:
    pip_list = ["-m", "pip", "list", "--format=json", "--disable-pip-version-check"]
    out = _run([venv / "bin" / "python", *pip_list], work)
    installed = {p["name"].lower() for p in json.loads(out.stdout)}
    assert installed - {"setuptools"} == {"t5sym", "sympy", "mpmath", "pip"}


def test_installed_command_counts_t5_11b(venv: Path, work: Path) -> None:
    t5_11b = published.total("t5-11b")
    lines = _run([venv / "bin" / "t5sym", "count", "t5-11b"], work).stdout.splitlines()
    (row,) = [line for line in lines if line.startswith("T5ForConditionalGeneration")]
    assert f"{t5_11b:,}" in row.split()
    data = json.loads(_run([venv / "bin" / "t5sym", "count", "t5-11b", "--json"], work).stdout)
    assert data["total"] == t5_11b


def test_import_pulls_no_torch_transformers_or_numpy(venv: Path, work: Path) -> None:
    # in the clean venv (none of them installed: the import must not need them) ...
    where, heavy = json.loads(_run([venv / "bin" / "python", "-c", IMPORTS], work).stdout)
    assert Path(where).is_relative_to(venv) and heavy == []
    # ... and beside them in the test venv, where an import of any would succeed
    checkout = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); {IMPORTS}"]
    where, heavy = json.loads(_run(checkout, work).stdout)
    assert Path(where).is_relative_to(ROOT) and heavy == []
