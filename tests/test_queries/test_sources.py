"""``data_sources``: files, basis, dates used and quality counts, point in time."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from capsize.queries.sources import data_sources

DAYS = ("2025-06-26", "2025-10-08")
ASK = {
    "bars": ["IWM", "SPY", "^RUT", "NOPE"],
    "macro": ["DGS2"],
    "factors": ["FF3"],
    "fund_shares": ["IWM"],
}


def _last_on_or_before(path: Path, day: str) -> str:
    with path.open(newline="") as fh:
        return max(r["date"] for r in csv.DictReader(fh) if r["date"] <= day and r["close"])


@pytest.mark.parametrize("day", DAYS)
def test_rows_match_the_files(store_home: Path, shared_data: Path, open_store, day: str) -> None:
    with open_store(store_home) as store:
        res = data_sources(store, day, **ASK)
    rows = {(r[0], r[2]): r for r in res.table("sources").rows}
    iwm = rows[("IWM", "adjusted")]
    assert iwm[1] == "prices/IWM.csv"  # the adjusted closes' file only, no raw files
    assert iwm[4] == _last_on_or_before(shared_data / "prices" / "IWM.csv", day)
    assert rows[("^RUT", "level")][1] == "prices/RUT.csv"
    assert "bars NOPE" in " ".join(res.notes)
    assert res.as_of == __import__("pandas").Timestamp(day)
    # holdings files dated after the day are not named
    shares = rows[("IWM", "shares")][1]
    assert "IWM_holdings_2025-11-05" not in shares


@pytest.mark.parametrize("day", DAYS)
def test_point_in_time(store_home: Path, truncated_home, open_store, dates_after, day: str) -> None:
    with open_store(store_home) as full, open_store(truncated_home(day)) as cut:
        a, b = data_sources(full, day, **ASK).to_dict(), data_sources(cut, day, **ASK).to_dict()
    assert a == b
    assert dates_after(a, day) == []
