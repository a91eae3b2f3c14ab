"""Moving-average rotation sweeps: every (fast, slow) pair x lag x hold x cost in one pass."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from capsize.backtest._inputs import check_returns_frame
from capsize.backtest.sweep._grid import rotation_sweep
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import DateLike, FloatArray

__all__ = ["ma_signal", "ma_sweep", "relative_strength"]


def relative_strength(returns: pd.DataFrame) -> pd.Series:
    """Return the small/large relative-strength ratio: growth of 1 in each, divided.

    Parameters
    ----------
    returns : DataFrame of shape (n_periods, 2), simple returns
        Small-cap leg first, large-cap leg second.

    Returns
    -------
    Series
        ``cumprod(1 + small) / cumprod(1 + large)``, 1-based, rising when small caps lead.
    """
    r = check_returns_frame(returns)
    growth = (1.0 + r).cumprod()
    return (growth.iloc[:, 0] / growth.iloc[:, 1]).rename("relative_strength")


def ma_signal(price: pd.Series, fast: int, slow: int) -> pd.Series:
    """Return ``rolling_mean(fast) / rolling_mean(slow) - 1`` of a price or ratio.

    Parameters
    ----------
    price : Series
        A price level or a relative-strength ratio (no NaN).
    fast, slow : int
        Window lengths in periods, ``fast < slow``.

    Returns
    -------
    Series
        Positive while the fast average is above the slow one; NaN during warm-up.
    """
    if not 1 <= fast < slow:
        raise InputError(f"fast={fast} and slow={slow} must satisfy 1 <= fast < slow")
    x = price.astype(np.float64)
    return x.rolling(fast).mean() / x.rolling(slow).mean() - 1.0


def _price(returns: pd.DataFrame, price: pd.Series | None) -> FloatArray:
    if price is None:
        return relative_strength(returns).to_numpy()
    values = price.reindex(returns.index).to_numpy(dtype=np.float64)
    if not (np.isfinite(values) & (values > 0)).all():
        raise InputError("price must be positive and given on every date of returns")
    return values


def _pairs(fast: Sequence[int], slow: Sequence[int]) -> list[tuple[int, int]]:
    pairs = [(int(f), int(s)) for f, s in itertools.product(fast, slow) if 1 <= f < s]
    if not pairs:
        raise InputError("no (fast, slow) pair with 1 <= fast < slow; check the windows")
    return pairs


def ma_sweep(
    returns: pd.DataFrame,
    *,
    fast: Sequence[int],
    slow: Sequence[int],
    price: pd.Series | None = None,
    threshold: float = 0.0,
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
    trade_start: DateLike | None = None,
) -> pd.DataFrame:
    """Run a moving-average rotation for every configuration of a grid, in one pass.

    Each configuration is :func:`capsize.backtest.rotation` with the signal
    :func:`ma_signal` ``(price, fast, slow)``: small caps while the fast average is above
    the slow one (by more than ``threshold``), else large caps or cash.

    Parameters
    ----------
    returns : DataFrame of shape (n_periods, 2), simple returns
        Small-cap leg first, large-cap leg second; no NaN.
    fast, slow : sequence of int
        Window lengths (periods); every pair with ``fast < slow`` is run.
    price : Series, optional
        The series the averages follow (e.g. the small-cap close). Default: the
        small/large relative-strength ratio (:func:`relative_strength`).
    threshold, below, slippage_bps, spread_bps, cash, periods_per_year
        As in :func:`capsize.backtest.rotation`.
    lag, hold : int or sequence of int, default 1
        Grid axes (each value >= 1).
    cost_bps : float or sequence of float, default 0.0
        Grid axis of commissions, bps per one-way trade.
    rf : float or Series, optional
        Risk-free return per period for Sharpe and Sortino; default 0.
    start, end : date-like, optional
        Statistics cover ``start .. end`` (inclusive); positions still evolve from the
        first period, so warm-up and state are those of a run over the whole history.
    trade_start : date-like, optional
        First period of the runs (default: the first of ``returns``): the averages use
        the periods before it, the positions start there holding the ``below`` leg, as
        :func:`capsize.backtest.rotation` on ``returns.loc[trade_start:]`` with a signal
        computed over the whole history.

    Returns
    -------
    DataFrame
        One row per configuration: ``fast, slow, lag, hold, cost_bps`` then the
        statistics of :data:`capsize.backtest.STAT_NAMES`. ``attrs`` holds
        ``n_configs`` and ``backend`` (``"aot"``, ``"numba"`` or ``"numpy"`` for the
        kernels, ``"vectorized"`` for the numpy block path, or both joined by ``+``).

    Notes
    -----
    Memory is ``O(n_windows x n_periods + n_configs)``: one moving average per distinct
    window, one accumulator row per configuration, never a configuration x period matrix.
    """
    r = check_returns_frame(returns)
    pairs = _pairs(fast, slow)
    windows = sorted({w for p in pairs for w in p})
    row = {w: i for i, w in enumerate(windows)}
    px = pd.Series(_price(r, price))
    ma = np.array([px.rolling(w).mean().to_numpy() for w in windows])
    if trade_start is not None:
        t0 = int(r.index.searchsorted(pd.Timestamp(trade_start), side="left"))
        r, ma = r.iloc[t0:], ma[:, t0:]
    ma = np.ascontiguousarray(ma)
    signals = np.array([(row[f], row[s], float(threshold)) for f, s in pairs])
    return rotation_sweep(
        r, ma, signals, pd.DataFrame(pairs, columns=["fast", "slow"]),
        lag=lag, hold=hold, cost_bps=cost_bps, below=below, cash=cash,
        slippage_bps=slippage_bps, spread_bps=spread_bps, rf=rf, start=start, end=end,
        periods_per_year=periods_per_year,
    )  # fmt: skip
