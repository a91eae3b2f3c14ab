"""The store's writer lock: refusals name the holder, ``--wait`` waits a bounded time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

import capsize
from capsize.cli import app
from capsize.data._holders import command_line, describe, holders_dir
from capsize.data.store import Store
from capsize.errors import InputError, StoreError

runner = CliRunner()

# Holds the store in a child process: argv = db, mode (r/w), holder label, seconds.
_HOLD = """
import sys, time
from capsize.data.store import Store
s = Store.open(sys.argv[1], read_only=sys.argv[2] == "r", holder=sys.argv[3])
print("held", flush=True)
time.sleep(float(sys.argv[4]))
s.close()
"""


def _hold(db: Path, mode: str, label: str, seconds: float) -> subprocess.Popen[str]:
    src = str(Path(capsize.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(db), mode, label, str(seconds)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held", proc.stderr.read() if proc.stderr else ""
    return proc


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "capsize.duckdb"
    Store.open(path).close()
    return path


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.communicate(timeout=30)


def test_refusal_names_the_writer(db: Path) -> None:
    proc = _hold(db, "w", "capsize data import /data", 30)
    try:
        with pytest.raises(StoreError) as err:
            Store.open(db)
        with pytest.raises(StoreError) as err_reader:
            Store.open(db, read_only=True)
    finally:
        _stop(proc)
    msg = str(err.value)
    assert "'capsize data import /data'" in msg and f"pid {proc.pid}" in msg
    assert "writing since" in msg and "--wait" in msg and "\n" not in msg
    assert "'capsize data import /data'" in str(err_reader.value)


def test_refusal_names_a_reader_such_as_a_report(db: Path) -> None:
    proc = _hold(db, "r", "capsize report --out x.html", 30)
    try:
        with pytest.raises(StoreError, match=r"'capsize report --out x\.html' \(pid \d+, reading"):
            Store.open(db)
        with Store.open(db, read_only=True) as other:  # readers share the file
            assert other.read_only
    finally:
        _stop(proc)


def test_wait_gets_the_store_once_the_holder_is_done(db: Path) -> None:
    proc = _hold(db, "w", "capsize data update", 1.5)
    try:
        began = time.monotonic()
        with pytest.raises(StoreError, match=r"after waiting 0\.2 s; try again later"):
            Store.open(db, wait=0.2)
        with Store.open(db, wait=60) as store:
            assert not store.read_only
        assert time.monotonic() - began < 60
    finally:
        proc.communicate(timeout=60)
    assert proc.returncode == 0  # it finished its sleep and closed: the wait ended then


def test_wait_must_be_a_finite_non_negative_number(db: Path) -> None:
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(InputError, match="wait="):
            Store.open(db, wait=bad)


def test_records_are_withdrawn_and_dead_ones_ignored(db: Path) -> None:
    with Store.open(db, holder="capsize data import") as store:
        records = list(holders_dir(db).glob("*.json"))
        assert len(records) == 1 and store.path == db
    assert not holders_dir(db).exists()
    proc = _hold(db, "w", "capsize data update", 30)
    _stop(proc)  # SIGKILL: its record stays behind, but the pid is gone
    assert describe(db, "Conflicting lock is held in python (PID 1)") == "another process (pid 1)"
    assert describe(db, "lock") == "another process"
    Store.open(db).close()  # registering cleans up records of dead processes
    assert not list(holders_dir(db).glob(f"{proc.pid}-*.json"))


def test_command_line_reads_like_the_cli() -> None:
    assert command_line(["/usr/bin/capsize", "data", "import", "d"]) == "capsize data import d"
    assert command_line(["/x/capsize/cli.py", "data", "update"]) == "capsize data update"
    assert len(command_line(["capsize", "x" * 500])) <= 120


def _tiny_folder(root: Path) -> Path:
    (root / "prices").mkdir(parents=True)
    days = pd.bdate_range("2024-01-02", periods=30)
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "close": range(100, 130)}).to_csv(
        root / "prices" / "IWM.csv", index=False
    )
    return root


def test_cli_import_waits_then_fails_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    folder = _tiny_folder(tmp_path / "data")
    Store.open(home / "capsize.duckdb").close()
    proc = _hold(home / "capsize.duckdb", "r", "capsize report", 30)
    try:
        res = runner.invoke(app, ["data", "import", str(folder), "--wait", "0.3"])
    finally:
        _stop(proc)
    assert res.exit_code == 1
    assert "'capsize report'" in res.output and "after waiting 0.3 s" in res.output
    assert "Traceback" not in res.output
    assert runner.invoke(app, ["data", "import", str(folder), "--wait", "5"]).exit_code == 0


def test_data_check_exits_non_zero_on_integrity_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    assert runner.invoke(app, ["data", "import", str(_tiny_folder(tmp_path / "d"))]).exit_code == 0
    ok = runner.invoke(app, ["data", "check"])
    assert ok.exit_code == 0, ok.output
    con = duckdb.connect(str(home / "capsize.duckdb"))
    con.execute("INSERT INTO bars SELECT * FROM bars LIMIT 2")
    con.execute("INSERT INTO macro VALUES ('DGS2', DATE '2024-01-02', 'inf'::DOUBLE, 'x', now())")
    con.execute("INSERT INTO symbols VALUES ('ZZZ', 'stock', NULL, NULL, 'prices/ZZZ.csv', now())")
    con.close()
    bad = runner.invoke(app, ["data", "check"])
    assert bad.exit_code == 1
    lines = [ln for ln in bad.output.splitlines() if ln.startswith("integrity problem:")]
    assert lines == [
        "integrity problem: bars: 2 duplicated keys (symbol, basis, date)",
        "integrity problem: macro: 1 non-finite values",
        "integrity problem: symbols: 1 symbol rows from data files that hold no bars "
        "(orphan symbols)",
    ]
    assert "3 integrity problem(s)" in bad.output
    as_json = runner.invoke(app, ["data", "check", "--json"])
    assert as_json.exit_code == 1


@pytest.mark.parametrize(
    "args",
    [["data", "update", "--wait", "0.2"], ["report", "-q", "--wait", "0.2"]],
    ids=["update", "report"],
)
def test_other_commands_wait_then_name_the_holder(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("CAPSIZE_HOME", str(home))
    Store.open(home / "capsize.duckdb").close()
    proc = _hold(home / "capsize.duckdb", "w", "capsize data import /data", 30)
    try:
        res = runner.invoke(app, args)
    finally:
        _stop(proc)
    assert res.exit_code == 1
    out = res.output.replace("\n", "")
    assert "'capsize data import /data'" in out and "after waiting 0.2 s" in out
    assert "Traceback" not in res.output
