"""The one cap-band rule: bands from the (configured) segments, nano below the lowest band."""

from __future__ import annotations

import math

import pytest

from capsize.rules.cap_bands import BELOW, RULE, band_label, cap_band, rule_text
from capsize.segments import DEFAULT_SEGMENTS, classify_market_cap


@pytest.mark.parametrize(
    ("cap", "band"),
    [
        (1.0, "nano"),
        (10e6, "nano"),
        (49_999_999.0, "nano"),
        (50e6, "micro"),
        (299_999_999.0, "micro"),
        (300e6, "small"),
        (1.99e9, "small"),
        (2e9, "mid"),
        (10e9, "large"),
        (200e9, "mega"),
        (0.0, None),
        (-5.0, None),
        (math.nan, None),
        (math.inf, None),
        (None, None),
    ],
)
def test_default_bands(cap: float | None, band: str | None) -> None:
    assert cap_band(cap) == band
    assert cap_band(cap, DEFAULT_SEGMENTS) == band


def test_segments_and_rule_agree() -> None:
    # drift fixed: classify_market_cap(10e6) was None while the screener said "nano"
    for cap in (10e6, 60e6, 400e6, 3e9, 20e9, 300e9):
        assert classify_market_cap(cap) == cap_band(cap)


def test_configured_bands_are_used() -> None:
    custom = DEFAULT_SEGMENTS.with_overrides({"micro": {"min_cap": 30e6, "max_cap": 250e6}})
    assert cap_band(40e6) == BELOW
    assert cap_band(40e6, custom) == "micro"
    assert cap_band(20e6, custom) == BELOW
    assert cap_band(275e6, custom) is None  # gap between 250M and 300M: no band
    assert band_label(BELOW, custom) == "nano (below the micro band, under $30M)"
    assert "micro $30M-$250M" in rule_text(custom)
    assert "under $30M" in rule_text(custom)


def test_rule_text_and_labels() -> None:
    assert rule_text() == RULE
    assert band_label("small") == "small ($300M-$2B)"
    assert band_label("nano") == "nano (below the micro band, under $50M)"
    assert band_label(None) == "n/a (no market cap)"
