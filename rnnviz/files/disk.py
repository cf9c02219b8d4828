"""Files on disk named on the command line: regular files only, read up to a limit, written without blocking.

A path can name anything: a FIFO (reading or writing it waits for another program, for ever), a device such as
/dev/zero (endless bytes, while its size says 0), a directory. So a file is opened without waiting, checked to be
a regular file on the descriptor that was opened, and read only up to the limit and one byte more, which is how
a file that is too big is told apart from one exactly at the limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from rnnviz.errors import InputError, shown

NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # POSIX; Windows has no FIFOs to wait on
KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (a pipe)"), (stat.S_ISCHR, "a device"),
         (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def megabytes(size: int) -> str:
    """A size limit as rnnviz states it: MB of 1,000,000 bytes, as Streamlit's uploader counts them in a browser."""
    return f"{size / 10**6:g} MB ({size:,} bytes)"


def _kind(mode: int) -> str:
    return next((what for test, what in KINDS if test(mode)), "not a regular file")


def _refuse_other_kinds(descriptor: int, path, doing: str) -> None:
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise InputError(f"Cannot {doing} {shown(str(path), 80)}: it is {_kind(mode)}; give the path of a "
                         "regular file.")


def _open(path, flags: int, doing: str) -> int:
    try:  # O_NONBLOCK: opening a FIFO would otherwise wait for a program at its other end
        return os.open(path, flags | NONBLOCK | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as error:
        if Path(path).is_dir():
            raise InputError(f"Cannot {doing} {shown(str(path), 80)}: it is a directory; give the path of a "
                             "regular file.") from None
        raise InputError(f"Cannot {doing} {shown(str(path), 80)}: {error.strerror or error}.") from None


def read_limited(path, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file at `path`, refused if it is anything else or holds more than `limit` bytes."""
    descriptor = _open(path, os.O_RDONLY, "read")
    _refuse_other_kinds(descriptor, path, "read")
    if NONBLOCK:
        os.set_blocking(descriptor, True)
    with os.fdopen(descriptor, "rb") as file:
        try:
            data = file.read(limit + 1)
        except OSError as error:
            raise InputError(f"Cannot read {shown(str(path), 80)}: {error.strerror or error}.") from None
    if len(data) > limit:
        raise InputError(f"The {what} {shown(Path(path).name, 80)} is larger than {megabytes(limit)}, the most "
                         f"rnnviz reads for a {what}.")
    return data


def check_writable(path) -> None:
    """Refuse, before any work is done, a path that names something other than a regular file (or nothing yet)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        parent = Path(path).parent
        if not parent.is_dir():
            raise InputError(f"Cannot write {shown(str(path), 80)}: the folder {shown(str(parent), 80)} does not "
                             "exist.") from None
        return
    except OSError as error:
        raise InputError(f"Cannot write {shown(str(path), 80)}: {error.strerror or error}.") from None
    if not stat.S_ISREG(mode):
        raise InputError(f"Cannot write {shown(str(path), 80)}: it is {_kind(mode)}; give the path of a "
                         "regular file.")


def write_bytes(path, data: bytes) -> None:
    """Write `data` to the regular file at `path` (created or replaced); anything else there is refused."""
    check_writable(path)
    descriptor = _open(path, os.O_WRONLY | os.O_CREAT, "write")
    _refuse_other_kinds(descriptor, path, "write")  # made a FIFO since the check: refused, not waited on
    if NONBLOCK:
        os.set_blocking(descriptor, True)
    with os.fdopen(descriptor, "wb") as file:
        try:
            file.truncate(0)
            file.write(data)
        except OSError as error:
            raise InputError(f"Cannot write {shown(str(path), 80)}: {error.strerror or error}.") from None
