"""Request pacing: one rate limiter per host (or per family of hosts such as ``sec.gov``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from capsize.errors import InputError

__all__ = ["HOST_RATE_LIMITS", "HostLimiter", "RateLimiter"]

HOST_RATE_LIMITS: Mapping[str, float] = {"sec.gov": 10.0}
"""Maximum requests per second by host suffix.

``sec.gov`` covers ``www.sec.gov`` and ``data.sec.gov`` together: the SEC's fair-access
rule is 10 requests per second per user across its hosts.
"""


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

    Examples
    --------
    >>> RateLimiter(10.0).interval
    0.1
    """

    def __init__(
        self,
        per_second: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not per_second > 0:
            raise InputError(f"rate {per_second!r} must be a positive number of requests/second")
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


def _matches(host: str, suffix: str) -> bool:
    return host == suffix or host.endswith("." + suffix)


class HostLimiter:
    """Pick the rate limiter of a request's host.

    Parameters
    ----------
    rules : Mapping[str, float or RateLimiter], optional
        Host suffix -> rate (requests/second) or a ready limiter; defaults to
        :data:`HOST_RATE_LIMITS`. Hosts under one suffix share one limiter.
    default : float, optional
        Rate applied to every other host, one limiter per host; None = no limit.
    monotonic, sleep : callable, optional
        Clock and sleep used by the limiters built here (injected in tests).

    Examples
    --------
    >>> limits = HostLimiter()
    >>> limits.limiter("data.sec.gov") is limits.limiter("www.sec.gov")
    True
    >>> limits.limiter("fred.stlouisfed.org") is None
    True
    """

    def __init__(
        self,
        rules: Mapping[str, float | RateLimiter] | None = None,
        *,
        default: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        table = HOST_RATE_LIMITS if rules is None else rules
        self._monotonic = monotonic
        self._sleep = sleep
        self._rules = {
            suffix: rule if isinstance(rule, RateLimiter) else self._make(rule)
            for suffix, rule in table.items()
        }
        self._default = default
        self._per_host: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def _make(self, rate: float) -> RateLimiter:
        return RateLimiter(rate, monotonic=self._monotonic, sleep=self._sleep)

    def limiter(self, host: str) -> RateLimiter | None:
        """Return the limiter for ``host`` (None when its requests are not paced)."""
        host = host.lower()
        for suffix, limiter in self._rules.items():
            if _matches(host, suffix):
                return limiter
        if self._default is None:
            return None
        with self._lock:
            if host not in self._per_host:
                self._per_host[host] = self._make(self._default)
            return self._per_host[host]

    def wait(self, host: str) -> float:
        """Block until a request to ``host`` may go; return the seconds slept."""
        limiter = self.limiter(host)
        return 0.0 if limiter is None else limiter.wait()
