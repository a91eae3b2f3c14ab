"""Bootstrap replications drawn on Dask workers, gathered equal to the single process.

:func:`~capsize.backtest.block_bootstrap_ci` draws its resamples in replication blocks,
block ``i`` from child ``i`` of ``SeedSequence(seed)``
(:func:`~capsize.backtest.replication_seeds`). Here contiguous runs of those blocks are
sent to the workers, each task carrying the sample, the statistic and its blocks'
seeds; the gathered values, in block order, are exactly the values of the single call,
so the interval is the same bit for bit whatever the number of tasks or workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from capsize import backtest as bt
from capsize.scale._partition import ticker_blocks
from capsize.scale._runner import DaskRunner, Runner, as_runner

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from capsize._typing import FloatArray

__all__ = ["BootstrapTask", "bootstrap_block", "partitioned_bootstrap_ci"]


@dataclass(frozen=True)
class BootstrapTask:
    """A run of replication blocks: the sample, the statistic and the blocks' seeds.

    Attributes
    ----------
    x : ndarray of shape (n_obs,), simple returns
    statistic : str or callable
        As for :func:`~capsize.backtest.block_bootstrap_ci` (a callable must pickle).
    ppy : float
        Periods per year.
    mean_block : float
        Expected block length, periods.
    sizes : tuple of int
        Resamples of each replication block of the run.
    seeds : tuple of numpy.random.SeedSequence
        The blocks' seeds, children of ``SeedSequence(seed)``.
    """

    x: FloatArray
    statistic: str | Callable[[FloatArray], float]
    ppy: float
    mean_block: float
    sizes: tuple[int, ...]
    seeds: tuple[np.random.SeedSequence, ...]


def bootstrap_block(task: BootstrapTask) -> FloatArray:
    """Return the resampled statistic of the task's replication blocks, in order (on a worker)."""
    vec = bt.vectorized_statistic(task.statistic, task.ppy)
    return np.concatenate(
        [
            bt.resample_statistic(task.x, vec, task.mean_block, size, seq)
            for size, seq in zip(task.sizes, task.seeds, strict=True)
        ]
    )


def partitioned_bootstrap_ci(
    returns: pd.Series,
    statistic: str | Callable[[FloatArray], float] = "sharpe",
    *,
    mean_block: float = 20.0,
    n: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    periods_per_year: float | None = None,
    blocks: int = 2,
    runner: Runner | Any | None = None,
) -> bt.BootstrapInterval:
    """Return :func:`~capsize.backtest.block_bootstrap_ci` with its resamples drawn in tasks.

    Parameters
    ----------
    returns, statistic, mean_block, n, level, seed, periods_per_year
        As for :func:`~capsize.backtest.block_bootstrap_ci`.
    blocks : int
        Number of tasks: contiguous runs of the replication blocks (at most one task
        per replication block, :data:`~capsize.backtest.REPLICATIONS_PER_BLOCK`
        resamples each).
    runner : Runner or distributed.Client, optional
        Where the tasks run (default: in this process).

    Returns
    -------
    BootstrapInterval
        Equal to ``block_bootstrap_ci`` with the same arguments, bit for bit.

    Raises
    ------
    InputError
        For bad arguments, and on Dask for a callable ``statistic`` that cannot be
        pickled or that a worker cannot load (checked on one worker before any task).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.Series(np.random.default_rng(0).normal(5e-4, 0.01, 2000),
    ...               pd.bdate_range("2015-01-01", periods=2000))
    >>> one = bt.block_bootstrap_ci(r, "sharpe", n=600, seed=3)
    >>> partitioned_bootstrap_ci(r, "sharpe", n=600, seed=3, blocks=3) == one
    True
    """
    x, ppy, vec = bt.bootstrap_inputs(returns, statistic, n=n, level=level, ppy=periods_per_year)
    run = as_runner(runner)
    if callable(statistic) and isinstance(run, DaskRunner):
        run.check_loadable(statistic, "bootstrap statistic")
    sizes = bt.replication_blocks(len(x), n)
    seeds = bt.replication_seeds(seed, len(sizes))
    tasks = [
        BootstrapTask(x, statistic, ppy, float(mean_block), tuple(sizes[sl]), tuple(seeds[sl]))
        for sl in ticker_blocks(len(sizes), blocks)
    ]
    values = np.concatenate(run.map(bootstrap_block, tasks))
    return bt.percentile_interval(values, x, vec, level, mean_block)
