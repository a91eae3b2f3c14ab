"""Screener: per-stock metrics from the evidence, stated filter rules, presets, export.

Metrics (one row per ticker; NaN = not assessed, with the reason kept)
----------------------------------------------------------------------
``market_cap`` (USD) and ``cap_band``
    nano < $50M <= micro < $300M <= small < $2B <= mid < $10B <= large.
    ``market_cap_estimated`` is 1 when the cap is the holdings-implied
    estimate (an assumed index cap), 0 for XBRL shares x price.
``dollar_volume`` (USD/day) and ``liquidity_tier``
    median of close x volume over the last 20 days with volume; tiers
    illiquid < $100K <= thin < $1M <= tradable < $10M <= liquid. Volume
    older than ``max_volume_age_days`` before the evaluation date is not used.
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
    return and its excess over the benchmark; annualised daily volatility.
``max_gain_1d``
    largest close-to-close daily gain in the 365 days to the evaluation date.
``n_catalysts_90d``, ``last_catalyst``
    8-K/XBRL events other than routine ``other`` ones in the last 90 days.
``flags_raised``
    number of manipulation-risk flags RAISED (:mod:`capsize.stocks.risk_flags`).

A rule on a metric that is NaN does not pass; the result counts, per rule,
how many stocks were dropped because the metric was NOT ASSESSED, so a thin
result is never mistaken for a thin market.
"""

from __future__ import annotations

from capsize.stocks.screener.metrics import (
    CAP_BANDS,
    LIQUIDITY_TIERS,
    StockMetrics,
    cap_band,
    compute_metrics,
    liquidity_tier,
    metrics_frame,
)
from capsize.stocks.screener.result import (
    RuleStat,
    ScreenResult,
    export_screen,
    screen,
    screen_payload,
)
from capsize.stocks.screener.rules import CONSOLIDATING_SECTORS, PRESETS, Preset, Rule

__all__ = [
    "CAP_BANDS",
    "CONSOLIDATING_SECTORS",
    "LIQUIDITY_TIERS",
    "PRESETS",
    "Preset",
    "Rule",
    "RuleStat",
    "ScreenResult",
    "StockMetrics",
    "cap_band",
    "compute_metrics",
    "export_screen",
    "liquidity_tier",
    "metrics_frame",
    "screen",
    "screen_payload",
]
