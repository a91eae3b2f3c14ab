"""Dollar-cost averaging into a segment against a lump sum of the same money."""

from __future__ import annotations

import numpy as np
import pandas as pd

from capsize.backtest._costs import leg_rate
from capsize.backtest._inputs import cash_returns, check_lag, check_returns_series
from capsize.backtest._result import DcaResult
from capsize.errors import InputError

__all__ = ["dca"]


def dca(
    returns: pd.Series,
    *,
    n_buys: int,
    every: int,
    cost_bps: float = 0.0,
    slippage_bps: float = 0.0,
    spread_bps: float = 0.0,
    cash: pd.Series | None = None,
) -> DcaResult:
    """Invest 1 in ``n_buys`` equal parts every ``every`` periods, against all at once.

    Parameters
    ----------
    returns : Series of shape (n_periods,), simple returns per period
        The segment's returns; no NaN.
    n_buys : int
        Number of equal purchases (1 is the lump sum itself).
    every : int
        Periods between purchases (e.g. 21 sessions, or 1 month on monthly data).
    cost_bps, slippage_bps, spread_bps : float, default 0.0
        Costs of each purchase, bps of the value bought (half the spread is paid).
    cash : Series, optional
        Per-period return of the money waiting to be invested; default 0.

    Returns
    -------
    DcaResult

    Notes
    -----
    Purchase ``k`` (``k = 0 .. n_buys - 1``) happens at the close of period
    ``k x every``; the lump sum buys everything at the close of period 0. Both are
    valued after each close over the whole series, so the first period's return is
    earned by neither. The last purchase must fall inside the series.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.0, 0.10, 0.0], pd.bdate_range("2024-01-01", periods=3))
    >>> res = dca(r, n_buys=2, every=2)
    >>> round(res.final_dca, 4), round(res.final_lump_sum, 4)
    (1.05, 1.1)
    """
    r = check_returns_series(returns)
    n_buys, every = check_lag(n_buys, "n_buys"), check_lag(every, "every")
    n = len(r)
    if (n_buys - 1) * every >= n:
        raise InputError(
            f"n_buys={n_buys} every {every} periods needs {(n_buys - 1) * every + 1} periods; "
            f"returns has {n}"
        )
    keep = 1.0 - leg_rate(cost_bps, slippage_bps, spread_bps)
    rc = cash_returns(cash, r.index)
    growth = r.to_numpy()
    invested, waiting = 0.0, 1.0
    values = np.empty(n)
    for t in range(n):
        if t > 0:
            invested *= 1.0 + growth[t]
            waiting *= 1.0 + rc[t]
        if t % every == 0 and t // every < n_buys:
            buy = waiting / (n_buys - t // every)
            waiting -= buy
            invested += buy * keep
        values[t] = invested + waiting
    lump = keep * np.cumprod(np.concatenate(([1.0], 1.0 + growth[1:])))
    dca_s = pd.Series(values, index=r.index, name="dca")
    lump_s = pd.Series(lump, index=r.index, name="lump_sum")
    final_d, final_l = float(values[-1]), float(lump[-1])
    params = {"n_buys": n_buys, "every": every, "cost_bps": cost_bps,
              "slippage_bps": slippage_bps, "spread_bps": spread_bps}  # fmt: skip
    return DcaResult(dca_s, lump_s, final_d, final_l, final_d / final_l - 1.0, params)
