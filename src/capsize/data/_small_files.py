"""Loaders for the small files of a data folder.

Macro series, factor files, French and FRED originals, holdings, membership,
fund shares and reference tables. Each loader is a plain function
``load(store, spec, today) -> Loaded``: it reads one file, validates it
(:mod:`capsize.data.validate`: strict ISO dates and plain numbers, plausible dates up
to ``today``, value bounds per kind) and checks it BEFORE writing anything, writes its
rows to the (open, in-transaction) store and returns what it wrote. A file refused as
a whole raises before its first write. :data:`LOADERS` maps a file
kind to its loader; :mod:`capsize.data.ingest` calls them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from capsize.data import quality, validate
from capsize.data.providers.local import FileSpec, sniff_csv
from capsize.data.store import Store
from capsize.errors import CapsizeError

__all__ = [
    "LOADERS",
    "Loaded",
    "catalog_row",
    "finding_rows",
    "now",
    "rejection_findings",
]

_FRENCH_DATASET = {
    "F-F_Research_Data_Factors": "FF3",
    "F-F_Research_Data_Factors_daily": "FF3",
    "F-F_Research_Data_5_Factors_2x3": "FF5_2x3",
    "F-F_Research_Data_5_Factors_2x3_daily": "FF5_2x3",
    "F-F_Momentum_Factor_daily": "Momentum",
    "Portfolios_Formed_on_ME": "ME_portfolios",
}
# Sections of the Portfolios_Formed_on_ME original imported from it (the tidy files hold
# the daily and monthly returns): section key -> dataset.
_ME_SECTIONS = {
    "vw_annual": "ME_portfolios_VW",
    "ew_annual": "ME_portfolios_EW",
    "n_firms": "ME_portfolios_nfirms",
    "avg_firm_size": "ME_portfolios_avgsize",
}
_MISSING_CODES = (-99.99, -999.0)
_NOTE_COLUMNS = ["date", "check", "severity", "detail"]


class _FileRejected(CapsizeError):
    """A file of the folder cannot be imported (reason in the message)."""


class Loaded(NamedTuple):
    """What a loader wrote for one file.

    Attributes
    ----------
    first, last : date-like or None
        Date range of the rows written.
    rows : int
        Rows written.
    rejected : int
        Rows refused.
    findings : DataFrame
        Quality-log rows of the file (see :func:`finding_rows`).
    """

    first: Any
    last: Any
    rows: int
    rejected: int
    findings: pd.DataFrame


def now() -> pd.Timestamp:
    """Return the current UTC time, tz-naive (the store's ``ingested_at``)."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


def _day(value: Any) -> Any:
    return pd.Timestamp(value).date() if value is not None and not pd.isna(value) else None


def catalog_row(
    spec: FileSpec, first: Any, last: Any, rows: int, rejected: int, digest: str
) -> dict[str, object]:
    """Return the catalog entry of one imported file."""
    return {
        "dataset_key": spec.rel,
        "kind": spec.kind,
        "subject": spec.subject,
        "variant": spec.variant,
        "first_date": _day(first),
        "last_date": _day(last),
        "rows": int(rows),
        "rejected": int(rejected),
        "source": spec.rel,
        "content_hash": digest,
        "ingested_at": now(),
    }


def finding_rows(
    dataset_key: str | pd.Series, symbol: str | pd.Series, findings: pd.DataFrame
) -> pd.DataFrame:
    """Quality-log rows (``dataset_key, symbol, date, check, severity, detail``) of findings."""
    return pd.DataFrame(
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


def rejection_findings(rejected: pd.DataFrame, key_col: str = "key") -> pd.DataFrame:
    """One ``rejected_row`` error finding per rejected row (with its reason)."""
    return pd.DataFrame(
        {
            "key": rejected[key_col],
            "date": pd.to_datetime(rejected["date"], errors="coerce"),
            "check": "rejected_row",
            "severity": "error",
            "detail": "row rejected: " + rejected["reason"].astype(str),
        }
    )


def _with_rejections(checked: quality.CheckResult) -> pd.DataFrame:
    """Return the findings of a check plus one finding per rejected row."""
    if not len(checked.rejected):
        return checked.findings
    return pd.concat([checked.findings, rejection_findings(checked.rejected)], ignore_index=True)


# ----------------------------------------------------------------------------- reading


def _read_csv(spec: FileSpec, required: Sequence[str], min_columns: int = 2) -> pd.DataFrame:
    reason = sniff_csv(spec.path, required=required, min_columns=min_columns)
    if reason:
        raise _FileRejected(reason)
    try:
        return pd.read_csv(spec.path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise _FileRejected(f"not a readable CSV: {str(exc).splitlines()[0]}") from None


def _numeric(text: pd.Series) -> pd.Series:
    """Plain numbers of a column; anything else is missing (used for cross-checks only)."""
    return validate.parse_numbers(text, "value")[0]


def _screen(
    raw: pd.DataFrame,
    kind: str,
    subject: str,
    today: pd.Timestamp,
    *,
    date_col: str = "date",
    numbers: Sequence[str] = (),
    thousands: bool = False,
) -> tuple[pd.DataFrame, pd.Series]:
    """Parse a file's date and number columns strictly and apply the kind's rule.

    Returns the parsed frame (``date`` and the ``numbers`` columns, NaN where absent)
    and one reason per refused row (None where the row passes).
    """
    dates, why = validate.parse_iso_dates(raw[date_col])
    out = pd.DataFrame({"date": dates}, index=raw.index)
    for col in numbers:
        if col not in raw.columns:
            out[col] = np.nan
            continue
        out[col], cell = validate.parse_numbers(raw[col], col, thousands=thousands)
        why = why.where(why.notna(), cell)
    plausible = validate.row_reasons(kind, out, today=today, subject=subject)
    return out, why.where(why.notna(), plausible)


def _refused_rows(dates: pd.Series, why: pd.Series) -> pd.DataFrame:
    """One ``rejected_row`` error finding per refused row, with its reason."""
    bad = why.notna()
    return pd.DataFrame(
        {
            "date": dates[bad],
            "check": "rejected_row",
            "severity": "error",
            "detail": "row rejected: " + why[bad].astype(str),
        }
    )


# ----------------------------------------------------------------------------- macro


def load_macro(store: Store, spec: FileSpec, today: pd.Timestamp) -> Loaded:
    """Load a tidy FRED series (``date,value``) into ``macro``."""
    raw = _read_csv(spec, ("date", "value"))
    parsed, why = _screen(raw, "macro", spec.subject, today, numbers=("value",))
    ok = why.isna()
    long = parsed[ok].assign(key=spec.subject)[["key", "date", "value"]]
    # Policy rates sit unchanged for months by design: no stale-run check there.
    stale = 10**9 if spec.subject in ("DFF", "FEDFUNDS") else 10
    checked = quality.check_series(long, stale_run=stale)
    clean = checked.clean.dropna(subset=["value"])
    store.write_macro(
        pd.DataFrame(
            {
                "series_id": spec.subject,
                "date": clean["date"].dt.date,
                "value": clean["value"],
                "source": spec.rel,
            }
        )
    )
    findings = finding_rows(
        spec.rel,
        spec.subject,
        pd.concat(
            [_with_rejections(checked), _refused_rows(parsed["date"], why)], ignore_index=True
        ),
    )
    n_bad = len(checked.rejected) + int((~ok).sum())
    return Loaded(clean["date"].min(), clean["date"].max(), len(clean), n_bad, findings)


def load_fred_original(store: Store, spec: FileSpec, today: pd.Timestamp) -> Loaded:
    """Cross-check a FRED original against the imported tidy series (nothing is written)."""
    raw = _read_csv(spec, ("date", "value"))
    parsed, why = _screen(raw, "macro", spec.subject, today, numbers=("value",))
    ok = why.isna() & parsed["date"].notna()
    orig = pd.Series(parsed.loc[ok, "value"].to_numpy(), index=parsed.loc[ok, "date"]).dropna()
    try:
        tidy = store.macro(spec.subject)[spec.subject].dropna()
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
    note = pd.DataFrame(
        [[pd.NaT, "cross_check", "info" if n_diff == 0 else "warning", detail]],
        columns=_NOTE_COLUMNS,
    )
    return Loaded(
        orig.index.min(), orig.index.max(), len(orig), 0, finding_rows(spec.rel, spec.subject, note)
    )


# ----------------------------------------------------------------------------- factors


def load_factors(store: Store, spec: FileSpec, today: pd.Timestamp) -> Loaded:
    """Load a tidy Ken French file (``date`` and one column per factor) into ``factors``."""
    from capsize.data.providers.french import normalize_french_column

    raw = _read_csv(spec, ("date",))
    cols = [c for c in raw.columns if c != "date"]
    parsed, why = _screen(raw, "factors", spec.subject, today, numbers=cols)
    ok = why.isna()
    # Spreadsheet-mangled decile labels ("2-Dec") get French's own names ("Dec 2").
    values = pd.DataFrame(
        {normalize_french_column(c): parsed.loc[ok, c] for c in cols}, index=parsed.index[ok]
    )
    loaded = _write_factor_frame(
        store, spec, spec.subject, spec.variant, parsed.loc[ok, "date"], values, today
    )
    refused = finding_rows(spec.rel, spec.subject, _refused_rows(parsed["date"], why))
    return loaded._replace(
        rejected=loaded.rejected + int((~ok).sum()),
        findings=pd.concat([loaded.findings, refused], ignore_index=True),
    )


def _missing_notes(dataset: str, values: pd.DataFrame, codes: pd.DataFrame) -> list[pd.DataFrame]:
    """Info findings for French missing codes and for empty or unparseable values, by column."""
    blank = values.isna() & ~codes
    notes = [
        (
            "missing_code",
            codes,
            "values of column {!r} are French missing codes (-99.99/-999), stored as missing",
        ),
        ("missing_value", blank, "empty or unparseable values in column {!r}, stored as missing"),
    ]
    out = []
    for check, mask, text in notes:
        cols = [c for c in values.columns if mask[c].any()]
        if cols:
            out.append(
                pd.DataFrame(
                    {
                        "key": dataset,
                        "date": pd.NaT,
                        "check": check,
                        "severity": "info",
                        "detail": [f"{int(mask[c].sum())} {text.format(c)}" for c in cols],
                    }
                )
            )
    return out


def _write_factor_frame(
    store: Store,
    spec: FileSpec,
    dataset: str,
    freq: str,
    dates: pd.Series | pd.Index,
    values: pd.DataFrame,
    today: pd.Timestamp,
) -> Loaded:
    codes = values.isin(_MISSING_CODES)
    extra = _missing_notes(dataset, values, codes)
    long = (
        values.mask(codes)
        .assign(date=np.asarray(dates))
        .melt(id_vars="date", var_name="name", value_name="value")
    )
    # Missing values are not stored: reads return NaN for them (stated in the findings).
    long = long.dropna(subset=["value"]).rename(columns={"name": "key"})
    long["key"] = dataset + ":" + long["key"]
    why = validate.row_reasons("factors", long, today=today, subject=dataset)
    refused = _refused_rows(long["date"], why).assign(key=dataset)
    long = long[why.isna()]
    # Factor returns (RF above all) repeat legitimately: no stale-run check.
    checked = quality.check_series(long[["key", "date", "value"]], stale_run=10**9)
    clean = checked.clean
    findings = pd.concat([_with_rejections(checked), refused, *extra], ignore_index=True)
    store.write_factors(
        pd.DataFrame(
            {
                "dataset": dataset,
                "frequency": freq,
                "date": clean["date"].dt.date,
                "name": clean["key"].str.split(":", n=1).str[1],
                "value": clean["value"],
                "source": spec.rel,
            }
        )
    )
    return Loaded(
        clean["date"].min(),
        clean["date"].max(),
        int(clean["date"].nunique()),
        len(checked.rejected) + len(refused),
        finding_rows(spec.rel, dataset, findings),
    )


def _french_target(dataset: str, section: str) -> str | None:
    """Dataset an original's section is imported as (None: taken from the tidy files)."""
    if dataset == "ME_portfolios":
        return _ME_SECTIONS.get(section)
    return dataset if section == "annual" else None


def load_french_original(store: Store, spec: FileSpec, today: pd.Timestamp) -> Loaded:
    """Load the annual sections (and size-portfolio counts and sizes) of a French original."""
    from capsize.data.providers.french import parse_french_csv

    text = spec.path.read_text(encoding="utf-8-sig", errors="replace")
    sections = parse_french_csv(text, name=spec.rel)
    dataset = _FRENCH_DATASET.get(spec.subject, spec.subject)
    parts: list[Loaded] = []
    for frame in sections.values():
        target = _french_target(dataset, str(frame.attrs.get("key", "")))
        if target is not None:
            freq = str(frame.attrs.get("frequency", ""))
            parts.append(
                _write_factor_frame(
                    store, spec, target, freq, frame.index, frame.reset_index(drop=True), today
                )
            )
    if not parts:
        note = pd.DataFrame(
            [
                [
                    pd.NaT,
                    "reference_only",
                    "info",
                    "original file: its daily/monthly sections are imported from the tidy macro/ files",
                ]
            ],
            columns=_NOTE_COLUMNS,
        )
        return Loaded(None, None, 0, 0, finding_rows(spec.rel, dataset, note))
    return Loaded(
        min(p.first for p in parts),
        max(p.last for p in parts),
        sum(p.rows for p in parts),
        sum(p.rejected for p in parts),
        pd.concat([p.findings for p in parts], ignore_index=True),
    )


# ----------------------------------------------------------------------------- funds


def _holdings_day(meta: dict[str, Any], today: pd.Timestamp) -> pd.Timestamp:
    """Return the as-of day of a holdings file; refuse the file when it is implausible."""
    day = validate.parse_iso_dates(pd.Series([str(meta["as_of"])[:10]]))
    when = pd.DataFrame({"date": day[0]})
    why = day[1].where(day[1].notna(), validate.row_reasons("holdings", when, today=today))
    if why.notna().iloc[0]:
        raise _FileRejected(f"holdings as-of date refused: {why.iloc[0]}")
    return pd.Timestamp(day[0].iloc[0])


def _fund_shares_point(
    meta: dict[str, Any], today: pd.Timestamp, as_of: pd.Timestamp
) -> float | None:
    """Return the fund shares outstanding a holdings file states (None: not stated)."""
    so = meta.get("shares_outstanding")
    if so is None or (isinstance(so, float) and math.isnan(so)):
        return None
    point = pd.DataFrame({"date": [as_of], "shares_outstanding": [float(so)]})
    why = validate.row_reasons("fund_shares", point, today=today)
    if why.notna().iloc[0]:
        raise _FileRejected(f"fund shares outstanding refused: {why.iloc[0]}")
    return float(so)


def load_holdings(store: Store, spec: FileSpec, today: pd.Timestamp) -> Loaded:
    """Load an iShares holdings file into ``holdings`` (and its shares outstanding)."""
    from capsize.data.providers.ishares import parse_ishares_holdings

    frame, meta = parse_ishares_holdings(spec.path.read_bytes(), name=spec.rel)
    as_of = _holdings_day(meta, today)
    so = _fund_shares_point(meta, today, as_of)
    notes: list[list[object]] = []
    if spec.variant and pd.Timestamp(spec.variant) != as_of:
        notes.append(
            [
                as_of,
                "as_of_mismatch",
                "warning",
                f"file name says {spec.variant} but the file says holdings as of {as_of.date()}",
            ]
        )
    df = frame.copy()
    df.insert(0, "position", np.arange(len(df), dtype="int32"))
    df.insert(0, "as_of", as_of.date())
    df.insert(0, "fund", spec.subject)
    df["source"] = spec.rel
    store.write_holdings(df)
    if so is not None:
        store.write_fund_shares(
            pd.DataFrame(
                {
                    "fund": [spec.subject],
                    "date": [as_of.date()],
                    "shares_outstanding": [so],
                    "nav": [None],
                    "source": [spec.rel],
                }
            )
        )
    else:
        notes.append(
            [
                as_of,
                "no_shares_outstanding",
                "info",
                "the file states no fund shares outstanding ('-'); no flow data point",
            ]
        )
    findings = finding_rows(spec.rel, spec.subject, pd.DataFrame(notes, columns=_NOTE_COLUMNS))
    return Loaded(as_of, as_of, len(df), 0, findings)


def _stored_snapshot_sizes(store: Store, index_name: str) -> pd.Series:
    rows = store.con.execute(
        "SELECT snapshot_date, count(*) FROM membership WHERE index_name = ? GROUP BY 1",
        [index_name],
    ).fetchall()
    return pd.Series({pd.Timestamp(d): int(n) for d, n in rows}, dtype="int64")


def load_membership(store: Store, spec: FileSpec, today: pd.Timestamp) -> Loaded:
    """Load an index membership history (``snapshot_date,ticker[,weight_pct]``).

    A file whose snapshot of some date has less than half the tickers the store holds
    for that date is refused (:func:`capsize.data.validate.membership_shrink`).
    """
    raw = _read_csv(spec, ("snapshot_date", "ticker"))
    parsed, why = _screen(
        raw, "membership", spec.subject, today, date_col="snapshot_date", numbers=("weight_pct",)
    )
    tickers = raw["ticker"].str.strip()
    why = why.where(why.notna() | tickers.ne(""), "missing date or ticker")
    bad = why.notna()
    df = pd.DataFrame(
        {
            "index_name": spec.subject,
            "snapshot_date": parsed["date"].dt.date,
            "ticker": tickers,
            "weight": parsed["weight_pct"] / 100.0,
            "source": spec.rel,
        }
    )[~bad]
    dup = df.duplicated(["snapshot_date", "ticker"], keep="last")
    df = df[~dup]
    sizes = df.groupby(pd.to_datetime(df["snapshot_date"])).size()
    shrink = validate.membership_shrink(sizes, _stored_snapshot_sizes(store, spec.subject))
    if shrink is not None:
        raise _FileRejected(shrink)
    store.write_membership(df)
    findings = finding_rows(spec.rel, spec.subject, _refused_rows(parsed["date"], why))
    if dup.any():
        findings = pd.concat([findings, _duplicate_note(spec, int(dup.sum()))], ignore_index=True)
    dates = parsed["date"][~bad]
    return Loaded(dates.min(), dates.max(), len(df), int(bad.sum()), findings)


def _duplicate_note(spec: FileSpec, n: int) -> pd.DataFrame:
    note = pd.DataFrame(
        [
            [
                pd.NaT,
                "duplicate_key",
                "warning",
                f"{n} repeated (date, ticker) rows; the last is kept",
            ]
        ],
        columns=_NOTE_COLUMNS,
    )
    return finding_rows(spec.rel, spec.subject, note)


def _conflicting_keys(df: pd.DataFrame, keys: list[str], value: str) -> pd.Series:
    """Rows sharing a key with another row of different value (all of them refused)."""
    spread = df.groupby(keys)[value].transform("nunique")
    return spread.gt(1)


def load_fund_shares(store: Store, spec: FileSpec, today: pd.Timestamp) -> Loaded:
    """Load a shares-outstanding history (``date,ticker,shares_outstanding[,nav]``).

    Share counts may carry ``,`` thousands groups; a fund and date given twice with
    different counts is refused (both rows), given twice alike is kept once.
    """
    raw = _read_csv(spec, ("date", "ticker", "shares_outstanding"))
    parsed, why = _screen(
        raw,
        "fund_shares",
        spec.subject,
        today,
        numbers=("shares_outstanding", "nav"),
        thousands=True,
    )
    fund = raw["ticker"].str.strip()
    why = why.where(
        why.notna() | parsed["shares_outstanding"].notna(), "missing shares outstanding"
    )
    why = why.where(why.notna() | fund.ne(""), "missing ticker")
    df = pd.DataFrame(
        {
            "fund": fund,
            "date": parsed["date"].dt.date,
            "shares_outstanding": parsed["shares_outstanding"],
            "nav": parsed["nav"],
            "source": spec.rel,
        }
    )
    clash = _conflicting_keys(df[why.isna()], ["fund", "date"], "shares_outstanding")
    why[clash[clash].index] = "the same fund and date given twice with different shares outstanding"
    bad = why.notna()
    df = df[~bad].drop_duplicates(["fund", "date"], keep="last")
    store.write_fund_shares(df)
    findings = finding_rows(spec.rel, spec.subject, _refused_rows(parsed["date"], why))
    dates = parsed["date"][~bad]
    return Loaded(dates.min(), dates.max(), len(df), int(bad.sum()), findings)


def load_reference(store: Store, spec: FileSpec, today: pd.Timestamp) -> Loaded:
    """Catalogue a reference table; tickers without price history become symbols."""
    raw = _read_csv(spec, (), min_columns=1)
    if spec.subject == "universe_missing_tickers" and "ticker" in raw.columns:
        known = set(store.symbols())
        miss = raw.loc[~raw["ticker"].isin(known), "ticker"]
        store.write_symbols(
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
    empty = pd.DataFrame(columns=_NOTE_COLUMNS)
    return Loaded(None, None, len(raw), 0, finding_rows(spec.rel, spec.subject, empty))


LOADERS: dict[str, Callable[[Store, FileSpec, pd.Timestamp], Loaded]] = {
    "macro": load_macro,
    "factors": load_factors,
    "french_original": load_french_original,
    "fred_original": load_fred_original,
    "holdings": load_holdings,
    "membership": load_membership,
    "fund_shares": load_fund_shares,
    "reference": load_reference,
}
"""File kind -> loader."""
