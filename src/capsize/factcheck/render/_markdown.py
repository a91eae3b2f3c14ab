"""Markdown output: the article with a footnote per claim, the summary table, the sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from capsize.factcheck.render._spans import segments
from capsize.factcheck.render._summary import (
    SUMMARY_COLUMNS,
    claimed_text,
    computed_text,
    summary_rows,
    summary_text,
)

if TYPE_CHECKING:
    from capsize.factcheck._report import CheckedArticle
    from capsize.factcheck.claim import Verdict

__all__ = ["to_markdown"]

_MARKS = {"supported": "✅", "close": "🟡", "contradicted": "❌", "not checkable": "⚪"}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _footnote(number: int, v: Verdict) -> list[str]:
    lines = [
        f"[^{number}]: **{v.verdict}** ({v.claim.kind}). Claimed {claimed_text(v)}; "
        f"computed {computed_text(v)}. {_cell(v.reason)}"
    ]
    if v.definition:
        lines.append(f"    Definition: {_cell(v.definition)}.")
    if v.tolerance:
        lines.append(f"    Tolerance: {v.tolerance}.")
    subjects = "; ".join(s.mapping or f"{s.phrase} -> {s.symbol}" for s in v.claim.subjects)
    if subjects:
        lines.append(f"    Subjects: {_cell(subjects)}.")
    for p in v.provenance:
        prov = p.get("provenance", {})
        value = p.get("value")
        shown = p.get("note") if value is None else value
        lines.append(
            f"    - `{p.get('id')}` = {shown} ({p.get('unit')}): {_cell(str(p.get('label')))}; "
            f"{_cell(str(prov.get('formula', '')))}; window {prov.get('window')}; "
            f"as of {prov.get('as_of')}; source {prov.get('source')}"
        )
    return lines


def to_markdown(article: CheckedArticle) -> str:
    """Return the Markdown report: header, annotated text, summary table, footnotes."""
    body = "".join(
        run if n is None else f"**{run}**[^{n}] {_MARKS[article.verdicts[n - 1].verdict]}"
        for run, n in segments(article.text, article.verdicts)
    )
    header = [
        "# Fact check",
        "",
        f"Source: {article.source or 'text'}. {summary_text(article)}.",
        "",
        "## Article",
        "",
        body.strip(),
        "",
        "## Summary",
        "",
        "| " + " | ".join(SUMMARY_COLUMNS) + " |",
        "|" + "---|" * len(SUMMARY_COLUMNS),
    ]
    rows = ["| " + " | ".join(_cell(c) for c in row) + " |" for row in summary_rows(article)]
    notes = ["", "## Computations", ""]
    for i, v in enumerate(article.verdicts, 1):
        notes += _footnote(i, v)
        notes.append("")
    return "\n".join(header + rows + notes).rstrip() + "\n"
