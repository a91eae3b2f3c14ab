"""Result types of the backtest engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize.backtest._inputs import infer_periods_per_year

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = ["BacktestRun", "DcaResult", "build_run"]


@dataclass(frozen=True, eq=False)
class BacktestRun:
    """One strategy run: net returns, equity, weights and trades.

    Attributes
    ----------
    returns : Series of shape (n_periods,), fraction per period
        Net simple return of each period (after costs paid at that period's close).
    equity : Series of shape (n_periods,), growth of 1
        Portfolio value after each close, starting from 1 before the first period.
    weights : DataFrame of shape (n_periods, n_legs), fraction
        Weight of each leg after each close (after any trade at that close).
    trades : DataFrame
        One row per close with a trade: ``date``, ``turnover`` (sum of ``|Δw|`` over
        legs, fraction of the portfolio) and ``cost`` (fraction of the portfolio paid).
    params : mapping
        The parameters of the run, for provenance.
    periods_per_year : float
        252 for daily sessions, 12 for months, ... (given or inferred).
    initial_weights : Series of length n_legs
        Weights held during the first period (set before it, at no cost).
    """

    returns: pd.Series
    equity: pd.Series
    weights: pd.DataFrame
    trades: pd.DataFrame
    params: Mapping[str, Any]
    periods_per_year: float
    initial_weights: pd.Series = field(repr=False)

    @property
    def held_weights(self) -> pd.DataFrame:
        """Weights held during each period (the weights after the previous close)."""
        held = self.weights.shift(1)
        held.iloc[0] = self.initial_weights.reindex(self.weights.columns).to_numpy()
        return held

    @property
    def drawdown(self) -> pd.Series:
        """Drawdown after each close: ``equity / running peak - 1`` (the peak starts at 1)."""
        peak = np.maximum.accumulate(np.maximum(self.equity.to_numpy(), 1.0))
        return pd.Series(
            self.equity.to_numpy() / peak - 1.0, index=self.equity.index, name="drawdown"
        )

    @property
    def turnover(self) -> pd.Series:
        """Turnover (sum of ``|Δw|``) at each close, zero on closes without a trade."""
        t = pd.Series(0.0, index=self.returns.index, name="turnover")
        if len(self.trades):
            t.loc[pd.DatetimeIndex(self.trades["date"])] = self.trades["turnover"].to_numpy()
        return t


@dataclass(frozen=True, eq=False)
class DcaResult:
    """Dollar-cost averaging against a lump sum of the same money.

    Attributes
    ----------
    dca : Series, growth of 1
        Value of the averaging portfolio (invested part plus cash waiting) after each close.
    lump_sum : Series, growth of 1
        Value of the lump sum invested at the first close.
    final_dca, final_lump_sum : float
        Final values, growth of 1.
    advantage : float
        ``final_dca / final_lump_sum - 1``: positive when averaging ended ahead.
    params : mapping
        The parameters of the run.
    """

    dca: pd.Series
    lump_sum: pd.Series
    final_dca: float
    final_lump_sum: float
    advantage: float
    params: Mapping[str, Any]


def build_run(
    net: FloatArray,
    weights: pd.DataFrame,
    turnover: FloatArray,
    cost: FloatArray,
    params: Mapping[str, object],
    periods_per_year: float | None,
    initial: FloatArray | None = None,
) -> BacktestRun:
    """Assemble a :class:`BacktestRun` from per-period arrays (shared by the strategies)."""
    index = weights.index
    traded = turnover > 0
    trades = pd.DataFrame(
        {"date": index[traded], "turnover": turnover[traded], "cost": cost[traded]}
    )
    init = np.zeros(weights.shape[1]) if initial is None else initial
    if initial is None:
        init[-1] = 1.0  # strategies start in their last (defensive) column
    ppy = infer_periods_per_year(index) if periods_per_year is None else float(periods_per_year)
    return BacktestRun(
        returns=pd.Series(net, index=index, name="return"),
        equity=pd.Series(np.cumprod(1.0 + net), index=index, name="equity"),
        weights=weights,
        trades=trades,
        params=dict(params),
        periods_per_year=ppy,
        initial_weights=pd.Series(init, index=weights.columns),
    )
