"""Performance analytics: window returns, relative strength, leadership, highs, drawdowns.

Pure functions: pandas in, typed frozen results (or frames) out; no I/O.

Window convention
-----------------
A return "since D" starts from the last close on or before D; YTD starts from
the last close of the previous year; the end is the last close on or before the
requested end. Results carry the dates actually used, and whether the end is
earlier than requested (weekend, holiday, stale data). See
:mod:`capsize.analytics.performance._windows`.

Price vs total return
---------------------
Total return comes from dividend-adjusted closes (or raw closes plus
dividends), price return from raw closes or index levels (or adjusted closes
less dividends). A side without a suitable input is n/a with the reason.

Calendars
---------
Symbols on different calendars (crypto trades every day, equities on weekdays)
are aligned explicitly: ``align="own"`` (each symbol's own dates) or
``align="intersection"`` (common dates only) for window returns;
``align="intersection"`` or ``"left"`` (the left symbol's dates, the other's
last close on or before each) for ratio series.

Examples
--------
>>> import pandas as pd
>>> from capsize.analytics.performance import window_return, ytd
>>> idx = pd.to_datetime(["2024-12-31", "2025-10-08"])
>>> pair = window_return(ytd("2025-10-08"), adjusted=pd.Series([100.0, 110.0], index=idx),
...                      raw=pd.Series([98.0, 106.0], index=idx), symbol="IWM")
>>> round(pair.total.value, 6), round(pair.price.value, 6)
(0.1, 0.081633)
"""

from __future__ import annotations

from capsize.analytics.performance._dividends import (
    DividendConvention,
    price_from_adjusted,
    total_from_raw,
)
from capsize.analytics.performance._highs import (
    DrawdownStats,
    HighMark,
    Highs,
    drawdown_series,
    drawdown_stats,
    highs,
    max_drawdown,
)
from capsize.analytics.performance._relative import (
    RelativeReturn,
    Streak,
    Streaks,
    calendar_year_table,
    relative_return,
    relative_strength,
    rolling_outperformance,
    streaks,
)
from capsize.analytics.performance._returns import (
    Basis,
    ReturnPair,
    WindowReturn,
    annualised_return,
    series_return,
    window_return,
)
from capsize.analytics.performance._segments import segment_performance
from capsize.analytics.performance._series import NanPolicy, returns_from_closes
from capsize.analytics.performance._table import performance_table
from capsize.analytics.performance._windows import (
    Window,
    WindowKind,
    between,
    calendar_year,
    mtd,
    qtd,
    quarter,
    since,
    trailing,
    trough_to_date,
    ytd,
)

__all__ = [
    "Basis",
    "DividendConvention",
    "DrawdownStats",
    "HighMark",
    "Highs",
    "NanPolicy",
    "RelativeReturn",
    "ReturnPair",
    "Streak",
    "Streaks",
    "Window",
    "WindowKind",
    "WindowReturn",
    "annualised_return",
    "between",
    "calendar_year",
    "calendar_year_table",
    "drawdown_series",
    "drawdown_stats",
    "highs",
    "max_drawdown",
    "mtd",
    "performance_table",
    "price_from_adjusted",
    "qtd",
    "quarter",
    "relative_return",
    "relative_strength",
    "returns_from_closes",
    "rolling_outperformance",
    "segment_performance",
    "series_return",
    "since",
    "streaks",
    "total_from_raw",
    "trailing",
    "trough_to_date",
    "window_return",
    "ytd",
]
