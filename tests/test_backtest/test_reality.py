"""White's reality check and Hansen's SPA test on synthetic sweeps of known skill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capsize import backtest as bt
from capsize.errors import InputError, SchemaError

N_PERIODS, N_CONFIGS = 2500, 50


@pytest.fixture(scope="module")
def noise() -> tuple[pd.DataFrame, pd.Series]:
    """A benchmark and 50 configurations equal to it plus zero-mean noise (no skill)."""
    rng = np.random.default_rng(2026)  # one draw; the uniformity test below covers many
    idx = pd.bdate_range("2000-01-03", periods=N_PERIODS)
    bench = pd.Series(rng.normal(3e-4, 0.01, N_PERIODS), idx, name="large")
    # the configurations share the market move and differ by their own noise
    configs = bench.to_numpy()[:, None] + rng.normal(0.0, 0.003, (N_PERIODS, N_CONFIGS))
    return pd.DataFrame(configs, idx), bench


def test_noise_is_not_called_skill(noise: tuple[pd.DataFrame, pd.Series]) -> None:
    configs, bench = noise
    rc = bt.reality_check(configs, bench, seed=1)
    assert rc.n_configs == N_CONFIGS and rc.n_periods == N_PERIODS
    # the best of 50 lucky configurations has a visible excess, yet the tests see luck
    assert rc.best_excess > 0
    assert rc.p_value > 0.1
    assert rc.spa_p_value > 0.1


def test_noise_p_values_are_roughly_uniform() -> None:
    """Across 40 skill-less sweeps the p-values spread over (0, 1): few small, median mid."""
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2000-01-03", periods=1000)
    white, spa = [], []
    for rep in range(40):
        bench = pd.Series(rng.normal(3e-4, 0.01, 1000), idx)
        configs = bench.to_numpy()[:, None] + rng.normal(0.0, 0.003, (1000, 30))
        rc = bt.reality_check(configs, bench, n=200, seed=rep)
        white.append(rc.p_value)
        spa.append(rc.spa_p_value)
    for p in (np.array(white), np.array(spa)):
        assert 0.25 < float(np.median(p)) < 0.75
        assert (p < 0.05).sum() <= 6  # 2 expected at a 5 % size; SPA runs a little liberal


def test_a_planted_edge_is_found(noise: tuple[pd.DataFrame, pd.Series]) -> None:
    configs, bench = noise
    edged = configs.copy()
    edged[17] += 3e-4  # 7.5 % a year above the benchmark, t about 1.6 per config noise
    rc = bt.reality_check(edged, bench, seed=1)
    assert rc.best == 17
    assert rc.p_value < 0.01
    assert rc.spa_p_value < 0.01


def test_same_seed_same_answer(noise: tuple[pd.DataFrame, pd.Series]) -> None:
    configs, bench = noise
    a = bt.reality_check(configs, bench, seed=3, n=300, mean_block=10)
    b = bt.reality_check(configs.to_numpy(), bench, seed=3, n=300, mean_block=10)
    assert a == b
    c = bt.reality_check(configs, bench, seed=4, n=300, mean_block=10)
    assert c.p_value != a.p_value or c.spa_p_value != a.spa_p_value


def test_bad_inputs_raise(noise: tuple[pd.DataFrame, pd.Series]) -> None:
    configs, bench = noise
    with pytest.raises(SchemaError, match="shape"):
        bt.reality_check(configs.to_numpy()[:-1], bench)
    with pytest.raises(InputError, match="one index"):
        bt.reality_check(configs.iloc[1:], bench.iloc[:-1])
    with pytest.raises(InputError, match="resamples"):
        bt.reality_check(configs, bench, n=5)
    bad = configs.copy()
    bad.iloc[3, 2] = np.nan
    with pytest.raises(InputError, match="missing"):
        bt.reality_check(bad, bench)


def test_distinct_trials_is_exact() -> None:
    from capsize.backtest import distinct_trials

    nan2 = np.frombuffer(np.uint64(0x7FF8000000000001).tobytes(), dtype=np.float64)[0]
    x = np.array(
        [
            [0.0, -0.0, 0.0, 1e-17, np.nan],
            [0.1, 0.1, 0.1, 0.1, 0.1],
            [np.nan, nan2, 0.2, np.nan, np.nan],
        ]
    )
    # -0.0 is 0.0 and NaN payloads are one NaN; a 1e-17 difference is another strategy
    assert distinct_trials(x).tolist() == [0, 0, 1, 2, 3]
    with pytest.raises(InputError, match="2-D"):
        distinct_trials(np.zeros(3))


def test_a_copy_of_the_benchmark_up_to_rounding_changes_neither_p_value(
    noise: tuple[pd.DataFrame, pd.Series],
) -> None:
    """A configuration equal to the benchmark (exactly or up to 1e-18) is no evidence."""
    configs, bench = noise
    base = configs.iloc[:, :3] + 3e-5  # a little skill: p-values strictly inside (0, 1)
    rc = bt.reality_check(base, bench, seed=3, n=400)
    assert 0.0 < rc.spa_p_value < 1.0 and 0.0 < rc.p_value < 1.0
    rng = np.random.default_rng(5)
    b = bench.to_numpy()
    for copy in (b, b + rng.normal(0.0, 1e-18, len(b)), b * (1.0 + 1e-15)):
        more = base.assign(copy=copy)
        got = bt.reality_check(more, bench, seed=3, n=400)
        assert (got.p_value, got.spa_p_value) == (rc.p_value, rc.spa_p_value)
        assert got.n_configs == 4
