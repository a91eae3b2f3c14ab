"""Numpy fallbacks of the sweep kernels: periods in a Python loop, configurations vectorized.

Used when numba is missing or ``CAPSIZE_NO_NUMBA=1``. Same algorithm and state as the
numba kernels in :mod:`capsize.backtest.sweep._loops`, one period at a time across all
configurations; memory stays ``O(n_configs)`` per period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from capsize.backtest.sweep._acc import NumpyStream

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = ["ma_rotation", "sleeve_grid"]


def ma_rotation(
    ma: FloatArray,
    fast: np.ndarray,
    slow: np.ndarray,
    lag: np.ndarray,
    hold: np.ndarray,
    rate: FloatArray,
    threshold: FloatArray,
    to_unit: float,
    r_small: FloatArray,
    r_other: FloatArray,
    rf: FloatArray,
    days: FloatArray,
    t0: int,
    t1: int,
    out: FloatArray,
) -> None:
    """Run every rotation configuration (see the numba kernel); write accumulators to ``out``."""
    k = fast.shape[0]
    stream = NumpyStream(k, float(days[t0]))
    cur = np.zeros(k)
    last = -hold.astype(np.int64)
    for t in range(t1):
        prev = cur.copy()
        src = t - lag
        live = src >= 0
        col = np.maximum(src, 0)
        f = ma[fast, col]
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.where(slow >= 0, f / ma[np.maximum(slow, 0), col] - 1.0, f)
        v = np.where(live, v, np.nan)
        want = np.where(v > threshold, 1.0, 0.0)
        switch = ~np.isnan(v) & (want != cur) & (t - last >= hold)
        cur = np.where(switch, want, cur)
        last = np.where(switch, t, last)
        dpos = np.abs(cur - prev)
        gross = prev * r_small[t] + (1.0 - prev) * r_other[t]
        net = (1.0 + gross) * (1.0 - dpos * rate) - 1.0
        if t >= t0:
            stream.step(net, float(rf[t]), dpos * to_unit, prev, float(days[t]))
    out[:] = stream.finish()


def sleeve_grid(
    weight: FloatArray,
    band: FloatArray,
    freq: np.ndarray,
    rate: FloatArray,
    calendar: np.ndarray,
    r_small: FloatArray,
    r_large: FloatArray,
    rf: FloatArray,
    days: FloatArray,
    t0: int,
    t1: int,
    out: FloatArray,
) -> None:
    """Run every sleeve configuration; write accumulators to ``out``."""
    stream = NumpyStream(weight.shape[0], float(days[t0]))
    cur = weight.copy()
    has_cal = freq >= 0
    has_band = band >= 0.0
    for t in range(t1):
        prev = cur
        gross = cur * r_small[t] + (1.0 - cur) * r_large[t]
        pre = cur * (1.0 + r_small[t]) / (1.0 + gross)
        due = np.where(has_cal, calendar[np.maximum(freq, 0), t], has_band)
        go = due & (~has_band | (np.abs(pre - weight) > band))
        dw = np.where(go, np.abs(pre - weight), 0.0)
        cur = np.where(go, weight, pre)
        net = (1.0 + gross) * (1.0 - dw * rate) - 1.0
        if t >= t0:
            stream.step(net, float(rf[t]), 2.0 * dw, prev, float(days[t]))
    out[:] = stream.finish()
