"""``capsize factcheck FILE``: the summary, --json, --out html/md, the date rule, bad input.

The store is the shared ``store_home`` (all of shared/data). The expected YTD return is
computed from ``prices/IWM.csv`` with plain pandas.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from capsize.cli import app

runner = CliRunner()

ARTICLE = """# Small caps extend their rally

NEW YORK, Aug. 21, 2026 — Small caps are up {ytd:.1f} % year to date.
The 10-year Treasury yield stands at 3.1 %. Investors are nervous; call 555-1234, page 12.

About $20 billion left equity funds last month.
"""


@pytest.fixture
def use_home(store_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAPSIZE_HOME", str(store_home))
    return store_home


@pytest.fixture(scope="module")
def ytd(shared_data: Path) -> float:
    c = pd.read_csv(shared_data / "prices" / "IWM.csv", parse_dates=["date"]).set_index("date")
    close = c["close"]
    return float(close[:"2026-08-21"].iloc[-1] / close[:"2025-12-31"].iloc[-1] - 1.0) * 100.0


@pytest.fixture
def article(tmp_path: Path, ytd: float) -> Path:
    path = tmp_path / "note.md"
    path.write_text(ARTICLE.format(ytd=ytd), encoding="utf-8")
    return path


def _one_line_error(output: str, *words: str) -> None:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error:"), output
    for w in words:
        assert w in lines[0], output


def test_json_from_the_dateline(use_home: Path, article: Path, ytd: float) -> None:
    res = runner.invoke(app, ["factcheck", str(article), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["article_date"] == "2026-08-21"
    verdicts = {c["kind"]: c for c in data["claims"]}
    assert verdicts["return"]["verdict"] == "supported"
    assert verdicts["return"]["computed"] == pytest.approx(ytd, abs=1e-6)
    assert verdicts["rate_level"]["verdict"] == "contradicted"
    assert verdicts["flows"]["verdict"] == "not checkable"
    assert not any("555" in c["text"] or "page 12" in c["text"] for c in data["claims"])


def test_out_html_and_md_and_summary(use_home: Path, article: Path, tmp_path: Path) -> None:
    page = tmp_path / "out" / "note.html"
    res = runner.invoke(app, ["factcheck", str(article), "--out", str(page)])
    assert res.exit_code == 0, res.output
    assert "Fact check written" in res.output and "data as of 2026-08-21" in res.output
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'class="claim"' in html
    md = tmp_path / "note.fc.md"
    res = runner.invoke(app, ["factcheck", str(article), "--format", "md", "--out", str(md)])
    assert res.exit_code == 0, res.output
    assert "[^1]:" in md.read_text(encoding="utf-8")
    res = runner.invoke(app, ["factcheck", str(article), "--date", "2026-08-21"])
    assert res.exit_code == 0, res.output
    assert "supported" in res.output and "not checkable" in res.output


def test_stdin_needs_a_date_without_a_dateline(use_home: Path) -> None:
    text = "Small caps rose 5 % last week."
    res = runner.invoke(app, ["factcheck", "-"], input=text)
    assert res.exit_code != 0
    _one_line_error(res.output, "--date")
    res = runner.invoke(app, ["factcheck", "-", "--date", "2026-08-21", "--json"], input=text)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["claims"][0]["kind"] == "return"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, ("does not exist",)),
        (b"", ("empty",)),
        (b"   \n\n", ("empty",)),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("binary",)),
        (b"caf\xe9 au lait", ("UTF-8",)),
    ],
)
def test_bad_files_give_one_line_errors(
    use_home: Path, tmp_path: Path, content: bytes | None, words: tuple[str, ...]
) -> None:
    path = tmp_path / "article.txt"
    if content is not None:
        path.write_bytes(content)
    res = runner.invoke(app, ["factcheck", str(path), "--date", "2026-08-21"])
    assert res.exit_code != 0
    _one_line_error(res.output, *words)


def test_bad_options_give_one_line_errors(use_home: Path, article: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["factcheck", str(article), "--date", "21/08/2026"])
    assert res.exit_code != 0
    _one_line_error(res.output, "--date", "YYYY-MM-DD")
    res = runner.invoke(app, ["factcheck", str(article), "--format", "pdf"])
    assert res.exit_code != 0
    _one_line_error(res.output, "--format")
    res = runner.invoke(app, ["factcheck", str(tmp_path)])
    assert res.exit_code != 0
    _one_line_error(res.output, "directory")
