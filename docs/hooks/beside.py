"""MkDocs hook: the build's slow generated parts, run beside it on the second core.

Two things are computed by a process of their own, one after the other, while MkDocs
renders the Markdown pages:

- each worked-example notebook (``docs/notebooks/*.py``), executed by ``jupytext
  --execute``; its page is rendered from that fresh ``.ipynb`` (mkdocs-jupyter's own
  ``execute`` is off), and a cell that raises fails the build with the notebook's error;
- the calculator's JavaScript, generated from the SymPy trees by `t5site.calculator` and
  written into the site (nothing generated is committed).

The site's own code is the package ``docs/t5site`` (not in the t5sym wheel). Importing this
hook puts ``docs/`` first on ``sys.path``, for this hook and for the pages' executed blocks
(markdown-exec runs them in this process), and on ``PYTHONPATH``, for the processes started
here and their notebook kernels.

The calculator's two scripts reach the site minified (`t5site.calculator.minify`): the
page's budget counts the bytes a reader downloads.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

#: docs/, which holds the site's package `t5site` (found from this file, not from the
#: config's docs_dir: a test builds a copy of one page with these hooks).
SITE_CODE = str(Path(__file__).resolve().parent.parent)
if SITE_CODE not in sys.path:
    sys.path.insert(0, SITE_CODE)
if SITE_CODE not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (SITE_CODE, os.environ.get("PYTHONPATH")) if p
    )

from t5site import calculator  # noqa: E402

#: One worker: the jobs run one after the other, on the core the build leaves free.
_POOL = ThreadPoolExecutor(max_workers=1)
_NOTEBOOKS: dict[str, tuple[Path, Future[Path]]] = {}  # "notebooks/t5-3b.py" → .ipynb, job
_CALCULATOR: list[Future[Path]] = []


def _generate(what: str, command: list[str], output: Path) -> Path:
    """Run ``command``, which writes ``output``; its last lines name a failure."""
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0 or not output.is_file():
        tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-15:])
        raise PluginError(f"{what}: generating it failed\n{tail or out.returncode}")
    return output


def on_config(config: Any) -> Any:
    _NOTEBOOKS.clear()
    _CALCULATOR.clear()
    tmp = Path(tempfile.mkdtemp(prefix="t5sym-docs-"))
    (tmp / "notebooks").mkdir()
    for source in sorted(Path(config["docs_dir"], "notebooks").glob("*.py")):
        executed = tmp / "notebooks" / f"{source.stem}.ipynb"
        jupytext = [sys.executable, "-m", "jupytext", "--to", "ipynb", "--set-kernel", "python3"]
        command = [*jupytext, "--execute", "--output", str(executed), str(source)]
        what = f"notebooks/{source.name}"
        _NOTEBOOKS[what] = (executed, _POOL.submit(_generate, what, command, executed))
    script = tmp / "t5sym-calc.js"
    code = f"from t5site import calculator; calculator.write({str(script)!r})"
    command = [sys.executable, "-c", code]
    _CALCULATOR.append(_POOL.submit(_generate, calculator.SITE_PATH, command, script))
    return config


def on_files(files: Any, config: Any) -> Any:
    for file in files:
        if file.src_path in _NOTEBOOKS:
            file.abs_src_path = str(_NOTEBOOKS[file.src_path][0])
    return files


def on_pre_page(page: Any, config: Any, files: Any) -> Any:
    if page.file.src_path in _NOTEBOOKS:
        _NOTEBOOKS[page.file.src_path][1].result()
    return page


#: The calculator page's own script (docs/assets), minified in the site like the generated one.
PAGE_SCRIPT = "assets/calculator.js"


def _minify(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(calculator.minify(source.read_text(encoding="utf-8")), encoding="utf-8")


def on_post_build(config: Any, **_: Any) -> None:
    site = Path(config["site_dir"])
    _minify(_CALCULATOR[0].result(), site / calculator.SITE_PATH)
    _minify(Path(config["docs_dir"], PAGE_SCRIPT), site / PAGE_SCRIPT)


def on_build_error(error: Exception, **_: Any) -> None:
    for job in [*(job for _, job in _NOTEBOOKS.values()), *_CALCULATOR]:
        job.cancel()  # what has not started yet: a failed build does not wait for it
