"""One formula-safe CSV writer (:mod:`capsize._csv_export`) for every CSV capsize writes.

Text cells starting with ``= + - @`` or a tab/CR/LF are quoted so a spreadsheet shows
them as text; numbers stay numbers. The web API's CSV and ``screen --export x.csv``
(:meth:`ScreenQueryResult.export`) both go through it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from capsize._csv_export import FORMULA_START, csv_text, safe_cell
from capsize.queries.result import Figure, Provenance, TableData
from capsize.queries.stocks.screening import ScreenQueryResult
from capsize.web._answers import table_csv

INJECTED = (
    '=HYPERLINK("http://evil","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
)


@pytest.mark.parametrize("text", INJECTED)
def test_formula_cells_are_quoted(text: str) -> None:
    assert text.startswith(FORMULA_START)
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["IWM", "", "1=1", "a-b", "Small-cap", "'=already"])
def test_plain_text_is_unchanged(text: str) -> None:
    assert safe_cell(text) == text


def _parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_text_quotes_text_not_numbers() -> None:
    rows = [["=cmd()", -0.25, None], ["IWM", float("nan"), 3], ["@x", float("inf"), True]]
    out = _parse(csv_text(["=head", "value", "n"], rows))
    assert out[0] == ["'=head", "value", "n"]
    assert out[1] == ["'=cmd()", "-0.25", ""]
    assert out[2] == ["IWM", "", "3"]
    assert out[3] == ["'@x", "", "True"]


def _prov() -> Provenance:
    return Provenance("test", ("IWM",), "2025-01-01..2025-06-30", "2025-06-30", "x")


def _table() -> TableData:
    fig = Figure("IWM.pe", -1.5, "ratio", "P/E", _prov())
    return TableData(
        "screen",
        "t",
        ("ticker", "name", "pe"),
        (("IWM", "=1+2", fig), ("+SPY", "-cmd", None)),
    )


def test_table_to_csv_and_the_web_use_one_writer() -> None:
    table = _table()
    text = table.to_csv()
    assert table_csv(table) == text
    assert _parse(text) == [
        ["ticker", "name", "pe"],
        ["IWM", "'=1+2", "-1.5"],
        ["'+SPY", "'-cmd", ""],
    ]


def test_screen_export_csv_is_formula_safe(tmp_path: Path) -> None:
    res = ScreenQueryResult(query="screen", as_of=pd.Timestamp("2025-06-30"), tables=(_table(),))
    path = res.export(tmp_path / "out" / "screen.csv")
    rows = _parse(path.read_text(encoding="utf-8"))
    assert rows[1][1] == "'=1+2" and rows[2][0] == "'+SPY"
    assert [p.name for p in path.parent.iterdir()] == ["screen.csv"]  # no temp file left
