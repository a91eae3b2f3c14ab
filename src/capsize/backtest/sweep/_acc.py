"""Streamed statistics of the sweep engine: accumulator layout, numpy stream and summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.backtest._stats import STAT_NAMES

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = ["ACC_FIELDS", "NumpyStream", "summarize"]

ACC_FIELDS: tuple[str, ...] = (
    "n",
    "equity",
    "mean_ret",
    "m2_ret",
    "mean_excess",
    "m2_excess",
    "down_sq",
    "max_dd",
    "max_dd_days",
    "turnover",
    "hits",
    "nonzero",
    "exposure",
    "n_trades",
)
"""One row per configuration: what the kernels accumulate, in this order (``m2`` is the
sum of squared deviations from the mean, ``down_sq`` the sum of squared negative excess
returns, ``exposure`` the sum of small-cap weights held)."""


class NumpyStream:
    """The numpy twin of the numba ``stream_stats``: all configurations, one period a step.

    Sums are taken around each configuration's first return (as the numba kernel does),
    so both paths add the same numbers in the same order.
    """

    def __init__(self, n_configs: int, first_day: float) -> None:
        z = np.zeros(n_configs)
        self.k_r, self.k_x = z.copy(), z.copy()
        self.s1, self.s2, self.x1, self.x2, self.down = (
            z.copy(),
            z.copy(),
            z.copy(),
            z.copy(),
            z.copy(),
        )
        self.eq, self.peak = np.ones(n_configs), np.ones(n_configs)
        self.peak_day = np.full(n_configs, first_day)
        self.mdd, self.mdur = z.copy(), z.copy()
        self.under = np.zeros(n_configs, dtype=np.bool_)
        self.turnover, self.hits, self.nonzero, self.expo, self.trades = (
            z.copy() for _ in range(5)
        )
        self.n = 0

    def step(
        self, net: FloatArray, rf: float, turn: FloatArray, held: FloatArray, day: float
    ) -> None:
        """Add one period of every configuration."""
        x = net - rf
        if self.n == 0:
            self.k_r, self.k_x = net.copy(), x.copy()
        self.n += 1
        d, e = net - self.k_r, x - self.k_x
        self.s1 += d
        self.s2 += d * d
        self.x1 += e
        self.x2 += e * e
        self.down += np.where(x < 0.0, x * x, 0.0)
        self.eq *= 1.0 + net
        at_peak = self.eq >= self.peak
        span = day - self.peak_day
        self.mdur = np.where(~at_peak | self.under, np.maximum(self.mdur, span), self.mdur)
        self.mdd = np.where(at_peak, self.mdd, np.minimum(self.mdd, self.eq / self.peak - 1.0))
        self.peak = np.where(at_peak, self.eq, self.peak)
        self.peak_day = np.where(at_peak, day, self.peak_day)
        self.under = ~at_peak
        self.turnover += turn
        self.trades += turn > 0.0
        self.hits += net > 0.0
        self.nonzero += net != 0.0
        self.expo += held

    def finish(self) -> FloatArray:
        """Return the accumulator rows (layout :data:`ACC_FIELDS`)."""
        n = float(self.n)
        cols = (
            np.full_like(self.eq, n), self.eq,
            self.k_r + self.s1 / n, self.s2 - self.s1 * self.s1 / n,
            self.k_x + self.x1 / n, self.x2 - self.x1 * self.x1 / n,
            self.down, self.mdd, self.mdur, self.turnover, self.hits, self.nonzero,
            self.expo, self.trades,
        )  # fmt: skip
        return np.column_stack(cols)


def _safe_div(num: FloatArray, den: FloatArray) -> FloatArray:
    ok = den > 0
    return np.divide(num, den, out=np.full_like(num, np.nan), where=ok)


def summarize(acc: FloatArray, periods_per_year: float) -> pd.DataFrame:
    """Turn accumulator rows into the statistics of :data:`capsize.backtest.STAT_NAMES`."""
    f = {name: acc[:, i] for i, name in enumerate(ACC_FIELDS)}
    n, eq = f["n"], f["equity"]
    ppy = float(periods_per_year)
    root = np.sqrt(ppy)
    cagr = eq ** (ppy / n) - 1.0
    mdd = f["max_dd"]
    out = {
        "total_return": eq - 1.0,
        "cagr": cagr,
        "volatility": np.sqrt(np.maximum(f["m2_ret"], 0.0) / (n - 1.0)) * root,
        "sharpe": _safe_div(f["mean_excess"], np.sqrt(np.maximum(f["m2_excess"], 0.0) / (n - 1.0)))
        * root,
        "sortino": _safe_div(f["mean_excess"], np.sqrt(f["down_sq"] / n)) * root,
        "max_drawdown": mdd,
        "max_drawdown_days": f["max_dd_days"],
        "calmar": _safe_div(cagr, -mdd),
        "turnover": f["turnover"] / (n / ppy),
        "hit_rate": _safe_div(f["hits"], f["nonzero"]),
        "exposure": f["exposure"] / n,
        "n_trades": f["n_trades"],
        "n_periods": n,
    }
    return pd.DataFrame({name: out[name] for name in STAT_NAMES})
