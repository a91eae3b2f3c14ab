"""Movers and sector breadth: values from the CSVs, point in time, one answer everywhere.

* Values: recomputed with plain pandas from ``shared/data`` (the member list, the
  member price files and the IWM holdings file), not through the store.
* Point in time: the answer at ``D`` on the full store equals the answer on a store
  truncated at ``D``.
* Consistency: ``capsize universe --movers --json`` / ``capsize breadth --sectors
  --json``, the API and the report show the same figures with the same provenance.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capsize.data.store import Store
from capsize.queries import movers, sector_breadth
from capsize.rules.breadth import READ_DAYS
from capsize.rules.movers import TOP_N, liquidity_label

DAY = "2026-07-31"
"""The universe's last day in the shared data (its list: the membership snapshot of 07-29)."""
EARLY = "2025-06-30"
"""A day with member volume (universe_ohlcv) and a holdings file before it."""


def _members(shared_data: Path, day: str) -> list[str]:
    hist = pd.read_csv(shared_data / "holdings" / "IWM_membership_history_major-index-etfs.csv")
    snap = hist[hist["snapshot_date"] <= day]["snapshot_date"].max()
    return sorted(set(hist.loc[hist["snapshot_date"] == snap, "ticker"].astype(str)))


def _wide(shared_data: Path, members: list[str], day: str) -> pd.DataFrame:
    start = pd.Timestamp(day) - pd.Timedelta(days=READ_DAYS)
    cols = {}
    for t in members:
        p = shared_data / "universe" / f"{t}.csv"
        if not p.exists():
            continue
        f = pd.read_csv(p, usecols=["date", "close"], parse_dates=["date"]).set_index("date")
        f = f.loc[start:day, "close"].dropna()
        if len(f):
            cols[t] = f
    return pd.DataFrame(cols).sort_index()


@pytest.fixture(scope="module")
def csv_closes(shared_data: Path) -> pd.DataFrame:
    """Member closes for DAY, straight from the CSVs (union of dates, NaN = no bar)."""
    return _wide(shared_data, _members(shared_data, DAY), DAY)


def _holdings_sectors(shared_data: Path) -> pd.Series:
    path = shared_data / "holdings" / "IWM_holdings_2026-05-05.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Ticker,"))
    frame = pd.read_csv(path, skiprows=head, encoding="utf-8-sig")
    frame = frame[frame["Asset Class"] == "Equity"]
    return frame.drop_duplicates("Ticker").set_index("Ticker")["Sector"].astype(str)


# --------------------------------------------------------------------------- values


def _bases(dates: pd.DatetimeIndex) -> dict[str, pd.Timestamp]:
    day = dates[-1]
    return {
        "1D": dates[-2],
        "1W": dates[-6],
        "MTD": dates[dates < day.replace(day=1)][-1],
        "YTD": dates[dates < day.replace(month=1, day=1)][-1],
    }


def test_movers_match_pandas(store: Store, csv_closes: pd.DataFrame) -> None:
    res = movers(store, as_of=DAY)
    assert res.as_of == pd.Timestamp(DAY)
    bases = _bases(csv_closes.index)
    for w in ("1D", "1W", "MTD"):
        assert res.bases is not None
        assert res.bases[w] == bases[w]
        r = (csv_closes.iloc[-1] / csv_closes.loc[bases[w]] - 1).dropna()
        assert res.fig(f"{w}.with_return").value == len(r)
        ranked = sorted(r.items(), key=lambda kv: (-kv[1], kv[0]))
        top = [t for t, _ in ranked[:TOP_N]]
        bottom = [t for t, _ in reversed(ranked)][:TOP_N]
        assert [row[1] for row in res.table(f"top.{w}").rows] == top
        assert [row[1] for row in res.table(f"bottom.{w}").rows] == bottom
        for t in top + bottom:
            assert res.fig(f"{w}.{t}.return").value == pytest.approx(r[t], abs=1e-12)
            assert res.fig(f"{w}.{t}.close").value == pytest.approx(csv_closes[t].iloc[-1])


def test_movers_liquidity_from_volume(shared_data: Path, store: Store) -> None:
    res = movers(store, as_of=EARLY)
    spy = pd.read_csv(shared_data / "prices" / "SPY.csv", parse_dates=["date"])
    window = pd.DatetimeIndex(spy.loc[spy["date"] <= EARLY, "date"]).sort_values()[-20:]
    seen = 0
    for w in ("1D", "1W", "MTD"):
        assert res.thin is not None
        for table in (res.table(f"top.{w}"), res.table(f"bottom.{w}")):
            for row in table.rows:
                t, close, dollars, label = row[1], row[4].value, row[5].value, row[6]
                assert label == liquidity_label(close, dollars)
                flagged = "volume unknown" in label or "under $1" in label or "thin" in label
                assert (t in res.thin[w]) == (flagged or "illiquid" in label), (w, t, label)
                if dollars is None:
                    continue
                f = pd.read_csv(shared_data / "universe_ohlcv" / f"{t}.csv", parse_dates=["date"])
                dv = (f.set_index("date")["close"] * f.set_index("date")["volume"]).reindex(window)
                assert dollars == pytest.approx(float(np.nanmedian(dv.to_numpy())), rel=1e-9)
                seen += 1
    assert seen, "some mover of 2025-06-30 has volume in universe_ohlcv"


def test_sector_breadth_matches_pandas(
    store: Store, csv_closes: pd.DataFrame, shared_data: Path
) -> None:
    res = sector_breadth(store, as_of=DAY)
    sectors = _holdings_sectors(shared_data).reindex(csv_closes.columns).fillna("n/a")
    last = csv_closes.iloc[-1]
    bases = _bases(csv_closes.index)
    for name in [*res.sectors, "All members"]:
        cols = (
            list(csv_closes.columns)
            if name == "All members"
            else list(sectors[sectors == name].index)
        )
        key = (
            "all"
            if name == "All members"
            else "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_")
        )
        assert res.fig(f"{key}.members").value == len(cols), name
        for w in (50, 200):
            mean = csv_closes[cols].rolling(w, min_periods=w).mean().iloc[-1]
            full = mean.notna() & last[cols].notna()
            above = (last[cols] > mean) & full
            expect = above.sum() / full.sum()
            assert res.fig(f"{key}.pct_above_{w}").value == pytest.approx(expect, abs=1e-12), name
        for w in ("1W", "MTD", "YTD"):
            r = (last[cols] / csv_closes.loc[bases[w], cols] - 1).dropna()
            assert res.fig(f"{key}.ret.{w}").value == pytest.approx(r.mean(), abs=1e-12), name


def test_all_members_row_equals_breadth(store: Store) -> None:
    from capsize.queries import breadth

    res, br = sector_breadth(store, as_of=DAY), breadth(store, as_of=DAY)
    for w in (50, 200):
        assert res.fig(f"all.pct_above_{w}").value == pytest.approx(
            br.fig(f"pct_above_{w}").value, abs=1e-12
        )
    assert res.fig("all.members").value == br.fig("members").value


# --------------------------------------------------------------------------- point in time


@pytest.mark.parametrize("day", [EARLY, "2026-07-15"])
def test_point_in_time(
    day: str,
    store: Store,
    truncated_home: Callable[[str], Path],
    dates_after: Callable[[Any, str], list[str]],
) -> None:
    cut = Store.open(truncated_home(day) / "capsize.duckdb", read_only=True)
    try:
        for ask in (movers, sector_breadth):
            full, short = ask(store, as_of=day).to_dict(), ask(cut, as_of=day).to_dict()
            assert full == short, ask.__name__
            assert dates_after(full, day) == [], ask.__name__
    finally:
        cut.close()


# --------------------------------------------------------------------------- consistency


def test_cli_api_report_agree(
    store: Store,
    store_home: Path,
    cli_json: Callable[..., dict[str, Any]],
    report_context: Callable[[str | None], Any],
    same_figure: Callable[[Any, Any, dict[str, Any]], None],
) -> None:
    ctx = report_context(DAY)
    for ask, args, prefix in (
        (movers, ("universe", "--movers"), "movers."),
        (sector_breadth, ("breadth", "--sectors"), "sectors."),
    ):
        api = ask(store, as_of=DAY)
        cli = cli_json(store_home, *args, "--as-of", DAY)["figures"]
        shown = [f for f in ctx.figures if f.id.startswith(prefix)]
        assert shown, f"the report shows no {prefix} figure"
        for rf in shown:
            qid = rf.id.removeprefix(prefix)
            same_figure(rf, api.fig(qid), cli[qid])
