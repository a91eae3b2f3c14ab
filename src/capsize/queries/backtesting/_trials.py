"""How many strategies a grid really tried: identical configurations count once.

Configurations that yield the same net return series (a 0 % sleeve under every
rebalancing rule, a band wider than any drift, thresholds equal after clipping) are one
strategy tried, not several. The multiple-testing figures of
:func:`~capsize.queries.backtesting.backtest_grid` (the deflated Sharpe ratio, White's
reality check, Hansen's SPA test) count **distinct strategies**; the grid still reports
every configuration.

How duplicates are found (exact, no tolerance; :func:`capsize.backtest.distinct_trials`):

* when the grid's return series are computed (the reality check runs: grids of at most
  :data:`~capsize.queries.backtesting.REALITY_MAX_CONFIGS` configurations), two
  configurations are one strategy when their net returns over the statistics' window are
  equal bit for bit;
* otherwise, when every statistic of the grid frame (:data:`capsize.backtest.STAT_NAMES`,
  13 of them) is equal bit for bit. Identical series always give identical statistics
  (the kernels compute each configuration alike), so no duplicate is missed; two
  different series would have to agree in all 13 statistics to be merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from capsize import backtest as bt

if TYPE_CHECKING:
    import pandas as pd

    from capsize._typing import FloatArray

__all__ = ["BY_RETURNS", "BY_STATS", "Trials", "count_trials"]

BY_RETURNS = "configurations with bit-for-bit equal net return series over the window count once"
"""How duplicates are found when the return series are computed."""

BY_STATS = (
    "configurations with bit-for-bit equal statistics (all 13 of the grid frame) count once; "
    "the return series are not kept for this grid"
)
"""How duplicates are found from the grid frame alone."""


@dataclass(frozen=True)
class Trials:
    """The distinct strategies of a grid.

    Attributes
    ----------
    ids : ndarray of int64, shape (n_configs,)
        The distinct strategy of each configuration (0, 1, ... in order of first appearance).
    method : str
        How duplicates were found (:data:`BY_RETURNS` or :data:`BY_STATS`).
    """

    ids: np.ndarray
    method: str

    @property
    def n_configs(self) -> int:
        """Configurations in the grid."""
        return len(self.ids)

    @property
    def n_distinct(self) -> int:
        """Distinct strategies among them."""
        return int(self.ids.max()) + 1 if len(self.ids) else 0

    @property
    def first(self) -> np.ndarray:
        """Position of the first configuration of each distinct strategy, in order."""
        _, pos = np.unique(self.ids, return_index=True)
        return np.asarray(pos, dtype=np.int64)


def count_trials(frame: pd.DataFrame, returns: FloatArray | None = None) -> Trials:
    """Return the distinct strategies of a grid frame (one row per configuration).

    Parameters
    ----------
    frame : DataFrame
        The grid: one row per configuration with every column of
        :data:`capsize.backtest.STAT_NAMES`.
    returns : ndarray of shape (n_periods, n_configs), optional
        The configurations' net returns over the statistics' window, in the frame's
        order; when given, duplicates are found on them (else on the statistics).
    """
    if returns is not None:
        return Trials(bt.distinct_trials(returns), BY_RETURNS)
    values = frame[list(bt.STAT_NAMES)].to_numpy(dtype=np.float64)
    return Trials(bt.distinct_trials(values.T), BY_STATS)
