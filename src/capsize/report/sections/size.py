"""Report section on the size factor (small minus big) in history."""

from __future__ import annotations

from capsize.errors import CapsizeError
from capsize.report._inputs import Inputs, num, pct
from capsize.report._model import ChartSeries, ChartSpec, Figure, Section, Table

__all__ = ["size_factor_section"]


SIZE_YEARS = (10, 20, 50)


def size_factor_section(inp: Inputs) -> Section:
    """Small-minus-big (Ken French) over the last 10/20/50 years and the current stretch."""
    try:
        from capsize.analytics import factors as F

        frame = inp.store.factors("FF3", "monthly", as_of=inp.as_of)
        inp.cache["FF3"] = frame
        rs = F.factor_relative_returns(
            frame, "SMB", dataset="FF3 monthly", as_of=inp.as_of, nan_policy="skip"
        )
        hist = F.size_factor_history(rs, rolling_years=SIZE_YEARS)
    except (CapsizeError, ImportError) as exc:
        return Section("size", "The size factor in history", False, str(exc))
    prov = hist.provenance
    src = "Ken French data library, F-F Research Data Factors (monthly) via store"
    last = prov.last_date
    figs: dict[str, Figure] = {}
    rows: list[tuple[Figure | str, ...]] = []
    for r in hist.ranks:
        w = f"{r.years} years to {last:%Y-%m}"
        cum = inp.book.add(
            f"size.{r.years}y.cum",
            r.value,
            pct("no data", 0),
            f"SMB cumulative, last {r.years} years",
            source=src,
            symbols=("SMB",),
            window=w,
            formula="prod(1 + SMB/100) - 1",
        )
        ann = inp.book.add(
            f"size.{r.years}y.ann",
            r.annualised,
            pct("no data", 1),
            f"SMB annualised, last {r.years} years",
            source=src,
            symbols=("SMB",),
            window=w,
            formula="(1 + cumulative)^(1/years) - 1",
        )
        pctl = inp.book.add(
            f"size.{r.years}y.pctl",
            r.percentile,
            pct("no data", 0, sign=False),
            f"percentile of the trailing {r.years}-year SMB among all months",
            source=src,
            symbols=("SMB",),
            window=f"{r.n} monthly windows to {last:%Y-%m}",
            formula="share of months with trailing spread <= latest",
        )
        figs[f"{r.years}y.cum"], figs[f"{r.years}y.ann"], figs[f"{r.years}y.pctl"] = cum, ann, pctl
        rows.append((f"Last {r.years} years", cum, ann, pctl))
    notes = [
        f"SMB data run to {last:%Y-%m}: the latest month in the store that was published by the "
        "report day (French data appear with a lag of about two months)."
    ]
    cur = hist.current_cycle
    if cur is not None:
        who = "small caps" if cur.leader == "small" else "large caps"
        figs["cycle_months"] = inp.book.add(
            "size.cycle.months",
            cur.months,
            num("no data", 0),
            f"months of the current {who}-led stretch",
            source=src,
            symbols=("SMB",),
            window=f"{cur.start:%Y-%m}..{cur.end:%Y-%m}",
            formula=f"months since the last turn of the SMB line (threshold {hist.cycle_threshold:.0%})",
        )
        figs["cycle_mag"] = inp.book.add(
            "size.cycle.magnitude",
            cur.magnitude,
            pct("no data", 0),
            "SMB line change over the current stretch",
            source=src,
            symbols=("SMB",),
            window=f"{cur.start:%Y-%m}..{cur.end:%Y-%m}",
            formula="line_end / line_start - 1",
        )
        rank = hist.cycle_rank()
        if rank is not None:
            figs["cycle_rank"] = inp.book.add(
                "size.cycle.rank",
                rank[0],
                num("no data", 0),
                f"rank by length among {who}-led stretches",
                source=src,
                symbols=("SMB",),
                window=f"{prov.first_date:%Y-%m}..{last:%Y-%m}",
                formula="1 = longest; stretches between turns of the SMB line",
            )
            figs["cycle_n"] = inp.book.add(
                "size.cycle.n",
                rank[1],
                num("no data", 0),
                f"{who}-led stretches since {prov.first_date:%Y}",
                source=src,
                symbols=("SMB",),
                window=f"{prov.first_date:%Y-%m}..{last:%Y-%m}",
                formula="count of stretches led by the same side",
            )
        notes.append(f"Current stretch: {who} have led since {cur.start:%Y-%m}.")
    line = hist.line
    chart = ChartSpec(
        "size_factor",
        "Small minus big (SMB): growth of $1, long small / short big",
        "line",
        (
            ChartSeries(
                "SMB cumulative",
                tuple(d.strftime("%Y-%m-%d") for d in line.index),
                tuple(float(v) for v in line),
                color="#1f4e79",
            ),
        ),
        "growth of $1 (log scale)",
        f"Source: {src}, {prov.first_date:%Y-%m}..{last:%Y-%m}.",
        "num",
        log_y=True,
    )
    t = Table(
        ("Window", "Cumulative", "Annualised", "Percentile vs history"),
        tuple(rows),
        "Percentile: share of all trailing windows of that length since 1926 with a spread at or "
        "below the latest; a low percentile means a run unusually favourable to large caps.",
    )
    tables = [t]
    if cur is not None and "cycle_months" in figs:
        stretch: list[Figure | str] = [
            "Small caps" if cur.leader == "small" else "Large caps",
            figs["cycle_months"],
            figs["cycle_mag"],
        ]
        cols = ["Leader", "Months", "SMB line change"]
        if "cycle_rank" in figs:
            stretch += [figs["cycle_rank"], figs["cycle_n"]]
            cols += ["Rank by length", "Stretches led by that side"]
        tables.append(
            Table(
                tuple(cols),
                (tuple(stretch),),
                "A stretch runs between turns of the cumulative SMB line (a turn is a reversal "
                "of a quarter or more); the current one is not yet confirmed.",
            )
        )
    return Section(
        "size",
        "The size factor in history",
        figures=figs,
        tables=tuple(tables),
        charts=(chart,),
        notes=tuple(notes),
    )
