"""The conditional move (how an asset moves on the benchmark's big days) and the risk summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np
import pandas as pd

from capsize.analytics.performance._series import as_return_series
from capsize.analytics.risk._inputs import (
    Direction,
    as_returns,
)
from capsize.analytics.risk._paired import (
    CaptureRatios,
    beta,
    capture_ratios,
    correlation,
)
from capsize.analytics.risk._volatility import volatility
from capsize.errors import InputError

__all__ = [
    "ConditionalMove",
    "RiskSummary",
    "conditional_move",
    "risk_summary",
]


# --------------------------------------------------------------------------- conditional move


@dataclass(frozen=True)
class ConditionalMove:
    """How much the asset moves on days the benchmark moves at least ``threshold``.

    Attributes
    ----------
    symbol, benchmark : str
        Names of the two series.
    threshold : float
        Minimum absolute benchmark move (fraction, e.g. 0.01 = 1%).
    direction : {"both", "up", "down"}
        Which benchmark moves count.
    n_days : int
        Qualifying paired days.
    median_ratio : float
        Median of ``asset_move / benchmark_move`` over those days (NaN when none).
    mean_ratio : float
        Mean of the same ratios.
    median_asset_move, median_benchmark_move : float
        Median absolute moves (fraction) on those days.
    same_direction_share : float
        Share of those days on which the asset moved in the benchmark's direction.
    first_date, last_date : Timestamp or None
        First and last qualifying day.
    """

    symbol: str
    benchmark: str
    threshold: float
    direction: Direction
    n_days: int
    median_ratio: float
    mean_ratio: float
    median_asset_move: float
    median_benchmark_move: float
    same_direction_share: float
    first_date: pd.Timestamp | None
    last_date: pd.Timestamp | None


def _conditional(
    r: pd.Series, b: pd.Series, threshold: float, direction: Direction
) -> ConditionalMove:
    bb = b.reindex(r.index)
    x, y = r.to_numpy(dtype=float), bb.to_numpy(dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    if direction == "both":
        sel = ok & (np.abs(np.where(ok, y, 0.0)) >= threshold) & (y != 0)
    elif direction == "up":
        sel = ok & (np.where(ok, y, 0.0) >= threshold) & (y != 0)
    else:
        sel = ok & (np.where(ok, y, 0.0) <= -threshold) & (y != 0)
    xs, ys = x[sel], y[sel]
    dates = r.index[sel]
    nan = float("nan")
    if xs.size == 0:
        return ConditionalMove(
            str(r.name), str(b.name), threshold, direction, 0, nan, nan, nan, nan, nan, None, None
        )
    ratio = xs / ys
    return ConditionalMove(
        symbol=str(r.name),
        benchmark=str(b.name),
        threshold=threshold,
        direction=direction,
        n_days=int(xs.size),
        median_ratio=float(np.median(ratio)),
        mean_ratio=float(ratio.mean()),
        median_asset_move=float(np.median(np.abs(xs))),
        median_benchmark_move=float(np.median(np.abs(ys))),
        same_direction_share=float((np.sign(xs) == np.sign(ys)).mean()),
        first_date=dates[0],
        last_date=dates[-1],
    )


@overload
def conditional_move(
    returns: pd.Series,
    benchmark: pd.Series,
    threshold: float = ...,
    *,
    direction: Direction = ...,
) -> ConditionalMove: ...
@overload
def conditional_move(
    returns: pd.DataFrame,
    benchmark: pd.Series,
    threshold: float = ...,
    *,
    direction: Direction = ...,
) -> pd.DataFrame: ...
def conditional_move(
    returns: pd.Series | pd.DataFrame,
    benchmark: pd.Series,
    threshold: float = 0.01,
    *,
    direction: Direction = "both",
) -> ConditionalMove | pd.DataFrame:
    """On days the benchmark moves at least ``threshold``, the median ratio of moves.

    Answers "small caps move 2-3% on a day the S&P moves 1%": with
    ``threshold=0.01`` the result's ``median_ratio`` is the median of
    ``asset_return / benchmark_return`` over the days with ``|benchmark| >= 1%``.

    Parameters
    ----------
    returns : Series of shape (n_days,) or DataFrame of shape (n_days, n_assets), fraction
        Asset returns.
    benchmark : Series of shape (n_days,), fraction
        Benchmark returns.
    threshold : float
        Minimum absolute benchmark move (fraction, >= 0).
    direction : {"both", "up", "down"}
        ``"up"``: ``b >= threshold``; ``"down"``: ``b <= -threshold``; ``"both"``: either.

    Returns
    -------
    ConditionalMove or DataFrame
        A DataFrame (one row per column of ``returns``) for DataFrame input.

    Notes
    -----
    Paired days only; days with a zero benchmark return never qualify (the
    ratio is undefined). A ratio of 2 means the asset moved twice as much, in
    the same direction; a negative ratio, the opposite way.

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=4)
    >>> b = pd.Series([0.012, -0.02, 0.001, 0.015], index=idx, name="SPY")
    >>> a = pd.Series([0.03, -0.05, 0.004, 0.03], index=idx, name="IWM")
    >>> m = conditional_move(a, b, 0.01)
    >>> m.n_days, round(m.median_ratio, 4)
    (3, 2.5)
    """
    if direction not in ("both", "up", "down"):
        raise InputError(f"direction must be 'both', 'up' or 'down', got {direction!r}")
    if not np.isfinite(threshold) or threshold < 0:
        raise InputError(f"threshold must be a fraction >= 0 (0.01 = 1%), got {threshold!r}")
    r = as_returns(returns, "returns")
    b = as_return_series(benchmark, "benchmark")
    if isinstance(r, pd.DataFrame):
        rows = [
            _conditional(r[c].rename(c), b, float(threshold), direction).__dict__ for c in r.columns
        ]
        return pd.DataFrame(rows).set_index("symbol")
    return _conditional(r, b, float(threshold), direction)


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class RiskSummary:
    """Risk of one asset against a benchmark over the paired days.

    Attributes
    ----------
    symbol, benchmark : str
        Names.
    start, end : Timestamp
        First and last paired day.
    n_days : int
        Paired days.
    volatility, benchmark_volatility : float
        Annualised volatility of each over the paired days.
    beta, correlation : float
        Full-period values.
    capture : CaptureRatios
        Up/down capture.
    conditional : ConditionalMove
        Conditional move at the requested threshold.
    periods_per_year : float
        Annualisation factor used.
    """

    symbol: str
    benchmark: str
    start: pd.Timestamp
    end: pd.Timestamp
    n_days: int
    volatility: float
    benchmark_volatility: float
    beta: float
    correlation: float
    capture: CaptureRatios
    conditional: ConditionalMove
    periods_per_year: float


def risk_summary(
    returns: pd.Series,
    benchmark: pd.Series,
    *,
    threshold: float = 0.01,
    periods_per_year: float = 252,
) -> RiskSummary:
    """Volatility, beta, correlation, capture and conditional move in one result.

    Parameters
    ----------
    returns, benchmark : Series of shape (n_days,), fraction
        Daily simple returns of the asset and the benchmark.
    threshold : float
        Benchmark move for :func:`conditional_move`.
    periods_per_year : float
        Annualisation factor.

    Returns
    -------
    RiskSummary

    Raises
    ------
    InputError
        When the two series have fewer than 2 paired days.
    """
    r = as_return_series(returns, "returns")
    b = as_return_series(benchmark, "benchmark")
    bb = b.reindex(r.index)
    ok = r.notna() & bb.notna()
    if int(ok.sum()) < 2:
        raise InputError(
            f"{r.name} and {b.name} have {int(ok.sum())} paired daily returns; need at least 2"
        )
    rp, bp = r[ok], bb[ok]
    bp.name = b.name
    return RiskSummary(
        symbol=str(r.name),
        benchmark=str(b.name),
        start=rp.index[0],
        end=rp.index[-1],
        n_days=int(ok.sum()),
        volatility=volatility(rp, periods_per_year=periods_per_year),
        benchmark_volatility=volatility(bp, periods_per_year=periods_per_year),
        beta=beta(rp, bp),
        correlation=correlation(rp, bp),
        capture=capture_ratios(rp, bp),
        conditional=conditional_move(rp, bp, threshold),
        periods_per_year=float(periods_per_year),
    )
