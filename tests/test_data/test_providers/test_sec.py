"""SEC EDGAR provider: replay recorded responses; check each stage against plain json."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import httpx
import pytest

from capsize.config import Settings, load_settings
from capsize.data.providers._http import CapsizeClient, HostLimiter
from capsize.data.providers.sec import (
    CompanyFactsFetcher,
    RateLimiter,
    SecEdgar,
    SubmissionsFetcher,
    TickersFetcher,
    normalize_cik,
    parse_company_tickers,
    parse_companyfacts,
    parse_submissions,
    recorded_transport,
    validate_user_agent,
)
from capsize.errors import (
    EmptyDataError,
    InputError,
    ProviderError,
    RateLimitError,
    SchemaError,
    UnauthorizedError,
)

if TYPE_CHECKING:
    from pathlib import Path

UA = "Capsize Tests tests@example.com"


@pytest.fixture(scope="module")
def sec_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "sec"


def _edgar(sec_dir: Path, **kw: object) -> SecEdgar:
    client = httpx.Client(transport=recorded_transport(sec_dir))
    return SecEdgar(load_settings(), client=client, offline=True, sleep=lambda s: None, **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------- user agent / limiter


def test_user_agent_required_for_live_calls() -> None:
    settings = load_settings()
    assert settings.sec_user_agent is None
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    edgar = SecEdgar(settings, transport=httpx.MockTransport(handler))
    with pytest.raises(UnauthorizedError, match="CAPSIZE_SEC_USER_AGENT"):
        edgar.tickers()
    assert calls == []  # refused before anything was sent


def test_user_agent_needs_email() -> None:
    with pytest.raises(UnauthorizedError, match="e-mail"):
        validate_user_agent("just a name")
    assert validate_user_agent("  A B a@b.org ") == "A B a@b.org"


def test_user_agent_sent_and_read_from_env(monkeypatch: pytest.MonkeyPatch, sec_dir: Path) -> None:
    monkeypatch.setenv("CAPSIZE_SEC_USER_AGENT", UA)
    seen: list[str] = []
    inner = recorded_transport(sec_dir)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["user-agent"])
        return inner.handle_request(request)

    edgar = SecEdgar(load_settings(), client=httpx.Client(transport=httpx.MockTransport(handler)))
    cik, ticker = edgar.resolve("imnn")
    assert (cik, ticker) == (749647, "IMNN")
    assert seen == [UA]


def test_rate_limiter_spaces_calls() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    lim = RateLimiter(10.0, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(25):
        lim.wait()
    # 25 calls at <= 10/s need at least 2.4 s
    assert now[0] == pytest.approx(2.4)
    assert all(s <= 0.1 + 1e-12 for s in slept)
    with pytest.raises(InputError, match="rate"):
        RateLimiter(0)


def _paced() -> tuple[RateLimiter, list[float]]:
    """A 10 requests/s limiter on a fake clock that moves only when it sleeps."""
    now = [0.0]
    paced: list[float] = []

    def sleep(seconds: float) -> None:
        paced.append(seconds)
        now[0] += seconds

    return RateLimiter(10.0, monotonic=lambda: now[0], sleep=sleep), paced


def test_retries_then_rate_limit_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SEC client retries 429 with the shared stack's policy and back-off."""
    monkeypatch.setenv("CAPSIZE_SEC_USER_AGENT", UA)
    monkeypatch.setenv("CAPSIZE_HTTP_RETRIES", "3")
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(429)

    sleeps: list[float] = []
    limiter, paced = _paced()
    edgar = SecEdgar(
        load_settings(),
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
        limiter=limiter,
    )
    with pytest.raises(RateLimitError, match="429"):
        edgar.tickers()
    assert len(calls) == 3
    assert sleeps == [0.5, 1.0]  # back-off of the shared retry policy
    assert paced == [pytest.approx(0.1)] * 2  # every attempt also went through the SEC limiter
    assert isinstance(edgar.client, CapsizeClient)
    edgar.close()


def test_retry_recovers_after_503(monkeypatch: pytest.MonkeyPatch, sec_dir: Path) -> None:
    monkeypatch.setenv("CAPSIZE_SEC_USER_AGENT", UA)
    inner = recorded_transport(sec_dir)
    state = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        state["n"] += 1
        if state["n"] == 1:
            return httpx.Response(503)
        return inner.handle_request(request)

    with SecEdgar(
        load_settings(), transport=httpx.MockTransport(handler), sleep=lambda s: None
    ) as edgar:
        assert len(edgar.tickers()) > 9000
    assert state["n"] == 2


def test_requests_paced_by_the_shared_sec_limiter(
    monkeypatch: pytest.MonkeyPatch, sec_dir: Path
) -> None:
    monkeypatch.setenv("CAPSIZE_SEC_USER_AGENT", UA)
    limiter, paced = _paced()
    hosts: list[str] = []
    inner = recorded_transport(sec_dir)

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return inner.handle_request(request)

    with SecEdgar(
        load_settings(), transport=httpx.MockTransport(handler), cache=False, limiter=limiter
    ) as edgar:
        edgar.submissions("IMNN")  # ticker map (www), filing list and overflow page (data)
    assert hosts == ["www.sec.gov", "data.sec.gov", "data.sec.gov"]
    # one limiter across both SEC hosts: three requests at no processing time, 0.1 s apart
    assert paced == [pytest.approx(0.1)] * 2
    # and the stack's default rules pace every SEC host at 10 requests/s
    limits = HostLimiter()
    assert limits.limiter("data.sec.gov") is limits.limiter("www.sec.gov")
    assert limits.limiter("www.sec.gov").interval == pytest.approx(0.1)  # type: ignore[union-attr]


def test_disk_cache_serves_second_call(monkeypatch: pytest.MonkeyPatch, sec_dir: Path) -> None:
    monkeypatch.setenv("CAPSIZE_SEC_USER_AGENT", UA)
    inner = recorded_transport(sec_dir)
    hits: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hits.append(request.url.path)
        return inner.handle_request(request)

    settings = load_settings()
    with SecEdgar(settings, transport=httpx.MockTransport(handler)) as e1:
        first = e1.submissions("UNCY")
    n = len(hits)
    assert not first.meta["cached"]
    with SecEdgar(settings, transport=httpx.MockTransport(handler)) as e2:
        res = e2.submissions("UNCY")
    assert len(hits) == n  # served from the shared cache under $CAPSIZE_HOME/cache/http
    assert res.meta["cached"]
    assert res.retrieved_at <= dt.datetime.now(dt.UTC)
    assert res.source.startswith("sec https://data.sec.gov/submissions/")
    # offline without a client reads the cache only
    with SecEdgar(settings, offline=True) as e3:
        assert len(e3.submissions("UNCY").frame) == len(res.frame)
        with pytest.raises(EmptyDataError, match="offline SEC cache"):
            e3.company_facts("UNCY")


def test_body_the_parser_rejects_is_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 200 that does not parse (here: an error object) is not served again from the cache."""
    monkeypatch.setenv("CAPSIZE_SEC_USER_AGENT", UA)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"message": "try again later"})

    with SecEdgar(load_settings(), transport=httpx.MockTransport(handler)) as edgar:
        for _ in range(2):
            with pytest.raises(SchemaError, match="company_tickers"):
                edgar.tickers()
    assert seen == ["/files/company_tickers.json"] * 2


# ---------------------------------------------------------------- parsing vs plain json


def test_company_tickers_map(sec_dir: Path) -> None:
    raw = json.loads((sec_dir / "company_tickers.json").read_text())
    frame = parse_company_tickers((sec_dir / "company_tickers.json").read_bytes())
    assert len(frame) == len(raw)
    by_ticker = {v["ticker"]: v["cik_str"] for v in raw.values()}
    for t in ("MRVL", "IMNN", "UNCY", "LPA", "NVDA"):
        assert int(frame.loc[frame["ticker"] == t, "cik"].iloc[0]) == by_ticker[t]
    res = TickersFetcher(_edgar(sec_dir)).fetch({})[0]
    assert res.dataset == "sec_tickers"
    assert len(res.frame) == len(raw)


def test_unknown_ticker_and_bad_cik(sec_dir: Path) -> None:
    edgar = _edgar(sec_dir)
    with pytest.raises(InputError, match="unknown ticker 'NOSUCHTKR'"):
        edgar.company_facts("NOSUCHTKR")
    with pytest.raises(InputError, match="not a CIK"):
        normalize_cik("12ab")
    with pytest.raises(InputError, match="out of range"):
        normalize_cik(0)
    assert normalize_cik("CIK0000749647") == 749647


def test_unknown_cik_404_is_empty_data(sec_dir: Path) -> None:
    body = (sec_dir / "submissions_CIK-000000001_error.body").read_bytes()
    assert b"NoSuchKey" in body

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, content=body, headers={"content-type": "application/xml"})

    edgar = SecEdgar(
        load_settings(), client=httpx.Client(transport=httpx.MockTransport(handler)), offline=True
    )
    with pytest.raises(EmptyDataError, match="HTTP 404") as info:
        edgar.get("https://data.sec.gov/submissions/CIK-000000001.json", what="filing list")
    assert info.value.provider == "sec"


def test_cik_without_xbrl(sec_dir: Path) -> None:
    # Unicycive has a recorded filing list but no recorded company facts -> 404 -> EmptyDataError
    edgar = _edgar(sec_dir)
    with pytest.raises(
        EmptyDataError, match="no recorded SEC response for XBRL company facts for UNCY"
    ):
        edgar.company_facts("UNCY")
    with pytest.raises(EmptyDataError, match="no XBRL company facts"):
        parse_companyfacts({"cik": 1766140, "entityName": "X", "facts": {}})


def test_companyfacts_rows_match_plain_json(sec_dir: Path) -> None:
    path = sec_dir / "companyfacts_CIK0001835632_Marvell.json"
    raw = json.loads(path.read_text())
    n = sum(
        len(rows)
        for tax in raw["facts"].values()
        for c in tax.values()
        for rows in c["units"].values()
    )
    res = CompanyFactsFetcher(_edgar(sec_dir)).fetch({"symbol": "MRVL"})[0]
    assert res.dataset == "sec_facts"
    assert res.meta["cik"] == 1835632
    assert len(res.frame) == n
    rev = raw["facts"]["us-gaap"]["NetIncomeLoss"]["units"]["USD"]
    got = res.frame[(res.frame["concept"] == "NetIncomeLoss") & (res.frame["unit"] == "USD")]
    assert sorted(got["val"].tolist()) == sorted(float(r["val"]) for r in rev)


def test_reserialized_companyfacts_string_cik(sec_dir: Path) -> None:
    frame, meta = parse_companyfacts(
        (
            sec_dir / "companyfacts_CIK0001997711_LogisticPropertiesAmericas.REFORMATTED.json"
        ).read_bytes()
    )
    assert meta["cik"] == 1997711  # "0001997711" string in this copy
    assert set(frame["taxonomy"]) >= {"ifrs-full", "dei"}
    assert {"COP", "CRC", "PEN"} <= set(frame["unit"])  # odd units are kept, flagged downstream


def test_submissions_with_overflow_page(sec_dir: Path) -> None:
    main = json.loads((sec_dir / "submissions_CIK0000749647_Imunon.json").read_text())
    page = json.loads(
        (sec_dir / "submissions_CIK0000749647-submissions-001_Imunon.json").read_text()
    )
    res = SubmissionsFetcher(_edgar(sec_dir)).fetch({"symbol": "IMNN"})[0]
    expected = set(main["filings"]["recent"]["accessionNumber"]) | set(page["accessionNumber"])
    assert set(res.frame["accession"]) == expected
    assert res.frame["filing_date"].is_monotonic_decreasing
    row = res.frame.loc[res.frame["accession"] == "0001641172-25-020652"].iloc[0]
    assert row["items"] == ("3.03", "5.03", "7.01", "8.01", "9.01")
    assert res.meta["pages"] == ["CIK0000749647-submissions-001.json"]
    # the first page alone
    only = SubmissionsFetcher(_edgar(sec_dir)).fetch({"symbol": "IMNN", "all_pages": False})[0]
    assert len(only.frame) == len(main["filings"]["recent"]["accessionNumber"])


def test_submission_without_items_gives_empty_tuple() -> None:
    body = {
        "cik": "0000000042",
        "filings": {
            "recent": {
                "accessionNumber": ["a-1", "a-2"],
                "filingDate": ["2024-01-02", "2024-02-02"],
                "form": ["8-K", "10-Q"],
                "items": ["", None],
            },
            "files": [],
        },
    }
    frame, meta = parse_submissions(body)
    assert frame["items"].tolist() == [(), ()]
    assert meta["cik"] == 42
    with pytest.raises(SchemaError, match="filings"):
        parse_submissions({"cik": 1})
    with pytest.raises(SchemaError, match="not JSON"):
        parse_submissions(b"<html>oops</html>")


def test_bulk_yields_errors_per_symbol(sec_dir: Path) -> None:
    edgar = _edgar(sec_dir)
    out = list(edgar.bulk(["IMNN", "UNCY", "NOSUCHTKR"], datasets=("filings", "facts")))
    kinds = {(s, d): type(r).__name__ for s, d, r in out}
    assert kinds[("IMNN", "filings")] == "ProviderResult"
    assert kinds[("UNCY", "facts")] == "EmptyDataError"
    assert kinds[("NOSUCHTKR", "filings")] == "InputError"
    assert all(isinstance(r, (ProviderError, InputError)) or hasattr(r, "frame") for _, _, r in out)


def test_settings_type() -> None:
    assert isinstance(load_settings(), Settings)


def test_default_client_is_shared_http_client_with_user_agent(
    monkeypatch: pytest.MonkeyPatch, sec_dir: Path
) -> None:
    monkeypatch.setenv("CAPSIZE_SEC_USER_AGENT", UA)
    seen: list[str] = []
    inner = recorded_transport(sec_dir)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["user-agent"])
        return inner.handle_request(request)

    edgar = SecEdgar(load_settings(), transport=httpx.MockTransport(handler))
    assert type(edgar.client).__name__ == "CapsizeClient"
    assert edgar.client.http_cache is not None  # type: ignore[attr-defined]
    edgar.tickers()
    assert seen == [UA]
    edgar.close()


def test_live_404_on_companyfacts_means_no_xbrl(
    monkeypatch: pytest.MonkeyPatch, sec_dir: Path
) -> None:
    monkeypatch.setenv("CAPSIZE_SEC_USER_AGENT", UA)
    inner = recorded_transport(sec_dir)
    body = (sec_dir / "submissions_CIK-000000001_error.body").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        if "companyfacts" in request.url.path:
            return httpx.Response(404, content=body, headers={"content-type": "application/xml"})
        return inner.handle_request(request)

    edgar = SecEdgar(load_settings(), client=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(EmptyDataError, match="companies that file no XBRL"):
        edgar.company_facts(1766140)  # Unicycive by CIK
    assert edgar.resolve(1766140) == (1766140, "UNCY")


def test_bulk_progress_bar_goes_to_stderr(
    sec_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = list(_edgar(sec_dir).bulk(["UNCY"], datasets=("filings",), progress=True))
    assert len(out) == 1
    assert capsys.readouterr().out == ""


def test_offline_misses_are_immediate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache-only mode sends nothing, so it neither paces nor retries a miss."""
    monkeypatch.setenv("CAPSIZE_HTTP_RETRIES", "5")
    slept: list[float] = []
    with SecEdgar(load_settings(), offline=True, sleep=slept.append) as edgar:
        for _ in range(30):
            with pytest.raises(EmptyDataError, match="offline SEC cache"):
                edgar.tickers()
    assert slept == []  # no pacing, no back-off


def test_registry_builds_sec_fetchers_on_a_shared_client(
    monkeypatch: pytest.MonkeyPatch, sec_dir: Path
) -> None:
    from capsize.data.providers._http import make_client
    from capsize.data.providers.registry import get_fetcher

    monkeypatch.setenv("CAPSIZE_SEC_USER_AGENT", UA)
    settings = load_settings()
    client = make_client(settings, recorded_transport(sec_dir), sleep=lambda s: None)
    try:
        fetcher = get_fetcher(None, "sec_filings", client=client, settings=settings)
        assert fetcher.client is client
        res = fetcher.fetch({"symbol": "UNCY"})[0]
        assert res.dataset == "sec_filings"
        assert res.meta["cik"] == 1766140
    finally:
        client.close()


def test_exported_members() -> None:
    import capsize.data.providers._http as http
    import capsize.data.providers.sec as sec

    def key(n: str) -> tuple[int, str]:  # isort style (ruff RUF022): CONSTANTS, Classes, functions
        return (0 if n.isupper() else 1 if n[:1].isupper() else 2, n)

    for module in (http, sec):
        assert module.__all__ == sorted(module.__all__, key=key)
        assert all(hasattr(module, name) for name in module.__all__)
