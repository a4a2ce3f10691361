"""The terminal side of the command: one-line errors and output that cannot crash.

Text goes out in the terminal's encoding (ASCII stand-ins for ``≈`` and friends when it
cannot hold them), with every control, bidi or other unprintable character written as a
``\\uXXXX`` escape (`printable`: a name from a file cannot move the cursor or reorder
the line; in JSON output the escape is the same string); an error is one line of at most
`_ERROR_LIMIT` characters; a full or closed stdout is one ``output:`` error line; a closed
pipe is silent.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

EXIT_BAD_INPUT = 2


#: ASCII stand-ins for the non-ASCII characters t5sym prints, for an ASCII-only terminal.
_ASCII = str.maketrans({"≈": "~", "·": "*", "−": "-", "×": "x", "…": "...", "→": "->"})

#: The longest error line printed (a long argument is cut in the middle).
_ERROR_LIMIT = 200


def encodable(text: str, stream: TextIO) -> str:
    """``text`` as ``stream`` can encode it: ASCII stand-ins, then ``?`` for the rest."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = text.translate(_ASCII)
        try:
            text = text.encode(encoding, errors="replace").decode(encoding)
        except LookupError:
            text = text.encode("ascii", errors="replace").decode("ascii")
    return text


def _escaped(char: str) -> str:
    """``\\uXXXX`` for one character (a UTF-16 surrogate pair above U+FFFF, as JSON has)."""
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def printable(text: str) -> str:
    """``text`` with every unprintable character but newline escaped as ``\\uXXXX``:
    control characters (ESC too), bidi controls (U+202E), line and paragraph separators.

    Examples
    --------
    >>> from t5sym.cli.console import printable
    >>> printable("a\\x1b[31mb\\u202ec\\n")
    'a\\\\u001b[31mb\\\\u202ec\\n'
    """
    if text.replace("\n", "").isprintable():
        return text
    return "".join(c if c == "\n" or c.isprintable() else _escaped(c) for c in text)


def error_line(message: str) -> str:
    """One printable line of at most `_ERROR_LIMIT` characters, the middle cut if longer."""
    line = printable(" ".join(message.splitlines()))
    if len(line) > _ERROR_LIMIT:
        half = (_ERROR_LIMIT - 1) // 2
        line = line[:half] + "…" + line[-half:]
    return line


def say_error(message: str) -> None:
    """``t5sym: error: MESSAGE`` on stderr, one line; silent if stderr is gone."""
    if sys.stderr is None:
        return
    try:
        sys.stderr.write(encodable(error_line(f"t5sym: error: {message}"), sys.stderr) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    """Point stdout's descriptor at devnull so the interpreter's last flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def write(out: str | None) -> int:
    """Print ``out`` (None: only flush); 0, or `EXIT_BAD_INPUT` after one error line."""
    if sys.stdout is None:
        if out is None:
            return 0
        say_error("output: cannot write (stdout is closed)")
        return EXIT_BAD_INPUT
    try:
        if out is not None:
            sys.stdout.write(encodable(printable(out), sys.stdout) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `t5sym list | head -1`: the reader has all it wanted
        _silence_stdout()
    except (OSError, ValueError) as exc:
        _silence_stdout()
        reason = getattr(exc, "strerror", None) or exc.__class__.__name__
        say_error(f"output: cannot write ({reason})")
        return EXIT_BAD_INPUT
    return 0
