"""Cap bands: the size band of a market cap, from the configured segments, used everywhere.

The rule (:data:`RULE` for the default segments, :func:`rule_text` for configured ones): a
company's band is the key of the segment whose band ``[min_cap, max_cap)`` (USD) holds its
market cap. The segments are those of :mod:`capsize.segments`, overridden by ``[segments]``
in ``config.toml`` (the query layer passes the configured set in). Default bands:

========  ======================
band      market cap (USD)
========  ======================
nano      under $50M (below the lowest band, micro)
micro     $50M to $300M
small     $300M to $2B
mid       $2B to $10B
large     $10B to $200B
mega      $200B and above
========  ======================

Below the lowest band a company is :data:`BELOW` (``"nano"``: below the micro band). A
missing, NaN or non-positive market cap has no band (None), and so has a cap in a gap
between two configured bands or above a finite highest band.

Examples
--------
>>> cap_band(10e6), cap_band(120e6), cap_band(5e9), cap_band(float("nan"))
('nano', 'micro', 'mid', None)
>>> band_label("nano")
'nano (below the micro band, under $50M)'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from capsize.segments import SegmentSet

__all__ = ["BELOW", "RULE", "band_label", "cap_band", "rule_text"]

BELOW = "nano"
"""Band of a market cap below the lowest configured band."""

RULE = (
    "Cap band = the configured segment whose band [min, max) holds the market cap: "
    "micro $50M-$300M, small $300M-$2B, mid $2B-$10B, large $10B-$200B, mega $200B+; "
    "below the micro band (under $50M) a company is nano."
)
"""The rule in one sentence for the default segments (see :func:`rule_text`)."""


def _segments(segments: SegmentSet | None) -> SegmentSet:
    if segments is not None:
        return segments
    from capsize.segments import DEFAULT_SEGMENTS

    return DEFAULT_SEGMENTS


def cap_band(market_cap: float | None, segments: SegmentSet | None = None) -> str | None:
    """Return the band of a market cap in USD.

    Parameters
    ----------
    market_cap : float or None
        Market capitalisation, USD.
    segments : SegmentSet, optional
        The configured segments (default: :data:`capsize.segments.DEFAULT_SEGMENTS`).

    Returns
    -------
    str or None
        A segment key, :data:`BELOW` under the lowest band, or None when the cap is
        missing, not positive, or falls outside every band above the lowest one.
    """
    if market_cap is None or isinstance(market_cap, bool):
        return None
    mc = float(market_cap)
    if not math.isfinite(mc) or mc <= 0:
        return None
    segs = _segments(segments)
    if not len(segs):
        return None
    if mc < segs.segments[0].min_cap:
        return BELOW
    hit = next((s for s in segs if s.contains(mc)), None)
    return None if hit is None else hit.key


def band_label(band: str | None, segments: SegmentSet | None = None) -> str:
    """Return a band with its bounds, e.g. ``"micro ($50M-$300M)"``.

    Examples
    --------
    >>> band_label("mega"), band_label(None)
    ('mega ($200B+)', 'n/a (no market cap)')
    """
    if band is None:
        return "n/a (no market cap)"
    segs = _segments(segments)
    if band == BELOW and BELOW not in segs.keys and len(segs):
        lowest = segs.segments[0]
        return f"{BELOW} (below the {lowest.key} band, under {_bound(lowest.min_cap)})"
    seg = next((s for s in segs if s.key == band), None)
    return band if seg is None else f"{band} ({seg.band_label()})"


def _bound(usd: float) -> str:
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if usd >= div:
            return f"${usd / div:g}{suffix}"
    return f"${usd:g}"


def rule_text(segments: SegmentSet | None = None) -> str:
    """Return the rule in one sentence for ``segments`` (equals :data:`RULE` for the defaults).

    Examples
    --------
    >>> rule_text() == RULE
    True
    """
    segs = _segments(segments)
    bands = ", ".join(f"{s.key} {s.band_label()}" for s in segs)
    text = f"Cap band = the configured segment whose band [min, max) holds the market cap: {bands}"
    if len(segs) and BELOW not in segs.keys:
        lowest = segs.segments[0]
        text += (
            f"; below the {lowest.key} band (under {_bound(lowest.min_cap)}) a company is {BELOW}"
        )
    return text + "."
