"""Report section on breadth: averages, A/D line, highs/lows, McClellan, equal weight."""

from __future__ import annotations

import pandas as pd

from capsize.report._inputs import CORE_SMALL, Inputs, num, pct, pp
from capsize.report._model import ChartSeries, ChartSpec, Figure, Section, Table
from capsize.report.sections.common import count_fmt, day_text, finite
from capsize.report.sections.universe import UniverseData

__all__ = ["breadth_section"]


EW_WINDOWS = ((21, "1M"), (63, "3M"), (252, "1Y"))


def breadth_section(inp: Inputs, ud: UniverseData) -> Section:
    """Share above averages, A/D line, highs/lows, McClellan, equal weight vs IWM."""
    from capsize.analytics.breadth import compute_breadth

    title = "Breadth of the small-cap universe"
    day = ud.day
    bench = inp.series(CORE_SMALL).loc[:day]
    dates = ud.closes.dates
    pos = int(dates.searchsorted(day, side="right")) - 1
    chart_start = dates[max(0, pos - max(w for w, _ in EW_WINDOWS))]
    res = compute_breadth(
        ud.closes, benchmark=bench, benchmark_name=CORE_SMALL, start=chart_start, as_of=day
    )
    row = res.on(day)
    uni = ud.universe
    src = f"{ud.price_source}; member list: {ud.list_source}"
    syms = (f"{uni.name} members",)
    bday = day_text(day)
    figs: dict[str, Figure] = {}

    def add(name: str, value: object, fmt, label: str, formula: str, window: str = bday) -> Figure:  # type: ignore[no-untyped-def]
        f = inp.book.add(
            f"breadth.{name}",
            finite(value),
            fmt,
            label,
            source=src,
            symbols=syms,
            window=window,
            formula=formula,
        )
        figs[name] = f
        return f

    n_mem = add(
        "members",
        uni.n_members,
        count_fmt("no member"),
        "universe members with prices",
        "count of listed members with closes in the store",
    )
    n_list = add(
        "listed",
        uni.n_listed,
        count_fmt("no member"),
        "members in the list",
        "count of equity tickers in the member list",
        window=day_text(uni.snapshot_date),
    )
    with_close = add(
        "with_close",
        row["with_close"],
        count_fmt("no close"),
        f"members with a close on {bday}",
        "count of members with a close that day",
    )
    rows: list[tuple[Figure | str, ...]] = [("Members with prices", n_mem, n_list)]
    rows.append(("Members with a close that day", with_close, n_mem))
    for w in res.ma_windows:
        p = add(
            f"pct_above_{w}",
            row[f"pct_above_{w}"],
            pct("no member with a full window", 0, sign=False),
            f"share of members above their {w}-day average",
            f"members with close > {w}-session mean / members with a full {w}-session window",
        )
        c = add(
            f"covered_{w}",
            row[f"covered_{w}"],
            count_fmt("no data"),
            f"members with a full {w}-day window",
            f"count of members with {w} closes in the last {w} sessions",
        )
        rows.append((f"Above {w}-day average", p, c))
    n_ret = row["advancers"] + row["decliners"] + row["unchanged"]
    ret_cov = add(
        "with_return",
        n_ret,
        count_fmt("no data"),
        "members with a daily return",
        "count of members with a close that day and the day before",
    )
    rows.append(
        (
            "Advancers",
            add(
                "advancers",
                row["advancers"],
                count_fmt("no data"),
                "advancing members",
                "count of daily return > 0",
            ),
            ret_cov,
        )
    )
    rows.append(
        (
            "Decliners",
            add(
                "decliners",
                row["decliners"],
                count_fmt("no data"),
                "declining members",
                "count of daily return < 0",
            ),
            ret_cov,
        )
    )
    ad_window = f"{day_text(res.start)}..{bday}"
    rows.append(
        (
            "A/D line (cumulative net advances)",
            add(
                "ad_line",
                row["ad_line"],
                num("no data", 0, sign=True),
                f"advance/decline line since {day_text(res.start)}",
                "cumulative sum of advancers - decliners",
                window=ad_window,
            ),
            ret_cov,
        )
    )
    hl_cov = add(
        "hl_covered",
        row["hl_covered"],
        count_fmt("no data"),
        "members with a full 52-week look-back",
        f"count of members with {res.high_low_window} prior closes",
    )
    rows.append(
        (
            "New 52-week highs",
            add(
                "new_highs",
                row["new_highs"],
                count_fmt("no data"),
                "members at a new 52-week closing high",
                f"close > max of the previous {res.high_low_window} closes",
            ),
            hl_cov,
        )
    )
    rows.append(
        (
            "New 52-week lows",
            add(
                "new_lows",
                row["new_lows"],
                count_fmt("no data"),
                "members at a new 52-week closing low",
                f"close < min of the previous {res.high_low_window} closes",
            ),
            hl_cov,
        )
    )
    rows.append(
        (
            "McClellan oscillator",
            add(
                "mcclellan",
                row["mcclellan"],
                num("no data", 1, sign=True),
                "McClellan oscillator",
                res.mcclellan_formula,
                window=f"{day_text(ud.start)}..{bday}",
            ),
            ret_cov,
        )
    )
    t1 = Table(
        ("Measure", "Value", "Out of"),
        tuple(rows),
        f"Breadth on {bday}. Out of: the members each count is taken over (a member counts only "
        "where it has the data the measure needs). Averages and look-backs count sessions.",
    )
    cmp = res.compare([w for w, _ in EW_WINDOWS])
    cmp_rows: list[tuple[Figure | str, ...]] = []
    for w, label in EW_WINDOWS:
        r = cmp.loc[w]
        ok = pd.notna(r["start"])
        span = f"{day_text(r['start'])}..{bday}" if ok else f"{w} sessions to {bday}"
        why = "window before the chart start"
        ew = add(
            f"ew.{label}",
            r["ew_return"],
            pct(why),
            f"equal-weight members, {label}",
            "compounded mean daily return of members with a return",
            window=span,
        )
        cw = inp.book.add(
            f"breadth.iwm.{label}",
            finite(r["cw_return"]),
            pct(why),
            f"IWM total return, {label} (same dates)",
            source=inp.source(CORE_SMALL),
            symbols=(CORE_SMALL,),
            window=span,
            formula="end close / base close - 1 (adjusted closes)",
        )
        figs[f"iwm.{label}"] = cw
        diff = add(
            f"ew_minus_iwm.{label}",
            r["difference"],
            pp(why),
            f"equal-weight minus IWM, {label}",
            "equal-weight return - IWM return",
            window=span,
        )
        cmp_rows.append((label, ew, cw, diff))
    t2 = Table(
        ("Window", "Equal-weight members", "IWM (cap-weighted)", "Difference"),
        tuple(cmp_rows),
        f"Windows of 21, 63 and 252 sessions ending {bday}. Equal weight: the daily average "
        "return of the members, compounded (no rebalancing cost).",
    )
    tab = res.table
    xs = tuple(d.strftime("%Y-%m-%d") for d in tab.index)
    charts = (
        ChartSpec(
            "breadth_ad",
            "Advance/decline line of the small-cap universe, last 12 months",
            "line",
            (
                ChartSeries(
                    "A/D line", xs, tuple(float(v) for v in tab["ad_line"]), color="#1f4e79"
                ),
            ),
            "cumulative net advances (members)",
            f"Source: {ud.price_source}; members: {ud.list_source}.",
            "num",
            hline=0.0,
        ),
        ChartSpec(
            "breadth_ew",
            "Equal-weight universe vs IWM, last 12 months (both = 100 at the start)",
            "line",
            (
                ChartSeries(
                    "Equal-weight members",
                    xs,
                    tuple(float(v) for v in tab["ew_index"]),
                    color="#1f4e79",
                ),
                ChartSeries("IWM", xs, tuple(float(v) for v in tab["cw_index"]), color="#e08a00"),
            ),
            "index (start = 100)",
            f"Source: {ud.price_source}; {inp.source(CORE_SMALL)}; same dates for both.",
            "num",
        ),
    )
    notes = [f"Member list: {ud.list_source}."]
    if day != inp.as_of:
        notes.append(
            f"The universe's prices end {bday}, before the report day {inp.day}: breadth is "
            f"as of {bday}, and IWM is compared over the same dates."
        )
    notes.append(uni.caveat)
    return Section(
        "breadth",
        f"{title}, {bday}",
        figures=figs,
        tables=(t1, t2),
        charts=charts,
        notes=tuple(notes),
    )
