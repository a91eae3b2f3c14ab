"""Evidence records shared by risk flags, the screener and rating cards."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["NOT_ASSESSED", "Evidence"]

NOT_ASSESSED = "NOT ASSESSED"
"""Shown wherever the evidence needed for a field is missing."""


@dataclass(frozen=True)
class Evidence:
    """One dated fact that supports a flag or a card field.

    Attributes
    ----------
    what : str
        What the fact is (``"TTM net income"``, ``"8-K 3.03+5.03"``).
    value : str
        The formatted value (through :mod:`capsize._format`).
    date : Timestamp or None
        Date of the fact (filing date, price date, period end).
    source : str
        Where it came from (``"SEC 10-Q 0001835632-26-000019"``, ``"store bars IWM"``).
    """

    what: str
    value: str
    date: pd.Timestamp | None
    source: str

    def to_dict(self) -> dict[str, str | None]:
        """Return a JSON-friendly dict."""
        return {
            "what": self.what,
            "value": self.value,
            "date": None if self.date is None else pd.Timestamp(self.date).strftime("%Y-%m-%d"),
            "source": self.source,
        }

    def __str__(self) -> str:
        d = "undated" if self.date is None else pd.Timestamp(self.date).strftime("%Y-%m-%d")
        return f"{self.what}: {self.value} ({d}; {self.source})"
