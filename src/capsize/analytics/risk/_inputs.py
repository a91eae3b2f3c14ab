"""Risk inputs: return validation, pairing with a benchmark, argument checks, calendars."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from capsize.analytics.performance._series import as_close_frame, as_close_series, as_return_series
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = [
    "DEGENERATE",
    "RECHECK",
    "Direction",
    "as_returns",
    "check_periods",
    "check_window",
    "paired_values",
    "to_calendar",
]


Direction = Literal["both", "up", "down"]

DEGENERATE = 1e-11
"""Relative variance (to the sum of squares) below which an input counts as constant."""

RECHECK = 1e-6
"""Rolling windows whose variance is below this share of their sum of squares are
recomputed exactly (two-pass) instead of from running sums."""


# --------------------------------------------------------------------------- inputs


def as_returns(returns: object, name: str) -> pd.Series | pd.DataFrame:
    """Validate simple returns (a Series or a frame of them); a frame is checked per column.

    Raises
    ------
    InputError
        On a bad index, duplicate columns, or a return that is infinite or <= -100 %.
    """
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


def paired_values(returns: pd.Series, benchmark: pd.Series) -> tuple[FloatArray, FloatArray]:
    """Return the asset and benchmark values on days where both have a return."""
    b = benchmark.reindex(returns.index)
    x = returns.to_numpy(dtype=float)
    y = b.to_numpy(dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    return x[ok], y[ok]


def check_periods(periods_per_year: float) -> None:
    """Raise :class:`InputError` unless ``periods_per_year`` is a positive finite number."""
    if not np.isfinite(periods_per_year) or periods_per_year <= 0:
        raise InputError(f"periods_per_year must be > 0, got {periods_per_year!r}")


def check_window(window: int, min_periods: int | None, least: int) -> int:
    """Check a rolling ``window`` and ``min_periods`` (both at least ``least``); return min_periods."""
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
