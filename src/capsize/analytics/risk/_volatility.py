"""Volatility and rolling volatility of simple returns."""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

import numpy as np
import pandas as pd

from capsize.analytics.risk._inputs import (
    as_returns,
    check_periods,
    check_window,
)

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = [
    "rolling_volatility",
    "volatility",
]


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
    check_periods(periods_per_year)
    r = as_returns(returns, "returns")
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
    check_periods(periods_per_year)
    mp = check_window(window, min_periods, max(ddof + 1, 1))
    r = as_returns(returns, "returns")
    scale = float(np.sqrt(periods_per_year)) if annualise else 1.0
    return r.rolling(window, min_periods=mp).std(ddof=ddof) * scale
