"""Threshold sweeps of a rotation on any signal: threshold x lag x hold x cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from capsize.backtest._inputs import align_signal, check_returns_frame
from capsize.backtest.sweep._grid import rotation_sweep
from capsize.backtest.sweep._window import as_list
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import DateLike

__all__ = ["signal_sweep"]


def signal_sweep(
    returns: pd.DataFrame,
    signal: pd.Series,
    *,
    thresholds: float | Sequence[float] = 0.0,
    below: Literal["large", "cash"] = "large",
    lag: int | Sequence[int] = 1,
    hold: int | Sequence[int] = 1,
    cost_bps: float | Sequence[float] = 0.0,
    slippage_bps: float = 0.0,
    spread_bps: float | Mapping[str, float] = 0.0,
    cash: pd.Series | None = None,
    rf: float | pd.Series | None = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
    periods_per_year: float | None = None,
) -> pd.DataFrame:
    """Run :func:`capsize.backtest.rotation` on one signal for every grid configuration.

    Parameters
    ----------
    returns : DataFrame of shape (n_periods, 2), simple returns
        Small-cap leg first, large-cap leg second; no NaN.
    signal : Series indexed by date
        Known at each date's close (aligned as in :func:`capsize.backtest.rotation`).
    thresholds : float or sequence of float, default 0.0
        Small caps while ``signal > threshold``.
    below, slippage_bps, spread_bps, cash, periods_per_year
        As in :func:`capsize.backtest.rotation`.
    lag, hold : int or sequence of int, default 1
        Grid axes (each value >= 1).
    cost_bps : float or sequence of float, default 0.0
        Grid axis of commissions, bps per one-way trade.
    rf : float or Series, optional
        Risk-free return per period for Sharpe and Sortino; default 0.
    start, end : date-like, optional
        Statistics window (inclusive); positions evolve from the first period.

    Returns
    -------
    DataFrame
        One row per configuration: ``threshold, lag, hold, cost_bps`` then
        :data:`capsize.backtest.STAT_NAMES`; ``attrs``: ``n_configs``, ``backend``.
    """
    r = check_returns_frame(returns)
    values = [float(v) for v in as_list(thresholds, "thresholds")]  # type: ignore[arg-type]
    if not all(np.isfinite(values)):
        raise InputError("thresholds must be finite numbers")
    rows = np.ascontiguousarray(align_signal(signal, r.index)[None, :])
    signals = np.array([(0, -1, th) for th in values])
    return rotation_sweep(
        r, rows, signals, pd.DataFrame({"threshold": values}),
        lag=lag, hold=hold, cost_bps=cost_bps, below=below, cash=cash,
        slippage_bps=slippage_bps, spread_bps=spread_bps, rf=rf, start=start, end=end,
        periods_per_year=periods_per_year,
    )  # fmt: skip
