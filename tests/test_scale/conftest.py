"""Fixtures of the scale tests: a synthetic panel and one LocalCluster per module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from capsize.cli import app
from capsize.data.store import Store


@pytest.fixture(scope="module")
def synthetic() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Closes, volume and a benchmark: 600 days x 203 tickers, gaps, a flat ticker, a late one."""
    rng = np.random.default_rng(19)
    n, m = 600, 203
    x = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, (n, m)), axis=0))
    x[rng.random((n, m)) < 0.001] = np.nan  # a few missing bars
    x[:, 5] = 42.0  # never moves: ties with its own average
    x[:300, 7] = np.nan  # listed half way
    dates = pd.bdate_range("2020-01-01", periods=n)
    cols = [f"T{i:03d}" for i in range(m)]
    closes = pd.DataFrame(x, index=dates, columns=cols)
    volume = pd.DataFrame(rng.integers(1_000, 10**7, (n, m)).astype(float), dates, cols)
    bench = pd.Series(100.0 * np.cumprod(1.0 + rng.normal(0.0, 0.01, n)), index=dates)
    return closes, volume, bench


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    """A LocalCluster of 2 single-threaded worker processes, started once per module."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=":0",  # a free port: 8787 may be taken
            silence_logs=50,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="session")
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


# Columns that are float sums over tickers in a different order (the rest are counts).
FLOAT_SUMS = ["ew_return", "ew_index", "ew_vs_cw"]


def assert_same(got: pd.DataFrame, ref: pd.DataFrame) -> None:
    """Counts (and everything derived from counts only) equal exactly; float sums to 1e-12."""
    pd.testing.assert_index_equal(got.columns, ref.columns)
    pd.testing.assert_index_equal(got.index, ref.index)
    exact = [c for c in ref.columns if c not in FLOAT_SUMS]
    pd.testing.assert_frame_equal(got[exact], ref[exact], check_exact=True)
    pd.testing.assert_frame_equal(got[FLOAT_SUMS], ref[FLOAT_SUMS], rtol=1e-12, atol=1e-12)


@pytest.fixture(scope="session")
def exported(store_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The shared store exported once through the CLI, and its row counts."""
    dest = tmp_path_factory.mktemp("export") / "ds"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAPSIZE_HOME", str(store_home))
        res = CliRunner().invoke(app, ["data", "export", "--parquet", str(dest), "--json"])
    assert res.exit_code == 0, res.output
    store = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        counts = {
            t: store.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            for t in ("bars", "membership", "macro")
        }
        syms = [
            r[0]
            for r in store.con.execute(
                "SELECT DISTINCT symbol FROM bars WHERE basis = 'adjusted' ORDER BY symbol"
            ).fetchall()
        ]
        pick = [*syms[100:104], "IWM"]
        closes = store.closes(pick, basis="adjusted")
    finally:
        store.close()
    return {"dest": dest, "json": json.loads(res.output), "counts": counts, "closes": closes}
