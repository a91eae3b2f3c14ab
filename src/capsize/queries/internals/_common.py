"""Reads and small helpers shared by the internals queries (point in time, provenance)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from capsize.errors import CapsizeError, DataNotFound
from capsize.queries.session import CatalogRow, Session

__all__ = [
    "KINDS",
    "after_note",
    "as_count",
    "as_float",
    "bars_source",
    "catalog",
    "data_start_hint",
    "day_of",
    "read_panel",
    "symbol_kind",
    "universe_source",
]

KINDS = ("stock", "etf", "index", "crypto")
"""Symbol kinds of the store."""


def day_of(value: object) -> str:
    """Return a date as ISO text."""
    return pd.Timestamp(str(value)).strftime("%Y-%m-%d")


def as_float(value: object) -> float | None:
    """Return a finite float, or None."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


def as_count(value: object) -> int | None:
    """Return a whole count, or None."""
    x = as_float(value)
    return None if x is None else round(x)


def after_note(requested: pd.Timestamp | None, used: pd.Timestamp, what: str) -> list[str]:
    """Return a note when the answer's as-of is before the requested day (empty otherwise)."""
    if requested is None or used >= requested:
        return []
    return [
        f"as-of {requested:%Y-%m-%d} is after the latest {what} ({used:%Y-%m-%d}); "
        f"figures are as of {used:%Y-%m-%d}"
    ]


def catalog(s: Session) -> pd.DataFrame:
    """Return the store's import catalog, read once per session (empty when unavailable)."""

    def read() -> pd.DataFrame:
        try:
            return s.store.catalog()
        except CapsizeError:
            return pd.DataFrame(columns=["kind", "subject", "variant", "first_date", "source"])

    out: pd.DataFrame = s.cached(("internals", "catalog"), read)
    return out


def _known(
    s: Session, kind: str, subjects: Sequence[str], day: pd.Timestamp, variant: str
) -> list[tuple[str, CatalogRow]]:
    """``(subject, row)`` of ``kind`` and ``variant`` whose data start on or before ``day``."""
    return [
        (sub, r)
        for sub in dict.fromkeys(subjects)
        for r in s.catalog_rows(kind, sub)
        if r.variant == variant and (r.first_date is None or r.first_date <= day)
    ]


def bars_source(s: Session, symbol: str, basis: str, day: pd.Timestamp) -> str:
    """Return the files behind ``symbol``'s bars of ``basis`` with data on or before ``day``.

    Only files whose data start on or before ``day`` are named, so a store truncated
    at ``day`` names the same files (point in time).
    """
    rows = _known(s, "bars", [symbol], day, basis)
    if not rows:
        return s.source(symbol)
    return "; ".join(sorted({r.source for _, r in rows}))


def universe_source(s: Session, members: Sequence[str], day: pd.Timestamp) -> str:
    """Return the member price files as patterns (``universe/<ticker>.csv``), on or before ``day``."""
    rows = _known(s, "bars", members, day, "adjusted")
    if not rows:
        return s.source(*members[:3])
    return "; ".join(sorted({r.source.replace(f"/{sub}.", "/<ticker>.") for sub, r in rows}))


def symbol_kind(s: Session, symbol: str) -> str:
    """Return the store's kind of ``symbol`` (``"unknown"`` when it has none)."""
    for kind in KINDS:
        if symbol in set(s.symbols(kind)):
            return kind
    return "unknown"


def data_start_hint(s: Session, symbol: str) -> str:
    """Return, for an error, where ``symbol``'s data start (may name a date after the as-of)."""
    try:
        first = s.store.provenance("bars", symbol).first_date
    except CapsizeError:
        return ""
    return f": {symbol}'s data starts {first:%Y-%m-%d}" if first is not None else ""


def read_panel(
    s: Session, members: Sequence[str], field: str, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Return the wide adjusted ``field`` of ``members`` from ``start`` to ``end`` (read once).

    ``end`` is capped at the session's requested day (point in time).

    Raises
    ------
    DataNotFound
        When none of the members has data in the range.
    """
    if s.requested is not None:
        end = min(end, s.requested)
    key = ("internals", "panel", field, tuple(members), start, end)

    def read() -> pd.DataFrame:
        frame: pd.DataFrame = s.store.panel(
            list(members), field=field, basis="adjusted", start=start, as_of=end
        )
        return frame

    try:
        out: pd.DataFrame = s.cached(key, read)
    except DataNotFound:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="date"), columns=list(members))
    return out
