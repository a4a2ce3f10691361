"""Each package's lazy loader names exactly the modules in its folder, and nothing else."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

PACKAGES = ("t5sym.model", "t5sym.views", "t5sym.cli")


@pytest.mark.parametrize("name", PACKAGES)
def test_loader_lists_every_module_of_its_folder(name: str) -> None:
    package = importlib.import_module(name)
    found = {m.name for m in pkgutil.iter_modules(package.__path__)}
    assert set(package.MODULES) == found
    for module in package.MODULES:
        assert getattr(package, module) is importlib.import_module(f"{name}.{module}")


@pytest.mark.parametrize("name", PACKAGES)
def test_loader_refuses_a_name_that_is_not_a_module(name: str) -> None:
    package = importlib.import_module(name)
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        package.nope  # noqa: B018


def test_views_load_on_first_use() -> None:
    import subprocess
    import sys

    code = "import sys, t5sym; print('t5sym.views.flops' in sys.modules); t5sym.views.flops"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr
