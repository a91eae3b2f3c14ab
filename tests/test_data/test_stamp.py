"""The store's recorded data version: trusted only while the store file is unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from capsize.data.stamp import read_stamp, stamp_path, write_stamp
from capsize.data.store import Store
from capsize.queries.session import data_version, recorded_data_version


def _bars(close: float, day: str = "2026-08-21") -> pd.DataFrame:
    return pd.DataFrame(
        {"symbol": ["SPY"], "basis": ["adjusted"], "date": [pd.Timestamp(day)], "close": [close]}
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "capsize.duckdb"
    with Store.open(path) as s:
        s.write_bars(_bars(100.0), source="test")
    return path


def _record(path: Path) -> str:
    with Store.open(path, read_only=True) as s:
        return recorded_data_version(s)


def test_a_reader_records_the_version_a_writer_removes_it(db: Path) -> None:
    assert read_stamp(db) is None
    version = _record(db)
    stamp = read_stamp(db)
    assert stamp is not None and stamp.version == version and not stamp.empty
    with Store.open(db, read_only=True) as s:
        assert data_version(s) == version

    w = Store.open(db)
    assert read_stamp(db) is None and not stamp_path(db).exists()
    try:
        w.write_bars(_bars(101.0), source="test")
    finally:
        w.close()
    assert _record(db) != version


def test_a_change_around_capsize_makes_the_stamp_doubtful(db: Path, tmp_path: Path) -> None:
    _record(db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE bars SET close = close * 2")
    assert read_stamp(db) is None  # the write-ahead log exists
    con.close()
    assert read_stamp(db) is None  # checkpointed into the file

    _record(db)
    shutil.copy2(tmp_path / "capsize.duckdb", tmp_path / "copy.duckdb")
    shutil.copy2(stamp_path(db), stamp_path(tmp_path / "copy.duckdb"))
    assert read_stamp(tmp_path / "copy.duckdb") is None  # another file, same mtime
    (tmp_path / "copy.duckdb").replace(db)  # a store restored over the stamped one
    assert read_stamp(db) is None


def test_an_unreadable_stamp_is_not_trusted(db: Path) -> None:
    _record(db)
    doc = json.loads(stamp_path(db).read_text(encoding="utf-8"))
    bad = ["", "not json", "[]", '{"format": 99}', '{"format": 1, "version": 3, "empty": false}']
    for text in bad:
        stamp_path(db).write_text(text, encoding="utf-8")
        assert read_stamp(db) is None, text
    assert write_stamp(db, doc["version"], empty=False)
    assert read_stamp(db) is not None


def test_an_empty_store_is_recorded_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    Store.open(path).close()
    _record(path)
    stamp = read_stamp(path)
    assert stamp is not None and stamp.empty
