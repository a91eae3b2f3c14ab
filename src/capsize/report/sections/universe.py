"""The small-cap universe asked once for the breadth and liquidity sections; its movers.

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
from capsize.queries.result import Figure as QFigure
from capsize.report._inputs import Inputs
from capsize.report._model import Figure, Section, Table
from capsize.report.sections.common import day_text
from capsize.rules.movers import LIQUIDITY_SESSIONS, WINDOWS

if TYPE_CHECKING:
    from capsize.queries.internals import BreadthAnswer, MoversAnswer, UniverseAnswer

__all__ = ["MOVERS_SHOWN", "UniverseData", "load_universe", "movers_section", "universe_or_reason"]


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


MOVERS_SHOWN = 5
"""Movers shown at each end per window (the query answers ten)."""


def _movers_table(inp: Inputs, ans: MoversAnswer, w: str, with_volume: bool) -> Table:
    from capsize._format import fmt_money
    from capsize.report._inputs import pct
    from capsize.report.sections.common import money_fmt

    fmts = [pct("no return"), lambda v: fmt_money(v, reason="no close")]
    if with_volume:
        fmts.append(money_fmt("no volume"))
    rows: list[tuple[Figure | str, ...]] = []
    for end in ("top", "bottom"):
        for row in ans.table(f"{end}.{w}").rows[:MOVERS_SHOWN]:
            _, ticker, sector, *figs, label = row
            cells: list[Figure | str] = ["Top" if end == "top" else "Bottom", str(ticker)]
            cells.append(str(sector))
            for q, fmt in zip(figs, fmts, strict=False):
                if isinstance(q, QFigure):
                    cells.append(inp.book.adopt(q, fmt, fid=f"movers.{q.id}"))
                else:
                    cells.append(str(q))
            cells.append(str(label))
            rows.append(tuple(cells))
    base = (ans.bases or {}).get(w)
    columns: tuple[str, ...] = ("End", "Ticker", "Sector", f"Return {w}", "Close")
    columns += ("Median $ vol 20d", "Liquidity") if with_volume else ("Liquidity",)
    return Table(
        columns,
        tuple(rows),
        f"{w}: from the close of {day_text(base)} to {day_text(ans.as_of)}; top and bottom "
        f"{MOVERS_SHOWN} of the members with both closes. Liquidity: tier of the median daily "
        "dollar volume; 'under $1' and 'volume unknown' mark moves that may not be tradable "
        "at that price.",
    )


def movers_section(inp: Inputs) -> Section:
    """Top and bottom movers of the universe over 1D, 1W and month to date, with liquidity."""
    from capsize.queries.internals import movers

    s = inp.session
    ans: MoversAnswer = s.cached(("q", "movers"), lambda: movers(s))
    windows = tuple(w for w in WINDOWS if (ans.bases or {}).get(w) is not None)
    shown = [
        f
        for w in windows
        for end in ("top", "bottom")
        for row in ans.table(f"{end}.{w}").rows[:MOVERS_SHOWN]
        for f in row
        if isinstance(f, QFigure) and f.id.endswith(".dollar_volume")
    ]
    with_volume = any(f.value is not None for f in shown)
    tables = tuple(_movers_table(inp, ans, w, with_volume) for w in windows)
    figs = {f.id.removeprefix("movers."): f for f in inp.book.all() if f.id.startswith("movers.")}
    uni, _ = universe_or_reason(inp)
    notes = [f"Member list: {uni.members.list_name}."] if uni is not None else []
    if not with_volume:
        notes.append(
            f"The store holds no member volume in the {LIQUIDITY_SESSIONS} sessions to "
            f"{day_text(ans.as_of)}: how liquid these moves were cannot be assessed, so read "
            "large moves in low-priced names with care."
        )
    if ans.as_of != inp.as_of:
        notes.append(
            f"The universe's prices end {day_text(ans.as_of)}, before the report day {inp.day}."
        )
    return Section(
        "movers",
        f"Top and bottom movers of the small-cap universe, {day_text(ans.as_of)}",
        figures=figs,
        tables=tables,
        notes=tuple(notes),
    )
