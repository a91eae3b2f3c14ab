"""Point-in-time answers for the fact-checker: the questions an article's figures ask.

Each function answers one question between two dates a market article names (a change
over an arbitrary window, the extremes within it, a run of calendar periods, a volume
change, a rate's level or its moves, a fund's flows), as a
:class:`~capsize.queries.result.QueryResult` whose figures carry their provenance. They read
only data on or before the window's end (the session's as-of). ``capsize.factcheck``
renders their figures; it computes nothing itself.
"""

from __future__ import annotations

from capsize.queries.factcheck._changes import period_change
from capsize.queries.factcheck._common import preload_closes
from capsize.queries.factcheck._extremes import window_extremes
from capsize.queries.factcheck._flows import fund_flow
from capsize.queries.factcheck._rates import rate_change, rate_moves
from capsize.queries.factcheck._runs import calendar_runs
from capsize.queries.factcheck._volume import volume_change

__all__ = [
    "calendar_runs",
    "fund_flow",
    "period_change",
    "preload_closes",
    "rate_change",
    "rate_moves",
    "volume_change",
    "window_extremes",
]
