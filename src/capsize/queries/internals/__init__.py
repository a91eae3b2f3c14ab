"""Market internals: the small-cap universe, its breadth, liquidity, and price levels.

One function per question (``source``: a store or a session; ``as_of``: ISO date or
None for the latest data):

* :func:`universe_members`: the IWM member list used on a day (the latest dated on or
  before it; never a later one).
* :func:`breadth`: % above 20/50/200-day averages, advancers/decliners and the A/D
  line (start: :mod:`capsize.rules.breadth`), 52-week highs/lows, up/down volume,
  McClellan, equal weight vs IWM.
* :func:`liquidity`: per symbol or for the universe: average and median dollar volume
  (by instrument kind: :mod:`capsize.rules.dollar_volume`), YoY on the same members,
  turnover, Amihud, tiers (:mod:`capsize.rules.liquidity`) with coverage.
* :func:`levels`: support and resistance from swing pivots, and volume at price.
"""

from __future__ import annotations

from capsize.queries.internals._breadth import BreadthAnswer, breadth
from capsize.queries.internals._levels import LevelsAnswer, levels
from capsize.queries.internals._liquidity import LiquidityAnswer, liquidity
from capsize.queries.internals._universe import (
    UniverseAnswer,
    UniverseFrame,
    universe_frame,
    universe_members,
)

__all__ = [
    "BreadthAnswer",
    "LevelsAnswer",
    "LiquidityAnswer",
    "UniverseAnswer",
    "UniverseFrame",
    "breadth",
    "levels",
    "liquidity",
    "universe_frame",
    "universe_members",
]
