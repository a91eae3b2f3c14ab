"""Dividends: total return from raw closes plus dividends, raw closes from adjusted ones."""

from __future__ import annotations

from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from capsize.analytics.performance._series import as_close_series
from capsize.errors import InputError

__all__ = ["DividendConvention", "price_from_adjusted", "total_from_raw"]

DividendConvention: TypeAlias = Literal["crsp", "yahoo"]


def _as_dividends(dividends: object, name: str, dates: pd.DatetimeIndex) -> pd.Series:
    if not isinstance(dividends, pd.Series):
        raise InputError(f"{name} must be a Series of cash dividends per share indexed by ex-date")
    if not isinstance(dividends.index, pd.DatetimeIndex) or dividends.index.tz is not None:
        raise InputError(f"{name} must be indexed by tz-naive ex-dates (a DatetimeIndex)")
    d = dividends.astype("float64").sort_index()
    if d.isna().any() or (d < 0).any():
        raise InputError(f"{name} must be non-negative cash amounts without NaN")
    if d.index.has_duplicates:
        d = d.groupby(level=0).sum()
    outside = d.index.difference(dates)
    if len(outside):
        raise InputError(
            f"{name}: ex-date {outside[0]:%Y-%m-%d} has no close; dividends must fall on "
            "trading days of the price series"
        )
    return d.reindex(dates, fill_value=0.0)


def total_from_raw(
    raw: pd.Series, dividends: pd.Series, *, convention: DividendConvention = "crsp"
) -> pd.Series:
    """Total-return index from raw closes plus cash dividends.

    Parameters
    ----------
    raw : Series of shape (n_days,), USD
        Split-adjusted, not dividend-adjusted closes.
    dividends : Series, USD per share
        Cash dividends indexed by ex-date (each ex-date must be a date of ``raw``).
    convention : {"crsp", "yahoo"}
        Return on an ex-date: ``"crsp"`` (default) ``(raw_t + div_t) / raw_{t-1}``,
        the dividend reinvested at the ex-date close; ``"yahoo"``
        ``raw_t / (raw_{t-1} - div_t)``, the convention behind yfinance-style
        adjusted closes (use it to reproduce them). They differ by about
        ``div / raw * daily return`` per ex-date.

    Returns
    -------
    Series of shape (n_days,)
        Starts at ``raw`` on the first date and compounds the daily total returns.

    Examples
    --------
    >>> idx = pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-06"])
    >>> raw = pd.Series([100.0, 99.0, 100.0], index=idx)
    >>> total_from_raw(raw, pd.Series([1.0], index=idx[1:2])).round(4).tolist()
    [100.0, 100.0, 101.0101]
    """
    if convention not in ("crsp", "yahoo"):
        raise InputError(f"convention must be 'crsp' or 'yahoo', got {convention!r}")
    p = as_close_series(raw, "raw", nan_policy="drop")
    d = _as_dividends(dividends, "dividends", pd.DatetimeIndex(p.index)).to_numpy()
    values = p.to_numpy()
    growth = np.ones_like(values)
    if convention == "crsp":
        growth[1:] = (values[1:] + d[1:]) / values[:-1]
    else:
        growth[1:] = values[1:] / (values[:-1] - d[1:])
    return pd.Series(values[0] * np.cumprod(growth), index=p.index, name=p.name)


def price_from_adjusted(adjusted: pd.Series, dividends: pd.Series) -> pd.Series:
    """Raw (price-return) closes rebuilt from dividend-adjusted closes less dividends.

    Parameters
    ----------
    adjusted : Series of shape (n_days,), USD
        Split- and dividend-adjusted closes (yfinance style: on each ex-date every
        earlier close is multiplied by ``1 - div / raw_close_before``).
    dividends : Series, USD per share
        Cash dividends by ex-date, on the same split basis.

    Returns
    -------
    Series of shape (n_days,)
        Reconstructed raw closes.

    Notes
    -----
    Anchor assumption: the adjusted close equals the raw close on the LAST date
    (adjusted "as of" the end of the series, with no dividend after it). Then,
    backwards, ``raw_{t-1} = raw_t * adj_{t-1} / adj_t + div_t``. If the series
    was adjusted as of a later date, the rebuilt level is off by that later
    factor but price returns are only approximately right; prefer raw closes.

    Examples
    --------
    >>> idx = pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-06"])
    >>> adj = pd.Series([99.0, 99.0, 100.0], index=idx)
    >>> price_from_adjusted(adj, pd.Series([1.0], index=idx[1:2])).round(4).tolist()
    [100.0, 99.0, 100.0]
    """
    a = as_close_series(adjusted, "adjusted", nan_policy="drop")
    d = _as_dividends(dividends, "dividends", pd.DatetimeIndex(a.index)).to_numpy()
    av = a.to_numpy()
    out = np.empty_like(av)
    out[-1] = av[-1]
    for t in range(len(av) - 1, 0, -1):
        out[t - 1] = out[t] * av[t - 1] / av[t] + d[t]
    return pd.Series(out, index=a.index, name=a.name)
