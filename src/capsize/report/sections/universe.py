"""The small-cap universe asked once for the breadth and liquidity sections.

The answers come from the query layer (:mod:`capsize.queries.internals`), memoised in
the report's session so that both sections (and the CLI, and the API) show the same
numbers: the member list is the latest dated on or before the universe's day, the
universe's day is its last session on or before the report day, and the A/D start
follows :mod:`capsize.rules.breadth`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from capsize.errors import CapsizeError
from capsize.report._inputs import Inputs

if TYPE_CHECKING:
    from capsize.queries.internals import BreadthAnswer, UniverseAnswer

__all__ = ["UniverseData", "load_universe", "universe_or_reason"]


@dataclass(frozen=True)
class UniverseData:
    """The universe's answers for one report.

    Attributes
    ----------
    members : UniverseAnswer
        The member list used and its counts.
    breadth : BreadthAnswer
        Breadth on the universe's day.
    day : Timestamp
        The universe's day (its last session on or before the report day).
    """

    members: UniverseAnswer
    breadth: BreadthAnswer
    day: pd.Timestamp


def load_universe(inp: Inputs) -> UniverseData:
    """Ask the universe and breadth queries once for the report (memoised in its session).

    Raises
    ------
    DataNotFound
        When no member list is dated on or before the day or the universe has no prices.
    """
    from capsize.queries.internals import breadth, universe_members

    s = inp.session
    members: UniverseAnswer = s.cached(("q", "universe_members"), lambda: universe_members(s))
    br: BreadthAnswer = s.cached(("q", "breadth"), lambda: breadth(s))
    return UniverseData(members=members, breadth=br, day=br.as_of)


def universe_or_reason(inp: Inputs) -> tuple[UniverseData | None, str]:
    """Return the universe's answers, or None and why they are missing (one line).

    Asked once per report (memoised in the session), so every section that shows the
    universe says the same thing when it is missing.
    """

    def ask() -> tuple[UniverseData | None, str]:
        try:
            return load_universe(inp), ""
        except CapsizeError as exc:
            return None, (str(exc) or type(exc).__name__).splitlines()[0]

    out: tuple[UniverseData | None, str] = inp.session.cached(("report", "universe"), ask)
    return out
