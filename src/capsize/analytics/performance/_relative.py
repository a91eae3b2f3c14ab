"""Relative strength, calendar-year leadership tables and streaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

import numpy as np
import pandas as pd

from capsize.analytics.performance._returns import WindowReturn, arrays_return
from capsize.analytics.performance._series import NanPolicy, as_close_series, to_date
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import DateLike
    from capsize.analytics.performance._windows import Window

__all__ = [
    "RelativeReturn",
    "Streak",
    "Streaks",
    "calendar_year_table",
    "relative_return",
    "relative_strength",
    "rolling_outperformance",
    "streaks",
]

SeriesAlign: TypeAlias = Literal["intersection", "left"]


def _align_pair(a: pd.Series, b: pd.Series, align: SeriesAlign) -> tuple[pd.Series, pd.Series]:
    if align == "intersection":
        common = a.index.intersection(b.index)
        return a.loc[common], b.loc[common]
    if align == "left":
        # b's last close on or before each of a's dates (no look-ahead), from b's first date on.
        b_on_a = b.reindex(a.index.union(b.index)).ffill().reindex(a.index)
        keep = b_on_a.notna()
        return a[keep], b_on_a[keep]
    raise InputError(f"align must be 'intersection' or 'left', got {align!r}")


def relative_strength(
    a: pd.Series,
    b: pd.Series,
    *,
    align: SeriesAlign = "intersection",
    base_date: DateLike | None = None,
    nan_policy: NanPolicy = "drop",
) -> pd.Series:
    """Ratio series ``a / b`` rebased to 1.0: rising means ``a`` outperforms ``b``.

    Parameters
    ----------
    a, b : Series of shape (n_days,), price units
        Closes indexed by date (use the same basis for both, e.g. adjusted).
    align : {"intersection", "left"}
        ``"intersection"``: dates where both have a close. ``"left"``: ``a``'s
        dates, with ``b``'s last close on or before each date (e.g. a crypto
        ``a`` against an equity ``b`` on weekends).
    base_date : date, optional
        The ratio is 1.0 at the last aligned date on or before it; default the first date.
    nan_policy : {"drop", "raise", "gap"}
        Applied to both inputs (``"gap"`` rows are dropped after validation).

    Returns
    -------
    Series
        ``(a_t / b_t) / (a_0 / b_0)``, named ``"a/b"``.

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=3)
    >>> a = pd.Series([10.0, 11.0, 12.0], index=idx, name="A")
    >>> b = pd.Series([20.0, 20.0, 30.0], index=idx, name="B")
    >>> relative_strength(a, b).round(4).tolist()
    [1.0, 1.1, 0.8]
    """
    sa = as_close_series(a, "a", nan_policy=nan_policy).dropna()
    sb = as_close_series(b, "b", nan_policy=nan_policy).dropna()
    xa, xb = _align_pair(sa, sb, align)
    if xa.empty:
        raise InputError("a and b have no dates in common; check the symbols and date ranges")
    ratio = xa / xb
    pos = 0
    if base_date is not None:
        when = to_date(base_date, "base_date")
        pos = int(ratio.index.searchsorted(when, side="right")) - 1
        if pos < 0:
            raise InputError(
                f"base_date {when:%Y-%m-%d} is before the first common date "
                f"{ratio.index[0]:%Y-%m-%d}"
            )
    out = cast(pd.Series, ratio / ratio.iloc[pos])
    out.name = f"{sa.name}/{sb.name}"
    return out


@dataclass(frozen=True)
class RelativeReturn:
    """Returns of ``a`` and ``b`` over one window and their difference.

    Attributes
    ----------
    a, b : WindowReturn
        The two returns (same basis).
    spread : float
        ``a.value - b.value`` (fraction; "percentage points" when shown).
    relative : float
        ``(1 + a) / (1 + b) - 1``: the change of the ratio ``a / b`` over the window.
    align : str
        How calendars were aligned.
    """

    a: WindowReturn
    b: WindowReturn
    spread: float
    relative: float
    align: str


def relative_return(
    a: pd.Series,
    b: pd.Series,
    window: Window,
    *,
    align: Literal["own", "intersection"] = "own",
    nan_policy: NanPolicy = "drop",
    max_stale_days: int | None = 7,
) -> RelativeReturn:
    """Return of ``a`` minus return of ``b`` over ``window`` (same basis for both).

    Parameters
    ----------
    a, b : Series of shape (n_days,), price units
        Closes indexed by date, named by symbol.
    window : Window
        The window.
    align : {"own", "intersection"}
        ``"own"``: each on its own calendar; ``"intersection"``: only common dates.
    nan_policy : {"drop", "raise", "gap"}
        NaN closes policy.
    max_stale_days : int or None
        See :func:`series_return`.

    Returns
    -------
    RelativeReturn

    Examples
    --------
    >>> from capsize.analytics.performance import since
    >>> idx = pd.date_range("2025-01-01", periods=3)
    >>> a = pd.Series([10.0, 11.0, 12.0], index=idx, name="A")
    >>> b = pd.Series([20.0, 20.0, 21.0], index=idx, name="B")
    >>> rr = relative_return(a, b, since("2025-01-01"))
    >>> round(rr.spread, 10), round(rr.relative, 10)
    (0.15, 0.1428571429)
    """
    sa = as_close_series(a, "a", nan_policy=nan_policy)
    sb = as_close_series(b, "b", nan_policy=nan_policy)
    if align == "intersection":
        sa, sb = _align_pair(sa.dropna(), sb.dropna(), "intersection")
    elif align != "own":
        raise InputError(f"align must be 'own' or 'intersection', got {align!r}")
    ra = arrays_return(sa, window, "total", str(sa.name), "close", max_stale_days)
    rb = arrays_return(sb, window, "total", str(sb.name), "close", max_stale_days)
    if ra.ok and rb.ok:
        spread = ra.value - rb.value
        rel = (1.0 + ra.value) / (1.0 + rb.value) - 1.0
    else:
        spread = rel = float("nan")
    return RelativeReturn(ra, rb, spread, rel, align)


def rolling_outperformance(
    a: pd.Series,
    b: pd.Series,
    window: int = 252,
    *,
    align: SeriesAlign = "intersection",
    nan_policy: NanPolicy = "drop",
) -> pd.Series:
    """Trailing ``window``-day return of ``a`` minus that of ``b``.

    Parameters
    ----------
    a, b : Series of shape (n_days,), price units
        Closes indexed by date.
    window : int
        Number of aligned trading days (252 ~ one year).
    align : {"intersection", "left"}
        See :func:`relative_strength`.
    nan_policy : {"drop", "raise", "gap"}
        NaN closes policy.

    Returns
    -------
    Series, fraction
        ``(a_t / a_{t-window} - 1) - (b_t / b_{t-window} - 1)``; NaN for the first
        ``window`` aligned dates.

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=3)
    >>> a = pd.Series([10.0, 11.0, 12.0], index=idx)
    >>> b = pd.Series([10.0, 10.0, 10.0], index=idx)
    >>> rolling_outperformance(a, b, 2).round(4).tolist()
    [nan, nan, 0.2]
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise InputError(f"window must be a positive number of days, got {window!r}")
    sa = as_close_series(a, "a", nan_policy=nan_policy).dropna()
    sb = as_close_series(b, "b", nan_policy=nan_policy).dropna()
    xa, xb = _align_pair(sa, sb, align)
    out = (xa / xa.shift(window) - 1.0) - (xb / xb.shift(window) - 1.0)
    out.name = f"{sa.name}-{sb.name} {window}d"
    return out


def _year_end_reached(last: pd.Timestamp, year: int) -> bool:
    """Return True when ``last`` is on or after the last weekday of ``year``."""
    dec31 = pd.Timestamp(year, 12, 31)
    last_weekday = dec31 - pd.Timedelta(days=max(0, dec31.weekday() - 4))
    return bool(last >= last_weekday)


def _year_bounds(s: pd.Series, year: int) -> tuple[pd.Timestamp, pd.Timestamp, bool, bool] | None:
    """Return base and end dates of ``year`` for ``s`` and whether both are complete."""
    idx = pd.DatetimeIndex(s.index)
    in_year = idx[idx.year == year]
    if len(in_year) == 0:
        return None
    prev = idx[idx < pd.Timestamp(year, 1, 1)]
    full_start = len(prev) > 0
    base = prev[-1] if full_start else in_year[0]
    end = in_year[-1]
    if end <= base:
        return None
    full_end = bool((idx > pd.Timestamp(year, 12, 31)).any()) or _year_end_reached(end, year)
    return base, end, full_start, full_end


def calendar_year_table(
    a: pd.Series,
    b: pd.Series,
    *,
    years: list[int] | None = None,
    nan_policy: NanPolicy = "drop",
) -> pd.DataFrame:
    """Calendar-year returns of ``a`` and ``b`` and which one led each year.

    Parameters
    ----------
    a, b : Series of shape (n_days,), price units
        Closes indexed by date, named by symbol (use total-return closes for both).
    years : list of int, optional
        Years to include; default every year in which both have a return (a
        close in the year after an earlier close). Requested years without
        data get ``status="missing"``.
    nan_policy : {"drop", "raise", "gap"}
        NaN closes policy (``"gap"`` rows are dropped after validation).

    Returns
    -------
    DataFrame indexed by ``year``
        Columns ``<a>, <b>`` (returns, fraction), ``spread`` (a - b), ``winner``
        (symbol, ``"tie"`` or ``None``), ``status`` (``"full"`` or
        ``"partial"``), ``base_date``, ``end_date``, ``note``.

    Notes
    -----
    Each symbol uses its own calendar: year Y runs from its last close of Y-1
    to its last close of Y. A year is **partial** when either symbol has no
    close in the previous year (series starts in Y) or its data stops before
    the last weekday of Y. For partial years both returns are computed over
    the common sub-period (latest base date to earliest end date), so the
    comparison is fair, and the year is labelled, never treated as full.

    Examples
    --------
    >>> idx = pd.to_datetime(["2023-12-29", "2024-12-31", "2025-12-31"])
    >>> a = pd.Series([100.0, 120.0, 114.0], index=idx, name="A")
    >>> b = pd.Series([100.0, 110.0, 121.0], index=idx, name="B")
    >>> t = calendar_year_table(a, b)
    >>> t.index.tolist(), t["A"].round(4).tolist(), t["winner"].tolist(), t["status"].tolist()
    ([2024, 2025], [0.2, -0.05], ['A', 'B'], ['full', 'full'])
    """
    sa = as_close_series(a, "a", nan_policy=nan_policy).dropna()
    sb = as_close_series(b, "b", nan_policy=nan_policy).dropna()
    na, nb = str(sa.name), str(sb.name)
    if na == nb:
        nb = f"{nb} (b)"
    if years is None:
        common = set(pd.DatetimeIndex(sa.index).year) & set(pd.DatetimeIndex(sb.index).year)
        ys = [y for y in sorted(common) if _year_bounds(sa, y) and _year_bounds(sb, y)]
    else:
        ys = sorted({int(y) for y in years})
    rows: list[tuple[Any, ...]] = []
    for y in ys:
        ba, bb = _year_bounds(sa, y), _year_bounds(sb, y)
        if ba is None or bb is None:
            missing = na if ba is None else nb
            note = f"{missing} has fewer than two closes for {y}"
            rows.append((y, np.nan, np.nan, None, "missing", pd.NaT, pd.NaT, note))
            continue
        full = ba[2] and ba[3] and bb[2] and bb[3]
        if full:
            ra = float(sa[ba[1]] / sa[ba[0]] - 1.0)
            rb = float(sb[bb[1]] / sb[bb[0]] - 1.0)
            base, end, note = ba[0], ba[1], ""
            if (ba[0], ba[1]) != (bb[0], bb[1]):
                note = f"{nb} uses {bb[0]:%Y-%m-%d}..{bb[1]:%Y-%m-%d} (own calendar)"
            status = "full"
        else:
            base = max(ba[0], bb[0])
            end = min(ba[1], bb[1])
            pa0, pa1 = (
                sa.index.searchsorted(base, "right") - 1,
                sa.index.searchsorted(end, "right") - 1,
            )
            pb0, pb1 = (
                sb.index.searchsorted(base, "right") - 1,
                sb.index.searchsorted(end, "right") - 1,
            )
            ra = float(sa.iloc[pa1] / sa.iloc[pa0] - 1.0)
            rb = float(sb.iloc[pb1] / sb.iloc[pb0] - 1.0)
            status = "partial"
            note = f"partial year: common period {base:%Y-%m-%d}..{end:%Y-%m-%d}"
        winner = na if ra > rb else nb if rb > ra else "tie"
        rows.append((y, ra, rb, winner, status, base, end, note))
    out = pd.DataFrame(
        rows, columns=["year", na, nb, "winner", "status", "base_date", "end_date", "note"]
    ).set_index("year")
    out.insert(2, "spread", out[na] - out[nb])
    out.attrs["a"], out.attrs["b"] = na, nb
    out.attrs["convention"] = (
        "year Y return = last close of Y / last close of Y-1 - 1, each on its own calendar; "
        "partial years use the common sub-period"
    )
    return out


@dataclass(frozen=True)
class Streak:
    """A run of consecutive full years led by the same side.

    Attributes
    ----------
    leader : str
        Symbol that led every year of the run (or ``"tie"``).
    length : int
        Number of years.
    start_year, end_year : int
        First and last year of the run.
    """

    leader: str
    length: int
    start_year: int
    end_year: int


@dataclass(frozen=True)
class Streaks:
    """Leadership streaks from a :func:`calendar_year_table`.

    Attributes
    ----------
    runs : tuple of Streak
        All runs in order; their lengths sum to the number of full years.
    current : Streak or None
        The run that includes the last full year.
    longest : dict of str to Streak
        Longest run per leader (earliest when tied).
    years_counted : int
        Full years used (partial and missing years are excluded).
    """

    runs: tuple[Streak, ...]
    current: Streak | None
    longest: dict[str, Streak]
    years_counted: int

    def longest_overall(self) -> Streak | None:
        """Return the longest run of any leader (earliest when tied), ties excluded."""
        cands = [s for k, s in self.longest.items() if k != "tie"]
        return max(cands, key=lambda s: (s.length, -s.start_year)) if cands else None


def streaks(table: pd.DataFrame, *, include_partial: bool = False) -> Streaks:
    """Consecutive-year leadership runs from a :func:`calendar_year_table`.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`calendar_year_table` (index ``year``, column ``winner``, ``status``).
    include_partial : bool
        Count partial years too (default False: only full years count).

    Returns
    -------
    Streaks

    Notes
    -----
    A run breaks when the leader changes, on a tie (a tie is its own run), and
    on a missing year (a gap in the years).

    Examples
    --------
    >>> t = pd.DataFrame({"winner": ["A", "A", "B", "A"], "status": ["full"] * 4},
    ...                  index=pd.Index([2021, 2022, 2023, 2024], name="year"))
    >>> s = streaks(t)
    >>> s.current.leader, s.current.length, s.longest["A"].length, s.longest["A"].end_year
    ('A', 1, 2, 2022)
    """
    if not isinstance(table, pd.DataFrame) or not {"winner", "status"} <= set(table.columns):
        raise InputError("table must be the DataFrame returned by calendar_year_table()")
    ok_status = {"full", "partial"} if include_partial else {"full"}
    t = table[table["status"].isin(ok_status) & table["winner"].notna()].sort_index()
    runs: list[Streak] = []
    prev_year: int | None = None
    for year, leader in zip(t.index, t["winner"], strict=True):
        y = int(year)
        if runs and prev_year == y - 1 and runs[-1].leader == leader:
            last = runs[-1]
            runs[-1] = Streak(last.leader, last.length + 1, last.start_year, y)
        else:
            runs.append(Streak(str(leader), 1, y, y))
        prev_year = y
    longest: dict[str, Streak] = {}
    for run in runs:
        best = longest.get(run.leader)
        if best is None or run.length > best.length:
            longest[run.leader] = run
    return Streaks(tuple(runs), runs[-1] if runs else None, longest, len(t))
