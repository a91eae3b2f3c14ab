"""``capsize factor`` and ``capsize rotation`` on a store filled from the real CSVs.

The store is written directly with :class:`capsize.data.store.Store` (not the
importer), so these tests depend only on the store's read/write API. Expected
figures come from the csv module and float loops. ``--json`` is the query result's
dict (``capsize.query/1``): figures by id, tables whose numeric cells name figures.
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
    out = json.loads(res.output)
    assert isinstance(out, dict) and out["schema"] == "capsize.query/1"
    return out


def _v(p: dict, fid: str) -> float | int | None:
    return p["figures"][fid]["value"]


def _cells(p: dict, table: str, col: int = 0) -> list:
    return [r[col] for r in p["tables"][table]["rows"]]


def _smb(shared_data: Path) -> list[tuple[str, float]]:
    with (shared_data / "macro" / "FF3_monthly.csv").open(newline="") as fh:
        return [(r["date"], float(r["SMB"]) / 100.0) for r in csv.DictReader(fh)]


def _components(p: dict) -> dict[str, dict]:
    names = (
        "relative_strength",
        "breadth",
        "rates_regime",
        "flows",
        "valuation",
        "size_factor_regime",
    )
    return {
        n: {
            k: p["figures"][f"{n}.{k}"]
            for k in ("reading", "score", "weight", "weight_used", "as_of", "status")
        }
        for n in names
    }


def test_factor_json_matches_plain_python(use_home: Path, shared_data: Path) -> None:
    p = _json(["factor", "--json"])
    smb = _smb(shared_data)
    g = 1.0
    for _, x in smb:
        g *= 1.0 + x
    assert p["query"] == "factor_history"
    assert _cells(p, "summary")[0] == "SMB (FF3, monthly)"
    assert math.isclose(_v(p, "smb.growth"), g, rel_tol=1e-10)
    assert p["figures"]["smb.growth"]["provenance"]["window"] == "1926-07-31..2025-10-31"
    g5 = 1.0
    for _, x in smb[-60:]:
        g5 *= 1.0 + x
    assert math.isclose(_v(p, "smb.trailing_5y.ann"), g5 ** (1 / 5) - 1.0, rel_tol=1e-9)
    assert _v(p, "smb.streak.current.years") == 4
    cur = p["figures"]["smb.streak.current.years"]
    assert cur["provenance"]["window"].startswith("2021..2024")
    assert "large caps" in cur["label"]
    last_year = p["tables"]["smb.years"]["rows"][-1]
    assert last_year[0] == "2025" and last_year[2] == "large caps" and last_year[3] == "partial"
    assert _v(p, "smb.year.2025.months") == 10
    assert any("anecdotes" in n for n in p["notes"])
    # IJR is not in this store: that proxy is skipped, not an error
    assert _cells(p, "smb.tracking") == ["IWM / SPY vs SMB"]
    assert _cells(p, "decile_vw.tracking") == [
        "IWC / SPY vs Lo 10 / Hi 10",
        "IWM / SPY vs Lo 10 / Hi 10",
    ]
    am = p["tables"]["smb.aftermath"]
    assert "after 4 calendar years running of large-cap" in am["title"]  # current run: 2021-2024
    assert _cells(p, "smb.aftermath") == ["1951-1957", "1994-1998", "2021-2024"]
    assert "Smallest / largest decile, equal-weighted" in _cells(p, "summary")
    assert "decile_vw.years" in p["tables"]
    assert any("published 2 months after the month ends" in n for n in p["notes"])
    assert "FF5_2x3 monthly: not in the store" in " ".join(p["notes"])
    assert p["as_of"] == "2026-04-30"  # the daily file's last complete month
    assert p["requested_as_of"] is None


def test_factor_as_of_applies_the_publication_lag(use_home: Path, shared_data: Path) -> None:
    p = _json(["factor", "--as-of", "2025-06-30", "--json"])
    # June 30 ends June; with a 2-month lag the last published month is April 2025
    assert p["as_of"] == "2025-04-30"
    assert p["requested_as_of"] == "2025-06-30"
    g = 1.0
    for d, x in _smb(shared_data):
        if d <= "2025-04-30":
            g *= 1.0 + x
    assert math.isclose(_v(p, "smb.growth"), g, rel_tol=1e-10)
    assert any("the last usable month is 2025-04" in n for n in p["notes"])
    text = json.dumps(p)
    assert not [d for d in re.findall(r"\d{4}-\d{2}-\d{2}", text) if d > "2025-06-30"]


def test_factor_since_and_tables(use_home: Path) -> None:
    p = _json(["factor", "--since", "1990", "--json"])
    assert all(w.startswith("1990-01") for w in _cells(p, "summary", 1))
    res = runner.invoke(app, ["factor", "--years", "5"])
    assert res.exit_code == 0, res.output
    for text in (
        "longest runs",
        "legs of the relative line",
        "forward relative returns",
        "anecdotes",
        "last 5 complete calendar years",
    ):
        assert text in res.output
    assert not re.search(r"\bnan\b|\bNone\b|\binf\b", res.output)


def test_rotation_as_of_is_point_in_time(use_home: Path, shared_data: Path) -> None:
    p = _json(["rotation", "--as-of", "2024-03-15", "--json"])
    comps = _components(p)
    sfr = comps["size_factor_regime"]
    # on 2024-03-15 the last complete month is February; with a 2-month lag the last
    # usable French month is December 2023
    assert sfr["as_of"]["note"] == "2023-12-31"
    assert comps["relative_strength"]["as_of"]["note"] <= "2024-03-15"
    assert comps["rates_regime"]["as_of"]["note"] <= "2024-03-15"
    assert comps["breadth"]["status"]["note"] == "NOT ASSESSED"
    assert comps["flows"]["status"]["note"] == "NOT ASSESSED"  # first snapshot is 2025-05-13
    assessed = [c for c in comps.values() if c["status"]["note"] == "ASSESSED"]
    tot = sum(c["weight"]["value"] for c in assessed)
    expected = sum(c["weight"]["value"] * c["score"]["value"] for c in assessed) / tot
    assert math.isclose(_v(p, "score"), expected, abs_tol=1e-9)
    assert p["series"]["history.score"]["dates"][-1] <= "2024-03-15"
    assert any("renormalised" in n for n in p["notes"])
    # the 12-month-ahead evidence cannot use prices after as_of
    assert p["tables"]["evidence"]["rows"]
    assert not [d for d in re.findall(r"\d{4}-\d{2}-\d{2}", json.dumps(p)) if d > "2024-03-15"]


def test_rotation_flows_and_one_staleness_rule(use_home: Path) -> None:
    p = _json(["rotation", "--as-of", "2026-05-20", "--json"])
    flows = _components(p)["flows"]
    assert math.isclose(flows["reading"]["value"], 278_750_000 / 281_300_000 - 1.0)
    # drift: flows were scored up to 31 days old (builder) or 60 (score); the one staleness
    # rule allows 10 days for daily data: a 15-day-old share count is not assessed
    assert flows["status"]["note"] == "NOT ASSESSED"
    assert "limit 10 days for daily data" in flows["score"]["note"]
    assert any(n.startswith("Staleness: Data is stale") for n in p["notes"])
    latest = _json(["rotation", "--json"])
    assert latest["as_of"] == "2026-08-21"
    rows = {r[0]: r for r in latest["tables"]["components"]["rows"]}
    assert "stale vintage" in rows["Size-factor regime"][-1]
    size = _components(latest)["size_factor_regime"]
    assert size["status"]["note"] == "NOT ASSESSED"  # was kept 7 months old (limit 400 days)
    assert "limit 92 days for monthly data" in size["score"]["note"]
    res = runner.invoke(app, ["rotation"])
    assert res.exit_code == 0, res.output
    assert "NOT ASSESSED" in res.output
    assert res.output.startswith("Bottom line: Small caps lead large caps by 9.5 pp this year")
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
    rs = _components(p)["relative_strength"]
    assert rs["weight"]["value"] == 0.0
    assert rs["weight_used"]["value"] == 0.0
    assert p["params"]["weights"]["relative_strength"] == 0.0
    assert "Weights: [rotation.weights] of config.toml." in p["notes"]
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
    for cmd in ("rotation", "factor"):
        res = runner.invoke(app, [cmd, "--as-of", "yesterday-ish"])
        assert res.exit_code == 1
        assert "--as-of" in res.output


def test_rotation_after_the_data_ends_uses_the_latest_data(use_home: Path) -> None:
    # consistent with every command: a future --as-of runs on the latest data, with a note
    p = _json(["rotation", "--as-of", "2030-01-01", "--json"])
    last = _json(["rotation", "--json"])
    assert p["as_of"] == last["as_of"] == "2026-08-21"
    assert p["requested_as_of"] == "2030-01-01"
    note = (
        "as-of 2030-01-01 is after the latest IWM/SPY close (2026-08-21); the score is as of "
        "2026-08-21"
    )
    assert note in p["notes"]
    assert _v(p, "score") == _v(last, "score")
    assert _components(p)["relative_strength"]["status"]["note"] == "ASSESSED"
    res = runner.invoke(app, ["rotation", "--as-of", "2030-01-01"])
    assert "as-of 2030-01-01 is after the latest IWM/SPY close" in " ".join(res.output.split())


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
    for f in (
        "macro/FF3_monthly.csv",
        "macro/FF3_daily.csv",
        "macro/Portfolios_Formed_on_ME_VW_monthly.csv",
    ):
        assert f in p["sources"]
    assert p["figures"]["smb.growth"]["provenance"]["source"] == "macro/FF3_monthly.csv"
    daily = p["figures"]["smb_daily.growth"]["provenance"]["source"]
    assert daily == "macro/FF3_daily.csv"
    with (shared_data / "macro" / "FF3_daily.csv").open(newline="") as fh:
        daily_last = [r["date"] for r in csv.DictReader(fh)][-1]
    latest = max(_smb(shared_data)[-1][0][:7], daily_last[:7])
    assert p["as_of"][:7] == latest
    out = " ".join(runner.invoke(app, ["factor"]).output.split())
    assert f"Data as of {p['as_of']}; sources: macro/FF3_monthly.csv" in out


def test_rotation_breadth_from_membership_snapshot(use_home: Path, shared_data: Path) -> None:
    as_of = "2026-07-31"
    p = _json(["rotation", "--as-of", as_of, "--json"])
    b = _components(p)["breadth"]
    members = (use_home / "members.txt").read_text().split("\n")
    closes: dict[str, dict[str, float]] = {}
    for t in members:
        with (shared_data / "universe" / f"{t}.csv").open(newline="") as fh:
            closes[t] = {r["date"]: float(r["close"]) for r in csv.DictReader(fh) if r["close"]}
    days = sorted({d for c in closes.values() for d in c if "2025-06-26" <= d <= as_of})[-200:]
    full = [t for t in members if all(d in closes[t] for d in days)]
    above = sum(1 for t in full if closes[t][days[-1]] > sum(closes[t][d] for d in days) / 200)
    assert b["status"]["note"] == "ASSESSED"
    assert math.isclose(b["reading"]["value"], above / len(full), rel_tol=1e-12)
    rows = {r[0]: r for r in p["tables"]["components"]["rows"]}
    assert f"{above:,} of {len(full):,}" in rows["Small-cap breadth"][-1]
    assert any("survivorship" in n for n in p["notes"])
    before = _json(["rotation", "--as-of", "2026-06-15", "--json"])
    bb = _components(before)["breadth"]
    assert bb["status"]["note"] == "NOT ASSESSED"
    assert bb["score"]["note"] == (
        "no IWM member list (holdings file or membership snapshot) dated on or before 2026-06-15"
    )
