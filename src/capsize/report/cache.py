"""A persisted cache of built reports, keyed by everything an answer depends on.

Building the report asks some forty questions of the store (about 4 s of CPU on the
shared data). ``capsize report`` therefore keeps, under ``$CAPSIZE_HOME/cache/report/``:

* the built :class:`~capsize.report.context.ReportContext` (every figure, with its
  provenance, as the query layer answered): ``context-<key>.pickle``;
* the files written from it for HTML and Markdown (the report, its charts and
  provenance sidecars, byte for byte, with the report day that names them):
  ``output-<key>.pickle``, keyed also by the format and the Markdown file's name.

Either is reused only when **all** of these are unchanged (:func:`key_for`):

* the store's data version (:func:`capsize.queries.session.data_version`): for every
  data table its row count and latest write time, the catalog's files (key, content
  hash, source, rows) and the schema version. Any import, update or deletion changes
  it. A warm run reads it from the stamp file beside the store
  (:mod:`capsize.data.stamp`), trusted only while the store file is the one it was
  recorded for; otherwise DuckDB is asked;
* the code: capsize's version, the Python interpreter, the size and modification
  time of every module, template and asset of the package (a new section file
  included), and the location, size and modification time of the libraries the
  output passes through (pandas, numpy, DuckDB, Jinja2, MarkupSafe, Matplotlib);
* the settings in force (``repr`` of :class:`~capsize.config.Settings`: segments,
  environment overrides) and the bytes of ``config.toml`` (its ``[rotation]`` weights
  are read by the query layer, not kept in the settings);
* the requested as-of date (none: the latest day in the store).

The report holds no wall-clock time: the same key gives the same bytes. PDF output is
made again from the cached context each time (WeasyPrint stamps its creation date).

A cache file that cannot be read is ignored and rebuilt. ``CAPSIZE_NO_CACHE=1`` (or
``use_cache=False``) builds without reading or writing the cache. Importing this module
loads neither pandas nor DuckDB.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from capsize._atomic import write_bytes

if TYPE_CHECKING:
    from capsize.config import Settings
    from capsize.queries.session import Session
    from capsize.report.context import ReportContext

__all__ = [
    "CACHE_FORMAT",
    "CODE_ROOT",
    "KEEP",
    "LIBRARIES",
    "ReportFiles",
    "cache_enabled",
    "cache_key",
    "cached_context",
    "cached_files",
    "code_files",
    "key_for",
    "store_files",
]

log = logging.getLogger(__name__)

CACHE_FORMAT = 2
"""Bumped when the layout of a cache file or of the key changes."""
KEEP = 8
"""Cache files kept per kind (the most recently used); older ones are removed."""
LIBRARIES = ("pandas", "numpy", "duckdb", "jinja2", "markupsafe", "matplotlib")
"""Libraries whose installed version is part of the key (by their package file)."""

CODE_ROOT = Path(__file__).resolve().parents[1]
"""The package folder whose files the key covers (read at each call)."""
_CODE_SUFFIXES = (".py", ".j2", ".css", ".js", ".toml", ".json")


@dataclass(frozen=True)
class ReportFiles:
    """The files of one written report, as bytes.

    Attributes
    ----------
    day : str
        The report day (ISO), which names the files by default.
    files : dict of str to bytes
        Path relative to the output folder (``/``-separated) -> content; the first
        entry is the report itself.
    """

    day: str
    files: dict[str, bytes]


def cache_enabled() -> bool:
    """Return False when ``CAPSIZE_NO_CACHE`` is set to 1, true or yes."""
    return os.environ.get("CAPSIZE_NO_CACHE", "").strip().lower() not in {"1", "true", "yes"}


def code_files(root: Path | None = None) -> list[Path]:
    """Return the package's files that the key covers (modules, templates, assets), sorted."""
    root = root or CODE_ROOT
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix in _CODE_SUFFIXES and "__pycache__" not in p.parts and p.is_file()
    )


def _file_line(path: Path, root: Path) -> str:
    st = path.stat()
    return f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns};"


def _library_line(name: str) -> str:
    spec = importlib.util.find_spec(name)  # finds the package without importing it
    origin = spec.origin if spec is not None else None
    if origin is None:
        return f"{name}:absent;"
    st = os.stat(origin)
    return f"{name}:{origin}:{st.st_size}:{st.st_mtime_ns};"


def _code_version() -> str:
    """Digest of the code: capsize's version, its files (size, mtime), the libraries'."""
    from capsize import __version__

    root = CODE_ROOT
    h = hashlib.sha256(f"{__version__};{sys.version};{sys.executable};".encode())
    for p in code_files(root):
        h.update(_file_line(p, root).encode())
    for name in LIBRARIES:
        h.update(_library_line(name).encode())
    return h.hexdigest()


def _config_digest(settings: Settings) -> str:
    try:
        data = (settings.home / "config.toml").read_bytes()
    except FileNotFoundError:
        return "none"
    return hashlib.sha256(data).hexdigest()


def key_for(data: str, settings: Settings, asked: str | None) -> str:
    """Return the cache key of a report.

    Parameters
    ----------
    data : str
        The store's data version.
    settings : Settings
        The settings in force (their ``repr``, and the home's ``config.toml`` bytes).
    asked : str or None
        The requested as-of day, ISO ``YYYY-MM-DD`` (None: the latest).

    Returns
    -------
    str
        32 hex digits.
    """
    text = json.dumps(
        [CACHE_FORMAT, _code_version(), data, repr(settings), _config_digest(settings), asked]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cache_key(session: Session) -> str:
    """Return the cache key of the report for ``session`` (store data, code, settings, day).

    Records the store's data version beside it (:func:`recorded_data_version`) for the
    next run.
    """
    from capsize.queries.session import recorded_data_version

    asked = None if session.requested is None else f"{session.requested:%Y-%m-%d}"
    return key_for(recorded_data_version(session.store), session.settings, asked)


def _folder(settings: Settings) -> Path:
    return settings.cache_dir / "report"


def _read(path: Path) -> object | None:
    """Unpickle ``path``; None when missing or unreadable (it is then rebuilt)."""
    try:
        value: object = pickle.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception as exc:  # any unreadable cache file is rebuilt
        log.info("report cache %s unreadable (%s); rebuilding", path, type(exc).__name__)
        return None
    os.utime(path)  # most recently used
    return value


def _write(path: Path, value: object) -> None:
    write_bytes(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    files = sorted(
        path.parent.glob(f"{path.name.split('-')[0]}-*.pickle"),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)


def _load_context(path: Path) -> ReportContext | None:
    ctx = _read(path)
    if ctx is None:
        return None
    from capsize.report._model import Figure

    if not all(isinstance(f, Figure) for f in getattr(ctx, "figures", (None,))):
        return None
    return ctx  # type: ignore[return-value]


def cached_context(
    session: Session, *, use_cache: bool | None = None, key: str | None = None
) -> tuple[ReportContext, bool]:
    """Return the report context for ``session`` and whether it came from the cache.

    Parameters
    ----------
    session : Session
        An open read session (its ``requested`` day is the report's as-of).
    use_cache : bool, optional
        Read and write the cache (default: unless ``CAPSIZE_NO_CACHE`` is set).
    key : str, optional
        ``cache_key(session)``, when the caller has it already.

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
        key = key or cache_key(session)
        path = _folder(session.settings) / f"context-{key}.pickle"
        hit = _load_context(path)
        if hit is not None:
            return hit, True
    from capsize.report.context import build_context  # only when building: heavy imports

    ctx = build_context(session)
    if path is not None:
        _write(path, ctx)
    return ctx, False


def _output_path(settings: Settings, key: str, fmt: str, name: str | None) -> Path:
    text = json.dumps([key, fmt, name])
    return _folder(settings) / f"output-{hashlib.sha256(text.encode()).hexdigest()[:32]}.pickle"


def cached_files(settings: Settings, key: str, fmt: str, name: str | None) -> ReportFiles | None:
    """Return the files of the report with ``key`` in format ``fmt``, if cached.

    Parameters
    ----------
    settings : Settings
        Where the cache lives.
    key : str
        :func:`key_for` of the report.
    fmt : str
        ``html`` or ``md``.
    name : str or None
        The Markdown file's name (stem) when the user chose it (it names the charts
        folder and the sidecars); None for the default name (from the report day).
    """
    value = _read(_output_path(settings, key, fmt, name))
    if not isinstance(value, ReportFiles) or not value.files:
        return None
    if not all(isinstance(k, str) and isinstance(v, bytes) for k, v in value.files.items()):
        return None
    return value


def store_files(
    settings: Settings, key: str, fmt: str, name: str | None, files: ReportFiles
) -> None:
    """Keep ``files`` as the report with ``key`` in format ``fmt`` (see :func:`cached_files`).

    Raises
    ------
    OutputError
        When the cache folder cannot be written.
    """
    _write(_output_path(settings, key, fmt, name), files)
