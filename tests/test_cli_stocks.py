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
    out = json.loads(result.stdout)
    assert isinstance(out, dict)
    assert "schema" in out or "version" in out  # a query answer, or the published rules
    return out


def _rows(out: dict, table: str) -> list[dict]:
    """Rows of a result table as dicts; a figure cell becomes its figure."""
    t = out["tables"][table]
    figs = out["figures"]

    def cell(c):
        return figs[c["figure"]] if isinstance(c, dict) and "figure" in c else c

    return [dict(zip(t["columns"], map(cell, r), strict=True)) for r in t["rows"]]


def _value(cell):
    return cell["value"] if isinstance(cell, dict) else cell


def _card(out: dict) -> dict:
    """Field -> value of a rating card answer."""
    return {r["field"]: r["value"] for r in _rows(out, "card")}


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
    assert out["query"] == "screen"
    assert out["figures"]["universe"]["value"] == 3
    assert out["params"]["preset"] == "quality-micro"
    assert out["figures"]["passed"]["value"] == 0
    # nobody has XBRL profitability in the recorded set: the rules say so instead of guessing
    rules = _rows(out, "rules")
    total = sum(_value(r["not assessed"]) + _value(r["failed"]) for r in rules)
    assert total == 3
    assert "recorded SEC responses" in out["params"]["sec"]
    assert any("recorded SEC responses" in src for src in out["sources"])


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


def test_screen_custom_rule_and_json_is_the_answer(env: Path) -> None:
    out = _json(
        runner.invoke(
            app,
            [
                *("screen", "--tickers", ",".join(TICKERS), "--sec-dir", str(env), "--json"),
                *("--rule", "mom_12_1>-10", "--rule", "cap_band in micro,small,nano"),
            ],
        )
    )
    assert out["params"]["rules"] == ["mom_12_1 > -10", "cap_band in ['micro', 'small', 'nano']"]
    assert set(out) == {
        "schema", "query", "as_of", "requested_as_of", "sources", "params", "figures",
        "tables", "series", "notes",
    }  # fmt: skip
    res = runner.invoke(app, ["screen", "--tickers", "UNCY", "--rule", "pe ~ 3", "--no-sec"])
    assert res.exit_code == 1
    assert "is not 'column op value'" in res.output


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
    assert card["query"] == "rating_card"
    assert card["params"]["ticker"] == "UNCY"
    assert _card(card)["recommendation"] == "NOT ASSESSED"
    assert "fundamentals" in {r["input"] for r in _rows(card, "missing")}
    assert card["params"]["rules_version"]
    # UNCY has a recorded 3.03+5.03 8-K on 2025-06-20: evidence carries that date
    dates = [
        r["date"] for r in _rows(card, "flag_evidence") if r["field"] == "repeated_reverse_splits"
    ]
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
    events = _rows(out, "events")
    assert {e["ticker"] for e in events} == {"IMNN", "UNCY"}
    rs = {(e["ticker"], e["accession"]) for e in events if e["event"] == "reverse_split"}
    assert ("UNCY", "0001213900-25-056188") in rs
    assert ("IMNN", "0001641172-25-020652") in rs
    assert all(e["date"] >= "2025-01-01" for e in events)
    assert out["figures"]["events"]["value"] == len(events)
    # no recorded companyfacts for these two: stated per ticker
    assert any("XBRL shares" in n for n in out["notes"])


def test_catalysts_need_no_store(
    fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(tmp_path))  # an empty home: no store at all
    sec = str(fixtures_dir / "sec")
    out = _json(runner.invoke(app, ["catalysts", "UNCY", "--sec-dir", sec, "--json"]))
    dates = [r["date"] for r in _rows(out, "events")]
    assert out["as_of"] >= max(dates)  # the last filing read, not a store date
    assert out["requested_as_of"] is None


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
    assert "cache only" in out["params"]["sec"]
    assert "CAPSIZE_SEC_USER_AGENT" in out["params"]["sec"]
    assert _card(out)["recommendation"] == "NOT ASSESSED"


def test_valuation_states_coverage(env: Path) -> None:
    out = _json(
        runner.invoke(app, ["valuation", "--sec-dir", str(env), "--large", "IWM", "--json"])
    )
    segs = {r["segment"] for r in _rows(out, "segments")}
    assert segs == {"small (IWM)", "large (IWM)"}
    # no recorded company facts for IWM members: coverage is stated as 0, figures are null
    assert out["figures"]["small.coverage_weight"]["value"] == 0.0
    assert out["figures"]["small.pe_aggregate"]["value"] is None
    assert out["figures"]["small.pe_aggregate"]["note"]
    assert any(n.startswith("small (IWM): ") for n in out["notes"])
    res = runner.invoke(app, ["valuation", "--sec-dir", str(env), "--large", "IWM"])
    assert res.exit_code == 0, res.output
    assert "weight covered" in res.output


def test_valuation_missing_large_proxy_is_stated(env: Path) -> None:
    out = _json(
        runner.invoke(app, ["valuation", "--sec-dir", str(env), "--json"])
    )  # no IVV holdings here
    assert [r["segment"] for r in _rows(out, "segments")] == ["small (IWM)"]
    assert any(n.startswith("large (IVV): NOT ASSESSED") for n in out["notes"])


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
    out = _json(runner.invoke(app, ["screen", "--tickers", "RXT,ZZZZ", "--no-sec", "--json"]))
    assert out["figures"]["universe"]["value"] == 1
    assert [r["ticker"] for r in _rows(out, "screen")] == ["RXT"]
    assert _rows(out, "excluded") == [
        {"ticker": "ZZZZ", "reason": "unknown ticker ZZZZ: no prices in the store"}
    ]


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
    out = _json(runner.invoke(app, ["screen", "--tickers", "IWM,RXT", "--no-sec", "--json"]))
    assert [r["ticker"] for r in _rows(out, "screen")] == ["RXT"]
    assert [r["ticker"] for r in _rows(out, "excluded")] == ["IWM"]
    assert "IWM is an ETF" in _rows(out, "excluded")[0]["reason"]


def test_lower_case_tickers_everywhere(full: Path) -> None:
    upper = _json(runner.invoke(app, ["screen", "--tickers", "RXT", "--no-sec", "--json"]))
    lower = _json(
        runner.invoke(app, ["screen", "--tickers", "rxt", "--fund", "iwm", "--no-sec", "--json"])
    )
    assert lower["tables"]["screen"] == upper["tables"]["screen"]
    assert lower["figures"] == upper["figures"]
    card = _json(runner.invoke(app, ["rate", "rxt", "--offline", "--json"]))
    assert card["params"]["ticker"] == "RXT"
    shown = {r["figure"]: r["shown"] for r in _rows(card, "key_figures")}
    assert shown["price"] != "n/a"
    assert shown["market_cap"].startswith("$")


def test_screen_states_actual_price_date(full: Path, shared_data: Path) -> None:
    with (shared_data / "universe" / "RXT.csv").open() as fh:
        last = max(r["date"] for r in csv.DictReader(fh))
    res = runner.invoke(app, ["screen", "--tickers", "RXT", "--no-sec", "--as-of", "2027-01-01"])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert f"prices as of {last}; requested 2027-01-01" in flat
    assert "as of 2027-01-01" not in flat.replace("requested 2027-01-01", "")
    out = _json(
        runner.invoke(
            app, ["screen", "--tickers", "RXT", "--no-sec", "--as-of", "2027-01-01", "--json"]
        )
    )
    assert out["as_of"] == last == _rows(out, "screen")[0]["price_date"]
    assert out["requested_as_of"] == "2027-01-01"
    card = runner.invoke(app, ["rate", "RXT", "--offline", "--as-of", "2027-01-01"])
    assert f"(prices as of {last})" in card.output.splitlines()[0]


def test_flags_column_shows_not_assessed_and_extreme_risk(full: Path, shared_data: Path) -> None:
    import math

    res = runner.invoke(app, ["screen", "--tickers", "RXT", "--no-sec"])
    assert res.exit_code == 0, res.output
    out = _json(runner.invoke(app, ["screen", "--tickers", "RXT", "--no-sec", "--json"]))
    row = {k: _value(v) for k, v in _rows(out, "screen")[0].items()}
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
    card = _json(runner.invoke(app, ["rate", "RXT", "--offline", "--json"]))
    assert card["params"]["rules_version"] == "1.2.0"
    risk = next(r for r in _rows(card, "card") if r["field"] == "risk")
    assert risk["value"] == "HIGH"
    assert "RISK-7" in risk["rules"]
    if best >= 1.0:
        assert day in [r["date"] for r in _rows(card, "evidence") if r["field"] == "risk"]
    assert row["vol_1y"] is not None and not math.isnan(row["vol_1y"])


def test_quality_micro_offline_says_which_rule_removed_everyone(full: Path) -> None:
    out = _json(runner.invoke(app, ["screen", "--preset", "quality-micro", "--offline", "--json"]))
    assert out["figures"]["passed"]["value"] == 0
    stats = [{k: _value(v) for k, v in r.items()} for r in _rows(out, "rules")]
    assert stats[0]["entered"] == out["figures"]["universe"]["value"]
    for a, b in itertools.pairwise(stats):
        assert b["entered"] == a["passed"]
    for st in stats:
        assert st["entered"] == st["passed"] + st["failed"] + st["not assessed"]
    prof = next(st for st in stats if st["rule"].startswith("profitable"))
    assert prof["entered"] > 0
    assert prof["not assessed"] == prof["entered"]
    assert "offline SEC cache" in prof["main reason"]
    assert any(n.startswith("No stock passes: rule 'profitable") for n in out["notes"])
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
    base = _json(runner.invoke(app, ["screen", "--tickers", "RXT", "--no-sec", "--json"]))
    twice = _json(
        runner.invoke(
            app, ["screen", "--tickers", "RXT", "--no-sec", "--json", "--index-cap", "6e12"]
        )
    )
    assert base["figures"]["RXT.market_cap_estimated"]["value"] == 1.0
    assert twice["figures"]["RXT.market_cap"]["value"] == pytest.approx(
        2 * base["figures"]["RXT.market_cap"]["value"]
    )
    assert "$6.0T" in _rows(twice, "screen")[0]["market_cap_source"]
    card = _json(runner.invoke(app, ["rate", "RXT", "--offline", "--json"]))
    shown = {r["figure"]: r["shown"] for r in _rows(card, "key_figures")}
    assert "estimate (assumes index float cap $3.0T; --index-cap to change)" in shown["market_cap"]


def test_rate_unknown_ticker_reason_is_short(full: Path) -> None:
    res = runner.invoke(app, ["rate", "zzzz", "--offline"])
    assert res.exit_code == 1
    flat = " ".join(res.output.split())
    assert "unknown ticker 'ZZZZ'" in flat
    assert "not in the offline SEC cache; set CAPSIZE_SEC_USER_AGENT or --sec-dir" in flat
    assert "company_tickers.json" not in flat
