"""Import a local data folder (laid out like ``shared/data``) into the store.

Every file passes :mod:`capsize.data.validate` between its reader and the store: files
refused before reading (special files, compressed data, conflicts with another file or
with the store: :func:`refuse_files`), rows refused with a reason (strict ISO dates and
numbers, plausible dates and bounds per kind), files disagreeing on a key or with no
accepted row refused whole. Each import group (``prices``, ``universe``, ``macro``,
``holdings`` ...) is then checked by :mod:`capsize.data.quality`, and the WHOLE import (every
group, its catalog entries and quality findings) is written in ONE transaction: a crash or
``SIGKILL`` at any moment leaves the store exactly as it was before the import. Files
whose content hash is already in the catalog are skipped (``force=True``
re-reads them), so re-importing the same folder changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from capsize.data import quality, validate
from capsize.data._small_files import (
    LOADERS,
    catalog_row,
    finding_rows,
    now,
    rejection_findings,
)
from capsize.data.providers.local import (
    FileSpec,
    RejectedFile,
    file_hash,
    read_bar_files,
    scan_folder,
)
from capsize.data.store import Store
from capsize.errors import CapsizeError, InputError

__all__ = ["BAR_GROUPS", "GROUP_ORDER", "ImportReport", "import_folder", "refuse_files"]

Progress = Callable[[str, int, int], None]
"""``progress(label, done, total)`` callback, in files."""

GROUP_ORDER: tuple[str, ...] = (
    "prices",
    "prices_raw",
    "universe",
    "universe_ohlcv",
    "macro",
    "macro_original",
    "holdings",
    "flows",
    "reference",
)


@dataclass
class ImportReport:
    """What an import did.

    Attributes
    ----------
    root : Path
        Folder imported.
    files_seen : int
        Files found under ``root``.
    imported : list of str
        Relative paths written to the store.
    unchanged : list of str
        Relative paths skipped because their content was already imported.
    rejected_files : list of RejectedFile
        Files refused, with the reason.
    skipped : list of RejectedFile
        Files not imported by design (documents, unrecognised layout).
    rows : int
        Rows written.
    rejected_rows : int
        Rows refused (each logged in the quality log).
    findings : dict
        Quality findings by severity (``error``, ``warning``, ``info``) held in the store
        for the folder's data files after the import, whether imported now or unchanged
        since an earlier import: the same count as ``capsize data check`` gives for
        those files (:meth:`Store.quality_counts`).
    """

    root: Path
    files_seen: int = 0
    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected_files: list[RejectedFile] = field(default_factory=list)
    skipped: list[RejectedFile] = field(default_factory=list)
    rows: int = 0
    rejected_rows: int = 0
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(quality.SEVERITIES, 0))


BAR_GROUPS: tuple[str, ...] = ("prices", "prices_raw", "universe", "universe_ohlcv")
"""Import groups holding daily bars (read in bulk); the others are small files."""

_SKIP_REASONS = {
    "document": "documentation, not data",
    "unknown": "file not in a known place of the data layout",
}


@dataclass
class _CheckedBars:
    """Bar files read and checked: accepted rows, quality-log rows, rejections."""

    clean: pd.DataFrame
    findings: pd.DataFrame
    rejected: pd.Series  # rows rejected per file (rel -> count)
    failed: list[RejectedFile]


def _bar_calendar_groups(
    todo: Sequence[tuple[FileSpec, str]],
) -> dict[tuple[str, str | None], list[str]]:
    """Files by (basis, exchange calendar): crypto trades every day, the rest on XNYS."""
    out: dict[tuple[str, str | None], list[str]] = {}
    for spec, _ in todo:
        cal = None if spec.symbol_kind == "crypto" else "XNYS"
        out.setdefault((spec.variant, cal), []).append(spec.rel)
    return out


def _plausible(rows: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """State why implausible rows (dates, price and volume bounds) must be rejected."""
    why = validate.row_reasons("bars", rows, today=today)
    rows["bad_reason"] = rows["bad_reason"].where(rows["bad_reason"].notna(), why)
    return rows


def _unusable_files(
    todo: Sequence[tuple[FileSpec, str]], clean: pd.DataFrame, rejected: pd.Series
) -> list[RejectedFile]:
    """Files whose every row was rejected: refused whole, so the store keeps their old rows."""
    kept = set(clean["key"].unique())
    return [
        RejectedFile(
            s.rel,
            f"all {int(rejected[s.rel])} rows rejected (see 'capsize data check'); "
            "the store keeps what it held for this file",
        )
        for s, _ in todo
        if s.rel not in kept and int(rejected.get(s.rel, 0)) > 0
    ]


_SHARED_SLOT_GROUPS = ("prices_raw", "universe_ohlcv")
"""Bar groups whose files write keys another file may hold (compared with the store)."""


def stored_bars(store: Store, todo: Sequence[tuple[FileSpec, str]]) -> pd.DataFrame:
    """Return the stored bars that shared-slot files would overwrite, from OTHER files.

    Returns ``key`` (the stored source), ``symbol`` (upper case), ``basis``, ``date``,
    ``close`` for the symbols of the ``prices/raw/`` and ``universe_ohlcv/`` files in
    ``todo``; rows that came from that file alone are left out (a changed file may
    replace its own rows).
    """
    wanted = pd.DataFrame(
        [(s.subject, s.variant, s.rel) for s, _ in todo if s.group in _SHARED_SLOT_GROUPS],
        columns=["symbol", "basis", "rel"],
    )
    empty = pd.DataFrame(columns=["key", "symbol", "basis", "date", "close"])
    if wanted.empty:
        return empty
    cur = store.con.cursor()
    try:
        cur.register("_wanted_bars", wanted)
        rows = cur.execute(
            "SELECT b.source AS key, upper(b.symbol) AS symbol, b.basis, b.date, b.close "
            "FROM bars b JOIN _wanted_bars w ON b.symbol = w.symbol AND b.basis = w.basis "
            "WHERE b.source <> w.rel"
        ).df()
    finally:
        cur.close()
    rows["date"] = pd.to_datetime(rows["date"]).astype("datetime64[ns]")
    return rows if len(rows) else empty


def _without_conflicts(
    todo: Sequence[tuple[FileSpec, str]], checked: _CheckedBars, stored: pd.DataFrame
) -> _CheckedBars:
    """Drop the files that disagree with another file (of the import or stored) on a key."""
    clean = checked.clean
    spec_of = {s.rel: s for s, _ in todo}
    slots = [(s.subject.upper(), s.variant) for s in spec_of.values()]
    if len(set(slots)) == len(slots) and stored.empty:
        return checked  # one file per symbol and nothing stored to disagree with
    keyed = clean.assign(
        symbol=clean["key"].map({k: s.subject.upper() for k, s in spec_of.items()}),
        basis=clean["key"].map({k: s.variant for k, s in spec_of.items()}),
    )
    cols = ["key", "symbol", "basis", "date", "close"]
    both = pd.concat([keyed[cols], stored[cols]], ignore_index=True) if len(stored) else keyed[cols]
    conflicts = {k: v for k, v in validate.row_conflicts(both).items() if k in spec_of}
    bad = {r.rel for r in checked.failed} | set(conflicts)
    failed = checked.failed + [RejectedFile(k, v) for k, v in sorted(conflicts.items())]
    # Agreeing files may overlap: one row per key reaches the store.
    keep = ~clean["key"].isin(bad) & ~keyed.duplicated(["symbol", "basis", "date"], keep="last")
    if not keep.all():
        clean = clean[keep].copy()
    return _CheckedBars(clean, checked.findings, checked.rejected, failed)


def _check_bar_files(
    todo: Sequence[tuple[FileSpec, str]],
    today: pd.Timestamp | None = None,
    stored: pd.DataFrame | None = None,
) -> _CheckedBars:
    """Read the bar files in bulk, validate them and run the quality checks by (basis, calendar).

    Rows failing :func:`capsize.data.validate.row_reasons` are rejected with their reason;
    files disagreeing with another file on a key, and files with no accepted row, are
    refused whole.
    """
    rows, unreadable = read_bar_files([s.path for s, _ in todo])
    failed = [
        RejectedFile(next(s.rel for s, _ in todo if s.path.name == r.rel), r.reason)
        for r in unreadable
    ]
    rel = np.array([s.rel for s, _ in todo], dtype=object)
    rows["key"] = rel[rows["file_id"].to_numpy()]
    rows = _plausible(rows, now().normalize() if today is None else today)
    pre_bad = rows["bad_reason"].notna()
    pre_rejected = rows.loc[pre_bad].assign(reason=rows.loc[pre_bad, "bad_reason"])
    rows = rows.loc[~pre_bad].drop(columns=["bad_reason"])
    rejected = [pre_rejected] if len(pre_rejected) else []
    findings = [rejection_findings(pre_rejected)] if len(pre_rejected) else []
    cleans: list[pd.DataFrame] = []
    groups = _bar_calendar_groups(todo)
    for (basis, cal), keys in groups.items():
        part = rows[rows["key"].isin(keys)] if len(groups) > 1 else rows
        if part.empty:
            continue
        checked = quality.check_bars(part.drop(columns=["file_id"]), basis=basis, calendar=cal)
        cleans.append(checked.clean)
        findings.append(checked.findings)
        if len(checked.rejected):
            findings.append(rejection_findings(checked.rejected))
            rejected.append(checked.rejected)
    clean = pd.concat(cleans, ignore_index=True) if cleans else rows.iloc[:0]
    allf = (
        pd.concat(findings, ignore_index=True)
        if findings
        else pd.DataFrame(columns=quality.FINDING_COLUMNS)
    )
    subject = {s.rel: s.subject for s, _ in todo}
    counts = (
        pd.concat([r["key"] for r in rejected]).value_counts()
        if rejected
        else pd.Series(dtype="int64")
    )
    failed += _unusable_files(todo, clean, counts)
    found = finding_rows(allf["key"], allf["key"].map(subject), allf)
    no_rows = pd.DataFrame(columns=["key", "symbol", "basis", "date", "close"])
    return _without_conflicts(
        todo,
        _CheckedBars(clean, found, counts, failed),
        stored if stored is not None else no_rows,
    )


def _bar_catalog(
    todo: Sequence[tuple[FileSpec, str]],
    clean: pd.DataFrame,
    rejected: pd.Series,
    failed: set[str],
) -> list[dict[str, object]]:
    """Catalog entries of the bar files read (files that failed to read get none)."""
    stats = clean.groupby("key")["date"].agg(["min", "max", "count"])
    out = []
    for spec, digest in todo:
        if spec.rel in failed:
            continue
        first, last = stats["min"].get(spec.rel), stats["max"].get(spec.rel)
        n = int(stats["count"].get(spec.rel, 0))
        out.append(catalog_row(spec, first, last, n, int(rejected.get(spec.rel, 0)), digest))
    return out


def _bar_symbols(todo: Sequence[tuple[FileSpec, str]]) -> pd.DataFrame:
    """Symbol rows of the bar files (kind from the file's place)."""
    return pd.DataFrame(
        {
            "symbol": [s.subject for s, _ in todo],
            "kind": [s.symbol_kind for s, _ in todo],
            "name": None,
            "note": None,
            "source": [s.rel for s, _ in todo],
        }
    ).drop_duplicates("symbol")


class _Importer:
    """One import run: the store, the hashes of files already imported, the report."""

    def __init__(self, store: Store, root: Path, force: bool, progress: Progress | None) -> None:
        self.store = store
        self.root = root
        self.force = force
        self.progress = progress
        self.report = ImportReport(root=root)
        self.known = {} if force else store.catalog_hashes()
        self.today = now().normalize()

    def _tick(self, label: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(label, done, total)

    def _changed(self, specs: Sequence[FileSpec]) -> list[tuple[FileSpec, str]]:
        out = []
        for spec in specs:
            digest = file_hash(spec.path)
            if self.known.get(spec.rel) == digest:
                self.report.unchanged.append(spec.rel)
            else:
                out.append((spec, digest))
        return out

    # ------------------------------------------------------------------ bars
    def bars_group(self, label: str, specs: Sequence[FileSpec]) -> None:
        """Import the changed bar files of one group (within the import's transaction)."""
        todo = self._changed(specs)
        total = len(specs)
        self._tick(label, total - len(todo), total)
        if not todo:
            return
        checked = _check_bar_files(todo, self.today, stored_bars(self.store, todo))
        self.report.rejected_files.extend(checked.failed)
        clean = checked.clean
        spec_of = {s.rel: s for s, _ in todo}
        clean["symbol"] = clean["key"].map({k: v.subject for k, v in spec_of.items()})
        clean["basis"] = clean["key"].map({k: v.variant for k, v in spec_of.items()})
        clean["source"] = clean["key"]
        cat = _bar_catalog(
            todo, clean, checked.rejected, {r.rel for r in self.report.rejected_files}
        )
        imported = {str(c["dataset_key"]) for c in cat}
        with self.store.transaction():
            self._tick(f"{label} (write)", 0, 1)
            if len(clean):
                self.store.write_bars(clean)
            self.store.write_quality([s.rel for s, _ in todo], checked.findings)
            if cat:
                self.store.write_catalog(pd.DataFrame(cat))
            kept = imported & set(clean["key"])  # a file that gave no row leaves no symbol row
            if kept:
                self.store.write_symbols(_bar_symbols([t for t in todo if t[0].rel in kept]))
        self.report.rows += len(clean)
        self.report.rejected_rows += int(checked.rejected.sum())
        self.report.imported.extend(str(c["dataset_key"]) for c in cat)
        self._tick(f"{label} (write)", 1, 1)
        self._tick(label, total, total)

    # ------------------------------------------------------------------ small files
    def small_group(self, label: str, specs: Sequence[FileSpec]) -> None:
        """Import the changed small files of one group (within the import's transaction)."""
        todo = self._changed(specs)
        total = len(specs)
        done = total - len(todo)
        self._tick(label, done, total)
        if not todo:
            return
        with self.store.transaction():
            for spec, digest in todo:
                try:
                    self._one_small(spec, digest)
                except CapsizeError as exc:
                    self.report.rejected_files.append(RejectedFile(spec.rel, str(exc)))
                done += 1
                self._tick(label, done, total)

    def _one_small(self, spec: FileSpec, digest: str) -> None:
        loaded = LOADERS[spec.kind](self.store, spec, self.today)
        self.store.write_catalog(
            pd.DataFrame(
                [catalog_row(spec, loaded.first, loaded.last, loaded.rows, loaded.rejected, digest)]
            )
        )
        self.store.write_quality([spec.rel], loaded.findings)
        self.report.imported.append(spec.rel)
        self.report.rows += loaded.rows
        self.report.rejected_rows += loaded.rejected


def refuse_files(
    specs: Sequence[FileSpec], catalog: pd.DataFrame
) -> tuple[list[FileSpec], list[RejectedFile]]:
    """Split a folder's files into those to read and those refused before reading.

    Refused: files :func:`capsize.data.validate.file_problem` objects to (special files,
    dangling links, compressed or UTF-16 data, truncated Parquet, over-long lines) and
    files in conflict with another file or with the store
    (:func:`capsize.data.validate.file_conflicts`).
    """
    refused: dict[str, str] = {}
    for s in specs:
        reason = validate.file_problem(s.path)
        if reason is not None:
            refused[s.rel] = reason
    readable = [s for s in specs if s.rel not in refused]
    for rel, reason in validate.file_conflicts(readable, catalog).items():
        refused.setdefault(rel, reason)
    keep = [s for s in specs if s.rel not in refused]
    return keep, [RejectedFile(rel, reason) for rel, reason in refused.items()]


class ImportRefused(InputError):
    """Files were refused and a partial import was not allowed: nothing was written.

    Attributes
    ----------
    report : ImportReport
        What the import found (``rejected_files`` lists each refused file and why);
        ``imported`` and ``rows`` are empty, since the transaction was rolled back.
    """

    def __init__(self, report: ImportReport) -> None:
        n = len(report.rejected_files)
        super().__init__(
            f"{n} file(s) of {report.root} refused; nothing was imported (the store is "
            "unchanged). Fix or remove them, or pass --allow-rejects to import the rest."
        )
        self.report = report


def _run_groups(imp: _Importer, specs: Sequence[FileSpec], wanted: Sequence[str]) -> None:
    """Import each wanted group's files, in ``GROUP_ORDER``."""
    for group in wanted:
        members = [s for s in specs if s.group == group]
        if not members:
            continue
        if group in BAR_GROUPS:
            imp.bars_group(group, members)
        else:
            imp.small_group(group, members)


def import_folder(
    store: Store,
    root: str | Path,
    *,
    force: bool = False,
    groups: Sequence[str] | None = None,
    progress: Progress | None = None,
    today: pd.Timestamp | None = None,
    allow_rejects: bool = True,
) -> ImportReport:
    """Import every file of a folder laid out like ``shared/data``.

    Parameters
    ----------
    store : Store
        Open, writable store.
    root : path-like
        The folder.
    force : bool
        Re-read files whose content was already imported.
    groups : sequence of str, optional
        Only these import groups (see :data:`GROUP_ORDER`).
    progress : callable, optional
        ``progress(label, done, total)``.
    today : Timestamp, optional
        The import day (later dates are refused); default: today in UTC.
    allow_rejects : bool
        Import the accepted files even when others were refused (default). When false,
        one refused file rolls the whole import back (:class:`ImportRefused`).

    Returns
    -------
    ImportReport
        Its ``findings`` count the quality findings the store holds for the folder's
        data files once the import is done (imported now or unchanged).

    Raises
    ------
    InputError
        If ``root`` is not a folder or is empty.
    ImportRefused
        When a file was refused and ``allow_rejects`` is false: the whole import is
        rolled back (the store is unchanged); the exception carries the report.
    """
    all_specs = scan_folder(root)
    imp = _Importer(store, Path(root).expanduser().resolve(), force, progress)
    if today is not None:
        imp.today = pd.Timestamp(today).normalize()
    imp.report.files_seen = len(all_specs)
    specs, refused = refuse_files(all_specs, store.catalog())
    imp.report.rejected_files.extend(refused)
    imp.report.skipped.extend(
        RejectedFile(s.rel, _SKIP_REASONS[s.kind]) for s in specs if s.kind in _SKIP_REASONS
    )
    wanted = GROUP_ORDER if groups is None else tuple(groups)
    try:
        with store.transaction():  # all or nothing: the groups' transactions join this one
            _run_groups(imp, specs, wanted)
            if imp.report.rejected_files and not allow_rejects:
                raise ImportRefused(imp.report)
    except ImportRefused:
        imp.report.imported.clear()
        imp.report.rows = 0
        raise
    keys = [s.rel for s in all_specs if s.group in wanted and s.kind not in _SKIP_REASONS]
    imp.report.findings = store.quality_counts(keys)
    return imp.report
