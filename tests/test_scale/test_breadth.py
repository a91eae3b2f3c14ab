"""Breadth over ticker partitions equals the single-process engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from capsize.analytics.breadth import compute_breadth
from capsize.analytics.engine import Panel
from capsize.errors import InputError
from capsize.scale import (
    InProcess,
    as_runner,
    connect,
    partitioned_breadth,
    split_panel,
    ticker_blocks,
)

from .conftest import assert_same


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


def test_runner_choice() -> None:
    with connect() as r:
        assert isinstance(r, InProcess)
        assert r.map(abs, [-1, 2]) == [1, 2]
    with pytest.raises(InputError, match="workers"), connect(workers=0):
        pass
    with pytest.raises(InputError, match="cannot run partitions"):
        as_runner("tcp://nowhere")
