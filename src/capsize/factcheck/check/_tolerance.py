"""Stated tolerances, and the verdict a computed value earns against a claimed range.

One band per unit (and a tighter one for rate levels): a value inside the claimed range
widened by the *supported* tolerance is supported; inside the range widened by the
*close* band, or supported under another common definition, it is close; otherwise the
claim is contradicted. The tolerances are stated in every verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from capsize.factcheck.claim import Claimed, VerdictName

__all__ = ["BANDS", "RATE_BAND", "Band", "band_for", "judge_value", "within"]


@dataclass(frozen=True)
class Band:
    """Tolerances of one unit: absolute plus relative to the claimed magnitude.

    Attributes
    ----------
    supported_abs, supported_rel : float
        Widening of the claimed range for "supported" (unit; fraction of the magnitude).
    close_abs, close_rel : float
        Widening for "close".
    words : str
        How the tolerance reads for the reader (the claimed range carries its precision).
    """

    supported_abs: float
    supported_rel: float
    close_abs: float
    close_rel: float
    words: str

    def widening(self, claimed: Claimed, close: bool) -> float:
        """Return how far the claimed range is widened, in the claim's unit."""
        ends = [abs(x) for x in (claimed.low, claimed.high) if math.isfinite(x)]
        size = max(ends) if ends else 0.0
        if close:
            return self.close_abs + self.close_rel * size
        return self.supported_abs + self.supported_rel * size


BANDS: dict[str, Band] = {
    "%": Band(0.25, 0.0, 0.5, 0.05, "±0.25 pp (close: ±0.5 pp + 5 % of the figure)"),
    "pp": Band(0.25, 0.0, 0.5, 0.05, "±0.25 pp (close: ±0.5 pp + 5 % of the figure)"),
    "x": Band(0.05, 0.05, 0.05, 0.10, "±0.05 + 5 % of the ratio (close: ±0.05 + 10 %)"),
    "points": Band(0.0, 0.0025, 0.0, 0.015, "±0.25 % of the level (close: ±1.5 %)"),
    "usd": Band(0.0, 0.05, 0.0, 0.20, "±5 % of the amount (close: ±20 %)"),
    "bp": Band(3.0, 0.0, 5.0, 0.0, "±3 bp (close: ±5 bp)"),
    "count": Band(0.0, 0.0, 1.0, 0.0, "exact (close: off by one)"),
    "date": Band(0.0, 0.0, 7.0, 0.0, "the same day (close: within 7 days)"),
}
"""Tolerance by claimed unit."""

RATE_BAND = Band(0.05, 0.0, 0.25, 0.0, "±0.05 pp (close: ±0.25 pp)")
"""Tolerance of a rate level stated in percent (a yield of 4.2 %)."""


_LEVEL_KINDS = frozenset({"level", "record_high"})


def band_for(claimed: Claimed, kind: str) -> Band:
    """Return the band for a claimed value of ``kind``."""
    if kind == "rate_level" and claimed.unit == "%":
        return RATE_BAND
    if kind in _LEVEL_KINDS and claimed.unit == "usd":
        return BANDS["points"]  # a share price is a level, not an amount of money
    return BANDS[claimed.unit]


def within(value: float, claimed: Claimed, band: Band, *, close: bool = False) -> bool:
    """Return True when ``value`` is inside the claimed range widened by the band."""
    pad = band.widening(claimed, close)
    return claimed.low - pad - 1e-9 <= value <= claimed.high + pad + 1e-9


def judge_value(
    value: float, alternatives: list[float], claimed: Claimed, band: Band
) -> tuple[VerdictName, int | None]:
    """Return the verdict of ``value`` and, for "close" by another definition, its index.

    Supported when ``value`` is within the supported band; close when an alternative is
    (the index says which) or ``value`` is within the close band; else contradicted.
    """
    if within(value, claimed, band):
        return "supported", None
    for i, alt in enumerate(alternatives):
        if within(alt, claimed, band):
            return "close", i
    if within(value, claimed, band, close=True):
        return "close", None
    return "contradicted", None
