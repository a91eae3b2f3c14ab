"""Source files behind the size family's answers, named point in time through the session."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from capsize.queries.session import Session

__all__ = ["factor_source", "join_sources", "macro_source", "price_source", "split_sources"]


def split_sources(text: str) -> list[str]:
    """Split a ``"; "``-joined source text into its parts (``"store"`` and blanks dropped)."""
    return [p for p in text.split("; ") if p and p != "store"]


def join_sources(*texts: str) -> str:
    """Join source texts without repeats, in order (``"store"`` when nothing is known)."""
    out: list[str] = []
    for text in texts:
        out += [p for p in split_sources(text) if p not in out]
    return "; ".join(out) or "store"


def factor_source(s: Session, dataset: str, frequency: str) -> str:
    """Files of a Ken French dataset, only those of ``frequency`` when the names say so."""
    parts = split_sources(s.source(dataset, dataset="factors"))
    mine = [p for p in parts if frequency in p]
    return "; ".join(mine or parts) or "store"


def price_source(s: Session, *symbols: str) -> str:
    """Files of the symbols' adjusted closes (raw-close files are not used, so not named)."""
    parts = split_sources(s.source(*symbols, dataset="bars"))
    return "; ".join(p for p in parts if not p.startswith("prices/raw/")) or "store"


def macro_source(s: Session, series: str) -> str:
    """Files of a FRED series."""
    return join_sources(s.source(series, dataset="macro"))
