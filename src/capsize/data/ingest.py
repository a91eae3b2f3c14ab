"""Import a local data folder (laid out like ``shared/data``) into the store.

Each import group (``prices``, ``universe``, ``macro``, ``holdings`` ...) is
read, checked by :mod:`capsize.data.quality` and written in ONE transaction:
after a crash every group holds either its previous or its new state. Files
whose content hash is already in the catalog are skipped (``force=True``
re-reads them), so re-importing the same folder changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from capsize.data import quality
from capsize.data._ingest_small import (
    SmallFileHandlers,
    catalog_row,
    finding_rows,
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
from capsize.errors import CapsizeError

__all__ = ["GROUP_ORDER", "ImportReport", "import_folder"]

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
        Number of quality findings by severity.
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


class _Importer(SmallFileHandlers):
    def __init__(self, store: Store, root: Path, force: bool, progress: Progress | None) -> None:
        self.store = store
        self.root = root
        self.force = force
        self.progress = progress
        self.report = ImportReport(root=root)
        self.known = {} if force else store.catalog_hashes()

    def _tick(self, label: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(label, done, total)

    def _count(self, findings: pd.DataFrame) -> None:
        for sev, n in findings["severity"].value_counts().items():
            self.report.findings[str(sev)] = self.report.findings.get(str(sev), 0) + int(n)

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
        todo = self._changed(specs)
        total = len(specs)
        self._tick(label, total - len(todo), total)
        if not todo:
            return
        rows, rejected_files = read_bar_files([s.path for s, _ in todo])
        self.report.rejected_files.extend(
            RejectedFile(next(s.rel for s, _ in todo if s.path.name == r.rel), r.reason)
            for r in rejected_files
        )
        rel = np.array([s.rel for s, _ in todo], dtype=object)
        rows["key"] = rel[rows["file_id"].to_numpy()]
        pre_bad = rows["bad_reason"].notna()
        pre_rejected = rows.loc[pre_bad].assign(reason=rows.loc[pre_bad, "bad_reason"])
        rows = rows.loc[~pre_bad].drop(columns=["bad_reason"])
        cleans: list[pd.DataFrame] = []
        findings: list[pd.DataFrame] = (
            [rejection_findings(pre_rejected)] if len(pre_rejected) else []
        )
        rejected_counts = (
            pre_rejected["key"].value_counts() if len(pre_rejected) else pd.Series(dtype="int64")
        )
        by_kind: dict[tuple[str, str | None], list[str]] = {}
        for spec, _ in todo:
            cal = None if spec.symbol_kind == "crypto" else "XNYS"
            by_kind.setdefault((spec.variant, cal), []).append(spec.rel)
        for (basis, cal), keys in by_kind.items():
            part = rows[rows["key"].isin(keys)] if len(by_kind) > 1 else rows
            if part.empty:
                continue
            checked = quality.check_bars(part.drop(columns=["file_id"]), basis=basis, calendar=cal)
            cleans.append(checked.clean)
            findings.append(checked.findings)
            if len(checked.rejected):
                findings.append(rejection_findings(checked.rejected))
                rejected_counts = rejected_counts.add(
                    checked.rejected["key"].value_counts(), fill_value=0
                )
        clean = pd.concat(cleans, ignore_index=True) if cleans else rows.iloc[:0]
        spec_of = {s.rel: s for s, _ in todo}
        clean["symbol"] = clean["key"].map({k: v.subject for k, v in spec_of.items()})
        clean["basis"] = clean["key"].map({k: v.variant for k, v in spec_of.items()})
        clean["source"] = clean["key"]
        allf = (
            pd.concat(findings, ignore_index=True)
            if findings
            else pd.DataFrame(columns=quality.FINDING_COLUMNS)
        )
        qrows = finding_rows(
            allf["key"], allf["key"].map({k: v.subject for k, v in spec_of.items()}), allf
        )
        stats = clean.groupby("key")["date"].agg(["min", "max", "count"])
        cat = []
        failed = {r.rel for r in self.report.rejected_files}
        for spec, digest in todo:
            if spec.rel in failed:
                continue
            st = stats.loc[spec.rel] if spec.rel in stats.index else None
            cat.append(
                catalog_row(
                    spec,
                    st["min"] if st is not None else None,
                    st["max"] if st is not None else None,
                    int(st["count"]) if st is not None else 0,  # type: ignore[arg-type]
                    int(rejected_counts.get(spec.rel, 0)),
                    digest,
                )
            )
        symbols = pd.DataFrame(
            {
                "symbol": [s.subject for s, _ in todo],
                "kind": [s.symbol_kind for s, _ in todo],
                "name": None,
                "note": None,
                "source": [s.rel for s, _ in todo],
            }
        ).drop_duplicates("symbol")
        with self.store.transaction():
            self._tick(f"{label} (write)", 0, 1)
            if len(clean):
                self.store.write_bars(clean)
            self.store.write_quality([s.rel for s, _ in todo], qrows)
            if cat:
                self.store.write_catalog(pd.DataFrame(cat))
            self.store.write_symbols(symbols)
        self.report.rows += len(clean)
        self.report.rejected_rows += int(rejected_counts.sum()) if len(rejected_counts) else 0
        self.report.imported.extend(c["dataset_key"] for c in cat)  # type: ignore[misc]
        self._count(allf)
        self._tick(f"{label} (write)", 1, 1)
        self._tick(label, total, total)

    # ------------------------------------------------------------------ small files
    def small_group(self, label: str, specs: Sequence[FileSpec]) -> None:
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
        handler = {
            "macro": self._macro,
            "factors": self._factors,
            "french_original": self._french_original,
            "fred_original": self._fred_original,
            "holdings": self._holdings,
            "membership": self._membership,
            "fund_shares": self._fund_shares,
            "reference": self._reference,
        }[spec.kind]
        first, last, rows, rejected, findings = handler(spec)
        self.store.write_catalog(
            pd.DataFrame([catalog_row(spec, first, last, rows, rejected, digest)])
        )
        self.store.write_quality([spec.rel], findings)
        self.report.imported.append(spec.rel)
        self.report.rows += rows
        self.report.rejected_rows += rejected
        self._count(findings)


def import_folder(
    store: Store,
    root: str | Path,
    *,
    force: bool = False,
    groups: Sequence[str] | None = None,
    progress: Progress | None = None,
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

    Returns
    -------
    ImportReport

    Raises
    ------
    InputError
        If ``root`` is not a folder or is empty.
    """
    specs = scan_folder(root)
    imp = _Importer(store, Path(root).expanduser().resolve(), force, progress)
    imp.report.files_seen = len(specs)
    wanted = GROUP_ORDER if groups is None else tuple(groups)
    for spec in specs:
        if spec.kind in ("document", "unknown"):
            why = (
                "documentation, not data"
                if spec.kind == "document"
                else "file not in a known place of the data layout"
            )
            imp.report.skipped.append(RejectedFile(spec.rel, why))
    for group in wanted:
        members = [s for s in specs if s.group == group]
        if not members:
            continue
        if group in ("prices", "prices_raw", "universe", "universe_ohlcv"):
            imp.bars_group(group, members)
        else:
            imp.small_group(group, members)
    return imp.report
