"""A rate's level and change between two dates, and the Fed's moves within a window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import InputError
from capsize.queries import performance as perf
from capsize.queries.factcheck._common import fact_result, fact_window, last_on_or_before
from capsize.queries.result import FigureSet

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import QueryResult
    from capsize.queries.session import Session

__all__ = ["MERGE_DAYS", "MOVE_STEP", "rate_change", "rate_moves"]

MOVE_STEP = 0.15
"""Percentage points the 10-day median of the effective fed funds rate must move to count
as a policy move (a cut or hike is 0.25 pp; day-to-day noise is a few bp)."""

MERGE_DAYS = 10
"""Calendar days within which steps of one sign are one move."""


def rate_change(
    source: Store | Session,
    as_of: object | None = None,
    *,
    series: str,
    start: object | None = None,
    end: object | None = None,
) -> QueryResult:
    """Level of a FRED rate on or before ``end``, and its change since ``start``.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it (the default end).
    series : str
        FRED id (``DGS10``, ``DGS2``, ``DFF``, ``FEDFUNDS``).
    start, end : date-like, optional
        The window (``start`` None: the level only).

    Returns
    -------
    QueryResult
        ``<ID>.level`` (percent, last value on or before the end), ``<ID>.start``
        (percent) and ``<ID>.change`` (bp) when ``start`` is given.

    Raises
    ------
    InputError
        No value on or before a date.
    DataNotFound
        A series the store does not hold.
    """
    w = fact_window(source, as_of, start, end)
    sid = series.strip().upper()
    values = w.session.macro(sid)[sid].rename(sid)
    day, level = last_on_or_before(values, w.end)
    fs = FigureSet(day)
    common: dict[str, Any] = {"source": w.session.source(sid, dataset="macro"), "symbols": (sid,)}
    perf.number_figure(
        fs,
        f"{sid}.level",
        level,
        "percent",
        f"{sid} on {day:%Y-%m-%d}",
        window=perf.day_text(day),
        formula="last value on or before the end",
        **common,
    )
    if w.start is not None:
        d0, v0 = last_on_or_before(values, w.start)
        perf.number_figure(
            fs,
            f"{sid}.start",
            v0,
            "percent",
            f"{sid} on {d0:%Y-%m-%d}",
            window=perf.day_text(d0),
            formula="last value on or before the start",
            **common,
        )
        perf.number_figure(
            fs,
            f"{sid}.change",
            (level - v0) * 100.0,
            "bp",
            f"{sid} change",
            window=perf.span(d0, day),
            formula="(end value - start value) x 100",
            **common,
        )
    params = {"series": sid, "start": w.start, "end": w.end}
    return fact_result("rate_change", w.session, day, fs, params, (str(common["source"]),))


def _moves(dff: pd.Series) -> list[tuple[pd.Timestamp, float]]:
    """Policy moves: steps of the 10-day rolling median of at least :data:`MOVE_STEP`.

    Steps of one sign within :data:`MERGE_DAYS` of the last are one move (a 50 bp cut
    moves the median in two steps).
    """
    smooth = dff.rolling(10, min_periods=5).median().dropna()
    out: list[tuple[pd.Timestamp, float]] = []
    if smooth.empty:
        return out
    level = float(smooth.iloc[0])
    for day, v in smooth.items():
        if abs(v - level) < MOVE_STEP:
            continue
        when, step = pd.Timestamp(str(day)), float(v - level)
        level = float(v)
        if out and (when - out[-1][0]).days <= MERGE_DAYS and out[-1][1] * step > 0:
            out[-1] = (out[-1][0], out[-1][1] + step)
        else:
            out.append((when, step))
    return out


def rate_moves(
    source: Store | Session,
    as_of: object | None = None,
    *,
    start: object,
    end: object | None = None,
) -> QueryResult:
    """Count the Fed rate cuts and hikes within ``start..end``, read off the effective rate.

    A move is a step of the 10-day median of the daily effective fed funds rate (DFF) of at
    least :data:`MOVE_STEP` pp; a 50 bp cut counts once. The date is when the median
    crosses the step (a few days after the decision).

    Returns
    -------
    QueryResult
        ``cuts``, ``hikes`` (count), ``net_change`` (bp, sum of the moves) and
        ``moves`` (text: the dates and sizes).

    Raises
    ------
    InputError
        Without a start, or no DFF values by the end.
    """
    w = fact_window(source, as_of, start, end)
    if w.start is None:
        raise InputError("rate_moves needs a start date")
    dff = w.session.macro("DFF")["DFF"].rename("DFF").dropna()
    day, _ = last_on_or_before(dff, w.end)
    lead_in = dff[(dff.index >= w.start - pd.Timedelta(days=30)) & (dff.index <= day)]
    moves = [(d, m) for d, m in _moves(lead_in) if d >= w.start]
    fs = FigureSet(day)
    common: dict[str, Any] = {
        "source": w.session.source("DFF", dataset="macro"),
        "symbols": ("DFF",),
        "window": perf.span(w.start, day),
        "formula": f"steps of >= {MOVE_STEP} pp in the 10-day median of the effective fed funds rate",
    }
    cuts = sum(1 for _, m in moves if m < 0)
    fs.add("cuts", cuts, "count", "rate cuts in the window", **common)
    fs.add("hikes", len(moves) - cuts, "count", "rate hikes in the window", **common)
    fs.add(
        "net_change",
        round(sum(m for _, m in moves) * 100.0),
        "bp",
        "net change of the moves",
        **common,
    )
    text = ", ".join(f"{d:%Y-%m-%d} {m * 100:+.0f} bp" for d, m in moves) or "none"
    fs.add("moves", None, "text", "moves found", note=text, **common)
    params = {"start": w.start, "end": day, "step_pp": MOVE_STEP}
    return fact_result("rate_moves", w.session, day, fs, params, (str(common["source"]),))
