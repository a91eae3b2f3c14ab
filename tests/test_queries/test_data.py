"""Store-management queries: data_status, data_check, import_folder, update."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from capsize.data.store import Store
from capsize.errors import DataNotFound, InputError
from capsize.queries import Session, data_check, data_status, import_folder, update

runner = CliRunner()


def _log_counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT severity, count(*) FROM quality_log GROUP BY 1").fetchall()
    finally:
        con.close()
    return {str(k): int(n) for k, n in rows}


@pytest.mark.parametrize("rel", ["prices/IWM.csv", "prices/GSPC.csv", "macro/DGS10.csv"])
def test_status_rows_match_the_files(store: Store, shared_data: Path, rel: str) -> None:
    with (shared_data / rel).open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    dates = [r["date"] for r in rows if r.get("value", r.get("close", "")) not in ("", ".")]
    res = data_status(store)
    table = res.table("datasets")
    row = next(r for r in table.rows if r[0] == rel)
    cells = dict(zip(table.columns, row, strict=True))
    assert res.value(f"{rel}.rows") == len(dates)
    assert (cells["first"], cells["last"]) == (min(dates), max(dates))
    prov = res.fig(f"{rel}.rows").provenance
    assert prov.source == rel
    assert prov.window == f"{min(dates)}..{max(dates)}"


def test_status_and_check_count_the_whole_log(store: Store, store_home: Path) -> None:
    counts = _log_counts(store_home / "capsize.duckdb")
    for res in (data_status(store), data_check(store, severity="info")):
        for sev in ("error", "warning", "info"):
            assert res.value(f"findings.{sev}") == counts.get(sev, 0), (res.query, sev)
    check = data_check(store, severity="info")
    assert len(check.table("findings").rows) == sum(counts.values())
    by_check = sum(r[2].value for r in check.table("by_check").rows)  # type: ignore[union-attr]
    assert by_check == sum(counts.values())


def test_check_severity_filters_the_tables_only(store: Store) -> None:
    warn = data_check(store)
    errors = data_check(store, severity="error")
    assert {r[0] for r in warn.table("findings").rows} <= {"error", "warning"}
    assert {r[0] for r in errors.table("findings").rows} <= {"error"}
    assert warn.value("findings.info") == errors.value("findings.info") > 0
    assert warn.value("integrity.problems") == 0


def test_status_as_of_is_the_last_date_held(store: Store) -> None:
    res = data_status(store)
    lasts = [r[5] for r in res.table("datasets").rows if r[5]]
    assert res.to_dict()["as_of"] == max(lasts)
    assert res.requested_as_of is None


@pytest.mark.parametrize("query", [data_status, data_check])
def test_no_as_of(store: Store, query: Callable[..., Any]) -> None:
    with pytest.raises(InputError, match="takes no as_of"):
        query(store, "2025-10-08")
    with pytest.raises(InputError, match="takes no as_of"):
        query(Session(store, pd.Timestamp("2025-10-08")))


def test_bad_severity_names_the_input(store: Store) -> None:
    with pytest.raises(InputError, match="severity 'loud' is not one of error, warning, info"):
        data_check(store, severity="loud")


def test_empty_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as s:
        for query in (data_status, data_check):
            with pytest.raises(DataNotFound, match="capsize data import"):
                query(s)


@pytest.mark.parametrize(
    "args", [("data", "status"), ("data", "status", "--all"), ("data", "check")]
)
def test_cli_json_is_the_api_dict(store: Store, store_home: Path, args: tuple[str, ...]) -> None:
    from capsize.cli import app

    res = runner.invoke(app, [*args, "--json"], env={"CAPSIZE_HOME": str(store_home)})
    assert res.exit_code == 0, res.output
    api = data_check(store) if args[1] == "check" else data_status(store, members="--all" in args)
    assert json.loads(res.stdout) == json.loads(json.dumps(api.to_dict()))


def test_import_folder_reports_and_counts(tmp_path: Path, shared_data: Path) -> None:
    folder = tmp_path / "d" / "prices"
    folder.mkdir(parents=True)
    for name in ("IWM.csv", "SPY.csv"):
        (folder / name).write_bytes((shared_data / "prices" / name).read_bytes())
    (tmp_path / "d" / "README.md").write_text("notes")
    with Store.open(tmp_path / "s.duckdb") as s:
        first = import_folder(tmp_path / "d", store=s)
        again = import_folder(tmp_path / "d", store=s)
        check = data_check(s)
    assert first.value("imported") == 2 and again.value("unchanged") == 2
    assert first.value("skipped") == 1
    assert first.table("skipped").rows == (("README.md", "documentation, not data"),)
    for sev in ("error", "warning", "info"):
        assert first.value(f"findings.{sev}") == again.value(f"findings.{sev}")
        assert first.value(f"findings.{sev}") == check.value(f"findings.{sev}")
    assert first.report.rows == first.value("rows") > 0
    assert first.to_dict()["as_of"] == "2026-08-21"


def test_import_folder_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        import_folder(tmp_path / "nope")


def test_update_answers_what_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wrapper turns the data layer's report into figures and tables (no network)."""
    import capsize.data.update as data_update

    def offline(store: Store, **_: object) -> data_update.UpdateReport:
        return data_update.UpdateReport(failed=[("yahoo IWM", "network error: offline")])

    monkeypatch.setattr(data_update, "update_from_providers", offline)
    with Store.open(tmp_path / "s.duckdb") as s:
        res = update(store=s)
    assert (res.value("fetched"), res.value("failed"), res.value("rows")) == (0, 1, 0)
    assert res.table("failed").rows == (("yahoo IWM", "network error: offline"),)
    assert "capsize data import DIR" in res.notes[0]
    assert res.to_dict()["as_of"] is None  # the store holds no bars
