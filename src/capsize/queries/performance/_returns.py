"""Window returns of any symbols: price and total return side by side (``capsize perf``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from capsize.analytics import performance as P
from capsize.errors import InputError
from capsize.queries.performance._common import (
    CONVENTION,
    DAILY_LIMIT,
    Prices,
    after_data_note,
    check_start,
    custom_window,
    day_text,
    load_prices,
    narrowed,
    number_figure,
    return_figure,
    sources_of,
    stale_note,
    standard_window,
    upper_symbols,
)
from capsize.queries.result import FigureSet, QueryResult, TableData
from capsize.queries.session import parse_as_of, session_for
from capsize.rules.staleness import freshness

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import Cell, Figure
    from capsize.queries.session import Session

__all__ = [
    "DEFAULT_WINDOWS",
    "WindowQuestion",
    "WindowReturnsResult",
    "parse_windows",
    "window_returns",
]

DEFAULT_WINDOWS: tuple[str, ...] = ("MTD", "QTD", "YTD", "1Y", "3Y", "5Y")
"""Windows of ``window_returns`` when none is asked for."""


@dataclass(frozen=True)
class WindowReturnsResult(QueryResult):
    """Price and total returns of symbols over windows.

    Figures ``<SYM>.<W>.total`` and ``<SYM>.<W>.price`` (fraction; ``W`` a window key:
    ``MTD``, ``YTD``, ``1Y``, ..., ``since``, ``between`` or ``trough``), and
    ``<SYM>.<W>.total.annualised`` / ``.price.annualised`` for windows of a year or more.
    """

    symbols: tuple[str, ...] = ()
    windows: tuple[str, ...] = ()


@dataclass(frozen=True)
class WindowQuestion:
    """The parsed window options of a performance question.

    Attributes
    ----------
    keys : tuple of str
        Standard window keys asked for (empty: the query's default).
    since, trough_from : Timestamp or None
        Start of a dated window.
    between : (Timestamp, Timestamp) or None
        Start and end of a dated window.
    """

    keys: tuple[str, ...]
    since: pd.Timestamp | None
    between: tuple[pd.Timestamp, pd.Timestamp] | None
    trough_from: pd.Timestamp | None

    @property
    def start(self) -> tuple[str, pd.Timestamp | None]:
        """The dated window's option name and start (``(name, None)`` when none)."""
        if self.since is not None:
            return "since", self.since
        if self.between is not None:
            return "between", self.between[0]
        return "trough_from", self.trough_from


def parse_windows(
    windows: Sequence[str] | None,
    ytd: bool,
    since: object | None,
    between: Sequence[object] | None,
    trough_from: object | None,
) -> WindowQuestion:
    """Parse the window options of a performance question.

    Raises
    ------
    InputError
        When more than one kind of window is asked for, or a date is not ISO.
    """
    btw: tuple[pd.Timestamp, pd.Timestamp] | None = None
    if between is not None:
        if len(between) != 2:
            raise InputError("between needs two dates, e.g. between=('2025-01-01', '2025-06-30')")
        d1, d2 = parse_as_of(between[0], "between"), parse_as_of(between[1], "between")
        if d1 is None or d2 is None:
            raise InputError("between needs two dates, e.g. between=('2025-01-01', '2025-06-30')")
        P.between(d1, d2)  # raises when the start is after the end
        btw = (d1, d2)
    asked = WindowQuestion(
        tuple(windows) if windows else (("YTD",) if ytd else ()),
        parse_as_of(since, "since"),
        btw,
        parse_as_of(trough_from, "trough_from"),
    )
    chosen = [bool(ytd), asked.since is not None, btw is not None, asked.trough_from is not None]
    if sum(chosen) > 1:
        raise InputError("choose one window: ytd, since, between or trough_from")
    return asked


def _windows(
    asked: WindowQuestion, day: pd.Timestamp, calendar: pd.DatetimeIndex
) -> list[tuple[str, P.Window]]:
    custom = custom_window(
        day, since=asked.since, between=asked.between, trough_from=asked.trough_from
    )
    if custom is not None:
        return [custom]
    keys = asked.keys or DEFAULT_WINDOWS
    return [(k, standard_window(k, day, calendar)) for k in keys]


def window_returns(
    source: Store | Session,
    as_of: object | None = None,
    *,
    symbols: Sequence[str],
    windows: Sequence[str] | None = None,
    ytd: bool = False,
    since: object | None = None,
    between: Sequence[object] | None = None,
    trough_from: object | None = None,
) -> WindowReturnsResult:
    """Price and total returns of ``symbols`` over standard windows or one dated window.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it; windows end on it (default: the latest close).
    symbols : sequence of str
        Symbols (``IWM``, ``^RUT``, ``BTC-USD``); case does not matter.
    windows : sequence of str, optional
        Window keys (``1D``, ``1W``, ``1M``, ``3M``, ``6M``, ``MTD``, ``QTD``, ``YTD``,
        ``1Y``, ``3Y``, ``5Y``); default MTD, QTD, YTD, 1Y, 3Y, 5Y.
    ytd : bool
        Shortcut for ``windows=("YTD",)``.
    since : date-like, optional
        One window from the close on or before ``since`` to the as-of.
    between : (date-like, date-like), optional
        One window from the close on or before the first date to the close on or
        before the second; the answer is as of the second (nothing later is read).
    trough_from : date-like, optional
        One window from the lowest close on or after this date to the as-of.

    Returns
    -------
    WindowReturnsResult
        As of the last close used. A symbol whose data ends too long before a window's
        end (the staleness rule) is n/a there, with a note giving its last date.

    Raises
    ------
    InputError
        Bad or conflicting options, or a start after the latest data.
    DataNotFound
        A symbol without closes on or before the as-of.
    """
    syms = upper_symbols(symbols)
    if not syms:
        raise InputError("name at least one symbol, e.g. capsize perf IWM SPY")
    asked = parse_windows(windows, ytd, since, between, trough_from)
    s0 = session_for(source, as_of)
    s = narrowed(s0, asked.between[1]) if asked.between is not None else s0
    prices = [load_prices(s, sym) for sym in syms]
    latest = max(p.last for p in prices)
    note = after_data_note(s.requested, latest)
    day = latest if s.requested is None or note is not None else s.requested
    check_start(asked.start[0], asked.start[1], latest)
    wins = _windows(asked, day, pd.DatetimeIndex(prices[0].main.index))
    pairs = {
        (p.symbol, key): P.window_return(
            w, adjusted=p.total, raw=p.price, symbol=p.symbol, max_stale_days=DAILY_LIMIT
        )
        for p in prices
        for key, w in wins
    }
    ends = [
        wr.end_date
        for pair in pairs.values()
        for wr in (pair.total, pair.price)
        if wr.ok and wr.end_date is not None
    ]
    answer_day = max(ends) if ends else min(day, latest)
    notes = [note] if note else []
    notes += _stale_notes(prices, wins, latest, asked.between is None)
    notes += [p.note for p in prices if p.note]
    notes.append(f"Convention: {CONVENTION}.")
    return _result(s0, answer_day, prices, wins, pairs, asked, tuple(notes))


def _stale_notes(
    prices: list[Prices], wins: list[tuple[str, P.Window]], latest: pd.Timestamp, hint: bool
) -> list[str]:
    """Return notes for symbols whose data ends before a window's end (and only those)."""
    out: list[str] = []
    end = max(w.end for _, w in wins if w.end is not None)
    for p in prices:
        if p.last >= end:
            continue
        text = stale_note(p.symbol, p.last, end)
        if text is not None:
            tail = f"; for them use --as-of {day_text(p.last)}" if hint else ""
            out.append(f"{text}; its figures for windows ending {end:%Y-%m-%d} are n/a{tail}")
        elif p.last < latest:
            out.append(freshness(p.last, end, "daily").note(p.symbol))
    return out


def _result(
    s: Session,
    day: pd.Timestamp,
    prices: list[Prices],
    wins: list[tuple[str, P.Window]],
    pairs: dict[tuple[str, str], P.ReturnPair],
    asked: WindowQuestion,
    notes: tuple[str, ...],
) -> WindowReturnsResult:
    fs = FigureSet(day)
    rows: list[tuple[Cell, ...]] = []
    for p in prices:
        for key, w in wins:
            pair = pairs[(p.symbol, key)]
            figs = {
                basis: _return_figs(fs, p, key, wr, src)
                for basis, wr, src in (
                    ("price", pair.price, p.price_source),
                    ("total", pair.total, p.total_source),
                )
            }
            ref = pair.total if pair.total.ok else pair.price
            lag = f"last close {ref.stale_days}d before the window end" if ref.stale_days else ""
            rows.append(
                (
                    p.symbol,
                    w.label,
                    figs["price"],
                    figs["total"],
                    day_text(ref.base_date),
                    day_text(ref.end_date),
                    lag,
                )
            )
    table = TableData(
        "returns",
        "Price and total returns",
        ("Symbol", "Window", "Price return", "Total return", "Base", "End", "Note"),
        tuple(rows),
    )
    return WindowReturnsResult(
        query="window_returns",
        as_of=day,
        requested_as_of=s.requested,
        params={
            "symbols": [p.symbol for p in prices],
            "windows": [k for k, _ in wins],
            "since": asked.since,
            "between": list(asked.between) if asked.between else None,
            "trough_from": asked.trough_from,
        },
        figures=fs.mapping(),
        tables=(table,),
        notes=notes,
        sources=sources_of(x for p in prices for x in (p.total_source, p.price_source)),
        symbols=tuple(p.symbol for p in prices),
        windows=tuple(k for k, _ in wins),
    )


def _return_figs(fs: FigureSet, p: Prices, key: str, wr: P.WindowReturn, src: str) -> Figure:
    """Register the return figure of one side, and its annualised figure for windows of a year or more."""
    fid = f"{p.symbol}.{key}.{wr.basis}"
    fig = return_figure(fs, fid, wr, f"{p.symbol} {wr.basis} return, {wr.window.label}", src)
    if wr.ok and wr.calendar_days >= 365:
        number_figure(
            fs,
            f"{fid}.annualised",
            wr.annualised,
            "fraction",
            f"{p.symbol} {wr.basis} return, {wr.window.label}, annualised",
            source=src,
            symbols=(p.symbol,),
            window=fig.provenance.window,
            formula="(1 + return) ** (365.25 / calendar days) - 1",
            why="not annualised",
        )
    return fig
