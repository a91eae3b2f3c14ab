"""Stock questions: screen, rating card, catalysts and segment valuation.

Each query reads prices, volumes and holdings through a point-in-time session and
filings through an SEC source (:func:`sec_source`), applies the configured segments
(cap bands) and the one rule of each concept (liquidity tiers, volatility, staleness),
and returns an immutable result whose every figure carries its provenance.

==================  ==========================================  ======================
query               question                                    CLI
==================  ==========================================  ======================
:func:`screen`      which stocks pass a preset or custom rules  ``capsize screen``
:func:`rating_card` Recommendation, Timeframe and Risk          ``capsize rate``
:func:`catalysts`   8-K events and XBRL share jumps             ``capsize catalysts``
:func:`valuation`   P/E, loss-makers, growth by segment         ``capsize valuation``
==================  ==========================================  ======================
"""

from __future__ import annotations

from capsize.queries.stocks.catalyst_feed import CatalystsResult, catalysts
from capsize.queries.stocks.rating import RatingCardResult, rating_card, rating_rules
from capsize.queries.stocks.screening import ScreenQueryResult, screen
from capsize.queries.stocks.sec import SecSource, sec_source
from capsize.queries.stocks.segment_valuation import ValuationResult, valuation

__all__ = [
    "CatalystsResult",
    "RatingCardResult",
    "ScreenQueryResult",
    "SecSource",
    "ValuationResult",
    "catalysts",
    "rating_card",
    "rating_rules",
    "screen",
    "sec_source",
    "valuation",
]
