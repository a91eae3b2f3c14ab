"""Input checks and the aligned spread/yield-change frame shared by the rates analyses."""

from __future__ import annotations

from typing import Literal, TypeAlias

import pandas as pd

from capsize.errors import InputError

__all__ = [
    "PERIOD_RULE",
    "Frequency",
    "as_price_series",
    "as_yields",
    "check_frequency",
    "spread_and_yield_changes",
]

Frequency: TypeAlias = Literal["D", "W", "M"]

PERIOD_RULE: dict[str, str] = {"W": "W-FRI", "M": "ME"}
"""pandas resample rule of each sampling frequency (weeks end on Friday)."""


def as_price_series(values: pd.Series, name: str) -> pd.Series:
    """Validate closing prices: a date-indexed Series of positive numbers, sorted.

    Raises
    ------
    InputError
        Not a Series, not date-indexed, or with a non-positive price.
    """
    if not isinstance(values, pd.Series):
        raise InputError(f"{name} must be a pandas Series of prices indexed by date")
    if not isinstance(values.index, pd.DatetimeIndex):
        raise InputError(f"{name} must have a DatetimeIndex; got {type(values.index).__name__}")
    out = pd.to_numeric(values, errors="coerce").astype("float64").dropna()
    if (out <= 0).any():
        raise InputError(f"{name} has non-positive prices; pass closing prices, not returns")
    return out.sort_index()


def as_yields(yields: pd.DataFrame | pd.Series, name: str = "yields") -> pd.DataFrame:
    """Validate yield levels (percent): one date-indexed column per series, sorted.

    Raises
    ------
    InputError
        Not a frame with at least one column, or not date-indexed.
    """
    frame = yields.to_frame() if isinstance(yields, pd.Series) else yields
    if not isinstance(frame, pd.DataFrame) or frame.shape[1] == 0:
        raise InputError(f"{name} must be a DataFrame with one column per yield series (percent)")
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise InputError(f"{name} must have a DatetimeIndex")
    out: pd.DataFrame = frame.apply(pd.to_numeric, errors="coerce").astype("float64")
    return out.sort_index()


def check_frequency(frequency: str) -> Frequency:
    """Return ``frequency`` when it is ``"D"``, ``"W"`` or ``"M"``.

    Raises
    ------
    InputError
        Any other value.
    """
    if frequency not in ("D", "W", "M"):
        raise InputError(f"frequency={frequency!r} is not one of 'D', 'W', 'M'")
    return frequency  # type: ignore[return-value]


def _periodic(parts: list[pd.Series], freq: str) -> tuple[pd.DataFrame, bool]:
    """Last value of each period of every part, labelled by the period's last date used.

    A period's label is its calendar end (Friday, month end) unless the data stop inside
    it: then the label is the last date observed, so no label is after the data.
    Returns the frame and whether its last period is partial (the data end before the
    period's last business day).
    """
    rule = PERIOD_RULE[freq]
    joined = pd.concat([p.resample(rule).last() for p in parts], axis=1, sort=True).dropna()
    if joined.empty:
        return joined, False
    data_end = max(pd.Timestamp(p.index[-1]) for p in parts if len(p))
    last_label = pd.Timestamp(joined.index[-1])
    business_end = (
        pd.offsets.BMonthEnd().rollforward(last_label.replace(day=1)) if freq == "M" else last_label
    )
    partial = bool(data_end < business_end)
    if last_label > data_end:
        joined.index = joined.index[:-1].append(pd.DatetimeIndex([data_end]))
    return joined, partial


def spread_and_yield_changes(
    small: pd.Series,
    large: pd.Series,
    yields: pd.DataFrame,
    *,
    frequency: Frequency = "M",
) -> pd.DataFrame:
    """Align the small-minus-large return spread with yield changes.

    Parameters
    ----------
    small, large : Series of shape (n_days,)
        Closing prices (total-return adjusted for ETFs) of the small and large
        leg, indexed by date.
    yields : DataFrame of shape (n_days, n_series), percent
        One column per yield series (e.g. ``DGS2``, ``DGS10``).
    frequency : {"D", "W", "M"}
        ``"D"``: consecutive days on which both prices and every yield exist;
        ``"W"``/``"M"``: last observation of each week (Friday) / month.

    Returns
    -------
    DataFrame
        Columns ``small``, ``large`` (simple returns, fractions), ``spread``
        (``small - large``) and ``d_<series>`` (yield change, percentage points),
        indexed by period end; rows with any missing value dropped.
        ``attrs["partial_last"]`` is True when the last week or month is incomplete.

    Notes
    -----
    NaN policy: prices and yields are first reduced to the dates (``"D"``) or
    period ends (``"W"``, ``"M"``) where each is observed; returns and changes
    are taken between consecutive rows, so a holiday in one series never
    pairs a two-day return with a one-day yield change.

    Period labels: a week or month is labelled by its calendar end, except the last one
    when the data stop inside it: that one is labelled by the last date observed (a
    month "2026-08" with data to 2026-08-21 is dated 2026-08-21, never 2026-08-31).
    """
    freq = check_frequency(frequency)
    s = as_price_series(small, "small")
    lg = as_price_series(large, "large")
    y = as_yields(yields)
    partial = False
    if freq == "D":
        joined = pd.concat(
            [s.rename("small"), lg.rename("large"), y], axis=1, join="inner", sort=True
        ).dropna()
    else:
        parts = [s.rename("small"), lg.rename("large")] + [y[c].dropna() for c in y.columns]
        joined, partial = _periodic(parts, freq)
    out = pd.DataFrame(index=joined.index)
    out["small"] = joined["small"].pct_change()
    out["large"] = joined["large"].pct_change()
    out["spread"] = out["small"] - out["large"]
    for c in y.columns:
        out[f"d_{c}"] = joined[c].diff()
    out = out.dropna()
    out.index.name = "date"
    out.attrs["partial_last"] = partial and len(out) > 0
    return out
