"""The checked article: its text, date, verdicts, and the data's as-of date and sources."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from capsize.factcheck.claim import Verdict

__all__ = ["VERDICT_ORDER", "CheckedArticle"]

VERDICT_ORDER = ("supported", "close", "contradicted", "not checkable")
"""Verdict names in the order summaries list them."""


@dataclass(frozen=True)
class CheckedArticle:
    """An article with a verdict for each claim found in it.

    Attributes
    ----------
    text : str
        The article's text (claim spans index into it).
    article_date : datetime.date
        The date the claims were checked at (no data after it were read).
    verdicts : tuple of Verdict
        One per claim, in the article's order.
    source : str
        Where the text came from (a file name, ``"-"`` for standard input).
    date_origin : str
        ``"--date"`` or ``"article"``: where the date came from.
    markup : str
        The article's Markdown source when it was Markdown ("" otherwise): the annotated
        Markdown copy keeps its headings, bullets and quotes.
    """

    text: str
    article_date: dt.date
    verdicts: tuple[Verdict, ...]
    source: str = ""
    date_origin: str = "--date"
    markup: str = ""

    def _provenances(self) -> list[dict[str, Any]]:
        """Return the provenance blocks of every figure used (``Figure.to_dict()["provenance"]``)."""
        return [dict(p.get("provenance") or {}) for v in self.verdicts for p in v.provenance]

    @property
    def data_as_of(self) -> str:
        """Latest as-of date of any figure used ("n/a" when none was)."""
        days = [str(p["as_of"]) for p in self._provenances() if p.get("as_of")]
        return max(days) if days else "n/a"

    @property
    def data_sources(self) -> tuple[str, ...]:
        """Every data file behind a figure, once, sorted."""
        files = {part for p in self._provenances() for part in str(p.get("source", "")).split("; ")}
        files.discard("")
        return tuple(sorted(files))

    def counts(self) -> dict[str, int]:
        """Count the claims per verdict (every verdict name present, zero included)."""
        seen: Counter[str] = Counter(str(v.verdict) for v in self.verdicts)
        return {name: seen.get(name, 0) for name in VERDICT_ORDER}

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form: ``{"article_date", "claims": [...]}`` (see ``render``)."""
        from capsize.factcheck.render import to_json_dict

        return to_json_dict(self)
