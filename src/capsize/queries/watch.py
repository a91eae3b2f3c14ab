"""What to watch: the report's watch rules as a query result.

A thin wrapper: it builds the report context point in time (the rules read the report's
sections) and returns the items that fired as a table, each with the figure that fired
and the rule's threshold, their provenance unchanged. The rules and their thresholds live
in :mod:`capsize.report.watch`; this module only changes the shape, so the web shows the
very sentences of the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.queries.result import Cell, Figure, QueryResult, TableData, Unit
from capsize.queries.session import session_for

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.session import Session

__all__ = ["WATCH_UNITS", "watch"]

WATCH_UNITS: dict[str, Unit] = {
    "near_high": "fraction",
    "deep_drawdown": "fraction",
    "rs_cross": "sessions",
    "volume_surge": "ratio",
    "big_spread_day": "pp",
    "yield_move": "bp",
    "rate_corr": "level",
    "trend_test": "fraction",
    "ytd_gap": "pp",
    "size_extreme": "fraction",
}
"""Unit of the figures each rule reads (a rule not listed here shows its figures as levels)."""


def _figure(fig: Any, unit: Unit) -> Figure:
    """Return a report figure as a query figure (value, label and provenance unchanged)."""
    value = fig.value
    note = "" if value is not None else fig.formatted
    return Figure(fig.id, value, unit, fig.label, fig.provenance, note)


def _row(item: Any, figures: dict[str, Figure]) -> tuple[Cell, ...]:
    """One table row: rule, the sentence as the report prints it, the figure, the threshold."""
    unit = WATCH_UNITS.get(item.rule, "level")
    text: list[str] = []
    shown: list[Figure] = []
    for part in item.parts:
        if isinstance(part, str):
            text.append(part)
            continue
        text.append(part.formatted)
        is_threshold = part.id.startswith("watch.threshold.")
        qfig = _figure(part, "level" if is_threshold and unit == "sessions" else unit)
        figures.setdefault(qfig.id, qfig)
        shown.append(qfig)
    value = next((f for f in shown if not f.id.startswith("watch.threshold.")), None)
    if value is None and item.evidence is not None:  # worded without its number
        value = _figure(item.evidence, unit)
        figures.setdefault(value.id, value)
    limit = next((f for f in shown if f.id.startswith("watch.threshold.")), None)
    return (str(item.rule), "".join(text), value, limit)


def watch(source: Store | Session, as_of: object | None = None) -> QueryResult:
    """Return the report's watch items of the day, with the figures that fired.

    Parameters
    ----------
    source : Store or Session
    as_of : date-like, optional
        Report day (only data dated on or before it; default the latest).

    Returns
    -------
    QueryResult
        Table ``watch`` (``rule``, ``item``, ``value``, ``threshold``): one row per item in
        the report's order; an empty table when no rule fires. ``value`` and ``threshold``
        are the report's figures (threshold provenance: the rule table); a data-gap item
        has no figures.

    Raises
    ------
    DataNotFound
        When the store has no closes for IWM and SPY on or before ``as_of``.
    """
    from capsize.report.context import build_context  # the report builds on the queries

    s = session_for(source, as_of)
    ctx = build_context(s)
    figures: dict[str, Figure] = {}
    rows = tuple(_row(item, figures) for item in ctx.watch)
    table = TableData("watch", "What to watch", ("rule", "item", "value", "threshold"), rows)
    notes = (
        "Items come from the report's watch rules (capsize.report.watch); "
        "each names its threshold.",
        *(() if rows else ("No watch rule fires on this day.",)),
    )
    sources = sorted({f.provenance.source for f in figures.values()})
    return QueryResult(
        query="watch",
        as_of=pd.Timestamp(ctx.as_of),
        requested_as_of=s.requested,
        params={},
        tables=(table,),
        notes=notes,
        sources=tuple(sources),
    )
