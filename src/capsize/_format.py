"""The one formatter for every number shown to people (CLI, report, web).

Missing values are shown as ``"n/a"`` (optionally with a reason), never as
``nan``, ``None``, ``inf`` or an empty string.
"""

from __future__ import annotations

import datetime as dt
import math
from numbers import Real

import pandas as pd

__all__ = [
    "NA",
    "PCT_WHOLE_FROM",
    "fmt_bp",
    "fmt_date",
    "fmt_large",
    "fmt_money",
    "fmt_num",
    "fmt_pct",
    "fmt_ratio",
    "is_missing",
]

NA = "n/a"


def is_missing(value: object) -> bool:
    """Return True for None, NaN, NaT and +/-inf."""
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, Real):
        return not math.isfinite(float(value))
    return False


def _na(reason: str | None) -> str:
    return f"{NA} ({reason})" if reason else NA


#: From this many percent on, a percentage is shown without decimals (``"+1,970,335%"``).
PCT_WHOLE_FROM = 1000.0


def fmt_pct(
    value: float | None, digits: int = 1, *, sign: bool = True, reason: str | None = None
) -> str:
    """Format a fraction as a percentage: ``0.0123`` -> ``"+1.2%"``.

    Large percentages read as a newsletter prints them: thousands separators, and no
    decimals once the value rounds to 1,000 % or more (``PCT_WHOLE_FROM``), where a tenth
    of a percent is noise. A century of compounding, ``19703.352``, reads
    ``"+1,970,335%"``, not ``"+1970335.2%"``. Percentages below 1,000 % are unchanged.
    Every percentage of the CLI, the report and the web goes through this function.

    Parameters
    ----------
    value : float or None
        A fraction (0.01 = 1%).
    digits : int
        Decimals below 1,000 %.
    sign : bool
        Show ``+`` for positive values.
    reason : str, optional
        Shown after ``n/a`` when the value is missing.

    Examples
    --------
    >>> fmt_pct(0.0123)
    '+1.2%'
    >>> fmt_pct(19703.352)
    '+1,970,335%'
    >>> fmt_pct(float("nan"), reason="no data")
    'n/a (no data)'
    """
    if is_missing(value):
        return _na(reason)
    v = float(value) * 100.0  # type: ignore[arg-type]
    if abs(round(v, digits)) >= PCT_WHOLE_FROM:
        digits = 0
    out = f"{v:+,.{digits}f}%" if sign else f"{v:,.{digits}f}%"
    return out.replace("-0.0%", "0.0%").replace("+0.0%", "0.0%") if digits == 1 else out


def fmt_bp(value: float | None, *, reason: str | None = None) -> str:
    """Format a fraction in basis points: ``0.0012`` -> ``"+12 bp"``."""
    if is_missing(value):
        return _na(reason)
    return f"{float(value) * 1e4:+.0f} bp"  # type: ignore[arg-type]


def fmt_num(
    value: float | None, digits: int = 2, *, sign: bool = False, reason: str | None = None
) -> str:
    """Format a plain number with thousands separators: ``1234.5`` -> ``"1,234.50"``."""
    if is_missing(value):
        return _na(reason)
    return f"{float(value):+,.{digits}f}" if sign else f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def fmt_ratio(value: float | None, digits: int = 2, *, reason: str | None = None) -> str:
    """Format a ratio with an ``x`` suffix: ``1.5`` -> ``"1.50x"``."""
    if is_missing(value):
        return _na(reason)
    return f"{float(value):.{digits}f}x"  # type: ignore[arg-type]


def fmt_large(value: float | None, digits: int = 1, *, reason: str | None = None) -> str:
    """Format a large count compactly: ``1.23e9`` -> ``"1.2B"``.

    Examples
    --------
    >>> fmt_large(1_234_000_000)
    '1.2B'
    >>> fmt_large(-5_600)
    '-5.6K'
    """
    if is_missing(value):
        return _na(reason)
    v = float(value)  # type: ignore[arg-type]
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(v) >= div:
            return f"{v / div:.{digits}f}{suffix}"
    return f"{v:.0f}"


def fmt_money(
    value: float | None, digits: int = 2, *, compact: bool = False, reason: str | None = None
) -> str:
    """Format US dollars: ``1234.5`` -> ``"$1,234.50"``; ``compact`` -> ``"$1.2K"``."""
    if is_missing(value):
        return _na(reason)
    v = float(value)  # type: ignore[arg-type]
    sign = "-" if v < 0 else ""
    body = fmt_large(abs(v)) if compact else f"{abs(v):,.{digits}f}"
    return f"{sign}${body}"


def fmt_date(value: object, *, reason: str | None = None) -> str:
    """Format a date as ISO ``YYYY-MM-DD``."""
    if value is None or value is pd.NaT:
        return _na(reason)
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    try:
        return pd.Timestamp(str(value)).strftime("%Y-%m-%d")
    except (ValueError, TypeError):
        return _na(reason)
