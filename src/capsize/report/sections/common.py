"""Small formatters shared by the report's section modules."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from capsize._format import fmt_date, fmt_large, fmt_money
from capsize.report._inputs import num

if TYPE_CHECKING:
    from collections.abc import Callable


Fmt: TypeAlias = "Callable[[float | int | None], str]"


def day_text(ts: object) -> str:
    """Format a date as ISO text ("n/a (no date)" when missing)."""
    return fmt_date(ts, reason="no date")


def count_fmt(reason: str):  # type: ignore[no-untyped-def]
    """Make a formatter for whole counts."""
    return num(reason, 0)


def money_fmt(reason: str):  # type: ignore[no-untyped-def]
    """Make a formatter for compact dollar amounts."""
    return lambda v: fmt_money(v, compact=True, reason=reason)


def shares_fmt(reason: str):  # type: ignore[no-untyped-def]
    """Make a formatter for large share counts."""
    return lambda v: fmt_large(v, reason=reason)


def as_int(v: object) -> int:
    """Return ``v`` as an int."""
    out: int = int(v)  # type: ignore[call-overload]
    return out


def finite(v: object) -> float | None:
    """Return ``v`` as a finite float, or None."""
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None
