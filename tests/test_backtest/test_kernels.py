"""The blocked sweep kernels equal the one-configuration-at-a-time algorithm, bit for bit.

The reference is plain Python: each configuration's strategy loop as the kernels ran it
before they were blocked (configurations outer, periods inner), reduced by the Python
body of ``stream_stats``. Same float operations in the same order, so equality is exact.
Grids span several blocks (a partial last one), a statistics window inside the data and
a risk-free series; the numpy fallback must agree to the bit as well.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.backtest._inputs import day_numbers, period_starts
from capsize.backtest.sweep import _loops, _vector
from capsize.backtest.sweep._acc import ACC_FIELDS

RULES = ("M", "Q", "A", None)


def _reduce(
    net: np.ndarray, rf: np.ndarray, turn: np.ndarray, held: np.ndarray, days: np.ndarray,
    t0: int, t1: int,
) -> np.ndarray:  # fmt: skip
    acc = np.empty(len(ACC_FIELDS))
    _loops.stream_stats.py_func(net, rf, turn, held, days, t0, t1, acc)
    return acc


def _sleeve_ref(w: float, b: float, fq: int, ck: float, *legs: Any) -> np.ndarray:
    calendar, rs, rl, rf, days, t0, t1 = legs
    net, turn, held = np.empty(t1), np.empty(t1), np.empty(t1)
    cur = w
    for t in range(t1):
        prev = cur
        gross = cur * rs[t] + (1.0 - cur) * rl[t]
        pre = cur * (1.0 + rs[t]) / (1.0 + gross)
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
    return _reduce(net, rf, turn, held, days, t0, t1)


def _rotation_ref(ma: np.ndarray, *cfg: Any) -> np.ndarray:
    fk, sk, lk, hk, ck, thr, to_unit, rs, ro, rf, days, t0, t1 = cfg
    net, turn, held = np.empty(t1), np.empty(t1), np.empty(t1)
    cur, last = 0.0, -hk
    for t in range(t1):
        prev = cur
        if t >= lk:
            v = ma[fk, t - lk] / ma[sk, t - lk] - 1.0 if sk >= 0 else ma[fk, t - lk]
            if v == v:
                want = 1.0 if v > thr else 0.0
                if want != cur and t - last >= hk:
                    cur, last = want, t
        dpos = abs(cur - prev)
        gross = prev * rs[t] + (1.0 - prev) * ro[t]
        net[t] = (1.0 + gross) * (1.0 - dpos * ck) - 1.0
        turn[t] = dpos * to_unit
        held[t] = prev
    return _reduce(net, rf, turn, held, days, t0, t1)


@pytest.fixture(scope="module")
def legs(iwm_spy: pd.DataFrame) -> dict[str, Any]:
    """IWM/SPY returns as the kernels take them, a statistics window and a rf series."""
    idx = pd.DatetimeIndex(iwm_spy.index)
    t0, t1 = int(idx.searchsorted(pd.Timestamp("2003-06-02"))), len(idx) - 40
    return {
        "rs": np.ascontiguousarray(iwm_spy.iloc[:, 0].to_numpy(np.float64)),
        "rl": np.ascontiguousarray(iwm_spy.iloc[:, 1].to_numpy(np.float64)),
        "rf": np.linspace(0.0, 2e-4, len(idx)),
        "days": day_numbers(idx).astype(np.float64),
        "t0": t0,
        "t1": t1,
        "calendar": np.array([period_starts(idx, r) for r in RULES], dtype=np.bool_),
    }


def test_sleeve_kernel_equals_the_per_configuration_loop(legs: dict[str, Any]) -> None:
    """528 sleeves: weights x bands x calendars x costs; several blocks per rule."""
    g = np.array(
        [
            (w, b, fq, c)
            for w in np.linspace(0.0, 0.3, 11)
            for b in (-1.0, 0.005, 0.02, 0.06)
            for fq in range(len(RULES))
            for c in (0.0, 1e-3, 4e-3)
        ]
    )
    weight, band, rate = g[:, 0].copy(), g[:, 1].copy(), g[:, 3].copy()
    no_rule = RULES.index(None)
    freq = np.where(g[:, 2] == no_rule, -1, g[:, 2]).astype(np.int64)  # -1: no calendar rule
    lg = legs
    args = (lg["calendar"], lg["rs"], lg["rl"], lg["rf"], lg["days"], lg["t0"], lg["t1"])
    out = np.full((len(g), len(ACC_FIELDS)), np.nan)
    _loops.sleeve_grid(weight, band, freq, rate, *args, out)
    fallback = np.full_like(out, np.nan)
    _vector.sleeve_grid(weight, band, freq, rate, *args, fallback)
    np.testing.assert_array_equal(out, fallback)
    for k in np.random.default_rng(7).choice(len(g), 24, replace=False):
        want = _sleeve_ref(weight[k], band[k], freq[k], rate[k], *args)
        np.testing.assert_array_equal(out[k], want, err_msg=f"configuration {k}: {g[k]}")
    assert (out[:, 13] > 0).any() and (out[:, 7] < 0).all()  # trades and drawdowns happened


def test_rotation_kernel_equals_the_per_configuration_loop(legs: dict[str, Any]) -> None:
    """Moving-average pairs and raw signals, lags, holds > 1, thresholds and costs."""
    lg = legs
    rel = np.cumprod(1.0 + lg["rs"]) / np.cumprod(1.0 + lg["rl"])
    windows = (5, 20, 50, 120, 200)
    rows = [pd.Series(rel).rolling(w).mean().to_numpy() for w in windows]
    raw = pd.Series(rel).pct_change(63).to_numpy()  # a raw signal with a NaN warm-up
    ma = np.ascontiguousarray([*rows, raw])
    signals = [(f, s, 0.0) for f in range(3) for s in range(2, 5) if f < s]
    signals += [(5, -1, th) for th in (-0.02, 0.0, 0.03)] + [(0, 4, 0.01)]
    g = [
        (*sig, lag, hold, rate)
        for sig in signals
        for lag in (1, 3)
        for hold in (1, 5, 21)
        for rate in (0.0, 2e-3)
    ]
    arr = np.array(g)
    fast, slow = arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64)
    lag, hold = arr[:, 3].astype(np.int64), arr[:, 4].astype(np.int64)
    thr, rate = arr[:, 2].copy(), arr[:, 5].copy()
    tail = (1.0, lg["rs"], lg["rl"], lg["rf"], lg["days"], lg["t0"], lg["t1"])
    out = np.full((len(g), len(ACC_FIELDS)), np.nan)
    _loops.ma_rotation(ma, fast, slow, lag, hold, rate, thr, *tail, out)
    fallback = np.full_like(out, np.nan)
    _vector.ma_rotation(ma, fast, slow, lag, hold, rate, thr, *tail, fallback)
    np.testing.assert_array_equal(out, fallback)
    for k in np.random.default_rng(11).choice(len(g), 24, replace=False):
        want = _rotation_ref(ma, fast[k], slow[k], lag[k], hold[k], rate[k], thr[k], *tail)
        np.testing.assert_array_equal(out[k], want, err_msg=f"configuration {k}: {g[k]}")
    assert len(g) > 2 * _loops.BLOCK and (out[:, 13] > 0).all()
