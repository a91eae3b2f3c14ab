"""One overall deadline per request: connect, every read and every retry share one clock.

httpx's timeouts bound each socket operation alone: a server that trickles a
byte every half second never trips a 2 s read timeout and can hold a request
for as long as it likes. Here a :class:`Deadline` (a point on the monotonic
clock) is made current for the whole exchange (:func:`deadline_scope`), and
the sending transport (:class:`DeadlineHTTPTransport`, httpx's default
transport rebuilt on httpcore's public API with a network backend that knows
the deadline) caps every connect, read and write at the time left. When none
is left the next operation raises at once, so a call ends within its deadline
plus the duration of one scheduling slice, however the server paces its bytes.

The retry loop (:class:`~capsize.data.providers._http.NetworkTransport`) reads
the same deadline: it does not sleep past it and raises :class:`DeadlineExceeded`
once it has passed.

Not bounded: the DNS lookup inside connect (the resolver has no timeout
argument) and a rate-limiter wait already started.
"""

from __future__ import annotations

import contextlib
import contextvars
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

__all__ = [
    "Deadline",
    "DeadlineExceeded",
    "DeadlineHTTPTransport",
    "current_deadline",
    "deadline_passed",
    "deadline_scope",
]

_SLACK = 0.05
"""A timeout this close to the deadline (seconds) counts as the deadline passing."""

_CURRENT: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "capsize_http_deadline", default=None
)


@dataclass(frozen=True)
class Deadline:
    """A point on a monotonic clock by which one request must be complete.

    Attributes
    ----------
    seconds : float
        The budget it was built with, seconds (for messages).
    at : float
        Its end on ``monotonic``'s clock, seconds.
    monotonic : callable
        The clock (``time.monotonic``; tests inject a fake one).

    Examples
    --------
    >>> d = Deadline.after(2.0, monotonic=lambda: 10.0)
    >>> d.at, d.remaining(), d.expired()
    (12.0, 2.0, False)
    """

    seconds: float
    at: float
    monotonic: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, seconds: float, *, monotonic: Callable[[], float] = time.monotonic) -> Deadline:
        """Return the deadline ``seconds`` from now."""
        return cls(float(seconds), monotonic() + float(seconds), monotonic)

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - self.monotonic()

    def expired(self, slack: float = 0.0) -> bool:
        """Return True once no more than ``slack`` seconds are left."""
        return self.remaining() <= slack


class DeadlineExceeded(httpx.TimeoutException):
    """The overall deadline of a request passed (a subclass of httpx's timeouts).

    Parameters
    ----------
    deadline : Deadline
        The deadline that passed.
    """

    def __init__(self, deadline: Deadline) -> None:
        super().__init__(f"no complete answer within the {deadline.seconds:g} s deadline")
        self.deadline = deadline


def deadline_passed(deadline: Deadline) -> bool:
    """Return True when a timeout raised now is the deadline passing (a few ms of slack)."""
    return deadline.expired(_SLACK)


def current_deadline() -> Deadline | None:
    """Return the deadline of the request being sent in this context, if any."""
    return _CURRENT.get()


@contextlib.contextmanager
def deadline_scope(deadline: Deadline) -> Iterator[Deadline]:
    """Make ``deadline`` current inside (an earlier current one on the same clock wins).

    Parameters
    ----------
    deadline : Deadline
        The request's deadline.

    Yields
    ------
    Deadline
        The deadline in force (the earlier of ``deadline`` and the current one).
    """
    outer = _CURRENT.get()
    earlier = (
        outer is not None and outer.monotonic is deadline.monotonic and outer.at <= deadline.at
    )
    active = outer if earlier and outer is not None else deadline
    token = _CURRENT.set(active)
    try:
        yield active
    finally:
        _CURRENT.reset(token)


def _cap(timeout: float | None, kind: type[Exception]) -> float | None:
    deadline = _CURRENT.get()
    if deadline is None:
        return timeout
    left = deadline.remaining()
    if left <= 0.0:
        raise kind(f"the {deadline.seconds:g} s deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A socket stream whose reads and writes never outlast the current deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _cap(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _cap(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        capped = _cap(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.start_tls(ssl_context, server_hostname, capped))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's socket backend with every connect and stream capped by the deadline."""

    def __init__(self) -> None:
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        capped = _cap(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.connect_tcp(host, port, capped, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        capped = _cap(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.connect_unix_socket(path, capped, socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


# httpcore's errors and the httpx errors they become (most specific first)
_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        mapped = next((to for fr, to in _ERRORS if isinstance(exc, fr)), None)
        if mapped is None:
            raise
        raise mapped(str(exc)) from exc


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self.inner = inner

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self.inner

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


class DeadlineHTTPTransport(httpx.BaseTransport):
    """httpx's default HTTP/1.1 transport, on a socket backend that honours the deadline.

    Every connect, TLS handshake, read and write of a request sent while a
    :func:`deadline_scope` is open is cut to the time left; without a scope it
    behaves like ``httpx.HTTPTransport()`` (certificate checks on, no proxy).

    Parameters
    ----------
    verify : bool or ssl.SSLContext
        Certificate verification, as for httpx.
    """

    def __init__(self, verify: bool | ssl.SSLContext = True) -> None:
        context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify)
        self.pool = httpcore.ConnectionPool(ssl_context=context, network_backend=_Backend())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the pool; map httpcore's errors to httpx's."""
        url = request.url
        req = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,  # type: ignore[arg-type]
            extensions=request.extensions,
        )
        with _httpx_errors():
            resp = self.pool.handle_request(req)
        stream = resp.stream
        if not isinstance(stream, Iterable):  # pragma: no cover - httpcore's sync pool
            raise TypeError("httpcore returned a non-iterable response stream")
        return httpx.Response(
            status_code=resp.status,
            headers=resp.headers,
            stream=_ResponseStream(stream),
            extensions=resp.extensions,
        )

    def close(self) -> None:
        """Close every pooled connection."""
        self.pool.close()
