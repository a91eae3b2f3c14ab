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
>>> from capsize.queries import open_session              # doctest: +SKIP
>>> with open_session() as s:                              # doctest: +SKIP
...     ctx = build_context(s, as_of="2025-10-08")
>>> ctx.section("scoreboard").fig("IWM.YTD").formatted      # doctest: +SKIP
'+10.4%'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from capsize import __version__
from capsize._format import fmt_date
from capsize.errors import CapsizeError
from capsize.queries.session import Session, parse_as_of
from capsize.report._inputs import (
    Inputs,
    ProxyChoice,
    load_inputs,
)
from capsize.report._model import (
    ChartSeries,
    ChartSpec,
    Figure,
    Provenance,
    Section,
    Table,
)
from capsize.report.sections.breadth import breadth_section, sector_section
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
from capsize.report.sections.signals import SIGNALS_TITLE, signals_section
from capsize.report.sections.size import size_factor_section
from capsize.report.sections.sources import sources_section
from capsize.report.sections.universe import movers_section, universe_or_reason
from capsize.report.watch import WATCH_RULES, WatchItem, watch_items

if TYPE_CHECKING:
    from capsize.config import Settings
    from capsize.queries.session import Source

__all__ = [
    "DISCLAIMER",
    "SECTIONS",
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
    "build_section",
    "finish_context",
    "load_inputs",
]

DISCLAIMER = (
    "This report is information, not investment advice. It is generated from data alone; "
    "figures can be wrong when the underlying data are wrong. Past performance does not "
    "predict future results. Check the sources before acting on anything here."
)


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
    bottom_line: tuple[Figure | str, ...] = ()
    """The bottom line (the ``bottom_line`` query), figures adopted under the sections' ids."""

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
    except CapsizeError as exc:
        msg = str(exc) or type(exc).__name__
        # reader text: what is missing; the command to fix it belongs to the CLI
        return Section(key, title, False, msg.splitlines()[0].split("; run '")[0])


def _breadth(inp: Inputs) -> Section:
    uni, reason = universe_or_reason(inp)
    if uni is None:
        return Section("breadth", "Breadth of the small-cap universe", False, reason)
    return breadth_section(inp, uni)


def _volume(inp: Inputs) -> Section:
    uni, reason = universe_or_reason(inp)
    return volume_section(inp, uni, reason)


SectionBuilder = Callable[[Inputs], Section]
"""Builds one section from the report's inputs (its queries are memoised in the session)."""

SECTIONS: tuple[tuple[str, str, SectionBuilder], ...] = (
    ("scoreboard", "Scoreboard", scoreboard_section),
    ("tape", "The tape", tape_section),
    ("relative", "Relative strength", relative_section),
    ("leadership", "Leadership by calendar year", leadership_section),
    ("highs", "Highs and drawdowns", highs_section),
    ("risk", "Risk", risk_section),
    ("breadth", "Breadth of the small-cap universe", _breadth),
    ("sectors", "Breadth by sector", sector_section),
    ("movers", "Top and bottom movers", movers_section),
    ("volume", "Volume and liquidity", _volume),
    ("flows", "Fund flows", flows_section),
    ("rates", "Rates", rates_section),
    ("size", "The size factor in history", size_factor_section),
    ("rating", "Rating card", rating_section),
    ("signals", SIGNALS_TITLE, signals_section),
)
"""Every section but Sources, in build order: ``(key, title, builder)``.

The rating card comes last because it reads the other sections' answers from the
session; Sources is built after the watch list (it lists what every section cited).
"""

ORDER = (
    "rating",
    "tape",
    "scoreboard",
    "relative",
    "leadership",
    "highs",
    "breadth",
    "sectors",
    "movers",
    "volume",
    "risk",
    "rates",
    "flows",
    "size",
    "signals",
    "sources",
)
"""Sections in the order the report shows them."""


def build_section(inp: Inputs, key: str, title: str, build: SectionBuilder) -> Section:
    """Build one section; a CapsizeError becomes an unavailable section saying why."""
    return _safe(key, title, partial(build, inp))


def _notes(inp: Inputs) -> tuple[str, ...]:
    """Report-level notes: the as-of rule, stale and substituted proxies."""
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
        notes += [
            f"Substituted proxy: {c.label} uses {c.symbol} because the preferred {sym} "
            f"last closed {fmt_date(last)}, before the report day."
            for sym, last in c.passed_over
        ]
    return tuple(notes)


def build_context(
    source: Source, as_of: object | None = None, settings: Settings | None = None
) -> ReportContext:
    """Build the report context through the query layer, point in time.

    Parameters
    ----------
    source : Store or Session
        An open store, or a read session on one.
    as_of : date-like, optional
        Use only data dated on or before it (ISO ``YYYY-MM-DD``); default the latest
        core-proxy date.
    settings : Settings, optional
        Configuration (segments, rotation weights); default ``$CAPSIZE_HOME/config.toml``.

    Returns
    -------
    ReportContext

    Raises
    ------
    DataNotFound
        When the store has no closes for IWM and SPY on or before ``as_of``.
    InputError
        When ``as_of`` is not an ISO date.
    """
    if settings is not None and not isinstance(source, Session):
        source = Session(source, parse_as_of(as_of), settings)
    inp = load_inputs(source, as_of)
    secs = {key: build_section(inp, key, title, build) for key, title, build in SECTIONS}
    return finish_context(inp, secs)


def finish_context(inp: Inputs, secs: dict[str, Section]) -> ReportContext:
    """Add the watch list and the Sources section to built sections; return the context."""
    bottom = _bottom_line(inp)
    watch = watch_items(secs, inp.proxies, inp.book)
    secs["sources"] = _safe("sources", "Sources and method", lambda: sources_section(inp))
    return ReportContext(
        as_of=inp.as_of,
        requested=inp.requested,
        proxies=tuple(inp.proxies.values()),
        sections=tuple(secs[k] for k in ORDER),
        watch=watch,
        figures=inp.book.all(),
        notes=(*_notes(inp), *secs["sources"].notes),
        version=__version__,
        bottom_line=bottom,
    )


def _bottom_line(inp: Inputs) -> tuple[Figure | str, ...]:
    """Return the bottom line, or () when its inputs are missing (the headline falls back)."""
    from capsize.report.narrative import bottom_line_parts

    try:
        return bottom_line_parts(inp)
    except CapsizeError:
        return ()
