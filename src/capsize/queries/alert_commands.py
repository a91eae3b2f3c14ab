"""Alert commands for front ends: run (evaluate, record, deliver), dead letters, rule edits.

Each opens the store itself for the moment it needs (for writing: waiting ``wait``
seconds while another process writes it), so the CLI and the web server never touch the
store module. Rules are validated by :class:`capsize.alerts.Rule` before they are stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from capsize.config import Settings
from capsize.queries.alert_delivery import (
    alert_dead_letters,
    deliver_pending,
    retry_dead_letters,
    utcnow,
)
from capsize.queries.result import QueryResult, TableData

if TYPE_CHECKING:
    from capsize.queries.alerts import RunReport
    from capsize.queries.stocks.sec import SecSource

__all__ = ["create_rule", "dead_letters", "delete_rule", "run_and_deliver"]


def _run_notes(report: RunReport) -> tuple[str, ...]:
    """Return the notes of a run: the rules it started watching, those it could not evaluate."""
    notes = [
        f"first run of rule {rid}: it watches from {day:%Y-%m-%d}; nothing before is sent "
        f"(use 'capsize alerts backtest {rid} --since D' for its history)"
        for rid, day in sorted(report.started.items())
    ]
    notes += [
        f"rule {rid} could not be evaluated: {why}"
        for rid, why in sorted(report.unevaluated.items())
    ]
    return tuple(notes)


def _merge(report: RunReport, delivered: QueryResult) -> QueryResult:
    """Return the delivery result with the run's events, the rules started and those not evaluated.

    Figure ``recorded``; tables ``events``, ``started`` and ``unevaluated``; notes.
    """
    recorded = report.events
    figs = dict(delivered.figures)
    base = next(iter(figs.values()))
    figs["recorded"] = replace(
        base,
        id="recorded",
        value=len(recorded),
        label="alert events recorded by this run",
        provenance=replace(base.provenance, formula="new events of the enabled rules"),
    )
    events = TableData(
        "events",
        "Alert events recorded by this run",
        ("Day", "Rule", "Subject", "Message"),
        tuple((e.day.isoformat(), e.rule_id, e.subject, e.message) for e in recorded),
    )
    unevaluated = TableData(
        "unevaluated",
        "Rules that could not be evaluated",
        ("Rule", "Why"),
        tuple(sorted(report.unevaluated.items())),
    )
    started = TableData(
        "started",
        "Rules run for the first time",
        ("Rule", "Watches from"),
        tuple((rid, f"{day:%Y-%m-%d}") for rid, day in sorted(report.started.items())),
    )
    return replace(
        delivered,
        query="alerts_run",
        figures=figs,
        tables=(events, started, unevaluated, *delivered.tables),
        notes=(*delivered.notes, *_run_notes(report)),
    )


def run_and_deliver(
    as_of: object | None = None,
    *,
    path: str | Path | None = None,
    wait: float = 0.0,
    settings: Settings | None = None,
    sec: SecSource | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> QueryResult:
    """Evaluate the enabled rules, record their new events, then deliver (``alerts run``).

    Idempotent and cron-friendly: the events are recorded in one transaction (an event
    exists once), then :func:`deliver_pending` sends what is pending; a second run sends
    nothing twice. The store is held for writing throughout, so a concurrent run waits
    for it (``wait`` seconds) or stops with a one-line message.

    Parameters
    ----------
    as_of : date-like, optional
        Evaluation day (default: the latest data).
    path : path-like, optional
        The store file (default: the configured store).
    wait : float
        Seconds to wait while another process writes the store.
    settings : Settings, optional
        Delivery settings (default :func:`load_settings`).
    sec : SecSource, optional
        Where 8-K filings come from (default: the configured source).
    clock : callable
        Current UTC time.

    Returns
    -------
    QueryResult
        As :func:`deliver_pending`, with figure ``recorded``, table ``events`` (the
        events this run recorded), table ``started`` (rules run for the first time and
        the day they watch from) and table ``unevaluated`` (rules that could not be
        evaluated, and why) before the ``deliveries`` table; notes name the rules run
        for the first time (they watch from the last data day; nothing before is sent).

    Raises
    ------
    InputError
        ``as_of`` after today or before the store's data start.

    Raises
    ------
    StoreError
        When another process holds the store for longer than ``wait`` seconds.
    """
    from capsize.data.store import Store
    from capsize.queries.alerts import record_report

    with Store.open(path, wait=wait) as store:
        report = record_report(store, as_of, sec=sec, clock=clock)
        delivered = deliver_pending(store, settings, clock=clock)
    return _merge(report, delivered)


def dead_letters(
    *,
    retry: bool = False,
    event_ids: list[str] | None = None,
    path: str | Path | None = None,
    wait: float = 0.0,
    settings: Settings | None = None,
) -> QueryResult:
    """List the dead-letter record, or (``retry``) send those deliveries again.

    Parameters
    ----------
    retry : bool
        Put the dead deliveries (of ``event_ids``, or all) back to pending and send them.
    event_ids : list of str, optional
        Only these events.
    path : path-like, optional
        The store file (default: the configured store).
    wait : float
        Seconds to wait while another process writes the store.
    settings : Settings, optional
        Delivery settings (default :func:`load_settings`).

    Returns
    -------
    QueryResult
        :func:`alert_dead_letters`, or :func:`retry_dead_letters`'s result.
    """
    from capsize.data.store import Store

    with Store.open(path, read_only=not retry, wait=wait) as store:
        if retry:
            return retry_dead_letters(store, settings, event_ids=event_ids)
        return alert_dead_letters(store)


def create_rule(
    fields: Mapping[str, object],
    *,
    path: str | Path | None = None,
    wait: float = 3.0,
) -> dict[str, object]:
    """Validate a rule given as fields (API body, form) and store it; return it as stored.

    ``id`` may be left out: it is made from the name (:func:`capsize.alerts.rule_id_from`).

    Raises
    ------
    InputError
        An invalid field, or a taken id or name.
    StoreError
        The store stayed locked by another writer for ``wait`` seconds.
    """
    from capsize.alerts import Rule, rule_id_from
    from capsize.queries.alerts import add_rule

    data = dict(fields)
    if not data.get("id"):
        data["id"] = rule_id_from(str(data.get("name", "")))
    return add_rule(Rule.from_dict(data), path=path, wait=wait).rule_fields()


def delete_rule(
    key: str, *, path: str | Path | None = None, wait: float = 3.0
) -> dict[str, object]:
    """Delete the rule ``key`` (id or name); its events stay in the log. Return it."""
    from capsize.queries.alerts import remove_rule

    return remove_rule(key, path=path, wait=wait).rule_fields()
