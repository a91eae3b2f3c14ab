"""Property tests: buy-and-hold limits, costs never help, no trading on unknown closes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from capsize import backtest as bt
from capsize.errors import InputError, PerformanceWarning

RET = st.floats(-0.2, 0.2, allow_nan=False, allow_infinity=False)


@st.composite
def frames(draw: st.DrawFn, min_size: int = 3, max_size: int = 80) -> pd.DataFrame:
    n = draw(st.integers(min_size, max_size))
    values = draw(arrays(np.float64, (n, 2), elements=RET))
    return pd.DataFrame(values, pd.bdate_range("2020-01-01", periods=n), columns=["s", "l"])


@given(
    r=frames(),
    level=st.floats(-1, 1),
    lag=st.integers(1, 5),
    hold=st.integers(1, 5),
    below=st.sampled_from(["large", "cash"]),
)
def test_constant_signal_is_buy_and_hold(r, level, lag, hold, below) -> None:
    run = bt.rotation(r, pd.Series(level, r.index), threshold=0.0, lag=lag, hold=hold, below=below)
    other = r["l"] if below == "large" else pd.Series(0.0, r.index)
    if level <= 0:
        np.testing.assert_allclose(run.equity, (1 + other).cumprod(), rtol=1e-12)
        assert run.trades.empty
    else:
        held = pd.concat([other.iloc[: lag + 1], r["s"].iloc[lag + 1 :]])  # traded at close `lag`
        np.testing.assert_allclose(run.equity, (1 + held).cumprod(), rtol=1e-12)


@settings(max_examples=40)
@given(r=frames(), w=st.floats(0, 1), rebalance=st.sampled_from(["M", "Q", None]))
def test_sleeve_without_trades_is_buy_and_hold_of_the_mix(r, w, rebalance) -> None:
    run = bt.sleeve(r, w, rebalance=None, band=None)
    mix = w * (1 + r["s"]).cumprod() + (1 - w) * (1 + r["l"]).cumprod()
    np.testing.assert_allclose(run.equity, mix, rtol=1e-12)
    for edge in (0.0, 1.0):  # a 0 % or 100 % sleeve never trades, whatever the rule
        assert bt.sleeve(r, edge, rebalance=rebalance, cost_bps=50).trades[
            "cost"
        ].sum() == pytest.approx(0, abs=1e-15)


@settings(max_examples=40)
@given(
    r=frames(),
    sig=st.lists(st.floats(-1, 1), min_size=80, max_size=80),
    cost=st.floats(0, 100),
    lag=st.integers(1, 3),
)
def test_doubling_rotation_costs_never_raises_returns(r, sig, cost, lag) -> None:
    s = pd.Series(sig[: len(r)], r.index)
    one = bt.rotation(r, s, lag=lag, cost_bps=cost, spread_bps=cost / 3)
    two = bt.rotation(r, s, lag=lag, cost_bps=2 * cost, spread_bps=2 * cost / 3)
    assert (two.returns <= one.returns + 1e-15).all()
    assert two.equity.iloc[-1] <= one.equity.iloc[-1] * (1 + 1e-12)


@given(r=frames(), w=st.floats(0, 0.3), band=st.none() | st.floats(0, 0.05), cost=st.floats(0, 100))
def test_doubling_sleeve_costs_never_raises_returns(r, w, band, cost) -> None:
    one = bt.sleeve(r, w, rebalance="M" if band is None else None, band=band, cost_bps=cost)
    two = bt.sleeve(r, w, rebalance="M" if band is None else None, band=band, cost_bps=2 * cost)
    assert (two.returns <= one.returns + 1e-15).all()


@given(lag=st.integers(-3, 0))
def test_a_lag_below_one_is_refused(lag) -> None:
    r = pd.DataFrame({"s": [0.0, 0.1], "l": [0.0, 0.0]}, pd.bdate_range("2024-01-01", periods=2))
    with pytest.raises(InputError, match="lag"):
        bt.rotation(r, pd.Series(1.0, r.index), lag=lag)
    with pytest.raises(ValueError, match="lag"):
        bt.ma_sweep(r, fast=[1], slow=[2], lag=[1, lag])


@settings(max_examples=40)
@given(r=frames(min_size=30), day=st.integers(10, 29))
def test_a_run_ending_at_d_only_uses_data_to_d(r, day) -> None:
    """Truncating the inputs after day d leaves every figure up to d unchanged."""
    sig = bt.ma_signal(bt.relative_strength(r), 2, 5)
    full = bt.rotation(r, sig, cost_bps=10)
    cut = r.iloc[: day + 1]
    part = bt.rotation(cut, bt.ma_signal(bt.relative_strength(cut), 2, 5), cost_bps=10)
    np.testing.assert_array_equal(part.equity.to_numpy(), full.equity.iloc[: day + 1].to_numpy())
    sl_full, sl_part = (
        bt.sleeve(r, 0.2, band=0.01, rebalance=None),
        bt.sleeve(cut, 0.2, band=0.01, rebalance=None),
    )
    np.testing.assert_array_equal(
        sl_part.equity.to_numpy(), sl_full.equity.iloc[: day + 1].to_numpy()
    )


@settings(max_examples=15)
@given(r=frames(min_size=20, max_size=60), cost=st.floats(0, 50), lag=st.integers(1, 3))
def test_numba_and_numpy_kernels_agree(r, cost, lag) -> None:
    kw = {"fast": [1, 2, 3], "slow": [4, 8], "lag": lag, "hold": [1, 3], "cost_bps": [0.0, cost]}
    sk = {
        "weights": [0.0, 0.1, 0.3],
        "bands": [None, 0.01],
        "rebalance": ["M", None],
        "cost_bps": cost,
    }
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        mp.setenv("CAPSIZE_NO_AOT", "1")  # numba's JIT (the AOT kernels: test_aot.py)
        vec_ma = bt.ma_sweep(r, **kw)  # hold 1 on the vectorized path, hold 3 on numba
        mp.setenv("CAPSIZE_NO_VECTORIZE", "1")
        fast_ma, fast_sl = bt.ma_sweep(r, **kw), bt.sleeve_sweep(r, **sk)
        mp.setenv("CAPSIZE_NO_NUMBA", "1")
        warnings.simplefilter("ignore", PerformanceWarning)
        slow_ma, slow_sl = bt.ma_sweep(r, **kw), bt.sleeve_sweep(r, **sk)
    assert slow_ma.attrs["backend"] == "numpy" and fast_ma.attrs["backend"] == "numba"
    assert vec_ma.attrs["backend"] == "vectorized+numba"
    # the vectorized path adds the same numbers in the same order as the kernel
    np.testing.assert_array_equal(vec_ma[list(bt.STAT_NAMES)], fast_ma[list(bt.STAT_NAMES)])
    cols = list(bt.STAT_NAMES)
    for a, b in ((fast_ma, slow_ma), (fast_sl, slow_sl)):
        np.testing.assert_allclose(
            a[cols].to_numpy(float), b[cols].to_numpy(float), rtol=1e-11, atol=1e-14, equal_nan=True
        )
