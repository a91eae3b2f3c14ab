"""Atomic file writes: every output capsize writes goes through here.

A file is written to a temporary file in the same folder, flushed and fsynced,
then renamed over the target (``os.replace``, atomic on POSIX and Windows), and the
folder is fsynced. A crash or a full disk at any moment leaves either the previous
file or the new one, never a partial file; the temporary file is removed on error.
Errors raise :class:`capsize.errors.OutputError` naming the path.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from capsize.errors import OutputError

__all__ = ["atomic_path", "write_bytes", "write_text"]

_UMASK = os.umask(0)
os.umask(_UMASK)  # read once at import (os.umask can only be read by setting it)


def _final_mode(target: Path, mode: int | None) -> int:
    """Return the mode of the written file: ``mode``, else the old file's, else 0o666 & ~umask."""
    if mode is not None:
        return mode
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def _fsync_dir(folder: Path) -> None:
    """Fsync a folder so a rename inside it survives a power loss (best effort)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _failure(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or type(exc).__name__
    return OutputError(
        f"could not write {path}: {reason}; check that the folder exists, is writable "
        "and has free space (the previous file, if any, is unchanged)"
    )


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is moved over ``path``.

    Use it for writers that take a file name (matplotlib, WeasyPrint, pandas).

    Parameters
    ----------
    path : path-like
        The final file. Its folder is created when missing.
    mode : int, optional
        Permission bits of the final file (e.g. ``0o600`` for secrets); default: those of
        the file it replaces, else ``0o666`` less the umask (as ``open`` would give).

    Yields
    ------
    Path
        A temporary file in the same folder; write the whole output to it.

    Raises
    ------
    OutputError
        When the folder cannot be created or the file cannot be written or moved.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise _failure(target, exc) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _final_mode(target, mode))
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _failure(target, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write(path: str | os.PathLike[str], data: bytes, mode: int | None) -> Path:
    target = Path(path)
    with atomic_path(target, mode=mode) as tmp:
        fh: IO[bytes]
        with tmp.open("wb") as fh:
            fh.write(data)
    return target


def write_bytes(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename).

    ``mode`` as in :func:`atomic_path` (default: the replaced file's, else umask-based).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        Naming ``path`` when it cannot be written.
    """
    return _write(path, data, mode)


def write_text(
    path: str | os.PathLike[str], text: str, encoding: str = "utf-8", *, mode: int | None = None
) -> Path:
    """Write ``text`` to ``path`` atomically; see :func:`write_bytes`."""
    return _write(path, text.encode(encoding), mode)
