"""The report context: one typed object holding every number the report shows.

:func:`build_context` reads the store once (point in time: only rows dated on
or before the as-of day), composes the analytics of
:mod:`capsize.analytics` into sections, and registers every figure with its
provenance. Templates and the narrative render only from the context; no
number is computed in a template.

Default as-of day: the latest date on which both core proxies (IWM for small
caps, SPY for large caps) have a close. Segment proxies without a close on that
day are flagged stale with their last date (see :mod:`capsize.report._inputs`).

Examples
--------
>>> from capsize.data.store import Store               # doctest: +SKIP
>>> ctx = build_context(Store.open(), as_of="2025-10-08")  # doctest: +SKIP
>>> ctx.section("scoreboard").fig("IWM.YTD").formatted      # doctest: +SKIP
'+10.4%'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize import __version__
from capsize._format import fmt_date
from capsize.errors import CapsizeError, InputError
from capsize.report._inputs import (
    CORE_LARGE,
    CORE_SMALL,
    Inputs,
    ProxyChoice,
    load_inputs,
    num,
    pct,
    pp_abs,
)
from capsize.report._model import (
    ChartSeries,
    ChartSpec,
    Figure,
    FigureBook,
    Provenance,
    Section,
    Table,
)
from capsize.report.sections.breadth import breadth_section
from capsize.report.sections.flows import flows_section
from capsize.report.sections.liquidity import volume_section
from capsize.report.sections.market import (
    highs_section,
    leadership_section,
    relative_section,
    scoreboard_section,
    tape_section,
)
from capsize.report.sections.rates import rates_section
from capsize.report.sections.rating import rating_section
from capsize.report.sections.risk import risk_section
from capsize.report.sections.size import size_factor_section
from capsize.report.sections.sources import sources_section
from capsize.report.sections.universe import UniverseData, load_universe

if TYPE_CHECKING:
    from capsize.config import Settings
    from capsize.data.store import Store

__all__ = [
    "DISCLAIMER",
    "WATCH_RULES",
    "ChartSeries",
    "ChartSpec",
    "Figure",
    "Provenance",
    "ProxyChoice",
    "ReportContext",
    "Section",
    "Table",
    "WatchItem",
    "build_context",
]

DISCLAIMER = (
    "This report is information, not investment advice. It is generated from data alone; "
    "figures can be wrong when the underlying data are wrong. Past performance does not "
    "predict future results. Check the sources before acting on anything here."
)

WATCH_RULES: dict[str, float] = {
    "near_high": 0.03,  # within 3% of the all-time closing high
    "deep_drawdown": 0.10,  # 10% or more below the running peak
    "rs_cross_days": 20,  # a 50/200-day crossover of the ratio in the last 20 sessions
    "volume_surge": 1.5,  # volume at least 1.5x its 20-day average
    "big_spread_day": 0.01,  # small minus large of 1 pp or more on the day
    "yield_move_1m_bp": 25,  # 2-year yield moved 25 bp or more in a month
    "rate_corr": 0.4,  # |52-week correlation| of spread vs 2-year yield changes
    "trend_test": 0.01,  # IWM/SPY ratio within 1% of its 200-day average
    "ytd_gap": 0.05,  # IWM - SPY year to date beyond 5 pp either way
    "size_extreme": 0.10,  # 10-year SMB in the bottom or top 10% of its history
}
"""Thresholds of the What-to-watch rules (fractions, sessions, ratio, basis points)."""


@dataclass(frozen=True)
class WatchItem:
    """One rule-generated item: what triggered, the value and the threshold.

    ``parts`` is the sentence as text and figures (rendered in order).
    """

    rule: str
    parts: tuple[Figure | str, ...]


@dataclass(frozen=True)
class ReportContext:
    """Every number the report shows, by section, with provenance.

    Attributes
    ----------
    as_of : Timestamp
        The report day (latest core-proxy close on or before the requested date).
    requested : Timestamp or None
        The as-of date asked for (None: latest in the store).
    proxies : tuple of ProxyChoice
        Segment proxies used, with staleness.
    sections : tuple of Section
        In report order.
    watch : tuple of WatchItem
        What to watch.
    figures : tuple of Figure
        Every figure, for the provenance table.
    notes : tuple of str
        Report-level notes (stale proxies, as-of rule).
    version : str
        capsize version.
    """

    as_of: pd.Timestamp
    requested: pd.Timestamp | None
    proxies: tuple[ProxyChoice, ...]
    sections: tuple[Section, ...]
    watch: tuple[WatchItem, ...]
    figures: tuple[Figure, ...]
    notes: tuple[str, ...]
    version: str
    disclaimer: str = DISCLAIMER

    def section(self, key: str) -> Section:
        """Return the section named ``key`` (unavailable placeholder if absent)."""
        for s in self.sections:
            if s.key == key:
                return s
        return Section(key, key, False, "section not built")

    def fig(self, section: str, name: str) -> Figure | None:
        """Shortcut for ``ctx.section(section).fig(name)``."""
        return self.section(section).fig(name)

    @property
    def day(self) -> str:
        """Report day, ISO."""
        return fmt_date(self.as_of)


def _safe(key: str, title: str, build: Callable[[], Section]) -> Section:
    try:
        return build()
    except (CapsizeError, KeyError, IndexError, ValueError) as exc:
        msg = str(exc) or type(exc).__name__
        return Section(key, title, False, msg.splitlines()[0])


def _watch(inp: Inputs, secs: dict[str, Section]) -> tuple[WatchItem, ...]:
    book: FigureBook = inp.book
    items: list[WatchItem] = []

    def thr(rule: str, value: float, fmt: Callable[[Any], str], label: str) -> Figure:
        return book.add(
            f"watch.threshold.{rule}",
            value,
            fmt,
            label,
            source="capsize rule (report.context.WATCH_RULES)",
            symbols=(),
            window="n/a (constant)",
            formula="threshold",
        )

    hi = secs["highs"]
    for sym in (CORE_SMALL, "^RUT"):
        f = hi.fig(f"{sym}.all-time_close")
        if f is not None and f.available and float(f.value or 0) >= -WATCH_RULES["near_high"]:
            t = thr(
                "near_high",
                WATCH_RULES["near_high"],
                pct("", 0, sign=False),
                "near all-time high: distance at least",
            )
            items.append(
                WatchItem(
                    "near_high",
                    (
                        f"{sym} is near its all-time closing high: ",
                        f,
                        " from it (rule: within ",
                        t,
                        ").",
                    ),
                )
            )
        d = hi.fig(f"{sym}.drawdown")
        if d is not None and d.available and float(d.value or 0) <= -WATCH_RULES["deep_drawdown"]:
            t = thr(
                "deep_drawdown",
                WATCH_RULES["deep_drawdown"],
                pct("", 0, sign=False),
                "deep drawdown: at least",
            )
            items.append(
                WatchItem(
                    "deep_drawdown",
                    (f"{sym} is in a drawdown of ", d, " (rule: ", t, " or deeper)."),
                )
            )
    rs = secs["relative"]
    for key, name in (("small", "IWM/SPY"), ("micro", "micro/SPY")):
        f = rs.fig(f"{key}.days_since_cross")
        if f is not None and f.available and int(f.value or 0) <= WATCH_RULES["rs_cross_days"]:
            t = thr(
                "rs_cross_days",
                WATCH_RULES["rs_cross_days"],
                num("", 0),
                "recent crossover: sessions at most",
            )
            items.append(
                WatchItem(
                    "rs_cross",
                    (
                        f"Relative-strength crossover: the 50-day average of {name} crossed its 200-day ",
                        f,
                        " sessions ago (rule: within ",
                        t,
                        " sessions).",
                    ),
                )
            )
    tape = secs["tape"]
    for choice in inp.proxies.values():
        f = tape.fig(f"{choice.symbol}.volume_ratio")
        if f is not None and f.available and float(f.value or 0) >= WATCH_RULES["volume_surge"]:
            t = thr(
                "volume_surge",
                WATCH_RULES["volume_surge"],
                num("", 2, suffix="x"),
                "volume surge: ratio at least",
            )
            items.append(
                WatchItem(
                    "volume_surge",
                    (
                        f"Volume surge in {choice.symbol}: ",
                        f,
                        " its 20-day average (rule: ",
                        t,
                        " or more).",
                    ),
                )
            )
    sc = secs["scoreboard"]
    f = sc.fig(f"{CORE_SMALL}-{CORE_LARGE}.1D")
    if f is not None and f.available and abs(float(f.value or 0)) >= WATCH_RULES["big_spread_day"]:
        t = thr(
            "big_spread_day",
            WATCH_RULES["big_spread_day"],
            pp_abs(""),
            "big day: |spread| at least",
        )
        items.append(
            WatchItem(
                "big_spread_day",
                (
                    "A wide day between small and large caps: IWM - SPY ",
                    f,
                    " (rule: ",
                    t,
                    " either way).",
                ),
            )
        )
    rates = secs["rates"]
    f = rates.fig("DGS2.chg1m")
    if (
        f is not None
        and f.available
        and abs(float(f.value or 0)) >= WATCH_RULES["yield_move_1m_bp"]
    ):
        t = thr(
            "yield_move_1m_bp",
            WATCH_RULES["yield_move_1m_bp"],
            num("", 0, suffix=" bp"),
            "yield move: at least",
        )
        items.append(
            WatchItem(
                "yield_move",
                ("The 2-year Treasury yield moved ", f, " in a month (rule: ", t, " either way)."),
            )
        )
    f = rates.fig("corr.DGS2")
    if f is not None and f.available and abs(float(f.value or 0)) >= WATCH_RULES["rate_corr"]:
        t = thr(
            "rate_corr", WATCH_RULES["rate_corr"], num("", 2), "rate link: |correlation| at least"
        )
        items.append(
            WatchItem(
                "rate_corr",
                (
                    "Small caps are trading on rates: 52-week correlation of the spread with "
                    "2-year yield changes is ",
                    f,
                    " (rule: beyond ",
                    t,
                    ").",
                ),
            )
        )
    v200 = rs.fig("small.vs200")
    if (
        v200 is not None
        and v200.available
        and abs(float(v200.value or 0)) <= WATCH_RULES["trend_test"]
    ):
        t = thr(
            "trend_test", WATCH_RULES["trend_test"], pct("", 0, sign=False), "trend test: within"
        )
        items.append(
            WatchItem(
                "trend_test",
                (
                    "The IWM/SPY ratio is testing its 200-day average: ",
                    v200,
                    " from it (rule: within ",
                    t,
                    ").",
                ),
            )
        )
    ytd = sc.fig(f"{CORE_SMALL}-{CORE_LARGE}.YTD")
    if ytd is not None and ytd.available and abs(float(ytd.value or 0)) >= WATCH_RULES["ytd_gap"]:
        t = thr("ytd_gap", WATCH_RULES["ytd_gap"], pp_abs(""), "year-to-date gap: at least")
        side = "ahead of" if float(ytd.value or 0) > 0 else "behind"
        items.append(
            WatchItem(
                "ytd_gap",
                (
                    f"A wide gap for the year: small caps are {side} large caps by ",
                    ytd,
                    " (rule: ",
                    t,
                    " either way).",
                ),
            )
        )
    pctl = secs["size"].fig("10y.pctl")
    if pctl is not None and pctl.available:
        v = float(pctl.value or 0)
        if v <= WATCH_RULES["size_extreme"] or v >= 1 - WATCH_RULES["size_extreme"]:
            t = thr(
                "size_extreme",
                WATCH_RULES["size_extreme"],
                pct("", 0, sign=False),
                "size-factor extreme: percentile tail",
            )
            side = "weakest" if v <= 0.5 else "strongest"
            items.append(
                WatchItem(
                    "size_extreme",
                    (
                        f"The last ten years of the size factor rank among the {side} in its history: "
                        "percentile ",
                        pctl,
                        " (rule: the outer ",
                        t,
                        " at either end).",
                    ),
                )
            )
    for choice in inp.proxies.values():
        if choice.stale:
            items.append(
                WatchItem(
                    "stale",
                    (
                        f"Data gap: {choice.symbol} ({choice.label}) has no close after "
                        f"{fmt_date(choice.last_date)}; refresh with 'capsize data update'.",
                    ),
                )
            )
    return tuple(items)


def build_context(
    store: Store, as_of: object | None = None, settings: Settings | None = None
) -> ReportContext:
    """Build the report context from the store, point in time.

    Parameters
    ----------
    store : Store
        An open store.
    as_of : date-like, optional
        Use only data dated on or before it; default the latest core-proxy date.
    settings : Settings, optional
        Reserved for configuration (segments, thresholds); currently unused.

    Returns
    -------
    ReportContext

    Raises
    ------
    DataNotFound
        When the store has no closes for IWM and SPY on or before ``as_of``.
    InputError
        When ``as_of`` is not a date.
    """
    if as_of is not None:
        try:
            pd.Timestamp(str(as_of))
        except (ValueError, TypeError):
            raise InputError(f"as_of={as_of!r} is not a date; use YYYY-MM-DD") from None
    inp = load_inputs(store, as_of)
    secs: dict[str, Section] = {}
    rets: dict[str, Any] = {}

    def score() -> Section:
        sec, r = scoreboard_section(inp)
        rets.update(r)
        return sec

    secs["scoreboard"] = _safe("scoreboard", "Scoreboard", score)
    secs["tape"] = _safe("tape", "The tape", lambda: tape_section(inp, rets))
    secs["relative"] = _safe("relative", "Relative strength", lambda: relative_section(inp))
    secs["leadership"] = _safe(
        "leadership", "Leadership by calendar year", lambda: leadership_section(inp)
    )
    secs["highs"] = _safe("highs", "Highs and drawdowns", lambda: highs_section(inp))
    secs["risk"] = _safe("risk", "Risk", lambda: risk_section(inp))
    uni: UniverseData | None = None
    uni_reason = ""
    try:
        uni = load_universe(inp)
    except (CapsizeError, KeyError, ValueError) as exc:
        uni_reason = (str(exc) or type(exc).__name__).splitlines()[0]

    def breadth() -> Section:
        if uni is None:
            return Section("breadth", "Breadth of the small-cap universe", False, uni_reason)
        return breadth_section(inp, uni)

    secs["breadth"] = _safe("breadth", "Breadth of the small-cap universe", breadth)
    secs["volume"] = _safe(
        "volume", "Volume and liquidity", lambda: volume_section(inp, uni, uni_reason)
    )
    secs["flows"] = _safe("flows", "Fund flows", lambda: flows_section(inp))
    secs["rates"] = _safe("rates", "Rates", lambda: rates_section(inp))
    secs["size"] = _safe("size", "The size factor in history", lambda: size_factor_section(inp))
    secs["rating"] = _safe("rating", "Rating card", lambda: rating_section(inp))
    watch = _watch(inp, secs)
    secs["sources"] = _safe("sources", "Sources and method", lambda: sources_section(inp))
    order = (
        "rating",
        "tape",
        "scoreboard",
        "relative",
        "leadership",
        "highs",
        "breadth",
        "volume",
        "risk",
        "rates",
        "flows",
        "size",
        "sources",
    )
    notes = [
        "Report day: the latest date on or before the requested date with closes for both IWM "
        "(small caps) and SPY (large caps); only data dated on or before it were read."
    ]
    for c in inp.proxies.values():
        if c.stale:
            notes.append(
                f"Stale proxy: {c.symbol} ({c.label}) last closed {fmt_date(c.last_date)}; its "
                "figures run to that date and are labelled."
            )
        for sym, last in c.passed_over:
            notes.append(
                f"Substituted proxy: {c.label} uses {c.symbol} because the preferred {sym} "
                f"last closed {fmt_date(last)}, before the report day."
            )
    return ReportContext(
        as_of=inp.as_of,
        requested=inp.requested,
        proxies=tuple(inp.proxies.values()),
        sections=tuple(secs[k] for k in order),
        watch=watch,
        figures=inp.book.all(),
        notes=tuple(notes),
        version=__version__,
    )
