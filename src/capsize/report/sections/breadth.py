"""Report section on breadth: averages, A/D line, highs/lows, McClellan, equal weight.

Every figure is the breadth query's (:func:`capsize.queries.internals.breadth`),
adopted with its value and provenance unchanged; the section only chooses what to
show and formats it.
"""

from __future__ import annotations

from capsize.queries.result import Figure as QFigure
from capsize.report._inputs import Inputs, num, pct, pp
from capsize.report._model import ChartSeries, ChartSpec, Figure, Section, Table
from capsize.report.sections.common import Fmt, count_fmt, day_text
from capsize.report.sections.universe import UniverseData
from capsize.rules.breadth import AD_SESSIONS, COMPARE_WINDOWS

__all__ = ["breadth_section", "sector_section"]

_SKIP_WHEN_MISSING = ("up_volume", "down_volume")
"""Rows left out of the report when their value is missing (the universe lacks volume)."""


def _fmt(q: QFigure) -> Fmt:
    why = q.note or "no data"
    if q.id.startswith("pct_above_"):
        fmt: Fmt = pct(why, 0, sign=False)
    elif q.id == "ad_line":
        fmt = num(why, 0, sign=True)
    else:
        by_unit: dict[str, Fmt] = {
            "fraction": pct(why),
            "pp": pp(why),
            "score": num(why, 1, sign=True),
        }
        fmt = by_unit.get(q.unit, count_fmt(why))
    return fmt


def _shown(row: tuple[object, ...]) -> bool:
    value = row[1]
    if isinstance(value, QFigure) and value.id in _SKIP_WHEN_MISSING:
        return value.available
    return True


def _charts(ud: UniverseData, inp: Inputs) -> tuple[ChartSpec, ...]:
    br = ud.breadth
    ad, ew, iwm = br.get_series("ad_line"), br.get_series("ew_index"), br.get_series("iwm_index")
    src = ad.provenance.source
    return (
        ChartSpec(
            "breadth_ad",
            f"Advance/decline line of the small-cap universe, last {AD_SESSIONS} sessions "
            f"(0 at the close of {ad.dates[0]})",
            "line",
            (ChartSeries("A/D line", ad.dates, ad.values, color="#1f4e79"),),
            "cumulative net advances (members)",
            f"Source: {src}.",
            "num",
            hline=0.0,
        ),
        ChartSpec(
            "breadth_ew",
            "Equal-weight universe vs IWM, last 12 months (both = 100 at the start)",
            "line",
            (
                ChartSeries("Equal-weight members", ew.dates, ew.values, color="#1f4e79"),
                ChartSeries("IWM", iwm.dates, iwm.values, color="#e08a00"),
            ),
            "index (start = 100)",
            f"Source: {src}; {iwm.provenance.source}; same dates for both.",
            "num",
        ),
    )


def breadth_section(inp: Inputs, ud: UniverseData) -> Section:
    """Share above averages, A/D line, highs/lows, McClellan, equal weight vs IWM."""
    br = ud.breadth
    bday = day_text(ud.day)
    figs: dict[str, Figure] = {}

    def adopt(cell: object) -> Figure | str:
        if not isinstance(cell, QFigure):
            return str(cell)
        f = inp.book.adopt(cell, _fmt(cell), fid=f"breadth.{cell.id}")
        figs[cell.id] = f
        return f

    rows = tuple(tuple(adopt(c) for c in row) for row in br.table("breadth").rows if _shown(row))
    t1 = Table(
        ("Measure", "Value", "Out of"),
        rows,
        f"Breadth on {bday}. Out of: the members each count is taken over (a member counts only "
        "where it has the data the measure needs). Averages and look-backs count sessions. "
        f"A/D line: net advances since the close of {day_text(br.ad_start)}, the session "
        f"{AD_SESSIONS} sessions before {bday}.",
    )
    cmp_rows = tuple(tuple(adopt(c) for c in row) for row in br.table("ew_vs_iwm").rows)
    windows = ", ".join(str(w) for w, _ in COMPARE_WINDOWS[:-1])
    t2 = Table(
        ("Window", "Equal-weight members", "IWM (cap-weighted)", "Difference"),
        cmp_rows,
        f"Windows of {windows} and {COMPARE_WINDOWS[-1][0]} sessions ending {bday}. Equal "
        "weight: the daily average return of the members, compounded (no rebalancing cost).",
    )
    notes = [f"Member list: {ud.members.list_name}."]
    if ud.day != inp.as_of:
        notes.append(
            f"The universe's prices end {bday}, before the report day {inp.day}: breadth is "
            f"as of {bday}, and IWM is compared over the same dates."
        )
    notes += [n for n in br.notes if n.startswith(("A/D line", "Survivorship"))]
    return Section(
        "breadth",
        f"Breadth of the small-cap universe, {bday}",
        figures=figs,
        tables=(t1, t2),
        charts=_charts(ud, inp),
        notes=tuple(notes),
    )


def sector_section(inp: Inputs) -> Section:
    """Share above the 50/200-day averages and equal-weight returns, per sector."""
    from capsize.queries.internals import SectorBreadthAnswer, sector_breadth

    s = inp.session
    ans: SectorBreadthAnswer = s.cached(("q", "sector_breadth"), lambda: sector_breadth(s))
    figs: dict[str, Figure] = {}

    def adopt(cell: object) -> Figure | str:
        if not isinstance(cell, QFigure):
            return str(cell)
        why = cell.note or "no data"
        fmt: Fmt = count_fmt(why)
        if cell.unit == "fraction":
            fmt = pct(why, 0, sign=False) if ".pct_above_" in cell.id else pct(why)
        f = inp.book.adopt(cell, fmt, fid=f"sectors.{cell.id}")
        figs[cell.id] = f
        return f

    table = ans.table("sectors")
    rows = tuple(tuple(adopt(c) for c in row) for row in table.rows)
    day = day_text(ans.as_of)
    t = Table(
        table.columns,
        rows,
        f"Sectors on {day}. % above: members above their 50- or 200-day average, of those "
        "with a full window. Returns: equal-weight mean of the members' total returns, 1W from "
        "5 sessions before, MTD and YTD from the last close of the previous month and year. "
        f"Sectors from the {ans.sector_file}; n/a: members not in that file.",
        highlight=(len(rows) - 1,),
    )
    notes = []
    if ans.as_of != inp.as_of:
        notes.append(
            f"The universe's prices end {day}, before the report day {inp.day}: sectors are as "
            f"of {day}."
        )
    return Section(
        "sectors",
        f"Breadth by sector, {day}",
        figures=figs,
        tables=(t,),
        notes=tuple(notes),
    )
