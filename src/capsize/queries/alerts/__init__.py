"""Alerts in the query layer: evaluate rules point in time, record events, replay history.

* :func:`evaluate_alerts`: what the rules say as of a day (nothing written).
* :func:`record_events`: evaluate and record the new events in one transaction
  (idempotent; ``capsize alerts run``).
* :func:`replay_rule`: when a rule would have fired since a day and what followed.
* :func:`run_alerts`: open the store for writing and record (``capsize alerts run``).
* :func:`add_rule`, :func:`create_rule`, :func:`remove_rule`, :func:`get_rule`, :func:`alert_rules`,
  :func:`alert_events`: the rules and events for front ends.
"""

from __future__ import annotations

from capsize.data.alerts import EventRow, RuleRow
from capsize.queries.alerts._evaluate import RunReport
from capsize.queries.alerts._inputs import HISTORY_PAD_DAYS, SessionInputs
from capsize.queries.alerts._queries import (
    add_rule,
    alert_events,
    alert_rules,
    create_rule,
    evaluate_alerts,
    get_rule,
    record_events,
    record_report,
    remove_rule,
    rule_kinds,
    run_alerts,
)
from capsize.queries.alerts._replay import HORIZONS, replay_rule

__all__ = [
    "HISTORY_PAD_DAYS",
    "HORIZONS",
    "EventRow",
    "RuleRow",
    "RunReport",
    "SessionInputs",
    "add_rule",
    "alert_events",
    "alert_rules",
    "create_rule",
    "evaluate_alerts",
    "get_rule",
    "record_events",
    "record_report",
    "remove_rule",
    "replay_rule",
    "rule_kinds",
    "run_alerts",
]
