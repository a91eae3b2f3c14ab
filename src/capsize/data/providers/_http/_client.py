"""The one HTTP client factory: cache, per-host rate limits and retries as transports.

:func:`make_client` builds an :class:`httpx.Client` whose transport handles each
request in this order:

1. the cache (:mod:`hishel`, through
   :class:`~capsize.data.providers._http._cache.ValidatedStorage`): a fresh,
   validated response is served without touching the network; a new one is
   stored only once its fetcher parsed it;
2. the rate limiter of the request's host (:class:`HostLimiter`; SEC hosts at
   10 requests/s by default), applied to network attempts only;
3. retries with exponential back-off (tenacity) on HTTP 429/5xx, timeouts and
   dropped connections, honouring ``Retry-After``; at most :data:`MAX_ATTEMPTS`
   attempts. A connection that cannot be opened at all (DNS failure, refused,
   no route) is not retried: the network is down, and saying so at once is
   worth more than three more tries;
4. one overall deadline per request (``settings.http_deadline``, seconds):
   connect, every read of headers and body, every retry and every back-off
   share it (:mod:`~capsize.data.providers._http._deadline`). No back-off
   sleeps past it; once it has passed the request ends with
   :class:`~capsize.data.providers._http._deadline.DeadlineExceeded`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version

import httpx
import tenacity
from hishel import SqliteStorage
from hishel.httpx import CacheTransport

from capsize.config import Settings, load_settings
from capsize.data.providers._http._cache import ValidatedStorage, redact_url
from capsize.data.providers._http._deadline import (
    Deadline,
    DeadlineExceeded,
    DeadlineHTTPTransport,
    deadline_passed,
    deadline_scope,
)
from capsize.data.providers._http._limits import HostLimiter
from capsize.errors import EmptyDataError, InputError

__all__ = [
    "ATTEMPTS_EXTENSION",
    "CACHE_TTL_EXTENSION",
    "DEFAULT_CACHE_TTL",
    "MAX_ATTEMPTS",
    "MAX_DEADLINE",
    "NO_CACHE_EXTENSION",
    "RETRY_STATUSES",
    "WHAT_EXTENSION",
    "CapsizeClient",
    "CapsizeTransport",
    "NetworkTransport",
    "OfflineTransport",
    "make_client",
    "user_agent",
]

logger = logging.getLogger(__name__)

DEFAULT_CACHE_TTL = 3600.0
"""Seconds a stored response is served without asking the server again."""

MAX_ATTEMPTS = 10
"""Upper bound on attempts per request, whatever ``CAPSIZE_HTTP_RETRIES`` says."""

MAX_DEADLINE = 86400.0
"""Upper bound on the overall deadline of one request, seconds (a day)."""

ATTEMPTS_EXTENSION = "capsize_attempts"
"""Response extension: how many attempts the request took (for messages)."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""HTTP statuses retried with back-off."""

NO_CACHE_EXTENSION = "capsize_no_cache"
"""Request extension: when true, the request neither reads nor fills the cache."""

WHAT_EXTENSION = "capsize_what"
"""Request extension: what the request is for, in words (``"ticker map"``), for messages."""

CACHE_TTL_EXTENSION = "caching"
"""hishel's request extension; ``{"ttl": seconds}`` sets the stored response's lifetime."""

_RETRY_EXCEPTIONS = (
    httpx.TimeoutException,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)
"""Retried: timeouts, and connections dropped or reset once open (before or during the body)."""


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


class _OutOfTime(tenacity.stop.stop_base):
    """Stop retrying when the next back-off would end after the deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return (retry_state.upcoming_sleep or 0.0) >= self.deadline.remaining()


class NetworkTransport(httpx.BaseTransport):
    """Send through ``inner`` with the host's rate limit, bounded retries and one deadline.

    Parameters
    ----------
    inner : httpx.BaseTransport
        What actually sends requests (:class:`DeadlineHTTPTransport` or a mock).
    attempts : int
        Total attempts per request, 1 to :data:`MAX_ATTEMPTS`.
    limits : HostLimiter
        Pacing per host, applied before every attempt.
    backoff : float
        First back-off, seconds; doubles each retry up to ``max_backoff``.
    max_backoff : float
        Cap on one back-off (also on a server's ``Retry-After``), seconds.
    sleep : callable
        Sleep between attempts (a no-op in tests).
    deadline : float
        Overall budget of one request (connect, reads, retries, back-off),
        seconds, in ``(0, MAX_DEADLINE]``. A request sent while a shorter
        :func:`~capsize.data.providers._http._deadline.deadline_scope` is open
        keeps that one.
    monotonic : callable
        Clock of the deadline (tests inject a fake one along with ``sleep``).

    Notes
    -----
    A retry whose back-off would end after the deadline is not made: a 429 or
    5xx answer is returned as it is (the caller reports it), a timeout or a
    dropped connection raises
    :class:`~capsize.data.providers._http._deadline.DeadlineExceeded`.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        attempts: int = 3,
        limits: HostLimiter | None = None,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        deadline: float = 120.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= attempts <= MAX_ATTEMPTS:
            raise InputError(
                f"http retries={attempts!r} must be between 1 and {MAX_ATTEMPTS} attempts; "
                "fix CAPSIZE_HTTP_RETRIES"
            )
        if not (isinstance(deadline, (int, float)) and 0 < deadline <= MAX_DEADLINE):
            raise InputError(
                f"http deadline={deadline!r} must be a number of seconds in (0, {MAX_DEADLINE:g}]; "
                "fix CAPSIZE_HTTP_DEADLINE"
            )
        self.inner = inner
        self.attempts = attempts
        self.limits = limits if limits is not None else HostLimiter(sleep=sleep)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.deadline = float(deadline)
        self._sleep = sleep
        self._monotonic = monotonic
        self.network_requests = 0

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exp = float(min(self.max_backoff, self.backoff * (2 ** (state.attempt_number - 1))))
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            after = _retry_after(outcome.result(), time.time())
            if after is not None:
                return float(min(self.max_backoff, max(exp, after)))
        return exp

    def _send_once(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        """One attempt: headers and the whole body, so a body cut or reset is retried too."""
        self.limits.wait(request.url.host)
        if deadline.expired():
            raise DeadlineExceeded(deadline)
        self.network_requests += 1
        response = self.inner.handle_request(request)
        stream = response.stream
        if not isinstance(stream, httpx.SyncByteStream):  # pragma: no cover - sync transports
            raise TypeError(f"{type(self.inner).__name__} returned an async response stream")
        try:
            raw = b"".join(stream)  # still encoded: the client decodes it once
        finally:
            stream.close()
        if response.status_code in RETRY_STATUSES:
            logger.info("HTTP %s from %s", response.status_code, redact_url(str(request.url)))
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(raw),
            extensions=response.extensions,
        )

    def _retrying(self, deadline: Deadline) -> tenacity.Retrying:
        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts) | _OutOfTime(deadline),
            wait=self._wait,
            retry=(
                tenacity.retry_if_exception_type(_RETRY_EXCEPTIONS)
                | tenacity.retry_if_result(lambda r: r.status_code in RETRY_STATUSES)
            ),
            sleep=self._sleep,
            reraise=True,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; retry 429/5xx, timeouts and dropped connections within the deadline."""
        own = Deadline.after(self.deadline, monotonic=self._monotonic)
        with deadline_scope(own) as deadline:
            retrying = self._retrying(deadline)
            try:
                response: httpx.Response = retrying(self._send_once, request, deadline)
            except httpx.TimeoutException as exc:
                if deadline_passed(deadline) and not isinstance(exc, DeadlineExceeded):
                    raise DeadlineExceeded(deadline) from exc
                raise
        response.extensions[ATTEMPTS_EXTENSION] = retrying.statistics.get("attempt_number", 1)
        return response

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()


class OfflineTransport(httpx.BaseTransport):
    """A transport that never sends: with a cache in front, a client reads the cache only.

    Parameters
    ----------
    provider : str
        Provider named by the error.
    hint : str
        What to do to fetch live (ends the error message).
    """

    def __init__(self, provider: str, hint: str) -> None:
        self.provider = provider
        self.hint = hint

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Raise :class:`~capsize.errors.EmptyDataError`: the response was not cached."""
        what = request.extensions.get(WHAT_EXTENSION) or str(request.url)
        raise EmptyDataError(
            f"{what} is not in the offline {self.provider.upper()} cache; {self.hint}",
            provider=self.provider,
        )


class CapsizeTransport(httpx.BaseTransport):
    """Route each request through the cache (when it has one) to the network.

    Parameters
    ----------
    network : NetworkTransport
        Rate limit and retries.
    cache : ValidatedStorage or None
        None disables caching.
    """

    def __init__(self, network: NetworkTransport, cache: ValidatedStorage | None) -> None:
        self.network = network
        self.cache = cache
        self.cached = CacheTransport(network, storage=cache) if cache is not None else None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve GETs through the cache unless the request opts out."""
        if self.cached is None or request.extensions.get(NO_CACHE_EXTENSION):
            return self.network.handle_request(request)
        return self.cached.handle_request(request)

    def close(self) -> None:
        """Close the network transport and the cache."""
        if self.cached is not None:
            self.cached.close()
        else:
            self.network.close()


class CapsizeClient(httpx.Client):
    """An :class:`httpx.Client` that knows its cache (for validation scopes) and its deadline.

    Attributes
    ----------
    http_cache : ValidatedStorage or None
        The validated cache (None without one).
    deadline : float
        Overall deadline of one request, seconds.
    """

    http_cache: ValidatedStorage | None = None
    deadline: float = 120.0


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
    limits: HostLimiter | None = None,
    user_agent_string: str | None = None,
    deadline: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> CapsizeClient:
    """Build the HTTP client every provider uses.

    Parameters
    ----------
    settings : Settings, optional
        Supplies ``http_timeout`` (seconds, per connect/read/write),
        ``http_deadline`` (seconds, per request overall), ``http_retries``
        (attempts) and ``cache_dir``; defaults to
        :func:`~capsize.config.load_settings`.
    transport : httpx.BaseTransport, optional
        The sending transport (default :class:`DeadlineHTTPTransport`); tests
        pass ``httpx.MockTransport``.
    cache : bool
        Use the SQLite cache ``settings.cache_dir / "http" / "hishel.sqlite"``.
    cache_ttl : float
        Default lifetime of a stored response, seconds (per request:
        ``fetch(..., cache_ttl=s)``).
    retries : int, optional
        Total attempts per request; defaults to ``settings.http_retries``
        (at most :data:`MAX_ATTEMPTS`).
    backoff, max_backoff : float
        Exponential back-off start and cap, seconds.
    sleep : callable
        Sleep used for back-off and rate limiting (pass ``lambda s: None`` in tests).
    rate_limit : float, optional
        Requests per second for every host without a rule in
        :data:`~capsize.data.providers._http.HOST_RATE_LIMITS`.
    limits : HostLimiter, optional
        Ready-made pacing (overrides ``rate_limit``).
    user_agent_string : str, optional
        Overrides :func:`user_agent`.
    deadline : float, optional
        Overall deadline of one request, seconds (connect, all reads, all
        retries and back-off); defaults to ``settings.http_deadline``.
    monotonic : callable
        Clock of the deadline (tests pass a fake one with a fake ``sleep``).

    Returns
    -------
    CapsizeClient
        An ``httpx.Client`` following redirects, with ``timeout`` from settings.
    """
    s = settings if settings is not None else load_settings()
    budget = float(s.http_deadline if deadline is None else deadline)
    network = NetworkTransport(
        transport if transport is not None else DeadlineHTTPTransport(),
        attempts=s.http_retries if retries is None else retries,
        limits=limits if limits is not None else HostLimiter(default=rate_limit, sleep=sleep),
        backoff=backoff,
        max_backoff=max_backoff,
        sleep=sleep,
        deadline=budget,
        monotonic=monotonic,
    )
    storage = None
    if cache:
        path = s.cache_dir / "http" / "hishel.sqlite"
        storage = ValidatedStorage(SqliteStorage(database_path=path, default_ttl=cache_ttl))
    client = CapsizeClient(
        transport=CapsizeTransport(network, storage),
        timeout=httpx.Timeout(s.http_timeout),
        headers={"User-Agent": user_agent_string or user_agent()},
        follow_redirects=True,
    )
    client.http_cache = storage
    client.deadline = budget
    return client
