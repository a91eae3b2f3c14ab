"""What one delivery came to, and the retry loop every channel shares (tenacity)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

__all__ = ["Outcome", "Permanent", "RetryPolicy", "Transient", "with_retries"]


@dataclass(frozen=True)
class Outcome:
    """The result of delivering one alert on one channel.

    Attributes
    ----------
    ok : bool
        The receiver accepted it.
    attempts : int
        Tries made (1 when the first try succeeded).
    error : str
        One line: why the last try failed ("" when ``ok``).
    permanent : bool
        The failure will not go away by trying again (bad address, refused, bad
        settings): the delivery goes to the dead-letter record at once.
    """

    ok: bool
    attempts: int
    error: str = ""
    permanent: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a channel tries.

    Attributes
    ----------
    attempts : int
        Tries in all (1: no retry).
    backoff : float
        Seconds before the second try; doubled after each try.
    max_backoff : float
        Longest wait between tries, seconds.
    sleep : callable
        Waits that many seconds (tests may pass a recorder).
    """

    attempts: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    sleep: Callable[[float], None] = time.sleep


class Transient(Exception):
    """A failure worth another try (timeout, refused connection, 5xx, 4xx of SMTP)."""


class Permanent(Exception):
    """A failure no retry can fix (refused recipient, 4xx of a webhook, bad settings)."""


def with_retries(send: Callable[[], None], policy: RetryPolicy) -> Outcome:
    """Call ``send`` until it returns, retrying on :class:`Transient` with back-off.

    ``send`` raises :class:`Transient` for a failure worth retrying and
    :class:`Permanent` (any other exception carrying a message) for one that is not.
    """
    tries = 0

    def counted() -> None:
        nonlocal tries
        tries += 1
        send()

    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait_exponential(
            multiplier=policy.backoff, min=policy.backoff, max=policy.max_backoff
        ),
        retry=retry_if_exception_type(Transient),
        sleep=policy.sleep,
        reraise=False,
    )
    try:
        retrying(counted)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        return Outcome(False, tries, _line(last))
    except Permanent as exc:
        return Outcome(False, tries, _line(exc), permanent=True)
    return Outcome(True, tries)


def _line(exc: BaseException | None) -> str:
    text = " ".join(str(exc).split()) if exc is not None else "unknown error"
    return text[:500]
