"""Numba kernels of the sweep engine: time outer, configurations inner, statistics streamed.

Imported only when numba is in use (see :mod:`capsize.backtest.sweep._backend`), and
compiled ahead of time at install time when possible: this module imports only numba and
numpy.

Each kernel takes the configurations in blocks of at most :data:`BLOCK` and walks the
periods once per block. Each period is two branch-free loops (selects, no early exit)
over the block's configurations: one moves the positions and writes each one's net
return and turnover, the next adds them to the statistics. Short loops over contiguous
state vectors are what LLVM turns into SIMD code that keeps the core busy:

- a block's state (running sums, equity, peak, drawdown, counts, position) is a flat
  array of rows of length ``BLOCK`` at constant offsets (``_S1 + i``...), so LLVM sees
  fixed distances between rows and needs no run-time overlap checks;
- the state is double-buffered (read from one array, written to the other, swapped each
  period): a value kept unchanged is written, never skipped, which keeps LLVM from
  turning selects into masked loads and stores (microcoded on AMD);
- parameters (weights, bands, costs, the shift of the sums) sit in a third array;
- ``min``/``max`` are spelt as selects (the builtins, inlined, stop the vectorizer).

Per configuration the floating-point operations and their order over time are those of
the one-configuration loop :func:`stream_stats` (kept as the reference), so results do
not depend on the block size or on the order of the loops. Nothing of size
``(n_configs, n_periods)`` is ever allocated.

Sums of returns and squares are taken around the first return of the window (a shift
that keeps the variance exact for a constant series and free of cancellation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = ["BLOCK", "STATE_ROWS", "ma_rotation", "sleeve_grid", "stream_stats"]

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
_inline = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
"""For the per-configuration bodies of the period loops (too long for LLVM's inliner)."""

BLOCK = 64
"""Configurations per block: two state buffers and the parameters (24 KiB) stay in L1."""

STATE_ROWS: tuple[str, ...] = (
    "s1", "s2", "x1", "x2", "down", "eq", "peak", "peak_day", "max_dd", "max_dd_days",
    "turnover", "hits", "nonzero", "exposure", "n_trades", "position", "last_switch",
    "net", "turn",
)  # fmt: skip
"""Rows of a block's state buffer (each ``BLOCK`` long); "under water" is ``eq < peak``;
``net`` and ``turn`` are the period's net return and turnover, passed between the loops."""

# offsets of the state rows in a buffer
_S1, _S2, _X1, _X2, _DOWN = (k * BLOCK for k in range(0, 5))
_EQ, _PEAK, _PEAK_DAY, _MDD, _MDUR = (k * BLOCK for k in range(5, 10))
_TURNOVER, _HITS, _NONZERO, _EXPO, _TRADES = (k * BLOCK for k in range(10, 15))
_POS, _LAST, _NET, _TURN = (k * BLOCK for k in range(15, 19))
_N_STATE = len(STATE_ROWS) * BLOCK
# offsets of the parameter rows: the shift of the sums, then a sleeve's or a rotation's
_K_R, _K_X = 0, BLOCK
_W, _BAND, _SRATE, _BY_BAND = (k * BLOCK for k in range(2, 6))
_HAS_DEN, _LAG, _HOLD, _RATE, _THR, _NUM, _DEN = (k * BLOCK for k in range(2, 9))
_N_CFG = 9 * BLOCK


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
    """Reduce one configuration's periods ``t0 .. t1 - 1`` into an accumulator row.

    The reference of the block kernels: per configuration they do these operations in
    this order (the layout of ``acc`` is :data:`capsize.backtest.sweep._acc.ACC_FIELDS`).
    """
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
        neg = min(x, 0.0)
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


# --------------------------------------------------------------------------- statistics
# A configuration's statistics travel as a tuple of floats (registers) between a load
# from one buffer and a store to the other.

_Stats = tuple[
    float, float, float, float, float, float, float, float,
    float, float, float, float, float, float, float,
]  # fmt: skip


@_inline
def _stats_load(st: FloatArray, i: int) -> _Stats:  # pragma: no cover - jitted
    return (
        st[_S1 + i], st[_S2 + i], st[_X1 + i], st[_X2 + i], st[_DOWN + i],
        st[_EQ + i], st[_PEAK + i], st[_PEAK_DAY + i], st[_MDD + i], st[_MDUR + i],
        st[_TURNOVER + i], st[_HITS + i], st[_NONZERO + i], st[_EXPO + i], st[_TRADES + i],
    )  # fmt: skip


@_inline
def _stats_store(st: FloatArray, i: int, s: _Stats) -> None:  # pragma: no cover - jitted
    st[_S1 + i], st[_S2 + i], st[_X1 + i], st[_X2 + i], st[_DOWN + i] = s[0:5]
    st[_EQ + i], st[_PEAK + i], st[_PEAK_DAY + i], st[_MDD + i], st[_MDUR + i] = s[5:10]
    st[_TURNOVER + i], st[_HITS + i], st[_NONZERO + i] = s[10:13]
    st[_EXPO + i], st[_TRADES + i] = s[13:15]


@_inline
def _stats_add(
    s: _Stats,
    r: float,
    tr: float,
    held: float,
    k_r: float,
    k_x: float,
    rf_t: float,
    day: float,
) -> _Stats:  # pragma: no cover - jitted
    """Add one period (net return ``r``, turnover ``tr``, weight ``held``) to ``s``."""
    s1, s2, x1, x2, down, eq0, pk, pk_day, dd, dur, turnover, hits, nonzero, expo, trades = s
    x = r - rf_t
    d = r - k_r
    e = x - k_x
    neg = 0.0 if x > 0.0 else x  # min(x, 0.0)
    eq = eq0 * (1.0 + r)
    top = eq >= pk
    # under water (eq0 < pk), or the day it ends: the span since the peak counts
    span = (eq0 < pk) | (not top)
    since = day - pk_day
    q = eq / pk - 1.0
    return (
        s1 + d, s2 + d * d, x1 + e, x2 + e * e, down + neg * neg, eq,
        eq if top else pk,
        day if top else pk_day,
        q if (not top) & (q < dd) else dd,  # min(dd, q) under water
        since if span & (since > dur) else dur,  # max(dur, since)
        turnover + tr,
        hits + (1.0 if r > 0.0 else 0.0),
        nonzero + (1.0 if r != 0.0 else 0.0),
        expo + held,
        trades + (1.0 if tr > 0.0 else 0.0),
    )  # fmt: skip


@_jit
def _stats_period(
    src: FloatArray, dst: FloatArray, cfg: FloatArray, n: int, first: bool, rf_t: float,
    day: float,
) -> None:  # pragma: no cover - jitted  # fmt: skip
    """Add this period (rows ``net, turn`` of ``dst``, ``position`` of ``src``) to stats.

    ``first``: the window's first period (it opens the statistics).
    """
    if first:  # open: the shift of the sums, and the statistics before any period
        s0 = (0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, day, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        for i in range(n):
            cfg[_K_R + i] = dst[_NET + i]
            cfg[_K_X + i] = dst[_NET + i] - rf_t
            _stats_store(src, i, s0)
    for i in range(n):
        s = _stats_add(
            _stats_load(src, i), dst[_NET + i], dst[_TURN + i], src[_POS + i],
            cfg[_K_R + i], cfg[_K_X + i], rf_t, day,
        )  # fmt: skip
        _stats_store(dst, i, s)


@_jit
def _stats_close(
    st: FloatArray, cfg: FloatArray, periods: int, rows: np.ndarray, n: int, out: FloatArray
) -> None:  # pragma: no cover - jitted
    """Write the block's accumulator rows to ``out[rows[i]]``."""
    m = float(periods)
    for i in range(n):
        acc = out[rows[i]]
        s1, x1 = st[_S1 + i], st[_X1 + i]
        acc[0] = m
        acc[1] = st[_EQ + i]
        acc[2] = cfg[_K_R + i] + s1 / m
        acc[3] = st[_S2 + i] - s1 * s1 / m
        acc[4] = cfg[_K_X + i] + x1 / m
        acc[5] = st[_X2 + i] - x1 * x1 / m
        acc[6] = st[_DOWN + i]
        acc[7] = st[_MDD + i]
        acc[8] = st[_MDUR + i]
        acc[9] = st[_TURNOVER + i]
        acc[10] = st[_HITS + i]
        acc[11] = st[_NONZERO + i]
        acc[12] = st[_EXPO + i]
        acc[13] = st[_TRADES + i]


# --------------------------------------------------------------------------- rotations


@_jit
def _ma_move(
    ma: FloatArray,
    fast: np.ndarray,
    slow: np.ndarray,
    lag: np.ndarray,
    src: FloatArray,
    dst: FloatArray,
    cfg: FloatArray,
    t: int,
    rs: float,
    ro: float,
    to_unit: float,
) -> None:  # pragma: no cover - jitted
    """Move the block's rotations by period ``t``.

    Writes rows ``position, last_switch, net, turn`` of ``dst``. Lag, hold and rows are
    float64 (exact for row numbers).
    """
    n = fast.shape[0]
    for i in range(n):  # the gather: one scalar loop
        col = max(t - lag[i], 0)
        cfg[_NUM + i] = ma[fast[i], col]
        cfg[_DEN + i] = ma[max(slow[i], 0), col]
    tf = float(t)
    for i in range(n):
        prev, last = src[_POS + i], src[_LAST + i]
        num = cfg[_NUM + i]
        v = num / cfg[_DEN + i] - 1.0 if cfg[_HAS_DEN + i] != 0.0 else num
        want = 1.0 if v > cfg[_THR + i] else 0.0
        ok = (tf >= cfg[_LAG + i]) & (v == v) & (want != prev) & (tf - last >= cfg[_HOLD + i])
        cur = want if ok else prev
        dpos = abs(cur - prev)
        gross = prev * rs + (1.0 - prev) * ro
        dst[_POS + i] = cur
        dst[_LAST + i] = tf if ok else last
        dst[_NET + i] = (1.0 + gross) * (1.0 - dpos * cfg[_RATE + i]) - 1.0
        dst[_TURN + i] = dpos * to_unit


@_jit
def _ma_block(
    ma: FloatArray,
    fast: np.ndarray,
    slow: np.ndarray,
    lag: np.ndarray,
    to_unit: float,
    r_small: FloatArray,
    r_other: FloatArray,
    rf: FloatArray,
    days: FloatArray,
    t0: int,
    t1: int,
    bufs: tuple[FloatArray, FloatArray],
    cfg: FloatArray,
) -> FloatArray:  # pragma: no cover - jitted
    """Run a rotation block over all periods; return the buffer holding the final state."""
    src, dst = bufs
    for t in range(t1):
        _ma_move(ma, fast, slow, lag, src, dst, cfg, t, r_small[t], r_other[t], to_unit)
        if t >= t0:
            _stats_period(src, dst, cfg, fast.shape[0], t == t0, rf[t], days[t])
        src, dst = dst, src
    return src


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
    signal); small caps are wanted while it is above ``threshold[k]``. A position moves
    at row ``t`` to the side wanted by the signal of row ``t - lag[k]`` when that is
    known (not NaN) and ``hold[k]`` rows have passed since its last switch.
    """
    bufs = (np.empty(_N_STATE), np.empty(_N_STATE))
    cfg = np.empty(_N_CFG)
    rows = np.arange(fast.shape[0])
    for b0 in range(0, fast.shape[0], BLOCK):
        b1 = min(b0 + BLOCK, fast.shape[0])
        for i in range(b1 - b0):
            k = b0 + i
            cfg[_HAS_DEN + i] = 1.0 if slow[k] >= 0 else 0.0
            cfg[_LAG + i], cfg[_HOLD + i] = lag[k], hold[k]
            cfg[_RATE + i], cfg[_THR + i] = rate[k], threshold[k]
            bufs[0][_POS + i], bufs[0][_LAST + i] = 0.0, -hold[k]
        st = _ma_block(
            ma, fast[b0:b1], slow[b0:b1], lag[b0:b1], to_unit, r_small, r_other, rf, days,
            t0, t1, bufs, cfg,
        )  # fmt: skip
        _stats_close(st, cfg, t1 - t0, rows[b0:b1], b1 - b0, out)


# --------------------------------------------------------------------------- sleeves


@_jit
def _sleeve_move(
    src: FloatArray, dst: FloatArray, cfg: FloatArray, n: int, rs: float, rl: float, cal: bool
) -> None:  # pragma: no cover - jitted
    """Drift and rebalance the block's sleeves by one period.

    Writes rows ``position, net, turn`` of ``dst``.
    ``cal``: the block's calendar rule is due; parameter row ``by_band`` is 1.0 where a
    sleeve without a calendar rule has a band (then it is due every period).
    """
    due = 1.0 if cal else 0.0  # a float, not a bool: no mask repacking in the SIMD loop
    for i in range(n):
        x = src[_POS + i]
        w, b = cfg[_W + i], cfg[_BAND + i]
        gross = x * rs + (1.0 - x) * rl
        pre = x * (1.0 + rs) / (1.0 + gross)
        dev = abs(pre - w)
        go = ((cfg[_BY_BAND + i] + due) != 0.0) & ((b < 0.0) | (dev > b))
        dw = dev if go else 0.0
        dst[_POS + i] = w if go else pre
        dst[_NET + i] = (1.0 + gross) * (1.0 - dw * cfg[_SRATE + i]) - 1.0
        dst[_TURN + i] = 2.0 * dw


@_jit
def _sleeve_block(
    n: int,
    cal: np.ndarray,
    r_small: FloatArray,
    r_large: FloatArray,
    rf: FloatArray,
    days: FloatArray,
    t0: int,
    t1: int,
    bufs: tuple[FloatArray, FloatArray],
    cfg: FloatArray,
) -> FloatArray:  # pragma: no cover - jitted
    """Run a sleeve block over all periods; return the buffer holding the final state."""
    src, dst = bufs
    for t in range(t1):
        _sleeve_move(src, dst, cfg, n, r_small[t], r_large[t], cal[t])
        if t >= t0:
            _stats_period(src, dst, cfg, n, t == t0, rf[t], days[t])
        src, dst = dst, src
    return src


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
    calendar rule; ``band[k] < 0`` means no band. A sleeve drifts with the returns and
    goes back to ``weight[k]`` when its rule is due (calendar date, or every period for a
    band alone) and it has left its band (always, without a band). Configurations run in
    blocks that share a calendar rule.
    """
    bufs = (np.empty(_N_STATE), np.empty(_N_STATE))
    cfg = np.empty(_N_CFG)
    no_cal = np.zeros(t1, dtype=np.bool_)
    members = np.empty(freq.shape[0], dtype=np.int64)
    for rule in range(-1, calendar.shape[0]):
        m = 0
        for k in range(freq.shape[0]):  # plain loops compile faster than np.flatnonzero
            if freq[k] == rule:
                members[m] = k
                m += 1
        cal = calendar[rule] if rule >= 0 else no_cal
        for b0 in range(0, m, BLOCK):
            rows = members[b0 : min(b0 + BLOCK, m)]
            for i in range(rows.shape[0]):
                k = rows[i]
                cfg[_W + i], cfg[_BAND + i], cfg[_SRATE + i] = weight[k], band[k], rate[k]
                cfg[_BY_BAND + i] = 1.0 if rule < 0 and band[k] >= 0.0 else 0.0
                bufs[0][_POS + i] = weight[k]
            st = _sleeve_block(rows.shape[0], cal, r_small, r_large, rf, days, t0, t1, bufs, cfg)
            _stats_close(st, cfg, t1 - t0, rows, rows.shape[0], out)
