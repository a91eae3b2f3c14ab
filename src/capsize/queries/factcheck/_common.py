"""Shared pieces of the fact-check queries: the window's session, dates, the result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import InputError
from capsize.queries import performance as perf
from capsize.queries.result import FigureSet, QueryResult
from capsize.queries.session import parse_as_of, session_for

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = ["FactWindow", "fact_result", "fact_window", "last_on_or_before", "preload_closes"]


class FactWindow:
    """A session limited to a window's end, and the window's dates.

    Attributes
    ----------
    session : Session
        Reads nothing dated after ``end`` (or after the source's as-of when ``end`` is None).
    start : Timestamp or None
        First day of the window (None: a point question).
    end : Timestamp or None
        Last day of the window (None: the latest data).
    """

    def __init__(self, session: Session, start: pd.Timestamp | None, end: pd.Timestamp | None):
        self.session = session
        self.start = start
        self.end = end


def fact_window(
    source: Store | Session, as_of: object | None, start: object | None, end: object | None
) -> FactWindow:
    """Return the session for a window ``start..end`` read point in time.

    The window ends at ``end`` (default: ``as_of``); nothing dated after it is read.

    Raises
    ------
    InputError
        When a date is not ISO, the start is after the end, or the end after ``as_of``.
    """
    s0 = session_for(source, as_of)
    first = parse_as_of(start, "start")
    last = parse_as_of(end, "end") or s0.requested
    if first is not None and last is not None and first > last:
        raise InputError(
            f"window start {first:%Y-%m-%d} is after its end {last:%Y-%m-%d}; swap them"
        )
    s = perf.narrowed(s0, last) if last is not None else s0
    return FactWindow(s, first, last)


def last_on_or_before(series: pd.Series, day: pd.Timestamp | None) -> tuple[pd.Timestamp, float]:
    """Return the date and value of the last non-NaN observation on or before ``day``.

    Raises
    ------
    InputError
        When ``series`` has none by then (the message names the series and its first date).
    """
    s = series.dropna()
    if day is not None:
        s = s[s.index <= day]
    if s.empty:
        first = series.dropna().index.min()
        when = "n/a" if pd.isna(first) else f"{first:%Y-%m-%d}"
        raise InputError(
            f"{series.name}: no value on or before {perf.day_text(day)} (its data start {when})"
        )
    return pd.Timestamp(s.index[-1]), float(s.iloc[-1])


def fact_result(
    query: str,
    s: Session,
    day: pd.Timestamp,
    fs: FigureSet,
    params: Mapping[str, Any],
    sources: Sequence[str],
    notes: Sequence[str] = (),
) -> QueryResult:
    """Build the answer of one fact-check query."""
    return QueryResult(
        query=query,
        as_of=day,
        requested_as_of=s.requested,
        params=dict(params),
        figures=fs.mapping(),
        notes=tuple(notes),
        sources=perf.sources_of(sources),
    )


def preload_closes(s: Session, symbols: Sequence[str]) -> list[str]:
    """Read the closes of ``symbols`` the store holds in one query (cached by the session).

    Several questions on one session then read no closes of their own. Returns the
    symbols read; symbols the store does not hold are left out (asking about them later
    raises as usual).
    """
    held = set(s.symbols())
    syms = sorted({x for x in symbols if x in held})
    if syms:
        perf.load_many_prices(s, syms)
    return syms
