"""MkDocs hook: writes the calculator's JavaScript (`t5sym.calculator`) into the built site.

Generated at every build from the SymPy trees, so the page computes with the formulas the
tests check; nothing generated is committed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from t5sym import calculator


def on_post_build(config: Any, **_: Any) -> None:
    calculator.write(Path(config["site_dir"]) / calculator.SITE_PATH)
