"""Liquidity tiers: one table of thresholds on daily dollar volume, used everywhere.

The rule (:data:`RULE`): a stock's or fund's tier is set by its **median daily dollar
volume** over the trailing window the caller states (close x shares traded, USD; for
instruments whose volume is already quoted in dollars, that volume). Thresholds
(:data:`TIERS`, lower bound inclusive):

==========  ====================
tier        median $ volume/day
==========  ====================
high        $50M and above
medium      $10M to $50M
low         $1M to $10M
thin        $100k to $1M
illiquid    under $100k
==========  ====================

Examples
--------
>>> liquidity_tier(12e6), liquidity_tier(250e3), liquidity_tier(float("nan"))
('medium', 'thin', None)
"""

from __future__ import annotations

import math

__all__ = ["RULE", "TIERS", "TIER_NAMES", "liquidity_tier"]

TIERS: tuple[tuple[float, str], ...] = (
    (50e6, "high"),
    (10e6, "medium"),
    (1e6, "low"),
    (100e3, "thin"),
    (0.0, "illiquid"),
)
"""(lower bound in USD per day, tier name), highest first; the first bound met wins."""

TIER_NAMES: tuple[str, ...] = tuple(name for _, name in TIERS)
"""Tier names, most liquid first."""

RULE = (
    "Liquidity tier by median daily dollar volume: high $50M+, medium $10M-$50M, "
    "low $1M-$10M, thin $100k-$1M, illiquid under $100k."
)
"""The rule in one sentence, for method notes."""


def liquidity_tier(dollar_volume: float | None) -> str | None:
    """Return the tier of a median daily dollar volume in USD (None when missing).

    Parameters
    ----------
    dollar_volume : float or None
        Median daily dollar volume, USD; NaN, negative or None means unknown.

    Returns
    -------
    str or None
        One of :data:`TIER_NAMES`, or None when the volume is unknown.
    """
    if dollar_volume is None:
        return None
    v = float(dollar_volume)
    if not math.isfinite(v) or v < 0:
        return None
    return next(name for bound, name in TIERS if v >= bound)
