"""The HTTP layer shared by every live provider.

:func:`make_client` builds an :class:`httpx.Client` whose transport adds, in
this order for each request:

1. an on-disk cache of successful GET bodies under ``settings.cache_dir/http``
   keyed by a hash of the full URL, served while younger than its TTL;
2. an optional rate limiter (requests per second, e.g. for SEC EDGAR);
3. retries with exponential back-off (tenacity) on HTTP 429/5xx, timeouts
   and connection errors, ``settings.http_retries`` attempts in all.

:func:`fetch` (and :func:`get_json`, :func:`get_text`, :func:`get_bytes`) then
maps what is left to the typed errors of :mod:`capsize.errors`::

    401/403                -> UnauthorizedError
    404 (when asked)       -> EmptyDataError
    429 after retries      -> RateLimitError
    timeout after retries  -> ProviderTimeout
    other >= 400, network  -> ProviderError
    HTML where CSV/JSON/zip was expected, truncated JSON -> ProviderError naming the URL
    empty body             -> EmptyDataError naming the URL

Tests pass ``transport=httpx.MockTransport(handler)`` and ``sleep=`` a no-op.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx
import tenacity

from capsize.config import Settings, load_settings
from capsize.data.providers._base import Clock, Fetcher, Q, R
from capsize.errors import (
    EmptyDataError,
    InputError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    UnauthorizedError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "DEFAULT_CACHE_TTL",
    "RETRY_STATUSES",
    "CachingRetryTransport",
    "CapsizeClient",
    "HttpCache",
    "HttpFetcher",
    "Payload",
    "RateLimiter",
    "fetch",
    "get_bytes",
    "get_json",
    "get_text",
    "make_client",
    "query_date",
    "reject_unknown",
    "user_agent",
]

logger = logging.getLogger(__name__)

DEFAULT_CACHE_TTL = 3600.0
"""Seconds a cached body is served without asking the server again."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""HTTP statuses retried with back-off."""

CACHE_TTL_EXTENSION = "capsize_cache_ttl"
"""Request extension overriding the cache TTL (seconds; 0 bypasses the cache read)."""

_DROP_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}
_RETRY_EXCEPTIONS = (httpx.TimeoutException, httpx.ConnectError, httpx.RemoteProtocolError)


def user_agent() -> str:
    """Return capsize's descriptive User-Agent string.

    Returns
    -------
    str
        e.g. ``"capsize/0.1.0 (open-source research tool; python-httpx/0.28.1)"``.
    """
    try:
        ver = version("capsize")
    except PackageNotFoundError:  # pragma: no cover - only outside an install
        ver = "0.0.0"
    return f"capsize/{ver} (open-source research tool; python-httpx/{httpx.__version__})"


class RateLimiter:
    """Space requests at least ``1 / per_second`` seconds apart.

    Parameters
    ----------
    per_second : float
        Maximum request rate, requests per second (> 0).
    monotonic : callable, optional
        Monotonic clock in seconds (injected in tests).
    sleep : callable, optional
        Sleep function (injected in tests).
    """

    def __init__(
        self,
        per_second: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not per_second > 0:
            raise InputError(f"per_second={per_second!r} must be a positive rate")
        self.interval = 1.0 / per_second
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = -float("inf")
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until the next request may go; return the seconds slept."""
        with self._lock:
            now = self._monotonic()
            delay = max(0.0, self._next - now)
            if delay > 0:
                self._sleep(delay)
            self._next = max(now, self._next) + self.interval
            return delay


@dataclass(frozen=True)
class _Entry:
    body: bytes
    status: int
    headers: dict[str, str]
    stored_at: float


class HttpCache:
    """On-disk cache of GET response bodies keyed by a SHA-256 of the URL.

    Parameters
    ----------
    directory : Path
        Folder holding ``<hash>.body`` and ``<hash>.json`` pairs (created on write).
    ttl : float
        Default freshness, seconds.
    time_fn : callable, optional
        Wall clock in epoch seconds (injected in tests).
    """

    def __init__(
        self,
        directory: Path,
        ttl: float = DEFAULT_CACHE_TTL,
        *,
        time_fn: Callable[[], float] = time.time,
    ) -> None:
        self.directory = Path(directory)
        self.ttl = float(ttl)
        self._time = time_fn

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.directory / f"{key}.body", self.directory / f"{key}.json"

    def get(self, url: str, ttl: float | None = None) -> _Entry | None:
        """Return the entry for ``url`` if present and younger than ``ttl`` seconds."""
        body_path, meta_path = self._paths(url)
        if not (body_path.is_file() and meta_path.is_file()):
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if meta.get("url") != url:  # hash collision or foreign file
            return None
        limit = self.ttl if ttl is None else ttl
        stored_at = float(meta.get("stored_at", 0.0))
        if self._time() - stored_at > limit:
            return None
        return _Entry(body, int(meta.get("status", 200)), dict(meta.get("headers", {})), stored_at)

    def put(self, url: str, body: bytes, status: int, headers: Mapping[str, str]) -> None:
        """Store ``body`` for ``url`` (atomic rename; errors are logged, not raised)."""
        body_path, meta_path = self._paths(url)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = body_path.with_suffix(".tmp")
            tmp.write_bytes(body)
            tmp.replace(body_path)
            meta = {
                "url": url,
                "status": status,
                "headers": dict(headers),
                "stored_at": self._time(),
            }
            tmp = meta_path.with_suffix(".jtmp")
            tmp.write_text(json.dumps(meta), encoding="utf-8")
            tmp.replace(meta_path)
        except OSError as exc:
            logger.warning("HTTP cache write failed for %s: %s", url, exc)

    def invalidate(self, url: str) -> None:
        """Forget ``url`` (used when a cached body turns out to be unusable)."""
        for path in self._paths(url):
            path.unlink(missing_ok=True)


def _retry_after(response: httpx.Response, now: float) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


class CachingRetryTransport(httpx.BaseTransport):
    """Transport adding cache, rate limit and retries around another transport.

    Parameters
    ----------
    inner : httpx.BaseTransport
        What actually sends requests (``httpx.HTTPTransport`` or a mock).
    attempts : int
        Total attempts per request (>= 1).
    cache : HttpCache or None
        Disk cache for GET 200 bodies; None disables caching.
    limiter : RateLimiter or None
        Applied before every network attempt (not to cache hits).
    backoff : float
        First back-off, seconds; doubles each retry up to ``max_backoff``.
    max_backoff : float
        Cap on one back-off (also on a server ``Retry-After``), seconds.
    sleep : callable
        Sleep function used between attempts (a no-op in tests).
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        attempts: int = 3,
        cache: HttpCache | None = None,
        limiter: RateLimiter | None = None,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if attempts < 1:
            raise InputError(f"attempts={attempts!r} must be at least 1")
        self.inner = inner
        self.attempts = attempts
        self.cache = cache
        self.limiter = limiter
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self.network_requests = 0

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exp = float(min(self.max_backoff, self.backoff * (2 ** (state.attempt_number - 1))))
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            resp = outcome.result()
            if isinstance(resp, httpx.Response):
                after = _retry_after(resp, time.time())
                if after is not None:
                    return float(min(self.max_backoff, max(exp, after)))
        return exp

    def _send_once(self, request: httpx.Request) -> httpx.Response:
        if self.limiter is not None:
            self.limiter.wait()
        self.network_requests += 1
        response = self.inner.handle_request(request)
        if response.status_code in RETRY_STATUSES:
            response.read()
            logger.info("HTTP %s from %s", response.status_code, request.url)
        return response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve from cache, else send with retries; cache GET 200 bodies."""
        url = str(request.url)
        is_get = request.method == "GET"
        ttl = request.extensions.get(CACHE_TTL_EXTENSION)
        if self.cache is not None and is_get and ttl != 0:
            entry = self.cache.get(url, None if ttl is None else float(ttl))
            if entry is not None:
                headers = dict(entry.headers)
                headers["x-capsize-cache"] = "hit"
                headers["x-capsize-stored-at"] = repr(entry.stored_at)
                return httpx.Response(
                    entry.status, headers=headers, content=entry.body, request=request
                )
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=(
                tenacity.retry_if_exception_type(_RETRY_EXCEPTIONS)
                | tenacity.retry_if_result(lambda r: r.status_code in RETRY_STATUSES)
            ),
            sleep=self._sleep,
            reraise=True,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )
        response: httpx.Response = retrying(self._send_once, request)
        if not (self.cache is not None and is_get and response.status_code == 200):
            return response
        body = response.read()
        response.close()
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROP_HEADERS}
        self.cache.put(url, body, response.status_code, headers)
        return httpx.Response(200, headers=headers, content=body, request=request)

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()


class CapsizeClient(httpx.Client):
    """An :class:`httpx.Client` that knows its cache (for invalidation)."""

    http_cache: HttpCache | None = None


def make_client(
    settings: Settings | None = None,
    transport: httpx.BaseTransport | None = None,
    *,
    cache: bool = True,
    cache_ttl: float = DEFAULT_CACHE_TTL,
    retries: int | None = None,
    backoff: float = 0.5,
    max_backoff: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    rate_limit: float | None = None,
    user_agent_string: str | None = None,
    time_fn: Callable[[], float] = time.time,
) -> CapsizeClient:
    """Build the HTTP client every provider uses.

    Parameters
    ----------
    settings : Settings, optional
        Supplies ``http_timeout`` (seconds), ``http_retries`` (attempts) and
        ``cache_dir``; defaults to :func:`~capsize.config.load_settings`.
    transport : httpx.BaseTransport, optional
        The sending transport; tests pass ``httpx.MockTransport``.
    cache : bool
        Use the on-disk cache under ``settings.cache_dir / "http"``.
    cache_ttl : float
        Default cache freshness, seconds (per request: ``extensions={"capsize_cache_ttl": s}``).
    retries : int, optional
        Total attempts per request; defaults to ``settings.http_retries``.
    backoff, max_backoff : float
        Exponential back-off start and cap, seconds.
    sleep : callable
        Sleep used for back-off and rate limiting (pass ``lambda s: None`` in tests).
    rate_limit : float, optional
        Maximum requests per second (e.g. 10 for SEC EDGAR).
    user_agent_string : str, optional
        Overrides :func:`user_agent` (SEC requires ``"Name email"``).
    time_fn : callable
        Wall clock (epoch seconds) for cache ages.

    Returns
    -------
    CapsizeClient
        An ``httpx.Client`` following redirects, with ``timeout`` from settings.
    """
    s = settings if settings is not None else load_settings()
    attempts = s.http_retries if retries is None else retries
    http_cache = HttpCache(s.cache_dir / "http", cache_ttl, time_fn=time_fn) if cache else None
    limiter = RateLimiter(rate_limit, sleep=sleep) if rate_limit is not None else None
    wrapped = CachingRetryTransport(
        transport if transport is not None else httpx.HTTPTransport(),
        attempts=attempts,
        cache=http_cache,
        limiter=limiter,
        backoff=backoff,
        max_backoff=max_backoff,
        sleep=sleep,
    )
    client = CapsizeClient(
        transport=wrapped,
        timeout=httpx.Timeout(s.http_timeout),
        headers={"User-Agent": user_agent_string or user_agent()},
        follow_redirects=True,
    )
    client.http_cache = http_cache
    return client


Expect = Literal["json", "csv", "text", "zip", "bytes"]


@dataclass(frozen=True)
class Payload:
    """A validated HTTP body and where it came from.

    Attributes
    ----------
    url : str
        Final URL requested (with query string).
    body : bytes
        Raw (decompressed) body.
    content_type : str
        ``Content-Type`` header ('' if absent).
    cached : bool
        True when served from the on-disk cache.
    stored_at : datetime or None
        When a cached body was first fetched (UTC).
    """

    url: str
    body: bytes
    content_type: str = ""
    cached: bool = False
    stored_at: dt.datetime | None = None

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (BOM removed, undecodable bytes replaced)."""
        return self.body.decode("utf-8-sig", errors="replace")


def _looks_html(body: bytes, content_type: str) -> bool:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
        return True
    return "html" in content_type.lower() and head.startswith(b"<")


def _invalidate(client: httpx.Client, url: str) -> None:
    cache = getattr(client, "http_cache", None)
    if isinstance(cache, HttpCache):
        cache.invalidate(url)


def fetch(
    client: httpx.Client,
    url: str,
    *,
    provider: str,
    what: str,
    expect: Expect = "bytes",
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    not_found: str | None = None,
    cache_ttl: float | None = None,
) -> Payload:
    """GET ``url`` and return its validated body, raising typed errors.

    Parameters
    ----------
    client : httpx.Client
        Usually from :func:`make_client`.
    url : str
        Address to fetch.
    provider : str
        Provider name carried by the errors (``"fred"``, ``"yahoo"``...).
    what : str
        Human description for messages (``"FRED series DGS10"``).
    expect : {"json", "csv", "text", "zip", "bytes"}
        Body kind; HTML in place of csv/json/text/zip raises.
    params, headers : Mapping, optional
        Query parameters and extra headers.
    not_found : str, optional
        If given, HTTP 404 raises :class:`EmptyDataError` with this message.
    cache_ttl : float, optional
        Cache freshness for this request, seconds (0 = always ask the server).

    Returns
    -------
    Payload

    Raises
    ------
    UnauthorizedError, RateLimitError, ProviderTimeout, EmptyDataError, ProviderError
    """
    extensions = {CACHE_TTL_EXTENSION: cache_ttl} if cache_ttl is not None else None
    try:
        response = client.get(url, params=params, headers=headers, extensions=extensions)
    except httpx.TimeoutException as exc:
        raise ProviderTimeout(
            f"{provider}: no answer for {what} from {url} within the timeout, after retries; "
            "raise CAPSIZE_HTTP_TIMEOUT or try again later",
            provider=provider,
        ) from exc
    except httpx.HTTPError as exc:
        raise ProviderError(
            f"{provider}: network error fetching {what} from {url}: {type(exc).__name__}: {exc}; "
            "check your connection or try again later",
            provider=provider,
        ) from exc
    final_url = str(response.request.url) if response.request is not None else url
    status = response.status_code
    if status in (401, 403):
        raise UnauthorizedError(
            f"{provider}: HTTP {status} for {what} ({final_url}); the service refused the request "
            "(credentials, user agent or regional block)",
            provider=provider,
        )
    if status == 404 and not_found is not None:
        raise EmptyDataError(not_found, provider=provider)
    if status == 429:
        raise RateLimitError(
            f"{provider}: HTTP 429 (rate limited) for {what} ({final_url}) after all retries; "
            "wait a few minutes, or raise CAPSIZE_HTTP_RETRIES",
            provider=provider,
        )
    if status >= 400:
        raise ProviderError(
            f"{provider}: HTTP {status} for {what} ({final_url}); try again later",
            provider=provider,
        )
    body = response.content
    ctype = response.headers.get("content-type", "")
    cached = response.headers.get("x-capsize-cache") == "hit"
    stored_raw = response.headers.get("x-capsize-stored-at")
    stored_at = dt.datetime.fromtimestamp(float(stored_raw), dt.UTC) if stored_raw else None
    if not body.strip():
        _invalidate(client, final_url)
        raise EmptyDataError(
            f"{provider}: empty response body for {what} ({final_url})", provider=provider
        )
    if expect in ("json", "csv", "text", "zip") and _looks_html(body, ctype):
        _invalidate(client, final_url)
        raise ProviderError(
            f"{provider}: got an HTML page instead of {expect.upper()} for {what} ({final_url}); "
            "the URL moved or the service blocked the request",
            provider=provider,
        )
    if expect == "zip" and not body.startswith(b"PK\x03\x04"):
        _invalidate(client, final_url)
        raise ProviderError(
            f"{provider}: {what} ({final_url}) is not a zip archive ({body[:20]!r}...)",
            provider=provider,
        )
    return Payload(final_url, body, ctype, cached, stored_at)


def get_json(
    client: httpx.Client, url: str, *, provider: str, what: str, **kwargs: Any
) -> tuple[Any, Payload]:
    """GET JSON; return ``(parsed, payload)``. Truncated/invalid JSON raises :class:`ProviderError`.

    Parameters
    ----------
    client, url, provider, what, **kwargs
        As for :func:`fetch` (``params``, ``headers``, ``not_found``, ``cache_ttl``).

    Returns
    -------
    tuple of (object, Payload)
    """
    payload = fetch(client, url, provider=provider, what=what, expect="json", **kwargs)
    try:
        return json.loads(payload.body), payload
    except ValueError as exc:
        _invalidate(client, payload.url)
        raise ProviderError(
            f"{provider}: truncated or invalid JSON for {what} ({payload.url}): {exc}; try again",
            provider=provider,
        ) from None


def get_text(client: httpx.Client, url: str, *, provider: str, what: str, **kwargs: Any) -> Payload:
    """GET a CSV/text body (HTML rejected); see :func:`fetch` for arguments.

    Returns
    -------
    Payload
        Use ``payload.text`` for the decoded body.
    """
    return fetch(client, url, provider=provider, what=what, expect="csv", **kwargs)


def get_bytes(
    client: httpx.Client,
    url: str,
    *,
    provider: str,
    what: str,
    zip_archive: bool = False,
    **kwargs: Any,
) -> Payload:
    """GET a binary body (a zip archive when ``zip_archive``); see :func:`fetch`.

    Returns
    -------
    Payload
    """
    return fetch(
        client,
        url,
        provider=provider,
        what=what,
        expect="zip" if zip_archive else "bytes",
        **kwargs,
    )


# -- query helpers shared by the fetchers ---------------------------------------------------


def reject_unknown(params: Mapping[str, Any], allowed: set[str], *, fetcher: str) -> None:
    """Raise :class:`InputError` if ``params`` holds a key outside ``allowed`` (catches typos).

    Parameters
    ----------
    params : Mapping
        User parameters.
    allowed : set of str
        Accepted keys.
    fetcher : str
        Name used in the message.
    """
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InputError(f"{fetcher}: unknown parameter(s) {unknown}; accepted: {sorted(allowed)}")


def query_date(value: object, *, name: str) -> dt.date | None:
    """Coerce a date-like parameter (None, date, datetime, ISO string) to a date.

    Parameters
    ----------
    value : object
        The parameter value.
    name : str
        Parameter name for the error message.

    Returns
    -------
    datetime.date or None

    Examples
    --------
    >>> query_date("2024-01-31", name="start")
    datetime.date(2024, 1, 31)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"{name}={value!r} is not a date; use ISO format like 2024-01-31")


class HttpFetcher(Fetcher[Q, R]):
    """A :class:`~capsize.data.providers.Fetcher` that talks HTTP through one client.

    Parameters
    ----------
    client : httpx.Client, optional
        Injected client (tests pass one with a mock transport); by default
        :func:`make_client` builds one on first use.
    clock : callable, optional
        Current UTC time.
    settings : Settings, optional
        Used only to build the default client.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        clock: Clock | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._client = client
        self._settings = settings

    @property
    def client(self) -> httpx.Client:
        """The HTTP client (built on first use when none was injected)."""
        if self._client is None:
            self._client = make_client(self._settings)
        return self._client
