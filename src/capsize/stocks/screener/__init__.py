"""Screener: per-stock metrics from the evidence, stated filter rules and presets.

Metrics (one row per ticker; NaN = not assessed, with the reason kept)
----------------------------------------------------------------------
``market_cap`` (USD) and ``cap_band``
    The band is the one cap-band rule, :func:`capsize.rules.cap_bands.cap_band`, over the
    configured segments (defaults: micro $50M-$300M, small $300M-$2B, mid $2B-$10B, large
    $10B-$200B, mega $200B+; below the micro band a company is ``nano``).
    ``market_cap_estimated`` is 1 when the cap is the holdings-implied
    estimate (an assumed index cap), 0 for XBRL shares x price.
``dollar_volume`` (USD/day) and ``liquidity_tier``
    median of close x volume over the last 20 days with volume; the tier is the one
    liquidity rule, :func:`capsize.rules.liquidity.liquidity_tier` (illiquid < $100k <=
    thin < $1M <= low < $10M <= medium < $50M <= high). Volume that is stale by the one
    staleness rule (:func:`capsize.rules.staleness.freshness`, daily data: 10 days) is
    not used.
``profitable`` (1/0), ``cash_runway_months``
    runway = cash / (-operating cash flow TTM / 12) for cash burners, ``inf``
    when operating cash flow is positive.
``cash_to_mcap``, ``net_debt_to_mcap``, ``net_debt_ebitda``, ``interest_coverage``, ``leverage_ok``
    leverage_ok = 1 when net cash, or net debt/EBITDA <= 2, or interest
    coverage >= 4.
``share_growth``
    shares outstanding vs about a year earlier (dilution).
``pe``, ``ps``, ``ev_sales``
    from :func:`capsize.stocks.fundamentals.valuation`.
``mom_12_1``, ``ret_6m``, ``rs_6m``, ``vol_1y``
    12-month return skipping the last month (252/21 trading days); 6-month
    return and its excess over the benchmark; annualised volatility of simple daily
    returns (:func:`capsize.analytics.risk.volatility`, the one volatility rule).
``max_gain_1d``
    largest close-to-close daily gain in the 365 days to the evaluation date.
``n_catalysts_90d``, ``last_catalyst``
    8-K/XBRL events other than routine ``other`` ones in the last 90 days.
``flags_raised``
    number of manipulation-risk flags RAISED (:mod:`capsize.stocks.risk_flags`).

:data:`METRICS` gives each numeric metric's unit, label and formula.

A rule on a metric that is NaN does not pass; the result counts, per rule,
how many stocks were dropped because the metric was NOT ASSESSED, so a thin
result is never mistaken for a thin market.

The screen question as users ask it (universe at a day, evidence, figures with provenance,
export to CSV/JSON) is :func:`capsize.queries.screen`; this package holds its pure parts.
"""

from __future__ import annotations

from capsize.stocks.screener.metrics import (
    METRICS,
    MetricSpec,
    StockMetrics,
    compute_metrics,
    metrics_frame,
)
from capsize.stocks.screener.result import (
    RuleStat,
    ScreenResult,
    missing_reason,
    screen,
)
from capsize.stocks.screener.rules import CONSOLIDATING_SECTORS, PRESETS, Preset, Rule, parse_rule

__all__ = [
    "CONSOLIDATING_SECTORS",
    "METRICS",
    "PRESETS",
    "MetricSpec",
    "Preset",
    "Rule",
    "RuleStat",
    "ScreenResult",
    "StockMetrics",
    "compute_metrics",
    "metrics_frame",
    "missing_reason",
    "parse_rule",
    "screen",
]
