"""capsize data export --parquet, and panels read back from the dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from capsize.analytics.breadth import compute_breadth
from capsize.analytics.engine import Panel
from capsize.cli import app
from capsize.data import parquet as P
from capsize.data.store import Store
from capsize.errors import DataNotFound, OutputError
from capsize.scale import dataset_breadth, partitioned_breadth, read_panel

from .conftest import assert_same

runner = CliRunner()


def test_export_layout_counts_and_statistics(exported: dict[str, Any]) -> None:
    dest: Path = exported["dest"]
    manifest = json.loads((dest / P.MANIFEST).read_text())
    assert manifest["tables"] == exported["counts"]
    figs = exported["json"]["figures"]
    assert figs["rows.bars"]["value"] == exported["counts"]["bars"] > 1_000_000
    buckets = sorted(p.name for p in (dest / "bars").iterdir())
    assert buckets == [f"bucket={d}" for d in "0123456789abcdef"]
    iwm = dest / "bars" / f"bucket={P.ticker_bucket('IWM')}" / "year=2024"
    meta = pq.ParquetFile(next(iwm.glob("*.parquet"))).metadata
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    stats = meta.row_group(0).column(names.index("date")).statistics
    assert stats is not None and stats.has_min_max
    assert str(stats.min) >= "2024-01-01" and str(stats.max) <= "2024-12-31"
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(".")]  # no temp left


@pytest.mark.parametrize("url", [False, True])
def test_read_panel_equals_the_store(exported: dict[str, Any], url: bool) -> None:
    closes: pd.DataFrame = exported["closes"].dropna(how="all")
    where = f"file://{exported['dest']}" if url else exported["dest"]
    panel = read_panel(where, tickers=list(closes.columns))
    got = panel.to_frame().reindex(index=closes.index, columns=closes.columns)
    pd.testing.assert_frame_equal(got, closes, check_names=False, check_freq=False)
    assert len(panel.dates) == len(closes)  # nothing beyond the store's rows
    window = read_panel(where, tickers=["IWM"], start="2024-03-01", end="2024-03-31")
    assert window.dates[0] >= pd.Timestamp("2024-03-01") and len(window.dates) == 20


def test_breadth_from_the_dataset_equals_single_process(exported: dict[str, Any]) -> None:
    panel = read_panel(exported["dest"], start="2024-06-01")
    kw: dict[str, Any] = {"ma_windows": (20, 50), "high_low_window": 63}
    ref = compute_breadth(panel, **kw).table
    got = partitioned_breadth(panel, partitions=3, **kw).table
    pd.testing.assert_frame_equal(
        got.drop(columns=["ew_return", "ew_index", "ew_vs_cw"]),
        ref.drop(columns=["ew_return", "ew_index", "ew_vs_cw"]),
        check_exact=True,
    )
    assert panel.shape[1] > 1000


def test_dataset_breadth_reads_partitions_itself(exported: dict[str, Any]) -> None:
    kw: dict[str, Any] = {"ma_windows": (20, 50), "high_low_window": 63}
    got = dataset_breadth(str(exported["dest"]), start="2024-06-01", partitions=3, **kw).table
    long = P.read_bars(exported["dest"], start="2024-06-01", columns=("close", "volume"))
    closes = Panel.from_long(long, "date", "symbol", "close")
    volume = Panel.from_long(long, "date", "symbol", "volume")
    ref = compute_breadth(closes, volume=volume, **kw).table
    assert_same(got, ref)
    assert got["volume_covered"].max() > 1000


def test_failed_export_leaves_nothing_and_old_dataset_intact(
    store_home: Path, exported: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def boom(con: Any, tmp: Path) -> dict[str, int]:
        (tmp / "bars").mkdir()
        (tmp / "bars" / "half.parquet").write_bytes(b"PAR1")
        raise OSError("disk full")

    monkeypatch.setattr(P, "_write_tables", boom)
    store = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        dest = tmp_path / "new"
        with pytest.raises(OutputError, match="disk full"):
            P.export_dataset(store.con, dest)
        assert list(tmp_path.iterdir()) == []  # neither the dataset nor its temp folder
        with pytest.raises(DataNotFound):
            P.read_bars(dest)
        stray = tmp_path / "notes"
        stray.mkdir()
        with pytest.raises(OutputError, match="not a capsize dataset"):
            P.export_dataset(store.con, stray)
    finally:
        store.close()


def test_cli_refuses_a_foreign_folder(
    store_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    (tmp_path / "keep.txt").write_text("mine")
    res = runner.invoke(app, ["data", "export", "--parquet", str(tmp_path)])
    assert res.exit_code == 1
    assert "not a capsize dataset" in res.output
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_bars_index_equals_the_rows_read(exported: dict[str, Any]) -> None:
    dest = exported["dest"]
    narrow = {"tickers": ["IWM", "SPY", "NOPE"], "start": "2015-03-02", "end": "2019-12-31"}
    for kw in ({}, narrow):
        rows = P.read_bars(dest, columns=(), **kw)
        dates, symbols = P.read_bars_index(dest, **kw)
        assert symbols == sorted(rows["symbol"].unique())
        want = pd.DatetimeIndex(rows["date"].drop_duplicates().sort_values(), name="date")
        pd.testing.assert_index_equal(dates, want)
