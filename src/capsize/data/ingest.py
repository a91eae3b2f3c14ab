"""Import a local data folder (laid out like ``shared/data``) into the store.

Each import group (``prices``, ``universe``, ``macro``, ``holdings`` ...) is
read, checked by :mod:`capsize.data.quality` and written in ONE transaction:
after a crash every group holds either its previous or its new state. Files
whose content hash is already in the catalog are skipped (``force=True``
re-reads them), so re-importing the same folder changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from capsize.data import quality
from capsize.data.providers.local import (
    FileSpec,
    RejectedFile,
    file_hash,
    read_bar_files,
    scan_folder,
    sniff_csv,
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
_FRENCH_DATASET = {
    "F-F_Research_Data_Factors": "FF3",
    "F-F_Research_Data_Factors_daily": "FF3",
    "F-F_Research_Data_5_Factors_2x3": "FF5_2x3",
    "F-F_Research_Data_5_Factors_2x3_daily": "FF5_2x3",
    "F-F_Momentum_Factor_daily": "Momentum",
    "Portfolios_Formed_on_ME": "ME_portfolios",
}
_MISSING_CODES = (-99.99, -999.0)


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


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


def _catalog_row(
    spec: FileSpec, first: Any, last: Any, rows: int, rejected: int, digest: str
) -> dict[str, object]:
    return {
        "dataset_key": spec.rel,
        "kind": spec.kind,
        "subject": spec.subject,
        "variant": spec.variant,
        "first_date": pd.Timestamp(first).date()
        if first is not None and not pd.isna(first)
        else None,
        "last_date": pd.Timestamp(last).date() if last is not None and not pd.isna(last) else None,
        "rows": int(rows),
        "rejected": int(rejected),
        "source": spec.rel,
        "content_hash": digest,
        "ingested_at": _now(),
    }


def _finding_rows(
    dataset_key: str | pd.Series, symbol: str | pd.Series, findings: pd.DataFrame
) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "dataset_key": dataset_key,
            "symbol": symbol,
            "date": findings["date"],
            "check": findings["check"],
            "severity": findings["severity"],
            "detail": findings["detail"],
        },
        index=findings.index,
    )
    return out


def _rejection_findings(rejected: pd.DataFrame, key_col: str = "key") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": rejected[key_col],
            "date": pd.to_datetime(rejected["date"], errors="coerce"),
            "check": "rejected_row",
            "severity": "error",
            "detail": "row rejected: " + rejected["reason"].astype(str),
        }
    )


class _Importer:
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
            [_rejection_findings(pre_rejected)] if len(pre_rejected) else []
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
                findings.append(_rejection_findings(checked.rejected))
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
        qrows = _finding_rows(
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
                _catalog_row(
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
            pd.DataFrame([_catalog_row(spec, first, last, rows, rejected, digest)])
        )
        self.store.write_quality([spec.rel], findings)
        self.report.imported.append(spec.rel)
        self.report.rows += rows
        self.report.rejected_rows += rejected
        self._count(findings)

    def _read_csv(
        self, spec: FileSpec, required: Sequence[str], min_columns: int = 2
    ) -> pd.DataFrame:
        reason = sniff_csv(spec.path, required=required, min_columns=min_columns)
        if reason:
            raise _FileRejected(reason)
        try:
            return pd.read_csv(spec.path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise _FileRejected(f"not a readable CSV: {str(exc).splitlines()[0]}") from None

    def _series_check(
        self, spec: FileSpec, long: pd.DataFrame, calendar: str | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame, int]:
        # Policy rates sit unchanged for months by design: no stale-run check there.
        stale = 10**9 if spec.subject in ("DFF", "FEDFUNDS") else 10
        checked = quality.check_series(long, calendar=calendar, stale_run=stale)
        findings = (
            pd.concat([checked.findings, _rejection_findings(checked.rejected)], ignore_index=True)
            if len(checked.rejected)
            else checked.findings
        )
        return checked.clean, _finding_rows(spec.rel, spec.subject, findings), len(checked.rejected)

    @staticmethod
    def _numeric(text: pd.Series) -> pd.Series:
        return pd.to_numeric(text.str.strip().replace("", None), errors="coerce").astype("float64")

    def _macro(self, spec: FileSpec) -> tuple[object, object, int, int, pd.DataFrame]:
        raw = self._read_csv(spec, ("date", "value"))
        long = pd.DataFrame(
            {
                "key": spec.subject,
                "date": pd.to_datetime(raw["date"], errors="coerce"),
                "value": self._numeric(raw["value"]),
            }
        )
        clean, findings, rejected = self._series_check(spec, long)
        clean = clean.dropna(subset=["value"])
        self.store.write_macro(
            pd.DataFrame(
                {
                    "series_id": spec.subject,
                    "date": clean["date"].dt.date,
                    "value": clean["value"],
                    "source": spec.rel,
                }
            )
        )
        return clean["date"].min(), clean["date"].max(), len(clean), rejected, findings

    def _factors(self, spec: FileSpec) -> tuple[object, object, int, int, pd.DataFrame]:
        raw = self._read_csv(spec, ("date",))
        dates = pd.to_datetime(raw["date"], errors="coerce")
        from capsize.data.providers.french import normalize_french_column

        cols = [c for c in raw.columns if c != "date"]
        # Spreadsheet-mangled decile labels ("2-Dec") get French's own names ("Dec 2").
        values = pd.DataFrame({normalize_french_column(c): self._numeric(raw[c]) for c in cols})
        return self._write_factor_frame(spec, spec.subject, spec.variant, dates, values)

    def _write_factor_frame(
        self,
        spec: FileSpec,
        dataset: str,
        freq: str,
        dates: pd.Series | pd.Index,
        values: pd.DataFrame,
    ) -> tuple[object, object, int, int, pd.DataFrame]:
        codes = values.isin(_MISSING_CODES)
        extra: list[pd.DataFrame] = []
        if codes.any().any():
            cols = [c for c in values.columns if codes[c].any()]
            extra.append(
                pd.DataFrame(
                    {
                        "key": dataset,
                        "date": pd.NaT,
                        "check": "missing_code",
                        "severity": "info",
                        "detail": [
                            f"{int(codes[c].sum())} values of column {c!r} are French missing codes (-99.99/-999), stored as missing"
                            for c in cols
                        ],
                    }
                )
            )
        values = values.mask(codes)
        blank = values.isna() & ~codes
        if blank.any().any():
            extra.append(
                pd.DataFrame(
                    {
                        "key": dataset,
                        "date": pd.NaT,
                        "check": "missing_value",
                        "severity": "info",
                        "detail": [
                            f"{int(blank[c].sum())} empty or unparseable values in column {c!r}, stored as missing"
                            for c in values.columns
                            if blank[c].any()
                        ],
                    }
                )
            )
        long = values.assign(date=np.asarray(dates)).melt(
            id_vars="date", var_name="name", value_name="value"
        )
        # Missing values are not stored: reads return NaN for them (stated in the findings).
        long = long.dropna(subset=["value"]).rename(columns={"name": "key"})
        long["series"] = long["key"]
        long["key"] = dataset + ":" + long["series"]
        # Factor returns (RF above all) repeat legitimately: no stale-run check.
        checked = quality.check_series(long[["key", "date", "value"]], stale_run=10**9)
        # missing values are allowed in French files (missing codes); keep them as NULL
        clean = checked.clean
        findings = checked.findings
        if len(checked.rejected):
            findings = pd.concat(
                [findings, _rejection_findings(checked.rejected)], ignore_index=True
            )
        findings = pd.concat([findings, *extra], ignore_index=True) if extra else findings
        names = clean["key"].str.split(":", n=1).str[1]
        self.store.write_factors(
            pd.DataFrame(
                {
                    "dataset": dataset,
                    "frequency": freq,
                    "date": clean["date"].dt.date,
                    "name": names,
                    "value": clean["value"],
                    "source": spec.rel,
                }
            )
        )
        n_rows = clean["date"].nunique()
        return (
            clean["date"].min(),
            clean["date"].max(),
            int(n_rows),
            len(checked.rejected),
            _finding_rows(spec.rel, dataset, findings),
        )

    def _french_original(self, spec: FileSpec) -> tuple[object, object, int, int, pd.DataFrame]:
        from capsize.data.providers.french import parse_french_csv

        text = spec.path.read_text(encoding="utf-8-sig", errors="replace")
        sections = parse_french_csv(text, name=spec.rel)
        dataset = _FRENCH_DATASET.get(spec.subject, spec.subject)
        first = last = None
        rows = rejected = 0
        findings: list[pd.DataFrame] = []
        for frame in sections.values():
            key = str(frame.attrs.get("key", ""))
            freq = str(frame.attrs.get("frequency", ""))
            # Tidy files already hold the daily and monthly returns; the originals add the
            # annual sections and the size-portfolio counts and average sizes.
            if dataset == "ME_portfolios":
                target = {
                    "vw_annual": "ME_portfolios_VW",
                    "ew_annual": "ME_portfolios_EW",
                    "n_firms": "ME_portfolios_nfirms",
                    "avg_firm_size": "ME_portfolios_avgsize",
                }.get(key)
            else:
                target = dataset if key == "annual" else None
            if target is None:
                continue
            f, la, n, r, fd = self._write_factor_frame(
                spec, target, freq, frame.index, frame.reset_index(drop=True)
            )
            first = f if first is None else min(first, f)  # type: ignore[call-overload]
            last = la if last is None else max(last, la)  # type: ignore[call-overload]
            rows += n
            rejected += r
            findings.append(fd)
        if not findings:
            return (
                None,
                None,
                0,
                0,
                _finding_rows(
                    spec.rel,
                    dataset,
                    pd.DataFrame(
                        {
                            "date": [pd.NaT],
                            "check": ["reference_only"],
                            "severity": ["info"],
                            "detail": [
                                "original file: its daily/monthly sections are imported from the tidy macro/ files"
                            ],
                        }
                    ),
                ),
            )
        return first, last, rows, rejected, pd.concat(findings, ignore_index=True)

    def _fred_original(self, spec: FileSpec) -> tuple[object, object, int, int, pd.DataFrame]:
        raw = self._read_csv(spec, ("date", "value"))
        orig = pd.Series(
            self._numeric(raw["value"]).to_numpy(),
            index=pd.to_datetime(raw["date"], errors="coerce"),
        ).dropna()
        try:
            tidy = self.store.macro(spec.subject)[spec.subject].dropna()
        except CapsizeError:
            tidy = pd.Series(dtype="float64")
        both = orig.index.intersection(tidy.index)
        diff = (orig.loc[both] - tidy.loc[both]).abs()
        n_diff = int((diff > 1e-9).sum())
        detail = (
            f"original agrees with the imported {spec.subject} on all {len(both)} common dates"
            if n_diff == 0
            else f"original differs from the imported {spec.subject} on {n_diff} of {len(both)} dates (max {diff.max():.4f})"
        )
        findings = pd.DataFrame(
            {
                "date": [pd.NaT],
                "check": ["cross_check"],
                "severity": ["info" if n_diff == 0 else "warning"],
                "detail": [detail],
            }
        )
        return (
            orig.index.min(),
            orig.index.max(),
            len(orig),
            0,
            _finding_rows(spec.rel, spec.subject, findings),
        )

    def _holdings(self, spec: FileSpec) -> tuple[object, object, int, int, pd.DataFrame]:
        from capsize.data.providers.ishares import parse_ishares_holdings

        frame, meta = parse_ishares_holdings(spec.path.read_bytes(), name=spec.rel)
        as_of = pd.Timestamp(meta["as_of"])
        notes: list[dict[str, object]] = []
        if spec.variant and pd.Timestamp(spec.variant) != as_of:
            notes.append(
                {
                    "date": as_of,
                    "check": "as_of_mismatch",
                    "severity": "warning",
                    "detail": f"file name says {spec.variant} but the file says holdings as of {as_of.date()}",
                }
            )
        df = frame.copy()
        df.insert(0, "position", np.arange(len(df), dtype="int32"))
        df.insert(0, "as_of", as_of.date())
        df.insert(0, "fund", spec.subject)
        df["source"] = spec.rel
        self.store.write_holdings(df)
        so = meta.get("shares_outstanding")
        if so is not None and not (isinstance(so, float) and math.isnan(so)):
            self.store.write_fund_shares(
                pd.DataFrame(
                    {
                        "fund": [spec.subject],
                        "date": [as_of.date()],
                        "shares_outstanding": [float(so)],
                        "nav": [None],
                        "source": [spec.rel],
                    }
                )
            )
        else:
            notes.append(
                {
                    "date": as_of,
                    "check": "no_shares_outstanding",
                    "severity": "info",
                    "detail": "the file states no fund shares outstanding ('-'); no flow data point",
                }
            )
        return (
            as_of,
            as_of,
            len(df),
            0,
            _finding_rows(
                spec.rel,
                spec.subject,
                pd.DataFrame(notes, columns=["date", "check", "severity", "detail"]),
            ),
        )

    def _membership(self, spec: FileSpec) -> tuple[object, object, int, int, pd.DataFrame]:
        raw = self._read_csv(spec, ("snapshot_date", "ticker"))
        dates = pd.to_datetime(raw["snapshot_date"], errors="coerce")
        weight = (
            self._numeric(raw["weight_pct"]) / 100.0
            if "weight_pct" in raw.columns
            else pd.Series(np.nan, index=raw.index)
        )
        bad = dates.isna() | raw["ticker"].str.strip().eq("")
        df = pd.DataFrame(
            {
                "index_name": spec.subject,
                "snapshot_date": dates.dt.date,
                "ticker": raw["ticker"].str.strip(),
                "weight": weight,
                "source": spec.rel,
            }
        )[~bad]
        df = df.drop_duplicates(["snapshot_date", "ticker"], keep="last")
        self.store.write_membership(df)
        findings = pd.DataFrame(
            {
                "date": dates[bad],
                "check": "rejected_row",
                "severity": "error",
                "detail": "row rejected: missing date or ticker",
            }
        )
        return (
            dates.min(),
            dates.max(),
            len(df),
            int(bad.sum()),
            _finding_rows(spec.rel, spec.subject, findings),
        )

    def _fund_shares(self, spec: FileSpec) -> tuple[object, object, int, int, pd.DataFrame]:
        raw = self._read_csv(spec, ("date", "ticker", "shares_outstanding"))
        dates = pd.to_datetime(raw["date"], errors="coerce")
        shares = self._numeric(raw["shares_outstanding"].str.replace(",", "", regex=False))
        nav = (
            self._numeric(raw["nav"])
            if "nav" in raw.columns
            else pd.Series(np.nan, index=raw.index)
        )
        bad = dates.isna() | shares.isna() | (shares <= 0)
        df = pd.DataFrame(
            {
                "fund": raw["ticker"].str.strip(),
                "date": dates.dt.date,
                "shares_outstanding": shares,
                "nav": nav,
                "source": spec.rel,
            }
        )[~bad]
        self.store.write_fund_shares(df)
        findings = pd.DataFrame(
            {
                "date": dates[bad],
                "check": "rejected_row",
                "severity": "error",
                "detail": "row rejected: missing date or non-positive shares outstanding",
            }
        )
        return (
            dates.min(),
            dates.max(),
            len(df),
            int(bad.sum()),
            _finding_rows(spec.rel, spec.subject, findings),
        )

    def _reference(self, spec: FileSpec) -> tuple[object, object, int, int, pd.DataFrame]:
        raw = self._read_csv(spec, (), min_columns=1)
        if spec.subject == "universe_missing_tickers" and "ticker" in raw.columns:
            known = set(self.store.symbols())
            miss = raw.loc[~raw["ticker"].isin(known), "ticker"]
            self.store.write_symbols(
                pd.DataFrame(
                    {
                        "symbol": miss,
                        "kind": "stock",
                        "name": None,
                        "note": "listed in index holdings but no price history (delisted, acquired or renamed)",
                        "source": spec.rel,
                    }
                )
            )
        empty = pd.DataFrame(columns=["date", "check", "severity", "detail"])
        return None, None, len(raw), 0, _finding_rows(spec.rel, spec.subject, empty)


class _FileRejected(CapsizeError):
    """A file of the folder cannot be imported (reason in the message)."""


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
