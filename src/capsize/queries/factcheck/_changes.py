"""The change of one symbol between two dates, price and total return side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from capsize.analytics import performance as P
from capsize.errors import InputError
from capsize.queries import performance as perf
from capsize.queries.factcheck._common import fact_result, fact_window
from capsize.queries.result import FigureSet
from capsize.queries.session import parse_as_of

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import QueryResult
    from capsize.queries.session import Session

__all__ = ["period_change"]

_ANCHORS = ("", "low", "high")


def _anchor_day(
    main: pd.Series, start: pd.Timestamp, end: pd.Timestamp, anchor: str
) -> pd.Timestamp:
    """Date of the lowest (``low``) or highest (``high``) close within ``start..end``."""
    part = main[(main.index >= start) & (main.index <= end)].dropna()
    if part.empty:
        raise InputError(
            f"{main.name}: no closes within {start:%Y-%m-%d}..{end:%Y-%m-%d} to find the {anchor}"
        )
    pos = int(part.to_numpy().argmin() if anchor == "low" else part.to_numpy().argmax())
    return pd.Timestamp(part.index[pos])


def period_change(
    source: Store | Session,
    as_of: object | None = None,
    *,
    symbol: str,
    start: object,
    end: object | None = None,
    anchor: str = "",
    anchor_end: object | None = None,
) -> QueryResult:
    """Price and total return of ``symbol`` from ``start`` (or a low/high after it) to ``end``.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it (the default end).
    symbol : str
        Symbol (``IWM``, ``^RUT``, ``BTC-USD``, a stock).
    start : date-like
        Window start: the base is the last close on or before it.
    end : date-like, optional
        Window end: the end close is the last close on or before it (default ``as_of``).
    anchor : {"", "low", "high"}
        Start at the lowest / highest close within ``start..end`` instead ("since the
        March low").
    anchor_end : date-like, optional
        Last day the low/high is searched in (default ``end``): "since the March low"
        searches March only.

    Returns
    -------
    QueryResult
        Figures ``<SYM>.total`` and ``<SYM>.price`` (fraction; n/a with a reason when the
        store holds no such series over the window), ``<SYM>.base`` and ``<SYM>.end``
        (the closes used, level).

    Raises
    ------
    InputError
        Bad dates or anchor.
    DataNotFound
        No closes for ``symbol`` on or before the end.
    """
    if anchor not in _ANCHORS:
        raise InputError(f"anchor {anchor!r} is not one of '', 'low', 'high'")
    w = fact_window(source, as_of, start, end)
    if w.start is None:
        raise InputError("period_change needs a start date")
    sym = symbol.strip().upper()
    p = perf.load_prices(w.session, sym)
    last = w.end if w.end is not None else p.last
    until = min(last, parse_as_of(anchor_end, "anchor_end") or last)
    first = _anchor_day(p.main.rename(sym), w.start, until, anchor) if anchor else w.start
    pair = P.window_return(
        P.between(first, last),
        adjusted=p.total,
        raw=p.price,
        symbol=sym,
        max_stale_days=perf.DAILY_LIMIT,
    )
    ok = pair.total if pair.total.ok else pair.price
    day = ok.end_date if ok.ok and ok.end_date is not None else last
    fs = FigureSet(day)
    what = f"from the {anchor} close within the window" if anchor else "over the window"
    for basis, wr, src in (
        ("total", pair.total, p.total_source),
        ("price", pair.price, p.price_source),
    ):
        perf.return_figure(fs, f"{sym}.{basis}", wr, f"{sym} {basis} return {what}", src)
    for key, when, value in (
        ("base", ok.base_date, ok.base_close),
        ("end", ok.end_date, ok.end_close),
    ):
        perf.number_figure(
            fs,
            f"{sym}.{key}",
            value if ok.ok else None,
            "level",
            f"{sym} {key} close ({ok.basis} series), {perf.day_text(when)}",
            source=p.main_source if ok.basis == "total" else p.price_source,
            symbols=(sym,),
            window=perf.day_text(when),
            formula=f"last {ok.series} on or before the window's {key}",
            why=ok.reason or "n/a",
        )
    notes = [n for n in (p.note, f"Convention: {perf.CONVENTION}.") if n]
    params = {"symbol": sym, "start": w.start, "end": last, "anchor": anchor, "base_day": first}
    return fact_result(
        "period_change", w.session, day, fs, params, (p.total_source, p.price_source), notes
    )
