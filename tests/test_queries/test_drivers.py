"""The drivers queries (rates, flows, crypto) against plain pandas/numpy on the CSV files.

Every oracle here reads ``../shared/data`` directly (pandas ``read_csv``), never through
capsize, and applies the documented rule by hand: month-end last values and least
squares for the rates sensitivity, shares-outstanding differences times NAV for flows,
calendar-year returns for the crypto leadership.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capsize.errors import DataNotFound, InputError
from capsize.queries import Session, crypto, flows, load_markets, rates
from capsize.rules.flow_funds import segment_funds

DAY = "2025-10-08"


def _csv(shared: Path, rel: str, col: str) -> pd.Series:
    d = pd.read_csv(shared / rel, parse_dates=["date"]).set_index("date")[col].dropna()
    return d.astype(float)


# --------------------------------------------------------------------------- rates


def _month_last(s: pd.Series, day: str) -> pd.Series:
    s = s[s.index <= pd.Timestamp(day)]
    return s.groupby(s.index.to_period("M")).last()


def test_rates_sensitivity_matches_lstsq_point_in_time(store, shared_data: Path) -> None:
    res = rates(store, DAY)
    assert res.as_of == pd.Timestamp(DAY)
    parts = {
        "s": _month_last(_csv(shared_data, "prices/IWM.csv", "close"), DAY),
        "l": _month_last(_csv(shared_data, "prices/SPY.csv", "close"), DAY),
        "y2": _month_last(_csv(shared_data, "macro/DGS2.csv", "value"), DAY),
        "y10": _month_last(_csv(shared_data, "macro/DGS10.csv", "value"), DAY),
    }
    m = pd.DataFrame(parts).dropna()
    y = (m["s"].pct_change() - m["l"].pct_change()).dropna()
    x = np.column_stack([np.ones(len(y)), m["y2"].diff().dropna(), m["y10"].diff().dropna()])
    beta, *_ = np.linalg.lstsq(x, y.to_numpy(), rcond=None)
    got = [res.value(f"beta.{k}") for k in ("const", "d_DGS2", "d_DGS10")]
    np.testing.assert_allclose(got, beta, rtol=1e-9)
    assert res.value("n_obs") == len(y)
    # the last (partial) month is dated by its last day, never by the month end after it
    assert res.fig("beta.d_DGS2").provenance.window.endswith(DAY)
    last36 = np.linalg.lstsq(x[-36:], y.to_numpy()[-36:], rcond=None)[0]
    assert res.value("rolling.beta.d_DGS2") == pytest.approx(last36[1], rel=1e-9)


def test_rates_levels_and_changes(store, shared_data: Path) -> None:
    res = rates(store, DAY)
    dgs2 = _csv(shared_data, "macro/DGS2.csv", "value")[:DAY]
    assert res.value("DGS2.level") == dgs2.iloc[-1]
    base = dgs2[: pd.Timestamp(DAY) - pd.DateOffset(months=1)].iloc[-1]
    assert res.value("DGS2.chg1m") == pytest.approx((dgs2.iloc[-1] - base) * 100, abs=1e-9)
    assert res.fig("DGS2.level").provenance.window == dgs2.index[-1].strftime("%Y-%m-%d")
    assert res.fig("DGS2.level").provenance.source == "macro/DGS2.csv"


def test_rates_weekly_correlation_matches_pandas(store, shared_data: Path) -> None:
    res = rates(store, DAY)
    wk = pd.DataFrame(
        {
            k: _csv(shared_data, rel, col)[:DAY].resample("W-FRI").last()
            for k, rel, col in (
                ("s", "prices/IWM.csv", "close"),
                ("l", "prices/SPY.csv", "close"),
                ("y", "macro/DGS2.csv", "value"),
            )
        }
    ).dropna()
    spread = wk["s"].pct_change() - wk["l"].pct_change()
    both = pd.DataFrame({"a": spread, "b": wk["y"].diff()}).dropna().iloc[-52:]
    assert res.value("corr52w.DGS2") == pytest.approx(both["a"].corr(both["b"]), rel=1e-9)


def test_fed_turn_averages_count_their_own_events(store) -> None:
    res = rates(store, "2026-08-21")
    ev = res.table("events")
    cuts = [
        r for r in ev.rows if r[1] == "first cut" and r[0] not in ("average", "events averaged")
    ]
    for i, col in enumerate(ev.columns[2:], start=2):
        vals = [r[i].value for r in cuts if r[i].value is not None]  # type: ignore[union-attr]
        key = col.lstrip("+")
        n = res.fig(f"turn.n.first_cut.{key}")
        assert n.value == len(vals)
        avg = res.fig(f"turn.avg.first_cut.{key}")
        assert avg.value == pytest.approx(np.mean(vals), rel=1e-12)
        assert f"average of {len(vals)} of {len(cuts)} events" in avg.label
    assert res.fig("turns.latest").note == "2024-09-18"


def test_rates_turn_offsets_after_as_of_are_na(store) -> None:
    res = rates(store, "2024-11-29")
    assert res.value("turn.2024-09-18.1m") is not None
    f3 = res.fig("turn.2024-09-18.3m")
    assert f3.value is None and f3.note == "beyond the as-of day"


def test_rates_bad_inputs(store) -> None:
    with pytest.raises(InputError, match="two different legs"):
        rates(store, DAY, small="IWM", large="iwm")
    with pytest.raises(InputError, match="frequency 'Q'"):
        rates(store, DAY, frequency="Q")
    with pytest.raises(DataNotFound, match="starts 2000-05-26"):
        rates(store, "1995-01-03")
    with pytest.raises(InputError, match="differs from the session"):
        rates(Session(store, pd.Timestamp(DAY)), "2025-10-09")


# --------------------------------------------------------------------------- flows


@pytest.fixture(scope="module")
def iwm_flow(shared_data: Path) -> pd.Series:
    d = pd.read_csv(
        shared_data / "flows" / "IWM_daily_shares_nav_ishares_fund_history.csv",
        parse_dates=["date"],
    ).set_index("date")
    return (d["shares_outstanding"].diff() * d["nav"]).dropna()


@pytest.mark.parametrize("day", ["2025-10-08", "2025-12-31", "2026-08-21"])
def test_flows_small_windows_match_pandas(store, iwm_flow: pd.Series, day: str) -> None:
    res = flows(store, day)
    end = pd.Timestamp(day)
    assert res.as_of == end
    f = iwm_flow[:day]
    starts = {
        "1W": end - pd.Timedelta(days=7),
        "1M": end - pd.DateOffset(months=1),
        "MTD": end.replace(day=1) - pd.Timedelta(days=1),
        "YTD": pd.Timestamp(end.year - 1, 12, 31),
        "1Y": end - pd.DateOffset(years=1),
    }
    for key, start in starts.items():
        expect = f[f.index > start].sum()
        assert res.value(f"small.net.{key}") == pytest.approx(expect, rel=1e-12), key
    assert res.value("small.net.Y2024") == pytest.approx(iwm_flow["2024"].sum(), rel=1e-12)


def test_flows_2025_is_about_minus_4_9_billion(store, iwm_flow: pd.Series) -> None:
    res = flows(store, "2026-08-21")
    assert res.value("small.net.Y2025") == pytest.approx(iwm_flow["2025"].sum(), rel=1e-12)
    assert res.value("small.net.Y2025") == pytest.approx(-4.9e9, rel=0.02)
    fig = res.fig("small.net.Y2025")
    assert fig.provenance.source == "flows/IWM_daily_shares_nav_ishares_fund_history.csv"
    assert fig.provenance.window == "2025-01-02..2025-12-31"


def test_flows_record_months(store, iwm_flow: pd.Series) -> None:
    res = flows(store, "2026-08-21")
    # the rules leave out 2001-09-21/24 (a one-day spike) and stale runs of 2000-2004;
    # the records are far from them, so plain monthly sums give the same records
    monthly = iwm_flow[:"2026-08-21"].resample("ME").sum()
    assert res.value("small.record.inflow") == pytest.approx(monthly.max(), rel=1e-12)
    assert res.fig("small.record.inflow_month").note == "2023-12-31"
    assert res.value("small.record.outflow") == pytest.approx(monthly.min(), rel=1e-12)
    assert res.fig("small.record.outflow_month").note == "2004-05-31"
    assert "26.2 years held" in res.fig("small.record.inflow").label
    assert res.value("small.record.months") == 310


def test_flows_large_month_over_month(store, shared_data: Path) -> None:
    ivv = pd.read_csv(
        shared_data / "flows" / "IVV_month_end_shares_nav_ishares.csv", parse_dates=["date"]
    ).set_index("date")
    monthly = (ivv["shares_outstanding"].diff() * ivv["nav"]).dropna()
    res = flows(store, "2025-12-31")
    assert res.value("large.net.Y2025") == pytest.approx(monthly["2025"].sum(), rel=1e-12)
    assert res.value("large.net.1M") == pytest.approx(monthly.iloc[-1], rel=1e-12)
    at_oct = flows(store, "2025-10-08")
    # YTD: the whole months January..September; 1M: no whole month inside the window
    assert at_oct.value("large.net.YTD") == pytest.approx(monthly["2025-01":"2025-09"].sum())
    assert at_oct.fig("large.net.YTD").provenance.window == "2025-01-31..2025-09-30"
    assert at_oct.value("large.net.1M") is None
    assert "month-end data only" in at_oct.fig("large.net.1M").note
    later = flows(store, "2026-08-21")
    assert later.value("large.net.YTD") is None and "stale" in later.fig("large.net.YTD").note


def test_flows_segments_follow_the_one_rule(store) -> None:
    res = flows(store, DAY)
    assert res.params["segments"] == {k: list(v) for k, v in segment_funds().items()}
    note = next(n for n in res.notes if n.startswith("Not covered"))
    for fund in ("IWC", "IJR", "SPY", "QQQ", "IJH"):
        assert fund in note
    assert "IWM" not in note
    assert res.fig("micro.net.YTD").value is None
    assert res.fig("micro.net.YTD").note == "no shares-outstanding history for IWC"
    with pytest.raises(InputError, match="segment 'tiny' is not one of micro, small"):
        flows(store, DAY, segment="tiny")
    only = flows(store, DAY, segment="small")
    assert [r[0] for r in only.table("windows").rows] == ["Small-cap"]


# --------------------------------------------------------------------------- crypto


def _years(shared: Path, sym: str, day: str) -> pd.Series:
    s = _csv(shared, f"prices/{sym}.csv", "close")[:day]
    ends = s.groupby(s.index.year).last()
    return (ends / ends.shift(1) - 1).dropna()


def test_crypto_leadership_matches_calendar_years(store, shared_data: Path) -> None:
    res = crypto(store, "2026-08-21")
    eth, btc = (
        _years(shared_data, "ETH-USD", "2025-12-31"),
        _years(shared_data, "BTC-USD", "2025-12-31"),
    )
    both = pd.DataFrame({"e": eth, "b": btc}).dropna()
    assert res.value("eth_btc.years") == len(both)
    assert res.value("eth_btc.small_led") == int((both["e"] > both["b"]).sum())
    assert res.value("eth_btc.Y2024.small") == pytest.approx(both.loc[2024, "e"], rel=1e-12)
    run = 0
    for e, b in zip(both["e"][::-1], both["b"][::-1], strict=True):
        if e < b:
            run += 1
        else:
            break
    assert res.value("eth_btc.streak") == run
    assert "BTC-USD" in res.fig("eth_btc.streak").label


def test_crypto_dominance_point_in_time(store, fixtures_dir: Path) -> None:
    import json

    from capsize.analytics.crosscap import DEFAULT_EXCLUDE

    path = fixtures_dir / "coingecko" / "coins_markets_dashbrd.json"
    items = json.loads(path.read_bytes())
    kept = sorted(
        (c["market_cap"] for c in items if c["id"] not in DEFAULT_EXCLUDE and c["market_cap"]),
        reverse=True,
    )
    frame, src = load_markets(path)
    res = crypto(store, "2025-10-08", markets=frame, markets_source=src)
    assert res.value("dominance.majors") == pytest.approx((kept[0] + kept[1]) / sum(kept))
    assert res.value("dominance.bitcoin") == pytest.approx(kept[0] / sum(kept))
    assert res.fig("dominance.majors").provenance.window == "2023-07-28"
    assert any("stale" in n for n in res.notes)  # a snapshot two years old is labelled
    before = crypto(store, "2023-06-30", markets=frame, markets_source=src)
    assert "dominance.majors" not in {f.id for f in before.all_figures()}


def test_import_stores_the_flows_files_point_in_time(store, shared_data: Path) -> None:
    """The importer keeps IWM's daily rows (past the prices' end) and IVV's month ends."""
    for name, fund in (
        ("IWM_daily_shares_nav_ishares_fund_history.csv", "IWM"),
        ("IVV_month_end_shares_nav_ishares.csv", "IVV"),
    ):
        csv_rows = pd.read_csv(shared_data / "flows" / name, parse_dates=["date"])
        held = store.fund_shares(fund)
        held = held[held["source"] == f"flows/{name}"]
        assert len(held) == len(csv_rows)
        assert held["date"].max() == csv_rows["date"].max()
        np.testing.assert_allclose(held["nav"], csv_rows["nav"])
    assert store.fund_shares("IWM")["date"].max() == pd.Timestamp("2026-09-09")
    cut = store.fund_shares("IWM", as_of="2026-08-21")
    assert cut["date"].max() == pd.Timestamp("2026-08-21")
