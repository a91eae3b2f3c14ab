"""Panel engine: every kernel against a straightforward pandas reference (1e-9)."""

from __future__ import annotations

import csv
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capsize.analytics import engine as E
from capsize.errors import DataNotFound, InputError, PerformanceWarning, SchemaError

if TYPE_CHECKING:
    from pathlib import Path

TOL = 1e-9


def _panel(seed: int, n: int, m: int, nan_frac: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = 50.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, (n, m)), axis=0))
    x[rng.random((n, m)) < nan_frac] = np.nan
    if m > 2:
        x[:, 0] = np.nan  # an all-NaN ticker
        x[:, 1] = 7.25  # a flat ticker
    return x


def _same(got: np.ndarray, ref: np.ndarray | pd.DataFrame | pd.Series) -> None:
    ref_a = np.asarray(ref, dtype=np.float64)
    got_a = np.asarray(got, dtype=np.float64)
    assert got_a.shape == ref_a.shape
    np.testing.assert_array_equal(np.isnan(got_a), np.isnan(ref_a))
    np.testing.assert_allclose(got_a, ref_a, rtol=TOL, atol=TOL, equal_nan=True)


panels = st.builds(
    _panel,
    seed=st.integers(0, 10_000),
    n=st.integers(1, 80),
    m=st.integers(1, 6),
    nan_frac=st.sampled_from([0.0, 0.05, 0.3, 0.9]),
)


@settings(max_examples=40, deadline=None)
@given(x=panels, w=st.integers(1, 30), mp_frac=st.floats(0.0, 1.0))
def test_rolling_kernels_match_pandas(x: np.ndarray, w: int, mp_frac: float) -> None:
    mp = round(mp_frac * w)
    df = pd.DataFrame(x)
    roll = df.rolling(w, min_periods=mp)
    _same(E.rolling_mean(x, w, mp), roll.mean())
    _same(E.rolling_std(x, w, mp), roll.std())
    _same(E.rolling_max(x, w, mp), roll.max())
    _same(E.rolling_min(x, w, mp), roll.min())
    r = df.pct_change(fill_method=None)
    _same(E.rolling_volatility(x, w, mp), r.rolling(w, min_periods=mp).std())
    _same(E.returns(x, min(w, 5)), df.pct_change(min(w, 5), fill_method=None))


def _beta_reference(x: np.ndarray, mkt: np.ndarray, w: int, mp: int) -> pd.DataFrame:
    r = pd.DataFrame(x).pct_change(fill_method=None)
    rm = pd.Series(mkt).pct_change(fill_method=None)
    out = {}
    for c in r:
        xs = r[c].where(rm.notna())
        ys = rm.where(r[c].notna())
        cov = xs.rolling(w, min_periods=mp).cov(ys)
        var = ys.rolling(w, min_periods=mp).var()
        out[c] = (cov / var).where(var > 0)
    return pd.DataFrame(out)


@settings(max_examples=25, deadline=None)
@given(x=panels, w=st.integers(2, 30), seed=st.integers(0, 1000))
def test_rolling_beta_matches_pandas(x: np.ndarray, w: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mkt = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, x.shape[0])))
    mkt[rng.random(x.shape[0]) < 0.1] = np.nan
    mp = max(2, w // 2)
    ref = _beta_reference(x, mkt, w, mp)
    got = E.rolling_beta(x, mkt, w, mp)
    _same(got, ref)


def test_several_ticker_chunks_match_pandas() -> None:
    # more tickers than one parallel chunk (512): chunk edges must not leak
    x = _panel(11, 70, 600, 0.05)
    mkt = _panel(12, 70, 1, 0.0)[:, 0]
    df = pd.DataFrame(x)
    r = df.pct_change(fill_method=None)
    _same(E.rolling_volatility(x, 20, 15), r.rolling(20, min_periods=15).std())
    _same(E.rolling_beta(x, mkt, 30, 20), _beta_reference(x, mkt, 30, 20))
    ma = df.rolling(20, min_periods=15).mean()
    ok = df.notna() & ma.notna()
    np.testing.assert_array_equal(
        E.pct_above_average(x, 20, 15)["above"], ((df > ma) & ok).sum(axis=1)
    )
    hi = df.rolling(25, min_periods=20).max().shift(1)
    ok2 = df.notna() & hi.notna()
    np.testing.assert_array_equal(
        E.new_highs_lows(x, 25, 20)["new_highs"], ((df > hi) & ok2).sum(axis=1)
    )


def test_beta_of_scaled_benchmark_is_the_scale() -> None:
    rng = np.random.default_rng(3)
    rm = rng.normal(0.0, 0.01, 300)
    mkt = 100 * np.cumprod(1 + rm)
    stock = 20 * np.cumprod(1 + 1.5 * rm)
    beta = E.rolling_beta(stock[:, None].copy(), mkt, 60, 60)
    assert np.isnan(beta[:60, 0]).all()
    np.testing.assert_allclose(beta[60:, 0], 1.5, rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(x=panels, w=st.integers(1, 30), mp_frac=st.floats(0.0, 1.0))
def test_breadth_counts_match_pandas(x: np.ndarray, w: int, mp_frac: float) -> None:
    mp = round(mp_frac * w)
    df = pd.DataFrame(x)
    ma = df.rolling(w, min_periods=mp).mean()
    ok = df.notna() & ma.notna()
    res = E.pct_above_average(x, w, mp)
    np.testing.assert_array_equal(res["above"], ((df > ma) & ok).sum(axis=1))
    np.testing.assert_array_equal(res["covered"], ok.sum(axis=1))
    hi = df.rolling(w, min_periods=max(mp, 1)).max().shift(1)
    lo = df.rolling(w, min_periods=max(mp, 1)).min().shift(1)
    ok2 = df.notna() & hi.notna()
    hl = E.new_highs_lows(x, w, mp)
    np.testing.assert_array_equal(hl["new_highs"], ((df > hi) & ok2).sum(axis=1))
    np.testing.assert_array_equal(hl["new_lows"], ((df < lo) & ok2).sum(axis=1))
    np.testing.assert_array_equal(hl["covered"], ok2.sum(axis=1))
    _same(E.cross_section_mean(x), df.mean(axis=1))
    np.testing.assert_array_equal(E.cross_section_count(x), df.count(axis=1))


def test_above_average_counter_equals_one_pass_per_window() -> None:
    x = _panel(11, 300, 40, 0.15)
    x[:80, :10] = np.nan  # late listings
    x[:, 3] = np.nan  # a member without prices
    count = E.above_average_counter(x)
    for w in (200, 1, 20, 50, 300, 400):  # windows shared in any order, also beyond the panel
        pd.testing.assert_frame_equal(count(w), E.pct_above_average(x, w))
    with pytest.raises(InputError):
        count(0)


def test_hand_built_cross_and_new_high() -> None:
    # one stock flat at 10 for 5 days, then 12: crosses above its 3-day average and
    # makes a new 4-day high on day 5; then 9: below the average and a new low.
    x = np.array([[10.0], [10.0], [10.0], [10.0], [10.0], [12.0], [9.0]])
    res = E.pct_above_average(x, 3)
    assert res["above"].tolist() == [0, 0, 0, 0, 0, 1, 0]
    assert res["covered"].tolist() == [0, 0, 1, 1, 1, 1, 1]
    hl = E.new_highs_lows(x, 4)
    assert hl["new_highs"].tolist() == [0, 0, 0, 0, 0, 1, 0]
    assert hl["new_lows"].tolist() == [0, 0, 0, 0, 0, 0, 1]


def test_window_counts_rows_not_observations() -> None:
    x = np.array([[1.0], [np.nan], [3.0], [5.0]])
    # a 2-row window on row 2 sees rows 1..2 = [nan, 3]: one observation only
    out = E.rolling_mean(x, 2, 1)
    assert out[2, 0] == 3.0
    assert np.isnan(E.rolling_mean(x, 2)[2, 0])


# --------------------------------------------------------------------------- Panel


def test_from_long_scatters_like_pivot() -> None:
    rng = np.random.default_rng(1)
    dates = pd.bdate_range("2024-01-01", periods=30)
    rows = [(d, t, float(rng.normal())) for d in dates for t in ("ZZ", "AA", "MM")]
    long = pd.DataFrame(rows, columns=["date", "ticker", "close"])
    long = long.sample(frac=0.8, random_state=2)  # drop rows: holes become NaN
    p = E.Panel.from_long(long, "date", "ticker", "close")
    ref = long.pivot(index="date", columns="ticker", values="close").sort_index()
    assert list(p.tickers) == ["AA", "MM", "ZZ"]
    _same(p.values, ref[list(p.tickers)])
    assert p.values.flags["C_CONTIGUOUS"]
    assert p.nbytes == p.values.size * 8
    # a categorical key (unsorted, with an unused category) takes the codes path
    cat = long.assign(ticker=pd.Categorical(long["ticker"], categories=["ZZ", "QQ", "MM", "AA"]))
    q = E.Panel.from_long(cat, "date", "ticker", "close")
    assert list(q.tickers) == ["AA", "MM", "ZZ"]
    _same(q.values, p.values)
    assert q.dates.equals(p.dates)


def test_from_long_calendar_keeps_missing_days_as_nan_rows() -> None:
    cal = pd.bdate_range("2024-01-01", periods=5)
    long = pd.DataFrame({"d": [cal[0], cal[3]], "k": ["A", "A"], "v": [1.0, 2.0]})
    p = E.Panel.from_long(long, "d", "k", "v", calendar=cal)
    assert p.shape == (5, 1)
    assert np.isnan(p.values[[1, 2, 4], 0]).all()
    with pytest.raises(InputError, match="outside the calendar"):
        E.Panel.from_long(long, "d", "k", "v", calendar=cal[:2])


def test_from_long_rejects_duplicates_and_missing_columns() -> None:
    long = pd.DataFrame({"d": ["2024-01-02"] * 2, "k": ["A", "A"], "v": [1.0, 2.0]})
    with pytest.raises(InputError, match="duplicate"):
        E.Panel.from_long(long, "d", "k", "v")
    with pytest.raises(SchemaError, match="'close'"):
        E.Panel.from_long(long, "d", "k", "close")


def test_from_wide_select_until_and_validation() -> None:
    idx = pd.bdate_range("2024-01-01", periods=4)
    frame = pd.DataFrame({"B": [1.0, 2, 3, 4], "A": [5.0, np.nan, 7, 8]}, index=idx)
    p = E.Panel.from_wide(frame, name="close")
    assert p.select(["A"]).values[:, 0].tolist()[2:] == [7.0, 8.0]
    assert p.until("2024-01-02").shape == (2, 2)
    with pytest.raises(InputError, match="not in the panel"):
        p.select(["nope"])
    with pytest.raises(InputError, match="float64"):
        E.Panel(np.zeros((2, 2), dtype=np.int64), idx[:2], pd.Index(["a", "b"]))
    with pytest.raises(InputError, match="window"):
        E.rolling_mean(p, 0)
    with pytest.raises(InputError, match="min_periods"):
        E.rolling_mean(p, 2, 3)


def test_save_and_load_roundtrip(tmp_path: Path) -> None:
    idx = pd.bdate_range("2024-01-01", periods=3)
    p = E.Panel.from_wide(pd.DataFrame({"A": [1.0, np.nan, 3.0]}, index=idx), name="close")
    E.save_panel(p, tmp_path / "cache" / "closes")
    q = E.load_panel(tmp_path / "cache" / "closes.npy")
    _same(q.values, p.values)
    assert q.dates.equals(p.dates)
    assert list(q.tickers) == ["A"]
    assert q.name == "close"
    assert E.load_panel(tmp_path / "cache" / "closes", mmap=True).shape == (3, 1)
    with pytest.raises(DataNotFound):
        E.load_panel(tmp_path / "nothing")


def test_numpy_fallback_agrees_and_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    x = _panel(7, 120, 5, 0.1)
    mkt = _panel(8, 120, 1, 0.0)[:, 0]
    monkeypatch.setenv("CAPSIZE_NUMBA_MIN_CELLS", "0")  # numba even for this small panel
    fast = {
        "mean": E.rolling_mean(x, 20, 10),
        "std": E.rolling_std(x, 20, 10),
        "max": E.rolling_max(x, 20, 10),
        "vol": E.rolling_volatility(x, 20, 10),
        "beta": E.rolling_beta(x, mkt, 30, 20),
        "above": E.pct_above_average(x, 20, 10).to_numpy(),
        "hl": E.new_highs_lows(x, 20, 10).to_numpy(),
    }
    E._compiled.cache_clear()
    monkeypatch.setenv("CAPSIZE_NO_NUMBA", "1")
    try:
        with pytest.warns(PerformanceWarning, match="CAPSIZE_NO_NUMBA"):
            assert not E.using_numba()
        slow = {
            "mean": E.rolling_mean(x, 20, 10),
            "std": E.rolling_std(x, 20, 10),
            "max": E.rolling_max(x, 20, 10),
            "vol": E.rolling_volatility(x, 20, 10),
            "beta": E.rolling_beta(x, mkt, 30, 20),
            "above": E.pct_above_average(x, 20, 10).to_numpy(),
            "hl": E.new_highs_lows(x, 20, 10).to_numpy(),
        }
    finally:
        E._compiled.cache_clear()
    for key, value in fast.items():
        _same(slow[key], value)


# --------------------------------------------------------------------------- real data


def _read_closes(folder: Path, tickers: list[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for t in tickers:
        with (folder / f"{t}.csv").open(newline="") as fh:
            out[t] = {
                row["date"]: float(row["close"]) for row in csv.DictReader(fh) if row["close"]
            }
    return out


def test_real_universe_slice_against_plain_python(shared_data: Path) -> None:
    folder = shared_data / "universe"
    tickers = sorted(p.stem for p in folder.glob("*.csv"))[:40]
    raw = _read_closes(folder, tickers)
    long = pd.DataFrame(
        [(d, t, v) for t, series in raw.items() for d, v in series.items()],
        columns=["date", "ticker", "close"],
    )
    p = E.Panel.from_long(long, "date", "ticker", "close")
    cal = [d.strftime("%Y-%m-%d") for d in p.dates]
    t_idx = len(cal) - 1
    window = cal[t_idx - 49 : t_idx + 1]
    above = covered = 0
    for t in tickers:
        vals = [raw[t][d] for d in window if d in raw[t]]
        today = raw[t].get(cal[t_idx])
        if today is None or len(vals) < 50:
            continue
        covered += 1
        above += today > sum(vals) / len(vals)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = E.pct_above_average(p, 50)
    assert res["covered"].iloc[-1] == covered
    assert res["above"].iloc[-1] == above
    ref = p.to_frame().rolling(50).mean()
    _same(E.rolling_mean(p, 50).values, ref)


def test_small_panels_use_numpy_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    x = _panel(7, 120, 5, 0.1)
    monkeypatch.delenv("CAPSIZE_NUMBA_MIN_CELLS", raising=False)
    assert E.numba_min_cells() == E.NUMBA_MIN_CELLS > x.size
    small = E.rolling_mean(x, 20, 10)
    monkeypatch.setenv("CAPSIZE_NUMBA_MIN_CELLS", "0")
    _same(small, E.rolling_mean(x, 20, 10))
    monkeypatch.setenv("CAPSIZE_NUMBA_MIN_CELLS", "lots")
    with pytest.raises(InputError, match="CAPSIZE_NUMBA_MIN_CELLS"):
        E.rolling_mean(x, 20, 10)
