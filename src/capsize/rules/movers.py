"""Movers of the small-cap universe: windows, how many, and when a move is labelled thin.

The rule (:data:`RULE`):

* **Windows** count the universe's sessions: ``1D`` from the session before the day,
  ``1W`` from :data:`WEEK_SESSIONS` sessions before, ``MTD`` from the last session of
  the previous month. A member moves only when it has a close at both ends.
* **Top and bottom** :data:`TOP_N` by total return (adjusted closes), ties broken by
  ticker.
* **Liquidity label.** Each mover carries its close on the day and its median daily
  dollar volume over the :data:`LIQUIDITY_SESSIONS` sessions to the day, with the tier
  of :mod:`capsize.rules.liquidity`. A move is labelled *thin* when the tier is thin or
  illiquid, *sub-$1* when the close is under :data:`PENNY_PRICE`, and *volume unknown*
  when the store has no volume for it in that window: such a move may not be tradable
  at the printed price.

Examples
--------
>>> liquidity_label(0.5, 40e3)
'illiquid; under $1'
>>> liquidity_label(25.0, None)
'volume unknown'
"""

from __future__ import annotations

import math

from capsize.rules.liquidity import liquidity_tier

__all__ = [
    "LIQUIDITY_SESSIONS",
    "PENNY_PRICE",
    "RULE",
    "THIN_TIERS",
    "TOP_N",
    "WEEK_SESSIONS",
    "WINDOWS",
    "is_thin",
    "liquidity_label",
]

TOP_N = 10
"""Movers listed at each end."""
WEEK_SESSIONS = 5
"""Sessions in the 1W window."""
WINDOWS: tuple[str, ...] = ("1D", "1W", "MTD")
"""Windows of the movers, in order."""
LIQUIDITY_SESSIONS = 20
"""Sessions of the median dollar volume shown beside a move."""
PENNY_PRICE = 1.0
"""Closes under it (USD, adjusted) are labelled sub-$1."""
THIN_TIERS = ("thin", "illiquid")
"""Liquidity tiers whose moves are labelled thin."""

RULE = (
    "Movers: total return of each universe member over 1D, 1W (5 sessions) and month to "
    "date (from the last session of the previous month), members with a close at both "
    f"ends; top and bottom {TOP_N}, ties by ticker. Beside each: its close and its median "
    f"daily dollar volume over the {LIQUIDITY_SESSIONS} sessions to the day, tiered by the "
    "liquidity rule; thin or illiquid, under $1, or without volume data means the move may "
    "not be tradable at that price."
)
"""The rule in one sentence, for method notes."""


def is_thin(close: float | None, dollar_volume: float | None) -> bool:
    """Return True when a move should be read with care (thin, sub-$1 or volume unknown)."""
    tier = liquidity_tier(dollar_volume)
    penny = close is not None and math.isfinite(close) and close < PENNY_PRICE
    return tier is None or tier in THIN_TIERS or penny


def liquidity_label(close: float | None, dollar_volume: float | None) -> str:
    """Return the liquidity label of a move: its tier or ``volume unknown``; sub-$1.

    The dollar volume itself is a figure of its own (beside the label), not repeated here.

    Parameters
    ----------
    close : float or None
        Close on the day, USD (adjusted).
    dollar_volume : float or None
        Median daily dollar volume over :data:`LIQUIDITY_SESSIONS` sessions, USD.
    """
    tier = liquidity_tier(dollar_volume)
    parts = ["volume unknown" if tier is None else tier]
    if close is not None and math.isfinite(close) and close < PENNY_PRICE:
        parts.append("under $1")
    return "; ".join(parts)
