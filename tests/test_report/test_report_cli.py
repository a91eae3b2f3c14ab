"""``capsize report``: formats, --as-of, filling an empty store, the message when nothing works."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capsize.cli import app
from capsize.errors import ProviderError

runner = CliRunner()


@pytest.fixture
def filled(store_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    monkeypatch.setenv("COLUMNS", "200")
    return store_home


def test_html_for_a_past_day(filled: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", "--as-of", "2025-10-08", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    path = tmp_path / "capsize-report-2025-10-08.html"
    assert path.is_file() and str(path.name) in res.output.replace("\n", "")
    html = path.read_text(encoding="utf-8")
    assert "Report day 2025-10-08" in html
    assert "Not available" not in html
    for title in (
        "The tape",
        "Scoreboard",
        "Relative strength",
        "Leadership by calendar year",
        "Highs and drawdowns",
        "Risk",
        "Rates",
        "The size factor in history",
        "What to watch",
        "Sources and method",
    ):
        assert f">{title}" in html, title


def test_markdown_to_a_named_file(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "notes" / "today.md"
    res = runner.invoke(app, ["report", "--as-of", "2025-06-26", "-f", "md", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.is_file()
    assert (tmp_path / "notes" / "today_charts" / "rs_small.svg").is_file()
    assert (tmp_path / "notes" / "today.provenance.csv").is_file()
    assert (tmp_path / "notes" / "today.provenance.json").is_file()
    assert "report day 2025-06-26" in out.read_text(encoding="utf-8")


def test_bad_format_and_bad_date_fail_with_one_line(filled: Path) -> None:
    res = runner.invoke(app, ["report", "--format", "docx"])
    assert res.exit_code == 1 and "html, md, pdf" in res.output
    res = runner.invoke(app, ["report", "--as-of", "yesterday-ish"])
    assert res.exit_code == 1 and "YYYY-MM-DD" in res.output


def test_pdf_without_weasyprint_names_the_extra(filled: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    res = runner.invoke(
        app, ["report", "--as-of", "2025-10-08", "-f", "pdf", "--out", str(tmp_path)]
    )
    assert res.exit_code == 1
    assert 'pip install "capsize[pdf]"' in res.output


def test_empty_store_fills_from_data_dir(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data" / "prices"
    data.mkdir(parents=True)
    for name in ("IWM.csv", "SPY.csv"):  # a minimal folder: only the two core proxies
        shutil.copy(shared_data / "prices" / name, data / name)
    monkeypatch.setenv("CAPSIZE_HOME", str(tmp_path / "home"))
    res = runner.invoke(
        app,
        [
            "report",
            "--data-dir",
            str(tmp_path / "data"),
            "--as-of",
            "2025-12-10",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "The store is empty: importing" in res.output
    html = (tmp_path / "capsize-report-2025-12-10.html").read_text(encoding="utf-8")
    # sections without data say why instead of leaving blanks
    assert "Not available: no macro series" in html
    assert "Scoreboard" in html


def test_empty_store_uses_capsize_data_dir(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "d" / "prices"
    data.mkdir(parents=True)
    for name in ("IWM.csv", "SPY.csv"):
        shutil.copy(shared_data / "prices" / name, data / name)
    monkeypatch.setenv("CAPSIZE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CAPSIZE_DATA_DIR", str(tmp_path / "d"))
    res = runner.invoke(app, ["report", "-q", "-f", "md", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "capsize-report-2026-08-21.md").is_file()


def test_empty_store_and_no_provider_says_what_to_run(tmp_path: Path, monkeypatch) -> None:
    import capsize._cli.data as data_cli

    def offline(*, quiet: bool = False, wait: float = 0.0) -> object:
        raise ProviderError("no network", provider="yahoo")

    monkeypatch.setattr(data_cli, "run_update", offline)
    monkeypatch.setenv("CAPSIZE_HOME", str(tmp_path / "home"))
    res = runner.invoke(app, ["report", "--out", str(tmp_path)])
    assert res.exit_code == 1
    text = " ".join(res.output.split())
    assert "capsize data import" in text and "--data-dir" in text and "capsize data update" in text


def test_open_flag_opens_the_written_file(filled: Path, tmp_path: Path, monkeypatch) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    res = runner.invoke(
        app, ["report", "-q", "--as-of", "2025-10-08", "--open", "--out", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    assert opened == [(tmp_path / "capsize-report-2025-10-08.html").resolve().as_uri()]
