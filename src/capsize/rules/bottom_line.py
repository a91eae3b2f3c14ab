"""The report's bottom line: which one or two sentences reconcile the tape, the trend and the card.

Three readings are classified, each by one stated threshold (:data:`RULE`):

* **Year** (the trend of returns): small caps *lead* when IWM minus SPY year to date exceeds
  :data:`TIE` (0.1 percentage point), *trail* below minus :data:`TIE`, else are *level*.
  The month to date (the tape) is classified the same way.
* **Ratio** (relative strength): the IWM/SPY ratio against its 50- and 200-day averages:
  *up* above both, *down* below both, *pulling back* above the 200-day but below the
  50-day, *recovering* the other way round.
* **Card** (the rotation score, -2..+2): *small* from +0.5, *large* from -0.5, else
  *neutral*; *none* when no component is assessed.

The first sentence states the year and the month (a month going the other way is named
with "but"), then the ratio when it does not simply agree. The second sentence is chosen
from :data:`CARD_SENTENCES` by (year, card): agreeing, opposing or split signals, naming
the components that push the score (:data:`COMPONENT_WORDS`).

Examples
--------
>>> verdict(0.095), verdict(-0.0004), verdict(None)
('lead', 'level', None)
>>> card_lean(-0.5), card_lean(0.2), card_lean(None)
('large', 'neutral', 'none')
>>> ratio_trend(0.027, -0.008)
'pulling back'
>>> card_case("lead", "large")
'oppose'
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "CARD_LEAN",
    "CARD_SENTENCES",
    "COMPONENT_WORDS",
    "RATIO_WORDS",
    "RULE",
    "TIE",
    "Verdict",
    "card_case",
    "card_lean",
    "ratio_trend",
    "verdict",
]

Verdict = Literal["lead", "trail", "level"]

TIE = 0.001
"""Spreads within +/- 0.1 percentage point are level (fraction): the display resolution."""

CARD_LEAN = 0.5
"""|score| from which the card leans to one side (the rotation score's own 'leans' label)."""

RULE = (
    "Bottom line: small caps lead (trail) over a window when IWM minus SPY total return is "
    "more than a tenth of a percentage point above (below) zero, else they are level; the "
    "sentence states the year to date and the month to date, then the IWM/SPY ratio against "
    "its 50- and 200-day averages when it does not agree with the year (pulling back: above "
    "the 200-day, below the 50-day; recovering: the reverse). The rotation signals (the "
    "rating card) lean small caps from a score of plus one half, large caps from minus one "
    "half, and are split in between; the second sentence says whether they agree with the "
    "year's leader, oppose it or are split, and names the components behind each side."
)
"""The bottom-line rule in words, for the method section."""

RATIO_WORDS: dict[str, str] = {
    "up": "above its 50- and 200-day averages",
    "down": "below its 50- and 200-day averages",
    "pulling back": "above its 200-day average but below its 50-day",
    "recovering": "below its 200-day average but above its 50-day",
}
"""How each ratio trend is said."""

CARD_SENTENCES: dict[str, str] = {
    "agree": "The rotation signals agree",
    "oppose": "But the rotation signals lean {side} caps",
    "lean": "The rotation signals lean {side} caps",
    "split": "The rotation signals are split",
    "none": "No rotation signal has fresh data on the report day.",
}
"""Second sentence by case (see :func:`card_case`); the signals are the rating card's."""

COMPONENT_WORDS: dict[str, tuple[str, str]] = {
    "relative_strength": ("a rising trend", "a falling trend"),
    "breadth": ("broad breadth", "narrow breadth"),
    "rates_regime": ("falling yields", "rising yields"),
    "flows": ("fund inflows", "fund outflows"),
    "valuation": ("cheap small caps", "dear small caps"),
    "size_factor_regime": ("a strong size factor", "a weak size factor"),
}
"""Component -> (words when it favours small caps, words when it favours large caps)."""


def verdict(spread: float | None) -> Verdict | None:
    """Classify a small-minus-large spread (fraction): lead, trail or level; None if missing."""
    if spread is None:
        return None
    if spread > TIE:
        return "lead"
    return "trail" if spread < -TIE else "level"


def card_lean(score: float | None) -> str:
    """Classify the rotation score (-2..+2): small, large, neutral, or none (not assessed)."""
    if score is None:
        return "none"
    if score >= CARD_LEAN:
        return "small"
    return "large" if score <= -CARD_LEAN else "neutral"


def ratio_trend(vs200: float | None, vs50: float | None) -> str | None:
    """Classify the ratio against its averages (fractions); None when either is missing."""
    if vs200 is None or vs50 is None:
        return None
    if vs200 >= 0:
        return "up" if vs50 >= 0 else "pulling back"
    return "recovering" if vs50 >= 0 else "down"


def card_case(year: Verdict | None, lean: str) -> str:
    """Choose the second sentence: agree, oppose, lean (year level), split or none."""
    if lean == "none":
        return "none"
    if lean == "neutral":
        return "split"
    if year in (None, "level"):
        return "lean"
    agrees = (year == "lead") == (lean == "small")
    return "agree" if agrees else "oppose"
