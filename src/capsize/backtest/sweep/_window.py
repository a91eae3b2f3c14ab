"""Shared preparation of sweep inputs: the statistics window, day numbers, rf."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.backtest._inputs import day_numbers
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import DateLike, FloatArray

__all__ = ["as_list", "column", "stats_window"]


def stats_window(
    index: pd.DatetimeIndex, start: DateLike | None, end: DateLike | None
) -> tuple[int, int, np.ndarray]:
    """Return ``(t0, t1, days)``: statistics cover rows ``t0 .. t1 - 1``.

    Positions always evolve from the first row, so a window starting later keeps the
    history it needs (moving-average warm-up, drifted weights) without look-ahead.
    """
    t0 = 0 if start is None else int(index.searchsorted(pd.Timestamp(start), side="left"))
    t1 = len(index) if end is None else int(index.searchsorted(pd.Timestamp(end), side="right"))
    if t1 - t0 < 2:
        raise InputError(
            f"the statistics window start={start!r} end={end!r} holds {max(t1 - t0, 0)} "
            "periods; widen it to at least 2"
        )
    return t0, t1, day_numbers(index).astype(np.float64)


def as_list(value: object, name: str) -> list[object]:
    """Return a grid axis as a non-empty list (a scalar is a one-value axis)."""
    if isinstance(value, str) or value is None or not isinstance(value, Sequence | np.ndarray):
        return [value]
    out = list(value)
    if not out:
        raise InputError(f"{name} is empty; give at least one value")
    return out


def column(frame: pd.DataFrame, name: str) -> FloatArray:
    """Return one column as a C-contiguous float64 array (one compiled kernel signature)."""
    return np.ascontiguousarray(frame[name].to_numpy(dtype=np.float64))
