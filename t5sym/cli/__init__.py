"""The ``t5sym`` command: parses arguments, calls one view, prints its result.

`main` is the entry point; the report tables are imported on first use, so ``t5sym count
--json`` loads none of them.
"""

from t5sym.cli.command import main
from t5sym.lazy import loader

MODULES = ("command", "console", "report")
__getattr__ = loader(__name__, MODULES)
__all__ = ["main"]
