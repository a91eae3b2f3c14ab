"""capsize data import / status / check / update through the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from capsize.cli import app

runner = CliRunner()


def _rows(out: dict[str, Any], table: str) -> dict[str, dict[str, Any]]:
    """Rows of a result table keyed by their first cell, figure cells replaced by values."""
    t = out["tables"][table]
    rows = {}
    for row in t["rows"]:
        cells = [out["figures"][c["figure"]]["value"] if isinstance(c, dict) else c for c in row]
        rows[cells[0]] = dict(zip(t["columns"], cells, strict=True))
    return rows


def test_status_json_is_the_result_dict(
    store_home: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """drift: data status --json was a bare list of datasets; it is now the result's dict."""
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    res = runner.invoke(app, ["data", "status", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert isinstance(out, dict)
    assert (out["schema"], out["query"]) == ("capsize.query/1", "data_status")
    rows = _rows(out, "datasets")
    iwm = rows["prices/IWM.csv"]
    with (shared_data / "prices/IWM.csv").open(newline="") as fh:
        dates = [r["date"] for r in csv.DictReader(fh)]
    assert (iwm["first"], iwm["last"], iwm["rows"]) == (min(dates), max(dates), len(dates))
    assert out["figures"]["prices/IWM.csv.rows"]["provenance"]["source"] == "prices/IWM.csv"
    assert rows["macro/DGS2.csv"]["rows"] == 12552
    assert rows["universe/*"]["subject"] == "2249 members"
    table = runner.invoke(app, ["data", "status"])
    assert table.exit_code == 0 and "2249 members" in table.output


def test_status_all_lists_members(store_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    res = runner.invoke(app, ["data", "status", "--all", "--json"])
    assert res.exit_code == 0, res.output
    rows = _rows(json.loads(res.output), "datasets")
    assert "universe/*" not in rows
    assert sum(k.startswith("universe/") for k in rows) == 2249


def test_check_reports_integrity(store_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    res = runner.invoke(app, ["data", "check", "--json"])
    assert res.exit_code == 0
    out = json.loads(res.output)
    assert out["query"] == "data_check"
    assert out["figures"]["integrity.problems"]["value"] == 0
    assert out["tables"]["integrity"]["rows"] == []
    assert any(r[3] == "split_jump" for r in out["tables"]["findings"]["rows"])
    by_check = {(r[0], r[1]) for r in out["tables"]["by_check"]["rows"]}
    assert ("warning", "split_jump") in by_check
    listed = runner.invoke(app, ["data", "check", "--limit", "3"])
    assert listed.exit_code == 0 and "First 3 findings" in listed.output
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
    out = json.loads(again.output)
    assert out["query"] == "import_folder"
    assert out["figures"]["unchanged"]["value"] == 1


def _counts(out: dict[str, Any]) -> tuple[int, int, int]:
    return tuple(out["figures"][f"findings.{s}"]["value"] for s in ("error", "warning", "info"))  # type: ignore[return-value]


def test_import_and_check_count_findings_the_same(tmp_path: Path) -> None:
    """drift: a re-import said '0 warnings' while data check listed them all; one count now."""
    folder = tmp_path / "d" / "prices"
    folder.mkdir(parents=True)
    days = pd.bdate_range("2024-01-02", periods=12).strftime("%Y-%m-%d")
    closes = [
        10,
        10,
        10,
        10,
        10,
        10,
        10,
        100,
        101,
        102,
        103,
        -1,
    ]  # a stale run, a x10 jump, a bad close
    (folder / "XYZ.csv").write_text(
        "date,close\n" + "".join(f"{d},{c}\n" for d, c in zip(days, closes, strict=True))
    )
    first = json.loads(runner.invoke(app, ["data", "import", str(tmp_path / "d"), "--json"]).output)
    again = json.loads(runner.invoke(app, ["data", "import", str(tmp_path / "d"), "--json"]).output)
    check = json.loads(runner.invoke(app, ["data", "check", "--json"]).output)
    assert _counts(first) == _counts(again) == _counts(check)
    errors, warnings, _ = _counts(first)
    # the bad close: one rejected_row entry with its reason (the validation step refuses it
    # before the quality checks run, so no second non_positive_price finding)
    assert errors == 1
    assert warnings >= 2  # stale_close, split_jump
    assert again["figures"]["imported"]["value"] == 0
    text = runner.invoke(app, ["data", "import", str(tmp_path / "d")]).output
    assert f"1 errors, {warnings} warnings" in " ".join(text.split())


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
    assert "/proc/nope/r.html" in res.output.replace("\n", "")
