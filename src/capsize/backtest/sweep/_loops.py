"""Numba kernels of the sweep engine: time outer, configurations inner, statistics streamed.

Imported only when numba is in use (see :mod:`capsize.backtest.sweep._backend`), and
compiled ahead of time at install time when possible: this module imports only numba and
numpy.

Each kernel takes the configurations in blocks of at most :data:`BLOCK`. For each block
it walks the periods once; each period is one loop over the block's configurations that
moves the positions and adds the period to the statistics. The loop is branch-free
(selects, no early exit) over contiguous state vectors, so LLVM turns it into SIMD code:

- a block's state (running sums, equity, peak, drawdown, counts, position) is a flat
  array of rows of length ``BLOCK`` at constant offsets (``_S1 + i``...), so LLVM sees
  fixed distances between rows and needs no run-time overlap checks;
- the state is double-buffered (read from one array, written to the other, swapped each
  period): a value kept unchanged is written, never skipped, which keeps LLVM from
  turning selects into masked loads and stores (microcoded on AMD);
- parameters (weights, bands, costs, thresholds) sit in a third, read-only array.

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
"""Configurations per block: two state buffers and the parameters (about 24 KiB) stay in L1."""

STATE_ROWS: tuple[str, ...] = (
    "k_r", "k_x", "s1", "s2", "x1", "x2", "down",
    "eq", "peak", "peak_day", "max_dd", "max_dd_days", "under",
    "turnover", "hits", "nonzero", "exposure", "n_trades",
    "position", "last_switch",
)  # fmt: skip
"""Rows of a block's state buffer (each ``BLOCK`` long)."""

# offsets of the state rows in a buffer
_K_R, _K_X, _S1, _S2, _X1, _X2, _DOWN = (k * BLOCK for k in range(0, 7))
_EQ, _PEAK, _PEAK_DAY, _MDD, _MDUR, _UNDER = (k * BLOCK for k in range(7, 13))
_TURNOVER, _HITS, _NONZERO, _EXPO, _TRADES = (k * BLOCK for k in range(13, 18))
_POS, _LAST = 18 * BLOCK, 19 * BLOCK
_N_STATE = len(STATE_ROWS) * BLOCK
# offsets of the parameter rows: a sleeve's, a rotation's
_W, _BAND, _SRATE, _BY_BAND = (k * BLOCK for k in range(4))
_HAS_DEN, _LAG, _HOLD, _RATE, _THR, _NUM, _DEN = (k * BLOCK for k in range(7))
_N_CFG = 7 * BLOCK


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


@_jit
def _stats_open(src: FloatArray, day: float, n: int) -> None:  # pragma: no cover - jitted
    """Set the statistics rows of ``src`` to their values before the window's first period."""
    for i in range(n):
        for row in (_S1, _S2, _X1, _X2, _DOWN, _MDD, _MDUR, _UNDER):
            src[row + i] = 0.0
        for row in (_TURNOVER, _HITS, _NONZERO, _EXPO, _TRADES):
            src[row + i] = 0.0
        src[_EQ + i] = 1.0
        src[_PEAK + i] = 1.0
        src[_PEAK_DAY + i] = day


@_inline
def _stats_add(
    src: FloatArray,
    dst: FloatArray,
    i: int,
    r: float,
    tr: float,
    held: float,
    first: bool,
    rf_t: float,
    day: float,
) -> None:  # pragma: no cover - jitted
    """Add one period (net return ``r``, turnover ``tr``, weight ``held``) of config ``i``.

    Reads the statistics from ``src``, writes them to ``dst``; ``first``: the window's
    first period (its return becomes the shift of the sums).
    """
    x = r - rf_t
    k_r, k_x = src[_K_R + i], src[_K_X + i]  # loaded always: no masked loads
    k_r = r if first else k_r
    k_x = x if first else k_x
    dst[_K_R + i], dst[_K_X + i] = k_r, k_x
    d = r - k_r
    dst[_S1 + i] = src[_S1 + i] + d
    dst[_S2 + i] = src[_S2 + i] + d * d
    e = x - k_x
    dst[_X1 + i] = src[_X1 + i] + e
    dst[_X2 + i] = src[_X2 + i] + e * e
    neg = 0.0 if 0.0 < x else x  # min(x, 0.0), spelt out: the builtin stops the vectorizer
    dst[_DOWN + i] = src[_DOWN + i] + neg * neg
    eq = src[_EQ + i] * (1.0 + r)
    pk, pk_day, dd, dur = src[_PEAK + i], src[_PEAK_DAY + i], src[_MDD + i], src[_MDUR + i]
    top = eq >= pk
    # under water, or the day it ends: the span since the peak counts
    span = (src[_UNDER + i] != 0.0) | (not top)
    since = day - pk_day
    dst[_MDUR + i] = since if span and since > dur else dur  # max(dur, since)
    q = eq / pk - 1.0
    dst[_MDD + i] = q if (not top) and q < dd else dd  # min(dd, q)
    dst[_PEAK + i] = eq if top else pk
    dst[_PEAK_DAY + i] = day if top else pk_day
    dst[_UNDER + i] = 0.0 if top else 1.0
    dst[_EQ + i] = eq
    dst[_TURNOVER + i] = src[_TURNOVER + i] + tr
    dst[_TRADES + i] = src[_TRADES + i] + (1.0 if tr > 0.0 else 0.0)
    dst[_HITS + i] = src[_HITS + i] + (1.0 if r > 0.0 else 0.0)
    dst[_NONZERO + i] = src[_NONZERO + i] + (1.0 if r != 0.0 else 0.0)
    dst[_EXPO + i] = src[_EXPO + i] + held


@_jit
def _stats_close(
    st: FloatArray, periods: int, rows: np.ndarray, n: int, out: FloatArray
) -> None:  # pragma: no cover - jitted
    """Write the block's accumulator rows to ``out[rows[i]]``."""
    m = float(periods)
    for i in range(n):
        acc = out[rows[i]]
        s1, x1 = st[_S1 + i], st[_X1 + i]
        acc[0] = m
        acc[1] = st[_EQ + i]
        acc[2] = st[_K_R + i] + s1 / m
        acc[3] = st[_S2 + i] - s1 * s1 / m
        acc[4] = st[_K_X + i] + x1 / m
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
def _ma_gather(
    ma: FloatArray,
    fast: np.ndarray,
    slow: np.ndarray,
    lag: np.ndarray,
    t: int,
    cfg: FloatArray,
    n: int,
) -> None:  # pragma: no cover - jitted
    """Gather each configuration's signal inputs of row ``t - lag`` (clamped at 0)."""
    for i in range(n):
        col = max(t - lag[i], 0)
        cfg[_NUM + i] = ma[fast[i], col]
        cfg[_DEN + i] = ma[max(slow[i], 0), col]


@_inline
def _ma_move(
    src: FloatArray, dst: FloatArray, cfg: FloatArray, i: int, t: float, rs: float, ro: float
) -> tuple[float, float, float]:  # pragma: no cover - jitted
    """Move rotation ``i`` by one period; return its net return, switch size and weight held.

    Lag, hold and the row of the last switch are float64 (exact for row numbers).
    """
    prev, last = src[_POS + i], src[_LAST + i]
    num = cfg[_NUM + i]
    v = num / cfg[_DEN + i] - 1.0 if cfg[_HAS_DEN + i] != 0.0 else num
    want = 1.0 if v > cfg[_THR + i] else 0.0
    ok = (t >= cfg[_LAG + i]) & (v == v) & (want != prev) & (t - last >= cfg[_HOLD + i])
    cur = want if ok else prev
    dst[_POS + i] = cur
    dst[_LAST + i] = t if ok else last
    dpos = abs(cur - prev)
    gross = prev * rs + (1.0 - prev) * ro
    return (1.0 + gross) * (1.0 - dpos * cfg[_RATE + i]) - 1.0, dpos, prev


@_jit
def _ma_period(
    src: FloatArray,
    dst: FloatArray,
    cfg: FloatArray,
    n: int,
    t: int,
    rs: float,
    ro: float,
    to_unit: float,
    phase: int,
    rf_t: float,
    day: float,
) -> None:  # pragma: no cover - jitted
    """Run one period of a rotation block; ``phase``: -1 before the window, 0 its first period."""
    tf = float(t)
    if phase < 0:
        for i in range(n):
            _ma_move(src, dst, cfg, i, tf, rs, ro)
        return
    for i in range(n):
        r, dpos, held = _ma_move(src, dst, cfg, i, tf, rs, ro)
        _stats_add(src, dst, i, r, dpos * to_unit, held, phase == 0, rf_t, day)


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
        n = min(BLOCK, fast.shape[0] - b0)
        for i in range(n):
            k = b0 + i
            cfg[_HAS_DEN + i] = 1.0 if slow[k] >= 0 else 0.0
            cfg[_LAG + i], cfg[_HOLD + i] = lag[k], hold[k]
            cfg[_RATE + i], cfg[_THR + i] = rate[k], threshold[k]
            bufs[0][_POS + i], bufs[0][_LAST + i] = 0.0, -hold[k]
        f, s, lg = fast[b0 : b0 + n], slow[b0 : b0 + n], lag[b0 : b0 + n]
        for t in range(t1):
            src, dst = bufs[t % 2], bufs[1 - t % 2]
            if t == t0:
                _stats_open(src, days[t], n)
            _ma_gather(ma, f, s, lg, t, cfg, n)
            phase = min(t - t0, 1)
            _ma_period(src, dst, cfg, n, t, r_small[t], r_other[t], to_unit, phase, rf[t], days[t])
        _stats_close(bufs[t1 % 2], t1 - t0, rows[b0 : b0 + n], n, out)


# --------------------------------------------------------------------------- sleeves


@_inline
def _sleeve_move(
    src: FloatArray, dst: FloatArray, cfg: FloatArray, i: int, rs: float, rl: float, cal: bool
) -> tuple[float, float, float]:  # pragma: no cover - jitted
    """Drift and rebalance sleeve ``i`` by one period; return net return, turnover, weight.

    ``cal``: the block's calendar rule is due; parameter row ``by_band`` is 1.0 where a
    sleeve without a calendar rule has a band (then it is due every period).
    """
    x = src[_POS + i]
    w, b = cfg[_W + i], cfg[_BAND + i]
    gross = x * rs + (1.0 - x) * rl
    pre = x * (1.0 + rs) / (1.0 + gross)
    dev = abs(pre - w)
    go = (cal | (cfg[_BY_BAND + i] != 0.0)) & ((b < 0.0) | (dev > b))
    dw = dev if go else 0.0
    dst[_POS + i] = w if go else pre
    return (1.0 + gross) * (1.0 - dw * cfg[_SRATE + i]) - 1.0, 2.0 * dw, x


@_jit
def _sleeve_period(
    src: FloatArray,
    dst: FloatArray,
    cfg: FloatArray,
    n: int,
    rs: float,
    rl: float,
    cal: bool,
    phase: int,
    rf_t: float,
    day: float,
) -> None:  # pragma: no cover - jitted
    """Run one period of a sleeve block; ``phase``: -1 before the window, 0 its first period."""
    if phase < 0:
        for i in range(n):
            _sleeve_move(src, dst, cfg, i, rs, rl, cal)
        return
    for i in range(n):
        r, tr, held = _sleeve_move(src, dst, cfg, i, rs, rl, cal)
        _stats_add(src, dst, i, r, tr, held, phase == 0, rf_t, day)


@_jit
def _sleeve_block(
    rows: np.ndarray,
    weight: FloatArray,
    band: FloatArray,
    rate: FloatArray,
    cal_row: np.ndarray,
    has_cal: bool,
    r_small: FloatArray,
    r_large: FloatArray,
    rf: FloatArray,
    days: FloatArray,
    t0: int,
    t1: int,
    out: FloatArray,
) -> None:  # pragma: no cover - jitted
    """Run the sleeves ``rows`` (one calendar rule, at most BLOCK of them) over all periods."""
    bufs = (np.empty(_N_STATE), np.empty(_N_STATE))
    cfg = np.empty(_N_CFG)
    n = rows.shape[0]
    for i in range(n):
        k = rows[i]
        cfg[_W + i], cfg[_BAND + i], cfg[_SRATE + i] = weight[k], band[k], rate[k]
        cfg[_BY_BAND + i] = 1.0 if (not has_cal) and band[k] >= 0.0 else 0.0
        bufs[0][_POS + i] = weight[k]
    for t in range(t1):
        src, dst = bufs[t % 2], bufs[1 - t % 2]
        if t == t0:
            _stats_open(src, days[t], n)
        cal = has_cal and cal_row[t]
        _sleeve_period(src, dst, cfg, n, r_small[t], r_large[t], cal, min(t - t0, 1), rf[t], days[t])
    _stats_close(bufs[t1 % 2], t1 - t0, rows, n, out)


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
    no_cal = np.zeros(t1, dtype=np.bool_)
    for rule in range(-1, calendar.shape[0]):
        members = np.flatnonzero(freq == rule)
        cal_row = calendar[rule] if rule >= 0 else no_cal
        for b0 in range(0, members.shape[0], BLOCK):
            _sleeve_block(
                members[b0 : b0 + BLOCK], weight, band, rate, cal_row, rule >= 0,
                r_small, r_large, rf, days, t0, t1, out,
            )  # fmt: skip
