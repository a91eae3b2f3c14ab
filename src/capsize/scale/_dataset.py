"""Panels read from a partitioned Parquet dataset (local folder or fsspec URL)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from capsize.analytics import engine as E
from capsize.data.parquet import read_bars

if TYPE_CHECKING:
    from collections.abc import Sequence

    from capsize._typing import DateLike

__all__ = ["read_panel"]


def read_panel(
    path: str | os.PathLike[str],
    *,
    tickers: Sequence[str] | None = None,
    basis: str = "adjusted",
    column: str = "close",
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> E.Panel:
    """Load a date x ticker panel of one bar column from a capsize Parquet dataset.

    Parameters
    ----------
    path : path-like or str
        Dataset written by ``capsize data export --parquet`` (local or fsspec URL).
    tickers : sequence of str, optional
        Symbols to load (default all of ``basis``); only their buckets are read.
    basis : str
        Store basis of the bars (``"adjusted"`` closes are total-return series).
    column : str
        Bar column (``close``, ``volume``, ...), USD or shares.
    start, end : date-like, optional
        Days to load (inclusive).

    Returns
    -------
    Panel of shape (n_days, n_tickers)
        Rows: the distinct days of the bars read; NaN where a ticker has no bar.
    """
    long = read_bars(path, tickers=tickers, basis=basis, columns=(column,), start=start, end=end)
    return E.Panel.from_long(long, "date", "symbol", column, name=column)
