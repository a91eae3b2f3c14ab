"""Report sections on prices: tape, scoreboard, relative strength, leadership, highs."""

from __future__ import annotations

import pandas as pd

from capsize._format import fmt_date, fmt_large
from capsize.analytics import performance as P
from capsize.errors import CapsizeError
from capsize.report._inputs import (
    CORE_LARGE,
    CORE_SMALL,
    LARGE_INDEX,
    SMALL_INDEX,
    Inputs,
    ProxyChoice,
    num,
    pct,
    pp,
    pp_abs,
)
from capsize.report._model import ChartSeries, ChartSpec, Figure, Section, Table

__all__ = [
    "SCORE_WINDOWS",
    "highs_section",
    "leadership_section",
    "relative_section",
    "scoreboard_section",
    "tape_section",
]

SCORE_WINDOWS = ("1D", "1W", "1M", "3M", "6M", "YTD", "1Y", "3Y", "5Y")
VOLUME_AVG_DAYS = 20
RS_FAST, RS_SLOW = 50, 200
RS_CHART_YEARS = 3
TABLE_YEARS = 15


def day_text(ts: object) -> str:
    return fmt_date(ts, reason="no date")


def _windows(closes: pd.Series, end: pd.Timestamp) -> dict[str, P.Window]:
    """Build the scoreboard windows ending at ``end`` (1D: from the previous close)."""
    idx = closes.loc[:end].index
    prev = idx[-2] if len(idx) > 1 else idx[-1]
    out: dict[str, P.Window] = {"1D": P.between(prev, end)}
    for k in ("1W", "1M", "3M", "6M"):
        out[k] = P.trailing(k, end)
    out["YTD"] = P.ytd(end)
    for k in ("1Y", "3Y", "5Y"):
        out[k] = P.trailing(k, end)
    out["MTD"] = P.mtd(end)
    return out


def _returns(inp: Inputs, symbol: str) -> dict[str, P.WindowReturn]:
    """Window returns of one symbol (total for ETFs, price for index levels)."""
    s = inp.series(symbol)
    end = pd.Timestamp(s.index[-1])
    wins = _windows(inp.series(CORE_SMALL), end) if end == inp.as_of else _windows(s, end)
    is_level = inp.bases.get(symbol) == "level"
    out: dict[str, P.WindowReturn] = {}
    for key, w in wins.items():
        pair = P.window_return(
            w, adjusted=None if is_level else s, raw=s if is_level else None, symbol=symbol
        )
        out[key] = pair.price if is_level else pair.total
    return out


def _ret_fig(inp: Inputs, fid: str, wr: P.WindowReturn, label: str) -> Figure:
    window = f"{day_text(wr.base_date)}..{day_text(wr.end_date)}" if wr.ok else wr.window.label
    return inp.book.add(
        fid,
        wr.value,
        pct(wr.reason or "no data"),
        label,
        source=inp.source(wr.symbol),
        symbols=(wr.symbol,),
        window=window,
        formula=f"{wr.basis} return = end close / base close - 1 ({wr.series})",
    )


def _spread_fig(inp: Inputs, fid: str, a: P.WindowReturn, b: P.WindowReturn, label: str) -> Figure:
    ok = a.ok and b.ok and a.base_date == b.base_date and a.end_date == b.end_date
    why = "different dates" if a.ok and b.ok else (a.reason or b.reason or "no data")
    return inp.book.add(
        fid,
        a.value - b.value if ok else None,
        pp(why if not ok else ""),
        label,
        source=inp.source(a.symbol, b.symbol),
        symbols=(a.symbol, b.symbol),
        window=f"{day_text(a.base_date)}..{day_text(a.end_date)}",
        formula=f"{a.basis} return {a.symbol} - {b.basis} return {b.symbol}",
    )


def scoreboard_section(inp: Inputs) -> tuple[Section, dict[str, dict[str, P.WindowReturn]]]:
    """Segments x windows, total return for ETFs and price return for the indices."""
    rets: dict[str, dict[str, P.WindowReturn]] = {}
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    notes: list[str] = []
    order: list[tuple[str, str, ProxyChoice | None]] = [
        (c.symbol, f"{c.label} ({c.symbol})", c) for c in inp.proxies.values()
    ]
    order += [
        (SMALL_INDEX, "Russell 2000 index", None),
        (LARGE_INDEX, "S&P 500 index", None),
    ]
    for sym, label, choice in order:
        if sym not in inp.closes.columns:
            continue
        rets[sym] = _returns(inp, sym)
        basis = inp.basis_word(sym)
        row_label = label
        if choice is not None and choice.stale:
            row_label = f"{label}, to {day_text(choice.last_date)}"
        cells: list[Figure | str] = [row_label, basis.removesuffix(" return")]
        for w in SCORE_WINDOWS:
            f = _ret_fig(inp, f"score.{sym}.{w}", rets[sym][w], f"{sym} {basis}, {w}")
            figs[f"{sym}.{w}"] = f
            cells.append(f)
        rows.append(tuple(cells))
    spreads = [
        (CORE_SMALL, CORE_LARGE, "Small - large (IWM - SPY)"),
        (SMALL_INDEX, LARGE_INDEX, "Russell 2000 - S&P 500"),
    ]
    micro = inp.proxies.get("micro")
    if micro is not None and not micro.stale:
        spreads.insert(1, (micro.symbol, CORE_LARGE, f"Micro - large ({micro.symbol} - SPY)"))
    for a, b, label in spreads:
        if a not in rets or b not in rets:
            continue
        cells = [label, "spread"]
        for w in [*SCORE_WINDOWS, "MTD"]:
            f = _spread_fig(inp, f"score.{a}-{b}.{w}", rets[a][w], rets[b][w], f"{label}, {w}")
            figs[f"{a}-{b}.{w}"] = f
            if w in ("1D", "MTD", "YTD"):
                figs[f"{a}-{b}.{w}.abs"] = inp.book.magnitude(f, pp_abs("no data"))
            if w != "MTD":
                cells.append(f)
        rows.append(tuple(cells))
    for sym in (CORE_SMALL, CORE_LARGE):
        figs[f"{sym}.MTD"] = _ret_fig(inp, f"score.{sym}.MTD", rets[sym]["MTD"], f"{sym} MTD")
    table = Table(
        ("Segment (proxy)", "Basis", *SCORE_WINDOWS),
        tuple(rows),
        "Basis: total = total return from dividend-adjusted closes (ETFs); price = price return "
        "from index levels; spread = difference of the two rows' returns, in percentage points. Windows end on the report day; a base is the last close "
        "on or before the window start (YTD: last close of the previous year).",
        highlight=tuple(i for i, r in enumerate(rows) if r[1] == "spread"),
    )
    sec = Section("scoreboard", "Scoreboard", figures=figs, tables=(table,), notes=tuple(notes))
    return sec, rets


def tape_section(inp: Inputs, rets: dict[str, dict[str, P.WindowReturn]]) -> Section:
    """Each segment proxy's move on the report day, volume against its average."""
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    moves: list[tuple[float, str, str]] = []
    notes: list[str] = []
    for choice in inp.proxies.values():
        sym = choice.symbol
        label = f"{choice.label} ({sym})"
        if choice.stale:
            notes.append(f"{sym}: no bar on {inp.day} (last close {day_text(choice.last_date)}).")
            continue
        wr = rets[sym]["1D"]
        move = _ret_fig(inp, f"score.{sym}.1D", wr, f"{sym} total return, 1D")
        figs[f"{sym}.move"] = move
        if wr.ok:
            moves.append((wr.value, sym, choice.label))
        bars = inp.bar(sym)
        vol_fig, ratio_fig = _volume_figs(inp, sym, bars)
        figs[f"{sym}.volume"], figs[f"{sym}.volume_ratio"] = vol_fig, ratio_fig
        rows.append((label, move, vol_fig, ratio_fig))
    if not rows:
        return Section("tape", "The tape", False, f"no segment proxy has a bar on {inp.day}")
    if moves:
        moves.sort()
        lead, lag = moves[-1], moves[0]
        figs["leader"] = figs[f"{lead[1]}.move"]
        figs["laggard"] = figs[f"{lag[1]}.move"]
        notes.insert(0, f"Leader: {lead[2]} ({lead[1]}). Laggard: {lag[2]} ({lag[1]}).")
    table = Table(
        ("Segment (proxy)", "Move", "Volume", f"vs {VOLUME_AVG_DAYS}-day avg"),
        tuple(rows),
        "Move: total return from the previous close. Volume: shares traded; ratio to the "
        "average of the previous sessions (consolidated volume as published).",
    )
    return Section(
        "tape", f"The tape, {inp.day}", figures=figs, tables=(table,), notes=tuple(notes)
    )


def _volume_figs(inp: Inputs, sym: str, bars: pd.DataFrame | None) -> tuple[Figure, Figure]:
    vol = None if bars is None else bars["volume"].dropna()
    why = "no volume data"
    today = avg = None
    window = inp.day
    if vol is not None and len(vol) > VOLUME_AVG_DAYS and vol.index[-1] == inp.as_of:
        today = float(vol.iloc[-1])
        prior = vol.iloc[-VOLUME_AVG_DAYS - 1 : -1]
        avg = float(prior.mean())
        window = f"{day_text(prior.index[0])}..{inp.day}"
    src = inp.source(sym)
    v = inp.book.add(
        f"tape.{sym}.volume",
        today,
        lambda x: fmt_large(x, reason=why),
        f"{sym} volume",
        source=src,
        symbols=(sym,),
        window=inp.day,
        formula="shares traded on the day",
    )
    r = inp.book.add(
        f"tape.{sym}.volume_ratio",
        None if today is None or not avg else today / avg,
        num(why, 2, suffix="x"),
        f"{sym} volume / {VOLUME_AVG_DAYS}-day average",
        source=src,
        symbols=(sym,),
        window=window,
        formula=f"volume / mean volume of the previous {VOLUME_AVG_DAYS} sessions",
    )
    return v, r


def _ratio_block(
    inp: Inputs, a: str, b: str, key: str
) -> tuple[dict[str, Figure], ChartSpec | None, list[str]]:
    sa, sb = inp.series(a), inp.series(b)
    ratio = P.relative_strength(sa, sb)
    fast = ratio.rolling(RS_FAST, min_periods=RS_FAST).mean()
    slow = ratio.rolling(RS_SLOW, min_periods=RS_SLOW).mean()
    src, syms = inp.source(a, b), (a, b)
    end = pd.Timestamp(ratio.index[-1])
    figs: dict[str, Figure] = {}
    notes: list[str] = []
    span = f"{day_text(ratio.index[0])}..{day_text(end)}"
    for n, ma in ((RS_FAST, fast), (RS_SLOW, slow)):
        last_ma = ma.iloc[-1]
        figs[f"vs{n}"] = inp.book.add(
            f"rs.{key}.vs{n}",
            float(ratio.iloc[-1] / last_ma - 1) if pd.notna(last_ma) else None,
            pct(f"fewer than {n} common days"),
            f"{a}/{b} ratio vs its {n}-day average",
            source=src,
            symbols=syms,
            window=f"{n} common trading days to {day_text(end)}",
            formula=f"ratio / {n}-day mean of ratio - 1; ratio = {a} close / {b} close",
        )
    diff = (fast - slow).dropna()
    sign = diff > 0
    flips = diff.index[1:][sign.to_numpy()[1:] != sign.to_numpy()[:-1]]
    since = None
    when = "no crossover"
    if len(diff) and len(flips):
        last_flip = flips[-1]
        since = int((ratio.index > last_flip).sum())
        when = f"{'above' if bool(sign.iloc[-1]) else 'below'} since {day_text(last_flip)}"
    figs["vs200.abs"] = inp.book.magnitude(figs[f"vs{RS_SLOW}"], pct("no data", sign=False))
    figs["days_since_cross"] = inp.book.add(
        f"rs.{key}.days_since_cross",
        since,
        num("no crossover in the data", 0),
        f"trading days since the {RS_FAST}-day average of {a}/{b} crossed its {RS_SLOW}-day",
        source=src,
        symbols=syms,
        window=span,
        formula=f"sessions after the last sign change of MA{RS_FAST} - MA{RS_SLOW} of the ratio",
    )
    if len(diff):
        notes.append(f"{a}/{b}: {RS_FAST}-day average {when}.")
    figs["3m"] = inp.book.add(
        f"rs.{key}.3m",
        float(ratio.iloc[-1] / ratio.loc[: end - pd.DateOffset(months=3)].iloc[-1] - 1)
        if ratio.index[0] <= end - pd.DateOffset(months=3)
        else None,
        pct("less than 3 months of common data"),
        f"change of the {a}/{b} ratio over 3 months",
        source=src,
        symbols=syms,
        window=f"3M to {day_text(end)}",
        formula="ratio_end / ratio_3M_ago - 1",
    )
    start = end - pd.DateOffset(years=RS_CHART_YEARS)
    keep = ratio.index >= start
    base = float(ratio[keep].iloc[0])
    x = tuple(d.strftime("%Y-%m-%d") for d in ratio.index[keep])

    def ser(name: str, s: pd.Series, dash: bool = False, color: str | None = None) -> ChartSeries:
        return ChartSeries(name, x, tuple(float(v) for v in (s[keep] / base)), dash, color)

    chart = ChartSpec(
        f"rs_{key}",
        f"{a} / {b}: relative strength, last {RS_CHART_YEARS} years",
        "line",
        (
            ser(f"{a}/{b}", ratio, color="#1f4e79"),
            ser(f"{RS_FAST}-day avg", fast, color="#e08a00"),
            ser(f"{RS_SLOW}-day avg", slow, True, "#7f7f7f"),
        ),
        f"ratio, rebased to 1.0 on {day_text(ratio.index[keep][0])}",
        f"Source: {src}. Dividend-adjusted closes; rising line = {a} outperforming.",
        "ratio",
        hline=1.0,
    )
    return figs, chart, notes


def relative_section(inp: Inputs) -> Section:
    """Small/large and micro/large ratios with 50- and 200-day averages."""
    figs: dict[str, Figure] = {}
    charts: list[ChartSpec] = []
    notes: list[str] = []
    pairs = [(CORE_SMALL, CORE_LARGE, "small")]
    micro = inp.proxies.get("micro")
    if micro is not None:
        pairs.append((micro.symbol, CORE_LARGE, "micro"))
        if micro.stale:
            notes.append(
                f"{micro.symbol}/{CORE_LARGE} ends {day_text(micro.last_date)} ({micro.symbol} data end)."
            )
    for a, b, key in pairs:
        try:
            f, chart, n = _ratio_block(inp, a, b, key)
        except CapsizeError as exc:
            notes.append(f"{a}/{b}: not available: {exc}")
            continue
        figs.update({f"{key}.{k}": v for k, v in f.items()})
        notes.extend(n)
        if chart is not None:
            charts.append(chart)
    if not figs:
        return Section("relative", "Relative strength", False, "; ".join(notes) or "no data")
    rows = []
    for _, _, key in pairs:
        if f"{key}.vs50" in figs:
            a = CORE_SMALL if key == "small" else (micro.symbol if micro else "")
            rows.append(
                (
                    f"{a} / {CORE_LARGE}",
                    figs[f"{key}.3m"],
                    figs[f"{key}.vs50"],
                    figs[f"{key}.vs200"],
                    figs[f"{key}.days_since_cross"],
                )
            )
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


def leadership_section(inp: Inputs) -> Section:
    """Which side led each calendar year, as a table, a bar chart and the current streak."""
    a, b = inp.series(CORE_SMALL), inp.series(CORE_LARGE)
    table = P.calendar_year_table(a, b)
    if table.empty:
        return Section("leadership", "Leadership by calendar year", False, "no full year of data")
    full = table[table["status"] == "full"]
    st = P.streaks(table)
    src, syms = inp.source(CORE_SMALL, CORE_LARGE), (CORE_SMALL, CORE_LARGE)
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    for year, r in table.iloc[::-1].head(TABLE_YEARS).iterrows():
        span = f"{day_text(r['base_date'])}..{day_text(r['end_date'])}"
        partial = r["status"] != "full"
        to_date = partial and int(str(year)) == inp.as_of.year
        tag = " (to date)" if to_date else (" (partial)" if partial else "")
        cells: list[Figure | str] = [f"{year}{tag}"]
        for sym in syms:
            cells.append(
                inp.book.add(
                    f"years.{year}.{sym}",
                    float(r[sym]),
                    pct("no data"),
                    f"{sym} total return {year}",
                    source=src,
                    symbols=(sym,),
                    window=span,
                    formula="calendar-year total return (last close of Y-1 to last close of Y)",
                )
            )
        cells.append(
            inp.book.add(
                f"years.{year}.spread",
                float(r["spread"]),
                pp("no data"),
                f"IWM - SPY {year}",
                source=src,
                symbols=syms,
                window=span,
                formula="IWM return - SPY return",
            )
        )
        winner = r["winner"]
        cells.append(
            "Small" if winner == CORE_SMALL else ("Large" if winner == CORE_LARGE else "Tie")
        )
        rows.append(tuple(cells))
    n_small = int((full["winner"] == CORE_SMALL).sum())
    figs["small_years"] = inp.book.add(
        "years.small_led",
        n_small,
        num("no full years", 0),
        "full calendar years small caps (IWM) led",
        source=src,
        symbols=syms,
        window=f"{int(full.index.min())}..{int(full.index.max())}" if len(full) else "no full year",
        formula="count of years with IWM return > SPY return",
    )
    figs["full_years"] = inp.book.add(
        "years.full",
        len(full),
        num("no full years", 0),
        "full calendar years compared",
        source=src,
        symbols=syms,
        window=f"{int(full.index.min())}..{int(full.index.max())}" if len(full) else "no full year",
        formula="count of full calendar years with both series",
    )
    notes = []
    if st.current is not None:
        who = "Small caps" if st.current.leader == CORE_SMALL else "Large caps"
        figs["streak"] = inp.book.add(
            "years.streak",
            st.current.length,
            num("no streak", 0),
            f"current streak: {who} led each year",
            source=src,
            symbols=syms,
            window=f"{st.current.start_year}..{st.current.end_year}",
            formula="consecutive full years led by the same side",
        )
        notes.append(
            f"Current streak: {who.lower()} have led every full year since {st.current.start_year}."
        )
    x = tuple(str(y) for y in table.index)
    chart = ChartSpec(
        "years",
        "Small minus large, by calendar year (IWM - SPY)",
        "bar",
        (ChartSeries("IWM - SPY", x, tuple(float(v) * 100 for v in table["spread"])),),
        "return spread (percentage points)",
        f"Source: {src}. Total returns; the last bar is the year to date"
        + (
            f"; the first year is partial (IWM data start {day_text(a.index[0])})."
            if len(full) < len(table) - 1
            else "."
        ),
        "num",
        hline=0.0,
    )
    t = Table(
        ("Year", "IWM", "SPY", "Spread", "Leader"),
        tuple(rows),
        f"Last {TABLE_YEARS} years shown, newest first; total returns from dividend-adjusted closes.",
    )
    return Section(
        "leadership",
        "Leadership by calendar year",
        figures=figs,
        tables=(t,),
        charts=(chart,),
        notes=tuple(notes),
    )


def highs_section(inp: Inputs) -> Section:
    """Distance from all-time and 52-week highs (close and intraday), current drawdown."""
    rows: list[tuple[Figure | str, ...]] = []
    figs: dict[str, Figure] = {}
    syms = [c.symbol for c in inp.proxies.values()] + [SMALL_INDEX, LARGE_INDEX]
    for sym in syms:
        if sym not in inp.closes.columns:
            continue
        s = inp.series(sym)
        bars = inp.bar(sym)
        high = None if bars is None or bars["high"].isna().all() else bars["high"]
        try:
            h = P.highs(s, high)
            dd = P.drawdown_stats(s)
        except CapsizeError:
            continue
        src = inp.source(sym)
        end = day_text(h.as_of_date)
        cells: list[Figure | str] = [sym + ("" if h.as_of_date == inp.as_of else f" (to {end})")]
        for mark in (h.all_time_close, h.all_time_intraday, h.week52_close, h.week52_intraday):
            kind = mark.kind.replace(" ", "_")
            why = "close-only data" if high is None else (mark.reason or "no data")
            cells.append(
                inp.book.add(
                    f"highs.{sym}.{kind}",
                    mark.distance,
                    pct(why),
                    f"{sym} distance from {mark.kind} high",
                    source=src,
                    symbols=(sym,),
                    window=f"{day_text(h.first_date)}..{end}"
                    if "all-time" in mark.kind
                    else f"52 weeks to {end}",
                    formula=f"last close / {mark.kind} high - 1 (high set {day_text(mark.date)})",
                )
            )
            figs[f"{sym}.{kind}"] = cells[-1]  # type: ignore[assignment]
        cur = inp.book.add(
            f"highs.{sym}.drawdown",
            dd.current_drawdown,
            pct("no data"),
            f"{sym} current drawdown",
            source=src,
            symbols=(sym,),
            window=f"{day_text(dd.current_peak_date)}..{end}",
            formula="last close / running peak close - 1",
        )
        mdd = inp.book.add(
            f"highs.{sym}.max_drawdown",
            dd.max_drawdown,
            pct("no data"),
            f"{sym} maximum drawdown",
            source=src,
            symbols=(sym,),
            window=f"{day_text(dd.peak_date)}..{day_text(dd.trough_date)}",
            formula="min over time of close / running peak - 1",
        )
        figs[f"{sym}.drawdown"] = cur
        cells += [cur, mdd]
        rows.append(tuple(cells))
    if not rows:
        return Section("highs", "Highs and drawdowns", False, "no closes for the proxies")
    t = Table(
        (
            "Proxy",
            "ATH close",
            "ATH intraday",
            "52w close",
            "52w intraday",
            "Drawdown",
            "Max drawdown",
        ),
        tuple(rows),
        "Distance of the last close from the all-time high (ATH) and the 52-week (52w) high, "
        "by close and by intraday high; drawdown from the running peak close. ETFs on "
        "dividend-adjusted prices, indices on levels; intraday highs only where the store has them.",
    )
    return Section("highs", "Highs and drawdowns", figures=figs, tables=(t,))
