"""Readers for the small files of a data folder.

Macro series, factor files, French and FRED originals, holdings, membership,
fund shares and reference tables.

:class:`SmallFileHandlers` is mixed into the importer of :mod:`capsize.data.ingest`;
each handler writes its rows and returns ``(first, last, rows, rejected, findings)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from capsize.data import quality
from capsize.data.providers.local import FileSpec, sniff_csv
from capsize.data.store import Store
from capsize.errors import CapsizeError

__all__ = ["SmallFileHandlers", "catalog_row", "finding_rows", "now", "rejection_findings"]

_FRENCH_DATASET = {
    "F-F_Research_Data_Factors": "FF3",
    "F-F_Research_Data_Factors_daily": "FF3",
    "F-F_Research_Data_5_Factors_2x3": "FF5_2x3",
    "F-F_Research_Data_5_Factors_2x3_daily": "FF5_2x3",
    "F-F_Momentum_Factor_daily": "Momentum",
    "Portfolios_Formed_on_ME": "ME_portfolios",
}
_MISSING_CODES = (-99.99, -999.0)


class _FileRejected(CapsizeError):
    """A file of the folder cannot be imported (reason in the message)."""


def now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


def catalog_row(
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
        "ingested_at": now(),
    }


def finding_rows(
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


def rejection_findings(rejected: pd.DataFrame, key_col: str = "key") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": rejected[key_col],
            "date": pd.to_datetime(rejected["date"], errors="coerce"),
            "check": "rejected_row",
            "severity": "error",
            "detail": "row rejected: " + rejected["reason"].astype(str),
        }
    )


class SmallFileHandlers:
    """Per-kind readers of small files (mixed into the folder importer)."""

    store: Store

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
            pd.concat([checked.findings, rejection_findings(checked.rejected)], ignore_index=True)
            if len(checked.rejected)
            else checked.findings
        )
        return checked.clean, finding_rows(spec.rel, spec.subject, findings), len(checked.rejected)

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
                [findings, rejection_findings(checked.rejected)], ignore_index=True
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
            finding_rows(spec.rel, dataset, findings),
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
                finding_rows(
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
            finding_rows(spec.rel, spec.subject, findings),
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
            finding_rows(
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
            finding_rows(spec.rel, spec.subject, findings),
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
            finding_rows(spec.rel, spec.subject, findings),
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
        return None, None, len(raw), 0, finding_rows(spec.rel, spec.subject, empty)
