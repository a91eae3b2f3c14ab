"""GET a body and map every failure to the typed errors of :mod:`capsize.errors`.

::

    401/403                -> UnauthorizedError
    404 (when asked)       -> EmptyDataError
    429 after retries      -> RateLimitError
    timeout after retries  -> ProviderTimeout
    overall deadline passed -> ProviderTimeout naming the deadline (CAPSIZE_HTTP_DEADLINE)
    no connection at all   -> NetworkUnreachable (DNS failure, refused, no route; not retried)
    other >= 400, network  -> ProviderError
    HTML where CSV/JSON/zip was expected, truncated JSON -> ProviderError naming the URL
    empty body             -> EmptyDataError naming the URL

The deadline covers the whole call: redirects, connects, header and body
reads, retries and back-off. Messages and :attr:`Payload.url` never show a
secret query parameter (``api_key=REDACTED``).

Each call runs in a cache validation scope
(:func:`~capsize.data.providers._http._cache.cache_scope`): a body rejected by
these checks is never stored, and a fetcher's own scope around it keeps the
body staged until the fetcher's parser has accepted it too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from capsize.data.providers._http._cache import STORED_AT_HEADER, cache_scope, redact_url
from capsize.data.providers._http._client import (
    ATTEMPTS_EXTENSION,
    CACHE_TTL_EXTENSION,
    NO_CACHE_EXTENSION,
    WHAT_EXTENSION,
)
from capsize.data.providers._http._deadline import Deadline, DeadlineExceeded, deadline_scope
from capsize.errors import (
    EmptyDataError,
    NetworkUnreachable,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    UnauthorizedError,
)

__all__ = ["Expect", "NotFound", "Payload", "fetch", "get_bytes", "get_json", "get_text"]

Expect = Literal["json", "csv", "text", "zip", "bytes"]
"""Kind of body a caller expects (HTML in place of csv/json/text/zip raises)."""

NotFound = str | Callable[[httpx.Response], str]
"""Message (or a function of the 404 response giving it) for an :class:`EmptyDataError`."""


@dataclass(frozen=True)
class Payload:
    """A checked HTTP body and where it came from.

    Attributes
    ----------
    url : str
        Final URL requested (with query string; secret parameters redacted).
    body : bytes
        Raw (decompressed) body.
    content_type : str
        ``Content-Type`` header ('' if absent).
    cached : bool
        True when served from the cache.
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


@dataclass(frozen=True)
class _Request:
    """What a caller asked for, carried into the error messages."""

    url: str
    provider: str
    what: str
    expect: Expect
    not_found: NotFound | None


def _extensions(what: str, cache_ttl: float | None) -> dict[str, Any]:
    ext: dict[str, Any] = {WHAT_EXTENSION: what}
    if cache_ttl is not None and cache_ttl <= 0:
        ext[NO_CACHE_EXTENSION] = True
    elif cache_ttl is not None:
        ext[CACHE_TTL_EXTENSION] = {"ttl": float(cache_ttl)}
    return ext


def _host(exc: httpx.RequestError, url: str) -> str:
    try:
        return exc.request.url.host
    except RuntimeError:  # raised by a transport outside a client: no request attached
        return httpx.URL(url).host


def _send(
    client: httpx.Client, req: _Request, params: Mapping[str, str] | None, **kw: Any
) -> httpx.Response:
    p, what, url = req.provider, req.what, req.url
    budget = float(getattr(client, "deadline", 0.0) or 0.0)
    scope = deadline_scope(Deadline.after(budget)) if budget > 0 else contextlib.nullcontext(None)
    try:
        with scope:
            return client.get(url, params=params, **kw)
    except DeadlineExceeded as exc:
        raise ProviderTimeout(
            f"{p}: no complete answer for {what} from {url} within the "
            f"{exc.deadline.seconds:g} s deadline (connect, reads and retries); "
            "raise CAPSIZE_HTTP_DEADLINE or try again later",
            provider=p,
        ) from exc
    except httpx.TimeoutException as exc:
        raise ProviderTimeout(
            f"{p}: no answer for {what} from {url} within the timeout, after retries; "
            "raise CAPSIZE_HTTP_TIMEOUT or try again later",
            provider=p,
        ) from exc
    except httpx.ConnectError as exc:
        host = _host(exc, url)
        raise NetworkUnreachable(
            f"{p}: cannot connect to {host} for {what} ({type(exc).__name__}: {exc}); "
            "the network or the host is unreachable: check your connection",
            provider=p,
            host=host,
        ) from exc
    except httpx.HTTPError as exc:
        raise ProviderError(
            f"{p}: network error fetching {what} from {url}: {type(exc).__name__}: "
            f"{_one_line(str(exc))}; check your connection or try again later",
            provider=p,
        ) from exc


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _check_status(response: httpx.Response, req: _Request, final_url: str) -> None:
    status, p, what = response.status_code, req.provider, req.what
    if status < 400:
        return
    if status in (401, 403):
        raise UnauthorizedError(
            f"{p}: HTTP {status} for {what} ({final_url}); the service refused the request "
            "(credentials, user agent or regional block)",
            provider=p,
        )
    if status == 404 and req.not_found is not None:
        nf = req.not_found
        raise EmptyDataError(nf if isinstance(nf, str) else nf(response), provider=p)
    attempts = response.extensions.get(ATTEMPTS_EXTENSION, 1)
    tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
    if status == 429:
        raise RateLimitError(
            f"{p}: HTTP 429 (rate limited) for {what} ({final_url}) {tries}; "
            "wait a few minutes, or raise CAPSIZE_HTTP_RETRIES",
            provider=p,
        )
    raise ProviderError(
        f"{p}: HTTP {status} for {what} ({final_url}) {tries}; try again later", provider=p
    )


def _looks_html(body: bytes, content_type: str) -> bool:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
        return True
    return "html" in content_type.lower() and head.startswith(b"<")


def _check_body(body: bytes, content_type: str, req: _Request, final_url: str) -> None:
    p, what, expect = req.provider, req.what, req.expect
    if not body.strip():
        raise EmptyDataError(f"{p}: empty response body for {what} ({final_url})", provider=p)
    if expect in ("json", "csv", "text", "zip") and _looks_html(body, content_type):
        raise ProviderError(
            f"{p}: got an HTML page instead of {expect.upper()} for {what} ({final_url}); "
            "the URL moved or the service blocked the request",
            provider=p,
        )
    if expect == "zip" and not body.startswith(b"PK\x03\x04"):
        raise ProviderError(
            f"{p}: {what} ({final_url}) is not a zip archive ({body[:20]!r}...)", provider=p
        )


def _payload(response: httpx.Response, final_url: str) -> Payload:
    status = response.extensions.get("caching") or {}
    cached = bool(status.get("from_cache")) if isinstance(status, Mapping) else False
    stored_raw = response.headers.get(STORED_AT_HEADER) if cached else None
    stored_at = dt.datetime.fromtimestamp(float(stored_raw), dt.UTC) if stored_raw else None
    ctype = response.headers.get("content-type", "")
    return Payload(final_url, response.content, ctype, cached, stored_at)


def fetch(
    client: httpx.Client,
    url: str,
    *,
    provider: str,
    what: str,
    expect: Expect = "bytes",
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    not_found: NotFound | None = None,
    cache_ttl: float | None = None,
) -> Payload:
    """GET ``url`` and return its checked body, raising typed errors.

    Parameters
    ----------
    client : httpx.Client
        Usually from :func:`~capsize.data.providers._http.make_client`.
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
    not_found : str or callable, optional
        If given, HTTP 404 raises :class:`EmptyDataError` with this message
        (or the message this function of the response returns).
    cache_ttl : float, optional
        Lifetime of the stored response, seconds (default: the client's);
        0 neither reads nor fills the cache.

    Returns
    -------
    Payload

    Raises
    ------
    UnauthorizedError, RateLimitError, ProviderTimeout, NetworkUnreachable,
    EmptyDataError, ProviderError
    """
    req = _Request(url, provider, what, expect, not_found)
    with cache_scope(client):
        response = _send(
            client, req, params, headers=headers, extensions=_extensions(what, cache_ttl)
        )
        final_url = redact_url(str(response.request.url) if response.request is not None else url)
        _check_status(response, req, final_url)
        payload = _payload(response, final_url)
        _check_body(payload.body, payload.content_type, req, final_url)
    return payload


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
    with cache_scope(client):
        payload = fetch(client, url, provider=provider, what=what, expect="json", **kwargs)
        try:
            return json.loads(payload.body), payload
        except ValueError as exc:
            raise ProviderError(
                f"{provider}: truncated or invalid JSON for {what} ({payload.url}): {exc}; "
                "try again",
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
