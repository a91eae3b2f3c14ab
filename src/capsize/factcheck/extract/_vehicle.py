"""What a stated return is measured by: its basis and the fund named as its vehicle.

One clause can state two figures of one market on two definitions: "The Russell 2000
returned 11.3 % in 2025 on a price basis, or 12.7 % including dividends through IWM". Each
figure takes the words of its own stretch of the clause (:class:`Stretch`: from the figure
before it to the figure after it), the words after the figure first:

* **basis**: price-return words ("on a price basis", "excluding dividends", "share price")
  give ``"price"``; dividend words ("including dividends", "with dividends", "total
  return") give ``"total"``. A figure whose stretch has none takes the clause's, when the
  clause's words all agree.
* **vehicle**: a fund named with a vehicle word ("through IWM", "via IWM", "as measured by
  IWM", "(IWM)") in the figure's stretch replaces an index or segment subject the fund
  tracks: the figure is the fund's return (total return, unless price words say otherwise).
  A fund named for anything else ("while IWM took in $4 billion", "beating IWM") or one
  that tracks another market ("the S&P 500 ... through IWM") changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from capsize.factcheck.claim import Subject
from capsize.factcheck.extract._subjects import SubjectHit

__all__ = ["TRACKS", "Basis", "Stretch", "figure_basis", "stretches", "vehicle"]

Basis = Literal["price", "total"]

#: Fund -> the index or segment symbol it tracks, where that is not the fund itself.
TRACKS: dict[str, str] = {"IWM": "^RUT", "SPY": "^GSPC", "MDY": "IJH"}

_BASIS = re.compile(
    r"(?P<price>\bshare price\b|\bexcluding dividends\b|\bex-dividends?\b|"
    r"\bwithout dividends\b|\bprice return\b|\bin price terms\b|\bprice[- ]only\b|"
    r"\bon a price basis\b)"
    r"|(?P<total>\b(?:including|with|counting|plus) (?:reinvested )?dividends\b|"
    r"\bdividends? reinvested\b|\btotal[- ]return\b)",
    re.I,
)
_VEHICLE = re.compile(
    r"(?:\b(?:through|via|using|by way of|(?:as )?(?:measured|tracked) by)\s+(?:the\s+)?"
    r"|\(\s*)$",
    re.I,
)
_FUND_KINDS = frozenset({"etf"})
_REPLACED_KINDS = frozenset({"index", "segment"})


@dataclass(frozen=True)
class Stretch:
    """The words a figure owns in its clause: ``before`` and ``after`` as ``(start, end)``.

    ``before`` runs from the end of the previous figure (or the clause's start) to the
    figure; ``after`` from the figure to the start of the next one (or the clause's end).
    """

    before: tuple[int, int]
    after: tuple[int, int]


def stretches(spans: Sequence[tuple[int, int]], length: int) -> list[Stretch]:
    """Return the stretch of each figure, given the figures' ``(start, end)`` in order.

    Examples
    --------
    >>> [s.after for s in stretches([(4, 8), (20, 24)], 30)]
    [(8, 20), (24, 30)]
    """
    out = []
    for i, (start, end) in enumerate(spans):
        prev_end = spans[i - 1][1] if i else 0
        next_start = spans[i + 1][0] if i + 1 < len(spans) else length
        out.append(Stretch((prev_end, start), (end, next_start)))
    return out


def _basis_in(text: str, span: tuple[int, int], nearest_last: bool) -> Basis | None:
    found = list(_BASIS.finditer(text, *span))
    if not found:
        return None
    m = found[-1] if nearest_last else found[0]
    return "price" if m.group("price") else "total"


def figure_basis(text: str, stretch: Stretch) -> Basis | None:
    """Return the basis a figure is stated on (None when the words do not say).

    The words nearest after the figure win, then the nearest before it, then the clause's
    words when they all name one basis.

    Examples
    --------
    >>> text = "returned 11.3 % on a price basis, or 12.7 % including dividends"
    >>> [figure_basis(text, s) for s in stretches([(9, 15), (37, 43)], len(text))]
    ['price', 'total']
    """
    own = _basis_in(text, stretch.after, False) or _basis_in(text, stretch.before, True)
    if own is not None:
        return own
    named = {"price" if m.group("price") else "total" for m in _BASIS.finditer(text)}
    return "price" if named == {"price"} else "total" if named == {"total"} else None


def _market(symbol: str) -> str:
    return TRACKS.get(symbol, symbol)


def vehicle(
    text: str, hits: Sequence[SubjectHit], stretch: Stretch, subject: Subject
) -> Subject | None:
    """Return the fund named as the figure's vehicle, replacing ``subject`` (else None).

    The fund must be named with a vehicle word in the figure's stretch and track the
    market of ``subject`` (an index or a segment).

    Examples
    --------
    >>> from capsize.factcheck.extract._subjects import find_subjects
    >>> text = "The Russell 2000 returned 12.7 % in 2025 via IWM"
    >>> hits = find_subjects(text)
    >>> vehicle(text, hits, stretches([(26, 32)], len(text))[0], hits[0].subject).symbol
    'IWM'
    """
    if subject.kind not in _REPLACED_KINDS:
        return None
    for h in hits:
        fund = h.subject
        if fund.kind not in _FUND_KINDS or fund.symbol == subject.symbol:
            continue
        if _market(fund.symbol) != _market(subject.symbol):
            continue
        for lo, hi in (stretch.before, stretch.after):
            if lo <= h.start < hi and _VEHICLE.search(text, lo, h.start):
                return fund
    return None
