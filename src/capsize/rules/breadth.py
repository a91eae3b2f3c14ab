"""The breadth universe and the advance/decline start: one rule for every front end.

Member list (:data:`MEMBER_LIST_RULE`)
    Breadth and the universe's liquidity run over the members of the latest IWM
    member list (a holdings file or a membership snapshot) dated **on or before** the
    day they are computed for. Before the first list there is no answer: a later list
    would be look-ahead. The list is applied to the whole window read, so history
    carries survivorship bias (every output says so).

Advance/decline start (:data:`RULE`)
    The A/D line is the running sum of net advances (advancers minus decliners) over
    the :data:`AD_SESSIONS` sessions ending on the as-of day. It is 0 at the close of
    the *base day*, the session :data:`AD_SESSIONS` sessions before the as-of day, so
    its value on the as-of day is the net advances of those sessions. When the
    universe's prices begin later, the base day is their first session (and the
    shorter span is stated).

Why a fixed trailing window and not the first day in the store, nor the member
list's first day:

* The store's first universe day (2018-01-02 in the shared data) is an artefact of
  how far back the files were built; a line cumulated from it changes value whenever
  more history is imported, so two stores holding the same days would disagree.
* A member list is dated every few days (membership snapshots); starting the line at
  the list's first usable day would reset it with each new list.
* One trading year (252 sessions) is the window of the report's chart, of the
  52-week highs and lows and of the 1-year equal-weight comparison: the line, its
  chart and its neighbours cover the same span, and the start is stated next to the
  figure (label and provenance window).

Read window
    Every universe figure is computed from the universe's closes over the
    :data:`READ_DAYS` calendar days ending on its day (about 550 sessions): enough for a
    252-session high/low look-back before a 252-session chart and for the McClellan
    EMAs to forget their seed (weight of the seed after 500 sessions: below 1e-11).

Examples
--------
>>> days = pd.bdate_range("2025-01-01", periods=300)
>>> ad_base(days, days[-1]).date(), ad_base(days[:100], days[99]).date()
(datetime.date(2025, 3, 7), datetime.date(2025, 1, 1))
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "AD_SESSIONS",
    "COMPARE_WINDOWS",
    "HIGH_LOW_SESSIONS",
    "MA_WINDOWS",
    "MEMBER_LIST_RULE",
    "READ_DAYS",
    "RULE",
    "ad_base",
]

AD_SESSIONS = 252
"""Sessions summed by the A/D line (one trading year)."""

READ_DAYS = 800
"""Calendar days of universe prices read before the day a figure is for."""

MA_WINDOWS: tuple[int, ...] = (20, 50, 200)
"""Moving-average windows of the '% above average' figures, sessions."""

HIGH_LOW_SESSIONS = 252
"""Look-back of new 52-week highs and lows, sessions."""

COMPARE_WINDOWS: tuple[tuple[int, str], ...] = ((21, "1M"), (63, "3M"), (252, "1Y"))
"""Equal-weight vs IWM windows: (sessions, label)."""

RULE = (
    f"A/D line: the running sum of net advances (advancers - decliners) over the "
    f"{AD_SESSIONS} sessions ending on the as-of day; it is 0 at the close of the base day "
    f"({AD_SESSIONS} sessions before), not at the first day the store holds, so importing "
    "more history never changes it."
)
"""The A/D start rule in one sentence, for notes."""

MEMBER_LIST_RULE = (
    "Universe: the latest IWM member list (holdings file or membership snapshot) dated on or "
    "before the day; before the first list there is no answer (a later list would be "
    "look-ahead)."
)
"""The member-list rule in one sentence, for notes."""


def ad_base(sessions: pd.DatetimeIndex, day: object) -> pd.Timestamp:
    """Return the base day of the A/D line ending on ``day``.

    Parameters
    ----------
    sessions : DatetimeIndex
        The universe's sessions, ascending.
    day : date-like
        The as-of day (the last session used).

    Returns
    -------
    Timestamp
        The session :data:`AD_SESSIONS` sessions before the last session on or before
        ``day``, or the first session when there are fewer.

    Raises
    ------
    ValueError
        When no session is on or before ``day`` (a programming error: the caller
        chooses ``day`` among the sessions).
    """
    pos = int(sessions.searchsorted(pd.Timestamp(str(day)), side="right")) - 1
    if pos < 0:
        raise ValueError(f"no session on or before {day}")
    return pd.Timestamp(sessions[max(0, pos - AD_SESSIONS)])
