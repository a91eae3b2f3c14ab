"""Which fund stands for each size segment on a day: the proxy choice.

Rules (stated in the answer's notes):

* **Day.** The latest date on or before the as-of with a close for both core proxies
  (``IWM`` for small caps, ``SPY`` for large caps).
* **Proxy.** Per segment, the first ETF of the style (in the segment's order of
  preference) with a close on the day; if none has one, the one with the most recent
  close, labelled with its last date. Whether that last date is *stale* is decided by
  the one staleness rule (:mod:`capsize.rules.staleness`).
* **Substitution.** A preferred proxy passed over for a fresher one is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, get_args

import pandas as pd

from capsize.errors import DataNotFound, InputError
from capsize.queries.performance._common import (
    CORE_LARGE,
    CORE_SMALL,
    LARGE_INDEX,
    SMALL_INDEX,
    Prices,
    after_data_note,
    basis_source,
    configured_segments,
    date_figure,
    day_text,
    load_many,
    sources_of,
)
from capsize.queries.result import FigureSet, QueryResult, TableData
from capsize.queries.session import session_for
from capsize.rules.staleness import RULE, freshness
from capsize.segments import Segment, SegmentSet, Style

if TYPE_CHECKING:
    from capsize.data.store import Store
    from capsize.queries.result import Cell
    from capsize.queries.session import Session

__all__ = ["ProxiesResult", "ProxyChoice", "candidate_symbols", "proxies"]

INDEX_ROWS: tuple[tuple[str, str], ...] = (
    (SMALL_INDEX, "Russell 2000 index"),
    (LARGE_INDEX, "S&P 500 index"),
)
"""Index levels shown beside the segment proxies (price return only)."""


@dataclass(frozen=True)
class ProxyChoice:
    """The proxy chosen for one segment on the day.

    Attributes
    ----------
    segment, label : str
        Segment key and name (``"micro"``, ``"Micro-cap"``).
    symbol, name : str
        The fund chosen.
    last_date : Timestamp
        Its last close on or before the day.
    stale : bool
        True when that close is too old by the staleness rule.
    passed_over : tuple of (symbol, last date)
        Preferred proxies skipped because their data ends before the day.
    current : bool
        True when it has a close on the day itself.
    band : str
        The segment's market-cap band (``"$50M-$300M"``).
    """

    segment: str
    label: str
    symbol: str
    name: str
    last_date: pd.Timestamp
    stale: bool
    passed_over: tuple[tuple[str, pd.Timestamp], ...] = ()
    current: bool = True
    band: str = ""


@dataclass(frozen=True)
class ProxiesResult(QueryResult):
    """The proxy choice of one day; ``choices`` in segment order."""

    choices: tuple[ProxyChoice, ...] = ()
    style: str = "blend"
    missing: tuple[str, ...] = field(default=())
    """Segments without any proxy of the style in the store."""
    segments: SegmentSet | None = None
    """The segments (with the ``[segments]`` overrides of config.toml) the choice used."""
    candidates: tuple[str, ...] = ()
    """Every symbol whose closes were read (proxies of the style, then the index rows)."""

    def by_segment(self) -> dict[str, ProxyChoice]:
        """Return the choices keyed by segment key, in segment order."""
        return {c.segment: c for c in self.choices}


def candidate_symbols(segments: SegmentSet, style: str = "blend") -> list[str]:
    """Every ETF proxy of ``style`` in preference order, then the index rows."""
    out = [p.symbol for s in segments for p in s.proxies if p.style == style and p.kind == "etf"]
    return [*out, *(sym for sym, _ in INDEX_ROWS if sym not in out)]


def _check_style(style: str) -> None:
    styles = get_args(Style)
    if style not in styles:
        raise InputError(f"style must be one of {', '.join(styles)}, got {style!r}")


def _report_day(s: Session, prices: dict[str, Prices]) -> pd.Timestamp:
    when = "" if s.requested is None else f" on or before {s.requested:%Y-%m-%d}"
    if CORE_SMALL not in prices or CORE_LARGE not in prices:
        raise DataNotFound(f"no closes for both {CORE_SMALL} and {CORE_LARGE}{when}")
    both = prices[CORE_SMALL].main.index.intersection(prices[CORE_LARGE].main.index)
    if both.empty:
        raise DataNotFound(f"no closes for both {CORE_SMALL} and {CORE_LARGE}{when}")
    return pd.Timestamp(both[-1])


def _last_on_or_before(p: Prices, day: pd.Timestamp) -> pd.Timestamp | None:
    idx = p.main.index[p.main.index <= day]
    return pd.Timestamp(idx[-1]) if len(idx) else None


def _choose(
    seg: Segment, style: str, lasts: dict[str, pd.Timestamp], day: pd.Timestamp
) -> ProxyChoice | None:
    dated = [
        (p, lasts[p.symbol])
        for p in seg.proxies
        if p.style == style and p.kind == "etf" and p.symbol in lasts
    ]
    if not dated:
        return None
    fresh = [pl for pl in dated if pl[1] == day]
    best = fresh[0] if fresh else max(dated, key=lambda pl: pl[1])
    p, last = best
    skipped = tuple((q.symbol, ql) for q, ql in dated[: dated.index(best)] if ql != day)
    return ProxyChoice(
        seg.key,
        seg.label,
        p.symbol,
        p.name,
        last,
        freshness(last, day, "daily").stale,
        skipped,
        last == day,
        seg.band_label(),
    )


def proxies(
    source: Store | Session, as_of: object | None = None, *, style: str = "blend"
) -> ProxiesResult:
    """Choose the day and each segment's proxy fund.

    Parameters
    ----------
    source : Store or Session
        Where to read.
    as_of : date-like, optional
        Use only data dated on or before it (default: all).
    style : {"blend", "value", "growth", "equal-weight"}
        Which proxies to choose from.

    Returns
    -------
    ProxiesResult
        ``as_of`` is the day (latest close of both IWM and SPY on or before the request);
        ``choices`` one per segment with a proxy of the style in the store; figures
        ``<segment>.last_close`` (date of each proxy's last close).

    Raises
    ------
    DataNotFound
        When the store has no closes for both IWM and SPY on or before ``as_of``.
    InputError
        For an unknown style.
    """
    s = session_for(source, as_of)
    _check_style(style)
    segments = configured_segments(s)
    held = set(s.symbols())
    for sym in (CORE_SMALL, CORE_LARGE):
        if sym not in held:
            raise DataNotFound(
                f"the store has no prices for {sym}; run 'capsize data import DIR' or "
                "'capsize data update' first"
            )
    wanted = [c for c in candidate_symbols(segments, style) if c in held]
    for core in (CORE_SMALL, CORE_LARGE):
        if core not in wanted:
            wanted.append(core)
    prices = load_many(s, wanted, missing_ok=True)
    day = _report_day(s, prices)
    lasts = {
        sym: last for sym, p in prices.items() if (last := _last_on_or_before(p, day)) is not None
    }
    choices: list[ProxyChoice] = []
    missing: list[str] = []
    for seg in segments:
        choice = _choose(seg, style, lasts, day)
        if choice is None:
            missing.append(seg.key)
        else:
            choices.append(choice)
    out = _result(s, day, style, tuple(choices), tuple(missing))
    return replace(out, segments=segments, candidates=tuple(wanted))


def _result(
    s: Session,
    day: pd.Timestamp,
    style: str,
    choices: tuple[ProxyChoice, ...],
    missing: tuple[str, ...],
) -> ProxiesResult:
    fs = FigureSet(day)
    rows: list[tuple[Cell, ...]] = []
    notes: list[str] = []
    for c in choices:
        f = date_figure(
            fs,
            f"{c.segment}.last_close",
            c.last_date,
            f"{c.symbol} ({c.label} proxy) last close",
            source=basis_source(s, c.symbol, "adjusted"),
            symbols=(c.symbol,),
            window=f"closes on or before {day:%Y-%m-%d}",
            formula="date of the last close on or before the day",
        )
        status = "current" if c.current else f"no close on {day:%Y-%m-%d}"
        if c.stale:
            status += " (stale)"
            notes.append(freshness(c.last_date, day, "daily").note(c.symbol))
        skipped = ", ".join(f"{sym} (last close {day_text(last)})" for sym, last in c.passed_over)
        rows.append((c.label, c.band, c.symbol, c.name, f, status, skipped or ""))
        for sym, last in c.passed_over:
            notes.append(
                f"Substituted proxy: {c.label} uses {c.symbol} because the preferred {sym} "
                f"last closed {day_text(last)}, before {day:%Y-%m-%d}."
            )
    for key in missing:
        notes.append(f"{key}: no {style} ETF proxy in the store.")
    after = after_data_note(s.requested, day)
    if after:
        notes.insert(0, after)
    notes += [
        f"Day: the latest date on or before the as-of with closes for both {CORE_SMALL} and "
        f"{CORE_LARGE}. Proxy: the first {style} ETF of each segment with a close that day, "
        "else the one with the latest close.",
        RULE,
    ]
    table = TableData(
        "proxies",
        f"Segment proxies ({style}) on {day:%Y-%m-%d}",
        ("Segment", "Band", "Proxy", "Name", "Last close", "Status", "Passed over"),
        tuple(rows),
    )
    return ProxiesResult(
        query="proxies",
        as_of=day,
        requested_as_of=s.requested,
        params={"style": style},
        figures=fs.mapping(),
        tables=(table,),
        notes=tuple(notes),
        sources=sources_of(basis_source(s, c.symbol, "adjusted") for c in choices),
        choices=choices,
        style=style,
        missing=missing,
    )
