"""StoreReader: one read-only connection, a cursor per session, reads shared per as-of day."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pandas as pd

from capsize.queries import open_session
from capsize.queries.session import StoreReader
from capsize.queries.sources import data_sources

DAY = "2025-10-08"
ASK = {"bars": ["IWM", "SPY"], "macro": ["DGS10"]}


def test_sessions_share_reads_per_day_and_answer_as_a_fresh_store(store_home: Path) -> None:
    path = str(store_home / "capsize.duckdb")
    reader = StoreReader(path, days=2)
    try:
        with reader.session(DAY) as a, reader.session(DAY) as b, reader.session(None) as c:
            assert a.store is not b.store  # a cursor each
            key = ("closes", ("IWM",), "auto")
            frame = a.closes(["IWM"])
            assert b._cache[key] is frame  # the same day: read once
            assert key not in c._cache  # another day: its own reads
            assert frame.index.max().strftime("%Y-%m-%d") <= DAY
        with reader.session("2024-06-28"), reader.session("2024-07-01") as d:
            assert ("closes", ("IWM",), "auto") not in d._cache
        with reader.session(DAY) as e:  # dropped: only 2 days are kept
            assert key not in e._cache

        answers: dict[str, str] = {}

        def ask(day: str) -> None:
            with reader.session(day) as s:
                answers[day] = json.dumps(data_sources(s, **ASK).to_dict(), sort_keys=True)

        days = ("2024-06-28", DAY, "2025-12-31")
        threads = [threading.Thread(target=ask, args=(d,)) for d in days]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        reader.close()
    for day in days:  # concurrent cursors answer as a store opened for the question alone
        with open_session(day, path=path) as s:
            want = json.dumps(data_sources(s, **ASK).to_dict(), sort_keys=True)
        assert answers[day] == want, day


def test_sliced_reads_answer_as_a_store_opened_for_the_day(store_home: Path) -> None:
    """slice_reads: past days cut one latest read (closes, macro, factors, fund shares)."""
    path = str(store_home / "capsize.duckdb")
    ask = {**ASK, "macro": ["DGS10", "DGS2"], "factors": ["FF3"], "fund_shares": ["IWM"]}
    reader = StoreReader(path, slice_reads=True)
    days = ("1975-06-02", "2015-03-02", DAY)  # DGS2 starts in 1976: named missing, not raised
    try:
        got = {}
        for day in days:
            with reader.session(day) as s:
                got[day] = json.dumps(data_sources(s, **ask).to_dict(), sort_keys=True)
                assert s.parent is not None
        with reader.session(None) as latest:
            key = ("closes", ("IWM",), "auto")
            assert latest._cache[key].index.max() > pd.Timestamp(DAY)  # read once, whole
    finally:
        reader.close()
    for day in days:
        with open_session(day, path=path) as s:
            assert got[day] == json.dumps(data_sources(s, **ask).to_dict(), sort_keys=True), day
