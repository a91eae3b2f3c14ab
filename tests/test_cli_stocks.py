"""CLI: capsize screen / rate / catalysts on a store built from real files and recorded SEC responses."""

from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capsize.cli import app

runner = CliRunner()
TICKERS = ("UNCY", "ABCB", "BNED")


@pytest.fixture(scope="module")
def home(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A capsize home whose store holds IWM, three universe stocks and one IWM holdings file."""
    from capsize.data.ingest import import_folder
    from capsize.data.store import Store

    root = tmp_path_factory.mktemp("subset")
    for sub in ("prices", "universe", "universe_ohlcv", "holdings"):
        (root / sub).mkdir()
    shutil.copy(shared_data / "prices" / "IWM.csv", root / "prices")
    for t in TICKERS:
        for sub in ("universe", "universe_ohlcv"):
            if (shared_data / sub / f"{t}.csv").exists():
                shutil.copy(shared_data / sub / f"{t}.csv", root / sub)
    shutil.copy(shared_data / "holdings" / "IWM_holdings_2026-05-05.csv", root / "holdings")
    home = tmp_path_factory.mktemp("home")
    store = Store.open(path=home / "capsize.duckdb")
    import_folder(store, root)
    store.close()
    return home


@pytest.fixture
def env(home: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    return fixtures_dir / "sec"


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_screen_json_and_not_assessed_counts(env: Path, shared_data: Path) -> None:
    out = _json(
        runner.invoke(
            app,
            [
                "screen",
                "--tickers",
                ",".join(TICKERS),
                "--sec-dir",
                str(env),
                "--json",
                "--preset",
                "quality-micro",
            ],
        )
    )
    assert out["universe"] == 3
    assert out["preset"] == "quality-micro"
    assert out["passed"] == 0
    # nobody has XBRL profitability in the recorded set: the rules say so instead of guessing
    total = sum(out["not_assessed"].values()) + sum(out["failed"].values())
    assert total == 3
    assert "recorded SEC responses" in out["sec_source"]


def test_screen_table_and_export(env: Path, tmp_path: Path, shared_data: Path) -> None:
    target = tmp_path / "screen.csv"
    res = runner.invoke(
        app,
        [
            "screen",
            "--tickers",
            ",".join(TICKERS),
            "--sec-dir",
            str(env),
            "--export",
            str(target),
            "--as-of",
            "2026-07-31",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Information, not investment advice" in res.output
    assert "holdings-implied" in res.output
    with target.open() as fh:
        rows = {r["ticker"]: r for r in csv.DictReader(fh)}
    assert set(rows) == set(TICKERS)
    # price column equals the last adjusted close in the real file on or before the date
    with (shared_data / "universe" / "BNED.csv").open() as fh:
        last = [r for r in csv.DictReader(fh) if r["date"] <= "2026-07-31"][-1]
    assert float(rows["BNED"]["price"]) == pytest.approx(float(last["close"]))
    assert rows["BNED"]["price_date"] == last["date"]


def test_screen_bad_preset(env: Path) -> None:
    res = runner.invoke(app, ["screen", "--preset", "moonshots", "--sec-dir", str(env)])
    assert res.exit_code == 1
    assert "unknown" in res.output


def test_rate_card_not_assessed(env: Path) -> None:
    res = runner.invoke(app, ["rate", "UNCY", "--sec-dir", str(env)])
    assert res.exit_code == 0, res.output
    assert "NOT ASSESSED" in res.output
    assert "Information, not investment advice" in res.output
    card = _json(runner.invoke(app, ["rate", "uncy", "--sec-dir", str(env), "--json"]))
    assert card["ticker"] == "UNCY"
    assert card["recommendation"]["value"] == "NOT ASSESSED"
    assert "fundamentals" in card["missing_inputs"]
    assert card["rules_version"]
    flags = {f["id"]: f for f in card["flags"]}
    # UNCY has a recorded 3.03+5.03 8-K on 2025-06-20: evidence carries that date
    dates = [e["date"] for e in flags["repeated_reverse_splits"]["evidence"]]
    assert "2025-06-20" in dates


def test_rate_unknown_ticker(env: Path) -> None:
    res = runner.invoke(app, ["rate", "NOSUCHTKR", "--sec-dir", str(env)])
    assert res.exit_code == 1
    assert "unknown ticker 'NOSUCHTKR'" in res.output


def test_rate_rules_listing() -> None:
    out = _json(runner.invoke(app, ["rate", "--rules", "--json"]))
    assert out["version"]
    assert {r["id"] for r in out["rules"]} >= {"REC-1", "RISK-1", "TF-1"}
    res = runner.invoke(app, ["rate"])
    assert res.exit_code == 1


def test_catalysts_timeline_and_feed(env: Path) -> None:
    out = _json(
        runner.invoke(
            app,
            ["catalysts", "IMNN", "UNCY", "--sec-dir", str(env), "--since", "2025-01-01", "--json"],
        )
    )
    events = out["events"]
    assert {e["ticker"] for e in events} == {"IMNN", "UNCY"}
    rs = {(e["ticker"], e["accession"]) for e in events if e["event"] == "reverse_split"}
    assert ("UNCY", "0001213900-25-056188") in rs
    assert ("IMNN", "0001641172-25-020652") in rs
    assert all(e["date"] >= "2025-01-01" for e in events)
    # no recorded companyfacts for these two: stated per ticker
    assert any("XBRL shares" in k for k in out["errors"])


def test_catalysts_unknown_ticker(env: Path) -> None:
    res = runner.invoke(app, ["catalysts", "NOSUCHTKR", "--sec-dir", str(env)])
    assert res.exit_code == 1
    assert "unknown ticker" in res.output


def test_live_without_user_agent_uses_cache_only(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    assert "CAPSIZE_SEC_USER_AGENT" not in os.environ
    out = _json(runner.invoke(app, ["rate", "UNCY", "--json"]))
    assert "cache only" in out["sec_source"]
    assert "CAPSIZE_SEC_USER_AGENT" in out["sec_source"]
    assert out["recommendation"]["value"] == "NOT ASSESSED"


def test_valuation_states_coverage(env: Path) -> None:
    out = _json(
        runner.invoke(app, ["valuation", "--sec-dir", str(env), "--large", "IWM", "--json"])
    )
    segs = out["segments"]
    assert set(segs) == {"small (IWM)", "large (IWM)"}
    small = segs["small (IWM)"]
    # no recorded company facts for IWM members: coverage is stated as 0, figures are null
    assert small["coverage_weight"] == 0.0
    assert small["pe_aggregate"] is None
    assert small["notes"]
    res = runner.invoke(app, ["valuation", "--sec-dir", str(env), "--large", "IWM"])
    assert res.exit_code == 0, res.output
    assert "weight covered" in res.output


def test_valuation_missing_large_proxy_is_stated(env: Path) -> None:
    out = _json(
        runner.invoke(app, ["valuation", "--sec-dir", str(env), "--json"])
    )  # no IVV holdings here
    assert list(out["segments"]) == ["small (IWM)"]
    assert "large (IVV)" in out["not_assessed"]


def test_progress_path_gathers_same_evidence(home: Path, env: Path) -> None:
    import httpx

    from capsize._cli.stocks import _gather
    from capsize.config import load_settings
    from capsize.data.providers.sec import SecEdgar, recorded_transport
    from capsize.data.store import Store

    edgar = SecEdgar(
        load_settings(), client=httpx.Client(transport=recorded_transport(env)), offline=True
    )
    store = Store.open(path=home / "capsize.duckdb", read_only=True)
    try:
        with_bar = _gather(store, ["UNCY", "BNED"], live=True, edgar=edgar)
        without = _gather(store, ["UNCY", "BNED"], live=False, edgar=edgar)
    finally:
        store.close()
    assert [e.ticker for e in with_bar] == [e.ticker for e in without] == ["UNCY", "BNED"]
    assert with_bar[1].market_cap == pytest.approx(without[1].market_cap)


# --------------------------------------------------------------------------- review fixes


@pytest.fixture
def full(store_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at the store filled from the whole shared data folder."""
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    return store_home


def test_screen_unknown_ticker_does_not_pass(full: Path) -> None:
    res = runner.invoke(app, ["screen", "--tickers", "ZZZZ", "--no-sec"])
    assert res.exit_code == 1
    assert "unknown ticker ZZZZ: no prices in the store" in res.output
    assert "pass" not in res.output
    out = json.loads(
        runner.invoke(app, ["screen", "--tickers", "RXT,ZZZZ", "--no-sec", "--json"]).stdout
    )
    assert out["universe"] == 1
    assert [r["ticker"] for r in out["rows"]] == ["RXT"]
    assert out["unknown_tickers"] == {"ZZZZ": "no prices in the store"}


def test_rate_before_data_start_says_when_data_starts(full: Path, shared_data: Path) -> None:
    with (shared_data / "universe" / "RXT.csv").open() as fh:
        first = min(r["date"] for r in csv.DictReader(fh))
    res = runner.invoke(app, ["rate", "rxt", "--as-of", "2010-01-01", "--offline"])
    assert res.exit_code == 1
    assert "unknown ticker" not in res.output
    assert f"RXT has no prices on or before 2010-01-01 (its data starts {first})" in res.output


def test_rate_refuses_etf(full: Path) -> None:
    res = runner.invoke(app, ["rate", "iwm", "--offline"])
    assert res.exit_code == 1
    assert "IWM is an ETF; rating cards are for stocks" in res.output
    out = json.loads(
        runner.invoke(app, ["screen", "--tickers", "IWM,RXT", "--no-sec", "--json"]).stdout
    )
    assert [r["ticker"] for r in out["rows"]] == ["RXT"]
    assert out["not_stocks"] == {"IWM": "etf"}


def test_lower_case_tickers_everywhere(full: Path) -> None:
    upper = json.loads(
        runner.invoke(app, ["screen", "--tickers", "RXT", "--no-sec", "--json"]).stdout
    )
    lower = json.loads(
        runner.invoke(
            app, ["screen", "--tickers", "rxt", "--fund", "iwm", "--no-sec", "--json"]
        ).stdout
    )
    assert lower["rows"] == upper["rows"]
    card = json.loads(runner.invoke(app, ["rate", "rxt", "--offline", "--json"]).stdout)
    assert card["ticker"] == "RXT"
    assert card["key_figures"]["price"] != "n/a"
    assert card["key_figures"]["market_cap"].startswith("$")


def test_screen_states_actual_price_date(full: Path, shared_data: Path) -> None:
    with (shared_data / "universe" / "RXT.csv").open() as fh:
        last = max(r["date"] for r in csv.DictReader(fh))
    res = runner.invoke(app, ["screen", "--tickers", "RXT", "--no-sec", "--as-of", "2027-01-01"])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert f"prices as of {last}; requested 2027-01-01" in flat
    assert "as of 2027-01-01" not in flat.replace("requested 2027-01-01", "")
    out = json.loads(
        runner.invoke(
            app, ["screen", "--tickers", "RXT", "--no-sec", "--as-of", "2027-01-01", "--json"]
        ).stdout
    )
    assert out["price_as_of"] == last == out["rows"][0]["price_date"]
    assert out["requested_as_of"] == "2027-01-01"
    card = runner.invoke(app, ["rate", "RXT", "--offline", "--as-of", "2027-01-01"])
    assert f"(prices as of {last})" in card.output.splitlines()[0]


def test_flags_column_shows_not_assessed_and_extreme_risk(full: Path, shared_data: Path) -> None:
    import math

    res = runner.invoke(app, ["screen", "--tickers", "RXT", "--no-sec"])
    assert res.exit_code == 0, res.output
    out = json.loads(
        runner.invoke(app, ["screen", "--tickers", "RXT", "--no-sec", "--json"]).stdout
    )
    row = out["rows"][0]
    n_na = int(row["flags_not_assessed"])
    assert n_na > 0
    assert f"{int(row['flags_raised'])} ({n_na} n/a)" in res.output
    # the largest one-day gain, recomputed from the real file with the csv module
    with (shared_data / "universe" / "RXT.csv").open() as fh:
        rows = [(r["date"], float(r["close"])) for r in csv.DictReader(fh) if r["close"]]
    last = rows[-1][0]
    cut = str(int(last[:4]) - 1) + last[4:]
    gains = [(d1, c1 / c0 - 1) for (_, c0), (d1, c1) in itertools.pairwise(rows) if d1 > cut]
    day, best = max(gains, key=lambda x: x[1])
    assert row["max_gain_1d"] == pytest.approx(best)
    card = json.loads(runner.invoke(app, ["rate", "RXT", "--offline", "--json"]).stdout)
    assert card["rules_version"] == "1.2.0"
    assert card["risk"]["value"] == "HIGH"
    assert any(r.startswith("RISK-7") for r in card["risk"]["rules"])
    if best >= 1.0:
        assert day in [e["date"] for e in card["risk"]["evidence"]]
    assert not math.isnan(row["vol_1y"])


def test_quality_micro_offline_says_which_rule_removed_everyone(full: Path) -> None:
    out = json.loads(
        runner.invoke(app, ["screen", "--preset", "quality-micro", "--offline", "--json"]).stdout
    )
    assert out["passed"] == 0
    stats = out["rule_stats"]
    assert stats[0]["entered"] == out["universe"]
    for a, b in itertools.pairwise(stats):
        assert b["entered"] == a["passed"]
    for st in stats:
        assert st["entered"] == st["passed"] + st["failed"] + st["not_assessed"]
    prof = next(st for st in stats if st["rule"].startswith("profitable"))
    assert prof["entered"] > 0
    assert prof["not_assessed"] == prof["entered"]
    assert any("offline SEC cache" in r for r in prof["reasons"])
    assert out["empty_reason"].startswith("no stock passes: rule 'profitable")
    res = runner.invoke(app, ["screen", "--preset", "quality-micro", "--offline"])
    flat = " ".join(res.output.split())
    assert "0 in, 0 pass, 0 fail, 0 NOT ASSESSED" in flat
    assert "No stock passes: rule 'profitable (TTM net income > 0)' removed the last" in flat
    assert "set CAPSIZE_SEC_USER_AGENT or --sec-dir" in flat


def test_estimated_market_cap_is_marked(full: Path) -> None:
    res = runner.invoke(app, ["screen", "--tickers", "RXT", "--no-sec"])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "estimate (assumes index float cap $3.0T; --index-cap to change)" in flat
    row = next(line for line in res.output.splitlines() if "RXT" in line)
    assert row.count("*") == 2  # band and market cap
    base = json.loads(
        runner.invoke(app, ["screen", "--tickers", "RXT", "--no-sec", "--json"]).stdout
    )
    twice = json.loads(
        runner.invoke(
            app, ["screen", "--tickers", "RXT", "--no-sec", "--json", "--index-cap", "6e12"]
        ).stdout
    )
    assert base["rows"][0]["market_cap_estimated"] == 1.0
    assert twice["rows"][0]["market_cap"] == pytest.approx(2 * base["rows"][0]["market_cap"])
    assert "$6.0T" in twice["rows"][0]["market_cap_source"]
    card = json.loads(runner.invoke(app, ["rate", "RXT", "--offline", "--json"]).stdout)
    assert (
        "estimate (assumes index float cap $3.0T; --index-cap to change)"
        in (card["key_figures"]["market_cap"])
    )


def test_rate_unknown_ticker_reason_is_short(full: Path) -> None:
    res = runner.invoke(app, ["rate", "zzzz", "--offline"])
    assert res.exit_code == 1
    flat = " ".join(res.output.split())
    assert "unknown ticker 'ZZZZ'" in flat
    assert "not in the offline SEC cache; set CAPSIZE_SEC_USER_AGENT or --sec-dir" in flat
    assert "company_tickers.json" not in flat
