"""Numba kernels of the sweep engine: time outer, configurations inner, statistics streamed.

Imported only when numba is in use (see :mod:`capsize.backtest.sweep._backend`), and
compiled ahead of time at install time when possible: this module imports only numba and
numpy. Each kernel takes the configurations in blocks of :data:`BLOCK`; for each block
it walks the periods once, and for each period runs short, branch-free loops over the
block's configurations (selects instead of branches, contiguous state vectors of length
``BLOCK``), which LLVM turns into SIMD code. Each loop touches at most nine arrays, so
the vectorizer's run-time overlap checks stay within its limit.

The state of a block lives in one ``(N_STATE, BLOCK)`` array (:data:`STATE_ROWS`): the
running sums of the statistics, equity, peak, drawdown, counts. Per configuration, the
floating-point operations and their order over time are those of the one-configuration
loop (:func:`stream_stats` documents them), so the results do not depend on the block
size or on the order of the loops; :func:`stream_stats` itself stays as the reference.
Nothing of size ``(n_configs, n_periods)`` is ever allocated.

Sums of returns and squares are taken around the first return of the window (a shift
that keeps the variance exact for a constant series and free of cancellation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = ["BLOCK", "ma_rotation", "sleeve_grid", "stream_stats"]

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")

BLOCK = 256
"""Configurations per block: the block's state (about 25 vectors) stays in L1/L2."""

# rows of the block state array
_K_R, _K_X, _S1, _S2, _X1, _X2, _DOWN = 0, 1, 2, 3, 4, 5, 6
_EQ, _PEAK, _PEAK_DAY, _MDD, _MDUR, _UNDER = 7, 8, 9, 10, 11, 12
_TURNOVER, _HITS, _NONZERO, _EXPO, _TRADES = 13, 14, 15, 16, 17
_NET, _TURN, _HELD = 18, 19, 20  # this period's net return, turnover, weight held
_C0 = 21  # first row of the strategy's own rows (configuration and position)
N_STATE = _C0 + 9
STATE_ROWS: tuple[str, ...] = (
    "k_r", "k_x", "s1", "s2", "x1", "x2", "down",
    "eq", "peak", "peak_day", "max_dd", "max_dd_days", "under",
    "turnover", "hits", "nonzero", "exposure", "n_trades",
    "net", "turn", "held",
)  # fmt: skip
"""Names of the rows of a block's state array shared by all kernels (rows from
``len(STATE_ROWS)`` on belong to each strategy)."""


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
# The loops below index the one state array ``st`` by constant rows (no row views: a
# view per period would cost reference counting, and one base pointer keeps LLVM's
# overlap checks few).


@_jit
def _stats_start(st: FloatArray, rf_t: float, day: float, n: int) -> None:  # pragma: no cover
    """Set the block's statistics to their values before the window's first period."""
    st[:_NET, :n] = 0.0
    for i in range(n):
        st[_K_R, i] = st[_NET, i]
        st[_K_X, i] = st[_NET, i] - rf_t
        st[_EQ, i] = 1.0
        st[_PEAK, i] = 1.0
        st[_PEAK_DAY, i] = day


@_jit
def _moments(st: FloatArray, rf_t: float, n: int) -> None:  # pragma: no cover - jitted
    for i in range(n):
        r = st[_NET, i]
        x = r - rf_t
        d = r - st[_K_R, i]
        st[_S1, i] += d
        st[_S2, i] += d * d
        e = x - st[_K_X, i]
        st[_X1, i] += e
        st[_X2, i] += e * e
        neg = min(x, 0.0)
        st[_DOWN, i] += neg * neg


@_jit
def _drawdown(st: FloatArray, day: float, n: int) -> None:  # pragma: no cover - jitted
    for i in range(n):
        e = st[_EQ, i] * (1.0 + st[_NET, i])
        pk = st[_PEAK, i]
        top = e >= pk
        md = st[_MDUR, i]
        # under water, or the day it ends: the span since the peak counts
        span = (st[_UNDER, i] != 0.0) | (not top)
        st[_MDUR, i] = max(md, day - st[_PEAK_DAY, i]) if span else md
        dd = st[_MDD, i]
        st[_MDD, i] = dd if top else min(dd, e / pk - 1.0)
        st[_PEAK, i] = e if top else pk
        st[_PEAK_DAY, i] = day if top else st[_PEAK_DAY, i]
        st[_UNDER, i] = 0.0 if top else 1.0
        st[_EQ, i] = e


@_jit
def _counts(st: FloatArray, n: int) -> None:  # pragma: no cover - jitted
    for i in range(n):
        r = st[_NET, i]
        tr = st[_TURN, i]
        st[_TURNOVER, i] += tr
        st[_TRADES, i] += 1.0 if tr > 0.0 else 0.0
        st[_HITS, i] += 1.0 if r > 0.0 else 0.0
        st[_NONZERO, i] += 1.0 if r != 0.0 else 0.0
        st[_EXPO, i] += st[_HELD, i]


@_jit
def _stats_step(st: FloatArray, rf_t: float, day: float, n: int) -> None:  # pragma: no cover
    """Add this period (rows ``net, turn, held`` of ``st``) to the block's statistics."""
    _moments(st, rf_t, n)
    _drawdown(st, day, n)
    _counts(st, n)


@_jit
def _stats_finish(
    st: FloatArray, periods: int, rows: np.ndarray, n: int, out: FloatArray
) -> None:  # pragma: no cover - jitted
    """Write the block's accumulator rows to ``out[rows[i]]``."""
    m = float(periods)
    for i in range(n):
        acc = out[rows[i]]
        s1, x1 = st[_S1, i], st[_X1, i]
        acc[0] = m
        acc[1] = st[_EQ, i]
        acc[2] = st[_K_R, i] + s1 / m
        acc[3] = st[_S2, i] - s1 * s1 / m
        acc[4] = st[_K_X, i] + x1 / m
        acc[5] = st[_X2, i] - x1 * x1 / m
        acc[6] = st[_DOWN, i]
        acc[7] = st[_MDD, i]
        acc[8] = st[_MDUR, i]
        acc[9] = st[_TURNOVER, i]
        acc[10] = st[_HITS, i]
        acc[11] = st[_NONZERO, i]
        acc[12] = st[_EXPO, i]
        acc[13] = st[_TRADES, i]


# --------------------------------------------------------------------------- rotations
# strategy rows of a rotation block
_HAS_DEN, _LAG, _HOLD, _RATE, _THR, _CUR, _LAST, _NUM, _DEN = range(_C0, _C0 + 9)


@_jit
def _ma_signal(
    ma: FloatArray, fast: np.ndarray, slow: np.ndarray, lag: np.ndarray, t: int,
    st: FloatArray, n: int,
) -> None:  # pragma: no cover - jitted  # fmt: skip
    """Gather each configuration's signal inputs of row ``t - lag`` (clamped at 0)."""
    for i in range(n):
        col = max(t - lag[i], 0)
        st[_NUM, i] = ma[fast[i], col]
        st[_DEN, i] = ma[max(slow[i], 0), col]


@_jit
def _ma_step(
    st: FloatArray, t: int, rs: float, ro: float, to_unit: float, n: int
) -> None:  # pragma: no cover - jitted
    """Move the block's positions by one period; write rows ``net, turn, held``.

    Lag, hold and the row of the last switch are held as float64 (exact).
    """
    tf = float(t)
    for i in range(n):
        prev = st[_CUR, i]
        num = st[_NUM, i]
        v = num / st[_DEN, i] - 1.0 if st[_HAS_DEN, i] != 0.0 else num
        want = 1.0 if v > st[_THR, i] else 0.0
        last = st[_LAST, i]
        ok = (tf >= st[_LAG, i]) & (v == v) & (want != prev) & (tf - last >= st[_HOLD, i])
        c = want if ok else prev
        st[_CUR, i] = c
        st[_LAST, i] = tf if ok else last
        dpos = abs(c - prev)
        gross = prev * rs + (1.0 - prev) * ro
        st[_NET, i] = (1.0 + gross) * (1.0 - dpos * st[_RATE, i]) - 1.0
        st[_TURN, i] = dpos * to_unit
        st[_HELD, i] = prev


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
    st = np.empty((N_STATE, BLOCK))
    rows = np.arange(fast.shape[0])
    for b0 in range(0, fast.shape[0], BLOCK):
        n = min(BLOCK, fast.shape[0] - b0)
        for i in range(n):
            k = b0 + i
            st[_HAS_DEN, i] = 1.0 if slow[k] >= 0 else 0.0
            st[_LAG, i], st[_HOLD, i], st[_LAST, i] = lag[k], hold[k], -hold[k]
            st[_RATE, i], st[_THR, i], st[_CUR, i] = rate[k], threshold[k], 0.0
        f, s, lg = fast[b0 : b0 + n], slow[b0 : b0 + n], lag[b0 : b0 + n]
        for t in range(t1):
            _ma_signal(ma, f, s, lg, t, st, n)
            _ma_step(st, t, r_small[t], r_other[t], to_unit, n)
            if t == t0:
                _stats_start(st, rf[t], days[t], n)
            if t >= t0:
                _stats_step(st, rf[t], days[t], n)
        _stats_finish(st, t1 - t0, rows[b0 : b0 + n], n, out)


# --------------------------------------------------------------------------- sleeves
# strategy rows of a sleeve block
_W, _BAND, _SRATE, _BY_BAND, _WCUR = range(_C0, _C0 + 5)


@_jit
def _sleeve_step(
    st: FloatArray, rs: float, rl: float, cal: bool, n: int
) -> None:  # pragma: no cover - jitted
    """Drift and rebalance the block's weights by one period; write ``net, turn, held``.

    ``cal``: the block's calendar rule is due this period; row ``by_band`` is 1.0 where
    a configuration without a calendar rule has a band (then it is due every period).
    """
    for i in range(n):
        x = st[_WCUR, i]
        w, b = st[_W, i], st[_BAND, i]
        gross = x * rs + (1.0 - x) * rl
        pre = x * (1.0 + rs) / (1.0 + gross)
        dev = abs(pre - w)
        go = (cal | (st[_BY_BAND, i] != 0.0)) & ((b < 0.0) | (dev > b))
        dw = dev if go else 0.0
        st[_WCUR, i] = w if go else pre
        st[_NET, i] = (1.0 + gross) * (1.0 - dw * st[_SRATE, i]) - 1.0
        st[_TURN, i] = 2.0 * dw
        st[_HELD, i] = x


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
    st: FloatArray,
    out: FloatArray,
) -> None:  # pragma: no cover - jitted
    """Run the sleeves ``rows`` (one calendar rule, at most BLOCK of them) over all periods."""
    n = rows.shape[0]
    for i in range(n):
        k = rows[i]
        st[_W, i], st[_BAND, i], st[_SRATE, i] = weight[k], band[k], rate[k]
        st[_BY_BAND, i] = 1.0 if (not has_cal) and band[k] >= 0.0 else 0.0
        st[_WCUR, i] = weight[k]
    for t in range(t1):
        _sleeve_step(st, r_small[t], r_large[t], has_cal and cal_row[t], n)
        if t == t0:
            _stats_start(st, rf[t], days[t], n)
        if t >= t0:
            _stats_step(st, rf[t], days[t], n)
    _stats_finish(st, t1 - t0, rows, n, out)


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
    st = np.empty((N_STATE, BLOCK))
    no_cal = np.zeros(t1, dtype=np.bool_)
    for rule in range(-1, calendar.shape[0]):
        members = np.flatnonzero(freq == rule)
        cal_row = calendar[rule] if rule >= 0 else no_cal
        for b0 in range(0, members.shape[0], BLOCK):
            _sleeve_block(
                members[b0 : b0 + BLOCK], weight, band, rate, cal_row, rule >= 0,
                r_small, r_large, rf, days, t0, t1, st, out,
            )  # fmt: skip
