"""Shared helpers of the ``rates``/``flows``/``crypto`` commands (private)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import DataNotFound

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["date_text", "num", "source_of"]


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
