"""Tests of capsize.analytics.rates against independent computations on the real data."""

from __future__ import annotations

import csv
import itertools
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capsize.analytics.rates import (
    detect_policy_turns,
    policy_event_study,
    rate_regime_table,
    rate_sensitivity,
    rolling_rate_correlation,
    rolling_rate_sensitivity,
    spread_and_yield_changes,
)
from capsize.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

# ---------------------------------------------------------------------------
# real data, read twice: with pandas for the code under test, with csv for the oracle
# ---------------------------------------------------------------------------


def _read_csv_plain(path: Path, col: str) -> list[tuple[str, float]]:
    with path.open(newline="") as fh:
        return [(r["date"], float(r[col])) for r in csv.DictReader(fh) if r[col] not in ("", ".")]


@pytest.fixture(scope="module")
def real(shared_data: Path) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    for sym in ("IWM", "SPY", "RUT", "GSPC"):
        f = pd.read_csv(
            shared_data / "prices" / f"{sym}.csv", parse_dates=["date"], index_col="date"
        )
        out[sym] = f["close"].rename(sym)
    for sid in ("DGS2", "DGS10", "DFF", "FEDFUNDS"):
        f = pd.read_csv(
            shared_data / "macro" / f"{sid}.csv", parse_dates=["date"], index_col="date"
        )
        out[sid] = f["value"].rename(sid)
    return out


@pytest.fixture(scope="module")
def plain(shared_data: Path) -> dict[str, list[tuple[str, float]]]:
    out = {s: _read_csv_plain(shared_data / "prices" / f"{s}.csv", "close") for s in ("IWM", "SPY")}
    for sid in ("DGS2", "DGS10"):
        out[sid] = _read_csv_plain(shared_data / "macro" / f"{sid}.csv", "value")
    return out


def _month_end_last(rows: list[tuple[str, float]]) -> dict[str, float]:
    last: dict[str, float] = {}
    for d, v in rows:  # rows are ascending: the last value written per month wins
        last[d[:7]] = v
    return last


def _oracle_monthly(plain: dict[str, list[tuple[str, float]]]) -> tuple[np.ndarray, np.ndarray]:
    ends = {k: _month_end_last(v) for k, v in plain.items()}
    months = sorted(set.intersection(*(set(e) for e in ends.values())))
    y, x = [], []
    for prev, cur in itertools.pairwise(months):
        rs = ends["IWM"][cur] / ends["IWM"][prev] - 1
        rl = ends["SPY"][cur] / ends["SPY"][prev] - 1
        y.append(rs - rl)
        x.append(
            [1.0, ends["DGS2"][cur] - ends["DGS2"][prev], ends["DGS10"][cur] - ends["DGS10"][prev]]
        )
    return np.array(y), np.array(x)


# ---------------------------------------------------------------------------
# regression
# ---------------------------------------------------------------------------


def test_monthly_coefficients_match_numpy_lstsq(real, plain):
    y, x = _oracle_monthly(plain)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    res = rate_sensitivity(real["IWM"], real["SPY"], _yields(real))
    assert res.n_obs == len(y)
    np.testing.assert_allclose(res.coefficients.to_numpy(), beta, rtol=1e-9, atol=1e-12)
    assert list(res.coefficients.index) == ["const", "d_DGS2", "d_DGS10"]
    assert res.cov_type.startswith("HAC (Newey-West")
    assert res.start == pd.Timestamp("2000-06-30")
    assert res.small == "IWM"
    assert res.large == "SPY"


def test_nonrobust_t_stats_match_hand_formula(real, plain):
    y, x = _oracle_monthly(plain)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    sigma2 = resid @ resid / (len(y) - x.shape[1])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(x.T @ x)))
    res = rate_sensitivity(real["IWM"], real["SPY"], _yields(real), cov_type="nonrobust")
    np.testing.assert_allclose(res.t_stats.to_numpy(), beta / se, rtol=1e-8)
    r2 = 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))
    assert res.r_squared == pytest.approx(r2, rel=1e-9)


def test_daily_coefficients_match_lstsq_on_common_days(real, plain):
    maps = {k: dict(v) for k, v in plain.items()}
    days = sorted(set.intersection(*(set(m) for m in maps.values())))
    days = [d for d in days if d >= "2015-01-01"]
    y, x = [], []
    for p, c in itertools.pairwise(days):
        y.append(maps["IWM"][c] / maps["IWM"][p] - maps["SPY"][c] / maps["SPY"][p])
        x.append([1.0, maps["DGS2"][c] - maps["DGS2"][p], maps["DGS10"][c] - maps["DGS10"][p]])
    beta, *_ = np.linalg.lstsq(np.array(x), np.array(y), rcond=None)
    start = pd.Timestamp("2015-01-01")
    res = rate_sensitivity(
        real["IWM"][start:],
        real["SPY"][start:],
        _yields(real)[start:],
        frequency="D",
    )
    assert res.n_obs == len(y)
    np.testing.assert_allclose(res.coefficients.to_numpy(), beta, rtol=1e-8, atol=1e-12)


def test_rolling_last_window_matches_lstsq(real, plain):
    y, x = _oracle_monthly(plain)
    beta, *_ = np.linalg.lstsq(x[-36:], y[-36:], rcond=None)
    roll = rolling_rate_sensitivity(real["IWM"], real["SPY"], _yields(real))
    np.testing.assert_allclose(
        roll.iloc[-1][["coef_const", "coef_d_DGS2", "coef_d_DGS10"]].to_numpy(dtype=float),
        beta,
        rtol=1e-8,
    )
    assert len(roll) == len(y) - 35
    xw, yw = x[-36:], y[-36:]
    resid = yw - xw @ beta
    se = np.sqrt(np.diag(resid @ resid / (36 - 3) * np.linalg.inv(xw.T @ xw)))
    np.testing.assert_allclose(
        roll.iloc[-1][["t_const", "t_d_DGS2", "t_d_DGS10"]].to_numpy(dtype=float),
        beta / se,
        rtol=1e-7,
    )
    assert roll["r_squared"].iloc[-1] == pytest.approx(
        1 - resid @ resid / ((yw - yw.mean()) @ (yw - yw.mean())), rel=1e-8
    )
    corr = rolling_rate_correlation(real["IWM"], real["SPY"], _yields(real))
    expected = np.corrcoef(y[-36:], x[-36:, 2])[0, 1]
    assert corr["d_DGS10"].iloc[-1] == pytest.approx(expected, rel=1e-9)


def test_holiday_in_one_series_does_not_misalign():
    idx = pd.bdate_range("2024-01-01", periods=6)
    small = pd.Series([100, 101, 102, 103, 104, 105.0], index=idx, name="S")
    large = pd.Series([100, 100, 100, 100, 100, 100.0], index=idx, name="L")
    ylds = pd.DataFrame({"DGS2": [4.0, 4.1, np.nan, 4.3, 4.4, 4.5]}, index=idx)
    d = spread_and_yield_changes(small, large, ylds, frequency="D")
    # the row after the hole spans two days for both the return and the yield change
    assert d.loc[idx[3], "small"] == pytest.approx(103 / 101 - 1)
    assert d.loc[idx[3], "d_DGS2"] == pytest.approx(0.2)
    assert idx[2] not in d.index


def test_bad_inputs_raise_naming_argument():
    idx = pd.bdate_range("2024-01-01", periods=5)
    good = pd.Series(np.arange(1.0, 6.0), index=idx)
    with pytest.raises(InputError, match="small"):
        rate_sensitivity(good * -1, good, pd.DataFrame({"y": good}))
    with pytest.raises(InputError, match="frequency"):
        rate_sensitivity(good, good, pd.DataFrame({"y": good}), frequency="Q")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="aligned periods"):
        rate_sensitivity(good[:3], good[:3], pd.DataFrame({"y": good}), frequency="D")
    with pytest.raises(InputError, match="collinear"):
        rate_sensitivity(good, good * 1.5, pd.DataFrame({"y": good * 0 + 1.0}), frequency="D")


# ---------------------------------------------------------------------------
# regime table
# ---------------------------------------------------------------------------


def test_regime_table_hand_built():
    months = pd.date_range("2020-01-31", periods=6, freq="ME")
    small = pd.Series([100, 110, 110, 99, 99, 108.9], index=months)
    large = pd.Series([100.0] * 6, index=months)
    # month changes (bp): +20, 0, -20, +5, +30 -> rising, flat, falling, flat, rising
    ylds = pd.DataFrame({"DGS10": [1.0, 1.2, 1.2, 1.0, 1.05, 1.35]}, index=months)
    tab = rate_regime_table(small, large, ylds, threshold_bp=10, horizons=(1, 2))
    # spreads by month: +10%, 0, -10%, 0, +10%
    rising = tab.loc[("DGS10", "rising")]
    assert rising["months"] == 2
    # rising months: Feb (next: Mar 0%), Jun (no next month) -> one forward value, 0
    assert rising["n_1m"] == 1
    assert rising["mean_1m"] == pytest.approx(0.0)
    falling = tab.loc[("DGS10", "falling")]
    # falling = Apr; next month May 0%, next two months 1.0*1.1-1 = +10%
    assert falling["mean_1m"] == pytest.approx(0.0)
    assert falling["mean_2m"] == pytest.approx(0.10)
    assert falling["hit_2m"] == 1.0
    flat = tab.loc[("DGS10", "flat")]
    # flat = Mar (next Apr -10%), May (next Jun +10%)
    assert flat["mean_1m"] == pytest.approx(0.0, abs=1e-12)
    assert flat["hit_1m"] == 0.5
    assert tab.attrs["threshold_bp"] == 10.0


def test_regime_table_real_counts_add_up(real, plain):
    y, x = _oracle_monthly(plain)
    # the data end 2026-08-21, inside August: an incomplete month is left out of the table
    # (neither classified nor a forward month); it was counted as a whole month before
    assert max(d for d, _ in plain["IWM"]) == "2026-08-21"
    y, x = y[:-1], x[:-1]
    tab = rate_regime_table(real["IWM"], real["SPY"], _yields(real))
    assert tab.attrs["end"] == pd.Timestamp("2026-07-31")
    assert tab.attrs["partial_month_left_out"] == pd.Timestamp("2026-08-21")
    for series in ("DGS2", "DGS10"):
        assert tab.loc[series, "months"].sum() == len(y)
    rising_10 = [i for i in range(len(y)) if x[i, 2] >= 0.10]
    assert tab.loc[("DGS10", "rising"), "months"] == len(rising_10)
    nxt = [y[i + 1] for i in rising_10 if i + 1 < len(y)]
    # one-month forward value is the next month's small-minus-large return
    assert tab.loc[("DGS10", "rising"), "mean_1m"] == pytest.approx(np.mean(nxt), rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=0.0, max_value=50.0))
def test_regime_months_partition(threshold):
    rng = np.random.default_rng(7)
    months = pd.date_range("2010-01-31", periods=40, freq="ME")
    small = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.04, 40)), index=months)
    large = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.03, 40)), index=months)
    ylds = pd.DataFrame({"Y": 2 + np.cumsum(rng.normal(0, 0.15, 40))}, index=months)
    tab = rate_regime_table(small, large, ylds, threshold_bp=threshold)
    assert tab["months"].sum() == 39
    hits = tab[[c for c in tab.columns if c.startswith("hit_")]].to_numpy(dtype=float)
    assert np.all((hits[~np.isnan(hits)] >= 0) & (hits[~np.isnan(hits)] <= 1))


# ---------------------------------------------------------------------------
# Fed policy turns and event study
# ---------------------------------------------------------------------------


def test_detected_turns_include_known_fomc_turns(real):
    turns = detect_policy_turns(real["DFF"][real["DFF"].index >= "1988-01-01"])
    listed = turns[turns["kind"] != ""]
    got = {d.strftime("%Y-%m-%d"): k for d, k in zip(listed["date"], listed["kind"], strict=True)}
    # exact FOMC decision dates
    assert got["2015-12-16"] == "first_hike"
    assert got["2019-07-31"] == "first_cut"
    assert got["2022-03-16"] == "first_hike"
    assert got["2024-09-18"] == "first_cut"
    # older turns, when the effective rate was noisier: within 10 days of the decision
    dates = pd.DatetimeIndex(listed["date"])
    for known in (
        "1994-02-04",
        "1995-07-06",
        "1998-09-29",
        "1999-06-30",
        "2001-01-03",
        "2004-06-30",
    ):
        assert np.min(np.abs((dates - pd.Timestamp(known)).days)) <= 10, known
    # the 2020 emergency cuts continue a cutting cycle: no turn there
    assert not any(d.startswith("2020") for d in got)
    # turns alternate
    kinds = list(listed["kind"])
    assert all(a != b for a, b in itertools.pairwise(kinds))
    assert "min_hold_days" not in turns.attrs["rule"]
    assert "45 days" in turns.attrs["rule"]


def test_monthly_fedfunds_turns_are_months(real):
    turns = detect_policy_turns(real["FEDFUNDS"][real["FEDFUNDS"].index >= "2006-01-01"])
    listed = turns[turns["kind"] != ""]
    assert [d.strftime("%Y-%m") for d in listed["date"]] == [
        "2007-08",
        "2016-01",
        "2019-08",
        "2022-03",
        "2024-09",
    ]


def test_step_series_exact_dates():
    days = pd.date_range("2020-01-01", "2021-12-31", freq="D")
    rate = pd.Series(1.0, index=days)
    rate[rate.index >= "2020-06-11"] = 1.25  # hike decided 2020-06-10
    rate[rate.index >= "2020-09-17"] = 1.50
    rate[rate.index >= "2021-03-04"] = 1.00  # cut decided 2021-03-03
    rate[pd.Timestamp("2020-12-31")] = 3.0  # one-day year-end spike: ignored
    turns = detect_policy_turns(rate)
    assert [d.strftime("%Y-%m-%d") for d in turns["date"]] == [
        "2020-06-10",
        "2020-09-16",
        "2021-03-03",
    ]
    assert list(turns["kind"]) == ["", "", "first_cut"]


def test_whipsaw_is_dropped():
    days = pd.date_range("2020-01-01", "2020-12-31", freq="D")
    rate = pd.Series(2.0, index=days)
    rate[(rate.index >= "2020-05-01") & (rate.index < "2020-05-21")] = 2.5
    assert detect_policy_turns(rate).empty


def test_event_study_hand_built():
    days = pd.bdate_range("2021-01-01", "2023-12-29")
    small = pd.Series(100.0, index=days, name="S")
    large = pd.Series(100.0, index=days, name="L")
    t0 = pd.Timestamp("2022-03-16")
    small[small.index >= t0] = 110.0  # +10% on the event day, large flat
    small[small.index >= t0 + pd.DateOffset(months=6)] = 121.0
    turns = pd.DataFrame(
        {"date": [t0, pd.Timestamp("2023-09-01")], "kind": ["first_hike", ""], "direction": [1, 1]}
    )
    ev = policy_event_study(small, large, turns)
    row = ev.paths.loc[t0]
    assert row[-3] == pytest.approx(0.0)
    assert row[0] == pytest.approx(0.10)  # event day included in offset 0
    assert row[6] == pytest.approx(0.21)
    assert row[12] == pytest.approx(0.21)
    assert ev.summary.loc["first_hike", "n"] == 1
    assert math.isnan(ev.summary.loc["first_cut", 0])
    assert len(ev.paths) == 1  # continuation ignored


def test_event_study_past_data_is_nan(real):
    turns = detect_policy_turns(real["DFF"][real["DFF"].index >= "2014-01-01"])
    ev = policy_event_study(real["IWM"], real["SPY"], turns)
    row = ev.paths.loc[pd.Timestamp("2024-09-18")]
    assert row[12] == pytest.approx(
        _rel(real, "2024-09-17", "2025-09-18"), rel=1e-9
    )  # 12 months later is in the data
    assert set(ev.kinds) == {"first_hike", "first_cut"}


def _rel(real: dict[str, pd.Series], base: str, end: str) -> float:
    s, lg = real["IWM"], real["SPY"]
    b = s[:base].iloc[-1] / lg[:base].iloc[-1]
    e = s[:end].iloc[-1] / lg[:end].iloc[-1]
    return float(e / b - 1)


def _yields(real: dict[str, pd.Series]) -> pd.DataFrame:
    return pd.concat([real["DGS2"], real["DGS10"]], axis=1, sort=True)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=60, max_value=400), st.sampled_from([-0.5, -0.25, 0.25, 0.5])
        ),
        min_size=1,
        max_size=8,
    )
)
def test_step_paths_are_recovered_exactly(steps):
    """Random target paths (steps >= 60 days apart): every decision date and turn is found."""
    start = pd.Timestamp("2000-01-01")
    level, when = 3.0, start + pd.Timedelta(days=200)
    decisions: list[tuple[pd.Timestamp, int]] = []
    changes: list[tuple[pd.Timestamp, float]] = []
    for gap, size in steps:
        when = when + pd.Timedelta(days=gap)
        level += size
        decisions.append((when, 1 if size > 0 else -1))
        changes.append((when + pd.Timedelta(days=1), level))
    days = pd.date_range(start, when + pd.Timedelta(days=200), freq="D")
    rate = pd.Series(3.0, index=days)
    for eff, lvl in changes:
        rate[rate.index >= eff] = lvl
    got = detect_policy_turns(rate)
    assert list(got["date"]) == [d for d, _ in decisions]
    dirs = [s for _, s in decisions]
    expected_kinds = [""] + [
        ("first_hike" if b > 0 else "first_cut") if a != b else ""
        for a, b in itertools.pairwise(dirs)
    ]
    assert list(got["kind"]) == expected_kinds


def test_no_turns_gives_empty_study():
    days = pd.date_range("2020-01-01", periods=400, freq="D")
    turns = detect_policy_turns(pd.Series(1.0, index=days))
    assert turns.empty
    prices = pd.Series(np.linspace(1.0, 2.0, 400), index=days)
    ev = policy_event_study(prices, prices, turns)
    assert ev.paths.empty
    assert ev.summary.loc["first_cut", "n"] == 0
    assert math.isnan(ev.summary.loc["first_hike", 12])


def test_weekly_sampling_uses_friday_closes():
    days = pd.bdate_range("2024-01-01", "2024-02-29")
    small = pd.Series(np.arange(len(days), dtype=float) + 100, index=days)
    large = pd.Series(100.0, index=days)
    ylds = pd.DataFrame({"DGS10": np.linspace(4.0, 4.4, len(days))}, index=days)
    d = spread_and_yield_changes(small, large, ylds, frequency="W")
    assert all(ts.day_of_week == 4 for ts in d.index[:-1])
    # the data end on Thursday 2024-02-29: that week is labelled by its last day, never by
    # the Friday after the data (2024-03-01), and flagged partial
    assert d.index[-1] == pd.Timestamp("2024-02-29")
    assert d.attrs["partial_last"]
    fri = [ts for ts in days if ts.day_of_week == 4]
    exp = small[fri[1]] / small[fri[0]] - 1
    assert d["small"].iloc[0] == pytest.approx(exp)


def test_money_market_dips_are_not_turns(real):
    """August 2007 and year-end 2000 dips of the effective rate are not FOMC cuts."""
    turns = detect_policy_turns(real["DFF"][real["DFF"].index >= "1988-01-01"])
    cuts = pd.DatetimeIndex(turns.loc[turns["kind"] == "first_cut", "date"])
    for dip in ("2007-08-09", "2000-12-28"):
        assert pd.Timestamp(dip) not in cuts, dip
    for decision in ("2007-09-18", "2001-01-03"):
        assert np.min(np.abs((cuts - pd.Timestamp(decision)).days)) <= 10, decision
    assert "known error" in turns.attrs["rule"]


def test_short_dip_below_then_back_is_not_a_move():
    days = pd.date_range("2020-01-01", "2021-06-30", freq="D")
    rate = pd.Series(5.25, index=days)
    # three weeks of a money-market dip, then back at the target, then a real cut
    rate[(rate.index >= "2020-08-10") & (rate.index < "2020-09-01")] = 4.8
    rate[rate.index >= "2020-11-06"] = 4.75  # cut decided 2020-11-05
    got = detect_policy_turns(rate)
    assert [d.strftime("%Y-%m-%d") for d in got["date"]] == ["2020-11-05"]


def test_hac_standard_errors_match_statsmodels(real):
    """The numpy Newey-West fit gives statsmodels' HAC (no small-sample correction) to 1e-10."""
    sm = pytest.importorskip("statsmodels.api")
    res = rate_sensitivity(real["IWM"], real["SPY"], _yields(real))
    data = spread_and_yield_changes(real["IWM"], real["SPY"], _yields(real))
    x = sm.add_constant(data[["d_DGS2", "d_DGS10"]].to_numpy(), has_constant="add")
    lags = int(res.cov_type.split(",")[1].split()[0])
    fit = sm.OLS(data["spread"].to_numpy(), x).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    np.testing.assert_allclose(res.std_errors.to_numpy(), fit.bse, rtol=1e-10)
    np.testing.assert_allclose(res.t_stats.to_numpy(), fit.tvalues, rtol=1e-10)
    assert res.r_squared == pytest.approx(fit.rsquared, rel=1e-10)
