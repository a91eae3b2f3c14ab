"""An alert as the delivery channels send it: its JSON body and its plain-text form.

:class:`AlertMessage` mirrors one row of the store's ``alert_events`` table; the channels
never read the store themselves (the query layer hands them the message).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from capsize._format import NA, fmt_large, fmt_num, fmt_pct

__all__ = ["PAYLOAD_SCHEMA", "AlertMessage", "evidence_lines", "payload", "payload_bytes"]

PAYLOAD_SCHEMA = "capsize.alert/1"
"""Version tag of the webhook body; bumped on any incompatible change."""


@dataclass(frozen=True)
class AlertMessage:
    """One alert to deliver.

    Attributes
    ----------
    event_id : str
        The event's key in the store; the webhook's ``Idempotency-Key`` and the email's
        ``Message-ID`` are built from it, so a receiver can drop a repeated delivery.
    rule_id : str
        The rule that fired.
    rule_name : str
        Its name.
    kind : str
        The rule's kind (``price_cross``, ``new_high``, ...).
    day : date
        The market day the rule fired on.
    subject : str
        One line (email subject).
    message : str
        What happened, in words.
    evidence : mapping or sequence
        The figures that triggered it with their provenance (``Figure.to_dict()`` form,
        keyed by figure id, or a list of such dicts with an ``id``).
    link : str
        The page that explains it (absolute, or relative to the dashboard's address).
    created_at : datetime
        When the event was recorded (UTC, naive).
    redelivery : bool
        A send of it may already have happened (the sender died before recording it).
    """

    event_id: str
    rule_id: str
    rule_name: str
    kind: str
    day: date
    subject: str
    message: str
    evidence: Mapping[str, Any] | Sequence[Any] = field(default_factory=dict)
    link: str = ""
    created_at: datetime | None = None
    redelivery: bool = False

    def absolute_link(self, base_url: str) -> str:
        """Return :attr:`link` made absolute against ``base_url`` (the dashboard)."""
        if self.link.startswith(("http://", "https://")) or not self.link:
            return self.link
        return base_url.rstrip("/") + "/" + self.link.lstrip("/")


def _items(evidence: Mapping[str, Any] | Sequence[Any]) -> list[tuple[str, Any]]:
    if isinstance(evidence, Mapping):
        return [(str(k), v) for k, v in evidence.items()]
    return [
        (str(v.get("id", i)) if isinstance(v, Mapping) else str(i), v)
        for i, v in enumerate(evidence)
    ]


def _value(fig: Mapping[str, Any]) -> str:
    value, unit = fig.get("value"), fig.get("unit")
    if value is None:
        note = str(fig.get("note") or "")
        return note if unit == "text" and note else f"{NA} ({note})" if note else NA
    if unit == "fraction":
        return fmt_pct(float(value), 2)
    if unit == "usd":
        return "$" + fmt_large(float(value))
    if unit in ("count", "days", "sessions"):
        return fmt_num(float(value), 0)
    return fmt_num(float(value), 2)


def _provenance(fig: Mapping[str, Any]) -> str:
    prov = fig.get("provenance")
    if not isinstance(prov, Mapping):
        return "provenance not given"
    parts = [str(prov.get("source") or "")]
    symbols = prov.get("symbols")
    if symbols:
        parts.append(", ".join(map(str, symbols)) if isinstance(symbols, list) else str(symbols))
    for key in ("window", "as_of", "formula"):
        if prov.get(key):
            parts.append(f"{key} {prov[key]}")
    return "; ".join(p for p in parts if p)


def evidence_lines(message: AlertMessage) -> list[str]:
    """One line per evidence figure: ``label: value (source; symbols; window ...)``."""
    lines = []
    for fid, fig in _items(message.evidence):
        if isinstance(fig, Mapping):
            label = str(fig.get("label") or fid)
            lines.append(f"{label}: {_value(fig)} ({_provenance(fig)})")
        else:
            lines.append(f"{fid}: {fig}")
    return lines


def payload(message: AlertMessage, base_url: str) -> dict[str, Any]:
    """Return the webhook's JSON body (schema :data:`PAYLOAD_SCHEMA`).

    The same bytes for every send of one event (a redelivery says so in a header only),
    so a receiver that checks a repeated ``Idempotency-Key`` against its body accepts it.
    """
    return {
        "schema": PAYLOAD_SCHEMA,
        "event_id": message.event_id,
        "rule_id": message.rule_id,
        "rule_name": message.rule_name,
        "kind": message.kind,
        "day": message.day.isoformat(),
        "subject": message.subject,
        "message": message.message,
        "evidence": message.evidence,
        "link": message.absolute_link(base_url),
        "created_at": message.created_at.isoformat() if message.created_at else None,
    }


def payload_bytes(message: AlertMessage, base_url: str) -> bytes:
    """Return the body exactly as sent and signed: compact JSON, keys sorted, UTF-8."""
    text = json.dumps(
        payload(message, base_url), sort_keys=True, separators=(",", ":"), default=str
    )
    return text.encode("utf-8")
