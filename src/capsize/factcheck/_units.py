"""Claimed and computed values in words, in the claim's unit (through the one formatter)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from capsize._format import NA, fmt_large, fmt_num
from capsize.factcheck.claim import Claimed

__all__ = ["EPOCH", "fmt_claimed", "fmt_value"]

EPOCH = dt.date(1970, 1, 1)
"""Day zero of ``date`` values (days since 1970-01-01)."""


def _fmt_usd(value: float) -> str:
    return f"{'-' if value < 0 else ''}${fmt_large(abs(value), 2)}"


def _fmt_day(value: float) -> str:
    return (EPOCH + dt.timedelta(days=round(value))).isoformat()


_FORMATS: dict[str, Callable[[float], str]] = {
    "%": lambda v: f"{v:+.2f} %",
    "pp": lambda v: f"{v:+.2f} pp",
    "x": lambda v: f"{v:.2f}x",
    "usd": _fmt_usd,
    "bp": lambda v: f"{v:+.0f} bp",
    "count": lambda v: f"{v:.0f}",
    "date": _fmt_day,
}


def fmt_value(value: float | None, unit: str) -> str:
    """Format ``value`` in ``unit`` (``"%"`` values are already in percent)."""
    if value is None or not math.isfinite(value):
        return NA
    fmt = _FORMATS.get(unit)
    return fmt(value) if fmt is not None else fmt_num(value, 2)


def fmt_claimed(claimed: Claimed) -> str:
    """Return the claimed range in words (``7.95..8.05 %``, ``>= 10 %``)."""
    lo, hi, unit = claimed.low, claimed.high, claimed.unit
    if lo == hi:
        return fmt_value(lo, unit)
    if math.isinf(hi) and math.isfinite(lo):
        return f">= {fmt_value(lo, unit)}"
    if math.isinf(lo) and math.isfinite(hi):
        return f"<= {fmt_value(hi, unit)}"
    return f"{fmt_value(lo, unit)} .. {fmt_value(hi, unit)}"
