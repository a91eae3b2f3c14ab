"""Sweep rows equal single runs; the numba and numpy kernels agree; memory stays bounded."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest

from capsize import backtest as bt
from capsize.backtest.sweep import _block as block
from capsize.errors import PerformanceWarning

REL = 1e-10
STATS = list(bt.STAT_NAMES)


def _compare(row: pd.Series, single: dict[str, float]) -> None:
    got = row[STATS].to_numpy(dtype=float)
    want = np.array([single[k] for k in STATS])
    np.testing.assert_allclose(got, want, rtol=REL, atol=1e-12, equal_nan=True)


def _ma_run(r: pd.DataFrame, row: pd.Series, price: pd.Series | None, **kw) -> bt.BacktestRun:
    px = bt.relative_strength(r) if price is None else price
    # the signal, computed here with plain pandas rolling means
    sig = px.rolling(int(row["fast"])).mean() / px.rolling(int(row["slow"])).mean() - 1
    return bt.rotation(
        r, sig, lag=int(row["lag"]), hold=int(row["hold"]), cost_bps=row["cost_bps"], **kw
    )


@pytest.fixture(scope="module")
def ma_grid(iwm_spy: pd.DataFrame) -> pd.DataFrame:
    return bt.ma_sweep(
        iwm_spy, fast=[5, 20, 50], slow=[50, 150, 200], lag=[1, 3], hold=[1, 10],
        cost_bps=[0.0, 10.0], slippage_bps=2.0, spread_bps={"IWM": 2.0, "SPY": 1.0},
    )  # fmt: skip


def test_ma_sweep_rows_equal_single_runs(iwm_spy, ma_grid) -> None:
    assert ma_grid.attrs["n_configs"] == len(ma_grid) == 8 * 2 * 2 * 2
    for i in np.random.default_rng(1).choice(len(ma_grid), 6, replace=False):
        row = ma_grid.iloc[i]
        run = _ma_run(iwm_spy, row, None, slippage_bps=2.0, spread_bps={"IWM": 2.0, "SPY": 1.0})
        _compare(row, bt.stats(run))


def test_ma_sweep_on_one_price_to_cash_with_window_and_rf(iwm_spy, iwm_close) -> None:
    rf = pd.Series(0.0001, iwm_spy.index)
    cash = pd.Series(0.00008, iwm_spy.index)
    kw = {
        "price": iwm_close,
        "below": "cash",
        "cash": cash,
        "rf": rf,
        "start": "2010-01-01",
        "end": "2019-12-31",
    }
    grid = bt.ma_sweep(iwm_spy, fast=[10, 50], slow=[100, 200], cost_bps=5.0, **kw)
    for _, row in grid.iterrows():
        run = _ma_run(iwm_spy, row, iwm_close, below="cash", cash=cash)
        _compare(row, bt.stats(run, rf=rf, start="2010-01-01", end="2019-12-31"))


def test_signal_sweep_rows_equal_single_runs(iwm_spy, french_size) -> None:
    rs = bt.relative_strength(iwm_spy)
    sig = rs / rs.shift(63) - 1  # 3-month relative momentum, a raw signal
    grid = bt.signal_sweep(
        iwm_spy, sig, thresholds=[-0.02, 0.0, 0.03], lag=[1, 5], hold=[1, 21], cost_bps=[0.0, 10.0]
    )
    assert len(grid) == 24
    for i in (0, 7, 13, 23):
        row = grid.iloc[i]
        run = bt.rotation(
            iwm_spy,
            sig,
            threshold=row["threshold"],
            lag=int(row["lag"]),
            hold=int(row["hold"]),
            cost_bps=row["cost_bps"],
        )
        _compare(row, bt.stats(run))
    month_sig = french_size["small"].rolling(12).mean() - french_size["large"].rolling(12).mean()
    monthly = bt.signal_sweep(french_size, month_sig, thresholds=[0.0, 0.002], below="cash")
    for _, row in monthly.iterrows():
        run = bt.rotation(french_size, month_sig, threshold=row["threshold"], below="cash")
        _compare(row, bt.stats(run))


def test_sleeve_sweep_rows_equal_single_runs(iwm_spy, french_size) -> None:
    for r in (iwm_spy, french_size):
        grid = bt.sleeve_sweep(
            r,
            weights=[0.0, 0.1, 0.3],
            bands=[None, 0.01],
            rebalance=["M", "A", None],
            cost_bps=[0.0, 20.0],
        )
        assert len(grid) == 36
        for i in (0, 5, 13, 22, 29, 35):
            row = grid.iloc[i]
            band = None if np.isnan(row["band"]) else row["band"]
            run = bt.sleeve(
                r, row["weight"], rebalance=row["rebalance"], band=band, cost_bps=row["cost_bps"]
            )
            _compare(row, bt.stats(run))


def test_numpy_fallback_agrees_with_numba(iwm_spy, monkeypatch) -> None:
    r = iwm_spy.loc["2017":]
    ma_kw = {
        "fast": [5, 20, 50],
        "slow": [50, 150, 200],
        "lag": [1, 3],
        "hold": [1, 10],
        "cost_bps": [0.0, 10.0],
    }
    sleeve_kw = {
        "weights": [0.05, 0.2],
        "bands": [None, 0.02],
        "rebalance": ["Q", None],
        "cost_bps": [0.0, 10.0],
    }
    monkeypatch.setenv("CAPSIZE_NO_VECTORIZE", "1")  # the two kernels, every configuration
    fast_ma, fast_sleeve = bt.ma_sweep(r, **ma_kw), bt.sleeve_sweep(r, **sleeve_kw)
    monkeypatch.setenv("CAPSIZE_NO_NUMBA", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerformanceWarning)
        slow_ma, slow_sleeve = bt.ma_sweep(r, **ma_kw), bt.sleeve_sweep(r, **sleeve_kw)
    assert fast_ma.attrs["backend"] in ("aot", "numba")  # aot: compiled at install
    assert slow_ma.attrs["backend"] == slow_sleeve.attrs["backend"] == "numpy"
    for a, b in ((fast_ma, slow_ma), (fast_sleeve, slow_sleeve)):
        np.testing.assert_allclose(
            a[STATS].to_numpy(float), b[STATS].to_numpy(float), rtol=1e-12, equal_nan=True
        )


@pytest.mark.parametrize("chunk", [None, 1000], ids=["default-chunks", "small-chunks"])
def test_vectorized_path_equals_the_kernel_to_the_last_bit(
    iwm_spy, iwm_close, chunk, monkeypatch
) -> None:
    """hold == 1 runs without the kernel; results are the kernel's, bit for bit."""
    monkeypatch.setenv("CAPSIZE_NO_AOT", "1")  # the AOT kernels take hold == 1 when loaded
    if chunk is not None:  # many chunks: the statistics' state carried across chunks
        monkeypatch.setattr(block, "BLOCK_CELLS", chunk)
    rs = bt.relative_strength(iwm_spy)
    sig = (rs / rs.shift(63) - 1).iloc[100:]  # starts late: a leading NaN stretch
    rf = pd.Series(np.linspace(0.0, 2e-4, len(iwm_spy)), iwm_spy.index)
    runs = {
        "ma": lambda: bt.ma_sweep(
            iwm_spy, fast=[2, 5, 20, 50], slow=[10, 50, 200], lag=[1, 2, 5], hold=1,
            cost_bps=[0.0, 10.0], slippage_bps=2.0, spread_bps={"IWM": 2.0, "SPY": 1.0},
        ),
        "ma-cash-window": lambda: bt.ma_sweep(
            iwm_spy, fast=[5, 30], slow=[100, 250], price=iwm_close, below="cash",
            cash=pd.Series(8e-5, iwm_spy.index), rf=rf, start="2008-01-01", end="2020-06-30",
        ),
        "one-config": lambda: bt.ma_sweep(iwm_spy, fast=[20], slow=[100], cost_bps=5.0),
        "signal": lambda: bt.signal_sweep(
            iwm_spy, sig, thresholds=[-0.05, 0.0, 0.02], lag=[1, 3], cost_bps=[0.0, 5.0]
        ),
    }  # fmt: skip
    for name, run in runs.items():
        vec = run()
        monkeypatch.setenv("CAPSIZE_NO_VECTORIZE", "1")
        kern = run()
        monkeypatch.delenv("CAPSIZE_NO_VECTORIZE")
        assert vec.attrs["backend"] == "vectorized", name
        assert kern.attrs["backend"] in ("numba", "numpy"), name
        pd.testing.assert_frame_equal(vec, kern, check_exact=True, obj=name)


def test_a_moving_average_grid_needs_no_numba() -> None:
    """The first call of an MA grid compiles nothing: numba is not even imported."""
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from capsize import backtest as bt\n"
        "idx = pd.bdate_range('2020-01-01', periods=400)\n"
        "r = pd.DataFrame(np.random.default_rng(0).normal(3e-4, 0.01, (400, 2)), idx,"
        " columns=['s', 'l'])\n"
        "res = bt.ma_sweep(r, fast=[5, 10], slow=[50, 100], cost_bps=[0.0, 5.0])\n"
        "assert res.attrs['backend'] == 'vectorized', res.attrs\n"
        "assert 'numba' not in sys.modules\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAPSIZE_NO_")}
    env["CAPSIZE_NO_AOT"] = "1"  # the vectorized path (without AOT kernels: test_aot.py)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_ten_thousand_configurations_in_bounded_memory(iwm_spy) -> None:
    kw = {
        "weights": np.linspace(0.0, 0.3, 25), "bands": [None, *np.linspace(0.005, 0.1, 19)],
        "rebalance": ["M", "Q", "A", None], "cost_bps": [0.0, 2.0, 5.0, 10.0, 20.0],
    }  # fmt: skip
    r = iwm_spy.loc["2016":]
    bt.sleeve_sweep(r.iloc[:300], **kw)  # compile outside the measurement
    tracemalloc.start()
    grid = bt.sleeve_sweep(r, **kw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(grid) == 10_000
    dense = len(grid) * len(r) * 8  # one (configs x days) float64 matrix
    assert peak < dense / 20, (peak, dense)
