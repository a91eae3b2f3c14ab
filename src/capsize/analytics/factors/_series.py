"""Relative return series from French data: validation, missing codes, point in time, growth, ETF tracking."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from capsize.analytics.factors._types import (
    DEFAULT_PUBLICATION_LAG_MONTHS,
    MISSING_CODES,
    NanPolicy,
    Provenance,
    RelativeSeries,
    TrackingResult,
)
from capsize.errors import InputError

__all__ = [
    "check_index",
    "compound_to_monthly",
    "cumulative_growth",
    "datetime_index",
    "etf_tracking",
    "factor_relative_returns",
    "mask_missing_codes",
    "point_in_time",
    "portfolio_relative_returns",
    "publication_cutoff",
    "relative_values",
]


# ---------------------------------------------------------------------------
# validation, missing codes, point in time
# ---------------------------------------------------------------------------


def datetime_index(obj: pd.Series | pd.DataFrame) -> pd.DatetimeIndex:
    """Return the index of ``obj`` typed as a DatetimeIndex (callers validated it)."""
    return pd.DatetimeIndex(obj.index)


def _month_end_last(prices: pd.Series) -> pd.Series:
    """Last valid value of each calendar month, indexed by the month-end date."""
    p = prices.dropna()
    out = p.groupby(datetime_index(p).to_period("M")).last()
    out.index = pd.PeriodIndex(out.index).to_timestamp(how="end").normalize()
    return out


def check_index(obj: pd.Series | pd.DataFrame, name: str) -> None:
    """Validate a date-indexed input at the door.

    Raises
    ------
    InputError
        When ``obj`` (the argument ``name``) is not a Series/DataFrame on a tz-naive,
        strictly increasing DatetimeIndex.
    """
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
    check_index(frame, "frame")
    if as_of is None:
        return frame
    cutoff = publication_cutoff(as_of, publication_lag_months)
    return frame.iloc[: int(frame.index.searchsorted(cutoff, side="right"))]


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
    check_index(daily, "daily")
    x = mask_missing_codes(daily) / 100.0
    months = datetime_index(x).to_period("M")
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
    check_index(rel, name)
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


def relative_values(rel: pd.Series | RelativeSeries) -> pd.Series:
    """Return the relative returns (fraction per month) of ``rel``, validated."""
    out = rel.returns if isinstance(rel, RelativeSeries) else rel
    check_index(out, "rel")
    return out


def cumulative_growth(rel: pd.Series | RelativeSeries) -> pd.Series:
    """Cumulative relative line ``prod(1 + rel)`` (1.0 = start; plot it on a log scale).

    Examples
    --------
    >>> idx = pd.date_range("2000-01-31", periods=3, freq="ME")
    >>> cumulative_growth(pd.Series([0.1, -0.5, 1.0], index=idx)).round(6).tolist()
    [1.1, 0.55, 1.1]
    """
    r = relative_values(rel)
    if r.isna().any():
        raise InputError("rel has missing months; build it with nan_policy='skip' first")
    return (1.0 + r).cumprod().rename("line")


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
    f = relative_values(factor).dropna()
    for name, s in (("small_prices", small_prices), ("large_prices", large_prices)):
        check_index(s, name)
    me_s = _month_end_last(small_prices)
    me_l = _month_end_last(large_prices)
    etf = ((me_s / me_s.shift(1)) / (me_l / me_l.shift(1)) - 1.0).dropna()
    fm = f.copy()
    fm.index = datetime_index(fm).to_period("M").to_timestamp(how="end").normalize()
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
