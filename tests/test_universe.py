"""Universe: members, weights, history and the survivorship caveat."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from capsize.errors import DataNotFound, SchemaError
from capsize.universe import Universe

if TYPE_CHECKING:
    from pathlib import Path


def _holdings(date: str = "2025-05-13") -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "ticker": ["aaa", "BBB", "-", "CASH", "CCC"],
            "name": ["A", "B", "rights", "usd", "C"],
            "sector": ["Tech", "Health", "Health", "Cash", "Energy"],
            "asset_class": ["Equity", "Equity", "Equity", "Cash", "Equity"],
            "weight": [0.5, 0.3, 0.0, 0.05, 0.15],
        }
    )
    df.attrs["as_of"] = pd.Timestamp(date)
    return df


def _history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "snapshot_date": ["2025-06-05", "2025-06-05", "2025-07-01", "2025-07-01"],
            "ticker": ["AAA", "BBB", "AAA", "DDD"],
            "weight": [60.0, 40.0, np.nan, np.nan],  # percent in the first snapshot
        }
    )


def test_from_holdings_keeps_equities_with_real_tickers() -> None:
    u = Universe.from_frames(_holdings(), name="IWM")
    assert u.members == ("AAA", "BBB", "CCC")
    assert u.weights.to_dict() == {"AAA": 0.5, "BBB": 0.3, "CCC": 0.15}
    assert u.sectors["CCC"] == "Energy"
    assert u.snapshot_source == "holdings"
    assert u.snapshot_date == pd.Timestamp("2025-05-13")
    assert u.normalized_weights().sum() == pytest.approx(1.0)


def test_latest_snapshot_wins_and_as_of_cuts() -> None:
    u = Universe.from_frames(_holdings(), _history())
    assert u.snapshot_source == "membership"
    assert u.members == ("AAA", "DDD")
    assert u.weights["AAA"] == 0.5  # no weight in that snapshot: taken from holdings
    assert np.isnan(u.weights["DDD"])
    v = Universe.from_frames(_holdings(), _history(), as_of="2025-06-10")
    assert v.members == ("AAA", "BBB")
    assert v.weights.to_dict() == {"AAA": 0.6, "BBB": 0.4}  # percent -> fraction
    w = Universe.from_frames(_holdings(), _history(), as_of="2025-05-20")
    assert w.snapshot_source == "holdings"
    with pytest.raises(DataNotFound, match="on or before 2025-01-01"):
        Universe.from_frames(_holdings(), _history(), as_of="2025-01-01")


def test_members_on_and_restrict_and_caveat() -> None:
    u = Universe.from_frames(_holdings(), _history())
    assert u.members_on("2025-06-30") == ("AAA", "BBB")
    with pytest.raises(DataNotFound, match="unknown"):
        u.members_on("2024-01-01")
    r = u.restrict(["AAA", "ZZZ"])
    assert r.members == ("AAA",)
    assert r.without_data == ("DDD",)
    assert (r.n_members, r.n_listed) == (1, 2)
    assert "Survivorship" in r.caveat
    assert "1 of 2 members" in r.caveat
    assert "2025-07-01" in r.caveat
    assert "1 with prices of 2" in r.describe()
    with pytest.raises(DataNotFound):
        u.restrict([])


def test_schema_errors_name_the_missing_columns() -> None:
    with pytest.raises(SchemaError, match="weight"):
        Universe.from_frames(pd.DataFrame({"ticker": ["A"]}))
    no_date = _holdings()
    no_date.attrs.clear()
    with pytest.raises(SchemaError, match="as_of"):
        Universe.from_frames(no_date)
    with pytest.raises(SchemaError, match="snapshot_date"):
        Universe.from_frames(None, pd.DataFrame({"ticker": ["A"]}))


def _read_ishares(path: Path) -> tuple[pd.DataFrame, int]:
    """Parse an iShares holdings CSV with the csv module; count equity tickers."""
    rows: list[dict[str, str]] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    head = next(i for i, r in enumerate(lines) if r and r[0] == "Ticker")
    cols = lines[head]
    for r in lines[head + 1 :]:
        if len(r) != len(cols):
            continue
        rows.append(dict(zip(cols, r, strict=True)))
    equities = {
        r["Ticker"].strip().upper()
        for r in rows
        if r["Asset Class"] == "Equity" and r["Ticker"].strip() not in ("", "-")
    }
    frame = pd.DataFrame(
        {
            "ticker": [r["Ticker"] for r in rows],
            "asset_class": [r["Asset Class"] for r in rows],
            "sector": [r["Sector"] for r in rows],
            "weight": [float(r["Weight (%)"].replace(",", "")) / 100 for r in rows],
        }
    )
    frame.attrs["as_of"] = pd.Timestamp("2026-05-05")
    return frame, len(equities)


def test_real_iwm_holdings(shared_data: Path) -> None:
    frame, n_equities = _read_ishares(shared_data / "holdings" / "IWM_holdings_2026-05-05.csv")
    u = Universe.from_frames(frame, name="IWM")
    assert u.n_members == n_equities
    assert 1_800 < u.n_members < 2_100
    assert 0.95 < u.weights.sum() <= 1.01
    have = {p.stem for p in (shared_data / "universe").glob("*.csv")}
    r = u.restrict(have)
    assert r.n_members == len(set(u.members) & have)
    assert f"{r.n_members:,} of {u.n_members:,} members" in r.caveat
