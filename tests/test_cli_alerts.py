"""``capsize alerts``: add, list, run (twice: nothing twice), backtest, remove; one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capsize.cli import app


@pytest.fixture(scope="module")
def home(store_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("alerts_cli")
    shutil.copy2(store_home / "capsize.duckdb", out / "capsize.duckdb")
    return out


def run(home: Path, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args), env={"CAPSIZE_HOME": str(home)})
    return res.exit_code, res.stdout, res.stderr


def test_add_list_run_backtest_remove(home: Path) -> None:
    code, out, _ = run(
        home,
        "alerts",
        "add",
        "IWM 50d",
        "-k",
        "price_ma",
        "-s",
        "IWM",
        "-p",
        "window=50",
        "--cooldown",
        "0",
    )
    assert code == 0 and "added rule iwm-50d" in out
    code, out, _ = run(
        home,
        "alerts",
        "add",
        "RS",
        "-k",
        "rs_cross",
        "-s",
        "IWM,SPY",
        "-c",
        "log",
        "-c",
        "email:me@example.com",
    )
    assert code == 0
    code, out, _ = run(home, "alerts", "list", "--json")
    table = json.loads(out)["tables"]["rules"]
    assert [r[0] for r in table["rows"]] == ["iwm-50d", "rs"]
    assert table["rows"][1][6] == "log email:me@example.com"

    code, out, _ = run(home, "alerts", "run", "--as-of", "2025-10-08")
    assert code == 0 and "new alert event(s) recorded" in out
    assert "First run of 2 rule(s)" in out and "(2025-10-08); nothing before is sent" in out
    assert "alerts backtest" in out
    code, out, _ = run(home, "alerts", "run", "--as-of", "2025-10-08")
    assert code == 0 and out.strip().endswith("0 new alert event(s) recorded")
    assert "First run" not in out

    code, out, _ = run(
        home,
        "alerts",
        "backtest",
        "iwm-50d",
        "--since",
        "2025-01-02",
        "--as-of",
        "2025-10-08",
        "--json",
    )
    assert code == 0
    res = json.loads(out)
    fires = res["tables"]["fires"]["rows"]
    assert res["figures"]["fires"]["value"] == len(fires) > 5
    assert all("2025-01-02" <= row[0] <= "2025-10-08" for row in fires)
    assert set(res["tables"]["summary"]["columns"]) >= {"Mean spread", "Hit rate"}

    code, out, _ = run(home, "alerts", "remove", "IWM 50d")
    assert code == 0 and "removed rule iwm-50d" in out
    code, _, err = run(home, "alerts", "backtest", "iwm-50d", "--since", "2025-01-02")
    assert code == 1 and "no alert rule 'iwm-50d'" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("add", "x", "-k", "price_level", "-s", "IWM"), "price_level rule needs level"),
        (("add", "x", "-k", "nope", "-s", "IWM"), "rule kind 'nope' is unknown"),
        (
            ("add", "x", "-k", "price_level", "-s", "IWM", "-p", "level"),
            "--param 'level' is not NAME=VALUE",
        ),
        (
            ("add", "x", "-k", "price_level", "-s", "IWM", "-p", "level=1", "-c", "sms:1"),
            "alert channel",
        ),
        (("backtest", "rs", "--since", "08/10/2025"), "--since '08/10/2025' is not a date"),
        (
            ("add", "x", "-k", "price_level", "-s", "NOSUCHTICKER", "-p", "level=10"),
            "no price data for NOSUCHTICKER in the store",
        ),
        (
            ("add", "x", "-k", "price_level", "-w", "nosuchlist", "-p", "level=10"),
            "no watchlist named 'nosuchlist'; create it first",
        ),
        (("run", "--as-of", "2199-01-05"), "--as-of 2199-01-05 is after today"),
        (("run", "--as-of", "1900-01-02"), "is before the store's data start"),
    ],
)
def test_bad_input_is_one_line(home: Path, args: tuple[str, ...], words: str) -> None:
    code, _, err = run(home, "alerts", *args)
    assert code == 1
    assert words in err
    assert len(err.strip().splitlines()) == 1


def test_kinds_lists_every_kind(home: Path) -> None:
    code, out, _ = run(home, "alerts", "kinds")
    assert code == 0
    for kind in ("price_level", "breadth_thrust", "flow_record", "filing_8k", "rotation_sign"):
        assert kind in out


def test_a_watchlist_rule_reads_the_list_when_it_runs(home: Path) -> None:
    from capsize.queries.watchlists import remove_watchlist, save_watchlist

    code, _, err = run(
        home, "alerts", "add", "Banks 52w", "-k", "new_extreme", "-w", "Regional banks"
    )
    assert code == 1 and "no watchlist named 'Regional banks'" in err  # refused at add
    made = save_watchlist("Regional banks", ["IWM"], path=home / "capsize.duckdb")
    code, _, _ = run(
        home, "alerts", "add", "Banks 52w", "-k", "new_extreme", "-w", "Regional banks"
    )
    assert code == 0
    remove_watchlist(made.id, path=home / "capsize.duckdb")  # the run reads the list by name
    code, out, _ = run(home, "alerts", "list", "--json")
    row = next(r for r in json.loads(out)["tables"]["rules"]["rows"] if r[0] == "banks-52w")
    assert row[3] == "watchlist Regional banks"

    from capsize.queries import open_session
    from capsize.queries.alerts import evaluate_alerts, get_rule

    with open_session("2025-10-08", path=str(home / "capsize.duckdb")) as s:
        res = evaluate_alerts(s, rules=(get_rule(s, "banks-52w"),))
    (status,) = res.table("rules").rows
    assert status[2] == "cannot evaluate" and "no watchlist named 'Regional banks'" in str(
        status[4]
    )

    save_watchlist("regional BANKS", ["IWM", "SPY"], path=home / "capsize.duckdb")
    with open_session("2025-10-08", path=str(home / "capsize.duckdb")) as s:
        res = evaluate_alerts(s, rules=(get_rule(s, "Banks 52w"),))
    (status,) = res.table("rules").rows
    assert status[2] == "evaluated" and status[3] == "2025-10-08"
    code, out, _ = run(home, "alerts", "remove", "banks-52w")
    assert code == 0


def test_run_lists_the_rules_it_cannot_evaluate(store_home: Path, tmp_path: Path) -> None:
    shutil.copy2(store_home / "capsize.duckdb", tmp_path / "capsize.duckdb")
    code, _, _ = run(tmp_path, "alerts", "add", "IWM 100", "-k", "price_level", "-s", "IWM",
                     "-p", "level=100")  # fmt: skip
    assert code == 0
    # 1990: the store has bars (indexes), but none of IWM yet: the rule cannot be evaluated
    code, out, err = run(tmp_path, "alerts", "run", "--as-of", "1990-01-02")
    assert code == 0  # the run did its job for the other rules; cron gets the stderr warning
    assert "Rules that could not be evaluated" in out and "iwm-100" in out
    assert "warning: 1 rule(s) could not be evaluated" in err
    code, out, _ = run(tmp_path, "alerts", "run", "--as-of", "1990-01-02", "--json")
    rows = json.loads(out)["tables"]["unevaluated"]["rows"]
    assert [r[0] for r in rows] == ["iwm-100"] and "IWM" in rows[0][1]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--benchmark", "NOPE"), "--benchmark 'NOPE' has no price data in the store"),
        (("--since", "2027-01-04"), "is after the rule's data end"),
        (("--since", "2025-06-02", "--as-of", "2025-05-01"), "is after --as-of 2025-05-01"),
    ],
)
def test_backtest_refuses_a_bad_benchmark_or_since(
    home: Path, args: tuple[str, ...], words: str
) -> None:
    run(home, "alerts", "add", "SPY 500", "-k", "price_level", "-s", "SPY", "-p", "level=500")
    code, _, err = run(home, "alerts", "backtest", "spy-500", "--since", "2025-01-02", *args)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert words in err, err


def test_backtest_names_the_benchmark_of_the_hit_rate(home: Path) -> None:
    run(home, "alerts", "add", "SPY 500", "-k", "price_level", "-s", "SPY", "-p", "level=500")
    code, out, _ = run(home, "alerts", "backtest", "spy-500", "--since", "2020-01-02",
                       "--benchmark", "QQQ", "--json")  # fmt: skip
    assert code == 0, out
    summary = json.loads(out)["tables"]["summary"]
    title = summary["title"]
    assert "vs QQQ" in title and "by direction of the crossing" in title
    assert "of fires crossing below with a spread below 0" in title
    assert {row[0] for row in summary["rows"]} == {"crossed above", "crossed below"}
    assert json.loads(out)["figures"]["below.h5.hit_rate"]["provenance"]["formula"].endswith(
        "spread < 0 / fires crossing below"
    )


def test_first_run_line_names_one_day_only_when_all_rules_share_it() -> None:
    from capsize._cli.alert_delivery import first_run_line

    same = first_run_line([("a", "2026-09-04"), ("b", "2026-09-04")])
    assert "from the last data day (2026-09-04)" in same and "First run of 2 rule(s)" in same
    mixed = first_run_line([("a", "2026-09-04"), ("b", "2026-08-29"), ("c", "2026-09-03")])
    assert "2026-09-04" not in mixed and "each rule's last data day" in mixed
