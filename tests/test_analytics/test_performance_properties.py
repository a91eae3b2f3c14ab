"""Property tests (hypothesis) for performance and risk on synthetic series."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from capsize.analytics import performance as perf
from capsize.analytics import risk

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

log_returns = st.floats(-0.2, 0.2, allow_nan=False, allow_infinity=False)
# log returns in whole basis points (many repeats: near-constant windows are common)
bp_log_returns = st.integers(-2000, 2000).map(lambda k: k / 1e4)


@st.composite
def close_series(draw, min_size=2, max_size=80, name="A", steps=log_returns):
    """Positive closes on a random subset of calendar days (gaps, weekends)."""
    n = draw(st.integers(min_size, max_size))
    gaps = draw(st.lists(st.integers(1, 6), min_size=n, max_size=n))
    start = pd.Timestamp("2019-12-20") + pd.Timedelta(days=draw(st.integers(0, 30)))
    dates = start + pd.to_timedelta(np.cumsum(gaps), unit="D")
    lr = draw(st.lists(steps, min_size=n, max_size=n))
    values = 100.0 * np.exp(np.cumsum(lr))
    return pd.Series(values, index=pd.DatetimeIndex(dates), name=name)


def _date_between(s: pd.Series, frac: float) -> pd.Timestamp:
    lo, hi = s.index[0], s.index[-1]
    return (lo + (hi - lo) * frac).normalize()


@SETTINGS
@given(close_series(), st.lists(st.floats(0, 1), min_size=3, max_size=3))
def test_returns_compose_over_adjacent_windows(s, fracs):
    a, b, c = sorted(_date_between(s, f) for f in fracs)
    kw = {"max_stale_days": None}
    r_ab = perf.series_return(s, perf.between(a, b), **kw)
    r_bc = perf.series_return(s, perf.between(b, c), **kw)
    r_ac = perf.series_return(s, perf.between(a, c), **kw)
    assert r_ab.ok
    assert r_bc.ok
    assert r_ac.ok
    assert math.isclose((1 + r_ab.value) * (1 + r_bc.value), 1 + r_ac.value, rel_tol=1e-12)
    assert r_ab.end_date == r_bc.base_date
    assert r_ab.n_days + r_bc.n_days == r_ac.n_days


@SETTINGS
@given(close_series(), st.floats(0, 1))
def test_window_base_is_last_close_on_or_before(s, frac):
    d = _date_between(s, frac)
    r = perf.series_return(s, perf.since(d), max_stale_days=None)
    expected_base = s.index[s.index <= d][-1]
    assert r.base_date == expected_base
    assert r.end_date == s.index[-1]
    assert math.isclose(r.value, s.iloc[-1] / s[expected_base] - 1, rel_tol=1e-12, abs_tol=1e-15)


@SETTINGS
@given(close_series())
def test_relative_strength_of_a_vs_a_is_flat(s):
    rs = perf.relative_strength(s, s.rename("B"))
    assert np.allclose(rs.to_numpy(), 1.0, rtol=0, atol=1e-12)
    ro = perf.rolling_outperformance(s, s.rename("B"), 1)
    assert np.allclose(ro.dropna().to_numpy(), 0.0, atol=1e-12)


@SETTINGS
@given(close_series(min_size=4))
def test_beta_of_a_vs_a_is_one(s):
    r = perf.returns_from_closes(s)
    assume(float(np.nanstd(r.to_numpy())) > 1e-9)
    assert math.isclose(risk.beta(r, r), 1.0, rel_tol=1e-9)
    assert math.isclose(risk.correlation(r, r), 1.0, rel_tol=1e-9)
    c = risk.capture_ratios(r, r)
    if c.n_up:
        assert math.isclose(c.up, 1.0, rel_tol=1e-9)
    m = risk.conditional_move(r, r, 0.0)
    if m.n_days:
        assert math.isclose(m.median_ratio, 1.0, rel_tol=1e-12)


@SETTINGS
@given(close_series())
def test_drawdown_is_never_positive(s):
    dd = perf.drawdown_series(s)
    assert (dd <= 0).all()
    assert perf.max_drawdown(s) <= 0
    st_ = perf.drawdown_stats(s)
    assert st_.max_drawdown == float(dd.min())
    assert st_.current_drawdown <= 0
    assert st_.peak_date <= st_.trough_date
    if st_.recovery_date is not None:
        assert st_.recovery_date > st_.trough_date
        assert s[st_.recovery_date] >= s[st_.peak_date]
    # zero exactly at new highs
    at_peak = s == s.cummax()
    assert (dd[at_peak] == 0).all()


@SETTINGS
@given(
    st.integers(1990, 2010),
    st.lists(st.sampled_from(["A", "B", "tie"]), min_size=1, max_size=40),
)
def test_streak_lengths_sum(first_year, winners):
    years = list(range(first_year, first_year + len(winners)))
    table = pd.DataFrame(
        {"winner": winners, "status": ["full"] * len(winners)}, index=pd.Index(years, name="year")
    )
    s = perf.streaks(table)
    assert sum(r.length for r in s.runs) == len(winners) == s.years_counted
    assert s.current.end_year == years[-1]
    # runs alternate leaders and cover consecutive years
    for r1, r2 in zip(s.runs, s.runs[1:], strict=False):
        assert r1.leader != r2.leader
        assert r2.start_year == r1.end_year + 1
    for leader, best in s.longest.items():
        assert best.length == max(r.length for r in s.runs if r.leader == leader)
    # shuffled table rows give the same result
    shuffled = table.sample(frac=1.0, random_state=1)
    assert perf.streaks(shuffled) == s


@SETTINGS
@given(close_series(min_size=3), st.randoms(use_true_random=False), st.floats(0, 1))
def test_results_do_not_depend_on_input_order(s, rnd, frac):
    order = list(range(len(s)))
    rnd.shuffle(order)
    shuffled = s.iloc[order]
    w = perf.since(_date_between(s, frac))
    assert repr(perf.series_return(shuffled, w)) == repr(perf.series_return(s, w))
    assert repr(perf.highs(shuffled)) == repr(perf.highs(s))
    assert repr(perf.drawdown_stats(shuffled)) == repr(perf.drawdown_stats(s))
    r, rs = perf.returns_from_closes(s), perf.returns_from_closes(shuffled)
    b = r * 0.5 + 0.001
    assert repr(risk.beta(rs, b)) == repr(risk.beta(r, b.iloc[order]))


@SETTINGS
@given(
    close_series(min_size=10, max_size=60, steps=bp_log_returns),
    st.integers(2, 12),
    st.lists(st.booleans(), min_size=60, max_size=60),
)
def test_rolling_beta_equals_scalar_beta_on_each_window(s, window, holes):
    r = perf.returns_from_closes(s)
    rng = np.random.default_rng(len(s))
    b = pd.Series(rng.normal(0, 0.01, len(r)), index=r.index)
    b[np.array(holes[: len(b)])] = np.nan
    rb = risk.rolling_beta(r, b, window, min_periods=2)
    rc = risk.rolling_correlation(r, b, window, min_periods=2)
    for t in range(len(r)):
        lo = max(0, t - window + 1)
        rw, bw = r.iloc[lo : t + 1], b.iloc[lo : t + 1]
        ok = rw.notna() & bw.notna()
        exp_b = risk.beta(rw, bw) if ok.sum() >= 2 else float("nan")
        exp_c = risk.correlation(rw, bw) if ok.sum() >= 2 else float("nan")
        for got, exp in ((rb.iloc[t], exp_b), (rc.iloc[t], exp_c)):
            if ok.sum() < 2 or math.isnan(exp):
                assert math.isnan(got)
            else:
                assert math.isclose(got, exp, rel_tol=1e-7, abs_tol=1e-9)


@SETTINGS
@given(close_series(min_size=30, max_size=80), close_series(min_size=30, max_size=80, name="B"))
def test_calendar_year_table_is_consistent(a, b):
    t = perf.calendar_year_table(a, b)
    for _, row in t.iterrows():
        if row["winner"] == "A":
            assert row["spread"] > 0
        elif row["winner"] == "B":
            assert row["spread"] < 0
        elif row["winner"] == "tie":
            assert row["spread"] == 0
    full = t[t["status"] == "full"]
    for y, row in full.iterrows():
        r = perf.series_return(a, perf.calendar_year(int(y)), max_stale_days=None)
        assert math.isclose(row["A"], r.value, rel_tol=1e-12, abs_tol=1e-15)


@SETTINGS
@given(
    close_series(min_size=5, max_size=60, steps=bp_log_returns),
    st.integers(2, 10),
    st.lists(st.booleans(), min_size=60, max_size=60),
)
def test_rolling_volatility_equals_scalar_on_each_window(s, window, holes):
    r = perf.returns_from_closes(s)
    r[np.array(holes[: len(r)])] = np.nan
    rv = risk.rolling_volatility(r, window, min_periods=2)
    for t in range(len(r)):
        w = r.iloc[max(0, t - window + 1) : t + 1]
        if w.notna().sum() < 2:
            assert math.isnan(rv.iloc[t])
        else:
            assert math.isclose(rv.iloc[t], risk.volatility(w), rel_tol=1e-7, abs_tol=1e-12)
