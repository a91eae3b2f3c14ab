"""Pure analytics: frames in, typed results out; no I/O.

Modules (imported on first attribute access, so ``import capsize`` stays fast):

``performance``  window returns (price and total), relative strength, leadership, highs, drawdowns
``risk``         volatility, beta, correlation, capture, the conditional move
``engine``       dense date x ticker panel and NaN-aware rolling kernels (numba)
``breadth``      % above averages, advance/decline, new highs/lows, McClellan, equal vs cap weight
``liquidity``    volume, dollar volume, turnover, Amihud, liquidity tiers
``percentiles``  cross-sectional percentiles per day, merged exactly across ticker partitions
``levels``       support and resistance from swing pivots and volume at price
``rates``        small-minus-large vs yield changes, regimes, policy-turn event studies
``flows``        ETF creations/redemptions from shares outstanding, by size segment
``crosscap``     the crypto size analogy (majors vs alts)
``factors``      the size factor across the Ken French library's century
``rotation``     the transparent rotation score
``valuation``    segment P/E, earnings growth and loss-maker share with coverage
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = [
    "breadth",
    "crosscap",
    "engine",
    "factors",
    "flows",
    "levels",
    "liquidity",
    "percentiles",
    "performance",
    "rates",
    "risk",
    "rotation",
    "valuation",
]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        module = importlib.import_module(f"capsize.analytics.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'capsize.analytics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
