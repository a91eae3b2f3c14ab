"""Input validation shared by the performance and risk analytics.

Every public function of :mod:`capsize.analytics.performance` and
:mod:`capsize.analytics.risk` passes its price or return inputs through these
helpers, so the rules are the same everywhere:

* the index is a tz-naive :class:`pandas.DatetimeIndex` (dates), with no
  duplicates; an unsorted index is sorted (results never depend on row order);
* values are float64; infinities are rejected;
* closes must be strictly positive;
* NaN handling is the caller's choice (``nan_policy``), see :data:`NanPolicy`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal, TypeAlias, overload

import numpy as np
import pandas as pd

from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import DateLike

__all__ = [
    "NanPolicy",
    "as_close_frame",
    "as_close_series",
    "as_return_series",
    "returns_from_closes",
    "to_date",
]

NanPolicy: TypeAlias = Literal["drop", "raise", "gap"]
"""What to do with NaN closes.

``"drop"`` (default)
    NaN rows are removed first; a window or a return bridges them (the close
    before the gap is used). Right for wide frames where NaN means "no bar".
``"raise"``
    Any NaN raises :class:`~capsize.errors.InputError` naming the first date.
``"gap"``
    NaN rows are kept as missing bars: a window whose base or end falls on a
    NaN close is n/a, and the daily returns on both sides of a NaN are NaN
    (never bridged).
"""

_NAN_POLICIES = ("drop", "raise", "gap")


def to_date(value: DateLike, name: str) -> pd.Timestamp:
    """Parse a date-like value into a tz-naive, normalised Timestamp.

    Parameters
    ----------
    value : str, date, datetime, Timestamp or numpy.datetime64
        The date.
    name : str
        Argument name, used in the error message.

    Returns
    -------
    pandas.Timestamp
        Midnight of that calendar date, without timezone.

    Raises
    ------
    InputError
        When ``value`` is not a date.

    Examples
    --------
    >>> to_date("2025-10-08", "as_of")
    Timestamp('2025-10-08 00:00:00')
    """
    if isinstance(value, bool) or not isinstance(
        value, (str, dt.date, dt.datetime, pd.Timestamp, np.datetime64)
    ):
        raise InputError(f"{name} must be a date (YYYY-MM-DD), got {value!r}")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(
            f"{name} {value!r} is not a date; use YYYY-MM-DD, e.g. 2025-10-08"
        ) from None
    if pd.isna(ts):
        raise InputError(f"{name} is missing (NaT); pass a date such as 2025-10-08")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _check_policy(nan_policy: str) -> None:
    if nan_policy not in _NAN_POLICIES:
        raise InputError(f"nan_policy must be one of {_NAN_POLICIES}, got {nan_policy!r}")


def _check_index(index: pd.Index, name: str) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex):
        raise InputError(
            f"{name} must be indexed by dates (a DatetimeIndex), got {type(index).__name__}; "
            "use frame.set_index(pd.to_datetime(frame['date']))"
        )
    if index.tz is not None:
        raise InputError(
            f"{name} has a timezone-aware index ({index.tz}); pass tz-naive dates, "
            "e.g. series.tz_localize(None)"
        )
    if index.hasnans:
        raise InputError(f"{name} has missing dates (NaT) in its index; drop those rows")
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise InputError(
            f"{name} has duplicate dates (first: {dup:%Y-%m-%d}); keep one row per date"
        )
    return index


def _sorted_floats(series: pd.Series, name: str, what: str) -> pd.Series:
    """Validate the index, cast to float64, sort by date and refuse infinite values."""
    _check_index(series.index, name)
    try:
        s = series.astype("float64")
    except (TypeError, ValueError):
        raise InputError(f"{name} must hold numbers ({what}s), got dtype {series.dtype}") from None
    if not s.index.is_monotonic_increasing:
        s = s.sort_index()
    inf = np.isinf(s.to_numpy())
    if inf.any():
        when = s.index[inf][0]
        raise InputError(f"{name} has an infinite {what} on {when:%Y-%m-%d}; fix or drop that row")
    return s


def as_close_series(close: object, name: str, *, nan_policy: NanPolicy = "drop") -> pd.Series:
    """Validate a close-price series and apply the NaN policy.

    Parameters
    ----------
    close : Series of shape (n_days,), price units
        Closes indexed by date.
    name : str
        Argument name for error messages.
    nan_policy : {"drop", "raise", "gap"}
        See :data:`NanPolicy`.

    Returns
    -------
    Series of float64
        A new series sorted by date (input never mutated).

    Raises
    ------
    InputError
        Not a Series, bad index, non-numeric, infinite or non-positive values,
        or a NaN with ``nan_policy="raise"``.
    """
    _check_policy(nan_policy)
    if isinstance(close, pd.DataFrame):
        raise InputError(f"{name} must be a Series of closes; got a DataFrame, pick one column")
    if not isinstance(close, pd.Series):
        raise InputError(
            f"{name} must be a pandas Series of closes indexed by date, got {type(close).__name__}"
        )
    s = _sorted_floats(close, name, "close")
    values = s.to_numpy()
    nan_mask = np.isnan(values)
    if nan_mask.any():
        if nan_policy == "raise":
            when = s.index[nan_mask][0]
            raise InputError(
                f"{name} has a NaN close on {when:%Y-%m-%d} ({int(nan_mask.sum())} in all); "
                "pass nan_policy='drop' to skip them or 'gap' to treat them as missing bars"
            )
        if nan_policy == "drop":
            s = s[~nan_mask]
    valid = s.to_numpy()
    bad = valid <= 0
    if bad.any():
        when = s.index[bad][0]
        raise InputError(
            f"{name} has a non-positive close ({s[when]:g}) on {when:%Y-%m-%d}; closes must be > 0"
        )
    if s.name is None:
        s.name = name
    return s


def as_close_frame(closes: object, name: str) -> pd.DataFrame:
    """Validate a wide frame of closes (date x symbol); NaN cells mean "no bar".

    Parameters
    ----------
    closes : DataFrame of shape (n_days, n_symbols), price units
        Closes indexed by date, one column per symbol.
    name : str
        Argument name for error messages.

    Returns
    -------
    DataFrame of float64
        A new frame sorted by date.
    """
    if not isinstance(closes, pd.DataFrame):
        raise InputError(
            f"{name} must be a DataFrame of closes (date x symbol), got {type(closes).__name__}"
        )
    _check_index(closes.index, name)
    if closes.columns.has_duplicates:
        raise InputError(f"{name} has duplicate columns; keep one column per symbol")
    try:
        frame = closes.astype("float64")
    except (TypeError, ValueError):
        raise InputError(f"{name} must hold numbers (closes)") from None
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index()
    return frame


def as_return_series(returns: object, name: str) -> pd.Series:
    """Validate a series of simple returns (fractions); NaN means "no return".

    Parameters
    ----------
    returns : Series of shape (n_days,), fraction
        Simple returns indexed by date.
    name : str
        Argument name for error messages.

    Returns
    -------
    Series of float64
        A new series sorted by date; NaN kept.
    """
    if not isinstance(returns, pd.Series):
        raise InputError(f"{name} must be a pandas Series of returns, got {type(returns).__name__}")
    s = _sorted_floats(returns, name, "return")
    values = s.to_numpy()
    if (values <= -1).any():
        when = s.index[values <= -1][0]
        raise InputError(
            f"{name} has a return <= -100% on {when:%Y-%m-%d}; pass returns, not prices"
        )
    return s


@overload
def returns_from_closes(close: pd.Series, *, nan_policy: NanPolicy = ...) -> pd.Series: ...
@overload
def returns_from_closes(close: pd.DataFrame, *, nan_policy: NanPolicy = ...) -> pd.DataFrame: ...
def returns_from_closes(
    close: pd.Series | pd.DataFrame, *, nan_policy: NanPolicy = "drop"
) -> pd.Series | pd.DataFrame:
    """Compute simple daily returns from closes, with an explicit NaN policy.

    Parameters
    ----------
    close : Series of shape (n_days,) or DataFrame of shape (n_days, n_symbols)
        Closes indexed by date (price units).
    nan_policy : {"drop", "raise", "gap"}
        ``"drop"``: each column's NaN closes are skipped, so the return after a
        missing bar spans the gap; ``"gap"``: returns touching a NaN close are
        NaN; ``"raise"``: any NaN raises.

    Returns
    -------
    Series or DataFrame, fraction
        ``close_t / close_{t-1} - 1``; the first row of each column is NaN (a
        DataFrame keeps the union of dates, NaN where a column has no return).

    Examples
    --------
    >>> s = pd.Series([100.0, 110.0, 99.0], index=pd.date_range("2025-01-01", periods=3))
    >>> returns_from_closes(s).round(4).tolist()
    [nan, 0.1, -0.1]
    """
    if isinstance(close, pd.DataFrame):
        frame = as_close_frame(close, "close")
        out = {
            col: _series_returns(
                as_close_series(frame[col], f"close[{col!r}]", nan_policy=nan_policy)
            )
            for col in frame.columns
        }
        return pd.DataFrame(out, index=frame.index, columns=frame.columns)
    s = as_close_series(close, "close", nan_policy=nan_policy)
    return _series_returns(s)


def _series_returns(s: pd.Series) -> pd.Series:
    values = s.to_numpy()
    out = np.full(values.shape, np.nan)
    if values.size > 1:
        out[1:] = values[1:] / values[:-1] - 1.0
    return pd.Series(out, index=s.index, name=s.name)
