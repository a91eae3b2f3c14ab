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
* :func:`movers`: top and bottom movers over 1D, 1W and month to date, each with its
  close, dollar volume and liquidity label (:mod:`capsize.rules.movers`).
* :func:`sector_breadth`: share above the 50/200-day averages and equal-weight returns
  per sector (sectors from the latest IWM holdings file on or before the day).
"""

from __future__ import annotations

from capsize.queries.internals._breadth import BreadthAnswer, breadth
from capsize.queries.internals._levels import LevelsAnswer, levels
from capsize.queries.internals._liquidity import LiquidityAnswer, liquidity
from capsize.queries.internals._movers import MoversAnswer, movers
from capsize.queries.internals._sectors import SectorBreadthAnswer, sector_breadth
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
    "MoversAnswer",
    "SectorBreadthAnswer",
    "UniverseAnswer",
    "UniverseFrame",
    "breadth",
    "levels",
    "liquidity",
    "movers",
    "sector_breadth",
    "universe_frame",
    "universe_members",
]
