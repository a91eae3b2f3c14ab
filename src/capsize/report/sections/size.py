"""Report section on the size factor (small minus big) in history: renders ``factor_history``."""

from __future__ import annotations

from capsize.errors import CapsizeError, DataNotFound
from capsize.queries.size import FactorHistory, factor_history
from capsize.report._inputs import Inputs, num, pct
from capsize.report._model import ChartSeries, ChartSpec, Figure, Section, Table

__all__ = ["SIZE_YEARS", "size_factor_section"]


SIZE_YEARS = (10, 20, 50)
"""Trailing windows (years) shown in the section."""

_KEY = "smb"
"""The series shown: SMB from the monthly three-factor file."""

_SOURCE = "Ken French data library, F-F Research Data Factors (monthly)"


def _answer(inp: Inputs) -> FactorHistory:
    """Ask for the size factor's history on the report day (once per report)."""
    result: FactorHistory = inp.session.cached(
        ("q", "factor_history", None, 0.25), lambda: factor_history(inp.session)
    )
    if _KEY not in result.labels:
        raise DataNotFound("no monthly SMB (French FF3) published by the report day in the store")
    return result


def _summary_row(r: FactorHistory) -> tuple[object, ...]:
    """Return the SMB row of the answer's summary (leader of the ongoing leg, since when)."""
    return next(row for row in r.table("summary").rows if row[0] == r.labels[_KEY])


def _window_rows(
    inp: Inputs, r: FactorHistory
) -> tuple[dict[str, Figure], list[tuple[Figure | str, ...]]]:
    figs: dict[str, Figure] = {}
    rows: list[tuple[Figure | str, ...]] = []
    for y in SIZE_YEARS:
        p = f"{_KEY}.trailing_{y}y"
        cum = inp.book.adopt(
            r.fig(f"{p}.cum"),
            pct("no data", 0),
            fid=f"size.{y}y.cum",
            label=f"SMB cumulative, last {y} years",
        )
        ann = inp.book.adopt(
            r.fig(f"{p}.ann"),
            pct("no data", 1),
            fid=f"size.{y}y.ann",
            label=f"SMB annualised, last {y} years",
        )
        pctl = inp.book.adopt(
            r.fig(f"{p}.pctl"),
            pct("no data", 0, sign=False),
            fid=f"size.{y}y.pctl",
            label=f"percentile of the trailing {y}-year SMB among all months",
        )
        figs[f"{y}y.cum"], figs[f"{y}y.ann"], figs[f"{y}y.pctl"] = cum, ann, pctl
        rows.append((f"Last {y} years", cum, ann, pctl))
    return figs, rows


def _stretch(inp: Inputs, r: FactorHistory, figs: dict[str, Figure]) -> Table | None:
    """Adopt the current stretch (ongoing leg of the SMB line) as a one-row table."""
    months = r.fig(f"{_KEY}.cycle.months")
    if months.value is None:
        return None
    who = str(_summary_row(r)[8])
    figs["cycle_months"] = inp.book.adopt(
        months,
        num("no data", 0),
        fid="size.cycle.months",
        label=f"months of the current {who}-led stretch",
    )
    figs["cycle_mag"] = inp.book.adopt(
        r.fig(f"{_KEY}.cycle.magnitude"),
        pct("no data", 0),
        fid="size.cycle.magnitude",
        label="SMB line change over the current stretch",
    )
    cells: list[Figure | str] = [who.capitalize(), figs["cycle_months"], figs["cycle_mag"]]
    cols = ["Leader", "Months", "SMB line change"]
    rank, n = r.fig(f"{_KEY}.cycle.rank"), r.fig(f"{_KEY}.cycle.n")
    if rank.value is not None:
        figs["cycle_rank"] = inp.book.adopt(
            rank,
            num("no data", 0),
            fid="size.cycle.rank",
            label=f"rank by length among {who}-led stretches",
        )
        figs["cycle_n"] = inp.book.adopt(
            n, num("no data", 0), fid="size.cycle.n", label=f"{who}-led stretches in the window"
        )
        cells += [figs["cycle_rank"], figs["cycle_n"]]
        cols += ["Rank by length", "Stretches led by that side"]
    return Table(
        tuple(cols),
        (tuple(cells),),
        "A stretch runs between turns of the cumulative SMB line (a turn is a reversal "
        "of a quarter or more); the current one is not yet confirmed.",
    )


def size_factor_section(inp: Inputs) -> Section:
    """Small-minus-big (Ken French) over the last 10/20/50 years and the current stretch."""
    try:
        r = _answer(inp)
    except CapsizeError as exc:
        return Section("size", "The size factor in history", False, str(exc))
    figs, rows = _window_rows(inp, r)
    line = r.get_series(f"{_KEY}.line")
    first, last = line.dates[0][:7], line.dates[-1][:7]
    notes = [
        f"SMB data run to {last}: the latest month in the store that was published by the "
        "report day (French data appear with a lag of about two months)."
    ]
    chart = ChartSpec(
        "size_factor",
        "Small minus big (SMB): growth of $1, long small / short big",
        "line",
        (ChartSeries("SMB cumulative", line.dates, line.values, color="#1f4e79"),),
        "growth of $1 (log scale)",
        f"Source: {_SOURCE}, {first}..{last}.",
        "usd",
        log_y=True,
    )
    tables = [
        Table(
            ("Window", "Cumulative", "Annualised", "Percentile vs history"),
            tuple(rows),
            "Percentile: share of all trailing windows of that length since 1926 with a spread "
            "at or below the latest; a low percentile means a run unusually favourable to "
            "large caps.",
        )
    ]
    stretch = _stretch(inp, r, figs)
    if stretch is not None:
        tables.append(stretch)
        who = str(stretch.rows[0][0]).lower()
        since = _summary_row(r)[9]
        notes.append(f"Current stretch: {who} have led since {since}.")
    return Section(
        "size",
        "The size factor in history",
        figures=figs,
        tables=tuple(tables),
        charts=(chart,),
        notes=tuple(notes),
    )
