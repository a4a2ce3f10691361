"""A command run in this process, shown as a console block: for pages and their tests.

The site shows ``t5sym`` commands with the output they print, run while it is built;
this module runs them through `t5sym.cli.command` and writes the Markdown block.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex

from t5site.tables import fenced
from t5sym.cli import main
from t5sym.errors import T5SymError


def console_block(command: str, cwd: str | None = None) -> str:
    """``t5sym ARGS`` run in this process, as a Markdown console block with its output.

    The command is shown as typed (``$ t5sym count t5-3b``); stdout and stderr follow, then
    a line with the exit status when it is not 0. With ``cwd``, it runs in that folder (so
    a page can show ``t5sym count config.json`` for a file it wrote there).

    Examples
    --------
    >>> from t5site.transcript import console_block
    >>> print(console_block("t5sym count t5-4b"))  # doctest: +ELLIPSIS
    ```console
    $ t5sym count t5-4b
    t5sym: ...
    ```
    <BLANKLINE>
    Exit status: `2`.
    """
    words = shlex.split(command)
    if words[:1] != ["t5sym"]:
        raise T5SymError(f"command: must start with 't5sym', got {command!r:.60}")
    out = io.StringIO()
    before = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                status = main(words[1:])
            except SystemExit as stop:
                status = stop.code if isinstance(stop.code, int) else 2
    finally:
        os.chdir(before)
    block = fenced(f"$ {command}\n{out.getvalue().rstrip()}", "console")
    return f"{block}\n\nExit status: `{status}`." if status else block


def help_blocks() -> str:
    """``t5sym --help`` as a text block, then each subcommand's ``--help`` under a heading
    ``### `t5sym NAME```, as argparse prints them (the page's width sets ``COLUMNS``).

    Examples
    --------
    >>> from t5site.transcript import help_blocks
    >>> help_blocks().splitlines()[1].startswith("usage: t5sym [-h] [--version]")
    True
    """
    import argparse

    from t5sym.cli.command import build_parser

    parser = build_parser()
    blocks = [fenced(parser.format_help().rstrip())]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                blocks.append(f"### `t5sym {name}`\n\n{fenced(sub.format_help().rstrip())}")
    return "\n\n".join(blocks)
