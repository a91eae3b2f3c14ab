"""Small formatters shared by the report's section modules."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from capsize._format import fmt_date, fmt_large, fmt_money
from capsize.report._inputs import num

if TYPE_CHECKING:
    from collections.abc import Callable


Fmt: TypeAlias = "Callable[[float | int | None], str]"


def _d(ts: object) -> str:
    return fmt_date(ts, reason="no date")


def _count(reason: str):  # type: ignore[no-untyped-def]
    return num(reason, 0)


def _money(reason: str):  # type: ignore[no-untyped-def]
    return lambda v: fmt_money(v, compact=True, reason=reason)


def _shares(reason: str):  # type: ignore[no-untyped-def]
    return lambda v: fmt_large(v, reason=reason)


def _int(v: object) -> int:
    out: int = int(v)  # type: ignore[call-overload]
    return out


def _fin(v: object) -> float | None:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None
