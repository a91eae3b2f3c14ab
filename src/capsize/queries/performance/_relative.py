"""Relative strength of one symbol against another, and calendar-year leadership (``capsize compare``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.analytics import performance as P
from capsize.errors import DataNotFound, InputError
from capsize.queries.performance._common import (
    CONVENTION,
    CORE_LARGE,
    CORE_SMALL,
    DAILY_LIMIT,
    Prices,
    after_data_note,
    date_figure,
    day_text,
    load_prices,
    number_figure,
    return_figure,
    sources_of,
    span,
)
from capsize.queries.result import FigureSet, Provenance, QueryResult, SeriesData, TableData
from capsize.queries.session import session_for

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import Cell, Unit
    from capsize.queries.session import Session

__all__ = [
    "LeadershipResult",
    "RelativeStrengthResult",
    "leadership",
    "relative_strength",
]

RS_FAST, RS_SLOW = 50, 200
"""Moving-average lengths of the ratio (common trading days)."""
RELATIVE_WINDOWS = ("YTD", "1Y", "3Y")
CHART_YEARS = 3


@dataclass(frozen=True)
class _Pair:
    """Two symbols' closes up to their last common date."""

    a: Prices
    b: Prices
    sa: pd.Series
    sb: pd.Series
    day: pd.Timestamp
    notes: tuple[str, ...]

    @property
    def source(self) -> str:
        return "; ".join(sources_of((self.a.main_source, self.b.main_source)))

    @property
    def symbols(self) -> tuple[str, str]:
        return self.a.symbol, self.b.symbol


def _pair(s: Session, a: str, b: str) -> _Pair:
    """Load both symbols and cut them at their last common date, saying why when earlier."""
    a, b = a.strip().upper(), b.strip().upper()
    if a == b:
        raise InputError(
            f"comparing needs two different symbols; got {a} twice (e.g. {a} and {CORE_LARGE})"
        )
    pa, pb = load_prices(s, a), load_prices(s, b)
    last_a, last_b = pa.main.index[-1], pb.main.index[-1]
    day = pd.Timestamp(min(last_a, last_b))
    notes: list[str] = []
    after = after_data_note(s.requested, max(last_a, last_b))
    if after:
        notes.append(after)
    if last_a != last_b:
        notes.append(
            f"as of {day:%Y-%m-%d}, the last date with data for all symbols "
            f"({a} ends {day_text(last_a)}, {b} ends {day_text(last_b)})"
        )
    if pa.basis != pb.basis:
        notes.append(
            f"{a} is {pa.basis} and {b} is {pb.basis}: one includes dividends, the other does "
            "not, so the comparison favours the adjusted one"
        )
    sa, sb = pa.main.loc[:day], pb.main.loc[:day]
    return _Pair(pa, pb, sa, sb, day, tuple(notes))


# --------------------------------------------------------------------------- leadership


@dataclass(frozen=True)
class LeadershipResult(QueryResult):
    """Which of two symbols led each calendar year.

    Figures ``<year>.<A>``, ``<year>.<B>`` (fraction), ``<year>.spread`` (pp),
    ``years.full``, ``years.<A>.led``, ``years.<B>.led`` (count), ``streak.current``
    and ``streak.longest.<SYM>`` (years).
    """

    a: str = ""
    b: str = ""
    years: tuple[int, ...] = ()
    current_leader: str | None = None
    current_start: int | None = None
    """First year of the current streak."""


def leadership(
    source: Store | Session,
    as_of: object | None = None,
    *,
    a: str = CORE_SMALL,
    b: str = CORE_LARGE,
) -> LeadershipResult:
    """Calendar-year returns of ``a`` and ``b``, the leader of each year, and streaks.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it.
    a, b : str
        The two symbols (default IWM, small caps, against SPY, large caps).

    Returns
    -------
    LeadershipResult
        As of the last date both have a close. A partial year (the first, or the year
        to date) is computed over the common sub-period and labelled; streaks count
        full years only.

    Raises
    ------
    DataNotFound
        When no calendar year has two closes of each.
    InputError
        When ``a`` and ``b`` are the same symbol.
    """
    s = session_for(source, as_of)
    return _leadership(s, _pair(s, a, b))


def _year_label(year: int, status: str, day: pd.Timestamp) -> str:
    if status == "full":
        return str(year)
    if status == "partial":
        return f"{year} (to date)" if year == day.year else f"{year} (partial)"
    return f"{year} (missing)"


def _leadership(s: Session, pr: _Pair) -> LeadershipResult:
    a, b = pr.symbols
    table = P.calendar_year_table(pr.sa, pr.sb)
    if table.empty:
        raise DataNotFound(
            f"{a} and {b} have no calendar year with two closes each on or before "
            f"{pr.day:%Y-%m-%d}; no leadership to show"
        )
    fs = FigureSet(pr.day)
    src, syms = pr.source, pr.symbols
    rows: list[tuple[Cell, ...]] = []
    for year, r in table.iterrows():
        y = int(str(year))
        window = span(r["base_date"], r["end_date"])
        formula = (
            "calendar-year total return (last close of Y-1 to last close of Y)"
            if r["status"] == "full"
            else "partial year: return over the common period of both symbols"
        )
        cells: list[Cell] = [_year_label(y, str(r["status"]), pr.day)]
        parts: tuple[tuple[str, Unit, str], ...] = (
            (a, "fraction", f"{a} return {y}"),
            (b, "fraction", f"{b} return {y}"),
            ("spread", "pp", f"{a} - {b} {y}"),
        )
        for key, unit, label in parts:
            cells.append(
                number_figure(
                    fs,
                    f"{y}.{key}",
                    float(r[key]),
                    unit,
                    label,
                    source=src,
                    symbols=(key,) if key in syms else syms,
                    window=window,
                    formula=formula if key != "spread" else f"{a} return - {b} return",
                    why=str(r["note"]) or "no data",
                )
            )
        cells += [str(r["winner"] or "n/a"), str(r["status"])]
        rows.append(tuple(cells))
    st = P.streaks(table)
    notes = list(pr.notes) + _streak_figs(fs, table, st, pr)
    notes.append(f"Convention: {table.attrs['convention']}.")
    t = TableData(
        "years",
        f"Calendar-year leadership, {a} vs {b}",
        ("Year", a, b, "Spread", "Leader", "Status"),
        tuple(rows),
    )
    return LeadershipResult(
        query="leadership",
        as_of=pr.day,
        requested_as_of=s.requested,
        params={"a": a, "b": b},
        figures=fs.mapping(),
        tables=(t,),
        notes=tuple(notes),
        sources=sources_of((src,)),
        a=a,
        b=b,
        years=tuple(int(str(y)) for y in table.index),
        current_leader=st.current.leader if st.current is not None else None,
        current_start=st.current.start_year if st.current is not None else None,
    )


def _streak_figs(fs: FigureSet, table: pd.DataFrame, st: P.Streaks, pr: _Pair) -> list[str]:
    """Register the year counts and streak figures; return the streak sentences."""
    a, b = pr.symbols
    full = table[table["status"] == "full"]
    years = f"{int(full.index.min())}..{int(full.index.max())}" if len(full) else "no full year"
    common: dict[str, Any] = {"source": pr.source, "symbols": pr.symbols, "window": years}
    fs.add(
        "years.full",
        len(full),
        "count",
        "full calendar years compared",
        formula="count of full calendar years with both series",
        **common,
    )
    for sym in (a, b):
        fs.add(
            f"years.{sym}.led",
            int((full["winner"] == sym).sum()),
            "count",
            f"full calendar years {sym} led",
            formula=f"count of full years with {sym} return > the other's",
            **common,
        )
    notes: list[str] = []
    if st.current is not None:
        c = st.current
        fs.add(
            "streak.current",
            c.length,
            "count",
            f"current streak: {c.leader} led each year",
            source=pr.source,
            symbols=pr.symbols,
            window=f"{c.start_year}..{c.end_year}",
            formula="consecutive full years led by the same side",
        )
        notes.append(
            f"Current streak: {c.leader} led {c.length} year(s) in a row "
            f"({c.start_year}-{c.end_year})."
        )
    for who, run in st.longest.items():
        if who == "tie":
            continue
        fs.add(
            f"streak.longest.{who}",
            run.length,
            "count",
            f"longest streak of {who}",
            source=pr.source,
            symbols=pr.symbols,
            window=f"{run.start_year}..{run.end_year}",
            formula="most consecutive full years led by the same side",
        )
        notes.append(f"Longest {who} streak: {run.length} years ({run.start_year}-{run.end_year}).")
    notes.append(f"Full calendar years counted: {st.years_counted}.")
    return notes


# --------------------------------------------------------------------------- relative strength


@dataclass(frozen=True)
class RelativeStrengthResult(QueryResult):
    """Relative strength of ``a`` against ``b``, with their calendar-year leadership.

    Figures: ``<A>.<W>``, ``<B>.<W>`` (fraction), ``spread.<W>`` (pp) and ``relative.<W>``
    (fraction: change of the ratio) for ``W`` in YTD, 1Y, 3Y; ``ratio.vs50``,
    ``ratio.vs200`` (fraction), ``ratio.3m`` (fraction), ``ratio.cross200.sessions`` /
    ``.date`` / ``.side`` (last time the ratio crossed its 200-day average; ``side`` is a
    text figure, "above" or "below"), ``ma.cross.sessions`` / ``.date`` / ``.side`` (the
    50-day average against the 200-day average), and every
    figure of :func:`leadership`. Series ``ratio``, ``ratio_ma50``, ``ratio_ma200``.
    """

    a: str = ""
    b: str = ""
    above_200d: bool | None = None
    ma50_above_ma200: bool | None = None


def _last_cross(diff: pd.Series) -> tuple[pd.Timestamp | None, int | None, bool | None]:
    """Last sign change of ``diff``: its date, sessions after it, and the current side."""
    d = diff.dropna()
    if d.empty:
        return None, None, None
    sign = (d > 0).to_numpy()
    above = bool(sign[-1])
    flips = d.index[1:][sign[1:] != sign[:-1]]
    if not len(flips):
        return None, None, above
    last = pd.Timestamp(flips[-1])
    return last, int((d.index > last).sum()), above


def relative_strength(
    source: Store | Session,
    as_of: object | None = None,
    *,
    a: str = CORE_SMALL,
    b: str = CORE_LARGE,
) -> RelativeStrengthResult:
    """How ``a`` stands against ``b``: window spreads, the ratio and its averages, leadership.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it.
    a, b : str
        The two symbols (default IWM against SPY).

    Returns
    -------
    RelativeStrengthResult
        As of the last date both have a close (a note says why when that is before the
        as-of). Spreads are in percentage points; the ratio is ``a / b`` on common dates.

    Raises
    ------
    InputError
        When ``a`` and ``b`` are the same symbol.
    DataNotFound
        When either has no closes on or before the as-of.
    """
    s = session_for(source, as_of)
    pr = _pair(s, a, b)
    fs = FigureSet(pr.day)
    rows = _window_rows(fs, pr)
    above, ma_above, series = _ratio_figs(fs, pr)
    try:
        lead: LeadershipResult | None = _leadership(s, pr)
    except DataNotFound:
        lead = None
    figs = {**fs.mapping(), **(dict(lead.figures) if lead is not None else {})}
    a_, b_ = pr.symbols
    table = TableData(
        "relative",
        f"{a_} vs {b_}: returns over windows",
        ("Window", a_, b_, f"{a_} - {b_}", "Base", "End"),
        tuple(rows),
    )
    notes = [*pr.notes, f"Convention: {CONVENTION}; common dates only."]
    notes += [n for n in (lead.notes if lead else ()) if n not in notes]
    return RelativeStrengthResult(
        query="relative_strength",
        as_of=pr.day,
        requested_as_of=s.requested,
        params={"a": a_, "b": b_},
        figures=figs,
        tables=(table, *(lead.tables if lead else ())),
        series=series,
        notes=tuple(notes),
        sources=sources_of((pr.source,)),
        a=a_,
        b=b_,
        above_200d=above,
        ma50_above_ma200=ma_above,
    )


def _window_rows(fs: FigureSet, pr: _Pair) -> list[tuple[Cell, ...]]:
    a, b = pr.symbols
    rows: list[tuple[Cell, ...]] = []
    for key in RELATIVE_WINDOWS:
        w = P.ytd(pr.day) if key == "YTD" else P.trailing(key, pr.day)
        rr = P.relative_return(pr.sa, pr.sb, w, align="intersection", max_stale_days=DAILY_LIMIT)
        fa = return_figure(
            fs, f"{a}.{key}", rr.a, f"{a} {pr.a.word} return, {key}", pr.a.main_source
        )
        fb = return_figure(
            fs, f"{b}.{key}", rr.b, f"{b} {pr.b.word} return, {key}", pr.b.main_source
        )
        ok = rr.a.ok and rr.b.ok
        common: dict[str, Any] = {
            "source": pr.source,
            "symbols": pr.symbols,
            "window": span(rr.a.base_date, rr.a.end_date) if ok else w.label,
            "why": rr.a.reason or rr.b.reason or "no data",
        }
        spread = number_figure(
            fs,
            f"spread.{key}",
            rr.spread,
            "pp",
            f"{a} - {b}, {key}",
            formula=f"return {a} - return {b}",
            **common,
        )
        number_figure(
            fs,
            f"relative.{key}",
            rr.relative,
            "fraction",
            f"change of the {a}/{b} ratio, {key}",
            formula=f"(1 + return {a}) / (1 + return {b}) - 1",
            **common,
        )
        rows.append((w.label, fa, fb, spread, day_text(rr.a.base_date), day_text(rr.a.end_date)))
    return rows


def _ratio_figs(
    fs: FigureSet, pr: _Pair
) -> tuple[bool | None, bool | None, tuple[SeriesData, ...]]:
    """Register the ratio figures; return the two sides and the chart series."""
    a, b = pr.symbols
    try:
        ratio = P.relative_strength(pr.sa, pr.sb)
    except InputError:
        raise DataNotFound(
            f"{a} and {b} have no common dates on or before {pr.day:%Y-%m-%d}"
        ) from None
    fast = ratio.rolling(RS_FAST, min_periods=RS_FAST).mean()
    slow = ratio.rolling(RS_SLOW, min_periods=RS_SLOW).mean()
    end = pd.Timestamp(ratio.index[-1])
    _ratio_change_figs(fs, pr, ratio, ((RS_FAST, fast), (RS_SLOW, slow)))
    above = _cross_figs(
        fs,
        pr,
        ratio,
        "ratio.cross200",
        ratio - slow,
        (f"the {a}/{b} ratio crossed its 200-day average", "ratio - MA200"),
        "ratio vs its 200-day average",
    )
    ma_above = _cross_figs(
        fs,
        pr,
        ratio,
        "ma.cross",
        fast - slow,
        (f"the 50-day average of {a}/{b} crossed its 200-day", "MA50 - MA200"),
        "50-day vs 200-day average",
    )
    return above, ma_above, _chart(ratio, fast, slow, end, pr)


def _ratio_change_figs(
    fs: FigureSet, pr: _Pair, ratio: pd.Series, averages: tuple[tuple[int, pd.Series], ...]
) -> None:
    """Register the ratio against each of its moving ``averages`` and its 3-month change."""
    a, b = pr.symbols
    end = pd.Timestamp(ratio.index[-1])
    src, syms = pr.source, pr.symbols
    for n, ma in averages:
        last = ma.iloc[-1]
        number_figure(
            fs,
            f"ratio.vs{n}",
            float(ratio.iloc[-1] / last - 1) if pd.notna(last) else None,
            "fraction",
            f"{a}/{b} ratio vs its {n}-day average",
            source=src,
            symbols=syms,
            window=f"{n} common trading days to {end:%Y-%m-%d}",
            formula=f"ratio / {n}-day mean of ratio - 1; ratio = {a} close / {b} close",
            why=f"fewer than {n} common days",
        )
    back = ratio.loc[: end - pd.DateOffset(months=3)]
    number_figure(
        fs,
        "ratio.3m",
        float(ratio.iloc[-1] / back.iloc[-1] - 1) if len(back) else None,
        "fraction",
        f"change of the {a}/{b} ratio over 3 months",
        source=src,
        symbols=syms,
        window=f"3M to {end:%Y-%m-%d}",
        formula="ratio_end / ratio_3M_ago - 1",
        why="less than 3 months of common data",
    )


def _cross_figs(
    fs: FigureSet,
    pr: _Pair,
    ratio: pd.Series,
    key: str,
    diff: pd.Series,
    what: tuple[str, str],
    side_label: str,
) -> bool | None:
    """Register the last crossover of ``diff`` (sessions since, date, side now); return the side.

    ``what`` is the crossover in words and the difference's name in the formula.
    """
    src, syms = pr.source, pr.symbols
    end = pd.Timestamp(ratio.index[-1])
    whole = span(ratio.index[0], end)
    why = "no crossover in the data"
    when, since, side = _last_cross(diff)
    number_figure(
        fs,
        f"{key}.sessions",
        since,
        "sessions",
        f"trading days since {what[0]}",
        source=src,
        symbols=syms,
        window=whole,
        formula=f"sessions after the last sign change of {what[1]} of the ratio",
        why=why,
    )
    date_figure(
        fs,
        f"{key}.date",
        when,
        f"date {what[0]}",
        source=src,
        symbols=syms,
        window=whole,
        formula="first date on the new side",
        why=why,
    )
    fs.add(
        f"{key}.side",
        None,
        "text",
        f"side now: {side_label}",
        source=src,
        symbols=syms,
        window=f"{end:%Y-%m-%d}",
        formula="above when the difference is > 0",
        note="n/a" if side is None else ("above" if side else "below"),
    )
    return side


def _chart(
    ratio: pd.Series, fast: pd.Series, slow: pd.Series, end: pd.Timestamp, pr: _Pair
) -> tuple[SeriesData, ...]:
    """Return the ratio and its averages over the last years, rebased to 1.0 at the first date."""
    a, b = pr.symbols
    keep = ratio.index >= end - pd.DateOffset(years=CHART_YEARS)
    base = float(ratio[keep].iloc[0])
    start = ratio.index[keep][0]
    prov = Provenance(
        pr.source,
        pr.symbols,
        span(start, end),
        f"{pr.day:%Y-%m-%d}",
        f"ratio = {a} close / {b} close on common dates, rebased to 1.0 on "
        f"{start:%Y-%m-%d}; averages over {RS_FAST} and {RS_SLOW} common days",
    )
    lines = tuple(
        SeriesData.from_series(name, label, "ratio", s[keep] / base, prov)
        for name, label, s in (
            ("ratio", f"{a}/{b}", ratio),
            ("ratio_ma50", f"{RS_FAST}-day avg", fast),
            ("ratio_ma200", f"{RS_SLOW}-day avg", slow),
        )
    )
    # each side's close on the ratio's dates, 100 at the first: the two prices behind the ratio
    level = Provenance(
        pr.source,
        pr.symbols,
        span(start, end),
        f"{pr.day:%Y-%m-%d}",
        f"close / close on {start:%Y-%m-%d} x 100, on the common dates of {a} and {b}",
    )
    sides = tuple(
        SeriesData.from_series(
            f"{sym.lower()}_index",
            f"{sym}",
            "level",
            px[keep] / float(px[keep].iloc[0]) * 100,
            level,
        )
        for sym, px in ((a, pr.sa.reindex(ratio.index)), (b, pr.sb.reindex(ratio.index)))
    )
    return lines + sides
