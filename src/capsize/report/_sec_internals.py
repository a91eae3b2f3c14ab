"""Report sections on market internals: breadth, volume and liquidity, fund flows.

The code lives in private modules, re-exported here: the universe read once in
``_sec_universe``, then ``_sec_breadth``, ``_sec_liquidity`` and ``_sec_flows``.
"""

from __future__ import annotations

from capsize.report._sec_breadth import breadth_section
from capsize.report._sec_flows import flows_section
from capsize.report._sec_liquidity import volume_section
from capsize.report._sec_universe import UNIVERSE_LOOKBACK_DAYS, UniverseData, load_universe

__all__ = [
    "UNIVERSE_LOOKBACK_DAYS",
    "UniverseData",
    "breadth_section",
    "flows_section",
    "load_universe",
    "volume_section",
]
