"""The change in a symbol's trading volume between two dates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from capsize.errors import DataNotFound
from capsize.queries import performance as perf
from capsize.queries.factcheck._common import fact_result, fact_window
from capsize.queries.result import FigureSet

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import QueryResult, Unit
    from capsize.queries.session import Session

__all__ = ["volume_change"]


def _average(volume: pd.Series, day: pd.Timestamp, sessions: int, sym: str) -> tuple[float, str]:
    """Mean volume of the ``sessions`` sessions ending on or before ``day``, and their span."""
    part = volume[volume.index <= day].tail(sessions)
    if len(part) < sessions or (day - part.index[-1]).days > perf.DAILY_LIMIT:
        raise DataNotFound(
            f"{sym}: no volume for the {sessions} sessions to {day:%Y-%m-%d} "
            f"(volume held {perf.span(volume.index[0], volume.index[-1])})"
        )
    return float(part.mean()), perf.span(part.index[0], part.index[-1])


def _span_mean(
    volume: pd.Series, first: pd.Timestamp, last: pd.Timestamp, sym: str
) -> tuple[float, str]:
    """Mean volume of the sessions after ``first`` up to ``last``, and their span."""
    part = volume[(volume.index > first) & (volume.index <= last)]
    if part.empty:
        raise DataNotFound(
            f"{sym}: no volume within {first:%Y-%m-%d}..{last:%Y-%m-%d} "
            f"(volume held {perf.span(volume.index[0], volume.index[-1])})"
        )
    return float(part.mean()), perf.span(part.index[0], part.index[-1])


def volume_change(
    source: Store | Session,
    as_of: object | None = None,
    *,
    symbol: str,
    start: object,
    end: object | None = None,
    sessions: int = 20,
    year_earlier: bool = False,
) -> QueryResult:
    """Average daily volume of ``symbol`` near ``end`` against the same near ``start``.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it (the default end).
    symbol : str
        Symbol with volume (funds, the S&P 500 and Nasdaq indices; not the Russell 2000
        index after 2026-02, not close-only series).
    start, end : date-like
        The two dates compared (``end`` default ``as_of``).
    sessions : int
        Sessions averaged at each date (default 20, about a month).
    year_earlier : bool
        Instead: the mean over the sessions after ``start`` up to ``end`` against the mean
        over the same dates a year earlier ("volume fell 40 % in July from a year earlier").

    Returns
    -------
    QueryResult
        ``<SYM>.volume.start`` / ``.end`` (shares per session; index volumes as reported)
        and ``<SYM>.volume.change`` (fraction).

    Raises
    ------
    DataNotFound
        No volume held around one of the dates (zero volume counts as unknown).
    """
    w = fact_window(source, as_of, start, end)
    sym = symbol.strip().upper()
    bars = w.session.bars(sym)
    vol = bars["volume"].where(bars["volume"] > 0).dropna()
    if vol.empty:
        raise DataNotFound(f"{sym}: the store holds no trading volume for it")
    last = w.end if w.end is not None else pd.Timestamp(vol.index[-1])
    if w.start is None:
        raise DataNotFound("volume_change needs a start date")
    means = _two_means(vol, w.start, last, sym, sessions, year_earlier)
    day = pd.Timestamp(vol[vol.index <= last].index[-1])
    src = w.session.source(sym)
    params = {
        "symbol": sym,
        "start": w.start,
        "end": last,
        "sessions": sessions,
        "year_earlier": year_earlier,
    }
    fs = _volume_figures(means, day, sym, src)
    return fact_result("volume_change", w.session, day, fs, params, (src,))


@dataclass(frozen=True)
class _Means:
    """Mean daily volume at the start and at the end, their spans and what was averaged."""

    before: float
    span0: str
    after: float
    span1: str
    mean: str


def _two_means(
    vol: pd.Series,
    start: pd.Timestamp,
    last: pd.Timestamp,
    sym: str,
    sessions: int,
    year_earlier: bool,
) -> _Means:
    """Average ``vol`` near ``start`` and near ``last`` (or over the window and a year before)."""
    if year_earlier:
        year = pd.DateOffset(years=1)
        before, span0 = _span_mean(vol, start - year, last - year, sym)
        after, span1 = _span_mean(vol, start, last, sym)
        return _Means(before, span0, after, span1, "mean daily volume of the window")
    before, span0 = _average(vol, start, sessions, sym)
    after, span1 = _average(vol, last, sessions, sym)
    return _Means(before, span0, after, span1, f"mean daily volume of {sessions} sessions")


def _volume_figures(m: _Means, day: pd.Timestamp, sym: str, src: str) -> FigureSet:
    """Return the figures ``<SYM>.volume.start``, ``.end`` and ``.change``."""
    fs = FigureSet(day)
    rows: tuple[tuple[str, float, Unit, str, str, str], ...] = (
        ("start", m.before, "count", f"{sym} {m.mean}, {m.span0}", m.span0, m.mean),
        ("end", m.after, "count", f"{sym} {m.mean}, {m.span1}", m.span1, m.mean),
        (
            "change",
            m.after / m.before - 1.0,
            "fraction",
            f"{sym} change in {m.mean}",
            f"{m.span0} -> {m.span1}",
            "mean at the end / mean at the start - 1",
        ),
    )
    for name, value, unit, label, window, formula in rows:
        perf.number_figure(
            fs,
            f"{sym}.volume.{name}",
            value,
            unit,
            label,
            source=src,
            symbols=(sym,),
            window=window,
            formula=formula,
        )
    return fs
