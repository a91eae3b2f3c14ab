"""A persisted cache of built report contexts, keyed by everything an answer depends on.

Building the report asks some forty questions of the store (about 4 s of CPU on the
shared data); rendering it takes a tenth of that. ``capsize report`` therefore keeps
the built :class:`~capsize.report.context.ReportContext` (every figure, with its
provenance, as the query layer answered) under ``$CAPSIZE_HOME/cache/report/``, and
reuses it only when **all** of these are unchanged:

* the store's data version (:func:`capsize.queries.session.data_version`): for every data table its row count
  and latest write time, the catalog's files (key, content hash, source, rows) and the
  schema version. Any import, update or deletion changes it, since every write stamps
  its rows with the time of the write;
* the capsize version and its code (size and modification time of every module and
  template of the installed package), so an edited checkout never serves an answer of
  older code;
* the settings in force (segments and the rest of ``config.toml``), and the requested
  as-of date.

A cache file that cannot be read is ignored and rebuilt. ``CAPSIZE_NO_CACHE=1`` (or
``use_cache=False``) builds without reading or writing the cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING

from capsize._atomic import write_bytes
from capsize.queries.session import data_version

if TYPE_CHECKING:
    from capsize.queries.session import Session
    from capsize.report.context import ReportContext

__all__ = ["CACHE_FORMAT", "KEEP", "cache_enabled", "cache_key", "cached_context"]

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
"""Bumped when the layout of a cache file changes."""
KEEP = 8
"""Cache files kept (the most recently used); older ones are removed."""

_PACKAGE = Path(__file__).resolve().parents[1]
_CODE_SUFFIXES = (".py", ".j2", ".css", ".js", ".toml", ".json")


def cache_enabled() -> bool:
    """Return False when ``CAPSIZE_NO_CACHE`` is set to 1, true or yes."""
    return os.environ.get("CAPSIZE_NO_CACHE", "").strip().lower() not in {"1", "true", "yes"}


def _code_version() -> str:
    """Digest of the installed package's code: version, and each file's size and mtime."""
    from capsize import __version__

    h = hashlib.sha256(__version__.encode())
    for p in sorted(_PACKAGE.rglob("*")):
        if p.suffix in _CODE_SUFFIXES and "__pycache__" not in p.parts:
            st = p.stat()
            h.update(f"{p.relative_to(_PACKAGE)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()


def cache_key(session: Session) -> str:
    """Return the cache key of the report for ``session`` (store data, code, settings, day)."""
    asked = None if session.requested is None else f"{session.requested:%Y-%m-%d}"
    text = json.dumps(
        [
            CACHE_FORMAT,
            _code_version(),
            data_version(session.store),
            repr(session.settings),
            asked,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _load(path: Path) -> ReportContext | None:
    from capsize.report._model import Figure

    try:
        ctx = pickle.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception as exc:  # any unreadable cache file is rebuilt
        log.info("report cache %s unreadable (%s); rebuilding", path, type(exc).__name__)
        return None
    if not all(isinstance(f, Figure) for f in getattr(ctx, "figures", (None,))):
        return None
    os.utime(path)  # most recently used
    return ctx  # type: ignore[no-any-return]


def _prune(folder: Path, keep: int) -> None:
    files = sorted(folder.glob("context-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


def cached_context(
    session: Session, *, use_cache: bool | None = None
) -> tuple[ReportContext, bool]:
    """Return the report context for ``session`` and whether it came from the cache.

    Parameters
    ----------
    session : Session
        An open read session (its ``requested`` day is the report's as-of).
    use_cache : bool, optional
        Read and write the cache (default: unless ``CAPSIZE_NO_CACHE`` is set).

    Returns
    -------
    (ReportContext, bool)
        The context, and True when it was read from the cache.

    Raises
    ------
    DataNotFound, InputError
        As :func:`~capsize.report.context.build_context`.
    OutputError
        When the cache folder cannot be written.
    """
    if use_cache is None:
        use_cache = cache_enabled()
    path = None
    if use_cache:
        path = session.settings.cache_dir / "report" / f"context-{cache_key(session)}.pickle"
        hit = _load(path)
        if hit is not None:
            return hit, True
    from capsize.report.context import build_context  # only when building: heavy imports

    ctx = build_context(session)
    if path is None:
        return ctx, False
    write_bytes(path, pickle.dumps(ctx, protocol=pickle.HIGHEST_PROTOCOL))
    _prune(path.parent, KEEP)
    return ctx, False
