"""Report section on ETF fund flows by size segment (shares outstanding x NAV).

Renders the answer of :func:`capsize.queries.flows` (asked once per report with the
report's session): the segments' net flows over the report's windows and by calendar
year, record months, and one sentence on what is not covered. Every number is a
query figure adopted with its provenance.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from capsize.report._model import Section
from capsize.report.sections._drivers import adopt_table

if TYPE_CHECKING:
    from capsize.queries.result import QueryResult
    from capsize.report._inputs import Inputs
    from capsize.report._model import Figure, Table

__all__ = ["flows_section"]

YEARS_SHOWN = 10
"""Calendar years shown in the report (the answer holds every year of history)."""


def _query(inp: Inputs) -> QueryResult:
    from capsize.queries import flows

    result: QueryResult = inp.session.cached(("q", "flows"), lambda: flows(inp.session))
    return result


def _tables(inp: Inputs, res: QueryResult) -> list[Table]:
    names = {t.name for t in res.tables}
    book = inp.book
    out = [
        adopt_table(
            book,
            res.table("windows"),
            "flows",
            caption="Net creations minus redemptions, in dollars: the daily change in shares "
            "outstanding times the day's NAV (month over month for month-end counts). A window "
            "sums the flows after its base day up to the report day (YTD: after the last day of "
            "the previous year); a month-over-month flow counts only when its whole month is "
            "inside the window.",
        ),
        adopt_table(
            book,
            res.table("windows_pct"),
            "flows",
            caption="The same flows as a share of the funds' assets (shares times NAV) on the "
            "window's base day, so segments of different size compare.",
        ),
    ]
    if "years" in names:
        years = res.table("years")
        out.append(
            adopt_table(
                book,
                replace(years, rows=years.rows[:YEARS_SHOWN]),
                "flows",
                caption="Complete calendar years, most recent first.",
            )
        )
    if "records" in names:
        out.append(
            adopt_table(
                book,
                res.table("records"),
                "flows",
                caption="Largest calendar-month net inflow and outflow in the history held "
                "(records of that history, not all-time); months held counts the months with "
                "a usable flow.",
            )
        )
    return out


def flows_section(inp: Inputs) -> Section:
    """ETF net flows by size segment over the report's windows, with what is not covered."""
    res = _query(inp)
    tables = _tables(inp, res)
    figs: dict[str, Figure] = {}
    for t in tables:
        for row in t.rows:
            for c in row:
                if not isinstance(c, str):
                    figs.setdefault(c.id.removeprefix("flows."), c)
    notes = tuple(
        n
        for n in res.notes
        if n.startswith(("Not covered", "as-of ")) or "stale" in n or "no flow in the" in n
    )
    if not any(f.available for f in figs.values()):  # tables of n/a say nothing: one sentence
        return Section(
            "flows",
            "Fund flows",
            False,
            " ".join((f"No fund has a usable flow on {inp.day}.", *notes)),
        )
    return Section("flows", "Fund flows", figures=figs, tables=tuple(tables), notes=notes)
