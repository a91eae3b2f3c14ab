"""Highs (all-time and 52-week, by close and intraday) and drawdowns (``capsize highs``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.analytics import performance as P
from capsize.errors import InputError
from capsize.queries.performance._common import (
    CORE_SMALL,
    after_data_note,
    basis_source,
    date_figure,
    day_text,
    no_data_error,
    number_figure,
    sources_of,
    span,
    stale_note,
    upper_symbols,
)
from capsize.queries.result import FigureSet, QueryResult, TableData
from capsize.queries.session import session_for

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import Cell
    from capsize.queries.session import Session

__all__ = ["MARKS", "DrawdownsResult", "HighsResult", "drawdowns", "highs"]

MARKS: tuple[tuple[str, str], ...] = (
    ("all_time_close", "All-time (close)"),
    ("all_time_intraday", "All-time (intraday)"),
    ("week52_close", "52-week (close)"),
    ("week52_intraday", "52-week (intraday)"),
)
"""Figure key and label of each high."""

CONVENTION = (
    "52-week = closes after the last date minus one year; all-time = since the first date "
    "held; distance = last close / high - 1; drawdown = close / running peak close - 1"
)


@dataclass(frozen=True)
class _Series:
    """One symbol's bars on or before the session's day."""

    symbol: str
    close: pd.Series
    high: pd.Series | None
    basis: str
    source: str

    @property
    def last(self) -> pd.Timestamp:
        return pd.Timestamp(self.close.index[-1])


def _load(s: Session, sym: str) -> _Series:
    def read() -> _Series:
        bars = s.bars(sym)
        close = bars["close"].dropna().rename(sym)
        if close.empty:
            raise no_data_error(s, sym)
        basis = str(bars.attrs.get("basis", "adjusted"))
        return _Series(sym, close, bars["high"], basis, basis_source(s, sym, basis))

    out: _Series = s.cached(("perf.bars", sym), read)
    return out


def _symbols(symbols: Sequence[str] | str) -> list[str]:
    syms = upper_symbols([symbols] if isinstance(symbols, str) else symbols)
    if not syms:
        raise InputError("name at least one symbol, e.g. capsize highs ^RUT IWM")
    return list(dict.fromkeys(syms))


def _day_and_notes(s: Session, series: list[_Series]) -> tuple[pd.Timestamp, list[str]]:
    latest = max(x.last for x in series)
    notes: list[str] = []
    after = after_data_note(s.requested, latest)
    if after:
        notes.append(after)
    for x in series:
        if x.last < latest:
            text = stale_note(x.symbol, x.last, latest)
            notes.append(text or f"{x.symbol}: data end {day_text(x.last)}")
    return latest, notes


# --------------------------------------------------------------------------- drawdowns


@dataclass(frozen=True)
class DrawdownsResult(QueryResult):
    """Current and maximum drawdowns.

    Figures per symbol: ``<SYM>.drawdown`` (current, fraction), ``<SYM>.drawdown.peak``
    (date), ``<SYM>.drawdown.days`` (days since the peak), ``<SYM>.max_drawdown``
    (fraction), ``<SYM>.max_drawdown.peak`` / ``.trough`` / ``.recovery`` (dates) and
    ``<SYM>.max_drawdown.days`` (peak to recovery, or to the last date).
    """

    symbols: tuple[str, ...] = ()


def drawdowns(
    source: Store | Session,
    as_of: object | None = None,
    *,
    symbols: Sequence[str] | str = CORE_SMALL,
) -> DrawdownsResult:
    """Measure the current drawdown from the running peak and the largest fall, with their dates.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it.
    symbols : str or sequence of str
        Symbols (default IWM).

    Returns
    -------
    DrawdownsResult
        As of the latest close among the symbols; a symbol ending earlier is measured
        to its own last close, with a note.

    Raises
    ------
    DataNotFound
        A symbol without closes on or before the as-of.
    """
    s = session_for(source, as_of)
    series = [_load(s, sym) for sym in _symbols(symbols)]
    day, notes = _day_and_notes(s, series)
    fs = FigureSet(day)
    rows = [_drawdown_figs(fs, x) for x in series]
    table = TableData(
        "drawdowns",
        "Drawdowns",
        ("Symbol", "Max drawdown", "Peak", "Trough", "Recovered", "Current", "Since peak"),
        tuple(rows),
    )
    return DrawdownsResult(
        query="drawdowns",
        as_of=day,
        requested_as_of=s.requested,
        params={"symbols": [x.symbol for x in series]},
        figures=fs.mapping(),
        tables=(table,),
        notes=(*notes, f"Convention: {CONVENTION}."),
        sources=sources_of(x.source for x in series),
        symbols=tuple(x.symbol for x in series),
    )


def _drawdown_figs(fs: FigureSet, x: _Series) -> tuple[Cell, ...]:
    dd = P.drawdown_stats(x.close)
    sym, end = x.symbol, day_text(dd.as_of_date)
    common: dict[str, Any] = {"source": x.source, "symbols": (sym,)}
    cur = number_figure(
        fs,
        f"{sym}.drawdown",
        dd.current_drawdown,
        "fraction",
        f"{sym} current drawdown",
        window=span(dd.current_peak_date, end),
        formula="last close / running peak close - 1",
        **common,
    )
    date_figure(
        fs,
        f"{sym}.drawdown.peak",
        dd.current_peak_date,
        f"{sym} running peak date",
        window=span(x.close.index[0], end),
        formula="date of the running peak close",
        **common,
    )
    since = number_figure(
        fs,
        f"{sym}.drawdown.days",
        dd.current_duration_days,
        "days",
        f"{sym} calendar days since the running peak",
        window=span(dd.current_peak_date, end),
        formula="last date - running peak date",
        **common,
    )
    mdd_window = span(dd.peak_date, dd.trough_date)
    mdd = number_figure(
        fs,
        f"{sym}.max_drawdown",
        dd.max_drawdown,
        "fraction",
        f"{sym} maximum drawdown",
        window=mdd_window,
        formula="min over time of close / running peak - 1",
        **common,
    )
    whole = span(x.close.index[0], end)
    for key, when, what in (
        ("peak", dd.peak_date, "peak before the maximum drawdown"),
        ("trough", dd.trough_date, "trough of the maximum drawdown"),
        ("recovery", dd.recovery_date, "first close back at that peak"),
    ):
        date_figure(
            fs,
            f"{sym}.max_drawdown.{key}",
            when,
            f"{sym} {what}",
            window=whole,
            formula=what,
            why="not recovered",
            **common,
        )
    number_figure(
        fs,
        f"{sym}.max_drawdown.days",
        dd.duration_days,
        "days",
        f"{sym} maximum drawdown, calendar days peak to recovery (or to the last date)",
        window=whole,
        formula="recovery (or last) date - peak date",
        **common,
    )
    rec = day_text(dd.recovery_date) if dd.recovery_date is not None else "not recovered"
    return (sym, mdd, day_text(dd.peak_date), day_text(dd.trough_date), rec, cur, since)


# --------------------------------------------------------------------------- highs


@dataclass(frozen=True)
class HighsResult(QueryResult):
    """All-time and 52-week highs, by close and intraday, and drawdowns.

    Figures per symbol and mark (``all_time_close``, ``all_time_intraday``,
    ``week52_close``, ``week52_intraday``): ``<SYM>.<mark>`` (distance of the last close
    from the high, fraction), ``.level`` (the high), ``.date`` (when it was set, the
    earliest date when repeated), ``.sessions`` (closes since),
    ``.days`` (calendar days since); ``<SYM>.last_close``; and every figure of
    :func:`drawdowns`.
    """

    symbols: tuple[str, ...] = ()
    ends: tuple[tuple[str, pd.Timestamp], ...] = ()
    """Each symbol's last close used."""
    records: tuple[str, ...] = ()
    """Symbols whose last close is an all-time closing high."""


def highs(
    source: Store | Session,
    as_of: object | None = None,
    *,
    symbols: Sequence[str] | str = CORE_SMALL,
) -> HighsResult:
    """All-time and 52-week highs (close and intraday) with date and level, and drawdowns.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it.
    symbols : str or sequence of str
        Symbols (default IWM).

    Returns
    -------
    HighsResult
        As of the latest close among the symbols; a symbol ending earlier is measured to
        its own last close (its rows say so). Intraday marks are n/a for close-only data.

    Raises
    ------
    DataNotFound
        A symbol without closes on or before the as-of.
    """
    s = session_for(source, as_of)
    series = [_load(s, sym) for sym in _symbols(symbols)]
    dd = drawdowns(s, symbols=[x.symbol for x in series])
    day = dd.as_of
    fs = FigureSet(day)
    rows: list[tuple[Cell, ...]] = []
    records: list[str] = []
    for x in series:
        h = P.highs(x.close, x.high)
        rows += _high_rows(fs, x, h)
        if h.all_time_close.is_today:
            records.append(x.symbol)
    table = TableData(
        "highs",
        "Highs",
        ("Symbol", "High", "Level", "Date", "Days since", "Sessions since", "Distance"),
        tuple(rows),
    )
    notes = list(dd.notes)
    notes[-1:-1] = [
        f"{sym} closed at a record on {day_text(_end(series, sym))}." for sym in records
    ]
    return HighsResult(
        query="highs",
        as_of=day,
        requested_as_of=s.requested,
        params={"symbols": [x.symbol for x in series]},
        figures={**fs.mapping(), **dd.figures},
        tables=(table, *dd.tables),
        notes=tuple(notes),
        sources=dd.sources,
        symbols=tuple(x.symbol for x in series),
        ends=tuple((x.symbol, x.last) for x in series),
        records=tuple(records),
    )


def _end(series: list[_Series], sym: str) -> pd.Timestamp:
    return next(x.last for x in series if x.symbol == sym)


def _high_rows(fs: FigureSet, x: _Series, h: P.Highs) -> list[tuple[Cell, ...]]:
    sym, end = x.symbol, day_text(h.as_of_date)
    common: dict[str, Any] = {"source": x.source, "symbols": (sym,)}
    number_figure(
        fs,
        f"{sym}.last_close",
        h.last_close,
        "level",
        f"{sym} last close",
        window=end,
        formula=f"{x.basis} close on the last date",
        **common,
    )
    rows: list[tuple[Cell, ...]] = []
    for (key, label), mark in zip(
        MARKS,
        (h.all_time_close, h.all_time_intraday, h.week52_close, h.week52_intraday),
        strict=True,
    ):
        window = span(h.first_date, end) if key.startswith("all") else f"52 weeks to {end}"
        why = mark.reason or "no data"
        if "no intraday high" in why:
            why = "no intraday highs (close-only data)"
        dist = number_figure(
            fs,
            f"{sym}.{key}",
            mark.distance,
            "fraction",
            f"{sym} distance from {mark.kind} high",
            window=window,
            formula=f"last close / {mark.kind} high - 1 (high set {day_text(mark.date)})",
            why=why,
            **common,
        )
        level = number_figure(
            fs,
            f"{sym}.{key}.level",
            mark.value,
            "level",
            f"{sym} {mark.kind} high",
            window=window,
            formula=f"max of {mark.kind.split()[-1]} in the window",
            why=why,
            **common,
        )
        date_figure(
            fs,
            f"{sym}.{key}.date",
            mark.date,
            f"{sym} {mark.kind} high, date",
            window=window,
            formula="earliest date the high was reached",
            why=why,
            **common,
        )
        ok = mark.reason is None
        sessions = number_figure(
            fs,
            f"{sym}.{key}.sessions",
            mark.trading_days_since if ok else None,
            "sessions",
            f"{sym} closes since the {mark.kind} high",
            window=window,
            formula="closes after the high's date up to the last date",
            why=why,
            **common,
        )
        days = number_figure(
            fs,
            f"{sym}.{key}.days",
            mark.calendar_days_since if ok else None,
            "days",
            f"{sym} calendar days since the {mark.kind} high",
            window=window,
            formula="last date - the high's date",
            why=why,
            **common,
        )
        rows.append((sym, label, level, day_text(mark.date), days, sessions, dist))
    return rows
