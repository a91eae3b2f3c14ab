"""Streamed statistics of the sweep engine: accumulator layout, numpy step and summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.backtest._stats import STAT_NAMES

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = ["ACC_FIELDS", "new_acc", "np_acc_step", "summarize"]

ACC_FIELDS: tuple[str, ...] = (
    "n",
    "equity",
    "mean_ret",
    "m2_ret",
    "mean_excess",
    "m2_excess",
    "down_sq",
    "peak",
    "peak_day",
    "max_dd",
    "max_dd_days",
    "underwater",
    "turnover",
    "hits",
    "nonzero",
    "exposure",
    "n_trades",
)
"""One row per configuration: what the kernels accumulate, in this order."""


def new_acc(n_configs: int, first_day: float) -> FloatArray:
    """Return fresh accumulators: equity and peak at 1, the peak dated ``first_day``."""
    acc = np.zeros((n_configs, len(ACC_FIELDS)))
    acc[:, 1] = 1.0
    acc[:, 7] = 1.0
    acc[:, 8] = first_day
    return acc


def np_acc_step(
    acc: FloatArray,
    net: FloatArray,
    ex: FloatArray,
    day: float,
    turnover: FloatArray,
    held: FloatArray,
) -> None:
    """Add one period to every configuration at once (the numpy twin of ``acc_step``)."""
    acc[:, 0] += 1.0
    n = acc[:, 0]
    eq = acc[:, 1] * (1.0 + net)
    acc[:, 1] = eq
    for col, x in ((2, net), (4, ex)):
        d = x - acc[:, col]
        acc[:, col] += d / n
        acc[:, col + 1] += d * (x - acc[:, col])
    acc[:, 6] += np.minimum(ex, 0.0) ** 2
    at_peak = eq >= acc[:, 7]
    span = day - acc[:, 8]
    counted = ~at_peak | (acc[:, 11] > 0.0)
    acc[:, 10] = np.where(counted, np.maximum(acc[:, 10], span), acc[:, 10])
    acc[:, 9] = np.where(at_peak, acc[:, 9], np.minimum(acc[:, 9], eq / acc[:, 7] - 1.0))
    acc[:, 7] = np.where(at_peak, eq, acc[:, 7])
    acc[:, 8] = np.where(at_peak, day, acc[:, 8])
    acc[:, 11] = np.where(at_peak, 0.0, 1.0)
    acc[:, 12] += turnover
    acc[:, 13] += net > 0.0
    acc[:, 14] += net != 0.0
    acc[:, 15] += held
    acc[:, 16] += turnover > 0.0


def _safe_div(num: FloatArray, den: FloatArray) -> FloatArray:
    ok = den > 0
    return np.divide(num, den, out=np.full_like(num, np.nan), where=ok)


def summarize(acc: FloatArray, periods_per_year: float) -> pd.DataFrame:
    """Turn accumulator rows into the statistics of :data:`capsize.backtest.STAT_NAMES`."""
    n, eq = acc[:, 0], acc[:, 1]
    ppy = float(periods_per_year)
    root = np.sqrt(ppy)
    cagr = eq ** (ppy / n) - 1.0
    sd_x = np.sqrt(acc[:, 5] / (n - 1.0))
    mdd = acc[:, 9]
    out = {
        "total_return": eq - 1.0,
        "cagr": cagr,
        "volatility": np.sqrt(acc[:, 3] / (n - 1.0)) * root,
        "sharpe": _safe_div(acc[:, 4], sd_x) * root,
        "sortino": _safe_div(acc[:, 4], np.sqrt(acc[:, 6] / n)) * root,
        "max_drawdown": mdd,
        "max_drawdown_days": acc[:, 10],
        "calmar": _safe_div(cagr, -mdd),
        "turnover": acc[:, 12] / (n / ppy),
        "hit_rate": _safe_div(acc[:, 13], acc[:, 14]),
        "exposure": acc[:, 15] / n,
        "n_trades": acc[:, 16],
        "n_periods": n,
    }
    return pd.DataFrame({name: out[name] for name in STAT_NAMES})
