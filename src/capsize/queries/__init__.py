"""The query layer: one function per question a user asks, shared by every front end.

Each query takes a :class:`~capsize.queries.session.Session` (or a store) and ``as_of``,
applies the point-in-time and configuration policy once, and returns an immutable
:class:`~capsize.queries.result.QueryResult` whose every figure carries its provenance.
The CLI, the report, the Python API (``capsize.<query>``) and later the web API render
these results; none of them reads the store or composes analytics itself.

Names are loaded lazily (``import capsize.queries`` is cheap; the CLI relies on it).
"""

from __future__ import annotations

import importlib
from typing import Any

from capsize.queries.result import (
    SCHEMA_VERSION,
    Figure,
    FigureSet,
    Provenance,
    QueryResult,
    SeriesData,
    TableData,
)
from capsize.queries.session import Session, open_session, parse_as_of, session_for

# name -> module (relative to capsize.queries). One block per family.
_LAZY: dict[str, str] = {
    # performance family
    "drawdowns": "performance",
    "highs": "performance",
    "leadership": "performance",
    "proxies": "performance",
    "relative_strength": "performance",
    "risk": "performance",
    "scoreboard": "performance",
    "tape": "performance",
    "window_returns": "performance",
    # internals family
    "breadth": "internals",
    "levels": "internals",
    "liquidity": "internals",
    "movers": "internals",
    "sector_breadth": "internals",
    "universe_members": "internals",
    # drivers family
    "crypto": "drivers",
    "flows": "drivers",
    "load_alts": "drivers",
    "load_markets": "drivers",
    "nport_flows": "drivers",
    "rates": "drivers",
    # size family (factor, rotation, valuation)
    "bottom_line": "size",
    "factor_history": "size",
    "rotation_score": "size",
    # fact-check family (point-in-time answers between two dates)
    "calendar_runs": "factcheck",
    "fund_flow": "factcheck",
    "period_change": "factcheck",
    "rate_change": "factcheck",
    "rate_moves": "factcheck",
    "volume_change": "factcheck",
    "window_extremes": "factcheck",
    # backtesting family (signals, strategies, sweeps)
    "backtest": "backtesting",
    "backtest_grid": "backtesting",
    "signal_histories": "backtesting",
    "signal_record": "backtesting",
    # stocks family
    "catalysts": "stocks",
    "rating_card": "stocks",
    "screen": "stocks",
    "valuation": "stocks",
    # alerts
    "add_rule": "alerts",
    "alert_events": "alerts",
    "alert_rules": "alerts",
    "evaluate_alerts": "alerts",
    "get_rule": "alerts",
    "record_events": "alerts",
    "remove_rule": "alerts",
    "replay_rule": "alerts",
    # data management
    "data_sources": "sources",
    "sources_of_files": "sources",
    "DataResult": "data",
    "data_check": "data",
    "data_status": "data",
    "import_folder": "data",
    "store_is_empty": "data",
    "update": "data",
}

__all__ = [
    "SCHEMA_VERSION",
    "Figure",
    "FigureSet",
    "Provenance",
    "QueryResult",
    "SeriesData",
    "Session",
    "TableData",
    "open_session",
    "parse_as_of",
    "session_for",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'capsize.queries' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"capsize.queries.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
