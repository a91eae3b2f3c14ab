"""The fast path: a response sent before, sent again from memory without routing.

A cached answer still paid FastAPI's routing, parameter validation, a worker thread for
a page and the page template: milliseconds of CPU per request, which 20 clients on two
cores turn into a queue. Responses that depend only on the request line (an API answer;
a page for a visitor who is not signed in, keyed by its CSRF cookie too) are kept here,
keyed by (method, path, query string, cookie, day), and stamped with the store snapshot
generation they were computed from: a newer snapshot makes them stale, so nothing is
sent from an older snapshot than the app would answer from. ``If-None-Match`` is
answered 304 here too.

Static assets (the stylesheet, the scripts, uPlot) are read into memory once at start and
sent from here as well (:class:`Assets`): Starlette's ``StaticFiles`` stats and reads the
file in a worker thread for every request, about 1.5 ms of CPU, ten times a cached answer.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from capsize.web._answers import LRU

__all__ = [
    "Assets",
    "FastPathMiddleware",
    "ResponseCache",
    "Stored",
    "accepts_gzip",
    "request_key",
]


@dataclass(frozen=True)
class Stored:
    """A response kept for the fast path (``generation``: the snapshot it came from)."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    etag: bytes
    generation: int
    user_data: bool


class ResponseCache:
    """Responses by request key, valid while their snapshot generation is current.

    Parameters
    ----------
    generations : callable
        Returns (generation, data generation) of the current snapshot. A response of a
        market-data answer stays valid while the data generation is unchanged; one that
        shows user data (watchlists) while the generation is.
    entries : int
        Responses kept (least recently used dropped first).
    """

    def __init__(self, generations: Callable[[], tuple[int, int]], entries: int = 1024) -> None:
        self._generations = generations
        self._lru = LRU(entries)

    def put(
        self,
        key: Hashable,
        body: bytes,
        headers: Mapping[str, str],
        *,
        generation: tuple[int, int],
        user_data: bool,
        media_type: str,
    ) -> None:
        """Keep a 200 response computed at ``generation`` (as read before computing it)."""
        raw = tuple((k.lower().encode(), v.encode()) for k, v in headers.items())
        raw += ((b"content-type", media_type.encode()),)
        etag = headers.get("ETag", "").encode()
        gen = generation[0] if user_data else generation[1]
        self._lru.put(key, Stored(200, raw, body, etag, gen, user_data))

    def get(self, key: Hashable) -> Stored | None:
        """Return the response for ``key`` when it is still current, else None."""
        found: Stored | None = self._lru.get(key)
        if found is None:
            return None
        generation, data_generation = self._generations()
        current = generation if found.user_data else data_generation
        return found if found.generation == current else None


class Assets:
    """Static files held in memory, by URL path (read once; they do not change while serving).

    Parameters
    ----------
    folders : mapping of str to Path
        URL prefix (``/static/``) -> folder; every file under the folder is served at the
        prefix plus its relative path. A longer prefix wins where folders overlap.
    max_age : int
        ``Cache-Control: max-age`` of the files, seconds (browsers revalidate with the ETag).
    """

    def __init__(self, folders: Mapping[str, Path], max_age: int = 3600) -> None:
        self.files: dict[str, Stored] = {}
        for prefix, folder in sorted(folders.items(), key=lambda kv: len(kv[0])):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    url = prefix + path.relative_to(folder).as_posix()
                    self.files[url] = _asset(path, max_age)

    def get(self, path: str) -> Stored | None:
        """Return the file at URL ``path``, or None."""
        return self.files.get(path)


def _asset(path: Path, max_age: int) -> Stored:
    body = path.read_bytes()
    etag = ('"' + hashlib.sha256(body).hexdigest()[:32] + '"').encode()
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind.endswith("javascript"):
        kind += "; charset=utf-8"
    headers = (
        (b"content-type", kind.encode()),
        (b"cache-control", f"public, max-age={max_age}".encode()),
        (b"etag", etag),
    )
    return Stored(200, headers, body, etag, 0, False)


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return b""


def _cookie(header: bytes, name: str) -> str:
    for part in header.decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


def accepts_gzip(header: str) -> str:
    """Return ``"gzip"`` when an ``Accept-Encoding`` header takes gzip, else ``""``."""
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() == "gzip":
            q = params.strip().removeprefix("q=")
            return "" if q.startswith("0") and q.strip("0.") == "" else "gzip"
    return ""


def request_key(
    path: str, query: bytes, cookies: tuple[str, ...] = (), *, today: date | None = None
) -> tuple[Hashable, ...]:
    """Key of a GET request: path, raw query string, the cookies named, today's date.

    A page's ``cookies`` end with its encoding (:func:`accepts_gzip`). The date is part of it because ``Cache-Control`` depends on whether ``as_of`` is past.
    """
    return (path, query, cookies, (today or date.today()).isoformat())


class FastPathMiddleware:
    """ASGI middleware sending kept responses (see the module docstring).

    Parameters
    ----------
    app : ASGI app
        The wrapped app (it fills the cache when it answers).
    cache : ResponseCache
        Where kept responses are.
    page_cookies : tuple of str
        Cookies a page depends on (CSRF); a request with ``auth`` set (signed in) is
        never answered here.
    auth_cookie : str
        The sign-in cookie.
    today : callable
        The server's today (part of the key).
    assets : Assets, optional
        Static files sent from memory.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: ResponseCache,
        page_cookies: tuple[str, ...],
        auth_cookie: str,
        today: Callable[[], date],
        assets: Assets | None = None,
    ) -> None:
        self.app = app
        self.cache = cache
        self.page_cookies = page_cookies
        self.auth_cookie = auth_cookie
        self.today = today
        self.assets = assets

    def _lookup(self, scope: Scope) -> Stored | None:
        path: str = scope["path"]
        query: bytes = scope.get("query_string", b"")
        if path.startswith("/api/"):
            return self.cache.get(request_key(path, query, today=self.today()))
        if path.startswith("/static/"):
            return self.assets.get(path) if self.assets is not None else None
        header = _header(scope, b"cookie")
        if _cookie(header, self.auth_cookie):
            return None
        cookies = tuple(_cookie(header, name) for name in self.page_cookies)
        if not all(cookies):
            return None
        encoding = accepts_gzip(_header(scope, b"accept-encoding").decode("latin-1"))
        key = request_key(path, query, (*cookies, encoding), today=self.today())
        return self.cache.get(key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = None
        if scope["type"] == "http" and scope["method"] == "GET":
            found = self._lookup(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        if found.etag and _header(scope, b"if-none-match") == found.etag:
            headers = [h for h in found.headers if h[0] != b"content-type"]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [*found.headers, (b"content-length", str(len(found.body)).encode())]
        await send({"type": "http.response.start", "status": found.status, "headers": headers})
        await send({"type": "http.response.body", "body": found.body})
