"""Load once what the report needs from the store, point in time, and pick the proxies.

Rules stated here (and in the report's method notes):

* **As-of day.** Without ``as_of`` the report is for the latest date on which
  both core proxies (small ``IWM`` and large ``SPY``) have a close. With
  ``as_of=D`` every read is limited to rows dated on or before ``D`` and the
  report day is the latest such core date on or before ``D``.
* **Segment proxy.** For each segment, the first blend ETF (in the segment's
  order of preference) with a close on the report day; if none has one, the
  proxy with the most recent close, flagged *stale* with its last date. A
  preferred proxy passed over for a fresher one is named in the report's notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from capsize._format import fmt_date, fmt_num, fmt_pct
from capsize.errors import CapsizeError, DataNotFound
from capsize.queries.session import Session
from capsize.report._model import FigureBook
from capsize.segments import SegmentSet, default_segments

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = [
    "CORE_LARGE",
    "CORE_SMALL",
    "Inputs",
    "ProxyChoice",
    "load_inputs",
    "num",
    "pct",
    "pp",
    "pp_abs",
]

CORE_SMALL = "IWM"
CORE_LARGE = "SPY"
SMALL_INDEX = "^RUT"
LARGE_INDEX = "^GSPC"
BARS_FOR = (SMALL_INDEX, LARGE_INDEX)


@dataclass(frozen=True)
class ProxyChoice:
    """The proxy chosen for one segment on the report day."""

    segment: str
    label: str
    symbol: str
    name: str
    last_date: pd.Timestamp
    stale: bool
    passed_over: tuple[tuple[str, pd.Timestamp], ...] = ()
    """Preferred proxies skipped because their data ends before the report day."""


@dataclass
class Inputs:
    """Everything read from the store for one report (each series read once)."""

    store: Store
    session: Session
    as_of: pd.Timestamp
    requested: pd.Timestamp | None
    closes: pd.DataFrame
    bases: dict[str, str]
    proxies: dict[str, ProxyChoice]
    segments: SegmentSet
    book: FigureBook
    sources: dict[str, str]
    bars: dict[str, pd.DataFrame] = field(default_factory=dict)
    cache: dict[str, pd.DataFrame] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    @property
    def day(self) -> str:
        """The report day as ISO text."""
        return fmt_date(self.as_of)

    def series(self, symbol: str) -> pd.Series:
        """Return the closes of ``symbol`` up to the report day (NaN rows dropped)."""
        self.used.add(symbol)
        s = self.closes[symbol].loc[: self.as_of].dropna()
        s.name = symbol
        return s

    def bar(self, symbol: str) -> pd.DataFrame | None:
        """Daily bars of ``symbol`` up to the report day (read once, cached)."""
        if symbol not in self.bars:
            try:
                self.bars[symbol] = self.store.bars(symbol, as_of=self.as_of)
            except CapsizeError:
                return None
        self.used.add(symbol)
        return self.bars[symbol]

    def source(self, *symbols: str) -> str:
        """Source files of the symbols' bars, ``; ``-joined."""
        parts: list[str] = []
        for s in symbols:
            src = self.sources.get(s)
            if src is None:
                try:
                    src = self.store.provenance("bars", s).source
                except CapsizeError:
                    src = "store"
                self.sources[s] = src
            for p in src.split("; "):
                if p not in parts and not p.startswith("prices/raw/"):
                    parts.append(p)
        return "; ".join(parts) or "store"

    def basis_word(self, symbol: str) -> str:
        """``"total return"`` for adjusted closes, ``"price return"`` for levels."""
        return "total return" if self.bases.get(symbol) == "adjusted" else "price return"


def pct(reason: str, digits: int = 1, sign: bool = True):  # type: ignore[no-untyped-def]
    """Make a formatter for fractions with the n/a reason bound (no ``-0.0%``)."""

    def fmt(v: float | None) -> str:
        text = fmt_pct(v, digits, sign=sign, reason=reason)
        zero = f"{0:.{digits}f}%"
        return zero if text in (f"+{zero}", f"-{zero}") else text

    return fmt


def pp(reason: str):  # type: ignore[no-untyped-def]
    """Make a formatter for return spreads in percentage points (fraction in)."""

    def fmt(v: float | None) -> str:
        if v is None:
            return fmt_num(None, reason=reason)
        text = f"{fmt_num(float(v) * 100, 1, sign=True)} pp"
        return "0.0 pp" if text in ("+0.0 pp", "-0.0 pp") else text

    return fmt


def pp_abs(reason: str):  # type: ignore[no-untyped-def]
    """Make a formatter for unsigned spreads in percentage points (fraction in)."""
    return lambda v: (
        fmt_num(None, reason=reason) if v is None else f"{fmt_num(float(v) * 100, 1)} pp"
    )


def num(reason: str, digits: int = 2, sign: bool = False, suffix: str = ""):  # type: ignore[no-untyped-def]
    """Make a formatter for plain numbers with an optional unit suffix."""

    def fmt(v: float | None) -> str:
        if v is None:
            return fmt_num(None, reason=reason)
        text = fmt_num(v, digits, sign=sign)
        if text.lstrip("+-").strip("0.,") == "":  # rounds to zero: no sign
            text = text.lstrip("+-")
        return f"{text}{suffix}"

    return fmt


def _all_candidates(segments: SegmentSet) -> list[str]:
    out = [p.symbol for s in segments for p in s.proxies if p.style == "blend"]
    return [*out, *(s for s in BARS_FOR if s not in out)]


def load_inputs(store: Store, as_of: object | None = None) -> Inputs:
    """Read the closes of every candidate proxy once and choose the report day and proxies.

    Raises
    ------
    DataNotFound
        When the store has no closes for the core proxies on or before ``as_of``.
    """
    segments = default_segments()
    held = set(store.symbols())
    requested = None if as_of is None else pd.Timestamp(str(as_of)).normalize()
    for sym in (CORE_SMALL, CORE_LARGE):
        if sym not in held:
            raise DataNotFound(
                f"the store has no prices for {sym}; run 'capsize data import DIR' or "
                "'capsize data update' first"
            )
    wanted = [s for s in _all_candidates(segments) if s in held]
    closes = store.closes(wanted, basis="auto", as_of=requested)
    both = closes[[CORE_SMALL, CORE_LARGE]].dropna()
    if both.empty:
        when = "" if requested is None else f" on or before {requested:%Y-%m-%d}"
        raise DataNotFound(f"no closes for both {CORE_SMALL} and {CORE_LARGE}{when}")
    day = pd.Timestamp(both.index[-1])
    closes = closes.loc[:day]
    proxies: dict[str, ProxyChoice] = {}
    for seg in segments:
        cands = [
            p
            for p in seg.proxies
            if p.style == "blend" and p.kind == "etf" and p.symbol in closes.columns
        ]
        lasts = [(p, closes[p.symbol].last_valid_index()) for p in cands]
        dated = [(p, pd.Timestamp(str(last))) for p, last in lasts if last is not None]
        if not dated:
            continue
        fresh = [pl for pl in dated if pl[1] == day]
        best = fresh[0] if fresh else max(dated, key=lambda pl: pl[1])
        p, last = best
        skipped = tuple((q.symbol, ql) for q, ql in dated[: dated.index(best)] if ql != day)
        proxies[seg.key] = ProxyChoice(
            seg.key, seg.label, p.symbol, p.name, last, last != day, skipped
        )
    book = FigureBook(fmt_date(day))
    return Inputs(
        store=store,
        session=Session(store, day),
        as_of=day,
        requested=requested,
        closes=closes,
        bases=dict(closes.attrs.get("basis", {})),
        proxies=proxies,
        segments=segments,
        book=book,
        sources={},
    )
