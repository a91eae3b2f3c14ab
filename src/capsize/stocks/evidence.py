"""Evidence records shared by risk flags, the screener and rating cards."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

__all__ = ["NOT_ASSESSED", "Evidence", "short_reason"]

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


_SEC_CACHE = re.compile(
    r"(?P<what>[^;()]*?)\s*(?:is\s+)?not in the offline SEC cache\b.*", re.IGNORECASE | re.DOTALL
)
_PAREN_PATH = re.compile(r"\s*\((?:[A-Za-z]:\\|/|~|\.{1,2}/)[^()]*\)")


def short_reason(text: str, limit: int = 100) -> str:
    """Shorten a reason for display without ever cutting inside a path.

    The SEC client's offline-cache message (which names the cache file) becomes
    ``"<what> not in the offline SEC cache; set CAPSIZE_SEC_USER_AGENT or
    --sec-dir"``; other parenthesised paths are dropped; a text still longer
    than ``limit`` characters is cut at a word boundary and ends with ``…``.

    Parameters
    ----------
    text : str
        The full reason (kept unshortened in JSON output).
    limit : int
        Maximum length in characters, at least 20.

    Returns
    -------
    str

    Examples
    --------
    >>> short_reason("ticker map is not in the offline SEC cache (/h/cache/sec/www.sec.gov__x.json);"
    ...              " set CAPSIZE_SEC_USER_AGENT and run without offline mode to fetch it")
    'ticker map not in the offline SEC cache; set CAPSIZE_SEC_USER_AGENT or --sec-dir'
    >>> short_reason("no prices for ZZZZ in the store")
    'no prices for ZZZZ in the store'
    """
    limit = max(int(limit), 20)
    text = " ".join(str(text).split())
    m = _SEC_CACHE.fullmatch(text)
    if m is not None:
        what = m.group("what").strip()
        text = (f"{what} " if what else "") + (
            "not in the offline SEC cache; set CAPSIZE_SEC_USER_AGENT or --sec-dir"
        )
    text = _PAREN_PATH.sub("", text)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    size = 0
    for word in text.split(" "):
        if size + len(word) + (1 if kept else 0) > limit - 1:
            break
        size += len(word) + (1 if kept else 0)
        kept.append(word)
    if not kept and "/" not in text.split(" ")[0]:
        kept = [text[: limit - 1]]  # one long word that is not a path
    return " ".join(kept).rstrip(" ;,:(") + "…"
