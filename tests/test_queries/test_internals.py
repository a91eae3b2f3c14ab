"""Internals queries checked against plain computations on the CSV files of ``shared/data``.

Nothing here goes through capsize to make the expected values: member lists come from
the membership CSV and the holdings file, closes and volumes from the per-ticker CSVs,
and every figure is recomputed with pandas.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.data.store import Store
from capsize.errors import DataNotFound, InputError
from capsize.queries import breadth, levels, liquidity, universe_members

DAY = "2025-10-08"


def _clean(t: str) -> str | None:
    t = t.strip().upper()
    return t if t and t != "-" else None


def _membership(shared: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with (shared / "holdings" / "IWM_membership_history_major-index-etfs.csv").open() as fh:
        for r in csv.DictReader(fh):
            t = _clean(r["ticker"])
            if t:
                out.setdefault(r["snapshot_date"], set()).add(t)
    return out


def _closes(shared: Path, tickers: set[str], start: str, end: str) -> pd.DataFrame:
    cols = {}
    for t in sorted(tickers):
        path = shared / "universe" / f"{t}.csv"
        if not path.is_file():
            continue
        df = pd.read_csv(path, usecols=["date", "close"], parse_dates=["date"])
        s = df.set_index("date")["close"].dropna()
        s = s[(s.index >= pd.Timestamp(start)) & (s.index <= pd.Timestamp(end))]
        if len(s):
            cols[t] = s
    return pd.DataFrame(cols).sort_index()


@pytest.fixture(scope="module")
def members_day(shared_data: Path) -> tuple[str, set[str]]:
    snaps = _membership(shared_data)
    snap = max(d for d in snaps if d <= DAY)
    return snap, snaps[snap]


@pytest.fixture(scope="module")
def closes_day(shared_data: Path, members_day: tuple[str, set[str]]) -> pd.DataFrame:
    start = (pd.Timestamp(DAY) - pd.Timedelta(days=800)).strftime("%Y-%m-%d")
    return _closes(shared_data, members_day[1], start, DAY)


# ----------------------------------------------------------------------------- universe


def test_universe_is_the_latest_list_on_or_before_the_day(
    store: Store, members_day: tuple[str, set[str]], closes_day: pd.DataFrame
) -> None:
    snap, members = members_day
    res = universe_members(store, DAY)
    assert res.list_date == pd.Timestamp(snap) == pd.Timestamp("2025-10-04")
    assert res.value("listed") == len(members)
    assert res.value("with_prices") == closes_day.shape[1]
    assert set(res.members) == set(closes_day.columns)
    assert res.as_of == pd.Timestamp(DAY)
    assert any("Survivorship bias" in n for n in res.notes)


def test_universe_from_the_first_holdings_file(store: Store, shared_data: Path) -> None:
    """Only the 2025-05-13 holdings file is dated on or before 2025-05-30."""
    text = (shared_data / "holdings" / "IWM_holdings_2025-05-13.csv").read_text(
        encoding="utf-8-sig"
    )
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Ticker,"))
    equity = {
        t
        for r in csv.DictReader(lines[head:])
        if r.get("Asset Class") == "Equity" and (t := _clean(r["Ticker"] or ""))
    }
    res = universe_members(store, "2025-05-30")
    assert res.list_date == pd.Timestamp("2025-05-13")
    assert res.value("listed") == len(equity)
    assert "holdings file of 2025-05-13" in " ".join(res.notes)


def test_no_list_before_the_first_one_and_never_a_later_one(store: Store) -> None:
    with pytest.raises(
        DataNotFound, match=r"on or before 2025-04-30.*first list is dated 2025-05-13"
    ):
        universe_members(store, "2025-04-30")
    with pytest.raises(DataNotFound, match="2025-05-13"):
        breadth(store, "2025-04-30")


def test_the_report_day_after_the_prices_takes_the_list_of_the_prices_last_day(
    store: Store, shared_data: Path
) -> None:
    """Issue 12: on 2026-08-21 the universe ends 2026-07-31: the 2026-07-29 list, not 08-20."""
    res = universe_members(store, "2026-08-21")
    assert res.as_of == pd.Timestamp("2026-07-31")
    assert res.list_date == pd.Timestamp("2026-07-29")
    assert res.value("listed") == len(_membership(shared_data)["2026-07-29"])


# ----------------------------------------------------------------------------- breadth


@pytest.fixture(scope="module")
def breadth_day(store: Store) -> Any:
    return breadth(store, DAY)


def test_breadth_counts_match_plain_pandas(breadth_day: Any, closes_day: pd.DataFrame) -> None:
    c = closes_day
    assert c.index[-1] == pd.Timestamp(DAY)
    last50 = c.iloc[-50:]
    full = last50.notna().all()
    above = (last50.iloc[-1] > last50.mean())[full]
    assert breadth_day.value("covered_50") == int(full.sum())
    assert breadth_day.value("pct_above_50") == pytest.approx(above.mean(), rel=1e-12)
    r = c.iloc[-1] / c.iloc[-2] - 1
    assert breadth_day.value("advancers") == int((r > 0).sum())
    assert breadth_day.value("decliners") == int((r < 0).sum())
    prev = c.iloc[-253:-1]
    ok = prev.notna().all() & c.iloc[-1].notna()
    assert breadth_day.value("hl_covered") == int(ok.sum())
    assert breadth_day.value("new_highs") == int((c.iloc[-1] > prev.max())[ok].sum())
    assert breadth_day.value("new_lows") == int((c.iloc[-1] < prev.min())[ok].sum())


def test_ad_line_starts_at_the_base_day_252_sessions_before(
    breadth_day: Any, closes_day: pd.DataFrame
) -> None:
    """Issue 12 example: one A/D start for every front end, stated next to the figure."""
    r = closes_day / closes_day.shift(1) - 1
    net = (r > 0).sum(axis=1) - (r < 0).sum(axis=1)
    base = closes_day.index[-253]
    assert base == pd.Timestamp("2024-10-04")
    expected = int(net.iloc[-252:].sum())
    fig = breadth_day.fig("ad_line")
    assert fig.value == expected == -5153
    assert fig.provenance.window == f"2024-10-04..{DAY}"
    assert "since the close of 2024-10-04" in fig.label
    assert breadth_day.ad_start == base
    series = breadth_day.get_series("ad_line").to_series()
    assert series.index[0] == base and series.iloc[0] == 0 and series.iloc[-1] == expected


def test_mcclellan_is_ema19_minus_ema39_from_the_first_session_read(
    breadth_day: Any, closes_day: pd.DataFrame
) -> None:
    r = closes_day / closes_day.shift(1) - 1
    net = ((r > 0).sum(axis=1) - (r < 0).sum(axis=1)).astype(float)
    osc = net.ewm(span=19, adjust=False).mean() - net.ewm(span=39, adjust=False).mean()
    assert breadth_day.value("mcclellan") == pytest.approx(osc.iloc[-1], abs=1e-9)


def test_equal_weight_vs_iwm(breadth_day: Any, closes_day: pd.DataFrame, shared_data: Path) -> None:
    iwm = pd.read_csv(shared_data / "prices" / "IWM.csv", index_col="date", parse_dates=True)
    iwm = iwm["close"].loc[:DAY]
    base = closes_day.index[-22]
    assert breadth_day.value("iwm.1M") == pytest.approx(iwm.iloc[-1] / iwm.loc[base] - 1, rel=1e-9)
    r = (closes_day / closes_day.shift(1) - 1).iloc[-21:]
    ew = float(np.prod(1 + r.mean(axis=1)) - 1)
    assert breadth_day.value("ew.1M") == pytest.approx(ew, rel=1e-9)


# ----------------------------------------------------------------------------- liquidity


def _bars(shared: Path, name: str, day: str) -> pd.DataFrame:
    df = pd.read_csv(shared / "prices" / name, index_col="date", parse_dates=True)
    return df.loc[:day]


def test_liquidity_of_iwm(store: Store, shared_data: Path) -> None:
    bars = _bars(shared_data, "IWM.csv", DAY).iloc[-63:]
    dv = bars["close"] * bars["volume"]
    res = liquidity(store, DAY, symbols=["IWM"])
    assert res.value("IWM.adv_dollars") == pytest.approx(dv.mean(), rel=1e-12)
    assert res.value("IWM.median_dollars") == pytest.approx(dv.median(), rel=1e-12)
    assert res.value("IWM.adv_shares") == pytest.approx(bars["volume"].mean(), rel=1e-12)
    shares = pd.read_csv(
        shared_data / "flows" / "IWM_daily_shares_nav_ishares_fund_history.csv",
        index_col="date",
        parse_dates=True,
    )["shares_outstanding"].loc[:DAY]
    assert res.value("IWM.turnover") == pytest.approx(
        bars["volume"].mean() / shares.iloc[-1], rel=1e-12
    )
    full = _bars(shared_data, "IWM.csv", DAY)
    vol = full["volume"]
    assert res.value("IWM.volume_ratio") == pytest.approx(
        vol.iloc[-1] / vol.iloc[-21:-1].mean(), rel=1e-12
    )
    assert res.tiers["IWM"] == "high"  # median $ volume in the billions: high ($50M+)


def test_crypto_volume_is_dollars_and_an_index_has_none(store: Store, shared_data: Path) -> None:
    """Issue 12: BTC-USD volume already in USD (was x price); ^RUT level x volume was '$12.7T'."""
    btc = _bars(shared_data, "BTC-USD.csv", DAY).iloc[-91:]  # 63 sessions = 91 calendar days
    res = liquidity(store, DAY, symbols=["BTC-USD", "^RUT", "IWM"])
    assert res.value("BTC-USD.adv_dollars") == pytest.approx(btc["volume"].mean(), rel=1e-12)
    assert res.value("BTC-USD.median_dollars") == pytest.approx(btc["volume"].median(), rel=1e-12)
    assert res.fig("BTC-USD.adv_dollars").provenance.window == (
        f"{btc.index[0]:%Y-%m-%d}..{btc.index[-1]:%Y-%m-%d}"
    )
    for key in ("adv_dollars", "median_dollars", "adv_shares", "amihud", "volume_ratio"):
        f = res.fig(f"^RUT.{key}")
        assert f.value is None and "index" in f.note
    assert res.tiers["^RUT"] == "n/a"
    assert not [f for f in res.all_figures() if "total" in f.id]


def _tier(v: float) -> str:
    for bound, name in ((50e6, "high"), (10e6, "medium"), (1e6, "low"), (100e3, "thin")):
        if v >= bound:
            return name
    return "illiquid"


def test_universe_liquidity_and_tiers(store: Store, shared_data: Path) -> None:
    day = "2025-06-26"
    snaps = _membership(shared_data)
    members = snaps[max(d for d in snaps if d <= day)]
    start = (pd.Timestamp(day) - pd.Timedelta(days=800)).strftime("%Y-%m-%d")
    closes = _closes(shared_data, members, start, day)
    vols = {}
    for t in closes.columns:
        path = shared_data / "universe_ohlcv" / f"{t}.csv"
        if path.is_file():
            v = pd.read_csv(path, usecols=["date", "volume"], parse_dates=["date"])
            vols[t] = v.set_index("date")["volume"]
    volume = pd.DataFrame(vols).reindex(index=closes.index, columns=closes.columns)
    dv = (closes * volume).iloc[-63:]
    covered = dv.notna().sum() >= 0.9 * 63
    adv = dv.mean()[covered]
    med = dv.median()[covered]
    res = liquidity(store, day)
    assert res.as_of == pd.Timestamp(day)
    assert res.value("universe.members") == closes.shape[1]
    assert res.value("universe.covered") == int(covered.sum())
    assert res.value("universe.total_adv_dollars") == pytest.approx(adv.sum(), rel=1e-9)
    assert res.value("universe.median_adv_dollars") == pytest.approx(adv.median(), rel=1e-9)
    tiers = med.map(_tier).value_counts()
    for name in ("high", "medium", "low", "thin", "illiquid"):
        assert res.value(f"universe.tier.{name}") == int(tiers.get(name, 0)), name
    assert res.value("universe.tier.untiered") == closes.shape[1] - int(covered.sum())


def test_liquidity_rejects_bad_parameters(store: Store) -> None:
    with pytest.raises(InputError, match="window=1"):
        liquidity(store, DAY, symbols=["IWM"], window=1)
    with pytest.raises(InputError, match="min_coverage"):
        liquidity(store, DAY, symbols=["IWM"], min_coverage=0)


# ----------------------------------------------------------------------------- levels


def test_levels_of_iwm(store: Store, shared_data: Path) -> None:
    day = "2025-06-26"
    bars = _bars(shared_data, "IWM.csv", day).iloc[-252:]
    res = levels(store, day, symbol="iwm")
    last = bars["close"].iloc[-1]
    assert res.value("last_close") == pytest.approx(last, rel=1e-12)
    assert res.start == bars.index[0] and res.as_of == pd.Timestamp(day)
    # the volume profile spreads every bar's volume: nothing lost or added
    total = sum(f.value for f in res.all_figures() if f.id.startswith("profile."))
    assert total == pytest.approx(bars["volume"].sum(), rel=1e-9)
    sup, resist = res.value("support.1.price"), res.value("resistance.1.price")
    assert sup < last <= resist
    assert res.value("support.1.distance") == pytest.approx(sup / last - 1, rel=1e-12)
    # a level is the mean of swing pivots: it lies within the look-back's range
    assert bars["low"].min() <= sup and resist <= bars["high"].max()
    # nearest first: support.2 is further below than support.1
    assert res.value("support.2.price") < sup


def test_levels_of_an_index_have_no_volume_profile(store: Store) -> None:
    res = levels(store, DAY, symbol="^RUT")
    poc = res.fig("point_of_control")
    assert poc.value is None and "index" in poc.note
    assert res.table("profile").rows == ()


# ----------------------------------------------------------------------------- public names


def test_queries_are_exported_once() -> None:
    import capsize.queries as q
    import capsize.queries.internals as qi

    assert list(qi.__all__) == sorted(qi.__all__, key=lambda n: (n[:1].islower(), n))
    for name in ("breadth", "levels", "liquidity", "universe_members"):
        assert getattr(q, name) is getattr(qi, name)
        assert name in q.__all__


def test_rules_state_themselves() -> None:
    from capsize.rules import breadth as rb
    from capsize.rules import dollar_volume as rd

    assert "252 sessions" in rb.RULE and "base day" in rb.RULE
    assert "on or before" in rb.MEMBER_LIST_RULE
    days = pd.bdate_range("2025-01-01", periods=10)
    assert rb.ad_base(days, days[-1]) == days[0]  # fewer sessions: the first one
    assert [rd.volume_unit(k) for k in ("stock", "etf", "crypto", "index", None)] == [
        "shares",
        "shares",
        "usd",
        "none",
        "none",
    ]
    assert np.isnan(rd.dollar_volume([2.0], [3.0], "none")[0])
    assert np.isnan(rd.dollar_volume([np.nan], [3.0], "usd")[0])  # no close, no bar


@pytest.mark.parametrize("day", ["2026-03-15", "2026-08-21", None])
def test_universe_window_is_the_read_days_to_the_universe_day(
    store: Store, day: str | None
) -> None:
    """One read finds the universe day and holds its window: equal to reading that window.

    A Sunday (the universe day is the Friday before) and a day after the universe's prices
    end (the day's own, earlier list) both hold the READ_DAYS to the universe day.
    """
    from capsize.queries.internals import universe_frame
    from capsize.queries.session import session_for
    from capsize.rules.breadth import READ_DAYS

    uf = universe_frame(session_for(store, day))
    direct = store.panel(
        list(uf.listed.members),
        field="close",
        basis="adjusted",
        start=uf.day - pd.Timedelta(days=READ_DAYS),
        as_of=uf.day,
    ).dropna(how="all")
    direct = direct.loc[:, direct.notna().any()]
    assert uf.day < pd.Timestamp(day or "2100-01-01")  # neither day is a universe session
    assert uf.start == direct.index[0]
    assert list(uf.closes.tickers) == list(uf.universe.members) == sorted(direct.columns)
    want = direct[list(uf.universe.members)].to_numpy(dtype=float)
    np.testing.assert_array_equal(np.asarray(uf.closes.values), want)
    assert uf.closes.dates.equals(pd.DatetimeIndex(direct.index))
    assert "member list" in uf.source and uf.price_source  # named when asked
