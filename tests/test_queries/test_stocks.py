"""Stock queries: values checked against plain pandas/csv computations on ../shared/data.

Every expected number here is computed from the CSV files (and the recorded SEC JSON)
without capsize: holdings weights from the iShares file, closes from universe/*.csv,
returns and volatility by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.config import Settings
from capsize.errors import DataNotFound, InputError
from capsize.queries.session import Session, session_for
from capsize.queries.stocks import (
    CatalystsResult,
    RatingCardResult,
    ScreenQueryResult,
    ValuationResult,
    catalysts,
    rating_card,
    screen,
    sec_source,
    valuation,
)

D1 = "2025-06-26"
D2 = "2026-07-31"
NO_SEC = sec_source(enabled=False)


# --------------------------------------------------------------------------- plain readers


def _holdings(shared: Path, name: str) -> list[dict[str, str]]:
    lines = (shared / "holdings" / name).read_text(encoding="utf-8-sig").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Ticker,"))
    return [
        r
        for r in csv.DictReader(lines[start:])
        if r.get("Asset Class") == "Equity" and r.get("Market Value")
    ]


def _mv(rec: dict[str, str]) -> float:
    return float(rec["Market Value"].replace(",", ""))


def _closes(shared: Path, folder: str, ticker: str) -> pd.Series:
    frame = pd.read_csv(shared / folder / f"{ticker}.csv", parse_dates=["date"])
    return frame.set_index("date")["close"].dropna()


@pytest.fixture(scope="module")
def sec(fixtures_dir: Path) -> Any:
    return sec_source(fixtures_dir / "sec")


@pytest.fixture(scope="module")
def momentum(store: Any) -> ScreenQueryResult:
    return screen(store, D1, preset="momentum-small", sec=NO_SEC)


# --------------------------------------------------------------------------- screen


def test_momentum_counts_match_a_plain_screen(
    momentum: ScreenQueryResult, shared_data: Path
) -> None:
    recs = _holdings(shared_data, "IWM_holdings_2025-05-13.csv")
    total = sum(_mv(r) for r in recs)
    first: dict[str, dict[str, str]] = {}
    for r in recs:
        first.setdefault(r["Ticker"].upper(), r)
    day = pd.Timestamp(D1)
    start = day - pd.Timedelta(days=800)
    iwm = _closes(shared_data, "prices", "IWM").loc[start:day]
    counts = {"na": 0, "band": 0, "mom": 0, "pass": 0}
    for t, rec in first.items():
        if not (shared_data / "universe" / f"{t}.csv").exists():
            counts["na"] += 1
            continue
        c = _closes(shared_data, "universe", t).loc[start:day]
        at_h = c.loc[:"2025-05-13"]
        if not len(at_h):
            counts["na"] += 1
            continue
        cap = _mv(rec) / total * 3e12 * c.iloc[-1] / at_h.iloc[-1]
        if not 50e6 <= cap < 2e9:
            continue
        counts["band"] += 1
        if len(c) <= 252 or not c.iloc[-22] / c.iloc[-253] - 1 > 0:
            continue
        counts["mom"] += 1
        b = iwm.loc[: c.index[-1]]
        rs = (c.iloc[-1] / c.iloc[-127] - 1) - (b.iloc[-1] / b.iloc[-127] - 1)
        counts["pass"] += bool(len(b) > 126 and rs > 0)
    assert momentum.value("universe") == len(first)
    assert momentum.value("rule1.not_assessed") == counts["na"]
    assert momentum.value("rule1.passed") == counts["band"]
    assert momentum.value("rule2.passed") == counts["mom"]
    assert momentum.value("passed") == counts["pass"]
    assert momentum.value("shown") == 25
    assert momentum.as_of == pd.Timestamp(D1)


def test_a_stocks_metrics_match_plain_computations(
    momentum: ScreenQueryResult, shared_data: Path
) -> None:
    day = pd.Timestamp(D1)
    start = day - pd.Timedelta(days=800)
    c = _closes(shared_data, "universe", "AEVA").loc[start:day]
    b = _closes(shared_data, "prices", "IWM").loc[start:day]
    v = momentum.value
    assert v("AEVA.price") == pytest.approx(c.iloc[-1], rel=1e-12)
    assert v("AEVA.mom_12_1") == pytest.approx(c.iloc[-22] / c.iloc[-253] - 1, rel=1e-12)
    assert v("AEVA.ret_6m") == pytest.approx(c.iloc[-1] / c.iloc[-127] - 1, rel=1e-12)
    rs = (c.iloc[-1] / c.iloc[-127] - 1) - (b.iloc[-1] / b.iloc[-127] - 1)
    assert v("AEVA.rs_6m") == pytest.approx(rs, rel=1e-12)
    simple = (c / c.shift(1) - 1).dropna().iloc[-252:].to_numpy()
    assert v("AEVA.vol_1y") == pytest.approx(simple.std(ddof=1) * math.sqrt(252), rel=1e-12)
    gains = (c / c.shift(1) - 1).dropna()
    assert v("AEVA.max_gain_1d") == pytest.approx(
        gains.loc[gains.index > day - pd.Timedelta(days=365)].max(), rel=1e-12
    )
    ohlcv = pd.read_csv(shared_data / "universe_ohlcv" / "AEVA.csv", parse_dates=["date"])
    ohlcv = ohlcv.set_index("date").loc[:day]
    ohlcv = ohlcv.loc[ohlcv["volume"] > 0].iloc[-20:]
    dv = float(np.median(ohlcv["close"] * ohlcv["volume"]))
    assert v("AEVA.dollar_volume") == pytest.approx(dv, rel=1e-9)
    tier = momentum.table("screen").to_frame().set_index("ticker").loc["AEVA", "liquidity_tier"]
    assert tier == ("high" if dv >= 50e6 else "medium" if dv >= 10e6 else "low")
    prov = momentum.fig("AEVA.rs_6m").provenance
    assert prov.source == "universe/AEVA.csv; universe_ohlcv/AEVA.csv; prices/IWM.csv"
    assert prov.symbols == ("AEVA", "IWM")
    assert prov.as_of == D1
    assert prov.window.endswith(D1)


def test_screen_uses_configured_bands(store: Any) -> None:
    plain = screen(store, D2, tickers=["RXT"], sec=NO_SEC)
    cap = plain.value("RXT.market_cap")
    assert isinstance(cap, float)
    assert 300e6 <= cap < 2e9
    assert plain.table("screen").rows[0][2] == "small"
    bands = {"small": {"min_cap": 500e6}, "micro": {"max_cap": 500e6}}
    settings = Settings(home=Path("."), segments=bands)
    configured = screen(Session(store, pd.Timestamp(D2), settings), tickers=["RXT"], sec=NO_SEC)
    assert configured.table("screen").rows[0][2] == "micro"
    assert any("micro $50M-$500M" in n for n in configured.notes)


def test_screen_export_and_errors(store: Any, tmp_path: Path) -> None:
    res = screen(store, D2, tickers=["RXT", "AEVA"], rules=["mom_12_1 > -1"], sec=NO_SEC)
    with res.export(tmp_path / "s.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["ticker"] for r in rows} == {"RXT", "AEVA"}
    assert json.loads(res.export(tmp_path / "s.json").read_text()) == res.to_dict()
    with pytest.raises(InputError, match=r"\.csv or \.json"):
        res.export(tmp_path / "s.xlsx")
    with pytest.raises(InputError, match="preset"):
        screen(store, D2, preset="moonshots", sec=NO_SEC)
    with pytest.raises(InputError, match="column op value"):
        screen(store, D2, tickers=["RXT"], rules=["pe ~ 3"], sec=NO_SEC)
    with pytest.raises(InputError, match="limit"):
        screen(store, D2, tickers=["RXT"], limit=0, sec=NO_SEC)
    with pytest.raises(InputError, match="not a date"):
        screen(store, "31/07/2026", tickers=["RXT"], sec=NO_SEC)
    with pytest.raises(DataNotFound, match="unknown ticker ZZZZ"):
        screen(store, D2, tickers=["ZZZZ"], sec=NO_SEC)
    with pytest.raises(DataNotFound, match="no IVV holdings dated on or before 2025-06-26"):
        screen(store, D1, fund="IVV", sec=NO_SEC)


def test_progress_and_lazy_api(store: Any) -> None:
    import capsize.queries as q

    seen: list[tuple[int, int]] = []
    a = q.screen(
        store, D2, tickers=["RXT", "BNED"], sec=NO_SEC, progress=lambda i, n: seen.append((i, n))
    )
    b = screen(store, D2, tickers=["RXT", "BNED"], sec=NO_SEC)
    assert seen == [(1, 2), (2, 2)]
    assert a.to_dict() == b.to_dict()
    assert q.rating_card is rating_card and q.catalysts is catalysts and q.valuation is valuation
    frame = a.to_frame()
    assert frame.loc["RXT.market_cap", "source"].startswith("holdings/IWM_holdings_2026-05-05.csv")


# --------------------------------------------------------------------------- rating card


def test_rating_card_of_a_universe_stock(store: Any, shared_data: Path) -> None:
    res = rating_card(store, D2, ticker="rxt", sec=NO_SEC)
    assert isinstance(res, RatingCardResult)
    c = _closes(shared_data, "universe", "RXT").loc[:D2]
    simple = (c / c.shift(1) - 1).dropna().iloc[-252:].to_numpy()
    vol = simple.std(ddof=1) * math.sqrt(252)
    assert res.value("RXT.vol_1y") == pytest.approx(vol, rel=1e-12)
    assert res.value("RXT.price") == pytest.approx(c.iloc[-1], rel=1e-12)
    card = {r[0]: r[1] for r in res.table("card").rows}
    assert card["recommendation"] == "NOT ASSESSED"  # no filings: stated, not guessed
    assert card["risk"] == ("HIGH" if vol > 1.0 else card["risk"])
    assert res.as_of == pd.Timestamp(c.index[-1])
    assert "RXT — rating card as of 2026-07-31" in res.render()
    assert res.params["rules_version"] == "1.2.0"


def test_rating_card_with_filings(store: Any, sec: Any) -> None:
    res = rating_card(store, D1, ticker="UNCY", sec=sec)
    dates = [r[3] for r in res.table("flag_evidence").rows if r[0] == "repeated_reverse_splits"]
    assert "2025-06-20" in dates  # recorded 8-K with items 3.03 + 5.03
    assert all(d is None or d <= D1 for d in dates)


def test_rating_card_errors(store: Any) -> None:
    with pytest.raises(InputError, match="IWM is an ETF"):
        rating_card(store, D2, ticker="iwm", sec=NO_SEC)
    with pytest.raises(DataNotFound, match="RXT has no prices on or before 2010-01-01"):
        rating_card(store, "2010-01-01", ticker="RXT", sec=NO_SEC)
    with pytest.raises(DataNotFound, match="unknown ticker 'ZZZZ'"):
        rating_card(store, D2, ticker="ZZZZ", sec=NO_SEC)
    with pytest.raises(InputError, match="ticker"):
        rating_card(store, D2, ticker=" ", sec=NO_SEC)


# --------------------------------------------------------------------------- catalysts

_RULES = (
    ("reverse_split", ("3.03", "5.03")),
    ("bankruptcy", ("1.03",)),
    ("listing", ("3.01",)),
    ("non_reliance", ("4.02",)),
    ("control", ("5.01",)),
    ("acquisition", ("2.01",)),
    ("agreement", ("1.01",)),
    ("equity_sale", ("3.02",)),
)


def _plain_events(fixtures_dir: Path, name: str, day: str) -> list[tuple[str, str, str]]:
    raw = json.loads((fixtures_dir / "sec" / name).read_text())
    recent = raw["filings"]["recent"]
    out = []
    for form, filed, items, acc in zip(
        recent["form"],
        recent["filingDate"],
        recent["items"],
        recent["accessionNumber"],
        strict=True,
    ):
        if form not in ("8-K", "8-K/A") or filed > day:
            continue
        have = [i.strip() for i in items.split(",") if i.strip()]
        out += [(filed, event, acc) for event, need in _RULES if all(i in have for i in need)]
    return sorted(out)


@pytest.mark.parametrize("day", [D1, "2025-12-31"])
def test_catalysts_match_the_recorded_filing_list(
    store: Any, sec: Any, fixtures_dir: Path, day: str
) -> None:
    res = catalysts(store, day, tickers=["UNCY"], sec=sec)
    assert isinstance(res, CatalystsResult)
    got = sorted((r[0], r[2], r[7]) for r in res.table("events").rows if r[6] != "XBRL")
    expected = _plain_events(fixtures_dir, "submissions_CIK0001766140_Unicycive.json", day)
    assert got == expected
    assert res.value("UNCY.events") == len(res.table("events").rows)
    assert res.as_of == pd.Timestamp(day)
    assert any("XBRL shares" in n for n in res.notes)  # no recorded company facts
    with pytest.raises(InputError, match="ticker"):
        catalysts(store, day, tickers=[], sec=sec)
    with pytest.raises(DataNotFound, match="unknown ticker 'NOSUCHTKR'"):
        catalysts(store, day, tickers=["NOSUCHTKR"], sec=sec)


# --------------------------------------------------------------------------- valuation


def _d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def _plain_ttm(raw: dict[str, Any], concept: str, filed_by: str) -> float:
    """TTM as FY + current YTD - prior-year YTD over facts filed by ``filed_by``."""
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for r in raw["facts"]["us-gaap"][concept]["units"]["USD"]:
        if "start" in r and r["filed"] <= filed_by:
            k = (r["start"], r["end"])
            if k not in best or r["filed"] >= best[k]["filed"]:
                best[k] = r

    def dur(k: tuple[str, str]) -> int:
        return (_d(k[1]) - _d(k[0])).days + 1

    latest = max(k[1] for k in best)
    ytd = max((k for k in best if k[1] == latest and dur(k) < 350), key=dur, default=None)
    if ytd is None:
        return float(next(best[k]["val"] for k in best if k[1] == latest and dur(k) >= 350))
    fy = next(k for k in best if 350 <= dur(k) <= 380 and 0 <= (_d(ytd[0]) - _d(k[1])).days <= 8)
    prior = next(k for k in best if k[0] == fy[0] and abs(dur(k) - dur(ytd)) <= 10)
    return float(best[fy]["val"] + best[ytd]["val"] - best[prior]["val"])


def test_valuation_against_plain_holdings_and_filings(
    store: Any, sec: Any, shared_data: Path, fixtures_dir: Path
) -> None:
    res = valuation(store, D2, sec=sec)
    assert isinstance(res, ValuationResult)
    assert res.segments == ("small", "large")
    ivv = _holdings(shared_data, "IVV_holdings_2026-06-19.csv")
    iwm = _holdings(shared_data, "IWM_holdings_2026-05-05.csv")
    assert res.value("large.n_holdings") == len({r["Ticker"] for r in ivv})
    assert res.value("small.n_holdings") == len({r["Ticker"].upper() for r in iwm})
    # the only recorded company facts of an IVV member are Marvell's: one covered holding
    mrvl = next(r for r in ivv if r["Ticker"] == "MRVL")
    assert res.value("large.n_covered") == 1
    cov = _mv(mrvl) / sum(_mv(r) for r in ivv)
    assert res.value("large.coverage_weight") == pytest.approx(cov, rel=1e-9)
    raw = json.loads((fixtures_dir / "sec" / "companyfacts_CIK0001835632_Marvell.json").read_text())
    shares = max(
        (r for r in raw["facts"]["dei"]["EntityCommonStockSharesOutstanding"]["units"]["shares"]
         if r["filed"] <= D2),
        key=lambda r: (r["end"], r["filed"]),
    )["val"]  # fmt: skip
    price = float(mrvl["Price"].replace(",", ""))  # no store prices for MRVL: the file's price
    pe = shares * price / _plain_ttm(raw, "NetIncomeLoss", D2)
    assert res.value("large.pe_aggregate") == pytest.approx(pe, rel=1e-9)
    assert res.value("large.pe_median") == pytest.approx(pe, rel=1e-9)
    assert res.value("small.coverage_weight") == 0.0
    assert res.value("small.pe_aggregate") is None
    assert res.fig("small.pe_aggregate").note == "no holding has both market cap and earnings"
    assert "holdings/IVV_holdings_2026-06-19.csv" in res.sources


def test_valuation_before_large_holdings_exist(store: Any) -> None:
    res = valuation(store, D1, sec=NO_SEC)
    assert res.segments == ("small",)
    assert any(
        n.startswith("large (IVV): NOT ASSESSED (no IVV holdings dated on or before")
        for n in res.notes
    )
    with pytest.raises(DataNotFound, match="no IWM holdings"):
        valuation(session_for(store, "2024-01-02"), sec=NO_SEC)
