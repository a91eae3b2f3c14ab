"""Vectorized sweep path: configurations in blocks of columns, no JIT, no period loop.

Rotations whose position follows the signal at every close (``hold == 1``) are not path
dependent: the position at ``t`` is the lagged signal's side, so a block of
configurations is a few whole-array numpy operations on a ``(n_periods, block)`` matrix.
Statistics are reduced along the period axis (axis 0 of a C-ordered array), which numpy
accumulates one period after another, exactly as the numba kernel's running sums: the
accumulator rows are the kernel's to the last bit (``tests/test_backtest`` checks it).

Memory is bounded by the block: ``BLOCK_CELLS`` periods x configurations per array, a
dozen such arrays at most, whatever the grid size. No numba import happens here, so a
first call costs no compilation and no cache load.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = [
    "BLOCK_CELLS",
    "MAX_BLOCK",
    "ChunkStream",
    "count_true",
    "rotation_blocks",
    "seq_sum",
    "vectorizable",
]

BLOCK_CELLS = 1 << 16
"""Cells (periods x configurations) per chunk: 512 KiB per float64 array."""

MAX_BLOCK = 4096
"""Configurations walked through time together (wide rows amortise numpy's call cost)."""


def vectorizable(
    rows: FloatArray, fast: np.ndarray, slow: np.ndarray, hold: np.ndarray
) -> np.ndarray:
    """Return a bool mask of the configurations the vectorized path reproduces exactly.

    A configuration qualifies when ``hold == 1`` and its signal is NaN only before its
    first value: every row it reads is finite after a leading NaN run, and a divisor row
    has no zero there (so ``fast / slow - 1`` is never NaN later). The kernel then trades
    to the signal's side at every close, which is what :func:`rotation_blocks` computes.
    """
    lead = np.logical_and.accumulate(np.isnan(rows), axis=1)
    clean = np.asarray((np.isfinite(rows) | lead).all(axis=1))
    divisor = clean & ~np.asarray(((rows == 0.0) & ~lead).any(axis=1))
    pair = slow >= 0
    ok: np.ndarray = (hold == 1) & clean[fast] & (~pair | divisor[np.where(pair, slow, 0)])
    return ok


def _blocks(select: np.ndarray, key: np.ndarray, size: int) -> list[np.ndarray]:
    """Sort configuration indices by ``key`` and cut them into blocks of at most ``size``.

    A block may mix keys (lags, signal kinds): they are contiguous column ranges of it,
    so a grid of many lags with few configurations each still walks time once per block.
    """
    order = select[np.argsort(key[select], kind="stable")]
    return [order[i : i + size] for i in range(0, len(order), size)]


def rotation_blocks(
    rows: FloatArray,
    fast: np.ndarray,
    slow: np.ndarray,
    lag: np.ndarray,
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
    select: np.ndarray,
) -> None:
    """Run the selected rotation configurations (``hold == 1``) block by block.

    Arguments are those of the kernel ``ma_rotation`` (without ``hold``); ``select`` holds
    the configuration indices to run (see :func:`vectorizable`); their accumulator rows
    are written to ``out[select]``. A block is up to ``MAX_BLOCK`` configurations (sorted
    by lag and signal kind), walked through time in chunks of ``BLOCK_CELLS`` cells.
    """
    cols = np.ascontiguousarray(rows[:, :t1].T)  # (n_periods, n_rows)
    kind = 2 * lag + (slow >= 0)
    up_small, up_other = r_small + 1.0, r_other + 1.0  # 1 + gross, per leg held
    for idx in _blocks(np.asarray(select), kind, MAX_BLOCK):
        signal = _Signal(cols, fast[idx], slow[idx], lag[idx], threshold[idx])
        cost = 1.0 - rate[idx]
        free = bool((rate[idx] == 0.0).all())
        step = max(1, min(255, BLOCK_CELLS // len(idx)))  # <= 255: uint8 counts
        stream = ChunkStream(len(idx), step + 1)  # + 1: positions span m + 1 closes
        pos = np.empty((step + 1, len(idx)), dtype=np.bool_)
        for a in range(t0, t1, step):
            m = min(step, t1 - a)
            signal.positions(a - 1, pos[: m + 1], stream.scratch(m + 1))
            held, after = pos[:m], pos[1 : m + 1]
            traded = np.not_equal(held, after, out=stream.flags(m))
            net = stream.net(m)
            np.copyto(net, up_other[a : a + m, None])
            np.copyto(net, up_small[a : a + m, None], where=held)
            if not free:
                np.multiply(net, cost, out=net, where=traded)  # x (1 - |dpos| x rate)
            net -= 1.0
            # positions are 0 or 1: these sums are exact in any order
            n_trades = count_true(traded)
            stream.trades += n_trades
            stream.turnover += n_trades * to_unit
            stream.expo += count_true(held)
            stream.add(net, rf[a : a + m], days[a : a + m])
        out[idx] = stream.finish(float(days[t1 - 1]))


class _Signal:
    """The side of one block's signals (above the threshold or not) at any close.

    The block's columns are sorted by (lag, kind); each run of equal lag and kind (a
    moving-average pair, or a raw signal) is one segment, computed in one go.
    """

    def __init__(
        self,
        cols: FloatArray,
        fast: np.ndarray,
        slow: np.ndarray,
        lag: np.ndarray,
        threshold: FloatArray,
    ) -> None:
        self.cols = cols
        key = 2 * lag + (slow >= 0)
        cuts = [0, *(np.flatnonzero(np.diff(key)) + 1).tolist(), len(key)]
        self.segments = [
            (lo, hi, int(lag[lo]), fast[lo:hi], slow[lo:hi] if slow[lo] >= 0 else None,
             threshold[lo:hi])
            for lo, hi in itertools.pairwise(cuts)
        ]  # fmt: skip

    def positions(self, a: int, out: np.ndarray, scratch: tuple[FloatArray, FloatArray]) -> None:
        """Write the positions (True: small caps) after closes ``a .. a + len(out) - 1``.

        The position after close ``t`` is the side of the signal of close ``t - lag``;
        before the signal exists, or while it is NaN (only at its start, see
        :func:`vectorizable`), it is False.
        """
        b = a + out.shape[0]
        for lo, hi, lag, fast, slow, threshold in self.segments:
            part = out[:, lo:hi]
            first = max(a, lag)
            part[: max(first - a, 0)] = False
            if first >= b:
                continue
            rows = self.cols[first - lag : b - lag]
            shape = (b - first, hi - lo)
            v, den = (x.reshape(-1)[: shape[0] * shape[1]].reshape(shape) for x in scratch)
            np.take(rows, fast, axis=1, out=v)
            if slow is not None:
                np.take(rows, slow, axis=1, out=den)
                v /= den
                v -= 1.0
            np.greater(v, threshold, out=part[first - a :])


def count_true(flags: np.ndarray) -> FloatArray:
    """Return the number of True values per column of a bool matrix, as float."""
    if flags.shape[0] <= 255:  # one byte per count: numpy adds whole rows at once
        counts = np.add.reduce(flags.view(np.uint8), axis=0, dtype=np.uint8)
    else:
        counts = np.count_nonzero(flags, axis=0)
    return np.asarray(counts, dtype=np.float64)


def seq_sum(a: FloatArray, carry: FloatArray) -> FloatArray:
    """Return ``carry + a[0] + a[1] + ...`` per column, added in period order (``a`` is spent).

    numpy reduces axis 0 of a C-ordered array of several columns one row after another,
    so this is the numba kernel's running sum to the last bit. A single column is
    contiguous, and numpy would sum it pairwise: it is accumulated instead.
    """
    a[0] += carry
    if a.shape[1] < 2:
        return np.asarray(np.cumsum(a, axis=0)[-1], dtype=np.float64).copy()
    return np.asarray(a.sum(axis=0))


def _running(op: np.ufunc, a: FloatArray) -> None:
    """Accumulate ``op`` down axis 0 in place, one row at a time (a wide row per step)."""
    for t in range(1, a.shape[0]):
        op(a[t - 1], a[t], out=a[t])


class ChunkStream:
    """Streamed statistics of a block of configurations, fed a chunk of periods at a time.

    The chunked twin of the numba ``stream_stats``: same sums around the first period,
    same order of additions, same drawdown rules, so :meth:`finish` returns the kernel's
    accumulator rows (layout :data:`~capsize.backtest.sweep._acc.ACC_FIELDS`).
    """

    def __init__(self, n_configs: int, rows: int) -> None:
        z = np.zeros(n_configs)
        self.n = 0
        self.k_r, self.k_x = z.copy(), z.copy()
        self.s1, self.s2, self.x1, self.x2, self.down = (z.copy() for _ in range(5))
        self.eq, self.peak = np.ones(n_configs), np.ones(n_configs)
        self.peak_day = z.copy()
        self.under = np.zeros(n_configs, dtype=np.bool_)
        self.mdd, self.mdur = z.copy(), z.copy()
        self.turnover, self.trades, self.hits, self.nonzero, self.expo = (
            z.copy() for _ in range(5)
        )
        # scratch, reused chunk after chunk (no allocation, no page faults per chunk)
        shape = (rows, n_configs)
        self._f = [np.empty(shape) for _ in range(3)]
        self._b = [np.empty(shape, dtype=np.bool_) for _ in range(3)]

    def net(self, m: int) -> FloatArray:
        """Return the buffer to write ``m`` periods of net returns in (spent by :meth:`add`)."""
        return self._f[0][:m]

    def scratch(self, m: int) -> tuple[FloatArray, FloatArray]:
        """Return two float buffers of ``m`` rows free until :meth:`add`."""
        return self._f[1][:m], self._f[2][:m]

    def flags(self, m: int) -> np.ndarray:
        """Return a bool buffer of ``m`` rows free until :meth:`add`."""
        return self._b[2][:m]

    def add(self, net: FloatArray, rf: FloatArray, days: FloatArray) -> None:
        """Add m periods: ``net`` of shape (m, n_configs) is spent; ``rf``, ``days`` (m,).

        Exposure, turnover and trades are the caller's (``expo``, ``turnover``,
        ``trades``, to be summed in period order with :func:`seq_sum` when fractional).
        """
        m = net.shape[0]
        if self.n == 0:
            self.k_r = net[0].copy()
            self.k_x = net[0] - rf[0]
            self.peak_day[:] = days[0]
        self.n += m
        flag = self._b[0][:m]
        self.hits += count_true(np.greater(net, 0.0, out=flag))
        self.nonzero += count_true(np.not_equal(net, 0.0, out=flag))
        self._drawdowns(net, days)
        self._moments(net, rf)

    def _moments(self, net: FloatArray, rf: FloatArray) -> None:
        x = self._f[1][: net.shape[0]]
        if not rf.any() and np.array_equal(self.k_x, self.k_r):  # excess = returns: sum once
            np.minimum(net, 0.0, out=x)
            x *= x
            self.down = seq_sum(x, self.down)
            net -= self.k_r
            np.multiply(net, net, out=x)
            self.s2 = self.x2 = seq_sum(x, self.s2)
            self.s1 = self.x1 = seq_sum(net, self.s1)
            return
        e = self._f[2][: net.shape[0]]
        np.subtract(net, rf[:, None], out=x)  # excess returns
        np.subtract(x, self.k_x, out=e)
        np.minimum(x, 0.0, out=x)
        x *= x
        self.down = seq_sum(x, self.down)
        np.multiply(e, e, out=x)
        self.x2 = seq_sum(x, self.x2)
        self.x1 = seq_sum(e, self.x1)
        net -= self.k_r
        np.multiply(net, net, out=x)
        self.s2 = seq_sum(x, self.s2)
        self.s1 = seq_sum(net, self.s1)

    def _drawdowns(self, net: FloatArray, days: FloatArray) -> None:
        m = net.shape[0]
        eq, peak, at_peak = self._f[1][:m], self._f[2][:m], self._b[1][:m]
        np.add(net, 1.0, out=eq)
        eq[0] *= self.eq
        _running(np.multiply, eq)
        np.copyto(peak, eq)
        np.maximum(peak[0], self.peak, out=peak[0])
        _running(np.maximum, peak)
        np.greater_equal(eq, peak, out=at_peak)
        self.eq, self.peak = eq[-1].copy(), peak[-1].copy()
        eq /= peak
        self.mdd = np.minimum(self.mdd, eq.min(axis=0) - 1.0)
        self._durations(at_peak, days)

    def _durations(self, at_peak: np.ndarray, days: FloatArray) -> None:
        """Longest stretch under water, scored when it ends (at a new peak) or at the end.

        Under-water stretches begin after a fall (the last peak is the period before) and
        end at a rise; only these changes are visited, not every period.
        """
        change = self._b[2][: at_peak.shape[0]]
        np.not_equal(at_peak[0], ~self.under, out=change[0])
        np.not_equal(at_peak[1:], at_peak[:-1], out=change[1:])
        t, k = np.divmod(np.flatnonzero(change), change.shape[1])
        order = np.argsort(k, kind="stable")  # by configuration, then period
        t, k = t[order], k[order]
        rise = at_peak[t, k]
        first = np.ones(len(k), dtype=np.bool_)
        first[1:] = k[1:] != k[:-1]
        # the last peak before a rise: the period before the previous change (a fall),
        # or the carried peak day when the stretch began in an earlier chunk
        before = np.empty_like(t)
        before[1:] = t[:-1] - 1
        before[first] = 0
        since = np.where(first | (before < 0), self.peak_day[k], days[np.maximum(before, 0)])
        np.maximum.at(self.mdur, k[rise], days[t[rise]] - since[rise])
        last = np.ones(len(k), dtype=np.bool_)
        last[:-1] = first[1:]
        fell = last & ~rise & (t > 0)
        self.peak_day[k[fell]] = days[t[fell] - 1]
        self.under = ~at_peak[-1]
        self.peak_day[~self.under] = days[-1]

    def finish(self, last_day: float) -> FloatArray:
        """Return the accumulator rows; ``last_day`` is the day number of the last period."""
        n = float(self.n)
        mdur = np.where(self.under, np.maximum(self.mdur, last_day - self.peak_day), self.mdur)
        cols = (
            np.full_like(self.eq, n), self.eq,
            self.k_r + self.s1 / n, self.s2 - self.s1 * self.s1 / n,
            self.k_x + self.x1 / n, self.x2 - self.x1 * self.x1 / n,
            self.down, np.minimum(self.mdd, 0.0), mdur, self.turnover, self.hits,
            self.nonzero, self.expo, self.trades,
        )  # fmt: skip
        return np.column_stack(cols)
