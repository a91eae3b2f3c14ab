"""Replay on the shared data: each rule fires on the days an independent pandas computation says.

The expected days are computed here from the store's frames with plain pandas (rolling
means, shifted comparisons, a loop for the cool-down), not with the alert kernels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.alerts import Rule
from capsize.queries import Session
from capsize.queries.alerts import replay_rule

SINCE = "2023-01-03"
BREADTH_SINCE = "2024-07-01"


@pytest.fixture(scope="module")
def session(store: Any) -> Session:
    return Session(store, None)


def cooled(fire: pd.Series, sessions: int) -> pd.Series:
    """Keep a fire only when the last kept one is more than ``sessions`` rows back."""
    out, last = [], -(10**9)
    for t, hit in enumerate(fire.fillna(False).astype(bool).tolist()):
        keep = hit and t - last > sessions
        last = t if keep else last
        out.append(keep)
    return pd.Series(out, index=fire.index)


def crossing(x: pd.Series, ref: pd.Series | float) -> pd.Series:
    d = x - ref
    return ((d.shift(1) <= 0) & (d > 0)) | ((d.shift(1) >= 0) & (d < 0))


def expected(fire: pd.Series, cooldown: int, since: str) -> list[str]:
    kept = cooled(fire, cooldown)
    days = kept.index[kept.to_numpy()]
    return [f"{d:%Y-%m-%d}" for d in days if d >= pd.Timestamp(since)]


def replayed(s: Session, rule: Rule, since: str = SINCE) -> list[str]:
    res = replay_rule(s, rule, since)
    assert res.value("fires") == len(res.table("fires").rows)
    return [str(row[0]) for row in res.table("fires").rows]


def close(s: Session, sym: str) -> pd.Series:
    return s.store.closes([sym])[sym].dropna()


def test_price_level(session: Session) -> None:
    rule = Rule(
        "lvl", "IWM 200", "price_level", symbols=("IWM",), params={"level": 200}, cooldown=5
    )
    want = expected(crossing(close(session, "IWM"), 200.0), 5, SINCE)
    assert len(want) >= 3
    assert replayed(session, rule) == want


def test_price_crosses_its_average(session: Session) -> None:
    rule = Rule("ma", "SPY 50d", "price_ma", symbols=("SPY",), params={"window": 50}, cooldown=3)
    c = close(session, "SPY")
    want = expected(crossing(c, c.rolling(50, min_periods=50).mean()), 3, SINCE)
    assert len(want) >= 10
    assert replayed(session, rule) == want


def test_new_52_week_intraday_high(session: Session) -> None:
    rule = Rule(
        "hi",
        "RUT high",
        "new_extreme",
        symbols=("^RUT",),
        params={"field": "intraday"},
        cooldown=10,
    )
    h = session.store.bars("^RUT")["high"].dropna()
    fire = h > h.shift(1).rolling(251, min_periods=251).max()
    want = expected(fire, 10, SINCE)
    assert len(want) >= 3
    assert replayed(session, rule) == want


def test_new_all_time_closing_low_and_high(session: Session) -> None:
    c = close(session, "IWM")
    for extreme, fire in (
        ("high", c > c.shift(1).expanding(min_periods=251).max()),
        ("low", c < c.shift(1).expanding(min_periods=251).min()),
    ):
        rule = Rule(
            "ath",
            "IWM ATH",
            "new_extreme",
            symbols=("IWM",),
            params={"span": "all", "extreme": extreme},
            cooldown=0,
        )
        assert replayed(session, rule, "2016-01-04") == expected(fire, 0, "2016-01-04")


def test_relative_strength_crosses_its_200_day_average(session: Session) -> None:
    rule = Rule(
        "rs",
        "IWM/SPY",
        "rs_cross",
        symbols=("IWM", "SPY"),
        params={"window": 200, "direction": "up"},
        cooldown=0,
    )
    both = session.store.closes(["IWM", "SPY"]).dropna()
    ratio = both["IWM"] / both["SPY"]
    d = ratio - ratio.rolling(200, min_periods=200).mean()
    want = expected((d.shift(1) <= 0) & (d > 0), 0, SINCE)
    assert len(want) >= 2
    assert replayed(session, rule) == want


def test_volume_surge(session: Session) -> None:
    rule = Rule(
        "vol",
        "IWM volume",
        "volume_surge",
        symbols=("IWM",),
        params={"window": 50, "multiple": 1.8},
        cooldown=5,
    )
    v = session.store.bars("IWM")["volume"].dropna()
    avg = v.shift(1).rolling(50, min_periods=50).mean()
    want = expected((avg > 0) & (v >= 1.8 * avg), 5, SINCE)
    assert len(want) >= 3
    assert replayed(session, rule) == want


@pytest.fixture(scope="module")
def universe(session: Session) -> pd.DataFrame:
    from capsize.queries.alerts import HISTORY_PAD_DAYS
    from capsize.queries.internals import universe_members

    uni = universe_members(session)
    start = pd.Timestamp(BREADTH_SINCE) - pd.Timedelta(days=HISTORY_PAD_DAYS)
    return session.store.panel(
        list(uni.members), field="close", basis="adjusted", start=start, as_of=uni.as_of
    )


def test_breadth_share_above_the_50_day_average(session: Session, universe: pd.DataFrame) -> None:
    ma = universe.rolling(50, min_periods=50).mean()
    above = (universe > ma).sum(axis=1)
    covered = (universe.notna() & ma.notna()).sum(axis=1)
    pct = (above / covered).where(covered > 0)
    rule = Rule("b50", "breadth 50", "breadth_level", params={"level": 0.5}, cooldown=5)
    want = expected(crossing(pct, 0.5), 5, BREADTH_SINCE)
    assert len(want) >= 5
    assert replayed(session, rule, BREADTH_SINCE) == want


def test_new_highs_minus_new_lows(session: Session, universe: pd.DataFrame) -> None:
    prev = universe.shift(1).rolling(251, min_periods=251)
    hi, lo = prev.max(), prev.min()
    net = (universe > hi).sum(axis=1) - (universe < lo).sum(axis=1)
    net = net.where((universe.notna() & hi.notna()).sum(axis=1) > 0)
    rule = Rule("nh", "net highs", "net_highs", params={"level": 0}, cooldown=5)
    want = expected(crossing(net.astype(float), 0.0), 5, BREADTH_SINCE)
    assert len(want) >= 3
    assert replayed(session, rule, BREADTH_SINCE) == want


def test_zweig_breadth_thrust(session: Session, universe: pd.DataFrame) -> None:
    r = universe.pct_change(fill_method=None)
    adv, dec = (r > 0).sum(axis=1), (r < 0).sum(axis=1)
    ema = (adv / (adv + dec)).where(adv + dec > 0).ewm(span=10, adjust=False, ignore_na=True).mean()
    was_low = ema.shift(1).rolling(10, min_periods=1).min() < 0.40
    fire = (ema.shift(1) <= 0.615) & (ema > 0.615) & was_low
    rule = Rule("zt", "thrust", "breadth_thrust", cooldown=0)
    assert replayed(session, rule, BREADTH_SINCE) == expected(fire, 0, BREADTH_SINCE)


@pytest.mark.parametrize(("side", "period"), [("outflow", "week"), ("inflow", "month")])
def test_record_flows_of_small_cap_funds(session: Session, side: str, period: str) -> None:
    from capsize.analytics.flows import daily_flows

    daily = daily_flows(session.store.fund_shares())
    small = ["IWM", "IJR", "IWC", "VB", "VBR", "IWN", "IWO"]
    daily = daily[daily["fund"].isin(small) & daily["flow"].notna()]
    s = daily.groupby("date")["flow"].sum().sort_index()
    # a period ends on Friday (week) or the month's last day; it is known on that day or
    # the first later day with data
    if period == "week":
        ends = pd.DatetimeIndex([d + pd.Timedelta(days=(4 - d.weekday()) % 7) for d in s.index])
    else:
        ends = pd.DatetimeIndex([d + pd.offsets.MonthEnd(0) for d in s.index])
    sums = s.groupby(ends).sum()
    known = {w: s.index[s.index >= w][0] for w in sums.index if (s.index >= w).any()}
    flow = pd.Series([sums[w] for w in known], index=pd.DatetimeIndex(list(known.values())))
    if side == "outflow":
        fire = (flow < flow.cummin().shift(1)) & (flow < 0)
    else:
        fire = (flow > flow.cummax().shift(1)) & (flow > 0)
    fire &= np.arange(len(flow)) >= 26
    rule = Rule("fr", "record", "flow_record", params={"side": side, "period": period})
    want = expected(fire, 0, "2001-01-02")
    assert len(want) >= 3
    assert replayed(session, rule, "2001-01-02") == want


def test_what_followed_is_the_next_sessions_return_and_spread(session: Session) -> None:
    rule = Rule(
        "lvl", "IWM 200", "price_level", symbols=("IWM",), params={"level": 200}, cooldown=5
    )
    res = replay_rule(session, rule, SINCE)
    iwm, spy = close(session, "IWM"), close(session, "SPY")
    day = pd.Timestamp(str(res.table("fires").rows[0][0]))
    i, j = iwm.index.get_loc(day), spy.index.get_loc(day)
    r5 = iwm.iloc[i + 5] / iwm.iloc[i] - 1
    assert res.value("fire.0.r5") == pytest.approx(r5, abs=1e-12)
    assert res.value("fire.0.s5") == pytest.approx(
        r5 - (spy.iloc[j + 5] / spy.iloc[j] - 1), abs=1e-12
    )
    assert res.fig("fire.0.r5").provenance.source.startswith("prices/IWM.csv")


def test_what_followed_is_summarized_per_direction(session: Session) -> None:
    """A ``both`` rule: fires crossing above and below summarized apart (plain pandas here);
    a fire crossing below hits when IWM lags SPY."""
    rule = Rule("ma", "IWM 50d", "price_ma", symbols=("IWM",), params={"window": 50}, cooldown=3)
    res = replay_rule(session, rule, SINCE)
    iwm, spy = close(session, "IWM"), close(session, "SPY")
    d = iwm - iwm.rolling(50, min_periods=50).mean()
    days = pd.DatetimeIndex(expected(crossing(iwm, iwm.rolling(50).mean()), 3, SINCE))
    side = np.where(d[days] > 0, "above", "below")
    assert {"above", "below"} <= set(side)

    def fwd(c: pd.Series, h: int) -> pd.Series:
        return (c.shift(-h) / c - 1)[days]

    for h in (5, 20):
        spread = (fwd(iwm, h) - fwd(spy, h)).to_numpy()
        for name, sign in (("above", 1), ("below", -1)):
            sp = spread[(side == name) & np.isfinite(spread)]
            assert res.value(f"{name}.h{h}.count") == len(sp) > 5
            assert res.value(f"{name}.h{h}.mean_spread") == pytest.approx(sp.mean(), abs=1e-12)
            assert res.value(f"{name}.h{h}.hit_rate") == pytest.approx((sign * sp > 0).mean())
            r = fwd(iwm, h).to_numpy()[side == name]
            assert res.value(f"{name}.h{h}.mean_return") == pytest.approx(np.nanmean(r))
    summary = res.table("summary")
    assert summary.columns[0] == "Direction"
    assert [row[0] for row in summary.rows] == ["crossed above"] * 3 + ["crossed below"] * 3
    assert "of fires crossing below with a spread below 0" in summary.title
    assert "h5.hit_rate" not in res.figures  # no pooled hit rate

    up = Rule(
        "up", "IWM up", "price_ma", symbols=("IWM",), params={"window": 50, "direction": "up"}
    )
    rows = replay_rule(session, up, SINCE).table("summary").rows
    assert {row[0] for row in rows} == {"crossed above"}


def test_no_fire_says_since_when(session: Session) -> None:
    rule = Rule("lvl", "IWM 1M", "price_level", symbols=("IWM",), params={"level": 1e6})
    res = replay_rule(session, rule, SINCE)
    assert res.value("fires") == 0
    assert res.fig("below.h20.hit_rate").note == f"no fire crossing below since {SINCE}"
    assert res.fig("above.h1.mean_spread").note == f"no fire crossing above since {SINCE}"


@pytest.mark.parametrize(("item", "need"), [("3.03/5.03", ("3.03", "5.03")), ("1.01", ("1.01",))])
def test_new_8k_items_of_a_watched_stock(
    session: Session, fixtures_dir: Path, item: str, need: tuple[str, ...]
) -> None:
    import json

    from capsize.queries.stocks.sec import sec_source

    raw = json.loads(
        (fixtures_dir / "sec" / "submissions_CIK0001766140_Unicycive.json").read_text()
    )
    recent = raw["filings"]["recent"]
    days = sorted(
        {
            filed
            for form, filed, items in zip(
                recent["form"], recent["filingDate"], recent["items"], strict=True
            )
            if form in ("8-K", "8-K/A")
            and all(i in [x.strip() for x in items.split(",")] for i in need)
        }
    )
    rule = Rule("k8", "UNCY 8-K", "filing_8k", symbols=("UNCY", "NOSUCHTKR"), params={"item": item})
    res = replay_rule(session, rule, "2015-01-02", sec=sec_source(fixtures_dir / "sec"))
    assert [str(r[0]) for r in res.table("fires").rows] == [d for d in days if d >= "2015-01-02"]
    assert len(days) >= 1
    assert any("cannot be evaluated for NOSUCHTKR" in n for n in res.notes)


def test_a_rule_reads_the_same_frame_alone_or_beside_others(session: Session) -> None:
    """The shared read: SPY read whole (an all-time rule) and IWM over the window."""
    from capsize.alerts import evaluate_rule
    from capsize.queries.alerts import SessionInputs

    rs = Rule("rs", "SPY/IWM", "rs_cross", symbols=("SPY", "IWM"), params={"window": 50})
    ath = Rule("ath", "SPY high", "new_extreme", symbols=("SPY",), params={"span": "all"})
    for rule in (rs, ath):
        alone, shared = SessionInputs(session), SessionInputs(session)
        alone.prefetch([rule])
        shared.prefetch([rs, ath])
        a, b = evaluate_rule(rule, alone), evaluate_rule(rule, shared)
        assert len(a.signal.index) > 50 and a.signal.index.equals(b.signal.index)
        np.testing.assert_array_equal(a.fired, b.fired)
        for name, value in a.signal.values.items():
            np.testing.assert_array_equal(value.values, b.signal.values[name].values)
