"""Shared CLI helpers once used by the drivers commands, kept for the other commands.

The drivers commands now render query results (``capsize.queries.drivers``); other
command modules (perf, internals, factor) still import :func:`after_data_note` from
here until they render query results too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import DataNotFound

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["after_data_note", "date_text", "num", "source_of"]


def num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v


def date_text(x: Any) -> str | None:
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return None
    try:
        return str(pd.Timestamp(x).strftime("%Y-%m-%d"))
    except (TypeError, ValueError):
        return None


def source_of(store: Store, dataset: str, key: str) -> str:
    try:
        return str(store.provenance(dataset, key).source)
    except DataNotFound:
        return "unknown"


def after_data_note(requested: pd.Timestamp | None, latest: Any) -> str | None:
    """One-line note when ``--as-of`` is after the latest date of the data used.

    Commands then proceed with the latest data; this note (and a JSON field
    ``as_of_note``) says so, the same way in every command.
    """
    if requested is None or latest is None or pd.isna(latest):
        return None
    last = pd.Timestamp(latest).normalize()
    if pd.Timestamp(requested) <= last:
        return None
    day = last.strftime("%Y-%m-%d")
    return (
        f"as-of {pd.Timestamp(requested):%Y-%m-%d} is after the latest data ({day}); "
        f"figures are as of {day}"
    )
