"""Subjects and windows a checker needs, and the proxies that give another definition."""

from __future__ import annotations

import pandas as pd

from capsize.factcheck.check._context import CheckContext, NotCheckable
from capsize.factcheck.claim import Claim, Subject

__all__ = ["COUNTERPARTS", "counterpart", "need_start", "subject", "subjects"]

COUNTERPARTS: dict[str, tuple[str, str]] = {
    "IWM": ("^RUT", "the Russell 2000 index (^RUT) instead of its ETF IWM"),
    "^RUT": ("IWM", "the Russell 2000 ETF (IWM, total return) instead of the index"),
    "SPY": ("^GSPC", "the S&P 500 index (^GSPC) instead of its ETF SPY"),
    "^GSPC": ("SPY", "the S&P 500 ETF (SPY, total return) instead of the index"),
    "QQQ": ("^IXIC", "the Nasdaq Composite (^IXIC) instead of the Nasdaq-100 ETF QQQ"),
    "^IXIC": ("QQQ", "the Nasdaq-100 ETF (QQQ) instead of the Nasdaq Composite"),
    "IJH": ("MDY", "the S&P 400 ETF MDY instead of IJH"),
    "MDY": ("IJH", "the S&P 400 ETF IJH instead of MDY"),
}
"""Symbol -> (the other common proxy of the same market, how the definition reads)."""


def counterpart(symbol: str) -> tuple[str, str] | None:
    """Return the index/ETF counterpart of ``symbol`` and its wording (None when none)."""
    return COUNTERPARTS.get(symbol.upper())


def subject(claim: Claim) -> Subject:
    """Return the claim's (first) subject.

    Raises
    ------
    NotCheckable
        When the claim names none that maps to a symbol.
    """
    if not claim.subjects or not claim.subjects[0].symbol:
        raise NotCheckable("the claim names no subject capsize can map to a symbol")
    return claim.subjects[0]


def subjects(claim: Claim) -> tuple[Subject, Subject]:
    """Return the two subjects of a relative claim.

    Raises
    ------
    NotCheckable
        When the claim does not name two subjects with symbols.
    """
    both = [s for s in claim.subjects if s.symbol]
    if len(both) < 2:
        raise NotCheckable("a relative claim needs two subjects; the second was not identified")
    return both[0], both[1]


def need_start(ctx: CheckContext, claim: Claim) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the claim's window ``(start, end)``.

    Raises
    ------
    NotCheckable
        When the claim states no time frame (a change needs one; capsize does not guess it).
    """
    start = ctx.start_of(claim)
    if start is None:
        raise NotCheckable(
            "the claim states no time frame for the change; capsize does not guess one"
        )
    end = ctx.end_of(claim)
    if start > end:
        raise NotCheckable(f"the window starts {start:%Y-%m-%d}, after the article's date")
    return start, end
