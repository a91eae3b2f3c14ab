"""Report sections on internals (breadth, volume, flows) and the rates history tables.

Breadth figures are checked against plain pandas over the universe CSVs of the
members; flows against the shares-outstanding CSV; the regime table against a
plain-pandas month-end computation; all point in time.
"""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from capsize.data.store import Store
from capsize.report.context import ReportContext, build_context

DAY = "2025-06-26"


@pytest.fixture(scope="module")
def ctx_day(store: Store) -> ReportContext:
    return build_context(store, as_of=DAY)


@pytest.fixture(scope="module")
def ctx_latest(store: Store) -> ReportContext:
    return build_context(store)


def _members_on(shared_data: Path, day: str) -> list[str]:
    path = shared_data / "holdings" / "IWM_membership_history_major-index-etfs.csv"
    rows: dict[str, set[str]] = {}
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["snapshot_date"] <= day:
                t = r["ticker"].strip().upper()
                if t and t != "-":
                    rows.setdefault(r["snapshot_date"], set()).add(t)
    return sorted(rows[max(rows)])


@pytest.fixture(scope="module")
def member_closes(shared_data: Path) -> pd.DataFrame:
    """Closes of the members on DAY, one column per member with a universe CSV (plain pandas)."""
    cols = {}
    for t in _members_on(shared_data, DAY):
        path = shared_data / "universe" / f"{t}.csv"
        if not path.is_file():
            continue
        df = pd.read_csv(path, usecols=["date", "close"], parse_dates=["date"])
        s = df.set_index("date")["close"].dropna()
        s = s[(s.index <= pd.Timestamp(DAY)) & (s.index >= pd.Timestamp("2023-01-01"))]
        if len(s):
            cols[t] = s
    return pd.DataFrame(cols).sort_index()


def test_breadth_pct_above_50_day_matches_plain_pandas(ctx_day, member_closes) -> None:
    sec = ctx_day.section("breadth")
    assert sec.available, sec.reason
    last50 = member_closes.iloc[-50:]
    assert last50.index[-1] == pd.Timestamp(DAY)
    full = last50.notna().all()
    above = (last50.iloc[-1] > last50.mean())[full]
    assert sec.fig("covered_50").value == int(full.sum())
    assert math.isclose(float(sec.fig("pct_above_50").value), above.mean(), rel_tol=1e-12)
    assert sec.fig("pct_above_50").formatted == f"{above.mean():.0%}"
    # advancers / decliners: return from the previous session of the same calendar
    last2 = member_closes.iloc[-2:].dropna(axis=1)
    r = last2.iloc[1] / last2.iloc[0] - 1
    assert sec.fig("advancers").value == int((r > 0).sum())
    assert sec.fig("decliners").value == int((r < 0).sum())
    assert sec.fig("members").value == member_closes.shape[1]


def test_breadth_states_member_list_and_survivorship(ctx_day) -> None:
    sec = ctx_day.section("breadth")
    text = " ".join(sec.notes)
    assert "membership snapshot of 2025-06-26" in text
    assert "Survivorship bias" in text
    assert {c.id for c in sec.charts} == {"breadth_ad", "breadth_ew"}
    for f in sec.figures.values():
        assert f.provenance.window.endswith(DAY) or f.provenance.window == "2025-06-26", f


def test_breadth_uses_the_universe_last_date_not_the_report_day(ctx_latest) -> None:
    assert ctx_latest.day == "2026-08-21"
    sec = ctx_latest.section("breadth")
    assert sec.available, sec.reason
    assert sec.title.endswith("2026-07-31")
    assert any("prices end 2026-07-31" in n and "2026-08-21" in n for n in sec.notes)
    iwm = sec.fig("iwm.1M")
    assert iwm.provenance.window.endswith("..2026-07-31")  # IWM cut to the universe's dates
    ew = sec.charts[1]
    assert ew.series[0].x[-1] == ew.series[1].x[-1] == "2026-07-31"


def test_breadth_before_any_member_list_is_not_available(store: Store) -> None:
    early = build_context(store, as_of="2025-04-30")
    sec = early.section("breadth")
    assert not sec.available
    assert "member list" in sec.reason and "2025-04-30" in sec.reason
    first = build_context(store, as_of="2025-05-30")  # only the 2025-05-13 holdings file
    b = first.section("breadth")
    assert b.available, b.reason
    assert any("holdings file of 2025-05-13" in n for n in b.notes)


def test_volume_section_universe_coverage(ctx_day, ctx_latest, shared_data: Path) -> None:
    vol = ctx_day.section("volume")
    assert vol.available, vol.reason
    covered = vol.fig("universe.covered")
    assert covered is not None and 0 < int(covered.value) <= int(vol.fig("universe.members").value)
    # IWM 20-day average volume = plain mean of the CSV's last 20 volumes
    with (shared_data / "prices" / "IWM.csv").open(newline="") as fh:
        vols = [float(r["volume"]) for r in csv.DictReader(fh) if r["date"] <= DAY and r["volume"]]
    assert math.isclose(float(vol.fig("IWM.adv20").value), sum(vols[-20:]) / 20, rel_tol=1e-9)
    late = ctx_latest.section("volume")
    assert late.available
    assert late.fig("universe.covered") is None
    assert any("universe volume ends 2025-07-08" in n for n in late.notes)


def _iwm_flows(shared_data: Path) -> pd.Series:
    """Plain pandas: IWM's daily flow = change in shares outstanding x that day's NAV."""
    path = shared_data / "flows" / "IWM_daily_shares_nav_ishares_fund_history.csv"
    d = pd.read_csv(path, parse_dates=["date"]).set_index("date")
    return (d["shares_outstanding"].diff() * d["nav"]).dropna()


def test_flows_section_names_missing_data(ctx_latest, shared_data: Path) -> None:
    """The small segment now has IWM's daily history (the data changed: this test assumed none).

    Its windows and calendar years come from the flows query and equal plain pandas on the
    CSV; the segments without any share history are named once, in a sentence.
    """
    sec = ctx_latest.section("flows")
    assert sec.available, sec.reason
    notes = " ".join(sec.notes)
    assert notes.count("Not covered") == 1
    for fund in ("IJR", "IWC", "SPY", "QQQ"):
        assert fund in notes
    flow = _iwm_flows(shared_data)
    day = ctx_latest.as_of
    assert day == pd.Timestamp("2026-08-21")
    ytd = sec.fig("small.net.YTD")
    assert ytd.value == pytest.approx(flow["2026-01-01":"2026-08-21"].sum(), rel=1e-12)
    assert ytd.provenance.window == "2026-01-02..2026-08-21"  # never after the report day
    assert sec.fig("small.net.Y2025").value == pytest.approx(flow["2025"].sum(), rel=1e-12)
    assert sec.fig("small.net.Y2025").value == pytest.approx(-4.86e9, rel=0.01)
    monthly = flow[:"2026-08-21"].resample("ME").sum()
    assert sec.fig("small.record.inflow").value == pytest.approx(monthly.max(), rel=1e-12)
    assert sec.fig("small.record.inflow_month").formatted == "2023-12-31"
    assert sec.fig("micro.net.YTD") is None  # no history: not a row, named in the note
    # IVV's month-end counts end 2025-12: no row of n/a, one staleness sentence instead
    assert sec.fig("large.net.YTD") is None
    assert any("IVV's share counts end 2025-12-31, stale on 2026-08-21" in n for n in sec.notes)
    assert sec.fig("large.net.Y2025").available


def _monthly(path: Path, column: str, day: str) -> pd.Series:
    df = pd.read_csv(path, usecols=["date", column], parse_dates=["date"]).dropna()
    s = df.set_index("date")[column]
    return s[s.index <= pd.Timestamp(day)].resample("ME").last()


def test_rates_regime_table_matches_plain_pandas_point_in_time(ctx_day, shared_data: Path) -> None:
    joined = pd.concat(
        [
            _monthly(shared_data / "prices" / "IWM.csv", "close", DAY).rename("s"),
            _monthly(shared_data / "prices" / "SPY.csv", "close", DAY).rename("l"),
            _monthly(shared_data / "macro" / "DGS2.csv", "value", DAY).rename("y"),
        ],
        axis=1,
        sort=True,
    ).dropna()
    # drift: the table used June 2025 (data to 06-26) as a whole month and dated its range to
    # 2025-06-30, after the report day; complete months only now, the partial one is named
    assert joined.index[-1] == pd.Timestamp("2025-06-30")
    joined = joined.iloc[:-1]
    rs, rl, dy = joined["s"].pct_change(), joined["l"].pct_change(), joined["y"].diff()
    ok = rs.notna() & rl.notna() & dy.notna()
    rs, rl, dy = rs[ok], rl[ok], dy[ok]
    fwd = (rs - rl).shift(-1)  # next month's small minus large
    rising = dy >= 0.10
    sec = ctx_day.section("rates")
    assert sec.fig("regime.DGS2.rising.months").value == int(rising.sum())
    expect = fwd[rising].dropna()
    assert math.isclose(
        float(sec.fig("regime.DGS2.rising.mean_1m").value), expect.mean(), rel_tol=1e-9
    )
    assert math.isclose(
        float(sec.fig("regime.DGS2.rising.hit_1m").value), (expect > 0).mean(), rel_tol=1e-12
    )
    assert any("June 2025 is not over (data to 2025-06-26)" in n for n in sec.notes)
    assert sec.fig("regime.DGS2.rising.months").provenance.window.endswith("2025-05-31")


def test_policy_turns_stop_at_the_report_day(store: Store, store_home: Path, tmp_path) -> None:
    day = "2024-11-29"
    full = build_context(store, as_of=day)
    sec = full.section("rates")
    f1, f3 = sec.fig("turn.2024-09-18.1m"), sec.fig("turn.2024-09-18.3m")
    assert f1 is not None and f1.available
    assert not f3.available and f3.formatted == "n/a (beyond the as-of day)"
    copy = tmp_path / "home"
    shutil.copytree(store_home, copy)
    trunc = Store.open(copy / "capsize.duckdb")
    try:
        for table in ("bars", "macro"):
            trunc.con.execute(f"DELETE FROM {table} WHERE date > ?::DATE", [day])
        before = build_context(trunc, as_of=day).section("rates")
    finally:
        trunc.close()
    assert {k: f.formatted for k, f in before.figures.items()} == {
        k: f.formatted for k, f in sec.figures.items()
    }
