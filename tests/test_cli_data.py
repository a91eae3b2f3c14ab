"""capsize data import / status / check / update through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capsize.cli import app

runner = CliRunner()


def test_status_lists_every_dataset(
    store_home: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    res = runner.invoke(app, ["data", "status", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["dataset"]: r for r in json.loads(res.output)}
    iwm = rows["prices/IWM.csv"]
    assert (iwm["first_date"], iwm["last_date"], iwm["rows"]) == ("2000-05-26", "2026-08-21", 6598)
    assert rows["macro/DGS2.csv"]["rows"] == 12552
    table = runner.invoke(app, ["data", "status"])
    assert table.exit_code == 0 and "2249 members" in table.output


def test_check_reports_integrity(store_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    res = runner.invoke(app, ["data", "check", "--json"])
    assert res.exit_code == 0
    out = json.loads(res.output)
    assert out["integrity_ok"] is True
    assert any(f["check_name"] == "split_jump" for f in out["findings"])
    bad = runner.invoke(app, ["data", "check", "--severity", "loud"])
    assert bad.exit_code != 0 and "--severity" in bad.output


def test_import_small_folder_then_status(tmp_path: Path) -> None:
    folder = tmp_path / "d" / "prices"
    folder.mkdir(parents=True)
    (folder / "XYZ.csv").write_text("date,close\n2024-01-02,10\n2024-01-03,11\n")
    res = runner.invoke(app, ["data", "import", str(tmp_path / "d")])
    assert res.exit_code == 0, res.output
    assert "Imported 1 files" in res.output
    again = runner.invoke(app, ["data", "import", str(tmp_path / "d"), "--json"])
    assert json.loads(again.output)["unchanged"] == 1


def test_bad_input_is_one_line_and_nonzero(tmp_path: Path) -> None:
    res = runner.invoke(app, ["data", "import", str(tmp_path / "missing")])
    assert res.exit_code == 1
    assert "does not exist" in res.output
    assert "Traceback" not in res.output
    empty = runner.invoke(app, ["data", "status"])
    assert empty.exit_code == 1
    assert "capsize data import" in empty.output


@pytest.mark.parametrize("bad", ["12-08-2025", "08/10/2025", "2025-10", "2025-02-30", "yesterday"])
def test_dates_must_be_iso(bad: str, store_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    res = runner.invoke(app, ["perf", "IWM", "--ytd", "--as-of", bad])
    assert res.exit_code == 1
    assert "YYYY-MM-DD" in res.output
    assert "Traceback" not in res.output


def test_unwritable_output_is_one_line(store_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    res = runner.invoke(app, ["report", "--out", "/proc/nope/r.html"])
    assert res.exit_code == 1
    assert "cannot use /proc/nope" in res.output
