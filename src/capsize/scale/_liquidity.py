"""Liquidity and cross-sectional return percentiles over ticker partitions.

Liquidity's figures are per ticker, so each partition runs
:func:`capsize.analytics.liquidity.liquidity_columns` on its tickers and the rows are
concatenated in ticker order; the summary (totals, the median ADV $, tier counts, the
year-over-year aggregate) is computed once from the gathered rows by
:func:`~capsize.analytics.liquidity.liquidity_result`, as in the single process. The
result is equal to the single process (the per-ticker window sums may differ in the
last bit where a one-column partition sums in another order: 1e-12).

Percentiles are not sums: each partition computes its returns (the panel kernels) and
returns them; the days' values are gathered side by side
(:func:`~capsize.analytics.percentiles.gather_rows`) and the percentiles selected from
them (:func:`~capsize.analytics.percentiles.row_percentiles`, linear per day), so they
equal the single process bit for bit. The price of exactness: the combine moves every
value (n_days x n_tickers floats) to the client, where the breadth sums move n_days rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize.analytics import engine as E
from capsize.analytics import liquidity as L
from capsize.analytics import percentiles as P
from capsize.scale._partition import split_panel, ticker_blocks
from capsize.scale._runner import Runner, as_runner

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from capsize._typing import DateLike
    from capsize.rules.dollar_volume import VolumeUnit
    from capsize.universe import Universe

__all__ = [
    "LiquidityTask",
    "PercentileTask",
    "liquidity_partition",
    "partitioned_liquidity",
    "partitioned_return_percentiles",
    "percentile_partition",
]


@dataclass(frozen=True)
class LiquidityTask:
    """One partition's liquidity work.

    Attributes
    ----------
    closes : Panel of shape (n_days, n_part), adjusted closes, USD
    volume : ndarray of the same shape, in each ticker's unit
    units : tuple of {"shares", "usd", "none"}
    window, yoy_window : int
        Trading days (``window`` already capped at the panel's length).
    min_coverage : float
        Fraction of a window's days needing a dollar volume.
    """

    closes: E.Panel
    volume: np.ndarray
    units: tuple[VolumeUnit, ...]
    window: int
    yoy_window: int
    min_coverage: float


def liquidity_partition(task: LiquidityTask) -> pd.DataFrame:
    """Return the per-ticker liquidity rows of one partition (runs on a worker)."""
    return L.liquidity_columns(
        task.closes,
        task.volume,
        task.units,
        window=task.window,
        yoy_window=task.yoy_window,
        min_coverage=task.min_coverage,
    )


def partitioned_liquidity(
    closes: E.Panel | pd.DataFrame,
    volume: E.Panel | pd.DataFrame,
    *,
    window: int = 63,
    yoy_window: int = 252,
    min_coverage: float = 0.9,
    as_of: DateLike | None = None,
    shares_outstanding: pd.Series | None = None,
    volume_units: Mapping[str, VolumeUnit] | None = None,
    universe: Universe | None = None,
    partitions: int = 1,
    runner: Runner | Any | None = None,
) -> L.LiquidityResult:
    """Compute :func:`~capsize.analytics.liquidity.liquidity` over ticker partitions.

    Parameters
    ----------
    closes, volume, window, yoy_window, min_coverage, as_of, shares_outstanding, \
volume_units, universe
        As for :func:`~capsize.analytics.liquidity.liquidity`.
    partitions : int
        Number of ticker partitions (contiguous blocks of the panel's tickers).
    runner : Runner or distributed.Client, optional
        Where the partitions run (default: in this process, one after the other).

    Returns
    -------
    LiquidityResult
        Equal to the single-process result (floats within 1e-12, see the module notes).
    """
    L.check_params(window, yoy_window, min_coverage)
    cp, vol, units = L.liquidity_inputs(
        closes, volume, as_of=as_of, volume_units=volume_units, universe=universe
    )
    w = min(window, cp.shape[0])
    tasks = [
        LiquidityTask(part, np.ascontiguousarray(vol[:, sl]), tuple(units[sl]), w,
                      int(yoy_window), float(min_coverage))
        for part, sl in zip(split_panel(cp, partitions), ticker_blocks(cp.shape[1], partitions),
                            strict=True)
    ]  # fmt: skip
    rows = pd.concat(as_runner(runner).map(liquidity_partition, tasks))
    return L.liquidity_result(
        rows,
        cp.dates,
        window=w,
        yoy_window=yoy_window,
        min_coverage=min_coverage,
        shares_outstanding=shares_outstanding,
        universe=universe,
    )


@dataclass(frozen=True)
class PercentileTask:
    """One partition's closes and the return horizon (trading days)."""

    closes: E.Panel
    periods: int


def percentile_partition(task: PercentileTask) -> np.ndarray:
    """Return the partition's simple returns over ``periods`` rows (runs on a worker)."""
    return np.asarray(E.returns(task.closes.values, task.periods), dtype=np.float64)


def partitioned_return_percentiles(
    closes: E.Panel | pd.DataFrame,
    q: Sequence[float] = P.DEFAULT_PERCENTILES,
    *,
    periods: int = 1,
    partitions: int = 1,
    runner: Runner | Any | None = None,
) -> pd.DataFrame:
    """Compute :func:`~capsize.analytics.percentiles.return_percentiles` over ticker partitions.

    Parameters
    ----------
    closes, q, periods
        As for :func:`~capsize.analytics.percentiles.return_percentiles`.
    partitions, runner
        As for :func:`partitioned_liquidity`.

    Returns
    -------
    DataFrame indexed by date
        Equal bit for bit to the single-process percentiles (the days' values gathered).
    """
    panel = E.as_panel(closes, "closes")
    qs = P.check_percentiles(q)
    tasks = [PercentileTask(p, int(periods)) for p in split_panel(panel, partitions)]
    values = P.gather_rows(as_runner(runner).map(percentile_partition, tasks))
    return P.percentile_frame(P.row_percentiles(values, qs), panel.dates, qs)
