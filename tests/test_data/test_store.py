"""The DuckDB store: schema, transactional idempotent writes, as-of reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capsize.data._schema import SCHEMA_VERSION
from capsize.data.store import Store
from capsize.errors import DataNotFound, InputError, StoreError


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "t.duckdb")
    yield s
    s.close()


def _bars(
    symbol: str,
    dates: list[str],
    closes: list[float],
    basis: str = "adjusted",
    **extra: list[float],
) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "symbol": symbol,
            "basis": basis,
            "date": pd.to_datetime(dates),
            "close": closes,
            "source": "test.csv",
        }
    )
    for k, v in extra.items():
        df[k] = v
    return df


def test_new_store_has_current_schema(store: Store) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    assert store.is_empty()
    assert store.last_date() is None


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    s = Store.open(tmp_path / "n.duckdb")
    s.con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    s.close()
    with pytest.raises(StoreError, match="newer than this capsize"):
        Store.open(tmp_path / "n.duckdb")


def test_read_only_open_of_missing_store_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(DataNotFound, match="capsize data import"):
        Store.open(tmp_path / "absent.duckdb", read_only=True)


def test_write_bars_is_idempotent_and_merges_fields(store: Store) -> None:
    store.write_bars(_bars("AAA", ["2024-01-02", "2024-01-03"], [10.0, 11.0]))
    store.write_bars(_bars("AAA", ["2024-01-02", "2024-01-03"], [10.0, 11.0]))
    assert store.con.execute("SELECT count(*) FROM bars").fetchone()[0] == 2
    # An OHLCV file completes the close-only rows without erasing the close.
    store.write_bars(_bars("AAA", ["2024-01-03"], [float("nan")], volume=[500.0], high=[11.5]))
    b = store.bars("AAA")
    assert b.loc["2024-01-03", "close"] == 11.0
    assert b.loc["2024-01-03", "volume"] == 500.0
    assert np.isnan(b.loc["2024-01-02", "volume"])
    assert store.check_integrity().ok


def test_failed_write_rolls_back(store: Store) -> None:
    store.write_bars(_bars("AAA", ["2024-01-02"], [10.0]))
    with pytest.raises(RuntimeError), store.transaction():
        store.write_bars(_bars("AAA", ["2024-01-03"], [11.0]))
        raise RuntimeError("crash mid-write")
    assert store.con.execute("SELECT count(*) FROM bars").fetchone()[0] == 1


def test_bad_basis_rejected(store: Store) -> None:
    with pytest.raises(InputError, match="basis"):
        store.write_bars(_bars("AAA", ["2024-01-02"], [10.0], basis="weird"))


def test_closes_as_of_and_basis(store: Store) -> None:
    store.write_bars(_bars("AAA", ["2024-01-02", "2024-01-03", "2024-01-04"], [10.0, 11.0, 12.0]))
    store.write_bars(_bars("AAA", ["2024-01-02", "2024-01-03"], [9.0, 9.5], basis="raw"))
    store.write_bars(_bars("^IDX", ["2024-01-03", "2024-01-04"], [100.0, 101.0], basis="level"))
    wide = store.closes(["AAA", "^IDX"], as_of="2024-01-03")
    assert list(wide.columns) == ["AAA", "^IDX"]
    assert wide.index.max() == pd.Timestamp("2024-01-03")
    assert np.isnan(wide.loc["2024-01-02", "^IDX"])
    assert wide.attrs["basis"] == {"AAA": "adjusted", "^IDX": "level"}
    assert wide.index.dtype == "datetime64[ns]" and wide.index.tz is None
    raw = store.closes("AAA", basis="raw")
    assert raw["AAA"].tolist() == [9.0, 9.5]
    with pytest.raises(DataNotFound, match="no raw prices"):
        store.closes("^IDX", basis="raw")
    with pytest.raises(DataNotFound, match="ZZZ"):
        store.closes(["ZZZ"])
    with pytest.raises(InputError, match="as_of"):
        store.closes("AAA", as_of="not a date")


def test_as_of_on_weekend_uses_earlier_rows(store: Store) -> None:
    store.write_bars(_bars("AAA", ["2024-01-05", "2024-01-08"], [10.0, 11.0]))
    assert store.closes("AAA", as_of="2024-01-07").index.max() == pd.Timestamp("2024-01-05")


def test_panel_is_dense(store: Store) -> None:
    store.write_bars(_bars("AAA", ["2024-01-02", "2024-01-03"], [10.0, 11.0]))
    store.write_bars(_bars("BBB", ["2024-01-03"], [5.0]))
    p = store.panel(["AAA", "BBB"])
    assert p.shape == (2, 2)
    assert np.isnan(p.loc["2024-01-02", "BBB"])
    with pytest.raises(InputError, match="field"):
        store.panel(["AAA"], field="vwap")


def test_holdings_snapshot_as_of(store: Store) -> None:
    rows = []
    for as_of, w in (("2025-05-13", 0.5), ("2025-11-05", 0.6)):
        rows.append(
            pd.DataFrame(
                {
                    "fund": "IWM",
                    "as_of": pd.Timestamp(as_of).date(),
                    "position": [0],
                    "ticker": ["X"],
                    "name": ["X INC"],
                    "sector": ["Tech"],
                    "asset_class": ["Equity"],
                    "weight": [w],
                    "shares": [1.0],
                    "market_value": [2.0],
                    "price": [2.0],
                    "source": ["h.csv"],
                }
            )
        )
    for r in rows:
        store.write_holdings(r)
    store.write_holdings(rows[0])  # idempotent
    assert store.holdings("IWM")["weight"].tolist() == [0.6]
    h = store.holdings("IWM", as_of="2025-10-01")
    assert h["weight"].tolist() == [0.5]
    assert h.attrs["as_of"] == pd.Timestamp("2025-05-13")
    with pytest.raises(DataNotFound, match="IWM"):
        store.holdings("IWM", as_of="2020-01-01")


def test_macro_and_factors(store: Store) -> None:
    store.write_macro(
        pd.DataFrame(
            {
                "series_id": "DGS2",
                "date": pd.to_datetime(["2024-01-02", "2024-01-03"]).date,
                "value": [4.3, 4.4],
                "source": "m.csv",
            }
        )
    )
    assert store.macro("DGS2", as_of="2024-01-02")["DGS2"].tolist() == [4.3]
    with pytest.raises(DataNotFound, match="DGS5"):
        store.macro(["DGS5"])
    store.write_factors(
        pd.DataFrame(
            {
                "dataset": "FF3",
                "frequency": "monthly",
                "date": pd.to_datetime(["2024-01-31"] * 2).date,
                "name": ["Mkt-RF", "SMB"],
                "value": [1.0, -0.5],
                "source": "f.csv",
            }
        )
    )
    f = store.factors("FF3", "monthly")
    assert list(f.columns) == ["Mkt-RF", "SMB"]
    with pytest.raises(InputError, match="frequency"):
        store.factors("FF3", "weekly")
    with pytest.raises(DataNotFound, match="FF3"):
        store.factors("FF3", "daily")


def test_integrity_detects_duplicates(store: Store) -> None:
    store.write_bars(_bars("AAA", ["2024-01-02"], [10.0]))
    store.con.execute("INSERT INTO bars SELECT * FROM bars")
    rep = store.check_integrity()
    assert not rep.ok
    assert "duplicated keys" in rep.problems[0]


def test_a_reader_of_an_older_store_migrates_it_once(tmp_path: Path) -> None:
    """Read-only commands keep working after an upgrade adds a schema version."""
    import duckdb

    from capsize.data._schema import MIGRATIONS, SCHEMA_VERSION

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute(MIGRATIONS[0])
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '1')")
    con.close()
    with Store.open(db, read_only=True) as store:
        assert store.read_only
        assert store.schema_version() == SCHEMA_VERSION
        assert not store.needs_migration()
