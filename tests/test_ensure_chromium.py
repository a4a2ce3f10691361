"""scripts/ensure-chromium (run by ``make test``), with fake id, sudo and apt-get on PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "ensure-chromium"
HINT = "run: sudo apt-get install -y chromium"


def fake_bin(tmp: Path, uid: int, sudo: str | None) -> Path:
    """A PATH holding only: id (printing ``uid``), env, apt-get (logging; install creates
    the browser) and, unless ``sudo`` is None, a sudo that ``"works"`` or ``"asks"``."""
    bin_ = tmp / "bin"
    bin_.mkdir()
    (bin_ / "env").symlink_to(shutil.which("env"))
    scripts = {
        "id": f"#!/bin/sh\necho {uid}\n",
        "apt-get": (
            '#!/bin/sh\necho "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> "$LOG"\n'
            'case "$*" in *install*) printf "#!/bin/sh\\n" > "$CHROMIUM"; '
            f'{shutil.which("chmod")} +x "$CHROMIUM";; esac\n'
        ),
    }
    if sudo == "works":
        scripts["sudo"] = '#!/bin/sh\necho "sudo $*" >> "$LOG"\n[ "$1" = -n ] || exit 1\nshift\n'
        scripts["sudo"] += '[ "$1" = true ] && exit 0\nexec "$@"\n'
    elif sudo == "asks":
        scripts["sudo"] = '#!/bin/sh\necho "sudo: a password is required" >&2\nexit 1\n'
    for name, text in scripts.items():
        (bin_ / name).write_text(text)
        (bin_ / name).chmod(0o755)
    return bin_


def ensure(tmp: Path, uid: int, sudo: str | None, present: bool = False):
    chromium, log = tmp / "chromium", tmp / "log"
    if present:
        chromium.write_text("#!/bin/sh\n")
        chromium.chmod(0o755)
    env = {"PATH": str(fake_bin(tmp, uid, sudo)), "CHROMIUM": str(chromium), "LOG": str(log)}
    out = subprocess.run(
        ["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30
    )
    return out, (log.read_text().splitlines() if log.exists() else []), chromium


def test_present_chromium_installs_nothing(tmp_path: Path) -> None:
    out, log, _ = ensure(tmp_path, 1000, "works", present=True)
    assert (out.returncode, out.stdout, out.stderr, log) == (0, "", "", [])


def test_root_installs_with_apt_get(tmp_path: Path) -> None:
    out, log, chromium = ensure(tmp_path, 0, None)
    assert out.returncode == 0, out.stderr
    assert log == [
        "apt-get update -q DEBIAN_FRONTEND=",
        "apt-get install -y -q chromium DEBIAN_FRONTEND=noninteractive",
    ]
    assert chromium.is_file()


def test_passwordless_sudo_installs_with_sudo_n(tmp_path: Path) -> None:
    out, log, chromium = ensure(tmp_path, 1000, "works")
    assert out.returncode == 0, out.stderr
    assert log == [
        "sudo -n true",
        "sudo -n apt-get update -q",
        "apt-get update -q DEBIAN_FRONTEND=",
        "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium",
        "apt-get install -y -q chromium DEBIAN_FRONTEND=noninteractive",
    ]
    assert chromium.is_file()


@pytest.mark.parametrize("sudo", ["asks", None], ids=["sudo-asks-a-password", "no-sudo"])
def test_otherwise_one_line_with_the_command_and_failure(tmp_path: Path, sudo: str | None) -> None:
    out, log, chromium = ensure(tmp_path, 1000, sudo)
    assert out.returncode != 0 and out.stdout == "" and log == []
    assert len(out.stderr.splitlines()) == 1 and out.stderr.rstrip().endswith(HINT), out.stderr
    assert not chromium.exists()


def test_make_test_runs_it_before_anything_else() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    dry = subprocess.run(
        ["make", "-n", "-B", "--no-print-directory", "test"],
        cwd=ROOT, capture_output=True, text=True, timeout=30, env=env,
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0] == "bash scripts/ensure-chromium"
    assert " -m pytest" in lines[-1] and " -m " not in lines[-1].split(" -m pytest")[1]
