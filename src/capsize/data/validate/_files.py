"""File-level checks run before a file is hashed or read.

A file that the readers would skip, block on or silently shorten is refused here with a
reason: dangling symbolic links, FIFOs and other special files (reading a FIFO blocks
forever), unreadable files, compressed or UTF-16 data named ``.csv``, a Parquet file
without its ``PAR1`` magic (truncated or not Parquet), and a CSV line longer than
:data:`MAX_LINE_BYTES` (CSV readers drop or refuse such lines).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

import numpy as np

__all__ = ["MAX_LINE_BYTES", "file_problem"]

MAX_LINE_BYTES: Final[int] = 1 << 20
"""Longest line accepted in a CSV file (1 MiB; real rows are under 1 KiB)."""

_MAGIC: Final = (
    (b"\x1f\x8b", "gzip-compressed data, not CSV text: decompress it first"),
    (b"PK\x03\x04", "a zip archive, not CSV text: extract it first"),
    (b"\xff\xfe", "UTF-16 text: save it as UTF-8"),
    (b"\xfe\xff", "UTF-16 text: save it as UTF-8"),
    (b"PAR1", "a Parquet file named like a CSV: give it the .parquet suffix"),
)
_SPECIAL: Final = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind_problem(path: Path) -> str | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        target = os.readlink(path) if path.is_symlink() else "?"
        return f"dangling symbolic link (its target {target!r} does not exist)"
    except OSError as exc:
        return f"cannot read file: {exc.strerror}"
    for test, what in _SPECIAL:
        if test(st.st_mode):
            return f"{what}, not a regular file: not read"
    return None


def _longest_line(path: Path) -> tuple[int, int]:
    """Return (length in bytes, 1-based number) of the longest line of a file."""
    longest, number, start, line_no, pos = 0, 1, 0, 1, 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10) + pos
            edges = np.concatenate(([start], ends + 1))
            if len(ends):
                lengths = ends - edges[:-1]
                i = int(np.argmax(lengths))
                if lengths[i] > longest:
                    longest, number = int(lengths[i]), line_no + i
                line_no += len(ends)
                start = int(ends[-1]) + 1
            pos += len(chunk)
    if pos - start > longest:
        longest, number = pos - start, line_no
    return longest, number


def _content_problem(path: Path, size: int) -> str | None:
    with path.open("rb") as fh:
        head = fh.read(8)
        if path.suffix.lower() == ".parquet":
            if size < 12:
                return "not a Parquet file (too short for the PAR1 header and footer)"
            fh.seek(size - 4)
            tail = fh.read(4)
            if head[:4] != b"PAR1":
                return "not a Parquet file (no PAR1 magic at the start)"
            return None if tail == b"PAR1" else "truncated Parquet file (no PAR1 footer at the end)"
    for magic, reason in _MAGIC:
        if head.startswith(magic):
            return reason
    if size > MAX_LINE_BYTES:
        length, number = _longest_line(path)
        if length > MAX_LINE_BYTES:
            return (
                f"line {number} is {length / 2**20:.1f} MiB, over the "
                f"{MAX_LINE_BYTES // 2**20} MiB limit for one row: CSV readers would drop it"
            )
    return None


def file_problem(path: Path) -> str | None:
    """Why a data file must be refused before it is read (None when it may be read).

    Parameters
    ----------
    path : Path
        The file (a symbolic link is followed).

    Returns
    -------
    str or None
        The reason, plain text.
    """
    reason = _kind_problem(path)
    if reason is not None:
        return reason
    try:
        return _content_problem(path, path.stat().st_size)
    except OSError as exc:
        return f"cannot read file: {exc.strerror}"
