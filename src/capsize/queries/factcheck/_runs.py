"""Runs of calendar periods: how many years (months, days) in a row a symbol rose, fell, led."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from capsize.errors import DataNotFound, InputError
from capsize.queries import performance as perf
from capsize.queries.factcheck._common import fact_result, fact_window
from capsize.queries.result import FigureSet

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import QueryResult
    from capsize.queries.session import Session

__all__ = ["PERIOD_RULES", "calendar_runs"]

PERIOD_RULES: dict[str, str] = {"year": "YE", "quarter": "QE", "month": "ME", "week": "W-FRI"}
"""Calendar period -> pandas resampling rule (``day``: every session)."""

DIRECTIONS = ("up", "down", "lead", "lag")


def _period_returns(closes: pd.Series, period: str) -> pd.Series:
    """Return per period (last close of the period / last close of the previous one - 1)."""
    if period == "day":
        return closes.pct_change().dropna()
    ends = closes.groupby(pd.DatetimeIndex(closes.index).to_period(PERIOD_RULES[period][0])).tail(1)
    out = ends.pct_change().dropna()
    out.index = ends.index[1:]
    return out


def _run_length(flags: pd.Series) -> int:
    """Length of the run of True values ending at the last element."""
    n = 0
    for v in reversed(flags.to_list()):
        if not v:
            break
        n += 1
    return n


def _flags(ra: pd.Series, rb: pd.Series | None, direction: str) -> pd.Series:
    if direction == "up":
        return ra > 0
    if direction == "down":
        return ra < 0
    if rb is None:
        raise InputError(f"direction {direction!r} needs a second symbol (versus=)")
    a, b = ra.align(rb, join="inner")
    return a > b if direction == "lead" else a < b


def _complete(returns: pd.Series, last: pd.Timestamp, period: str) -> pd.Series:
    """Drop the period holding ``last`` unless ``last`` is its final session (by calendar)."""
    if period == "day" or returns.empty:
        return returns
    rule = PERIOD_RULES[period]
    period_end = pd.Timestamp(last).to_period(rule[0]).end_time.normalize()
    if (period_end - last).days > 3:  # the period is still running
        return returns[returns.index < returns.index[-1]] if returns.index[-1] == last else returns
    return returns


def calendar_runs(
    source: Store | Session,
    as_of: object | None = None,
    *,
    symbol: str,
    versus: str | None = None,
    period: str = "year",
    direction: str = "up",
    end: object | None = None,
) -> QueryResult:
    """How many calendar periods in a row, ending by ``end``, ``symbol`` rose, fell, led or lagged.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it (the default end).
    symbol : str
        The symbol.
    versus : str, optional
        The other symbol, for ``lead``/``lag``.
    period : {"year", "quarter", "month", "week", "day"}
        Calendar period (``day``: sessions).
    direction : {"up", "down", "lead", "lag"}
        What counts: a gain, a loss, a higher or a lower return than ``versus``.
    end : date-like, optional
        The runs end at the last complete period on or before it (default ``as_of``).

    Returns
    -------
    QueryResult
        ``run.complete`` (count of complete periods in a row, ending with the last
        complete one), ``run.with_current`` (the same run counting the period still
        running, when it qualifies so far; else 0), ``run.last_period`` (text). Returns
        use the symbols' main closes (total return for funds, price for indices).

    Raises
    ------
    InputError
        Unknown period or direction, or lead/lag without ``versus``.
    DataNotFound
        No closes.
    """
    if period not in (*PERIOD_RULES, "day") or direction not in DIRECTIONS:
        raise InputError(
            f"period {period!r} / direction {direction!r}: use period year, quarter, month, "
            "week or day and direction up, down, lead or lag"
        )
    w = fact_window(source, as_of, None, end)
    syms = [x.strip().upper() for x in (symbol, versus) if x]
    prices = [perf.load_prices(w.session, x) for x in syms]
    run = _count_run(prices, period, direction)
    fs = _run_figures(run, syms, "; ".join(p.main_source for p in prices), period, direction)
    params = {
        "symbol": syms[0],
        "versus": syms[1] if len(syms) > 1 else None,
        "period": period,
        "direction": direction,
        "end": run.last,
    }
    notes = [n for n in (p.note for p in prices) if n]
    return fact_result(
        "calendar_runs", w.session, run.last, fs, params, [p.main_source for p in prices], notes
    )


@dataclass(frozen=True)
class _Run:
    """The run of qualifying periods that ends with the last complete period.

    ``flags`` marks each complete period (True: it qualifies); ``complete`` counts the run,
    ``with_current`` the same run counting the period still running when it qualifies so
    far (else ``complete``); ``last`` is the last close the symbols share.
    """

    flags: pd.Series
    complete: int
    with_current: int
    last: pd.Timestamp


def _count_run(prices: Sequence[perf.Prices], period: str, direction: str) -> _Run:
    """Count the periods in a row that qualify, up to the last close all ``prices`` share.

    Raises
    ------
    DataNotFound
        When the first symbol has fewer than two periods of closes by then.
    """
    last = min(p.last for p in prices)
    rets = [_period_returns(p.main[p.main.index <= last].dropna(), period) for p in prices]
    if rets[0].empty:
        raise DataNotFound(
            f"{prices[0].symbol}: fewer than two {period}s of closes by {last:%Y-%m-%d}"
        )
    flags_all = _flags(rets[0], rets[1] if len(rets) > 1 else None, direction)
    complete = _complete(flags_all, last, period)
    n_complete = _run_length(complete)
    with_current = _run_length(flags_all) if len(flags_all) > len(complete) else n_complete
    return _Run(complete, n_complete, with_current, last)


def _run_figures(
    run: _Run, syms: Sequence[str], src: str, period: str, direction: str
) -> FigureSet:
    """Return the figures ``run.complete``, ``run.with_current`` and ``run.last_period``."""
    fs = FigureSet(run.last)
    label = f"{' vs '.join(syms)}: {period}s in a row ({direction})"
    start = run.flags.index[-run.complete] if run.complete else run.last
    window = perf.span(start, run.last)
    formula = f"{period} return = last close of the {period} / last close of the one before - 1"
    for fid, value, what in (
        ("run.complete", run.complete, "complete periods"),
        ("run.with_current", run.with_current, "counting the period still running"),
    ):
        perf.number_figure(
            fs,
            fid,
            value,
            "count",
            f"{label}, {what}",
            source=src,
            symbols=tuple(syms),
            window=window,
            formula=formula,
        )
    last_period = run.flags.index[-1] if len(run.flags) else None
    fs.add(
        "run.last_period",
        None,
        "text",
        f"last complete {period}",
        source=src,
        symbols=tuple(syms),
        window=window,
        formula="",
        note=perf.day_text(last_period) if last_period is not None else "none",
    )
    return fs
