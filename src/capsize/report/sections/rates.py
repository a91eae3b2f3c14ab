"""Report section on rates: Treasury yields, fed funds, regimes and policy turns."""

from __future__ import annotations

import pandas as pd

from capsize.errors import CapsizeError
from capsize.report._inputs import CORE_LARGE, CORE_SMALL, Inputs, num, pct, pp
from capsize.report._model import ChartSeries, ChartSpec, Figure, Section, Table
from capsize.report.sections.common import day_text

__all__ = ["rates_section"]


RATE_SERIES = ("DGS2", "DGS10", "DFF")
RATE_NAMES = {
    "DGS2": "2-year Treasury",
    "DGS10": "10-year Treasury",
    "DFF": "Fed funds (effective)",
}
RATE_CORR_WEEKS = 52
FRED_SOURCE = "FRED via store (macro/{sid}.csv)"


def rates_section(inp: Inputs) -> Section:
    """2-year, 10-year and fed funds over the last year; spread vs yield changes."""
    try:
        macro = inp.store.macro(list(RATE_SERIES), as_of=inp.as_of)
        inp.cache["macro"] = macro
    except CapsizeError as exc:
        return Section("rates", "Rates", False, str(exc))
    start = inp.as_of - pd.DateOffset(years=1)
    figs: dict[str, Figure] = {}
    rows: list[tuple[Figure | str, ...]] = []
    series: list[ChartSeries] = []
    colors = {"DGS2": "#1f4e79", "DGS10": "#e08a00", "DFF": "#7f7f7f"}
    for sid in RATE_SERIES:
        s = macro[sid].dropna()
        if s.empty:
            continue
        src = FRED_SOURCE.format(sid=sid)
        last_date = s.index[-1]
        base = s.loc[:start]
        lvl = inp.book.add(
            f"rates.{sid}.level",
            float(s.iloc[-1]),
            num("no data", 2, suffix="%"),
            f"{RATE_NAMES[sid]} yield",
            source=src,
            symbols=(sid,),
            window=day_text(last_date),
            formula="latest daily value on or before the report day (percent)",
        )
        chg = inp.book.add(
            f"rates.{sid}.chg1y",
            float(s.iloc[-1] - base.iloc[-1]) * 100 if len(base) else None,
            num("less than a year of data", 0, sign=True, suffix=" bp"),
            f"{RATE_NAMES[sid]}: change over 1 year",
            source=src,
            symbols=(sid,),
            window=f"{day_text(base.index[-1]) if len(base) else 'n/a'}..{day_text(last_date)}",
            formula="(latest - value 1 year earlier) x 100 basis points",
        )
        m1 = s.loc[: inp.as_of - pd.DateOffset(months=1)]
        chg1m = inp.book.add(
            f"rates.{sid}.chg1m",
            float(s.iloc[-1] - m1.iloc[-1]) * 100 if len(m1) else None,
            num("less than a month of data", 0, sign=True, suffix=" bp"),
            f"{RATE_NAMES[sid]}: change over 1 month",
            source=src,
            symbols=(sid,),
            window=f"{day_text(m1.index[-1]) if len(m1) else 'n/a'}..{day_text(last_date)}",
            formula="(latest - value 1 month earlier) x 100 basis points",
        )
        figs[f"{sid}.level"], figs[f"{sid}.chg1y"], figs[f"{sid}.chg1m"] = lvl, chg, chg1m
        notes_date = "" if last_date == inp.as_of else f" (as of {day_text(last_date)})"
        rows.append((RATE_NAMES[sid] + notes_date, lvl, chg1m, chg))
        yr = s.loc[start:]
        series.append(
            ChartSeries(
                RATE_NAMES[sid],
                tuple(d.strftime("%Y-%m-%d") for d in yr.index),
                tuple(float(v) for v in yr),
                color=colors[sid],
            )
        )
    if not rows:
        return Section("rates", "Rates", False, "no FRED yields on or before the report day")
    charts = [
        ChartSpec(
            "rates",
            "Treasury yields and fed funds, last 12 months",
            "line",
            tuple(series),
            "percent",
            "Source: FRED (DGS2, DGS10, DFF) as stored.",
            "num",
        )
    ]
    notes: list[str] = []
    corr_rows: list[tuple[Figure | str, ...]] = []
    try:
        from capsize.analytics import rates as RT

        yields = macro[["DGS2", "DGS10"]]
        a, b = inp.series(CORE_SMALL), inp.series(CORE_LARGE)
        rc = RT.rolling_rate_correlation(a, b, yields, window=RATE_CORR_WEEKS, frequency="W")
        src = inp.source(CORE_SMALL, CORE_LARGE) + "; FRED (DGS2, DGS10)"
        for sid in ("DGS2", "DGS10"):
            col = rc[f"d_{sid}"].dropna()
            f = inp.book.add(
                f"rates.corr.{sid}",
                float(col.iloc[-1]) if len(col) else None,
                num(f"fewer than {RATE_CORR_WEEKS} weeks", 2, sign=True),
                f"{RATE_CORR_WEEKS}-week correlation of IWM - SPY weekly return with weekly change in {sid}",
                source=src,
                symbols=(CORE_SMALL, CORE_LARGE, sid),
                window=f"{RATE_CORR_WEEKS} weeks to {day_text(col.index[-1]) if len(col) else 'n/a'}",
                formula="rolling Pearson corr(weekly IWM - SPY return, weekly yield change)",
            )
            figs[f"corr.{sid}"] = f
            corr_rows.append((f"Small minus large vs change in {RATE_NAMES[sid]}", f))
        tail = rc.loc[inp.as_of - pd.DateOffset(years=3) :]
        if len(tail):
            charts.append(
                ChartSpec(
                    "rates_corr",
                    f"Rolling {RATE_CORR_WEEKS}-week correlation: small minus large vs yield changes",
                    "line",
                    tuple(
                        ChartSeries(
                            f"vs {RATE_NAMES[sid]}",
                            tuple(d.strftime("%Y-%m-%d") for d in tail.index),
                            tuple(float(v) for v in tail[f"d_{sid}"]),
                            color=colors[sid],
                        )
                        for sid in ("DGS2", "DGS10")
                    ),
                    "correlation",
                    f"Source: {src}. Weekly (Friday) returns and yield changes.",
                    "num",
                    hline=0.0,
                )
            )
    except (CapsizeError, ImportError, KeyError) as exc:
        notes.append(f"Rolling correlation not available: {exc}")
    regime_tables, regime_notes = _rate_history_tables(inp, macro, figs)
    notes += regime_notes
    tables = [
        Table(
            ("Rate", "Level", "1-month change", "1-year change"),
            tuple(rows),
            "Percent; changes in basis points.",
        )
    ]
    if corr_rows:
        tables.append(
            Table(
                ("Relationship", f"{RATE_CORR_WEEKS}-week correlation"),
                tuple(corr_rows),
                "Positive: small caps beat large caps in weeks when yields rose.",
            )
        )
    tables += regime_tables
    return Section(
        "rates",
        "Rates",
        figures=figs,
        tables=tuple(tables),
        charts=tuple(charts),
        notes=tuple(notes),
    )


REGIME_THRESHOLD_BP = 10.0
REGIME_SERIES = ("DGS2", "DGS10")
POLICY_TURNS_SINCE = "1988-01-01"
EVENT_OFFSETS = (-3, 1, 3, 6, 12)
"""Month offsets shown in the policy-turn table (the study computes -3..12)."""


def _words_bp(bp: float) -> str:
    """Say a basis-point threshold in words (captions carry no bare metric numbers)."""
    words = {5.0: "five", 10.0: "ten", 15.0: "fifteen", 20.0: "twenty", 25.0: "twenty-five"}
    return f"{words.get(float(bp), format(bp, 'g'))} basis points"


def _rate_history_tables(
    inp: Inputs, macro: pd.DataFrame, figs: dict[str, Figure]
) -> tuple[list[Table], list[str]]:
    """Regime table and policy-turn event study, from data on or before the report day."""
    from capsize.analytics import rates as RT

    tables: list[Table] = []
    notes: list[str] = []
    a, b = inp.series(CORE_SMALL), inp.series(CORE_LARGE)
    pair_src = inp.source(CORE_SMALL, CORE_LARGE)
    try:
        reg = RT.rate_regime_table(
            a, b, macro[list(REGIME_SERIES)], threshold_bp=REGIME_THRESHOLD_BP
        )
    except (CapsizeError, KeyError, ValueError) as exc:
        notes.append(f"Regime table not available: {exc}")
        reg = None
    if reg is not None:
        span = f"{day_text(reg.attrs['start'])}..{day_text(reg.attrs['end'])}"
        src = pair_src + "; FRED (" + ", ".join(REGIME_SERIES) + ")"
        horizons = (1, 3, 6, 12)
        rows: list[tuple[Figure | str, ...]] = []
        for idx, r in reg.iterrows():
            sid, regime = (str(x) for x in idx)  # type: ignore[attr-defined]
            base = f"rates.regime.{sid}.{regime}"
            cells: list[Figure | str] = [f"{RATE_NAMES[str(sid)]} {regime}"]
            months = inp.book.add(
                f"{base}.months",
                int(r["months"]),
                num("no data", 0),
                f"months when the {RATE_NAMES[str(sid)]} yield was {regime}",
                source=src,
                symbols=(CORE_SMALL, CORE_LARGE, str(sid)),
                window=span,
                formula=f"count of months with a yield change {regime} "
                f"(threshold +/-{REGIME_THRESHOLD_BP:g} bp)",
            )
            figs[f"regime.{sid}.{regime}.months"] = months
            cells.append(months)
            for h in horizons:
                n_h = int(r[f"n_{h}m"])
                why = "no complete window"
                avg = inp.book.add(
                    f"{base}.mean_{h}m",
                    float(r[f"mean_{h}m"]) if n_h else None,
                    pp(why),
                    f"IWM - SPY over the next {h} months after {regime} "
                    f"{RATE_NAMES[str(sid)]} months: average ({n_h} months)",
                    source=src,
                    symbols=(CORE_SMALL, CORE_LARGE, str(sid)),
                    window=span,
                    formula=reg.attrs["formula"] + "; mean over months with a complete window",
                )
                hit = inp.book.add(
                    f"{base}.hit_{h}m",
                    float(r[f"hit_{h}m"]) if n_h else None,
                    pct(why, 0, sign=False),
                    f"share of {regime} {RATE_NAMES[str(sid)]} months after which IWM beat SPY "
                    f"over {h} months ({n_h} months)",
                    source=src,
                    symbols=(CORE_SMALL, CORE_LARGE, str(sid)),
                    window=span,
                    formula="share of months with forward small-minus-large > 0",
                )
                figs[f"regime.{sid}.{regime}.mean_{h}m"] = avg
                figs[f"regime.{sid}.{regime}.hit_{h}m"] = hit
                cells += [avg, hit]
            rows.append(tuple(cells))
        cols = ["Month when yield was", "Months"]
        for h in horizons:
            cols += [f"Next {h}m avg", f"{h}m hit"]
        tables.append(
            Table(
                tuple(cols),
                tuple(rows),
                f"Months {span} (month-end values), classified by the yield change in that month "
                f"(rising: up {_words_bp(REGIME_THRESHOLD_BP)} or more; falling: down as much; "
                "else flat). "
                "Avg: IWM minus SPY total return over the following months, in percentage points; "
                "hit: share of those months in which IWM beat SPY. Only windows that end on or "
                "before the report day are counted; windows overlap, so months are not independent.",
            )
        )
    try:
        policy = macro["DFF"].dropna()
        policy = policy[policy.index >= pd.Timestamp(POLICY_TURNS_SINCE)]
        turns = RT.detect_policy_turns(policy)
        study = RT.policy_event_study(a, b, turns)
    except (CapsizeError, KeyError, ValueError) as exc:
        notes.append(f"Policy-turn study not available: {exc}")
        return tables, notes
    if len(study.paths) == 0:
        notes.append("Policy-turn study: no first cut or first hike since IWM's first close.")
        return tables, notes
    src = pair_src + "; FRED (DFF)"
    shown = [o for o in EVENT_OFFSETS if o in study.offsets]
    ev_rows: list[tuple[Figure | str, ...]] = []
    kind_word = {"first_cut": "first cut", "first_hike": "first hike"}
    for when_key, r in study.paths.iterrows():
        when = pd.Timestamp(str(when_key))
        d = day_text(when)
        kind = str(study.kinds.get(when, ""))
        cells = [d, kind_word.get(kind, kind)]
        for o in shown:
            target = when + pd.DateOffset(months=o)
            f = inp.book.add(
                f"rates.turn.{d}.{o}m",
                r[o],
                pct("beyond the report day" if target > inp.as_of else "no data", 1),
                f"IWM vs SPY {o:+d} months from the {kind_word.get(kind, kind)} of {d}",
                source=src,
                symbols=(CORE_SMALL, CORE_LARGE, "DFF"),
                window=f"last close before {d}..{day_text(min(target, inp.as_of))}",
                formula="(IWM/SPY at the offset) / (IWM/SPY on the last close before the turn) - 1",
            )
            figs[f"turn.{d}.{o}m"] = f
            cells.append(f)
        ev_rows.append(tuple(cells))
    hl: list[int] = []
    for kind_key, r in study.summary.iterrows():
        kind = str(kind_key)
        sub = study.paths[study.kinds.reindex(study.paths.index) == kind]
        if sub.empty:
            continue
        cells = [f"Average of {len(sub)}", kind_word.get(str(kind), str(kind))]
        for o in shown:
            n_o = int(sub[o].notna().sum())
            f = inp.book.add(
                f"rates.turn.avg.{kind}.{o}m",
                float(r[o]) if n_o else None,
                pct("no event reaches it", 1),
                f"IWM vs SPY {o:+d} months from a {kind_word.get(str(kind), kind)}: "
                f"average of {n_o} events",
                source=src,
                symbols=(CORE_SMALL, CORE_LARGE, "DFF"),
                window=f"{day_text(sub.index[0])}..{inp.day}",
                formula="mean over events with data at the offset",
            )
            figs[f"turn.avg.{kind}.{o}m"] = f
            cells.append(f)
        hl.append(len(ev_rows))
        ev_rows.append(tuple(cells))
    tables.append(
        Table(
            ("Fed turn", "Kind", *[f"{o:+d}m" for o in shown]),
            tuple(ev_rows),
            "IWM relative to SPY from the last close before each turn (negative offsets: where "
            "the ratio stood before it). Turns: the first cut after hikes and the first hike after "
            f"cuts in the effective fed funds rate (DFF) since {POLICY_TURNS_SINCE[:4]}, found with "
            "data up to the report day; only turns after IWM's first close are shown.",
            highlight=tuple(hl),
        )
    )
    return tables, notes
