"""Run universe analytics over ticker partitions, in process or on a Dask cluster.

Panel analytics whose cross-sectional figures are counts or sums over tickers are split
into partitions of tickers; each partition runs the panel engine's kernels (on a Dask
worker, or in this process) and returns per-day partial sums, which are added and
finished by the same code the single-process engine uses. Without a scheduler
everything runs in process, one partition after the other.

:func:`partitioned_breadth`
    :func:`~capsize.analytics.breadth.compute_breadth` over ticker partitions.
:func:`dataset_breadth`
    The same from a Parquet dataset, each partition read by the worker that runs it.
:func:`partitioned_liquidity`
    :func:`~capsize.analytics.liquidity.liquidity` over ticker partitions (rows gathered).
:func:`partitioned_return_percentiles`
    Cross-sectional return percentiles per day, from the partitions' values gathered.
:func:`partitioned_bootstrap_ci`
    :func:`~capsize.backtest.block_bootstrap_ci` with its replication blocks drawn in
    tasks (seeded per block, so equal to the single call for any number of workers).
:func:`partitioned_sweep`
    A backtest sweep cut into parameter blocks, gathered into the single call's frame.
:func:`read_panel`
    A date x ticker panel from a Parquet dataset written by ``capsize data export
    --parquet`` (local folder or fsspec URL).
:func:`connect`
    A runner for a remote scheduler (``tcp://host:8786``), a new ``LocalCluster`` of
    ``workers`` processes, or in process. Dask is imported only there
    (``pip install "capsize[scale]"``). The query functions ``breadth``, ``liquidity``
    and ``backtest_grid`` take the runner it yields as ``runner=``.
"""

from capsize.scale._bootstrap import BootstrapTask, bootstrap_block, partitioned_bootstrap_ci
from capsize.scale._breadth import (
    BreadthTask,
    DatasetBreadthTask,
    breadth_partition,
    dataset_breadth,
    dataset_breadth_partition,
    partitioned_breadth,
)
from capsize.scale._dataset import read_panel
from capsize.scale._liquidity import (
    LiquidityTask,
    PercentileTask,
    liquidity_partition,
    partitioned_liquidity,
    partitioned_return_percentiles,
    percentile_partition,
)
from capsize.scale._partition import add_sums, split_panel, ticker_blocks
from capsize.scale._runner import (
    DaskRunner,
    InProcess,
    Progress,
    Runner,
    as_runner,
    connect,
    default_partitions,
)
from capsize.scale._sweeps import SWEEP_AXES, SweepTask, partitioned_sweep, run_sweep_task

__all__ = [
    "SWEEP_AXES",
    "BootstrapTask",
    "BreadthTask",
    "DaskRunner",
    "DatasetBreadthTask",
    "InProcess",
    "LiquidityTask",
    "PercentileTask",
    "Progress",
    "Runner",
    "SweepTask",
    "add_sums",
    "as_runner",
    "bootstrap_block",
    "breadth_partition",
    "connect",
    "dataset_breadth",
    "dataset_breadth_partition",
    "default_partitions",
    "liquidity_partition",
    "partitioned_bootstrap_ci",
    "partitioned_breadth",
    "partitioned_liquidity",
    "partitioned_return_percentiles",
    "partitioned_sweep",
    "percentile_partition",
    "read_panel",
    "run_sweep_task",
    "split_panel",
    "ticker_blocks",
]
