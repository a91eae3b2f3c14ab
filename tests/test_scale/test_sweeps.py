"""Sweeps split by parameter blocks equal the single call, in process and on a LocalCluster."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.backtest import ma_sweep, signal_sweep, sleeve_sweep
from capsize.backtest import ma_sweep as bt_ma_sweep
from capsize.errors import InputError
from capsize.scale import partitioned_sweep


@pytest.fixture(scope="module")
def legs() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2005-01-03", periods=2000)
    return pd.DataFrame(rng.normal(3e-4, 0.012, (2000, 2)), index=dates, columns=["s", "l"])


def sweep_cases(legs: pd.DataFrame) -> list[tuple[Any, tuple[Any, ...], dict[str, Any]]]:
    signal = legs["s"].rolling(20).mean().fillna(0.0)
    return [
        (
            ma_sweep,
            (legs,),
            {
                "fast": [5, 10, 20, 40, 300],
                "slow": [50, 100, 200],
                "lag": [1, 2],
                "cost_bps": [0, 5],
            },
        ),
        # one fast window, many slow ones: only the pairs can be split
        (ma_sweep, (legs,), {"fast": [10], "slow": [20, 50, 100, 150, 200], "hold": [1, 3]}),
        # fast windows that pair with some slow windows only, and a repeated value
        (ma_sweep, (legs,), {"fast": [5, 60, 60, 120], "slow": [50, 100, 150]}),
        (signal_sweep, (legs, signal), {"thresholds": [-1e-3, 0.0, 5e-4, 1e-3], "hold": [1, 5]}),
        (
            sleeve_sweep,
            (legs,),
            {"weights": [0.1, 0.2, 0.3], "bands": [None, 0.05], "rebalance": ["M", "Q", None]},
        ),
    ]


@pytest.mark.parametrize("blocks", [1, 2, 4])
def test_blocks_equal_the_single_call(legs: pd.DataFrame, blocks: int) -> None:
    for fn, args, kw in sweep_cases(legs):
        ref = fn(*args, **kw)
        got = partitioned_sweep(fn, *args, blocks=blocks, **kw)
        pd.testing.assert_frame_equal(got, ref, check_exact=True)
        assert got.attrs == ref.attrs
        assert len(ref) >= 8


def test_ma_pairs_are_cut_into_rectangles(legs: pd.DataFrame) -> None:
    calls: list[tuple[list[int], list[int]]] = []

    def ma_sweep(returns: pd.DataFrame, **kw: Any) -> pd.DataFrame:  # the name selects the axis
        calls.append((kw["fast"], kw["slow"]))
        return bt_ma_sweep(returns, **kw)

    partitioned_sweep(ma_sweep, legs, fast=[5, 60, 120], slow=[50, 100, 150], blocks=2)
    # pairs (5,50) (5,100) (5,150) | (60,100) (60,150) (120,150): 3 + 3
    assert calls == [([5], [50, 100, 150]), ([60], [100, 150]), ([120], [150])]
    calls.clear()
    partitioned_sweep(ma_sweep, legs, fast=[5, 10, 20], slow=[50, 100], blocks=1)
    assert calls == [([5, 10, 20], [50, 100])]  # equal slows: one sub-grid


def test_local_cluster_runs_every_grid(legs: pd.DataFrame, dask_client: Any) -> None:
    for fn, args, kw in sweep_cases(legs):
        got = partitioned_sweep(fn, *args, blocks=3, runner=dask_client, **kw)
        pd.testing.assert_frame_equal(got, fn(*args, **kw), check_exact=True)


def test_unknown_sweep_or_missing_axis(legs: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="cannot split"):
        partitioned_sweep(pd.DataFrame.copy, legs)
    with pytest.raises(InputError, match="fast="):
        partitioned_sweep(ma_sweep, legs, slow=[50])
