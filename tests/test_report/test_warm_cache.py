"""The warm report: cached files written without the store, never stale.

The cached files are served only for the same store data (its stamp, trusted only while
the store file is unchanged), code, settings, day, format and Markdown name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from capsize._cli.warm import parse_report_args, run_warm
from capsize.cli import app
from capsize.config import load_settings
from capsize.data.stamp import read_stamp
from capsize.data.store import Store
from capsize.queries import open_session
from capsize.queries.session import data_version
from capsize.report import cache
from capsize.report.cache import code_files, key_for
from capsize.report.output import iso_day, warm_report

runner = CliRunner()


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _report(*args: str) -> None:
    res = runner.invoke(app, ["report", "-q", *args])
    assert res.exit_code == 0, res.output


def _stamp_now(home: Path) -> None:
    """Record the store's data version (as a report run does)."""
    with open_session() as s:
        cache.cache_key(s)
    assert read_stamp(home / "capsize.duckdb") is not None


@pytest.fixture(scope="module")
def warm(store_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private home with the shared data, whose latest HTML and a named Markdown report
    were written once (cold) to ``<home>/cold``."""
    home = tmp_path_factory.mktemp("warm_home")
    shutil.copy2(store_home / "capsize.duckdb", home / "capsize.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAPSIZE_HOME", str(home))
        mp.setenv("COLUMNS", "200")
        mp.delenv("CAPSIZE_NO_CACHE", raising=False)
        _report("--out", str(home / "cold"))
        _report("-f", "md", "--out", str(home / "cold" / "md" / "note.md"))
    return home


@pytest.fixture
def env(warm: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAPSIZE_HOME", str(warm))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("CAPSIZE_NO_CACHE", raising=False)
    return warm


def test_warm_files_equal_the_built_ones(env: Path, tmp_path: Path) -> None:
    (html,) = (env / "cold").glob("*.html")
    path = warm_report(None, "html", tmp_path)
    assert path == tmp_path / html.name
    assert path.read_bytes() == html.read_bytes()
    named = warm_report(None, "html", tmp_path / "x" / "r.html")
    assert named is not None and named.read_bytes() == html.read_bytes()

    md = warm_report(None, "md", tmp_path / "md" / "note.md")
    assert md == tmp_path / "md" / "note.md"
    assert _files(tmp_path / "md") == _files(env / "cold" / "md")
    assert {"note.md", "note.provenance.csv", "note.provenance.json"} <= set(
        _files(tmp_path / "md")
    )


def test_another_format_name_or_day_is_not_served(env: Path, tmp_path: Path) -> None:
    assert warm_report(None, "md", tmp_path / "other.md") is None  # the name is in the files
    assert warm_report(None, "md", tmp_path) is None  # default name: not cached yet
    assert warm_report(None, "pdf", tmp_path) is None  # PDF is made again each time
    assert warm_report("2026-08-20", "html", tmp_path) is None  # another as-of day
    assert warm_report("20/08/2026", "html", tmp_path) is None  # not plainly ISO: full path
    assert list(tmp_path.iterdir()) == []


def test_a_changed_setting_is_not_served(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = env / "config.toml"
    config.write_text("[rotation.weights]\nbreadth = 0.5\n", encoding="utf-8")
    try:
        assert warm_report(None, "html", tmp_path) is None
    finally:
        config.unlink()
    assert warm_report(None, "html", tmp_path) is not None  # the same settings again
    # an environment setting (in Settings) changes the key as well
    before = key_for("v", load_settings(), None)
    monkeypatch.setenv("CAPSIZE_HTTP_TIMEOUT", "33")
    assert key_for("v", load_settings(), None) != before


def test_changed_or_new_code_changes_the_key(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = {p.relative_to(cache.CODE_ROOT).as_posix() for p in code_files()}
    sections = cache.CODE_ROOT / "report" / "sections"
    assert {f"report/sections/{p.name}" for p in sections.glob("*.py")} <= real
    assert {"report/templates/report.html.j2", "report/templates/report.md.j2"} <= real

    root = tmp_path / "pkg"
    shutil.copytree(
        cache.CODE_ROOT / "report", root / "report", ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.setattr(cache, "CODE_ROOT", root)
    settings = load_settings()
    keys = [key_for("v", settings, None)]
    assert key_for("v", settings, None) == keys[0]
    tpl = root / "report" / "templates" / "report.html.j2"
    tpl.write_text(tpl.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    keys.append(key_for("v", settings, None))
    (root / "report" / "sections" / "signals.py").write_text('"""A new section."""\n')
    keys.append(key_for("v", settings, None))
    keys.append(key_for("v2", settings, None))  # another data version
    keys.append(key_for("v2", settings, "2026-08-20"))  # another day
    assert len(set(keys)) == len(keys)
    assert warm_report(None, "html", tmp_path) is None  # the real cache is of other code


def test_a_write_to_the_store_is_never_served_stale(env: Path, tmp_path: Path) -> None:
    db = env / "capsize.duckdb"
    shutil.copy2(db, tmp_path / "saved.duckdb")
    try:
        _write_and_check(env, tmp_path)
    finally:  # the same data again (another file): re-stamped, served again
        shutil.copy2(tmp_path / "saved.duckdb", db)
        assert read_stamp(db) is None
        _stamp_now(env)
    assert warm_report(None, "html", tmp_path / "d") is not None


def _write_and_check(home: Path, tmp_path: Path) -> None:
    _stamp_now(home)
    assert warm_report(None, "html", tmp_path / "a") is not None  # same data: served

    # Change one close through the store (same dates, same row count).
    w = Store.open(home / "capsize.duckdb")
    assert read_stamp(home / "capsize.duckdb") is None  # a writer removes the stamp
    try:
        row = w.con.execute(
            "SELECT date, close FROM bars WHERE symbol = 'SPY' AND basis = 'adjusted' "
            "ORDER BY date DESC LIMIT 1"
        ).fetchone()
        assert row is not None
        day, close = row
        w.write_bars(
            pd.DataFrame(
                {
                    "symbol": ["SPY"],
                    "basis": ["adjusted"],
                    "date": [pd.Timestamp(day)],
                    "close": [close * 1.1],
                }
            ),
            source="test: SPY close +10%",
        )
    finally:
        w.close()
    assert warm_report(None, "html", tmp_path / "b") is None
    with Store.open(home / "capsize.duckdb", read_only=True) as r:
        changed = data_version(r)
    _stamp_now(home)
    assert read_stamp(home / "capsize.duckdb").version == changed  # type: ignore[union-attr]
    assert warm_report(None, "html", tmp_path / "c") is None  # new data: not built yet

    # A write that bypasses capsize (a new day's rows imported by hand) is caught by the
    # store file's identity.
    import duckdb

    con = duckdb.connect(str(home / "capsize.duckdb"))
    con.execute(
        "INSERT INTO bars (symbol, basis, date, close, source, ingested_at) "
        "SELECT symbol, basis, date + INTERVAL 1 DAY, close, 'test', now() FROM bars "
        "WHERE symbol = 'SPY' AND basis = 'adjusted' ORDER BY date DESC LIMIT 1"
    )
    con.close()
    assert read_stamp(home / "capsize.duckdb") is None


def test_the_warm_command_imports_no_pandas_duckdb_or_typer(env: Path, tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from capsize.cli import main\n"
        f"sys.argv = ['capsize', 'report', '-q', '--out', {str(tmp_path)!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
        "heavy = {'pandas', 'numpy', 'duckdb', 'jinja2', 'typer', 'pydantic', 'rich'}\n"
        "heavy = sorted(heavy & set(sys.modules))\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=os.environ.copy()
    )
    assert done.returncode == 0, done.stderr
    assert "Report written:" in done.stdout
    assert len(list(tmp_path.glob("capsize-report-*.html"))) == 1


def test_iso_day_accepts_only_what_the_query_layer_reads_as_that_day() -> None:
    from capsize.queries.session import parse_as_of

    for text in ("2025-10-08", " 1900-01-01", "2199-12-31 "):
        assert iso_day(text) == f"{parse_as_of(text):%Y-%m-%d}"
    for text in ("2025-13-01", "1899-12-31", "2200-01-01", "2025-1-08", "２０２５-10-08", ""):
        assert iso_day(text) is None


def test_the_warm_command_writes_what_typer_writes_or_declines(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (html,) = (env / "cold").glob("*.html")
    out = tmp_path / "r.html"
    assert run_warm(["report", "--quiet", f"--out={out}", "-f", "html", "--wait", "2.5"])
    assert out.read_bytes() == html.read_bytes()
    assert capsys.readouterr().out == f"Report written: {out}\n"
    assert run_warm(["report", "-f", "md", "-o", str(tmp_path / "md" / "note.md")])
    assert _files(tmp_path / "md") == _files(env / "cold" / "md")
    capsys.readouterr()
    declined = (
        ["data", "import", "x"],  # another command
        ["report", "--help"],
        ["report", "--open"],
        ["report", "-f", "pdf"],
        ["report", "--format", "docx"],  # Typer says what is wrong
        ["report", "--wait", "-1"],
        ["report", "--wait", "soon"],
        ["report", "--as-of", "2026-08-20"],  # not cached
        ["report", "--as-of", "08/20/2026"],
        ["report", "--out"],  # no value
        ["report", "--out", "-q"],
        ["report", "-q", "-q"],  # repeated
        ["report", "-qo", str(out)],  # combined short options: Typer's
        ["report", "extra"],
    )
    for args in declined:
        assert not run_warm(args), args
    assert parse_report_args(["report", "--as-of=2026-08-21", "--data-dir", "d"]) == {
        "as_of": "2026-08-21",
        "data_dir": "d",
    }
    assert capsys.readouterr().out == ""
