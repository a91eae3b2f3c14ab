"""Universe breadth computed per partition of tickers and combined from partial sums.

Each partition runs :func:`capsize.analytics.breadth.breadth_sums` (the panel engine's
kernels, chosen as for the whole panel) and returns per-day counts and sums; the sums of
all partitions are added and finished by :func:`capsize.analytics.breadth.breadth_table`,
the same code the single-process :func:`~capsize.analytics.breadth.compute_breadth` uses.
So every count (share above an average, advancers/decliners, new highs/lows, coverage)
equals the single-process figure exactly; the equal-weight return and up/down volume are
float sums whose order differs (equal within 1e-12).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.analytics import breadth as B
from capsize.analytics import engine as E
from capsize.data.parquet import read_bars, read_bars_index, ticker_bucket
from capsize.errors import DataNotFound
from capsize.scale._partition import add_sums, split_panel, ticker_blocks
from capsize.scale._runner import Runner, as_runner

if TYPE_CHECKING:
    from collections.abc import Sequence

    from capsize._typing import DateLike
    from capsize.universe import Universe

__all__ = [
    "BreadthTask",
    "DatasetBreadthTask",
    "breadth_partition",
    "dataset_breadth",
    "dataset_breadth_partition",
    "partitioned_breadth",
]


@dataclass(frozen=True)
class BreadthTask:
    """One partition's work: its closes (and volume), the windows and the kernel size.

    Attributes
    ----------
    closes : Panel of shape (n_days, n_part), adjusted closes
    volume : Panel of the same shape, shares, or None
    ma_windows : tuple of int
        Average windows, trading days.
    high_low_window : int
        New-high/low look-back, trading days.
    cells : int
        Size of the whole panel, so the partition runs the same kernels.
    """

    closes: E.Panel
    volume: E.Panel | None
    ma_windows: tuple[int, ...]
    high_low_window: int
    cells: int


def breadth_partition(task: BreadthTask) -> pd.DataFrame:
    """Return the breadth sums of one partition (runs on a worker)."""
    return B.breadth_sums(
        task.closes,
        task.volume,
        ma_windows=task.ma_windows,
        high_low_window=task.high_low_window,
        cells=task.cells,
    )


def _tasks(
    panel: E.Panel,
    volume: E.Panel | pd.DataFrame | None,
    windows: tuple[int, ...],
    high_low_window: int,
    partitions: int,
) -> list[BreadthTask]:
    parts = split_panel(panel, partitions)
    vol_parts: list[E.Panel | None] = [None] * len(parts)
    if volume is not None:
        aligned = E.align_values(E.as_panel(volume, "volume"), panel.dates, panel.tickers)
        vol_parts = list(split_panel(panel.like(aligned, "volume"), partitions))
    cells = panel.values.size
    return [
        BreadthTask(p, v, windows, int(high_low_window), cells)
        for p, v in zip(parts, vol_parts, strict=True)
    ]


def partitioned_breadth(
    closes: E.Panel | pd.DataFrame,
    *,
    volume: E.Panel | pd.DataFrame | None = None,
    benchmark: pd.Series | None = None,
    benchmark_name: str | None = "IWM",
    universe: Universe | None = None,
    ma_windows: Sequence[int] = (20, 50, 200),
    high_low_window: int = 252,
    start: DateLike | None = None,
    as_of: DateLike | None = None,
    partitions: int = 1,
    runner: Runner | Any | None = None,
) -> B.BreadthResult:
    """Compute :func:`~capsize.analytics.breadth.compute_breadth` over ticker partitions.

    Parameters
    ----------
    closes, volume, benchmark, benchmark_name, universe, ma_windows, high_low_window, \
start, as_of
        As for :func:`~capsize.analytics.breadth.compute_breadth`.
    partitions : int
        Number of ticker partitions (contiguous blocks of the sorted tickers).
    runner : Runner or distributed.Client, optional
        Where the partitions run (default: in this process, one after the other).

    Returns
    -------
    BreadthResult
        Equal to the single-process result: counts exactly, the equal-weight return
        and up/down volume within 1e-12 (summation order).
    """
    panel, name, caveat = B.universe_panel(E.as_panel(closes, "closes").until(as_of), universe)
    if panel.shape[0] < 2 or panel.shape[1] < 1:
        raise DataNotFound("the closes panel needs at least two days and one ticker")
    windows = B.check_windows(ma_windows)
    tasks = _tasks(panel, volume, windows, high_low_window, partitions)
    sums = add_sums(as_runner(runner).map(breadth_partition, tasks))
    table = B.breadth_table(sums, benchmark=benchmark, start=start)
    return B.BreadthResult(
        table=table,
        universe=name,
        members=panel.shape[1],
        caveat=caveat,
        benchmark=benchmark_name if benchmark is not None else None,
        ma_windows=windows,
        high_low_window=int(high_low_window),
    )


@dataclass(frozen=True)
class DatasetBreadthTask:
    """One partition read by the worker itself from a Parquet dataset (no data shipped).

    Attributes
    ----------
    path : str
        Dataset folder or fsspec URL, readable from the worker.
    tickers : tuple of str
        The partition's symbols.
    calendar : DatetimeIndex
        Trading days of the whole panel (every partition uses the same rows).
    ma_windows, high_low_window, cells
        As in :class:`BreadthTask`.
    basis : str
        Store basis of the closes.
    """

    path: str
    tickers: tuple[str, ...]
    calendar: pd.DatetimeIndex
    ma_windows: tuple[int, ...]
    high_low_window: int
    cells: int
    basis: str = "adjusted"


def dataset_breadth_partition(task: DatasetBreadthTask) -> pd.DataFrame:
    """Read one partition's closes and volume from the dataset and return its breadth sums."""
    long = read_bars(
        task.path,
        tickers=task.tickers,
        basis=task.basis,
        columns=("close", "volume"),
        start=task.calendar[0],
        end=task.calendar[-1],
    )
    closes = E.Panel.from_long(long, "date", "symbol", "close", task.calendar, name="close")
    volume = E.Panel.from_long(long, "date", "symbol", "volume", task.calendar, name="volume")
    return B.breadth_sums(
        closes,
        volume,
        ma_windows=task.ma_windows,
        high_low_window=task.high_low_window,
        cells=task.cells,
    )


def dataset_breadth(
    path: str,
    *,
    tickers: Sequence[str] | None = None,
    basis: str = "adjusted",
    ma_windows: Sequence[int] = (20, 50, 200),
    high_low_window: int = 252,
    start: DateLike | None = None,
    end: DateLike | None = None,
    partitions: int = 1,
    runner: Runner | Any | None = None,
) -> B.BreadthResult:
    """Breadth of ``tickers`` read from a Parquet dataset by the workers, one partition each.

    Only the calendar (dates and symbols) is read here; each partition's bars are read
    where it runs, so no panel travels through the scheduler. Tickers are grouped by
    ticker bucket, so a partition opens few bucket folders.

    Parameters
    ----------
    path : str
        Dataset written by ``capsize data export --parquet``, readable by every worker.
    tickers : sequence of str, optional
        Members (default: every symbol of ``basis``).
    basis, start, end
        As in :func:`capsize.data.parquet.read_bars`; ``start`` is the first row read
        (windows warm up from there).
    ma_windows, high_low_window, partitions, runner
        As in :func:`partitioned_breadth`.

    Returns
    -------
    BreadthResult
        Equal to ``compute_breadth(read_panel(path, ...), volume=...)`` (counts exactly).
    """
    calendar, found = read_bars_index(path, tickers=tickers, basis=basis, start=start, end=end)
    if not found:
        raise DataNotFound(f"no {basis} bars in {path} for the tickers and days asked")
    syms = sorted(found, key=lambda t: (ticker_bucket(t), t))
    windows = B.check_windows(ma_windows)
    cells = len(calendar) * len(syms)
    tasks = [
        DatasetBreadthTask(
            str(path), tuple(syms[sl]), calendar, windows, int(high_low_window), cells, basis
        )
        for sl in ticker_blocks(len(syms), partitions)
    ]
    sums = add_sums(as_runner(runner).map(dataset_breadth_partition, tasks))
    return B.BreadthResult(
        table=B.breadth_table(sums),
        universe=f"{len(syms)} tickers of {path}",
        members=len(syms),
        caveat="Universe = every ticker of the dataset asked for; no membership history, "
        "so survivorship bias is unknown.",
        benchmark=None,
        ma_windows=windows,
        high_low_window=int(high_low_window),
    )
