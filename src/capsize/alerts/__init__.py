"""Alerts: rules on prices, relative strength, breadth, flows and filings, evaluated on history.

A pure engine beside :mod:`capsize.analytics`: frames come in through
:class:`AlertInputs` (the query layer builds them, point in time), boolean fire frames
go out. It imports no store, query layer or front end.

* :class:`Rule`: a frozen, validated rule (kind, symbols or watchlist, parameters,
  cool-down in sessions, channels).
* :data:`KINDS`: the rule kinds (one module per concept in :mod:`capsize.alerts.kinds`).
* :func:`evaluate_rule`: a rule's kernel over its whole history, then its cool-down;
  :func:`fires` lists the (day, subject) pairs with their evidence values.
* :func:`evaluate_batch`: the one-symbol rules of the price kinds evaluated together
  (one 2-D numpy pass per kind and window), equal to :func:`evaluate_rule`.
"""

from __future__ import annotations

from capsize.alerts._batch import ColumnInputs, evaluate_batch
from capsize.alerts._engine import Evaluation, Fire, apply_cooldown, evaluate_rule, fires
from capsize.alerts._kind import AlertInputs, Batch, Kind, Signal, Value, crosses, rolling_mean
from capsize.alerts._rule import (
    CHANNEL_KINDS,
    MAX_COOLDOWN,
    MAX_SYMBOLS,
    AlertRuleError,
    Param,
    Rule,
    check_channel,
    rule_id_from,
)
from capsize.alerts.kinds import KINDS, kind_of

__all__ = [
    "CHANNEL_KINDS",
    "KINDS",
    "MAX_COOLDOWN",
    "MAX_SYMBOLS",
    "AlertInputs",
    "AlertRuleError",
    "Batch",
    "ColumnInputs",
    "Evaluation",
    "Fire",
    "Kind",
    "Param",
    "Rule",
    "Signal",
    "Value",
    "apply_cooldown",
    "check_channel",
    "crosses",
    "evaluate_batch",
    "evaluate_rule",
    "fires",
    "kind_of",
    "rolling_mean",
    "rule_id_from",
]
