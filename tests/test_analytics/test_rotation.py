"""Rotation score: stated rules, renormalisation, point-in-time builders, evidence.

Builders are checked against plain-Python computations over the real CSVs
(``csv`` module, float loops); the composite against hand-computed values.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capsize.analytics import rotation as R
from capsize.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path


def _close(a: float, b: float, tol: float = 1e-10) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def _reading(name: str, value: float, as_of: str = "2025-01-31") -> R.ComponentReading:
    return R.ComponentReading(name, value, "units", f"evidence {name}", pd.Timestamp(as_of))


# ---------------------------------------------------------------------------
# rules and composite
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("relative_strength", -0.06, -2),
        ("relative_strength", -0.05, -1),  # t1 itself is in the -1 band
        ("relative_strength", -0.01, 0),
        ("relative_strength", 0.01, 0),
        ("relative_strength", 0.0100001, 1),
        ("relative_strength", 0.05, 1),
        ("relative_strength", 0.0500001, 2),
        ("rates_regime", -0.60, 2),  # falling yields favour small caps
        ("rates_regime", -0.20, 1),
        ("rates_regime", 0.0, 0),
        ("rates_regime", 0.30, -1),
        ("rates_regime", 0.75, -2),
        ("valuation", 0.05, 2),  # cheap small caps
        ("valuation", 0.95, -2),
        ("breadth", 0.50, 0),
        ("breadth", 0.72, 2),
        ("flows", -0.04, -1),
        ("size_factor_regime", -0.07, -2),
        ("size_factor_regime", 0.03, 1),
    ],
)
def test_rules(name: str, value: float, expected: int) -> None:
    assert R.SCORING_RULES[name].score(value) == expected


def test_rules_are_ordered_and_weights_cover_them() -> None:
    assert set(R.DEFAULT_WEIGHTS) == set(R.SCORING_RULES) == set(R.COMPONENTS)
    assert _close(sum(R.DEFAULT_WEIGHTS.values()), 1.0)
    for rule in R.SCORING_RULES.values():
        t = rule.thresholds
        assert list(t) == sorted(t)
        assert len(set(t)) == 4
        assert rule.name in R.__doc__  # the docstring table lists every rule


def test_composite_hand_computed() -> None:
    readings = {
        "relative_strength": _reading("relative_strength", 0.03),  # +1
        "rates_regime": _reading("rates_regime", 0.60),  # -2
        "size_factor_regime": _reading("size_factor_regime", -0.03),  # -1
        "flows": None,
    }
    sc = R.rotation_score(readings, as_of="2025-02-01")
    w = R.DEFAULT_WEIGHTS
    tot = w["relative_strength"] + w["rates_regime"] + w["size_factor_regime"]
    expected = (w["relative_strength"] * 1 - 2 * w["rates_regime"] - w["size_factor_regime"]) / tot
    assert _close(sc.score, expected)
    assert sc.label == R.score_label(expected)
    t = sc.table()
    assert list(t.index) == list(R.COMPONENTS)
    assert set(t.loc[t["status"] == "NOT ASSESSED"].index) == {"breadth", "flows", "valuation"}
    assert (t.loc[t["status"] == "NOT ASSESSED", "weight_used"] == 0).all()
    assert _close(float(t["weight_used"].sum()), 1.0)
    assert _close(float(t["contribution"].sum()), sc.score)
    assert t.loc["flows", "reason"] == "no reading available"
    assert "NOT ASSESSED: breadth, flows, valuation" in sc.disclosure
    assert f"{tot:.2f} of 1.00" in sc.disclosure
    assert _close(sc.assessed_weight, tot)


def test_weights_override_and_validation() -> None:
    readings = [_reading("relative_strength", 0.10), _reading("rates_regime", 0.60)]
    sc = R.rotation_score(readings, as_of="2025-02-01", weights={"rates_regime": 0.0})
    assert sc.score == 2.0
    sc2 = R.rotation_score(readings, as_of="2025-02-01", weights={"relative_strength": 3.0})
    assert _close(sc2.score, (3 * 2 + 0.15 * -2) / 3.15)
    with pytest.raises(InputError, match="unknown component 'momentum'"):
        R.rotation_score(readings, as_of="2025-02-01", weights={"momentum": 1.0})
    with pytest.raises(InputError, match=">= 0"):
        R.rotation_score(readings, as_of="2025-02-01", weights={"flows": -1.0})


def test_lookahead_nan_and_empty() -> None:
    with pytest.raises(InputError, match="look-ahead"):
        R.rotation_score([_reading("breadth", 0.5, "2025-03-01")], as_of="2025-02-01")
    sc = R.rotation_score([_reading("breadth", math.nan)], as_of="2025-02-01")
    assert math.isnan(sc.score)
    assert sc.label == "not assessed"
    assert sc.table().loc["breadth", "reason"] == "value missing"
    assert R.rotation_score({}, as_of="2025-02-01").disclosure == "no component assessed; no score"
    with pytest.raises(InputError, match="keys must match"):
        R.rotation_score({"breadth": _reading("flows", 0.0)}, as_of="2025-02-01")


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(R.COMPONENTS),
        st.one_of(st.none(), st.floats(-1.0, 1.0)),
    ),
    st.floats(0.1, 10.0),
)
def test_score_properties(values: dict, scale: float) -> None:
    readings = {k: None if v is None else _reading(k, v) for k, v in values.items()}
    sc = R.rotation_score(readings, as_of="2025-02-01")
    scaled = R.rotation_score(
        readings, as_of="2025-02-01", weights={k: w * scale for k, w in R.DEFAULT_WEIGHTS.items()}
    )
    assessed = [k for k, v in values.items() if v is not None]
    if not assessed:
        assert math.isnan(sc.score)
        return
    assert -2.0 <= sc.score <= 2.0
    num = sum(R.DEFAULT_WEIGHTS[k] * R.SCORING_RULES[k].score(values[k]) for k in assessed)
    den = sum(R.DEFAULT_WEIGHTS[k] for k in assessed)
    assert _close(sc.score, num / den, 1e-9)
    assert _close(scaled.score, sc.score, 1e-9)  # only relative weights matter


# ---------------------------------------------------------------------------
# builders against plain Python over the real files
# ---------------------------------------------------------------------------


def _read_closes(path: Path, column: str = "close") -> dict[str, float]:
    with path.open(newline="") as fh:
        return {r["date"]: float(r[column]) for r in csv.DictReader(fh) if r[column]}


def _series(d: dict[str, float]) -> pd.Series:
    return pd.Series(list(d.values()), index=pd.DatetimeIndex(list(d)), dtype="float64")


@pytest.fixture(scope="module")
def prices(shared_data: Path) -> tuple[dict[str, float], dict[str, float]]:
    return (
        _read_closes(shared_data / "prices" / "IWM.csv"),
        _read_closes(shared_data / "prices" / "SPY.csv"),
    )


@pytest.mark.parametrize("as_of", ["2026-08-21", "2020-03-31", "2008-10-15"])
def test_relative_strength_plain(prices: tuple, as_of: str) -> None:
    iwm, spy = prices
    got = R.relative_strength_component(_series(iwm), _series(spy), as_of=as_of)
    days = sorted(d for d in set(iwm) & set(spy) if d <= as_of)[-200:]
    ratios = [iwm[d] / spy[d] for d in days]
    expected = ratios[-1] / (sum(ratios) / 200) - 1.0
    assert got is not None
    assert _close(got.value, expected)
    assert got.as_of == pd.Timestamp(days[-1])
    assert f"{ratios[-1]:.4f}" in got.evidence
    assert R.relative_strength_component(_series(iwm), _series(spy), as_of="2000-06-30") is None


@pytest.mark.parametrize("as_of", ["2026-08-21", "2022-06-30", "1990-01-15"])
def test_rates_regime_plain(shared_data: Path, as_of: str) -> None:
    dgs2 = _read_closes(shared_data / "macro" / "DGS2.csv", "value")
    got = R.rates_regime_component(_series(dgs2), as_of=as_of)
    dates = sorted(d for d in dgs2 if d <= as_of)
    last = dates[-1]
    y, m, d = (int(x) for x in last.split("-"))
    m -= 3
    if m <= 0:
        y, m = y - 1, m + 12
    target = dt.date(y, m, min(d, calendar.monthrange(y, m)[1])).isoformat()
    earlier = max(x for x in dates if x <= target)
    assert got is not None
    assert _close(got.value, dgs2[last] - dgs2[earlier])
    assert got.as_of == pd.Timestamp(last)
    assert earlier in got.evidence


def _ff3_monthly(shared_data: Path) -> tuple[pd.DataFrame, list[tuple[str, float]]]:
    with (shared_data / "macro" / "FF3_monthly.csv").open(newline="") as fh:
        rows = [(r["date"], float(r["SMB"])) for r in csv.DictReader(fh)]
    frame = pd.DataFrame(
        {"SMB": [v for _, v in rows]}, index=pd.DatetimeIndex([d for d, _ in rows])
    )
    return frame, rows


@pytest.mark.parametrize(
    ("as_of", "lag", "last_month"),
    [
        ("2024-03-15", 2, "2023-12"),  # Feb not over; Jan + 2 = Mar not over -> Dec
        ("2024-03-31", 2, "2024-01"),
        ("2024-03-31", 1, "2024-02"),
        ("2026-08-21", 2, "2025-10"),  # the stored vintage ends 2025-10
    ],
)
def test_size_factor_regime_point_in_time_plain(
    shared_data: Path, as_of: str, lag: int, last_month: str
) -> None:
    frame, rows = _ff3_monthly(shared_data)
    got = R.size_factor_regime_component(frame, as_of=as_of, publication_lag_months=lag)
    used = [v / 100.0 for d, v in rows if d[:7] <= last_month][-36:]
    g12 = g36 = 1.0
    for v in used[-12:]:
        g12 *= 1.0 + v
    for v in used:
        g36 *= 1.0 + v
    expected = ((g12 - 1.0) + (g36 ** (1 / 3) - 1.0)) / 2.0
    assert got is not None
    assert _close(got.value, expected)
    assert f"{got.as_of:%Y-%m}" == last_month
    assert f"lag {lag} months" in got.evidence


def test_size_factor_regime_ignores_unpublished_months(shared_data: Path) -> None:
    frame, _ = _ff3_monthly(shared_data)
    base = R.size_factor_regime_component(frame, as_of="2024-03-15")
    poisoned = frame.copy()
    poisoned.loc["2024-01-01":, "SMB"] = 50.0  # Jan/Feb 2024 not yet published
    assert base == R.size_factor_regime_component(poisoned, as_of="2024-03-15")
    poisoned.loc["2023-12-31", "SMB"] = 50.0  # published by then: must change the reading
    assert base != R.size_factor_regime_component(poisoned, as_of="2024-03-15")
    missing = frame.copy()
    missing.loc["2023-06-30", "SMB"] = -99.99  # French missing code -> gap -> not assessed
    assert R.size_factor_regime_component(missing, as_of="2024-03-15") is None


def test_flows_real_snapshots(shared_data: Path) -> None:
    with (shared_data / "flows" / "IWM_shares_outstanding_ishares_snapshots.csv").open() as fh:
        rows = [(r["date"], float(r["shares_outstanding"])) for r in csv.DictReader(fh)]
    s = pd.Series([v for _, v in rows], index=pd.DatetimeIndex([d for d, _ in rows]))
    got = R.flows_component(s, as_of="2026-05-20")
    assert got is not None
    assert _close(got.value, rows[2][1] / rows[1][1] - 1.0)
    assert got.as_of == pd.Timestamp(rows[2][0])
    assert got.first == pd.Timestamp(rows[1][0])
    # drift: the builder dropped readings over 31 days old, the score allowed 60; now the
    # builder dates the reading at its last observation and the one staleness rule decides
    old = R.flows_component(s, as_of="2026-08-21")
    assert old == got
    sc = R.rotation_score({"flows": old}, as_of="2026-08-21")
    assert sc.table().loc["flows", "status"] == "NOT ASSESSED"
    assert "limit 10 days for daily data" in sc.table().loc["flows", "reason"]
    # no observation six months earlier: no reading
    assert R.flows_component(s, as_of="2025-05-20") is None


def test_breadth_and_valuation_hand_built() -> None:
    idx = pd.bdate_range("2020-01-01", periods=260)
    rng = np.random.default_rng(7)
    up = np.linspace(1, 2, 260)[:, None] * np.ones((1, 40))
    down = np.linspace(2, 1, 260)[:, None] * np.ones((1, 60))
    panel = pd.DataFrame(np.hstack([up, down]) + rng.normal(0, 1e-6, (260, 100)), index=idx)
    got = R.breadth_component(panel)
    assert got is not None
    assert _close(got.value, 0.40)
    assert R.breadth_component(panel, min_names=101) is None
    assert R.breadth_component(panel, as_of=idx[150]) is None  # < 200 rows by then
    panel.iloc[-5, 0] = np.nan  # a gap in the window drops the stock
    assert _close(R.breadth_component(panel).value, 39 / 99)  # type: ignore[union-attr]
    val = pd.Series(
        np.arange(100, dtype=float), index=pd.date_range("2000-01-31", periods=100, freq="ME")
    )
    v = R.valuation_component(val)
    assert v is not None
    assert _close(v.value, 1.0)
    assert R.SCORING_RULES["valuation"].score(v.value) == -2  # most expensive on record
    assert _close(R.valuation_component(val, as_of="2004-12-31").value, 1.0)  # type: ignore[union-attr]
    assert R.valuation_component(val, as_of="2003-12-31") is None  # < 60 months


# ---------------------------------------------------------------------------
# point in time, history, evidence
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs(shared_data: Path, prices: tuple) -> R.RotationInputs:
    iwm, spy = prices
    frame, _ = _ff3_monthly(shared_data)
    dgs2 = _read_closes(shared_data / "macro" / "DGS2.csv", "value")
    return R.RotationInputs(_series(iwm), _series(spy), _series(dgs2), frame)


def test_build_readings_is_point_in_time(inputs: R.RotationInputs) -> None:
    as_of = pd.Timestamp("2019-06-28")
    full = R.build_readings(inputs, as_of)
    future = pd.Timestamp("2019-07-01")
    cut = R.RotationInputs(
        inputs.small_prices.loc[:as_of],  # type: ignore[union-attr]
        inputs.large_prices.loc[:as_of],  # type: ignore[union-attr]
        inputs.yields_2y.loc[:as_of],  # type: ignore[union-attr]
        inputs.ff_monthly.loc[:"2019-04-30"],  # type: ignore[union-attr]
    )
    assert R.build_readings(cut, as_of) == full
    assert all(r is None or r.as_of <= as_of for r in full.values())
    # June not over on 2019-06-28: May is the last complete month, minus a 2-month lag
    assert full["size_factor_regime"].as_of == pd.Timestamp("2019-03-31")  # type: ignore[union-attr]
    assert full["flows"] is None  # no input: NOT ASSESSED
    assert R.build_readings(inputs, future) != full


def test_history_rows_equal_live_scores(inputs: R.RotationInputs) -> None:
    dates = pd.DatetimeIndex(["2015-12-31", "2020-03-31", "2024-06-28"])
    h = R.rotation_history(inputs, dates)
    assert list(h.frame.index) == list(dates)
    for d in dates:
        live = R.rotation_score(R.build_readings(inputs, d), as_of=d)
        assert _close(float(h.frame.loc[d, "score"]), live.score)
        assert h.frame.loc[d, "n_assessed"] == 3
    assert h.publication_lag_months == 2


def test_score_forward_returns_plain(prices: tuple) -> None:
    iwm, spy = prices
    dates = pd.date_range("2010-01-31", "2024-12-31", freq="ME")
    scores = pd.Series(np.tile([-1.0, 0.0, 1.0], len(dates) // 3 + 1)[: len(dates)], index=dates)
    ev = R.score_forward_returns(
        pd.DataFrame({"score": scores}), _series(iwm), _series(spy), horizons_months=(6,)
    )
    common = sorted(set(iwm) & set(spy))

    def last_on_or_before(day: str) -> str:
        return max(d for d in common if d <= day)

    for b, lo, hi in [(0, -math.inf, -0.5), (2, 0.5, math.inf)]:
        fwd, months = [], []
        for d, s in scores.items():
            if not lo <= s < hi:
                continue
            end = (d + pd.DateOffset(months=6)).strftime("%Y-%m-%d")
            a, z = last_on_or_before(f"{d:%Y-%m-%d}"), last_on_or_before(end)
            fwd.append((iwm[z] / iwm[a]) / (spy[z] / spy[a]) - 1.0)
            months.append(d.year * 12 + d.month)
        indep, nxt = 0, -1
        for m in months:
            if m >= nxt:
                indep, nxt = indep + 1, m + 6
        row = ev.table.iloc[b]
        assert row["n_obs"] == len(fwd)
        assert row["n_independent"] == indep
        assert _close(row["mean"], sum(fwd) / len(fwd))
        assert _close(row["hit_rate"], sum(f > 0 for f in fwd) / len(fwd))
    assert ev.warning
    with pytest.raises(InputError, match="score"):
        R.score_forward_returns(pd.DataFrame({"x": scores}), _series(iwm), _series(spy))


def test_headline_cites_components() -> None:
    sc = R.rotation_score(
        [_reading("relative_strength", 0.03), _reading("rates_regime", 0.3)], as_of="2025-02-01"
    )
    text = sc.headline()
    assert f"{sc.score:+.2f}" in text
    assert "Relative-strength trend +1" in text
    assert "Rates regime -1" in text
    assert "not assessed: Small-cap breadth" in text
    assert "renormalised" in text
    assert "not assessed" in R.rotation_score({}, as_of="2025-02-01").headline()


def test_rank_correlation_matches_scipy() -> None:
    from scipy.stats import spearmanr

    rng = np.random.default_rng(3)
    a = rng.integers(-2, 3, 120).astype(float)  # many ties, like scores
    b = rng.normal(size=120) + 0.1 * a
    assert _close(R.spearman(a, b), float(spearmanr(a, b).statistic), 1e-12)
    assert math.isnan(R.spearman(np.ones(5), b[:5]))


def test_stale_readings_are_not_assessed() -> None:
    old = _reading("relative_strength", 0.10, "2025-01-02")  # 30 days before: stale (limit 10)
    fresh = _reading("rates_regime", 0.60, "2025-01-30")
    sc = R.rotation_score([old, fresh], as_of="2025-02-01")
    t = sc.table()
    assert t.loc["relative_strength", "status"] == "NOT ASSESSED"
    assert t.loc["relative_strength", "reason"] == (
        "stale: data end 2025-01-02, 30 days before the score date (limit 10 days for daily data)"
    )
    assert _close(t.loc["relative_strength", "value"], 0.10)  # the reading is kept, unscored
    assert sc.components[0].score is None
    assert sc.score == -2.0


def test_one_staleness_rule_for_every_component() -> None:
    # drift: the rating card dropped breadth 21 days old (limit 10) but kept the size factor
    # 7 months old (limit 400); every component now follows capsize.rules.staleness
    from capsize.rules.staleness import MAX_AGE_DAYS

    day = pd.Timestamp("2026-08-21")
    size = _reading("size_factor_regime", -0.07, "2025-10-31")  # 294 days
    breadth = _reading("breadth", 0.6, "2026-07-31")  # 21 days
    sc = R.rotation_score([size, breadth], as_of=day)
    t = sc.table()
    assert (t["status"] == "NOT ASSESSED").all()
    assert "limit 92 days for monthly data" in t.loc["size_factor_regime", "reason"]
    assert "limit 10 days for daily data" in t.loc["breadth", "reason"]
    assert set(R.COMPONENT_FREQUENCY) == set(R.COMPONENTS)
    assert set(R.COMPONENT_FREQUENCY.values()) <= set(MAX_AGE_DAYS)
    fresh = R.rotation_score([_reading("size_factor_regime", -0.07, "2026-05-31")], as_of=day)
    assert fresh.score == -2.0  # 82 days: within the monthly allowance (lag included)


def test_missing_reasons_are_shown() -> None:
    sc = R.rotation_score({}, as_of="2025-02-01", missing={"breadth": "member list stale"})
    assert sc.table().loc["breadth", "reason"] == "member list stale"
    assert sc.table().loc["flows", "reason"] == "no reading available"


def test_all_is_sorted_and_complete() -> None:
    # ruff RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical
    def key(n: str) -> tuple[int, str]:
        return (0 if n.isupper() else 1 if n[0].isupper() else 2, n)

    assert list(R.__all__) == sorted(R.__all__, key=key)
    for name in R.__all__:
        assert hasattr(R, name), name


def test_zero_weights_and_missing_as_of() -> None:
    sc = R.rotation_score([_reading("breadth", 0.9)], as_of="2025-02-01", weights={"breadth": 0.0})
    assert math.isnan(sc.score)
    assert "weight 0" in sc.disclosure
    with pytest.raises(InputError, match="as_of is required"):
        R.rotation_score([], as_of=None)
