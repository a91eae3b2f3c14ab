"""The structured claim: what an article says, in a form a query can check.

Extraction (``capsize.factcheck.extract``) turns sentences into :class:`Claim` objects;
checking (``capsize.factcheck.check``) answers each with a :class:`Verdict`. This module is
the contract between the two and holds no logic beyond validation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

#: What a claim measures.
Kind = Literal[
    "return",  # a subject's change over a window ("up 8 % since March")
    "relative_return",  # one subject against another, in pp or as a ratio ("beat by 5 points")
    "record_high",  # a record / all-time high (level and/or date), close or intraday
    "distance_from_high",  # "12 % below its November 2021 peak"
    "drawdown",  # a fall from a peak within a window ("fell 20 % from its high")
    "level",  # a price/index level ("closed at 21,000"), support or resistance
    "volatility_ratio",  # "small caps swing twice as much as the S&P 500"
    "beta",  # "a beta of 1.3 to the S&P 500"
    "run",  # a run of calendar years/months/days ("lagged for three straight years")
    "volume_change",  # "trading volume fell by a fifth from a year ago"
    "flows",  # fund flows ("$20 billion left equity funds last month")
    "valuation",  # valuation ratios ("trades at 15 times forward earnings")
    "rate_level",  # a rate's level or change ("the 10-year yield at 4.2 %")
    "rate_cuts",  # a number of rate cuts or hikes
    "unread",  # a figure no kind rule reads: listed as not checkable, with the reason
]

#: How a claim's verdict reads.
VerdictName = Literal["supported", "close", "contradicted", "not checkable"]

#: Unit of a claimed value.
Unit = Literal[
    "%",  # percent change or level in percent (a yield)
    "pp",  # percentage points (a spread between two returns)
    "x",  # a ratio ("twice as much" = 2.0 x)
    "usd",  # dollars (flows, prices)
    "points",  # index points / price level
    "bp",  # basis points
    "count",  # a count (years, days, cuts)
    "date",  # a calendar date (record dates); value is days since 1970-01-01
]


@dataclass(frozen=True)
class Subject:
    """A thing an article talks about, mapped to what capsize can measure.

    Attributes
    ----------
    phrase : str
        The words in the article ("small caps", "the Russell 2000").
    symbol : str
        The symbol measured (``"IWM"``, ``"^RUT"``, ``"BTC-USD"``, ``"DGS10"``).
    kind : str
        ``"index"``, ``"segment"``, ``"etf"``, ``"stock"``, ``"crypto"``, ``"rate"`` or
        ``"fund_group"``.
    mapping : str
        The mapping stated for the reader ("small caps -> IWM, the Russell 2000 ETF").
    """

    phrase: str
    symbol: str
    kind: str
    mapping: str


@dataclass(frozen=True)
class Window:
    """The dates a claim is about, resolved from the article's date.

    Attributes
    ----------
    start : datetime.date or None
        First day of the window (the base close is the last session on or before it, or the
        anchor's day); None for point claims (a level, a record).
    end : datetime.date
        Last day of the window (at most the article's date).
    label : str
        The article's words ("year to date", "since the March low", "in the third quarter").
    anchor : str
        A data-defined start ("low" / "high" within ``start..end``: "since the March low"
        starts at the lowest close of March); "" for a calendar start.
    anchor_end : datetime.date or None
        Last day the anchor is searched in: the low of "since the March low" is the lowest
        close of ``start..anchor_end`` (March), not of ``start..end``; None means ``end``.
    """

    start: dt.date | None
    end: dt.date
    label: str
    anchor: str = ""
    anchor_end: dt.date | None = None


@dataclass(frozen=True)
class Claimed:
    """The value a claim states, as a closed range that carries its precision.

    ``"12.7 %"`` is ``low=12.65, high=12.75``; ``"nearly 3 %"`` is ``low=2.5, high=3.0``;
    ``"more than 10 %"`` is ``low=10, high=inf``; ``"1-2 %"`` is ``low=1, high=2``.
    Signs follow the direction words: "fell 8 %" is ``-8.05..-7.95``.

    Attributes
    ----------
    low, high : float
        The range (``low <= high``; ``±inf`` for open ends), in ``unit``.
    unit : Unit
        How to read the range.
    text : str
        The words stating it ("nearly 3 %").
    hedge : str
        The hedge word ("nearly", "about", "more than"), or "".
    """

    low: float
    high: float
    unit: Unit
    text: str
    hedge: str = ""

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise ValueError(f"claimed range {self.low}..{self.high} is empty ({self.text!r})")


@dataclass(frozen=True)
class Claim:
    """One quantitative statement about markets, structured.

    Attributes
    ----------
    text : str
        The sentence (or clause) making the claim, as written.
    span : tuple of int
        ``(start, end)`` character offsets of ``text`` in the article.
    kind : Kind
        What is measured.
    subjects : tuple of Subject
        What it is measured on; two for relative claims (first is the one said to
        lead), one otherwise.
    window : Window or None
        The dates; None when the claim has no time frame of its own (then the article's
        date is the as-of).
    claimed : Claimed or None
        The stated value; None for claims that state only a fact ("hit a record").
    options : dict
        Kind-specific details, JSON-ready: ``{"basis": "close" | "intraday"}`` for
        records, ``{"period": "year", "direction": "lag"}`` for runs, ``{"level_kind":
        "support"}``, ``{"measure": "forward_pe"}``, ... (documented by each extractor).
    """

    text: str
    span: tuple[int, int]
    kind: Kind
    subjects: tuple[Subject, ...]
    window: Window | None
    claimed: Claimed | None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """The answer to one claim, with the computation that gave it.

    Attributes
    ----------
    claim : Claim
        The claim answered.
    verdict : VerdictName
        ``"supported"``, ``"close"``, ``"contradicted"`` or ``"not checkable"``.
    computed : float or None
        The value the data gives, in the claim's unit (None when not checkable).
    definition : str
        The definition the computation used ("price return of IWM, closes 2025-12-31 ->
        2026-08-21"); for a "close" verdict by another definition, that definition.
    reason : str
        One or two sentences for the reader: why this verdict; for "not checkable" exactly
        which data or feature is missing.
    tolerance : str
        The stated tolerance applied ("±0.05 pp rounding + 0.25 pp").
    provenance : tuple of dict
        The query figures used (``Figure.to_dict()`` with their ids), so every number traces
        to its source and date.
    accepted : str
        The claimed range widened by the tolerance, in the claim's unit and sign ("+12.50 %
        .. +13.10 %"): what the verdict accepted as supported; "" for claims without a value.
    label : str
        What was computed, in short ("SPY − IWM, total return"), when it is not the claim's
        subjects as mapped; every output shows it beside the computed value.
    """

    claim: Claim
    verdict: VerdictName
    computed: float | None
    definition: str
    reason: str
    tolerance: str = ""
    provenance: tuple[dict[str, Any], ...] = ()
    accepted: str = ""
    label: str = ""
