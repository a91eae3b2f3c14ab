"""The flows question: is money going into or out of small-cap funds, and how does it compare.

One answer for ``capsize flows``, the report's fund-flows section and the API
(``capsize.queries.flows``). A fund's flow is estimated from its shares outstanding,
``(shares_t - shares_prev) x NAV_t`` (:mod:`capsize.analytics.flows`): daily for a daily
history (IWM's iShares fund history), month over month for month-end counts (IVV).

Windows (one convention with the return windows of ``capsize perf``): a window has a
base day (1W: the as-of day minus 7 days; 1M: minus a month; MTD: the last day of the
previous month; YTD: the last day of the previous year; 1Y: minus a year; calendar
year Y: Y-1-12-31 to Y-12-31) and sums the usable flows dated *after* the base day up
to and including its end. A month-over-month flow counts only when its whole month is
inside the window.

Which funds count for a segment is the one rule of :mod:`capsize.rules.flow_funds`.
Point in time: a flow on day D uses only share counts dated on or before D; the
answer's as-of is the last day with a share count of a segment fund on or before the
request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from capsize.analytics import flows as FL
from capsize.analytics.performance import mtd, trailing, ytd
from capsize.errors import DataNotFound, InputError
from capsize.queries.drivers._common import after_data_note, day, span
from capsize.queries.result import Cell, Figure, FigureSet, QueryResult, TableData
from capsize.queries.session import session_for
from capsize.rules.flow_funds import RULE as FUNDS_RULE
from capsize.rules.flow_funds import segment_funds
from capsize.rules.staleness import freshness

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = ["WINDOWS", "WINDOW_RULE", "flows"]

WINDOWS: tuple[str, ...] = ("1W", "1M", "MTD", "YTD", "1Y")
"""Standard windows of the flows answer."""

WINDOW_RULE = (
    "a window sums the usable flows dated after its base day (1W: as-of minus 7 days; 1M: "
    "minus a month; MTD: the previous month's last day; YTD: the previous year's last day; "
    "1Y: minus a year; calendar year: the previous year's last day) up to and including its "
    "end; a month-over-month flow counts only when its whole month is inside the window"
)
"""The window convention in one sentence."""

_SEGMENT_LABEL = {
    "micro": "Micro-cap",
    "small": "Small-cap",
    "mid": "Mid-cap",
    "large": "Large-cap",
    "mega": "Mega-cap",
}


@dataclass(frozen=True)
class _Window:
    key: str
    label: str
    start: pd.Timestamp  # base day: flows dated after it count
    end: pd.Timestamp


def _windows(end: pd.Timestamp) -> list[_Window]:
    out = []
    for key in WINDOWS:
        w = ytd(end) if key == "YTD" else mtd(end) if key == "MTD" else trailing(key, end)
        out.append(_Window(key, key, pd.Timestamp(w.start), end))
    return out


@dataclass(frozen=True)
class _Fund:
    """One fund's flow rows (one source), read once, with arrays for window sums."""

    rows: pd.DataFrame
    source: str
    cadence: str  # "daily" or "month-end"
    dates: np.ndarray  # datetime64[ns], ascending
    flow: np.ndarray  # USD, NaN where left out
    assets: np.ndarray  # shares x price, USD
    period_start: np.ndarray  # a month-over-month row: the previous month's last day

    @property
    def frequency(self) -> str:
        """The staleness-rule frequency of the fund's share counts."""
        return "monthly" if self.cadence == "month-end" else "daily"

    def in_window(self, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
        """Rows whose flow falls in ``(start, end]`` (a month-end row only with its whole month)."""
        a, b = np.datetime64(start, "ns"), np.datetime64(end, "ns")
        return (self.dates > a) & (self.dates <= b) & (self.period_start >= a)

    def last_on_or_before(self, when: pd.Timestamp) -> pd.Timestamp | None:
        """Date of the last share count on or before ``when`` (None: none)."""
        i = int(np.searchsorted(self.dates, np.datetime64(when, "ns"), side="right")) - 1
        return pd.Timestamp(self.dates[i]) if i >= 0 else None


def _fund(rows: pd.DataFrame) -> _Fund:
    fams = sorted({FL.source_family(x) for x in rows["source"].astype(str).unique()})
    dates = pd.DatetimeIndex(rows["date"])
    monthly = (rows["period"] == "M").to_numpy()
    month_before = (dates - pd.offsets.MonthBegin(1)).normalize() - pd.Timedelta(days=1)
    period_start = np.where(
        monthly, month_before.to_numpy(), dates.to_numpy() - np.timedelta64(1, "D")
    )
    return _Fund(
        rows,
        "; ".join(fams),
        "month-end" if monthly.all() else "daily",
        dates.to_numpy(),
        rows["flow"].to_numpy(dtype=float),
        (rows["shares_outstanding"] * rows["price"]).to_numpy(dtype=float),
        period_start,
    )


def _split_funds(daily: pd.DataFrame) -> dict[str, _Fund]:
    return {
        str(fund): _fund(sub.reset_index(drop=True))
        for fund, sub in daily.groupby("fund", sort=True)
    }


@dataclass
class _Answer:
    """What the flows answer collects while it is computed."""

    s: Session
    daily: pd.DataFrame
    funds: dict[str, _Fund]
    segments: dict[str, tuple[str, ...]]
    end: pd.Timestamp
    fs: FigureSet
    formula: str
    notes: list[str] = field(default_factory=list)
    tables: list[TableData] = field(default_factory=list)

    def held(self, funds: tuple[str, ...]) -> list[str]:
        return [f for f in funds if f in self.funds]

    def rows_of(self, funds: tuple[str, ...]) -> pd.DataFrame:
        parts = [self.funds[f].rows for f in self.held(funds)]
        return pd.concat(parts, ignore_index=True) if parts else self.daily.iloc[:0]

    def source_of(self, funds: tuple[str, ...]) -> str:
        return "; ".join(self.funds[f].source for f in self.held(funds)) or "store fund_shares"

    def sources(self) -> tuple[str, ...]:
        return tuple(sorted(self.daily["source"].astype(str).unique()))


# --------------------------------------------------------------------------- reads


def _raw_closes(s: Session, shares: pd.DataFrame) -> pd.DataFrame | None:
    """Raw closes of the funds that lack a NAV somewhere (the NAV fallback)."""
    need = sorted(shares.loc[shares["nav"].isna(), "fund"].astype(str).str.upper().unique())
    held = set(s.symbols())
    cols: dict[str, pd.Series] = {}
    for f in (x for x in need if x in held):
        try:
            cols[f] = s.closes([f], basis="raw")[f]
        except DataNotFound:
            continue
    return pd.DataFrame(cols) if cols else None


def _read(s: Session, segment: str | None) -> _Answer:
    segs = segment_funds(s.settings.segments)
    if segment is not None:
        key = str(segment).strip().lower()
        if key not in segs:
            raise InputError(f"segment {segment!r} is not one of {', '.join(segs)}")
        segs = {key: segs[key]}
    shares = s.fund_shares()
    daily = FL.daily_flows(shares, _raw_closes(s, shares))
    members = [f for fs in segs.values() for f in fs]
    used = daily[daily["fund"].isin(members)]
    if used.empty:
        when = "" if s.requested is None else f" on or before {s.requested:%Y-%m-%d}"
        raise DataNotFound(
            f"no shares-outstanding history for any fund of {', '.join(segs)}{when}; "
            "import a flows file (capsize data import) with date,ticker,shares_outstanding,nav"
        )
    end = pd.Timestamp(used["date"].max())
    funds = _split_funds(daily)
    ans = _Answer(s, daily, funds, segs, end, FigureSet(end), str(daily.attrs["formula"]))
    note = after_data_note(s.requested, end)
    if note:
        ans.notes.append(note)
    return ans


# --------------------------------------------------------------------------- windows


def _base_assets(ans: _Answer, funds: tuple[str, ...], start: pd.Timestamp) -> float | None:
    """Assets (shares x price) of each fund on its last row on or before ``start``, summed."""
    vals = []
    for f in funds:
        fund = ans.funds[f]
        i = int(np.searchsorted(fund.dates, np.datetime64(start, "ns"), side="right")) - 1
        if i >= 0 and np.isfinite(fund.assets[i]):
            vals.append(float(fund.assets[i]))
    return float(sum(vals)) if vals else None


@dataclass(frozen=True)
class _Sum:
    """Usable flows of some funds in one window."""

    flow: float | None
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    left_out: tuple[str, ...]  # flags of the rows in the window that were left out


def _window_sum(ans: _Answer, funds: tuple[str, ...], window: _Window) -> _Sum:
    total, used, flags = 0.0, [], set()
    for f in funds:
        fund = ans.funds[f]
        inside = fund.in_window(window.start, window.end)
        ok = inside & np.isfinite(fund.flow)
        total += float(fund.flow[ok].sum())
        used += [fund.dates[ok][0], fund.dates[ok][-1]] if ok.any() else []
        flags |= set(fund.rows.loc[inside & ~ok, "flag"].astype(str))
    if not used:
        return _Sum(None, None, None, tuple(sorted(flags)))
    return _Sum(total, pd.Timestamp(min(used)), pd.Timestamp(max(used)), tuple(sorted(flags)))


def _why_missing(ans: _Answer, funds: tuple[str, ...], window: _Window, got: _Sum) -> str:
    """Say in a few words why a segment has no flow in a window."""
    held = ans.held(funds)
    if not held:
        return "no shares-outstanding history for " + ", ".join(funds)
    rows = ans.rows_of(funds)
    first, last = rows["date"].min(), rows["date"].max()
    if first >= window.start:
        return f"history starts {day(first)}"
    if not _fresh_funds(ans, funds, window.end):
        return f"stale: data end {day(last)}"
    if got.left_out:
        return "no usable flow in the window (left out: " + ", ".join(got.left_out) + ")"
    if (rows["period"] == "M").all():
        return "month-end data only: no whole month in the window"
    return f"no share counts in the window (data end {day(last)})"


def _fresh_funds(ans: _Answer, funds: tuple[str, ...], end: pd.Timestamp) -> tuple[str, ...]:
    """Funds whose data reach the window's end (the staleness rule at ``end``)."""
    out = []
    for f in ans.held(funds):
        last = ans.funds[f].last_on_or_before(end)
        if not freshness(last, end, ans.funds[f].frequency).stale:
            out.append(f)
    return tuple(out)


def _window_figs(ans: _Answer, seg: str, window: _Window, tag: str) -> tuple[Figure, Figure]:
    funds = ans.segments[seg]
    fresh = _fresh_funds(ans, funds, window.end)
    got = _window_sum(ans, fresh, window)
    flow = got.flow
    win = span(got.first, got.last) if flow is not None else "n/a"
    held = ans.held(funds)
    src = ans.source_of(funds)
    what = f"{seg} segment ({', '.join(held) or 'no fund with data'})"
    why = "" if flow is not None else _why_missing(ans, funds, window, got)
    net = ans.fs.add(
        f"{seg}.net.{tag}",
        flow,
        "usd",
        f"{what}: net flow, {window.label}",
        source=src,
        symbols=tuple(held) or funds,
        window=win,
        formula=f"{ans.formula}; sum of usable flows dated after {day(window.start)} "
        f"through {day(window.end)}",
        note=why,
    )
    assets = _base_assets(ans, fresh, window.start) if flow is not None else None
    pct = ans.fs.add(
        f"{seg}.pct.{tag}",
        flow / assets if flow is not None and assets else None,
        "fraction",
        f"{what}: net flow, {window.label}, as a share of assets on {day(window.start)}",
        source=src,
        symbols=tuple(held) or funds,
        window=win,
        formula="net flow / (shares outstanding x NAV on the base day, summed over funds)",
        note="" if flow is not None and assets else (why or "no assets on the base day"),
    )
    return net, pct


def _standard_windows(ans: _Answer) -> None:
    rows: list[tuple[Cell, ...]] = []
    shown: list[str] = []
    for seg, funds in ans.segments.items():
        label = _SEGMENT_LABEL.get(seg, seg)
        nets = [_window_figs(ans, seg, w, w.key)[0] for w in _windows(ans.end)]
        if any(f.available for f in nets):
            rows.append((label, ", ".join(ans.held(funds)), *nets))
            shown.append(seg)
        elif ans.held(funds) and not nets[-2].note.startswith("stale"):
            # data, but none in these windows: one sentence, not a row of n/a (stale data
            # are named by the staleness note)
            ans.notes.append(
                f"{label} ({', '.join(ans.held(funds))}): no flow in the standard "
                f"windows to {day(ans.end)} ({nets[-2].note})."
            )
    ans.tables.append(
        TableData(
            "windows",
            f"Estimated ETF net flows by size segment to {day(ans.end)}",
            ("segment", "funds with data", *WINDOWS),
            tuple(rows),
        )
    )
    pct_rows: list[tuple[Cell, ...]] = [
        (_SEGMENT_LABEL.get(seg, seg), *(ans.fs[f"{seg}.pct.{w}"] for w in WINDOWS))
        for seg in shown
    ]
    ans.tables.append(
        TableData(
            "windows_pct",
            "Net flows as a share of the segment's assets on the window's base day",
            ("segment", *WINDOWS),
            tuple(pct_rows),
        )
    )


def _year_complete(year: int, end: pd.Timestamp) -> bool:
    return end >= pd.Timestamp(year, 12, 31)


def _calendar_years(ans: _Answer) -> None:
    with_data = [seg for seg, funds in ans.segments.items() if ans.held(funds)]
    usable = ans.rows_of(tuple(f for s in with_data for f in ans.segments[s]))
    usable = usable[usable["flow"].notna()]
    if usable.empty:
        return
    first = int(pd.Timestamp(usable["date"].min()).year)
    years = [y for y in range(first, ans.end.year + 1) if _year_complete(y, ans.end)]
    rows: list[tuple[Cell, ...]] = []
    for y in reversed(years):
        w = _Window(f"Y{y}", str(y), pd.Timestamp(y - 1, 12, 31), pd.Timestamp(y, 12, 31))
        rows.append((str(y), *(_window_figs(ans, seg, w, w.key)[0] for seg in with_data)))
    ans.tables.append(
        TableData(
            "years",
            "Estimated ETF net flows by calendar year",
            ("year", *(_SEGMENT_LABEL.get(s, s) for s in with_data)),
            tuple(rows),
        )
    )


# --------------------------------------------------------------------------- records


def _record_figs(ans: _Answer, seg: str, r: pd.Series, meta: tuple[str, str]) -> tuple[Cell, ...]:
    src, hist = meta
    funds = tuple(ans.held(ans.segments[seg]))
    months = int(r["periods"])
    years = float(r["history_years"])
    cells: list[Cell] = [_SEGMENT_LABEL.get(seg, seg)]
    for side, word in (("inflow", "inflow"), ("outflow", "outflow")):
        value, when = r.get(f"max_{side}", np.nan), r.get(f"max_{side}_date")
        ok = bool(np.isfinite(float(value))) and when is not None
        cells.append(
            ans.fs.add(
                f"{seg}.record.{side}",
                float(value) if ok else None,
                "usd",
                f"{seg} segment: largest monthly net {word} in the {years:.1f} years held "
                f"({months} months)",
                source=src,
                symbols=funds,
                window=hist,
                formula="largest (smallest) calendar-month sum of usable flows; record = "
                "largest in the history held, not all-time",
                note="" if ok else f"no {word} month in the history held",
            )
        )
        cells.append(
            ans.fs.add(
                f"{seg}.record.{side}_month",
                pd.Timestamp(str(when)).toordinal() if ok else None,
                "date",
                f"{seg} segment: month of the largest monthly net {word}",
                source=src,
                symbols=funds,
                window=hist,
                formula="calendar month of the record (dated by its last day with data)",
                note=day(when) if ok else f"no {word} month",
            )
        )
    cells.append(
        ans.fs.add(
            f"{seg}.record.months",
            months,
            "count",
            f"{seg} segment: months with a usable flow ({years:.1f} years)",
            source=src,
            symbols=funds,
            window=hist,
            formula="calendar months with at least one usable flow",
        )
    )
    return tuple(cells)


def _records(ans: _Answer) -> None:
    rows: list[tuple[Cell, ...]] = []
    for seg, funds in ans.segments.items():
        sub = ans.rows_of(funds)
        if sub["flow"].notna().sum() == 0:
            continue
        rec = FL.flow_records(sub, segments={seg: funds}, period="M")
        ok = sub[sub["flow"].notna()]
        hist = span(ok["date"].min(), ok["date"].max())
        row = cast("pd.Series", rec.table.loc[seg])
        rows.append(_record_figs(ans, seg, row, (ans.source_of(funds), hist)))
    if rows:
        ans.tables.append(
            TableData(
                "records",
                "Record months by segment (largest in the history held, not all-time)",
                ("segment", "largest inflow", "month", "largest outflow", "month", "months held"),
                tuple(rows),
            )
        )


# --------------------------------------------------------------------------- coverage


def _coverage(ans: _Answer) -> None:
    seg_of = {f: seg for seg, fs in ans.segments.items() for f in fs}
    rows: list[tuple[Cell, ...]] = []
    for f, fund in ans.funds.items():
        sub = fund.rows
        src = "; ".join(sorted(sub["source"].astype(str).unique()))
        win = span(sub["date"].min(), sub["date"].max())
        flags = sub["flag"].astype(str).value_counts()
        common: dict[str, Any] = {"source": src, "symbols": (f,), "window": win}
        n = ans.fs.add(
            f"fund.{f}.rows",
            len(sub),
            "count",
            f"{f}: share counts held",
            formula="dated share counts on or before the as-of day (one source)",
            **common,
        )
        u = ans.fs.add(
            f"fund.{f}.usable",
            int(sub["flow"].notna().sum()),
            "count",
            f"{f}: usable changes",
            formula="changes that pass every data rule",
            **common,
        )
        rows.append(
            (
                f,
                seg_of.get(f, "(not in a segment)"),
                fund.cadence,
                win.replace("..", " to "),
                n,
                u,
                ", ".join(f"{k} {v}" for k, v in sorted(flags.items()) if k) or "-",
            )
        )
    ans.tables.append(
        TableData(
            "coverage",
            "Shares-outstanding history held",
            ("fund", "segment", "cadence", "history", "counts", "usable", "left out"),
            tuple(rows),
        )
    )


def _not_covered(ans: _Answer) -> None:
    parts = []
    for seg, funds in ans.segments.items():
        missing = [f for f in funds if f not in ans.funds]
        if missing:
            parts.append(f"{seg} {', '.join(missing)}")
    if parts:
        ans.notes.append(
            "Not covered (no shares-outstanding history, so their flows are unknown, not zero): "
            + "; ".join(parts)
            + "."
        )


def _freshness_notes(ans: _Answer) -> None:
    for seg, funds in ans.segments.items():
        for f in ans.held(funds):
            fund = ans.funds[f]
            fr = freshness(fund.rows["date"].max(), ans.end, fund.frequency)
            if fr.stale and fr.last is not None:
                ans.notes.append(
                    f"{_SEGMENT_LABEL.get(seg, seg)}: {f}'s share counts end "
                    f"{fr.last:%Y-%m-%d}, stale on {fr.as_of:%Y-%m-%d} (staleness rule: "
                    f"{fr.limit_days} days for {fr.frequency} data), so {f} has no flow in "
                    "the windows to the report day; its complete years are shown."
                )


def _rules_note(ans: _Answer) -> None:
    a = ans.daily.attrs
    ans.notes.append(
        f"Flow estimate: {ans.formula}; {WINDOW_RULE}. Left out, never summed: a fund's first "
        f"count; a change across more than {a['max_gap_days']} days (daily data) or a missing "
        f"month (month-end data); runs of {a['stale_run']} or more identical counts and the "
        "change ending one; a change undone exactly by the next count (a one-day data "
        f"error); a day without NAV or close. Segment funds: {FUNDS_RULE}"
    )


# --------------------------------------------------------------------------- the query


def flows(
    source: Store | Session,
    as_of: object | None = None,
    *,
    segment: str | None = None,
) -> QueryResult:
    """Answer "is money going into or out of small-cap funds?" at ``as_of``.

    Parameters
    ----------
    source : Store or Session
        Where to read (a session fixes the as-of day).
    as_of : date-like, optional
        Use only share counts dated on or before it (default: the latest).
    segment : str, optional
        Only this size segment (``micro``, ``small``, ``mid``, ``large``, ``mega`` or a
        segment of config ``[segments]``).

    Returns
    -------
    QueryResult
        Figures ``<segment>.net.<W>`` (USD) and ``<segment>.pct.<W>`` (fraction of assets
        on the base day) for W in 1W, 1M, MTD, YTD, 1Y; ``<segment>.net.Y<year>`` per
        complete calendar year; ``<segment>.record.inflow``/``outflow`` (USD),
        ``..._month`` (date) and ``.months``; ``fund.<F>.rows``/``usable``. Tables
        ``windows``, ``windows_pct``, ``years``, ``records``, ``coverage``; notes on what
        is not covered, stale funds and the rules.

    Raises
    ------
    InputError
        An unknown segment.
    DataNotFound
        No share counts of any segment fund on or before ``as_of``.
    """
    s = session_for(source, as_of)
    ans = _read(s, segment)
    _standard_windows(ans)
    _calendar_years(ans)
    _records(ans)
    _coverage(ans)
    _not_covered(ans)
    _freshness_notes(ans)
    _rules_note(ans)
    return QueryResult(
        query="flows",
        as_of=ans.end,
        requested_as_of=s.requested,
        params={"segment": segment, "segments": {k: list(v) for k, v in ans.segments.items()}},
        figures=ans.fs.mapping(),
        tables=tuple(ans.tables),
        notes=tuple(ans.notes),
        sources=ans.sources(),
    )
