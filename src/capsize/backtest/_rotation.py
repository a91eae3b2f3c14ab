"""Rotation between a small-cap and a large-cap leg (or cash) on a signal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from capsize.backtest._costs import leg_rate, spread_of
from capsize.backtest._inputs import (
    align_signal,
    cash_returns,
    check_lag,
    check_returns_frame,
)
from capsize.backtest._result import BacktestRun, build_run
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = ["positions", "rotation"]

Below = Literal["large", "cash"]


def positions(desired: FloatArray, *, lag: int, hold: int) -> FloatArray:
    """Return the small-cap position (1 or 0) after each close from the desired positions.

    Parameters
    ----------
    desired : ndarray of shape (n_periods,)
        1.0 (small), 0.0 (the other leg) or NaN (no opinion) as known at each close.
    lag : int
        Sessions between a signal's close and the close where it is traded (>= 1).
    hold : int
        Minimum number of periods a position is kept after a trade (>= 1).

    Returns
    -------
    ndarray of shape (n_periods,)
        Position after each close; 0 before the first trade.
    """
    n = len(desired)
    pos = np.zeros(n)
    cur, last_trade = 0.0, -hold
    for t in range(lag, n):
        want = desired[t - lag]
        if want == want and want != cur and t - last_trade >= hold:  # want == want: not NaN
            cur, last_trade = want, t
        pos[t] = cur
    return pos


def rotation(
    returns: pd.DataFrame,
    signal: pd.Series,
    *,
    threshold: float = 0.0,
    below: Below = "large",
    hold: int = 1,
    lag: int = 1,
    cost_bps: float = 0.0,
    slippage_bps: float = 0.0,
    spread_bps: float | Mapping[str, float] = 0.0,
    cash: pd.Series | None = None,
    periods_per_year: float | None = None,
) -> BacktestRun:
    """Hold small caps while a signal is above a threshold, else large caps (or cash).

    Parameters
    ----------
    returns : DataFrame of shape (n_periods, 2), simple returns per period
        First column the small-cap leg, second the large-cap leg; tz-naive DatetimeIndex,
        no NaN (trim to the common history first).
    signal : Series indexed by date
        Its value at date ``d`` is known at ``d``'s close. A value dated between two
        sessions is known at the next session's close; NaN means "no new opinion".
    threshold : float, default 0.0
        Small caps are wanted while ``signal > threshold``, the other leg otherwise.
    below : {"large", "cash"}, default "large"
        What to hold when the signal is at or below the threshold.
    hold : int, default 1
        Minimum number of periods a position is kept after a trade.
    lag : int, default 1
        The trade happens at the close ``lag`` sessions after the signal's close. Must
        be >= 1: a lag of 0 would trade on a close not yet known (raises InputError).
    cost_bps, slippage_bps : float, default 0.0
        Commission and slippage, bps of the value traded, per one-way trade.
    spread_bps : float or mapping of leg name to float, default 0.0
        Full bid-ask spread (bps), one number for both legs or one per column name (see
        :func:`capsize.backtest.spread_for_tier`); a one-way trade pays half. Cash has none.
    cash : Series, optional
        Per-period cash return when ``below="cash"`` (e.g. a T-bill rate); default 0.
    periods_per_year : float, optional
        Default: inferred from the index spacing (252 daily, 12 monthly).

    Returns
    -------
    BacktestRun
        Weights columns: the two legs, plus ``"cash"`` when ``below="cash"``.

    Notes
    -----
    The run starts holding the ``below`` leg at no cost. At each close ``t >= lag`` the
    wanted position is the one the signal gave at close ``t - lag``; a switch happens when
    it differs from the current one and at least ``hold`` periods passed since the last
    trade. Switching between the two legs turns over 2 (sell one, buy the other); between
    small caps and cash, 1.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.bdate_range("2024-01-01", periods=4)
    >>> r = pd.DataFrame({"IWM": [0.0, 0.01, 0.02, -0.01], "SPY": [0.0, 0.0, 0.0, 0.0]}, idx)
    >>> run = rotation(r, pd.Series([1.0, 1.0, 1.0, 1.0], idx), lag=1)
    >>> run.weights["IWM"].tolist()
    [0.0, 1.0, 1.0, 1.0]
    >>> round(float(run.equity.iloc[-1]), 6)  # small caps held from the second close on
    1.0098
    """
    r = check_returns_frame(returns)
    lag = check_lag(lag)
    hold = check_lag(hold, "hold")
    if below not in ("large", "cash"):
        raise InputError(f"below={below!r} must be 'large' or 'cash'")
    small, large = (str(c) for c in r.columns)
    s = align_signal(signal, r.index)
    desired = np.where(np.isnan(s), np.nan, (s > threshold).astype(np.float64))
    pos = positions(desired, lag=lag, hold=hold)
    prev = np.concatenate(([0.0], pos[:-1]))
    r_small = r[small].to_numpy()
    other = large if below == "large" else "cash"
    r_other = r[large].to_numpy() if below == "large" else cash_returns(cash, r.index)
    gross = prev * r_small + (1.0 - prev) * r_other
    dpos = np.abs(np.diff(pos, prepend=0.0))
    c_small = leg_rate(cost_bps, slippage_bps, spread_of(spread_bps, small))
    c_other = (
        leg_rate(cost_bps, slippage_bps, spread_of(spread_bps, large)) if below == "large" else 0.0
    )
    cost = dpos * (c_small + c_other)
    turnover = dpos * (2.0 if below == "large" else 1.0)
    net = (1.0 + gross) * (1.0 - cost) - 1.0
    params = {
        "strategy": "rotation", "threshold": threshold, "below": below, "hold": hold,
        "lag": lag, "cost_bps": cost_bps, "slippage_bps": slippage_bps,
        "spread_bps": spread_bps, "small": small, "large": large,
    }  # fmt: skip
    weights = pd.DataFrame({small: pos, other: 1.0 - pos}, index=r.index)
    return build_run(net, weights, turnover, cost, params, periods_per_year)
