"""When is data too old to use? One staleness rule for every figure and component.

The rule (:data:`RULE`): data whose last observation is more than the allowance of its
frequency before the as-of day is *stale*. A stale input is never shown as current: a
figure on it is labelled with its last date, and a score component on it is not
assessed. Allowances, in calendar days (:data:`MAX_AGE_DAYS`):

* ``daily`` 10 (two trading weeks with a holiday),
* ``weekly`` 21,
* ``monthly`` 92 (a month, plus two months of publication lag: the Ken French library
  and FRED's monthly series publish weeks after the month ends),
* ``quarterly`` 183,
* ``snapshot`` 183 (holdings and member lists, published irregularly).

Examples
--------
>>> f = freshness("2026-07-31", "2026-08-21", "daily")
>>> f.stale, f.age_days
(True, 21)
>>> f.note("IWC")
'IWC: data end 2026-07-31, 21 days before 2026-08-21 (stale: limit 10 days for daily data)'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

__all__ = ["MAX_AGE_DAYS", "RULE", "Frequency", "Freshness", "freshness"]

Frequency = Literal["daily", "weekly", "monthly", "quarterly", "snapshot"]

MAX_AGE_DAYS: dict[str, int] = {
    "daily": 10,
    "weekly": 21,
    "monthly": 92,
    "quarterly": 183,
    "snapshot": 183,
}
"""Allowance per data frequency, calendar days between the last observation and as-of."""

RULE = (
    "Data is stale when its last observation is older than its frequency allows "
    "(daily 10 days, weekly 21, monthly 92, quarterly 183, holdings and member lists 183); "
    "stale data is labelled with its last date and a score component on it is not assessed."
)
"""The staleness rule in one sentence, for method notes."""


def _ts(value: object) -> pd.Timestamp:
    return (
        value.normalize()
        if isinstance(value, pd.Timestamp)
        else pd.Timestamp(str(value)).normalize()
    )


@dataclass(frozen=True)
class Freshness:
    """How old one input is on the as-of day, and whether that is too old.

    Attributes
    ----------
    last : Timestamp or None
        Last observation (None: no data at all).
    as_of : Timestamp
        The day the figure is for.
    frequency : str
        Data frequency (a key of :data:`MAX_AGE_DAYS`).
    age_days : int or None
        Calendar days from ``last`` to ``as_of``.
    limit_days : int
        The allowance for ``frequency``.
    stale : bool
        True when there is no data or ``age_days > limit_days``.
    """

    last: pd.Timestamp | None
    as_of: pd.Timestamp
    frequency: str
    age_days: int | None
    limit_days: int
    stale: bool

    def note(self, what: str) -> str:
        """Return a reader's sentence on the input's age (says 'stale' only when it is)."""
        day = f"{self.as_of:%Y-%m-%d}"
        if self.last is None:
            return f"{what}: no data on or before {day}"
        text = f"{what}: data end {self.last:%Y-%m-%d}, {self.age_days} days before {day}"
        if self.stale:
            text += f" (stale: limit {self.limit_days} days for {self.frequency} data)"
        return text


def freshness(
    last: object | None, as_of: object, frequency: Frequency | str = "daily"
) -> Freshness:
    """Apply the staleness rule to one input.

    Parameters
    ----------
    last : date-like or None
        Date of the last observation used (None or NaT: no data).
    as_of : date-like
        The day the answer is for.
    frequency : {"daily", "weekly", "monthly", "quarterly", "snapshot"}
        The input's frequency.

    Returns
    -------
    Freshness

    Raises
    ------
    KeyError
        For an unknown frequency (a programming error).
    """
    limit = MAX_AGE_DAYS[frequency]
    day = _ts(as_of)
    if last is None or (not isinstance(last, str) and bool(pd.isna(last))):  # type: ignore[call-overload]
        return Freshness(None, day, str(frequency), None, limit, True)
    end = _ts(last)
    age = int((day - end).days)
    return Freshness(end, day, str(frequency), age, limit, age > limit)
