"""Outputs of a checked article: HTML, Markdown, summary and JSON (no store needed)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import pytest

from capsize.errors import OutputError
from capsize.factcheck import CheckedArticle
from capsize.factcheck.claim import Claim, Claimed, Subject, Verdict, Window
from capsize.factcheck.render import (
    summary_rows,
    summary_text,
    to_html,
    to_json_dict,
    to_json_text,
    to_markdown,
    write_output,
)
from capsize.factcheck.render._html import COLOURS

TEXT = (
    "NEW YORK, Aug. 21, 2026 — Small caps rose 22 % this year. <script>alert(1)</script> "
    "The S&P 500 hit a record. Funds lost $20 billion. Small caps beat large caps by more "
    "than 10 points."
)


def _span(part: str) -> tuple[int, int]:
    start = TEXT.index(part)
    return start, start + len(part)


def _prov(fid: str, value: float | None, source: str, as_of: str) -> dict[str, object]:
    return {
        "id": fid,
        "value": value,
        "unit": "fraction",
        "label": f"label of {fid} <b>",
        "note": "",
        "provenance": {
            "source": source,
            "symbols": ["IWM"],
            "window": "2025-12-31..2026-08-21",
            "as_of": as_of,
            "formula": "end / base - 1",
        },
    }


SMALL = Subject("Small caps", "IWM", "segment", "small caps -> IWM (Russell 2000 ETF)")
GSPC = Subject("The S&P 500", "^GSPC", "index", "the S&P 500 -> ^GSPC")
FUNDS = Subject("Funds", "US-EQUITY-FUNDS", "fund_group", "funds -> all US equity funds")
SPY = Subject("large caps", "SPY", "segment", "large caps -> SPY")
YTD = Window(dt.date(2025, 12, 31), dt.date(2026, 8, 21), "this year")


def _verdicts() -> tuple[Verdict, ...]:
    rose = Claim(
        "Small caps rose 22 % this year.",
        _span("Small caps rose 22 % this year."),
        "return",
        (SMALL,),
        YTD,
        Claimed(21.5, 22.5, "%", "22 %"),
    )
    record = Claim(
        "The S&P 500 hit a record.",
        _span("The S&P 500 hit a record."),
        "record_high",
        (GSPC,),
        None,
        None,
        {"basis": "close"},
    )
    flows = Claim(
        "Funds lost $20 billion.",
        _span("Funds lost $20 billion."),
        "flows",
        (FUNDS,),
        None,
        Claimed(-2e10, -2e10, "usd", "$20 billion"),
    )
    beat = Claim(
        "Small caps beat large caps by more than 10 points.",
        _span("Small caps beat large caps by more than 10 points."),
        "relative_return",
        (SMALL, SPY),
        YTD,
        Claimed(10.0, math.inf, "pp", "more than 10 points", "more than"),
    )
    return (
        Verdict(
            rose,
            "supported",
            22.36,
            "total return of IWM",
            "Supported.",
            "±0.25 pp",
            (_prov("IWM.total", 0.2236, "prices/IWM.csv", "2026-08-21"),),
        ),
        Verdict(
            record,
            "contradicted",
            None,
            "^GSPC record close 2026-08-13",
            "Not in window.",
            "",
            (_prov("^GSPC.record_close", 7799.0, "prices/GSPC.csv", "2026-08-21"),),
        ),
        Verdict(flows, "not checkable", None, "", "flows of funds are not in the shared data"),
        Verdict(
            beat,
            "close",
            9.48,
            "IWM vs SPY, pp",
            "Close.",
            "±0.25 pp",
            (_prov("IWM.total", 0.2236, "prices/IWM.csv", "2026-08-20"),),
        ),
    )


@pytest.fixture
def article() -> CheckedArticle:
    return CheckedArticle(TEXT, dt.date(2026, 8, 21), _verdicts(), "note.txt", "article")


def test_json_has_exactly_the_issue_shape(article: CheckedArticle) -> None:
    data = json.loads(to_json_text(article))
    assert set(data) == {"article_date", "claims"}
    assert data["article_date"] == "2026-08-21"
    keys = {
        "text",
        "kind",
        "subjects",
        "window",
        "claimed",
        "computed",
        "verdict",
        "definition",
        "reason",
        "provenance",
    }
    assert all(set(c) == keys for c in data["claims"])
    first, record, flows, beat = data["claims"]
    assert first["window"] == {
        "start": "2025-12-31",
        "end": "2026-08-21",
        "label": "this year",
        "anchor": "",
    }
    assert first["subjects"][0]["symbol"] == "IWM" and first["computed"] == 22.36
    assert record["claimed"] is None and record["computed"] is None
    assert flows["verdict"] == "not checkable" and "not in the shared data" in flows["reason"]
    assert beat["claimed"]["high"] is None  # an open end is null, never Infinity
    assert "Tolerance: ±0.25 pp" in first["reason"]
    assert first["provenance"][0]["provenance"]["source"] == "prices/IWM.csv"
    assert to_json_dict(article) == data


def test_html_is_escaped_self_contained_and_coloured(article: CheckedArticle) -> None:
    page = to_html(article)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "label of IWM.total &lt;b&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "<link" not in page
    assert page.count('<label class="claim"') == 4
    for verdict, colour in COLOURS.items():
        assert f'background:{colour}" title="{verdict}"' in page
    assert "article date 2026-08-21 (article)" in page
    assert "data as of 2026-08-21" in page
    assert "prices/GSPC.csv, prices/IWM.csv" in page
    assert "S&amp;P 500 hit a record." in page
    # every claim's computation: figure id, formula, dates and source
    assert page.count("end / base - 1") == 3 and "2025-12-31..2026-08-21" in page


def test_markdown_footnotes_and_summary(article: CheckedArticle) -> None:
    md = to_markdown(article)
    for n in range(1, 5):
        assert f"[^{n}] " in md and f"[^{n}]: **" in md
    assert "**Small caps rose 22 % this year.**[^1] ✅" in md
    assert "| 4 | Small caps beat large caps by more than 10 points. | relative_return |" in md
    assert ">= +10.00 pp" in md
    assert "data as of 2026-08-21" in md and "prices/IWM.csv" in md
    assert "`IWM.total` = 0.2236" in md


def test_summary(article: CheckedArticle) -> None:
    rows = summary_rows(article)
    assert [r[-1] for r in rows] == ["supported", "contradicted", "not checkable", "close"]
    assert rows[2][4] == "n/a (not checkable)" and rows[1][3] == "n/a (no figure stated)"
    assert rows[0][3] == "+21.50 % .. +22.50 %" and rows[0][4] == "+22.36 %"
    text = summary_text(article)
    assert text.startswith("4 claims (1 supported, 1 close, 1 contradicted, 1 not checkable)")
    assert article.counts()["close"] == 1 and article.data_as_of == "2026-08-21"


def test_overlapping_claims_are_listed_but_highlighted_once(article: CheckedArticle) -> None:
    v = _verdicts()
    inner = Claim("22 %", _span("22 %"), "return", (SMALL,), YTD, Claimed(22, 22, "%", "22 %"))
    extra = Verdict(inner, "supported", 22.0, "", "")
    page = to_html(CheckedArticle(TEXT, dt.date(2026, 8, 21), (*v, extra)))
    assert page.count('<label class="claim"') == 4
    assert len(summary_rows(CheckedArticle(TEXT, dt.date(2026, 8, 21), (*v, extra)))) == 5


def test_write_output_is_atomic_and_names_the_path(tmp_path: Path, article: CheckedArticle) -> None:
    out = write_output(tmp_path / "fc.html", to_html(article))
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["fc.html"]  # no temp file left
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match="afile"):
        write_output(tmp_path / "afile" / "fc.html", "x")
