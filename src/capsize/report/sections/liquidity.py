"""Report section on volume and liquidity: the segment funds and the universe.

Every figure is the liquidity query's (:func:`capsize.queries.internals.liquidity`),
asked once per window and memoised in the report's session, and adopted with its value
and provenance unchanged. Dollar volume follows :mod:`capsize.rules.dollar_volume` and
tiers :mod:`capsize.rules.liquidity`; the section only chooses what to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from capsize.errors import CapsizeError
from capsize.report._inputs import Inputs, num, pct
from capsize.report._model import Figure, Section, Table
from capsize.report.sections.common import Fmt, count_fmt, day_text, money_fmt, shares_fmt
from capsize.report.sections.universe import UniverseData
from capsize.rules.liquidity import TIER_NAMES

if TYPE_CHECKING:
    from capsize.queries.internals import LiquidityAnswer
    from capsize.queries.result import Figure as QFigure

__all__ = ["volume_section"]


LIQ_SHORT, LIQ_LONG = 20, 63
VOLUME_EXTRA = {"QQQ": "Nasdaq-100", "DIA": "Dow industrials"}
"""Funds with volume in the store that are shown beside the segment proxies."""

# (report key, window, query key, formatter kind)
_FUND_COLUMNS: tuple[tuple[str, int, str, str], ...] = (
    ("adv20", LIQ_SHORT, "adv_shares", "shares"),
    ("dv20", LIQ_SHORT, "adv_dollars", "money"),
    ("dv63", LIQ_LONG, "adv_dollars", "money"),
    ("yoy", LIQ_LONG, "yoy_adv_dollars", "pct"),
    ("ratio", LIQ_SHORT, "volume_ratio", "ratio"),
)


def _fmt(kind: str, q: QFigure) -> Fmt:
    why = q.note or "no volume"
    out: dict[str, Fmt] = {
        "shares": shares_fmt(why),
        "money": money_fmt(why),
        "pct": pct(why, 0),
        "ratio": num(why, 2, suffix="x"),
        "count": count_fmt(why),
    }
    return out[kind]


def _ask(inp: Inputs, funds: tuple[str, ...], window: int) -> LiquidityAnswer:
    from capsize.queries.internals import liquidity

    s = inp.session
    out: LiquidityAnswer = s.cached(
        ("q", "liquidity", funds, window),
        lambda: liquidity(s, symbols=list(funds), window=window),
    )
    return out


def _fund_rows(
    inp: Inputs, funds: tuple[str, ...], figs: dict[str, Figure]
) -> tuple[list[tuple[Figure | str, ...]], list[str]]:
    answers = {w: _ask(inp, funds, w) for w in (LIQ_SHORT, LIQ_LONG)}
    long = answers[LIQ_LONG]
    label_of = {ch.symbol: f"{ch.label} ({ch.symbol})" for ch in inp.proxies.values()}
    for s, name in VOLUME_EXTRA.items():
        label_of.setdefault(s, f"{name} ({s})")
    rows: list[tuple[Figure | str, ...]] = []
    no_vol: list[str] = []
    for sym in funds:
        if not long.fig(f"{sym}.days_with_volume").value:
            no_vol.append(label_of.get(sym, sym))
            continue
        lab = label_of.get(sym, sym)
        end = long.ends[sym]
        if end != inp.as_of:
            lab += f", to {day_text(end)}"
        cells: list[Figure | str] = [lab]
        for key, window, qkey, kind in _FUND_COLUMNS:
            q = answers[window].fig(f"{sym}.{qkey}")
            f = inp.book.adopt(q, _fmt(kind, q), fid=f"volume.{sym}.{key}")
            figs[f"{sym}.{key}"] = f
            cells.append(f)
        rows.append(tuple(cells))
    return rows, no_vol


_UNIVERSE_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("members", "members", "Members with prices", "count"),
    ("covered", "covered", f"With volume on nine in ten of {LIQ_LONG} sessions", "count"),
    ("total", "total_adv_dollars", "Total ADV $ (covered members)", "money"),
    ("median", "median_adv_dollars", "Median ADV $ (covered members)", "money"),
    ("yoy_covered", "yoy_covered", "Members covered in both years", "count"),
    ("yoy", "yoy_adv_dollars", "$ volume YoY (those members only)", "pct"),
)


def _universe_table(
    inp: Inputs, ud: UniverseData, figs: dict[str, Figure]
) -> tuple[Table | None, str]:
    """Return the universe's liquidity table, or None and why it is not shown.

    The report shows it only when it runs to the breadth day: a universe whose volume
    ends earlier is measured there by the query (and labelled stale), but the report
    mixes no two dates in one section.
    """
    from capsize.queries.internals import liquidity

    s = inp.session
    try:
        res: LiquidityAnswer = s.cached(
            ("q", "liquidity", None, LIQ_LONG), lambda: liquidity(s, window=LIQ_LONG)
        )
    except CapsizeError as exc:
        return None, str(exc).splitlines()[0]
    if res.as_of != ud.day:
        return None, (
            f"universe volume ends {day_text(res.as_of)} (breadth day {day_text(ud.day)}); "
            "no figure mixes the two dates"
        )
    rows: list[tuple[Figure | str, ...]] = []
    specs = [
        *_UNIVERSE_ROWS,
        *((f"tier.{n}", f"tier.{n}", f"Tier {n}", "count") for n in TIER_NAMES),
    ]
    for key, qkey, label, kind in specs:
        q = res.fig(f"universe.{qkey}")
        f = inp.book.adopt(q, _fmt(kind, q), fid=f"volume.universe.{key}")
        figs[f"universe.{key}"] = f
        rows.append((label, f))
    table = Table(
        ("Small-cap universe", res.fig("universe.total_adv_dollars").provenance.window),
        tuple(rows),
        "Universe volume is partial (it ends on different dates for different members): every "
        "figure covers only the members counted above, and the year-over-year change compares "
        "the same members in both years, never across a change in coverage. Tiers: median "
        "daily dollar volume, high $50M+, medium $10M-$50M, low $1M-$10M, thin $100k-$1M, "
        "illiquid under $100k.",
    )
    return table, ""


def volume_section(inp: Inputs, ud: UniverseData | None, universe_reason: str = "") -> Section:
    """Average daily volume and dollar volume of the segment proxies and the universe."""
    title = "Volume and liquidity"
    funds = [c.symbol for c in inp.proxies.values()]
    funds += [s for s in VOLUME_EXTRA if s not in funds]
    figs: dict[str, Figure] = {}
    rows, no_vol = _fund_rows(inp, tuple(funds), figs)
    if not rows:
        return Section("volume", title, False, "no segment proxy has volume in the store")
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
        "avg: the day's volume over the mean of the previous 20 sessions.",
    )
    tables = [t1]
    notes: list[str] = []
    if no_vol:
        notes.append(
            "Not shown: "
            + ", ".join(no_vol)
            + ": no volume in the store (their price files carry closes only)."
        )
    if ud is None:
        notes.append(f"Universe liquidity: not available: {universe_reason}.")
    else:
        t2, why = _universe_table(inp, ud, figs)
        if t2 is None:
            notes.append(f"Universe liquidity: not available: {why}.")
        else:
            tables.append(t2)
    return Section("volume", title, figures=figs, tables=tuple(tables), notes=tuple(notes))
