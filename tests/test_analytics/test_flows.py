"""Tests of capsize.analytics.flows on the real shares-outstanding files and hand-built cases."""

from __future__ import annotations

import csv
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capsize.analytics.flows import (
    DEFAULT_SEGMENTS,
    daily_flows,
    flow_records,
    fund_status,
    resolve_segments,
    segment_flows,
    ytd_flows,
)
from capsize.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

COUNTRY = "EWJ_EWY_EWZ_shares_outstanding_ishares_yuhancai3.csv"


@pytest.fixture(scope="module")
def country_shares(shared_data: Path) -> pd.DataFrame:
    f = pd.read_csv(shared_data / "flows" / COUNTRY)
    return f.rename(columns={"ticker": "fund"}).assign(source="ishares (yuhancai3)")


@pytest.fixture(scope="module")
def iwm_shares(shared_data: Path) -> pd.DataFrame:
    f = pd.read_csv(shared_data / "flows" / "IWM_shares_outstanding_ishares_snapshots.csv")
    return f.rename(columns={"ticker": "fund"}).assign(nav=np.nan, source="ishares holdings header")


def _oracle(
    path: Path, max_gap: int = 5, stale_run: int = 10
) -> dict[tuple[str, str], float | None]:
    """Plain-Python re-implementation of the stated rules: (fund, date) -> flow or None."""
    import datetime as dt

    by_fund: dict[str, list[tuple[str, float, float | None]]] = {}
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            nav = float(r["nav"]) if r["nav"].strip() else None
            by_fund.setdefault(r["ticker"], []).append(
                (r["date"], float(r["shares_outstanding"]), nav)
            )
    out: dict[tuple[str, str], float | None] = {}
    for fund, rows in by_fund.items():
        rows.sort()
        n = len(rows)
        # run lengths of identical share counts
        run_len = [0] * n
        i = 0
        while i < n:
            j = i
            while j + 1 < n and rows[j + 1][1] == rows[i][1]:
                j += 1
            for k in range(i, j + 1):
                run_len[k] = j - i + 1
            i = j + 1
        for k in range(n):
            date, so, nav = rows[k]
            if k == 0 or run_len[k] >= stale_run or run_len[k - 1] >= stale_run:
                out[(fund, date)] = None
                continue
            d0 = dt.date.fromisoformat(rows[k - 1][0])
            if (dt.date.fromisoformat(date) - d0).days > max_gap or nav is None:
                out[(fund, date)] = None
                continue
            out[(fund, date)] = (so - rows[k - 1][1]) * nav
    return out


def test_real_country_flows_match_hand_computation(country_shares, shared_data):
    got = daily_flows(country_shares)
    oracle = _oracle(shared_data / "flows" / COUNTRY)
    assert len(got) == len(oracle) == 630
    used = 0
    for r in got.itertuples():
        exp = oracle[(r.fund, r.date.strftime("%Y-%m-%d"))]
        if exp is None:
            assert math.isnan(r.flow), (r.fund, r.date, r.flag)
        else:
            used += 1
            assert r.flow == pytest.approx(exp, rel=1e-12, abs=1e-6)
            assert r.price_kind == "nav"
    assert used > 20  # the March-April 2026 rows that carry a NAV


def test_real_country_flags(country_shares):
    got = daily_flows(country_shares)
    ewz = got[got["fund"] == "EWZ"].set_index("date")
    # EWZ has a 35-day run of one share count: flagged stale, never summed
    assert (ewz["flag"] == "stale").sum() >= 35
    assert ewz.loc[ewz["flag"] == "stale", "flow"].isna().all()
    # before March 2026 the file has no NAV: no dollar flow, but the share change is kept
    early = got[(got["date"] < "2026-03-01") & (got["flag"] == "no_price")]
    assert not early.empty
    assert early["d_shares"].notna().all()
    assert early["flow"].isna().all()


def test_iwm_snapshots_gap_is_not_a_flow(iwm_shares):
    got = daily_flows(iwm_shares)
    assert list(got["flag"]) == ["first", "gap", "gap"]
    assert got["flow"].isna().all()
    # the 22.3M-share drop over six months is reported as a change, not a flow
    assert got["d_shares"].iloc[1] == -22_300_000
    seg = segment_flows(got, {"small": ["IWM", "IJR"]})
    assert math.isnan(seg.loc["small", "flow"])
    assert seg.loc["small", "funds_no_data"] == "IJR"


def test_iwm_snapshot_with_close_when_gap_allowed(iwm_shares, shared_data):
    raw = pd.read_csv(shared_data / "prices" / "raw" / "IWM_raw_jm.csv", parse_dates=["date"])
    prices = raw.set_index("date")[["close"]].rename(columns={"close": "IWM"})
    with (shared_data / "prices" / "raw" / "IWM_raw_jm.csv").open(newline="") as fh:
        close_0505 = next(
            float(r["close"]) for r in csv.DictReader(fh) if r["date"] == "2026-05-05"
        )
    got = daily_flows(iwm_shares, prices, max_gap_days=400)
    last = got.iloc[-1]
    assert last["flag"] == ""
    assert last["price_kind"] == "close"
    assert last["flow"] == pytest.approx((278_750_000 - 281_300_000) * close_0505)
    # 2025-11-05 falls in the raw-close gap of the shared data: no price, no flow
    assert got.iloc[1]["flag"] == "no_price"


def _frame(rows, source="s1"):
    return pd.DataFrame(
        [
            {"date": d, "fund": f, "shares_outstanding": so, "nav": nav, "source": source}
            for d, f, so, nav in rows
        ]
    )


def test_gap_and_stale_hand_built():
    rows = [
        ("2024-01-02", "IWM", 100.0, 10.0),
        ("2024-01-03", "IWM", 110.0, 10.0),  # +10 * 10 = 100
        ("2024-02-20", "IWM", 500.0, 10.0),  # 48-day hole: gap
        ("2024-02-21", "IWM", 490.0, 11.0),  # -10 * 11 = -110
    ]
    rows += [(f"2024-03-{d:02d}", "IWM", 495.0, 11.0) for d in range(1, 13)]  # 12 identical: stale
    rows += [("2024-03-13", "IWM", 900.0, 11.0)]  # ends the stale run: excluded
    rows += [("2024-03-14", "IWM", 905.0, 12.0)]  # +5 * 12 = 60
    got = daily_flows(_frame(rows))
    assert list(got["flag"][:4]) == ["first", "", "gap", ""]
    assert got["flag"].iloc[-2] == "after_stale"
    # the whole run is stale, including its first row (whose change may be real: excluded anyway)
    assert (got["flag"] == "stale").sum() == 12
    assert got["flow"].sum() == pytest.approx(100 - 110 + 60)


def test_one_source_per_fund():
    a = _frame([("2024-01-02", "IJR", 100.0, 1.0), ("2024-01-03", "IJR", 101.0, 1.0)], "issuer")
    b = _frame(
        [
            ("2024-01-02", "IJR", 100.0, 1.0),
            ("2024-01-03", "IJR", 150.0, 1.0),
            ("2024-01-04", "IJR", 1, 1),
        ],
        "other",
    )
    got = daily_flows(pd.concat([a, b]), prefer=["issuer"])
    assert set(got["source"]) == {"issuer"}
    assert got.attrs["dropped_sources"] == {"IJR": ["other"]}
    assert got["flow"].sum() == pytest.approx(1.0)
    default = daily_flows(pd.concat([a, b]))
    assert set(default["source"]) == {"other"}  # most rows wins without a preference


def test_dated_files_of_one_feed_are_one_source():
    a = _frame([("2024-01-02", "IWM", 100.0, 1.0)], "holdings/IWM_holdings_2024-01-02.csv")
    b = _frame([("2024-01-03", "IWM", 104.0, 1.0)], "holdings/IWM_holdings_2024-01-03.csv")
    c = _frame([("2024-01-03", "IWM", 900.0, 1.0)], "other feed")
    got = daily_flows(pd.concat([a, b, c]))
    assert list(got["source"]) == [
        "holdings/IWM_holdings_2024-01-02.csv",
        "holdings/IWM_holdings_2024-01-03.csv",
    ]
    assert got["flow"].sum() == pytest.approx(4.0)
    assert got.attrs["dropped_sources"] == {"IWM": ["other feed"]}


def test_fund_status_lists_no_data():
    got = daily_flows(_frame([("2024-01-02", "IWM", 100.0, 1.0), ("2024-01-03", "IWM", 90.0, 1.0)]))
    st_ = fund_status(got, ["IWM", "VB"])
    assert st_.loc["IWM", "status"] == "ok"
    assert st_.loc["VB", "status"] == "no data"
    assert st_.loc["VB", "rows"] == 0


def test_segments_ytd_records():
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2023-01-02", "2024-12-31")
    rows = []
    for fund, base in (("IWM", 1e6), ("SPY", 5e6)):
        so = base + np.cumsum(rng.integers(-1000, 1000, len(days)))
        rows += [(d, fund, float(s), 100.0) for d, s in zip(days, so, strict=True)]
    flows = daily_flows(_frame(rows), stale_run=50)
    segs = resolve_segments()
    seg = segment_flows(flows, segs, start="2024-01-01", end="2024-12-31")
    exp_small = flows[(flows["fund"] == "IWM") & (flows["date"] >= "2024-01-01")]["flow"].sum()
    assert seg.loc["small", "flow"] == pytest.approx(exp_small)
    first_2024 = flows[(flows["fund"] == "IWM") & (flows["date"] >= "2024-01-01")].iloc[0]
    assert seg.loc["small", "assets_start"] == pytest.approx(
        first_2024["shares_outstanding"] * 100.0
    )
    assert seg.loc["small", "flow_pct_assets"] == pytest.approx(
        exp_small / seg.loc["small", "assets_start"]
    )
    assert "IJR" in seg.loc["small", "funds_no_data"]
    ytd = ytd_flows(flows, segs, 2024)
    assert ytd["small"].iloc[-1] == pytest.approx(exp_small)
    assert ytd["micro"].isna().all()
    rec = flow_records(flows, segments={"small": ["IWM"]}, period="M")
    t = rec.table.loc["small"]
    monthly = (
        flows[flows["fund"] == "IWM"].set_index("date")["flow"].resample("ME").sum(min_count=1)
    )
    assert t["max_inflow"] == pytest.approx(monthly.max())
    assert t["history_years"] == pytest.approx(2.0, abs=0.02)
    assert "not all-time" in rec.statement
    assert "small: 2.0 years" in rec.statement


def test_default_segments_follow_project_segments():
    from capsize.segments import DEFAULT_SEGMENTS as PROJECT

    for seg in PROJECT.segments:
        etfs = [p.symbol for p in seg.proxies if p.kind == "etf"]
        assert set(etfs) <= set(DEFAULT_SEGMENTS[seg.key]), seg.key
    assert "^RUT" not in DEFAULT_SEGMENTS["small"]


def test_segments_from_config():
    segs = resolve_segments({"small": ["iwm"], "country": ["EWJ"]})
    assert segs["small"] == ("IWM",)
    assert segs["large"] == DEFAULT_SEGMENTS["large"]
    assert segs["country"] == ("EWJ",)
    with pytest.raises(InputError, match="segment 'small'"):
        resolve_segments({"small": "IWM"})
    # the project-wide [segments] table form
    table = resolve_segments({"small": {"proxies": ["IWM", "^RUT"], "max_cap": 3e9}})
    assert table["small"] == ("IWM", "VTWO", "SCHA")
    assert resolve_segments({"mid": {"label": "Mid"}})["mid"] == DEFAULT_SEGMENTS["mid"]


def test_bad_input_names_argument():
    with pytest.raises(InputError, match="missing columns"):
        daily_flows(pd.DataFrame({"date": [], "fund": []}))
    with pytest.raises(InputError, match="max_gap_days"):
        daily_flows(_frame([("2024-01-02", "IWM", 1.0, 1.0)]), max_gap_days=0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=40), min_size=3, max_size=30),
    st.lists(st.integers(min_value=-500, max_value=500), min_size=3, max_size=30),
)
def test_no_flagged_row_ever_counts(steps, changes):
    n = min(len(steps), len(changes))
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.cumsum(steps[:n]), unit="D")
    so = 10_000 + np.cumsum(changes[:n])
    frame = _frame([(d, "X", float(s), 2.0) for d, s in zip(dates, so, strict=True)])
    got = daily_flows(frame, stale_run=3)
    assert got.loc[got["flag"] != "", "flow"].isna().all()
    ok = got[got["flag"] == ""]
    assert (ok["days"] <= 5).all()
    np.testing.assert_allclose(ok["flow"], ok["d_shares"] * 2.0)


def test_shares_recorded_from_real_ishares_files(shared_data, fixtures_dir):
    """The issuer files as capsize records them: one row per downloaded holdings file."""
    from capsize.data.providers.ishares import parse_ishares_holdings

    files = sorted((shared_data / "holdings").glob("IWM_holdings_*.csv"))
    files.append(fixtures_dir / "ishares" / "IWC_holdings_2026-01-20.csv")
    rows = []
    for f in files:
        _, meta = parse_ishares_holdings(f.read_bytes(), name=f.name)
        fund = f.name.split("_")[0]
        rows.append((meta["as_of"].isoformat(), fund, meta["shares_outstanding"], np.nan))
    shares = pd.DataFrame(
        [
            {
                "date": d,
                "fund": fu,
                "shares_outstanding": so,
                "nav": nav,
                "source": "ishares holdings",
            }
            for d, fu, so, nav in rows
        ]
    )
    # the preamble's "Shares Outstanding" equals the hand-transcribed snapshot file
    with (shared_data / "flows" / "IWM_shares_outstanding_ishares_snapshots.csv").open() as fh:
        expected = {r["date"]: float(r["shares_outstanding"]) for r in csv.DictReader(fh)}
    got_iwm = shares[shares["fund"] == "IWM"].set_index("date")["shares_outstanding"].to_dict()
    assert got_iwm == expected
    flows = daily_flows(shares)
    assert flows.loc[flows["fund"] == "IWC", "flag"].tolist() == ["first"]
    assert flows["flow"].isna().all()
    status = fund_status(flows, ["IWM", "IWC", "IJR"])
    assert status["status"].tolist() == ["no usable rows", "no usable rows", "no data"]


def test_nport_monthly_flows_aggregate_by_segment(fixtures_dir):
    """Monthly N-PORT flows go through the same aggregation (real filings, regex oracle)."""
    import re

    from capsize.data.providers.nport import parse_nport

    folder = fixtures_dir / "sec" / "nport"
    frames, expected_total, expected_assets = [], 0.0, 0.0
    for i, f in enumerate(sorted(folder.glob("*.xml"))):
        text = f.read_text(encoding="utf-8")
        filing = parse_nport(text)
        frames.append(filing.flows.assign(fund=f"F{i}", net_assets=filing.net_assets))
        for attrs in re.findall(r"<mon\dFlow ([^>]*)/>", text):
            a = {k: float(v) for k, v in re.findall(r'(\w+)="([^"]*)"', attrs)}
            expected_total += a["sales"] + a["reinvestment"] - abs(a["redemption"])
        net = re.search(r"<netAssets>([^<]+)<", text)
        assert net is not None
        expected_assets += float(net.group(1))
    monthly = pd.concat(frames, ignore_index=True)
    seg = segment_flows(monthly, {"bond funds": ["F0", "F1"]})
    assert seg.loc["bond funds", "flow"] == pytest.approx(expected_total)
    assert seg.loc["bond funds", "usable_rows"] == 6
    assert seg.loc["bond funds", "assets_start"] == pytest.approx(expected_assets)
    rec = flow_records(monthly, period="M")
    assert set(rec.table.index) == {"F0", "F1"}
    # F0 (AST bond fund) only had net redemptions: no record inflow to report
    ast = rec.table.loc["F0"]
    assert math.isnan(ast["max_inflow"])
    assert ast["max_outflow"] < 0
    assert "0.2 years" in rec.statement


def test_empty_history_gives_stated_results():
    empty = pd.DataFrame(
        {"date": pd.to_datetime([]), "fund": [], "shares_outstanding": [], "nav": [], "source": []}
    )
    got = daily_flows(empty)
    assert got.empty
    assert list(got.columns)[:3] == ["date", "fund", "shares_outstanding"]
    assert fund_status(got, ["IWM"]).loc["IWM", "status"] == "no data"
    assert segment_flows(got, {"small": ["IWM"]})["flow"].isna().all()
    assert "none" in flow_records(got).statement


def test_month_end_series_give_month_over_month_flows(shared_data):
    """IVV's month-end shares: each change between consecutive month ends is that month's flow."""
    path = shared_data / "flows" / "IVV_month_end_shares_nav_ishares.csv"
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    frame = _frame(
        [(r["date"], r["ticker"], float(r["shares_outstanding"]), float(r["nav"])) for r in rows]
    )
    got = daily_flows(frame)
    assert set(got["period"]) == {"M"}
    assert got["flag"].tolist() == ["first"] + [""] * (len(rows) - 1)
    for prev, cur, flow in zip(rows[:-1], rows[1:], got["flow"].iloc[1:], strict=True):
        d = float(cur["shares_outstanding"]) - float(prev["shares_outstanding"])
        assert flow == pytest.approx(d * float(cur["nav"]), rel=1e-12)
    # a missing month is a gap, never one month's flow; month_end=False: all gaps
    holed = daily_flows(frame.drop(index=5))
    assert holed["flag"].iloc[5] == "gap"
    assert set(daily_flows(frame, month_end=False)["flag"].iloc[1:]) == {"gap"}


def test_spike_and_its_reversal_are_left_out():
    days = pd.bdate_range("2024-01-02", periods=6)
    so = [100.0, 101.0, 200.0, 101.0, 102.0, 102.0]
    got = daily_flows(_frame([(d, "X", s, 1.0) for d, s in zip(days, so, strict=True)]))
    assert got["flag"].tolist() == ["first", "", "spike", "spike", "", ""]
    assert got["flow"].sum() == pytest.approx(2.0)
    # a small change undone next day (a heartbeat) is a real flow pair
    small = daily_flows(
        _frame(
            [(d, "X", s, 1.0) for d, s in zip(days, [100, 101, 110, 101, 102, 103], strict=True)]
        )
    )
    assert (small["flag"].iloc[1:] == "").all()


def test_record_month_is_never_dated_after_the_data():
    days = pd.bdate_range("2024-01-02", "2024-02-14")
    so = 1000.0 + np.arange(len(days))
    flows = daily_flows(_frame([(d, "X", s, 1.0) for d, s in zip(days, so, strict=True)]))
    rec = flow_records(flows, period="M")
    assert rec.table.loc["X", "latest_date"] == pd.Timestamp("2024-02-14")
    assert rec.table.loc["X", "max_inflow_date"] == pd.Timestamp("2024-01-31")
