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
    code, out, _ = run(home, "alerts", "run", "--as-of", "2025-10-08")
    assert code == 0 and out.strip().endswith("0 new alert event(s) recorded")

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
    from capsize.queries.watchlists import save_watchlist

    code, _, _ = run(
        home, "alerts", "add", "Banks 52w", "-k", "new_extreme", "-w", "Regional banks"
    )
    assert code == 0
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
