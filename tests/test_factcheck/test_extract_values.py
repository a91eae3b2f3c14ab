"""Values (precision, hedges, ranges, words, units), signs, and numbers that are no figure."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from capsize.factcheck.extract import extract_claims, find_values
from capsize.factcheck.extract._values import hedge_range

INF = math.inf


@pytest.mark.parametrize(
    ("text", "low", "high", "unit", "hedge"),
    [
        ("12.7 %", 12.65, 12.75, "%", ""),
        ("8 %", 7.5, 8.5, "%", ""),
        ("12.70%", 12.695, 12.705, "%", ""),
        ("nearly 3 %", 2.5, 3.0, "%", "nearly"),
        ("almost 29 %", 26.1, 29.0, "%", "almost"),
        ("about 3 %", 2.5, 3.5, "%", "about"),
        ("roughly 20 percent", 19.0, 21.0, "%", "roughly"),
        ("more than 10 %", 10.0, INF, "%", "more than"),
        ("at least 15 %", 15.0, INF, "%", "at least"),
        ("less than 1 %", -INF, 1.0, "%", "less than"),
        ("1–2 %", 1.0, 2.0, "%", ""),
        ("1-2%", 1.0, 2.0, "%", ""),
        ("1 to 2 percent", 1.0, 2.0, "%", ""),
        ("between 20 and 25 percent", 20.0, 25.0, "%", ""),
        ("a fifth", 18.0, 22.0, "%", ""),
        ("half", 45.0, 55.0, "%", ""),
        ("doubled", 90.0, 110.0, "%", ""),
        ("more than doubled", 100.0, INF, "%", "more than"),
        ("twice", 1.8, 2.2, "x", ""),
        ("three times", 2.7, 3.3, "x", ""),
        ("1.5x", 1.45, 1.55, "x", ""),
        ("15 times", 14.5, 15.5, "x", ""),
        ("$20 billion", 19.5e9, 20.5e9, "usd", ""),
        ("$890 million", 889.5e6, 890.5e6, "usd", ""),
        ("about $7.2 billion", 6.84e9, 7.56e9, "usd", "about"),
        ("$124,753", 124752.5, 124753.5, "usd", ""),
        ("21,000", 20500.0, 21500.0, "", ""),
        ("2,150", 2145.0, 2155.0, "", ""),
        ("3,017.87", 3017.865, 3017.875, "", ""),
        ("above 3,000", 3000.0, INF, "", "above"),
        ("50 basis points", 49.5, 50.5, "bp", ""),
        ("25 bps", 24.5, 25.5, "bp", ""),
        ("a quarter point", 25.0, 25.0, "bp", ""),
        ("4.3 percentage points", 4.25, 4.35, "pp", ""),
        ("5 points", 4.5, 5.5, "points", ""),
        ("three percent", 2.5, 3.5, "%", ""),
    ],
)
def test_value(text: str, low: float, high: float, unit: str, hedge: str) -> None:
    (v,) = find_values(f"it rose {text} in July")
    assert (v.low, v.high) == pytest.approx((low, high)), text
    assert (v.unit, v.hedge) == (unit, hedge)


def test_from_x_to_y_is_two_values_not_a_range() -> None:
    values = find_values("climbed from 4.18 % to 4.44 %")
    assert [x for v in values for x in (v.low, v.high)] == pytest.approx(
        [4.175, 4.185, 4.435, 4.445]
    )


@pytest.mark.parametrize(
    "text",
    [
        "Call (212) 555-0147 or 212-555-0199.",
        "See page 14 and p. 3.",
        "In 2024 and 1999.",
        "On Aug. 21 and March 3.",
        "At 4:05 p.m.",
        "A 45-year-old trader, aged 52.",
        "More than 300 analysts and 1,200 employees.",
        "Top 10 stocks.",
        "The 3rd time.",
        "The 10-year note and the 50-day average.",
    ],
)
def test_not_a_figure(text: str) -> None:
    assert find_values(text) == []


def test_masked_spans_are_skipped() -> None:
    text = "The S&P 500 rose 3 %"
    assert [v.x for v in find_values(text)] == [500.0, 3.0]
    assert [v.x for v in find_values(text, [(4, 11)])] == [3.0]


def test_hedge_range_is_a_closed_range() -> None:
    for hedge in ("", "nearly", "about", "just over", "more than", "under"):
        low, high = hedge_range(5.0, 0.5, hedge)
        assert low <= 5.0 <= high


AD = dt.date(2026, 8, 21)


@pytest.mark.parametrize(
    ("sentence", "low", "high"),
    [
        ("Small caps fell 8 % this year.", -8.5, -7.5),
        ("Small caps lost more than 10 % this year.", -INF, -10.0),
        ("Small caps slumped nearly 3 % this year.", -3.0, -2.5),
        ("Small caps gained 8 % this year.", 7.5, 8.5),
        ("Small caps returned -3.1 % this year.", -3.15, -3.05),
        ("Small caps posted a 3 % gain this year.", 2.5, 3.5),
        ("Small caps posted a 3 % loss this year.", -3.5, -2.5),
        ("Small caps are down 3 % this year.", -3.5, -2.5),
    ],
)
def test_signs_follow_direction_words(sentence: str, low: float, high: float) -> None:
    (c,) = extract_claims(sentence, AD)
    assert c.claimed is not None
    assert (c.claimed.low, c.claimed.high) == pytest.approx((low, high))


def test_relative_claims_put_the_leader_first() -> None:
    (lag,) = extract_claims("Small caps lagged the S&P 500 by 5 points this year.", AD)
    (lead,) = extract_claims("Small caps beat the S&P 500 by 5 points this year.", AD)
    assert [s.symbol for s in lag.subjects] == ["^GSPC", "IWM"]
    assert [s.symbol for s in lead.subjects] == ["IWM", "^GSPC"]
    assert lag.claimed == lead.claimed
    assert lag.claimed is not None and (lag.claimed.low, lag.claimed.unit) == (4.5, "pp")


def test_distance_and_drawdown_are_negative() -> None:
    (d,) = extract_claims("The S&P 500 is 5 % below its record.", AD)
    (w,) = extract_claims("The S&P 500 is within 2 % of its record.", AD)
    (dd,) = extract_claims("The S&P 500 fell 20 % from its peak this year.", AD)
    assert d.claimed is not None and (d.kind, d.claimed.high) == ("distance_from_high", -4.5)
    assert w.claimed is not None and (w.claimed.low, w.claimed.high) == (-2.5, 0.0)
    assert dd.claimed is not None and (dd.kind, dd.claimed.high) == ("drawdown", -19.5)
