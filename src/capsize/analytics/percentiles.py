"""Cross-sectional percentiles of a panel, per day, from values that gather exactly.

A percentile is not a sum: the partial results of ticker partitions cannot be added.
The exact combine used here gathers each partition's values of a day (the partitions
compute them, e.g. returns, with the panel kernels), puts the day's cross-section back
together and selects the order statistics the percentiles need (``np.partition``,
linear in the number of tickers, so no full sort). A day's gathered values are the same
numbers as the whole panel's row, so the percentiles are equal bit for bit however the
tickers were split (a sketch such as a t-digest would move less data but give
approximate figures).

:func:`gather_rows`
    Put the per-partition values of the same days back side by side.
:func:`row_percentiles`
    Percentiles (numpy's ``"linear"`` method) of each day's values, NaN skipped.
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
    "gather_rows",
    "percentile_frame",
    "return_percentiles",
    "row_percentiles",
]

DEFAULT_PERCENTILES: tuple[float, ...] = (10.0, 25.0, 50.0, 75.0, 90.0)
"""Percentiles shown by default, in percent."""


def check_percentiles(q: Sequence[float]) -> tuple[float, ...]:
    """Return ``q`` as floats; raise :class:`InputError` unless each is within 0..100."""
    out = tuple(float(x) for x in q)
    if not out or any(not 0.0 <= x <= 100.0 for x in out):
        raise InputError(f"percentiles={q!r} must be numbers from 0 to 100, e.g. (25, 50, 75)")
    return out


def gather_rows(parts: Sequence[np.ndarray]) -> np.ndarray:
    """Put per-partition values of the same days side by side (shape (n_days, sum of widths)).

    Raises
    ------
    InputError
        When there is no part or the parts have different numbers of days.
    """
    if not parts:
        raise InputError("no partition values to gather; pass at least one partition")
    if len({p.shape[0] for p in parts}) != 1:
        raise InputError("partition values differ in days; split one panel")
    return np.concatenate([np.asarray(p, dtype=np.float64) for p in parts], axis=1)


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Numpy's interpolation between order statistics: from the nearer end, exact at both."""
    diff = b - a
    val = np.where(t >= 0.5, b - diff * (1.0 - t), a + diff * t)
    return np.where(a == b, a, val)


def row_percentiles(values: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Percentiles of each row of ``values``, NaN skipped, by selecting order statistics.

    Parameters
    ----------
    values : ndarray of shape (n_days, n_values)
        One day per row (a panel's values, or :func:`gather_rows` of its partitions).
    q : sequence of float
        Percentiles, 0 to 100.

    Returns
    -------
    ndarray of shape (n_days, len(q))
        Equal to ``np.nanpercentile(values, q, axis=1).T`` (``"linear"`` method, the
        same interpolation); NaN on a day without any value.
    """
    frac = np.asarray(check_percentiles(q)) / 100.0
    out = np.full((values.shape[0], frac.size), np.nan)
    for i, row in enumerate(np.asarray(values, dtype=np.float64)):
        v = row[~np.isnan(row)]
        if v.size == 0:
            continue
        h = (v.size - 1) * frac
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, v.size - 1)
        picked = np.partition(v, np.unique(np.concatenate([lo, hi])))
        out[i] = _lerp(picked[lo], picked[hi], h - lo)
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
    values = row_percentiles(E.returns(panel.values, periods), qs)
    return percentile_frame(values, panel.dates, qs)


def percentile_frame(
    values: np.ndarray, dates: pd.DatetimeIndex, q: Sequence[float]
) -> pd.DataFrame:
    """Label the output of :func:`row_percentiles`: columns ``p<q>``, rows ``dates``."""
    cols = [f"p{x:g}" for x in q]
    return pd.DataFrame(values, index=pd.DatetimeIndex(dates, name="date"), columns=cols)
