"""Numba kernels of the sweep engine: one pass per configuration, statistics streamed.

Imported only when numba is in use (see :mod:`capsize.backtest.sweep._backend`). Each
kernel walks the configurations (outer loop) and the periods (inner loop) keeping a few
scalars of state per configuration; nothing of size ``(n_configs, n_periods)`` is ever
allocated. Statistics are accumulated as they go (Welford means and variances, the
running drawdown), into one row of ``out`` per configuration, laid out as
:data:`capsize.backtest.sweep._acc.ACC_FIELDS`.

The statistics update is :func:`acc_step`, which numba inlines into both kernels
(``inline="always"``), so the per-period call costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = ["acc_step", "ma_rotation", "sleeve_grid"]

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def acc_step(
    acc: FloatArray, net: float, ex: float, day: float, turnover: float, held: float
) -> None:  # pragma: no cover - jitted
    """Add one period to a configuration's accumulator row (see ``ACC_FIELDS``)."""
    n = acc[0] + 1.0
    acc[0] = n
    eq = acc[1] * (1.0 + net)
    acc[1] = eq
    d = net - acc[2]
    acc[2] += d / n
    acc[3] += d * (net - acc[2])
    d = ex - acc[4]
    acc[4] += d / n
    acc[5] += d * (ex - acc[4])
    if ex < 0.0:
        acc[6] += ex * ex
    if eq >= acc[7]:
        if acc[11] > 0.0:
            acc[10] = max(acc[10], day - acc[8])
        acc[7] = eq
        acc[8] = day
        acc[11] = 0.0
    else:
        acc[10] = max(acc[10], day - acc[8])
        acc[9] = min(acc[9], eq / acc[7] - 1.0)
        acc[11] = 1.0
    acc[12] += turnover
    if net > 0.0:
        acc[13] += 1.0
    if net != 0.0:
        acc[14] += 1.0
    acc[15] += held
    if turnover > 0.0:
        acc[16] += 1.0


@_jit
def ma_rotation(
    ma: FloatArray,
    fast: np.ndarray,
    slow: np.ndarray,
    lag: np.ndarray,
    hold: np.ndarray,
    rate: FloatArray,
    threshold: float,
    to_unit: float,
    r_small: FloatArray,
    r_other: FloatArray,
    rf: FloatArray,
    days: FloatArray,
    t0: int,
    t1: int,
    out: FloatArray,
) -> None:  # pragma: no cover - jitted
    """Run every moving-average rotation configuration; write accumulators to ``out``."""
    for k in range(fast.shape[0]):
        acc = out[k]
        acc[:] = 0.0
        acc[1] = 1.0
        acc[7] = 1.0
        acc[8] = days[t0]
        fk, sk, lk, hk, ck = fast[k], slow[k], lag[k], hold[k], rate[k]
        cur = 0.0
        last = -hk
        for t in range(t1):
            prev = cur
            gross = cur * r_small[t] + (1.0 - cur) * r_other[t]
            if t >= lk:
                f = ma[fk, t - lk]
                s = ma[sk, t - lk]
                if f == f and s == s:
                    want = 1.0 if f / s - 1.0 > threshold else 0.0
                    if want != cur and t - last >= hk:
                        cur = want
                        last = t
            dpos = abs(cur - prev)
            net = (1.0 + gross) * (1.0 - dpos * ck) - 1.0
            if t >= t0:
                acc_step(acc, net, net - rf[t], days[t], dpos * to_unit, prev)


@_jit
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
) -> None:  # pragma: no cover - jitted
    """Run every sleeve configuration; write accumulators to ``out``.

    ``freq[k]`` is a row of ``calendar`` (bool, True on rebalance dates) or -1 for no
    calendar rule; ``band[k] < 0`` means no band.
    """
    for k in range(weight.shape[0]):
        acc = out[k]
        acc[:] = 0.0
        acc[1] = 1.0
        acc[7] = 1.0
        acc[8] = days[t0]
        w, b, fq, ck = weight[k], band[k], freq[k], rate[k]
        cur = w
        for t in range(t1):
            prev = cur
            gross = cur * r_small[t] + (1.0 - cur) * r_large[t]
            pre = cur * (1.0 + r_small[t]) / (1.0 + gross)
            due = calendar[fq, t] if fq >= 0 else b >= 0.0
            dw = 0.0
            if due and (b < 0.0 or abs(pre - w) > b):
                dw = abs(pre - w)
                cur = w
            else:
                cur = pre
            net = (1.0 + gross) * (1.0 - dw * ck) - 1.0
            if t >= t0:
                acc_step(acc, net, net - rf[t], days[t], 2.0 * dw, prev)
