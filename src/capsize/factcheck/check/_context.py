"""What a checker gets (the store's session at the article's date, window dates) and returns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.queries import Figure, QueryResult, Session

if TYPE_CHECKING:
    from capsize.factcheck.claim import Claim

__all__ = ["Alternative", "CheckContext", "Measured", "NotCheckable", "figure_dicts"]


class NotCheckable(Exception):
    """Raised by a checker when the data or a feature needed is missing (the message says which)."""


@dataclass(frozen=True)
class Alternative:
    """A value under another common definition (price vs total return, index vs ETF, ...)."""

    value: float
    definition: str
    figures: tuple[Figure, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Measured:
    """What a checker computed for one claim, in the claim's unit.

    Attributes
    ----------
    value : float or None
        The primary value (None for a fact-only claim: see ``fact``).
    definition : str
        The definition used, in words (symbols, dates, formula).
    figures : tuple of Figure
        The query figures it comes from (their provenance goes into the verdict).
    alternatives : tuple of Alternative
        Values under other common definitions, for a "close" verdict.
    fact : bool or None
        For claims without a value ("hit a record"): whether the data bear it out.
    magnitude : bool
        Compare sizes (a fall of 12 % and "12 % below" are the same claim).
    label : str
        What was computed, in short, where the claim's subjects do not say it ("SPY − IWM,
        total return" for a claim naming the S&P 500 and small caps); "" otherwise.
    stand_in : str
        What ``value`` stands in for the figure the claim states, when the data lack that
        figure ("the dividend-adjusted close (...)" for "closed at" with no raw close): a
        value within the tolerance is then "close", not "supported"; "" otherwise.
    """

    value: float | None
    definition: str
    figures: tuple[Figure, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    fact: bool | None = None
    magnitude: bool = False
    label: str = ""
    stand_in: str = ""


def figure_dicts(figures: tuple[Figure, ...]) -> tuple[dict[str, Any], ...]:
    """Figures as JSON-ready dicts with their ids, each id once."""
    seen: dict[str, dict[str, Any]] = {}
    for f in figures:
        seen.setdefault(f.id, {"id": f.id, **f.to_dict()})
    return tuple(seen.values())


@dataclass
class CheckContext:
    """The session at the article's date, and sessions ending at earlier window ends.

    Parameters
    ----------
    session : Session
        Reads nothing dated after the article's date.
    article_date : datetime.date
        The article's date.
    """

    session: Session
    article_date: dt.date
    _ends: dict[pd.Timestamp, Session] = field(default_factory=dict, repr=False)

    @property
    def day(self) -> pd.Timestamp:
        """The article's date as a Timestamp."""
        return pd.Timestamp(self.article_date)

    def end_of(self, claim: Claim) -> pd.Timestamp:
        """Return the claim's window end, at most the article's date (the article's date without one)."""
        if claim.window is None:
            return self.day
        return min(pd.Timestamp(claim.window.end), self.day)

    def start_of(self, claim: Claim) -> pd.Timestamp | None:
        """Return the claim's window start (None for point claims)."""
        if claim.window is None or claim.window.start is None:
            return None
        return pd.Timestamp(claim.window.start)

    def at(self, end: pd.Timestamp) -> Session:
        """Return a session reading nothing after ``end`` (cached per end, sharing the store)."""
        if end >= self.day:
            return self.session
        if end not in self._ends:
            self._ends[end] = self.session.earlier(end)
        return self._ends[end]

    def fresh(self, result: QueryResult, end: pd.Timestamp, what: str) -> None:
        """Refuse an answer whose data end well before ``end`` (stale for the claim).

        Raises
        ------
        NotCheckable
            When the answer's as-of is more than 7 days before ``end``.
        """
        if (end - result.as_of).days > 7:
            raise NotCheckable(
                f"the data for {what} end {result.as_of:%Y-%m-%d}, before the claim's date "
                f"{end:%Y-%m-%d}; newer data are needed"
            )
