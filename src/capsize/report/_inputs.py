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

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from capsize._format import fmt_date, fmt_num, fmt_pct
from capsize.queries.performance import ProxiesResult, ProxyChoice, candidate_symbols, proxies
from capsize.queries.session import Session, session_for
from capsize.report._model import FigureBook
from capsize.segments import SegmentSet, default_segments

if TYPE_CHECKING:
    from capsize.queries.session import Source

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
class Inputs:
    """What every section starts from: the read session at the report day and the proxies.

    Sections ask their questions through ``session`` (the query layer: point in time,
    each read once) and register the figures they show in ``book``; they read nothing
    else and compute no figure themselves.

    Attributes
    ----------
    session : Session
        Read session at the report day (``session.requested`` = ``as_of``).
    as_of : Timestamp
        The report day.
    requested : Timestamp or None
        The as-of date asked for (None: the latest data).
    proxies : dict of str to ProxyChoice
        The proxy chosen for each segment (the ``proxies`` query).
    segments : SegmentSet
        The segments in force (configuration applied).
    book : FigureBook
        Every figure shown, with its provenance.
    """

    session: Session
    as_of: pd.Timestamp
    requested: pd.Timestamp | None
    proxies: dict[str, ProxyChoice]
    segments: SegmentSet
    book: FigureBook

    @property
    def day(self) -> str:
        """The report day as ISO text."""
        return fmt_date(self.as_of)


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


def load_inputs(source: Source, as_of: object | None = None) -> Inputs:
    """Choose the report day and the proxies (the ``proxies`` query).

    Raises
    ------
    DataNotFound
        When the store has no closes for the core proxies on or before ``as_of``.
    """
    asked = session_for(source, as_of)
    day = proxies(asked).as_of
    session = Session(asked.store, day, asked.settings)
    px: ProxiesResult = session.cached(("q", "proxies", "blend"), lambda: proxies(session))
    return Inputs(
        session=session,
        as_of=day,
        requested=asked.requested,
        proxies=px.by_segment(),
        segments=px.segments or default_segments(),
        book=FigureBook(fmt_date(day)),
    )
