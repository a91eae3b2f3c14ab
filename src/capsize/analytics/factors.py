"""The size factor across a century: Ken French data in, typed answers out.

Inputs are frames of **returns in percent, as French publishes them** (a
``DatetimeIndex`` of month ends or trading days), e.g. the ``SMB`` column of the
three-factor file or the ``Lo 10`` / ``Hi 10`` columns of *Portfolios Formed on
Size*. Nothing here reads files, the store or the network.

The unit of analysis is a **relative return series** (fraction per month):

* from a long-short factor (``SMB``): ``rel = SMB / 100``; its cumulative line
  ``prod(1 + rel)`` is the growth of a self-financing small-minus-big position;
* from two portfolios (``Lo 10`` vs ``Hi 10``): ``rel = (1 + r_small) / (1 + r_large) - 1``,
  so that the cumulative line is exactly ``wealth_small / wealth_large``.

A rising line means small caps lead; a falling line means large caps lead.

Publication lag
---------------
French publishes each month's data with a lag. The stored vintages show it: the
"202510" monthly factors were committed to a public repository on 2025-12-09 and
the "202602" size portfolios on 2026-04-29, i.e. five to nine weeks after month
end. :data:`DEFAULT_PUBLICATION_LAG_MONTHS` is therefore **2**: the data of month
``M`` (daily or monthly rows) counts as available at the end of month ``M + 2``.
:func:`point_in_time` applies that rule; pass ``publication_lag_months=1`` for a
less conservative reading.

Missing values
--------------
French marks missing values with ``-99.99`` or ``-999`` (the ``<= 0`` column of
the size portfolios is always ``-99.99``). :func:`mask_missing_codes` turns both
codes into NaN; every function here applies it at the door, so frames straight
from a parser and frames from the store (already masked) give the same answers.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from capsize.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "DEFAULT_PUBLICATION_LAG_MONTHS",
    "MISSING_CODES",
    "OVERREADING_WARNING",
    "Cycle",
    "ForwardReturnTable",
    "Provenance",
    "RelativeSeries",
    "SizeFactorHistory",
    "Streak",
    "StreakAftermath",
    "TrackingResult",
    "TrailingRank",
    "calendar_years",
    "compound_to_monthly",
    "conditional_forward_returns",
    "cumulative_growth",
    "etf_tracking",
    "factor_relative_returns",
    "leadership_streaks",
    "mask_missing_codes",
    "point_in_time",
    "portfolio_relative_returns",
    "publication_cutoff",
    "relative_cycles",
    "rolling_spread",
    "size_factor_history",
    "streak_aftermath",
    "trailing_ranks",
]

DEFAULT_PUBLICATION_LAG_MONTHS = 2
"""Month ``M`` of French data is treated as available at the end of month ``M + 2``."""

MISSING_CODES: tuple[float, ...] = (-99.99, -999.0)
"""French's missing-value codes (percent units)."""

OVERREADING_WARNING = (
    "Few independent episodes: overlapping windows make neighbouring months near-copies "
    "of each other, so read these averages as anecdotes, not as forecasts."
)
"""Shown with every conditional table (forward returns, score evidence)."""

NanPolicy = Literal["raise", "skip"]


@dataclass(frozen=True)
class Provenance:
    """Where a figure comes from.

    Attributes
    ----------
    dataset : str
        Source data set, e.g. ``"FF3 monthly"``.
    series : str
        Column(s) used, e.g. ``"SMB"`` or ``"Lo 10 / Hi 10"``.
    formula : str
        How the relative return was formed.
    first_date, last_date : Timestamp
        Window actually used (last_date = the vintage's last month used).
    as_of : Timestamp or None
        Point-in-time date, if any.
    publication_lag_months : int
        Lag applied with ``as_of``.
    """

    dataset: str
    series: str
    formula: str
    first_date: pd.Timestamp
    last_date: pd.Timestamp
    as_of: pd.Timestamp | None = None
    publication_lag_months: int = DEFAULT_PUBLICATION_LAG_MONTHS


@dataclass(frozen=True)
class RelativeSeries:
    """Monthly small-vs-large relative returns (fraction) with their provenance."""

    returns: pd.Series
    provenance: Provenance


@dataclass(frozen=True)
class Streak:
    """A run of consecutive calendar years led by the same side.

    ``cumulative`` is the relative return over the run (fraction; negative for a
    large-cap run).
    """

    leader: Literal["small", "large"]
    start_year: int
    end_year: int
    years: int
    cumulative: float
    ongoing: bool


@dataclass(frozen=True)
class Cycle:
    """One leg of the relative line between two turning points.

    ``magnitude`` = line_end / line_start - 1 (fraction). ``ongoing`` legs end at
    the last observation and are not confirmed turning points.
    """

    leader: Literal["small", "large"]
    start: pd.Timestamp
    end: pd.Timestamp
    months: int
    magnitude: float
    ongoing: bool


@dataclass(frozen=True)
class TrailingRank:
    """Where the latest trailing spread ranks among every month in the window.

    ``rank`` 1 = most favourable to large caps; ``percentile`` = share of months
    with a trailing spread at or below the latest one.
    """

    years: int
    value: float
    annualised: float
    rank: int
    n: int
    percentile: float
    date: pd.Timestamp


@dataclass(frozen=True)
class ForwardReturnTable:
    """Forward relative returns conditional on the trailing spread.

    ``table`` has one row per (bucket, horizon) with columns ``bucket``,
    ``horizon_months``, ``n_months`` (overlapping observations), ``n_independent``
    (non-overlapping forward windows), ``n_episodes`` (separate runs of months in
    the bucket), ``mean_ann``, ``median_ann`` (annualised, fraction), ``hit_rate``
    (share of windows where small caps beat large caps), ``worst``, ``best``
    (cumulative over the horizon, fraction).
    """

    table: pd.DataFrame
    lookback_months: int
    horizons_months: tuple[int, ...]
    bins: tuple[float, ...]
    current_bucket: str | None
    warning: str
    provenance: Provenance


@dataclass(frozen=True)
class TrackingResult:
    """How closely an ETF pair tracks the factor over recent months.

    Statistics are on monthly relative returns (fraction); ``tracking_error`` is
    the annualised standard deviation of (proxy - factor).
    """

    proxy: str
    factor: str
    start: pd.Timestamp
    end: pd.Timestamp
    n_months: int
    correlation: float
    beta: float
    tracking_error: float
    factor_cumulative: float
    proxy_cumulative: float


@dataclass(frozen=True)
class SizeFactorHistory:
    """Everything :func:`size_factor_history` knows about one relative series."""

    provenance: Provenance
    line: pd.Series
    rolling: dict[int, pd.DataFrame]
    years: pd.DataFrame
    streaks: tuple[Streak, ...]
    cycles: tuple[Cycle, ...]
    cycle_threshold: float
    ranks: tuple[TrailingRank, ...]
    forward: ForwardReturnTable

    @property
    def current_cycle(self) -> Cycle | None:
        """The ongoing leg of the relative line (None when no turning point yet)."""
        return self.cycles[-1] if self.cycles and self.cycles[-1].ongoing else None

    def cycle_rank(self) -> tuple[int, int] | None:
        """Rank of the ongoing leg by length among legs led by the same side.

        Returns ``(rank, n)`` with rank 1 = longest, counting the ongoing leg.
        """
        cur = self.current_cycle
        if cur is None:
            return None
        same = [c for c in self.cycles if c.leader == cur.leader]
        return 1 + sum(c.months > cur.months for c in same), len(same)

    @property
    def current_streak(self) -> Streak | None:
        """The calendar-year run that reaches the last complete year, if any."""
        for s in self.streaks:
            if s.ongoing:
                return s
        return None


# ---------------------------------------------------------------------------
# validation, missing codes, point in time
# ---------------------------------------------------------------------------


def _dti(obj: pd.Series | pd.DataFrame) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(obj.index)


def _month_end_last(prices: pd.Series) -> pd.Series:
    """Last valid value of each calendar month, indexed by the month-end date."""
    p = prices.dropna()
    out = p.groupby(_dti(p).to_period("M")).last()
    out.index = pd.PeriodIndex(out.index).to_timestamp(how="end").normalize()
    return out


def _check_index(obj: pd.Series | pd.DataFrame, name: str) -> None:
    if not isinstance(obj, (pd.Series, pd.DataFrame)):
        raise InputError(f"{name} must be a pandas Series or DataFrame, got {type(obj).__name__}")
    if not isinstance(obj.index, pd.DatetimeIndex):
        raise InputError(f"{name} must have a DatetimeIndex of dates; parse the date column first")
    if obj.index.tz is not None:
        raise InputError(f"{name} has a tz-aware index; use tz-naive dates (tz_localize(None))")
    if not obj.index.is_monotonic_increasing or obj.index.has_duplicates:
        raise InputError(f"{name} dates must be strictly increasing; sort and drop duplicates")


def mask_missing_codes(frame: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Return a float copy with French's missing codes (-99.99, -999) as NaN.

    Parameters
    ----------
    frame : Series or DataFrame, percent
        Returns as published.

    Returns
    -------
    Series or DataFrame
        Same shape, float64, codes replaced by NaN (matched to 1e-9).

    Examples
    --------
    >>> mask_missing_codes(pd.Series([1.5, -99.99, -999])).tolist()
    [1.5, nan, nan]
    """
    out = frame.astype("float64")
    mask = np.zeros(out.shape, dtype=bool)
    values = out.to_numpy()
    for code in MISSING_CODES:
        mask |= np.isclose(values, code, rtol=0.0, atol=1e-9)
    return out.mask(mask)


def publication_cutoff(
    as_of: object, publication_lag_months: int = DEFAULT_PUBLICATION_LAG_MONTHS
) -> pd.Timestamp:
    """Return the last month end whose data is published by ``as_of``.

    Month ``M`` is available at the end of month ``M + publication_lag_months``.

    Examples
    --------
    >>> publication_cutoff("2025-11-15", 2)
    Timestamp('2025-08-31 00:00:00')
    >>> publication_cutoff("2025-11-30", 2)
    Timestamp('2025-09-30 00:00:00')
    """
    if isinstance(publication_lag_months, bool) or not isinstance(publication_lag_months, int):
        raise InputError("publication_lag_months must be a whole number of months, e.g. 2")
    if publication_lag_months < 0:
        raise InputError(f"publication_lag_months={publication_lag_months} must be >= 0")
    try:
        ts = pd.Timestamp(as_of).normalize()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"as_of={as_of!r} is not a date; use YYYY-MM-DD") from None
    month_end = ts + pd.offsets.MonthEnd(0)
    # the month ending on or before as_of, then back by the lag
    last_complete = month_end if month_end == ts else month_end - pd.offsets.MonthEnd(1)
    return pd.Timestamp(last_complete - pd.offsets.MonthEnd(publication_lag_months))


def point_in_time(
    frame: pd.DataFrame | pd.Series,
    as_of: object | None,
    publication_lag_months: int = DEFAULT_PUBLICATION_LAG_MONTHS,
) -> pd.DataFrame | pd.Series:
    """Keep the rows (monthly or daily) published by ``as_of``.

    A row dated in month ``M`` is kept when month ``M + publication_lag_months``
    has ended on or before ``as_of``. ``as_of=None`` keeps everything.
    """
    _check_index(frame, "frame")
    if as_of is None:
        return frame
    cutoff = publication_cutoff(as_of, publication_lag_months)
    return frame.loc[frame.index <= cutoff]


def compound_to_monthly(daily: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Compound daily percent returns into calendar-month percent returns.

    Parameters
    ----------
    daily : Series or DataFrame of shape (n_days, ...), percent

    Returns
    -------
    Series or DataFrame of shape (n_months, ...), percent, month-end dates

    Notes
    -----
    Missing codes are masked first. A month with any missing day is NaN (strict);
    a compounded long-short factor is not French's monthly factor (which is
    rebalanced monthly), so use it to extend, not to replace, the monthly file.
    """
    _check_index(daily, "daily")
    x = mask_missing_codes(daily) / 100.0
    months = _dti(x).to_period("M")
    prod = (1.0 + x).groupby(months).prod(min_count=1)
    has_nan = x.isna().groupby(months).any()
    out = (prod - 1.0).mask(has_nan.to_numpy()) * 100.0
    out.index = pd.PeriodIndex(out.index).to_timestamp(how="end").normalize()
    out.index.name = "date"
    return out


# ---------------------------------------------------------------------------
# relative series
# ---------------------------------------------------------------------------


def _clean_rel(rel: pd.Series, name: str, nan_policy: NanPolicy) -> pd.Series:
    """Trim leading/trailing NaN; raise or drop on interior NaN."""
    _check_index(rel, name)
    first, last = rel.first_valid_index(), rel.last_valid_index()
    if first is None:
        raise InputError(f"{name} has no valid values; check the column and the date window")
    out = rel.loc[first:last]
    if out.isna().any():
        if nan_policy == "raise":
            bad = out.index[out.isna()][0]
            raise InputError(
                f"{name} has {int(out.isna().sum())} missing month(s) inside the window "
                f"(first {bad:%Y-%m}); pass nan_policy='skip' to drop them"
            )
        out = out.dropna()
    return out.astype("float64")


def factor_relative_returns(
    frame: pd.DataFrame,
    column: str = "SMB",
    *,
    dataset: str = "FF3 monthly",
    as_of: object | None = None,
    publication_lag_months: int = DEFAULT_PUBLICATION_LAG_MONTHS,
    nan_policy: NanPolicy = "raise",
) -> RelativeSeries:
    """Relative returns from a long-short factor column (``SMB``), as fractions.

    Parameters
    ----------
    frame : DataFrame of shape (n_months, n_factors), percent
    column : str
        Factor column.
    dataset : str
        Name recorded in the provenance.
    as_of, publication_lag_months
        Point-in-time filter, see :func:`point_in_time`.
    nan_policy : {"raise", "skip"}
        Interior missing months raise by default; ``"skip"`` drops them.
    """
    if not isinstance(frame, pd.DataFrame) or column not in frame.columns:
        raise InputError(f"frame must be a DataFrame with a {column!r} column")
    pit = point_in_time(frame[[column]], as_of, publication_lag_months)
    col = pd.Series(mask_missing_codes(pit[column]))
    rel = _clean_rel(col / 100.0, f"frame[{column!r}]", nan_policy)
    rel.name = column
    prov = Provenance(
        dataset=dataset,
        series=column,
        formula=f"{column} / 100 (long-short factor return)",
        first_date=pd.Timestamp(rel.index[0]),
        last_date=pd.Timestamp(rel.index[-1]),
        as_of=None if as_of is None else pd.Timestamp(as_of),  # type: ignore[arg-type]
        publication_lag_months=publication_lag_months,
    )
    return RelativeSeries(rel, prov)


def portfolio_relative_returns(
    frame: pd.DataFrame,
    small: str = "Lo 10",
    large: str = "Hi 10",
    *,
    dataset: str = "Portfolios formed on ME, value-weighted",
    as_of: object | None = None,
    publication_lag_months: int = DEFAULT_PUBLICATION_LAG_MONTHS,
    nan_policy: NanPolicy = "raise",
) -> RelativeSeries:
    """Relative returns ``(1 + r_small) / (1 + r_large) - 1`` from two portfolio columns.

    Parameters
    ----------
    frame : DataFrame of shape (n_months, n_portfolios), percent
    small, large : str
        Columns, e.g. ``"Lo 10"``/``"Hi 10"`` (deciles) or ``"Lo 20"``/``"Hi 20"``.

    Notes
    -----
    The cumulative line of the result is exactly wealth_small / wealth_large.
    """
    if not isinstance(frame, pd.DataFrame) or small not in frame.columns or large not in frame:
        raise InputError(f"frame must be a DataFrame with {small!r} and {large!r} columns")
    pit = mask_missing_codes(point_in_time(frame[[small, large]], as_of, publication_lag_months))
    rel = (1.0 + pit[small] / 100.0) / (1.0 + pit[large] / 100.0) - 1.0
    rel = _clean_rel(rel, f"frame[[{small!r}, {large!r}]]", nan_policy)
    rel.name = f"{small} / {large}"
    prov = Provenance(
        dataset=dataset,
        series=f"{small} / {large}",
        formula=f"(1 + {small}) / (1 + {large}) - 1",
        first_date=pd.Timestamp(rel.index[0]),
        last_date=pd.Timestamp(rel.index[-1]),
        as_of=None if as_of is None else pd.Timestamp(as_of),  # type: ignore[arg-type]
        publication_lag_months=publication_lag_months,
    )
    return RelativeSeries(rel, prov)


def _rel(rel: pd.Series | RelativeSeries) -> pd.Series:
    out = rel.returns if isinstance(rel, RelativeSeries) else rel
    _check_index(out, "rel")
    return out


def cumulative_growth(rel: pd.Series | RelativeSeries) -> pd.Series:
    """Cumulative relative line ``prod(1 + rel)`` (1.0 = start; plot it on a log scale).

    Examples
    --------
    >>> idx = pd.date_range("2000-01-31", periods=3, freq="ME")
    >>> cumulative_growth(pd.Series([0.1, -0.5, 1.0], index=idx)).round(6).tolist()
    [1.1, 0.55, 1.1]
    """
    r = _rel(rel)
    if r.isna().any():
        raise InputError("rel has missing months; build it with nan_policy='skip' first")
    return (1.0 + r).cumprod().rename("line")


def rolling_spread(rel: pd.Series | RelativeSeries, years: int) -> pd.DataFrame:
    """Trailing ``years``-year relative return at each month.

    Returns
    -------
    DataFrame with columns ``cumulative`` and ``annualised`` (fraction); NaN until
    ``12 * years`` months are available.
    """
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise InputError(f"years={years!r} must be a whole number >= 1")
    line = cumulative_growth(rel)
    n = 12 * years
    lv = np.concatenate([[1.0], line.to_numpy()])  # lv[k] = line after k months
    pos = np.arange(len(line))
    cum_v = np.full(len(line), np.nan)
    ok = pos + 1 - n >= 0
    cum_v[ok] = lv[pos[ok] + 1] / lv[pos[ok] + 1 - n] - 1.0
    cum = pd.Series(cum_v, index=line.index)
    ann = (1.0 + cum) ** (1.0 / years) - 1.0
    return pd.DataFrame({"cumulative": cum, "annualised": ann})


def calendar_years(rel: pd.Series | RelativeSeries) -> pd.DataFrame:
    """Relative return per calendar year and who led.

    Returns
    -------
    DataFrame indexed by year with ``relative`` (fraction), ``months``,
    ``complete`` (12 months) and ``leader`` (``"small"``/``"large"``/``"tie"``).
    """
    r = _rel(rel).dropna()
    g = (1.0 + r).groupby(_dti(r).year)
    out = pd.DataFrame({"relative": g.prod() - 1.0, "months": g.size()})
    out.index.name = "year"
    out["complete"] = out["months"] == 12
    out["leader"] = np.where(
        out["relative"] > 0, "small", np.where(out["relative"] < 0, "large", "tie")
    )
    return out


def leadership_streaks(
    years: pd.DataFrame, leader: Literal["small", "large"] = "large", top: int | None = 5
) -> tuple[Streak, ...]:
    """Longest runs of calendar years led by ``leader`` (complete years only).

    The last run is ``ongoing`` when it reaches the last complete year. Sorted by
    length, then by the size of the cumulative lead, longest first.
    """
    if leader not in ("small", "large"):
        raise InputError(f"leader={leader!r} must be 'small' or 'large'")
    full = years.loc[years["complete"]]
    runs: list[Streak] = []
    start: int | None = None
    prod = 1.0
    yrs = [int(y) for y in full.index]
    for i, y in enumerate(yrs):
        led = full["leader"].iloc[i] == leader
        contiguous = i > 0 and y == yrs[i - 1] + 1
        if led and start is not None and contiguous:
            prod *= 1.0 + float(full["relative"].iloc[i])
        elif led:
            if start is not None:
                runs.append(_streak(leader, start, yrs[i - 1], prod, False))
            start, prod = y, 1.0 + float(full["relative"].iloc[i])
        elif start is not None:
            runs.append(_streak(leader, start, yrs[i - 1], prod, False))
            start = None
    if start is not None:
        runs.append(_streak(leader, start, yrs[-1], prod, True))
    runs.sort(key=lambda s: (-s.years, -abs(s.cumulative), -s.end_year))
    return tuple(runs if top is None else runs[:top])


def _streak(
    leader: Literal["small", "large"], a: int, b: int, prod: float, ongoing: bool
) -> Streak:
    return Streak(leader, a, b, b - a + 1, prod - 1.0, ongoing)


def relative_cycles(line: pd.Series, threshold: float = 0.25) -> tuple[Cycle, ...]:
    """Peak-to-trough and trough-to-peak legs of the relative line (zigzag).

    A turning point is confirmed when the line has moved ``threshold`` (fraction)
    away from its running extreme: a fall of 25% from a peak ends a small-cap leg,
    a rise of 25% from a trough ends a large-cap leg. The last leg runs to the last
    observation and is flagged ``ongoing``. Months are counted between month ends.
    """
    _check_index(line, "line")
    if not 0 < threshold < 1:
        raise InputError(f"threshold={threshold} must be a fraction between 0 and 1, e.g. 0.25")
    x = line.to_numpy(dtype="float64")
    if len(x) < 2 or not np.isfinite(x).all() or (x <= 0).any():
        raise InputError("line must be a positive, finite series with at least 2 points")
    pivots: list[int] = []
    trend = 0
    hi = lo = ext = 0
    for i in range(1, len(x)):
        v = x[i]
        if trend == 0:
            hi = i if v > x[hi] else hi
            lo = i if v < x[lo] else lo
            if v / x[lo] - 1.0 >= threshold:
                pivots, trend, ext = [lo], 1, i
            elif v / x[hi] - 1.0 <= -threshold:
                pivots, trend, ext = [hi], -1, i
        elif trend == 1:
            if v >= x[ext]:
                ext = i
            elif v / x[ext] - 1.0 <= -threshold:
                pivots.append(ext)
                trend, ext = -1, i
        else:
            if v <= x[ext]:
                ext = i
            elif v / x[ext] - 1.0 >= threshold:
                pivots.append(ext)
                trend, ext = 1, i
    if not pivots:
        return ()
    idx = line.index
    bounds = [*pivots, len(x) - 1]
    out: list[Cycle] = []
    for k in range(len(bounds) - 1):
        a, b = bounds[k], bounds[k + 1]
        if a == b:
            continue
        mag = x[b] / x[a] - 1.0
        out.append(
            Cycle(
                leader="small" if mag > 0 else "large",
                start=pd.Timestamp(idx[a]),
                end=pd.Timestamp(idx[b]),
                months=_months_between(idx[a], idx[b]),
                magnitude=float(mag),
                ongoing=k == len(bounds) - 2,
            )
        )
    return tuple(out)


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def trailing_ranks(
    rel: pd.Series | RelativeSeries, years: Sequence[int] = (1, 3, 5, 10)
) -> tuple[TrailingRank, ...]:
    """Rank the latest trailing 1/3/5/10-year spreads among every month in history."""
    out: list[TrailingRank] = []
    for y in years:
        roll = rolling_spread(rel, y)["cumulative"].dropna()
        if roll.empty:
            continue
        last = float(roll.iloc[-1])
        rank = int((roll < last).sum()) + 1
        out.append(
            TrailingRank(
                years=y,
                value=last,
                annualised=(1.0 + last) ** (1.0 / y) - 1.0,
                rank=rank,
                n=len(roll),
                percentile=float((roll <= last).mean()),
                date=pd.Timestamp(roll.index[-1]),
            )
        )
    return tuple(out)


def _bucket_labels(bins: Sequence[float], fmt: str = "pct") -> list[str]:
    """Readable left-closed bucket names: "below -5%", "-5% to +0%", "+5% and above"."""

    def f(v: float) -> str:
        return f"{v * 100:+.0f}%" if fmt == "pct" else f"{v:+g}"

    out = []
    for lo, hi in itertools.pairwise(bins):
        if not math.isfinite(lo):
            out.append(f"below {f(hi)}")
        elif not math.isfinite(hi):
            out.append(f"{f(lo)} and above")
        else:
            out.append(f"{f(lo)} to {f(hi)}")
    return out


def _independent(months: np.ndarray, horizon: int) -> int:
    """Greedy count of non-overlapping windows among month positions."""
    count, next_free = 0, -1
    for m in months:
        if m >= next_free:
            count += 1
            next_free = m + horizon
    return count


def conditional_forward_returns(
    rel: pd.Series | RelativeSeries,
    lookback_months: int = 60,
    horizons_months: Sequence[int] = (12, 36, 60),
    bins: Sequence[float] = (-math.inf, -0.05, 0.0, 0.05, math.inf),
) -> ForwardReturnTable:
    """Forward small-vs-large returns grouped by the trailing annualised spread.

    For every month ``t`` the trailing ``lookback_months`` relative return is
    annualised and put in a bucket (``bins``, fraction per year, left-closed);
    the forward relative return over months ``t+1 .. t+h`` is recorded.

    Notes
    -----
    Overlapping windows inflate ``n_months``; ``n_independent`` counts forward
    windows that do not overlap (greedy, earliest first) and ``n_episodes`` counts
    separate runs of consecutive months in the bucket. Read the averages against
    those counts, not against ``n_months``.
    """
    if lookback_months < 1 or any(h < 1 for h in horizons_months):
        raise InputError("lookback_months and horizons_months must be positive month counts")
    edges = [float(b) for b in bins]
    if len(edges) < 2 or any(b >= c for b, c in itertools.pairwise(edges)):
        raise InputError("bins must be at least two strictly increasing edges")
    prov = rel.provenance if isinstance(rel, RelativeSeries) else None
    line = cumulative_growth(rel)
    lv = np.concatenate([[1.0], line.to_numpy()])  # lv[k] = line after k months
    n = len(line)
    labels = _bucket_labels(edges)
    pos = np.arange(n)
    trailing = np.full(n, np.nan)
    ok = pos + 1 - lookback_months >= 0
    trailing[ok] = (lv[pos[ok] + 1] / lv[pos[ok] + 1 - lookback_months]) ** (
        12.0 / lookback_months
    ) - 1.0
    bucket = pd.cut(pd.Series(trailing), edges, right=False, labels=False)
    rows: list[dict[str, object]] = []
    for b, label in enumerate(labels):
        in_b = (bucket == b).to_numpy()
        for h in horizons_months:
            valid = in_b & (pos + 1 + h <= n)
            t = pos[valid]
            fwd = lv[t + 1 + h] / lv[t + 1] - 1.0
            ann = (1.0 + fwd) ** (12.0 / h) - 1.0
            runs = int(np.sum(np.diff(np.concatenate([[0], in_b.astype(int)])) == 1))
            rows.append(
                {
                    "bucket": label,
                    "horizon_months": h,
                    "n_months": len(t),
                    "n_independent": _independent(t, h),
                    "n_episodes": runs,
                    "mean_ann": float(np.mean(ann)) if len(t) else math.nan,
                    "median_ann": float(np.median(ann)) if len(t) else math.nan,
                    "hit_rate": float(np.mean(fwd > 0)) if len(t) else math.nan,
                    "worst": float(np.min(fwd)) if len(t) else math.nan,
                    "best": float(np.max(fwd)) if len(t) else math.nan,
                }
            )
    last_b = bucket.iloc[-1]
    current = None if pd.isna(last_b) else labels[int(last_b)]
    if prov is None:
        prov = Provenance(
            "caller series",
            str(line.name),
            "relative returns",
            pd.Timestamp(line.index[0]),
            pd.Timestamp(line.index[-1]),
        )
    return ForwardReturnTable(
        table=pd.DataFrame(rows),
        lookback_months=lookback_months,
        horizons_months=tuple(horizons_months),
        bins=tuple(edges),
        current_bucket=current,
        warning=OVERREADING_WARNING,
        provenance=prov,
    )


def etf_tracking(
    factor: pd.Series | RelativeSeries,
    small_prices: pd.Series,
    large_prices: pd.Series,
    *,
    months: int | None = 60,
    proxy: str = "IWM / SPY",
) -> TrackingResult:
    """Compare the factor's monthly relative returns with an ETF pair's.

    Parameters
    ----------
    factor : Series or RelativeSeries, fraction per month (month-end dates)
    small_prices, large_prices : Series of shape (n_days,), total-return closes
        Daily adjusted closes; month-end values are the last close of each month.
    months : int or None
        Use only the last ``months`` common months (None = all).
    proxy : str
        Label recorded in the result.

    Notes
    -----
    Only complete months are used (a month needs the previous month's close).
    The ETF relative return is ``(1 + r_small) / (1 + r_large) - 1``.
    """
    f = _rel(factor).dropna()
    for name, s in (("small_prices", small_prices), ("large_prices", large_prices)):
        _check_index(s, name)
    me_s = _month_end_last(small_prices)
    me_l = _month_end_last(large_prices)
    etf = ((me_s / me_s.shift(1)) / (me_l / me_l.shift(1)) - 1.0).dropna()
    fm = f.copy()
    fm.index = _dti(fm).to_period("M").to_timestamp(how="end").normalize()
    both = pd.concat([fm.rename("factor"), etf.rename("proxy")], axis=1, join="inner").dropna()
    if months is not None:
        both = both.iloc[-months:]
    if len(both) < 3:
        raise InputError("factor and ETF prices share fewer than 3 complete months; widen the data")
    fa, pa = both["factor"].to_numpy(), both["proxy"].to_numpy()
    var = float(np.var(fa, ddof=1))
    return TrackingResult(
        proxy=proxy,
        factor=str(f.name),
        start=pd.Timestamp(both.index[0]),
        end=pd.Timestamp(both.index[-1]),
        n_months=len(both),
        correlation=float(np.corrcoef(fa, pa)[0, 1]),
        beta=float(np.cov(fa, pa, ddof=1)[0, 1] / var) if var > 0 else math.nan,
        tracking_error=float(np.std(pa - fa, ddof=1) * math.sqrt(12.0)),
        factor_cumulative=float(np.prod(1.0 + fa) - 1.0),
        proxy_cumulative=float(np.prod(1.0 + pa) - 1.0),
    )


@dataclass(frozen=True)
class StreakAftermath:
    """What followed runs of at least ``min_years`` calendar years led by one side.

    ``table`` has one row per episode: ``start_year``, ``trigger_year`` (the year
    the run reached ``min_years``), ``run_years`` (its final length, counting
    later years), and ``fwd_{h}y`` = small-minus-large relative return over the
    ``h`` calendar years after the trigger year (fraction; NaN when the data end
    sooner). Each run is one episode, so episodes are independent by
    construction, but there are few of them.
    """

    table: pd.DataFrame
    leader: Literal["small", "large"]
    min_years: int
    horizons_years: tuple[int, ...]
    warning: str


def streak_aftermath(
    rel: pd.Series | RelativeSeries,
    min_years: int = 4,
    leader: Literal["small", "large"] = "large",
    horizons_years: Sequence[int] = (1, 3, 5),
) -> StreakAftermath:
    """After ``min_years`` calendar years running of ``leader`` leadership, what came next.

    One observation per run (at the end of the year the run reached
    ``min_years``), so overlapping windows never count twice. Only complete
    calendar years count towards a run; forward windows need complete years.
    """
    if isinstance(min_years, bool) or not isinstance(min_years, int) or min_years < 1:
        raise InputError(f"min_years={min_years!r} must be a whole number >= 1")
    r = _rel(rel).dropna()
    yrs = calendar_years(r)
    full = yrs.loc[yrs["complete"]]
    growth = dict(
        zip(
            [int(y) for y in full.index.tolist()],
            (1.0 + full["relative"]).tolist(),
            strict=True,
        )
    )
    runs = leadership_streaks(yrs, leader, top=None)
    rows: list[dict[str, object]] = []
    for run in sorted(runs, key=lambda x: x.start_year):
        if run.years < min_years:
            continue
        trigger = run.start_year + min_years - 1
        row: dict[str, object] = {
            "start_year": run.start_year,
            "trigger_year": trigger,
            "run_years": run.years,
            "ongoing": run.ongoing,
        }
        for h in horizons_years:
            ahead = [trigger + k for k in range(1, h + 1)]
            row[f"fwd_{h}y"] = (
                float(np.prod([growth[y] for y in ahead]) - 1.0)
                if all(y in growth for y in ahead)
                else math.nan
            )
        rows.append(row)
    cols = ["start_year", "trigger_year", "run_years", "ongoing"]
    cols += [f"fwd_{h}y" for h in horizons_years]
    return StreakAftermath(
        pd.DataFrame(rows, columns=cols),
        leader,
        min_years,
        tuple(horizons_years),
        f"{len(rows)} episode(s), one per run, so none overlaps; that few episodes are "
        "anecdotes, not a forecast.",
    )


def size_factor_history(
    series: RelativeSeries,
    *,
    since: int | None = None,
    rolling_years: Sequence[int] = (1, 3, 5, 10),
    cycle_threshold: float = 0.25,
    lookback_months: int = 60,
    horizons_months: Sequence[int] = (12, 36, 60),
) -> SizeFactorHistory:
    """Cumulative line, rolling spreads, years, streaks, cycles, ranks and forward table.

    Parameters
    ----------
    series : RelativeSeries
        From :func:`factor_relative_returns` or :func:`portfolio_relative_returns`
        (already point-in-time if built with ``as_of``).
    since : int, optional
        First calendar year of the window (all statistics use only that window).
    """
    r = series.returns
    if since is not None:
        last = pd.Timestamp(r.index[-1])
        r = r.loc[_dti(r).year >= since]
        if r.empty:
            raise InputError(f"since={since} leaves no data; the series ends {last:%Y-%m}")
    prov = Provenance(
        dataset=series.provenance.dataset,
        series=series.provenance.series,
        formula=series.provenance.formula,
        first_date=pd.Timestamp(r.index[0]),
        last_date=pd.Timestamp(r.index[-1]),
        as_of=series.provenance.as_of,
        publication_lag_months=series.provenance.publication_lag_months,
    )
    rs = RelativeSeries(r, prov)
    line = cumulative_growth(rs)
    yrs = calendar_years(rs)
    streaks = leadership_streaks(yrs, "large", top=None) + leadership_streaks(yrs, "small", None)
    return SizeFactorHistory(
        provenance=prov,
        line=line,
        rolling={y: rolling_spread(rs, y) for y in rolling_years},
        years=yrs,
        streaks=tuple(sorted(streaks, key=lambda s: (-s.years, -abs(s.cumulative)))),
        cycles=relative_cycles(line, cycle_threshold) if len(line) > 1 else (),
        cycle_threshold=cycle_threshold,
        ranks=trailing_ranks(rs, rolling_years),
        forward=conditional_forward_returns(rs, lookback_months, horizons_months),
    )
