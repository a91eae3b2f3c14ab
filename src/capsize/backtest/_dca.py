"""Dollar-cost averaging into a segment against a lump sum of the same money."""

from __future__ import annotations

import numpy as np
import pandas as pd

from capsize.backtest._costs import leg_rate
from capsize.backtest._inputs import cash_returns, check_lag, check_returns_series
from capsize.backtest._result import DcaResult
from capsize.errors import InputError

__all__ = ["dca", "dca_windows"]


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


def dca_windows(
    returns: pd.Series,
    *,
    n_buys: int,
    every: int,
    horizon: int,
    step: int = 1,
    cost_bps: float = 0.0,
    slippage_bps: float = 0.0,
    spread_bps: float = 0.0,
    cash: pd.Series | None = None,
) -> pd.DataFrame:
    """Compare averaging with a lump sum from every start date, over a fixed horizon.

    Parameters
    ----------
    returns : Series of shape (n_periods,), simple returns per period
        The segment's returns; no NaN.
    n_buys, every : int
        As in :func:`dca`.
    horizon : int
        Periods from the first purchase to the valuation date; at least
        ``(n_buys - 1) x every`` so that all the money is invested by then.
    step : int, default 1
        Periods between start dates.
    cost_bps, slippage_bps, spread_bps, cash
        As in :func:`dca`.

    Returns
    -------
    DataFrame indexed by start date
        ``end`` (valuation date), ``dca`` and ``lump_sum`` (final values, growth of 1)
        and ``advantage`` (``dca / lump_sum - 1``). Each row equals
        ``dca(returns.iloc[s : s + horizon + 1], ...)``.

    Notes
    -----
    Closed form: with ``G`` the growth of the segment and ``C`` of cash, purchase ``k``
    is ``C[s + k e] / C[s] / n_buys`` and ends worth ``G[end] / G[s + k e]`` times it
    (after costs), so no window is simulated period by period.
    """
    r = check_returns_series(returns)
    n_buys, every, step = (
        check_lag(n_buys, "n_buys"),
        check_lag(every, "every"),
        check_lag(step, "step"),
    )
    span = (n_buys - 1) * every
    if not isinstance(horizon, int) or horizon < max(span, 1):
        raise InputError(f"horizon={horizon!r} must be a whole number of periods >= {max(span, 1)}")
    if horizon >= len(r):
        raise InputError(f"horizon={horizon} periods is not shorter than the {len(r)} of returns")
    keep = 1.0 - leg_rate(cost_bps, slippage_bps, spread_bps)
    growth = np.cumprod(1.0 + r.to_numpy())
    cash_growth = np.cumprod(1.0 + cash_returns(cash, r.index))
    starts = np.arange(0, len(r) - horizon, step)
    ends = starts + horizon
    parts = np.zeros(len(starts))
    for k in range(n_buys):
        at = starts + k * every
        parts += cash_growth[at] / cash_growth[starts] * growth[ends] / growth[at]
    final_d = keep * parts / n_buys
    final_l = keep * growth[ends] / growth[starts]
    return pd.DataFrame(
        {
            "end": r.index[ends],
            "dca": final_d,
            "lump_sum": final_l,
            "advantage": final_d / final_l - 1.0,
        },
        index=pd.DatetimeIndex(r.index[starts], name="start"),
    )
