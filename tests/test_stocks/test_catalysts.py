"""Catalysts: 8-K item detection vs plain-json counts on recorded submissions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from capsize.data.providers.sec import parse_submissions
from capsize.errors import InputError, SchemaError
from capsize.stocks.catalysts import (
    ITEMS,
    catalyst_feed,
    events_from_filings,
    items_from_index_html,
    items_from_sgml,
    share_count_events,
    timeline,
)

if TYPE_CHECKING:
    from pathlib import Path

IMNN_MAIN = "submissions_CIK0000749647_Imunon.json"
IMNN_PAGE = "submissions_CIK0000749647-submissions-001_Imunon.json"
UNCY = "submissions_CIK0001766140_Unicycive.json"


@pytest.fixture(scope="module")
def sec(fixtures_dir: Path) -> Path:
    return fixtures_dir / "sec"


def _plain_8k(sec: Path, *names: str) -> list[tuple[str, str, set[str]]]:
    """(date, accession, items) of every 8-K in the files, read with json only."""
    out = {}
    for name in names:
        d = json.loads((sec / name).read_text())
        block = d["filings"]["recent"] if "filings" in d else d
        for acc, date, form, items in zip(
            block["accessionNumber"],
            block["filingDate"],
            block["form"],
            block["items"],
            strict=True,
        ):
            if form in ("8-K", "8-K/A"):
                out[acc] = (date, acc, {i for i in items.split(",") if i})
    return list(out.values())


@pytest.fixture(scope="module")
def imnn(sec: Path) -> pd.DataFrame:
    return parse_submissions((sec / IMNN_MAIN).read_bytes(), [(sec / IMNN_PAGE).read_bytes()])[0]


def test_reverse_split_detection_matches_plain_json(sec: Path, imnn: pd.DataFrame) -> None:
    plain = _plain_8k(sec, IMNN_MAIN, IMNN_PAGE)
    expected = {acc for _, acc, items in plain if {"3.03", "5.03"} <= items}
    ev = events_from_filings(imnn, ticker="imnn")
    got = set(ev.loc[ev["event"] == "reverse_split", "accession"])
    assert got == expected
    assert {"0001641172-25-020652", "0001641172-25-018797"} <= got
    assert (ev["ticker"] == "IMNN").all()
    assert ev["date"].is_monotonic_decreasing


@pytest.mark.parametrize(
    ("event", "item"),
    [
        ("listing", "3.01"),
        ("agreement", "1.01"),
        ("acquisition", "2.01"),
        ("equity_sale", "3.02"),
        ("control", "5.01"),
        ("bankruptcy", "1.03"),
    ],
)
def test_item_events_match_plain_json(sec: Path, imnn: pd.DataFrame, event: str, item: str) -> None:
    plain = _plain_8k(sec, IMNN_MAIN, IMNN_PAGE)
    expected = {acc for _, acc, items in plain if item in items}
    ev = events_from_filings(imnn, ticker="IMNN")
    assert set(ev.loc[ev["event"] == event, "accession"]) == expected


def test_every_8k_appears_once_or_more(sec: Path, imnn: pd.DataFrame) -> None:
    plain = _plain_8k(sec, IMNN_MAIN, IMNN_PAGE)
    ev = events_from_filings(imnn, ticker="IMNN")
    assert set(ev["accession"]) == {acc for _, acc, _ in plain}


def test_unicycive_reverse_split(sec: Path) -> None:
    frame, meta = parse_submissions((sec / UNCY).read_bytes())
    ev = timeline(frame, ticker=meta["tickers"][0])
    rs = ev.loc[ev["event"] == "reverse_split"]
    assert "0001213900-25-056188" in set(rs["accession"])
    assert rs.loc[rs["accession"] == "0001213900-25-056188", "date"].iloc[0] == pd.Timestamp(
        "2025-06-20"
    )
    assert "filing text not checked" in rs["detail"].iloc[0]


def test_8k_without_items_is_stated() -> None:
    filings = pd.DataFrame(
        {
            "accession": ["x-1", "x-2", "x-3"],
            "filing_date": pd.to_datetime(["2003-01-02", "2024-05-01", "2024-06-01"]),
            "form": ["8-K", "8-K/A", "10-Q"],
            "items": [(), ("9.01",), ("3.03",)],
        }
    )
    ev = events_from_filings(filings, ticker="OLD")
    assert ev["event"].tolist() == ["other", "no_items"]
    assert ev.loc[ev["event"] == "no_items", "label"].iloc[0] == "8-K with no items listed"
    assert "9.01 Financial Statements" in ev["detail"].iloc[0]
    assert events_from_filings(filings, ticker="OLD", as_of="2004-01-01")["accession"].tolist() == [
        "x-1"
    ]


def test_as_of_and_since(imnn: pd.DataFrame) -> None:
    ev = timeline(imnn, ticker="IMNN", as_of="2025-07-20", since="2025-01-01")
    assert ev["date"].max() <= pd.Timestamp("2025-07-20")
    assert ev["date"].min() >= pd.Timestamp("2025-01-01")
    assert "0001641172-25-018797" in set(ev["accession"])
    assert "0001641172-25-020652" not in set(ev["accession"])


def test_sgml_and_index_items_agree(sec: Path) -> None:
    txt = (sec / "8k_NVDA_0001045810-26-000024.txt").read_text(errors="replace")
    html = (sec / "8k_NVDA_0001045810-26-000024-index.html").read_text(errors="replace")
    assert items_from_sgml(txt) == ("5.02", "9.01")
    assert items_from_index_html(html) == ("5.02", "9.01")
    assert items_from_sgml("ITEM INFORMATION:\tSomething New\n") == ("?Something New",)
    assert items_from_sgml("no header here") == ()
    assert set(ITEMS) >= {"1.01", "1.03", "2.01", "3.01", "3.03", "5.01", "5.03"}


def test_share_count_events() -> None:
    h = pd.DataFrame(
        {
            "end": pd.to_datetime(["2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01"]),
            "shares": [10e6, 11e6, 15e6, 1e6],
            "filed": pd.to_datetime(["2024-01-10", "2024-04-10", "2024-07-10", "2024-10-10"]),
            "accn": ["a", "b", "c", "d"],
        }
    )
    ev = share_count_events(h, ticker="x")
    assert ev["event"].tolist() == ["share_drop", "share_jump"]
    assert "15,000,000 on 2024-07-01 -> 1,000,000 on 2024-10-01" in ev["detail"].iloc[0]
    assert "+36%" in ev["label"].iloc[1]
    assert share_count_events(h.iloc[:1], ticker="x").empty
    with pytest.raises(InputError, match="drop"):
        share_count_events(h, ticker="x", drop=1.5)


def test_feed_across_universe(imnn: pd.DataFrame, sec: Path) -> None:
    uncy = parse_submissions((sec / UNCY).read_bytes())[0]
    feed = catalyst_feed(
        {"IMNN": timeline(imnn, ticker="IMNN"), "UNCY": timeline(uncy, ticker="UNCY")},
        since="2025-01-01",
    )
    assert set(feed["ticker"]) == {"IMNN", "UNCY"}
    assert "other" not in set(feed["category"])
    assert feed["date"].is_monotonic_decreasing
    only = catalyst_feed([timeline(imnn, ticker="IMNN")], categories=["capital"])
    assert set(only["event"]) == {"reverse_split"}
    assert catalyst_feed({}).empty


def test_bad_filings_frame() -> None:
    with pytest.raises(SchemaError, match="lacks columns"):
        events_from_filings(pd.DataFrame({"form": ["8-K"]}), ticker="X")
    with pytest.raises(InputError):
        events_from_filings("nope", ticker="X")  # type: ignore[arg-type]
    assert timeline(None, ticker="X").empty
