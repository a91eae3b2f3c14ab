"""Cross-sectional percentiles of a panel, per day, from sorted values that merge exactly.

A percentile is not a sum: the partial results of ticker partitions cannot be added.
The exact combine used here gathers each partition's values of a day, sorted, merges
them into the day's sorted cross-section and reads the percentile from it. The merged
row holds the same numbers as the row of the whole panel sorted at once, so the
percentiles are equal bit for bit however the tickers were split (a sketch such as a
t-digest would move less data but give approximate figures).

:func:`sorted_rows`
    Each day's values sorted ascending, NaN last (run per partition).
:func:`merge_sorted_rows`
    Merge the sorted rows of several partitions (same days) into one.
:func:`percentiles_of_sorted`
    Percentiles (numpy's ``"linear"`` method) of each sorted row, NaN skipped.
:func:`return_percentiles`
    Percentiles across tickers of the daily simple returns of a closes panel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics import engine as E
from capsize.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "DEFAULT_PERCENTILES",
    "check_percentiles",
    "merge_sorted_rows",
    "percentile_frame",
    "percentiles_of_sorted",
    "return_percentiles",
    "sorted_rows",
]

DEFAULT_PERCENTILES: tuple[float, ...] = (10.0, 25.0, 50.0, 75.0, 90.0)
"""Percentiles shown by default, in percent."""


def check_percentiles(q: Sequence[float]) -> tuple[float, ...]:
    """Return ``q`` as floats; raise :class:`InputError` unless each is within 0..100."""
    out = tuple(float(x) for x in q)
    if not out or any(not 0.0 <= x <= 100.0 for x in out):
        raise InputError(f"percentiles={q!r} must be numbers from 0 to 100, e.g. (25, 50, 75)")
    return out


def sorted_rows(values: np.ndarray) -> np.ndarray:
    """Return each row of ``values`` (shape (n_days, n_tickers)) sorted ascending, NaN last."""
    return np.sort(np.asarray(values, dtype=np.float64), axis=1)


def merge_sorted_rows(parts: Sequence[np.ndarray]) -> np.ndarray:
    """Merge row-sorted arrays of the same days into one row-sorted array (exact).

    The rows are concatenated and sorted again with a merging sort (``kind="stable"``,
    which finds the sorted runs), so each merged row is the sorted union of the rows.

    Raises
    ------
    InputError
        When there is no part or the parts have different numbers of days.
    """
    if not parts:
        raise InputError("no partition values to merge; pass at least one partition")
    if len({p.shape[0] for p in parts}) != 1:
        raise InputError("partition values differ in days; split one panel")
    return np.sort(np.concatenate(parts, axis=1), axis=1, kind="stable")


def percentiles_of_sorted(rows: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Percentiles of each row of a row-sorted array (NaN last), NaN values skipped.

    Parameters
    ----------
    rows : ndarray of shape (n_days, n_values)
        Output of :func:`sorted_rows` or :func:`merge_sorted_rows`.
    q : sequence of float
        Percentiles, 0 to 100.

    Returns
    -------
    ndarray of shape (n_days, len(q))
        Equal to ``np.nanpercentile(rows, q, axis=1).T`` (``"linear"`` method, the same
        interpolation formula); NaN on a day without any value.
    """
    qs = check_percentiles(q)
    n = (~np.isnan(rows)).sum(axis=1)
    out = np.full((rows.shape[0], len(qs)), np.nan)
    days = np.flatnonzero(n > 0)
    last = n[days] - 1
    for j, pct in enumerate(qs):
        h = last * (pct / 100.0)
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, last)
        t = h - lo
        a, b = rows[days, lo], rows[days, hi]
        diff = b - a
        val = a + diff * t  # numpy's _lerp: from the nearer end, exact at both ends
        val = np.where(t >= 0.5, b - diff * (1.0 - t), val)
        out[days, j] = np.where(a == b, a, val)
    return out


def return_percentiles(
    closes: E.Panel | pd.DataFrame,
    q: Sequence[float] = DEFAULT_PERCENTILES,
    *,
    periods: int = 1,
) -> pd.DataFrame:
    """Per day, percentiles across tickers of their simple returns over ``periods`` rows.

    Parameters
    ----------
    closes : Panel or DataFrame of shape (n_days, n_tickers), adjusted closes
    q : sequence of float
        Percentiles, 0 to 100 (default 10, 25, 50, 75, 90).
    periods : int
        Return horizon, trading days.

    Returns
    -------
    DataFrame indexed by date
        One column per percentile (``p10``, ``p25``, ...), fractions; NaN on a day
        without any return. Tickers without a return that day are skipped.
    """
    panel = E.as_panel(closes, "closes")
    qs = check_percentiles(q)
    rows = sorted_rows(E.returns(panel.values, periods))
    return percentile_frame(percentiles_of_sorted(rows, qs), panel.dates, qs)


def percentile_frame(
    values: np.ndarray, dates: pd.DatetimeIndex, q: Sequence[float]
) -> pd.DataFrame:
    """Label the output of :func:`percentiles_of_sorted`: columns ``p<q>``, rows ``dates``."""
    cols = [f"p{x:g}" for x in q]
    return pd.DataFrame(values, index=pd.DatetimeIndex(dates, name="date"), columns=cols)
