"""Sweeps split by parameter blocks equal the single call."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.backtest import ma_sweep, signal_sweep, sleeve_sweep
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
        assert len(ref) >= 8


def test_unknown_sweep_or_missing_axis(legs: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="cannot split"):
        partitioned_sweep(pd.DataFrame.copy, legs)
    with pytest.raises(InputError, match="fast="):
        partitioned_sweep(ma_sweep, legs, slow=[50])
