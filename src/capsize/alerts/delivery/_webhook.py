"""Webhook delivery (httpx): a signed JSON POST with an idempotency key, retried with back-off."""

from __future__ import annotations

import hashlib
import hmac

import httpx

from capsize import __version__
from capsize.alerts.delivery._message import AlertMessage, payload_bytes
from capsize.alerts.delivery._outcome import (
    Outcome,
    Permanent,
    RetryPolicy,
    Transient,
    with_retries,
)
from capsize.config import WebhookSettings

__all__ = ["SIGNATURE_HEADER", "headers_for", "post_webhook", "sign", "verify"]

SIGNATURE_HEADER = "X-Capsize-Signature"
"""Header holding ``sha256=<hex HMAC-SHA256 of the body with the shared secret>``."""

_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def sign(body: bytes, secret: str) -> str:
    """Return the signature header's value for ``body``: ``sha256=<hex digest>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """Return True when ``header`` is the signature of ``body`` (constant-time compare).

    What a receiver runs on every request before trusting it.
    """
    return header is not None and hmac.compare_digest(sign(body, secret), header)


def headers_for(message: AlertMessage, body: bytes, secret: str) -> dict[str, str]:
    """Return the request headers of one alert's webhook."""
    out = {
        "Content-Type": "application/json",
        "User-Agent": f"capsize/{__version__} (alerts)",
        SIGNATURE_HEADER: sign(body, secret),
        "Idempotency-Key": message.event_id,
        "X-Capsize-Event-Id": message.event_id,
    }
    if message.redelivery:
        out["X-Capsize-Redelivery"] = "true"
    return out


def post_webhook(
    message: AlertMessage,
    url: str,
    hook: WebhookSettings,
    *,
    secret: str | None,
    base_url: str,
    policy: RetryPolicy,
    client: httpx.Client | None = None,
) -> Outcome:
    """POST ``message`` as signed JSON to ``url``, retrying transient failures.

    Parameters
    ----------
    message : AlertMessage
        The alert; its id is the ``Idempotency-Key`` (a receiver must drop a key it has
        already processed: a sender that died after sending, before recording it,
        sends again with the same key).
    url : str
        The receiver (http or https).
    hook : WebhookSettings
        Timeout, seconds.
    secret : str or None
        The HMAC secret (read by the caller from ``hook.secret_env``); required.
    base_url : str
        The dashboard's address, for the alert's link.
    policy : RetryPolicy
        Tries and back-off (seconds).
    client : httpx.Client, optional
        The client to use (tests pass one with a mock transport); default a new one.

    Returns
    -------
    Outcome
        ``ok`` on a 2xx answer. Timeouts, connection errors, 408/425/429 and 5xx are
        retried; other answers (4xx, redirects) are permanent.
    """
    if not secret:
        return Outcome(
            False,
            0,
            f"no webhook secret: set [alerts.webhook] secret_env and export that variable "
            f"({hook.secret_env or 'not named'}), then 'capsize alerts dead-letter --retry'",
            permanent=True,
        )
    if not url.startswith(("http://", "https://")):
        return Outcome(False, 0, f"webhook {url!r} is not an http(s) URL", permanent=True)
    body = payload_bytes(message, base_url)
    headers = headers_for(message, body, secret)
    own = client is None
    http = client or httpx.Client(timeout=hook.timeout, follow_redirects=False)

    def attempt() -> None:
        try:
            response = http.post(url, content=body, headers=headers, timeout=hook.timeout)
        except httpx.TransportError as exc:
            raise Transient(f"webhook {type(exc).__name__}: {exc}") from exc
        if response.is_success:
            return
        text = f"webhook answered HTTP {response.status_code}"
        if response.status_code in _RETRY_STATUS:
            raise Transient(text)
        raise Permanent(f"{text}; fix the receiver, then 'capsize alerts dead-letter --retry'")

    try:
        return with_retries(attempt, policy)
    finally:
        if own:
            http.close()
