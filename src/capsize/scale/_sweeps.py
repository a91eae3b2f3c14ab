"""Backtest sweeps split by parameter blocks, run in process or on Dask, gathered in order.

A sweep's first grid axis (the (fast, slow) pairs of :func:`~capsize.backtest.ma_sweep`,
``thresholds`` of :func:`~capsize.backtest.signal_sweep`, ``weights`` of
:func:`~capsize.backtest.sleeve_sweep`) varies slowest in its result, so cutting that
axis into contiguous blocks, running the sweep on each block's values and concatenating
the frames in block order gives the rows of the single call, in its order and bit for
bit (each row is one configuration's own run).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize.errors import InputError
from capsize.scale._partition import ticker_blocks
from capsize.scale._runner import Runner, as_runner

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["SWEEP_AXES", "SweepTask", "partitioned_sweep", "run_sweep_task"]

SWEEP_AXES: dict[str, str] = {
    "ma_sweep": "fast",  # with slow=: cut by (fast, slow) pairs
    "signal_sweep": "thresholds",
    "sleeve_sweep": "weights",
}
"""Sweep function name -> the grid axis split into blocks (its slowest-varying axis)."""


@dataclass(frozen=True)
class SweepTask:
    """One block of a sweep: the sweep function, its arguments and the block's sub-grids.

    Attributes
    ----------
    fn : callable
        The sweep function.
    args, kwargs
        Its arguments, as for the single call.
    parts : tuple of dict
        Keyword overrides of the sub-grids the block runs, in order (one call each).
    """

    fn: Callable[..., pd.DataFrame]
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    parts: tuple[dict[str, Any], ...] = ({},)


def run_sweep_task(task: SweepTask) -> pd.DataFrame:
    """Run one block's sub-grids and return their rows in order (on a worker)."""
    return _gather([task.fn(*task.args, **{**task.kwargs, **p}) for p in task.parts])


def _gather(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate sweep frames in order; ``attrs``: the first's, ``n_configs`` of all rows."""
    out = pd.concat(frames, ignore_index=True)
    out.attrs = {**frames[0].attrs, "n_configs": len(out)}
    return out


def _as_values(raw: Any) -> list[Any]:
    """Return a grid axis as a list (a scalar is a one-value axis)."""
    return [raw] if np.ndim(raw) == 0 else list(raw)


def _axis_parts(axis: str, kwargs: dict[str, Any], blocks: int) -> list[tuple[dict[str, Any], ...]]:
    """Cut one axis into blocks of its values: one sub-grid per block."""
    values = _as_values(kwargs[axis])
    return [({axis: values[sl]},) for sl in ticker_blocks(len(values), blocks)]


def _ma_parts(kwargs: dict[str, Any], blocks: int) -> list[tuple[dict[str, Any], ...]]:
    """Cut the (fast, slow) pairs into blocks, each as the fewest ``fast x slow`` sub-grids.

    The pairs are those of the single call (``1 <= fast < slow``, fast-major order), cut
    into contiguous blocks; a block's pairs of one ``fast`` value form a sub-grid
    ``([fast], [its slows])``, and neighbours with the same slows are merged.
    """
    fast, slow = _as_values(kwargs["fast"]), _as_values(kwargs.get("slow", ()))
    pairs = [(i, s) for i, f in enumerate(fast) for s in slow if 1 <= f < s]
    if not pairs:  # the single call raises its own error
        return [({},)]
    out: list[tuple[dict[str, Any], ...]] = []
    for sl in ticker_blocks(len(pairs), blocks):
        groups: list[tuple[list[int], list[Any]]] = []
        for i, group in itertools.groupby(pairs[sl], key=lambda p: p[0]):
            slows = [s for _, s in group]
            if groups and groups[-1][1] == slows:
                groups[-1][0].append(i)
            else:
                groups.append(([i], slows))
        out.append(tuple({"fast": [fast[i] for i in rows], "slow": ss} for rows, ss in groups))
    return out


def partitioned_sweep(
    fn: Callable[..., pd.DataFrame],
    *args: Any,
    blocks: int = 2,
    runner: Runner | Any | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Run a backtest sweep as ``blocks`` tasks over blocks of its slowest grid axis.

    :func:`~capsize.backtest.ma_sweep` is cut by its (fast, slow) pairs (so a grid of
    one fast window and many slow ones splits too); :func:`~capsize.backtest.signal_sweep`
    by ``thresholds``; :func:`~capsize.backtest.sleeve_sweep` by ``weights``.

    Parameters
    ----------
    fn : callable
        :func:`~capsize.backtest.ma_sweep`, :func:`~capsize.backtest.signal_sweep` or
        :func:`~capsize.backtest.sleeve_sweep`.
    *args, **kwargs
        The sweep's arguments, as for a single call (the split axis by keyword).
    blocks : int
        Number of tasks (at most one per value, or pair, of the split axis).
    runner : Runner or distributed.Client, optional
        Where the blocks run (default: in this process).

    Returns
    -------
    DataFrame
        Equal to ``fn(*args, **kwargs)``: same rows, order and values; ``attrs`` holds
        ``n_configs`` (all rows) and the blocks' ``backend``.
    """
    name = getattr(fn, "__name__", "")
    if name not in SWEEP_AXES:
        raise InputError(f"cannot split {name or fn!r}; use one of {sorted(SWEEP_AXES)}")
    axis = SWEEP_AXES[name]
    if axis not in kwargs:
        raise InputError(f"{name} needs {axis}= to split the grid; pass it by keyword")
    parts = _ma_parts(kwargs, blocks) if name == "ma_sweep" else _axis_parts(axis, kwargs, blocks)
    tasks = [SweepTask(fn, args, kwargs, p) for p in parts]
    return _gather(as_runner(runner).map(run_sweep_task, tasks))
