"""Object storage: the dataset exported to an S3 bucket (moto's server on 127.0.0.1, no
real network) reads back through fsspec/s3fs with the same breadth as the local folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from capsize.cli import app
from capsize.data import parquet as P
from capsize.errors import OutputError
from capsize.scale import dataset_breadth, read_panel

BUCKET = "capsize-test"


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    """A moto S3 server on a free 127.0.0.1 port, s3fs pointed at it through fsspec's config."""
    server_mod = pytest.importorskip("moto.server")
    s3fs = pytest.importorskip("s3fs")
    import fsspec

    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    conf = {"endpoint_url": f"http://{host}:{port}", "key": "testing", "secret": "testing"}
    with pytest.MonkeyPatch.context() as mp:
        for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            mp.setenv(var, "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask a metadata service
        mp.setitem(fsspec.config.conf, "s3", conf)
        s3fs.S3FileSystem.clear_instance_cache()
        fs = s3fs.S3FileSystem()
        fs.mkdir(BUCKET)
        try:
            yield fs
        finally:
            s3fs.S3FileSystem.clear_instance_cache()
            server.stop()


@pytest.fixture(scope="module")
def small_home(store_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose store holds 400 symbols' adjusted bars since 2024 of the shared store."""
    from capsize.data.store import Store

    src = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        bars = src.con.execute(
            "SELECT * FROM bars WHERE basis = 'adjusted' AND date >= DATE '2024-01-01' AND "
            "symbol IN (SELECT DISTINCT symbol FROM bars ORDER BY symbol LIMIT 400)"
        ).df()
    finally:
        src.close()
    home = tmp_path_factory.mktemp("small_home")
    dst = Store.open(home / "capsize.duckdb")
    try:
        dst.con.register("picked", bars)
        dst.con.execute("INSERT INTO bars BY NAME SELECT * FROM picked")
    finally:
        dst.close()
    return home


def test_export_to_s3_reads_back_equal_to_local(
    s3: Any, small_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"s3://{BUCKET}/ds"
    s3.pipe(f"{BUCKET}/ds/bars/stale.parquet", b"old")  # an earlier dataset, replaced
    s3.pipe(f"{BUCKET}/ds/{P.MANIFEST}", b"{}")
    monkeypatch.setenv("CAPSIZE_HOME", str(small_home))
    local = tmp_path / "ds"
    for dest in (url, str(local)):
        res = CliRunner().invoke(app, ["data", "export", "--parquet", dest, "--json"])
        assert res.exit_code == 0, res.output
    files = sorted(str(p.relative_to(local)) for p in local.rglob("*") if p.is_file())
    remote = sorted(p.removeprefix(f"{BUCKET}/ds/") for p in s3.find(f"{BUCKET}/ds"))
    assert remote == files and len(files) > 40  # every file, the manifest included; no stale

    on_s3, here = read_panel(url), read_panel(local)
    assert on_s3.shape == here.shape and on_s3.shape[1] > 300
    np.testing.assert_array_equal(on_s3.values, here.values)
    kw: dict[str, Any] = {"start": "2024-06-01", "ma_windows": (20, 50), "high_low_window": 63}
    ref = dataset_breadth(str(local), partitions=2, **kw)
    got = dataset_breadth(url, partitions=2, **kw)
    pd.testing.assert_frame_equal(got.table, ref.table, check_exact=True)
    assert got.table["volume_covered"].max() > 300


def test_s3_export_refuses_foreign_files(s3: Any, small_home: Path) -> None:
    from capsize.data.store import Store

    s3.pipe(f"{BUCKET}/other/notes.txt", b"not a dataset")
    store = Store.open(small_home / "capsize.duckdb", read_only=True)
    try:
        with pytest.raises(OutputError, match="not a capsize dataset"):
            P.export_dataset(store.con, f"s3://{BUCKET}/other")
    finally:
        store.close()
    assert s3.find(f"{BUCKET}/other") == [f"{BUCKET}/other/notes.txt"]  # left alone
