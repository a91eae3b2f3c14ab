"""Claimed and computed values in words, in the claim's unit (through the one formatter)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable

from capsize._format import NA, fmt_large, fmt_num
from capsize.factcheck.claim import Claimed

__all__ = ["EPOCH", "decimals_of", "fmt_claimed", "fmt_value"]

EPOCH = dt.date(1970, 1, 1)
"""Day zero of ``date`` values (days since 1970-01-01)."""


_LEVEL_LIMIT = 1e6
"""Dollar amounts below this are levels (prices), shown in full; larger ones as 1.2B."""
_NUMBER = re.compile(r"\d[\d,]*(?:\.(\d+))?")


def _fmt_usd(value: float, decimals: int | None = None) -> str:
    sign = "-" if value < 0 else ""
    if decimals is not None and abs(value) < _LEVEL_LIMIT:
        return f"{sign}${abs(value):,.{decimals}f}"
    return f"{sign}${fmt_large(abs(value), 2)}"


def decimals_of(claimed: Claimed | None) -> int | None:
    """Return the decimals a dollar figure is written with ("245.14" -> 2); None otherwise.

    Levels are shown with the claim's own precision ("$245.14", not "$245").
    """
    if claimed is None or claimed.unit != "usd":
        return None
    m = _NUMBER.search(claimed.text)
    return len(m.group(1) or "") if m else None


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


def fmt_value(value: float | None, unit: str, decimals: int | None = None) -> str:
    """Format ``value`` in ``unit`` (``"%"`` values are already in percent).

    ``decimals``: for dollar levels (below $1M), the digits after the point (see
    :func:`decimals_of`); larger dollar amounts are compact ("$20.00B").
    """
    if value is None or not math.isfinite(value):
        return NA
    if unit == "usd":
        return _fmt_usd(value, decimals)
    fmt = _FORMATS.get(unit)
    return fmt(value) if fmt is not None else fmt_num(value, 2)


def fmt_claimed(claimed: Claimed) -> str:
    """Return the claimed range in words (``7.95..8.05 %``, ``>= 10 %``)."""
    lo, hi, unit, d = claimed.low, claimed.high, claimed.unit, decimals_of(claimed)
    if d is not None and not claimed.hedge and hi - lo <= 10.0**-d * (1 + 1e-9):
        return fmt_value((lo + hi) / 2, unit, d)  # "245.14" (245.135..245.145) as written
    low, high = fmt_value(lo, unit, d), fmt_value(hi, unit, d)
    if low == high:
        return low
    if math.isinf(hi) and math.isfinite(lo):
        return f">= {low}"
    if math.isinf(lo) and math.isfinite(hi):
        return f"<= {high}"
    return f"{low} .. {high}"
