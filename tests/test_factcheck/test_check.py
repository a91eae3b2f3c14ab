"""Checking hand-built claims of every kind against the real data.

Each expected value is computed here from the CSV files of ``shared/data`` with plain pandas
(not through capsize); the test then asserts capsize's computed value and its verdict.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from capsize.factcheck.check import check_claim, check_claims
from capsize.factcheck.claim import Claim, Claimed, Subject, Verdict, Window

DAY = dt.date(2026, 8, 21)
"""The article date of most claims: the last trading day of the shared data."""
YTD = Window(dt.date(2025, 12, 31), DAY, "year to date")


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def csv(shared_data: Path) -> Any:
    cache: dict[str, pd.DataFrame] = {}

    def read(name: str) -> pd.DataFrame:
        if name not in cache:
            cache[name] = pd.read_csv(shared_data / name, parse_dates=["date"]).set_index("date")
        return cache[name]

    return read


def close(csv: Any, file: str, day: str) -> float:
    """Last close on or before ``day`` in ``prices/<file>.csv``."""
    c = csv(f"prices/{file}.csv")["close"].dropna()
    return float(c[c.index <= day].iloc[-1])


def ret(csv: Any, file: str, base: str, end: str) -> float:
    """Return in percent between the closes on or before ``base`` and ``end``."""
    return (close(csv, file, end) / close(csv, file, base) - 1.0) * 100.0


def subj(phrase: str, symbol: str, kind: str = "etf") -> Subject:
    return Subject(phrase, symbol, kind, f"{phrase} -> {symbol}")


def claim(
    kind: Any,
    subjects: list[Subject],
    window: Window | None,
    claimed: Claimed | None,
    **options: Any,
) -> Claim:
    return Claim("claim text", (0, 10), kind, tuple(subjects), window, claimed, options)


def around(value: float, half: float, unit: Any = "%") -> Claimed:
    return Claimed(value - half, value + half, unit, f"{value}")


_SESSIONS: dict[tuple[int, dt.date], Any] = {}


def run(store: Any, c: Claim, day: dt.date = DAY) -> Verdict:
    """Check ``c`` on a session at ``day`` shared by the module's tests (reads cached)."""
    from capsize.queries import Session

    key = (id(store), day)
    if key not in _SESSIONS:
        _SESSIONS[key] = Session(store, pd.Timestamp(day))
    return check_claim(c, _SESSIONS[key], day)


SMALL = subj("small caps", "IWM")
RUT = subj("the Russell 2000", "^RUT", "index")
SPY = subj("the S&P 500 ETF", "SPY")
GSPC = subj("the S&P 500", "^GSPC", "index")


# --------------------------------------------------------------------------- returns


def test_return_supported_close_by_definition_and_contradicted(store: Any, csv: Any) -> None:
    iwm = ret(csv, "IWM", "2025-12-31", "2026-08-21")
    rut = ret(csv, "RUT", "2025-12-31", "2026-08-21")
    assert abs(iwm - rut) > 0.6  # the definitions differ by more than the tolerance

    ok = run(store, claim("return", [SMALL], YTD, around(round(iwm, 1), 0.05)))
    assert ok.verdict == "supported"
    assert ok.computed == pytest.approx(iwm, abs=1e-6)
    assert "IWM" in ok.definition and "0.25 pp" in ok.tolerance
    assert any(p["id"] == "IWM.total" for p in ok.provenance)
    assert all(p["provenance"]["as_of"] <= "2026-08-21" for p in ok.provenance)

    by_index = run(store, claim("return", [SMALL], YTD, around(round(rut, 1), 0.05)))
    assert by_index.verdict == "close"
    assert "^RUT" in by_index.definition and "Russell 2000 index" in by_index.definition

    wrong = run(store, claim("return", [SMALL], YTD, around(10.0, 0.5)))
    assert wrong.verdict == "contradicted"
    assert wrong.computed == pytest.approx(iwm, abs=1e-6)

    rut_ok = run(store, claim("return", [RUT], YTD, Claimed(rut - 0.5, rut + 0.5, "%", "x")))
    assert rut_ok.verdict == "supported" and rut_ok.computed == pytest.approx(rut, abs=1e-6)


def test_return_since_a_low_starts_at_the_lowest_close_of_the_anchor_month(
    store: Any, csv: Any
) -> None:
    rut = csv("prices/RUT.csv")["close"]
    march = rut["2026-03-01":"2026-03-31"]
    expected = (rut[:"2026-08-21"].iloc[-1] / march.min() - 1.0) * 100.0
    window = Window(dt.date(2026, 3, 1), DAY, "since the March low", "low")
    window = _with_anchor_end(window, dt.date(2026, 3, 31))
    v = run(store, claim("return", [RUT], window, around(round(expected), 0.5)))
    assert v.verdict == "supported"
    assert v.computed == pytest.approx(expected, abs=1e-6)


def _with_anchor_end(w: Window, day: dt.date) -> Window:
    """Set ``anchor_end`` where the contract has it (added by the extraction branch)."""
    try:
        return Window(w.start, w.end, w.label, w.anchor, day)  # type: ignore[call-arg]
    except TypeError:
        return w


def test_relative_return_in_pp(store: Any, csv: Any) -> None:
    spread = ret(csv, "IWM", "2025-12-31", "2026-08-21") - ret(
        csv, "SPY", "2025-12-31", "2026-08-21"
    )
    c = claim("relative_return", [SMALL, SPY], YTD, around(round(spread, 1), 0.05, "pp"))
    v = run(store, c)
    assert v.verdict == "supported"
    assert v.computed == pytest.approx(spread, abs=1e-6)
    far = run(store, claim("relative_return", [SMALL, SPY], YTD, around(spread + 5, 0.5, "pp")))
    assert far.verdict == "contradicted"


# --------------------------------------------------------------------------- highs and levels


def test_record_distance_drawdown_and_level(store: Any, csv: Any) -> None:
    g = csv("prices/GSPC.csv")[:"2026-08-21"]
    record, record_day = float(g["close"].max()), g["close"].idxmax()
    last = float(g["close"].iloc[-1])
    year = g["close"]["2026-01-01":]
    mdd = float((year / year.cummax() - 1.0).min()) * 100.0

    august = Window(dt.date(2026, 8, 1), DAY, "in August")
    fact = run(store, claim("record_high", [GSPC], august, None, basis="close"))
    assert fact.verdict == (
        "supported" if record_day >= pd.Timestamp("2026-08-01") else "contradicted"
    )
    level = run(store, claim("record_high", [GSPC], august, around(round(record), 0.5, "points")))
    assert level.verdict == "supported" and level.computed == pytest.approx(record)
    july = Window(dt.date(2026, 7, 1), dt.date(2026, 7, 31), "in July")
    assert run(store, claim("record_high", [GSPC], july, None)).verdict == "contradicted"

    below = (last / record - 1.0) * 100.0
    dist = run(store, claim("distance_from_high", [GSPC], None, around(round(below, 1), 0.05)))
    assert dist.verdict == "supported" and dist.computed == pytest.approx(below)

    dd = run(
        store,
        claim(
            "drawdown",
            [GSPC],
            Window(dt.date(2026, 1, 1), DAY, "this year"),
            around(round(mdd), 0.5),
        ),
    )
    assert dd.verdict == "supported" and dd.computed == pytest.approx(mdd)

    closed = run(
        store,
        claim(
            "level",
            [GSPC],
            Window(None, DAY, "on Friday"),
            Claimed(round(last), round(last), "points", "x"),
        ),
    )
    assert closed.verdict == "supported" and closed.computed == pytest.approx(last)
    high_of_day = float(g["high"].iloc[-1])
    intraday = run(
        store,
        claim(
            "level",
            [GSPC],
            Window(None, DAY, "on Friday"),
            Claimed(round(high_of_day), round(high_of_day), "points", "x"),
        ),
    )
    if abs(high_of_day - last) / last > 0.003:
        assert intraday.verdict == "close" and "intraday high" in intraday.definition


# --------------------------------------------------------------------------- risk and runs


def test_volatility_ratio_and_beta(store: Any, csv: Any) -> None:
    a = csv("prices/IWM.csv")["close"]
    b = csv("prices/SPY.csv")["close"]
    both = pd.concat([a, b], axis=1, join="inner").loc["2025-08-21":"2026-08-21"]
    r = both.pct_change().dropna()
    ratio = float(r.iloc[:, 0].std() / r.iloc[:, 1].std())
    beta = float(r.cov().iloc[0, 1] / r.iloc[:, 1].var())
    v = run(
        store, claim("volatility_ratio", [SMALL, SPY], None, around(round(ratio, 1), 0.05, "x"))
    )
    assert v.verdict == "supported" and v.computed == pytest.approx(ratio, rel=1e-3)
    twice = run(store, claim("volatility_ratio", [SMALL, SPY], None, Claimed(3.0, 3.0, "x", "3x")))
    assert twice.verdict == "contradicted"
    bv = run(store, claim("beta", [SMALL, SPY], None, around(round(beta, 2), 0.005, "x")))
    assert bv.verdict == "supported" and bv.computed == pytest.approx(beta, rel=1e-3)


def test_run_of_calendar_years(store: Any, csv: Any) -> None:
    ends = {
        s: csv(f"prices/{s}.csv")["close"][:"2025-12-31"].groupby(lambda d: d.year).last()
        for s in ("IWM", "SPY")
    }
    yearly = pd.DataFrame(ends).pct_change().dropna()
    lagged = 0
    for _, row in yearly[::-1].iterrows():
        if row["IWM"] >= row["SPY"]:
            break
        lagged += 1
    assert lagged >= 2
    v = run(
        store,
        claim(
            "run", [SMALL, SPY], None, Claimed(2, 2, "count", "two"), period="year", direction="lag"
        ),
    )
    assert v.verdict == "supported" and v.computed == lagged
    more = run(
        store,
        claim(
            "run",
            [SMALL, SPY],
            None,
            Claimed(lagged + 3, lagged + 3, "count", "n"),
            period="year",
            direction="lag",
        ),
    )
    assert more.verdict == "contradicted"


# --------------------------------------------------------------------------- volume, flows, rates


def test_volume_change(store: Any, csv: Any) -> None:
    vol = csv("prices/SPY.csv")["volume"]
    now = vol[:"2026-08-21"].tail(20).mean()
    then = vol[:"2025-08-21"].tail(20).mean()
    change = (now / then - 1.0) * 100.0
    w = Window(dt.date(2025, 8, 21), DAY, "from a year ago")
    v = run(store, claim("volume_change", [SPY], w, around(round(change), 0.5)))
    assert v.verdict == "supported" and v.computed == pytest.approx(change, abs=1e-6)
    rut = run(store, claim("volume_change", [RUT], w, around(-20, 0.5)))
    assert rut.verdict == "not checkable" and "volume" in rut.reason


def test_flows(store: Any, csv: Any) -> None:
    f = csv("flows/IWM_daily_shares_nav_ishares_fund_history.csv").dropna(
        subset=["shares_outstanding", "nav"]
    )
    part = f["2024-12-31":"2025-12-31"]
    flow = float((part["shares_outstanding"].diff() * part["nav"]).sum())
    w = Window(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "in 2025")
    v = run(store, claim("flows", [SMALL], w, Claimed(flow * 1.01, flow * 0.99, "usd", "x")))
    assert v.verdict == "supported" and v.computed == pytest.approx(flow, rel=1e-9)
    group = subj("equity funds", "US-EQUITY-FUNDS", "fund_group")
    g = run(store, claim("flows", [group], w, Claimed(-2e10, -2e10, "usd", "$20 billion")))
    assert g.verdict == "not checkable" and "IWM" in g.reason
    spy = run(store, claim("flows", [SPY], w, Claimed(-2e10, -2e10, "usd", "$20 billion")))
    assert spy.verdict == "not checkable" and "SPY" in spy.reason


def test_rates_and_cuts(store: Any, csv: Any) -> None:
    ten = csv("macro/DGS10.csv")["value"][:"2026-08-21"]
    level = float(ten.iloc[-1])
    v = run(
        store,
        claim(
            "rate_level",
            [subj("the 10-year yield", "DGS10", "rate")],
            None,
            around(level, 0.005),
            measure="level",
        ),
    )
    assert v.verdict == "supported" and v.computed == pytest.approx(level)
    start = float(ten[:"2025-12-31"].iloc[-1])
    ytd = run(
        store,
        claim(
            "rate_level",
            [subj("the 10-year yield", "DGS10", "rate")],
            YTD,
            around(round((level - start) * 100), 0.5, "bp"),
            measure="change",
        ),
    )
    assert ytd.verdict == "supported"
    # The FOMC cut three times in 2025 (Sep 17, Oct 29, Dec 10): read off the daily DFF
    # as the lasting steps of its monthly median.
    dff = csv("macro/DFF.csv")["value"]["2025-01-01":"2025-12-31"]
    monthly = dff.groupby(dff.index.to_period("M")).median()
    assert int((monthly.diff() < -0.15).sum()) == 3
    fed = subj("the Fed", "DFF", "rate")
    w = Window(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "in 2025")
    assert (
        run(
            store, claim("rate_cuts", [fed], w, Claimed(3, 3, "count", "three"), move="cut")
        ).verdict
        == "supported"
    )
    assert (
        run(store, claim("rate_cuts", [fed], w, Claimed(6, 6, "count", "six"), move="cut")).verdict
        == "contradicted"
    )


# --------------------------------------------------------------------------- not checkable


def test_not_checkable_names_what_is_missing(store: Any) -> None:
    fwd = run(
        store,
        claim("valuation", [SMALL], None, Claimed(15, 15, "x", "15 times"), measure="forward_pe"),
    )
    assert fwd.verdict == "not checkable" and "forward" in fwd.reason
    unknown = run(store, claim("return", [subj("Acme", "ZZZZQ", "stock")], YTD, around(5, 0.5)))
    assert unknown.verdict == "not checkable" and "ZZZZQ" in unknown.reason
    no_window = run(store, claim("return", [SMALL], None, around(5, 0.5)))
    assert no_window.verdict == "not checkable" and "time frame" in no_window.reason
    late = Window(dt.date(2025, 12, 31), dt.date(2026, 11, 2), "year to date")
    stale = check_claim(claim("return", [SMALL], late, around(5, 0.5)), store, "2026-11-02")
    assert stale.verdict == "not checkable" and "2026-11-02" in stale.reason


def test_point_in_time_reads_nothing_after_the_article_date(store: Any, csv: Any) -> None:
    day = dt.date(2025, 6, 30)
    expected = ret(csv, "IWM", "2024-12-31", "2025-06-30")
    w = Window(dt.date(2024, 12, 31), day, "in the first half")
    record = claim("record_high", [GSPC], None, None)
    v, r = check_claims([claim("return", [SMALL], w, around(expected, 0.05)), record], store, day)
    assert v.verdict == "supported" and v.computed == pytest.approx(expected, abs=1e-6)
    g = csv("prices/GSPC.csv")["close"][:"2025-06-30"]
    assert r.verdict == (
        "supported" if g.idxmax() >= pd.Timestamp("2025-06-23") else "contradicted"
    )
    for p in (*v.provenance, *r.provenance):
        assert p["provenance"]["as_of"] <= "2025-06-30"
