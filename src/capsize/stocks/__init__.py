"""Stocks: SEC fundamentals, 8-K catalysts, manipulation-risk flags, the screener and rating cards."""

from __future__ import annotations

from capsize.stocks.catalysts import (
    catalyst_feed,
    events_from_filings,
    share_count_events,
    timeline,
)
from capsize.stocks.fundamentals import (
    Fundamentals,
    Valuation,
    compute_fundamentals,
    ttm,
    valuation,
)
from capsize.stocks.ratings import (
    DISCLAIMER,
    NOT_ASSESSED,
    RULES,
    RULES_VERSION,
    RatingCard,
    rate,
    render_card,
    rules_table,
)
from capsize.stocks.risk_flags import RiskFlag, RiskThresholds, assess_risk_flags
from capsize.stocks.screener import (
    PRESETS,
    Preset,
    Rule,
    RuleStat,
    ScreenResult,
    StockMetrics,
    screen,
)

__all__ = [
    "DISCLAIMER",
    "NOT_ASSESSED",
    "PRESETS",
    "RULES",
    "RULES_VERSION",
    "Fundamentals",
    "Preset",
    "RatingCard",
    "RiskFlag",
    "RiskThresholds",
    "Rule",
    "RuleStat",
    "ScreenResult",
    "StockMetrics",
    "Valuation",
    "assess_risk_flags",
    "catalyst_feed",
    "compute_fundamentals",
    "events_from_filings",
    "rate",
    "render_card",
    "rules_table",
    "screen",
    "share_count_events",
    "timeline",
    "ttm",
    "valuation",
]
