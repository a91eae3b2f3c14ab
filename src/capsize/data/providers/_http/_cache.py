"""The HTTP cache: hishel's SQLite storage, holding only responses a parser accepted.

hishel (``hishel.httpx.CacheTransport``) keys each GET by method and URL, stores
successful responses in SQLite with a time to live, and serves them while
fresh. :class:`ValidatedStorage` sits between hishel and its SQLite storage and
changes one thing: a new response is *staged* (kept in memory) instead of
stored, and reaches the disk only when the validation scope that read it ends
without an error (:func:`cache_scope`). The fetchers open such a scope around
download **and parse**, so a truncated zip, an HTML error page served with
status 200, or a CSV cut mid-value is never served again; a cached response
whose parse fails is removed the same way. Outside any scope nothing is stored.

Secrets never reach the disk: API keys in query strings and key headers are
redacted from the request that hishel stores beside each response (the cache
key itself is a SHA-256 of the URL).
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import httpx
from hishel import BaseStorage, Entry, Headers, Request, Response

if TYPE_CHECKING:
    from hishel import SqliteStorage

__all__ = [
    "SECRET_HEADERS",
    "SECRET_PARAMS",
    "STORED_AT_HEADER",
    "CacheScope",
    "ValidatedStorage",
    "cache_scope",
    "redact_request",
    "redact_url",
]

STORED_AT_HEADER = "x-capsize-stored-at"
"""Response header (epoch seconds) added to every stored response."""

SECRET_PARAMS = frozenset({"api_key", "apikey", "key", "token", "access_token"})
"""Query parameters whose values are redacted before a request is stored."""

SECRET_HEADERS = frozenset(
    {"authorization", "cookie", "x-api-key", "x-cg-demo-api-key", "x-cg-pro-api-key"}
)
"""Request headers dropped before a request is stored."""


def redact_url(url: str) -> str:
    """Return ``url`` with the values of secret query parameters replaced by ``REDACTED``.

    Parameters
    ----------
    url : str
        An address, possibly with an API key in its query string.

    Returns
    -------
    str

    Examples
    --------
    >>> redact_url("https://x.test/a?series_id=D&api_key=abc")
    'https://x.test/a?series_id=D&api_key=REDACTED'
    """
    parsed = httpx.URL(url)
    secret = [k for k in parsed.params if k.lower() in SECRET_PARAMS]
    if not secret:
        return url
    for name in secret:
        parsed = parsed.copy_set_param(name, "REDACTED")
    return str(parsed)


def redact_request(request: Request) -> Request:
    """Return ``request`` without secrets (query-string keys, key headers).

    Parameters
    ----------
    request : hishel.Request
        The request hishel is about to store beside its response.

    Returns
    -------
    hishel.Request

    Examples
    --------
    >>> r = redact_request(Request("GET", "https://x.test/a?series_id=D&api_key=abc"))
    >>> r.url
    'https://x.test/a?series_id=D&api_key=REDACTED'
    """
    kept = {
        k: request.headers.get_list(k) or []
        for k in request.headers
        if k.lower() not in SECRET_HEADERS
    }
    headers = Headers(kept)
    return Request(method=request.method, url=redact_url(request.url), headers=headers)


@dataclass
class _Staged:
    """A complete response waiting for its scope to validate it."""

    key: str
    request: Request
    response: Response
    body: list[bytes]
    ttl: float | None
    tti: float | None

    def entry(self) -> Entry:
        return Entry(uuid.uuid4(), self.request, replace(self.response, stream=iter(self.body)))


@dataclass
class CacheScope:
    """Keys read (from the cache or the network) while one validation scope was open.

    Attributes
    ----------
    final : bool
        Store on a clean exit even when nested in another scope.
    keys : list of str
        Cache keys of the responses read inside.
    keep : bool
        False after :meth:`drop`: nothing read inside is stored, even on a clean exit.
    """

    final: bool = False
    keys: list[str] = field(default_factory=list)
    keep: bool = True

    def add(self, key: str) -> None:
        """Record a key read inside this scope."""
        if key not in self.keys:
            self.keys.append(key)

    def drop(self) -> None:
        """Store nothing read inside (a result was accepted but flagged, e.g. possibly cut)."""
        self.keep = False


class ValidatedStorage(BaseStorage):
    """A hishel storage that stores a response only once its reader validated it.

    Parameters
    ----------
    inner : hishel.SqliteStorage
        Where validated responses are kept (TTL, eviction, concurrency: hishel's).
    clock : callable, optional
        Wall clock (epoch seconds) for :data:`STORED_AT_HEADER`.

    Notes
    -----
    Scopes are per thread. A response read in a nested scope is staged until the
    outermost scope around it ends (or until the nearest ``final`` one does).
    """

    def __init__(self, inner: SqliteStorage, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(default_ttl=inner.default_ttl, default_tti=inner.default_tti)
        self.inner = inner
        self._clock = clock
        self._staged: dict[str, _Staged] = {}
        self._local = threading.local()
        self._lock = threading.Lock()

    # -- scopes ------------------------------------------------------------------------------
    def _stack(self) -> list[CacheScope]:
        stack: list[CacheScope] | None = getattr(self._local, "stack", None)
        if stack is None:
            stack = []
            self._local.stack = stack
        return stack

    @contextlib.contextmanager
    def scope(self, *, final: bool = False) -> Iterator[CacheScope]:
        """Stage what is read inside; store it on a clean exit, drop it on an error.

        Parameters
        ----------
        final : bool
            Store on a clean exit even when nested in another scope (the code
            inside validated its responses completely).

        Yields
        ------
        CacheScope
            Call ``drop()`` on it to store nothing even on a clean exit.
        """
        stack = self._stack()
        current = CacheScope(final)
        stack.append(current)
        try:
            yield current
        except BaseException:
            stack.pop()
            self._reject(current.keys)
            raise
        stack.pop()
        if not current.keep:
            self._reject(current.keys)
        elif stack and not current.final:
            for key in current.keys:
                stack[-1].add(key)
        else:
            self._commit(current.keys)

    def _touch(self, key: str) -> bool:
        stack = self._stack()
        if not stack:
            return False
        stack[-1].add(key)
        return True

    def _commit(self, keys: list[str]) -> None:
        for key in keys:
            with self._lock:
                staged = self._staged.pop(key, None)
            if staged is not None:
                self._store(staged)

    def _reject(self, keys: list[str]) -> None:
        for key in keys:
            with self._lock:
                staged = self._staged.pop(key, None)
            if staged is None:  # a stored response its reader could not use
                for entry in self.inner.get_entries(key):
                    self.inner.remove_entry(entry.id)

    def _store(self, staged: _Staged) -> None:
        if staged.ttl is not None and staged.ttl <= 0:
            return
        for old in self.inner.get_entries(staged.key):
            self.inner.remove_entry(old.id)
        entry = self.inner.create_entry(
            staged.request, staged.entry().response, staged.key, ttl=staged.ttl, tti=staged.tti
        )
        stream = entry.response.stream
        if isinstance(stream, Iterator):
            for _ in stream:  # saving happens as the stream is read
                pass

    # -- hishel's storage interface ----------------------------------------------------------
    def create_entry(
        self,
        request: Request,
        response: Response,
        key: str,
        *,
        ttl: float | None = None,
        tti: float | None = None,
    ) -> Entry:
        """Stage ``response`` for ``key`` once its body has been read (see :meth:`scope`)."""
        body = response.stream if isinstance(response.stream, Iterator) else iter(())
        entry = Entry(uuid.uuid4(), request, response)
        if not self._touch(key):
            return entry  # outside a scope: pass through, store nothing
        headers = Headers({k: response.headers.get_list(k) or [] for k in response.headers})
        headers[STORED_AT_HEADER] = repr(float(self._clock()))
        staged = _Staged(
            key,
            redact_request(request),
            replace(response, headers=headers, stream=None),
            [],
            ttl,
            tti,
        )
        return replace(entry, response=replace(response, stream=self._stage(staged, body)))

    def _stage(self, staged: _Staged, body: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in body:
            staged.body.append(chunk)
            yield chunk
        with self._lock:  # only a complete body is staged
            self._staged[staged.key] = staged

    def get_entries(self, key: str) -> list[Entry]:
        """Return the staged response for ``key``, else the stored ones."""
        self._touch(key)
        with self._lock:
            staged = self._staged.get(key)
        if staged is not None:
            return [staged.entry()]
        return self.inner.get_entries(key)

    def update_headers(self, id: uuid.UUID, headers: Headers) -> None:
        """Replace the stored headers of an entry (hishel's RFC mode only)."""
        self.inner.update_headers(id, headers)

    def remove_entry(self, id: uuid.UUID) -> None:
        """Remove a stored entry."""
        self.inner.remove_entry(id)

    def close(self) -> None:
        """Close the SQLite connection."""
        self.inner.close()


def cache_scope(
    client: httpx.Client, *, final: bool = False
) -> contextlib.AbstractContextManager[CacheScope]:
    """Open a validation scope on ``client``'s cache (a no-op for a client without one).

    Parameters
    ----------
    client : httpx.Client
        Usually from :func:`~capsize.data.providers._http.make_client`.
    final : bool
        See :meth:`ValidatedStorage.scope`.

    Returns
    -------
    context manager of CacheScope
        Responses read inside are stored when it exits cleanly, dropped (and
        removed from the cache when they came from it) when it raises or its
        scope was ``drop()``-ed.
    """
    storage = getattr(client, "http_cache", None)
    if isinstance(storage, ValidatedStorage):
        return storage.scope(final=final)
    return contextlib.nullcontext(CacheScope(final))
