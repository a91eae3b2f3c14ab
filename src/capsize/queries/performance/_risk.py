"""Risk of one symbol against a benchmark: volatility, beta, capture, the conditional move."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.analytics import performance as P
from capsize.analytics import risk as R
from capsize.errors import DataNotFound, InputError
from capsize.queries.performance._common import (
    CONVENTION,
    CORE_LARGE,
    CORE_SMALL,
    Prices,
    after_data_note,
    day_text,
    load_prices,
    number_figure,
    sources_of,
    span,
)
from capsize.queries.result import FigureSet, QueryResult, TableData
from capsize.queries.session import parse_as_of, session_for

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import Cell, Unit
    from capsize.queries.session import Session

__all__ = ["PERIODS", "RiskResult", "risk"]

PERIODS: dict[str, pd.DateOffset] = {
    "1Y": pd.DateOffset(years=1),
    "3Y": pd.DateOffset(years=3),
    "5Y": pd.DateOffset(years=5),
    "10Y": pd.DateOffset(years=10),
}
"""Trailing periods ``risk`` understands (the start is the end minus the period)."""

MIN_CLOSES = 3


@dataclass(frozen=True)
class RiskResult(QueryResult):
    """Risk of ``symbol`` against ``benchmark`` over one window of daily returns.

    Figures: ``volatility``, ``benchmark_volatility`` (fraction, annualised), ``beta``,
    ``correlation``, ``capture.up``, ``capture.down`` (ratio), ``conditional``,
    ``conditional_up``, ``conditional_down`` (median move ratio) with ``.days`` (count),
    ``rolling_beta.last`` / ``.min`` / ``.max`` (ratio) and ``sessions`` (paired returns).
    """

    symbol: str = ""
    benchmark: str = ""
    base: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    calendar: str = ""


def _check(symbol: str, bench: str, threshold: float, period: str | None) -> None:
    if symbol == bench:
        raise InputError(
            f"risk needs two different symbols: the benchmark {bench} is {symbol} itself; "
            "e.g. benchmark SPY"
        )
    if not 0 < threshold < 0.5:
        raise InputError(
            f"threshold {threshold:g} is out of range: threshold is a fraction (0.01 = 1%); "
            "use a value above 0 and below 0.5"
        )
    if period is not None and period not in PERIODS:
        raise InputError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")


def _calendar(pa: Prices, pb: Prices) -> tuple[pd.Series, pd.Series, str]:
    """Both closes on one calendar: the one with fewer dates; the other's last close on or before."""
    a, b = pa.main, pb.main
    start = max(a.index[0], b.index[0])
    end = min(a.index[-1], b.index[-1])
    na, nb = int((a.index >= start).sum()), int((b.index >= start).sum())
    if na <= nb:
        cal = a.index[(a.index >= start) & (a.index <= end)]
        return a.loc[cal], R.to_calendar(b, cal), pa.symbol
    cal = b.index[(b.index >= start) & (b.index <= end)]
    return R.to_calendar(a, cal), b.loc[cal], pb.symbol


def _base(cal: pd.DatetimeIndex, start: pd.Timestamp | None) -> pd.Timestamp:
    """Return the last date on or before ``start`` (the first date when none is, or no start)."""
    if start is None:
        return pd.Timestamp(cal[0])
    before = cal[cal <= start]
    return pd.Timestamp(before[-1] if len(before) else cal[0])


def risk(
    source: Store | Session,
    as_of: object | None = None,
    *,
    symbol: str = CORE_SMALL,
    benchmark: str = CORE_LARGE,
    since: object | None = None,
    period: str | None = None,
    threshold: float = 0.01,
    window: int = 252,
) -> RiskResult:
    """Volatility, beta, correlation, capture and the move on big benchmark days.

    Window convention: the base is the last common close on or before the start
    (``since``, or the end minus ``period``; default the first common close); the end is
    the last common close on or before the as-of; the returns are the daily returns
    after the base, up to the end.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data on or before it.
    symbol, benchmark : str
        The asset and the benchmark (default IWM against SPY).
    since : date-like, optional
        Start of the window (the base is the last close on or before it).
    period : {"1Y", "3Y", "5Y", "10Y"}, optional
        Instead of ``since``: a trailing period ending at the end.
    threshold : float
        Benchmark move (fraction, 0.01 = 1 %) for the conditional move.
    window : int
        Rolling beta window, trading days.

    Returns
    -------
    RiskResult
        As of the end of the window.

    Raises
    ------
    InputError
        Same symbols, a threshold outside (0, 0.5), an unknown period, both ``since``
        and ``period``, or ``since`` after the as-of.
    DataNotFound
        No closes, or fewer than three in the window.
    """
    s = session_for(source, as_of)
    sym, bench = symbol.strip().upper(), benchmark.strip().upper()
    _check(sym, bench, threshold, period)
    start = parse_as_of(since, "since")
    if start is not None and period is not None:
        raise InputError("give since or period, not both")
    if start is not None and s.requested is not None and start > s.requested:
        raise InputError(f"since {start:%Y-%m-%d} is after as_of {s.requested:%Y-%m-%d}; swap them")
    pa, pb = load_prices(s, sym), load_prices(s, bench)
    a, b, cal_sym = _calendar(pa, pb)
    cal = pd.DatetimeIndex(a.index)
    if len(cal) == 0:
        raise DataNotFound(f"{sym} and {bench} have no common dates on or before the as-of")
    end = pd.Timestamp(cal[-1])
    if start is not None and start > end:
        raise DataNotFound(
            f"since {start:%Y-%m-%d} is after the latest common data of {sym} and {bench} "
            f"({end:%Y-%m-%d}); pick an earlier since"
        )
    base = _base(cal, end - PERIODS[period] if period is not None else start)
    keep = (cal >= base) & (cal <= end)
    if int(keep.sum()) < MIN_CLOSES:
        raise DataNotFound(
            f"too few closes for {sym} and {bench} in the window (under {MIN_CLOSES}); widen it"
        )
    ra = P.returns_from_closes(a[keep]).dropna().rename(sym)
    rb = P.returns_from_closes(b[keep]).dropna().rename(bench)
    notes = [n for n in (after_data_note(s.requested, end),) if n]
    if start is not None and start < cal[0]:
        notes.append(f"the common data start {day_text(cal[0])}, after since {start:%Y-%m-%d}")
    calendar = f"{cal_sym}'s trading days (the other: last close on or before each)"
    return _result(s, pa, pb, ra, rb, base, end, calendar, threshold, window, period, notes)


def _result(
    s: Session,
    pa: Prices,
    pb: Prices,
    ra: pd.Series,
    rb: pd.Series,
    base: pd.Timestamp,
    end: pd.Timestamp,
    calendar: str,
    threshold: float,
    window: int,
    period: str | None,
    notes: list[str],
) -> RiskResult:
    sym, bench = pa.symbol, pb.symbol
    summ = R.risk_summary(ra, rb, threshold=threshold)
    fs = FigureSet(end)
    rows = _figures(fs, pa, pb, ra, rb, summ, span(base, end), threshold, window)
    table = TableData("risk", f"Risk: {sym} vs {bench}", ("Measure", sym), tuple(rows))
    notes = [
        *notes,
        f"{sym} vs {bench}: daily returns after {day_text(base)} up to {day_text(end)} "
        f"({summ.n_days} paired days) on {calendar}.",
        f"Convention: {CONVENTION}.",
    ]
    return RiskResult(
        query="risk",
        as_of=end,
        requested_as_of=s.requested,
        params={
            "symbol": sym,
            "benchmark": bench,
            "since": None if period else day_text(base),
            "period": period,
            "threshold": threshold,
            "window": window,
        },
        figures=fs.mapping(),
        tables=(table,),
        notes=tuple(notes),
        sources=sources_of((pa.main_source, pb.main_source)),
        symbol=sym,
        benchmark=bench,
        base=base,
        end=end,
        calendar=calendar,
    )


_Spec = tuple[str, "float | int | None", "Unit", str, str, str]
"""One figure: id, value, unit, label, formula, why it can be missing."""

_VOL_FORMULA = "sample std of daily simple returns x sqrt(252)"


def _figures(
    fs: FigureSet,
    pa: Prices,
    pb: Prices,
    ra: pd.Series,
    rb: pd.Series,
    summ: R.RiskSummary,
    window_text: str,
    threshold: float,
    window: int,
) -> list[tuple[Cell, ...]]:
    """Register every risk figure; return the table rows (measure, figure)."""
    sym, bench = pa.symbol, pb.symbol
    src = "; ".join(sources_of((pa.main_source, pb.main_source)))
    common: dict[str, Any] = {"source": src, "symbols": (sym, bench), "window": window_text}
    specs = [
        *_level_specs(summ, bench),
        *_rolling_specs(ra, rb, window),
        *_capture_specs(summ),
        *_conditional_specs(ra, rb, summ, bench, threshold),
        _sessions_spec(summ),
    ]
    rows: list[tuple[Cell, ...]] = []
    for fid, value, unit, label, formula, why in specs:
        f = number_figure(fs, fid, value, unit, label, formula=formula, why=why, **common)
        rows.append((label.strip(), f))
    return rows


def _level_specs(summ: R.RiskSummary, bench: str) -> list[_Spec]:
    """Volatility of both, beta and correlation over the whole window."""
    return [
        (
            "volatility",
            summ.volatility,
            "fraction",
            "Volatility (annualised)",
            _VOL_FORMULA,
            "no data",
        ),
        (
            "benchmark_volatility",
            summ.benchmark_volatility,
            "fraction",
            f"{bench} volatility (annualised)",
            _VOL_FORMULA,
            "no data",
        ),
        ("beta", summ.beta, "ratio", "Beta", "cov(r, b) / var(b) on paired days", "no data"),
        (
            "correlation",
            summ.correlation,
            "ratio",
            "Correlation",
            "Pearson correlation of paired daily returns",
            "no data",
        ),
    ]


def _rolling_specs(ra: pd.Series, rb: pd.Series, window: int) -> list[_Spec]:
    """Latest, lowest and highest ``window``-day rolling beta."""
    roll = R.rolling_beta(ra, rb, window).dropna()
    why = "window longer than data"
    title = f"Rolling beta ({window}d)"
    return [
        (
            "rolling_beta.last",
            float(roll.iloc[-1]) if len(roll) else None,
            "ratio",
            f"{title}, latest",
            f"beta over the last {window} paired days",
            why,
        ),
        (
            "rolling_beta.min",
            float(roll.min()) if len(roll) else None,
            "ratio",
            f"{title}, lowest",
            f"min of the {window}-day rolling beta",
            why,
        ),
        (
            "rolling_beta.max",
            float(roll.max()) if len(roll) else None,
            "ratio",
            f"{title}, highest",
            f"max of the {window}-day rolling beta",
            why,
        ),
    ]


def _capture_specs(summ: R.RiskSummary) -> list[_Spec]:
    """Up and down capture."""
    return [
        (
            "capture.up",
            summ.capture.up,
            "ratio",
            "Up capture",
            "gmean(r on days b > 0) / gmean(b on those days)",
            "no up days",
        ),
        (
            "capture.down",
            summ.capture.down,
            "ratio",
            "Down capture",
            "gmean(r on days b < 0) / gmean(b on those days)",
            "no down days",
        ),
    ]


def _conditional_specs(
    ra: pd.Series, rb: pd.Series, summ: R.RiskSummary, bench: str, threshold: float
) -> list[_Spec]:
    """Return the median move on big benchmark days: either way, up, down, each with its days."""
    thr = f"{threshold:.1%}".replace(".0%", "%")
    up = R.conditional_move(ra, rb, threshold, direction="up")
    down = R.conditional_move(ra, rb, threshold, direction="down")
    return [
        *_move_specs(
            "conditional",
            summ.conditional,
            f"Move when {bench} moves >= {thr} either way (median ratio)",
            f"Days with |{bench}| >= {thr}",
            f"|b| >= {thr}",
        ),
        *_move_specs(
            "conditional_up",
            up,
            f"  on {bench} up days (+{thr} or more)",
            f"  {bench} up days (+{thr} or more)",
            f"b >= {thr}",
        ),
        *_move_specs(
            "conditional_down",
            down,
            f"  on {bench} down days (-{thr} or worse)",
            f"  {bench} down days (-{thr} or worse)",
            f"b <= -{thr}",
        ),
    ]


def _move_specs(
    fid: str, move: R.ConditionalMove, label: str, days_label: str, condition: str
) -> list[_Spec]:
    """One conditional move: its median ratio and its count of days (``condition`` on b)."""
    return [
        (
            fid,
            move.median_ratio,
            "ratio",
            label,
            f"median of r / b on days with {condition}",
            "no such days",
        ),
        (
            f"{fid}.days",
            move.n_days,
            "count",
            days_label,
            f"count of paired days with {condition}",
            "no data",
        ),
    ]


def _sessions_spec(summ: R.RiskSummary) -> _Spec:
    """Return the count of paired daily returns."""
    return (
        "sessions",
        summ.n_days,
        "sessions",
        "Paired daily returns",
        "days with a return of both after the base",
        "no data",
    )
