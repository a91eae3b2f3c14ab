"""N-PORT parser and fetcher, replayed on the two recorded filings."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import TYPE_CHECKING

import httpx
import pandas as pd
import pytest

from capsize.config import Settings
from capsize.data.providers.nport import NportFetcher, parse_nport
from capsize.data.providers.sec import RateLimiter, SecEdgar
from capsize.errors import InputError, SchemaError, UnauthorizedError

if TYPE_CHECKING:
    from pathlib import Path

AST = "NPORT-P_AdvancedSeriesTrust_AST-Bond-Portfolio-2022_2022-12-31.xml"
DUPREE = "NPORT-P_Dupree_KY-TaxFree-ShortMedium_2022-12-31.xml"
UA = "Jane Doe jane@example.com"


@pytest.fixture(scope="module")
def nport_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "sec" / "nport"


def _regex_flows(text: str) -> list[dict[str, float]]:
    """Independent reading: attributes of <monNFlow .../> by regular expression."""
    out = []
    for i in (1, 2, 3):
        tag = re.search(rf"<mon{i}Flow\b([^>]*)/?>", text)
        assert tag is not None
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag.group(1)))
        out.append({k: float(v) for k, v in attrs.items()})
    return out


@pytest.mark.parametrize("name", [AST, DUPREE])
def test_parse_matches_regex_reading(nport_dir, name):
    text = (nport_dir / name).read_text(encoding="utf-8")
    filing = parse_nport(text.encode())
    expected = _regex_flows(text)
    for row, exp in zip(filing.flows.itertuples(), expected, strict=True):
        red = abs(exp["redemption"])
        assert row.sales == pytest.approx(exp["sales"])
        assert row.reinvestment == pytest.approx(exp["reinvestment"])
        assert row.redemption == pytest.approx(red)
        assert row.flow == pytest.approx(exp["sales"] + exp["reinvestment"] - red)
    net = float(re.search(r"<netAssets>([^<]+)</netAssets>", text).group(1))  # type: ignore[union-attr]
    assert filing.net_assets == pytest.approx(net)


def test_dupree_fields_and_month_dates(nport_dir):
    filing = parse_nport((nport_dir / DUPREE).read_bytes())
    assert filing.series_id == "S000012000"
    assert filing.reg_cik == 311101
    assert filing.report_date == pd.Timestamp("2022-12-31")
    # repPdEnd is the fiscal year end, not the report date
    assert filing.period_end == pd.Timestamp("2023-06-30")
    assert [d.strftime("%Y-%m-%d") for d in filing.flows["date"]] == [
        "2022-10-31",
        "2022-11-30",
        "2022-12-31",
    ]
    assert not filing.flows["sign_fixed"].any()
    assert filing.notes == ()


def test_ast_negative_redemptions_are_fixed_and_noted(nport_dir):
    filing = parse_nport((nport_dir / AST).read_bytes())
    assert filing.report_date == pd.Timestamp("2022-12-30")
    assert filing.flows["date"].iloc[-1] == pd.Timestamp("2022-12-31")
    assert filing.flows["sign_fixed"].all()
    assert (filing.flows["redemption"] > 0).all()
    assert filing.flows["flow"].iloc[0] == pytest.approx(30926.10 + 0.0 - 10925162.46)
    assert any("negative" in n for n in filing.notes)


def test_parse_errors_are_schema_errors():
    with pytest.raises(SchemaError, match="well-formed"):
        parse_nport(b"<html><body>not xml")
    with pytest.raises(SchemaError, match="not an N-PORT"):
        parse_nport(b"<html><body/></html>")
    doc = (
        b'<edgarSubmission xmlns="http://www.sec.gov/edgar/nport"><formData><genInfo>'
        b"<repPdDate>2023-03-31</repPdDate></genInfo></formData></edgarSubmission>"
    )
    with pytest.raises(SchemaError, match="no monthly flow"):
        parse_nport(doc)


# ---------------------------------------------------------------------------
# fetcher replay
# ---------------------------------------------------------------------------

ACCS = [
    "0000311101-23-000001",
    "0000311101-23-000002",
    "0000311101-23-000003",
    "0000311101-23-000004",
]


def _submissions() -> bytes:
    # A minimal submissions body in the SEC's columnar shape (hand-built: no recorded
    # submissions list of a fund registrant is available).
    recent = {
        "accessionNumber": [*ACCS, "0000311101-23-000009"],
        "filingDate": ["2023-02-28", "2023-02-27", "2023-02-26", "2023-02-25", "2023-01-10"],
        "reportDate": ["2022-12-31"] * 5,
        "form": ["NPORT-P", "NPORT-P", "NPORT-P", "NPORT-P", "N-CSR"],
        "items": [""] * 5,
        "primaryDocument": ["xslFormN-PORT-P_X01/primary_doc.xml"] * 4 + ["ncsr.htm"],
    }
    return json.dumps({"cik": "311101", "name": "DUPREE", "filings": {"recent": recent}}).encode()


def _edgar(
    tmp_path: Path, handler, *, ua: str | None = UA, cache: bool = False
) -> tuple[SecEdgar, list[float]]:
    """An SEC session on the shared stack, over a mock transport, with a fake clock."""
    slept: list[float] = []
    now = [0.0]  # a fake monotonic clock that only moves when the limiter sleeps

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(10.0, monotonic=lambda: now[0], sleep=sleep)
    settings = Settings(home=tmp_path, sec_user_agent=ua, http_retries=1)
    edgar = SecEdgar(
        settings,
        transport=httpx.MockTransport(handler),
        cache=cache,
        limiter=limiter,
        sleep=lambda s: None,
    )
    return edgar, slept


def test_fetcher_keeps_good_filings_and_reports_bad(tmp_path, nport_dir):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path.endswith("CIK0000311101.json"):
            return httpx.Response(200, content=_submissions())
        acc = path.split("/")[-2]
        if acc == ACCS[0].replace("-", ""):
            return httpx.Response(200, content=(nport_dir / DUPREE).read_bytes())
        if acc == ACCS[1].replace("-", ""):
            return httpx.Response(200, content=(nport_dir / AST).read_bytes())
        if acc == ACCS[2].replace("-", ""):
            return httpx.Response(200, text="<html><body>Rendered page</body></html>")
        return httpx.Response(404, text="<Error><Code>NoSuchKey</Code></Error>")

    edgar, slept = _edgar(tmp_path, handler)
    fixed = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    res = NportFetcher(edgar, clock=lambda: fixed).fetch({"cik": 311101, "fund": "kytf"})[0]
    assert res.dataset == "fund_flows_monthly"
    assert res.key == "KYTF"
    assert res.retrieved_at == fixed
    meta = res.meta
    assert meta["filings"] == 4
    assert meta["parsed"] == 2
    assert [f["accession"] for f in meta["failed"]] == [ACCS[2], ACCS[3]]
    assert "not an N-PORT" in meta["failed"][0]["reason"]
    # both good filings report the same three months: one row per month, newest report wins
    assert len(res.frame) == 3
    assert set(res.frame["series_id"]) <= {"S000012000", "S000030880"}
    # every request carried the SEC user agent and went through the limiter
    assert all(r.headers["User-Agent"] == UA for r in seen)
    assert len(seen) == 5
    # raw XML, never the xsl-rendered HTML path
    assert all("xsl" not in r.url.path for r in seen)
    # five requests at no processing time: spaced 0.1 s apart, i.e. 10 requests/s
    assert slept == pytest.approx([0.1] * 4)


def test_only_documents_that_parse_are_cached(tmp_path, nport_dir):
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        seen.append(path)
        if path.endswith("CIK0000311101.json"):
            return httpx.Response(200, content=_submissions())
        acc = path.split("/")[-2]
        if acc == ACCS[0].replace("-", ""):
            return httpx.Response(200, content=(nport_dir / DUPREE).read_bytes())
        if acc == ACCS[1].replace("-", ""):
            return httpx.Response(200, content=(nport_dir / AST).read_bytes())
        if acc == ACCS[2].replace("-", ""):
            return httpx.Response(200, text="<html><body>Rendered page</body></html>")
        return httpx.Response(200, content=b"\n<edgarSubmission><broken")

    for _ in range(2):
        edgar, _ = _edgar(tmp_path, handler, cache=True)
        with edgar:
            res = NportFetcher(edgar).fetch({"cik": 311101, "fund": "kytf"})[0]
        assert res.meta["parsed"] == 2
    first, second = seen[:5], seen[5:]
    assert len(first) == 5
    # the filing list and both good documents came from the cache; the two bad ones did not
    assert sorted(p.split("/")[-2] for p in second) == sorted(a.replace("-", "") for a in ACCS[2:])


def test_fetcher_series_filter_and_accessions(tmp_path, nport_dir):
    def handler(request: httpx.Request) -> httpx.Response:
        acc = request.url.path.split("/")[-2]
        body = DUPREE if acc.endswith("1") else AST
        return httpx.Response(200, content=(nport_dir / body).read_bytes())

    edgar, _ = _edgar(tmp_path, handler)
    res = NportFetcher(edgar).fetch(
        {"cik": "CIK0000311101", "series_id": "S000012000", "accessions": ACCS[:2]}
    )[0]
    assert res.meta["other_series"] == [ACCS[1]]
    assert list(res.frame["accession"].unique()) == [ACCS[0]]
    assert res.frame["flow"].iloc[2] == pytest.approx(601068.84 + 31270.28 - 1787701.76)
    assert not math.isnan(res.frame["net_assets"].iloc[0])


def test_user_agent_required_and_bad_params(tmp_path):
    edgar, _ = _edgar(tmp_path, lambda r: httpx.Response(200, content=b"{}"), ua=None)
    with pytest.raises(UnauthorizedError, match="CAPSIZE_SEC_USER_AGENT"):
        NportFetcher(edgar).fetch({"cik": 311101})
    f = NportFetcher(edgar)
    with pytest.raises(InputError, match="series_id"):
        f.transform_query({"cik": 1, "series_id": "IWM"})
    with pytest.raises(InputError, match="cik"):
        f.transform_query({"cik": "abc"})
    with pytest.raises(InputError, match="unknown"):
        f.transform_query({"cik": 1, "seriesid": "S000012000"})


def test_series_screening_by_header(tmp_path, nport_dir):
    """Headers name the series: only matching filings are downloaded (hand-built headers)."""
    seen: list[str] = []
    header = {
        ACCS[0]: "&lt;SERIES-ID&gt;S000030880\n",  # another series of the trust
        ACCS[1]: "<SERIES-ID>S000012000\n",
        ACCS[2]: None,  # header unavailable: downloaded, checked after parsing
        ACCS[3]: "&lt;SERIES-ID&gt;S000012000\n",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        seen.append(path)
        if path.endswith("CIK0000311101.json"):
            return httpx.Response(200, content=_submissions())
        acc = next(a for a in ACCS if a.replace("-", "") in path)
        if path.endswith("-index-headers.html"):
            text = header[acc]
            if text is None:
                return httpx.Response(404, text="<Error><Code>NoSuchKey</Code></Error>")
            return httpx.Response(200, text=f"<html><pre>{text}</pre></html>")
        body = AST if acc == ACCS[2] else DUPREE
        return httpx.Response(200, content=(nport_dir / body).read_bytes())

    edgar, _ = _edgar(tmp_path, handler)
    res = NportFetcher(edgar).fetch({"cik": 311101, "series_id": "S000012000", "max_filings": 2})[0]
    docs = [p for p in seen if p.endswith("primary_doc.xml")]
    # ACCS[0] screened out by its header; ACCS[1] matches; ACCS[2] has no header and is
    # downloaded, then dropped as another series; the second match is never needed
    assert [d.split("/")[-2] for d in docs] == [ACCS[1].replace("-", ""), ACCS[2].replace("-", "")]
    assert res.meta["headers_scanned"] == 3
    assert res.meta["other_series"] == [ACCS[2]]
    assert list(res.frame["accession"].unique()) == [ACCS[1]]
