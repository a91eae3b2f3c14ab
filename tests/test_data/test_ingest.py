"""Importing a data folder: every file lands, re-import changes nothing, crashes leave old or new."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from capsize.data.ingest import import_folder
from capsize.data.store import Store

BARS_SAMPLE = [
    "prices/IWM.csv",
    "prices/GSPC.csv",
    "prices/BTC-USD.csv",
    "prices/raw/IWM_raw_taa.csv",
    "universe/AAOI.csv",
    "universe/ZYME.csv",
    "universe_ohlcv/AAOI.csv",
]


def _csv_span(path: Path) -> tuple[str, str, int]:
    with path.open(newline="") as fh:
        dates = [row["date"] for row in csv.DictReader(fh)]
    return min(dates), max(dates), len(dates)


@pytest.fixture(scope="module")
def filled(store_home: Path) -> Store:
    s = Store.open(store_home / "capsize.duckdb", read_only=True)
    yield s
    s.close()


def test_every_data_file_is_catalogued(filled: Store, shared_data: Path) -> None:
    cat = filled.catalog().set_index("dataset_key")
    files = [p.relative_to(shared_data).as_posix() for p in shared_data.rglob("*") if p.is_file()]
    data_files = [f for f in files if not f.endswith(".md")]
    missing = [f for f in data_files if f not in cat.index]
    assert missing == []
    assert len(cat) == len(data_files)


@pytest.mark.parametrize("rel", BARS_SAMPLE)
def test_catalog_matches_file(filled: Store, shared_data: Path, rel: str) -> None:
    first, last, rows = _csv_span(shared_data / rel)
    entry = filled.catalog().set_index("dataset_key").loc[rel]
    assert str(pd.Timestamp(entry["first_date"]).date()) == first
    assert str(pd.Timestamp(entry["last_date"]).date()) == last
    assert int(entry["rows"]) + int(entry["rejected"]) == rows


def test_all_bar_files_row_counts(filled: Store, shared_data: Path) -> None:
    cat = filled.catalog()
    bars = cat[cat["kind"] == "bars"]
    for r in bars.itertuples():
        with (shared_data / r.dataset_key).open("rb") as fh:
            n = sum(1 for _ in fh) - 1
        assert r.rows + r.rejected == n, r.dataset_key


def test_prices_values_round_trip(filled: Store, shared_data: Path) -> None:
    with (shared_data / "prices/IWM.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    got = filled.bars("IWM")
    assert len(got) == len(rows)
    for r in (rows[0], rows[len(rows) // 2], rows[-1]):
        assert got.loc[r["date"], "close"] == float(r["close"])
        assert got.loc[r["date"], "volume"] == float(r["volume"])
    assert got.attrs["basis"] == "adjusted"


def test_indices_and_raw_kept_apart(filled: Store) -> None:
    assert filled.closes(["^RUT"]).attrs["basis"] == {"^RUT": "level"}
    raw = filled.closes("IWM", basis="raw")
    adj = filled.closes("IWM", basis="adjusted")
    d = "2024-12-31"
    assert raw.loc[d, "IWM"] == pytest.approx(220.96, abs=0.01)
    assert adj.loc[d, "IWM"] == pytest.approx(217.597, abs=0.001)


def test_universe_ohlcv_completes_universe_closes(filled: Store) -> None:
    b = filled.bars("AAOI", start="2023-01-03", as_of="2023-01-04")
    assert b["volume"].tolist() == [133400.0, 114900.0]
    assert b["close"].tolist() == [1.88, 1.92]


def test_holdings_membership_flows_macro_factors(filled: Store) -> None:
    h = filled.holdings("IWM", as_of="2025-12-31")
    assert h.attrs["as_of"] == pd.Timestamp("2025-11-05")
    assert h["weight"].sum() == pytest.approx(1.0, abs=0.02)
    fs = filled.fund_shares("IWM")
    assert 278_750_000.0 in fs["shares_outstanding"].tolist()
    m = filled.membership("IWM", as_of="2025-06-05")
    assert m["snapshot_date"].nunique() == 1
    assert filled.macro("DGS2").index.min() == pd.Timestamp("1976-06-01")
    me = filled.factors("ME_portfolios_VW", "monthly")
    assert "<= 0" not in me.columns  # French missing code -99.99 everywhere: no values stored
    ann = filled.factors("FF3", "annual")
    assert "SMB" in ann.columns and len(ann) > 90


def test_store_is_sound(filled: Store) -> None:
    rep = filled.check_integrity()
    assert rep.ok, rep.problems


def test_reimport_changes_nothing(tmp_path: Path, shared_data: Path) -> None:
    s = Store.open(tmp_path / "s.duckdb")
    try:
        import_folder(s, shared_data, groups=["prices", "macro", "holdings"])
        before = s.con.execute(
            "SELECT count(*), bit_xor(hash(symbol, basis, date, close)) FROM bars"
        ).fetchone()
        rep = import_folder(s, shared_data, groups=["prices", "macro", "holdings"])
        assert rep.imported == [] and len(rep.unchanged) > 30
        rep = import_folder(s, shared_data, groups=["prices", "macro", "holdings"], force=True)
        assert len(rep.imported) > 30
        after = s.con.execute(
            "SELECT count(*), bit_xor(hash(symbol, basis, date, close)) FROM bars"
        ).fetchone()
        # order-independent exact fingerprint (a float sum depends on DuckDB's thread order)
        assert before == after
        assert s.check_integrity().ok
    finally:
        s.close()


_KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from capsize.data.store import Store
    from capsize.data.ingest import import_folder
    s = Store.open(sys.argv[1])
    def tick(label, done, total):
        if label == "universe (write)" and done == 0:
            print("WRITING", flush=True)
    import_folder(s, sys.argv[2], groups=["universe"], force=True, progress=tick)
    print("DONE", flush=True)
    """
)


def test_sigkill_midway_leaves_old_or_new_state(tmp_path: Path, shared_data: Path) -> None:
    db = tmp_path / "k.duckdb"
    s = Store.open(db)
    import_folder(s, shared_data, groups=["prices"])
    old_prices = s.con.execute("SELECT count(*) FROM bars").fetchone()[0]
    s.close()
    with subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(db), str(shared_data)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    ) as proc:
        assert proc.stdout is not None
        seen = [proc.stdout.readline() for _ in range(1)]
        while seen[-1] and "WRITING" not in seen[-1]:
            seen.append(proc.stdout.readline())
        assert "WRITING" in seen[-1], seen
        time.sleep(0.5)  # inside the transaction that writes ~4 million rows
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    s = Store.open(db)
    try:
        assert s.check_integrity().ok
        n_uni = s.con.execute(
            "SELECT count(*) FROM catalog WHERE dataset_key LIKE 'universe/%'"
        ).fetchone()[0]
        uni_rows = s.con.execute(
            "SELECT count(*) FROM bars b JOIN symbols y USING (symbol) WHERE y.kind = 'stock'"
        ).fetchone()[0]
        assert n_uni in (0, 2249)
        assert (uni_rows == 0) == (n_uni == 0)
        assert (
            s.con.execute(
                "SELECT count(*) FROM bars WHERE basis = 'level' OR symbol = 'IWM'"
            ).fetchone()[0]
            > 0
        )
        total = s.con.execute("SELECT count(*) FROM bars").fetchone()[0]
        assert total >= old_prices
    finally:
        s.close()
