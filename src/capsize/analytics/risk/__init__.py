"""Risk analytics: volatility, beta, correlation, capture ratios and the conditional move.

Pure functions on **simple daily returns** (fractions): build them from closes
with :func:`capsize.analytics.performance.returns_from_closes`, which takes an
explicit NaN policy. Metric contract: a Series gives a float, a DataFrame gives
a Series (one value per column); ``rolling_*`` functions give the same values
as the scalar function applied to each trailing window, computed vectorised.

Pairing
-------
Functions that take a ``benchmark`` use only the days on which **both** the
asset and the benchmark have a return (pairwise complete). The benchmark is
aligned to the asset's dates by date label; a benchmark date the asset does
not have is ignored.

Calendars
---------
For assets on different calendars (crypto trades every day), put both closes
on one calendar **before** computing returns, e.g. ``to_calendar(btc, spy.index)``
(the last close on or before each date); otherwise a Monday crypto return
(Sunday to Monday) would be paired with an equity Monday return (Friday to Monday).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from capsize.analytics.risk import beta, volatility
>>> idx = pd.date_range("2025-01-01", periods=4)
>>> bench = pd.Series([0.01, -0.02, 0.03, 0.0], index=idx)
>>> round(beta(2 * bench, bench), 10)
2.0
>>> round(volatility(bench, annualise=False), 6)
0.020817
"""

from __future__ import annotations

from capsize.analytics.risk._conditional import (
    ConditionalMove,
    RiskSummary,
    conditional_move,
    risk_summary,
)
from capsize.analytics.risk._inputs import Direction as Direction
from capsize.analytics.risk._inputs import to_calendar
from capsize.analytics.risk._paired import (
    CaptureRatios,
    beta,
    capture_ratios,
    correlation,
    down_capture,
    rolling_beta,
    rolling_correlation,
    up_capture,
)
from capsize.analytics.risk._volatility import rolling_volatility, volatility

__all__ = [
    "CaptureRatios",
    "ConditionalMove",
    "RiskSummary",
    "beta",
    "capture_ratios",
    "conditional_move",
    "correlation",
    "down_capture",
    "risk_summary",
    "rolling_beta",
    "rolling_correlation",
    "rolling_volatility",
    "to_calendar",
    "up_capture",
    "volatility",
]
