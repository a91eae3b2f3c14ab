"""Report sections on market internals: breadth, volume and liquidity, fund flows.

Breadth and the universe's liquidity run over the small-cap universe held in the
store (IWM members with prices), point in time:

* **Member list.** The latest IWM member list dated on or before the breadth day:
  a membership snapshot, or an IWM holdings file when it is newer. Before the first
  list the section is not available (a later list would add look-ahead).
* **Breadth day.** The universe's prices can end before the report day (they end
  2026-07-31 in the shared data while the ETFs run on). Breadth is then computed on
  the universe's own last day and IWM is compared over the same dates only; the
  section says so.
* **Window.** The universe panel is read once from ``UNIVERSE_LOOKBACK_DAYS``
  calendar days before the breadth day (enough for a 252-session high/low look-back
  and a 252-session year-over-year liquidity window); the A/D line is cumulated
  from the start of the one-year chart window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import pandas as pd

from capsize._format import fmt_date, fmt_large, fmt_money
from capsize.errors import CapsizeError, DataNotFound
from capsize.report._inputs import CORE_SMALL, Inputs, num, pct, pp
from capsize.report._model import ChartSeries, ChartSpec, Figure, Section, Table

if TYPE_CHECKING:
    from collections.abc import Callable

    from capsize.analytics.engine import Panel
    from capsize.analytics.liquidity import LiquidityResult
    from capsize.universe import Universe

__all__ = [
    "UNIVERSE_LOOKBACK_DAYS",
    "UniverseData",
    "breadth_section",
    "flows_section",
    "load_universe",
    "volume_section",
]

UNIVERSE_INDEX = "IWM"
UNIVERSE_LOOKBACK_DAYS = 800
RECENT_DAYS = 31
VOLUME_SOURCE = "universe_ohlcv/<ticker>.csv via store (share volume)"
"""Calendar days of universe history read before the breadth day (about 550 sessions)."""
EW_WINDOWS = ((21, "1M"), (63, "3M"), (252, "1Y"))
LIQ_SHORT, LIQ_LONG = 20, 63
VOLUME_EXTRA = {"QQQ": "Nasdaq-100", "DIA": "Dow industrials"}
"""Funds with volume in the store that are shown beside the segment proxies."""


Fmt: TypeAlias = "Callable[[float | int | None], str]"


def _d(ts: object) -> str:
    return fmt_date(ts, reason="no date")


def _count(reason: str):  # type: ignore[no-untyped-def]
    return num(reason, 0)


def _money(reason: str):  # type: ignore[no-untyped-def]
    return lambda v: fmt_money(v, compact=True, reason=reason)


def _shares(reason: str):  # type: ignore[no-untyped-def]
    return lambda v: fmt_large(v, reason=reason)


def _int(v: object) -> int:
    out: int = int(v)  # type: ignore[call-overload]
    return out


def _fin(v: object) -> float | None:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


# --------------------------------------------------------------------------- universe


@dataclass(frozen=True)
class UniverseData:
    """The universe read once for the breadth and volume sections.

    Attributes
    ----------
    universe : Universe
        Members with prices (``without_data`` holds the others).
    closes : Panel of shape (n_days, n_members), adjusted closes, USD
        From ``start`` to ``day``.
    volume : Panel of shape (n_days, n_members), shares
        Same dates and tickers; NaN where no volume is known (all NaN when the
        universe's volume ends before ``day``: it is then not read).
    volume_end : Timestamp or None
        Last date with universe volume on or before ``day`` (None: none known).
    day : Timestamp
        Breadth day: the universe's last close on or before the report day.
    start : Timestamp
        First date read.
    list_source : str
        Where the member list comes from (file and date).
    price_source : str
        Where the prices come from.
    """

    universe: Universe
    closes: Panel
    volume: Panel
    volume_end: pd.Timestamp | None
    day: pd.Timestamp
    start: pd.Timestamp
    list_source: str
    price_source: str


def _member_list(inp: Inputs, day: pd.Timestamp) -> tuple[Universe, str]:
    from capsize.universe import Universe

    store = inp.store
    try:
        holdings: pd.DataFrame | None = store.holdings(UNIVERSE_INDEX, as_of=day)
    except DataNotFound:
        holdings = None
    try:
        membership: pd.DataFrame | None = store.membership(UNIVERSE_INDEX, as_of=day)
    except DataNotFound:
        membership = None
    if holdings is None and membership is None:
        raise DataNotFound(
            f"no {UNIVERSE_INDEX} member list (holdings file or membership snapshot) dated on or "
            f"before {_d(day)}; a later list would add look-ahead"
        )
    uni = Universe.from_frames(holdings, membership, name=UNIVERSE_INDEX)
    if uni.snapshot_source == "holdings" and holdings is not None:
        src = str(holdings.attrs.get("source", "")) or f"{UNIVERSE_INDEX} holdings"
        what = f"{UNIVERSE_INDEX} holdings file of {_d(uni.snapshot_date)} ({src})"
    else:
        try:
            src = store.provenance("membership", UNIVERSE_INDEX).source
        except CapsizeError:
            src = "store membership"
        what = f"{UNIVERSE_INDEX} membership snapshot of {_d(uni.snapshot_date)} ({src})"
    return uni, what


def _universe_volume(
    inp: Inputs, uni: Universe, wide: pd.DataFrame, start: pd.Timestamp, day: pd.Timestamp
) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Member volume from ``start`` to ``day``, read in full only when it reaches ``day``.

    A small read of the last weeks decides; when the volume ends earlier, its last
    date comes from that read or, further back, from the import catalog (capped at
    ``day``: only data dated on or before it is described).
    """
    store = inp.store
    members = list(uni.members)
    empty = pd.DataFrame(np.nan, index=wide.index, columns=wide.columns)
    try:
        recent = store.panel(
            members,
            field="volume",
            basis="adjusted",
            start=day - pd.Timedelta(days=RECENT_DAYS),
            as_of=day,
        ).dropna(how="all")
    except DataNotFound:
        recent = pd.DataFrame()
    if len(recent) and pd.Timestamp(recent.index[-1]) == day:
        vol = store.panel(members, field="volume", basis="adjusted", start=start, as_of=day)
        return vol.reindex(index=wide.index, columns=wide.columns), day
    if len(recent):
        return empty, pd.Timestamp(recent.index[-1])
    try:
        cat = store.catalog()
    except CapsizeError:
        return empty, None
    mine = cat[
        cat["source"].astype(str).str.startswith("universe_ohlcv/")
        & cat["subject"].astype(str).isin(set(members))
    ]
    last = pd.to_datetime(mine["last_date"]).max() if len(mine) else pd.NaT
    return empty, (pd.Timestamp(last) if pd.notna(last) and last <= day else None)


def load_universe(inp: Inputs) -> UniverseData:
    """Read the universe member list and its closes and volume once, point in time.

    Raises
    ------
    DataNotFound
        When the store has no universe prices or no member list on or before the day.
    """
    from capsize.analytics.engine import Panel

    store = inp.store
    uni, what = _member_list(inp, inp.as_of)
    members = list(uni.members)
    day: pd.Timestamp | None = None
    for days in (RECENT_DAYS, UNIVERSE_LOOKBACK_DAYS):  # a small read finds the last date
        try:
            recent = store.panel(
                members,
                field="close",
                basis="adjusted",
                start=inp.as_of - pd.Timedelta(days=days),
                as_of=inp.as_of,
            ).dropna(how="all")
        except DataNotFound:
            continue
        if len(recent):
            day = pd.Timestamp(recent.index[-1])
            break
    if day is None:
        raise DataNotFound(
            f"no universe closes in the {UNIVERSE_LOOKBACK_DAYS} days to {inp.day}; "
            "import the universe with 'capsize data import'"
        )
    if day != inp.as_of:
        # prices end before the report day: take the member list of the breadth day
        uni, what = _member_list(inp, day)
    start = day - pd.Timedelta(days=UNIVERSE_LOOKBACK_DAYS)
    wide = store.panel(
        list(uni.members), field="close", basis="adjusted", start=start, as_of=day
    ).dropna(how="all")
    uni = uni.restrict(wide.columns[wide.notna().any()])
    wide = wide[list(uni.members)]
    inp.cache["universe_closes"] = wide
    vol, volume_end = _universe_volume(inp, uni, wide, start, day)
    return UniverseData(
        universe=uni,
        closes=Panel.from_wide(wide, name="close"),
        volume=Panel.from_wide(vol.astype("float64"), name="volume"),
        volume_end=volume_end,
        day=day,
        start=pd.Timestamp(wide.index[0]),
        list_source=what,
        price_source="universe/<ticker>.csv via store (adjusted closes)",
    )


# --------------------------------------------------------------------------- breadth


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
    bday = _d(day)
    figs: dict[str, Figure] = {}

    def add(name: str, value: object, fmt, label: str, formula: str, window: str = bday) -> Figure:  # type: ignore[no-untyped-def]
        f = inp.book.add(
            f"breadth.{name}",
            _fin(value),
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
        _count("no member"),
        "universe members with prices",
        "count of listed members with closes in the store",
    )
    n_list = add(
        "listed",
        uni.n_listed,
        _count("no member"),
        "members in the list",
        "count of equity tickers in the member list",
        window=_d(uni.snapshot_date),
    )
    with_close = add(
        "with_close",
        row["with_close"],
        _count("no close"),
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
            _count("no data"),
            f"members with a full {w}-day window",
            f"count of members with {w} closes in the last {w} sessions",
        )
        rows.append((f"Above {w}-day average", p, c))
    n_ret = row["advancers"] + row["decliners"] + row["unchanged"]
    ret_cov = add(
        "with_return",
        n_ret,
        _count("no data"),
        "members with a daily return",
        "count of members with a close that day and the day before",
    )
    rows.append(
        (
            "Advancers",
            add(
                "advancers",
                row["advancers"],
                _count("no data"),
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
                _count("no data"),
                "declining members",
                "count of daily return < 0",
            ),
            ret_cov,
        )
    )
    ad_window = f"{_d(res.start)}..{bday}"
    rows.append(
        (
            "A/D line (cumulative net advances)",
            add(
                "ad_line",
                row["ad_line"],
                num("no data", 0, sign=True),
                f"advance/decline line since {_d(res.start)}",
                "cumulative sum of advancers - decliners",
                window=ad_window,
            ),
            ret_cov,
        )
    )
    hl_cov = add(
        "hl_covered",
        row["hl_covered"],
        _count("no data"),
        "members with a full 52-week look-back",
        f"count of members with {res.high_low_window} prior closes",
    )
    rows.append(
        (
            "New 52-week highs",
            add(
                "new_highs",
                row["new_highs"],
                _count("no data"),
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
                _count("no data"),
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
                window=f"{_d(ud.start)}..{bday}",
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
        span = f"{_d(r['start'])}..{bday}" if ok else f"{w} sessions to {bday}"
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
            _fin(r["cw_return"]),
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


# --------------------------------------------------------------------------- volume


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
            _fin(value),
            fmt,
            f"{sym} {what}",
            source=src,
            symbols=(sym,),
            window=window,
            formula=formula,
        )
        figs[f"{sym}.{name}"] = f
        return f

    ws = f"{_d(short.window_start)}..{_d(short.window_end)}"
    wl = f"{_d(long.window_start)}..{_d(long.window_end)}"
    adv20 = add(
        "adv20",
        rs["adv_shares"],
        _shares(why or "no volume"),
        f"average daily volume, {LIQ_SHORT} sessions (shares)",
        "mean daily share volume",
        ws,
    )
    dv20 = add(
        "dv20",
        rs["adv_dollars"],
        _money(why or "no volume"),
        f"average daily dollar volume, {LIQ_SHORT} sessions",
        "mean of adjusted close x share volume",
        ws,
    )
    dv63 = add(
        "dv63",
        rl["adv_dollars"],
        _money(str(rl["note"]) or "no volume"),
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
        f"504 sessions to {_d(long.window_end)}",
    )
    ratio_v = None
    rwin = inp.day
    if len(vol) > LIQ_SHORT and vol.index[-1] == inp.as_of:
        prior = vol.iloc[-LIQ_SHORT - 1 : -1]
        mean = float(prior.mean())
        ratio_v = float(vol.iloc[-1]) / mean if mean > 0 else None
        rwin = f"{_d(prior.index[0])}..{inp.day}"
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
            lab += f", to {_d(last)}"
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
                f"before {_d(ud.day)}."
            )
        elif last_vol < ud.day:
            notes.append(
                f"Universe liquidity: not available: universe volume ends {_d(last_vol)} "
                f"(breadth day {_d(ud.day)}); no figure mixes the two dates."
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
    w = f"{_d(res.window_start)}..{_d(res.window_end)}"

    def add(name: str, value: object, fmt, label: str, formula: str, window: str = w) -> Figure:  # type: ignore[no-untyped-def]
        f = inp.book.add(
            f"volume.universe.{name}",
            _fin(value),
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
        "members", s["symbols"], _count("no data"), "universe members with prices", "count"
    )
    covered = add(
        "covered",
        s["covered"],
        _count("no data"),
        f"members with volume on nine in ten of the last {LIQ_LONG} sessions",
        "count of members with volume coverage >= 90% of the window",
    )
    total = add(
        "total",
        s["total_adv_dollars"],
        _money("no member covered"),
        "total average daily dollar volume of the covered members",
        "sum over covered members of mean(close x volume)",
    )
    median = add(
        "median",
        s["median_adv_dollars"],
        _money("no member covered"),
        "median average daily dollar volume of the covered members",
        "median over covered members of mean(close x volume)",
    )
    yoy_cov = add(
        "yoy_covered",
        s["yoy_covered"],
        _count("no data"),
        "members with volume in both years",
        "count of members with >= 90% volume coverage in both 252-session windows",
        f"504 sessions to {_d(res.window_end)}",
    )
    yoy = add(
        "yoy",
        s["yoy_adv_dollars"],
        pct("no member covered in both years", 0),
        "dollar volume YoY, same members",
        "sum of mean dollar volume of the last 252 sessions / of the 252 before - 1, "
        "members covered in both",
        f"504 sessions to {_d(res.window_end)}",
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


# --------------------------------------------------------------------------- flows


def flows_section(inp: Inputs) -> Section:
    """ETF flows by size segment from shares outstanding, with the missing data named."""
    from capsize.analytics import flows as FL

    title = "Fund flows"
    store = inp.store
    shares = store.fund_shares(as_of=inp.as_of)
    inp.cache["fund_shares"] = shares.assign(
        source_family=shares["source"].astype(str).map(FL.source_family)
    )
    segs = FL.resolve_segments(None)
    members = [f for fs in segs.values() for f in fs]
    held = sorted(shares["fund"].astype(str).str.upper().unique()) if len(shares) else []
    prices: dict[str, pd.Series] = {}
    for f in held:
        try:
            prices[f] = store.closes([f], basis="raw", as_of=inp.as_of)[f]
        except (CapsizeError, KeyError):
            continue
    px = pd.DataFrame(prices) if prices else None
    daily = FL.daily_flows(shares, px)
    status = FL.fund_status(daily, members)
    full = FL.segment_flows(daily, segs)
    figs: dict[str, Figure] = {}
    src_all = "; ".join(sorted(shares["source"].astype(str).map(FL.source_family).unique())) or (
        "store fund_shares (empty)"
    )
    formula = str(daily.attrs.get("formula", "flow = change in shares x NAV"))
    max_gap = int(daily.attrs.get("max_gap_days", 5))
    rows: list[tuple[Figure | str, ...]] = []
    seg_label = {s.key: s.label for s in inp.segments}
    for seg, funds in segs.items():
        r = full.loc[seg]
        with_data = [f for f in funds if status.loc[f, "status"] != "no data"]
        without = [f for f in funds if status.loc[f, "status"] == "no data"]
        obs = int(status.loc[list(funds), "rows"].sum())
        span = f"{_d(r['first'])}..{_d(r['last'])}" if pd.notna(r["first"]) else f"to {inp.day}"
        n_obs = inp.book.add(
            f"flows.{seg}.observations",
            obs,
            _count("no data"),
            f"{seg} segment: shares-outstanding observations held",
            source=src_all,
            symbols=tuple(funds),
            window=span,
            formula="count of dated share counts of the segment's funds on or before the report day",
        )
        usable = inp.book.add(
            f"flows.{seg}.usable",
            _int(r["usable_rows"]),
            _count("no data"),
            f"{seg} segment: usable daily changes",
            source=src_all,
            symbols=tuple(funds),
            window=span,
            formula=f"changes between observations at most {max_gap} days apart, not stale, priced",
        )
        if not with_data:
            why = "no shares-outstanding history for any of its funds"
        elif all(_int(status.loc[f, "rows"]) < 2 for f in with_data):
            why = "a single share count per fund: nothing to difference"
        elif _int(r["usable_rows"]) == 0:
            why = "no usable daily change: the observations are too far apart"
        else:
            why = "no usable rows"
        flow = inp.book.add(
            f"flows.{seg}.net",
            _fin(r["flow"]),
            _money(why),
            f"{seg} segment: estimated net flow over the history held",
            source=src_all,
            symbols=tuple(funds),
            window=span,
            formula=formula + "; sum of usable days only",
        )
        figs[f"{seg}.observations"], figs[f"{seg}.usable"], figs[f"{seg}.net"] = (
            n_obs,
            usable,
            flow,
        )
        rows.append(
            (
                seg_label.get(seg, seg.capitalize()),
                ", ".join(with_data) or "no fund",
                ", ".join(without) or "no fund",
                n_obs,
                usable,
                flow,
            )
        )
    t1 = Table(
        (
            "Segment",
            "Funds with share history",
            "Funds without",
            "Observations",
            "Usable days",
            "Net flow",
        ),
        tuple(rows),
        f"Flow estimate: {formula}. A change is summed only between observations at most "
        f"{max_gap} calendar days apart, not inside a run of unchanged counts and with a price; "
        "a change across a longer gap is shown below as a gap, never as one day's flow.",
    )
    tables = [t1]
    fund_rows: list[tuple[Figure | str, ...]] = []
    for fund in members:
        st = status.loc[fund]
        if st["status"] == "no data":
            continue
        sub = daily[daily["fund"] == fund].sort_values("date")
        first, last = sub.iloc[0], sub.iloc[-1]
        win = f"{_d(first['date'])}..{_d(last['date'])}"
        fsrc = "; ".join(sorted(sub["source"].astype(str).unique()))
        n = inp.book.add(
            f"flows.fund.{fund}.observations",
            len(sub),
            _count("no data"),
            f"{fund}: share counts held",
            source=fsrc,
            symbols=(fund,),
            window=win,
            formula="count of dated share counts (one source per fund)",
        )
        chg = inp.book.add(
            f"flows.fund.{fund}.share_change",
            float(last["shares_outstanding"] - first["shares_outstanding"])
            if len(sub) > 1
            else None,
            lambda x: (
                fmt_large(None, reason="one observation")
                if x is None
                else ("+" if x > 0 else "") + fmt_large(x)
            ),
            f"{fund}: change in shares outstanding between the first and last count",
            source=fsrc,
            symbols=(fund,),
            window=win,
            formula="last shares outstanding - first (shares; not a flow when the counts are far apart)",
        )
        gaps = sub[sub["flag"] == "gap"]
        longest = _int(gaps["days"].max()) if len(gaps) else 0
        if len(sub) == 1:
            why = "a single count: nothing to difference"
        elif len(gaps) and _int(st["usable"]) == 0:
            why = f"counts up to {longest} days apart: shown as gaps, not flows"
        elif _int(st["usable"]):
            why = "daily changes used"
        else:
            why = "every change flagged (stale or unpriced)"
        figs[f"fund.{fund}.observations"], figs[f"fund.{fund}.share_change"] = n, chg
        fund_rows.append((fund, win.replace("..", " to "), n, chg, why))
    if fund_rows:
        tables.append(
            Table(
                ("Fund", "History held", "Counts", "Share change", "Why"),
                tuple(fund_rows),
                "Share change: from the first to the last count held, in shares; across gaps it "
                "mixes an unknown number of days, so no dollar flow is computed from it.",
            )
        )
    gap_table = _gap_table(inp, daily, members, figs)
    if gap_table is not None:
        tables.append(gap_table)
    notes: list[str] = []
    missing = [f for f in members if status.loc[f, "status"] == "no data"]
    if missing:
        notes.append(
            "No shares-outstanding history in the store for "
            + ", ".join(missing)
            + ": their flows are unknown, not zero."
        )
    other = [f for f in held if f not in members]
    if other:
        notes.append("Held but not in a size segment (not counted): " + ", ".join(other) + ".")
    notes.append(
        "Daily shares outstanding (issuer files) or monthly SEC N-PORT filings would fill this "
        "section; 'capsize flows --nport FUND=CIK' fetches the latter on demand."
    )
    return Section("flows", title, figures=figs, tables=tuple(tables), notes=tuple(notes))


MAX_GAP_ROWS = 8
"""Gaps listed one by one in the flows section (more are summarised per fund above)."""


def _gap_table(
    inp: Inputs, daily: pd.DataFrame, members: list[str], figs: dict[str, Figure]
) -> Table | None:
    """List the share-count changes across gaps: what happened, and why it is no flow."""
    gaps = daily[(daily["flag"] == "gap") & daily["fund"].isin(members)].sort_values(
        ["fund", "date"]
    )
    if gaps.empty or len(gaps) > MAX_GAP_ROWS:
        return None
    rows: list[tuple[Figure | str, ...]] = []
    for _, g in gaps.iterrows():
        fund = str(g["fund"])
        end = pd.Timestamp(g["date"])
        begin = end - pd.Timedelta(days=_int(g["days"]))
        d0, d1 = _d(begin), _d(end)
        f = inp.book.add(
            f"flows.gap.{fund}.{d1}",
            _fin(g["d_shares"]),
            lambda x: (
                fmt_large(None, reason="no count")
                if x is None
                else ("+" if x > 0 else "") + fmt_large(x)
            ),
            f"{fund}: change in shares outstanding from {d0} to {d1}",
            source=str(g["source"]),
            symbols=(fund,),
            window=f"{d0}..{d1}",
            formula="shares outstanding at the end - at the start (a gap: not a daily flow)",
        )
        figs[f"gap.{fund}.{d1}"] = f
        rows.append((fund, d0, d1, f"{_int(g['days'])} days", f))
    return Table(
        ("Fund", "From", "To", "Apart", "Share change"),
        tuple(rows),
        "Changes between counts too far apart to date: creations and redemptions of many days "
        "net out inside them, so they are shown in shares and never summed as flows.",
    )
