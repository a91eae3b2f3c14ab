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

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = [
    "BLOCK_CELLS",
    "MAX_BLOCK",
    "ChunkStream",
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


def _blocks(order: np.ndarray, key: np.ndarray, size: int) -> list[np.ndarray]:
    """Split configuration indices into blocks of at most ``size`` sharing one ``key``."""
    out: list[np.ndarray] = []
    for value in np.unique(key[order]):
        group = order[key[order] == value]
        out.extend(group[i : i + size] for i in range(0, len(group), size))
    return out


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
    are written to ``out[select]``. A block is up to ``MAX_BLOCK`` configurations of one
    lag and one signal kind, walked through time in chunks of ``BLOCK_CELLS`` cells.
    """
    cols = np.ascontiguousarray(rows[:, :t1].T)  # (n_periods, n_rows)
    kind = 2 * lag + (slow >= 0)
    up_small, up_other = r_small + 1.0, r_other + 1.0  # 1 + gross, per leg held
    for idx in _blocks(np.asarray(select), kind, MAX_BLOCK):
        signal = _Signal(cols, fast[idx], slow[idx], int(lag[idx[0]]), threshold[idx])
        cost = 1.0 - rate[idx]
        free = bool((rate[idx] == 0.0).all())
        stream = ChunkStream(len(idx))
        step = max(1, BLOCK_CELLS // len(idx))
        for a in range(t0, t1, step):
            b = min(a + step, t1)
            pos = signal.positions(a - 1, b)  # positions after closes a - 1 .. b - 1
            held, after = pos[:-1], pos[1:]
            traded = held != after
            net = np.where(held, up_small[a:b, None], up_other[a:b, None])
            if not free:
                np.multiply(net, cost, out=net, where=traded)  # x (1 - |dpos| x rate)
            net -= 1.0
            n_trades = np.count_nonzero(traded, axis=0)
            stream.add(net, rf[a:b], days[a:b])
            # positions are 0 or 1: these sums are exact in any order
            stream.expo += np.count_nonzero(held, axis=0)
            stream.trades += n_trades
            stream.turnover += n_trades * to_unit
        out[idx] = stream.finish(float(days[t1 - 1]))


class _Signal:
    """The side of one block's signals (above the threshold or not) at any close."""

    def __init__(
        self,
        cols: FloatArray,
        fast: np.ndarray,
        slow: np.ndarray,
        lag: int,
        threshold: FloatArray,
    ) -> None:
        self.cols, self.fast, self.lag, self.threshold = cols, fast, lag, threshold
        self.slow = slow if slow[0] >= 0 else None

    def positions(self, a: int, b: int) -> np.ndarray:
        """Return the positions (bool: small caps) after closes ``a .. b - 1``.

        The position after close ``t`` is the side of the signal of close ``t - lag``;
        before the signal exists, or while it is NaN (only at its start, see
        :func:`vectorizable`), it is False.
        """
        pos = np.zeros((b - a, len(self.fast)), dtype=np.bool_)
        lo = max(a, self.lag)
        if lo < b:
            rows = self.cols[lo - self.lag : b - self.lag]
            v = rows.take(self.fast, axis=1)
            if self.slow is not None:
                v /= rows.take(self.slow, axis=1)
                v -= 1.0
            np.greater(v, self.threshold, out=pos[lo - a :])
        return pos


def seq_sum(a: FloatArray, carry: FloatArray) -> FloatArray:
    """Return ``carry + a[0] + a[1] + ...`` per column, added in period order (``a`` is spent).

    numpy reduces axis 0 of a C-ordered array one row after another, so this is the
    numba kernel's running sum to the last bit.
    """
    a[0] += carry
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

    def __init__(self, n_configs: int) -> None:
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

    def add(self, net: FloatArray, rf: FloatArray, days: FloatArray) -> None:
        """Add m periods: ``net`` of shape (m, n_configs) is spent; ``rf``, ``days`` (m,).

        Exposure, turnover and trades are the caller's (``expo``, ``turnover``,
        ``trades``, to be summed in period order with :func:`seq_sum` when fractional).
        """
        if self.n == 0:
            self.k_r = net[0].copy()
            self.k_x = net[0] - rf[0]
            self.peak_day[:] = days[0]
        self.n += net.shape[0]
        self.hits += np.count_nonzero(net > 0.0, axis=0)
        self.nonzero += np.count_nonzero(net, axis=0)
        self._drawdowns(net, days)
        self._moments(net, rf)

    def _moments(self, net: FloatArray, rf: FloatArray) -> None:
        if not rf.any() and np.array_equal(self.k_x, self.k_r):  # excess = returns: sum once
            x = np.minimum(net, 0.0)
            x *= x
            self.down = seq_sum(x, self.down)
            net -= self.k_r
            np.multiply(net, net, out=x)
            self.s2 = self.x2 = seq_sum(x, self.s2)
            self.s1 = self.x1 = seq_sum(net, self.s1)
            return
        d = net - self.k_r
        self.s2 = seq_sum(d * d, self.s2)
        self.s1 = seq_sum(d, self.s1)
        x = np.subtract(net, rf[:, None], out=d)
        e = x - self.k_x
        np.minimum(x, 0.0, out=x)
        x *= x
        self.down = seq_sum(x, self.down)
        self.x2 = seq_sum(e * e, self.x2)
        self.x1 = seq_sum(e, self.x1)

    def _drawdowns(self, net: FloatArray, days: FloatArray) -> None:
        eq = net + 1.0
        eq[0] *= self.eq
        _running(np.multiply, eq)
        peak = eq.copy()
        np.maximum(peak[0], self.peak, out=peak[0])
        _running(np.maximum, peak)
        at_peak = eq >= peak
        self.eq, self.peak = eq[-1].copy(), peak[-1].copy()
        eq /= peak
        self.mdd = np.minimum(self.mdd, eq.min(axis=0) - 1.0)
        self._durations(at_peak, days)

    def _durations(self, at_peak: np.ndarray, days: FloatArray) -> None:
        """Longest stretch under water, scored when it ends (at a new peak) or at the end.

        Under-water stretches begin after a fall (the last peak is the period before) and
        end at a rise; only these changes are visited, not every period.
        """
        change = np.empty_like(at_peak)
        np.not_equal(at_peak[0], ~self.under, out=change[0])
        np.not_equal(at_peak[1:], at_peak[:-1], out=change[1:])
        t, k = np.nonzero(change)
        order = np.argsort(k, kind="stable")
        t, k = t[order], k[order]
        rise = at_peak[t, k]
        first = np.ones(len(k), dtype=np.bool_)
        first[1:] = k[1:] != k[:-1]
        # the last peak before a rise: the period before the previous change (a fall),
        # or the carried peak day when the stretch began in an earlier chunk
        before = np.where(first, 0, np.roll(t, 1) - 1)
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
