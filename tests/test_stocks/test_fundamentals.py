"""Fundamentals: TTM, restatements, units, dilution — checked against plain-json computations."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from capsize.data.providers.sec import parse_companyfacts
from capsize.errors import InputError, SchemaError
from capsize.stocks.fundamentals import (
    compute_fundamentals,
    discrete_quarters,
    latest_instant,
    share_history,
    ttm,
    valuation,
)

if TYPE_CHECKING:
    from pathlib import Path

MRVL = "companyfacts_CIK0001835632_Marvell.json"
LPA = "companyfacts_CIK0001997711_LogisticPropertiesAmericas.REFORMATTED.json"


@pytest.fixture(scope="module")
def mrvl(fixtures_dir: Path) -> tuple[dict, pd.DataFrame]:
    path = fixtures_dir / "sec" / MRVL
    return json.loads(path.read_text()), parse_companyfacts(path.read_bytes())[0]


@pytest.fixture(scope="module")
def lpa(fixtures_dir: Path) -> tuple[dict, pd.DataFrame]:
    path = fixtures_dir / "sec" / LPA
    return json.loads(path.read_text()), parse_companyfacts(path.read_bytes())[0]


def _d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def independent_ttm(
    raw: dict, tax: str, concept: str, unit: str = "USD", filed_by: str = "9999"
) -> float:
    """TTM as FY + current YTD - prior-year YTD (not the module's quarter sum)."""
    best: dict[tuple[str, str], dict] = {}
    for r in raw["facts"][tax][concept]["units"][unit]:
        if "start" not in r or r["filed"] > filed_by:
            continue
        k = (r["start"], r["end"])
        if k not in best or r["filed"] >= best[k]["filed"]:
            best[k] = r

    def dur(k: tuple[str, str]) -> int:
        return (_d(k[1]) - _d(k[0])).days + 1

    latest = max(k[1] for k in best)
    ytd = max((k for k in best if k[1] == latest and dur(k) < 350), key=dur, default=None)
    if ytd is None:  # latest period is a full year
        return float(next(best[k]["val"] for k in best if k[1] == latest and dur(k) >= 350))
    fy = next(k for k in best if 350 <= dur(k) <= 380 and 0 <= (_d(ytd[0]) - _d(k[1])).days <= 8)
    prior = next(k for k in best if k[0] == fy[0] and abs(dur(k) - dur(ytd)) <= 10)
    return float(best[fy]["val"] + best[ytd]["val"] - best[prior]["val"])


@pytest.mark.parametrize(
    ("metric", "concept"),
    [
        ("revenue", "RevenueFromContractWithCustomerExcludingAssessedTax"),
        ("net_income", "NetIncomeLoss"),
        ("operating_income", "OperatingIncomeLoss"),
        ("operating_cash_flow", "NetCashProvidedByUsedInOperatingActivities"),
    ],
)
@pytest.mark.parametrize("as_of", [None, "2025-06-15", "2024-09-30"])
def test_mrvl_ttm_matches_fy_plus_ytd(mrvl, metric: str, concept: str, as_of: str | None) -> None:
    raw, facts = mrvl
    fig = ttm(facts, metric, as_of=as_of)
    expected = independent_ttm(raw, "us-gaap", concept, filed_by=as_of or "9999")
    assert fig.value == pytest.approx(expected, rel=1e-12)
    assert fig.concept == f"us-gaap:{concept}"
    assert fig.end is not None
    assert (fig.end - fig.start).days in range(360, 372)
    if as_of is not None:
        assert fig.filed <= pd.Timestamp(as_of)


def test_mrvl_fundamentals_and_valuation(mrvl) -> None:
    raw, facts = mrvl
    fu = compute_fundamentals(facts, ticker="mrvl", source="recorded")
    assert fu.ticker == "MRVL"
    shares = raw["facts"]["dei"]["EntityCommonStockSharesOutstanding"]["units"]["shares"]
    latest = max(shares, key=lambda r: (r["end"], r["filed"]))
    assert fu.get("shares").value == latest["val"]
    # dilution: vs the cover-page count closest to one year earlier
    target = _d(latest["end"]) - dt.timedelta(days=365)
    prior = min(
        (r for r in shares if 300 <= (_d(latest["end"]) - _d(r["end"])).days <= 450),
        key=lambda r: abs((_d(r["end"]) - target).days),
    )
    v = valuation(fu, 100.0, "2026-06-19")
    assert v.get("share_growth").value == pytest.approx(latest["val"] / prior["val"] - 1)
    assert v.get("market_cap").value == pytest.approx(latest["val"] * 100.0)
    assert v.market_cap_source == "XBRL shares x price"
    ni = independent_ttm(raw, "us-gaap", "NetIncomeLoss")
    assert v.get("pe").value == pytest.approx(latest["val"] * 100.0 / ni)
    assert v.profitable is (ni > 0)
    cash = fu.get("cash").value
    debt = fu.get("debt").value
    rev = fu.get("revenue_ttm").value
    assert v.get("ev_sales").value == pytest.approx((latest["val"] * 100 + debt - cash) / rev)
    # D&A concept stopped in 2023: not mixed with 2026 periods, so EBITDA ratio is n/a with a reason
    assert fu.get("d_and_a_ttm").missing
    assert "not used" in fu.get("d_and_a_ttm").note
    assert math.isnan(v.get("net_debt_ebitda").value)
    assert v.get("interest_coverage").value > 0
    assert fu.restated >= 0


def test_point_in_time_excludes_later_filings(mrvl) -> None:
    _, facts = mrvl
    fu = compute_fundamentals(facts, ticker="MRVL", as_of="2024-06-30")
    for f in fu.figures.values():
        if f.filed is not None:
            assert f.filed <= pd.Timestamp("2024-06-30")


def test_lpa_ifrs_annual_and_restated_eps(lpa) -> None:
    raw, facts = lpa
    fu = compute_fundamentals(facts, ticker="LPA")
    rev_rows = raw["facts"]["ifrs-full"]["Revenue"]["units"]["USD"]
    last = max(rev_rows, key=lambda r: (r["end"], r["filed"]))
    assert fu.get("revenue_ttm").value == last["val"]
    assert fu.get("revenue_ttm").method == "annual"
    # EPS for 2022 was restated (0.048 in the 2024 20-F, 0.28 in the 2025 20-F): latest filed wins
    eps_rows = [
        r
        for r in raw["facts"]["ifrs-full"]["DilutedEarningsLossPerShare"]["units"]["USD/shares"]
        if r["end"] == "2022-12-31"
    ]
    assert len({r["val"] for r in eps_rows}) == 2
    newest = max(eps_rows, key=lambda r: r["filed"])
    oldest = min(eps_rows, key=lambda r: r["filed"])
    assert ttm(facts, "eps_diluted", end="2022-12-31").value == newest["val"]
    assert ttm(facts, "eps_diluted", end="2022-12-31", as_of="2024-12-31").value == oldest["val"]
    v = valuation(fu, 3.0, "2025-06-30")
    assert v.profitable is False
    assert math.isnan(v.get("pe").value)
    assert "loss-maker" in v.get("pe").note


def test_odd_units_are_skipped_and_named() -> None:
    facts = _facts(
        [
            ("us-gaap", "Revenues", "EUR", "2024-01-01", "2024-12-31", 100.0, "a1", "2025-03-01"),
            (
                "us-gaap",
                "NetIncomeLoss",
                "USD",
                "2024-01-01",
                "2024-12-31",
                5.0,
                "a1",
                "2025-03-01",
            ),
        ]
    )
    notes: list[str] = []
    fig = ttm(facts, "revenue", notes=notes)
    assert fig.missing
    assert "no revenue facts in USD" in fig.note
    assert any("EUR" in n for n in notes)
    fu = compute_fundamentals(facts, ticker="X")
    assert any("EUR" in n for n in fu.notes)
    assert fu.get("net_income_ttm").value == 5.0


def test_duplicate_frames_not_double_counted_and_fiscal_year_shift() -> None:
    # four quarters across a fiscal-year change (Dec -> Jun year end), each reported twice
    q = [
        ("2023-10-01", "2023-12-31", 10.0),
        ("2024-01-01", "2024-03-31", 11.0),
        ("2024-04-01", "2024-06-30", 12.0),
        ("2024-07-01", "2024-09-30", 13.0),
    ]
    rows = []
    for i, (s, e, v) in enumerate(q):
        rows.append(("us-gaap", "Revenues", "USD", s, e, v, f"q{i}", "2024-11-01"))
        rows.append(("us-gaap", "Revenues", "USD", s, e, v, f"r{i}", "2024-12-01"))
    # a six-month transition period and an older fiscal year
    rows.append(("us-gaap", "Revenues", "USD", "2024-01-01", "2024-06-30", 23.0, "t", "2024-09-01"))
    rows.append(("us-gaap", "Revenues", "USD", "2023-01-01", "2023-12-31", 40.0, "k", "2024-03-01"))
    fig = ttm(_facts(rows), "revenue")
    assert fig.value == 46.0
    assert fig.method.startswith("sum of 4 quarters")
    assert fig.start == pd.Timestamp("2023-10-01")


def test_gap_in_quarters_falls_back_to_annual() -> None:
    rows = [
        ("us-gaap", "Revenues", "USD", "2023-01-01", "2023-12-31", 40.0, "k", "2024-03-01"),
        ("us-gaap", "Revenues", "USD", "2024-04-01", "2024-06-30", 12.0, "q", "2024-08-01"),
    ]
    fig = ttm(_facts(rows), "revenue")
    assert fig.value == 40.0
    assert fig.method == "annual"


def test_derived_q4() -> None:
    p = pd.DataFrame(
        {
            "start": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01"]),
            "end": pd.to_datetime(["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"]),
            "val": [10.0, 21.0, 33.0, 50.0],
            "filed": pd.to_datetime(["2024-05-01"] * 4),
            "accn": ["a", "b", "c", "d"],
        }
    )
    out = discrete_quarters(p)
    assert out["val"].tolist() == [10.0, 11.0, 12.0, 17.0]
    assert out["derived"].tolist() == [False, True, True, True]


def test_reverse_split_share_drop_not_called_dilution() -> None:
    rows = [
        (
            "dei",
            "EntityCommonStockSharesOutstanding",
            "shares",
            None,
            "2024-05-01",
            50e6,
            "a",
            "2024-05-10",
        ),
        (
            "dei",
            "EntityCommonStockSharesOutstanding",
            "shares",
            None,
            "2025-05-01",
            2e6,
            "b",
            "2025-05-10",
        ),
        ("us-gaap", "NetIncomeLoss", "USD", "2024-01-01", "2024-12-31", -5.0, "c", "2025-03-01"),
    ]
    fu = compute_fundamentals(_facts(rows), ticker="X")
    v = valuation(fu, 2.0, "2025-06-01")
    g = v.get("share_growth")
    assert math.isnan(g.value)
    assert "reverse split" in g.note
    hist = share_history(_facts(rows))
    assert hist["shares"].tolist() == [50e6, 2e6]


def test_share_classes_summed() -> None:
    rows = [
        (
            "dei",
            "EntityCommonStockSharesOutstanding",
            "shares",
            None,
            "2025-05-01",
            10.0,
            "a",
            "2025-05-10",
        ),
        (
            "dei",
            "EntityCommonStockSharesOutstanding",
            "shares",
            None,
            "2025-05-01",
            5.0,
            "a",
            "2025-05-10",
        ),
    ]
    fig = latest_instant(_facts(rows), "shares")
    assert fig.value == 15.0
    assert "classes summed" in fig.method


def test_bad_inputs() -> None:
    with pytest.raises(SchemaError, match="lacks columns"):
        ttm(pd.DataFrame({"x": [1]}), "revenue")
    with pytest.raises(InputError, match="not a flow metric"):
        ttm(_facts([]), "cash")
    with pytest.raises(InputError, match="not an instant metric"):
        latest_instant(_facts([]), "revenue")
    fu = compute_fundamentals(_facts([]), ticker="EMPTY")
    assert all(f.missing for f in fu.figures.values())
    v = valuation(fu, float("nan"), None)
    assert v.get("market_cap").missing
    assert v.profitable is None


def test_shares_override_is_labelled() -> None:
    fu = compute_fundamentals(_facts([]), ticker="X")
    v = valuation(fu, 10.0, "2025-01-02", shares=1e6, shares_label="holdings-implied estimate")
    assert v.get("market_cap").value == 1e7
    assert v.market_cap_source == "holdings-implied estimate"


def _facts(rows: list[tuple]) -> pd.DataFrame:
    cols = ["taxonomy", "concept", "unit", "start", "end", "val", "accn", "filed"]
    f = pd.DataFrame(rows, columns=cols)
    for c in ("start", "end", "filed"):
        f[c] = pd.to_datetime(f[c])
    f["val"] = f["val"].astype("float64")
    for c in ("fy", "fp", "form", "frame"):
        f[c] = None
    return f


def test_public_float_is_latest_cover_page_value(mrvl) -> None:
    raw, facts = mrvl
    rows = raw["facts"]["dei"]["EntityPublicFloat"]["units"]["USD"]
    last = max(rows, key=lambda r: (r["end"], r["filed"]))
    fig = compute_fundamentals(facts, ticker="MRVL").get("public_float")
    assert fig.value == last["val"]
    assert fig.end == pd.Timestamp(last["end"])
    assert fig.note == ""  # measured at Q2 end, so never dropped as stale
