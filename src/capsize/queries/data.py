"""Store management through the query layer: what the store holds, its quality, filling it.

:func:`data_status` lists every dataset (coverage, rows, source, quality flags) and
:func:`data_check` the store's integrity and quality findings; both describe the store as
it is (they take no ``as_of``). :func:`import_folder` and :func:`update` fill the store
(from a local folder, from live providers) and answer with what they did. The CLI's
``capsize data ...`` commands render these results and nothing else.

Quality findings are counted one way everywhere: the rows of the store's quality log, by
severity (``error``, ``warning``, ``info``; shown as notes). ``data check`` counts the whole
log; ``data import`` counts the findings the log holds for the folder's data files after
the import, whether each file was imported now or unchanged since an earlier import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import DataNotFound, InputError
from capsize.queries.result import Figure, FigureSet, QueryResult, TableData, iso
from capsize.queries.session import Session, session_for

if TYPE_CHECKING:
    from capsize.data.ingest import ImportReport
    from capsize.data.store import Store
    from capsize.data.update import UpdateReport

__all__ = [
    "MEMBER_FOLDERS",
    "SEVERITIES",
    "DataResult",
    "ImportRefused",
    "data_check",
    "data_status",
    "export_parquet",
    "import_folder",
    "update",
]

Progress = Callable[[str, int, int], None]
"""``progress(label, done, total)`` callback."""

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
"""Severities of quality findings, most serious first (``info`` is shown as "notes")."""

MEMBER_FOLDERS: tuple[str, ...] = ("universe/", "universe_ohlcv/")
"""Folders of index-member files folded into one status row each (unless ``members=True``)."""

_SEVERITY_WORD = {"error": "errors", "warning": "warnings", "info": "notes"}
_LOG = "store quality log"
_COUNT_RULE = (
    "rows of the store's quality log with this severity (the one count of findings: "
    "'capsize data import' counts the folder's files, 'capsize data check' the whole store)"
)


@dataclass(frozen=True)
class DataResult(QueryResult):
    """Answer of a store-management question; ``report`` holds the raw import/update report.

    Attributes
    ----------
    report : ImportReport, UpdateReport or None
        What :func:`import_folder` or :func:`update` did, as the data layer reports it
        (None for :func:`data_status` and :func:`data_check`). Every number of it is also a
        figure of the result.
    """

    report: Any = None


def _no_as_of(query: str, as_of: object | None, s: Session) -> None:
    if as_of is not None or s.requested is not None:
        raise InputError(
            f"{query} describes the store as it is and takes no as_of; drop --as-of "
            "(or pass a session opened without one)"
        )


def _catalog(s: Session) -> pd.DataFrame:
    frame: pd.DataFrame = s.cached(("catalog",), s.store.catalog)
    if frame.empty:
        raise DataNotFound(
            "the store is empty; run 'capsize data import DIR' or 'capsize data update'"
        )
    return frame


def _last_day(cat: pd.DataFrame) -> pd.Timestamp:
    return pd.Timestamp(pd.to_datetime(cat["last_date"]).max())


def _window(first: object, last: object) -> str:
    return f"{iso(first) or '?'}..{iso(last) or '?'}"


def _flags(errors: int, warnings: int, rejected: int, rows: int) -> str:
    parts = [] if rows else ["no rows stored"]
    for n, what in ((rejected, "rows rejected"), (errors, "errors"), (warnings, "warnings")):
        if n:
            parts.append(f"{n} {what}")
    return ", ".join(parts) if parts else "ok"


# ----------------------------------------------------------------------------- status

_STATUS_COLUMNS = (
    "dataset",
    "kind",
    "subject",
    "variant",
    "first",
    "last",
    "rows",
    "rejected",
    "errors",
    "warnings",
    "notes",
    "source",
    "ingested_at",
    "quality",
)
_STATUS_FIGURES = (
    ("rows", "rows", "rows held in the store"),
    ("rejected", "rejected", "rows refused at import (each in the quality log)"),
    ("errors", "errors", "quality findings of severity error"),
    ("warnings", "warnings", "quality findings of severity warning"),
    ("notes", "infos", "quality findings of severity info (notes)"),
)


def _status_rows(cat: pd.DataFrame, members: bool) -> list[dict[str, Any]]:
    """One dict per status row: a catalog entry, or a folder of index members folded."""
    folded = cat["dataset_key"].str.startswith(MEMBER_FOLDERS)
    show = cat if members else cat[~folded]
    rows = [
        {
            "dataset": str(r["dataset_key"]),
            "kind": str(r["kind"]),
            "subject": str(r["subject"]),
            "variant": str(r["variant"] or ""),
            "first": r["first_date"],
            "last": r["last_date"],
            "rows": int(r["rows"]),
            "rejected": int(r["rejected"]),
            "errors": int(r["errors"]),
            "warnings": int(r["warnings"]),
            "infos": int(r["infos"]),
            "source": str(r["source"]),
            "ingested_at": r["ingested_at"],
            "symbols": (str(r["subject"]),),
        }
        for r in show.to_dict(orient="records")
    ]
    if not members:
        folded_rows = (_folded_row(cat, prefix) for prefix in MEMBER_FOLDERS)
        rows += [r for r in folded_rows if r is not None]
    return rows


def _folded_row(cat: pd.DataFrame, prefix: str) -> dict[str, Any] | None:
    part = cat[cat["dataset_key"].str.startswith(prefix)]
    if part.empty:
        return None
    folder = prefix.rstrip("/")
    return {
        "dataset": f"{prefix}*",
        "kind": "bars",
        "subject": f"{len(part)} members",
        "variant": folder,
        "first": pd.to_datetime(part["first_date"]).min(),
        "last": pd.to_datetime(part["last_date"]).max(),
        "rows": int(part["rows"].sum()),
        "rejected": int(part["rejected"].sum()),
        "errors": int(part["errors"].sum()),
        "warnings": int(part["warnings"].sum()),
        "infos": int(part["infos"].sum()),
        "source": f"{prefix}*.csv",
        "ingested_at": part["ingested_at"].max(),
        "symbols": tuple(sorted(str(x) for x in part["subject"])),
    }


def _status_cells(fs: FigureSet, r: dict[str, Any]) -> tuple[Figure | str | None, ...]:
    window = _window(r["first"], r["last"])
    figs = {
        col: fs.add(
            f"{r['dataset']}.{col}",
            r[key],
            "count",
            f"{r['dataset']}: {formula.split(' (')[0]}",
            source=r["source"],
            symbols=r["symbols"],
            window=window,
            formula=formula,
        )
        for col, key, formula in _STATUS_FIGURES
    }
    ingested = pd.Timestamp(r["ingested_at"]) if pd.notna(r["ingested_at"]) else None
    return (
        r["dataset"],
        r["kind"],
        r["subject"],
        r["variant"],
        iso(r["first"]),
        iso(r["last"]),
        figs["rows"],
        figs["rejected"],
        figs["errors"],
        figs["warnings"],
        figs["notes"],
        r["source"],
        ingested.strftime("%Y-%m-%d %H:%M") if ingested is not None else None,
        _flags(r["errors"], r["warnings"], r["rejected"], r["rows"]),
    )


def _log_counts(s: Session, fs: FigureSet, window: str) -> None:
    counts: dict[str, int] = s.cached(("quality_counts",), s.store.quality_counts)
    for sev in SEVERITIES:
        fs.add(
            f"findings.{sev}",
            counts[sev],
            "count",
            f"quality findings in the store: {_SEVERITY_WORD[sev]}",
            source=_LOG,
            window=window,
            formula=_COUNT_RULE,
        )


def data_status(
    source: Store | Session, as_of: object | None = None, *, members: bool = False
) -> DataResult:
    """List every dataset in the store: coverage, rows, source, last ingest, quality flags.

    Parameters
    ----------
    source : Store or Session
        The store (read-only is enough).
    as_of : None
        Must be None: the status describes the store as it is.
    members : bool
        One row per index-member file; by default each member folder
        (:data:`MEMBER_FOLDERS`) is folded into one row.

    Returns
    -------
    DataResult
        Table ``datasets`` (columns ``dataset, kind, subject, variant, first, last, rows,
        rejected, errors, warnings, notes, source, ingested_at, quality``; the counts are
        figures ``<dataset>.rows`` ...), figures ``datasets``, ``rows`` and
        ``findings.<severity>`` (the whole quality log), a note with the last ingest time.
        ``as_of`` is the last date any dataset holds.

    Raises
    ------
    DataNotFound
        When the store is empty.
    InputError
        When ``as_of`` is given.
    """
    s = session_for(source, None)
    _no_as_of("data status", as_of, s)
    cat = _catalog(s)
    day = _last_day(cat)
    fs = FigureSet(day)
    rows = _status_rows(cat, members)
    whole = _window(pd.to_datetime(cat["first_date"]).min(), day)
    table = TableData(
        "datasets",
        "Datasets in the store",
        _STATUS_COLUMNS,
        tuple(_status_cells(fs, r) for r in rows),
    )
    fs.add(
        "datasets",
        len(cat),
        "count",
        "datasets in the store (files imported or datasets fetched)",
        source="store catalog",
        window=whole,
        formula="catalog entries",
    )
    fs.add(
        "rows",
        int(cat["rows"].sum()),
        "count",
        "rows held in the store",
        source="store catalog",
        window=whole,
        formula="sum of the catalog's rows",
    )
    _log_counts(s, fs, whole)
    last_ingest = pd.Timestamp(cat["ingested_at"].max())
    notes = (
        f"Last ingest {last_ingest:%Y-%m-%d %H:%M} UTC.",
        "Universe members are folded into one row per folder (members=True, or --all, lists them)."
        if not members
        else "One row per dataset.",
    )
    return DataResult(
        query="data_status",
        as_of=day,
        params={"members": members},
        figures=fs.mapping(),
        tables=(table,),
        notes=notes,
        sources=tuple(dict.fromkeys(r["source"] for r in rows)),
    )


# ----------------------------------------------------------------------------- export


def export_parquet(source: Store | Session, dest: str | Path) -> DataResult:
    """Write the store's bars, membership and macro series as a partitioned Parquet dataset.

    Parameters
    ----------
    source : Store or Session
        Where to read (the whole store is exported; it takes no ``as_of``).
    dest : path-like or str
        Folder to create, or an earlier capsize dataset to replace, or an fsspec URL
        (``s3://bucket/capsize``). Bars are partitioned by ticker bucket and year (see
        :mod:`capsize.data.parquet`); the dataset's manifest appears only once complete.

    Returns
    -------
    DataResult
        Figures ``rows.<table>`` (count) and the table ``exported`` (table, rows).

    Raises
    ------
    OutputError
        When ``dest`` is an unrelated folder or cannot be written.
    """
    from capsize.data.parquet import export_dataset

    s = session_for(source)
    manifest = export_dataset(s.store.con, dest)
    day = pd.Timestamp(manifest["last_date"]) if manifest["last_date"] else pd.Timestamp("NaT")
    fs = FigureSet(day)
    out = str(dest) if "://" in str(dest) else str(Path(dest).expanduser())
    for table, n in manifest["tables"].items():
        fs.add(
            f"rows.{table}",
            n,
            "count",
            f"{table} rows exported",
            source="capsize store",
            window=f"..{iso(day) or ''}",
            note=out,
        )
    rows = [(t, fs[f"rows.{t}"]) for t in manifest["tables"]]
    return DataResult(
        query="export_parquet",
        as_of=day,
        params={"dest": out},
        figures=fs.mapping(),
        tables=(TableData("exported", "Tables exported", ("table", "rows"), tuple(rows)),),
        notes=(
            f"Parquet dataset at {out}: bars by ticker bucket (first hex digit of md5(symbol)) "
            "and year; membership and macro by year.",
        ),
        sources=("capsize store",),
    )


# ----------------------------------------------------------------------------- check


def _parse_severity(severity: str) -> int:
    if severity not in SEVERITIES:
        raise InputError(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    return SEVERITIES.index(severity)


def _by_check(fs: FigureSet, q: pd.DataFrame, window: str) -> TableData:
    rank = {sev: i for i, sev in enumerate(SEVERITIES)}
    summary = q.groupby(["severity", "check_name"]).size().reset_index(name="n")
    summary = summary.assign(_r=summary["severity"].map(rank)).sort_values(
        ["_r", "n"], ascending=[True, False], kind="stable"
    )
    rows = tuple(
        (
            sev,
            check,
            fs.add(
                f"check.{sev}.{check}",
                int(n),
                "count",
                f"{check} findings ({sev})",
                source=_LOG,
                window=window,
                formula=f"rows of the quality log with check {check} and severity {sev}",
            ),
        )
        for sev, check, n in zip(
            summary["severity"].astype(str),
            summary["check_name"].astype(str),
            summary["n"],
            strict=True,
        )
    )
    return TableData(
        "by_check", "Quality findings by check", ("severity", "check", "findings"), rows
    )


def _findings_table(q: pd.DataFrame) -> TableData:
    rank = {sev: i for i, sev in enumerate(SEVERITIES)}
    q = q.assign(_r=q["severity"].map(rank)).sort_values("_r", kind="stable")
    rows = tuple(
        (
            str(r["severity"]),
            str(r["dataset_key"]),
            iso(r["date"]),
            str(r["check_name"]),
            str(r["detail"]),
        )
        for r in q.to_dict(orient="records")
    )
    return TableData(
        "findings", "Quality findings", ("severity", "dataset", "date", "check", "detail"), rows
    )


def data_check(
    source: Store | Session, as_of: object | None = None, *, severity: str = "warning"
) -> DataResult:
    """Check the store's integrity and list the quality findings of every import.

    Parameters
    ----------
    source : Store or Session
        The store (read-only is enough).
    as_of : None
        Must be None: the check describes the store as it is.
    severity : {"error", "warning", "info"}
        Lowest severity listed in the tables (the ``findings.<severity>`` figures always
        count the whole log).

    Returns
    -------
    DataResult
        Figures ``integrity.problems`` (0: unique keys, positive closes, catalog
        consistent) and ``findings.error``, ``findings.warning``, ``findings.info`` (the
        same count ``capsize data import`` reports); tables ``integrity`` (one row per
        problem), ``by_check`` (findings per severity and check, figures
        ``check.<severity>.<check>``) and ``findings`` (every finding at or above
        ``severity``, most serious first).

    Raises
    ------
    DataNotFound
        When the store is empty.
    InputError
        When ``severity`` is unknown or ``as_of`` is given.
    """
    s = session_for(source, None)
    _no_as_of("data check", as_of, s)
    level = _parse_severity(severity)
    cat = _catalog(s)
    day = _last_day(cat)
    whole = _window(pd.to_datetime(cat["first_date"]).min(), day)
    fs = FigureSet(day)
    integrity = s.store.check_integrity()
    fs.add(
        "integrity.problems",
        len(integrity.problems),
        "count",
        "store integrity problems",
        source="store integrity checks",
        window=whole,
        formula="duplicated keys, non-positive or missing closes, catalog entries without rows",
    )
    _log_counts(s, fs, whole)
    q = s.store.quality()
    q = q[q["severity"].isin(SEVERITIES[: level + 1])]
    tables = (
        TableData(
            "integrity",
            "Store integrity problems",
            ("problem",),
            tuple((p,) for p in integrity.problems),
        ),
        _by_check(fs, q, whole),
        _findings_table(q),
    )
    return DataResult(
        query="data_check",
        as_of=day,
        params={"severity": severity},
        figures=fs.mapping(),
        tables=tables,
        notes=(
            "Store integrity: ok (unique keys, positive closes, catalog consistent)."
            if integrity.ok
            else f"Store integrity: {len(integrity.problems)} problem(s).",
        ),
        sources=(_LOG, "store integrity checks"),
    )


# ----------------------------------------------------------------------------- filling


@contextmanager
def _writable(store: Store | None, wait: float) -> Iterator[Store]:
    if store is not None:
        yield store
        return
    from capsize.data.store import Store

    opened = Store.open(wait=wait)
    try:
        yield opened
    finally:
        opened.close()


def _as_of_after(store: Store) -> pd.Timestamp:
    last = store.last_date()
    return last if last is not None else pd.Timestamp("NaT")


def _file_table(name: str, title: str, entries: Sequence[Any]) -> TableData:
    return TableData(name, title, ("file", "reason"), tuple((e.rel, e.reason) for e in entries))


def _rejection_note(rep: ImportReport) -> tuple[str, ...]:
    if not rep.rejected_files:
        return ()
    return (
        f"{len(rep.rejected_files)} file(s) were refused and nothing of them was written; "
        "the store keeps what it held for them. The other files were imported.",
    )


def _import_result(rep: ImportReport, day: pd.Timestamp, force: bool) -> DataResult:
    fs = FigureSet(day)
    root = str(rep.root)
    counts = (
        ("files_seen", rep.files_seen, "files found under the folder"),
        ("imported", len(rep.imported), "files read and written to the store"),
        ("unchanged", len(rep.unchanged), "files skipped: same content already imported"),
        ("rejected_files", len(rep.rejected_files), "files refused (reason in the table)"),
        ("skipped", len(rep.skipped), "files not imported by design (documents, unknown)"),
        ("rows", rep.rows, "rows written"),
        ("rejected_rows", rep.rejected_rows, "rows refused (each in the quality log)"),
    )
    for fid, value, formula in counts:
        fs.add(fid, value, "count", formula, source=root, formula=formula)
    n_data = rep.files_seen - len(rep.skipped)
    for sev in SEVERITIES:
        fs.add(
            f"findings.{sev}",
            rep.findings.get(sev, 0),
            "count",
            f"quality findings of the folder's files: {_SEVERITY_WORD[sev]}",
            source=f"{_LOG}: {root}",
            formula=f"{_COUNT_RULE}; over the folder's {n_data} data files",
        )
    return DataResult(
        query="import_folder",
        as_of=day,
        params={"folder": root, "force": force},
        figures=fs.mapping(),
        tables=(
            _file_table("rejected_files", "Files refused", rep.rejected_files),
            _file_table("skipped", "Files skipped", rep.skipped),
        ),
        notes=(
            f"Quality findings count what the store holds for the folder's {n_data} data "
            "files after the import (imported now or unchanged), as 'capsize data check' "
            "counts them.",
            *_rejection_note(rep),
        ),
        sources=(root,),
        report=rep,
    )


class ImportRefused(InputError):
    """Files were refused and a partial import was not allowed: the store is unchanged.

    Attributes
    ----------
    result : DataResult
        The import's result (``rejected_files`` table: each refused file and why;
        nothing imported).
    """

    def __init__(self, message: str, result: DataResult) -> None:
        super().__init__(message)
        self.result = result


def import_folder(
    folder: str | Path,
    *,
    store: Store | None = None,
    force: bool = False,
    progress: Progress | None = None,
    wait: float = 0.0,
    allow_rejects: bool = True,
) -> DataResult:
    """Import a folder laid out like ``shared/data`` into the store.

    Parameters
    ----------
    folder : path-like
        The data folder (``prices/``, ``universe/``, ``macro/`` ...).
    store : Store, optional
        An open, writable store; default: the configured store, opened for the import.
    force : bool
        Re-read files whose content was already imported.
    progress : callable, optional
        ``progress(label, done, total)``, in files; first called once the folder has
        been read (a bad folder fails before it).
    wait : float
        Seconds to wait while another process holds the store (0: fail at once).
    allow_rejects : bool
        Import the accepted files even when others were refused (default). When false,
        one refused file rolls the whole import back and :class:`ImportRefused` is
        raised, carrying the result (its ``rejected_files`` table says why).

    Returns
    -------
    DataResult
        Figures ``files_seen``, ``imported``, ``unchanged``, ``rejected_files``,
        ``skipped``, ``rows``, ``rejected_rows`` and ``findings.<severity>``; tables
        ``rejected_files`` and ``skipped`` (file, reason); ``report`` is the
        :class:`~capsize.data.ingest.ImportReport`. ``as_of`` is the last bar date in the
        store after the import.

    Raises
    ------
    InputError
        When ``folder`` does not exist or holds no data file.
    ImportRefused
        When ``allow_rejects`` is false and a file was refused (nothing was written).
    StoreError
        When the store cannot be opened for writing (another process held it for more
        than ``wait`` seconds; the message names that process).
    """
    from capsize.data.ingest import ImportRefused as Refused
    from capsize.data.ingest import import_folder as ingest
    from capsize.data.providers.local import scan_folder

    if not str(folder).strip():
        raise InputError(
            "the data folder is empty text (it would mean the current folder); pass the "
            "path of a data folder such as ../shared/data"
        )
    path = Path(folder)
    if not path.exists():
        raise InputError(
            f"folder {str(folder)!r} does not exist; pass the path of a data folder "
            "such as ../shared/data"
        )
    scan_folder(path)  # a bad folder fails here, before the store is opened
    with _writable(store, wait) as st:
        try:
            rep = ingest(st, path, force=force, progress=progress, allow_rejects=allow_rejects)
        except Refused as exc:
            result = _import_result(exc.report, _as_of_after(st), force)
            raise ImportRefused(str(exc), result) from None
        day = _as_of_after(st)
    return _import_result(rep, day, force)


def _update_result(rep: UpdateReport, day: pd.Timestamp) -> DataResult:
    fs = FigureSet(day)
    src = "live providers (Yahoo, FRED, Ken French, iShares)"
    fs.add("fetched", len(rep.fetched), "count", "datasets fetched and written", source=src)
    fs.add("failed", len(rep.failed), "count", "sources that failed", source=src)
    fs.add("rows", rep.rows, "count", "rows written", source=src)
    notes: tuple[str, ...] = ()
    if rep.failed and not rep.fetched:
        notes = (
            "No live provider could be reached; on an offline machine import a local folder "
            "instead: capsize data import DIR (or set CAPSIZE_DATA_DIR).",
        )
    return DataResult(
        query="update",
        as_of=day,
        figures=fs.mapping(),
        tables=(
            TableData(
                "fetched", "Datasets fetched", ("dataset",), tuple((k,) for k in rep.fetched)
            ),
            TableData("failed", "Sources that failed", ("source", "reason"), tuple(rep.failed)),
        ),
        notes=notes,
        sources=tuple(rep.fetched),
        report=rep,
    )


def update(
    *, store: Store | None = None, progress: Progress | None = None, wait: float = 0.0
) -> DataResult:
    """Fetch the segment proxies, FRED rates, French size data and iShares holdings.

    Parameters
    ----------
    store : Store, optional
        An open, writable store; default: the configured store, opened for the update.
    progress : callable, optional
        ``progress(label, done, total)``, in sources.
    wait : float
        Seconds to wait while another process holds the store (0: fail at once).

    Returns
    -------
    DataResult
        Figures ``fetched``, ``failed`` and ``rows``; tables ``fetched`` (dataset keys)
        and ``failed`` (source, reason); ``report`` is the
        :class:`~capsize.data.update.UpdateReport`. ``as_of`` is the last bar date in the
        store after the update.

    Raises
    ------
    StoreError
        When the store cannot be opened for writing (another process held it for more
        than ``wait`` seconds; the message names that process).
    """
    from capsize.data.update import update_from_providers

    with _writable(store, wait) as st:
        rep = update_from_providers(st, progress=progress)
        day = _as_of_after(st)
    return _update_result(rep, day)


def store_is_empty(wait: float = 0.0) -> bool:
    """Return True when the configured store does not exist yet or holds no bars.

    Opens the store read-only (a reader never migrates the file), waiting up to ``wait``
    seconds while another process writes it.
    """
    from capsize.data.store import Store

    try:
        store = Store.open(read_only=True, wait=wait)
    except DataNotFound:  # no store file yet
        return True
    try:
        return store.is_empty()
    finally:
        store.close()
