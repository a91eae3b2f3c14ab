"""Size segments: default bands and proxies, customisation, classification, no-data errors."""

from __future__ import annotations

import itertools
import math

import pytest

from capsize.errors import DataNotFound, InputError
from capsize.segments import (
    DEFAULT_SEGMENTS,
    Proxy,
    Segment,
    SegmentSet,
    classify_market_cap,
    default_segments,
)


def test_default_bands_and_order():
    assert DEFAULT_SEGMENTS.keys == ("micro", "small", "mid", "large", "mega")
    bands = {s.key: (s.min_cap, s.max_cap) for s in DEFAULT_SEGMENTS}
    assert bands["micro"] == (50e6, 300e6)
    assert bands["small"] == (300e6, 2e9)
    assert bands["mid"] == (2e9, 10e9)
    assert bands["large"] == (10e9, 200e9)
    assert bands["mega"][0] == 200e9
    assert math.isinf(bands["mega"][1])
    # contiguous: each band starts where the previous one ends
    segs = list(DEFAULT_SEGMENTS)
    for a, b in itertools.pairwise(segs):
        assert a.max_cap == b.min_cap


def test_default_proxies():
    sym = {s.key: s.symbols for s in DEFAULT_SEGMENTS}
    assert sym["micro"] == ("IWC",)
    assert set(sym["small"]) == {"IWM", "IJR", "VB", "^RUT", "VBR", "IWN", "IWO"}
    assert sym["mid"] == ("IJH", "MDY")
    assert set(sym["large"]) == {"SPY", "IWB", "^GSPC", "RSP"}
    assert sym["mega"] == ("OEF", "QQQ")
    small = DEFAULT_SEGMENTS.get("small")
    assert small.primary().symbol == "IWM"
    assert small.primary("value").symbol == "VBR"
    assert small.primary("growth").symbol == "IWO"
    assert DEFAULT_SEGMENTS.get("large").primary("equal-weight").symbol == "RSP"
    rut = next(p for p in small.proxies if p.symbol == "^RUT")
    assert rut.kind == "index"
    assert not rut.has_total_return
    assert DEFAULT_SEGMENTS.segment_of("QQQ").key == "mega"
    assert DEFAULT_SEGMENTS.segment_of("XYZ") is None
    assert len(DEFAULT_SEGMENTS.symbols()) == 16


@pytest.mark.parametrize(
    ("cap", "key"),
    [
        (10e6, "nano"),
        (49_999_999.0, "nano"),
        (50e6, "micro"),
        (299_999_999.0, "micro"),
        (300e6, "small"),
        (1.99e9, "small"),
        (2e9, "mid"),
        (10e9, "large"),
        (199e9, "large"),
        (200e9, "mega"),
        (4e12, "mega"),
        (0, None),
    ],
)
def test_classify_boundaries(cap, key):
    assert classify_market_cap(cap) == key


@pytest.mark.parametrize("bad", [-1.0, float("nan"), "1e9", True])
def test_classify_rejects_bad_input(bad):
    with pytest.raises(InputError, match="market_cap"):
        DEFAULT_SEGMENTS.classify(bad)


def test_customise_bands_and_proxies_is_immutable():
    custom = DEFAULT_SEGMENTS.with_band("micro", 50e6, 250e6)
    assert custom.get("micro").max_cap == 250e6
    assert DEFAULT_SEGMENTS.get("micro").max_cap == 300e6
    assert classify_market_cap(275e6, custom) is None  # gap between 250M and 300M
    with pytest.raises(InputError, match="overlap"):
        DEFAULT_SEGMENTS.with_band("micro", 50e6, 400e6)
    added = DEFAULT_SEGMENTS.with_proxy("micro", Proxy("FDM", "First Trust Micro Cap"), first=True)
    assert added.get("micro").primary().symbol == "FDM"
    assert DEFAULT_SEGMENTS.get("micro").symbols == ("IWC",)
    nano = Segment("nano", "Nano-cap", 0.0, 50e6, (Proxy("XNANO", "example"),))
    with_nano = DEFAULT_SEGMENTS.with_segment(nano)
    assert with_nano.keys[0] == "nano"
    assert with_nano.classify(10e6).key == "nano"
    assert default_segments() == DEFAULT_SEGMENTS


def test_invalid_definitions():
    with pytest.raises(InputError, match="min_cap < max_cap"):
        Segment("x", "X", 10.0, 5.0)
    with pytest.raises(InputError, match="twice"):
        Segment("x", "X", 0.0, 5.0, (Proxy("A", "a"), Proxy("A", "b")))
    with pytest.raises(InputError, match="unique"):
        SegmentSet((Segment("x", "X", 0.0, 5.0), Segment("x", "Y", 5.0, 9.0)))
    with pytest.raises(InputError, match="kind"):
        Proxy("A", "a", kind="bond")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="style"):
        Proxy("A", "a", style="momentum")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unknown segment 'nano'"):
        DEFAULT_SEGMENTS.get("nano")


def test_segment_with_no_proxy_data():
    assert [p.symbol for p in DEFAULT_SEGMENTS.proxies_with_data("small", {"IJR", "SPY"})] == [
        "IJR"
    ]
    with pytest.raises(DataNotFound, match="no data for any proxy of segment 'micro' \\(IWC\\)"):
        DEFAULT_SEGMENTS.proxies_with_data("micro", ["IWM", "SPY"])
    empty = DEFAULT_SEGMENTS.with_segment(Segment("micro", "Micro-cap", 50e6, 300e6, ()))
    with pytest.raises(DataNotFound, match="no blend proxy"):
        empty.get("micro").primary()


def test_band_labels():
    assert [s.band_label() for s in DEFAULT_SEGMENTS] == [
        "$50M-$300M",
        "$300M-$2B",
        "$2B-$10B",
        "$10B-$200B",
        "$200B+",
    ]


def test_overrides_from_config_mapping():
    s = DEFAULT_SEGMENTS.with_overrides(
        {
            "micro": {"min_cap": 30e6, "proxies": ["IWC", "FDM"]},
            "nano": {"label": "Nano-cap", "min_cap": 0, "max_cap": 30e6},
        }
    )
    assert s.keys == ("nano", "micro", "small", "mid", "large", "mega")
    assert s.get("micro").min_cap == 30e6
    assert s.get("micro").proxies[0] == DEFAULT_SEGMENTS.get("micro").proxies[0]
    assert s.get("micro").proxies[1].symbol == "FDM"
    assert s.get("nano").proxies == ()
    with pytest.raises(InputError, match="unknown field"):
        DEFAULT_SEGMENTS.with_overrides({"micro": {"max": 1e9}})
    with pytest.raises(InputError, match="needs min_cap and max_cap"):
        DEFAULT_SEGMENTS.with_overrides({"nano": {"max_cap": 1e6}})
    with pytest.raises(InputError, match="must be numbers"):
        DEFAULT_SEGMENTS.with_overrides({"micro": {"max_cap": "big"}})
    with pytest.raises(InputError, match="list of symbols"):
        DEFAULT_SEGMENTS.with_overrides({"micro": {"proxies": "IWC"}})
    with pytest.raises(InputError, match="overlap"):
        DEFAULT_SEGMENTS.with_overrides({"micro": {"max_cap": 500e6}})


def test_public_names_and_doctests():
    import doctest

    import capsize.segments as mod

    assert mod.__all__ == sorted(mod.__all__)
    assert all(hasattr(mod, n) for n in mod.__all__)
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_segment_performance_uses_first_proxy_with_data():
    import pandas as pd

    from capsize.analytics.performance import segment_performance, ytd

    idx = pd.to_datetime(["2024-12-31", "2025-06-30"])
    adj = pd.DataFrame(
        {"IJR": [100.0, 110.0], "SPY": [200.0, 230.0], "QQQ": [50.0, 55.0], "IWC": [10.0, 9.0]},
        index=idx,
    )
    raw = pd.DataFrame({"^RUT": [2000.0, 2100.0]}, index=idx)
    t = segment_performance(adj, raw, [ytd("2025-06-30")])
    by = t.set_index("segment")
    assert list(by.index) == ["micro", "small", "mid", "large", "mega"]
    # IWM has no data: the next small proxy with data (IJR) is used
    assert by.loc["small", "symbol"] == "IJR"
    assert by.loc["small", "total_return"] == pytest.approx(0.10, abs=1e-12)
    assert by.loc["micro", "total_return"] == pytest.approx(-0.10, abs=1e-12)
    assert by.loc["large", "total_return"] == pytest.approx(0.15, abs=1e-12)
    assert math.isnan(by.loc["mid", "total_return"])
    assert "no data for any blend proxy of mid (IJH, MDY)" in by.loc["mid", "total_reason"]
    value = segment_performance(adj, raw, [ytd("2025-06-30")], style="value").set_index("segment")
    assert "no data for any value proxy of small (VBR, IWN)" in value.loc["small", "total_reason"]
