"""Risk analytics: volatility, beta, correlation, capture ratios and the conditional move.

Pure functions on **simple daily returns** (fractions): build them from closes
with :func:`capsize.analytics.performance.returns_from_closes`, which takes an
explicit NaN policy. Metric contract: a Series gives a float, a DataFrame gives
a Series (one value per column); ``rolling_*`` functions give the same values
as the scalar function applied to each trailing window, computed vectorised.

Pairing
-------
Functions that take a ``benchmark`` use only the days on which **both** the
asset and the benchmark have a return (pairwise complete). The benchmark is
aligned to the asset's dates by date label; a benchmark date the asset does
not have is ignored.

Calendars
---------
For assets on different calendars (crypto trades every day), put both closes
on one calendar **before** computing returns, e.g. ``to_calendar(btc, spy.index)``
(the last close on or before each date); otherwise a Monday crypto return
(Sunday to Monday) would be paired with an equity Monday return (Friday to Monday).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from capsize.analytics.risk import beta, volatility
>>> idx = pd.date_range("2025-01-01", periods=4)
>>> bench = pd.Series([0.01, -0.02, 0.03, 0.0], index=idx)
>>> round(beta(2 * bench, bench), 10)
2.0
>>> round(volatility(bench, annualise=False), 6)
0.020817
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, overload

import numpy as np
import pandas as pd

from capsize.analytics._perf_series import as_close_frame, as_close_series, as_return_series
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = [
    "CaptureRatios",
    "ConditionalMove",
    "RiskSummary",
    "beta",
    "capture_ratios",
    "conditional_move",
    "correlation",
    "down_capture",
    "risk_summary",
    "rolling_beta",
    "rolling_correlation",
    "rolling_volatility",
    "to_calendar",
    "up_capture",
    "volatility",
]

Direction = Literal["both", "up", "down"]

_DEGENERATE = 1e-11
"""Relative variance (to the sum of squares) below which an input counts as constant."""

_RECHECK = 1e-6
"""Rolling windows whose variance is below this share of their sum of squares are
recomputed exactly (two-pass) instead of from running sums."""


# --------------------------------------------------------------------------- inputs


def _as_returns(returns: object, name: str) -> pd.Series | pd.DataFrame:
    if isinstance(returns, pd.DataFrame):
        if returns.columns.has_duplicates:
            raise InputError(f"{name} has duplicate columns; keep one column per symbol")
        frame = as_close_frame(returns, name)  # index and dtype checks, sorted copy
        values = frame.to_numpy()
        bad = np.isinf(values) | (values <= -1)
        if bad.any():
            row, col = (int(v[0]) for v in np.nonzero(bad))
            raise InputError(
                f"{name}[{frame.columns[col]!r}] has a return that is infinite or <= -100% on "
                f"{frame.index[row]:%Y-%m-%d}; pass returns, not prices"
            )
        return frame
    return as_return_series(returns, name)


def _pair(returns: pd.Series, benchmark: pd.Series) -> tuple[FloatArray, FloatArray]:
    """Return the asset and benchmark values on days where both have a return."""
    b = benchmark.reindex(returns.index)
    x = returns.to_numpy(dtype=float)
    y = b.to_numpy(dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    return x[ok], y[ok]


def _check_periods(periods_per_year: float) -> None:
    if not np.isfinite(periods_per_year) or periods_per_year <= 0:
        raise InputError(f"periods_per_year must be > 0, got {periods_per_year!r}")


def _check_window(window: int, min_periods: int | None, least: int) -> int:
    if isinstance(window, bool) or not isinstance(window, int) or window < least:
        raise InputError(f"window must be an int >= {least}, got {window!r}")
    mp = window if min_periods is None else min_periods
    if isinstance(mp, bool) or not isinstance(mp, int) or not least <= mp <= window:
        raise InputError(f"min_periods must be an int in [{least}, window], got {min_periods!r}")
    return mp


def to_calendar(close: pd.Series, dates: pd.Index) -> pd.Series:
    """Put closes on another calendar: the last close on or before each date.

    Parameters
    ----------
    close : Series of shape (n_days,), price units
        Closes indexed by date (e.g. a crypto asset trading 7 days a week).
    dates : DatetimeIndex
        Target calendar (e.g. the S&P 500 trading days).

    Returns
    -------
    Series indexed by ``dates``
        NaN before the first close (no look-ahead, no back-fill).

    Examples
    --------
    >>> c = pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2025-01-03", "2025-01-04",
    ...                                                          "2025-01-05"]))
    >>> to_calendar(c, pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-06"])).tolist()
    [nan, 1.0, 3.0]
    """
    s = as_close_series(close, "close", nan_policy="drop")
    if not isinstance(dates, pd.DatetimeIndex):
        raise InputError("dates must be a DatetimeIndex (the target calendar)")
    pos = s.index.searchsorted(dates, side="right") - 1
    values = np.where(pos >= 0, s.to_numpy()[np.maximum(pos, 0)], np.nan)
    return pd.Series(values, index=dates, name=s.name)


# --------------------------------------------------------------------------- volatility


@overload
def volatility(
    returns: pd.Series, *, annualise: bool = ..., periods_per_year: float = ..., ddof: int = ...
) -> float: ...
@overload
def volatility(
    returns: pd.DataFrame,
    *,
    annualise: bool = ...,
    periods_per_year: float = ...,
    ddof: int = ...,
) -> pd.Series: ...
def volatility(
    returns: pd.Series | pd.DataFrame,
    *,
    annualise: bool = True,
    periods_per_year: float = 252,
    ddof: int = 1,
) -> float | pd.Series:
    """Compute the standard deviation of returns, annualised by ``sqrt(periods_per_year)``.

    Parameters
    ----------
    returns : Series of shape (n_days,) or DataFrame of shape (n_days, n_assets), fraction
        Simple returns; NaN values are skipped.
    annualise : bool
        Multiply by ``sqrt(periods_per_year)``.
    periods_per_year : float
        252 for trading days, 365 for crypto calendar days, 12 for months.
    ddof : int
        Delta degrees of freedom (1 = sample standard deviation).

    Returns
    -------
    float or Series
        NaN when fewer than ``ddof + 1`` returns.
    """
    _check_periods(periods_per_year)
    r = _as_returns(returns, "returns")
    scale = float(np.sqrt(periods_per_year)) if annualise else 1.0
    if isinstance(r, pd.DataFrame):
        return pd.Series(
            {c: _vol(r[c].to_numpy(), ddof) * scale for c in r.columns}, dtype=float
        ).reindex(r.columns)
    return _vol(r.to_numpy(), ddof) * scale


def _vol(x: FloatArray, ddof: int) -> float:
    v = x[~np.isnan(x)]
    if v.size <= ddof:
        return float("nan")
    return float(np.std(v, ddof=ddof))


@overload
def rolling_volatility(
    returns: pd.Series,
    window: int = ...,
    *,
    min_periods: int | None = ...,
    annualise: bool = ...,
    periods_per_year: float = ...,
    ddof: int = ...,
) -> pd.Series: ...
@overload
def rolling_volatility(
    returns: pd.DataFrame,
    window: int = ...,
    *,
    min_periods: int | None = ...,
    annualise: bool = ...,
    periods_per_year: float = ...,
    ddof: int = ...,
) -> pd.DataFrame: ...
def rolling_volatility(
    returns: pd.Series | pd.DataFrame,
    window: int = 63,
    *,
    min_periods: int | None = None,
    annualise: bool = True,
    periods_per_year: float = 252,
    ddof: int = 1,
) -> pd.Series | pd.DataFrame:
    """:func:`volatility` over each trailing ``window`` rows.

    Parameters
    ----------
    returns : Series or DataFrame, fraction
        Simple returns.
    window : int
        Rows per window (63 ~ one quarter).
    min_periods : int, optional
        Non-NaN returns needed in a window (default ``window``).
    annualise, periods_per_year, ddof
        As in :func:`volatility`.

    Returns
    -------
    Series or DataFrame, same shape as ``returns``
    """
    _check_periods(periods_per_year)
    mp = _check_window(window, min_periods, max(ddof + 1, 1))
    r = _as_returns(returns, "returns")
    scale = float(np.sqrt(periods_per_year)) if annualise else 1.0
    return r.rolling(window, min_periods=mp).std(ddof=ddof) * scale


# --------------------------------------------------------------------------- beta / correlation


def _beta_corr(x: FloatArray, y: FloatArray, what: str) -> float:
    if x.size < 2:
        return float("nan")
    xm, ym = x - x.mean(), y - y.mean()
    sxy, syy = float(xm @ ym), float(ym @ ym)
    # variance below rounding noise = constant input (same rule as the rolling versions)
    ok_y = syy > _DEGENERATE * float(y @ y)
    if what == "beta":
        return sxy / syy if ok_y else float("nan")
    sxx = float(xm @ xm)
    ok_x = sxx > _DEGENERATE * float(x @ x)
    return sxy / np.sqrt(sxx * syy) if ok_x and ok_y else float("nan")


def _paired_metric(
    returns: pd.Series | pd.DataFrame, benchmark: pd.Series, what: str
) -> float | pd.Series:
    r = _as_returns(returns, "returns")
    b = as_return_series(benchmark, "benchmark")
    if isinstance(r, pd.DataFrame):
        return pd.Series(
            {c: _beta_corr(*_pair(r[c], b), what) for c in r.columns}, dtype=float
        ).reindex(r.columns)
    return _beta_corr(*_pair(r, b), what)


@overload
def beta(returns: pd.Series, benchmark: pd.Series) -> float: ...
@overload
def beta(returns: pd.DataFrame, benchmark: pd.Series) -> pd.Series: ...
def beta(returns: pd.Series | pd.DataFrame, benchmark: pd.Series) -> float | pd.Series:
    """Beta against a benchmark: ``cov(r, b) / var(b)`` on days where both have a return.

    Parameters
    ----------
    returns : Series of shape (n_days,) or DataFrame of shape (n_days, n_assets), fraction
        Asset returns.
    benchmark : Series of shape (n_days,), fraction
        Benchmark returns.

    Returns
    -------
    float or Series
        NaN with fewer than 2 paired days or a constant benchmark (variance below
        1e-11 of its sum of squares, i.e. equal up to rounding).
    """
    return _paired_metric(returns, benchmark, "beta")


@overload
def correlation(returns: pd.Series, benchmark: pd.Series) -> float: ...
@overload
def correlation(returns: pd.DataFrame, benchmark: pd.Series) -> pd.Series: ...
def correlation(returns: pd.Series | pd.DataFrame, benchmark: pd.Series) -> float | pd.Series:
    """Pearson correlation with a benchmark on days where both have a return.

    Returns
    -------
    float or Series
        NaN with fewer than 2 paired days or a constant input.
    """
    return _paired_metric(returns, benchmark, "corr")


def _rolling_sums(x: FloatArray, w: int) -> FloatArray:
    """Sum over each trailing ``w`` columns of a 2-D array (rows = assets, columns = time)."""
    c = np.cumsum(x, axis=1)
    c[:, w:] -= c[:, :-w].copy()
    return c


def _rolling_paired(
    returns: pd.Series | pd.DataFrame,
    benchmark: pd.Series,
    window: int,
    min_periods: int | None,
    what: str,
) -> pd.Series | pd.DataFrame:
    mp = _check_window(window, min_periods, 2)
    r = _as_returns(returns, "returns")
    b = as_return_series(benchmark, "benchmark").reindex(r.index)
    # asset-major layout (n_assets, n_days): running sums along contiguous rows
    x = np.ascontiguousarray(r.to_numpy(dtype=float).reshape(len(r), -1).T)
    yb = b.to_numpy(dtype=float)
    ok = ~(np.isnan(x) | np.isnan(yb)[None, :])
    n_ok = ok.sum(axis=1, keepdims=True)
    # centre on each asset's paired means first: the moment sums below then
    # lose no precision to cancellation
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = np.where(n_ok > 0, np.where(ok, x, 0.0).sum(axis=1, keepdims=True) / n_ok, 0.0)
        cy = np.where(n_ok > 0, np.where(ok, yb, 0.0).sum(axis=1, keepdims=True) / n_ok, 0.0)
    xo = np.where(ok, x - cx, 0.0)
    yo = np.where(ok, yb - cy, 0.0)
    n = _rolling_sums(ok.astype(float), window)
    sx, sy = _rolling_sums(xo, window), _rolling_sums(yo, window)
    sxy = _rolling_sums(xo * yo, window)
    syy = _rolling_sums(yo * yo, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n
        vy = syy - sy * sy / n
        suspicious = vy <= _RECHECK * syy
        if what == "beta":
            out = cov / vy
        else:
            sxx = _rolling_sums(xo * xo, window)
            vx = sxx - sx * sx / n
            suspicious |= vx <= _RECHECK * sxx
            out = cov / np.sqrt(vx * vy)
    enough = n >= mp
    # near-constant windows: the running sums cannot resolve their variance, so
    # recompute them exactly with the scalar function (rare in real data)
    for i, t in zip(*np.nonzero(suspicious & enough), strict=True):
        lo = max(0, t - window + 1)
        sel = ok[i, lo : t + 1]
        out[i, t] = _beta_corr(x[i, lo : t + 1][sel], yb[lo : t + 1][sel], what)
    out[~enough] = np.nan
    if isinstance(r, pd.DataFrame):
        return pd.DataFrame(out.T, index=r.index, columns=r.columns)
    return pd.Series(out[0], index=r.index, name=r.name)


@overload
def rolling_beta(
    returns: pd.Series, benchmark: pd.Series, window: int = ..., *, min_periods: int | None = ...
) -> pd.Series: ...
@overload
def rolling_beta(
    returns: pd.DataFrame,
    benchmark: pd.Series,
    window: int = ...,
    *,
    min_periods: int | None = ...,
) -> pd.DataFrame: ...
def rolling_beta(
    returns: pd.Series | pd.DataFrame,
    benchmark: pd.Series,
    window: int = 252,
    *,
    min_periods: int | None = None,
) -> pd.Series | pd.DataFrame:
    """:func:`beta` over each trailing ``window`` rows of ``returns``' index.

    Parameters
    ----------
    returns : Series or DataFrame, fraction
        Asset returns; their index is the time axis.
    benchmark : Series, fraction
        Benchmark returns, aligned by date to ``returns``.
    window : int
        Rows per window (252 ~ one year).
    min_periods : int, optional
        Paired days needed in a window (default ``window``).

    Returns
    -------
    Series or DataFrame, same shape as ``returns``
        Equal (to rounding, ~1e-12) to ``beta`` on each window's paired days.

    Notes
    -----
    Vectorised with running sums of the (globally centred) paired values, so the
    absolute rounding error is ~1e-16 of the whole series' scale. Windows whose
    variance is below 1e-6 of their sum of squares (near-constant, e.g. a stale
    price) are recomputed exactly with the scalar function, so the rolling and
    scalar results agree there too (NaN for a constant window).

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=5)
    >>> b = pd.Series([np.nan, 0.01, -0.02, 0.03, 0.01], index=idx)
    >>> rolling_beta(3 * b, b, 3).round(10).tolist()
    [nan, nan, nan, 3.0, 3.0]
    """
    return _rolling_paired(returns, benchmark, window, min_periods, "beta")


@overload
def rolling_correlation(
    returns: pd.Series, benchmark: pd.Series, window: int = ..., *, min_periods: int | None = ...
) -> pd.Series: ...
@overload
def rolling_correlation(
    returns: pd.DataFrame,
    benchmark: pd.Series,
    window: int = ...,
    *,
    min_periods: int | None = ...,
) -> pd.DataFrame: ...
def rolling_correlation(
    returns: pd.Series | pd.DataFrame,
    benchmark: pd.Series,
    window: int = 252,
    *,
    min_periods: int | None = None,
) -> pd.Series | pd.DataFrame:
    """:func:`correlation` over each trailing ``window`` rows; see :func:`rolling_beta`."""
    return _rolling_paired(returns, benchmark, window, min_periods, "corr")


# --------------------------------------------------------------------------- capture


def _gmean(v: FloatArray) -> float:
    return float(np.expm1(np.log1p(v).mean())) if v.size else float("nan")


def _capture(x: FloatArray, y: FloatArray, up: bool) -> tuple[float, int]:
    sel = y > 0 if up else y < 0
    if not sel.any():
        return float("nan"), 0
    gb = _gmean(y[sel])
    return _gmean(x[sel]) / gb, int(sel.sum())


@overload
def up_capture(returns: pd.Series, benchmark: pd.Series) -> float: ...
@overload
def up_capture(returns: pd.DataFrame, benchmark: pd.Series) -> pd.Series: ...
def up_capture(returns: pd.Series | pd.DataFrame, benchmark: pd.Series) -> float | pd.Series:
    """Up-capture ratio: the asset's geometric mean return over the benchmark's, on up days.

    Parameters
    ----------
    returns : Series or DataFrame, fraction
        Asset returns.
    benchmark : Series, fraction
        Benchmark returns.

    Returns
    -------
    float or Series
        ``gmean(r | b > 0) / gmean(b | b > 0)`` with ``gmean(v) = prod(1+v)^(1/n) - 1``,
        on paired days; 1.0 means the asset captured all of the benchmark's up moves.
        NaN without up days.
    """
    return _capture_metric(returns, benchmark, True)


@overload
def down_capture(returns: pd.Series, benchmark: pd.Series) -> float: ...
@overload
def down_capture(returns: pd.DataFrame, benchmark: pd.Series) -> pd.Series: ...
def down_capture(returns: pd.Series | pd.DataFrame, benchmark: pd.Series) -> float | pd.Series:
    """Down-capture ratio: as :func:`up_capture` on days the benchmark fell (``b < 0``)."""
    return _capture_metric(returns, benchmark, False)


def _capture_metric(
    returns: pd.Series | pd.DataFrame, benchmark: pd.Series, up: bool
) -> float | pd.Series:
    r = _as_returns(returns, "returns")
    b = as_return_series(benchmark, "benchmark")
    if isinstance(r, pd.DataFrame):
        return pd.Series(
            {c: _capture(*_pair(r[c], b), up)[0] for c in r.columns}, dtype=float
        ).reindex(r.columns)
    return _capture(*_pair(r, b), up)[0]


@dataclass(frozen=True)
class CaptureRatios:
    """Up and down capture of one asset against a benchmark.

    Attributes
    ----------
    up, down : float
        Capture ratios (see :func:`up_capture`).
    n_up, n_down : int
        Paired days on which the benchmark rose / fell.
    formula : str
        How they were computed.
    """

    up: float
    down: float
    n_up: int
    n_down: int
    formula: str = "gmean(asset | bench>0 or <0) / gmean(bench | same days), paired days"


def capture_ratios(returns: pd.Series, benchmark: pd.Series) -> CaptureRatios:
    """Up and down capture ratios with their day counts.

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=4)
    >>> b = pd.Series([0.01, -0.02, 0.03, -0.01], index=idx)
    >>> c = capture_ratios(2 * b, b)
    >>> c.n_up, c.n_down, round(c.up, 2)
    (2, 2, 2.0)
    """
    x, y = _pair(as_return_series(returns, "returns"), as_return_series(benchmark, "benchmark"))
    up, n_up = _capture(x, y, True)
    down, n_down = _capture(x, y, False)
    return CaptureRatios(up, down, n_up, n_down)


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
    r = _as_returns(returns, "returns")
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
