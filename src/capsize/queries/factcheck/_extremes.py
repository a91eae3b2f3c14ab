"""Highs, lows and falls of one symbol within a window, and its all-time highs by the end."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import CapsizeError, DataNotFound
from capsize.queries import performance as perf
from capsize.queries.factcheck._common import fact_result, fact_window
from capsize.queries.result import FigureSet
from capsize.queries.session import parse_as_of

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import QueryResult
    from capsize.queries.session import Session

__all__ = ["window_extremes"]


def _level_series(p: perf.Prices) -> tuple[pd.Series, str, str]:
    """Pick the closes for levels: quoted closes where held over the history, else adjusted.

    Returns the series, its description and its source.
    """
    recent = p.price is not None and (p.main.index[-1] - p.price.index[-1]).days <= perf.DAILY_LIMIT
    if p.price is not None and recent and (p.total is None or p.price.index[0] <= p.main.index[0]):
        gaps = p.price.index.to_series().diff().dt.days.max()
        if p.total is None or not (gaps > perf.DAILY_LIMIT):
            what = "close" if p.total is None else "raw close"
            return p.price, what, p.price_source
    return p.main, "adjusted close", p.main_source


def _intraday(s: Session, sym: str, basis_word: str) -> pd.Series | None:
    """Intraday highs on the same basis as the level closes (None when not held)."""
    basis = "raw" if basis_word == "raw close" else "auto"
    try:
        highs = s.bars(sym, basis=basis)["high"].dropna()
    except CapsizeError:
        return None
    return highs if not highs.empty else None


def _add_mark(
    fs: FigureSet,
    fid: str,
    series: pd.Series | None,
    label: str,
    common: dict[str, Any],
    *,
    lowest: bool = False,
) -> None:
    """Register the extreme of ``series`` (level) and its date; n/a when the series is empty."""
    ok = series is not None and not series.dropna().empty
    when = None
    value = None
    if ok and series is not None:
        clean = series.dropna()
        pos = int(clean.to_numpy().argmin() if lowest else clean.to_numpy().argmax())
        when = pd.Timestamp(clean.index[pos])
        value = float(clean.iloc[pos])
    src, syms, win = common["source"], common["symbols"], common["window"]
    perf.number_figure(
        fs,
        fid,
        value,
        "level",
        label,
        source=str(src),
        symbols=tuple(syms),
        window=str(win),
        formula=f"{'min' if lowest else 'max'} of the series in the window",
        why="no data in the window",
    )
    perf.date_figure(
        fs,
        f"{fid}.date",
        when,
        f"{label}, date",
        source=str(src),
        symbols=tuple(syms),
        window=str(win),
        formula="earliest date the extreme was reached",
        why="no data in the window",
    )


def _last_session(
    fs: FigureSet, s: Session, sym: str, what: str, day: pd.Timestamp, src: str
) -> None:
    """Register the intraday high and low of the last session (n/a for close-only data)."""
    basis = "raw" if what == "raw close" else "auto"
    try:
        bar = s.bars(sym, basis=basis).loc[:day].tail(1)
    except CapsizeError:
        bar = pd.DataFrame()
    ok = not bar.empty and pd.Timestamp(bar.index[-1]) == day
    for key in ("high", "low"):
        value = float(bar[key].iloc[-1]) if ok else None
        perf.number_figure(
            fs,
            f"{sym}.last_{key}",
            value,
            "level",
            f"{sym} intraday {key} of the last session",
            source=src,
            symbols=(sym,),
            window=perf.day_text(day),
            formula=f"intraday {key} on the last date",
            why="no intraday bars held",
        )


def _window_intraday(
    fs: FigureSet,
    s: Session,
    sym: str,
    what: str,
    first: pd.Timestamp,
    day: pd.Timestamp,
    common: dict[str, Any],
) -> None:
    """Register the highest intraday high and lowest intraday low within the window."""
    basis = "raw" if what == "raw close" else "auto"
    try:
        bars = s.bars(sym, basis=basis).loc[first:day]
    except CapsizeError:
        bars = pd.DataFrame(columns=["high", "low"])
    for key, lowest in (("high", False), ("low", True)):
        series = bars[key].dropna() if key in bars else None
        _add_mark(
            fs,
            f"{sym}.window_{key}_intraday",
            series if series is not None and not series.empty else None,
            f"{sym} {'lowest intraday low' if lowest else 'highest intraday high'} in the window",
            common,
            lowest=lowest,
        )


def _period_high(
    fs: FigureSet,
    sym: str,
    part: pd.Series,
    until: pd.Timestamp | None,
    last: float,
    common: dict[str, Any],
) -> None:
    """Register the high of the window's first part (to ``until``) and the last close against it."""
    period = part if until is None else part[part.index <= until]
    label = f"{sym} highest close {perf.span(part.index[0], until or part.index[-1])}"
    _add_mark(
        fs,
        f"{sym}.period_high",
        period,
        label,
        {**common, "window": perf.span(part.index[0], until or part.index[-1])},
    )
    high = float(period.max()) if not period.empty else float("nan")
    perf.number_figure(
        fs,
        f"{sym}.from_period_high",
        last / high - 1.0,
        "fraction",
        f"{sym} last close against the {label.split(' ', 1)[1]}",
        source=common["source"],
        symbols=(sym,),
        window=common["window"],
        formula="last close / highest close of the period - 1",
        why="no close in the period",
    )


def window_extremes(
    source: Store | Session,
    as_of: object | None = None,
    *,
    symbol: str,
    start: object | None = None,
    end: object | None = None,
    high_end: object | None = None,
) -> QueryResult:
    """Highs, lows, the largest fall and the all-time highs of ``symbol``, point in time.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it (the default end).
    symbol : str
        Symbol.
    start, end : date-like, optional
        The window (default: the whole history up to ``as_of``).
    high_end : date-like, optional
        With ``start``: also the highest close of ``start..high_end`` (a named period such
        as "its November 2021 peak") as ``<SYM>.period_high`` and the last close against it
        as ``<SYM>.from_period_high``.

    Returns
    -------
    QueryResult
        Levels (quoted closes where the store holds them over the history, else adjusted
        closes, named in every formula) with dates: ``<SYM>.last`` (last close by the end),
        ``<SYM>.last_high`` / ``.last_low`` (intraday range of that session),
        ``<SYM>.last_raw`` (the raw close of that day, when levels are adjusted closes and
        the raw closes hold the day),
        ``<SYM>.window_high``, ``<SYM>.window_low``, ``<SYM>.record_close`` and
        ``<SYM>.record_intraday`` (highest close / intraday high of the whole history up to
        the end); fractions ``<SYM>.max_drawdown`` (worst peak-to-trough fall of closes
        within the window, negative), ``<SYM>.from_window_high`` and ``<SYM>.from_record``
        (last close against those highs).

    Raises
    ------
    DataNotFound
        No closes for ``symbol`` on or before the end, or none in the window.
    """
    w = fact_window(source, as_of, start, end)
    sym = symbol.strip().upper()
    p = perf.load_prices(w.session, sym)
    closes, what, src = _level_series(p)
    hist = closes.dropna()
    if w.end is not None:
        hist = hist[hist.index <= w.end]
    part = hist if w.start is None else hist[hist.index >= w.start]
    if part.empty:
        raise DataNotFound(
            f"{sym}: no closes within {perf.day_text(w.start)}..{perf.day_text(w.end)}; "
            f"its data run {perf.span(p.first, p.last)}"
        )
    day = pd.Timestamp(part.index[-1])
    fs = FigureSet(day)
    window = perf.span(part.index[0], day)
    common: dict[str, Any] = {"source": src, "symbols": (sym,), "window": window}
    last = float(part.iloc[-1])
    perf.number_figure(
        fs,
        f"{sym}.last",
        last,
        "level",
        f"{sym} last {what}",
        source=src,
        symbols=(sym,),
        window=perf.day_text(day),
        formula=f"{what} on the last date",
    )
    _last_raw(fs, p, sym, what, day)
    _add_mark(fs, f"{sym}.window_high", part, f"{sym} highest {what} in the window", common)
    _add_mark(
        fs, f"{sym}.window_low", part, f"{sym} lowest {what} in the window", common, lowest=True
    )
    every = {**common, "window": perf.span(hist.index[0], day)}
    _add_mark(fs, f"{sym}.record_close", hist, f"{sym} record {what}", every)
    intraday = _intraday(w.session, sym, what)
    if intraday is not None:
        intraday = intraday[intraday.index <= day]
    _add_mark(fs, f"{sym}.record_intraday", intraday, f"{sym} record intraday high", every)
    _last_session(fs, w.session, sym, what, day, src)
    _window_intraday(fs, w.session, sym, what, part.index[0], day, common)
    _records_and_falls(fs, sym, part, hist, what, src)
    if high_end is not None:
        _period_high(fs, sym, part, parse_as_of(high_end, "high_end"), last, common)
    params = {"symbol": sym, "start": w.start, "end": w.end, "series": what}
    return fact_result(
        "window_extremes", w.session, day, fs, params, (src,), [p.note or ""][:1] if p.note else []
    )


def _last_raw(fs: FigureSet, p: perf.Prices, sym: str, what: str, day: pd.Timestamp) -> None:
    """Add ``<SYM>.last_raw``, the raw close of ``day``, when levels are adjusted closes.

    Levels fall back to adjusted closes over the whole history when the raw closes have a
    gap; a day the raw closes do hold still has its quoted close.
    """
    if what != "adjusted close" or p.price is None:
        return
    quoted = p.price.dropna()
    if day not in quoted.index:
        return
    perf.number_figure(
        fs,
        f"{sym}.last_raw",
        float(quoted[day]),
        "level",
        f"{sym} last raw close",
        source=p.price_source,
        symbols=(sym,),
        window=perf.day_text(day),
        formula="raw close on the last date (split-adjusted, not dividend-adjusted)",
    )


def _records_and_falls(
    fs: FigureSet, sym: str, part: pd.Series, hist: pd.Series, what: str, src: str
) -> None:
    """Add the window's record-close count, largest fall and distances from its highs.

    ``part`` is the window's closes, ``hist`` the whole history up to the window's end.
    """
    window = perf.span(part.index[0], part.index[-1])
    prior = hist.cummax().shift(1).reindex(part.index)
    perf.number_figure(
        fs,
        f"{sym}.window_records",
        int((part > prior).sum()),
        "count",
        f"{sym} record closes in the window",
        source=src,
        symbols=(sym,),
        window=window,
        formula="closes above every earlier close of the history",
    )
    falls = part / part.cummax() - 1.0
    for fid, value, label, formula in (
        (
            "max_drawdown",
            float(falls.min()),
            "largest fall from a running high in the window",
            "min over the window of close / running max of closes - 1",
        ),
        (
            "from_window_high",
            float(part.iloc[-1]) / float(part.max()) - 1.0,
            "last close against the window high",
            "last close / highest close in the window - 1",
        ),
        (
            "from_record",
            float(part.iloc[-1]) / float(hist.max()) - 1.0,
            "last close against the record close",
            "last close / highest close of the history - 1",
        ),
    ):
        perf.number_figure(
            fs,
            f"{sym}.{fid}",
            value,
            "fraction",
            f"{sym} {label}",
            source=src,
            symbols=(sym,),
            window=window,
            formula=f"{formula} ({what})",
        )
