"""Screener: metrics vs independent computations, NOT ASSESSED counts, presets, export."""

from __future__ import annotations

import csv
import math
import shutil
from typing import TYPE_CHECKING

import httpx
import numpy as np
import pandas as pd
import pytest

from capsize.config import load_settings
from capsize.data.providers.sec import SecEdgar, parse_companyfacts, recorded_transport
from capsize.errors import InputError
from capsize.rules.cap_bands import cap_band
from capsize.rules.liquidity import liquidity_tier
from capsize.segments import DEFAULT_SEGMENTS
from capsize.stocks.fundamentals import compute_fundamentals, valuation
from capsize.stocks.gather import StockEvidence
from capsize.stocks.screener import (
    PRESETS,
    Rule,
    compute_metrics,
    metrics_frame,
    screen,
)

if TYPE_CHECKING:
    from pathlib import Path

AS_OF = pd.Timestamp("2025-06-30")


def _evidence(
    ticker: str = "AAA", seed: int = 3, price: float = 10.0, n: int = 400
) -> StockEvidence:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range(end=AS_OF, periods=n)
    close = pd.Series(price * np.cumprod(1 + rng.normal(0.0005, 0.02, n)), index=idx)
    vol = pd.Series(rng.uniform(50_000, 150_000, n), index=idx)
    bench = pd.Series(100 * np.cumprod(1 + rng.normal(0.0003, 0.01, n)), index=idx)
    return StockEvidence(
        ticker,
        AS_OF,
        close=close,
        volume=vol,
        benchmark=bench,
        benchmark_symbol="IWM",
        price_source="test",
    )


def test_bands_and_tiers_are_the_one_rules() -> None:
    # drift fixed: the screener had its own band table (large = $10B+) and tier table
    # (illiquid/thin/tradable/liquid); it now uses rules.cap_bands and rules.liquidity.
    assert cap_band(49e6) == "nano"
    assert cap_band(50e6) == "micro"
    assert cap_band(299e6) == "micro"
    assert cap_band(1.9e9) == "small"
    assert cap_band(20e9) == "large"
    assert cap_band(300e9) == "mega"  # was "large" in the screener's own table
    assert cap_band(float("nan")) is None
    assert liquidity_tier(50e3) == "illiquid"
    assert liquidity_tier(5e5) == "thin"
    assert liquidity_tier(5e6) == "low"  # was "tradable"
    assert liquidity_tier(5e7) == "high"  # was "liquid"
    assert liquidity_tier(float("nan")) is None
    ev = _evidence()
    ev.market_cap = 40e6
    assert compute_metrics(ev, with_flags=False).values["cap_band"] == "nano"
    custom = DEFAULT_SEGMENTS.with_overrides({"micro": {"min_cap": 30e6}})
    assert compute_metrics(ev, segments=custom, with_flags=False).values["cap_band"] == "micro"
    quality = PRESETS["quality-micro"].rules
    tier_rule = next(r for r in quality if r.column == "liquidity_tier")
    assert set(tier_rule.value) == {"thin", "low", "medium", "high"}


def test_price_metrics_independent() -> None:
    ev = _evidence()
    m = compute_metrics(ev, with_flags=False)
    c = ev.close.to_numpy()
    v = ev.volume.to_numpy()
    b = ev.benchmark.to_numpy()
    assert m.values["dollar_volume"] == pytest.approx(float(np.median(c[-20:] * v[-20:])))
    assert m.values["mom_12_1"] == pytest.approx(c[-22] / c[-253] - 1)
    assert m.values["ret_6m"] == pytest.approx(c[-1] / c[-127] - 1)
    assert m.values["rs_6m"] == pytest.approx((c[-1] / c[-127] - 1) - (b[-1] / b[-127] - 1))
    # drift fixed: the screener used log returns; volatility is simple daily returns everywhere
    sr = (c[1:] / c[:-1] - 1)[-252:]
    assert m.values["vol_1y"] == pytest.approx(sr.std(ddof=1) * math.sqrt(252), rel=1e-12)
    assert m.evidence["dollar_volume"].date == AS_OF
    assert math.isnan(m.values["profitable"])
    assert math.isnan(m.values["flags_raised"])


def test_stale_volume_not_used() -> None:
    ev = _evidence()
    # drift fixed: volume up to 400 days old was used; the one staleness rule allows 10 days
    full = ev.volume
    ev.volume = full.loc[: AS_OF - pd.Timedelta(days=11)]
    m = compute_metrics(ev, with_flags=False)
    assert math.isnan(m.values["dollar_volume"])
    assert "stale: limit 10 days for daily data" in m.missing["dollar_volume"]
    assert m.values["liquidity_tier"] is None
    ev.volume = full.loc[: AS_OF - pd.Timedelta(days=10)]
    assert compute_metrics(ev, with_flags=False).values["liquidity_tier"] is not None


def test_fundamental_metrics_from_filings(fixtures_dir: Path) -> None:
    facts, _ = parse_companyfacts(
        (fixtures_dir / "sec" / "companyfacts_CIK0001835632_Marvell.json").read_bytes()
    )
    ev = _evidence("MRVL", price=80.0)
    ev.fundamentals = compute_fundamentals(facts, ticker="MRVL", as_of=AS_OF)
    price = float(ev.close.iloc[-1])
    ev.valuation = valuation(ev.fundamentals, price, AS_OF)
    ev.market_cap = ev.valuation.get("market_cap").value
    ev.market_cap_label = "XBRL shares x close"
    m = compute_metrics(ev, with_flags=False)
    fu = ev.fundamentals
    assert m.values["market_cap"] == pytest.approx(fu.get("shares").value * price)
    assert m.values["cash_to_mcap"] == pytest.approx(fu.get("cash").value / m.values["market_cap"])
    ocf = fu.get("operating_cash_flow_ttm").value
    expected_runway = math.inf if ocf >= 0 else fu.get("cash").value / (-ocf / 12)
    assert m.values["cash_runway_months"] == expected_runway
    assert m.values["profitable"] == float(fu.get("net_income_ttm").value > 0)
    assert m.evidence["profitable"].date <= AS_OF


def test_rules_count_not_assessed() -> None:
    frame = pd.DataFrame(
        {"market_cap": [100e6, np.nan, 500e6, 80e6], "profitable": [1.0, 1.0, np.nan, 0.0]},
        index=pd.Index(["A", "B", "C", "D"], name="ticker"),
    )
    res = screen(frame, rules=[Rule("market_cap", "<", 300e6), Rule("profitable", "==", 1.0)])
    assert list(res.frame.index) == ["A"]
    assert res.not_assessed == {"market_cap < 300000000": 1, "profitable == 1": 0}
    assert res.failed == {"market_cap < 300000000": 1, "profitable == 1": 1}
    assert res.n_universe == 4
    assert res.n_passed == 1
    limited = screen(frame, rules=[Rule("market_cap", ">", 0.0)], limit=1, sort_by="market_cap")
    assert limited.n_passed == 3
    assert list(limited.frame.index) == ["C"]
    with pytest.raises(InputError, match="op"):
        Rule("x", "~", 1)
    with pytest.raises(InputError, match="not a screen metric"):
        screen(frame, rules=[Rule("nope", ">", 1)])
    with pytest.raises(InputError, match="preset"):
        screen(frame, preset="nope")
    with pytest.raises(InputError, match="limit"):
        screen(frame, limit=0)


def test_presets_state_their_rules() -> None:
    assert set(PRESETS) >= {"quality-micro", "ma-targets"}
    ma = PRESETS["ma-targets"]
    assert "cash-rich" in ma.description
    assert "consolidating" in ma.description
    assert "Health Care" in ma.description
    frame = pd.DataFrame(
        {
            "cap_band": ["micro", "small", "micro"],
            "cash_to_mcap": [0.5, 0.3, 0.1],
            "ev_sales": [1.0, 1.5, 0.5],
            "sector": ["Health Care", "Financials", "Energy"],
        },
        index=pd.Index(["X", "Y", "Z"], name="ticker"),
    )
    res = screen(frame, preset="ma-targets")
    assert list(res.frame.index) == ["X", "Y"]  # ranked by cash/market cap


@pytest.fixture(scope="module")
def small_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    from capsize.data.ingest import import_folder
    from capsize.data.store import Store

    root = tmp_path_factory.mktemp("subset")
    for sub in ("prices", "universe", "universe_ohlcv", "holdings"):
        (root / sub).mkdir()
    shutil.copy(shared_data / "prices" / "IWM.csv", root / "prices")
    for t in ("UNCY", "ABCB", "BNED"):
        for sub in ("universe", "universe_ohlcv"):
            if (shared_data / sub / f"{t}.csv").exists():
                shutil.copy(shared_data / sub / f"{t}.csv", root / sub)
    shutil.copy(shared_data / "holdings" / "IWM_holdings_2025-11-05.csv", root / "holdings")
    store = Store.open(path=tmp_path_factory.mktemp("db") / "t.duckdb")
    import_folder(store, root)
    yield store
    store.close()


def test_gather_and_screen_on_store(small_store, fixtures_dir: Path, shared_data: Path) -> None:
    from capsize.queries.session import session_for
    from capsize.queries.stocks import SecSource
    from capsize.queries.stocks.universe import gather

    edgar = SecEdgar(
        load_settings(),
        client=httpx.Client(transport=recorded_transport(fixtures_dir / "sec")),
        offline=True,
    )
    s = session_for(small_store, "2026-07-31")
    evs = gather(s, ["BNED", "UNCY", "ABCB"], sec=SecSource(edgar, "recorded")).evidence
    by = {e.ticker: e for e in evs}
    # BNED is an IWM holding: holdings-implied cap, labelled, rolled by price
    with (shared_data / "universe" / "BNED.csv").open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["date"] <= "2026-07-31"]
    # weight = market value / total equity market value, read with the csv module
    with (shared_data / "holdings" / "IWM_holdings_2025-11-05.csv").open(
        encoding="utf-8-sig"
    ) as fh:
        lines = fh.read().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Ticker,"))
    recs = [r for r in csv.DictReader(lines[start:]) if r.get("Asset Class") == "Equity"]
    mvs = [
        (r["Ticker"], float(r["Market Value"].replace(",", ""))) for r in recs
    ]  # keep duplicates
    w = dict(mvs)["BNED"] / sum(v for _, v in mvs)
    p_h = float([r for r in rows if r["date"] <= "2025-11-05"][-1]["close"])
    p_t = float(rows[-1]["close"])
    assert by["BNED"].market_cap == pytest.approx(w * 3.0e12 * p_t / p_h)
    assert "holdings-implied" in by["BNED"].market_cap_label
    # UNCY: filings recorded, no XBRL facts -> fundamentals missing with the reason
    assert by["UNCY"].filings is not None
    assert "no recorded SEC response" in by["UNCY"].missing["fundamentals"]
    frame = metrics_frame(compute_metrics(e) for e in evs)
    assert list(frame.index) == ["BNED", "UNCY", "ABCB"]
    res = screen(frame, preset="quality-micro")
    assert (
        res.not_assessed["profitable (TTM net income > 0)"]
        + res.failed["cap band micro"]
        + res.not_assessed["cap band micro"]
        >= 1
    )
    assert len(res.frame) == 0  # nobody has filings-based profitability here: stated, not guessed


def test_compute_metrics_rejects_other_types() -> None:
    with pytest.raises(InputError, match="StockEvidence"):
        compute_metrics({"ticker": "X"})  # type: ignore[arg-type]


def test_point_in_time_holdings(small_store) -> None:
    # holdings dated 2025-11-05 are not known on 2025-07-08: no implied cap, reason stated
    from capsize.queries.session import session_for
    from capsize.queries.stocks import sec_source
    from capsize.queries.stocks.universe import gather

    s = session_for(small_store, "2025-07-08")
    (ev,) = gather(s, ["BNED"], sec=sec_source(enabled=False)).evidence
    assert math.isnan(ev.market_cap)
    assert "not a IWM holding" in ev.missing["market_cap"]
    assert ev.close.index.max() <= pd.Timestamp("2025-07-08")
    assert "filings" in ev.missing


def test_catalyst_preset_needs_assessed_flags() -> None:
    frame = pd.DataFrame(
        {
            "cap_band": ["micro", "micro"],
            "n_catalysts_90d": [2.0, 3.0],
            "flags_raised": [0.0, 0.0],
            "flags_not_assessed": [1.0, 5.0],
        },
        index=pd.Index(["SEEN", "BLIND"], name="ticker"),
    )
    res = screen(frame, preset="catalyst-rich")
    assert list(res.frame.index) == ["SEEN"]
    assert res.failed["at least 3 of 5 risk flags assessed"] == 1


def test_as_of_text_states_price_date_and_request() -> None:
    import pandas as pd

    from capsize.stocks.screener import screen

    frame = pd.DataFrame(
        {"price_date": ["2026-07-31", "2026-05-05", "n/a (none)"], "market_cap": [1.0, 2.0, 3.0]},
        index=pd.Index(["A", "B", "C"], name="ticker"),
    )
    res = screen(
        frame, as_of=pd.Timestamp("2027-01-01"), requested_as_of=pd.Timestamp("2027-01-01")
    )
    assert res.price_as_of == pd.Timestamp("2026-07-31")
    assert res.n_older_prices == 1
    assert res.as_of_text() == (
        "prices as of 2026-07-31 (1 stocks with older prices, see price_date); requested 2027-01-01"
    )
    same = screen(frame.iloc[:1], requested_as_of=pd.Timestamp("2026-07-31"))
    assert same.as_of_text() == "prices as of 2026-07-31"


def test_metrics_without_store_prices_and_max_gain() -> None:
    # a holding with only its holdings-file price: no crash, gain NaN
    ev = StockEvidence("HOLD", AS_OF, holdings_price=5.0, holdings_as_of=AS_OF)
    m = compute_metrics(ev)
    assert math.isnan(m.values["max_gain_1d"])
    assert m.values["price"] == 5.0
    # one +150% day inside the last 365 days, checked by hand
    e = _evidence()
    assert e.close is not None
    c = e.close.copy()
    c.iloc[-10:] *= 2.5
    e.close = c
    m = compute_metrics(e)
    assert m.values["max_gain_1d"] == pytest.approx(c.iloc[-10] / c.iloc[-11] - 1.0)
    assert m.evidence["max_gain_1d"].date == c.index[-10]


def test_rule_stats_and_empty_reason() -> None:
    frame = pd.DataFrame(
        {
            "cap_band": ["micro", "micro", "micro", "small", None],
            "profitable": [np.nan, np.nan, 0.0, 1.0, np.nan],
            "market_cap": [1e8, 1e8, 1e8, 1e9, np.nan],
        },
        index=pd.Index(["A", "B", "C", "D", "E"], name="ticker"),
    )
    missing = {
        "A": {"fundamentals": "facts for A not in the offline SEC cache (/x/y.json); set it"},
        "B": {"fundamentals": "facts for B not in the offline SEC cache (/x/z.json); set it"},
        "E": {"market_cap": "no XBRL share count and not a IWM holding"},
    }
    res = screen(
        frame,
        rules=[Rule("cap_band", "==", "micro", "micro"), Rule("profitable", "==", 1.0, "prof")],
        missing=missing,
    )
    cap, prof = res.stats
    assert (cap.entered, cap.passed, cap.failed, cap.not_assessed) == (5, 3, 1, 1)
    assert cap.reasons == {"no XBRL share count and not a IWM holding": 1}
    assert (prof.entered, prof.passed, prof.failed, prof.not_assessed) == (3, 0, 1, 2)
    why = (
        "facts for the stock not in the offline SEC cache; set CAPSIZE_SEC_USER_AGENT or --sec-dir"
    )
    assert prof.reasons == {why: 2}  # the ticker is taken out so that reasons group
    assert prof.describe() == f"rule 'prof': 3 in, 0 pass, 1 fail, 2 NOT ASSESSED (2: {why})"
    assert res.empty_reason() == (
        f"no stock passes: rule 'prof' removed the last 3 (NOT ASSESSED for 2: {why}; "
        "1 failed it on known data)"
    )
    # counts add up: every stock entering a rule passes, fails or is not assessed
    for st in res.stats:
        assert st.entered == st.passed + st.failed + st.not_assessed
    ok = screen(frame, rules=[Rule("cap_band", "==", "small")])
    assert ok.empty_reason() is None


def test_estimated_caps_are_marked_through_to_valuation() -> None:
    from capsize.analytics.valuation import segment_valuation
    from capsize.stocks.gather import estimate_note, is_estimated_cap, valuation_inputs

    assert estimate_note(2.5e12) == (
        "estimate (assumes index float cap $2.5T; --index-cap to change)"
    )
    est = _evidence("EST")
    est.market_cap, est.market_cap_label = 2e8, "holdings-implied " + estimate_note(3e12)
    xbrl = _evidence("XBR")
    xbrl.market_cap, xbrl.market_cap_label = 4e8, "XBRL shares x price (test)"
    assert is_estimated_cap(est.market_cap_label)
    assert not is_estimated_cap(xbrl.market_cap_label)
    assert compute_metrics(est, with_flags=False).values["market_cap_estimated"] == 1.0
    assert compute_metrics(xbrl, with_flags=False).values["market_cap_estimated"] == 0.0
    rows = valuation_inputs([est, xbrl], "small")
    assert list(rows["market_cap_estimated"]) == [True, False]
    rows["weight"] = [0.25, 0.75]
    rows["net_income"] = [1e7, 2e7]
    v = segment_valuation(rows)
    assert v.estimated_cap_weight == pytest.approx(0.25)
    assert any("estimates from an assumed index cap" in n for n in v.notes)
    assert math.isnan(
        segment_valuation(rows.drop(columns="market_cap_estimated")).estimated_cap_weight
    )
