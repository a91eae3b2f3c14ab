"""Data-quality checks for price bars and value series.

The importer calls :func:`check_bars` and :func:`check_series` on LONG frames
holding many symbols (``key``) at once. Every check is vectorized over the whole
frame (numpy on sorted arrays; no Python loop over keys), so the whole
small-cap universe (~5 million rows) is checked in seconds.

Nothing is dropped silently: every input row ends up either in ``clean``
(accepted, possibly with a warning finding) or in ``rejected`` (with a
``reason``), so ``len(clean) + len(rejected) == len(input)``. Findings are a
frame with :data:`FINDING_COLUMNS`; ``severity`` is ``"error"`` (a row was
refused), ``"warning"`` (a row was kept but looks wrong) or ``"info"``.

Checks on bars
--------------
=====================  ========  ===================================================
check                  severity  rule
=====================  ========  ===================================================
missing_key            error     key missing or empty: row rejected
missing_date           error     date missing or unparseable: row rejected
unparseable_value      error     a price/volume cell is not a number: row rejected
missing_close          error     close missing (NaN): row rejected
non_finite_value       error     a price/volume is +/-inf: row rejected
non_positive_price     error     open/high/low/close <= 0: row rejected
negative_volume        error     volume < 0: row rejected
duplicate_date         error     same key and date, different values: the last
                                 occurrence in file order is kept, others rejected
duplicate_date         warning   same key and date, identical values: one kept
unsorted               info      rows of a key not in ascending date order (sorted)
high_below_low         warning   high < low (row kept)
close_outside_range    warning   close outside [low, high] (row kept)
open_outside_range     warning   open outside [low, high] (row kept)
stale_close            warning   ``stale_run`` or more consecutive identical closes
zero_volume_run        warning   ``stale_run`` or more consecutive zero volumes
split_jump             warning   close-to-close ratio within ``split_tolerance`` of a
                                 split ratio (k or 1/k for k in ``split_ratios``)
large_move             info      abs(close ratio - 1) > ``large_move``, not near a split
calendar_gap           info/     exchange sessions missing between a key's first and
                       warning   last date (one finding per key)
non_session_date       warning   a row dated on a weekend or exchange holiday
calendar_not_checked   info      rows outside the range the calendar models
=====================  ========  ===================================================

:func:`check_series` applies the key/date/number rules and duplicates as above, plus
``missing_value`` (info: a NaN value, row rejected), ``stale_value`` (warning) and,
when given a calendar, the calendar checks.

Examples
--------
>>> import pandas as pd
>>> bars = pd.DataFrame({"key": ["IWM", "IWM", "IWM"],
...     "date": pd.to_datetime(["2024-03-11", "2024-03-08", "2024-03-11"]),
...     "close": [12.40, 1.24, 12.10]})
>>> res = check_bars(bars, basis="raw", calendar=None)
>>> res.clean[["date", "close"]]
        date  close
0 2024-03-08   1.24
1 2024-03-11  12.10
>>> res.findings["check"].tolist()
['unsorted', 'duplicate_date', 'split_jump']
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from capsize._format import fmt_num, fmt_pct
from capsize.errors import InputError, SchemaError

__all__ = [
    "BASES",
    "DEFAULT_SPLIT_RATIOS",
    "FINDING_COLUMNS",
    "SEVERITIES",
    "BarsCheck",
    "CheckResult",
    "SeriesCheck",
    "calendar_start",
    "check_bars",
    "check_series",
    "summarize",
]

FINDING_COLUMNS: Final[list[str]] = ["key", "date", "check", "severity", "detail"]
"""Columns of every findings frame."""

SEVERITIES: Final[tuple[str, ...]] = ("error", "warning", "info")
"""Severities, most serious first."""

BASES: Final[tuple[str, ...]] = ("adjusted", "raw", "level")
"""Allowed ``basis`` values of :func:`check_bars`."""

DEFAULT_SPLIT_RATIOS: Final[tuple[float, ...]] = (2, 3, 4, 5, 8, 10, 15, 20, 25, 50, 100)
"""Split factors k: a k:1 split divides a raw close by k, a 1:k reverse split multiplies it."""

_RELIABLE_START: Final[dict[str, str]] = {"XNYS": "1970-01-01"}
# exchange_calendars 4.13 models XNYS regular holidays only from 1970 on: checked against
# ^GSPC, 8-9 holidays a year (New Year, Good Friday, Thanksgiving, ...) are listed as
# sessions for 1960-1969 and none from 1970 to 2026.

_PRICE_COLS: Final[tuple[str, ...]] = ("open", "high", "low", "close")
_EPS: Final[float] = 1e-6  # relative slack for OHLC consistency (files carry ~8 significant digits)
_WEEKDAYS: Final[tuple[str, ...]] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a quality check.

    Attributes
    ----------
    clean : DataFrame
        Accepted rows, same columns as the input, sorted by ``key, date``, one row
        per key and date, fresh RangeIndex; ``date`` is datetime64 (the input's
        unit, or parsed from strings) and the checked numeric columns are float64.
    rejected : DataFrame
        Refused rows exactly as given (input order), plus ``reason`` (str) and
        ``row`` (0-based position in the input).
    findings : DataFrame
        Columns :data:`FINDING_COLUMNS`; ``date`` is the date the finding is about
        (NaT when unknown), sorted by ``key, date, check``.
    """

    clean: pd.DataFrame
    rejected: pd.DataFrame
    findings: pd.DataFrame

    def counts(self) -> dict[str, int]:
        """Return the number of findings per severity (all three keys present)."""
        vc = self.findings["severity"].value_counts()
        return {s: int(vc.get(s, 0)) for s in SEVERITIES}

    @property
    def ok(self) -> bool:
        """True when there is no ``error`` finding."""
        return not bool((self.findings["severity"] == "error").any())


@dataclass(frozen=True)
class BarsCheck(CheckResult):
    """Outcome of :func:`check_bars` (see :class:`CheckResult`)."""


@dataclass(frozen=True)
class SeriesCheck(CheckResult):
    """Outcome of :func:`check_series` (see :class:`CheckResult`)."""


# ----------------------------------------------------------------------------- helpers


def _px(v: float) -> str:
    """Format a price/value with enough digits to be read: 12.4 -> '12.40', 0.00123 -> '0.00123'."""
    if not math.isfinite(v) or v == 0:
        return fmt_num(v, 2, reason="missing")
    digits = max(2, 2 - math.floor(math.log10(abs(v))))
    return fmt_num(v, min(digits, 10))


_NAT: Final[int] = int(np.iinfo(np.int64).min)
_NS_PER_DAY: Final[int] = 86_400_000_000_000


def _dstr(ns: IntArray) -> list[str]:
    """ISO dates of int64 nanoseconds (``'NaT'`` for unknown)."""
    return [
        str(x)
        for x in np.asarray(ns, dtype=np.int64).view("datetime64[ns]").astype("datetime64[D]")
    ]


def _findings(
    keys: Sequence[str] | ObjArray,
    ns: IntArray,
    check: str,
    severity: str,
    details: Sequence[str] | ObjArray,
) -> pd.DataFrame:
    """Build a findings frame; ``ns`` are int64 nanoseconds (``_NAT`` = unknown date)."""
    n = len(details)
    return pd.DataFrame(
        {
            "key": np.asarray(keys, dtype=object),
            "date": np.asarray(ns, dtype=np.int64).view("datetime64[ns]"),
            "check": np.full(n, check, dtype=object),
            "severity": np.full(n, severity, dtype=object),
            "detail": np.asarray(list(details), dtype=object),
        }
    )


def _empty_findings() -> pd.DataFrame:
    return _findings([], np.zeros(0, dtype=np.int64), "", "info", [])


def _finalize_findings(parts: list[pd.DataFrame], max_per_check: int | None) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_findings()
    f = pd.concat(parts, ignore_index=True)
    f = f.sort_values(["key", "date", "check"], kind="stable", na_position="first")
    f = f.reset_index(drop=True)
    if max_per_check is not None:
        rank = f.groupby(["key", "check"], sort=False).cumcount().to_numpy()
        over = rank >= max_per_check
        if over.any():
            extra = f[over]
            sev_rank = extra["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
            g = extra.assign(_s=sev_rank).groupby(["key", "check"], sort=False)
            agg = g.agg(
                n=("detail", "size"), first=("date", "min"), last=("date", "max"), s=("_s", "min")
            )
            agg = agg.reset_index()
            details = [
                f"... and {n:,} more {c} findings not listed"
                + (f" ({a:%Y-%m-%d}..{b:%Y-%m-%d})" if pd.notna(a) else "")
                + ("; all rows are in the rejected frame" if s == 0 else "")
                for n, c, a, b, s in zip(
                    agg["n"], agg["check"], agg["first"], agg["last"], agg["s"], strict=True
                )
            ]
            summary = pd.DataFrame(
                {
                    "key": agg["key"].to_numpy(dtype=object),
                    "date": agg["first"].to_numpy(),
                    "check": agg["check"].to_numpy(dtype=object),
                    "severity": [SEVERITIES[s] for s in agg["s"]],
                    "detail": details,
                }
            )
            f = pd.concat([f[~over], summary], ignore_index=True)
            f = f.sort_values(["key", "date", "check"], kind="stable", na_position="first")
            f = f.reset_index(drop=True)
    f["key"] = f["key"].astype(object)
    f["check"] = f["check"].astype(object)
    f["severity"] = f["severity"].astype(object)
    f["detail"] = f["detail"].astype(object)
    return f[FINDING_COLUMNS]


def _runs(mask: BoolArray, code: IntArray) -> tuple[IntArray, IntArray]:
    """Start index and length of each run of True in ``mask`` not crossing a change of ``code``."""
    n = len(mask)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    prev = np.r_[False, mask[:-1] & (code[1:] == code[:-1])]
    start = mask & ~prev
    starts = np.flatnonzero(start)
    run_id = np.cumsum(start) - 1
    lengths = np.bincount(run_id[mask], minlength=len(starts))
    return starts.astype(np.int64), lengths.astype(np.int64)


@functools.lru_cache(maxsize=8)
def _sessions(name: str) -> tuple[IntArray, int, int]:
    """Sessions of calendar ``name`` as days since 1970-01-01, with first and last day."""
    import exchange_calendars as xcals

    if name not in xcals.get_calendar_names(include_aliases=True):
        raise InputError(
            f"calendar={name!r} is not an exchange_calendars name; use e.g. 'XNYS', "
            "or calendar=None to skip the session checks"
        )
    start = _RELIABLE_START.get(name)
    with warnings.catch_warnings():
        # exchange_calendars 4.x trips pandas deprecation warnings; not ours to fix
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        cal = xcals.get_calendar(name, start=start) if start else xcals.get_calendar(name)
    days = cal.sessions.values.astype("datetime64[D]").astype(np.int64)
    days.setflags(write=False)
    return days, int(days[0]), int(days[-1])


def calendar_start(name: str = "XNYS") -> pd.Timestamp:
    """First session of exchange calendar ``name`` used by the session checks.

    Parameters
    ----------
    name : str
        exchange_calendars name.

    Returns
    -------
    Timestamp
        Rows dated before it are not checked against the calendar (a finding says so).

    Examples
    --------
    >>> calendar_start("XNYS")
    Timestamp('1970-01-02 00:00:00')
    """
    _, first, _ = _sessions(name)
    return pd.Timestamp(np.datetime64(first, "D"))


# ----------------------------------------------------------------------------- shared core


def _validate_common(frame: object, name: str, required: Sequence[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in required if c not in frame.columns]
    if missing and set(missing) <= set(frame.index.names):
        raise SchemaError(
            f"{name} has {missing} in its index, not as column(s); pass {name}.reset_index()"
        )
    if missing:
        raise SchemaError(
            f"{name} lacks column(s) {missing}; expected a long frame with columns "
            f"{list(required)} (one row per key and date)"
        )
    if frame.columns.duplicated().any():
        dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise SchemaError(f"{name} has duplicated column names {dup}; rename them")
    return frame


def _parse_dates(col: pd.Series, name: str) -> tuple[IntArray, np.dtype[np.datetime64]]:
    """Dates as int64 ns with NaT = iNaT; unparseable values become NaT."""
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        raise SchemaError(
            f"{name}['date'] is timezone-aware ({dtype.tz}); pass tz-naive exchange-local "
            "calendar dates (e.g. .dt.tz_localize(None))"
        )
    if pd.api.types.is_datetime64_dtype(dtype):
        parsed = col
    else:
        parsed = pd.to_datetime(col, errors="coerce", format="ISO8601")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            raise SchemaError(
                f"{name}['date'] holds timezone offsets; pass tz-naive calendar dates"
            )
    pdt = parsed.dtype
    unit = cast(
        "np.dtype[np.datetime64]",
        pdt if isinstance(pdt, np.dtype) and pdt.kind == "M" else np.dtype("M8[ns]"),
    )
    return np.asarray(parsed.to_numpy(dtype="datetime64[ns]")).view(np.int64), unit


_Rule = tuple[str, str, BoolArray, Callable[[IntArray], list[str]]]


@dataclass
class _Parsed:
    frame: pd.DataFrame
    code: IntArray  # -1 = missing key
    keys: ObjArray  # sorted unique keys
    ns: IntArray  # _NAT = missing date
    vals: dict[str, FloatArray]
    unparseable: dict[str, BoolArray]
    date_dtype: np.dtype[np.datetime64]

    def key_of(self, idx: IntArray) -> ObjArray:
        out = np.full(len(idx), "(missing key)", dtype=object)
        c = self.code[idx]
        ok = c >= 0
        out[ok] = self.keys[c[ok]]
        return out


@dataclass
class _Core:
    keys: ObjArray  # sorted unique keys; code i -> keys[i]
    code: IntArray  # clean rows, sorted by key then date
    ns: IntArray  # clean dates, int64 ns
    day: IntArray  # clean dates, days since 1970-01-01
    row: IntArray  # input position of each clean row
    vals: dict[str, FloatArray]  # parsed numeric columns aligned with clean rows
    rej_rows: IntArray
    rej_reason: ObjArray
    findings: list[pd.DataFrame]
    date_dtype: np.dtype[np.datetime64]
    identity: bool  # clean rows are exactly the input rows in input order

    def key_at(self, i: IntArray) -> ObjArray:
        return self.keys[self.code[i]]


def _parse(frame: pd.DataFrame, name: str, numeric: Sequence[str]) -> _Parsed:
    kser = frame["key"]
    if not (pd.api.types.is_string_dtype(kser.dtype) or kser.dtype == object):
        kser = kser.astype(object).where(kser.notna(), None).astype(str)
    try:
        codes, uniques = pd.factorize(kser, sort=True)
    except TypeError:  # mixed key types in an object column
        codes, uniques = pd.factorize(kser.where(kser.isna(), kser.astype(str)), sort=True)
    code = np.asarray(codes, dtype=np.int64)
    keys = np.array([str(u) for u in uniques], dtype=object)
    blank = np.array([k.strip() == "" for k in keys], dtype=bool)
    if blank.any():
        remap = np.cumsum(~blank) - 1
        remap[blank] = -1
        code = np.where(code >= 0, remap[np.maximum(code, 0)], -1)
        keys = keys[~blank]
    ns, date_dtype = _parse_dates(frame["date"], name)
    vals: dict[str, FloatArray] = {}
    bad: dict[str, BoolArray] = {}
    for col in numeric:
        if col not in frame.columns:
            continue
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            vals[col] = s.to_numpy(dtype=np.float64, na_value=np.nan)
            bad[col] = np.zeros(len(s), dtype=bool)
        else:
            v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            b = s.notna().to_numpy() & np.isnan(v)
            if b.any():  # blank strings are missing values, not garbage
                idx = np.flatnonzero(b)
                b[idx] = s.iloc[idx].astype(str).str.strip().to_numpy() != ""
            vals[col] = v
            bad[col] = b
    return _Parsed(frame, code, keys, ns, vals, bad, date_dtype)


def _const(text: str) -> Callable[[IntArray], list[str]]:
    def f(i: IntArray) -> list[str]:
        return [text] * len(i)

    return f


def _valued(
    template: str, x: FloatArray, fmt: Callable[[float], str]
) -> Callable[[IntArray], list[str]]:
    def f(i: IntArray) -> list[str]:
        return [template.format(fmt(float(x[j]))) for j in i.tolist()]

    return f


def _raw_valued(template: str, col: pd.Series) -> Callable[[IntArray], list[str]]:
    def f(i: IntArray) -> list[str]:
        return [template.format(repr(str(v))) for v in col.iloc[i].tolist()]

    return f


def _base_rules(p: _Parsed) -> list[_Rule]:
    rules: list[_Rule] = []
    frame = p.frame
    rules.append(("missing_key", "error", p.code < 0, _const("key missing or empty")))
    raw_dates = frame["date"]

    def _date_reason(i: IntArray) -> list[str]:
        raw = raw_dates.iloc[i]
        return [
            "date missing" if pd.isna(v) else f"date {str(v)!r} unparseable" for v in raw.tolist()
        ]

    rules.append(("missing_date", "error", p.ns == _NAT, _date_reason))
    for col, b in p.unparseable.items():
        if b.any():
            rules.append(
                (
                    "unparseable_value",
                    "error",
                    b,
                    _raw_valued(f"{col} {{}} is not a number", frame[col]),
                )
            )
    for col, v in p.vals.items():
        inf = np.isinf(v)
        if inf.any():
            rules.append(
                (
                    "non_finite_value",
                    "error",
                    inf,
                    _valued(f"{col} {{}} is not finite", v, str),
                )
            )
    return rules


def _dup_text(col: str, a: object, b: object) -> str:
    def f(x: object) -> str:
        if isinstance(x, float | np.floating):
            v = float(x)
            return fmt_num(v, 0) if col == "volume" and math.isfinite(v) else _px(v)
        return "missing" if pd.isna(x) else str(x)  # type: ignore[call-overload]

    return f"{col} {f(a)} vs {f(b)}"


def _composite(code: IntArray, ns: IntArray, n_keys: int) -> IntArray | None:
    """One int64 sort key ``code * span + day`` when dates are whole days, else None."""
    if bool(np.any(ns % _NS_PER_DAY)):
        return None
    day = ns // _NS_PER_DAY
    lo, hi = int(day.min()), int(day.max())
    span = hi - lo + 1
    if span * max(n_keys, 1) >= 2**62:
        return None
    out: IntArray = code * span + (day - lo)
    return out


def _order_findings(keys: ObjArray, code: IntArray, ns: IntArray, row: IntArray) -> pd.DataFrame:
    """One ``unsorted`` finding per key whose rows were not in ascending date order in the file.

    ``code, ns, row`` are already sorted by key, date and file position: a key was in
    order iff its file positions increase along the sorted rows.
    """
    same = code[1:] == code[:-1]
    back = same & (row[1:] < row[:-1])
    fwd = same & (row[1:] > row[:-1]) & (ns[1:] > ns[:-1])
    n_back = np.bincount(code[1:][back], minlength=len(keys))
    n_fwd = np.bincount(code[1:][fwd], minlength=len(keys))
    pos = np.flatnonzero(back)
    uk, fi = np.unique(code[1:][pos], return_index=True)
    at = pos[fi]
    det = []
    for k, a in zip(uk.tolist(), at.tolist(), strict=True):
        d_a, d_b = _dstr(ns[[a, a + 1]])
        r_a, r_b = int(row[a]), int(row[a + 1])
        if n_fwd[k] == 0:
            det.append(
                f"rows are in descending date order (row {r_b} dated {d_b} comes before row "
                f"{r_a} dated {d_a}); sorted ascending"
            )
        else:
            det.append(
                f"rows are not in date order: {n_back[k]:,} row(s) out of place (first: row {r_a} "
                f"dated {d_a} comes after row {r_b} dated {d_b}); sorted by date"
            )
    return _findings(keys[uk], ns[at], "unsorted", "info", det)


def _core(p: _Parsed, rules: Sequence[_Rule], name: str) -> _Core:
    frame = p.frame
    n = len(frame)
    findings: list[pd.DataFrame] = []
    # --- row rules -> rejected (reasons built for rejected rows only)
    rej = np.zeros(n, dtype=bool)
    for _c, _s, mask, _f in rules:
        rej |= mask
    rej_idx = np.flatnonzero(rej)
    reason = np.full(len(rej_idx), "", dtype=object)
    first = np.full(len(rej_idx), -1, dtype=np.int64)  # first rule each rejected row fails
    for r_i, (_check, _sev, mask, fn) in enumerate(rules):
        sub = np.flatnonzero(mask[rej_idx])
        if not len(sub):
            continue
        texts = fn(rej_idx[sub])
        old = reason[sub]
        reason[sub] = [t if not o else f"{o}; {t}" for o, t in zip(old, texts, strict=True)]
        first[sub[first[sub] < 0]] = r_i
    for r_i, (check, severity, _mask, _fn) in enumerate(rules):
        sub = np.flatnonzero(first == r_i)
        if len(sub):
            i = rej_idx[sub]
            det = [
                f"row {r}: {t}; row rejected" for r, t in zip(i.tolist(), reason[sub], strict=True)
            ]
            findings.append(_findings(p.key_of(i), p.ns[i], check, severity, det))
    rej_rows = [rej_idx]
    rej_reason = [reason]
    # --- sort by key, date, file position; report keys whose rows were out of order
    if len(rej_idx):
        v = np.flatnonzero(~rej)
        code_v, ns_v = p.code[v], p.ns[v]
    else:
        v, code_v, ns_v = np.arange(n, dtype=np.int64), p.code, p.ns
    s_row, s_code, s_ns = v, code_v, ns_v
    if len(v) >= 2:
        comp = _composite(code_v, ns_v, len(p.keys))
        perm: IntArray | None = None
        if comp is not None:
            if not bool(np.all(comp[1:] >= comp[:-1])):
                m = len(v)
                if int(comp.max()) < 2**62 // m:  # make keys unique: a fast unstable sort is enough
                    perm = np.argsort(comp * m + np.arange(m, dtype=np.int64))
                else:
                    perm = np.argsort(comp, kind="stable")
        else:
            up = (code_v[1:] > code_v[:-1]) | (
                (code_v[1:] == code_v[:-1]) & (ns_v[1:] >= ns_v[:-1])
            )
            if not bool(np.all(up)):
                perm = np.lexsort((v, ns_v, code_v))
        if perm is not None:
            s_row, s_code, s_ns = v[perm], code_v[perm], ns_v[perm]
            findings.append(_order_findings(p.keys, s_code, s_ns, s_row))
    # --- duplicate dates: keep the last occurrence in file order
    dsame = (s_code[1:] == s_code[:-1]) & (s_ns[1:] == s_ns[:-1])
    nonlast = np.r_[dsame, False]
    if nonlast.any():
        d = np.flatnonzero(nonlast)
        lastpos = np.flatnonzero(~nonlast)
        kept = lastpos[np.searchsorted(lastpos, d)]
        ri, rk = s_row[d], s_row[kept]
        cols = [c for c in frame.columns if c not in ("key", "date")]
        diffs: list[list[str]] = [[] for _ in range(len(d))]
        for col in cols:
            if col in p.vals:
                a_arr: npt.NDArray[np.generic] = p.vals[col][ri]
                b_arr: npt.NDArray[np.generic] = p.vals[col][rk]
                a_na, b_na = np.isnan(p.vals[col][ri]), np.isnan(p.vals[col][rk])
            else:
                a_arr = frame[col].iloc[ri].to_numpy(dtype=object)
                b_arr = frame[col].iloc[rk].to_numpy(dtype=object)
                a_na, b_na = pd.isna(a_arr), pd.isna(b_arr)
            with np.errstate(invalid="ignore"):
                eq = (a_na & b_na) | (~a_na & ~b_na & (a_arr == b_arr))
            for j in np.flatnonzero(~eq).tolist():
                diffs[j].append(_dup_text(col, a_arr[j], b_arr[j]))
        ident = np.array([not x for x in diffs], dtype=bool)
        dates = _dstr(s_ns[d])
        reasons = np.empty(len(d), dtype=object)
        dup_texts = np.empty(len(d), dtype=object)
        for j, (r1, r2, dt_, df_) in enumerate(
            zip(ri.tolist(), rk.tolist(), dates, diffs, strict=True)
        ):
            if not df_:
                reasons[j] = f"duplicate of row {r2} for {dt_} (identical); one copy kept"
                dup_texts[j] = (
                    f"row {r1} repeats row {r2} for {dt_} exactly; kept one copy (row {r2})"
                )
            else:
                what = ", ".join(df_)
                reasons[j] = (
                    f"duplicate date {dt_} conflicting with row {r2} ({what}); kept row {r2}"
                )
                dup_texts[j] = (
                    f"2 rows dated {dt_} disagree: {what} (row {r1} vs row {r2}); kept row {r2}, "
                    f"the last in file order; rejected row {r1}"
                )
        keys_d = p.keys[s_code[d]]
        for mask, sev in ((ident, "warning"), (~ident, "error")):
            if mask.any():
                findings.append(
                    _findings(keys_d[mask], s_ns[d][mask], "duplicate_date", sev, dup_texts[mask])
                )
        rej_rows.append(ri)
        rej_reason.append(reasons)
        keep = lastpos
        s_row, s_code, s_ns = s_row[keep], s_code[keep], s_ns[keep]
    all_rej = np.concatenate(rej_rows)
    all_reason = np.concatenate(rej_reason)
    o = np.argsort(all_rej, kind="stable")
    identity = len(s_row) == n and (n < 2 or bool(np.all(s_row[1:] > s_row[:-1])))
    return _Core(
        keys=p.keys,
        code=s_code,
        ns=s_ns,
        day=np.floor_divide(s_ns, _NS_PER_DAY),
        row=s_row,
        vals=dict(p.vals) if identity else {c: a[s_row] for c, a in p.vals.items()},
        rej_rows=all_rej[o],
        rej_reason=all_reason[o],
        findings=findings,
        date_dtype=p.date_dtype,
        identity=identity,
    )


def _frames(frame: pd.DataFrame, core: _Core) -> tuple[pd.DataFrame, pd.DataFrame]:
    if core.identity:
        clean = frame.reset_index(drop=True)
        clean["date"] = core.ns.view("datetime64[ns]").astype(core.date_dtype)
        for c, a in core.vals.items():
            clean[c] = a
    else:
        cols: dict[object, object] = {}
        for c in frame.columns:
            if c == "date":
                cols[c] = core.ns.view("datetime64[ns]").astype(core.date_dtype)
            elif c in core.vals:
                cols[c] = core.vals[str(c)]
            else:
                cols[c] = frame[c].take(core.row).reset_index(drop=True)
        clean = pd.DataFrame(cols)
    if not (pd.api.types.is_string_dtype(clean["key"].dtype) or clean["key"].dtype == object):
        clean["key"] = core.keys[core.code]
    rejected = frame.iloc[core.rej_rows].reset_index(drop=True)
    rejected["reason"] = pd.Series(core.rej_reason, dtype=object)
    rejected["row"] = core.rej_rows
    return clean, rejected


# ----------------------------------------------------------------------------- bar checks


def _ohlc_checks(core: _Core) -> list[pd.DataFrame]:
    out: list[pd.DataFrame] = []
    v = core.vals
    nan = np.full(len(core.code), np.nan)
    o, h, lo, c = (v.get(k, nan) for k in _PRICE_COLS)
    with np.errstate(invalid="ignore"):
        hl = h < lo
        bad_c = ~hl & ((c < lo * (1 - _EPS)) | (c > h * (1 + _EPS)))
        bad_o = ~hl & ((o < lo * (1 - _EPS)) | (o > h * (1 + _EPS)))
    i = np.flatnonzero(hl)
    if len(i):
        det = [
            f"high {_px(h[j])} < low {_px(lo[j])} on {d} "
            f"(open {_px(o[j])}, close {_px(c[j])}); row kept"
            for j, d in zip(i.tolist(), _dstr(core.ns[i]), strict=True)
        ]
        out.append(_findings(core.key_at(i), core.ns[i], "high_below_low", "warning", det))
    for mask, what, arr in ((bad_c, "close", c), (bad_o, "open", o)):
        i = np.flatnonzero(mask)
        if len(i):
            det = [
                f"{what} {_px(arr[j])} outside [low {_px(lo[j])}, high {_px(h[j])}] "
                f"on {d}; row kept"
                for j, d in zip(i.tolist(), _dstr(core.ns[i]), strict=True)
            ]
            out.append(
                _findings(core.key_at(i), core.ns[i], f"{what}_outside_range", "warning", det)
            )
    return out


def _stale_checks(
    core: _Core, col: str, label: str, check: str, min_run: int, severity: str
) -> list[pd.DataFrame]:
    out: list[pd.DataFrame] = []
    x = core.vals.get(col)
    if x is None or len(x) < 2:
        return out
    code = core.code
    eq = np.r_[False, (x[1:] == x[:-1]) & (code[1:] == code[:-1])]
    starts, lengths = _runs(eq, code)
    sel = lengths + 1 >= min_run
    if sel.any():
        s0 = starts[sel] - 1
        s1 = starts[sel] + lengths[sel] - 1
        det = [
            f"{label} unchanged at {_px(x[a])} on {n:,} consecutive rows, {d0}..{d1}"
            for a, n, d0, d1 in zip(
                s0.tolist(),
                (lengths[sel] + 1).tolist(),
                _dstr(core.ns[s0]),
                _dstr(core.ns[s1]),
                strict=True,
            )
        ]
        out.append(_findings(core.key_at(s0), core.ns[s0], check, severity, det))
    return out


def _zero_volume_checks(core: _Core, min_run: int) -> list[pd.DataFrame]:
    vol = core.vals.get("volume")
    if vol is None:
        return []
    starts, lengths = _runs(vol == 0, core.code)
    sel = lengths >= min_run
    if not sel.any():
        return []
    s0 = starts[sel]
    s1 = s0 + lengths[sel] - 1
    det = [
        f"volume 0 on {n:,} consecutive rows, {d0}..{d1} (no trades, or volume unknown)"
        for n, d0, d1 in zip(
            lengths[sel].tolist(), _dstr(core.ns[s0]), _dstr(core.ns[s1]), strict=True
        )
    ]
    return [_findings(core.key_at(s0), core.ns[s0], "zero_volume_run", "warning", det)]


def _split_label(k: float, up: bool) -> str:
    fr = Fraction(k).limit_denominator(100)
    p, q = fr.numerator, fr.denominator
    return f"{q}:{p} reverse split" if up else f"{p}:{q} split"


def _jump_checks(
    core: _Core, basis: str, ratios: Sequence[float], tol: float, large: float
) -> list[pd.DataFrame]:
    c = core.vals["close"]
    code = core.code
    if len(c) < 2:
        return []
    pair = np.flatnonzero(code[1:] == code[:-1]) + 1  # index of the later row
    with np.errstate(over="ignore", divide="ignore"):
        r = c[pair] / c[pair - 1]
    kmin = float(min(ratios)) if ratios else math.inf
    hi = min(1.0 + large, kmin * (1 - tol))
    lo = max(1.0 - large, (1 + tol) / kmin)
    cand = np.flatnonzero((r >= hi) | (r <= lo))
    if not len(cand):
        return []
    j1 = pair[cand]
    rc = r[cand]
    out: list[pd.DataFrame] = []
    hit = np.zeros(len(cand), dtype=bool)
    labels = np.empty(len(cand), dtype=object)
    if ratios:
        k = np.asarray(ratios, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            dev = np.concatenate([np.abs(rc[:, None] / k - 1), np.abs(rc[:, None] * k - 1)], axis=1)
        best = np.argmin(dev, axis=1)
        hit = dev[np.arange(len(cand)), best] <= tol
        for j in np.flatnonzero(hit).tolist():
            b = int(best[j])
            labels[j] = _split_label(float(k[b % len(k)]), up=b < len(k))
    d1 = _dstr(core.ns[j1])
    d0 = _dstr(core.ns[j1 - 1])
    if basis == "raw":
        why = "possible unadjusted split"
    else:
        why = f"the data is {basis}, so a possible bad adjustment or bad tick"
    i = np.flatnonzero(hit)
    if len(i):
        det = [
            f"close {_px(c[j1[j]])} on {d1[j]} vs {_px(c[j1[j] - 1])} on {d0[j]}: "
            f"×{_px(rc[j])}, near a {labels[j]}; {why}"
            for j in i.tolist()
        ]
        out.append(_findings(core.key_at(j1[i]), core.ns[j1[i]], "split_jump", "warning", det))
    i = np.flatnonzero(~hit & (np.abs(rc - 1) > large))
    if len(i):
        det = [
            f"close {_px(c[j1[j]])} on {d1[j]} vs {_px(c[j1[j] - 1])} on {d0[j]}: "
            f"{fmt_pct(rc[j] - 1)} (×{_px(rc[j])}), not near a split ratio"
            for j in i.tolist()
        ]
        out.append(_findings(core.key_at(j1[i]), core.ns[j1[i]], "large_move", "info", det))
    return out


def _calendar_checks(core: _Core, name: str, gap_info_max: int) -> list[pd.DataFrame]:
    sess, first, last = _sessions(name)
    out: list[pd.DataFrame] = []
    day, code = core.day, core.code
    nk = len(core.keys)
    first_s = str(np.datetime64(first, "D"))
    last_s = str(np.datetime64(last, "D"))
    for mask, text in (
        (
            day < first,
            f"dated before {first_s} not checked against {name}: exchange_calendars does "
            "not model its holidays before then",
        ),
        (
            day > last,
            f"dated after {last_s} not checked against {name}: beyond the calendar's last session",
        ),
    ):
        if mask.any():
            m_idx = np.flatnonzero(mask)
            ks, fi = np.unique(code[m_idx], return_index=True)
            cnt = np.bincount(code[m_idx], minlength=nk)
            ns0 = core.ns[m_idx[fi]]
            det = [f"{n:,} row(s) {text}" for n in cnt[ks].tolist()]
            out.append(_findings(core.keys[ks], ns0, "calendar_not_checked", "info", det))
    in_range = (day >= first) & (day <= last)
    if in_range.all():
        inr, di, ci = np.arange(len(day), dtype=np.int64), day, code
    else:
        inr = np.flatnonzero(in_range)
        if not len(inr):
            return out
        di, ci = day[inr], code[inr]
    pos = np.searchsorted(sess, di)  # sessions before each date
    is_sess = sess[np.minimum(pos, len(sess) - 1)] == di
    ns_i = np.flatnonzero(~is_sess)
    if len(ns_i):
        wd = ((di[ns_i] + 3) % 7).tolist()
        det = [
            f"dated {d} ({_WEEKDAYS[w]}{'' if w >= 5 else ', an exchange holiday'}), "
            f"not a session of {name}; row kept"
            for d, w in zip(_dstr(core.ns[inr[ns_i]]), wd, strict=True)
        ]
        out.append(
            _findings(
                core.key_at(inr[ns_i]), core.ns[inr[ns_i]], "non_session_date", "warning", det
            )
        )
    same = ci[1:] == ci[:-1]
    a, b = di[:-1], di[1:]
    a_after = (pos + is_sess)[:-1]  # = searchsorted(sess, a, side="right")
    b_before = pos[1:]  # = searchsorted(sess, b, side="left")
    between = np.where(same, b_before - a_after, 0)
    gp = np.flatnonzero(between > 0)
    if not len(gp):
        return out
    kk = ci[1:][gp]
    miss = np.bincount(kk, weights=between[gp], minlength=nk).astype(np.int64)
    o = np.lexsort((-between[gp], kk))
    uk, fi = np.unique(kk[o], return_index=True)
    g = gp[o][fi]  # longest gap per key (earliest if tied)
    starts = np.r_[0, np.flatnonzero(ci[1:] != ci[:-1]) + 1]
    ends = np.r_[starts[1:] - 1, len(ci) - 1]
    kfirst = np.full(nk, -1, dtype=np.int64)
    klast = np.full(nk, -1, dtype=np.int64)
    kfirst[ci[starts]] = di[starts]
    klast[ci[ends]] = di[ends]
    expected = np.searchsorted(sess, klast[uk], side="right") - np.searchsorted(
        sess, kfirst[uk], side="left"
    )
    gs = sess[a_after[g]]
    ge = sess[b_before[g] - 1]
    det = []
    sev = []
    for k, m, e, gl, s0, s1, x0, x1 in zip(
        uk.tolist(),
        miss[uk].tolist(),
        expected.tolist(),
        between[g].tolist(),
        _dstr(gs * _NS_PER_DAY),
        _dstr(ge * _NS_PER_DAY),
        _dstr(a[g] * _NS_PER_DAY),
        _dstr(b[g] * _NS_PER_DAY),
        strict=True,
    ):
        f0 = str(np.datetime64(int(kfirst[k]), "D"))
        f1 = str(np.datetime64(int(klast[k]), "D"))
        span = f"{s0}" if gl == 1 else f"{s0}..{s1}"
        det.append(
            f"{m:,} of {e:,} {name} sessions missing between {f0} and {f1}; longest gap "
            f"{gl:,} session(s), {span} (no rows between {x0} and {x1})"
        )
        sev.append("info" if m <= gap_info_max else "warning")
    f = _findings(core.keys[uk], gs * _NS_PER_DAY, "calendar_gap", "info", det)
    f["severity"] = np.asarray(sev, dtype=object)
    out.append(f)
    return out


# ----------------------------------------------------------------------------- public API


def _check_params(stale_run: int | None, max_per_check: int | None, calendar: str | None) -> None:
    if stale_run is not None and (
        isinstance(stale_run, bool) or not isinstance(stale_run, int) or stale_run < 2
    ):
        raise InputError(
            f"stale_run={stale_run!r} must be an integer >= 2 (rows in a run), or None to skip"
        )
    if max_per_check is not None and (not isinstance(max_per_check, int) or max_per_check < 1):
        raise InputError(f"max_per_check={max_per_check!r} must be a positive integer or None")
    if calendar is not None and not isinstance(calendar, str):
        raise InputError(f"calendar={calendar!r} must be an exchange_calendars name or None")


def check_bars(
    bars: pd.DataFrame,
    *,
    basis: Literal["adjusted", "raw", "level"] | str,
    calendar: str | None = "XNYS",
    stale_run: int | None = 5,
    split_ratios: Sequence[float] = DEFAULT_SPLIT_RATIOS,
    split_tolerance: float = 0.03,
    large_move: float = 0.5,
    gap_info_max: int = 5,
    max_per_check: int | None = 25,
) -> BarsCheck:
    """Check daily OHLCV bars of many symbols at once; reject or flag bad rows.

    Parameters
    ----------
    bars : DataFrame of shape (n_rows, >= 3)
        Long frame, rows in file order: ``key`` (symbol), ``date`` (tz-naive
        datetime64, or ISO strings), ``close`` and optionally ``open``, ``high``,
        ``low`` (prices, > 0) and ``volume`` (shares, >= 0); float, NaN = unknown.
        Other columns are carried along (and compared when spotting duplicates).
    basis : {"adjusted", "raw", "level"}
        What the prices are: split+dividend adjusted, unadjusted (raw) or an
        index/crypto level. Only changes how a split-sized jump is explained.
    calendar : str or None
        exchange_calendars name for the session checks (``"XNYS"``); None skips
        them (crypto trades every day).
    stale_run : int or None
        Minimum number of consecutive rows with an identical close (or zero
        volume) reported as stale; None skips both checks.
    split_ratios : sequence of float > 1
        Split factors k: a close ratio near 1/k is a k:1 split, near k a 1:k
        reverse split.
    split_tolerance : float
        Relative tolerance of the split match (0.03 = 3%).
    large_move : float
        Close-to-close moves with abs(ratio - 1) above it (0.5 = 50%) that are not
        split-like are reported as ``info``.
    gap_info_max : int
        A key missing at most this many sessions gets an ``info`` finding, more
        gets a ``warning``.
    max_per_check : int or None
        At most this many findings per key and check, then one summary finding
        ("... and N more"); None lists all.

    Returns
    -------
    BarsCheck
        ``clean`` (accepted rows sorted by key and date), ``rejected`` (with
        ``reason`` and ``row``) and ``findings``; ``len(clean) + len(rejected) ==
        len(bars)``.

    Raises
    ------
    SchemaError
        If ``key``, ``date`` or ``close`` is missing, or dates carry a timezone.
    InputError
        If a parameter is invalid or ``calendar`` is unknown.

    Notes
    -----
    Rejected (``error``): missing key or date, unparseable or infinite numbers,
    missing close, a price <= 0, volume < 0, and all but the last occurrence (in
    file order, among rows that passed the rules before) of a key and date whose
    rows conflict. Identical duplicates keep one row (``warning``).
    Kept with a ``warning``: high < low, open/close outside [low, high] (relative
    slack 1e-6), stale runs, split-sized jumps, non-session dates, many missing
    sessions. NaN in open/high/low/volume is allowed and skips the checks that
    need the value. Overnight ratios use consecutive accepted rows of a key.

    Examples
    --------
    >>> df = pd.DataFrame({"key": ["A", "A", "A"],
    ...     "date": pd.to_datetime(["2024-03-08", "2024-03-11", "2024-03-11"]),
    ...     "close": [1.24, 12.40, -1.0]})
    >>> res = check_bars(df, basis="raw")
    >>> len(res.clean), len(res.rejected)
    (2, 1)
    >>> d = res.findings.set_index("check").loc["split_jump", "detail"]
    >>> d.split("; ")  # doctest: +NORMALIZE_WHITESPACE
    ['close 12.40 on 2024-03-11 vs 1.24 on 2024-03-08: ×10.00, near a 1:10 reverse split',
     'possible unadjusted split']
    """
    frame = _validate_common(bars, "bars", ("key", "date", "close"))
    if basis not in BASES:
        raise InputError(f"basis={basis!r} must be one of {list(BASES)}")
    _check_params(stale_run, max_per_check, calendar)
    ratios = tuple(float(k) for k in split_ratios)
    if any(not math.isfinite(k) or k <= 1 for k in ratios):
        raise InputError(f"split_ratios={split_ratios!r} must all be finite numbers > 1")
    if not 0 < split_tolerance < 0.25:
        raise InputError(f"split_tolerance={split_tolerance!r} must be in (0, 0.25)")
    if not large_move > 0:
        raise InputError(f"large_move={large_move!r} must be > 0 (a fraction, 0.5 = 50%)")
    if calendar is not None:
        _sessions(calendar)  # fail early on a bad name
    p = _parse(frame, "bars", ("open", "high", "low", "close", "volume"))
    rules = _base_rules(p)
    close = p.vals["close"]
    rules.append(
        (
            "missing_close",
            "error",
            np.isnan(close) & ~p.unparseable["close"],
            _const("close missing"),
        )
    )
    for col in _PRICE_COLS:
        if col in p.vals:
            x = p.vals[col]
            with np.errstate(invalid="ignore"):
                m = x <= 0
            rules.append(
                (
                    "non_positive_price",
                    "error",
                    m,
                    _valued(f"{col} {{}} <= 0", x, _px),
                )
            )
    if "volume" in p.vals:
        x = p.vals["volume"]
        with np.errstate(invalid="ignore"):
            m = x < 0
        rules.append(
            (
                "negative_volume",
                "error",
                m,
                _valued("volume {} < 0", x, lambda y: fmt_num(y, 0)),
            )
        )
    core = _core(p, rules, "bars")
    findings = core.findings
    findings += _ohlc_checks(core)
    if stale_run is not None:
        findings += _stale_checks(core, "close", "close", "stale_close", stale_run, "warning")
        findings += _zero_volume_checks(core, stale_run)
    findings += _jump_checks(core, basis, ratios, split_tolerance, large_move)
    if calendar is not None:
        findings += _calendar_checks(core, calendar, gap_info_max)
    clean, rejected = _frames(frame, core)
    return BarsCheck(clean, rejected, _finalize_findings(findings, max_per_check))


def check_series(
    values: pd.DataFrame,
    *,
    calendar: str | None = None,
    stale_run: int | None = 10,
    gap_info_max: int = 5,
    max_per_check: int | None = 25,
) -> SeriesCheck:
    """Check value series (macro rates, factor returns) of many keys at once.

    Parameters
    ----------
    values : DataFrame of shape (n_rows, >= 3)
        Long frame ``key, date, value`` in file order (value: float, any sign,
        NaN = missing). Other columns are carried along.
    calendar : str or None
        exchange_calendars name for the session checks; None (default) skips
        them: FRED and Ken French series follow their own calendars.
    stale_run : int or None
        Minimum number of consecutive identical values reported as stale; None
        skips the check (e.g. for a risk-free rate quoted to 0.01%).
    gap_info_max : int
        See :func:`check_bars`.
    max_per_check : int or None
        See :func:`check_bars`.

    Returns
    -------
    SeriesCheck
        ``clean``, ``rejected`` and ``findings`` as for :func:`check_bars`.

    Raises
    ------
    SchemaError
        If ``key``, ``date`` or ``value`` is missing.
    InputError
        If a parameter is invalid.

    Notes
    -----
    Rejected: missing key or date (``error``), unparseable or infinite value
    (``error``), missing value (``info``: sources mark holidays that way),
    conflicting duplicates (``error``; the last occurrence is kept). Identical
    duplicates keep one row (``warning``). Runs of ``stale_run`` or more identical
    values get a ``warning`` (a rate held for months is legitimate; read the dates).

    Examples
    --------
    >>> df = pd.DataFrame({"key": "DGS2", "date": ["2024-01-02", "2024-01-03", "2024-01-03"],
    ...                    "value": [4.33, 4.38, 4.38]})
    >>> res = check_series(df)
    >>> len(res.clean), res.rejected["reason"].iloc[0]
    (2, 'duplicate of row 2 for 2024-01-03 (identical); one copy kept')
    """
    frame = _validate_common(values, "values", ("key", "date", "value"))
    _check_params(stale_run, max_per_check, calendar)
    if calendar is not None:
        _sessions(calendar)
    p = _parse(frame, "values", ("value",))
    rules = _base_rules(p)
    rules.append(
        (
            "missing_value",
            "info",
            np.isnan(p.vals["value"]) & ~p.unparseable["value"],
            _const("value missing"),
        )
    )
    core = _core(p, rules, "values")
    findings = core.findings
    if stale_run is not None:
        findings += _stale_checks(core, "value", "value", "stale_value", stale_run, "warning")
    if calendar is not None:
        findings += _calendar_checks(core, calendar, gap_info_max)
    clean, rejected = _frames(frame, core)
    return SeriesCheck(clean, rejected, _finalize_findings(findings, max_per_check))


def summarize(findings: pd.DataFrame) -> pd.DataFrame:
    """Count findings per key and severity.

    Parameters
    ----------
    findings : DataFrame
        A findings frame (columns :data:`FINDING_COLUMNS`), possibly concatenated
        from several checks.

    Returns
    -------
    DataFrame
        One row per key, sorted by key: ``key``, ``error``, ``warning``, ``info``,
        ``total`` (int64) and ``checks`` (the distinct check names, comma-separated).

    Examples
    --------
    >>> f = pd.DataFrame({"key": ["A", "A", "B"], "date": pd.NaT,
    ...     "check": ["split_jump", "large_move", "unsorted"],
    ...     "severity": ["warning", "info", "info"], "detail": ["", "", ""]})
    >>> summarize(f)
      key  error  warning  info  total                  checks
    0   A      0        1     1      2  large_move, split_jump
    1   B      0        0     1      1                unsorted
    """
    _validate_common(findings, "findings", FINDING_COLUMNS)
    bad = sorted(set(findings["severity"].dropna().unique()) - set(SEVERITIES))
    if bad:
        raise SchemaError(
            f"findings['severity'] has unknown value(s) {bad}; allowed: {list(SEVERITIES)}"
        )
    cols = ["key", *SEVERITIES, "total", "checks"]
    if findings.empty:
        out = pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})
        out["key"] = out["key"].astype(object)
        out["checks"] = out["checks"].astype(object)
        return out
    ct = pd.crosstab(findings["key"], findings["severity"]).reindex(
        columns=list(SEVERITIES), fill_value=0
    )
    checks = findings.groupby("key")["check"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))
    out = ct.astype("int64")
    out["total"] = out.sum(axis=1).astype("int64")
    out["checks"] = checks.reindex(out.index).astype(object)
    out = out.sort_index().reset_index()
    out.columns.name = None
    out["key"] = out["key"].astype(object)
    return out[cols]
