"""Backtest sweeps split by parameter blocks, run in process or on Dask, gathered in order.

A sweep's first grid axis (``fast`` of :func:`~capsize.backtest.ma_sweep`,
``thresholds`` of :func:`~capsize.backtest.signal_sweep`, ``weights`` of
:func:`~capsize.backtest.sleeve_sweep`) varies slowest in its result, so cutting that
axis into contiguous blocks, running one sweep per block and concatenating the frames in
block order gives the rows of the single call, in its order and bit for bit (each row is
one configuration's own run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.errors import InputError
from capsize.scale._partition import ticker_blocks
from capsize.scale._runner import Runner, as_runner

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["SWEEP_AXES", "SweepTask", "partitioned_sweep", "run_sweep_task"]

SWEEP_AXES: dict[str, str] = {
    "ma_sweep": "fast",
    "signal_sweep": "thresholds",
    "sleeve_sweep": "weights",
}
"""Sweep function name -> the grid axis split into blocks (its slowest-varying axis)."""


@dataclass(frozen=True)
class SweepTask:
    """One block of a sweep: the sweep function and its arguments for that block."""

    fn: Callable[..., pd.DataFrame]
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


def run_sweep_task(task: SweepTask) -> pd.DataFrame:
    """Run one block (on a worker)."""
    return task.fn(*task.args, **task.kwargs)


def _axis_values(name: str, axis: str, kwargs: dict[str, Any]) -> list[Any]:
    if axis not in kwargs:
        raise InputError(f"{name} needs {axis}= to split the grid; pass it by keyword")
    raw = kwargs[axis]
    values = [raw] if isinstance(raw, (int, float)) else list(raw)
    if name == "ma_sweep":  # a fast window at or above every slow one forms no pair
        slow = kwargs.get("slow", ())
        longest = max([slow] if isinstance(slow, int) else list(slow), default=0)
        values = [v for v in values if v < longest] or values
    return values


def partitioned_sweep(
    fn: Callable[..., pd.DataFrame],
    *args: Any,
    blocks: int = 2,
    runner: Runner | Any | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Run a backtest sweep as ``blocks`` sweeps over blocks of its first grid axis.

    Parameters
    ----------
    fn : callable
        :func:`~capsize.backtest.ma_sweep`, :func:`~capsize.backtest.signal_sweep` or
        :func:`~capsize.backtest.sleeve_sweep`.
    *args, **kwargs
        The sweep's arguments, as for a single call (the split axis by keyword).
    blocks : int
        Number of parameter blocks (at most one per value of the axis).
    runner : Runner or distributed.Client, optional
        Where the blocks run (default: in this process).

    Returns
    -------
    DataFrame
        Equal to ``fn(*args, **kwargs)``: same rows, order and values.
    """
    name = getattr(fn, "__name__", "")
    if name not in SWEEP_AXES:
        raise InputError(f"cannot split {name or fn!r}; use one of {sorted(SWEEP_AXES)}")
    axis = SWEEP_AXES[name]
    values = _axis_values(name, axis, kwargs)
    tasks = [
        SweepTask(fn, args, {**kwargs, axis: values[sl]})
        for sl in ticker_blocks(len(values), blocks)
    ]
    frames = as_runner(runner).map(run_sweep_task, tasks)
    return pd.concat(frames, ignore_index=True)
