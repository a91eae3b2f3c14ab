"""Crypto size analogy: dominance on the recorded CoinGecko payload, leadership on real prices."""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capsize.analytics.crosscap import (
    DEFAULT_EXCLUDE,
    basket_index,
    dominance,
    leadership_side_by_side,
    majors_vs_alts,
)
from capsize.data.providers.coingecko import parse_markets
from capsize.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def markets_raw(fixtures_dir: Path) -> bytes:
    return (fixtures_dir / "coingecko" / "coins_markets_dashbrd.json").read_bytes()


@pytest.fixture(scope="module")
def prices(shared_data: Path) -> dict[str, pd.Series]:
    out = {}
    for s in ("IWM", "SPY", "BTC-USD", "ETH-USD"):
        f = pd.read_csv(shared_data / "prices" / f"{s}.csv", parse_dates=["date"], index_col="date")
        out[s] = f["close"].rename(s)
    return out


def test_dominance_matches_recorded_payload(markets_raw):
    items = json.loads(markets_raw)
    # independent: plain Python over the JSON
    kept = [c for c in items if c["id"] not in DEFAULT_EXCLUDE and c["market_cap"] is not None]
    kept.sort(key=lambda c: -c["market_cap"])
    total = sum(c["market_cap"] for c in kept)
    top2 = kept[0]["market_cap"] + kept[1]["market_cap"]
    frame, _ = parse_markets(markets_raw)
    d = dominance(frame)
    assert d.majors == ("bitcoin", "ethereum")
    assert d.majors_share == pytest.approx(top2 / total, rel=1e-12)
    assert d.rest_share == pytest.approx(1 - top2 / total, rel=1e-12)
    assert d.shares["bitcoin"] == pytest.approx(kept[0]["market_cap"] / total)
    assert d.n_coins == len(kept)
    assert "tether" in d.excluded
    assert "staked-ether" in d.excluded
    assert d.as_of == pd.Timestamp("2023-07-28 20:03:30.055")
    assert "not the whole crypto market" in d.coverage
    # without exclusions, stablecoins count as "the rest"
    raw_total = sum(c["market_cap"] for c in items if c["market_cap"] is not None)
    d_all = dominance(frame, exclude=())
    assert d_all.majors_share == pytest.approx(top2 / raw_total, rel=1e-12)
    assert d_all.majors_share < d.majors_share


def test_dominance_inputs():
    with pytest.raises(InputError, match="market_cap"):
        dominance(pd.DataFrame({"id": ["a"]}))
    m = pd.DataFrame({"id": ["a", "b", "c"], "market_cap": [3.0, None, 1.0]})
    with pytest.raises(InputError, match="need more than top=2"):
        dominance(m, exclude=())
    d = dominance(m, top=1, exclude=())
    assert d.missing_cap == ("b",)
    assert d.majors_share == pytest.approx(0.75)
    assert d.as_of is None


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(min_value=1.0, max_value=1e12), min_size=3, max_size=40), st.integers(1, 2)
)
def test_dominance_shares_sum_to_one(caps, top):
    m = pd.DataFrame({"id": [f"c{i}" for i in range(len(caps))], "market_cap": caps})
    d = dominance(m, top=top, exclude=())
    assert d.majors_share + d.rest_share == pytest.approx(1.0)
    assert d.shares.sum() == pytest.approx(d.majors_share)
    assert d.majors_cap == pytest.approx(sum(sorted(caps, reverse=True)[:top]))


def test_basket_index_hand_built():
    idx = pd.date_range("2024-01-01", periods=4)
    c = pd.DataFrame({"a": [10.0, 11.0, 12.1, 12.1], "b": [np.nan, 5.0, 4.0, 4.4]}, index=idx)
    lvl = basket_index(c)
    # day 2: only a has a return (+10%); day 3: a +10%, b -20% -> -5%; day 4: a 0, b +10% -> +5%
    np.testing.assert_allclose(lvl.to_numpy(), [1.0, 1.1, 1.1 * 0.95, 1.1 * 0.95 * 1.05])
    both = majors_vs_alts(c[["a"]], c[["b"]].dropna())
    assert both["alts_vs_majors"].iloc[0] == 1.0
    assert both["alts"].iloc[-1] == pytest.approx(0.88)
    with pytest.raises(InputError, match="indexed by date"):
        basket_index(c.reset_index(drop=True))


def _year_end_closes(path: Path) -> dict[int, float]:
    out: dict[int, float] = {}
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            out[int(r["date"][:4])] = float(r["close"])
    return out


def test_leadership_side_by_side_real(prices, shared_data):
    lead = leadership_side_by_side(
        {
            "stocks": (prices["IWM"], prices["SPY"]),
            "crypto": (prices["ETH-USD"], prices["BTC-USD"]),
        }
    )
    t = lead.table
    assert list(t.index) == ["stocks", "crypto"]
    # independent yearly leadership from the CSVs: full years 2018..2025 for ETH vs BTC
    eth = _year_end_closes(shared_data / "prices" / "ETH-USD.csv")
    btc = _year_end_closes(shared_data / "prices" / "BTC-USD.csv")
    eth_led = [y for y in range(2018, 2026) if eth[y] / eth[y - 1] > btc[y] / btc[y - 1]]
    assert t.loc["crypto", "years"] == 8
    assert t.loc["crypto", "small_led"] == len(eth_led)
    iwm = _year_end_closes(shared_data / "prices" / "IWM.csv")
    spy = _year_end_closes(shared_data / "prices" / "SPY.csv")
    iwm_led = [y for y in range(2001, 2026) if iwm[y] / iwm[y - 1] > spy[y] / spy[y - 1]]
    assert t.loc["stocks", "years"] == 25
    assert t.loc["stocks", "small_led"] == len(iwm_led)
    # current streak: count back from 2025 while the same side led
    leaders = ["IWM" if y in iwm_led else "SPY" for y in range(2001, 2026)]
    n = 1
    while n < len(leaders) and leaders[-1 - n] == leaders[-1]:
        n += 1
    assert t.loc["stocks", "current_leader"] == leaders[-1]
    assert t.loc["stocks", "current_streak"] == n
    # trailing 12 months, by hand on the last common close
    both = pd.concat([prices["ETH-USD"], prices["BTC-USD"]], axis=1, sort=True).dropna()
    end = both.index[-1]
    base = both[: end - pd.DateOffset(months=12)].iloc[-1]
    exp = (both.iloc[-1, 0] / base.iloc[0]) / (both.iloc[-1, 1] / base.iloc[1]) - 1
    assert t.loc["crypto", "rel_12m"] == pytest.approx(exp, rel=1e-12)
    assert "crypto" in lead.years
