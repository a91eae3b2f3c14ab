"""Performance statistics of a run or a return series.

Definitions (``n`` periods, ``P`` periods per year, ``r`` net returns, ``x = r - rf``):

==================  ============================================================
total_return        ``prod(1 + r) - 1``
cagr                ``prod(1 + r) ** (P / n) - 1``
volatility          ``std(r, ddof=1) * sqrt(P)``
sharpe              ``mean(x) / std(x, ddof=1) * sqrt(P)``
sortino             ``mean(x) / sqrt(mean(min(x, 0) ** 2)) * sqrt(P)``
max_drawdown        most negative ``equity / running peak - 1`` (peak starts at 1)
max_drawdown_days   longest calendar-day span from a peak to the close back at or
                    above it, or to the last close when not recovered
calmar              ``cagr / |max_drawdown|``
turnover            sum of ``|Δw|`` over legs and closes, per year
hit_rate            share of periods with a positive return among non-zero ones
exposure            average weight held in the small-cap (first) leg
n_trades            closes with a trade
n_periods           ``n``
==================  ============================================================

A ratio whose denominator is zero is NaN. ``turnover``, ``exposure`` and ``n_trades``
are NaN for a bare return series.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.backtest._inputs import check_returns_series, day_numbers, infer_periods_per_year
from capsize.backtest._result import BacktestRun
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import DateLike, FloatArray

__all__ = ["STAT_NAMES", "drawdown_extent", "rf_returns", "stats"]

STAT_NAMES: tuple[str, ...] = (
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "max_drawdown_days",
    "calmar",
    "turnover",
    "hit_rate",
    "exposure",
    "n_trades",
    "n_periods",
)
"""The statistics :func:`stats` returns, in order (also the stat columns of sweeps)."""


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 and math.isfinite(den) else math.nan


def drawdown_extent(equity: FloatArray, days: np.ndarray) -> tuple[float, float]:
    """Return (max drawdown, longest drawdown in calendar days) of an equity curve.

    The peak starts at 1 on the first date; a close at or above the running peak ends
    a drawdown (that close counts in its length).
    """
    runmax = np.maximum.accumulate(np.maximum(equity, 1.0))
    prev_max = np.concatenate(([1.0], runmax[:-1]))
    at_peak = equity >= prev_max
    idx = np.where(at_peak, np.arange(len(equity)), -1)
    last_peak = np.maximum.accumulate(idx)
    peak_day = np.where(last_peak >= 0, days[np.maximum(last_peak, 0)], days[0])
    prev_peak_day = np.concatenate(([days[0]], peak_day[:-1]))
    under = ~at_peak
    counted = under | np.concatenate(([False], under[:-1]))
    spans = np.where(counted, days - prev_peak_day, 0)
    mdd = float(np.min(equity / runmax - 1.0))
    return min(mdd, 0.0), float(spans.max(initial=0))


def rf_returns(rf: float | pd.Series | None, index: pd.Index) -> FloatArray:
    """Return per-period risk-free returns on ``index`` (a number, a Series or None = 0)."""
    if rf is None:
        return np.zeros(len(index))
    if isinstance(rf, pd.Series):
        values = rf.reindex(index).to_numpy(dtype=np.float64)
        if not np.isfinite(values).all():
            raise InputError("rf has no value for some periods; pass per-period rf on every date")
        return values
    return np.full(len(index), float(rf))


def stats(
    run_or_returns: BacktestRun | pd.Series,
    periods_per_year: float | None = None,
    rf: float | pd.Series | None = None,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> dict[str, float]:
    """Return the performance statistics of a run or of a series of simple returns.

    Parameters
    ----------
    run_or_returns : BacktestRun or Series of simple returns per period
        A run carries its turnover and weights; a series gives NaN for those.
    periods_per_year : float, optional
        Default: the run's, or inferred from the index spacing (252 daily, 12 monthly).
    rf : float or Series, optional
        Risk-free return per period (a Series is aligned on the dates); default 0.
    start, end : date-like, optional
        Only the periods from ``start`` to ``end`` (inclusive) count; equity restarts
        at 1 on ``start``. Default: the whole run.

    Returns
    -------
    dict of str to float
        Keys :data:`STAT_NAMES`; see the module docstring for the definitions.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.1, -0.1, 0.1], pd.to_datetime(["2020-12-31", "2021-12-31", "2022-12-30"]))
    >>> s = stats(r)
    >>> round(s["total_return"], 4), round(s["max_drawdown"], 2), s["max_drawdown_days"]
    (0.089, -0.1, 729.0)
    """
    if isinstance(run_or_returns, BacktestRun):
        run, series = run_or_returns, run_or_returns.returns
    else:
        run, series = None, run_or_returns
    window = slice(
        None if start is None else pd.Timestamp(start), None if end is None else pd.Timestamp(end)
    )
    r = check_returns_series(series.loc[window])
    index = pd.DatetimeIndex(r.index)
    if periods_per_year is not None:
        ppy = float(periods_per_year)
    else:
        ppy = run.periods_per_year if run is not None else infer_periods_per_year(index)
    ret = r.to_numpy(dtype=np.float64)
    x = ret - rf_returns(rf, index)
    n = len(ret)
    equity = np.asarray(np.cumprod(1.0 + ret), dtype=np.float64)
    growth = float(equity[-1])
    cagr = growth ** (ppy / n) - 1.0
    mdd, mdd_days = drawdown_extent(equity, day_numbers(index))
    down = math.sqrt(float(np.mean(np.minimum(x, 0.0) ** 2)))
    nonzero = int(np.count_nonzero(ret))
    out = {
        "total_return": growth - 1.0,
        "cagr": cagr,
        "volatility": float(np.std(ret, ddof=1)) * math.sqrt(ppy),
        "sharpe": _ratio(float(np.mean(x)), float(np.std(x, ddof=1))) * math.sqrt(ppy),
        "sortino": _ratio(float(np.mean(x)), down) * math.sqrt(ppy),
        "max_drawdown": mdd,
        "max_drawdown_days": mdd_days,
        "calmar": _ratio(cagr, -mdd),
        "turnover": math.nan,
        "hit_rate": _ratio(float(np.count_nonzero(ret > 0)), float(nonzero)),
        "exposure": math.nan,
        "n_trades": math.nan,
        "n_periods": float(n),
    }
    if run is not None:
        turnover = run.turnover.loc[window]
        out["turnover"] = float(turnover.sum()) / (n / ppy)
        out["exposure"] = float(run.held_weights.iloc[:, 0].loc[window].mean())
        out["n_trades"] = float(np.count_nonzero(turnover.to_numpy()))
    return out
