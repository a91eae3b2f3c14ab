"""Liquidity: hand-built figures, coverage rules, and a plain-Python check on real data."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from capsize.analytics.liquidity import liquidity, volume_history
from capsize.errors import InputError
from capsize.rules.liquidity import TIER_NAMES, liquidity_tier

if TYPE_CHECKING:
    from pathlib import Path


def _frames(n: int = 40) -> tuple[pd.DataFrame, pd.DataFrame]:
    dates = pd.bdate_range("2024-01-01", periods=n)
    closes = pd.DataFrame(
        {
            "A": 10.0 * (1 + 0.01 * (np.arange(n) % 3 - 1)),
            "B": np.full(n, 50.0),
            "C": np.full(n, 20.0),
        },
        index=dates,
    )
    volume = pd.DataFrame(
        {
            "A": np.full(n, 1_000_000.0),
            "B": np.arange(1, n + 1) * 1_000.0,
            "C": np.where(np.arange(n) < n // 2, 5_000.0, np.nan),  # volume stops halfway
        },
        index=dates,
    )
    return closes, volume


def test_hand_built_figures() -> None:
    closes, volume = _frames()
    res = liquidity(
        closes, volume, window=10, yoy_window=15, shares_outstanding=pd.Series({"A": 1e8})
    )
    t = res.table
    last = closes.iloc[-10:]
    vol = volume.iloc[-10:]
    assert t.loc["A", "adv_shares"] == pytest.approx(1e6)
    assert t.loc["A", "adv_dollars"] == pytest.approx((last["A"] * 1e6).mean())
    assert t.loc["B", "adv_dollars"] == pytest.approx((50 * vol["B"]).mean())
    assert t.loc["B", "median_dollars"] == pytest.approx((50 * vol["B"]).median())
    r = closes["A"].pct_change().iloc[-10:].abs()
    assert t.loc["A", "amihud"] == pytest.approx((r / (last["A"] * 1e6)).mean() * 1e6)
    assert t.loc["B", "amihud"] == 0.0  # a flat price moves nothing
    assert t.loc["A", "turnover"] == pytest.approx(1e6 / 1e8)
    assert np.isnan(t.loc["B", "turnover"])
    assert t.loc["A", "adv_dollars"] < 10e6
    # the one tier table (capsize.rules.liquidity) on the median dollar volume
    assert t.loc["A", "median_dollars"] == pytest.approx(10e6)
    assert t.loc["A", "tier"] == "medium"
    assert t.loc["B", "tier"] == liquidity_tier(t.loc["B", "median_dollars"]) == "low"
    # C has no volume in the window: no figures, and the note says why
    assert np.isnan(t.loc["C", "adv_dollars"])
    assert t.loc["C", "tier"] == "n/a"
    assert "volume on 0 of 10 days" in t.loc["C", "note"]
    assert t.loc["C", "last_volume_date"] == closes.index[19]
    # year over year: B covered in both 15-day windows, C is not
    b_now, b_then = volume["B"].iloc[-15:], volume["B"].iloc[-30:-15]
    assert t.loc["B", "yoy_adv_shares"] == pytest.approx(b_now.mean() / b_then.mean() - 1)
    assert np.isnan(t.loc["C", "yoy_adv_shares"])
    s = res.summary
    assert (s["symbols"], s["covered"], s["yoy_covered"]) == (3, 2, 2)
    num = (closes[["A", "B"]].iloc[-15:] * volume[["A", "B"]].iloc[-15:]).mean().sum()
    den = (closes[["A", "B"]].iloc[-30:-15] * volume[["A", "B"]].iloc[-30:-15]).mean().sum()
    assert s["yoy_adv_dollars"] == pytest.approx(num / den - 1)
    assert "2 of 3 symbols" in res.caveat
    assert (res.window_start, res.window_end) == (closes.index[-10], closes.index[-1])


def test_as_of_and_validation() -> None:
    closes, volume = _frames()
    res = liquidity(closes, volume, window=10, as_of=closes.index[15])
    assert res.window_end == closes.index[15]
    assert res.table.loc["C", "adv_shares"] == pytest.approx(5_000.0)
    assert "yoy needs" in res.table.loc["A", "note"]
    with pytest.raises(InputError):
        liquidity(closes, volume, min_coverage=0)
    with pytest.raises(InputError):
        liquidity(closes, volume, window=0)


def test_tiers_come_from_the_one_rule() -> None:
    closes, volume = _frames()
    volume["A"] = 2e6  # $20M/day
    res = liquidity(closes, volume, window=10)
    t = res.table
    assert t["tier"].tolist() == [liquidity_tier(x) or "n/a" for x in t["median_dollars"]]
    assert t["tier"].tolist() == ["medium", "low", "n/a"]
    s = res.summary
    assert [s[f"tier_{n}"] for n in TIER_NAMES] == [0, 1, 1, 0, 0]
    assert s["untiered"] == 1


def test_dollar_volume_by_volume_unit() -> None:
    """Crypto volume is already USD; an index has none (capsize.rules.dollar_volume)."""
    closes, volume = _frames()
    closes["BTC"], volume["BTC"] = 60_000.0, 2e9  # Yahoo: USD per day
    closes["IDX"], volume["IDX"] = 2_000.0, 1e9  # an index "volume"
    res = liquidity(closes, volume, window=10, volume_units={"BTC": "usd", "IDX": "none"})
    t = res.table
    assert t.loc["BTC", "adv_dollars"] == pytest.approx(2e9)
    assert np.isnan(t.loc["BTC", "adv_shares"])
    assert t.loc["BTC", "amihud"] == 0.0
    assert np.isnan(t.loc["IDX", "adv_dollars"]) and t.loc["IDX", "tier"] == "n/a"
    assert res.summary["total_adv_dollars"] == pytest.approx(t["adv_dollars"].sum())
    assert res.summary["covered"] == 3  # A, B and BTC: never the index


def test_volume_history_refuses_trend_across_coverage_change() -> None:
    dates = pd.bdate_range("2024-01-01", "2024-06-28")
    closes = pd.DataFrame(10.0, index=dates, columns=[f"T{i}" for i in range(10)])
    volume = pd.DataFrame(1_000.0, index=dates, columns=closes.columns)
    volume.loc[dates >= "2024-04-01", ["T0", "T1", "T2"]] = np.nan  # three stop reporting
    h = volume_history(closes, volume)
    t = h.table
    assert t["n_covered"].tolist() == [10, 10, 10, 7, 7, 7]
    assert t["segment"].tolist() == [0, 0, 0, 1, 1, 1]
    assert t["dollar_volume"].iloc[0] == pytest.approx(10 * 10_000.0)
    assert h.change("2024-01-31", "2024-03-29") == pytest.approx(0.0)
    with pytest.raises(InputError, match="coverage changed"):
        h.change("2024-01-31", "2024-05-31")


# --------------------------------------------------------------------------- real data


def test_real_adv_against_plain_python(shared_data: Path) -> None:
    tickers = sorted(p.stem for p in (shared_data / "universe_ohlcv").glob("*.csv"))[::100]
    rows = {}
    for t in tickers:
        with (shared_data / "universe_ohlcv" / f"{t}.csv").open(newline="") as fh:
            rows[t] = list(csv.DictReader(fh))
    as_of = "2024-02-29"
    closes = pd.DataFrame(
        {t: {r["date"]: float(r["close"]) for r in rs if r["close"]} for t, rs in rows.items()}
    )
    volume = pd.DataFrame(
        {t: {r["date"]: float(r["volume"]) for r in rs if r["volume"]} for t, rs in rows.items()}
    )
    closes.index = pd.to_datetime(closes.index)
    volume.index = pd.to_datetime(volume.index)
    closes = closes.sort_index()
    res = liquidity(closes, volume, window=63, as_of=as_of)
    cal = sorted({r["date"] for rs in rows.values() for r in rs if r["date"] <= as_of})[-63:]
    checked = 0
    for t, rs in rows.items():
        by_date = {r["date"]: r for r in rs}
        days = [by_date[d] for d in cal if d in by_date and by_date[d]["volume"]]
        if len(days) < 0.9 * 63:
            assert np.isnan(res.table.loc[t, "adv_dollars"])
            continue
        dv = [float(r["close"]) * float(r["volume"]) for r in days]
        assert res.table.loc[t, "adv_dollars"] == pytest.approx(sum(dv) / len(dv), rel=1e-12)
        assert res.table.loc[t, "days_with_volume"] == len(days)
        checked += 1
    assert checked >= 10


def test_yoy_refused_when_coverage_changes_between_years() -> None:
    closes, volume = _frames()
    volume["D"] = np.where(np.arange(len(volume)) >= 25, 2_000.0, np.nan)  # starts late
    closes["D"] = 5.0
    res = liquidity(closes, volume, window=10, yoy_window=15)
    row = res.table.loc["D"]
    assert row["adv_shares"] == pytest.approx(2_000.0)  # covered in the current window
    assert np.isnan(row["yoy_adv_shares"])
    assert "coverage differs" in row["note"]
    assert res.summary["yoy_covered"] == 2  # A and B only
