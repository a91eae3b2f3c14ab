"""Subjects: phrases mapped to symbols in capsize's data, each mapping stated."""

from __future__ import annotations

import datetime as dt

import pytest

from capsize.factcheck.claim import Subject
from capsize.factcheck.extract import SUBJECTS, extract_claims, find_subjects
from capsize.factcheck.extract._subjects import level_symbol


@pytest.mark.parametrize(
    ("phrase", "symbol"),
    [
        ("small caps", "IWM"),
        ("Small-cap stocks", "IWM"),
        ("smaller companies", "IWM"),
        ("the Russell 2000", "^RUT"),
        ("the iShares Russell 2000 ETF", "IWM"),
        ("micro caps", "IWC"),
        ("microcap stocks", "IWC"),
        ("mid caps", "IJH"),
        ("the S&P 400", "IJH"),
        ("large caps", "SPY"),
        ("the S&P 500", "^GSPC"),
        ("the equal-weight S&P 500", "RSP"),
        ("the S&P 600", "IJR"),
        ("the Nasdaq", "^IXIC"),
        ("the Nasdaq Composite", "^IXIC"),
        ("the Nasdaq 100", "QQQ"),
        ("the tech-heavy Nasdaq 100", "QQQ"),
        ("the Dow", "DIA"),
        ("the VIX", "^VIX"),
        ("Wall Street's fear gauge", "^VIX"),
        ("bitcoin", "BTC-USD"),
        ("ether", "ETH-USD"),
        ("the 10-year Treasury yield", "DGS10"),
        ("the yield on the 10-year note", "DGS10"),
        ("two-year Treasury yields", "DGS2"),
        ("the fed funds rate", "DFF"),
        ("the Fed", "DFF"),
        ("small-cap value stocks", "IWN"),
        ("the Russell 2000 Growth index", "IWO"),
        ("IWM", "IWM"),
        ("(IJR)", "IJR"),
        ("U.S. equity funds", "US-EQUITY-FUNDS"),
    ],
)
def test_phrase_maps_to_symbol(phrase: str, symbol: str) -> None:
    hits = find_subjects(f"Yesterday {phrase} moved.")
    assert [h.subject.symbol for h in hits] == [symbol]
    assert hits[0].subject.mapping.startswith(hits[0].subject.mapping.split(" -> ")[0])


def test_every_mapping_is_stated() -> None:
    for _pattern, symbol, kind, mapping in SUBJECTS:
        assert " -> " in mapping and symbol in mapping, mapping
        assert kind in ("index", "segment", "etf", "stock", "crypto", "rate", "fund_group")


def test_indices_not_in_the_data_say_so() -> None:
    mapping = {symbol: text for _p, symbol, _k, text in SUBJECTS}
    assert "not in the data" in mapping["QQQ"]  # ^NDX
    assert "not in the data" in mapping["DIA"]  # ^DJI
    assert "not in the data" in mapping["IJR"]  # S&P 600 index level


def test_words_that_are_not_tickers() -> None:
    text = "The CEO (CEO) said GDP (GDP) and the ETF grew; whether ether rose, (AAON) fell."
    assert [h.subject.symbol for h in find_subjects(text)] == ["ETH-USD", "AAON"]


def test_levels_of_segments_use_their_index() -> None:
    assert level_symbol(Subject("small caps", "IWM", "segment", "")).symbol == "^RUT"
    assert level_symbol(Subject("large caps", "SPY", "segment", "")).symbol == "^GSPC"
    assert level_symbol(Subject("IWM", "IWM", "etf", "")).symbol == "IWM"
    (claim,) = extract_claims("Small caps closed at 2,300 on Friday.", dt.date(2026, 8, 21))
    assert claim.subjects[0].symbol == "^RUT"
