"""Load once what the report needs from the store, point in time, and pick the proxies.

Rules stated here (and in the report's method notes):

* **As-of day.** Without ``as_of`` the report is for the latest date on which
  both core proxies (small ``IWM`` and large ``SPY``) have a close. With
  ``as_of=D`` every read is limited to rows dated on or before ``D`` and the
  report day is the latest such core date on or before ``D``.
* **Segment proxy.** For each segment, the first blend ETF (in the segment's
  order of preference) with a close on the report day; if none has one, the
  proxy with the most recent close, labelled with its last date and flagged
  *stale* by the one staleness rule. A preferred proxy passed over for a fresher
  one is named in the report's notes. Both rules live in the ``proxies`` query
  (:func:`capsize.queries.performance.proxies`); this module only calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from capsize._format import fmt_date, fmt_num, fmt_pct
from capsize.errors import CapsizeError
from capsize.queries.performance import ProxiesResult, ProxyChoice, candidate_symbols, proxies
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
    """Every blend ETF proxy then the index rows (kept for ``benchmarks/report.py``)."""
    return candidate_symbols(segments)


def load_inputs(store: Store, as_of: object | None = None) -> Inputs:
    """Choose the report day and the proxies (the ``proxies`` query), then read the closes once.

    Raises
    ------
    DataNotFound
        When the store has no closes for the core proxies on or before ``as_of``.
    """
    requested = None if as_of is None else pd.Timestamp(str(as_of)).normalize()
    asked = Session(store, requested)
    day = proxies(asked).as_of
    session = Session(store, day, asked.settings)
    px: ProxiesResult = session.cached(("q", "proxies", "blend"), lambda: proxies(session))
    closes = session.closes(list(px.candidates)).loc[:day]
    return Inputs(
        store=store,
        session=session,
        as_of=day,
        requested=requested,
        closes=closes,
        bases=dict(closes.attrs.get("basis", {})),
        proxies=px.by_segment(),
        segments=px.segments or default_segments(),
        book=FigureBook(fmt_date(day)),
        sources={},
    )
