"""Alert rules and alert events kept in the store.

Plain functions over an open :class:`~capsize.data.store.Store`, transactional and
idempotent, like :mod:`capsize.data.userdata` for watchlists. Rules are validated by
the engine (:class:`capsize.alerts.Rule`) before they reach this module; here they are
rows. Events are keyed by :func:`event_id` (a stable hash of rule id, day and subject):
inserting an event that exists does nothing, so recording is exactly-once per event.
Delivery (another module) reads ``channels`` of the events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from capsize.data.store import first_row
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    import duckdb

    from capsize.data.store import Store

__all__ = [
    "EVENT_COLUMNS",
    "EventRow",
    "RuleRow",
    "delete_rule",
    "event_from_row",
    "event_id",
    "find_rule",
    "insert_events",
    "list_events",
    "list_rules",
    "record_events",
    "save_rule",
]

_RULE_COLUMNS = (
    "id, name, kind, symbols, watchlist, params, cooldown, channels, enabled, "
    "evaluated_through, created_at, updated_at"
)


@dataclass(frozen=True)
class RuleRow:
    """One stored rule (fields of :class:`capsize.alerts.Rule` plus bookkeeping).

    Attributes
    ----------
    params : dict
        Parameter name -> value (JSON).
    evaluated_through : date or None
        Last day a scheduled run recorded its fires (None: never run).
    created_at, updated_at : datetime
        UTC, naive.
    """

    id: str
    name: str
    kind: str
    symbols: tuple[str, ...]
    watchlist: str | None
    params: dict[str, Any]
    cooldown: int
    channels: tuple[str, ...]
    enabled: bool
    evaluated_through: date | None
    created_at: datetime
    updated_at: datetime

    def rule_fields(self) -> dict[str, Any]:
        """Return the fields :meth:`capsize.alerts.Rule.from_dict` takes."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "symbols": list(self.symbols),
            "watchlist": self.watchlist,
            "params": dict(self.params),
            "cooldown": self.cooldown,
            "channels": list(self.channels),
            "enabled": self.enabled,
        }


@dataclass(frozen=True)
class EventRow:
    """One alert event: a rule fired on a day for a subject.

    Attributes
    ----------
    event_id : str
        :func:`event_id` of (rule id, day, subject).
    evidence : dict
        Figure id -> ``Figure.to_dict()`` (value, unit, label, note, provenance).
    link : str
        Dashboard page that explains it.
    channels : tuple of str
        The rule's channels when it fired.
    created_at : datetime
        When it was recorded (UTC, naive).
    """

    event_id: str
    rule_id: str
    rule_name: str
    kind: str
    day: date
    subject: str
    message: str
    evidence: dict[str, Any]
    link: str
    channels: tuple[str, ...]
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "event_id": self.event_id,
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "kind": self.kind,
            "day": self.day.isoformat(),
            "subject": self.subject,
            "message": self.message,
            "evidence": self.evidence,
            "link": self.link,
            "channels": list(self.channels),
            "created_at": self.created_at.isoformat(timespec="seconds"),
        }


EVENT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(EventRow))
"""Columns of ``alert_events``, in the order of :class:`EventRow` (read with :func:`event_from_row`)."""


def event_id(rule_id: str, day: date, subject: str) -> str:
    """Stable id of the event (rule, day, subject): 32 hex digits of SHA-256.

    Examples
    --------
    >>> event_id("iwm-250", date(2025, 10, 8), "IWM")[:12]
    '7e90386e66ad'
    """
    text = f"{rule_id}|{day.isoformat()}|{subject}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _json(value: Any) -> dict[str, Any]:
    out = json.loads(value) if isinstance(value, str) else value
    return dict(out or {})


def _evidence(value: Any) -> dict[str, Any]:
    """Parse stored evidence; text that is not JSON is kept under ``"evidence"``."""
    try:
        return _json(value)
    except ValueError:
        return {"evidence": str(value)}


def _day(value: Any) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value  # type: ignore[no-any-return]


def _rule_row(r: tuple[Any, ...]) -> RuleRow:
    rid, name, kind, syms, wl, params, cd, chans, enabled, through, created, updated = r
    return RuleRow(
        str(rid),
        str(name),
        str(kind),
        tuple(str(x) for x in syms or ()),
        None if wl is None else str(wl),
        _json(params),
        int(cd),
        tuple(str(x) for x in chans or ()),
        bool(enabled),
        _day(through),
        created,
        updated,
    )


def event_from_row(r: Sequence[Any]) -> EventRow:
    """Build an :class:`EventRow` from a row of :data:`EVENT_COLUMNS` (the event log's columns)."""
    eid, rid, rname, kind, day, subj, msg, ev, link, chans, created = r
    return EventRow(
        str(eid),
        str(rid),
        str(rname),
        str(kind),
        _day(day) or date.min,
        str(subj),
        str(msg),
        _evidence(ev),
        str(link),
        tuple(str(x) for x in chans or ()),
        created,
    )


def list_rules(store: Store, *, enabled_only: bool = False) -> tuple[RuleRow, ...]:
    """Every rule, by id."""
    where = " WHERE enabled" if enabled_only else ""
    rows = store.con.execute(
        f"SELECT {_RULE_COLUMNS} FROM alert_rules{where} ORDER BY id"
    ).fetchall()
    return tuple(_rule_row(r) for r in rows)


def find_rule(store: Store, key: str) -> RuleRow:
    """Return the rule whose id is ``key`` or whose name is ``key`` (case-insensitive).

    Raises
    ------
    DataNotFound
        When no rule matches.
    """
    row = first_row(
        store.con.execute(
            f"SELECT {_RULE_COLUMNS} FROM alert_rules WHERE id = ? OR lower(name) = lower(?) "
            "ORDER BY id = ? DESC LIMIT 1",
            [key, key, key],
        )
    )
    if row is None:
        raise DataNotFound(f"no alert rule {key!r}; list them with 'capsize alerts list'")
    return _rule_row(row)


def save_rule(
    store: Store, fields: Mapping[str, Any], *, at: datetime, replace: bool = False
) -> RuleRow:
    """Store a rule (the fields of ``Rule.to_dict()``) and return it.

    Parameters
    ----------
    store : Store
        Open for writing.
    fields : mapping
        ``id, name, kind, symbols, watchlist, params, cooldown, channels, enabled``.
    at : datetime
        Time of the change (UTC, naive).
    replace : bool
        Replace a rule with the same id (its ``evaluated_through`` and creation time kept);
        False: a taken id or name is an error.

    Raises
    ------
    InputError
        When the id or the name is taken (and ``replace`` is False).
    """
    rid, name = str(fields["id"]), str(fields["name"])
    values = [
        name,
        str(fields["kind"]),
        list(fields.get("symbols") or ()),
        fields.get("watchlist"),
        json.dumps(dict(fields.get("params") or {}), sort_keys=True),
        int(fields["cooldown"]),
        list(fields.get("channels") or ("log",)),
        bool(fields.get("enabled", True)),
    ]
    with store.transaction() as con:
        _check_free(con, rid, name, replace)
        exists = first_row(con.execute("SELECT 1 FROM alert_rules WHERE id = ?", [rid]))
        if exists is None:
            con.execute(
                f"INSERT INTO alert_rules ({_RULE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                [rid, *values, at, at],
            )
        else:
            con.execute(
                "UPDATE alert_rules SET name = ?, kind = ?, symbols = ?, watchlist = ?, params = ?, "
                "cooldown = ?, channels = ?, enabled = ?, updated_at = ? WHERE id = ?",
                [*values, at, rid],
            )
    return find_rule(store, rid)


def _check_free(con: duckdb.DuckDBPyConnection, rid: str, name: str, replace: bool) -> None:
    if not replace:
        taken = first_row(con.execute("SELECT 1 FROM alert_rules WHERE id = ?", [rid]))
        if taken is not None:
            raise InputError(f"an alert rule with id {rid!r} exists already; pick another id")
    other = first_row(
        con.execute(
            "SELECT id FROM alert_rules WHERE lower(name) = lower(?) AND id <> ?", [name, rid]
        )
    )
    if other is not None:
        raise InputError(f"an alert rule named {name!r} exists already (id {other[0]}); rename it")


def delete_rule(store: Store, key: str) -> RuleRow:
    """Delete the rule ``key`` (id or name) and return it; its events are kept.

    Raises
    ------
    DataNotFound
        When there is no such rule.
    """
    row = find_rule(store, key)
    with store.transaction() as con:
        con.execute("DELETE FROM alert_rules WHERE id = ?", [row.id])
    return row


def insert_events(store: Store, events: Iterable[EventRow]) -> tuple[EventRow, ...]:
    """Insert the events that are not stored yet; return those inserted (in order).

    One transaction; an event whose id exists (or repeats in ``events``) is skipped.
    """
    todo = list(events)
    with store.transaction() as con:
        ids = [e.event_id for e in todo]
        have = {
            str(r[0])
            for r in con.execute(
                "SELECT event_id FROM alert_events WHERE event_id IN (SELECT unnest(?::VARCHAR[]))",
                [ids],
            ).fetchall()
        }
        new: dict[str, EventRow] = {}
        for e in todo:
            if e.event_id not in have and e.event_id not in new:
                new[e.event_id] = e
        if new:
            con.executemany(
                f"INSERT OR IGNORE INTO alert_events ({', '.join(EVENT_COLUMNS)}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [
                        e.event_id,
                        e.rule_id,
                        e.rule_name,
                        e.kind,
                        e.day,
                        e.subject,
                        e.message,
                        json.dumps(e.evidence, sort_keys=True),
                        e.link,
                        list(e.channels),
                        e.created_at,
                    ]
                    for e in new.values()
                ],
            )
    return tuple(new.values())


def record_events(
    store: Store, events: Sequence[EventRow], through: Mapping[str, date]
) -> tuple[EventRow, ...]:
    """Insert ``events`` and move each rule's ``evaluated_through`` forward, in one transaction.

    Parameters
    ----------
    through : mapping of rule id to date
        The day each rule was evaluated through; a date before the stored one is ignored.

    Returns
    -------
    tuple of EventRow
        The events inserted (those stored before are skipped).
    """
    with store.transaction() as con:
        inserted = insert_events(store, events)
        for rid, day in through.items():
            con.execute(
                "UPDATE alert_rules SET evaluated_through = ? WHERE id = ? "
                "AND (evaluated_through IS NULL OR evaluated_through < ?)",
                [day, rid, day],
            )
    return inserted


def list_events(
    store: Store,
    *,
    rule_id: str | None = None,
    since: date | None = None,
    limit: int | None = None,
) -> tuple[EventRow, ...]:
    """Return stored events, newest day first (then rule, subject)."""
    if limit is not None and limit < 1:
        raise InputError(f"limit={limit} must be at least 1")
    rows = store.con.execute(
        f"SELECT {', '.join(EVENT_COLUMNS)} FROM alert_events "
        "WHERE (?::VARCHAR IS NULL OR rule_id = ?) AND (?::DATE IS NULL OR day >= ?::DATE) "
        "ORDER BY day DESC, rule_id, subject" + ("" if limit is None else f" LIMIT {int(limit)}"),
        [rule_id, rule_id, since, since],
    ).fetchall()
    return tuple(event_from_row(r) for r in rows)
