"""The shared HTTP stack: retries, back-off, per-host rate limits, the validated cache, errors."""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

from capsize.config import Settings
from capsize.data.providers._http import (
    MAX_ATTEMPTS,
    HostLimiter,
    RateLimiter,
    cache_scope,
    fetch,
    get_bytes,
    get_json,
    get_text,
    make_client,
    user_agent,
)
from capsize.errors import (
    EmptyDataError,
    InputError,
    NetworkUnreachable,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    SchemaError,
    UnauthorizedError,
)

if TYPE_CHECKING:
    from pathlib import Path

URL = "https://example.test/data.csv"
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler replaying a script of responses/exceptions."""

    def __init__(
        self, *script: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]
    ) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.script[min(len(self.requests), len(self.script)) - 1]
        if isinstance(item, Exception):
            raise item
        if callable(item):
            return item(request)
        return item


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, http_timeout=7.5, http_retries=3)


def _client(
    settings: Settings, rec: Recorder, sleeps: list[float] | None = None, **kw: object
) -> httpx.Client:
    slept = sleeps if sleeps is not None else []
    return make_client(settings, httpx.MockTransport(rec), sleep=slept.append, **kw)  # type: ignore[arg-type]


def test_client_settings_and_user_agent(settings: Settings) -> None:
    rec = Recorder(httpx.Response(200, text="DATE,X\n2020-01-01,1\n"))
    client = _client(settings, rec)
    assert client.timeout.read == 7.5
    get_text(client, URL, provider="t", what="test file")
    ua = rec.requests[0].headers["user-agent"]
    assert ua == user_agent()
    assert ua.startswith("capsize/")


def test_429_then_success_retries_with_exponential_backoff(settings: Settings) -> None:
    rec = Recorder(httpx.Response(429), httpx.Response(429), httpx.Response(200, text="ok,1\n"))
    sleeps: list[float] = []
    payload = get_text(_client(settings, rec, sleeps, backoff=0.5), URL, provider="t", what="x")
    assert payload.text == "ok,1\n"
    assert len(rec.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_429_forever_raises_rate_limit_after_all_attempts(settings: Settings) -> None:
    rec = Recorder(httpx.Response(429))
    with pytest.raises(RateLimitError, match="429") as info:
        get_text(_client(settings, rec), URL, provider="fred", what="FRED series DGS10")
    assert info.value.provider == "fred"
    assert URL in str(info.value)
    assert len(rec.requests) == settings.http_retries


def test_retry_after_header_is_honoured_and_capped(settings: Settings) -> None:
    rec = Recorder(
        httpx.Response(503, headers={"Retry-After": "4"}),
        httpx.Response(503, headers={"Retry-After": "999"}),
        httpx.Response(200, text="a,b\n"),
    )
    sleeps: list[float] = []
    get_text(
        _client(settings, rec, sleeps, backoff=0.5, max_backoff=30.0), URL, provider="t", what="x"
    )
    assert sleeps == [4.0, 30.0]


def test_500_is_retried_then_provider_error(settings: Settings) -> None:
    rec = Recorder(httpx.Response(500))
    with pytest.raises(ProviderError, match="HTTP 500") as info:
        get_text(_client(settings, rec), URL, provider="t", what="x")
    assert type(info.value) is ProviderError
    assert len(rec.requests) == 3


def test_500_then_success(settings: Settings) -> None:
    rec = Recorder(httpx.Response(502), httpx.Response(200, text="a\n"))
    assert get_text(_client(settings, rec), URL, provider="t", what="x").text == "a\n"


def test_timeout_forever_raises_provider_timeout(settings: Settings) -> None:
    rec = Recorder(httpx.ReadTimeout("slow"))
    with pytest.raises(ProviderTimeout, match="timeout"):
        get_text(_client(settings, rec), URL, provider="t", what="x")
    assert len(rec.requests) == 3


def test_timeout_then_success(settings: Settings) -> None:
    rec = Recorder(httpx.ConnectTimeout("slow"), httpx.Response(200, text="a\n"))
    assert get_text(_client(settings, rec), URL, provider="t", what="x").text == "a\n"


def test_connect_error_is_network_unreachable_and_not_retried(settings: Settings) -> None:
    rec = Recorder(httpx.ConnectError("[Errno -3] Temporary failure in name resolution"))
    sleeps: list[float] = []
    with pytest.raises(NetworkUnreachable, match=r"cannot connect to example\.test") as info:
        get_text(_client(settings, rec, sleeps), URL, provider="t", what="x")
    assert info.value.host == "example.test"
    assert isinstance(info.value, ProviderError)
    assert len(rec.requests) == 1  # the network is down: no retry, no back-off
    assert sleeps == []


def test_dropped_connection_is_retried(settings: Settings) -> None:
    rec = Recorder(
        httpx.RemoteProtocolError("Server disconnected"), httpx.Response(200, text="a\n")
    )
    assert get_text(_client(settings, rec), URL, provider="t", what="x").text == "a\n"
    assert len(rec.requests) == 2


def test_attempts_are_bounded(settings: Settings) -> None:
    rec = Recorder(httpx.Response(503))
    with pytest.raises(InputError, match="CAPSIZE_HTTP_RETRIES"):
        _client(settings, rec, retries=10**8)
    client = _client(settings, rec, retries=MAX_ATTEMPTS)
    with pytest.raises(ProviderError, match="HTTP 503"):
        get_text(client, URL, provider="t", what="x")
    assert len(rec.requests) == MAX_ATTEMPTS


@pytest.mark.parametrize("status", [401, 403])
def test_unauthorized_not_retried(settings: Settings, status: int) -> None:
    rec = Recorder(httpx.Response(status))
    with pytest.raises(UnauthorizedError):
        get_text(_client(settings, rec), URL, provider="t", what="x")
    assert len(rec.requests) == 1


def test_404_mapping(settings: Settings) -> None:
    rec = Recorder(httpx.Response(404))
    client = _client(settings, rec)
    with pytest.raises(EmptyDataError, match="no such series"):
        get_text(client, URL, provider="t", what="x", not_found="no such series")
    with pytest.raises(ProviderError, match="HTTP 404"):
        get_text(client, URL, provider="t", what="x")


def test_html_instead_of_pipe_file_names_url(settings: Settings, fixtures_dir: Path) -> None:
    html = (
        fixtures_dir / "nasdaqtrader" / "nasdaqlisted_ERROR_html_instead_of_pipe_2025-10-04.html"
    ).read_bytes()
    url = "https://www.nasdaqtrader.com/files/SymbolDirectory/nasdaqlisted.txt"
    rec = Recorder(httpx.Response(200, content=html, headers={"content-type": "text/plain"}))
    client = _client(settings, rec)
    with pytest.raises(ProviderError, match="HTML page") as info:
        get_text(client, url, provider="nasdaqtrader", what="symbol directory")
    assert url in str(info.value)
    # the bad body is not kept in the cache: a second call asks the server again
    with pytest.raises(ProviderError):
        get_text(client, url, provider="nasdaqtrader", what="symbol directory")
    assert len(rec.requests) == 2


def test_empty_body_and_truncated_json(settings: Settings) -> None:
    client = _client(settings, Recorder(httpx.Response(200, content=b"  \n")))
    with pytest.raises(EmptyDataError, match="empty"):
        get_text(client, URL, provider="t", what="x")
    client = _client(
        settings, Recorder(httpx.Response(200, content=b'{"chart":{"result":[{"meta"'))
    )
    with pytest.raises(ProviderError, match="truncated or invalid JSON"):
        get_json(client, "https://example.test/a.json", provider="t", what="x")


def test_zip_expected(settings: Settings) -> None:
    client = _client(settings, Recorder(httpx.Response(200, content=b"not a zip")))
    with pytest.raises(ProviderError, match="not a zip"):
        get_bytes(client, URL, provider="t", what="x", zip_archive=True)


def test_cache_hit_expiry_and_bypass(settings: Settings) -> None:
    rec = Recorder(lambda r: httpx.Response(200, text=f"n,{len(rec.requests)}\n"))
    client = _client(settings, rec, cache_ttl=100.0)
    first = get_text(client, URL, provider="t", what="x")
    second = get_text(client, URL, provider="t", what="x")
    assert not first.cached
    assert second.cached
    assert second.text == first.text == "n,1\n"
    assert second.stored_at is not None
    assert len(rec.requests) == 1
    # query string is part of the key
    get_text(client, URL, provider="t", what="x", params={"id": "B"})
    assert len(rec.requests) == 2
    # per-request ttl 0 neither reads nor fills the cache
    assert get_text(client, URL, provider="t", what="x", cache_ttl=0).text == "n,3\n"
    assert get_text(client, URL, provider="t", what="x").text == "n,1\n"
    # a short per-request ttl expires
    get_text(client, URL + "?short", provider="t", what="x", cache_ttl=0.05)
    time.sleep(0.1)
    assert get_text(client, URL + "?short", provider="t", what="x").text == "n,5\n"
    client.close()
    assert (settings.cache_dir / "http" / "hishel.sqlite").is_file()


def test_nothing_cached_when_the_parser_rejects_the_body(settings: Settings) -> None:
    """A 200 whose body a parser rejects (inside the validation scope) is asked again."""
    rec = Recorder(
        httpx.Response(200, text="DATE,DGS10\n2024-01-02,4.0"),  # cut: rejected below
        httpx.Response(200, text="DATE,DGS10\n2024-01-02,4.05\n"),
    )
    client = _client(settings, rec)

    def parse(text: str) -> str:
        if not text.endswith("\n"):
            raise SchemaError("cut short")
        return text

    with pytest.raises(SchemaError), cache_scope(client):
        parse(get_text(client, URL, provider="t", what="x").text)
    with cache_scope(client):
        good = get_text(client, URL, provider="t", what="x")
        parse(good.text)
    again = get_text(client, URL, provider="t", what="x")
    assert not good.cached
    assert again.cached
    assert again.text.endswith("4.05\n")
    assert len(rec.requests) == 2


def test_cached_body_that_fails_to_parse_is_dropped(settings: Settings) -> None:
    rec = Recorder(lambda r: httpx.Response(200, text=f"n,{len(rec.requests)}\n"))
    client = _client(settings, rec)
    get_text(client, URL, provider="t", what="x")
    with pytest.raises(SchemaError), cache_scope(client):
        assert get_text(client, URL, provider="t", what="x").cached
        raise SchemaError("the parser changed its mind")
    assert not get_text(client, URL, provider="t", what="x").cached
    assert len(rec.requests) == 2


def test_dropped_scope_and_nested_scopes(settings: Settings) -> None:
    rec = Recorder(lambda r: httpx.Response(200, text=f"n,{len(rec.requests)}\n"))
    client = _client(settings, rec)
    with cache_scope(client) as scope:  # accepted but flagged: returned, never stored
        get_text(client, URL, provider="t", what="x")
        scope.drop()
    with pytest.raises(SchemaError), cache_scope(client):
        with cache_scope(client):  # an inner success waits for the outer scope
            get_text(client, URL, provider="t", what="x")
        with cache_scope(client, final=True):  # a final one is stored at once
            get_text(client, URL + "?final", provider="t", what="x")
        raise SchemaError("outer parse failed")
    assert not get_text(client, URL, provider="t", what="x").cached
    assert get_text(client, URL + "?final", provider="t", what="x").cached
    assert len(rec.requests) == 4


def test_secrets_never_reach_the_disk(settings: Settings) -> None:
    rec = Recorder(lambda r: httpx.Response(200, text="a,1\n"))
    client = _client(settings, rec)
    secret = "0123456789abcdef0123456789abcdef"
    get_text(
        client,
        URL,
        provider="t",
        what="x",
        params={"series_id": "DGS10", "api_key": secret},
        headers={"x-cg-pro-api-key": secret},
    )
    assert get_text(
        client, URL, provider="t", what="x", params={"series_id": "DGS10", "api_key": secret}
    ).cached
    client.close()
    files = list((settings.cache_dir / "http").iterdir())
    assert files
    assert all(secret.encode() not in f.read_bytes() for f in files)


def test_errors_are_not_cached(settings: Settings) -> None:
    rec = Recorder(
        httpx.Response(500),
        httpx.Response(500),
        httpx.Response(500),
        httpx.Response(200, text="a\n"),
    )
    client = _client(settings, rec)
    with pytest.raises(ProviderError):
        get_text(client, URL, provider="t", what="x")
    assert get_text(client, URL, provider="t", what="x").text == "a\n"


def test_cache_disabled(settings: Settings) -> None:
    rec = Recorder(httpx.Response(200, text="a\n"))
    client = _client(settings, rec, cache=False)
    get_text(client, URL, provider="t", what="x")
    get_text(client, URL, provider="t", what="x")
    assert len(rec.requests) == 2
    assert not (settings.cache_dir / "http").exists()


def test_gzip_body_cached_decoded(settings: Settings) -> None:
    body = json.dumps({"a": 1}).encode()
    rec = Recorder(
        httpx.Response(
            200,
            content=gzip.compress(body),
            headers={"content-encoding": "gzip", "content-type": "application/json"},
        )
    )
    client = _client(settings, rec)
    assert get_json(client, URL, provider="t", what="x")[0] == {"a": 1}
    parsed, payload = get_json(client, URL, provider="t", what="x")
    assert parsed == {"a": 1}
    assert payload.cached


def test_corrupt_cache_file_is_ignored(settings: Settings) -> None:
    folder = settings.cache_dir / "http"
    folder.mkdir(parents=True)
    (folder / "hishel.sqlite").write_bytes(b"this is not a database" * 100)
    rec = Recorder(lambda r: httpx.Response(200, text="a,1\n"))
    client = _client(settings, rec)
    assert get_text(client, URL, provider="t", what="x").text == "a,1\n"
    assert get_text(client, URL, provider="t", what="x").text == "a,1\n"
    assert len(rec.requests) == 2
    client.close()
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(folder / "hishel.sqlite").execute("select 1 from entries")


def test_rate_limiter_spacing() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(10.0, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
    assert slept == pytest.approx([0.1, 0.1])
    now[0] += 5
    assert limiter.wait() == 0.0


def test_rate_limit_applies_to_network_not_cache(settings: Settings) -> None:
    rec = Recorder(lambda r: httpx.Response(200, text="a\n"))
    sleeps: list[float] = []
    client = _client(settings, rec, sleeps, rate_limit=1000.0)
    fetch(client, URL, provider="t", what="x", expect="csv")
    fetch(client, URL, provider="t", what="x", expect="csv")
    assert len(rec.requests) == 1


def test_host_limiter_rules() -> None:
    limits = HostLimiter(default=2.0)
    sec = limits.limiter("www.sec.gov")
    assert sec is not None
    assert sec is limits.limiter("data.sec.gov")
    assert sec.interval == pytest.approx(0.1)
    assert limits.limiter("notsec.gov") is not sec  # a suffix match needs the dot
    fred = limits.limiter("fred.stlouisfed.org")
    assert fred is not None
    assert fred.interval == pytest.approx(0.5)
    assert fred is limits.limiter("FRED.stlouisfed.org")
    assert fred is not limits.limiter("api.stlouisfed.org")  # one limiter per other host
    assert HostLimiter().limiter("fred.stlouisfed.org") is None


def test_rate_limiter_rejects_bad_rate() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)
