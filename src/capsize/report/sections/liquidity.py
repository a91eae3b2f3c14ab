"""Report section on volume and liquidity: the segment funds and the universe."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from capsize.report._inputs import Inputs, num, pct
from capsize.report._model import Figure, Section, Table
from capsize.report.sections.common import Fmt, count_fmt, day_text, finite, money_fmt, shares_fmt
from capsize.report.sections.universe import VOLUME_SOURCE, UniverseData

if TYPE_CHECKING:
    from capsize.analytics.liquidity import LiquidityResult

__all__ = ["volume_section"]


LIQ_SHORT, LIQ_LONG = 20, 63
VOLUME_EXTRA = {"QQQ": "Nasdaq-100", "DIA": "Dow industrials"}
"""Funds with volume in the store that are shown beside the segment proxies."""


def _fund_frames(inp: Inputs, symbols: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    closes, vols = {}, {}
    for s in symbols:
        bars = inp.bar(s)
        if bars is None or bars.empty:
            continue
        closes[s] = bars["close"]
        vols[s] = bars["volume"]
    c = pd.DataFrame(closes).sort_index()
    return c, pd.DataFrame(vols).reindex(c.index)


def _fund_row(
    inp: Inputs,
    sym: str,
    short: LiquidityResult,
    long: LiquidityResult,
    vol: pd.Series,
    figs: dict[str, Figure],
    label: str,
) -> tuple[Figure | str, ...]:
    """One fund's volume and liquidity figures (a table row)."""
    src = inp.source(sym)
    rs, rl = short.table.loc[sym], long.table.loc[sym]
    few = bool(pd.isna(rs["adv_shares"]))
    why: str = f"volume on too few of the last {LIQ_SHORT} sessions" if few else ""

    def add(name: str, value: object, fmt: Fmt, what: str, formula: str, window: str) -> Figure:
        f = inp.book.add(
            f"volume.{sym}.{name}",
            finite(value),
            fmt,
            f"{sym} {what}",
            source=src,
            symbols=(sym,),
            window=window,
            formula=formula,
        )
        figs[f"{sym}.{name}"] = f
        return f

    ws = f"{day_text(short.window_start)}..{day_text(short.window_end)}"
    wl = f"{day_text(long.window_start)}..{day_text(long.window_end)}"
    adv20 = add(
        "adv20",
        rs["adv_shares"],
        shares_fmt(why or "no volume"),
        f"average daily volume, {LIQ_SHORT} sessions (shares)",
        "mean daily share volume",
        ws,
    )
    dv20 = add(
        "dv20",
        rs["adv_dollars"],
        money_fmt(why or "no volume"),
        f"average daily dollar volume, {LIQ_SHORT} sessions",
        "mean of adjusted close x share volume",
        ws,
    )
    dv63 = add(
        "dv63",
        rl["adv_dollars"],
        money_fmt(str(rl["note"]) or "no volume"),
        f"average daily dollar volume, {LIQ_LONG} sessions",
        "mean of adjusted close x share volume",
        wl,
    )
    yoy = add(
        "yoy",
        rl["yoy_adv_dollars"],
        pct(str(rl["note"]) or "coverage", 0),
        "dollar volume, last 252 sessions vs the 252 before",
        "mean dollar volume of the last 252 sessions / of the 252 before - 1",
        f"504 sessions to {day_text(long.window_end)}",
    )
    ratio_v = None
    rwin = inp.day
    if len(vol) > LIQ_SHORT and vol.index[-1] == inp.as_of:
        prior = vol.iloc[-LIQ_SHORT - 1 : -1]
        mean = float(prior.mean())
        ratio_v = float(vol.iloc[-1]) / mean if mean > 0 else None
        rwin = f"{day_text(prior.index[0])}..{inp.day}"
    ratio = add(
        "ratio",
        ratio_v,
        num(f"no volume on {inp.day}", 2, suffix="x"),
        f"volume on {inp.day} / {LIQ_SHORT}-day average",
        f"volume / mean volume of the previous {LIQ_SHORT} sessions",
        rwin,
    )
    return (label, adv20, dv20, dv63, yoy, ratio)


def volume_section(inp: Inputs, ud: UniverseData | None, universe_reason: str = "") -> Section:
    """Average daily volume and dollar volume of the segment proxies and the universe."""
    from capsize.analytics.liquidity import liquidity

    title = "Volume and liquidity"
    funds = [c.symbol for c in inp.proxies.values()]
    held = set(inp.closes.columns)
    funds += [s for s in VOLUME_EXTRA if s not in funds]
    c, v = _fund_frames(inp, funds)
    if c.empty:
        return Section("volume", title, False, "no bars for the segment proxies")
    c, v = c.loc[: inp.as_of], v.loc[: inp.as_of]
    short = liquidity(c, v, window=LIQ_SHORT, as_of=inp.as_of)
    long = liquidity(c, v, window=LIQ_LONG, as_of=inp.as_of)
    figs: dict[str, Figure] = {}
    rows: list[tuple[Figure | str, ...]] = []
    label_of = {ch.symbol: f"{ch.label} ({ch.symbol})" for ch in inp.proxies.values()}
    for s, name in VOLUME_EXTRA.items():
        label_of.setdefault(s, f"{name} ({s})")
    no_vol = [s for s in c.columns if not v[s].notna().any()]
    for sym in c.columns:
        if sym in no_vol:
            continue
        last = c[sym].last_valid_index()
        lab = label_of.get(sym, sym)
        if sym in held and last != inp.as_of:
            lab += f", to {day_text(last)}"
        rows.append(_fund_row(inp, sym, short, long, v[sym].dropna(), figs, lab))
    t1 = Table(
        (
            "Fund",
            f"ADV shares {LIQ_SHORT}d",
            f"ADV $ {LIQ_SHORT}d",
            "ADV $ 3M",
            "$ volume YoY",
            "Volume vs 20d avg",
        ),
        tuple(rows),
        "ADV: average daily volume (consolidated, shares); $: adjusted close x shares, so older "
        "dollar volumes are understated by the dividends paid since. YoY: the last 252 sessions "
        "against the 252 before, only with volume on nine days in ten of both. Volume vs 20d "
        "avg: the report day's volume over the mean of the previous 20 sessions.",
    )
    tables = [t1]
    notes: list[str] = []
    if no_vol:
        notes.append(
            "Not shown: "
            + ", ".join(f"{label_of.get(s, s)}" for s in no_vol)
            + ": no volume in the store (their price files carry closes only)."
        )
    if not rows:
        return Section("volume", title, False, "no segment proxy has volume in the store")
    if ud is None:
        notes.append(f"Universe liquidity: not available: {universe_reason}.")
    else:
        last_vol = ud.volume_end
        if last_vol is None:
            notes.append(
                f"Universe liquidity: not available: no universe volume in the store on or "
                f"before {day_text(ud.day)}."
            )
        elif last_vol < ud.day:
            notes.append(
                f"Universe liquidity: not available: universe volume ends {day_text(last_vol)} "
                f"(breadth day {day_text(ud.day)}); no figure mixes the two dates."
            )
        else:
            t2 = _universe_liquidity(inp, ud, figs)
            if t2 is not None:
                tables.append(t2)
    return Section("volume", title, figures=figs, tables=tuple(tables), notes=tuple(notes))


def _universe_liquidity(inp: Inputs, ud: UniverseData, figs: dict[str, Figure]) -> Table | None:
    from capsize.analytics.liquidity import liquidity

    res = liquidity(ud.closes, ud.volume, window=LIQ_LONG, as_of=ud.day)
    s = res.summary
    src = f"{ud.price_source}; {VOLUME_SOURCE}; member list: {ud.list_source}"
    syms = (f"{ud.universe.name} members",)
    w = f"{day_text(res.window_start)}..{day_text(res.window_end)}"

    def add(name: str, value: object, fmt, label: str, formula: str, window: str = w) -> Figure:  # type: ignore[no-untyped-def]
        f = inp.book.add(
            f"volume.universe.{name}",
            finite(value),
            fmt,
            label,
            source=src,
            symbols=syms,
            window=window,
            formula=formula,
        )
        figs[f"universe.{name}"] = f
        return f

    members = add(
        "members", s["symbols"], count_fmt("no data"), "universe members with prices", "count"
    )
    covered = add(
        "covered",
        s["covered"],
        count_fmt("no data"),
        f"members with volume on nine in ten of the last {LIQ_LONG} sessions",
        "count of members with volume coverage >= 90% of the window",
    )
    total = add(
        "total",
        s["total_adv_dollars"],
        money_fmt("no member covered"),
        "total average daily dollar volume of the covered members",
        "sum over covered members of mean(close x volume)",
    )
    median = add(
        "median",
        s["median_adv_dollars"],
        money_fmt("no member covered"),
        "median average daily dollar volume of the covered members",
        "median over covered members of mean(close x volume)",
    )
    yoy_cov = add(
        "yoy_covered",
        s["yoy_covered"],
        count_fmt("no data"),
        "members with volume in both years",
        "count of members with >= 90% volume coverage in both 252-session windows",
        f"504 sessions to {day_text(res.window_end)}",
    )
    yoy = add(
        "yoy",
        s["yoy_adv_dollars"],
        pct("no member covered in both years", 0),
        "dollar volume YoY, same members",
        "sum of mean dollar volume of the last 252 sessions / of the 252 before - 1, "
        "members covered in both",
        f"504 sessions to {day_text(res.window_end)}",
    )
    rows: tuple[tuple[Figure | str, ...], ...] = (
        ("Members with prices", members),
        (f"With volume on nine in ten of {LIQ_LONG} sessions", covered),
        ("Total ADV $ (covered members)", total),
        ("Median ADV $ (covered members)", median),
        ("Members covered in both years", yoy_cov),
        ("$ volume YoY (those members only)", yoy),
    )
    return Table(
        ("Small-cap universe", f"{w}"),
        rows,
        "Universe volume is partial (it ends on different dates for different members): every "
        "figure covers only the members counted above, and the year-over-year change compares "
        "the same members in both years, never across a change in coverage.",
    )
