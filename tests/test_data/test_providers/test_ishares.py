"""iShares holdings parser and fetcher, replayed against recorded holdings files."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING

import httpx
import numpy as np
import pytest

from capsize.config import Settings
from capsize.data.providers._http import make_client
from capsize.data.providers.ishares import (
    HOLDINGS_COLUMNS,
    ISharesHoldingsFetcher,
    parse_ishares_holdings,
)
from capsize.errors import InputError, SchemaError

if TYPE_CHECKING:
    from pathlib import Path


def _plain(path: Path) -> tuple[dict[str, str], list[str], list[list[str]]]:
    """Independent reading: preamble key/values, header, and table rows (until a short row)."""
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    h = next(i for i, r in enumerate(rows) if r[:2] == ["Ticker", "Name"])
    pre = {r[0]: r[1] for r in rows[:h] if len(r) == 2}
    table = []
    for r in rows[h + 1 :]:
        if len(r) != len(rows[h]):
            break
        table.append(r)
    return pre, rows[h], table


def _num(s: str) -> float:
    return float("nan") if s == "-" else float(s.replace(",", ""))


FIXTURES = ["IWM_holdings_2025-11-05.csv", "IWC_holdings_2026-01-20.csv"]
DATA = [
    "IWM_holdings_2025-05-13.csv",
    "IWM_holdings_2025-11-05.csv",
    "IWM_holdings_2026-05-05.csv",
    "IJR_holdings_2026-06-19.csv",
    "IJH_holdings_2026-06-19.csv",
    "IVV_holdings_2026-06-19.csv",
]


def _check_against_plain(path: Path) -> tuple[dict[str, object], list[list[str]]]:
    pre, header, table = _plain(path)
    frame, meta = parse_ishares_holdings(path.read_bytes(), name=path.name)
    assert tuple(frame.columns) == HOLDINGS_COLUMNS
    assert len(frame) == len(table)
    wcol = "Weight (%)" if "Weight (%)" in header else "Market Weight"
    scol = "Quantity" if "Quantity" in header else "Shares"
    idx = {c: header.index(c) for c in header}
    np.testing.assert_array_equal(
        frame["weight"].to_numpy(), [_num(r[idx[wcol]]) / 100 for r in table]
    )
    np.testing.assert_array_equal(frame["shares"].to_numpy(), [_num(r[idx[scol]]) for r in table])
    np.testing.assert_array_equal(
        frame["market_value"].to_numpy(), [_num(r[idx["Market Value"]]) for r in table]
    )
    np.testing.assert_array_equal(frame["price"].to_numpy(), [_num(r[idx["Price"]]) for r in table])
    assert frame.loc[0, "ticker"] == table[0][idx["Ticker"]]
    assert frame.loc[0, "sector"] == table[0][idx["Sector"]]
    assert meta["as_of"] == dt.datetime.strptime(pre["Fund Holdings as of"], "%b %d, %Y").date()
    so = pre["Shares Outstanding"]
    assert meta["shares_outstanding"] == (None if so == "-" else float(so.replace(",", "")))
    assert abs(float(meta["weight_sum"]) - 1.0) < 0.01
    return meta, table


@pytest.mark.parametrize("fname", FIXTURES)
def test_recorded_fixtures(fixtures_dir: Path, fname: str) -> None:
    meta, _ = _check_against_plain(fixtures_dir / "ishares" / fname)
    assert str(meta["fund_name"]).startswith("iShares")


@pytest.mark.parametrize("fname", DATA)
def test_shared_holdings_files(shared_data: Path, fname: str) -> None:
    _check_against_plain(shared_data / "holdings" / fname)


def test_known_values(fixtures_dir: Path, shared_data: Path) -> None:
    _, iwm = parse_ishares_holdings((fixtures_dir / "ishares" / FIXTURES[0]).read_bytes())
    _, iwc = parse_ishares_holdings((fixtures_dir / "ishares" / FIXTURES[1]).read_bytes())
    assert iwm["shares_outstanding"] == 281_300_000.0
    assert iwm["as_of"] == dt.date(2025, 11, 5)
    assert iwc["shares_outstanding"] == 7_450_000.0
    assert iwc["fund_name"] == "iShares Micro-Cap ETF"
    # the shares-outstanding snapshots file in shared/data was transcribed from these headers
    with (shared_data / "flows" / "IWM_shares_outstanding_ishares_snapshots.csv").open() as fh:
        snaps = list(csv.DictReader(fh))
    for snap in snaps:
        _, meta = parse_ishares_holdings(
            (shared_data / "holdings" / f"IWM_holdings_{snap['date']}.csv").read_bytes()
        )
        assert meta["shares_outstanding"] == float(snap["shares_outstanding"])
        assert meta["as_of"].isoformat() == snap["date"]


def test_ijr_layout_and_missing(shared_data: Path) -> None:
    frame, meta = parse_ishares_holdings(
        (shared_data / "holdings" / "IJR_holdings_2026-06-19.csv").read_bytes()
    )
    assert meta["shares_outstanding"] is None
    assert meta["weight_column"] == "Market Weight"
    assert "Type" in meta["columns"]
    # swap rows show "-" as market weight -> NaN, not 0
    assert frame["weight"].isna().sum() > 0
    assert frame["ticker"].isna().sum() == 2  # the two OMNIAB "-" tickers
    # negative quantities (cash lines) survive the thousands separator
    assert (frame["shares"] < 0).any()


def test_str_and_bytes_agree(fixtures_dir: Path) -> None:
    raw = (fixtures_dir / "ishares" / FIXTURES[1]).read_bytes()
    a, ma = parse_ishares_holdings(raw)
    b, mb = parse_ishares_holdings(raw.decode("utf-8"))
    assert a.equals(b)
    assert ma == mb


_GOOD = (
    "iShares Test ETF\n"
    'Fund Holdings as of,"Jan 02, 2026"\n'
    'Shares Outstanding,"1,000.00"\n'
    "\n"
    "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Quantity,Price\n"
    '"AAA","A CO","Energy","Equity","1,000.00","100.00","10.00","100.00"\n'
)


def test_footer_without_blank_line_is_ignored() -> None:
    frame, _ = parse_ishares_holdings(
        _GOOD + '"The content contained herein\nspans lines."\nHoldings subject to change.\n'
    )
    assert frame["ticker"].tolist() == ["AAA"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (_GOOD.replace(",", ";"), "no holdings header"),
        ("<html><body>Access denied</body></html>", "HTML"),
        ("", "no holdings header"),
        (_GOOD.replace('Fund Holdings as of,"Jan 02, 2026"\n', ""), "Fund Holdings as of"),
        (_GOOD.replace('"Jan 02, 2026"', '"soon"'), "not a date"),
        (_GOOD.replace("Weight (%)", "Wgt"), "Market Weight"),
        (_GOOD.replace('"10.00"', '"ten"'), "not a number"),
        (
            _GOOD.split("\n\n")[0]
            + "\n\nTicker,Name,Sector,Asset Class,Market Value,Weight (%),Quantity,Price\n",
            "empty",
        ),
    ],
)
def test_bad_files_raise(text: str, match: str) -> None:
    with pytest.raises(SchemaError, match=match) as info:
        parse_ishares_holdings(text, name="TEST_holdings.csv")
    assert "TEST_holdings.csv" in str(info.value)


# -- fetcher: replay through httpx.MockTransport ---------------------------------------------


NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _fetcher(tmp_path: Path, body: bytes) -> tuple[ISharesHoldingsFetcher, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, content=body, headers={"content-type": "text/csv; charset=utf-8"}
        )

    client = make_client(
        Settings(home=tmp_path), httpx.MockTransport(handler), sleep=lambda s: None
    )
    return ISharesHoldingsFetcher(client, clock=lambda: NOW), seen


def test_fetch_iwm(tmp_path: Path, fixtures_dir: Path) -> None:
    path = fixtures_dir / "ishares" / FIXTURES[0]
    _, _, table = _plain(path)
    fetcher, seen = _fetcher(tmp_path, path.read_bytes())
    holdings, shares = fetcher.fetch({"fund": "IWM"})
    url = (
        "https://www.ishares.com/us/products/239710/ishares-russell-2000-etf/1467271812596.ajax"
        "?fileType=csv&fileName=IWM_holdings&dataType=fund"
    )
    assert str(seen[0].url) == url
    assert holdings.dataset == "holdings"
    assert holdings.key == "IWM"
    assert holdings.source == f"ishares {url}"
    assert holdings.retrieved_at == NOW
    assert holdings.meta["as_of"] == dt.date(2025, 11, 5)
    assert holdings.meta["shares_outstanding"] == 281_300_000.0
    assert len(holdings.frame) == len(table)
    assert shares.dataset == "shares_outstanding"
    assert shares.frame.index.tolist() == [dt.datetime(2025, 11, 5)]
    assert shares.frame["shares_outstanding"].tolist() == [281_300_000.0]
    assert shares.frame["fund"].tolist() == ["IWM"]


def test_fetch_iwc_historical_flag(tmp_path: Path, fixtures_dir: Path) -> None:
    fetcher, seen = _fetcher(tmp_path, (fixtures_dir / "ishares" / FIXTURES[1]).read_bytes())
    holdings, _ = fetcher.fetch({"fund": "IWC", "as_of": "2026-01-21"})
    assert "239716/ishares-micro-cap-etf" in str(seen[0].url)
    assert "asOfDate=20260121" in str(seen[0].url)
    assert holdings.meta["as_of_mismatch"] is True
    holdings, _ = fetcher.fetch({"fund": "IWC", "as_of": "2026-01-20"})
    assert holdings.meta["as_of_mismatch"] is False


def test_fetch_ijr_without_shares_outstanding(tmp_path: Path, shared_data: Path) -> None:
    fetcher, _ = _fetcher(
        tmp_path, (shared_data / "holdings" / "IJR_holdings_2026-06-19.csv").read_bytes()
    )
    results = fetcher.fetch({"fund": "IJR"})
    assert [r.dataset for r in results] == ["holdings"]
    assert results[0].meta["shares_outstanding"] is None


def test_fetch_wrong_fund_file_raises(tmp_path: Path, fixtures_dir: Path) -> None:
    fetcher, _ = _fetcher(tmp_path, (fixtures_dir / "ishares" / FIXTURES[1]).read_bytes())
    with pytest.raises(SchemaError, match=r"Micro-Cap.*Russell 2000"):
        fetcher.fetch({"fund": "IWM"})


def test_fetch_custom_product(tmp_path: Path, fixtures_dir: Path) -> None:
    fetcher, seen = _fetcher(tmp_path, (fixtures_dir / "ishares" / FIXTURES[1]).read_bytes())
    (holdings, _) = fetcher.fetch({"fund": "XYZ", "product_id": 1, "slug": "some-fund"})
    assert "/1/some-fund/" in str(seen[0].url)
    assert holdings.key == "XYZ"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"fund": ""},
        {"fund": "SPY"},
        {"fund": "IWM", "asof": "2025-01-01"},
        {"fund": "IWM", "as_of": "x"},
        {"fund": "IWM", "product_id": "239710", "slug": "a"},
        {"fund": "IWM", "product_id": 1, "slug": "Bad Slug"},
    ],
)
def test_fetch_query_validation(tmp_path: Path, params: dict[str, object]) -> None:
    fetcher, seen = _fetcher(tmp_path, b"")
    with pytest.raises(InputError):
        fetcher.fetch(params)
    assert seen == []
