"""Window returns: price return and total return side by side, with provenance.

Total return comes from dividend-adjusted closes (or raw closes plus
dividends); price return comes from raw closes (or adjusted closes less
dividends). When only one kind of series is given, the other result is n/a
with the reason; the two are never silently the same number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from capsize.analytics.performance._dividends import price_from_adjusted, total_from_raw
from capsize.analytics.performance._series import NanPolicy, as_close_series
from capsize.analytics.performance._windows import Window
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = [
    "Basis",
    "CloseArrays",
    "ReturnPair",
    "ReturnSource",
    "WindowReturn",
    "annualised_return",
    "arrays_return",
    "pair_return",
    "return_sources",
    "series_return",
    "window_return",
]

Basis: TypeAlias = Literal["total", "price"]

_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class WindowReturn:
    """The return of one series over one window, with everything needed to trace it.

    Attributes
    ----------
    symbol : str
        Symbol (or series name).
    window : Window
        The requested window.
    basis : {"total", "price"}
        Total return (dividends reinvested) or price return.
    value : float
        ``end_close / base_close - 1`` as a fraction; NaN when n/a.
    base_date, end_date : Timestamp or None
        Dates of the closes actually used.
    base_close, end_close : float
        The closes used (NaN when n/a).
    n_days : int
        Trading-day returns inside the window (closes in ``(base_date, end_date]``).
    calendar_days : int
        ``end_date - base_date`` in days.
    annualised : float
        ``(1 + value) ** (365.25 / calendar_days) - 1`` for windows of at least
        365 calendar days, NaN otherwise (annualising a shorter period overstates it).
    stale_days : int
        Calendar days between the requested end and ``end_date`` (0 when on time;
        > 0 on weekends, holidays, or stale data).
    largest_gap_days : int
        Largest calendar gap between consecutive closes inside the window.
    series : str
        Which input the number comes from, e.g. ``"adjusted close"``.
    formula : str
        How it was computed.
    reason : str or None
        Why ``value`` is n/a; None when available.
    """

    symbol: str
    window: Window
    basis: Basis
    value: float
    base_date: pd.Timestamp | None
    end_date: pd.Timestamp | None
    base_close: float
    end_close: float
    n_days: int
    calendar_days: int
    annualised: float
    stale_days: int
    largest_gap_days: int
    series: str
    formula: str
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when ``value`` is available."""
        return self.reason is None

    @property
    def stale(self) -> bool:
        """True when the end close is earlier than the requested end date."""
        return self.stale_days > 0


@dataclass(frozen=True)
class ReturnPair:
    """Total and price return of one symbol over one window.

    Attributes
    ----------
    total : WindowReturn
        Total return (n/a with a reason when no total-return input covers the window).
    price : WindowReturn
        Price return (n/a with a reason when no price-return input covers the window).
    """

    total: WindowReturn
    price: WindowReturn

    @property
    def dividend_contribution(self) -> float:
        """``total - price`` (fraction), NaN unless both are available and use the same dates."""
        if not (self.total.ok and self.price.ok):
            return float("nan")
        return self.total.value - self.price.value


def _missing(symbol: str, window: Window, basis: Basis, series: str, reason: str) -> WindowReturn:
    nan = float("nan")
    return WindowReturn(
        symbol, window, basis, nan, None, None, nan, nan, 0, 0, nan, 0, 0, series, "n/a", reason
    )


def annualised_return(value: float, calendar_days: int, *, min_days: int = 365) -> float:
    """Annualise a cumulative return over ``calendar_days`` (365.25-day years).

    Parameters
    ----------
    value : float
        Cumulative return (fraction).
    calendar_days : int
        Length of the period in calendar days.
    min_days : int
        Periods shorter than this give NaN (default: one year).

    Returns
    -------
    float
        ``(1 + value) ** (365.25 / calendar_days) - 1``, or NaN.

    Examples
    --------
    >>> round(annualised_return(0.21, 730), 6)
    0.100072
    >>> annualised_return(0.05, 30)
    nan
    """
    if not np.isfinite(value) or calendar_days < max(min_days, 1):
        return float("nan")
    return float((1.0 + value) ** (_DAYS_PER_YEAR / calendar_days) - 1.0)


def series_return(
    close: pd.Series,
    window: Window,
    *,
    basis: Basis = "total",
    symbol: str | None = None,
    series: str | None = None,
    nan_policy: NanPolicy = "drop",
    max_stale_days: int | None = 7,
) -> WindowReturn:
    """Return of a single close series over ``window``.

    Parameters
    ----------
    close : Series of shape (n_days,), price units
        Closes indexed by date (adjusted for ``basis="total"``, raw for ``"price"``).
    window : Window
        From :func:`ytd`, :func:`since`, :func:`between`, ...
    basis : {"total", "price"}
        Label of what ``close`` measures; it is recorded, not inferred.
    symbol : str, optional
        Defaults to ``close.name``.
    series : str, optional
        Description of the input, default ``"adjusted close"`` / ``"raw close"``.
    nan_policy : {"drop", "raise", "gap"}
        See :data:`~capsize.analytics.performance.NanPolicy`.
    max_stale_days : int or None
        The base (end) close may be at most this many calendar days before the
        requested start (end); beyond that the result is n/a, naming the gap.
        None disables the check.

    Returns
    -------
    WindowReturn

    Notes
    -----
    A window that starts before the first close, or ends before it, is n/a with
    the series' first date in the reason (no error, so tables stay whole).

    Examples
    --------
    >>> from capsize.analytics.performance import between
    >>> s = pd.Series([100.0, 104.0, 110.0],
    ...               index=pd.to_datetime(["2024-12-31", "2025-01-02", "2025-01-03"]), name="X")
    >>> r = series_return(s, between("2025-01-01", "2025-01-04"))
    >>> round(r.value, 10), r.base_date.date(), r.end_date.date(), r.stale_days
    (0.1, datetime.date(2024, 12, 31), datetime.date(2025, 1, 3), 1)
    """
    if not isinstance(window, Window):
        raise InputError(f"window must be a Window (from ytd(), since(), ...), got {window!r}")
    if basis not in ("total", "price"):
        raise InputError(f"basis must be 'total' or 'price', got {basis!r}")
    s = as_close_series(close, "close", nan_policy=nan_policy)
    sym = str(symbol if symbol is not None else (s.name if s.name is not None else "series"))
    desc = series or ("adjusted close" if basis == "total" else "raw close")
    return arrays_return(s, window, basis, sym, desc, max_stale_days)


@dataclass(frozen=True)
class CloseArrays:
    """A validated close series as numpy arrays, prepared once for many windows.

    Attributes
    ----------
    values : ndarray of shape (n_days,), price units
        Closes (NaN: a missing bar under ``nan_policy="gap"``).
    dates : ndarray of datetime64
        Their dates.
    days : ndarray of int64
        Dates as whole days since 1970-01-01.
    gap_days : ndarray of int64
        Calendar days between consecutive dates.
    first_pos, last_pos : int
        Positions of the first and last non-NaN close (-1 when none).
    """

    values: FloatArray
    dates: npt.NDArray[np.datetime64]
    days: npt.NDArray[np.int64]
    gap_days: npt.NDArray[np.int64]
    first_pos: int
    last_pos: int

    @classmethod
    def of(cls, s: pd.Series) -> CloseArrays:
        """Build from a validated close series (see :func:`as_close_series`)."""
        values = s.to_numpy(dtype=float)
        dates = np.asarray(s.index.values)
        days = dates.astype("datetime64[D]").astype(np.int64)
        present = ~np.isnan(values)
        gaps = np.diff(days)
        if not present.any():
            return cls(values, dates, days, gaps, -1, -1)
        first = int(np.argmax(present))
        last = len(values) - 1 - int(np.argmax(present[::-1]))
        return cls(values, dates, days, gaps, first, last)

    def date(self, pos: int) -> pd.Timestamp:
        """Return the date at ``pos`` as a Timestamp."""
        return pd.Timestamp(self.dates[pos])


def _day_str(day: int) -> str:
    return str(np.datetime64(day, "D"))


@dataclass(frozen=True)
class _Located:
    """Positions of the base and end closes of one window (and the requested days)."""

    base_pos: int
    end_pos: int
    base_req_day: int
    end_day: int


def _base_position(
    arr: CloseArrays, window: Window, end_pos: int, end_day: int, sym: str, desc: str
) -> tuple[int, int] | str:
    """Return ``(base_pos, requested base day)`` or the reason there is no base close."""
    days = arr.days
    if window.kind == "trough":
        lo = int(np.searchsorted(days, window.start_day, side="left"))
        seg = arr.values[lo : end_pos + 1]
        if seg.size == 0 or np.isnan(seg).all():
            return (
                f"{sym} has no close between {_day_str(window.start_day)} and {_day_str(end_day)}"
            )
        base_pos = lo + int(np.nanargmin(seg))
        return base_pos, int(days[base_pos])
    base_pos = int(np.searchsorted(days, window.start_day, side="right")) - 1
    if base_pos < 0:
        return (
            f"{sym} {desc} starts {arr.date(arr.first_pos):%Y-%m-%d}; no close on or before "
            f"the window base {_day_str(window.start_day)}"
        )
    return base_pos, window.start_day


def _locate(arr: CloseArrays, window: Window, sym: str, desc: str) -> _Located | str:
    """Find the base and end closes of ``window``, or say why there are none."""
    if arr.last_pos < 0:
        return f"{sym} has no closes ({desc})"
    days = arr.days
    end_day = window.end_day if window.end_day is not None else int(days[arr.last_pos])
    if window.start_day > end_day:
        return (
            f"{sym} {desc} ends {_day_str(end_day)}, before the window start "
            f"{_day_str(window.start_day)}"
        )
    end_pos = int(np.searchsorted(days, end_day, side="right")) - 1
    if end_pos < 0:
        return (
            f"{sym} {desc} starts {arr.date(arr.first_pos):%Y-%m-%d}, after the window end "
            f"{_day_str(end_day)}"
        )
    base = _base_position(arr, window, end_pos, end_day, sym, desc)
    if isinstance(base, str):
        return base
    return _Located(base[0], end_pos, base[1], end_day)


def _gap_reason(
    arr: CloseArrays, at: _Located, sym: str, desc: str, max_stale_days: int | None
) -> str | None:
    """Why the base or end close is too far from its requested day, or NaN; None when fine."""
    days = arr.days
    base_lag = at.base_req_day - int(days[at.base_pos])
    end_lag = at.end_day - int(days[at.end_pos])
    if max_stale_days is not None and base_lag > max_stale_days:
        return (
            f"{sym} {desc}: last close on or before {_day_str(at.base_req_day)} is "
            f"{_day_str(int(days[at.base_pos]))}, {base_lag} days earlier (gap in the data)"
        )
    if max_stale_days is not None and end_lag > max_stale_days:
        what = (
            "no later close in the data given" if at.end_pos >= arr.last_pos else "gap in the data"
        )
        return (
            f"{sym} {desc}: last close on or before {_day_str(at.end_day)} is "
            f"{_day_str(int(days[at.end_pos]))}, {end_lag} days earlier ({what})"
        )
    for pos in (at.base_pos, at.end_pos):
        if np.isnan(arr.values[pos]):
            return f"{sym} {desc} is NaN on {_day_str(int(days[pos]))} (nan_policy='gap')"
    return None


def arrays_return(
    s: pd.Series | CloseArrays,
    window: Window,
    basis: Basis,
    sym: str,
    desc: str,
    max_stale_days: int | None,
) -> WindowReturn:
    """Return of prepared closes over ``window`` (the engine of :func:`series_return`).

    Parameters
    ----------
    s : Series (validated) or CloseArrays
        The closes; pass :class:`CloseArrays` to reuse them across windows.
    window : Window
        The window.
    basis : {"total", "price"}
        Recorded basis.
    sym, desc : str
        Symbol and description of the input (``"adjusted close"``).
    max_stale_days : int or None
        See :func:`series_return`.

    Returns
    -------
    WindowReturn
        n/a with the reason when the window cannot be measured.
    """
    # numpy on the raw datetime64 values: this runs once per (symbol, window)
    arr = s if isinstance(s, CloseArrays) else CloseArrays.of(s)
    at = _locate(arr, window, sym, desc)
    if isinstance(at, str):
        return _missing(sym, window, basis, desc, at)
    why = _gap_reason(arr, at, sym, desc, max_stale_days)
    if why is not None:
        return _missing(sym, window, basis, desc, why)
    base_close = float(arr.values[at.base_pos])
    end_close = float(arr.values[at.end_pos])
    value = end_close / base_close - 1.0
    cal = int(arr.days[at.end_pos] - arr.days[at.base_pos])
    gap = int(arr.gap_days[at.base_pos : at.end_pos].max()) if at.end_pos > at.base_pos else 0
    return WindowReturn(
        symbol=sym,
        window=window,
        basis=basis,
        value=value,
        base_date=arr.date(at.base_pos),
        end_date=arr.date(at.end_pos),
        base_close=base_close,
        end_close=end_close,
        n_days=at.end_pos - at.base_pos,
        calendar_days=cal,
        annualised=annualised_return(value, cal),
        stale_days=at.end_day - int(arr.days[at.end_pos]),
        largest_gap_days=gap,
        series=desc,
        formula="end_close / base_close - 1",
    )


def window_return(
    window: Window,
    *,
    adjusted: pd.Series | None = None,
    raw: pd.Series | None = None,
    dividends: pd.Series | None = None,
    symbol: str | None = None,
    nan_policy: NanPolicy = "drop",
    max_stale_days: int | None = 7,
) -> ReturnPair:
    """Total and price return of one symbol over ``window``.

    Parameters
    ----------
    window : Window
        From :func:`ytd`, :func:`since`, :func:`between`, :func:`calendar_year`, ...
    adjusted : Series of shape (n_days,), optional
        Split+dividend-adjusted closes (total-return series).
    raw : Series of shape (n_days,), optional
        Split-adjusted, not dividend-adjusted closes, or an index level (price return).
    dividends : Series, optional
        Cash dividends per share by ex-date; used to build the missing side
        (total from ``raw`` + dividends, or price from ``adjusted`` less dividends).
    symbol : str, optional
        Defaults to the name of the first series given.
    nan_policy : {"drop", "raise", "gap"}
        NaN closes policy, applied to both series.
    max_stale_days : int or None
        See :func:`series_return`.

    Returns
    -------
    ReturnPair
        ``.total`` and ``.price``; each is n/a with a reason when its input is
        missing or does not cover the window.

    Notes
    -----
    Both sides must use the same base and end dates. When the price series
    lacks a bar on a date the total series uses (or vice versa), the price
    side is n/a, naming the date, rather than quietly using another date.

    Examples
    --------
    >>> from capsize.analytics.performance import ytd
    >>> idx = pd.to_datetime(["2024-12-31", "2025-06-30"])
    >>> pair = window_return(ytd("2025-06-30"), adjusted=pd.Series([100.0, 112.0], index=idx),
    ...                      symbol="IWM")
    >>> round(pair.total.value, 10), pair.price.reason
    (0.12, 'no price-return series for IWM: pass raw closes, or adjusted closes with dividends')
    """
    if adjusted is None and raw is None:
        raise InputError("window_return needs adjusted= or raw= closes (or both)")
    first = adjusted if adjusted is not None else raw
    sym = str(
        symbol
        if symbol is not None
        else (first.name if first is not None and first.name is not None else "series")
    )
    total_src, price_src = return_sources(adjusted, raw, dividends, nan_policy)
    return pair_return(window, total_src, price_src, sym, max_stale_days)


ReturnSource: TypeAlias = tuple[CloseArrays, str] | None
"""Prepared closes and their description, or None when the side has no input."""


def return_sources(
    adjusted: pd.Series | None,
    raw: pd.Series | None,
    dividends: pd.Series | None,
    nan_policy: NanPolicy,
) -> tuple[ReturnSource, ReturnSource]:
    """Validate the inputs once and pick the total- and price-return series.

    Returns
    -------
    tuple of ReturnSource
        ``(total, price)``; a side is None when no input gives it.
    """
    adj = None if adjusted is None else as_close_series(adjusted, "adjusted", nan_policy=nan_policy)
    rw = None if raw is None else as_close_series(raw, "raw", nan_policy=nan_policy)
    total: ReturnSource = None
    price: ReturnSource = None
    if adj is not None:
        total = (CloseArrays.of(adj), "adjusted close")
    elif rw is not None and dividends is not None:
        tr = total_from_raw(rw, dividends)
        total = (CloseArrays.of(tr), "raw close + dividends (CRSP convention)")
    if rw is not None:
        price = (CloseArrays.of(rw), "raw close")
    elif adj is not None and dividends is not None:
        price = (
            CloseArrays.of(price_from_adjusted(adj, dividends)),
            "adjusted close less dividends",
        )
    return total, price


def pair_return(
    window: Window,
    total_src: ReturnSource,
    price_src: ReturnSource,
    sym: str,
    max_stale_days: int | None,
) -> ReturnPair:
    """Total and price return over ``window`` from prepared sources (see :func:`window_return`)."""
    if total_src is not None:
        total = arrays_return(total_src[0], window, "total", sym, total_src[1], max_stale_days)
    else:
        total = _missing(
            sym,
            window,
            "total",
            "none",
            f"no total-return series for {sym}: pass adjusted closes, or raw closes with "
            "dividends (an index level has no dividends)",
        )
    if price_src is not None:
        pw = window
        if window.kind == "trough" and total.ok and total.base_date is not None:
            # the trough is found on the total-return series; price uses the same base day
            pw = Window("since", total.base_date, window.end, window.label)
        price = arrays_return(price_src[0], pw, "price", sym, price_src[1], max_stale_days)
        if pw is not window:
            price = replace(price, window=window)
    else:
        price = _missing(
            sym,
            window,
            "price",
            "none",
            f"no price-return series for {sym}: pass raw closes, or adjusted closes with dividends",
        )
    if (
        total.ok
        and price.ok
        and (total.base_date != price.base_date or total.end_date != price.end_date)
    ):
        reason = (
            f"{sym} {price.series} uses {_d(price.base_date)}..{_d(price.end_date)} but "
            f"the {total.series} uses {_d(total.base_date)}..{_d(total.end_date)} "
            "(missing bars); not comparable"
        )
        price = _missing(sym, window, "price", price.series, reason)
    return ReturnPair(total=total, price=price)


def _d(ts: pd.Timestamp | None) -> str:
    return "n/a" if ts is None else f"{ts:%Y-%m-%d}"
