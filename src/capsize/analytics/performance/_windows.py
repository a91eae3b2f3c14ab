"""Return windows: what "YTD", "since D" or "2025-Q3" mean, exactly.

Convention (the same for every window)
--------------------------------------
A window has an anchor ``start`` and an ``end`` date. A return over the window
is ``end_close / base_close - 1`` where

* the **base** is the last close on or before ``start`` (for YTD: the last
  close of the previous year; for "since 2020-03-23": the close of 2020-03-23,
  or of the last trading day before it when that day had no bar);
* the **end** is the last close on or before ``end`` (``end=None`` means the
  last close in the data).

So adjacent windows compose exactly: ``(1 + r[a, b]) * (1 + r[b, c]) = 1 + r[a, c]``.
The dates actually used are reported with every result, and a result whose end
close is earlier than the requested end (weekend, holiday, stale data) says so.

``trough_to_date`` is the one data-dependent window: its base is the lowest
close between ``start`` and ``end`` (inclusive).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np
import pandas as pd

from capsize.analytics.performance._series import to_date
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import DateLike

__all__ = [
    "Window",
    "WindowKind",
    "between",
    "calendar_year",
    "mtd",
    "qtd",
    "quarter",
    "since",
    "trailing",
    "trough_to_date",
    "ytd",
]

WindowKind: TypeAlias = Literal[
    "ytd", "mtd", "qtd", "since", "between", "quarter", "year", "trailing", "trough"
]

_TRAILING = {
    "1W": pd.DateOffset(weeks=1),
    "1M": pd.DateOffset(months=1),
    "3M": pd.DateOffset(months=3),
    "6M": pd.DateOffset(months=6),
    "1Y": pd.DateOffset(years=1),
    "2Y": pd.DateOffset(years=2),
    "3Y": pd.DateOffset(years=3),
    "5Y": pd.DateOffset(years=5),
    "10Y": pd.DateOffset(years=10),
    "20Y": pd.DateOffset(years=20),
}


@dataclass(frozen=True)
class Window:
    """A return window; build it with :func:`ytd`, :func:`since`, :func:`between`, ...

    Parameters
    ----------
    kind : str
        One of ``ytd, mtd, qtd, since, between, quarter, year, trailing, trough``.
    start : Timestamp
        Anchor of the base: the base close is the last close on or before it
        (for ``kind="trough"``: the start of the lookback searched for the low).
    end : Timestamp or None
        The end close is the last close on or before it; None = last close in the data.
    label : str
        Human-readable name, e.g. ``"YTD 2025"`` or ``"2025-Q3"``.
    """

    kind: WindowKind
    start: pd.Timestamp
    end: pd.Timestamp | None
    label: str

    def __post_init__(self) -> None:
        if self.end is not None and self.start > self.end:
            raise InputError(
                f"window {self.label!r}: start {self.start:%Y-%m-%d} is after end "
                f"{self.end:%Y-%m-%d}; swap the dates"
            )

    @cached_property
    def start_day(self) -> int:
        """``start`` as whole days since 1970-01-01 (for fast date arithmetic)."""
        return _epoch_day(self.start)

    @cached_property
    def end_day(self) -> int | None:
        """``end`` as whole days since 1970-01-01, or None."""
        return None if self.end is None else _epoch_day(self.end)

    def describe(self) -> str:
        """One line stating the convention with the requested dates.

        Examples
        --------
        >>> print(ytd("2025-10-08").describe())  # doctest: +NORMALIZE_WHITESPACE
        YTD 2025: base = last close on or before 2024-12-31,
        end = last close on or before 2025-10-08
        """
        end = "the last close in the data" if self.end is None else f"{self.end:%Y-%m-%d}"
        if self.end is not None:
            end = f"last close on or before {end}"
        if self.kind == "trough":
            base = f"lowest close from {self.start:%Y-%m-%d}"
        else:
            base = f"last close on or before {self.start:%Y-%m-%d}"
        return f"{self.label}: base = {base}, end = {end}"


def _epoch_day(ts: pd.Timestamp) -> int:
    return int(ts.to_datetime64().astype("datetime64[D]").astype(np.int64))


def _opt_date(value: DateLike | None, name: str) -> pd.Timestamp | None:
    return None if value is None else to_date(value, name)


def ytd(as_of: DateLike) -> Window:
    """Year to date: from the last close of the previous year to ``as_of``.

    Examples
    --------
    >>> w = ytd("2025-10-08")
    >>> w.start, w.end
    (Timestamp('2024-12-31 00:00:00'), Timestamp('2025-10-08 00:00:00'))
    """
    end = to_date(as_of, "as_of")
    return Window("ytd", pd.Timestamp(end.year - 1, 12, 31), end, f"YTD {end.year}")


def mtd(as_of: DateLike) -> Window:
    """Month to date: from the last close of the previous month to ``as_of``.

    Examples
    --------
    >>> mtd("2025-10-08").start
    Timestamp('2025-09-30 00:00:00')
    """
    end = to_date(as_of, "as_of")
    start = end.replace(day=1) - pd.Timedelta(days=1)
    return Window("mtd", start, end, f"MTD {end:%Y-%m}")


def qtd(as_of: DateLike) -> Window:
    """Quarter to date: from the last close of the previous quarter to ``as_of``.

    Examples
    --------
    >>> qtd("2025-11-08").start
    Timestamp('2025-09-30 00:00:00')
    """
    end = to_date(as_of, "as_of")
    first_month = 3 * ((end.month - 1) // 3) + 1
    start = pd.Timestamp(end.year, first_month, 1) - pd.Timedelta(days=1)
    return Window("qtd", start, end, f"QTD {end.year}-Q{(end.month - 1) // 3 + 1}")


def since(start: DateLike, as_of: DateLike | None = None) -> Window:
    """From the close of ``start`` (or the last close before it) to ``as_of``.

    Parameters
    ----------
    start : date
        Base date; the base close is the last close on or before it.
    as_of : date, optional
        End date; default = the last close in the data.

    Examples
    --------
    >>> since("2020-03-23").label
    'since 2020-03-23'
    """
    s = to_date(start, "start")
    e = _opt_date(as_of, "as_of")
    return Window("since", s, e, f"since {s:%Y-%m-%d}")


def between(start: DateLike, end: DateLike) -> Window:
    """From the close on or before ``start`` to the close on or before ``end``.

    Raises
    ------
    InputError
        When ``start`` is after ``end``.

    Examples
    --------
    >>> between("2025-01-01", "2025-06-30").label
    '2025-01-01..2025-06-30'
    """
    s = to_date(start, "start")
    e = to_date(end, "end")
    return Window("between", s, e, f"{s:%Y-%m-%d}..{e:%Y-%m-%d}")


def quarter(year: int, q: int) -> Window:
    """Build a calendar quarter: previous quarter's last close to this quarter's last close.

    Examples
    --------
    >>> w = quarter(2025, 3)
    >>> w.start, w.end, w.label
    (Timestamp('2025-06-30 00:00:00'), Timestamp('2025-09-30 00:00:00'), '2025-Q3')
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise InputError(f"year must be an int, got {year!r}")
    if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= 4:
        raise InputError(f"q must be 1, 2, 3 or 4, got {q!r}")
    start = pd.Timestamp(year, 3 * (q - 1) + 1, 1) - pd.Timedelta(days=1)
    end = pd.Timestamp(year, 3 * q, 1) + pd.offsets.MonthEnd(0)
    return Window("quarter", start, end, f"{year}-Q{q}")


def calendar_year(year: int) -> Window:
    """Build a calendar year: last close of ``year - 1`` to last close of ``year``.

    Examples
    --------
    >>> calendar_year(2024).start
    Timestamp('2023-12-31 00:00:00')
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise InputError(f"year must be an int, got {year!r}")
    return Window("year", pd.Timestamp(year - 1, 12, 31), pd.Timestamp(year, 12, 31), str(year))


def trailing(period: str, as_of: DateLike) -> Window:
    """Build a trailing window such as ``"1M"``, ``"3M"``, ``"1Y"`` ending at ``as_of``.

    The base anchor is ``as_of`` minus the calendar period (``pandas.DateOffset``),
    so "1Y to 2025-10-08" starts from the last close on or before 2024-10-08.

    Examples
    --------
    >>> trailing("1Y", "2025-10-08").start
    Timestamp('2024-10-08 00:00:00')
    """
    key = str(period).upper()
    if key not in _TRAILING:
        raise InputError(f"period must be one of {sorted(_TRAILING)}, got {period!r}")
    end = to_date(as_of, "as_of")
    start = pd.Timestamp(end - _TRAILING[key])
    return Window("trailing", start, end, f"{key} to {end:%Y-%m-%d}")


def trough_to_date(lookback_start: DateLike, as_of: DateLike | None = None) -> Window:
    """From the lowest close on or after ``lookback_start`` to ``as_of``.

    The base is the lowest close in ``[lookback_start, as_of]`` of each series
    (ties: the earliest), so different symbols can have different base dates.
    With both a total- and a price-return series, the trough day is found on
    the total-return series and the price return uses the same base day.

    Examples
    --------
    >>> trough_to_date("2025-01-01", "2025-10-08").label
    'trough since 2025-01-01'
    """
    s = to_date(lookback_start, "lookback_start")
    e = _opt_date(as_of, "as_of")
    return Window("trough", s, e, f"trough since {s:%Y-%m-%d}")
