"""Performance analytics against independent plain-Python computations on the real CSVs.

Expected values are computed with the ``csv`` module only (no pandas); capsize
gets pandas Series read from the same files. Agreement to 1e-10.
"""

from __future__ import annotations

import csv
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from capsize.analytics import performance as perf
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from pathlib import Path

TOL = 1e-10


# --------------------------------------------------------------------------- plain-Python side


def read_rows(path: Path) -> list[tuple[str, dict[str, float | None]]]:
    out = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            vals = {
                k: (float(v) if v not in ("", None) else None)
                for k, v in row.items()
                if k != "date"
            }
            out.append((row["date"], vals))
    return out


def closes(rows, field="close"):
    return [(d, v[field]) for d, v in rows if v.get(field) is not None]


def last_on_or_before(pairs, day: str):
    found = None
    for d, c in pairs:
        if d <= day:
            found = (d, c)
        else:
            break
    return found


def py_return(pairs, start: str, end: str):
    b = last_on_or_before(pairs, start)
    e = last_on_or_before(pairs, end)
    return e[1] / b[1] - 1.0, b[0], e[0]


def to_series(pairs, name):
    return pd.Series(
        [c for _, c in pairs], index=pd.DatetimeIndex([d for d, _ in pairs]), name=name
    )


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def prices(shared_data: Path):
    out = {}
    for sym, fname in [
        ("IWM", "IWM.csv"),
        ("SPY", "SPY.csv"),
        ("IWC", "IWC.csv"),
        ("QQQ", "QQQ.csv"),
        ("^RUT", "RUT.csv"),
        ("BTC-USD", "BTC-USD.csv"),
    ]:
        out[sym] = read_rows(shared_data / "prices" / fname)
    return out


@pytest.fixture(scope="module")
def raw_iwm(shared_data: Path):
    taa = read_rows(shared_data / "prices" / "raw" / "IWM_raw_taa.csv")
    jm = read_rows(shared_data / "prices" / "raw" / "IWM_raw_jm.csv")
    last_taa = taa[-1][0]
    return taa + [r for r in jm if r[0] > last_taa]


def ser(prices, sym, field="close"):
    return to_series(closes(prices[sym], field), sym)


# --------------------------------------------------------------------------- windows on real data


@pytest.mark.parametrize("sym", ["IWM", "SPY", "IWC"])
def test_ytd_as_of_2025_10_08(prices, sym):
    pairs = closes(prices[sym])
    exp, bd, ed = py_return(pairs, "2024-12-31", "2025-10-08")
    pair = perf.window_return(perf.ytd("2025-10-08"), adjusted=ser(prices, sym), symbol=sym)
    r = pair.total
    assert r.ok
    assert abs(r.value - exp) < TOL
    assert (
        (str(r.base_date.date()), str(r.end_date.date()))
        == (bd, ed)
        == ("2024-12-31", "2025-10-08")
    )
    assert r.stale_days == 0
    assert not pair.price.ok
    assert "no price-return series" in pair.price.reason


@pytest.mark.parametrize("sym", ["IWM", "SPY", "QQQ", "IWC"])
def test_since_2020_03_23(prices, sym):
    pairs = closes(prices[sym])
    exp, bd, ed = py_return(pairs, "2020-03-23", "9999-12-31")
    r = perf.series_return(ser(prices, sym), perf.since("2020-03-23"))
    assert abs(r.value - exp) < TOL
    assert str(r.base_date.date()) == bd == "2020-03-23"
    assert str(r.end_date.date()) == ed
    n = sum(1 for d, _ in pairs if bd < d <= ed)
    assert r.n_days == n
    days = (pd.Timestamp(ed) - pd.Timestamp(bd)).days
    assert abs(r.annualised - ((1 + exp) ** (365.25 / days) - 1)) < TOL


@pytest.mark.parametrize("sym", ["IWM", "SPY"])
def test_calendar_years_2001_2025(prices, sym):
    pairs = closes(prices[sym])
    s = ser(prices, sym)
    for year in range(2001, 2026):
        exp, bd, ed = py_return(pairs, f"{year - 1}-12-31", f"{year}-12-31")
        r = perf.series_return(s, perf.calendar_year(year))
        assert abs(r.value - exp) < TOL, year
        assert str(r.base_date.date()) == bd
        assert str(r.end_date.date()) == ed


def test_quarter_mtd_qtd_trailing(prices):
    pairs = closes(prices["IWM"])
    s = ser(prices, "IWM")
    cases = [
        (perf.quarter(2025, 3), "2025-06-30", "2025-09-30"),
        (perf.mtd("2025-10-08"), "2025-09-30", "2025-10-08"),
        (perf.qtd("2025-11-14"), "2025-09-30", "2025-11-14"),
        (perf.trailing("1Y", "2025-10-08"), "2024-10-08", "2025-10-08"),
        (perf.between("2022-01-03", "2023-06-30"), "2022-01-03", "2023-06-30"),
    ]
    for w, start, end in cases:
        exp, _, _ = py_return(pairs, start, end)
        assert abs(perf.series_return(s, w).value - exp) < TOL, w.label


def test_trough_to_date(prices):
    pairs = [(d, c) for d, c in closes(prices["IWM"]) if "2025-01-01" <= d <= "2025-10-08"]
    low_d, low_c = min(pairs, key=lambda p: (p[1], p[0]))
    end_c = pairs[-1][1]
    r = perf.series_return(ser(prices, "IWM"), perf.trough_to_date("2025-01-01", "2025-10-08"))
    assert str(r.base_date.date()) == low_d
    assert abs(r.value - (end_c / low_c - 1)) < TOL


def test_price_return_from_raw_and_total_side_by_side(prices, raw_iwm):
    raw = to_series(closes(raw_iwm), "IWM")
    adj = ser(prices, "IWM")
    # raw (TAA) covers 2025 up to 2025-09-26
    exp_p, _, _ = py_return(closes(raw_iwm), "2024-12-31", "2025-09-26")
    exp_t, _, _ = py_return(closes(prices["IWM"]), "2024-12-31", "2025-09-26")
    pair = perf.window_return(perf.ytd("2025-09-26"), adjusted=adj, raw=raw)
    assert abs(pair.price.value - exp_p) < TOL
    assert abs(pair.total.value - exp_t) < TOL
    assert pair.total.value > pair.price.value  # dividends were paid
    assert abs(pair.dividend_contribution - (exp_t - exp_p)) < TOL
    # 2025-10-08 falls in the raw gap (2025-09-29..2026-03-19): price is n/a, never the total
    pair = perf.window_return(perf.ytd("2025-10-08"), adjusted=adj, raw=raw)
    assert pair.total.ok
    assert not pair.price.ok
    assert math.isnan(pair.price.value)
    assert "2025-09-26" in pair.price.reason
    assert "12 days" in pair.price.reason


def test_performance_table_cli_windows(prices, raw_iwm):
    adj = pd.DataFrame({s: ser(prices, s) for s in ["IWM", "SPY", "IWC"]})
    raw = pd.DataFrame({"IWM": to_series(closes(raw_iwm), "IWM")})
    table = perf.performance_table(adj, raw, [perf.ytd("2025-10-08")], as_of="2025-10-08")
    assert list(table["symbol"]) == ["IWM", "SPY", "IWC"]
    for _, row in table.iterrows():
        exp, _, _ = py_return(closes(prices[row["symbol"]]), "2024-12-31", "2025-10-08")
        assert abs(row["total_return"] - exp) < TOL
        assert math.isnan(row["price_return"])
        assert isinstance(row["price_reason"], str)
        assert row["price_reason"]
    assert "base = last close on or before" in table.attrs["convention"]
    with pytest.raises(DataNotFound, match="NOPE"):
        perf.performance_table(adj, None, [perf.ytd("2025-10-08")], symbols=["IWM", "NOPE"])


def test_index_level_has_no_total_return(prices):
    rut = ser(prices, "^RUT")
    table = perf.performance_table(None, pd.DataFrame({"^RUT": rut}), [perf.ytd("2025-10-08")])
    row = table.iloc[0]
    exp, _, _ = py_return(closes(prices["^RUT"]), "2024-12-31", "2025-10-08")
    assert abs(row["price_return"] - exp) < TOL
    assert math.isnan(row["total_return"])
    assert "no total-return series" in row["total_reason"]


def test_crypto_alignment(prices):
    btc, spy = ser(prices, "BTC-USD"), ser(prices, "SPY")
    w = perf.ytd("2025-10-05")  # a Sunday
    own = perf.performance_table(pd.DataFrame({"BTC-USD": btc, "SPY": spy}), None, [w])
    inter = perf.performance_table(
        pd.DataFrame({"BTC-USD": btc, "SPY": spy}), None, [w], align="intersection"
    )
    ends_own = dict(zip(own["symbol"], own["end_date"].dt.strftime("%Y-%m-%d"), strict=True))
    ends_int = dict(zip(inter["symbol"], inter["end_date"].dt.strftime("%Y-%m-%d"), strict=True))
    assert ends_own == {"BTC-USD": "2025-10-05", "SPY": "2025-10-03"}
    assert ends_int == {"BTC-USD": "2025-10-03", "SPY": "2025-10-03"}
    spy_dates = {d for d, _ in closes(prices["SPY"])}
    btc_on_spy = [(d, c) for d, c in closes(prices["BTC-USD"]) if d in spy_dates]
    exp, _, _ = py_return(btc_on_spy, "2024-12-31", "2025-10-05")
    assert abs(inter.set_index("symbol").loc["BTC-USD", "total_return"] - exp) < TOL


# --------------------------------------------------------------------------- leadership


def test_calendar_year_table_iwm_vs_spy_and_streaks(prices):
    iwm, spy = closes(prices["IWM"]), closes(prices["SPY"])
    table = perf.calendar_year_table(ser(prices, "IWM"), ser(prices, "SPY"))
    # independent: full years are those where IWM has a close in the previous year and
    # the year-end is reached (2026 is incomplete: data ends 2026-08-21)
    first_year = int(iwm[0][0][:4])
    exp_full = list(range(first_year + 1, 2026))
    full = table[table["status"] == "full"]
    assert list(full.index) == exp_full
    assert set(table[table["status"] == "partial"].index) == {first_year, 2026}
    winners = []
    for y in exp_full:
        a, _, _ = py_return(iwm, f"{y - 1}-12-31", f"{y}-12-31")
        b, _, _ = py_return(spy, f"{y - 1}-12-31", f"{y}-12-31")
        assert abs(full.loc[y, "IWM"] - a) < TOL
        assert abs(full.loc[y, "SPY"] - b) < TOL
        winners.append("IWM" if a > b else "SPY")
    assert list(full["winner"]) == winners
    # partial 2026: common period from the last 2025 close to the last common close
    a26, _, _ = py_return(iwm, "2025-12-31", "2026-08-21")
    assert abs(table.loc[2026, "IWM"] - a26) < TOL
    # streaks, independently
    runs = []
    for y, w in zip(exp_full, winners, strict=True):
        if runs and runs[-1][0] == w:
            runs[-1][1] += 1
        else:
            runs.append([w, 1, y])
    st = perf.streaks(table)
    assert [(r.leader, r.length, r.start_year) for r in st.runs] == [tuple(r) for r in runs]
    assert st.current.leader == runs[-1][0]
    assert st.current.length == runs[-1][1]
    for who in ("IWM", "SPY"):
        best = max((r for r in runs if r[0] == who), key=lambda r: (r[1], -r[2]))
        assert st.longest[who].length == best[1]
        assert st.longest[who].start_year == best[2]
    assert sum(r.length for r in st.runs) == st.years_counted == len(exp_full)


def test_relative_strength_and_outperformance(prices):
    iwm, spy = dict(closes(prices["IWM"])), dict(closes(prices["SPY"]))
    rs = perf.relative_strength(ser(prices, "IWM"), ser(prices, "SPY"), base_date="2024-12-31")
    common = sorted(set(iwm) & set(spy))
    base = iwm["2024-12-31"] / spy["2024-12-31"]
    for d in ("2020-03-23", "2025-10-08", common[-1]):
        assert abs(rs[d] - (iwm[d] / spy[d]) / base) < TOL
    ro = perf.rolling_outperformance(ser(prices, "IWM"), ser(prices, "SPY"), 252)
    d, d0 = common[-1], common[-253]
    exp = (iwm[d] / iwm[d0] - 1) - (spy[d] / spy[d0] - 1)
    assert abs(ro.iloc[-1] - exp) < TOL
    rr = perf.relative_return(ser(prices, "IWM"), ser(prices, "SPY"), perf.ytd("2025-10-08"))
    a, _, _ = py_return(closes(prices["IWM"]), "2024-12-31", "2025-10-08")
    b, _, _ = py_return(closes(prices["SPY"]), "2024-12-31", "2025-10-08")
    assert abs(rr.spread - (a - b)) < TOL
    assert abs(rr.relative - ((1 + a) / (1 + b) - 1)) < TOL


# --------------------------------------------------------------------------- highs, drawdowns


def test_highs_rut(prices):
    rows = prices["^RUT"]
    c = closes(rows)
    h = [(d, v["high"]) for d, v in rows if v["high"] is not None]
    as_of = "2025-10-08"
    c_to = [p for p in c if p[0] <= as_of]
    h_to = [p for p in h if p[0] <= as_of]
    last_d, last_c = c_to[-1]
    best = max(c_to, key=lambda p: (p[1], -int(p[0].replace("-", ""))))
    best_h = max(h_to, key=lambda p: (p[1], -int(p[0].replace("-", ""))))
    start52 = "2024-10-08"
    best52 = max(
        (p for p in c_to if p[0] > start52), key=lambda p: (p[1], -int(p[0].replace("-", "")))
    )
    res = perf.highs(ser(prices, "^RUT"), ser(prices, "^RUT", "high"), as_of=as_of)
    assert str(res.as_of_date.date()) == last_d
    assert res.all_time_close.value == best[1]
    assert str(res.all_time_close.date.date()) == best[0]
    assert abs(res.all_time_close.distance - (last_c / best[1] - 1)) < TOL
    assert res.all_time_intraday.value == best_h[1]
    assert str(res.all_time_intraday.date.date()) == best_h[0]
    assert res.week52_close.value == best52[1]
    assert res.all_time_close.trading_days_since == sum(1 for d, _ in c_to if d > best[0])
    assert (
        res.all_time_close.calendar_days_since
        == (pd.Timestamp(last_d) - pd.Timestamp(best[0])).days
    )


def test_highs_without_intraday(prices):
    res = perf.highs(ser(prices, "IWC"))
    assert not math.isnan(res.all_time_close.value)
    assert math.isnan(res.all_time_intraday.value)
    assert res.all_time_intraday.reason == "no intraday high series given"
    # IWC has an empty high column: passing it gives a clear reason too
    res2 = perf.highs(ser(prices, "IWC"), pd.Series(np.nan, index=ser(prices, "IWC").index))
    assert "no intraday highs in the data" in res2.week52_intraday.reason


@pytest.mark.parametrize("sym", ["IWM", "SPY", "IWC"])
def test_drawdowns(prices, sym):
    c = closes(prices[sym])
    peak_v, peak_d = -1.0, None
    worst = (0.0, None, None)
    for d, v in c:
        if v > peak_v:
            peak_v, peak_d = v, d
        dd = v / peak_v - 1
        if dd < worst[0]:
            worst = (dd, peak_d, d)
    rec = next((d for d, v in c if d > worst[2] and v >= dict(c)[worst[1]]), None)
    st = perf.drawdown_stats(ser(prices, sym))
    assert abs(st.max_drawdown - worst[0]) < TOL
    assert abs(perf.max_drawdown(ser(prices, sym)) - worst[0]) < TOL
    assert str(st.peak_date.date()) == worst[1]
    assert str(st.trough_date.date()) == worst[2]
    assert (None if st.recovery_date is None else str(st.recovery_date.date())) == rec
    assert abs(st.current_drawdown - (c[-1][1] / max(v for _, v in c) - 1)) < TOL


# --------------------------------------------------------------------------- edge cases


def _s(values, dates, name="X"):
    return pd.Series(values, index=pd.DatetimeIndex(dates), name=name, dtype=float)


def test_window_before_first_date(prices):
    r = perf.series_return(ser(prices, "IWC"), perf.since("2000-01-03"))
    assert not r.ok
    assert math.isnan(r.value)
    assert "starts 2005-08-16" in r.reason
    r = perf.series_return(ser(prices, "IWC"), perf.between("1999-01-04", "2000-01-03"))
    assert "after the window end" in r.reason


def test_window_starting_after_the_data():
    s = _s([100.0, 101.0], ["2025-01-02", "2025-01-03"])
    r = perf.series_return(s, perf.since("2025-06-30"))
    assert not r.ok
    assert "ends 2025-01-03, before the window start 2025-06-30" in r.reason


def test_start_after_end_raises():
    with pytest.raises(InputError, match="after end"):
        perf.between("2025-05-01", "2025-01-01")
    with pytest.raises(InputError, match="q must be"):
        perf.quarter(2025, 5)
    with pytest.raises(InputError, match="period must be"):
        perf.trailing("7Q", "2025-01-01")
    with pytest.raises(InputError, match="not a date"):
        perf.ytd("2025-13-45")


@pytest.mark.parametrize(
    ("as_of", "end", "stale"),
    [
        ("2025-10-11", "2025-10-10", 1),
        ("2025-07-04", "2025-07-03", 1),
        ("2025-12-28", "2025-12-26", 2),
    ],
)
def test_as_of_weekend_or_holiday(prices, as_of, end, stale):
    r = perf.series_return(ser(prices, "SPY"), perf.ytd(as_of))
    assert r.ok
    assert str(r.end_date.date()) == end
    assert r.stale
    assert r.stale_days == stale


def test_series_with_gap_and_stale_data():
    s = _s([100, 101, 150, 151], ["2025-01-02", "2025-01-03", "2025-03-03", "2025-03-04"])
    r = perf.series_return(s, perf.between("2025-01-02", "2025-03-04"))
    assert r.ok
    assert abs(r.value - 0.51) < TOL
    assert r.largest_gap_days == 59
    r = perf.series_return(s, perf.between("2025-01-02", "2025-02-14"))
    assert not r.ok
    assert "gap in the data" in r.reason
    r = perf.series_return(s, perf.between("2025-01-02", "2025-02-14"), max_stale_days=None)
    assert r.ok
    assert r.stale_days == 42
    r = perf.series_return(s, perf.since("2025-01-02", "2025-06-30"))
    assert not r.ok
    assert "no later close in the data given" in r.reason


def test_one_row_series():
    s = _s([100.0], ["2025-01-02"])
    r = perf.series_return(s, perf.since("2025-01-02"))
    assert r.ok
    assert r.value == 0.0
    assert r.n_days == 0
    assert perf.max_drawdown(s) == 0.0
    h = perf.highs(s)
    assert h.all_time_close.is_today
    assert not perf.series_return(s, perf.ytd("2025-06-30")).ok


def test_nan_policies():
    s = _s([100, np.nan, 110, 121], ["2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07"])
    w = perf.between("2025-01-03", "2025-01-07")
    assert abs(perf.series_return(s, w).value - 0.21) < TOL  # drop: base is 01-02
    with pytest.raises(InputError, match="NaN close on 2025-01-03"):
        perf.series_return(s, w, nan_policy="raise")
    r = perf.series_return(s, w, nan_policy="gap")
    assert not r.ok
    assert "NaN on 2025-01-03" in r.reason
    rets = perf.returns_from_closes(s, nan_policy="gap")
    assert rets.isna().tolist() == [True, True, True, False]
    rets = perf.returns_from_closes(s)
    assert abs(rets["2025-01-06"] - 0.1) < TOL
    assert len(rets) == 3


def test_bad_inputs():
    with pytest.raises(InputError, match="Series of closes"):
        perf.series_return([1.0, 2.0], perf.since("2025-01-01"))
    with pytest.raises(InputError, match="DatetimeIndex"):
        perf.series_return(pd.Series([1.0, 2.0]), perf.since("2025-01-01"))
    with pytest.raises(InputError, match="non-positive"):
        perf.series_return(_s([1.0, -2.0], ["2025-01-01", "2025-01-02"]), perf.since("2025-01-01"))
    with pytest.raises(InputError, match="duplicate dates"):
        perf.series_return(_s([1.0, 2.0], ["2025-01-01", "2025-01-01"]), perf.since("2025-01-01"))
    with pytest.raises(InputError, match="adjusted= or raw="):
        perf.window_return(perf.since("2025-01-01"))
    with pytest.raises(InputError, match="window must be a Window"):
        perf.series_return(_s([1.0], ["2025-01-01"]), "ytd")


def test_unsorted_input_gives_same_result(prices):
    s = ser(prices, "IWM")
    shuffled = s.sample(frac=1.0, random_state=0)
    w = perf.ytd("2025-10-08")
    assert repr(perf.series_return(shuffled, w)) == repr(perf.series_return(s, w))
    assert repr(perf.highs(shuffled)) == repr(perf.highs(s))
    assert repr(perf.drawdown_stats(shuffled)) == repr(perf.drawdown_stats(s))


# --------------------------------------------------------------------------- dividends


def _yf_adjust(raw: pd.Series, divs: pd.Series) -> pd.Series:
    """yfinance-style adjusted close from raw closes and cash dividends (independent loop)."""
    vals = raw.tolist()
    dates = list(raw.index)
    factor = [1.0] * len(vals)
    mult = 1.0
    for i in range(len(vals) - 1, 0, -1):
        factor[i] = mult
        d = float(divs.get(dates[i], 0.0))
        if d:
            mult *= 1 - d / vals[i - 1]
    factor[0] = mult
    return pd.Series([v * f for v, f in zip(vals, factor, strict=True)], index=raw.index)


def test_dividend_conversions_roundtrip():
    idx = pd.bdate_range("2024-01-02", periods=300)
    rng = np.random.default_rng(7)
    raw = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, 300)), index=idx, name="X")
    divs = pd.Series([0.5, 0.6, 0.55], index=idx[[60, 125, 250]])
    adj = _yf_adjust(raw, divs)
    assert np.allclose(perf.price_from_adjusted(adj, divs).to_numpy(), raw.to_numpy(), rtol=1e-12)
    tr = perf.total_from_raw(raw, divs, convention="yahoo")
    assert np.allclose((tr / tr.iloc[0]).to_numpy(), (adj / adj.iloc[0]).to_numpy(), rtol=1e-12)
    # CRSP convention, independently: (P_t + D_t) / P_{t-1} compounded
    crsp = perf.total_from_raw(raw, divs)
    level, vals = [raw.iloc[0]], raw.tolist()
    for i in range(1, len(vals)):
        level.append(level[-1] * (vals[i] + float(divs.get(idx[i], 0.0))) / vals[i - 1])
    assert np.allclose(crsp.to_numpy(), level, rtol=1e-12)
    w = perf.between(idx[10], idx[280])
    both = perf.window_return(w, adjusted=adj, raw=raw)
    from_raw = perf.window_return(w, raw=raw, dividends=divs)
    from_adj = perf.window_return(w, adjusted=adj, dividends=divs)
    exp = level[280] / level[10] - 1
    assert abs(from_raw.total.value - exp) < TOL
    assert abs(from_raw.total.value - both.total.value) < 1e-3  # conventions differ slightly
    assert abs(from_adj.price.value - both.price.value) < TOL
    assert from_raw.total.series == "raw close + dividends (CRSP convention)"
    assert from_adj.price.series == "adjusted close less dividends"
    with pytest.raises(InputError, match="no close"):
        perf.total_from_raw(raw, pd.Series([1.0], index=pd.DatetimeIndex(["2024-01-06"])))


# --------------------------------------------------------------------------- public surface


def test_public_names_and_doctests():
    import doctest
    import importlib

    assert perf.__all__ == sorted(perf.__all__)
    assert all(hasattr(perf, n) for n in perf.__all__)
    for name in (
        "capsize.analytics.performance",
        "capsize.analytics.performance._series",
        "capsize.analytics.performance._windows",
        "capsize.analytics.performance._returns",
        "capsize.analytics.performance._dividends",
        "capsize.analytics.performance._table",
        "capsize.analytics.performance._relative",
        "capsize.analytics.performance._highs",
    ):
        mod = importlib.import_module(name)
        result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
        assert result.attempted > 0, name


def test_trough_base_day_shared_by_price_and_total(prices, raw_iwm):
    adj = ser(prices, "IWM")
    raw = to_series(closes(raw_iwm), "IWM")
    w = perf.trough_to_date("2025-01-01", "2025-09-26")
    pair = perf.window_return(w, adjusted=adj, raw=raw)
    assert pair.total.ok
    assert pair.price.ok
    assert pair.price.base_date == pair.total.base_date
    assert pair.price.window is w
    low_d = min(
        ((d, c) for d, c in closes(prices["IWM"]) if "2025-01-01" <= d <= "2025-09-26"),
        key=lambda p: p[1],
    )[0]
    exp_p, _, _ = py_return(closes(raw_iwm), low_d, "2025-09-26")
    assert abs(pair.price.value - exp_p) < TOL
