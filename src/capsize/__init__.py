"""capsize: where US micro and small caps stand against large caps, with evidence.

The public API in one place::

    import capsize
    with capsize.Store.open(read_only=True) as store:
        closes = store.closes(["IWM", "SPY"], as_of="2025-10-08")
    r = capsize.window_return(closes["IWM"], capsize.ytd("2025-10-08"))

Subpackages: :mod:`capsize.data` (store, providers, quality), :mod:`capsize.analytics`
(pure functions), :mod:`capsize.stocks` (screener, catalysts, ratings), :mod:`capsize.report`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from capsize.analytics.performance import (
    ReturnPair,
    Window,
    WindowReturn,
    annualised_return,
    between,
    calendar_year,
    calendar_year_table,
    drawdown_series,
    drawdown_stats,
    highs,
    max_drawdown,
    mtd,
    performance_table,
    price_from_adjusted,
    qtd,
    quarter,
    relative_return,
    relative_strength,
    returns_from_closes,
    rolling_outperformance,
    series_return,
    since,
    streaks,
    total_from_raw,
    trailing,
    trough_to_date,
    window_return,
    ytd,
)
from capsize.analytics.risk import (
    beta,
    capture_ratios,
    conditional_move,
    correlation,
    down_capture,
    risk_summary,
    rolling_beta,
    rolling_correlation,
    rolling_volatility,
    to_calendar,
    up_capture,
    volatility,
)
from capsize.config import Settings, data_home, load_settings
from capsize.data import (
    ImportReport,
    Provenance,
    Store,
    UpdateReport,
    import_folder,
    update_from_providers,
)
from capsize.errors import (
    CapsizeError,
    CapsizeWarning,
    DataNotFound,
    DataQualityWarning,
    EmptyDataError,
    InputError,
    InvalidInput,
    MissingDependencyError,
    PerformanceWarning,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    SchemaError,
    StaleDataWarning,
    StoreError,
    UnauthorizedError,
)
from capsize.segments import (
    DEFAULT_SEGMENTS,
    Proxy,
    Segment,
    SegmentSet,
    classify_market_cap,
    default_segments,
    segment_performance,
)
from capsize.universe import SURVIVORSHIP_CAVEAT, Universe

try:
    __version__ = version("capsize")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "DEFAULT_SEGMENTS",
    "SURVIVORSHIP_CAVEAT",
    "CapsizeError",
    "CapsizeWarning",
    "DataNotFound",
    "DataQualityWarning",
    "EmptyDataError",
    "ImportReport",
    "InputError",
    "InvalidInput",
    "MissingDependencyError",
    "PerformanceWarning",
    "Provenance",
    "ProviderError",
    "ProviderTimeout",
    "Proxy",
    "RateLimitError",
    "ReturnPair",
    "SchemaError",
    "Segment",
    "SegmentSet",
    "Settings",
    "StaleDataWarning",
    "Store",
    "StoreError",
    "UnauthorizedError",
    "Universe",
    "UpdateReport",
    "Window",
    "WindowReturn",
    "__version__",
    "annualised_return",
    "beta",
    "between",
    "calendar_year",
    "calendar_year_table",
    "capture_ratios",
    "classify_market_cap",
    "conditional_move",
    "correlation",
    "data_home",
    "default_segments",
    "down_capture",
    "drawdown_series",
    "drawdown_stats",
    "highs",
    "import_folder",
    "load_settings",
    "max_drawdown",
    "mtd",
    "performance_table",
    "price_from_adjusted",
    "qtd",
    "quarter",
    "relative_return",
    "relative_strength",
    "returns_from_closes",
    "risk_summary",
    "rolling_beta",
    "rolling_correlation",
    "rolling_outperformance",
    "rolling_volatility",
    "segment_performance",
    "series_return",
    "since",
    "streaks",
    "to_calendar",
    "total_from_raw",
    "trailing",
    "trough_to_date",
    "up_capture",
    "update_from_providers",
    "volatility",
    "window_return",
    "ytd",
]
