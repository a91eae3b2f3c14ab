"""Strict parsing of the text cells of a data file: ISO dates and plain decimal numbers.

Every cell becomes either a value or a stated reason. Nothing is guessed: a date that is
not ``YYYY-MM-DD`` (``02/01/2024`` could be 2 January or 1 February) is refused, and so
is a number written with ``_`` digit groups (``1_000``), which Python and DuckDB would
silently read as 1000.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd

__all__ = [
    "MISSING_TOKENS",
    "NUMBER_PATTERN",
    "parse_iso_dates",
    "parse_numbers",
    "plain_text",
]

_ISO: Final = r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?\s*$"
NUMBER_PATTERN: Final[str] = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
"""A plain decimal number (no digit-group separators, no hex, no words)."""
_NUMBER: Final = re.compile(rf"^\s*{NUMBER_PATTERN}\s*$")
_THOUSANDS: Final = re.compile(r"^\s*[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?\s*$")
MISSING_TOKENS: Final[frozenset[str]] = frozenset({"", "."})
"""Cells read as a missing value: empty, and FRED's ``.``."""
_YEAR_MIN: Final = 1678  # pandas' datetime64[ns] holds 1677-09-22 .. 2262-04-11
_YEAR_MAX: Final = 2261


def plain_text(value: object, limit: int = 60) -> str:
    """Return ``value`` as a short, single-line ``repr`` for a reason text (markup-safe)."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return repr(text)


def parse_iso_dates(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ISO dates strictly.

    Parameters
    ----------
    text : Series of str
        Date cells (``YYYY-MM-DD``, optionally followed by a midnight time).

    Returns
    -------
    dates : Series of datetime64[ns]
        NaT where the cell is refused.
    reasons : Series of object
        ``None`` where the date parsed, else why it was refused (missing, not ISO,
        ambiguous day/month order, not a calendar day, year outside 1678..2261).
    """
    cells = text.astype("string").fillna("")
    parts = cells.str.extract(_ISO)
    year = pd.to_numeric(parts[0], errors="coerce")
    in_range = year.between(_YEAR_MIN, _YEAR_MAX)
    iso = parts[0] + "-" + parts[1] + "-" + parts[2]
    dates = pd.to_datetime(iso.where(in_range), format="%Y-%m-%d", errors="coerce")
    reasons = pd.Series(None, index=text.index, dtype="object")
    blank = cells.str.strip().eq("")
    slashed = cells.str.match(r"^\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}\s*$")
    rules = [
        (blank, "missing date"),
        (
            ~blank & slashed,
            "ambiguous date {}: day-first or month-first cannot be told apart; write YYYY-MM-DD",
        ),
        (~blank & ~slashed & year.isna(), "unparseable date {}: write YYYY-MM-DD"),
        (year.notna() & ~in_range, "implausible date {}: year outside 1678..2261"),
        (in_range & dates.isna(), "unparseable date {}: not a calendar day"),
    ]
    for mask, template in rules:
        todo = mask.fillna(False).to_numpy(dtype=bool) & reasons.isna().to_numpy()
        if todo.any():
            reasons[todo] = [template.format(plain_text(v)) for v in cells[todo]]
    return dates.astype("datetime64[ns]"), reasons


def parse_numbers(
    text: pd.Series, column: str, *, thousands: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Parse plain decimal numbers strictly.

    Parameters
    ----------
    text : Series of str
        Number cells. Empty cells and ``.`` (FRED's missing marker) are missing values.
    column : str
        Column name used in the reasons.
    thousands : bool
        Also accept ``,`` thousands groups (``1,234,000``), as share-count files write them.

    Returns
    -------
    values : Series of float64
        NaN where missing or refused.
    reasons : Series of object
        ``None`` where the cell is a number or missing, else why it was refused
        (``1_000``, ``1.2.3``, ``inf``, ``nan``, words).
    """
    cells = text.astype("string").fillna("").str.strip()
    missing = cells.isin(MISSING_TOKENS)
    grouped = cells.str.match(_THOUSANDS) if thousands else pd.Series(False, index=cells.index)
    clean = cells.where(~grouped, cells.str.replace(",", "", regex=False))
    ok = clean.str.match(_NUMBER) | missing
    values = pd.to_numeric(clean.where(ok & ~missing), errors="coerce").astype("float64")
    reasons = pd.Series(None, index=text.index, dtype="object")
    bad = ~ok.to_numpy(dtype=bool)
    if bad.any():
        reasons[bad] = [
            f"unparseable {column} {plain_text(v)}: not a plain number" for v in cells[bad]
        ]
    overflow = np.isinf(values.to_numpy()) & ~bad
    if overflow.any():
        reasons[overflow] = [f"{column} {plain_text(v)} is not finite" for v in cells[overflow]]
        values[overflow] = np.nan
    return values, reasons
