"""Metrics against a benchmark: beta, correlation (plain and rolling) and capture ratios."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np
import pandas as pd

from capsize.analytics.performance._series import as_return_series
from capsize.analytics.risk._inputs import (
    DEGENERATE,
    RECHECK,
    as_returns,
    check_window,
    paired_values,
)

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = [
    "CaptureRatios",
    "beta",
    "capture_ratios",
    "correlation",
    "down_capture",
    "rolling_beta",
    "rolling_correlation",
    "up_capture",
]


# --------------------------------------------------------------------------- beta / correlation


def _beta_corr(x: FloatArray, y: FloatArray, what: str) -> float:
    if x.size < 2:
        return float("nan")
    xm, ym = x - x.mean(), y - y.mean()
    sxy, syy = float(xm @ ym), float(ym @ ym)
    # variance below rounding noise = constant input (same rule as the rolling versions)
    ok_y = syy > DEGENERATE * float(y @ y)
    if what == "beta":
        return sxy / syy if ok_y else float("nan")
    sxx = float(xm @ xm)
    ok_x = sxx > DEGENERATE * float(x @ x)
    return sxy / np.sqrt(sxx * syy) if ok_x and ok_y else float("nan")


def _paired_metric(
    returns: pd.Series | pd.DataFrame, benchmark: pd.Series, what: str
) -> float | pd.Series:
    r = as_returns(returns, "returns")
    b = as_return_series(benchmark, "benchmark")
    if isinstance(r, pd.DataFrame):
        return pd.Series(
            {c: _beta_corr(*paired_values(r[c], b), what) for c in r.columns}, dtype=float
        ).reindex(r.columns)
    return _beta_corr(*paired_values(r, b), what)


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
    mp = check_window(window, min_periods, 2)
    r = as_returns(returns, "returns")
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
        suspicious = vy <= RECHECK * syy
        if what == "beta":
            out = cov / vy
        else:
            sxx = _rolling_sums(xo * xo, window)
            vx = sxx - sx * sx / n
            suspicious |= vx <= RECHECK * sxx
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
    r = as_returns(returns, "returns")
    b = as_return_series(benchmark, "benchmark")
    if isinstance(r, pd.DataFrame):
        return pd.Series(
            {c: _capture(*paired_values(r[c], b), up)[0] for c in r.columns}, dtype=float
        ).reindex(r.columns)
    return _capture(*paired_values(r, b), up)[0]


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
    x, y = paired_values(
        as_return_series(returns, "returns"), as_return_series(benchmark, "benchmark")
    )
    up, n_up = _capture(x, y, True)
    down, n_down = _capture(x, y, False)
    return CaptureRatios(up, down, n_up, n_down)
