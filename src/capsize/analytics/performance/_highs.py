"""Highs (all-time and 52-week, by close and by intraday high) and drawdowns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np
import pandas as pd

from capsize.analytics.performance._series import (
    NanPolicy,
    as_close_frame,
    as_close_series,
    to_date,
)
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import DateLike

__all__ = [
    "DrawdownStats",
    "HighMark",
    "Highs",
    "drawdown_series",
    "drawdown_stats",
    "highs",
    "max_drawdown",
]


@dataclass(frozen=True)
class HighMark:
    """One high (e.g. the all-time closing high) and where the last close stands against it.

    Attributes
    ----------
    kind : str
        ``"all-time close"``, ``"all-time intraday"``, ``"52-week close"`` or
        ``"52-week intraday"``.
    value : float
        The high (price units); NaN when n/a.
    date : Timestamp or None
        Date it was set (the earliest date when repeated).
    calendar_days_since : int
        ``as_of_date - date`` in days (-1 when n/a).
    trading_days_since : int
        Closes after ``date`` up to ``as_of_date`` (-1 when n/a).
    distance : float
        ``last_close / value - 1`` (fraction, <= 0 for closing highs).
    reason : str or None
        Why the mark is n/a.
    """

    kind: str
    value: float
    date: pd.Timestamp | None
    calendar_days_since: int
    trading_days_since: int
    distance: float
    reason: str | None = None

    @property
    def is_today(self) -> bool:
        """True when the high was set on the as-of date (a record)."""
        return self.reason is None and self.trading_days_since == 0


@dataclass(frozen=True)
class Highs:
    """All-time and 52-week highs of one series at one date.

    Attributes
    ----------
    symbol : str
        Series name.
    as_of_date : Timestamp
        Date of the last close used (on or before the requested as-of).
    last_close : float
        That close.
    all_time_close, all_time_intraday, week52_close, week52_intraday : HighMark
        The four marks; intraday marks are n/a without a ``high`` series.
    first_date : Timestamp
        First date of the data searched ("all-time" means since then).
    """

    symbol: str
    as_of_date: pd.Timestamp
    last_close: float
    all_time_close: HighMark
    all_time_intraday: HighMark
    week52_close: HighMark
    week52_intraday: HighMark
    first_date: pd.Timestamp


def _mark(
    kind: str, values: pd.Series, last_close: float, as_of_date: pd.Timestamp, index: pd.Index
) -> HighMark:
    v = values.dropna()
    if v.empty:
        return HighMark(kind, float("nan"), None, -1, -1, float("nan"), "no data in the period")
    when = v.idxmax()
    assert isinstance(when, pd.Timestamp)
    value = float(v[when])
    trading = int((index > when).sum())
    return HighMark(
        kind, value, when, int((as_of_date - when).days), trading, last_close / value - 1.0
    )


def highs(
    close: pd.Series,
    high: pd.Series | None = None,
    as_of: DateLike | None = None,
    *,
    nan_policy: NanPolicy = "drop",
) -> Highs:
    """All-time and 52-week highs by close and by intraday high, with dates and distances.

    Parameters
    ----------
    close : Series of shape (n_days,), price units
        Closes indexed by date.
    high : Series of shape (n_days,), optional
        Intraday highs on the same basis as ``close`` (adjusted with adjusted).
        Without it the intraday marks are n/a with the reason.
    as_of : date, optional
        Only data on or before it is used; default the last close.
    nan_policy : {"drop", "raise", "gap"}
        NaN closes policy (NaN highs are always skipped).

    Returns
    -------
    Highs

    Notes
    -----
    The 52-week window is the closes dated after ``as_of_date - 1 year`` up to
    ``as_of_date`` (one calendar year, ``pandas.DateOffset(years=1)``).
    "All-time" means since the first date of the data given. The date of a
    high is the earliest date it was reached. ``trading_days_since`` counts the
    closes after that date; 0 means the high was set on the as-of date.

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=4)
    >>> h = highs(pd.Series([10.0, 12.0, 11.0, 11.5], index=idx, name="X"))
    >>> h.all_time_close.value, h.all_time_close.date.date(), round(h.all_time_close.distance, 4)
    (12.0, datetime.date(2025, 1, 2), -0.0417)
    >>> h.all_time_intraday.reason
    'no intraday high series given'
    """
    s = as_close_series(close, "close", nan_policy=nan_policy)
    if as_of is not None:
        s = s.loc[: to_date(as_of, "as_of")]
    s = s.dropna()
    if s.empty:
        raise InputError("close has no data on or before as_of; nothing to measure highs from")
    as_of_date = s.index[-1]
    last = float(s.iloc[-1])
    start52 = pd.Timestamp(as_of_date - pd.DateOffset(years=1))
    in52 = s.index > start52
    at_close = _mark("all-time close", s, last, as_of_date, s.index)
    w52_close = _mark("52-week close", s[in52], last, as_of_date, s.index)
    if high is None:
        why = "no intraday high series given"
        na = float("nan")
        at_high = HighMark("all-time intraday", na, None, -1, -1, na, why)
        w52_high = HighMark("52-week intraday", na, None, -1, -1, na, why)
    else:
        h = as_close_series(high, "high", nan_policy="drop").reindex(s.index)
        if h.isna().all():
            why = "no intraday highs in the data; the high column is empty"
            na = float("nan")
            at_high = HighMark("all-time intraday", na, None, -1, -1, na, why)
            w52_high = HighMark("52-week intraday", na, None, -1, -1, na, why)
        else:
            at_high = _mark("all-time intraday", h, last, as_of_date, s.index)
            w52_high = _mark("52-week intraday", h[in52], last, as_of_date, s.index)
    return Highs(str(s.name), as_of_date, last, at_close, at_high, w52_close, w52_high, s.index[0])


@overload
def drawdown_series(close: pd.Series, *, nan_policy: NanPolicy = ...) -> pd.Series: ...
@overload
def drawdown_series(close: pd.DataFrame, *, nan_policy: NanPolicy = ...) -> pd.DataFrame: ...
def drawdown_series(
    close: pd.Series | pd.DataFrame, *, nan_policy: NanPolicy = "drop"
) -> pd.Series | pd.DataFrame:
    """Drawdown from the running peak: ``close / cummax(close) - 1`` (always <= 0).

    Parameters
    ----------
    close : Series of shape (n_days,) or DataFrame of shape (n_days, n_symbols)
        Closes indexed by date.
    nan_policy : {"drop", "raise", "gap"}
        With ``"drop"`` a frame's NaN cells stay NaN in the output and are
        skipped by the running peak.

    Returns
    -------
    Series or DataFrame, fraction

    Examples
    --------
    >>> s = pd.Series([10.0, 12.0, 9.0, 12.5], index=pd.date_range("2025-01-01", periods=4))
    >>> drawdown_series(s).round(4).tolist()
    [0.0, 0.0, -0.25, 0.0]
    """
    if isinstance(close, pd.DataFrame):
        frame = as_close_frame(close, "close")
        cols = {c: drawdown_series(frame[c], nan_policy=nan_policy) for c in frame.columns}
        return pd.DataFrame(cols, index=frame.index, columns=frame.columns)
    s = as_close_series(close, "close", nan_policy=nan_policy)
    peak = s.cummax()
    return s / peak - 1.0


@overload
def max_drawdown(close: pd.Series, *, nan_policy: NanPolicy = ...) -> float: ...
@overload
def max_drawdown(close: pd.DataFrame, *, nan_policy: NanPolicy = ...) -> pd.Series: ...
def max_drawdown(
    close: pd.Series | pd.DataFrame, *, nan_policy: NanPolicy = "drop"
) -> float | pd.Series:
    """Largest peak-to-trough fall (fraction, <= 0): a Series gives a float, a frame a Series.

    Examples
    --------
    >>> s = pd.Series([10.0, 12.0, 9.0, 12.5], index=pd.date_range("2025-01-01", periods=4))
    >>> max_drawdown(s)
    -0.25
    """
    dd = drawdown_series(close, nan_policy=nan_policy)
    if isinstance(dd, pd.DataFrame):
        return dd.min()
    return float(dd.min()) if dd.notna().any() else float("nan")


@dataclass(frozen=True)
class DrawdownStats:
    """Maximum and current drawdown of one series, with their dates.

    Attributes
    ----------
    symbol : str
        Series name.
    max_drawdown : float
        Largest fall from a running peak (fraction, <= 0).
    peak_date, trough_date : Timestamp
        Peak before, and trough of, the maximum drawdown.
    recovery_date : Timestamp or None
        First close at or above the peak after the trough; None if not recovered.
    duration_days : int
        Calendar days from peak to recovery (or to ``as_of_date`` if not recovered).
    current_drawdown : float
        Drawdown on the last date (fraction, <= 0).
    current_peak_date : Timestamp
        Date of the running peak the current drawdown is measured from.
    current_duration_days : int
        Calendar days since that peak.
    as_of_date : Timestamp
        Last date of the data.
    """

    symbol: str
    max_drawdown: float
    peak_date: pd.Timestamp
    trough_date: pd.Timestamp
    recovery_date: pd.Timestamp | None
    duration_days: int
    current_drawdown: float
    current_peak_date: pd.Timestamp
    current_duration_days: int
    as_of_date: pd.Timestamp


def drawdown_stats(
    close: pd.Series, *, as_of: DateLike | None = None, nan_policy: NanPolicy = "drop"
) -> DrawdownStats:
    """Maximum drawdown (peak, trough, recovery, duration) and the current drawdown.

    Parameters
    ----------
    close : Series of shape (n_days,), price units
        Closes indexed by date.
    as_of : date, optional
        Use only data on or before it.
    nan_policy : {"drop", "raise", "gap"}
        NaN closes policy (``"gap"`` rows are skipped after validation).

    Returns
    -------
    DrawdownStats

    Notes
    -----
    The peak is the earliest date of the running maximum before the trough;
    the trough is the earliest date of the minimum drawdown.

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=5)
    >>> d = drawdown_stats(pd.Series([10.0, 12.0, 9.0, 12.0, 11.0], index=idx, name="X"))
    >>> d.max_drawdown, d.peak_date.day, d.trough_date.day, d.recovery_date.day
    (-0.25, 2, 3, 4)
    """
    s = as_close_series(close, "close", nan_policy=nan_policy)
    if as_of is not None:
        s = s.loc[: to_date(as_of, "as_of")]
    s = s.dropna()
    if s.empty:
        raise InputError("close has no data on or before as_of; cannot compute drawdowns")
    values = s.to_numpy()
    peak = np.maximum.accumulate(values)
    dd = values / peak - 1.0
    t = int(np.argmin(dd))
    p = int(np.flatnonzero(values[: t + 1] == peak[t])[0])
    after = np.flatnonzero(values[t:] >= values[p])
    idx = s.index
    recovery = idx[t + int(after[0])] if dd[t] < 0 and after.size else None
    as_of_date = idx[-1]
    end = recovery if recovery is not None else as_of_date
    cp = int(np.flatnonzero(values == peak[-1])[0])
    return DrawdownStats(
        symbol=str(s.name),
        max_drawdown=float(dd[t]),
        peak_date=idx[p],
        trough_date=idx[t],
        recovery_date=recovery,
        duration_days=int((end - idx[p]).days) if dd[t] < 0 else 0,
        current_drawdown=float(dd[-1]),
        current_peak_date=idx[cp],
        current_duration_days=int((as_of_date - idx[cp]).days),
        as_of_date=as_of_date,
    )
