"""The HTTP stack shared by every live provider (Yahoo, FRED, French, iShares, CoinGecko, SEC).

One client factory (:func:`make_client`), one retry policy
(:class:`NetworkTransport`: 429/5xx, timeouts and dropped connections, bounded
attempts with back-off), one overall deadline per request
(:class:`Deadline`: connect, reads and retries share it; the default sending
transport :class:`DeadlineHTTPTransport` caps every socket operation at the
time left), one rate limiter per host (:class:`HostLimiter`, SEC
hosts at 10 requests/s) and one cache (hishel's SQLite storage behind
:class:`ValidatedStorage`: a response is stored only after its fetcher parsed
it). :func:`fetch` and its shorthands map failures to typed errors;
:class:`HttpFetcher` is the base of the HTTP fetchers.

Tests pass ``make_client(settings, httpx.MockTransport(handler), sleep=lambda s: None)``.
"""

from __future__ import annotations

from capsize.data.providers._http._cache import (
    STORED_AT_HEADER,
    CacheScope,
    ValidatedStorage,
    cache_scope,
    redact_request,
    redact_url,
)
from capsize.data.providers._http._client import (
    DEFAULT_CACHE_TTL,
    MAX_ATTEMPTS,
    MAX_DEADLINE,
    NO_CACHE_EXTENSION,
    RETRY_STATUSES,
    CapsizeClient,
    CapsizeTransport,
    NetworkTransport,
    OfflineTransport,
    make_client,
    user_agent,
)
from capsize.data.providers._http._deadline import (
    Deadline,
    DeadlineExceeded,
    DeadlineHTTPTransport,
    deadline_scope,
)
from capsize.data.providers._http._fetch import (
    Expect,
    NotFound,
    Payload,
    fetch,
    get_bytes,
    get_json,
    get_text,
)
from capsize.data.providers._http._fetcher import HttpFetcher, query_date, reject_unknown
from capsize.data.providers._http._limits import HOST_RATE_LIMITS, HostLimiter, RateLimiter

__all__ = [
    "DEFAULT_CACHE_TTL",
    "HOST_RATE_LIMITS",
    "MAX_ATTEMPTS",
    "MAX_DEADLINE",
    "NO_CACHE_EXTENSION",
    "RETRY_STATUSES",
    "STORED_AT_HEADER",
    "CacheScope",
    "CapsizeClient",
    "CapsizeTransport",
    "Deadline",
    "DeadlineExceeded",
    "DeadlineHTTPTransport",
    "Expect",
    "HostLimiter",
    "HttpFetcher",
    "NetworkTransport",
    "NotFound",
    "OfflineTransport",
    "Payload",
    "RateLimiter",
    "ValidatedStorage",
    "cache_scope",
    "deadline_scope",
    "fetch",
    "get_bytes",
    "get_json",
    "get_text",
    "make_client",
    "query_date",
    "redact_request",
    "redact_url",
    "reject_unknown",
    "user_agent",
]
