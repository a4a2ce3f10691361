"""tests/ mirrors t5sym/: every library module has its own test module."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_module_has_a_test_module() -> None:
    modules = sorted(
        p.stem for p in (ROOT / "t5sym").glob("*.py") if p.stem not in ("__init__", "__main__")
    )
    assert len(modules) >= 10, modules
    missing = [
        f"tests/test_{m}.py" for m in modules if not (ROOT / "tests" / f"test_{m}.py").is_file()
    ]
    assert not missing, f"no tests/test_<module>.py for t5sym/<module>.py: {missing}"
