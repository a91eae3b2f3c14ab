"""Which data an answer used: files, basis, dates used and quality findings, point in time.

:func:`data_sources` answers "where do these figures come from?" for a set of series
(bars by symbol, FRED series, French datasets, fund share histories): the source files,
the basis, the first date and the last date used on or before the as-of day, and the
count of import quality findings (warnings, notes) dated on or before it. The report's
Sources section and the web's "explain" panel render it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from capsize.errors import CapsizeError
from capsize.queries.result import Figure, FigureSet, QueryResult, TableData, iso
from capsize.queries.session import Session, session_for

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["COLUMNS", "data_sources", "files_of", "sources_of_files"]

COLUMNS = ("Series", "Source", "Basis", "First date", "Last date used", "Warnings", "Notes")
"""Columns of the ``sources`` table."""


def _quality(s: Session) -> pd.DataFrame:
    """Quality findings dated on or before the session's day (undated ones kept).

    The log is read once per store (sessions of other days share it: see
    :meth:`Session.earlier`) and cut once per day.
    """

    def read() -> pd.DataFrame:
        try:
            return s.store.quality()
        except CapsizeError:
            return pd.DataFrame(columns=["dataset_key", "symbol", "date", "severity"])

    def cut() -> pd.DataFrame:
        q: pd.DataFrame = s.cached(("quality_log",), read)
        if s.requested is None or q.empty:
            return q
        dates = pd.to_datetime(q["date"])
        keep = (dates <= s.requested) | dates.isna()
        return q[keep.to_numpy(dtype=bool)]

    frame: pd.DataFrame = s.cached(("quality_log_on", s.requested), cut)
    return frame


Counts = dict[tuple[str, str], int]
"""Findings by (dataset key, severity)."""


def _by_file(s: Session, q: pd.DataFrame) -> Counts:
    """Count the day's findings by (file, severity), once per session day."""

    def count() -> Counts:
        if q.empty:
            return {}
        sizes = q.groupby(["dataset_key", "severity"], observed=True).size()
        return {(str(i[0]), str(i[1])): int(n) for i, n in zip(sizes.index, sizes, strict=True)}

    found: Counts = s.cached(("quality_log_counts", s.requested), count)
    return found


def _counts(counts: Counts, files: Sequence[str]) -> tuple[int, int]:
    """(warnings, notes) of the findings of ``files``."""
    files = list(dict.fromkeys(files))
    return (
        sum(counts.get((f, "warning"), 0) for f in files),
        sum(counts.get((f, "info"), 0) for f in files),
    )


def _quality_figures(
    figs: FigureSet, fid: str, subject: str, files: str, counts: tuple[int, int]
) -> tuple[Figure, Figure]:
    """Register ``<fid>.warnings`` and ``<fid>.notes``: counts of the files' findings."""
    w, n = (
        figs.add(
            f"{fid}.{word}",
            count,
            "count",
            f"{subject} quality {word}",
            source=f"store quality log ({files})",
            symbols=(subject,),
            window=f"findings dated on or before {figs.as_of}",
            formula=f"count of import quality {word} of the file(s)",
        )
        for word, count in zip(("warnings", "notes"), counts, strict=True)
    )
    return w, n


def _bar_row(s: Session, sym: str) -> tuple[str, str, pd.Series] | None:
    try:
        closes = s.closes([sym])
    except CapsizeError:
        return None
    if sym not in closes.columns:
        return None
    col = closes[sym].dropna()
    basis = str(closes.attrs.get("basis", {}).get(sym, "auto"))
    return s.source(sym, variant=basis), basis, col


def _macro_row(s: Session, sid: str) -> tuple[str, str, pd.Series] | None:
    try:
        frame = s.macro([sid])
    except CapsizeError:
        return None
    return s.source(sid, dataset="macro"), "percent (FRED)", frame[sid].dropna()


def _factor_row(s: Session, dataset: str) -> tuple[str, str, pd.Series] | None:
    try:
        frame = s.factors(dataset, "monthly")
    except CapsizeError:
        return None
    files = s.source(dataset, dataset="factors", variant="monthly")
    return files, "percent (French, monthly)", frame.iloc[:, 0].dropna()


def _shares_row(s: Session, fund: str) -> tuple[str, str, pd.Series] | None:
    try:
        frame = s.fund_shares(fund)
    except CapsizeError:
        return None
    if frame.empty:
        return None
    sources = frame["source"].astype(str).unique()  # a few files behind thousands of rows
    files = "; ".join(sorted({f for x in sources for f in x.split("; ")}))
    series = pd.Series(
        frame["shares_outstanding"].to_numpy(), index=pd.DatetimeIndex(frame["date"])
    )
    return files, "shares", series


_READERS = {
    "bars": _bar_row,
    "macro": _macro_row,
    "factors": _factor_row,
    "fund_shares": _shares_row,
}


_PATTERN = re.compile(r"^(?P<folder>[\w./-]+)/<\w+>\.\w+$")
_IN_PARENS = re.compile(r"\(([^()]+\.(?:csv|parquet|json|zip|xml))\)")


def files_of(sources: Iterable[str]) -> list[str]:
    """Return the data files named in provenance ``source`` strings, in first-seen order.

    Splits on ``"; "``, keeps paths and folder patterns (``universe/<ticker>.csv``), takes
    the file out of phrases such as ``"member list: ... (holdings/x.csv)"``, and drops
    rules, quality-log citations and the bare word ``store``.
    """
    out: dict[str, None] = {}
    for text in sources:
        for part in str(text).split("; "):
            part = part.strip()
            if not part or part == "store" or part.startswith(("capsize rule", "store quality")):
                continue
            inner = _IN_PARENS.findall(part)
            for f in inner or [part]:
                if "/" in f and " " not in f:
                    out.setdefault(f, None)
    return list(out)


def _file_row(s: Session, cat: pd.DataFrame, q: pd.DataFrame, f: str) -> tuple[str, ...] | None:
    """(series, files, basis, first, last used, files for quality) of one file or pattern."""
    pattern = _PATTERN.match(f)
    if pattern:
        folder = pattern.group("folder") + "/"
        rows = cat[cat["dataset_key"].astype(str).str.startswith(folder)]
        label = f"{folder}* ({len(rows)} files)"
    else:
        rows = cat[cat["dataset_key"] == f]
        label = ""
    if s.requested is not None and len(rows):
        first = pd.to_datetime(rows["first_date"])
        rows = rows[(first.isna() | (first <= s.requested)).to_numpy(dtype=bool)]
    if rows.empty:
        return None
    first_day = pd.to_datetime(rows["first_date"]).min()
    last = pd.to_datetime(rows["last_date"]).max()
    if s.requested is not None and not pd.isna(last):
        last = min(last, s.requested)
    subject = label or ", ".join(sorted(rows["subject"].astype(str).unique()))
    kinds = sorted(rows["kind"].astype(str).unique())
    variants = sorted(v for v in rows["variant"].astype(str).unique() if v and not v[:1].isdigit())
    basis = "; ".join(variants) if variants else "; ".join(kinds)
    return subject, f, basis, iso(first_day) or "", iso(last) or "", ";".join(rows["dataset_key"])


def sources_of_files(
    source: Store | Session, as_of: object | None, files: Sequence[str]
) -> QueryResult:
    """List the data behind a set of files (as named in figures' provenance), point in time.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Only files with data on or before it; last dates and findings cut at it.
    files : sequence of str
        Files and folder patterns (see :func:`files_of`).

    Returns
    -------
    QueryResult
        Table ``sources`` (:data:`COLUMNS`; "Last date used" is the file's last date on
        or before the as-of day) and figures ``<file>.warnings`` / ``<file>.notes``.
    """
    s = session_for(source, as_of)
    cat, q = s.catalog(), _quality(s)
    counts = _by_file(s, q)
    day = s.requested
    found = [r for f in dict.fromkeys(files) if (r := _file_row(s, cat, q, f)) is not None]
    if day is None:
        day = max((pd.Timestamp(r[4]) for r in found if r[4]), default=pd.Timestamp("1970-01-01"))
    figs = FigureSet(day)
    rows: list[tuple[Figure | str | None, ...]] = []
    for subject, f, basis, first, last, keys in found:
        cells = _quality_figures(figs, f, subject, f, _counts(counts, keys.split(";")))
        rows.append((subject, f, basis, first, last, *cells))
    missing = [f for f in dict.fromkeys(files) if f not in {r[1] for r in found}]
    notes = ["Last date used: the file's latest row on or before the as-of day."]
    if missing:
        notes.append(
            "Named but holding no data on or before the as-of day: " + ", ".join(missing) + "."
        )
    return QueryResult(
        "sources_of_files",
        pd.Timestamp(day),
        s.requested,
        params={"files": list(files)},
        figures=figs.mapping(),
        tables=(TableData("sources", "Data used", COLUMNS, tuple(rows)),),
        notes=tuple(notes),
        sources=tuple(r[1] for r in found),
    )


def data_sources(
    source: Store | Session,
    as_of: object | None = None,
    *,
    bars: Sequence[str] = (),
    macro: Sequence[str] = (),
    factors: Sequence[str] = (),
    fund_shares: Sequence[str] = (),
) -> QueryResult:
    """List the data behind a set of series, point in time.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Only data (and quality findings) dated on or before it.
    bars, macro, factors, fund_shares : sequence of str
        Symbols, FRED series ids, French datasets and funds to list; unknown ones are
        named in the notes, not raised.

    Returns
    -------
    QueryResult
        Table ``sources`` (:data:`COLUMNS`) and figures ``<key>.warnings`` and
        ``<key>.notes`` (counts of import quality findings of the series' files; the key
        is ``<dataset>.<key>`` for datasets other than bars).
    """
    s = session_for(source, as_of)
    counts = _by_file(s, _quality(s))
    wanted = (("bars", bars), ("macro", macro), ("factors", factors), ("fund_shares", fund_shares))
    found: list[tuple[str, str, str, str, pd.Series]] = []
    missing: list[str] = []
    for dataset, keys in wanted:
        for key in dict.fromkeys(keys):
            row = _READERS[dataset](s, key)
            if row is None or row[2].empty:
                missing.append(f"{dataset} {key}")
                continue
            found.append((dataset, key, *row))
    last = max((r[4].index[-1] for r in found), default=s.requested)
    day = s.requested if s.requested is not None else last
    figs = FigureSet(day)
    rows = []
    for dataset, key, files, basis, series in found:
        fid = key if dataset == "bars" else f"{dataset}.{key}"
        w, n = _quality_figures(figs, fid, key, files, _counts(counts, files.split("; ")))
        first, end = iso(series.index[0]) or "", iso(series.index[-1]) or ""
        rows.append((key, files, basis, first, end, w, n))
    notes = ["Last date used: the latest row on or before the as-of day."]
    if missing:
        notes.append("Not in the store on or before the as-of day: " + ", ".join(missing) + ".")
    all_files = sorted({f for r in found for f in r[2].split("; ")})
    return QueryResult(
        "data_sources",
        pd.Timestamp(day) if day is not None else pd.Timestamp("1970-01-01"),
        s.requested,
        params={
            "bars": list(bars),
            "macro": list(macro),
            "factors": list(factors),
            "fund_shares": list(fund_shares),
        },
        figures=figs.mapping(),
        tables=(TableData("sources", "Data used", COLUMNS, tuple(rows)),),
        notes=tuple(notes),
        sources=tuple(all_files),
    )
