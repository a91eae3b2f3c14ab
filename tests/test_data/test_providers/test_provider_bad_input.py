"""Bad-input corpus: every failure is a typed capsize error or a flagged result, never a traceback.

Each scenario runs end to end (``fetch``) through the real fetchers, with the HTTP
transport replaced by ``httpx.MockTransport``; only the transport is fake.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import zipfile
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from capsize.config import Settings
from capsize.data.providers._http import make_client
from capsize.data.providers.fred import FredFetcher
from capsize.data.providers.french import FrenchFetcher
from capsize.data.providers.ishares import ISharesHoldingsFetcher, parse_ishares_holdings
from capsize.data.providers.registry import FETCHERS, fetcher_class, fetcher_classes, get_fetcher
from capsize.data.providers.yahoo import YahooChartFetcher
from capsize.errors import (
    CapsizeError,
    EmptyDataError,
    InputError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    SchemaError,
    UnauthorizedError,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from capsize.data.providers._base import Fetcher

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
RETRIES = 3
Step = httpx.Response | Exception


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    cls: type[Fetcher[Any, Any]]
    params: dict[str, Any]
    fixture: str  # path under fixtures/ of a good body


CASES = [
    Case(
        "fred",
        FredFetcher,
        {"series": "DGS10"},
        "fred/fredgraph_DGS10_observation_date_header_empty_missing.csv",
    ),
    Case(
        "french",
        FrenchFetcher,
        {"dataset": "FF3", "frequency": "daily"},
        "french/F-F_Research_Data_Factors_daily_CSV.zip",
    ),
    Case("ishares", ISharesHoldingsFetcher, {"fund": "IWM"}, "ishares/IWM_holdings_2025-11-05.csv"),
    Case(
        "yahoo",
        YahooChartFetcher,
        {"symbol": "NVDA", "start": "2021-02-01", "end": "2022-01-31"},
        "yahoo/nyf2_historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.body.json",
    ),
]
IDS = [c.name for c in CASES]


def _run(
    tmp_path: Path, case: Case, *steps: Step | Callable[[], Step]
) -> tuple[Any, list[httpx.Request]]:
    """Fetch with a transport replaying ``steps`` (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = steps[min(len(seen), len(steps)) - 1]
        item = step() if callable(step) else step
        if isinstance(item, Exception):
            raise item
        return item

    settings = Settings(home=tmp_path, http_retries=RETRIES)
    client = make_client(settings, httpx.MockTransport(handler), sleep=lambda s: None)
    fetcher = case.cls(client, clock=lambda: NOW)  # type: ignore[call-arg]
    return fetcher.fetch(case.params), seen


def _ok(fixtures_dir: Path, case: Case) -> httpx.Response:
    return httpx.Response(200, content=(fixtures_dir / case.fixture).read_bytes())


def _expect(tmp_path: Path, case: Case, error: type[CapsizeError], *steps: Step) -> CapsizeError:
    with pytest.raises(error) as info:
        _run(tmp_path, case, *steps)
    assert isinstance(info.value, CapsizeError)
    return info.value


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_good_body_works(tmp_path: Path, fixtures_dir: Path, case: Case) -> None:
    results, seen = _run(tmp_path, case, _ok(fixtures_dir, case))
    assert results
    assert all(r.retrieved_at == NOW for r in results)
    assert all(str(seen[0].url).split("?")[0] in r.source for r in results)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_timeout(tmp_path: Path, case: Case) -> None:
    err = _expect(tmp_path, case, ProviderTimeout, httpx.ReadTimeout("read timed out"))
    assert err.provider == case.name  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_429_then_success(tmp_path: Path, fixtures_dir: Path, case: Case) -> None:
    results, seen = _run(tmp_path, case, httpx.Response(429), _ok(fixtures_dir, case))
    assert len(seen) == 2
    assert results


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_429_forever(tmp_path: Path, case: Case) -> None:
    _expect(tmp_path, case, RateLimitError, httpx.Response(429, text="Too Many Requests"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_500_retried_then_provider_error(tmp_path: Path, case: Case) -> None:
    with pytest.raises(ProviderError, match="HTTP 500"):
        _, _ = _run(tmp_path, case, httpx.Response(500))
    # all attempts were made: count them with a fresh transport
    seen: list[int] = []

    def counting() -> httpx.Response:
        seen.append(1)
        return httpx.Response(500)

    with pytest.raises(ProviderError):
        _run(tmp_path / "again", case, counting)
    assert len(seen) == RETRIES


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_403_unauthorized(tmp_path: Path, case: Case) -> None:
    _expect(tmp_path, case, UnauthorizedError, httpx.Response(403, text="Forbidden"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_empty_body(tmp_path: Path, case: Case) -> None:
    err = _expect(tmp_path, case, EmptyDataError, httpx.Response(200, content=b""))
    assert "empty" in str(err)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_html_instead_of_data_names_url(tmp_path: Path, fixtures_dir: Path, case: Case) -> None:
    html = (
        fixtures_dir / "nasdaqtrader" / "nasdaqlisted_ERROR_html_instead_of_pipe_2025-10-04.html"
    ).read_bytes()
    err = _expect(tmp_path, case, ProviderError, httpx.Response(200, content=html))
    assert "HTML" in str(err)
    assert "https://" in str(err)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_truncated_body(tmp_path: Path, fixtures_dir: Path, case: Case) -> None:
    body = (fixtures_dir / case.fixture).read_bytes()
    cut = httpx.Response(200, content=body[: len(body) // 2])
    with pytest.raises((ProviderError, SchemaError)) as info:
        _run(tmp_path, case, cut)
    assert isinstance(info.value, CapsizeError)
    if case.name == "ishares":  # half the rows still parse: the completeness check refuses them
        assert "incomplete holdings file" in str(info.value)


def test_fred_cut_inside_last_value_is_refused(tmp_path: Path, fixtures_dir: Path) -> None:
    body = (fixtures_dir / CASES[0].fixture).read_bytes()
    cut = body[: body.index(b"\n1994-02-15,5.88\n") + len(b"\n1994-02-15,5.8")]
    with pytest.raises(ProviderError, match="cut short") as info:
        _run(tmp_path, CASES[0], httpx.Response(200, content=cut))
    assert "'1994-02-15,5.8'" in str(info.value)
    (res,), _ = _run(tmp_path / "ok", CASES[0], httpx.Response(200, content=body))
    assert res.frame.index[-1] > dt.datetime(2026, 1, 1)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_wrong_delimiter(tmp_path: Path, fixtures_dir: Path, case: Case) -> None:
    if case.name == "yahoo":
        body = b'{"chart";{"result":[]}}'  # JSON has no delimiter choice: a malformed body instead
        _expect(tmp_path, case, ProviderError, httpx.Response(200, content=body))
        return
    raw = (fixtures_dir / case.fixture).read_bytes()
    if case.name == "french":
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            text = zf.read(zf.namelist()[0]).decode().replace(",", ";")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("F-F_Research_Data_Factors_daily.CSV", text)
        body = buf.getvalue()
    else:
        body = raw.replace(b",", b";")
    _expect(tmp_path, case, SchemaError, httpx.Response(200, content=body))


@pytest.mark.parametrize(
    ("case", "params", "status", "body"),
    [
        (CASES[0], {"series": "NOSUCHSERIES"}, 404, b"Not Found"),
        (
            CASES[3],
            {"symbol": "NOSUCH", "start": "2021-01-01"},
            404,
            b'{"chart":{"result":null,"error":{}}}',
        ),
        (
            CASES[3],
            {"symbol": "NOSUCH", "start": "2021-01-01"},
            200,
            b'{"chart":{"result":[],"error":null}}',
        ),
    ],
    ids=["fred-404", "yahoo-404", "yahoo-empty-result"],
)
def test_unknown_ticker_is_empty_data_naming_it(
    tmp_path: Path, case: Case, params: dict[str, Any], status: int, body: bytes
) -> None:
    case = dataclasses.replace(case, params=params)
    err = _expect(tmp_path, case, EmptyDataError, httpx.Response(status, content=body))
    assert "NOSUCH" in str(err)


@pytest.mark.parametrize(
    ("case", "params"),
    [
        (CASES[1], {"dataset": "FF9"}),
        (CASES[2], {"fund": "NOSUCH"}),
        (CASES[3], {"symbol": "NO SUCH"}),
        (CASES[0], {"series": "DGS10", "typo": 1}),
    ],
    ids=["french", "ishares", "yahoo", "fred-typo"],
)
def test_unknown_names_rejected_before_any_request(
    tmp_path: Path, case: Case, params: dict[str, Any]
) -> None:
    case = dataclasses.replace(case, params=params)
    seen: list[int] = []

    def never() -> httpx.Response:
        seen.append(1)
        return httpx.Response(200)

    with pytest.raises(InputError):
        _run(tmp_path, case, never)
    assert seen == []


def test_french_changed_preamble_names_file(tmp_path: Path, fixtures_dir: Path) -> None:
    raw = (fixtures_dir / CASES[1].fixture).read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        member = zf.namelist()[0]
        text = zf.read(member).decode()
    changed = text.replace(",Mkt-RF,SMB,HML,RF", "Daily factors follow (new layout)", 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, changed)
    err = _expect(tmp_path, CASES[1], SchemaError, httpx.Response(200, content=buf.getvalue()))
    assert member in str(err)
    # a renamed factor column is caught too
    renamed = text.replace(",Mkt-RF,SMB,HML,RF", ",MKT,SMB,HML,RF", 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, renamed)
    err = _expect(
        tmp_path / "b", CASES[1], SchemaError, httpx.Response(200, content=buf.getvalue())
    )
    assert "Mkt-RF" in str(err)


def test_ishares_footer_is_not_data(fixtures_dir: Path) -> None:
    raw = (fixtures_dir / CASES[2].fixture).read_bytes()
    frame, meta = parse_ishares_holdings(raw)
    assert meta["weight_sum"] == pytest.approx(1.0, abs=0.002)
    assert not frame["name"].str.contains("BlackRock", case=False, na=False).any()
    assert not frame["name"].str.contains("Holdings subject to change", na=False).any()
    # footer glued right under the table (no blank line) still stops the table
    glued = raw.replace(b"\n\xc2\xa0\n", b"\n", 1)
    frame2, _ = parse_ishares_holdings(glued)
    assert len(frame2) == len(frame)


def test_yahoo_wrong_json_shape_is_schema_error(tmp_path: Path) -> None:
    _expect(
        tmp_path, CASES[3], SchemaError, httpx.Response(200, content=b'{"finance":{"result":null}}')
    )


# -- registry ---------------------------------------------------------------------------------


def test_registry_resolves_every_dataset() -> None:
    classes = fetcher_classes()
    assert set(classes) == set(FETCHERS)
    assert classes["bars"]["yahoo"] is YahooChartFetcher
    assert classes["macro"]["fred"] is FredFetcher
    assert classes["factors"]["french"] is FrenchFetcher
    assert classes["holdings"]["ishares"] is ISharesHoldingsFetcher
    assert fetcher_class(None, "shares_outstanding") is ISharesHoldingsFetcher


def test_get_fetcher_builds_with_injected_client(tmp_path: Path, fixtures_dir: Path) -> None:
    body = (fixtures_dir / CASES[0].fixture).read_bytes()
    client = make_client(
        Settings(home=tmp_path), httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    )
    fetcher = get_fetcher("fred", "macro", client=client, clock=lambda: NOW)
    assert isinstance(fetcher, FredFetcher)
    (res,) = fetcher.fetch({"series": "DGS10"})
    assert res.key == "DGS10"


@pytest.mark.parametrize(
    ("provider", "dataset", "kwargs", "match"),
    [
        ("yahoo", "nope", {}, "dataset="),
        ("fred", "bars", {}, "provider="),
        ("fred", "macro", {"clinet": None}, "FredFetcher"),
    ],
)
def test_get_fetcher_bad_names(
    provider: str, dataset: str, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        get_fetcher(provider, dataset, **kwargs)


def _bad_200(fixtures_dir: Path, case: Case) -> httpx.Response:
    """A 200 that must never be served again from the cache (issue 13, class 9)."""
    body = (fixtures_dir / case.fixture).read_bytes()
    if case.name == "yahoo":  # Yahoo's error object with status 200
        return httpx.Response(
            200,
            json={"chart": {"result": None, "error": {"code": "Not Found", "description": "x"}}},
        )
    if case.name == "fred":  # cut inside the last value: parses, refused as cut short
        return httpx.Response(200, content=body[: body.index(b"\n1994-02-15,5.88\n") + 15])
    # French zip cut short (corrupt); iShares file cut to 30 % (parses, refused as incomplete)
    return httpx.Response(200, content=body[: int(len(body) * 0.3)])


def _fetch_twice(tmp_path: Path, case: Case, response: httpx.Response) -> list[httpx.Request]:
    """Fetch twice through one client with its cache; return the requests that went out."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return response

    client = make_client(
        Settings(home=tmp_path), httpx.MockTransport(handler), sleep=lambda s: None
    )
    fetcher = case.cls(client, clock=lambda: NOW)  # type: ignore[call-arg]
    try:
        for _ in range(2):
            with contextlib.suppress(CapsizeError):
                fetcher.fetch(case.params)
    finally:
        client.close()
    return seen


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_bad_200_is_never_cached(tmp_path: Path, fixtures_dir: Path, case: Case) -> None:
    assert len(_fetch_twice(tmp_path, case, _bad_200(fixtures_dir, case))) == 2
    assert len(_fetch_twice(tmp_path / "good", case, _ok(fixtures_dir, case))) == 1
