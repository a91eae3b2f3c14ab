"""The store's data version, kept in a small file beside it for readers that skip DuckDB.

A warm ``capsize report`` needs only the store's data version (a digest of its
contents, :func:`capsize.queries.session.data_version`) to find its cached output;
opening DuckDB for it costs more than the rest of the run. The version is therefore
recorded in ``<store>.stamp.json`` beside the database file, with the file's identity
(inode, size, modification and change time in ns) and that of its write-ahead log.

It is trusted only while nothing can have written the store since it was recorded:

* a reader records it while it holds a read-only connection (no writer can hold the
  file at the same time), from the version it computed on that connection;
* every writable :meth:`~capsize.data.store.Store.open` removes it before the first
  write;
* :func:`read_stamp` compares the recorded identity with the files as they are now:
  any write through DuckDB (a transaction in the log, a checkpoint into the file), a
  replaced or restored file, or a write that bypassed capsize changes it.

When the file is missing, unreadable or doubtful the reader returns None and the caller
asks DuckDB. Standard library only: importing this module loads neither DuckDB nor pandas.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from capsize._atomic import write_text
from capsize.errors import OutputError

__all__ = ["STAMP_FORMAT", "Stamp", "discard_stamp", "read_stamp", "stamp_path", "write_stamp"]

log = logging.getLogger(__name__)

STAMP_FORMAT = 1
"""Bumped when the layout of the stamp file changes (an older file is then ignored)."""


@dataclass(frozen=True)
class Stamp:
    """A store's recorded data version.

    Attributes
    ----------
    version : str
        The data version (hex digest) computed on the store.
    empty : bool
        Whether the store held no bars.
    """

    version: str
    empty: bool


def stamp_path(db: Path) -> Path:
    """Return the stamp file of the store file ``db`` (``<db>.stamp.json``)."""
    return db.with_name(f"{db.name}.stamp.json")


def _identity(path: Path) -> list[int] | None:
    """Inode, size, mtime and ctime (ns) of ``path``; None when it does not exist."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _identities(db: Path) -> dict[str, list[int] | None]:
    return {"db": _identity(db), "wal": _identity(db.with_name(f"{db.name}.wal"))}


def write_stamp(db: Path, version: str, *, empty: bool) -> bool:
    """Record ``version`` for the store file ``db``; return False when it cannot be written.

    Call it only while holding a **read-only** connection on ``db`` on which
    ``version`` was computed: no writer can change the file meanwhile, so the identity
    recorded here is the identity of the data that version describes. A stamp that
    cannot be written is not an error (readers then ask DuckDB).
    """
    doc = {"format": STAMP_FORMAT, "version": version, "empty": empty, "files": _identities(db)}
    try:
        write_text(stamp_path(db), json.dumps(doc, sort_keys=True) + "\n")
    except OutputError as exc:
        log.info("store stamp not written (%s)", exc)
        return False
    return True


def discard_stamp(db: Path) -> None:
    """Remove the stamp of ``db`` (before writing to it: its version is about to change)."""
    stamp_path(db).unlink(missing_ok=True)


def read_stamp(db: Path) -> Stamp | None:
    """Return the recorded version of the store file ``db``, or None when it may be stale.

    None when the stamp file is missing, unreadable or of another format, or when the
    store file or its write-ahead log is not the one it was recorded for.
    """
    try:
        doc = json.loads(stamp_path(db).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != STAMP_FORMAT:
        return None
    version, empty = doc.get("version"), doc.get("empty")
    if not isinstance(version, str) or not isinstance(empty, bool):
        return None
    now = _identities(db)
    if now["db"] is None or doc.get("files") != now:
        return None
    return Stamp(version, empty)
