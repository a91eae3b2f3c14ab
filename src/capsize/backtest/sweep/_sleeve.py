"""Sleeve sweeps: small-cap weight x band x calendar x cost in one pass."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.backtest._costs import leg_rate, spread_of
from capsize.backtest._inputs import (
    check_nonnegative,
    check_returns_frame,
    infer_periods_per_year,
    period_starts,
)
from capsize.backtest._stats import rf_returns
from capsize.backtest.sweep._acc import ACC_FIELDS, summarize
from capsize.backtest.sweep._backend import kernels
from capsize.backtest.sweep._window import as_list, column, stats_window
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import DateLike

__all__ = ["sleeve_sweep"]


def _weights(values: list[object]) -> list[float]:
    out = [check_nonnegative(v, "weights") for v in values]  # type: ignore[arg-type]
    if any(w > 1.0 for w in out):
        raise InputError("weights must be fractions between 0 and 1 (0.1 = 10 %)")
    return out


def sleeve_sweep(
    returns: pd.DataFrame,
    *,
    weights: float | Sequence[float],
    bands: float | Sequence[float | None] | None = None,
    rebalance: str | Sequence[str | None] | None = "M",
    cost_bps: float | Sequence[float] = 0.0,
    slippage_bps: float = 0.0,
    spread_bps: float | Mapping[str, float] = 0.0,
    rf: float | pd.Series | None = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
    periods_per_year: float | None = None,
) -> pd.DataFrame:
    """Run a fixed small-cap sleeve for every configuration of a grid, in one pass.

    Each configuration is :func:`capsize.backtest.sleeve` with one weight, band,
    calendar rule and commission.

    Parameters
    ----------
    returns : DataFrame of shape (n_periods, 2), simple returns
        Small-cap leg first, large-cap leg second; no NaN.
    weights : float or sequence of float
        Small-cap weights, fractions (e.g. ``np.arange(0, 0.31, 0.05)``).
    bands : float, None or sequence of them, default None
        Tolerance bands, absolute weight; None means no band.
    rebalance : {"M", "Q", "A", None} or sequence of them, default "M"
        Calendar rules (first session of each month, quarter, year); None: none.
    cost_bps : float or sequence of float, default 0.0
        Commissions, bps of the value traded.
    slippage_bps, spread_bps, periods_per_year
        As in :func:`capsize.backtest.sleeve`.
    rf : float or Series, optional
        Risk-free return per period for Sharpe and Sortino; default 0.
    start, end : date-like, optional
        Statistics cover ``start .. end`` (inclusive); weights drift from the first period.

    Returns
    -------
    DataFrame
        One row per configuration: ``weight, band`` (NaN = none), ``rebalance`` (None =
        none), ``cost_bps``, then :data:`capsize.backtest.STAT_NAMES`. ``attrs`` holds
        ``n_configs`` and ``backend``.

    Notes
    -----
    Memory is ``O(n_rules x n_periods + n_configs)``.
    """
    r = check_returns_frame(returns)
    small, large = (str(c) for c in r.columns)
    ws = _weights(as_list(weights, "weights"))
    bs = [None if b is None else check_nonnegative(b, "bands") for b in as_list(bands, "bands")]  # type: ignore[arg-type]
    rules = list(dict.fromkeys(as_list(rebalance, "rebalance")))
    costs = [float(v) for v in as_list(cost_bps, "cost_bps")]  # type: ignore[arg-type]
    calendar = np.array([period_starts(r.index, rule) for rule in rules], dtype=np.bool_)  # type: ignore[arg-type]
    grid = list(itertools.product(ws, bs, range(len(rules)), costs))
    spread_s, spread_l = spread_of(spread_bps, small), spread_of(spread_bps, large)
    rate_of = {  # one switch cost per commission, not per configuration
        c: leg_rate(c, slippage_bps, spread_s) + leg_rate(c, slippage_bps, spread_l) for c in costs
    }
    rate = np.array([rate_of[c] for *_, c in grid])
    freq = np.array([-1 if rules[g[2]] is None else g[2] for g in grid], dtype=np.int64)
    t0, t1, days = stats_window(pd.DatetimeIndex(r.index), start, end)
    out = np.empty((len(grid), len(ACC_FIELDS)))
    k = kernels()
    k.sleeve_grid(
        np.array([g[0] for g in grid]),
        np.array([-1.0 if g[1] is None else g[1] for g in grid]),
        freq, rate, calendar, column(r, small), column(r, large),
        np.ascontiguousarray(rf_returns(rf, r.index)), days, t0, t1, out,
    )  # fmt: skip
    ppy = infer_periods_per_year(r.index) if periods_per_year is None else float(periods_per_year)
    params = pd.DataFrame(
        {
            "weight": [g[0] for g in grid],
            "band": [np.nan if g[1] is None else g[1] for g in grid],
            "rebalance": pd.Series([rules[g[2]] for g in grid], dtype=object),
            "cost_bps": [g[3] for g in grid],
        }
    )
    res = pd.concat([params, summarize(out, ppy)], axis=1)
    res.attrs.update(n_configs=len(grid), backend=k.name)
    return res
