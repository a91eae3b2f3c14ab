"""On a LocalCluster of 2 worker processes (one per module): breadth and sweeps equal the
single process, and a worker killed mid-run does not change the result."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from capsize.analytics.breadth import compute_breadth
from capsize.backtest import ma_sweep
from capsize.scale import dataset_breadth, partitioned_breadth, partitioned_sweep

from .conftest import assert_same


def test_local_cluster_equals_single_process(
    dask_client: Any, shared_universe: dict[str, Any], synthetic: Any
) -> None:
    closes, volume, bench = synthetic
    ref = compute_breadth(closes, volume=volume, benchmark=bench).table
    got = partitioned_breadth(
        closes, volume=volume, benchmark=bench, partitions=4, runner=dask_client
    ).table
    assert_same(got, ref)
    kw = {"volume": shared_universe["volume"], "universe": shared_universe["universe"]}
    ref_u = compute_breadth(shared_universe["closes"], **kw).table
    got_u = partitioned_breadth(
        shared_universe["closes"], partitions=2, runner=dask_client, **kw
    ).table
    assert_same(got_u, ref_u)


def _kill_a_busy_worker(client: Any, deadline: float) -> int:
    """SIGKILL the process of a worker while it runs a partition; return its pid."""
    pids: dict[str, int] = client.run(os.getpid)
    while time.monotonic() < deadline:
        busy = [w for w, keys in client.processing().items() if keys and w in pids]
        if busy:
            os.kill(pids[busy[0]], signal.SIGKILL)
            return pids[busy[0]]
        time.sleep(0.005)
    raise AssertionError("no worker ever ran a partition")


def test_killed_worker_does_not_change_the_result(dask_client: Any, synthetic: Any) -> None:
    closes = synthetic[0]
    big = pd.concat([closes.add_suffix(f"_{i}") for i in range(8)], axis=1)  # 1,624 tickers
    ref = compute_breadth(big).table
    with ThreadPoolExecutor(1) as pool:
        fut = pool.submit(partitioned_breadth, big, partitions=16, runner=dask_client)
        killed = _kill_a_busy_worker(dask_client, time.monotonic() + 20)
        got = fut.result(timeout=60).table
    assert killed not in dask_client.run(os.getpid).values()  # it really died
    assert_same(got, ref)


def test_local_cluster_sweep(dask_client: Any) -> None:
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2005-01-03", periods=2000)
    legs = pd.DataFrame(rng.normal(3e-4, 0.012, (2000, 2)), index=dates, columns=["s", "l"])
    fn, args = ma_sweep, (legs,)
    kw: dict[str, Any] = {
        "fast": [5, 10, 20, 40],
        "slow": [50, 100, 200],
        "lag": [1, 2],
        "cost_bps": [0, 5],
    }
    got = partitioned_sweep(fn, *args, blocks=3, runner=dask_client, **kw)
    pd.testing.assert_frame_equal(got, fn(*args, **kw), check_exact=True)


def test_local_cluster_reads_the_dataset_on_the_workers(
    dask_client: Any, exported: dict[str, Any]
) -> None:
    kw: dict[str, Any] = {"ma_windows": (20, 50), "high_low_window": 63, "start": "2024-06-01"}
    ref = dataset_breadth(str(exported["dest"]), partitions=1, **kw).table
    got = dataset_breadth(str(exported["dest"]), partitions=4, runner=dask_client, **kw).table
    assert_same(got, ref)


def test_local_cluster_liquidity_and_percentiles_equal_single_process(
    dask_client: Any, shared_universe: dict[str, Any], synthetic: Any
) -> None:
    from capsize.analytics.liquidity import liquidity
    from capsize.analytics.percentiles import return_percentiles
    from capsize.scale import partitioned_liquidity, partitioned_return_percentiles

    from .test_liquidity import assert_same_liquidity

    closes, volume, _ = synthetic
    ref = liquidity(closes, volume, yoy_window=250)
    got = partitioned_liquidity(closes, volume, yoy_window=250, partitions=4, runner=dask_client)
    assert_same_liquidity(got, ref)
    u = shared_universe
    ref_p = return_percentiles(u["closes"])
    got_p = partitioned_return_percentiles(u["closes"], partitions=2, runner=dask_client)
    pd.testing.assert_frame_equal(got_p, ref_p, check_exact=True)


def test_progress_follows_the_futures(dask_client: Any) -> None:
    from capsize.scale import DaskRunner, InProcess

    seen: list[tuple[int, int]] = []

    def step(done: int, total: int) -> None:
        seen.append((done, total))

    for r in (DaskRunner(dask_client, step), InProcess(step)):
        seen.clear()
        assert r.map(abs, [-1, -2, -3]) == [1, 2, 3]
        assert seen == [(1, 3), (2, 3), (3, 3)]


def _figures(answer: Any) -> dict[str, Any]:
    import json

    text = answer if isinstance(answer, str) else json.dumps(answer.to_dict())
    return {k: f["value"] for k, f in json.loads(text)["figures"].items()}


def _assert_same_figures(got: dict[str, Any], ref: dict[str, Any]) -> None:
    assert got.keys() == ref.keys() and len(ref) > 20
    for k, v in ref.items():  # equal-weight returns: summation order, 1e-12
        assert got[k] == v or abs(got[k] - v) <= 1e-12, (k, v, got[k])


def test_queries_and_cli_on_the_cluster_equal_in_process(
    dask_client: Any, store_home: Any, monkeypatch: Any
) -> None:
    from typer.testing import CliRunner

    from capsize.cli import app
    from capsize.data.store import Store
    from capsize.queries import backtest_grid, breadth, liquidity
    from capsize.queries.session import session_for

    store = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        s = session_for(store)
        grid: dict[str, Any] = {"strategy": "sleeve", "weight": [0.0, 0.2, 0.4, 0.6], "cost_bps": [0, 5]}  # fmt: skip
        refs = {}
        for ask in (breadth, liquidity, lambda s, **kw: backtest_grid(s, **grid, **kw)):
            refs[ask] = _figures(ask(s))
            _assert_same_figures(_figures(ask(s, runner=dask_client)), refs[ask])
    finally:
        store.close()
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    address = dask_client.scheduler.address
    got = CliRunner().invoke(app, ["liquidity", "--json", "--scheduler", address])
    assert got.exit_code == 0, got.output
    assert "Dask dashboard: http" in got.stderr
    _assert_same_figures(_figures(got.stdout), refs[liquidity])
