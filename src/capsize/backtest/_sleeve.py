"""A fixed small-cap sleeve in a small/large portfolio, with calendar or band rebalancing."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from capsize.backtest._costs import leg_rate, spread_of
from capsize.backtest._inputs import check_nonnegative, check_returns_frame, period_starts
from capsize.backtest._result import BacktestRun, build_run
from capsize.errors import InputError

__all__ = ["sleeve"]


def sleeve(
    returns: pd.DataFrame,
    weight: float,
    *,
    rebalance: str | None = "M",
    band: float | None = None,
    cost_bps: float = 0.0,
    slippage_bps: float = 0.0,
    spread_bps: float | Mapping[str, float] = 0.0,
    periods_per_year: float | None = None,
) -> BacktestRun:
    """Keep a fixed weight in small caps and the rest in large caps, rebalancing by rule.

    Parameters
    ----------
    returns : DataFrame of shape (n_periods, 2), simple returns per period
        First column the small-cap leg, second the large-cap leg; no NaN.
    weight : float
        Target small-cap weight, fraction in [0, 1] (e.g. 0.1 for a 10 % sleeve).
    rebalance : {"M", "Q", "A", None}, default "M"
        Calendar rule: rebalance at the close of the first session of each month,
        quarter or year. None: no calendar rule (the band alone decides, or never).
    band : float, optional
        Tolerance, absolute weight (0.05 = 5 points). With a calendar rule, a calendar
        date rebalances only when the drifted weight is more than ``band`` from target;
        without one, any close where it is more than ``band`` away rebalances.
    cost_bps, slippage_bps : float, default 0.0
        Commission and slippage, bps of the value traded.
    spread_bps : float or mapping of leg name to float, default 0.0
        Full bid-ask spread (bps), for both legs or per column; a trade pays half.
    periods_per_year : float, optional
        Default: inferred from the index spacing.

    Returns
    -------
    BacktestRun
        Weights drift with the legs' returns between rebalances.

    Notes
    -----
    The run starts at the target weights at no cost. A rebalance trades
    ``|w_pre - weight|`` in each leg (turnover ``2 |w_pre - weight|``) and pays each
    leg's one-way rate on it.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.to_datetime(["2024-01-30", "2024-01-31", "2024-02-01"])
    >>> r = pd.DataFrame({"IWM": [0.0, 0.10, 0.0], "SPY": [0.0, 0.0, 0.0]}, idx)
    >>> run = sleeve(r, 0.5, rebalance="M")
    >>> [round(w, 4) for w in run.weights["IWM"]]
    [0.5, 0.5238, 0.5]
    """
    r = check_returns_frame(returns)
    w = check_nonnegative(weight, "weight")
    if w > 1.0:
        raise InputError(f"weight={weight!r} must be a fraction between 0 and 1")
    tol = None if band is None else check_nonnegative(band, "band")
    small, large = (str(c) for c in r.columns)
    cal = period_starts(r.index, rebalance)
    rate = leg_rate(cost_bps, slippage_bps, spread_of(spread_bps, small)) + leg_rate(
        cost_bps, slippage_bps, spread_of(spread_bps, large)
    )
    rs, rl = r[small].to_numpy(), r[large].to_numpy()
    n = len(rs)
    ws, dw, gross = np.empty(n), np.zeros(n), np.empty(n)
    cur = w
    for t in range(n):
        g = cur * rs[t] + (1.0 - cur) * rl[t]
        pre = cur * (1.0 + rs[t]) / (1.0 + g)
        due = cal[t] if rebalance is not None else tol is not None
        if due and (tol is None or abs(pre - w) > tol):
            dw[t], cur = abs(pre - w), w
        else:
            cur = pre
        ws[t], gross[t] = cur, g
    cost = dw * rate
    net = (1.0 + gross) * (1.0 - cost) - 1.0
    params = {
        "strategy": "sleeve", "weight": w, "rebalance": rebalance, "band": tol,
        "cost_bps": cost_bps, "slippage_bps": slippage_bps, "spread_bps": spread_bps,
        "small": small, "large": large,
    }  # fmt: skip
    weights = pd.DataFrame({small: ws, large: 1.0 - ws}, index=r.index)
    return build_run(net, weights, 2.0 * dw, cost, params, periods_per_year, np.array([w, 1.0 - w]))
