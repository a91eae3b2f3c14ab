"""Breadth over ticker partitions equals the single-process engine."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.analytics.breadth import compute_breadth
from capsize.analytics.engine import Panel
from capsize.errors import InputError
from capsize.scale import InProcess, partitioned_breadth, split_panel, ticker_blocks

# Columns that are float sums over tickers in a different order (the rest are counts).
FLOAT_SUMS = ["ew_return", "ew_index", "ew_vs_cw"]


def assert_same(got: pd.DataFrame, ref: pd.DataFrame) -> None:
    """Counts (and everything derived from counts only) equal exactly; float sums to 1e-12."""
    pd.testing.assert_index_equal(got.columns, ref.columns)
    pd.testing.assert_index_equal(got.index, ref.index)
    exact = [c for c in ref.columns if c not in FLOAT_SUMS]
    pd.testing.assert_frame_equal(got[exact], ref[exact], check_exact=True)
    pd.testing.assert_frame_equal(got[FLOAT_SUMS], ref[FLOAT_SUMS], rtol=1e-12, atol=1e-12)


def test_ticker_blocks_cover_every_ticker_once() -> None:
    for n, k in [(1, 4), (7, 3), (203, 4), (10, 10)]:
        blocks = ticker_blocks(n, k)
        cols = np.concatenate([np.arange(n)[b] for b in blocks])
        assert cols.tolist() == list(range(n))
        assert len(blocks) == min(n, k)
    with pytest.raises(InputError, match="partitions"):
        ticker_blocks(5, 0)


@pytest.mark.parametrize("partitions", [1, 2, 4])
def test_synthetic_equals_single_process(synthetic: Any, partitions: int) -> None:
    closes, volume, bench = synthetic
    kw: dict[str, Any] = {"volume": volume, "benchmark": bench, "start": closes.index[260]}
    ref = compute_breadth(closes, **kw).table
    got = partitioned_breadth(closes, partitions=partitions, runner=InProcess(), **kw).table
    assert_same(got, ref)
    assert got["new_highs"].sum() > 0 and got["above_200"].sum() > 0  # not vacuous


def test_partitions_pick_the_whole_panels_kernels(
    synthetic: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole panel over the numba threshold, partitions under it: still the same counts."""
    closes, _, _ = synthetic
    monkeypatch.setenv("CAPSIZE_NUMBA_MIN_CELLS", str(closes.size - 1))
    ref = compute_breadth(closes).table
    got = partitioned_breadth(closes, partitions=4).table
    assert_same(got, ref)


def test_split_panel_keeps_dates_and_order(synthetic: Any) -> None:
    panel = Panel.from_wide(synthetic[0], name="close")
    parts = split_panel(panel, 3)
    assert [p.tickers[0] for p in parts] == ["T000", "T068", "T135"]
    assert all(p.dates.equals(panel.dates) for p in parts)
    np.testing.assert_array_equal(np.hstack([p.values for p in parts]), panel.values)


@pytest.fixture(scope="module")
def shared_universe(store_home: Path) -> dict[str, Any]:
    """The IWM members' closes and volume as the breadth query reads them."""
    from capsize.data.store import Store
    from capsize.queries.internals import universe_frame
    from capsize.queries.internals._breadth import universe_volume
    from capsize.queries.session import session_for

    store = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        s = session_for(store)
        uf = universe_frame(s)
        vol, _ = universe_volume(s, uf)
    finally:
        store.close()
    return {"closes": uf.closes, "volume": vol, "universe": uf.universe}


@pytest.mark.parametrize("partitions", [1, 2, 4])
def test_shared_universe_equals_single_process(
    shared_universe: dict[str, Any], partitions: int
) -> None:
    kw = {"volume": shared_universe["volume"], "universe": shared_universe["universe"]}
    ref = compute_breadth(shared_universe["closes"], **kw)
    got = partitioned_breadth(shared_universe["closes"], partitions=partitions, **kw)
    assert_same(got.table, ref.table)
    assert (got.members, got.caveat) == (ref.members, ref.caveat)
    assert got.table["covered_200"].iloc[-1] > 1000


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
