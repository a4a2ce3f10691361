import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# The site's package (docs/t5site: calculator, charts, console blocks) is not in the wheel:
# the tests import it from docs/, as the docs build does (docs/hooks/beside.py), and so do
# the processes they start (PYTHONPATH).
SITE_CODE = str(Path(__file__).resolve().parent.parent / "docs")
if SITE_CODE not in sys.path:
    sys.path.insert(0, SITE_CODE)
if SITE_CODE not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (SITE_CODE, os.environ.get("PYTHONPATH")) if p
    )

# Reproducible in CI: the same examples every run (still ~hundreds of distinct configs).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# No silent skips: a skipped test fails the run (CI needs every test to run, e.g. the
# browser tests when chromium is missing). xfail is not a skip and is left alone.
_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    if _SKIPPED:
        terminalreporter.write_line(
            f"FAILED: {len(_SKIPPED)} test(s) skipped; every test must run: "
            + ", ".join(_SKIPPED[:5]),
            red=True,
        )


# --- The fast loop: `make check` deselects what builds a model, a site, a wheel or a browser.
# A test is "slow" when it (or a function of its module that it calls, transitively) uses
# one of these names, or asks for one of these fixtures. Nothing is skipped: `make check`
# deselects them with -m "not slow", and `make test` runs everything.

SLOW_NAMES = frozenset(
    {
        "build", "cached_build", "build_from_folder", "instantiate", "gpt2", "FlopCounterMode",
        "built_site", "site_build", "mkdocs_build", "chromium", "sync_playwright", "subprocess",
        "saved_tensors_hooks", "measure", "reference", "transformers", "torch", "gguf", "peft",
        "bitsandbytes", "safetensors", "save_file", "get_peft_model",
    }
)  # fmt: skip
SLOW_FIXTURES = frozenset({"site", "server", "browser", "api", "visits", "drawn", "site_blocks",
                           "work", "wheel", "venv"})  # fmt: skip


def _uses_slow(function, seen: set) -> bool:  # noqa: ANN001
    inner = getattr(getattr(function, "hypothesis", None), "inner_test", None)
    if inner is not None and _uses_slow(inner, seen):  # a @given test: its own body
        return True
    wrapped = getattr(function, "__wrapped__", None)  # functools.cache and friends
    if wrapped is not None and _uses_slow(wrapped, seen):
        return True
    code = getattr(function, "__code__", None)
    if code is None or function in seen:
        return False
    seen.add(function)
    names = set(code.co_names)
    for const in code.co_consts:  # nested functions and lambdas
        if hasattr(const, "co_names"):
            names |= set(const.co_names)
    if names & SLOW_NAMES:
        return True
    module = function.__globals__
    return any(_uses_slow(module.get(n), seen) for n in names if callable(module.get(n)))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds a model, the site, a wheel or a browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "function", None)
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SLOW_FIXTURES or (function is not None and _uses_slow(function, set())):
            item.add_marker(pytest.mark.slow)
