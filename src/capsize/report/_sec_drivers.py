"""Report sections on what moves small caps: risk, rates, the size factor; sources."""

from __future__ import annotations

import pandas as pd

from capsize._format import fmt_date
from capsize.analytics import performance as P
from capsize.analytics import risk as R
from capsize.errors import CapsizeError
from capsize.report._inputs import CORE_LARGE, CORE_SMALL, Inputs, num, pct, pp
from capsize.report._model import ChartSeries, ChartSpec, Figure, Section, Table

__all__ = ["rates_section", "risk_section", "size_factor_section", "sources_section"]

RISK_WINDOWS = (("1Y", 1), ("3Y", 3))
CONDITIONAL_THRESHOLD = 0.01
MIN_RISK_DAYS_PER_YEAR = 200
"""A risk window is shown only with at least this many paired sessions per year of window."""
RATE_SERIES = ("DGS2", "DGS10", "DFF")
RATE_NAMES = {
    "DGS2": "2-year Treasury",
    "DGS10": "10-year Treasury",
    "DFF": "Fed funds (effective)",
}
RATE_CORR_WEEKS = 52
SIZE_YEARS = (10, 20, 50)
FRED_SOURCE = "FRED via store (macro/{sid}.csv)"


def _d(ts: object) -> str:
    return fmt_date(ts, reason="no date")


def risk_section(inp: Inputs) -> Section:
    """Volatility, beta, correlation, capture and the conditional move vs SPY."""
    rets = P.returns_from_closes(inp.closes[[c.symbol for c in inp.proxies.values()]])
    assert isinstance(rets, pd.DataFrame)
    bench = rets[CORE_LARGE].rename(CORE_LARGE)
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    for choice in inp.proxies.values():
        sym = choice.symbol
        if sym == CORE_LARGE:
            continue
        inp.used.add(sym)
        for wlabel, years in RISK_WINDOWS:
            end = choice.last_date
            start = end - pd.DateOffset(years=years)
            r = rets[sym].loc[start:end].iloc[1:].rename(sym)
            b = bench.loc[start:end].iloc[1:]
            try:
                s = R.risk_summary(r.dropna(), b.dropna(), threshold=CONDITIONAL_THRESHOLD)
            except CapsizeError:
                continue
            if s.n_days < MIN_RISK_DAYS_PER_YEAR * years:
                continue  # a 3Y figure from a few months of data would mislead
            src = inp.source(sym, CORE_LARGE)
            span = f"{_d(s.start)}..{_d(s.end)}"
            syms = (sym, CORE_LARGE)

            def add(  # type: ignore[no-untyped-def]
                name: str,
                value: float,
                fmt,
                label: str,
                formula: str,
                sym: str = sym,
                wlabel: str = wlabel,
                src: str = src,
                syms: tuple[str, str] = syms,
                span: str = span,
            ) -> Figure:
                f = inp.book.add(
                    f"risk.{sym}.{wlabel}.{name}",
                    value,
                    fmt,
                    f"{sym} vs SPY {wlabel}: {label}",
                    source=src,
                    symbols=syms,
                    window=span,
                    formula=formula,
                )
                figs[f"{sym}.{wlabel}.{name}"] = f
                return f

            cm = s.conditional
            rows.append(
                (
                    f"{sym} vs {CORE_LARGE}" + (f" (to {_d(end)})" if choice.stale else ""),
                    wlabel,
                    add(
                        "vol",
                        s.volatility,
                        pct("no data", sign=False),
                        "volatility",
                        "stdev of daily returns x sqrt(252)",
                    ),
                    add(
                        "bench_vol",
                        s.benchmark_volatility,
                        pct("no data", sign=False),
                        "SPY volatility",
                        "stdev of daily SPY returns x sqrt(252)",
                    ),
                    add(
                        "beta",
                        s.beta,
                        num("no data", 2),
                        "beta",
                        "cov(asset, SPY) / var(SPY), daily returns",
                    ),
                    add(
                        "corr",
                        s.correlation,
                        num("no data", 2),
                        "correlation",
                        "Pearson correlation of daily returns",
                    ),
                    add(
                        "up",
                        s.capture.up,
                        num("no data", 2, suffix="x"),
                        "up capture",
                        "geometric mean return on SPY up days / SPY's",
                    ),
                    add(
                        "down",
                        s.capture.down,
                        num("no data", 2, suffix="x"),
                        "down capture",
                        "geometric mean return on SPY down days / SPY's",
                    ),
                    add(
                        "cond",
                        cm.median_ratio,
                        num(f"no day with |SPY| >= {CONDITIONAL_THRESHOLD:.0%}", 2, suffix="x"),
                        "conditional move",
                        "median of asset move / SPY move on days |SPY| >= 1%",
                    ),
                    add(
                        "cond_n",
                        cm.n_days,
                        num("no data", 0),
                        "days with |SPY move| >= 1%",
                        "count of paired days with |SPY return| >= 1%",
                    ),
                )
            )
    if not rows:
        return Section("risk", "Risk", False, "too few paired daily returns")
    t = Table(
        (
            "Pair",
            "Window",
            "Vol",
            "SPY vol",
            "Beta",
            "Corr",
            "Up capt.",
            "Down capt.",
            "Big-day move",
            "Big days",
        ),
        tuple(rows),
        "Daily total returns. Vol: annualised volatility (252 sessions). Beta and correlation "
        "against SPY. Up/down capture: the asset's average move on SPY's up and down days "
        "relative to SPY's. Big-day move: median ratio of the asset's move to SPY's on days "
        "SPY moved one percent or more either way (big days: how many).",
    )
    return Section("risk", "Risk", figures=figs, tables=(t,))


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
            window=_d(last_date),
            formula="latest daily value on or before the report day (percent)",
        )
        chg = inp.book.add(
            f"rates.{sid}.chg1y",
            float(s.iloc[-1] - base.iloc[-1]) * 100 if len(base) else None,
            num("less than a year of data", 0, sign=True, suffix=" bp"),
            f"{RATE_NAMES[sid]}: change over 1 year",
            source=src,
            symbols=(sid,),
            window=f"{_d(base.index[-1]) if len(base) else 'n/a'}..{_d(last_date)}",
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
            window=f"{_d(m1.index[-1]) if len(m1) else 'n/a'}..{_d(last_date)}",
            formula="(latest - value 1 month earlier) x 100 basis points",
        )
        figs[f"{sid}.level"], figs[f"{sid}.chg1y"], figs[f"{sid}.chg1m"] = lvl, chg, chg1m
        notes_date = "" if last_date == inp.as_of else f" (as of {_d(last_date)})"
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
                window=f"{RATE_CORR_WEEKS} weeks to {_d(col.index[-1]) if len(col) else 'n/a'}",
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
        span = f"{_d(reg.attrs['start'])}..{_d(reg.attrs['end'])}"
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
        d = _d(when)
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
                window=f"last close before {d}..{_d(min(target, inp.as_of))}",
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
                window=f"{_d(sub.index[0])}..{inp.day}",
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


def _quality_figs(
    inp: Inputs, key: str, files: list[str], q: pd.DataFrame
) -> tuple[Figure, Figure]:
    qs = q[q["dataset_key"].isin(files)] if len(q) else q
    out = []
    for sev, word in (("warning", "warnings"), ("info", "notes")):
        out.append(
            inp.book.add(
                f"quality.{key}.{word}",
                int((qs["severity"] == sev).sum()) if len(qs) else 0,
                num("n/a", 0),
                f"{key} quality {word}",
                source=f"store quality log ({'; '.join(files)})",
                symbols=(key,),
                window=f"findings dated on or before {inp.day}",
                formula=f"count of import quality {word} dated on or before the report day",
            )
        )
    return out[0], out[1]


def _source_files(inp: Inputs, dataset: str, key: str) -> list[str]:
    try:
        return inp.store.provenance(dataset, key).source.split("; ")
    except CapsizeError:
        return [f"{dataset} {key} (store)"]


def _internals_source_rows(
    inp: Inputs, q: pd.DataFrame, figs: dict[str, Figure]
) -> list[tuple[Figure | str, ...]]:
    """Source rows of the universe panel and the shares-outstanding history, when read."""
    rows: list[tuple[Figure | str, ...]] = []
    wide = inp.cache.get("universe_closes")
    if wide is not None and len(wide):
        members = {str(c) for c in wide.columns}
        keys = q["dataset_key"].astype(str) if len(q) else pd.Series([], dtype=str)
        stem = keys.str.rsplit("/", n=1).str[-1].str.removesuffix(".csv")
        mine = q[keys.str.startswith(("universe/", "universe_ohlcv/")) & stem.isin(members)]
        out = []
        for sev, word in (("warning", "warnings"), ("info", "notes")):
            out.append(
                inp.book.add(
                    f"quality.universe.{word}",
                    int((mine["severity"] == sev).sum()) if len(mine) else 0,
                    num("n/a", 0),
                    f"universe members quality {word}",
                    source="store quality log (universe/<ticker>.csv, universe_ohlcv/<ticker>.csv)",
                    symbols=("IWM members",),
                    window=f"findings dated on or before {inp.day}",
                    formula=f"count of import quality {word} of the members' files",
                )
            )
        figs["universe.warnings"] = out[0]
        rows.append(
            (
                "IWM members",
                "universe/<ticker>.csv; universe_ohlcv/<ticker>.csv",
                "adjusted",
                _d(wide.index[0]),
                _d(wide.index[-1]),
                out[0],
                out[1],
            )
        )
    shares = inp.cache.get("fund_shares")
    if shares is not None and len(shares):
        for src, sub in shares.groupby("source_family"):
            files = sorted(sub["source"].astype(str).unique())
            w, n = _quality_figs(inp, f"shares.{src}", files, q)
            rows.append(
                (
                    "Shares outstanding ("
                    + ", ".join(sorted(sub["fund"].astype(str).unique()))
                    + ")",
                    str(src),
                    "shares",
                    _d(sub["date"].min()),
                    _d(sub["date"].max()),
                    w,
                    n,
                )
            )
    return rows


def sources_section(inp: Inputs) -> Section:
    """List the data used (source, first date, last date used), quality flags up to the report day."""
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    try:
        q = inp.store.quality()
    except CapsizeError:
        q = pd.DataFrame(columns=["dataset_key", "symbol", "date", "severity"])
    if len(q):
        dates = pd.to_datetime(q["date"])
        q = q[(dates <= inp.as_of).fillna(False).astype(bool)]
    for sym in sorted(inp.used):
        if sym in inp.closes.columns:
            s = inp.closes[sym].dropna()
        elif sym in inp.bars and len(inp.bars[sym]):
            s = inp.bars[sym]["close"].dropna()  # read for one section only (e.g. DIA volume)
        else:
            continue
        files = inp.source(sym).split("; ")
        w, n = _quality_figs(inp, sym, files, q)
        figs[f"{sym}.warnings"] = w
        basis = inp.bases.get(sym) or str(
            inp.bars[sym].attrs.get("basis", "auto") if sym in inp.bars else "auto"
        )
        rows.append((sym, "; ".join(files), basis, _d(s.index[0]), _d(s.index[-1]), w, n))
    extra: list[tuple[str, str, pd.DataFrame]] = []
    macro = inp.cache.get("macro")
    if macro is not None:
        extra += [("macro", sid, macro[[sid]].dropna()) for sid in macro.columns]
    ff = inp.cache.get("FF3")
    if ff is not None:
        extra.append(("factors", "FF3", ff))
    for dataset, key, frame in extra:
        if frame.empty:
            continue
        files = _source_files(inp, dataset, key)
        if dataset == "factors":
            files = [f for f in files if "monthly" in f] or files
        w, n = _quality_figs(inp, key, files, q)
        kind = "percent (FRED)" if dataset == "macro" else "percent (French, monthly)"
        rows.append((key, "; ".join(files), kind, _d(frame.index[0]), _d(frame.index[-1]), w, n))
    rows += _internals_source_rows(inp, q, figs)
    t = Table(
        ("Series", "Source", "Basis", "First date", "Last date used", "Warnings", "Notes"),
        tuple(rows),
        "Last date used: the latest row on or before the report day. Quality findings come from "
        "the checks run when the data were imported (gaps, stale values, jumps); only findings "
        "dated on or before the report day are counted.",
    )
    return Section("sources", "Sources and method", figures=figs, tables=(t,))
