"""Delivery of alerts: email over SMTP and signed webhooks, as pure I/O functions.

Each channel takes an :class:`AlertMessage` and its settings and returns an
:class:`Outcome` (delivered, tries, last error, whether retrying can help). Nothing here
reads or writes the store: the outbox (``capsize.data.alert_outbox``) and the query
``capsize.queries.alert_delivery.deliver_pending`` record what happened.
"""

from __future__ import annotations

from capsize.alerts.delivery._email import build_email, message_id, send_email
from capsize.alerts.delivery._message import (
    PAYLOAD_SCHEMA,
    AlertMessage,
    evidence_lines,
    payload,
    payload_bytes,
)
from capsize.alerts.delivery._outcome import Outcome, RetryPolicy
from capsize.alerts.delivery._webhook import SIGNATURE_HEADER, post_webhook, sign, verify

__all__ = [
    "PAYLOAD_SCHEMA",
    "SIGNATURE_HEADER",
    "AlertMessage",
    "Outcome",
    "RetryPolicy",
    "build_email",
    "evidence_lines",
    "message_id",
    "payload",
    "payload_bytes",
    "post_webhook",
    "send_email",
    "sign",
    "verify",
]
