"""Cut an article's text into plain runs and claim runs (non-overlapping, in order)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from capsize.factcheck.claim import Verdict

__all__ = ["segments"]


def segments(text: str, verdicts: Sequence[Verdict]) -> Iterator[tuple[str, int | None]]:
    """Yield ``(text, claim number)`` runs; the number (1-based) is None for plain text.

    A claim whose span overlaps an earlier one, or falls outside the text, is not
    highlighted (it still appears in the summary and the notes).
    """
    order = sorted(
        (v.claim.span[0], v.claim.span[1], i)
        for i, v in enumerate(verdicts, 1)
        if 0 <= v.claim.span[0] < v.claim.span[1] <= len(text)
    )
    pos = 0
    for start, end, number in order:
        if start < pos:
            continue
        if start > pos:
            yield text[pos:start], None
        yield text[start:end], number
        pos = end
    if pos < len(text):
        yield text[pos:], None
