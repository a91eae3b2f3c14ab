"""Bootstrap replications drawn in seeded blocks: any split, in process or on a
LocalCluster, gives the single call's interval bit for bit."""

from __future__ import annotations

import functools
import importlib
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize import backtest as bt
from capsize.errors import InputError
from capsize.scale import partitioned_bootstrap_ci


@pytest.fixture(scope="module")
def returns() -> pd.Series:
    rng = np.random.default_rng(11)
    return pd.Series(rng.normal(4e-4, 0.011, 1500), pd.bdate_range("2010-01-04", periods=1500))


def _median(a: np.ndarray) -> float:
    return float(np.median(a))


@pytest.mark.parametrize("blocks", [1, 2, 4, 9])
def test_any_split_equals_the_single_call(returns: pd.Series, blocks: int) -> None:
    for stat, n in (("sharpe", 1100), ("max_drawdown", 260), (_median, 40)):
        ref = bt.block_bootstrap_ci(returns, stat, mean_block=15, n=n, seed=5)
        got = partitioned_bootstrap_ci(returns, stat, mean_block=15, n=n, seed=5, blocks=blocks)
        assert got == ref  # every field, exactly
        assert ref.n == n and ref.low < ref.estimate < ref.high


def test_blocks_are_seeded_by_position_not_by_count(returns: pd.Series) -> None:
    x = returns.to_numpy()
    assert bt.replication_blocks(len(x), 600) == [250, 250, 100]
    assert bt.replication_blocks(40_000, 120) == [50, 50, 20]  # 2M cells per block at most
    vec = bt.vectorized_statistic("mean", 252.0)
    four, two = bt.replication_seeds(3, 4), bt.replication_seeds(3, 2)
    a = bt.resample_statistic(x, vec, 20.0, 250, four[1])
    b = bt.resample_statistic(x, vec, 20.0, 250, two[1])
    np.testing.assert_array_equal(a, b)
    c = bt.resample_statistic(x, vec, 20.0, 250, four[2])
    assert not np.array_equal(a, c)  # blocks draw different resamples
    # so n=500 draws the first two blocks of n=1000: its interval is from the same paths
    first = np.concatenate([bt.resample_statistic(x, vec, 20.0, 250, s) for s in four[:2]])
    ci = bt.block_bootstrap_ci(
        returns, "mean", mean_block=20.0, n=500, seed=3, periods_per_year=252.0
    )
    alpha = (1.0 - 0.95) / 2.0
    lo, hi = np.nanquantile(first, [alpha, 1.0 - alpha])
    assert (ci.low, ci.high) == (lo, hi)


def test_inputs_are_checked_before_any_task(returns: pd.Series) -> None:
    with pytest.raises(InputError, match="statistic="):
        partitioned_bootstrap_ci(returns, "median", blocks=2)
    with pytest.raises(InputError, match="n="):
        partitioned_bootstrap_ci(returns, n=5)
    with pytest.raises(InputError, match="partitions="):
        partitioned_bootstrap_ci(returns, blocks=0)


def test_local_cluster_equals_the_single_call(returns: pd.Series, dask_client: Any) -> None:
    # a callable must unpickle on the workers: one of a test module does not (an
    # InputError, below), numpy's median does
    for stat in ("cagr", functools.partial(np.quantile, q=0.5)):
        ref = bt.block_bootstrap_ci(returns, stat, mean_block=21, n=1000, seed=0)
        got = partitioned_bootstrap_ci(
            returns, stat, mean_block=21, n=1000, seed=0, blocks=3, runner=dask_client
        )
        assert got == ref


def _within(seconds: float, fn: Any) -> Any:
    """Return ``fn()``, or fail if it has not returned (nor raised) within ``seconds``."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except Exception as exc:  # handed to the test thread
            out["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"no answer within {seconds:g} s: the gather hangs"
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_a_statistic_the_workers_cannot_load_fails_fast(
    returns: pd.Series,
    dask_client: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a module this process imports after the workers started: they cannot import it
    (tmp_path / "only_here.py").write_text(
        "import numpy as np\n\ndef mean(x):\n    return float(np.mean(x))\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    only_here = importlib.import_module("only_here")
    monkeypatch.setitem(sys.modules, "only_here", only_here)  # removed after the test

    def run(stat: Any) -> Any:
        return _within(
            15.0,
            functools.partial(
                partitioned_bootstrap_ci, returns, stat, n=300, blocks=2, runner=dask_client
            ),
        )

    with pytest.raises(InputError, match=r"only_here\.mean.*No module named 'only_here'") as err:
        run(only_here.mean)
    assert "define it in a module the workers can import" in str(err.value)
    assert "\n" not in str(err.value)

    lock = threading.Lock()  # a statistic that cannot be pickled at all
    with pytest.raises(InputError, match="cannot be pickled"):
        run(lambda x: float(np.mean(x)) + bool(lock))

    # a lambda travels by value: it runs on the workers, as in process
    got = run(lambda x: float(np.mean(x)))
    assert got == bt.block_bootstrap_ci(returns, lambda x: float(np.mean(x)), n=300)
