"""Breadth against hand-built cases and a plain-Python reference on real data."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from capsize.analytics.breadth import compute_breadth, ema
from capsize.analytics.engine import Panel
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from pathlib import Path


def _ema_loop(xs: list[float], span: int) -> list[float]:
    a = 2.0 / (span + 1.0)
    out = [xs[0]]
    for x in xs[1:]:
        out.append(a * x + (1 - a) * out[-1])
    return out


def test_ema_matches_loop() -> None:
    xs = [3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0]
    np.testing.assert_allclose(ema(np.array(xs), 3), _ema_loop(xs, 3), rtol=1e-12)
    with pytest.raises(InputError):
        ema(np.array([1.0, np.nan]), 3)


def _hand_built() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    dates = pd.bdate_range("2024-01-01", periods=8)
    closes = pd.DataFrame(
        {
            # flat, then crosses above its 3-day average with a new 4-day high, then falls
            "CROSS": [10, 10, 10, 10, 10, 12, 9, 9],
            "UP": [1, 2, 3, 4, 5, 6, 7, 8],
            "GAP": [5, np.nan, 5, 6, np.nan, 7, 6, 6],
        },
        index=dates,
        dtype="float64",
    )
    volume = pd.DataFrame({"CROSS": 100.0, "UP": 10.0}, index=dates)  # GAP has no volume
    bench = pd.Series(np.linspace(100, 107, 8), index=dates)
    return closes, volume, bench


def test_hand_built_breadth() -> None:
    closes, volume, bench = _hand_built()
    res = compute_breadth(
        closes, volume=volume, benchmark=bench, ma_windows=(3,), high_low_window=4
    )
    t = res.table
    assert res.members == 3
    assert "survivorship" in res.caveat
    # day 5 (index 5): CROSS 10 -> 12 is above its average 10.67 and a new high
    day = t.iloc[5]
    assert day["above_3"] == 2  # CROSS and UP; GAP's window has a hole
    assert day["covered_3"] == 2
    assert day["pct_above_3"] == pytest.approx(1.0)
    assert day["new_highs"] == 2  # CROSS (12 > 10) and UP (6 > 5)
    assert day["advancers"] == 2  # GAP had no bar the day before
    assert day["decliners"] == 0
    assert day["up_volume"] == 110.0
    assert day["volume_covered"] == 2
    day6 = t.iloc[6]
    assert (day6["advancers"], day6["decliners"]) == (1, 2)
    assert day6["new_lows"] == 1  # CROSS 9 < 10
    assert day6["down_volume"] == 100.0
    assert day6["above_3"] == 1
    net = (t["advancers"] - t["decliners"]).tolist()
    assert t["ad_line"].tolist() == np.cumsum(net).tolist()
    mc = np.array(_ema_loop(net, 19)) - np.array(_ema_loop(net, 39))
    np.testing.assert_allclose(t["mcclellan"], mc, rtol=1e-12, atol=1e-12)
    rets = closes.pct_change(fill_method=None)
    ew = 100 * np.cumprod(1 + rets.mean(axis=1).fillna(0.0))
    np.testing.assert_allclose(t["ew_index"], ew, rtol=1e-12)
    np.testing.assert_allclose(t["cw_index"], 100 * bench / 100, rtol=1e-12)
    assert res.on("2024-01-20").name == t.index[-1]
    with pytest.raises(DataNotFound):
        res.on("2023-01-01")
    cmp = res.compare((2, 100))
    assert cmp.loc[2, "ew_return"] == pytest.approx(
        t["ew_index"].iloc[-1] / t["ew_index"].iloc[-3] - 1
    )
    assert np.isnan(cmp.loc[100, "ew_return"])


def test_start_and_as_of_and_no_volume() -> None:
    closes, _, bench = _hand_built()
    res = compute_breadth(
        closes,
        benchmark=bench,
        ma_windows=(3,),
        high_low_window=4,
        start="2024-01-04",
        as_of="2024-01-09",
    )
    assert res.start == pd.Timestamp("2024-01-04")
    assert res.end == pd.Timestamp("2024-01-09")
    # the A/D line is based at the start row (0 there), like the indexes (100)
    assert res.table["ad_line"].iloc[0] == 0.0
    net = res.table["net_advances"]
    assert res.table["ad_line"].iloc[-1] == net.iloc[1:].sum()
    assert res.table["ew_index"].iloc[0] == 100.0
    assert res.table["up_volume"].isna().all()
    assert (res.table["volume_covered"] == 0).all()
    with pytest.raises(InputError):
        compute_breadth(closes, ma_windows=(0,))
    with pytest.raises(DataNotFound):
        compute_breadth(closes, start="2030-01-01")


def test_panel_input_equals_frame_input() -> None:
    closes, volume, bench = _hand_built()
    a = compute_breadth(closes, volume=volume, benchmark=bench, ma_windows=(3,), high_low_window=4)
    b = compute_breadth(
        Panel.from_wide(closes),
        volume=Panel.from_wide(volume),
        benchmark=bench,
        ma_windows=(3,),
        high_low_window=4,
    )
    pd.testing.assert_frame_equal(a.table, b.table)


# --------------------------------------------------------------------------- real data

AS_OF = "2025-06-26"


def _read(path: Path, field: str) -> dict[str, float]:
    with path.open(newline="") as fh:
        return {r["date"]: float(r[field]) for r in csv.DictReader(fh) if r[field]}


@pytest.fixture(scope="module")
def real(shared_data: Path) -> dict[str, object]:
    files = sorted((shared_data / "universe").glob("*.csv"))[::40]
    closes = {p.stem: _read(p, "close") for p in files}
    vols = {}
    for t in closes:
        vp = shared_data / "universe_ohlcv" / f"{t}.csv"
        if vp.exists():
            vols[t] = _read(vp, "volume")
    iwm = _read(shared_data / "prices" / "IWM.csv", "close")
    return {"closes": closes, "vols": vols, "iwm": iwm}


def test_real_breadth_against_plain_python(real: dict[str, object]) -> None:
    closes: dict[str, dict[str, float]] = real["closes"]  # type: ignore[assignment]
    vols: dict[str, dict[str, float]] = real["vols"]  # type: ignore[assignment]
    iwm: dict[str, float] = real["iwm"]  # type: ignore[assignment]
    cal = sorted({d for s in closes.values() for d in s if d <= AS_OF})
    i = cal.index(AS_OF)
    adv = dec = above = covered = highs = lows = hl_cov = 0
    up_vol = 0.0
    rets = []
    for tk, s in closes.items():
        today, yday = s.get(cal[i]), s.get(cal[i - 1])
        if today is not None and yday is not None:
            r = today / yday - 1
            rets.append(r)
            adv += r > 0
            dec += r < 0
            v = vols.get(tk, {}).get(cal[i])
            if r > 0 and v is not None:
                up_vol += v
        win = [s.get(d) for d in cal[i - 49 : i + 1]]
        if today is not None and all(x is not None for x in win):
            covered += 1
            above += today > sum(win) / 50  # type: ignore[arg-type]
        prior = [s.get(d) for d in cal[i - 252 : i]]
        if today is not None and all(x is not None for x in prior):
            hl_cov += 1
            highs += today > max(prior)  # type: ignore[type-var]
            lows += today < min(prior)  # type: ignore[type-var]
    net = []
    for k in range(len(cal)):
        n = 0
        for s in closes.values():
            a, b = s.get(cal[k]), s.get(cal[k - 1]) if k else None
            if a is not None and b is not None:
                n += (a > b) - (a < b)
        net.append(float(n))
    mc = _ema_loop(net, 19)[-1] - _ema_loop(net, 39)[-1]

    wide = pd.DataFrame(closes)
    wide.index = pd.to_datetime(wide.index)
    vol_wide = pd.DataFrame(vols)
    vol_wide.index = pd.to_datetime(vol_wide.index)
    bench = pd.Series(iwm)
    bench.index = pd.to_datetime(bench.index)
    res = compute_breadth(wide, volume=vol_wide, benchmark=bench, as_of=AS_OF)
    row = res.on(AS_OF)
    assert row.name == pd.Timestamp(AS_OF)
    assert (row["advancers"], row["decliners"]) == (adv, dec)
    assert (row["above_50"], row["covered_50"]) == (above, covered)
    assert row["pct_above_50"] == pytest.approx(above / covered)
    assert (row["new_highs"], row["new_lows"], row["hl_covered"]) == (highs, lows, hl_cov)
    assert row["up_volume"] == pytest.approx(up_vol)
    assert row["mcclellan"] == pytest.approx(mc, rel=1e-9, abs=1e-9)
    assert row["ew_return"] == pytest.approx(sum(rets) / len(rets), rel=1e-12)
    assert row["cw_return"] == pytest.approx(iwm[cal[i]] / iwm[cal[i - 1]] - 1, rel=1e-12)
