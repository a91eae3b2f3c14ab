"""Who holds the store: one small record per open connection, so a refusal can name it.

DuckDB lets one process write a database file, or several processes read it; a second
process is refused with an error naming only the holder's pid. Each capsize process that
opens the store records its command, pid, mode and start time in
``<store>.holders/<pid>-<mode>-<id>.json`` (removed on close, with the folder once it is
empty; records of processes that died are ignored and cleaned up). :func:`describe` turns DuckDB's refusal into
"'capsize data import …' (pid 123, writing since 11:52:03 UTC)".

Recording is best effort: a folder that cannot be written only makes the message vaguer.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
import uuid
from pathlib import Path

__all__ = ["command_line", "describe", "holders_dir", "register", "release"]

_PID = re.compile(r"\(PID (\d+)\)")
_MAX_COMMAND = 120


def holders_dir(db: Path) -> Path:
    """Folder of the holder records of store file ``db``."""
    return db.with_name(f"{db.name}.holders")


def command_line(argv: list[str] | None = None) -> str:
    """Return the running command as a user would type it (``capsize data import DIR``)."""
    args = list(sys.argv if argv is None else argv)
    if not args:
        return "python"
    prog = "python " + args[0] if args[0] in ("-c", "-m") else Path(args[0]).name
    if prog in ("capsize", "cli.py", "__main__.py") or prog.startswith("capsize"):
        prog = "capsize"
    text = " ".join([prog, *args[1:]])
    return text if len(text) <= _MAX_COMMAND else text[: _MAX_COMMAND - 1] + "…"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def register(db: Path, mode: str, command: str | None = None) -> Path | None:
    """Record that this process holds ``db`` in ``mode`` (``reading`` or ``writing``).

    Returns
    -------
    Path or None
        The record (pass it to :func:`release`), or None when it could not be written.
    """
    folder = holders_dir(db)
    record = {
        "pid": os.getpid(),
        "mode": mode,
        "command": command or command_line(),
        "since": time.time(),
    }
    path = folder / f"{os.getpid()}-{mode}-{uuid.uuid4().hex[:8]}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _clean(folder)
        path.write_text(json.dumps(record), encoding="utf-8")
    except OSError:
        return None
    return path


def release(record: Path | None) -> None:
    """Remove a record written by :func:`register` (best effort)."""
    if record is not None:
        with contextlib.suppress(OSError):
            record.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # the last holder leaves no empty folder behind
            record.parent.rmdir()


def _records(folder: Path) -> list[dict[str, object]]:
    out = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        with contextlib.suppress(OSError, ValueError):
            rec = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(rec, dict) and isinstance(rec.get("pid"), int):
                out.append(rec)
    return out


def _clean(folder: Path) -> None:
    for path in folder.glob("*.json"):
        pid = path.name.split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                path.unlink()


def _one(rec: dict[str, object]) -> str:
    since = rec.get("since")
    when = (
        time.strftime(" since %H:%M:%S UTC", time.gmtime(since))
        if isinstance(since, (int, float))
        else ""
    )
    return f"'{rec.get('command', '?')}' (pid {rec['pid']}, {rec.get('mode', 'using it')}{when})"


def describe(db: Path, error: str) -> str:
    """Name the process(es) holding ``db``, from DuckDB's lock ``error`` and the records.

    Returns
    -------
    str
        E.g. ``"'capsize report' (pid 12, reading since 11:52:03 UTC)"``; ``"another
        process (pid 12)"`` when that process left no record; ``"another process"`` when
        nothing is known.
    """
    m = _PID.search(error)
    pid = int(m.group(1)) if m else None
    live = [r for r in _records(holders_dir(db)) if r["pid"] != os.getpid()]
    live = [r for r in live if isinstance(r["pid"], int) and _alive(r["pid"])]
    named = [r for r in live if pid is None or r["pid"] == pid]
    if named:
        return " and ".join(_one(r) for r in named[:3])
    return f"another process (pid {pid})" if pid is not None else "another process"
