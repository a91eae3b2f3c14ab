"""Support/resistance: a hand-built level touched three times, the profile, real IWM bars."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from capsize.analytics.levels import find_levels, swing_pivots, volume_profile
from capsize.errors import DataNotFound, InputError, SchemaError

if TYPE_CHECKING:
    from pathlib import Path


def _three_touches() -> pd.DataFrame:
    # a zig-zag between 100 and 110: three peaks at ~110, two troughs at ~100, then 105
    path: list[float] = []
    for target in (110.0, 100.0, 110.2, 100.1, 109.9):
        start = path[-1] if path else 104.0
        path.extend(np.linspace(start, target, 8)[1:].tolist())
    path.extend(np.linspace(path[-1], 105.0, 8)[1:].tolist())
    close = np.array(path)
    dates = pd.bdate_range("2024-01-01", periods=len(close))
    return pd.DataFrame(
        {"high": close + 0.05, "low": close - 0.05, "close": close, "volume": 1_000.0},
        index=dates,
    )


def test_level_touched_three_times() -> None:
    bars = _three_touches()
    res = find_levels(bars, symbol="TEST", pivot_window=3, tolerance=0.01, min_touches=2)
    assert res.last_close == pytest.approx(105.0)
    top = res.levels[0]
    assert top.kind == "resistance"
    assert top.touches == 3
    assert top.price == pytest.approx((110.05 + 110.25 + 109.95) / 3)
    peaks = bars.index[bars["close"].isin([110.0, 110.2, 109.9])]
    assert top.first_touch == peaks[0]
    assert top.last_touch == peaks[-1]
    assert top.distance == pytest.approx(top.price / 105.0 - 1)
    bottom = res.levels[-1]
    assert (bottom.kind, bottom.touches) == ("support", 2)
    assert bottom.distance < 0
    assert res.nearest("support") == bottom
    assert len(res.to_frame()) == len(res.levels) == 2
    only3 = find_levels(bars, symbol="TEST", pivot_window=3, tolerance=0.01, min_touches=3)
    assert [lv.touches for lv in only3.levels] == [3]


def test_volume_profile_conserves_volume() -> None:
    high = np.array([10.0, 12.0, 11.0, 11.0])
    low = np.array([9.0, 10.0, 11.0, 10.5])
    vol = np.array([100.0, 200.0, 50.0, np.nan])
    prof = volume_profile(high, low, vol, 6)
    assert prof["volume"].sum() == pytest.approx(350.0)
    assert prof["price_low"].iloc[0] == 9.0
    assert prof["price_high"].iloc[-1] == 12.0
    # bar 0 spreads 100 over [9, 10]: the first two bins of width 0.5
    assert prof["volume"].iloc[0] == pytest.approx(50.0)


def test_pivots_and_errors() -> None:
    h = np.array([1.0, 3.0, 3.0, 2.0, 1.0, 0.5, 1.0])
    hi, lo = swing_pivots(h, h, 1)
    assert hi.tolist() == [False, False, True, False, False, False, False]  # flat top once
    assert lo.tolist() == [False, False, False, False, False, True, False]
    bars = _three_touches()
    with pytest.raises(InputError):
        find_levels(bars, symbol="T", tolerance=0.9)
    with pytest.raises(SchemaError):
        find_levels(bars.drop(columns="close"), symbol="T")
    with pytest.raises(DataNotFound):
        find_levels(bars.iloc[:5], symbol="T", lookback=20, pivot_window=3)


def test_close_only_bars_use_closes() -> None:
    bars = _three_touches()[["close"]]
    res = find_levels(bars, symbol="T", pivot_window=3, tolerance=0.01)
    assert res.levels[0].touches == 3
    assert res.levels[0].price == pytest.approx((110.0 + 110.2 + 109.9) / 3)
    assert res.profile_coverage == 0
    assert np.isnan(res.point_of_control)


def test_real_iwm_levels_against_plain_python(shared_data: Path) -> None:
    with (shared_data / "prices" / "IWM.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["date"] <= "2025-06-26"][-252:]
    high = [float(r["high"]) for r in rows]
    low = [float(r["low"]) for r in rows]
    k = 5
    pivots = []
    for i in range(k, len(rows) - k):
        if high[i] >= max(high[i - k : i]) and high[i] > max(high[i + 1 : i + k + 1]):
            pivots.append((high[i], rows[i]["date"]))
        if low[i] <= min(low[i - k : i]) and low[i] < min(low[i + 1 : i + k + 1]):
            pivots.append((low[i], rows[i]["date"]))
    bars = pd.DataFrame(
        {c: [float(r[c]) for r in rows] for c in ("open", "high", "low", "close", "volume")},
        index=pd.to_datetime([r["date"] for r in rows]),
    )
    res = find_levels(bars, symbol="IWM", as_of="2025-06-26", min_touches=1)
    assert res.last_date == pd.Timestamp("2025-06-26")
    assert res.last_close == float(rows[-1]["close"])
    assert sum(lv.touches for lv in res.levels) == len(pivots)
    for lv in res.levels:
        inside = [(p, d) for p, d in pivots if lv.low <= p <= lv.high]
        assert len(inside) == lv.touches
        assert lv.last_touch == pd.Timestamp(max(d for _, d in inside))
        assert lv.kind == ("support" if lv.price < res.last_close else "resistance")
    total = sum(float(r["volume"]) for r in rows)
    assert res.profile["volume"].sum() == pytest.approx(total, rel=1e-9)
    assert res.profile_coverage == 252
