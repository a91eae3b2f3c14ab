"""The summary table of a checked article (one row per claim), shared by every output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from capsize._format import NA
from capsize.factcheck._units import decimals_of, fmt_claimed, fmt_value

if TYPE_CHECKING:
    from capsize.factcheck._report import CheckedArticle
    from capsize.factcheck.claim import Verdict

__all__ = [
    "SUMMARY_COLUMNS",
    "claimed_text",
    "computed_text",
    "spread_convention",
    "summary_rows",
    "summary_text",
]

SUMMARY_COLUMNS = ("#", "Claim", "Kind", "Claimed", "Computed", "Verdict")


def claimed_text(v: Verdict) -> str:
    """Return the claimed value in words, with the range accepted as supported beside it.

    "n/a (no figure stated)" for fact claims.
    """
    c = v.claim.claimed
    if c is None:
        return f"{NA} (no figure stated)"
    shown = fmt_claimed(c) + spread_convention(v)
    if v.accepted and v.accepted != fmt_claimed(c):
        return f"{shown} (supported within {v.accepted})"
    return shown


def spread_convention(v: Verdict, *, computed: bool = False) -> str:
    """Return how a relative claim's figures read (" (SPY − IWM)"), "" for other claims.

    Claimed and computed spreads are both the first subject (the one said to lead) less
    the second, so "underperformed by 10 pp" and a computed -18.47 pp read alike. The
    symbols are those computed (``Verdict.label``: "the S&P 500" may be measured through
    SPY); ``computed`` adds the return's basis (" (SPY − IWM, total return)").
    """
    c = v.claim
    if c.kind != "relative_return" or len(c.subjects) < 2 or c.claimed is None:
        return ""
    if v.label:
        return f" ({v.label})" if computed else f" ({v.label.split(',')[0]})"
    a, b = c.subjects[0].symbol, c.subjects[1].symbol
    return f" ({a} / {b})" if c.claimed.unit == "x" else f" ({a} − {b})"


def computed_text(v: Verdict) -> str:
    """Return the computed value in words, or n/a with the reason."""
    if v.computed is None:
        return f"{NA} ({v.verdict})" if v.verdict == "not checkable" else "see definition"
    c = v.claim.claimed
    unit = c.unit if c is not None else ""
    return fmt_value(v.computed, unit, decimals_of(c)) + spread_convention(v, computed=True)


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
