"""Write the report to files, through the report cache; the warm path that skips the store.

:func:`write_report` builds (or reads back) the context, renders it and writes the
files; HTML and Markdown files are kept in the cache (:mod:`capsize.report.cache`).
:func:`warm_report` writes a cached report without importing pandas or opening
DuckDB: it computes the same key from the store's stamp file, the code, the settings
and the requested day, and returns None (the caller then runs :func:`write_report`)
whenever anything is missing or doubtful.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from capsize._atomic import write_bytes
from capsize.errors import CapsizeError
from capsize.report.cache import (
    ReportFiles,
    cache_enabled,
    cache_key,
    cached_context,
    cached_files,
    key_for,
    store_files,
)

if TYPE_CHECKING:
    from capsize.report.context import ReportContext
    from capsize.report.narrative import Narrative

__all__ = [
    "FORMATS",
    "iso_day",
    "markdown_name",
    "render_files",
    "warm_report",
    "write_files",
    "write_report",
]

FORMATS = ("html", "md", "pdf")
"""Output formats; html and md are kept in the cache as files."""

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_day(value: object | None) -> str | None:
    """Return ``value`` as ISO ``YYYY-MM-DD`` when it is plainly one, else None.

    Accepts only what :func:`capsize.queries.session.parse_as_of` accepts as the same
    day (ASCII digits, a real date in 1900..2199), without importing pandas; anything
    else (also a valid date in another spelling) gives None and goes the full way.

    Examples
    --------
    >>> iso_day(" 2025-10-08 "), iso_day("2025-02-30"), iso_day("08/10/2025")
    ('2025-10-08', None, None)
    """
    if value is None:
        return None
    text = str(value).strip()
    if not _ISO.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return text if 1900 <= day.year <= 2199 else None


def markdown_name(fmt: str, out: Path | None) -> str | None:
    """Return the Markdown file's name (stem) the user chose with ``--out X.md``, else None."""
    if fmt == "md" and out is not None and out.suffix.lower() == ".md":
        return out.stem
    return None


def _stem(day: str) -> str:
    return f"capsize-report-{day}"


def render_files(
    ctx: ReportContext, narrative: Narrative, fmt: str, name: str | None
) -> ReportFiles:
    """Render ``ctx`` as HTML or Markdown and return the files (not written anywhere yet).

    Markdown is rendered into a temporary folder (the report, its SVG charts and the
    provenance sidecars) and read back.
    """
    from capsize.report.render import render_html, render_markdown

    if fmt == "html":
        html = render_html(ctx, narrative).encode("utf-8")
        return ReportFiles(ctx.day, {f"{_stem(ctx.day)}.html": html})
    with tempfile.TemporaryDirectory(prefix="capsize-report-") as tmp:
        root = Path(tmp)
        main = render_markdown(ctx, narrative, root, name=name or _stem(ctx.day))
        rest = sorted(p for p in root.rglob("*") if p.is_file() and p != main)
        files = {p.relative_to(root).as_posix(): p.read_bytes() for p in (main, *rest)}
    return ReportFiles(ctx.day, files)


def write_files(report: ReportFiles, fmt: str, out: Path | None) -> Path:
    """Write ``report`` where ``capsize report --format fmt --out out`` writes; return the report."""
    main, *rest = report.files
    if fmt == "html":
        default = Path.cwd() / main if out is None else out / main
        path = out if out is not None and out.suffix else default
        return write_bytes(path, report.files[main])
    if out is not None and markdown_name(fmt, out) is not None:
        folder = out.parent
    else:
        folder = out or Path.cwd()
    for rel in rest:  # charts and sidecars first: the report is written last
        write_bytes(folder / rel, report.files[rel])
    return write_bytes(folder / main, report.files[main])


def warm_report(as_of: str | None, fmt: str, out: Path | None) -> Path | None:
    """Write the cached report for these options without the store; None when not cached.

    Nothing heavier than the standard library is imported. None (and nothing written)
    when the cache is off, the format is PDF, ``as_of`` is not plainly an ISO day, the
    settings cannot be read, the store's stamp is missing or doubtful, the store is
    empty, or no report with this key, format and name is cached.

    Raises
    ------
    OutputError
        When a file cannot be written.
    """
    from capsize.config import load_settings
    from capsize.data.stamp import read_stamp

    asked = iso_day(as_of)
    if fmt == "pdf" or not cache_enabled() or (as_of is not None and asked is None):
        return None
    try:
        settings = load_settings()
    except CapsizeError:  # the full path reports it
        return None
    stamp = read_stamp(settings.store_path)
    if stamp is None or stamp.empty:
        return None
    name = markdown_name(fmt, out)
    report = cached_files(settings, key_for(stamp.version, settings, asked), fmt, name)
    return None if report is None else write_files(report, fmt, out)


def write_report(
    as_of: object | None = None, fmt: str = "html", out: Path | None = None, wait: float = 0.0
) -> Path:
    """Build or read back the report from the store at ``CAPSIZE_HOME``, write it; return its path.

    Parameters
    ----------
    as_of : date-like, optional
        The report day (default: latest).
    fmt : {"html", "md", "pdf"}
    out : Path, optional
        Output file, or a folder (default: the current folder).
    wait : float
        Seconds to wait while another process writes the store.

    Raises
    ------
    DataNotFound, InputError
        As :func:`~capsize.report.context.build_context`.
    MissingDependencyError
        For PDF without WeasyPrint.
    OutputError
        When a file cannot be written.
    """
    from capsize.queries import open_session
    from capsize.report.narrative import write_narrative

    use_cache = cache_enabled()
    with open_session(as_of, wait=wait) as session:
        key = cache_key(session) if use_cache else None
        ctx, _ = cached_context(session, use_cache=use_cache, key=key)
        settings = session.settings
    narrative = write_narrative(ctx)
    if fmt == "pdf":
        from capsize.report.render import render_pdf

        path = (
            out if out is not None and out.suffix else (out or Path.cwd()) / f"{_stem(ctx.day)}.pdf"
        )
        return render_pdf(ctx, narrative, path)
    name = markdown_name(fmt, out)
    report = render_files(ctx, narrative, fmt, name)
    if key is not None:
        store_files(settings, key, fmt, name, report)
    return write_files(report, fmt, out)
