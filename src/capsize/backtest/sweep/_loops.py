"""Numba kernels of the sweep engine: one pass per configuration, statistics streamed.

Imported only when numba is in use (see :mod:`capsize.backtest.sweep._backend`). Each
kernel walks the configurations (outer loop); for each it runs the strategy over the
periods into three scratch vectors of length ``n_periods`` (net return, turnover, small-cap
weight held), reused across configurations, then :func:`stream_stats` reduces them into
one row of ``out`` laid out as :data:`capsize.backtest.sweep._acc.ACC_FIELDS`. Nothing of
size ``(n_configs, n_periods)`` is ever allocated.

Sums of returns and squares are taken around the first return of the window (a shift
that keeps the variance exact for a constant series and free of cancellation), in
local scalars, so the reduction costs a few cycles per period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = ["ma_rotation", "sleeve_grid", "stream_stats"]

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def stream_stats(
    net: FloatArray,
    rf: FloatArray,
    turn: FloatArray,
    held: FloatArray,
    days: FloatArray,
    t0: int,
    t1: int,
    acc: FloatArray,
) -> None:  # pragma: no cover - jitted
    """Reduce one configuration's periods ``t0 .. t1 - 1`` into an accumulator row."""
    k_r = net[t0]
    k_x = net[t0] - rf[t0]
    s1 = s2 = x1 = x2 = down = 0.0
    eq = peak = 1.0
    peak_day = days[t0]
    mdd = mdur = 0.0
    under = False
    turnover = hits = nonzero = expo = trades = 0.0
    for t in range(t0, t1):
        r = net[t]
        x = r - rf[t]
        d = r - k_r
        s1 += d
        s2 += d * d
        e = x - k_x
        x1 += e
        x2 += e * e
        neg = min(x, 0.0)  # branch-free: the sign of a return is a coin toss
        down += neg * neg
        eq *= 1.0 + r
        if eq >= peak:
            if under:
                mdur = max(mdur, days[t] - peak_day)
            peak = eq
            peak_day = days[t]
            under = False
        else:
            mdur = max(mdur, days[t] - peak_day)
            mdd = min(mdd, eq / peak - 1.0)
            under = True
        turnover += turn[t]
        trades += 1.0 if turn[t] > 0.0 else 0.0
        hits += 1.0 if r > 0.0 else 0.0
        nonzero += 1.0 if r != 0.0 else 0.0
        expo += held[t]
    n = float(t1 - t0)
    acc[0] = n
    acc[1] = eq
    acc[2] = k_r + s1 / n
    acc[3] = s2 - s1 * s1 / n
    acc[4] = k_x + x1 / n
    acc[5] = x2 - x1 * x1 / n
    acc[6] = down
    acc[7] = mdd
    acc[8] = mdur
    acc[9] = turnover
    acc[10] = hits
    acc[11] = nonzero
    acc[12] = expo
    acc[13] = trades


@_jit
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
) -> None:  # pragma: no cover - jitted
    """Run every rotation configuration; write accumulators to ``out``.

    The signal of configuration ``k`` at row ``t`` is ``ma[fast[k], t] / ma[slow[k], t] - 1``
    (a moving-average pair), or ``ma[fast[k], t]`` itself when ``slow[k] < 0`` (a raw
    signal); small caps are wanted while it is above ``threshold[k]``.
    """
    net = np.empty(t1)
    turn = np.empty(t1)
    held = np.empty(t1)
    for k in range(fast.shape[0]):
        fk, sk, lk, hk, ck, thr = fast[k], slow[k], lag[k], hold[k], rate[k], threshold[k]
        cur = 0.0
        last = -hk
        for t in range(t1):
            prev = cur
            if t >= lk:
                v = ma[fk, t - lk] / ma[sk, t - lk] - 1.0 if sk >= 0 else ma[fk, t - lk]
                if v == v:
                    want = 1.0 if v > thr else 0.0
                    if want != cur and t - last >= hk:
                        cur = want
                        last = t
            dpos = abs(cur - prev)
            gross = prev * r_small[t] + (1.0 - prev) * r_other[t]
            net[t] = (1.0 + gross) * (1.0 - dpos * ck) - 1.0
            turn[t] = dpos * to_unit
            held[t] = prev
        stream_stats(net, rf, turn, held, days, t0, t1, out[k])


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
    net = np.empty(t1)
    turn = np.empty(t1)
    held = np.empty(t1)
    for k in range(weight.shape[0]):
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
            net[t] = (1.0 + gross) * (1.0 - dw * ck) - 1.0
            turn[t] = 2.0 * dw
            held[t] = prev
        stream_stats(net, rf, turn, held, days, t0, t1, out[k])
