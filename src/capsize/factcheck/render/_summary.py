"""The summary table of a checked article (one row per claim), shared by every output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from capsize._format import NA
from capsize.factcheck._units import fmt_claimed, fmt_value

if TYPE_CHECKING:
    from capsize.factcheck._report import CheckedArticle
    from capsize.factcheck.claim import Verdict

__all__ = ["SUMMARY_COLUMNS", "claimed_text", "computed_text", "summary_rows", "summary_text"]

SUMMARY_COLUMNS = ("#", "Claim", "Kind", "Claimed", "Computed", "Verdict")


def claimed_text(v: Verdict) -> str:
    """Return the claimed value in words ("n/a (no figure stated)" for fact claims)."""
    c = v.claim.claimed
    return fmt_claimed(c) if c is not None else f"{NA} (no figure stated)"


def computed_text(v: Verdict) -> str:
    """Return the computed value in words, or n/a with the reason."""
    if v.computed is None:
        return f"{NA} ({v.verdict})" if v.verdict == "not checkable" else "see definition"
    unit = v.claim.claimed.unit if v.claim.claimed is not None else ""
    return fmt_value(v.computed, unit)


def _short(text: str, n: int = 70) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def summary_rows(article: CheckedArticle) -> list[tuple[str, ...]]:
    """One row per claim: number, claim (shortened), kind, claimed, computed, verdict."""
    return [
        (str(i), _short(v.claim.text), v.claim.kind, claimed_text(v), computed_text(v), v.verdict)
        for i, v in enumerate(article.verdicts, 1)
    ]


def summary_text(article: CheckedArticle) -> str:
    """Return a plain-text header line: counts per verdict, the date, the data's as-of and sources."""
    counts = ", ".join(f"{n} {name}" for name, n in article.counts().items())
    sources = ", ".join(article.data_sources) or NA
    return (
        f"{len(article.verdicts)} claims ({counts}); article date "
        f"{article.article_date.isoformat()}; data as of {article.data_as_of}; "
        f"sources: {sources}"
    )
