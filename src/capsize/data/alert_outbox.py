"""The alert outbox: one delivery row per alert event and channel, and its state.

Table ``alert_deliveries`` (schema in :mod:`capsize.data._schema`) next to the event log
``alert_events``. Rows go ``pending`` -> ``sent``, or ``dead`` after the last failed try
(the dead-letter record: the event and the error are kept; :func:`revive` puts them
back to ``pending``). The ``log`` channel has no row: the event row is the log.

Every function commits its own short transaction, so a process killed at any moment
leaves each row as it was at the last commit. The claim sequence of one delivery is
:func:`claim` (commit ``in_flight``) -> send -> :func:`settle` (commit the outcome): a
row found ``in_flight`` by a later run was being sent when its sender died, and is sent
again under the same idempotency key (see :mod:`capsize.queries.alert_delivery`).
Plain functions over an open, writable :class:`~capsize.data.store.Store`; only one
process can hold it, which serialises concurrent runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from capsize.data.alerts import EVENT_COLUMNS, EventRow, event_from_row

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = [
    "DELIVERY_STATUSES",
    "Delivery",
    "add_missing",
    "claim",
    "deliveries",
    "due",
    "events",
    "revive",
    "settle",
]

DELIVERY_STATUSES = ("pending", "sent", "dead")
"""States of a delivery row."""

_COLUMNS = (
    "d.event_id, d.channel, d.status, d.attempts, d.last_error, d.in_flight, "
    "d.created_at, d.updated_at, d.sent_at"
)
_EVENT_COLUMNS = ", ".join(f"e.{c}" for c in EVENT_COLUMNS)


@dataclass(frozen=True)
class Delivery:
    """One row of ``alert_deliveries``.

    Attributes
    ----------
    event_id, channel : str
        The key: the event, and ``email:ADDRESS`` or ``webhook:URL``.
    status : {"pending", "sent", "dead"}
        Where it stands.
    attempts : int
        Tries made over all runs.
    last_error : str
        The last try's error ("" when none).
    in_flight : bool
        A send began and its outcome was not recorded (its sender died).
    created_at, updated_at : datetime
        UTC, naive.
    sent_at : datetime or None
        When the receiver accepted it.
    """

    event_id: str
    channel: str
    status: str
    attempts: int
    last_error: str
    in_flight: bool
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


def _delivery(row: tuple[Any, ...]) -> Delivery:
    return Delivery(
        str(row[0]),
        str(row[1]),
        str(row[2]),
        int(row[3]),
        str(row[4]),
        bool(row[5]),
        row[6],
        row[7],
        row[8],
    )


def add_missing(store: Store, at: datetime) -> int:
    """Create a ``pending`` row for every event x channel that has none (idempotent).

    Returns
    -------
    int
        Rows created.
    """
    with store.transaction() as con:
        got = con.execute(
            """
            INSERT INTO alert_deliveries
            SELECT event_id, channel, 'pending', 0, '', false, ?, ?, NULL
            FROM (SELECT event_id, unnest(channels) AS channel FROM alert_events)
            WHERE channel <> 'log'
            ON CONFLICT DO NOTHING
            """,
            [at, at],
        ).fetchall()
    return int(got[0][0]) if got else 0


def due(store: Store) -> list[tuple[Delivery, EventRow]]:
    """Return the pending deliveries with their events, oldest event first."""
    rows = store.con.execute(
        f"""
        SELECT {_COLUMNS}, {_EVENT_COLUMNS} FROM alert_deliveries d
        JOIN alert_events e USING (event_id)
        WHERE d.status = 'pending'
        ORDER BY e.created_at, d.event_id, d.channel
        """
    ).fetchall()
    return [(_delivery(r[:9]), event_from_row(r[9:])) for r in rows]


def claim(store: Store, event_id: str, channel: str, at: datetime) -> None:
    """Mark a pending delivery as being sent (committed before the send starts)."""
    with store.transaction() as con:
        con.execute(
            "UPDATE alert_deliveries SET in_flight = true, updated_at = ? "
            "WHERE event_id = ? AND channel = ? AND status = 'pending'",
            [at, event_id, channel],
        )


def settle(
    store: Store,
    event_id: str,
    channel: str,
    *,
    status: str,
    tries: int,
    error: str,
    at: datetime,
) -> None:
    """Record a send's outcome: ``status`` (sent, pending or dead), tries added, error."""
    if status not in DELIVERY_STATUSES:
        raise ValueError(f"status={status!r} is not one of {DELIVERY_STATUSES}")
    with store.transaction() as con:
        con.execute(
            """
            UPDATE alert_deliveries SET status = ?, attempts = attempts + ?, last_error = ?,
                in_flight = false, updated_at = ?,
                sent_at = CASE WHEN ? = 'sent' THEN ?::TIMESTAMP ELSE sent_at END
            WHERE event_id = ? AND channel = ?
            """,
            [status, tries, error, at, status, at, event_id, channel],
        )


def deliveries(store: Store, status: str | None = None) -> list[Delivery]:
    """Return the delivery rows (optionally of one status), newest first."""
    rows = store.con.execute(
        f"SELECT {_COLUMNS} FROM alert_deliveries d "
        "WHERE ?::VARCHAR IS NULL OR d.status = ? ORDER BY d.updated_at DESC, d.event_id, d.channel",
        [status, status],
    ).fetchall()
    return [_delivery(r) for r in rows]


def events(store: Store, *, limit: int | None = None) -> list[EventRow]:
    """Return the event log, newest first."""
    rows = store.con.execute(
        f"SELECT {_EVENT_COLUMNS} FROM alert_events e ORDER BY e.created_at DESC, e.event_id "
        "LIMIT ?",
        [limit],
    ).fetchall()
    return [event_from_row(r) for r in rows]


def revive(store: Store, at: datetime, event_ids: list[str] | None = None) -> int:
    """Put dead deliveries (all, or those of ``event_ids``) back to ``pending``.

    Returns
    -------
    int
        Rows revived.
    """
    with store.transaction() as con:
        got = con.execute(
            "UPDATE alert_deliveries SET status = 'pending', updated_at = ? "
            "WHERE status = 'dead' AND (?::VARCHAR[] IS NULL OR event_id IN (SELECT unnest(?::VARCHAR[])))",
            [at, event_ids, event_ids],
        ).fetchall()
    return int(got[0][0]) if got else 0
