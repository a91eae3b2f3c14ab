"""Alert delivery: send the outbox (email, webhooks), list notifications and dead letters.

Exactly once, as a sequence of commits on the store (one writing process at a time):

1. the evaluation records its events (deterministic ids: a rule, a day, a subject) in
   ``alert_events``; :func:`deliver_pending` then creates the missing ``pending`` rows of
   ``alert_deliveries`` for every event x channel (idempotent);
2. each delivery is claimed (``in_flight`` committed), sent (with its retries and
   back-off), then settled (``sent``, or ``dead`` after the last failed try) in its own
   commit;
3. a second ``capsize alerts run`` cannot open the store while the first holds it for
   writing (DuckDB's file lock): it waits (``--wait``) or stops with a one-line message,
   and then finds every row ``sent``; nothing is sent twice;
4. a process killed after the evaluation committed and before delivery leaves ``pending``
   rows (or events without rows): the next run creates and sends them; nothing is lost;
5. a process killed after a send and before its settle leaves the row ``pending`` and
   ``in_flight``: the next run sends it again with the same ``Idempotency-Key`` (the
   event id; header ``X-Capsize-Redelivery: true``) or the same email ``Message-ID``. A
   receiver must drop a key it has already processed; that is what turns this
   at-least-once transport into exactly-once delivery.

Delivery reads secrets from the environment variables the settings name
(``[alerts.smtp] password_env``, ``[alerts.webhook] secret_env``), never from the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pandas as pd

from capsize.alerts.delivery import (
    AlertMessage,
    Outcome,
    RetryPolicy,
    evidence_lines,
    post_webhook,
    send_email,
)
from capsize.config import AlertSettings, Settings, load_settings
from capsize.data import alert_outbox as outbox
from capsize.errors import DataNotFound, StoreError
from capsize.queries.result import FigureSet, QueryResult, TableData
from capsize.queries.session import Session, session_for

if TYPE_CHECKING:
    import httpx

    from capsize.data.alerts import EventRow
    from capsize.data.store import Store

__all__ = [
    "alert_dead_letters",
    "alert_link",
    "alert_notifications",
    "channel_label",
    "deliver_pending",
    "retry_dead_letters",
    "send_alert",
    "utcnow",
]

_SOURCE = "store alert_events and alert_deliveries (alert log and outbox)"
_NOTE = (
    "A delivery found in flight was being sent when its sender stopped: it is sent again "
    "with the same Idempotency-Key (webhooks) or Message-ID (email), which receivers use "
    "to drop the repeat."
)


def utcnow() -> datetime:
    """Return the current UTC time, naive."""
    return datetime.now(UTC).replace(tzinfo=None)


def channel_label(channel: str) -> str:
    """Return ``channel`` as shown to people: a webhook's query string and login hidden."""
    kind, _, target = channel.partition(":")
    if kind != "webhook":
        return channel
    parts = urlsplit(target)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    hidden = "?…" if parts.query else ""
    return f"webhook:{parts.scheme}://{host}{port}{parts.path}{hidden}"


def _message(event: EventRow, redelivery: bool) -> AlertMessage:
    return AlertMessage(
        event_id=event.event_id,
        rule_id=event.rule_id,
        rule_name=event.rule_name,
        kind=event.kind,
        day=event.day,
        subject=event.subject,
        message=event.message,
        evidence=event.evidence,
        link=event.link,
        created_at=event.created_at,
        redelivery=redelivery,
    )


def _policy(alerts: AlertSettings) -> RetryPolicy:
    return RetryPolicy(alerts.attempts, alerts.backoff, alerts.max_backoff)


def _secret(name: str | None, env: Mapping[str, str]) -> str | None:
    return env.get(name) or None if name else None


def send_alert(
    channel: str,
    message: AlertMessage,
    alerts: AlertSettings,
    *,
    env: Mapping[str, str],
    client: httpx.Client | None = None,
) -> Outcome:
    """Deliver ``message`` on one channel (``email:ADDRESS`` or ``webhook:URL``)."""
    kind, _, target = channel.partition(":")
    policy = _policy(alerts)
    if kind == "email":
        if alerts.smtp is None:
            return Outcome(False, 0, "no [alerts.smtp] table in config.toml", permanent=True)
        password = _secret(alerts.smtp.password_env, env)
        return send_email(
            message,
            target,
            alerts.smtp,
            password=password,
            base_url=alerts.base_url,
            policy=policy,
        )
    if kind == "webhook":
        secret = _secret(alerts.webhook.secret_env, env)
        return post_webhook(
            message,
            target,
            alerts.webhook,
            secret=secret,
            base_url=alerts.base_url,
            policy=policy,
            client=client,
        )
    return Outcome(
        False, 0, f"unknown channel {channel!r}; use log, email:ADDRESS or webhook:URL", True
    )


def deliver_pending(
    store: Store,
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
    client: httpx.Client | None = None,
    env: Mapping[str, str] | None = None,
) -> QueryResult:
    """Send every pending alert delivery and record each outcome (see the module notes).

    Parameters
    ----------
    store : Store
        The store, open for writing (its lock keeps a second run out meanwhile).
    settings : Settings, optional
        ``alerts`` (SMTP, webhook, tries, back-off); default :func:`load_settings`.
    clock : callable
        Current UTC time (stamps the rows).
    client : httpx.Client, optional
        HTTP client for webhooks (default: one per delivery).
    env : mapping, optional
        Where the secrets' variables are read (default ``os.environ``).

    Notes
    -----
    The store stays held while the sends run, so their time is bounded: each delivery
    makes ``[alerts] attempts`` tries (timeout and back-off each), and once a receiver
    has failed them all in a run, its other deliveries of that run get one try each.

    Returns
    -------
    QueryResult
        Figures ``created`` (rows added), ``sent``, ``dead``, ``redelivered`` (sent
        again after a crash), ``pending`` (left); table ``deliveries`` (this run's).

    Raises
    ------
    StoreError
        When the store is open read-only.
    """
    if store.read_only:
        raise StoreError(f"store {store.path} is open read-only; delivery records outcomes")
    alerts = (settings or load_settings()).alerts
    environ = os.environ if env is None else env
    created = outbox.add_missing(store, clock())
    rows: list[tuple[str, str, str, int, str]] = []
    redelivered = 0
    down: set[str] = set()  # receivers that failed every try in this run: one try each after
    once = replace(alerts, attempts=1)
    for row, event in outbox.due(store):
        outbox.claim(store, row.event_id, row.channel, clock())
        outcome = send_alert(
            row.channel,
            _message(event, row.in_flight),
            once if row.channel in down else alerts,
            env=environ,
            client=client,
        )
        if not outcome.ok and not outcome.permanent:
            down.add(row.channel)
        status = "sent" if outcome.ok else "dead"
        outbox.settle(
            store,
            row.event_id,
            row.channel,
            status=status,
            tries=outcome.attempts,
            error=outcome.error,
            at=clock(),
        )
        redelivered += int(row.in_flight)
        rows.append(
            (row.event_id, channel_label(row.channel), status, outcome.attempts, outcome.error)
        )
    return _run_result(
        clock(), created, rows, redelivered, len(outbox.deliveries(store, "pending"))
    )


def _run_result(
    now: datetime,
    created: int,
    rows: list[tuple[str, str, str, int, str]],
    redelivered: int,
    left: int,
) -> QueryResult:
    day = pd.Timestamp(now.date())
    figs = FigureSet(day)
    counts = {
        "created": (created, "delivery rows created for new events x channels"),
        "sent": (sum(r[2] == "sent" for r in rows), "deliveries accepted by their receiver"),
        "dead": (sum(r[2] == "dead" for r in rows), "deliveries moved to the dead-letter record"),
        "redelivered": (redelivered, "deliveries sent again after an interrupted run"),
        "pending": (left, "deliveries still pending"),
    }
    for fid, (value, label) in counts.items():
        figs.add(fid, value, "count", label, source=_SOURCE, formula="rows of this run")
    table_rows = []
    for event_id, channel, status, tries, error in rows:
        fig = figs.add(
            f"tries.{event_id}.{channel}",
            tries,
            "count",
            f"tries of {event_id} on {channel}",
            source=_SOURCE,
            formula="send attempts in this run",
        )
        table_rows.append((event_id, channel, status, fig, error or ""))
    return QueryResult(
        "alert_delivery",
        day,
        None,
        figures=figs.mapping(),
        tables=(
            TableData(
                "deliveries",
                "Deliveries of this run",
                ("Event", "Channel", "Status", "Tries", "Error"),
                tuple(table_rows),
            ),
        ),
        notes=(_NOTE,),
        sources=(_SOURCE,),
    )


def _delivery_text(rows: list[outbox.Delivery]) -> str:
    parts = []
    for d in rows:
        text = f"{channel_label(d.channel)} {d.status}"
        if d.status != "sent" and d.last_error:
            text += f" ({d.last_error[:120]})"
        parts.append(text)
    return "; ".join(parts) or "log only"


def alert_notifications(
    source: Store | Session,
    as_of: object | None = None,
    *,
    limit: int = 200,
    clock: Callable[[], datetime] = utcnow,
) -> QueryResult:
    """List the alerts that fired (the store's event log), newest first, with delivery state.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Only alerts of market days on or before it.
    limit : int
        Most alerts listed.
    clock : callable
        Today (UTC) when ``as_of`` is None.

    Returns
    -------
    QueryResult
        Table ``notifications`` (Day, Rule, Kind, Subject, Message, Evidence, Link,
        Delivery, Event); figure ``count``. Evidence cells list each triggering figure
        with its provenance.
    """
    s = session_for(source, as_of)
    day = s.requested if s.requested is not None else pd.Timestamp(clock().date())
    cutoff = s.requested.date() if s.requested is not None else None
    by_event: dict[str, list[outbox.Delivery]] = {}
    for d in outbox.deliveries(s.store):
        by_event.setdefault(d.event_id, []).append(d)
    events = [e for e in outbox.events(s.store) if cutoff is None or e.day <= cutoff][:limit]
    rows = []
    for e in events:
        evidence = "; ".join(evidence_lines(_message(e, False)))
        rows.append(
            (
                e.day.isoformat(),
                e.rule_name,
                e.kind,
                e.subject,
                e.message,
                evidence or "none recorded",
                e.link,
                _delivery_text(sorted(by_event.get(e.event_id, []), key=lambda d: d.channel)),
                e.event_id,
            )
        )
    figs = FigureSet(day)
    figs.add("count", len(rows), "count", "alerts listed", source=_SOURCE, formula="event rows")
    return QueryResult(
        "alert_notifications",
        day,
        s.requested,
        params={"limit": limit},
        figures=figs.mapping(),
        tables=(
            TableData(
                "notifications",
                "Alerts",
                (
                    "Day",
                    "Rule",
                    "Kind",
                    "Subject",
                    "Message",
                    "Evidence",
                    "Link",
                    "Delivery",
                    "Event",
                ),
                tuple(rows),
            ),
        ),
        notes=(
            "The store's alert log: every alert that fired, whatever its other channels.",
            _NOTE,
        ),
        sources=(_SOURCE,),
    )


def alert_link(source: Store | Session, event_id: str) -> str:
    """Return the dashboard link of the alert ``event_id`` (the page that explains it).

    Raises
    ------
    DataNotFound
        When there is no such alert.
    """
    s = session_for(source, None)
    row = s.store.con.execute(
        "SELECT link FROM alert_events WHERE event_id = ?", [event_id]
    ).fetchall()
    if not row:
        raise DataNotFound(f"no alert {event_id!r}; see 'capsize alerts' or /alerts")
    return str(row[0][0])


def alert_dead_letters(
    source: Store | Session,
    as_of: object | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> QueryResult:
    """List the dead-letter record: deliveries that failed their last try.

    Returns
    -------
    QueryResult
        Table ``dead_letters`` (Event, Channel, Tries, Last error, Since); figure
        ``count``. ``capsize alerts dead-letter --retry`` sends them again.
    """
    s = session_for(source, as_of)
    day = s.requested if s.requested is not None else pd.Timestamp(clock().date())
    figs = FigureSet(day)
    rows = []
    for d in outbox.deliveries(s.store, "dead"):
        label = channel_label(d.channel)
        tries = figs.add(
            f"tries.{d.event_id}.{label}",
            d.attempts,
            "count",
            f"tries of {d.event_id} on {label}",
            source=_SOURCE,
            formula="send attempts over all runs",
        )
        rows.append(
            (d.event_id, label, tries, d.last_error, d.updated_at.isoformat(" ", "seconds"))
        )
    figs.add("count", len(rows), "count", "dead deliveries", source=_SOURCE, formula="rows")
    return QueryResult(
        "alert_dead_letters",
        day,
        s.requested,
        figures=figs.mapping(),
        tables=(
            TableData(
                "dead_letters",
                "Dead letters",
                ("Event", "Channel", "Tries", "Last error", "Since"),
                tuple(rows),
            ),
        ),
        notes=("Nothing is dropped: retry with 'capsize alerts dead-letter --retry'.",),
        sources=(_SOURCE,),
    )


def retry_dead_letters(
    store: Store,
    settings: Settings | None = None,
    *,
    event_ids: list[str] | None = None,
    clock: Callable[[], datetime] = utcnow,
    client: httpx.Client | None = None,
    env: Mapping[str, str] | None = None,
) -> QueryResult:
    """Put dead deliveries (all, or those of ``event_ids``) back to pending and send them.

    Returns
    -------
    QueryResult
        As :func:`deliver_pending`, with figure ``revived``.
    """
    if store.read_only:
        raise StoreError(f"store {store.path} is open read-only; a retry records outcomes")
    revived = outbox.revive(store, clock(), event_ids)
    result = deliver_pending(store, settings, clock=clock, client=client, env=env)
    figs = dict(result.figures)
    base = next(iter(figs.values()))
    figs["revived"] = replace(base, id="revived", value=revived, label="dead deliveries revived")
    return replace(result, query="alert_dead_letter_retry", figures=figs)
