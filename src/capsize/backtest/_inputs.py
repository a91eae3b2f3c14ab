"""Validation and alignment of backtest inputs (returns, signals, lags, calendars)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.errors import InputError, SchemaError

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = [
    "align_signal",
    "cash_returns",
    "check_lag",
    "check_nonnegative",
    "check_returns_frame",
    "check_returns_series",
    "day_numbers",
    "infer_periods_per_year",
    "period_starts",
]

_PERIOD_CODES = {"M": "M", "Q": "Q", "A": "Y", "Y": "Y"}


def _check_index(index: pd.Index, name: str) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex):
        raise SchemaError(
            f"{name} must have a DatetimeIndex; convert the dates with pd.to_datetime"
        )
    if index.tz is not None:
        raise InputError(
            f"{name} has a tz-aware index; pass tz-naive dates (index.tz_localize(None))"
        )
    if len(index) < 2:
        raise InputError(f"{name} needs at least 2 periods; it has {len(index)}")
    if not index.is_monotonic_increasing or not index.is_unique:
        raise InputError(f"{name} dates must be strictly increasing; sort and drop duplicates")
    return index


def check_returns_series(returns: pd.Series, name: str = "returns") -> pd.Series:
    """Return ``returns`` as float64 after checking index, NaN and values below -100 %."""
    if not isinstance(returns, pd.Series):
        raise SchemaError(f"{name} must be a pandas Series of simple returns")
    _check_index(returns.index, name)
    values = returns.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        first = returns.index[int(np.argmax(bad))].date()
        raise InputError(
            f"{name} has a missing or infinite return on {first}; trim the series to the "
            "common history or fill the gap explicitly"
        )
    if (values <= -1.0).any():
        raise InputError(f"{name} has a return of -100 % or below; pass simple returns, not prices")
    return pd.Series(values, index=returns.index, name=returns.name)


def check_returns_frame(returns: pd.DataFrame, name: str = "returns") -> pd.DataFrame:
    """Return a checked two-column (small, large) frame of float64 simple returns."""
    if not isinstance(returns, pd.DataFrame) or returns.shape[1] != 2:
        raise SchemaError(
            f"{name} must be a DataFrame with two columns: the small-cap leg, then the "
            "large-cap leg (simple returns)"
        )
    cols = [
        check_returns_series(returns.iloc[:, i], f"{name}[{returns.columns[i]!r}]") for i in (0, 1)
    ]
    return pd.DataFrame({returns.columns[0]: cols[0], returns.columns[1]: cols[1]})


def check_lag(lag: int, name: str = "lag") -> int:
    """Return ``lag`` after refusing values below 1 (a lag of 0 trades on unknown data)."""
    if isinstance(lag, bool) or not isinstance(lag, int | np.integer) or lag < 1:
        raise InputError(
            f"{name}={lag!r} is refused: a signal known at a close can only be traded at a "
            "later close; use lag >= 1"
        )
    return int(lag)


def check_nonnegative(value: float, name: str) -> float:
    """Return ``value`` as float after refusing negative or non-finite numbers."""
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise InputError(f"{name}={value!r} must be a finite number >= 0")
    return v


def align_signal(signal: pd.Series, index: pd.Index) -> FloatArray:
    """Return the signal known at each close of ``index`` (last value dated on or before it).

    A signal dated between two sessions (a weekend, a month-end) becomes known at the next
    session's close; a NaN value leaves the last known value in force.
    """
    if not isinstance(signal, pd.Series):
        raise SchemaError("signal must be a pandas Series indexed by date")
    if not isinstance(signal.index, pd.DatetimeIndex) or signal.index.tz is not None:
        raise SchemaError("signal must have a tz-naive DatetimeIndex")
    if not signal.index.is_unique:
        raise InputError("signal has duplicate dates; keep one value per date")
    s = signal.sort_index().astype(np.float64).dropna()
    pos = s.index.searchsorted(index, side="right") - 1
    out = np.full(len(index), np.nan)
    ok = pos >= 0
    out[ok] = s.to_numpy()[pos[ok]]
    return out


def cash_returns(cash: pd.Series | None, index: pd.Index) -> FloatArray:
    """Return per-period cash returns on ``index`` (zeros when ``cash`` is None)."""
    if cash is None:
        return np.zeros(len(index))
    if not isinstance(cash, pd.Series):
        raise SchemaError("cash must be a Series of per-period simple returns indexed by date")
    values = cash.reindex(index).to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        first = index[int(np.argmax(~np.isfinite(values)))].date()
        raise InputError(f"cash has no return for {first}; pass cash returns on every period")
    return values


def infer_periods_per_year(index: pd.Index) -> float:
    """Infer periods per year from the median spacing of ``index``: 252, 52, 12, 4 or 1."""
    days = np.diff(day_numbers(index))
    gap = float(np.median(days)) if len(days) else 1.0
    for limit, ppy in ((4.0, 252.0), (10.0, 52.0), (45.0, 12.0), (140.0, 4.0)):
        if gap <= limit:
            return ppy
    return 1.0


def day_numbers(index: pd.Index) -> np.ndarray:
    """Return the dates as whole days since 1970-01-01 (int64)."""
    return np.asarray(pd.DatetimeIndex(index).values.astype("datetime64[D]").astype(np.int64))


def period_starts(index: pd.Index, freq: str | None) -> np.ndarray:
    """Return a bool mask: True on the first session of each new month/quarter/year.

    The first row is never a period start (the run begins at its target weights). Using
    the *first* session of a period keeps the rule point in time: whether a session is
    the last of its month is not known at its close when the data end mid-month.
    """
    mask = np.zeros(len(index), dtype=np.bool_)
    if freq is None:
        return mask
    code = _PERIOD_CODES.get(str(freq).upper())
    if code is None:
        raise InputError(f"rebalance={freq!r} is not one of 'M', 'Q', 'A' or None")
    periods = pd.DatetimeIndex(index).to_period(code).asi8
    mask[1:] = periods[1:] != periods[:-1]
    return mask
