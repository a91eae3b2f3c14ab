"""Split a panel into ticker partitions and add per-partition sums back together.

Pure functions, no scheduler: the partitions are plain :class:`~capsize.analytics.engine.Panel`
objects and the sums are date-indexed frames of additive columns (counts and sums over
tickers), so the combined result does not depend on how many partitions there were or
which worker ran which.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.analytics import engine as E
from capsize.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["add_sums", "split_panel", "ticker_blocks"]


def ticker_blocks(n_tickers: int, partitions: int) -> list[slice]:
    """Cut ``range(n_tickers)`` into ``partitions`` contiguous, near-equal blocks.

    Parameters
    ----------
    n_tickers : int
        Columns of the panel.
    partitions : int
        Number of blocks wanted (at most ``n_tickers`` are returned, none empty).

    Returns
    -------
    list of slice

    Examples
    --------
    >>> ticker_blocks(5, 2)
    [slice(0, 2, None), slice(2, 5, None)]
    """
    if not isinstance(partitions, int) or isinstance(partitions, bool) or partitions < 1:
        raise InputError(f"partitions={partitions!r} must be a whole number >= 1")
    k = max(1, min(partitions, n_tickers))
    edges = np.linspace(0, n_tickers, k + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]


def split_panel(panel: E.Panel, partitions: int) -> list[E.Panel]:
    """Return ``panel`` cut into ticker partitions (contiguous copies of its columns)."""
    return [
        E.Panel(
            np.ascontiguousarray(panel.values[:, sl]), panel.dates, panel.tickers[sl], panel.name
        )
        for sl in ticker_blocks(panel.shape[1], partitions)
    ]


def add_sums(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Add per-partition sum frames (same dates and columns) cell by cell, in order.

    Raises
    ------
    InputError
        When there is no frame or the frames do not share their index and columns.
    """
    if not parts:
        raise InputError("no partition sums to add; pass at least one partition")
    first = parts[0]
    total = first.to_numpy(dtype=np.float64, copy=True)
    for p in parts[1:]:
        if not p.index.equals(first.index) or not p.columns.equals(first.columns):
            raise InputError("partition sums differ in dates or columns; split one panel")
        total += p.to_numpy(dtype=np.float64)
    return pd.DataFrame(total, index=first.index, columns=first.columns)
