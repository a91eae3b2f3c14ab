"""Report section on rates: yields, their link to small vs large, regimes and Fed turns.

Renders the answer of :func:`capsize.queries.rates` (asked once per report with the
report's session); every number is a query figure adopted with its provenance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from capsize.queries.result import Figure as QFigure
from capsize.report._model import ChartSeries, ChartSpec, Section, Table
from capsize.report.sections._drivers import adopt, adopt_table, unit_format

if TYPE_CHECKING:
    from capsize.queries.result import Figure as QueryFigure
    from capsize.queries.result import QueryResult
    from capsize.report._inputs import Inputs
    from capsize.report._model import Figure

__all__ = ["rates_section"]

_COLORS = {"DGS2": "#1f4e79", "DGS10": "#e08a00", "DFF": "#7f7f7f"}
_SHOWN_OFFSETS = ("-3m", "+1m", "+3m", "+6m", "+12m")
"""Offsets of the Fed-turn table in the report (the answer also has +0m)."""


def _query(inp: Inputs) -> QueryResult:
    from capsize.queries import rates

    result: QueryResult = inp.session.cached(("q", "rates"), lambda: rates(inp.session))
    return result


def _corr_fig(inp: Inputs, q: QueryFigure) -> Figure:
    """Adopt a 52-week correlation under its report id ``rates.corr.<series>``."""
    return inp.book.adopt(q, unit_format(q), fid=f"rates.corr.{q.id.split('.', 1)[1]}")


def _section_figures(inp: Inputs, res: QueryResult) -> dict[str, Figure]:
    """Adopt the named figures the narrative and the watch rules use."""
    return {
        f"corr.{q.id.split('.', 1)[1]}": _corr_fig(inp, q)
        for q in res.all_figures()
        if q.id.startswith("corr52w.")
    }


def _corr_table(inp: Inputs, res: QueryResult) -> Table:
    t = res.table("corr52w")
    rows = tuple((str(r[0]), _corr_fig(inp, r[1])) for r in t.rows if isinstance(r[1], QFigure))
    return Table(
        ("Relationship", t.columns[1]),
        rows,
        "Positive: small caps beat large caps in weeks when yields rose.",
    )


def _charts(res: QueryResult) -> tuple[ChartSpec, ...]:
    levels = [s for s in res.series if s.name.startswith("level.")]
    corr = [s for s in res.series if s.name.startswith("corr52w.")]
    out = []
    if levels:
        out.append(
            ChartSpec(
                "rates",
                "Treasury yields and fed funds, last 12 months",
                "line",
                tuple(
                    ChartSeries(s.label, s.dates, s.values, color=_COLORS.get(s.name[6:]))
                    for s in levels
                ),
                "percent",
                "Source: FRED (" + ", ".join(s.name[6:] for s in levels) + ") as stored.",
                "num",
            )
        )
    if corr:
        out.append(
            ChartSpec(
                "rates_corr",
                "Rolling 52-week correlation: small minus large vs yield changes",
                "line",
                tuple(
                    ChartSeries(s.label, s.dates, s.values, color=_COLORS.get(s.name[8:]))
                    for s in corr
                ),
                "correlation",
                f"Source: {corr[0].provenance.source}. Weekly (Friday) returns and yield changes.",
                "num",
                hline=0.0,
            )
        )
    return tuple(out)


def _regime_columns(res: QueryResult) -> list[int]:
    cols = res.table("regimes").columns
    return [i for i, c in enumerate(cols) if not c.endswith(" n")]


def _event_columns(res: QueryResult) -> list[int]:
    cols = res.table("events").columns
    return [i for i, c in enumerate(cols) if i < 2 or c in _SHOWN_OFFSETS]


def _tables(inp: Inputs, res: QueryResult) -> list[Table]:
    names = {t.name for t in res.tables}
    book = inp.book
    out = [
        adopt_table(
            book, res.table("levels"), "rates", caption="Percent; changes in basis points."
        ),
        _corr_table(inp, res),
        adopt_table(
            book,
            res.table("sensitivity"),
            "rates",
            caption="Monthly IWM minus SPY total return regressed on the monthly changes of the "
            "2-year and 10-year yields: percentage points of spread per percentage point of yield "
            "change, each holding the other fixed; full-period t-statistics are Newey-West.",
        ),
    ]
    if "regimes" in names:
        out.append(
            adopt_table(
                book,
                res.table("regimes"),
                "rates",
                columns=_regime_columns(res),
                caption="Complete months (month-end values), classified by the yield change in "
                "that month (rising: up ten basis points or more; falling: down as much; else "
                "flat). Avg: IWM minus SPY total return over the following months, in "
                "percentage points; hit: share of those months in which IWM beat SPY. Only "
                "windows that end on or before the report day are counted; windows overlap, so "
                "months are not independent.",
            )
        )
    if "events" in names:
        out.append(
            adopt_table(
                book,
                res.table("events"),
                "rates",
                columns=_event_columns(res),
                highlight=lambda row: row[0] in ("average", "events averaged"),
                caption="IWM relative to SPY from the last close before each turn (negative "
                "offsets: where the ratio stood before it). Turns: the first cut after hikes and "
                "the first hike after cuts in the effective fed funds rate (DFF), found with data "
                "up to the report day; only turns after IWM's first close are shown. Each average "
                "counts only the turns with data at its offset (the row below it).",
            )
        )
    return out


def rates_section(inp: Inputs) -> Section:
    """2-year, 10-year and fed funds; the spread's link to yields; regimes and Fed turns."""
    res = _query(inp)
    figs = _section_figures(inp, res)
    tables = _tables(inp, res)
    for t in tables:
        for row in t.rows:
            for c in row:
                if not isinstance(c, str) and c.id.startswith("rates."):
                    figs.setdefault(c.id[len("rates.") :], c)
    latest = next((q for q in res.all_figures() if q.id == "turns.latest"), None)
    if latest is not None:
        figs["turns.latest"] = adopt(inp.book, latest, "rates")
    notes = tuple(
        n for n in res.notes if n.startswith(("Regime table", "as-of ")) or "not available" in n
    )
    return Section(
        "rates",
        "Rates",
        figures=figs,
        tables=tuple(tables),
        charts=_charts(res),
        notes=notes,
    )
