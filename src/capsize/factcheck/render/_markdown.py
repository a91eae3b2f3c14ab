"""Markdown output: the article with a footnote per claim, the summary table, the sources."""

from __future__ import annotations

import re
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


_BLOCK = re.compile(r"^\s{0,3}(?:#{1,6}\s+|[-*+]\s+|\d{1,3}[.)]\s+|>\s?)")
_ITEM = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s")
_KEY_NOISE = re.compile(r"\[\^\d+\]|[^\w]+")


def _key(line: str) -> str:
    return _KEY_NOISE.sub("", line).lower()[:16]


def _block_prefixes(lines: list[str], markup: str) -> list[str]:
    """Return the Markdown block marker ("# ", "- ", "1. ", "> ") of each line, from ``markup``.

    Lines are matched to the source's lines in order by their first letters; a line not
    found gets no marker.
    """
    source = [
        (m.group(0).strip() + " " if (m := _BLOCK.match(ln)) else "", ln)
        for ln in markup.splitlines()
    ]
    out, at = [], 0
    for line in lines:
        key, prefix = _key(line), ""
        for j in range(at, len(source)) if key else ():
            marker, raw = source[j]
            if _key(raw[len(marker) :] if marker else raw).startswith(key[:12]):
                prefix, at = marker, j + 1
                break
        out.append(prefix)
    return out


def _annotated(article: CheckedArticle) -> str:
    """Return the article with each claim in bold and its footnote, one block per line.

    Each line of the article is a paragraph of its own (a viewer would otherwise merge
    consecutive lines); list items stay together; headings, bullets and quotes of a
    Markdown article are kept.
    """
    runs = []
    for run, n in segments(article.text, article.verdicts):
        if n is None:
            runs.append(run)
        else:
            mark = _MARKS[article.verdicts[n - 1].verdict]
            runs.append(f"**{' '.join(run.split())}**[^{n}] {mark}")
    lines = [ln.strip() for ln in "".join(runs).split("\n") if ln.strip()]
    prefixes = _block_prefixes(lines, article.markup) if article.markup else [""] * len(lines)
    out: list[str] = []
    for prefix, line in zip(prefixes, lines, strict=True):
        if out and not (_ITEM.match(prefix) and _ITEM.match(out[-1])):
            out.append("")
        if prefix.startswith("#"):  # under the report's "## Article"
            prefix = "#" * min(6, len(prefix.strip()) + 2) + " "
        out.append(prefix + line)
    return "\n".join(out)


def to_markdown(article: CheckedArticle) -> str:
    """Return the Markdown report: header, annotated text, summary table, footnotes."""
    body = _annotated(article)
    header = [
        "# Fact check",
        "",
        f"Source: {article.source or 'text'}. {summary_text(article)}.",
        "",
        "## Article",
        "",
        body,
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
