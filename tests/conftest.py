import os
import sys
from pathlib import Path

# One thread per worker: two xdist workers on two cores each starting torch with a thread per
# core ran the CPU-bound tests half as fast (test_lora's 288-case grid: 40 s against 22 s on
# one thread each). Set before torch is imported (it reads these once).
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    for _threads in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_threads, "1")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

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


def _uses(function, wanted: frozenset, seen: set) -> bool:  # noqa: ANN001
    """Whether ``function`` (or a function of its module it calls, transitively) names one
    of ``wanted``."""
    inner = getattr(getattr(function, "hypothesis", None), "inner_test", None)
    if inner is not None and _uses(inner, wanted, seen):  # a @given test: its own body
        return True
    wrapped = getattr(function, "__wrapped__", None)  # functools.cache and friends
    if wrapped is not None and _uses(wrapped, wanted, seen):
        return True
    code = getattr(function, "__code__", None)
    if code is None or function in seen:
        return False
    seen.add(function)
    names = set(code.co_names)
    for const in code.co_consts:  # nested functions and lambdas
        if hasattr(const, "co_names"):
            names |= set(const.co_names)
    if names & wanted:
        return True
    module = function.__globals__
    return any(_uses(module.get(n), wanted, seen) for n in names if callable(module.get(n)))


# --- Two workers (pytest-xdist, `make test`): what uses the built site runs in one worker, so
# the site is built once per run; a module's costly fixtures (a calculator page, a browser, a
# wheel) stay in one worker too; everything else is spread over both.
SITE_NAMES = frozenset({"built_site", "site_build"})


#: The preset whose transformers model takes ~20 s to build even on the meta device (2,048
#: experts in each of 15 + 15 sparse blocks): the tests naming it share one build
#: (`tests.support.reference.cached_build`) in one worker.
SWITCH_C = "switch-c-2048"


def _group(item: pytest.Item) -> str | None:
    """The xdist group of a test: "site", Switch-C's, its module's name, or None (free to
    move)."""
    if SWITCH_C in item.name or item.name.startswith("test_switch_c_"):
        return SWITCH_C
    function = getattr(item, "function", None)
    if function is not None and _uses(function, SITE_NAMES, set()):
        return "site"
    info = getattr(item, "_fixtureinfo", None)
    defs = [d for ds in (info.name2fixturedefs.values() if info else ()) for d in ds]
    if any(_uses(d.func, SITE_NAMES, set()) for d in defs):
        return "site"
    if set(getattr(item, "fixturenames", ())) & SLOW_FIXTURES:
        return item.module.__name__
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds a model, the site, a wheel or a browser")


# tryfirst: xdist's worker reads the xdist_group marks in this same hook (--dist loadgroup);
# marked after it, every group would be spread over both workers and build twice.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "function", None)
        fixtures = set(getattr(item, "fixturenames", ()))
        slow = function is not None and _uses(function, SLOW_NAMES, set())
        if slow or fixtures & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
        if group := _group(item):
            item.add_marker(pytest.mark.xdist_group(group))
