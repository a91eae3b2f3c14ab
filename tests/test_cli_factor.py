"""``capsize factor`` and ``capsize rotation`` on a store filled from the real CSVs.

The store is written directly with :class:`capsize.data.store.Store` (not the
importer), so these tests depend only on the store's read/write API. Expected
figures come from the csv module and float loops.
"""

from __future__ import annotations

import csv
import json
import math
import re
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from typer.testing import CliRunner

from capsize.cli import app
from capsize.data.store import Store

if TYPE_CHECKING:
    from pathlib import Path

runner = CliRunner()

_FACTOR_FILES = (
    ("FF3_monthly", "FF3", "monthly"),
    ("FF3_daily", "FF3", "daily"),
    ("Portfolios_Formed_on_ME_VW_monthly", "ME_portfolios_VW", "monthly"),
    ("Portfolios_Formed_on_ME_EW_monthly", "ME_portfolios_EW", "monthly"),
)


@pytest.fixture(scope="module")
def home(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("factor_home")
    st = Store.open(path=path / "capsize.duckdb")
    try:
        for fn, ds, fq in _FACTOR_FILES:
            df = pd.read_csv(shared_data / "macro" / f"{fn}.csv")
            long = df.melt(id_vars="date", var_name="name", value_name="value")
            long["value"] = long["value"].mask(long["value"].isin([-99.99, -999.0]))
            long["date"] = pd.to_datetime(long["date"]).dt.date
            st.write_factors(long.assign(dataset=ds, frequency=fq, source=fn))
        for sym in ("IWM", "SPY", "IWC"):
            df = pd.read_csv(shared_data / "prices" / f"{sym}.csv")
            st.write_bars(df.assign(symbol=sym, basis="adjusted"), source=f"prices/{sym}.csv")
        m = pd.read_csv(shared_data / "macro" / "DGS2.csv")
        st.write_macro(m.assign(series_id="DGS2", source="macro/DGS2.csv"))
        fs = pd.read_csv(shared_data / "flows" / "IWM_shares_outstanding_ishares_snapshots.csv")
        st.write_fund_shares(
            pd.DataFrame(
                {
                    "fund": "IWM",
                    "date": pd.to_datetime(fs["date"]).dt.date,
                    "shares_outstanding": fs["shares_outstanding"],
                    "nav": math.nan,
                    "source": "flows",
                }
            )
        )
        # one real IWM membership snapshot and the first 70 of its members with price files
        with (
            shared_data / "holdings" / "IWM_membership_history_major-index-etfs.csv"
        ).open() as fh:
            snap = [r["ticker"] for r in csv.DictReader(fh) if r["snapshot_date"] == "2026-07-01"]
        members = [t for t in snap if (shared_data / "universe" / f"{t}.csv").exists()][:70]
        st.write_membership(
            pd.DataFrame(
                {
                    "index_name": "IWM",
                    "snapshot_date": pd.Timestamp("2026-07-01").date(),
                    "ticker": members,
                    "weight": math.nan,
                    "source": "membership",
                }
            )
        )
        for t in members:
            df = pd.read_csv(shared_data / "universe" / f"{t}.csv")
            st.write_bars(df.assign(symbol=t, basis="adjusted"), source=f"universe/{t}.csv")
        (path / "members.txt").write_text("\n".join(members))
    finally:
        st.close()
    return path


@pytest.fixture
def use_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    return home


def _json(args: list[str]) -> dict:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def _smb(shared_data: Path) -> list[tuple[str, float]]:
    with (shared_data / "macro" / "FF3_monthly.csv").open(newline="") as fh:
        return [(r["date"], float(r["SMB"]) / 100.0) for r in csv.DictReader(fh)]


def test_factor_json_matches_plain_python(use_home: Path, shared_data: Path) -> None:
    p = _json(["factor", "--json"])
    smb = _smb(shared_data)
    g = 1.0
    for _, x in smb:
        g *= 1.0 + x
    main = p["summary"][0]
    assert main["series"] == "SMB (FF3, monthly)"
    assert math.isclose(main["growth"], g, rel_tol=1e-10)
    assert main["first"] == "1926-07-31"
    assert main["last"] == "2025-10-31"
    g5 = 1.0
    for _, x in smb[-60:]:
        g5 *= 1.0 + x
    assert math.isclose(main["trailing_5y_ann"], g5 ** (1 / 5) - 1.0, rel_tol=1e-9)
    d = p["details"]["main"]
    assert d["current_streak"]["start_year"] == 2021
    assert d["year_to_date"] == {
        "year": 2025,
        "months": 10,
        "relative": pytest.approx(d["years"][-1]["relative"]),
        "leader": "large",
    }
    assert d["forward"]["warning"]
    # IJR is not in this store: that proxy is skipped, not an error
    assert [t["proxy"] for t in d["tracking"]] == ["IWM / SPY"]
    assert [t["proxy"] for t in p["details"]["decile_vw"]["tracking"]] == ["IWC / SPY", "IWM / SPY"]
    am = d["aftermath"]
    assert (am["leader"], am["min_years"]) == ("large", 4)  # current run: 2021-2024
    assert [r["start_year"] for r in am["table"]] == [1951, 1994, 2021]
    labels = [s["series"] for s in p["summary"]]
    assert "Smallest / largest decile, equal-weighted" in labels
    assert "decile_vw" in p["details"]
    assert any("M+2" in n for n in p["notes"])
    assert "FF5_2x3 monthly: not in the store" in " ".join(p["notes"])


def test_factor_since_and_tables(use_home: Path) -> None:
    p = _json(["factor", "--since", "1990", "--json"])
    assert all(s["first"].startswith("1990-01") for s in p["summary"])
    res = runner.invoke(app, ["factor", "--years", "5"])
    assert res.exit_code == 0, res.output
    for text in ("Longest runs", "Cycles of the relative line", "What followed", "anecdotes"):
        assert text in res.output
    assert not re.search(r"\bnan\b|\bNone\b|\binf\b", res.output)


def test_rotation_as_of_is_point_in_time(use_home: Path, shared_data: Path) -> None:
    p = _json(["rotation", "--as-of", "2024-03-15", "--json"])
    comps = {c["name"]: c for c in p["components"]}
    sfr = comps["size_factor_regime"]
    # on 2024-03-15 the last complete month is February; with a 2-month lag the last
    # usable French month is December 2023
    assert sfr["as_of"] == "2023-12-31"
    assert comps["relative_strength"]["as_of"] <= "2024-03-15"
    assert comps["rates_regime"]["as_of"] <= "2024-03-15"
    assert comps["breadth"]["status"] == "NOT ASSESSED"
    assert comps["flows"]["status"] == "NOT ASSESSED"  # first snapshot is 2025-05-13
    assessed = [c for c in p["components"] if c["status"] == "ASSESSED"]
    tot = sum(c["weight"] for c in assessed)
    assert math.isclose(p["score"], sum(c["weight"] * c["score"] for c in assessed) / tot)
    assert p["history"][-1]["date"] <= "2024-03-15"
    assert "renormalised" in p["disclosure"]
    # the 12-month-ahead evidence cannot use prices after as_of
    assert p["evidence"]["last"] <= "2024-03-15"


def test_rotation_default_date_and_flows(use_home: Path) -> None:
    p = _json(["rotation", "--as-of", "2026-05-20", "--json"])
    comps = {c["name"]: c for c in p["components"]}
    assert comps["flows"]["status"] == "ASSESSED"
    assert math.isclose(comps["flows"]["value"], 278_750_000 / 281_300_000 - 1.0)
    latest = _json(["rotation", "--json"])
    assert latest["as_of"] == "2026-08-21"
    assert (
        "stale vintage"
        in {c["name"]: c for c in latest["components"]}["size_factor_regime"]["evidence"]
    )
    res = runner.invoke(app, ["rotation"])
    assert res.exit_code == 0, res.output
    assert "NOT ASSESSED" in res.output
    assert "Rotation score" in res.output
    assert "Score history, last 12 month ends" in res.output
    assert not re.search(r"\bnan\b|\bNone\b|\binf\b", res.output)


def test_rotation_weights_from_config(use_home: Path, tmp_path: Path, monkeypatch) -> None:
    # a separate home: the module store is shared, config lives beside it
    home2 = tmp_path / "h"
    home2.mkdir()
    (home2 / "capsize.duckdb").symlink_to(use_home / "capsize.duckdb")
    monkeypatch.setenv("CAPSIZE_HOME", str(home2))
    (home2 / "config.toml").write_text("[rotation.weights]\nrelative_strength = 0.0\n")
    p = _json(["rotation", "--as-of", "2024-03-15", "--json"])
    comps = {c["name"]: c for c in p["components"]}
    assert comps["relative_strength"]["weight"] == 0.0
    assert comps["relative_strength"]["weight_used"] == 0.0
    (home2 / "config.toml").write_text("[rotation.weights]\nmomentum = 1.0\n")
    res = runner.invoke(app, ["rotation", "--as-of", "2024-03-15"])
    assert res.exit_code == 1
    assert "unknown component 'momentum'" in res.output


def test_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(tmp_path))
    Store.open(path=tmp_path / "capsize.duckdb").close()
    res = runner.invoke(app, ["factor"])
    assert res.exit_code == 1
    assert "capsize data import" in res.output
    res = runner.invoke(app, ["rotation", "--as-of", "yesterday-ish"])
    assert res.exit_code == 1
    assert "--as-of" in res.output


def test_rotation_after_the_data_ends_uses_the_latest_data(use_home: Path) -> None:
    # consistent with every command: a future --as-of runs on the latest data, with a note
    p = _json(["rotation", "--as-of", "2030-01-01", "--json"])
    last = _json(["rotation", "--json"])
    assert p["as_of"] == last["as_of"] == "2026-08-21"
    assert p["as_of_note"] == (
        "as-of 2030-01-01 is after the latest data (2026-08-21); figures are as of 2026-08-21"
    )
    assert p["score"] == last["score"]
    comps = {c["name"]: c for c in p["components"]}
    assert comps["relative_strength"]["status"] == "ASSESSED"
    res = runner.invoke(app, ["rotation", "--as-of", "2030-01-01"])
    assert "as-of 2030-01-01 is after the latest data" in " ".join(res.output.split())


def test_factor_years_zero_is_rejected(use_home: Path) -> None:
    res = runner.invoke(app, ["factor", "--years", "0"])
    assert res.exit_code == 1
    assert "--years 0 shows no year" in res.output
    assert "Traceback" not in res.output


def test_factor_names_its_files_and_as_of(
    store_home: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    p = _json(["factor", "--json"])
    assert p["sources"]["FF3"] == "macro/FF3_daily.csv; macro/FF3_monthly.csv"
    assert p["sources"]["ME_portfolios_VW"] == "macro/Portfolios_Formed_on_ME_VW_monthly.csv"
    with (shared_data / "macro" / "FF3_daily.csv").open(newline="") as fh:
        daily_last = [r["date"] for r in csv.DictReader(fh)][-1]
    latest = max(_smb(shared_data)[-1][0][:7], daily_last[:7])
    assert p["as_of"][:7] == latest
    out = " ".join(runner.invoke(app, ["factor"]).output.split())
    assert (
        f"Data as of {latest} (latest month); sources: FF3 macro/FF3_daily.csv; "
        "macro/FF3_monthly.csv" in out
    )


def test_rotation_breadth_from_membership_snapshot(use_home: Path, shared_data: Path) -> None:
    as_of = "2026-07-31"
    p = _json(["rotation", "--as-of", as_of, "--json"])
    b = {c["name"]: c for c in p["components"]}["breadth"]
    members = (use_home / "members.txt").read_text().split("\n")
    closes: dict[str, dict[str, float]] = {}
    for t in members:
        with (shared_data / "universe" / f"{t}.csv").open(newline="") as fh:
            closes[t] = {r["date"]: float(r["close"]) for r in csv.DictReader(fh) if r["close"]}
    days = sorted({d for c in closes.values() for d in c if "2025-06-26" <= d <= as_of})[-200:]
    full = [t for t in members if all(d in closes[t] for d in days)]
    above = sum(1 for t in full if closes[t][days[-1]] > sum(closes[t][d] for d in days) / 200)
    assert b["status"] == "ASSESSED"
    assert math.isclose(b["value"], above / len(full), rel_tol=1e-12)
    assert f"{above:,} of {len(full):,}" in b["evidence"]
    assert any("survivorship" in n for n in p["notes"])
    before = _json(["rotation", "--as-of", "2026-06-15", "--json"])
    assert {c["name"]: c for c in before["components"]}["breadth"]["status"] == "NOT ASSESSED"
