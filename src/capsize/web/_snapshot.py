"""Store sharing: the server reads a private snapshot of the store, never the store itself.

DuckDB lets one process write a database file, and a writer cannot start while any other
process holds the file open, even read-only. So the server holds **no connection to the
store** (``$CAPSIZE_HOME/capsize.duckdb``). It copies the file to a private snapshot and
answers every read from the snapshot:

- ``capsize data update`` (or ``data import``) run while the server runs never finds the
  store locked by it, and the server keeps answering from its snapshot during the update;
- a poller notices the store has changed (size, mtime, inode) and, once the file has been
  still for one poll with no write-ahead log beside it and no writer holding its lock (the
  writer has finished and checkpointed; on Linux the lock is probed with ``F_GETLK``,
  which takes no lock), copies it again, checks the copy did not change under it and
  opens it; answers cached for the old snapshot are dropped (its generation is part of
  every cache key and ETag);
- writes the server makes itself (watchlists) open the store for the milliseconds they
  need, waiting briefly while another writer holds it, then refresh the snapshot at once.
  They run inside :meth:`SnapshotManager.writing`, and the poller skips a poll while one
  runs: closing any descriptor of a file drops every POSIX lock this process holds on it,
  so the poller must not open the store while DuckDB holds its write lock in this process.

A snapshot of the shared data (86 MB) copies in about 0.1 s. The server keeps one read-only
connection per snapshot; each answer reads through its own cursor of it (opening the file
for every answer cost about 0.1 s).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from capsize.errors import CapsizeError, StoreError
from capsize.queries.session import Session, StoreReader

__all__ = ["Signature", "Snapshot", "SnapshotManager", "signature"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Signature:
    """A version of the store file: inode, size, mtime, and whether it is being written."""

    inode: int
    size: int
    mtime_ns: int
    wal: bool
    writer: bool = False

    @property
    def busy(self) -> bool:
        """True while a writer is at work (a WAL beside the file, or its write lock held)."""
        return self.wal or self.writer


_FLOCK = "hhqqi4x"  # Linux struct flock: l_type, l_whence, l_start, l_len, l_pid


def writer_holds(path: Path) -> bool:
    """Return True when another process holds a write lock on ``path`` (Linux; else False).

    Asks with ``F_GETLK``, which reports a conflicting lock without taking one.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        probe = struct.pack(_FLOCK, fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, probe)
        return bool(struct.unpack(_FLOCK, answer)[0] != fcntl.F_UNLCK)
    except OSError:
        return False
    finally:
        os.close(fd)


def signature(path: Path, *, probe: bool = True) -> Signature | None:
    """Return the file's signature (None when it does not exist).

    Parameters
    ----------
    path : Path
        The store file.
    probe : bool
        Also ask whether a writer holds its lock (opens the file: call it only while
        this process holds no DuckDB lock on it).
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    wal = Path(f"{path}.wal").exists()
    writer = writer_holds(path) if probe else False
    return Signature(st.st_ino, st.st_size, st.st_mtime_ns, wal, writer)


@dataclass
class Snapshot:
    """One private copy of the store and the sessions reading it (one shared connection)."""

    path: Path
    generation: int
    source: Signature
    data_generation: int
    keeper: contextlib.ExitStack
    reader: StoreReader
    users: int = 0
    retired: bool = False

    def release(self) -> None:
        """Close the reader's connection and delete the file (once retired and unused)."""
        self.keeper.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


@dataclass
class SnapshotManager:
    """Keeps a current snapshot of the store at ``primary`` and hands out sessions on it.

    Parameters
    ----------
    primary : Path
        The store file (``capsize.duckdb``).
    folder : Path
        Where snapshots are written (private to this process).
    poll : float
        Seconds between checks of the store file.
    prepare : callable, optional
        Run (with the poller held off) when a copy cannot be read, e.g. to apply a pending
        migration to the store; the next poll copies it again.
    on_new : callable, optional
        Called with the new data generation after a snapshot whose market data may have
        changed (not after the server's own user-data writes), e.g. to warm the cache.
    """

    primary: Path
    folder: Path
    poll: float = 2.0
    prepare: Callable[[], object] | None = None
    on_new: Callable[[int], object] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _current: Snapshot | None = field(default=None, repr=False)
    _seen: Signature | None = field(default=None, repr=False)
    _generation: int = field(default=0, repr=False)
    _data_generation: int = field(default=0, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _writes: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    last_error: str = ""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Take the first snapshot (when the store exists) and start polling."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.refresh(force=True)
        self._thread = threading.Thread(target=self._run, name="capsize-snapshot", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and delete this process's snapshots."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            current, self._current = self._current, None
        if current is not None:
            current.release()
        with self._writes:  # a refresh in flight (an update's callback) finishes first
            shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self.refresh()
            except Exception:  # the poller must survive anything; the next poll retries
                log.exception("snapshot refresh failed")

    # ------------------------------------------------------------------ state
    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called (background work should end quietly)."""
        return self._stop.is_set()

    @property
    def generation(self) -> int:
        """Number of the current snapshot (0: none yet); part of cache keys and ETags."""
        current = self._current
        return current.generation if current is not None else 0

    @property
    def source(self) -> Signature | None:
        """Signature of the store file the current snapshot copies."""
        current = self._current
        return current.source if current is not None else None

    @property
    def data_generation(self) -> int:
        """Number of the market data version (keys answers that read no user data).

        Bumped by a new snapshot unless it only follows the server's own user-data
        writes (watchlists), so a watchlist edit keeps market answers cached.
        """
        current = self._current
        return current.data_generation if current is not None else 0

    def refresh(self, *, force: bool = False, own_write: bool = False) -> bool:
        """Copy the store when it changed and has been still since the last check.

        Parameters
        ----------
        force : bool
            Copy now if the file is not being written (no WAL), without waiting one poll
            (after the server's own writes, and at start).
        own_write : bool
            The change is the server's own user-data write: market data is unchanged.

        Returns
        -------
        bool
            True when a new snapshot was taken.
        """
        if not self._writes.acquire(blocking=False):
            return False  # this process is writing the store: look next time
        try:
            if self.stopped:
                return False  # the server stopped: its snapshot folder is gone
            sig = signature(self.primary)
            seen, self._seen = self._seen, sig
            if sig is None or sig.busy or sig == self.source:
                return False
            if not force and sig != seen:
                return False  # changed since the last poll: wait until it is still
            return self._take(sig, own_write=own_write)
        finally:
            self._writes.release()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold off the poller while this process writes the store (see the module notes)."""
        with self._writes:
            yield

    def _take(self, sig: Signature, *, own_write: bool = False) -> bool:
        self._generation += 1
        path = self.folder / f"snapshot-{self._generation}.duckdb"
        shutil.copyfile(self.primary, path)
        if signature(self.primary) != sig:  # written while copying: try again next poll
            path.unlink(missing_ok=True)
            return False
        keeper = contextlib.ExitStack()
        try:
            reader = StoreReader(str(path), slice_reads=True)
            keeper.callback(reader.close)
        except CapsizeError as exc:
            keeper.close()
            path.unlink(missing_ok=True)
            self.last_error = str(exc)
            log.warning("snapshot of %s not usable: %s", self.primary, exc)
            self._prepare()
            return False
        self.last_error = ""
        new_data = not own_write or self._current is None
        if new_data:
            self._data_generation += 1
        self._swap(Snapshot(path, self._generation, sig, self._data_generation, keeper, reader))
        log.info("store snapshot %d taken from %s", self._generation, self.primary)
        if new_data and self.on_new is not None:
            self.on_new(self._data_generation)
        return True

    def _prepare(self) -> None:
        if self.prepare is None:
            return
        try:
            self.prepare()
        except CapsizeError as exc:
            log.warning("could not prepare %s: %s", self.primary, exc)

    def _swap(self, new: Snapshot) -> None:
        with self._lock:
            old, self._current = self._current, new
            if old is not None:
                old.retired = True
                done = old.users == 0
        if old is not None and done:
            old.release()

    # ------------------------------------------------------------------ reads
    @contextlib.contextmanager
    def session(self, as_of: object | None = None) -> Iterator[Session]:
        """Yield a point-in-time session on the current snapshot.

        Raises
        ------
        StoreError
            When there is no snapshot yet (no store, or the store is not readable).
        """
        with self._lock:
            snap = self._current
            if snap is None:
                raise StoreError(
                    f"no readable capsize store at {self.primary} "
                    f"({self.last_error or 'none yet'}); run 'capsize data import DIR'"
                )
            snap.users += 1
        try:
            with snap.reader.session(as_of) as s:
                yield s
        finally:
            with self._lock:
                snap.users -= 1
                done = snap.retired and snap.users == 0
            if done:
                snap.release()


def pid_alive(pid: int) -> bool:
    """Return True when a process ``pid`` exists (to clear snapshots of dead servers)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
