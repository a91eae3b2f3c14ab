"""Security pieces of the web app: sign-in cookie, CSRF, rate limits, request limits, headers.

- **Writes need a token.** The API takes ``Authorization: Bearer <token>`` and nothing
  else (no cookies), so a cross-site page cannot write through it. The pages take the
  token once in a sign-in form and keep a signed, HttpOnly, SameSite=Strict cookie.
- **CSRF.** Every form carries a hidden field bound (HMAC) to a random per-browser cookie;
  a post without both, with a mismatch, or from another Origin is refused (403).
- **Rate limits.** A token bucket per client address, charged only when an answer must be
  computed (a cached answer costs nothing); an empty bucket answers 429 with Retry-After.
- **Request limits.** Bodies over ``max_body`` bytes (413) and query strings over
  ``max_query`` bytes (414) are refused before any handler runs.
- **Headers.** A strict Content-Security-Policy (scripts only from this server), no
  framing, no sniffing. CORS is off: no ``Access-Control-*`` header is ever sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AUTH_COOKIE",
    "CSRF_COOKIE",
    "SECURITY_HEADERS",
    "LimitsMiddleware",
    "RateLimiter",
    "Signer",
]

AUTH_COOKIE = "capsize_auth"
CSRF_COOKIE = "capsize_csrf"

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        b"form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
"""Sent with every response (uPlot sets inline styles, never inline scripts)."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Signer:
    """HMAC signatures with a per-process secret (a restart signs everyone out).

    Parameters
    ----------
    secret : bytes
        Key; random by default.
    """

    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def sign(self, text: str) -> str:
        """Return ``text.signature``."""
        return f"{text}.{self._mac(text)}"

    def unsign(self, signed: str) -> str | None:
        """Return the text of a valid signed value, else None."""
        text, _, mac = signed.rpartition(".")
        if not text or not hmac.compare_digest(mac, self._mac(text)):
            return None
        return text

    def _mac(self, text: str) -> str:
        return hmac.new(self.secret, text.encode("utf-8"), hashlib.sha256).hexdigest()[:40]

    # ------------------------------------------------------------------ sign-in
    def auth_cookie(self, token_id: str, ttl: float, now: float) -> str:
        """Cookie value naming the token used to sign in, valid ``ttl`` seconds."""
        return self.sign(f"{token_id}:{int(now + ttl)}")

    def auth_token_id(self, cookie: str | None, now: float) -> str | None:
        """Return the token id of a valid, unexpired sign-in cookie, else None."""
        text = self.unsign(cookie or "")
        if text is None:
            return None
        token_id, _, expiry = text.partition(":")
        return token_id if expiry.isdigit() and int(expiry) > now else None

    # ------------------------------------------------------------------ CSRF
    def csrf_field(self, cookie: str) -> str:
        """Return the hidden form value that goes with the browser's CSRF cookie."""
        return self._mac(f"csrf:{cookie}")

    def csrf_ok(self, cookie: str | None, value: str | None) -> bool:
        """Return True when the form value matches the cookie."""
        if not cookie or not value:
            return False
        return hmac.compare_digest(self.csrf_field(cookie), value)


@dataclass
class RateLimiter:
    """A token bucket per client: ``burst`` requests at once, refilled at ``rate`` per second.

    Parameters
    ----------
    rate : float
        Requests per second regained.
    burst : float
        Bucket size.
    clock : callable
        Monotonic seconds (injected in tests).
    max_clients : int
        Buckets kept (least recently seen dropped first).
    """

    rate: float = 2.0
    burst: float = 30.0
    clock: Callable[[], float] = time.monotonic
    max_clients: int = 10_000
    _buckets: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self, client: str) -> float:
        """Spend one request of ``client``; return 0 when allowed, else seconds to wait."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[client] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


class _TooLarge(Exception):
    pass


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class LimitsMiddleware:
    """ASGI middleware: request size limits and security headers on every response.

    Parameters
    ----------
    app : ASGI app
        The wrapped app.
    max_body : int
        Largest request body, bytes.
    max_query : int
        Longest query string, bytes.
    """

    def __init__(self, app: ASGIApp, *, max_body: int = 65_536, max_query: int = 4_096) -> None:
        self.app = app
        self.max_body = max_body
        self.max_query = max_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self._refuse(scope)
        if refused is not None:
            await _send_error(send, *refused)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _TooLarge:
            if not started:
                await _send_error(send, 413, "too_large", self._body_message())

    def _body_message(self) -> str:
        return f"request body over {self.max_body} bytes; send less"

    def _refuse(self, scope: Scope) -> tuple[int, str, str] | None:
        if len(scope.get("query_string", b"")) > self.max_query:
            return 414, "uri_too_long", f"query string over {self.max_query} bytes; ask for less"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                if not value.isdigit():
                    return 400, "invalid_input", "Content-Length is not a number"
                if int(value) > self.max_body:
                    return 413, "too_large", self._body_message()
        return None


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = _error_body(code, message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *SECURITY_HEADERS,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
