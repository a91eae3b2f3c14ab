"""Report sections on prices: tape, scoreboard, relative strength, leadership, highs.

Each section renders the answer of a performance query (:mod:`capsize.queries.performance`)
asked with the report's session; figures are adopted with their value and provenance
unchanged under the report's ids. Nothing here reads the store or computes a figure.
"""

from __future__ import annotations

from dataclasses import replace

from capsize._format import fmt_date, fmt_large, fmt_num
from capsize.errors import CapsizeError
from capsize.queries.performance import (
    HighsResult,
    LeadershipResult,
    RelativeStrengthResult,
    ScoreboardResult,
    TapeResult,
    highs,
    leadership,
    relative_strength,
    scoreboard,
    tape,
)
from capsize.report._inputs import CORE_LARGE, CORE_SMALL, Inputs, num, pct, pp, pp_abs
from capsize.report._model import ChartSeries, ChartSpec, Figure, Section, Table

__all__ = [
    "SCORE_WINDOWS",
    "highs_section",
    "leadership_section",
    "relative_section",
    "scoreboard_section",
    "tape_section",
]

SCORE_WINDOWS = ("1D", "1W", "MTD", "1M", "3M", "6M", "YTD", "1Y", "3Y", "5Y")
TABLE_YEARS = 15
HIGH_KEYS = (
    ("all_time_close", "all-time_close"),
    ("all_time_intraday", "all-time_intraday"),
    ("week52_close", "52-week_close"),
    ("week52_intraday", "52-week_intraday"),
)
"""Query mark key -> the report's figure key (kept for the watch rules)."""


def day_text(ts: object) -> str:
    """ISO date, or ``"n/a (no date)"``."""
    return fmt_date(ts, reason="no date")


def _scoreboard(inp: Inputs) -> ScoreboardResult:
    out: ScoreboardResult = inp.session.cached(
        ("q", "scoreboard", "blend"), lambda: scoreboard(inp.session)
    )
    return out


# --------------------------------------------------------------------------- scoreboard


def _stale_fmt(v: float | int | None) -> str:
    """Show a stale row's missing window as "stale" (the reason is said once, in the caption)."""
    return "stale" if v is None else str(pct("no data")(v))


def _stale_caption(res: ScoreboardResult) -> str:
    old = [r for r in res.rows if not r.current]
    if not old:
        return ""
    names = ", ".join(f"{r.symbol} (last close {day_text(r.last_date)})" for r in old)
    return (
        f" Stale: {names} had no close on {day_text(res.as_of)}; their rows run to that close "
        "and a window that would be another day's or month's move is marked stale."
    )


def scoreboard_section(inp: Inputs) -> Section:
    """Segments x windows, total return for funds and price return for the indices."""
    res = _scoreboard(inp)
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    for row in res.rows:
        label = row.label if row.current else f"{row.label}, to {day_text(row.last_date)}"
        cells: list[Figure | str] = [label, row.basis]
        for w in SCORE_WINDOWS:
            f = inp.book.adopt(
                res.fig(row.fid(w)),
                pct("no data") if row.current else _stale_fmt,
                fid=f"score.{row.symbol}.{w}",
                label=f"{row.symbol} {row.basis} return, {w}",
            )
            figs[f"{row.symbol}.{w}"] = f
            cells.append(f)
        rows.append(tuple(cells))
    for a, b, label in res.spreads:
        cells = [label, "spread"]
        for w in SCORE_WINDOWS:
            f = inp.book.adopt(res.fig(f"{a}-{b}.{w}"), pp("no data"), fid=f"score.{a}-{b}.{w}")
            figs[f"{a}-{b}.{w}"] = f
            if w in ("1D", "MTD", "YTD"):
                figs[f"{a}-{b}.{w}.abs"] = inp.book.magnitude(f, pp_abs("no data"))
            cells.append(f)
        rows.append(tuple(cells))
    table = Table(
        ("Segment (proxy)", "Basis", *SCORE_WINDOWS),
        tuple(rows),
        "Basis: total = total return from dividend-adjusted closes (ETFs); price = price return "
        "from index levels; spread = difference of the two rows' returns, in percentage points. "
        "Windows end on the report day; a base is the last close on or before the window start "
        "(MTD: last close of the previous month; YTD: of the previous year)." + _stale_caption(res),
        highlight=tuple(i for i, r in enumerate(rows) if r[1] == "spread"),
    )
    return Section("scoreboard", "Scoreboard", figures=figs, tables=(table,))


# --------------------------------------------------------------------------- tape


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def tape_section(inp: Inputs) -> Section:
    """Each segment proxy's move on the report day, volume against its average."""
    res: TapeResult = inp.session.cached(("q", "tape"), lambda: tape(inp.session))
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    for sym, label, move_id in res.rows:
        figs[f"{sym}.move"] = inp.book.adopt(
            res.fig(move_id), pct("no data"), fid=f"score.{sym}.1D", label=f"{sym} total return, 1D"
        )
        figs[f"{sym}.volume"] = inp.book.adopt(
            res.fig(f"{sym}.volume"),
            lambda x: fmt_large(x, reason="no volume data"),
            fid=f"tape.{sym}.volume",
        )
        figs[f"{sym}.volume_ratio"] = inp.book.adopt(
            res.fig(f"{sym}.volume_ratio"),
            num("no volume data", 2, suffix="x"),
            fid=f"tape.{sym}.volume_ratio",
        )
        rows.append(
            (label, figs[f"{sym}.move"], figs[f"{sym}.volume"], figs[f"{sym}.volume_ratio"])
        )
    if not rows:
        return Section("tape", "The tape", False, f"no segment proxy has a bar on {inp.day}")
    for i, sym in enumerate(res.leaders):
        figs[f"leader.{i}"] = figs[f"{sym}.move"]
    for i, sym in enumerate(res.laggards):
        figs[f"laggard.{i}"] = figs[f"{sym}.move"]
    if res.leader is not None and res.laggard is not None:
        figs["leader"] = figs[f"{res.leader}.move"]
        figs["laggard"] = figs[f"{res.laggard}.move"]
    stale = [c.symbol for c in inp.proxies.values() if not c.current]
    notes = tuple(n for n in res.notes if not n.startswith("Move: ") and " no bar on " not in n)
    if stale:
        notes += (f"Not in the table: {_and(stale)} (no close on {inp.day}).",)
    table = Table(
        ("Segment (proxy)", "Move", "Volume", "vs 20-day avg"),
        tuple(rows),
        "Move: total return from the previous close. Volume: shares traded; ratio to the "
        "average of the previous sessions (consolidated volume as published).",
    )
    return Section("tape", f"The tape, {inp.day}", figures=figs, tables=(table,), notes=notes)


# --------------------------------------------------------------------------- relative strength


def _relative(inp: Inputs, a: str, b: str) -> RelativeStrengthResult:
    out: RelativeStrengthResult = inp.session.cached(
        ("q", "relative_strength", a, b), lambda: relative_strength(inp.session, a=a, b=b)
    )
    return out


def _ratio_chart(res: RelativeStrengthResult, key: str) -> ChartSpec:
    """Chart the ratio and its averages as the query's series give them (rebased to 1.0)."""
    series = [res.get_series(n) for n in ("ratio", "ratio_ma50", "ratio_ma200")]
    styles = ((False, "#1f4e79"), (False, "#e08a00"), (True, "#7f7f7f"))
    lines = tuple(
        ChartSeries(sd.label, sd.dates, sd.values, dash, color)
        for sd, (dash, color) in zip(series, styles, strict=True)
    )
    src = series[0].provenance.source
    return ChartSpec(
        f"rs_{key}",
        f"{res.a} / {res.b}: relative strength, last 3 years",
        "line",
        lines,
        f"ratio, rebased to 1.0 on {series[0].dates[0]}",
        f"Source: {src}. Dividend-adjusted closes; rising line = {res.a} outperforming.",
        "ratio",
        hline=1.0,
    )


def _price_chart(res: RelativeStrengthResult, key: str) -> ChartSpec:
    """Chart both sides' closes, 100 at the start, as the query's series give them."""
    sides = [res.get_series(f"{sym.lower()}_index") for sym in (res.a, res.b)]
    return ChartSpec(
        f"px_{key}",
        f"{res.a} and {res.b}: price, last 3 years (both = 100 on {sides[0].dates[0]})",
        "line",
        tuple(
            ChartSeries(sd.label, sd.dates, sd.values, color=color)
            for sd, color in zip(sides, ("#1f4e79", "#e08a00"), strict=True)
        ),
        "index (start = 100)",
        f"Source: {sides[0].provenance.source}. Dividend-adjusted closes on common dates.",
        "num",
        hline=100.0,
    )


def _ratio_block(
    inp: Inputs, res: RelativeStrengthResult, key: str
) -> tuple[dict[str, Figure], str | None]:
    """Adopt one pair's ratio figures under the report's ids; return them and the crossover note."""
    a, b = res.a, res.b
    figs: dict[str, Figure] = {}
    for n in (50, 200):
        figs[f"vs{n}"] = inp.book.adopt(
            res.fig(f"ratio.vs{n}"), pct(f"fewer than {n} common days"), fid=f"rs.{key}.vs{n}"
        )
    figs["vs200.abs"] = inp.book.magnitude(figs["vs200"], pct("no data", sign=False))
    figs["days_since_cross"] = inp.book.adopt(
        res.fig("ma.cross.sessions"),
        num("no crossover in the data", 0),
        fid=f"rs.{key}.days_since_cross",
        label=f"trading days since the 50-day average of {a}/{b} crossed its 200-day",
    )
    figs["3m"] = inp.book.adopt(
        res.fig("ratio.3m"), pct("less than 3 months of common data"), fid=f"rs.{key}.3m"
    )
    when = res.fig("ma.cross.date")
    note = None
    if res.ma50_above_ma200 is not None:
        side = "above" if res.ma50_above_ma200 else "below"
        since = f"{side} since {when.note}" if when.value is not None else "no crossover"
        note = f"{a}/{b}: 50-day average {since}."
    return figs, note


def relative_section(inp: Inputs) -> Section:
    """Small/large and micro/large ratios with 50- and 200-day averages."""
    figs: dict[str, Figure] = {}
    charts: list[ChartSpec] = []
    notes: list[str] = []
    pairs = [(CORE_SMALL, CORE_LARGE, "small")]
    micro = inp.proxies.get("micro")
    if micro is not None:
        pairs.append((micro.symbol, CORE_LARGE, "micro"))
        if not micro.current:
            notes.append(
                f"{micro.symbol}/{CORE_LARGE} ends {day_text(micro.last_date)} "
                f"({micro.symbol} data end)."
            )
    rows: list[tuple[Figure | str, ...]] = []
    for a, b, key in pairs:
        try:
            res = _relative(inp, a, b)
        except CapsizeError as exc:
            notes.append(f"{a}/{b}: not available: {exc}")
            continue
        f, note = _ratio_block(inp, res, key)
        figs.update({f"{key}.{k}": v for k, v in f.items()})
        notes += [note] if note else []
        if key == "small":
            charts.append(_price_chart(res, key))
        charts.append(_ratio_chart(res, key))
        rows.append((f"{a} / {b}", f["3m"], f["vs50"], f["vs200"], f["days_since_cross"]))
    if not figs:
        return Section("relative", "Relative strength", False, "; ".join(notes) or "no data")
    table = Table(
        ("Ratio", "3-month change", "vs 50-day avg", "vs 200-day avg", "Days since 50/200 cross"),
        tuple(rows),
        "Crossover: the 50-day average of the ratio crossing its 200-day average.",
    )
    return Section(
        "relative",
        "Relative strength",
        figures=figs,
        tables=(table,),
        charts=tuple(charts),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- leadership


def _year_rows(inp: Inputs, res: LeadershipResult) -> list[tuple[Figure | str, ...]]:
    a, b = res.a, res.b
    rows: list[tuple[Figure | str, ...]] = []
    for row in reversed(res.table("years").rows[-TABLE_YEARS:]):
        label, leader = str(row[0]), str(row[4])
        year = label.split()[0]
        cells: list[Figure | str] = [label]
        for sym in (a, b):
            cells.append(
                inp.book.adopt(
                    res.fig(f"{year}.{sym}"),
                    pct("no data"),
                    fid=f"years.{year}.{sym}",
                    label=f"{sym} total return {year}",
                )
            )
        cells.append(
            inp.book.adopt(
                res.fig(f"{year}.spread"),
                pp("no data"),
                fid=f"years.{year}.spread",
                label=f"{a} - {b} {year}",
            )
        )
        cells.append({a: "Small", b: "Large"}.get(leader, "Tie"))
        rows.append(tuple(cells))
    return rows


def _years_chart(res: LeadershipResult) -> ChartSpec:
    """Bars of the spread by year, from the query's figures."""
    a, b = res.a, res.b
    years = [str(y) for y in res.years]
    spreads = [res.fig(f"{y}.spread") for y in years]
    src = spreads[0].provenance.source
    first = res.table("years").rows[0]
    tail = (
        f"; the first year is partial ({a} data start "
        f"{spreads[0].provenance.window.split('..')[0]})."
        if str(first[5]) == "partial"
        else "."
    )
    return ChartSpec(
        "years",
        f"Small minus large, by calendar year ({a} - {b})",
        "bar",
        (
            ChartSeries(
                f"{a} - {b}",
                tuple(years),
                tuple(float("nan") if f.value is None else float(f.value) * 100 for f in spreads),
            ),
        ),
        "return spread (percentage points)",
        f"Source: {src}. Total returns; the last bar is the year to date{tail}",
        "num",
        hline=0.0,
    )


def leadership_section(inp: Inputs) -> Section:
    """Which side led each calendar year, as a table, a bar chart and the current streak."""
    res: LeadershipResult = inp.session.cached(
        ("q", "leadership", CORE_SMALL, CORE_LARGE), lambda: leadership(inp.session)
    )
    rows = _year_rows(inp, res)
    figs: dict[str, Figure] = {
        "small_years": inp.book.adopt(
            res.fig(f"years.{CORE_SMALL}.led"),
            num("no full years", 0),
            fid="years.small_led",
            label=f"full calendar years small caps ({CORE_SMALL}) led",
        ),
        "full_years": inp.book.adopt(
            res.fig("years.full"), num("no full years", 0), fid="years.full"
        ),
    }
    notes: list[str] = []
    if res.current_leader is not None:
        who = "Small caps" if res.current_leader == CORE_SMALL else "Large caps"
        figs["streak"] = inp.book.adopt(
            res.fig("streak.current"),
            num("no streak", 0),
            fid="years.streak",
            label=f"current streak: {who} led each year",
        )
        notes.append(
            f"Current streak: {who.lower()} have led every full year since {res.current_start}."
        )
    t = Table(
        ("Year", CORE_SMALL, CORE_LARGE, "Spread", "Leader"),
        tuple(rows),
        f"Last {TABLE_YEARS} years shown, newest first; total returns from dividend-adjusted "
        "closes; a partial year is computed over the common part of the year and labelled.",
    )
    return Section(
        "leadership",
        "Leadership by calendar year",
        figures=figs,
        tables=(t,),
        charts=(_years_chart(res),),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- highs


def _level(v: float | int | None) -> str:
    return fmt_num(v, 2, reason="no data")


def _mark_cells(inp: Inputs, res: HighsResult, sym: str, key: str) -> tuple[Figure, Figure, Figure]:
    """Level, date and sessions since one high, adopted from the highs query."""
    q, lq, sq = (res.fig(f"{sym}.{key}{x}") for x in (".date", ".level", ".sessions"))
    if lq.value is None:  # one short reason, in the level cell only
        why = "close-only data" if "close-only" in lq.note else "no data"
        q, lq, sq = replace(q, note=""), replace(lq, note=why), replace(sq, note="")
    count = num("", 0)
    return (
        inp.book.adopt(lq, _level, fid=f"highs.{sym}.{key}.level"),
        inp.book.adopt(
            q, lambda v: q.note if v is not None else "n/a", fid=f"highs.{sym}.{key}.date"
        ),
        inp.book.adopt(
            sq,
            lambda v: "n/a" if v is None else count(v),
            fid=f"highs.{sym}.{key}.sessions",
        ),
    )


def _highs_syms(inp: Inputs) -> list[str]:
    held = set(inp.session.symbols())
    syms = [c.symbol for c in inp.proxies.values()] + ["^RUT", "^GSPC"]
    return [s for s in dict.fromkeys(syms) if s in held]


def _week52_note(res: HighsResult) -> str:
    """Say whose 52-week high differs from the all-time high (else that none does)."""
    differ = [
        sym
        for sym in res.symbols
        if res.fig(f"{sym}.week52_close.date").value != res.fig(f"{sym}.all_time_close.date").value
    ]
    if not differ:
        return "Every 52-week closing high here is also the all-time closing high."
    return (
        f"52-week closing high below the all-time high: {', '.join(differ)} (dates and levels "
        "in the provenance appendix)."
    )


def highs_section(inp: Inputs) -> Section:
    """Record (all-time) highs by close and intraday: date, level, sessions since; drawdowns."""
    syms = _highs_syms(inp)
    if not syms:
        return Section("highs", "Highs and drawdowns", False, "no closes for the proxies")
    res: HighsResult = inp.session.cached(
        ("q", "highs", tuple(syms)), lambda: highs(inp.session, symbols=syms)
    )
    ends = dict(res.ends)
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    for sym in res.symbols:
        end = ends[sym]
        for key, old in HIGH_KEYS:
            figs[f"{sym}.{old}"] = inp.book.adopt(
                res.fig(f"{sym}.{key}"), pct("no data"), fid=f"highs.{sym}.{old}"
            )
        for key in ("drawdown", "max_drawdown"):
            figs[f"{sym}.{key}"] = inp.book.adopt(
                res.fig(f"{sym}.{key}"), pct("no data"), fid=f"highs.{sym}.{key}"
            )
        label = sym + ("" if end == inp.as_of else f" (to {day_text(end)})")
        dist: Figure | str = figs[f"{sym}.all-time_close"]
        if sym in res.records:  # the last close is the record: say so, not "0.0%"
            dist = "record close"
        close = _mark_cells(inp, res, sym, "all_time_close")
        intraday = _mark_cells(inp, res, sym, "all_time_intraday")
        rows.append((label, dist, *close, *intraday, figs[f"{sym}.max_drawdown"]))
    t = Table(
        (
            "Proxy",
            "From record close",
            "Record close",
            "Set on",
            "Sessions since",
            "Intraday high",
            "Set on",
            "Sessions since",
            "Max drawdown",
        ),
        tuple(rows),
        "Record close: the highest close in the data held; intraday high: the highest intraday "
        "price (only where the store has intraday highs). Sessions since: closes after the "
        "high up to the last close. From record close: last close / record close - 1, which is "
        "also the current drawdown. ETFs on dividend-adjusted prices, indices on levels. "
        + _week52_note(res),
    )
    return Section("highs", "Highs and drawdowns", figures=figs, tables=(t,))
