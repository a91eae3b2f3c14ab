"""Alert queries: evaluate the rules as of a day, record their events, manage the rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from capsize.alerts import KINDS, Rule, rule_id_from
from capsize.data import alerts as store_alerts
from capsize.errors import InputError, StoreError
from capsize.queries.alerts._evaluate import (
    Outcome,
    RunReport,
    event_rows,
    record,
    record_run,
    scheduled_fires,
    utcnow,
)
from capsize.queries.alerts._inputs import SessionInputs
from capsize.queries.result import Cell, FigureSet, QueryResult, TableData
from capsize.queries.session import Session, parse_as_of, session_for

if TYPE_CHECKING:
    from capsize.data.alerts import EventRow, RuleRow
    from capsize.data.store import Store
    from capsize.queries.stocks.sec import SecSource

__all__ = [
    "add_rule",
    "alert_events",
    "alert_rules",
    "check_run_day",
    "check_subjects_held",
    "create_rule",
    "evaluate_alerts",
    "get_rule",
    "record_events",
    "record_report",
    "remove_rule",
    "rule_kinds",
    "run_alerts",
]

_SOURCE = "store alert rules (user data)"


def _status(o: Outcome) -> tuple[str, str]:
    if o.evaluation is None:
        return "cannot evaluate", o.error
    reasons = o.reasons
    if reasons and not o.evaluation.subjects:
        return "cannot evaluate", "; ".join(f"{k}: {v}" for k, v in reasons.items())
    if reasons:
        return "partly evaluated", "; ".join(f"{k}: {v}" for k, v in reasons.items())
    return "evaluated", ""


def _evaluation_tables(
    outcomes: list[Outcome], events: list[EventRow]
) -> tuple[TableData, TableData]:
    fire_rows: list[tuple[Cell, ...]] = [
        (e.rule_id, e.day.isoformat(), e.subject, e.message, e.link) for e in events
    ]
    rule_rows: list[tuple[Cell, ...]] = []
    for o in outcomes:
        state, why = _status(o)
        ld = o.evaluation.last_day if o.evaluation else None
        rule_rows.append(
            (o.rule.id, o.rule.kind, state, "" if ld is None else f"{ld:%Y-%m-%d}", why)
        )
    return (
        TableData(
            "fires",
            "New alert events",
            ("Rule", "Day", "Subject", "Message", "Link"),
            tuple(fire_rows),
        ),
        TableData(
            "rules",
            "Rules evaluated",
            ("Rule", "Kind", "Status", "Data through", "Cannot evaluate"),
            tuple(rule_rows),
        ),
    )


def evaluate_alerts(
    source: Store | Session,
    as_of: object | None = None,
    *,
    rules: tuple[Rule, ...] | None = None,
    sec: SecSource | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> QueryResult:
    """Evaluate the alert rules as of a day, without recording anything.

    Parameters
    ----------
    source : Store or Session
    as_of : date-like, optional
        Evaluation day: only data dated on or before it is read (default: the latest).
    rules : tuple of Rule, optional
        Rules to evaluate (default: the enabled rules in the store).
    sec : SecSource, optional
        Where 8-K filings come from.
    clock : callable
        Time stamped on the events (UTC).

    Returns
    -------
    QueryResult
        Table ``fires`` (the events a scheduled run would record now: rule, day,
        subject, message, link), table ``rules`` (rule, kind, status, last data day,
        why a subject cannot be evaluated); figures ``fires`` and ``rules`` (counts).
    """
    s = session_for(source, as_of)
    stored = {r.id: r for r in store_alerts.list_rules(s.store)}
    chosen = (
        rules
        if rules is not None
        else tuple(Rule.from_dict(r.rule_fields()) for r in stored.values() if r.enabled)
    )
    outcomes, new = scheduled_fires(
        s, [(r, stored.get(r.id)) for r in chosen], SessionInputs(s, sec=sec)
    )
    events = [e for ev, found, _ in new for e in event_rows(ev, found, clock())]
    last = [o.evaluation.last_day for o in outcomes if o.evaluation and o.evaluation.last_day]
    day = max(last) if last else (s.requested or pd.Timestamp(clock().date()))
    fs = FigureSet(day)
    fs.add(
        "fires",
        len(events),
        "count",
        "new alert events",
        source=_SOURCE,
        formula="fires after each rule's last recorded day",
    )
    fs.add(
        "rules", len(outcomes), "count", "rules evaluated", source=_SOURCE, formula="enabled rules"
    )
    return QueryResult(
        "evaluate_alerts",
        day,
        s.requested,
        params={"rules": [r.id for r in chosen]},
        figures=fs.mapping(),
        tables=_evaluation_tables(outcomes, events),
        notes=tuple(
            f"{o.rule.id}: cannot be evaluated for {k if k != '*' else 'any subject'}: {v}"
            for o in outcomes
            for k, v in o.reasons.items()
        ),
        sources=(_SOURCE,),
    )


def record_events(
    store: Store,
    as_of: object | None = None,
    *,
    sec: SecSource | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> tuple[EventRow, ...]:
    """Evaluate the enabled rules as of a day and record the new events (one transaction).

    Idempotent: an event is recorded once (its id hashes rule, day and subject), and a
    rule's ``evaluated_through`` mark only moves forward; running twice records nothing
    the second time.

    Parameters
    ----------
    store : Store
        Open for writing.
    as_of : date-like, optional
        Evaluation day (default: the latest data).
    sec : SecSource, optional
        Where 8-K filings come from.
    clock : callable
        Time stamped on the events (UTC).

    Returns
    -------
    tuple of EventRow
        The events recorded by this call.
    """
    s = Session(store, parse_as_of(as_of))
    return record(s, clock=clock, inputs=SessionInputs(s, sec=sec))


def check_run_day(store: Store, as_of: object | None, clock: Callable[[], datetime]) -> None:
    """Refuse a run ``as_of`` a day after today or before the store's first bar.

    Raises
    ------
    InputError
        Naming the day and the range a run may use.
    """
    day = parse_as_of(as_of)
    if day is None:
        return
    today = pd.Timestamp(clock().date())
    if day > today:
        raise InputError(
            f"--as-of {day:%Y-%m-%d} is after today ({today:%Y-%m-%d}); "
            "a run can only evaluate days that have happened"
        )
    row = store.con.execute("SELECT min(date), max(date) FROM bars").fetchone()
    if row is None or row[0] is None:
        return
    first, last = pd.Timestamp(row[0]), pd.Timestamp(row[1])
    if day < first:
        raise InputError(
            f"--as-of {day:%Y-%m-%d} is before the store's data start "
            f"({first:%Y-%m-%d}); use a day from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
        )


def record_report(
    store: Store,
    as_of: object | None = None,
    *,
    sec: SecSource | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> RunReport:
    """As :func:`record_events`, returning also the rules started and those not evaluated.

    Raises
    ------
    InputError
        ``as_of`` after today or before the store's data start (:func:`check_run_day`).
    """
    check_run_day(store, as_of, clock)
    s = Session(store, parse_as_of(as_of))
    return record_run(s, clock=clock, inputs=SessionInputs(s, sec=sec))


def run_alerts(
    as_of: object | None = None,
    *,
    path: str | Path | None = None,
    wait: float = 0.0,
    sec: SecSource | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> tuple[EventRow, ...]:
    """Open the store at ``path`` for writing and :func:`record_events` (``capsize alerts run``).

    Raises
    ------
    StoreError
        The store stayed locked by another writer for ``wait`` seconds.
    """
    with _writable(path, wait) as store:
        return record_events(store, as_of, sec=sec, clock=clock)


# ---------------------------------------------------------------------- rules (CRUD)
@contextmanager
def _writable(path: str | Path | None, wait: float) -> Iterator[Store]:
    from capsize.data.store import Store

    try:
        store = Store.open(path, wait=wait)
    except StoreError as exc:
        raise StoreError(f"the store is busy: {str(exc).splitlines()[0]}") from None
    try:
        yield store
    finally:
        store.close()


def add_rule(
    rule: Rule,
    *,
    replace: bool = False,
    path: str | Path | None = None,
    wait: float = 3.0,
    clock: Callable[[], datetime] = utcnow,
) -> RuleRow:
    """Store ``rule`` (validated on creation) in the store at ``path``; return the stored row.

    Raises
    ------
    InputError
        When its id or name is taken (and ``replace`` is False).
    StoreError
        The store stayed locked by another writer for ``wait`` seconds.
    """
    with _writable(path, wait) as store:
        check_subjects_held(store, rule)
        return store_alerts.save_rule(store, rule.to_dict(), at=clock(), replace=replace)


def check_subjects_held(store: Store, rule: Rule) -> None:
    """Refuse a rule whose watchlist does not exist or whose symbols have no data in the store.

    A rule on a symbol the store does not hold would record nothing, silently, forever.
    8-K rules are exempt from the price check (their filings come from the SEC source).

    Raises
    ------
    InputError
        Naming the watchlist or the symbols, and what to do.
    """
    from capsize.queries.watchlists import watchlist_named

    if rule.watchlist is not None:
        if watchlist_named(store, rule.watchlist) is None:
            raise InputError(
                f"no watchlist named {rule.watchlist!r}; create it first "
                "(the Watchlists page of capsize serve) or give --symbols"
            )
        return
    if rule.kind == "filing_8k" or not rule.symbols:
        return
    held = set(store.symbols())
    missing = [x for x in rule.symbols if x not in held]
    if missing:
        raise InputError(
            f"no price data for {', '.join(missing)} in the store; check the ticker, or "
            "import or update its data first (capsize data import / data update)"
        )


def create_rule(
    name: str,
    kind: str,
    *,
    symbols: tuple[str, ...] = (),
    watchlist: str | None = None,
    params: dict[str, object] | None = None,
    cooldown: int | None = None,
    channels: tuple[str, ...] = ("log",),
    rule_id: str | None = None,
    path: str | Path | None = None,
    wait: float = 3.0,
    clock: Callable[[], datetime] = utcnow,
) -> Rule:
    """Build a rule from front-end values (validated) and store it; return it.

    ``params`` values may be text (``{"level": "250"}``); the kind's table converts and
    checks them. ``rule_id`` defaults to one made from ``name``.

    Raises
    ------
    InputError
        A bad field (:class:`~capsize.alerts.AlertRuleError`) or a taken id or name.
    """
    rule = Rule(
        id=rule_id or rule_id_from(name),
        name=name,
        kind=kind,
        symbols=symbols,
        watchlist=watchlist,
        params=tuple((params or {}).items()),  # type: ignore[arg-type]  # checked by the kind
        cooldown=cooldown,
        channels=channels,
    )
    add_rule(rule, path=path, wait=wait, clock=clock)
    return rule


def rule_kinds() -> dict[str, dict[str, object]]:
    """Every rule kind: what fires it, what it watches, its parameters and default cool-down."""
    return {
        k.name: {
            "summary": k.summary,
            "watches": k.subjects,
            "params": {
                p.name: {"default": p.default, "help": p.help, "choices": list(p.choices)}
                for p in k.params
            },
            "cooldown": k.default_cooldown,
        }
        for k in KINDS.values()
    }


def remove_rule(key: str, *, path: str | Path | None = None, wait: float = 3.0) -> RuleRow:
    """Delete the rule ``key`` (id or name); its recorded events are kept.

    Raises
    ------
    DataNotFound
        When there is no such rule.
    """
    with _writable(path, wait) as store:
        return store_alerts.delete_rule(store, key)


def get_rule(source: Store | Session, key: str) -> Rule:
    """Return the stored rule ``key`` (id or name) as a :class:`~capsize.alerts.Rule`."""
    s = session_for(source, None)
    return Rule.from_dict(store_alerts.find_rule(s.store, key).rule_fields())


def _params_text(rule: Rule) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in rule.params)


def alert_rules(
    source: Store | Session,
    as_of: object | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> QueryResult:
    """List the stored alert rules (user data: ``as_of`` only stamps the answer).

    Returns
    -------
    QueryResult
        Table ``rules`` (Id, Name, Kind, Watches, Parameters, Cool-down, Channels,
        Enabled, Evaluated through); figure ``rules`` (count); ``params["kinds"]``:
        every kind with its definition.
    """
    s = session_for(source, as_of)
    day = s.requested or pd.Timestamp(clock().date())
    rows: list[tuple[Cell, ...]] = []
    stored = store_alerts.list_rules(s.store)
    for r in stored:
        rule = Rule.from_dict(r.rule_fields())
        watches = " ".join(rule.symbols) or (
            f"watchlist {rule.watchlist}" if rule.watchlist else KINDS[rule.kind].subjects
        )
        rows.append(
            (
                rule.id,
                rule.name,
                rule.kind,
                watches,
                _params_text(rule),
                f"{rule.cooldown} sessions",
                " ".join(rule.channels),
                "yes" if rule.enabled else "no",
                "" if r.evaluated_through is None else r.evaluated_through.isoformat(),
            )
        )
    fs = FigureSet(day)
    fs.add("rules", len(rows), "count", "alert rules", source=_SOURCE, formula="rules in the store")
    cols = (
        "Id",
        "Name",
        "Kind",
        "Watches",
        "Parameters",
        "Cool-down",
        "Channels",
        "Enabled",
        "Evaluated through",
    )
    return QueryResult(
        "alert_rules",
        day,
        s.requested,
        params={"kinds": {k: v.summary for k, v in KINDS.items()}},
        figures=fs.mapping(),
        tables=(TableData("rules", "Alert rules", cols, tuple(rows)),),
        notes=("Rules are your settings as they are now; the as-of day does not filter them.",),
        sources=(_SOURCE,),
    )


def alert_events(
    source: Store | Session,
    as_of: object | None = None,
    *,
    rule: str | None = None,
    since: object | None = None,
    limit: int | None = 100,
    clock: Callable[[], datetime] = utcnow,
) -> QueryResult:
    """List recorded alert events, newest first (table ``events``: Day, Rule, Subject, Message, Link).

    ``as_of`` keeps events dated on or before it.
    """
    s = session_for(source, as_of)
    start = parse_as_of(since, "since")
    rows = store_alerts.list_events(
        s.store, rule_id=rule, since=None if start is None else start.date(), limit=None
    )
    if s.requested is not None:
        rows = tuple(e for e in rows if pd.Timestamp(e.day) <= s.requested)
    rows = rows[:limit] if limit is not None else rows
    day = s.requested or pd.Timestamp(clock().date())
    fs = FigureSet(day)
    fs.add(
        "events",
        len(rows),
        "count",
        "alert events listed",
        source="store alert_events",
        formula="events recorded by 'capsize alerts run'",
    )
    table = tuple((e.day.isoformat(), e.rule_id, e.subject, e.message, e.link) for e in rows)
    return QueryResult(
        "alert_events",
        day,
        s.requested,
        params={
            "rule": rule,
            "since": None if start is None else f"{start:%Y-%m-%d}",
            "limit": limit,
        },
        figures=fs.mapping(),
        tables=(
            TableData(
                "events",
                "Alert events, newest first",
                ("Day", "Rule", "Subject", "Message", "Link"),
                table,
            ),
        ),
        sources=("store alert_events",),
    )
