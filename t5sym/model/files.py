"""Reading a file the user names: one place for the rules every reader follows.

Only a regular file is read (a folder, a FIFO or a device is refused by name, and a FIFO
swapped in after the check cannot block: the file is opened non-blocking and checked
again); a file over its reader's limit is refused before it is read, and again if it grew.
Every problem is one line naming the path (`t5sym.model.checks.shown_path`), raised as the
reader's own `t5sym.errors.T5SymError` kind.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from t5sym.errors import T5SymError
from t5sym.model.checks import shown_path


def reason(exc: BaseException) -> str:
    """The OS's words for an error, e.g. ``File name too long``."""
    return getattr(exc, "strerror", None) or exc.__class__.__name__


def kind(mode: int) -> str:
    """What a non-regular file is, e.g. ``a FIFO``."""
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a file"


def path_stat(path: str, error: type[T5SymError] = T5SymError) -> os.stat_result:
    """``os.stat(path)`` (symlinks followed), or a one-line ``error`` naming the path.

    Examples
    --------
    >>> from t5sym.model.files import path_stat
    >>> path_stat("no/such/file")
    Traceback (most recent call last):
    ...
    t5sym.errors.T5SymError: no/such/file: no such file
    """
    if "\0" in path:
        raise error(f"{shown_path(path)}: a path cannot hold a NUL character")
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise error(f"{shown_path(path)}: no such file") from None
    except (OSError, ValueError) as exc:
        raise error(f"{shown_path(path)}: cannot be read ({reason(exc)})") from None


def open_regular(path: str, error: type[T5SymError] = T5SymError) -> tuple[BinaryIO, int]:
    """``path`` opened for reading, and its size, if it is a regular file."""
    where = shown_path(path)
    info = path_stat(path, error)
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{where}: is not a regular file ({kind(info.st_mode)})")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise error(f"{where}: cannot be read ({reason(exc)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{where}: is not a regular file ({kind(info.st_mode)})")
        return os.fdopen(fd, "rb"), info.st_size
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str, limit: int, what: str, error: type[T5SymError] = T5SymError) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes (``what`` names the
    kind of file in the message: ``a config.json``)."""
    where = shown_path(path)
    f, size = open_regular(path, error)
    with f:
        if size > limit:
            raise error(f"{where}: {size:,} bytes, over the {limit:,}-byte limit of {what}")
        try:
            raw = f.read(limit + 1)
        except OSError as exc:
            raise error(f"{where}: cannot be read ({reason(exc)})") from None
    if len(raw) > limit:  # it grew since the check
        raise error(f"{where}: over the {limit:,}-byte limit of {what}")
    return raw
