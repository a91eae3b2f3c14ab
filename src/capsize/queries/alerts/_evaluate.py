"""Evaluate the stored rules as of a day and record their events (the scheduled run).

Point in time: a rule evaluated as of D reads only data dated on or before D (one
:class:`~capsize.queries.session.Session`). Each rule is evaluated over its whole
history in one vectorized pass (:func:`capsize.alerts.evaluate_rule`); the run keeps
the fires dated after the rule's ``evaluated_through`` mark (its first run: only the
last day its data reach) up to that last day, and records them with the new mark in
one transaction. An event exists once (its id hashes rule, day and subject), so a
second run records nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pandas as pd

from capsize.alerts import (
    Evaluation,
    Fire,
    Rule,
    evaluate_batch,
    evaluate_rule,
    fires,
    kind_of,
)
from capsize.data import alerts as store_alerts
from capsize.errors import CapsizeError
from capsize.queries.alerts._inputs import SessionInputs
from capsize.queries.result import Figure, FigureSet

if TYPE_CHECKING:
    from capsize.data.alerts import EventRow, RuleRow
    from capsize.queries.session import Session

__all__ = [
    "Outcome",
    "RunReport",
    "evaluate",
    "event_rows",
    "evidence",
    "record",
    "record_run",
    "run_window",
    "scheduled_fires",
    "utcnow",
]


def utcnow() -> datetime:
    """Return the current UTC time, naive."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Outcome:
    """One rule's evaluation: the result over history, or why it could not run.

    Attributes
    ----------
    rule : Rule
    evaluation : Evaluation or None
        None when the rule could not be evaluated at all (``error`` says why).
    error : str
        Why the rule could not be evaluated ("" when it could).
    """

    rule: Rule
    evaluation: Evaluation | None
    error: str = ""

    @property
    def reasons(self) -> dict[str, str]:
        """Subject (or ``"*"``: the whole rule) -> why it could not be evaluated."""
        if self.evaluation is None:
            return {"*": self.error}
        return dict(self.evaluation.unavailable)


def evaluate(rules: Sequence[Rule], inputs: SessionInputs) -> list[Outcome]:
    """Evaluate every rule over its history with shared inputs (a rule's failure is its own).

    The one-symbol price rules are evaluated together (:func:`capsize.alerts.evaluate_batch`,
    equal to their kernels); the others one kernel each.
    """
    inputs.prefetch(rules)
    batched = evaluate_batch(rules, inputs)
    out = []
    for i, rule in enumerate(rules):
        if i in batched:
            out.append(Outcome(rule, batched[i]))
            continue
        try:
            out.append(Outcome(rule, evaluate_rule(rule, inputs)))
        except CapsizeError as exc:
            out.append(Outcome(rule, None, str(exc).splitlines()[0]))
    return out


def evidence(ev: Evaluation, fire: Fire) -> tuple[Figure, ...]:
    """Return the figures behind one fire, with their provenance (stamped with the fire's day)."""
    sig, rule = ev.signal, ev.rule
    fs = FigureSet(fire.day)
    first = sig.index[0] if len(sig.index) else fire.day
    window = f"{first:%Y-%m-%d}..{fire.day:%Y-%m-%d}"
    for name, value in sig.values.items():
        raw = fire.values.get(name)
        text = value.unit == "text"
        num = None if text or raw is None or pd.isna(raw) else float(raw)
        note = str(raw) if text else ("" if num is not None else "not available that day")
        fs.add(
            f"{rule.id}.{fire.subject}.{name}",
            num,
            value.unit,  # type: ignore[arg-type]
            value.label,
            source=sig.sources.get(fire.subject, "store"),
            symbols=sig.symbols.get(fire.subject, (fire.subject,)),
            window=window,
            formula=value.formula,
            note=note,
        )
    return tuple(fs.mapping().values())


def _to_date(day: pd.Timestamp) -> date:
    return date(day.year, day.month, day.day)


def event_rows(ev: Evaluation, found: Sequence[Fire], at: datetime) -> list[EventRow]:
    """Store rows of the fires of one evaluation."""
    rule, kind = ev.rule, kind_of(ev.rule.kind)
    rows = []
    for f in found:
        day = _to_date(f.day)
        rows.append(
            store_alerts.EventRow(
                event_id=store_alerts.event_id(rule.id, day, f.subject),
                rule_id=rule.id,
                rule_name=rule.name,
                kind=rule.kind,
                day=day,
                subject=f.subject,
                message=kind.message(rule, f.subject, f.values),
                evidence={g.id: g.to_dict() for g in evidence(ev, f)},
                link=kind.link_for(f.subject, f.day),
                channels=rule.channels,
                created_at=at,
            )
        )
    return rows


def run_window(row: RuleRow | None, ev: Evaluation) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """(after, through) of a scheduled run: fires dated in ``(after, through]`` are new.

    ``through`` is the last day the rule's data reach; ``after`` the stored mark, or the
    day before ``through`` on a rule's first run. None: no data, or nothing new.
    """
    through = ev.last_day
    if through is None:
        return None
    mark = None if row is None else row.evaluated_through
    after = through - pd.Timedelta(days=1) if mark is None else pd.Timestamp(mark)
    return (after, through) if after < through else None


def scheduled_fires(
    s: Session, rules: Sequence[tuple[Rule, RuleRow | None]], inputs: SessionInputs | None = None
) -> tuple[list[Outcome], list[tuple[Evaluation, tuple[Fire, ...], pd.Timestamp]]]:
    """Evaluate ``rules`` and keep, per rule, the fires a scheduled run records."""
    inputs = inputs if inputs is not None else SessionInputs(s)
    rows = {r.id: row for r, row in rules}
    outcomes = evaluate([r for r, _ in rules], inputs)
    new = []
    for o in outcomes:
        if o.evaluation is None:
            continue
        win = run_window(rows.get(o.rule.id), o.evaluation)
        if win is not None:
            new.append((o.evaluation, fires(o.evaluation, after=win[0], until=win[1]), win[1]))
    return outcomes, new


@dataclass(frozen=True)
class RunReport:
    """What a scheduled run did, beyond its events.

    Attributes
    ----------
    events : tuple of EventRow
        The events recorded by the run.
    started : dict of str to date
        Rules run for the first time -> the day they start watching from (fires before
        it are not recorded; ``alerts backtest`` shows them).
    unevaluated : dict of str to str
        Rule id -> why it (or some of its subjects) could not be evaluated.
    """

    events: tuple[EventRow, ...]
    started: dict[str, date]
    unevaluated: dict[str, str]


def record_run(
    s: Session,
    *,
    clock: Callable[[], datetime] = utcnow,
    inputs: SessionInputs | None = None,
) -> RunReport:
    """Evaluate the enabled stored rules and record their new events, in one transaction.

    See the module docstring. The store must be open for writing.
    """
    with s.store.transaction():  # one snapshot: the rules, their marks, the data, the insert
        stored = store_alerts.list_rules(s.store, enabled_only=True)
        rules = [(Rule.from_dict(r.rule_fields()), r) for r in stored]
        outcomes, new = scheduled_fires(s, rules, inputs)
        first = {r.id for r in stored if r.evaluated_through is None}
        at = clock()
        events: list[EventRow] = []
        marks: dict[str, date] = {}
        for ev, found, through in new:
            events.extend(event_rows(ev, found, at))
            marks[ev.rule.id] = _to_date(through)
        recorded = store_alerts.record_events(s.store, events, marks)
    why = {
        o.rule.id: "; ".join(f"{k if k != '*' else 'rule'}: {v}" for k, v in o.reasons.items())
        for o in outcomes
        if o.reasons
    }
    started = {k: v for k, v in marks.items() if k in first}
    return RunReport(tuple(recorded), started, why)


def record(
    s: Session,
    *,
    clock: Callable[[], datetime] = utcnow,
    inputs: SessionInputs | None = None,
) -> tuple[EventRow, ...]:
    """Evaluate the enabled stored rules and record their new events (:func:`record_run`)."""
    return record_run(s, clock=clock, inputs=inputs).events
