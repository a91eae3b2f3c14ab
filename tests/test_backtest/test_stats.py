"""Statistics, bootstrap intervals, deflated Sharpe and walk-forward."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from capsize import backtest as bt
from capsize.errors import InputError


def test_stats_by_hand() -> None:
    idx = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"])
    r = pd.Series([0.10, -0.20, 0.05, 0.20, -0.01], idx)
    s = bt.stats(r, periods_per_year=252, rf=0.001)
    eq = np.cumprod(1 + r.to_numpy())  # 1.1, 0.88, 0.924, 1.1088, 1.097712
    assert s["total_return"] == pytest.approx(eq[-1] - 1)
    assert s["max_drawdown"] == pytest.approx(0.88 / 1.1 - 1)
    assert s["max_drawdown_days"] == 3.0  # peak 01-02, back above it on 01-05
    x = r.to_numpy() - 0.001
    assert s["sharpe"] == pytest.approx(x.mean() / x.std(ddof=1) * math.sqrt(252))
    assert s["sortino"] == pytest.approx(
        x.mean() / math.sqrt((np.minimum(x, 0) ** 2).mean()) * math.sqrt(252)
    )
    assert s["hit_rate"] == pytest.approx(3 / 5)
    assert s["cagr"] == pytest.approx(eq[-1] ** (252 / 5) - 1)
    assert math.isnan(s["turnover"]) and math.isnan(s["exposure"])


def test_stats_of_a_run_window(iwm_spy) -> None:
    run = bt.sleeve(iwm_spy, 0.2, rebalance="Q", cost_bps=5.0)
    s = bt.stats(run, start="2020-01-01", end="2020-12-31")
    assert s["n_trades"] == 4.0  # the first session of each quarter of 2020
    assert s["n_periods"] == 253.0
    assert 0.15 < s["exposure"] < 0.25
    assert s["max_drawdown"] < -0.3  # March 2020
    assert run.drawdown.min() == pytest.approx(bt.stats(run)["max_drawdown"], rel=1e-12)


def test_stationary_indices_block_lengths() -> None:
    rng = np.random.default_rng(3)
    idx = bt.stationary_indices(5000, 20.0, 40, rng)
    assert idx.shape == (40, 5000) and idx.min() >= 0 and idx.max() < 5000
    cont = (np.diff(idx, axis=1) % 5000 == 1).mean()
    assert cont == pytest.approx(1 - 1 / 20, abs=0.01)
    iid = bt.stationary_indices(5000, 1.0, 10, rng)
    assert (np.diff(iid, axis=1) % 5000 == 1).mean() < 0.01
    with pytest.raises(InputError, match="mean_block"):
        bt.stationary_indices(10, 0.5, 1, rng)


def test_bootstrap_mean_interval_matches_theory_on_iid_data() -> None:
    rng = np.random.default_rng(7)
    r = pd.Series(rng.normal(4e-4, 0.01, 3000), pd.bdate_range("2010-01-01", periods=3000))
    ci = bt.block_bootstrap_ci(r, "mean", mean_block=1.0, n=600, seed=1)
    half = 1.96 * r.std() / math.sqrt(len(r)) * 252
    assert ci.estimate == pytest.approx(r.mean() * 252)
    assert (ci.high - ci.low) / 2 == pytest.approx(half, rel=0.15)
    again = bt.block_bootstrap_ci(r, "mean", mean_block=1.0, n=600, seed=1)
    assert (again.low, again.high) == (ci.low, ci.high)
    custom = bt.block_bootstrap_ci(r, lambda a: float(np.median(a)), n=50, seed=2)
    assert custom.low <= custom.high


def test_deflated_sharpe_against_scipy(iwm_spy) -> None:
    r = iwm_spy["IWM"].loc["2010":]
    trials = np.random.default_rng(0).normal(0.3, 0.2, 500)
    d = bt.deflated_sharpe(r, trials, periods_per_year=252)
    x = r.to_numpy()
    sr = x.mean() / x.std(ddof=1)
    v = trials.var(ddof=1) / 252
    g = 0.5772156649015329
    sr0 = math.sqrt(v) * (
        (1 - g) * sps.norm.ppf(1 - 1 / 500) + g * sps.norm.ppf(1 - 1 / (500 * math.e))
    )
    den = 1 - sps.skew(x) * sr + (sps.kurtosis(x, fisher=False) - 1) / 4 * sr**2
    want = sps.norm.cdf((sr - sr0) * math.sqrt(len(x) - 1) / math.sqrt(den))
    assert d.probability == pytest.approx(want, rel=1e-9)
    assert d.expected_max_sharpe == pytest.approx(sr0 * math.sqrt(252), rel=1e-9)
    assert d.n_trials == 500
    more = bt.deflated_sharpe(r, trials, n_trials=5000, periods_per_year=252)
    assert more.probability < d.probability  # more tries, a higher bar


def test_walk_forward_choices_are_evaluated_out_of_sample(iwm_spy) -> None:
    r = iwm_spy.loc["2005":"2016"]
    grid = {"fast": [10, 50], "slow": [100, 200], "cost_bps": 5.0}

    def evaluate(start, end):
        return bt.ma_sweep(r, start=start, end=end, **grid)

    def returns_of(p):
        sig = bt.ma_signal(bt.relative_strength(r), int(p["fast"]), int(p["slow"]))
        return bt.rotation(r, sig, cost_bps=5.0).returns

    wf = bt.walk_forward(
        r.index, evaluate, params=["fast", "slow"], train=756, test=252, returns_of=returns_of
    )
    folds = wf.folds
    assert len(folds) == math.ceil((len(r) - 756) / 252)
    assert (folds["test_start"] > folds["train_end"]).all()
    first = folds.iloc[0]
    ins = evaluate(first["train_start"], first["train_end"])
    assert first["in_sample"] == ins["sharpe"].max()
    oos = bt.stats(returns_of(first), start=first["test_start"], end=first["test_end"])
    assert first["out_of_sample"] == pytest.approx(oos["sharpe"], rel=1e-10)
    assert wf.oos_returns is not None and len(wf.oos_returns) == len(r) - 756


def test_walk_forward_beat_counts_the_other_configurations_only() -> None:
    """With two configurations the choice beats 0 or 1 of the others; chance is 0.5."""
    idx = pd.bdate_range("2010-01-01", periods=40)
    metric = {"a": (1.0, 2.0), "b": (0.0, 1.5)}  # train half, then test half

    def evaluate(start, end):
        half = int(idx.get_loc(start) >= 20)
        return pd.DataFrame({"cfg": list(metric), "sharpe": [metric[k][half] for k in metric]})

    wf = bt.walk_forward(idx, evaluate, params=["cfg"], train=20, test=20)
    fold = wf.folds.iloc[0]
    assert fold["cfg"] == "a" and fold["out_of_sample"] == 2.0
    assert fold["oos_percentile"] == 1.0  # it beat the only other one (was 0.5)
    assert fold["oos_chance"] == 0.5
    ties = bt.walk_forward(
        idx, lambda a, b: pd.DataFrame({"cfg": ["a", "b", "c"], "sharpe": [1.0, 1.0, 0.0]}),
        params=["cfg"], train=20, test=20,
    )  # fmt: skip
    assert ties.folds.iloc[0]["oos_percentile"] == 0.5  # beat 'c', tied with 'b'
    assert ties.folds.iloc[0]["oos_chance"] == pytest.approx((1 / 2 + 1 / 2 + 0) / 3)
