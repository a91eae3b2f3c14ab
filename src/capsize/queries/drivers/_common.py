"""Helpers shared by the drivers queries (rates, flows, crypto)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from capsize.queries.result import iso
from capsize.rules.staleness import freshness

if TYPE_CHECKING:
    from capsize.queries.session import Session

__all__ = ["after_data_note", "bars_source", "day", "span"]

RAW_PREFIX = "prices/raw/"
"""Files of raw (not dividend-adjusted) closes: a source only of reads on the raw basis."""


def bars_source(s: Session, closes: pd.DataFrame, *symbols: str) -> str:
    """Source files of the symbols' closes as read (raw-close files only for raw reads).

    ``closes.attrs["basis"]`` (from :meth:`Session.closes`) says which basis each symbol
    was read on; the raw files of ``prices/raw/`` are named only when it is ``raw``.
    """
    bases = dict(closes.attrs.get("basis", {}))
    parts: list[str] = []
    for sym in symbols:
        for part in s.source(sym).split("; "):
            if part.startswith(RAW_PREFIX) and bases.get(sym) != "raw":
                continue
            if part not in parts:
                parts.append(part)
    return "; ".join(parts) or "store"


def day(value: object) -> str:
    """Return ``value`` as ISO text (``"n/a"`` when missing)."""
    return iso(value) or "n/a"


def span(first: object, last: object) -> str:
    """Return the window ``first..last`` as ISO text."""
    return f"{day(first)}..{day(last)}"


def after_data_note(requested: pd.Timestamp | None, last: object) -> str | None:
    """Say that the request is after the data's last date, and which date the answer uses.

    Only when the gap is longer than the staleness rule allows daily data
    (:mod:`capsize.rules.staleness`): a weekend or a holiday needs no note.

    Examples
    --------
    >>> after_data_note(pd.Timestamp("2099-01-01"), "2026-08-21")
    'as-of 2099-01-01 is after the latest data (2026-08-21); figures are as of 2026-08-21'
    >>> after_data_note(pd.Timestamp("2026-08-23"), "2026-08-21") is None
    True
    """
    if requested is None or last is None:
        return None
    end = pd.Timestamp(str(last)).normalize()
    if not freshness(end, requested, "daily").stale:
        return None
    return (
        f"as-of {requested:%Y-%m-%d} is after the latest data ({end:%Y-%m-%d}); "
        f"figures are as of {end:%Y-%m-%d}"
    )
