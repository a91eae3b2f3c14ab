"""capsize: where US micro and small caps stand against large caps, with evidence.

The public API is the query layer: one function per question, each taking the store (or a
read session) and ``as_of`` and returning an immutable result whose every figure carries
its provenance (source, symbols, window, as-of, formula)::

    import capsize
    with capsize.open_session(as_of="2025-10-08") as s:
        board = capsize.scoreboard(s)
        print(board.as_of, board.fig("IWM.YTD.total").value)
        print(board.to_dict()["sources"])

The same functions serve the CLI (``capsize ... --json`` prints ``result.to_dict()``), the
report and the web API. Pure analytics (frames in, numbers out) stay available::

    >>> import pandas as pd
    >>> import capsize
    >>> closes = pd.Series([100.0, 103.0], index=pd.to_datetime(["2024-12-31", "2025-01-03"]))
    >>> r = capsize.window_return(adjusted=closes, window=capsize.ytd("2025-01-03"), symbol="X")
    >>> round(r.total.value, 4)
    0.03

Subpackages: :mod:`capsize.queries` (the questions), :mod:`capsize.data` (store, providers,
quality), :mod:`capsize.analytics` (pure functions), :mod:`capsize.stocks` (screener,
catalysts, ratings), :mod:`capsize.rules` (one rule per concept), :mod:`capsize.report`.

Names are imported lazily: ``import capsize`` is cheap, and a name's module is loaded on
first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    # capsize.analytics.performance
    "ReturnPair": "capsize.analytics.performance",
    "Window": "capsize.analytics.performance",
    "WindowReturn": "capsize.analytics.performance",
    "annualised_return": "capsize.analytics.performance",
    "between": "capsize.analytics.performance",
    "calendar_year": "capsize.analytics.performance",
    "calendar_year_table": "capsize.analytics.performance",
    "drawdown_series": "capsize.analytics.performance",
    "drawdown_stats": "capsize.analytics.performance",
    "max_drawdown": "capsize.analytics.performance",
    "mtd": "capsize.analytics.performance",
    "performance_table": "capsize.analytics.performance",
    "price_from_adjusted": "capsize.analytics.performance",
    "qtd": "capsize.analytics.performance",
    "quarter": "capsize.analytics.performance",
    "relative_return": "capsize.analytics.performance",
    "returns_from_closes": "capsize.analytics.performance",
    "rolling_outperformance": "capsize.analytics.performance",
    "series_return": "capsize.analytics.performance",
    "since": "capsize.analytics.performance",
    "streaks": "capsize.analytics.performance",
    "total_from_raw": "capsize.analytics.performance",
    "trailing": "capsize.analytics.performance",
    "trough_to_date": "capsize.analytics.performance",
    "window_return": "capsize.analytics.performance",
    "ytd": "capsize.analytics.performance",
    # capsize.analytics.risk
    "beta": "capsize.analytics.risk",
    "capture_ratios": "capsize.analytics.risk",
    "conditional_move": "capsize.analytics.risk",
    "correlation": "capsize.analytics.risk",
    "down_capture": "capsize.analytics.risk",
    "risk_summary": "capsize.analytics.risk",
    "rolling_beta": "capsize.analytics.risk",
    "rolling_correlation": "capsize.analytics.risk",
    "rolling_volatility": "capsize.analytics.risk",
    "to_calendar": "capsize.analytics.risk",
    "up_capture": "capsize.analytics.risk",
    "volatility": "capsize.analytics.risk",
    # capsize.config
    "Settings": "capsize.config",
    "data_home": "capsize.config",
    "load_settings": "capsize.config",
    # capsize.data
    "ImportReport": "capsize.data",
    "Provenance": "capsize.data",
    "Store": "capsize.data",
    "UpdateReport": "capsize.data",
    "import_folder": "capsize.data",
    "update_from_providers": "capsize.data",
    # capsize.errors
    "CapsizeError": "capsize.errors",
    "CapsizeWarning": "capsize.errors",
    "NetworkUnreachable": "capsize.errors",
    "DataNotFound": "capsize.errors",
    "DataQualityWarning": "capsize.errors",
    "EmptyDataError": "capsize.errors",
    "InputError": "capsize.errors",
    "InvalidInput": "capsize.errors",
    "MissingDependencyError": "capsize.errors",
    "PerformanceWarning": "capsize.errors",
    "ProviderError": "capsize.errors",
    "ProviderTimeout": "capsize.errors",
    "RateLimitError": "capsize.errors",
    "SchemaError": "capsize.errors",
    "StaleDataWarning": "capsize.errors",
    "StoreError": "capsize.errors",
    "UnauthorizedError": "capsize.errors",
    # capsize.segments
    "DEFAULT_SEGMENTS": "capsize.segments",
    "Proxy": "capsize.segments",
    "Segment": "capsize.segments",
    "SegmentSet": "capsize.segments",
    "classify_market_cap": "capsize.segments",
    "default_segments": "capsize.segments",
    "segment_performance": "capsize.analytics.performance",
    # capsize.universe
    "SURVIVORSHIP_CAVEAT": "capsize.universe",
    "Universe": "capsize.universe",
}
"""Public name -> module that defines it (loaded on first access)."""

_QUERIES: tuple[str, ...] = (
    "breadth",
    "catalysts",
    "crypto",
    "data_check",
    "data_sources",
    "data_status",
    "drawdowns",
    "factor_history",
    "flows",
    "highs",
    "leadership",
    "levels",
    "liquidity",
    "movers",
    "proxies",
    "rates",
    "rating_card",
    "relative_strength",
    "risk",
    "rotation_score",
    "scoreboard",
    "screen",
    "sector_breadth",
    "tape",
    "universe_members",
    "valuation",
    "window_returns",
)
"""Query functions exposed as ``capsize.<name>`` (defined in :mod:`capsize.queries`)."""

_LAZY.update(dict.fromkeys(_QUERIES, "capsize.queries"))
_LAZY.update({"open_session": "capsize.queries", "QueryResult": "capsize.queries"})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("capsize")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the installed metadata on first use (~30 ms)
        globals()[name] = value = _version()
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'capsize' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])


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
    "NetworkUnreachable",
    "PerformanceWarning",
    "Provenance",
    "ProviderError",
    "ProviderTimeout",
    "Proxy",
    "QueryResult",
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
    "breadth",
    "calendar_year",
    "calendar_year_table",
    "capture_ratios",
    "catalysts",
    "classify_market_cap",
    "conditional_move",
    "correlation",
    "crypto",
    "data_check",
    "data_home",
    "data_sources",
    "data_status",
    "default_segments",
    "down_capture",
    "drawdown_series",
    "drawdown_stats",
    "drawdowns",
    "factor_history",
    "flows",
    "highs",
    "import_folder",
    "leadership",
    "levels",
    "liquidity",
    "load_settings",
    "max_drawdown",
    "movers",
    "mtd",
    "open_session",
    "performance_table",
    "price_from_adjusted",
    "proxies",
    "qtd",
    "quarter",
    "rates",
    "rating_card",
    "relative_return",
    "relative_strength",
    "returns_from_closes",
    "risk",
    "risk_summary",
    "rolling_beta",
    "rolling_correlation",
    "rolling_outperformance",
    "rolling_volatility",
    "rotation_score",
    "scoreboard",
    "screen",
    "sector_breadth",
    "segment_performance",
    "series_return",
    "since",
    "streaks",
    "tape",
    "to_calendar",
    "total_from_raw",
    "trailing",
    "trough_to_date",
    "universe_members",
    "up_capture",
    "update_from_providers",
    "valuation",
    "volatility",
    "window_return",
    "window_returns",
    "ytd",
]
