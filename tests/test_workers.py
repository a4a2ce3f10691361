"""`make test`'s two workers (pytest-xdist, ``--dist loadgroup``): the tests a group marks run
in one worker, so what they share (the built site, a wheel, a calculator page) is made once.

pytest 9.2 broke this without an error (pytest-dev/pytest-xdist#1386: xdist writes the group
into a node id that pytest 9.2 no longer reads); requirements/test.txt pins 9.1.1.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

CONFTEST = """
import pytest

@pytest.hookimpl(tryfirst=True)  # as tests/conftest.py marks its groups
def pytest_collection_modifyitems(items):
    for item in items:
        if "grouped" in item.name:
            item.add_marker(pytest.mark.xdist_group("shared"))
"""

TESTS = """
import os
import time
from pathlib import Path

import pytest

@pytest.mark.parametrize("i", range(8))
def test_grouped(i):
    time.sleep(0.05)
    Path(f"grouped-{i}").write_text(os.environ["PYTEST_XDIST_WORKER"])

@pytest.mark.parametrize("i", range(8))
def test_free(i):
    time.sleep(0.05)
    Path(f"free-{i}").write_text(os.environ["PYTEST_XDIST_WORKER"])
"""


def test_a_group_runs_in_one_worker(tmp_path: Path) -> None:
    """Eight tests a conftest groups, among eight free ones: all eight in one worker (spread
    over both, as pytest 9.2 does, they would build what they share twice)."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (tmp_path / "test_some.py").write_text(textwrap.dedent(TESTS))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    proc = subprocess.run(
        [*command, "-n", "2", "--dist", "loadgroup", tmp_path],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    grouped = {(tmp_path / f"grouped-{i}").read_text() for i in range(8)}
    assert len(grouped) == 1, grouped
