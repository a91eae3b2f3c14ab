"""Confidence intervals by the stationary block bootstrap (Politis & Romano, 1994).

The ``n`` resamples are drawn in replication blocks of at most
:data:`REPLICATIONS_PER_BLOCK`; block ``i`` draws from its own generator, seeded by child
``i`` of ``numpy.random.SeedSequence(seed)`` (:func:`replication_seeds`). The blocks do
not depend on where they run, so :func:`capsize.scale.partitioned_bootstrap_ci` can send
contiguous runs of blocks to Dask workers and gather an interval equal to
:func:`block_bootstrap_ci` bit for bit, for any number of workers.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.backtest._inputs import check_returns_series, infer_periods_per_year
from capsize.errors import InputError

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = [
    "NAMED_STATISTICS",
    "REPLICATIONS_PER_BLOCK",
    "BootstrapInterval",
    "block_bootstrap_ci",
    "bootstrap_inputs",
    "percentile_interval",
    "replication_blocks",
    "replication_seeds",
    "resample_statistic",
    "stationary_indices",
    "vectorized_statistic",
]

REPLICATIONS_PER_BLOCK = 250
"""Most resamples in one replication block (the unit of seeding and of work)."""

_BLOCK_CELLS = 2_000_000
"""Most cells (resamples x periods) drawn at once, so long samples get smaller blocks."""


def _sharpe(x: FloatArray, ppy: float) -> FloatArray:
    sd = x.std(axis=-1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(sd > 0, x.mean(axis=-1) / sd, np.nan) * math.sqrt(ppy))


def _sortino(x: FloatArray, ppy: float) -> FloatArray:
    down = np.sqrt((np.minimum(x, 0.0) ** 2).mean(axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(down > 0, x.mean(axis=-1) / down, np.nan) * math.sqrt(ppy))


def _cagr(x: FloatArray, ppy: float) -> FloatArray:
    return np.asarray(np.exp(np.log1p(x).sum(axis=-1) * ppy / x.shape[-1]) - 1.0)


def _max_drawdown(x: FloatArray, ppy: float) -> FloatArray:
    eq = np.cumprod(1.0 + x, axis=-1)
    peak = np.maximum.accumulate(np.maximum(eq, 1.0), axis=-1)
    return np.asarray(np.minimum((eq / peak - 1.0).min(axis=-1), 0.0))


def _mean(x: FloatArray, ppy: float) -> FloatArray:
    return np.asarray(x.mean(axis=-1) * ppy)


def _volatility(x: FloatArray, ppy: float) -> FloatArray:
    return np.asarray(x.std(axis=-1, ddof=1) * math.sqrt(ppy))


NAMED_STATISTICS: dict[str, Callable[[FloatArray, float], FloatArray]] = {
    "cagr": _cagr,
    "max_drawdown": _max_drawdown,
    "mean": _mean,
    "sharpe": _sharpe,
    "sortino": _sortino,
    "volatility": _volatility,
}
"""Statistics the bootstrap computes by name, vectorized over resamples (annualized)."""


@dataclass(frozen=True)
class BootstrapInterval:
    """A percentile confidence interval from a block bootstrap.

    Attributes
    ----------
    estimate : float
        The statistic on the original sample.
    low, high : float
        Bounds of the central ``level`` interval of the resampled statistics.
    level : float
        Coverage, e.g. 0.95.
    n : int
        Number of resamples.
    mean_block : float
        Expected block length, periods.
    """

    estimate: float
    low: float
    high: float
    level: float
    n: int
    mean_block: float


def stationary_indices(
    n_obs: int, mean_block: float, n_samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw stationary-bootstrap index paths.

    Parameters
    ----------
    n_obs : int
        Length of the sample (and of each path).
    mean_block : float
        Expected block length (>= 1); block lengths are geometric with mean ``mean_block``.
    n_samples : int
        Number of paths.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray of shape (n_samples, n_obs), int64
        Each row: blocks of consecutive indices (wrapping around the end) starting at
        uniform positions; a new block starts with probability ``1 / mean_block``.
    """
    if not math.isfinite(mean_block) or mean_block < 1.0:
        raise InputError(f"mean_block={mean_block!r} must be a number >= 1 (periods)")
    new_block = rng.random((n_samples, n_obs)) < 1.0 / mean_block
    new_block[:, 0] = True
    starts = rng.integers(0, n_obs, size=(n_samples, n_obs))
    t = np.arange(n_obs)
    block_pos = np.maximum.accumulate(np.where(new_block, t, 0), axis=1)
    first = np.take_along_axis(starts, block_pos, axis=1)
    return np.asarray((first + (t - block_pos)) % n_obs, dtype=np.int64)


def block_bootstrap_ci(
    returns: pd.Series,
    statistic: str | Callable[[FloatArray], float] = "sharpe",
    *,
    mean_block: float = 20.0,
    n: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    periods_per_year: float | None = None,
) -> BootstrapInterval:
    """Return a stationary block bootstrap confidence interval of a return statistic.

    Parameters
    ----------
    returns : Series of simple returns per period
        No NaN.
    statistic : str or callable, default "sharpe"
        A name in :data:`NAMED_STATISTICS` (annualized with ``periods_per_year``), or
        a function of a 1-D array of returns giving a float.
    mean_block : float, default 20.0
        Expected block length in periods (about a month of sessions); blocks keep the
        autocorrelation and volatility clustering of the sample.
    n : int, default 1000
        Number of resamples.
    level : float, default 0.95
        Coverage of the central percentile interval.
    seed : int, default 0
        Root of the replication blocks' seeds (``numpy.random.SeedSequence(seed)``,
        one child per block): the same seed gives the same interval, drawn here or on
        any number of Dask workers.
    periods_per_year : float, optional
        Default: inferred from the index spacing.

    Returns
    -------
    BootstrapInterval

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.Series(np.random.default_rng(0).normal(5e-4, 0.01, 2000),
    ...               pd.bdate_range("2015-01-01", periods=2000))
    >>> ci = block_bootstrap_ci(r, "sharpe", n=200)
    >>> bool(ci.low < ci.estimate < ci.high)
    True
    """
    x, _, vec = bootstrap_inputs(returns, statistic, n=n, level=level, ppy=periods_per_year)
    seeds = replication_seeds(seed, len(replication_blocks(len(x), n)))
    draws = [
        resample_statistic(x, vec, mean_block, size, seq)
        for size, seq in zip(replication_blocks(len(x), n), seeds, strict=True)
    ]
    return percentile_interval(np.concatenate(draws), x, vec, level, mean_block)


def vectorized_statistic(
    statistic: str | Callable[[FloatArray], float], ppy: float
) -> Callable[[FloatArray], FloatArray]:
    """Return ``statistic`` as a function of a (resamples, periods) array, one value per row.

    Parameters
    ----------
    statistic : str or callable
        A name in :data:`NAMED_STATISTICS` (annualized with ``ppy``) or a function of a
        1-D array of returns giving a float.
    ppy : float
        Periods per year.
    """
    if isinstance(statistic, str):
        if statistic not in NAMED_STATISTICS:
            raise InputError(f"statistic={statistic!r} is not one of {sorted(NAMED_STATISTICS)}")
        return functools.partial(_annualized, NAMED_STATISTICS[statistic], float(ppy))
    return functools.partial(_per_row, statistic)


def _annualized(
    fn: Callable[[FloatArray, float], FloatArray], ppy: float, a: FloatArray
) -> FloatArray:
    return fn(a, ppy)


def _per_row(one: Callable[[FloatArray], float], a: FloatArray) -> FloatArray:
    return np.array([one(row) for row in np.atleast_2d(a)])


def bootstrap_inputs(
    returns: pd.Series,
    statistic: str | Callable[[FloatArray], float],
    *,
    n: int,
    level: float,
    ppy: float | None,
) -> tuple[FloatArray, float, Callable[[FloatArray], FloatArray]]:
    """Check the arguments of :func:`block_bootstrap_ci`; return the sample and statistic.

    Returns
    -------
    x : ndarray of shape (n_obs,), simple returns
    ppy : float
        Periods per year (``ppy``, or inferred from the index spacing when None).
    vec : callable
        :func:`vectorized_statistic` of ``statistic`` (``ppy`` inferred when None).
    """
    x = check_returns_series(returns).to_numpy(dtype=np.float64)
    if not 0.0 < level < 1.0:
        raise InputError(f"level={level!r} must be between 0 and 1 (e.g. 0.95)")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 10:
        raise InputError(f"n={n!r} resamples is too few; use at least 10 (1000 is usual)")
    per_year = float(infer_periods_per_year(returns.index) if ppy is None else ppy)
    return x, per_year, vectorized_statistic(statistic, per_year)


def replication_blocks(n_obs: int, n: int) -> list[int]:
    """Return the sizes of the replication blocks of ``n`` resamples of ``n_obs`` periods.

    Blocks hold :data:`REPLICATIONS_PER_BLOCK` resamples (fewer when a block would
    exceed two million cells), the last one the remainder. They depend on ``n_obs``
    and ``n`` only, never on how many workers draw them.

    Examples
    --------
    >>> replication_blocks(2000, 600)
    [250, 250, 100]
    """
    size = max(1, min(REPLICATIONS_PER_BLOCK, _BLOCK_CELLS // max(1, n_obs)))
    return [min(size, n - done) for done in range(0, n, size)]


def replication_seeds(seed: int, count: int) -> list[np.random.SeedSequence]:
    """Return the seeds of ``count`` replication blocks: children of ``SeedSequence(seed)``.

    Child ``i`` is the same whatever ``count`` is, so block ``i`` draws the same
    resamples in any split of the blocks.
    """
    return list(np.random.SeedSequence(seed).spawn(count))


def resample_statistic(
    x: FloatArray,
    vec: Callable[[FloatArray], FloatArray],
    mean_block: float,
    size: int,
    seed: np.random.SeedSequence,
) -> FloatArray:
    """Return the statistic of ``size`` stationary-bootstrap resamples of ``x`` (one block).

    Parameters
    ----------
    x : ndarray of shape (n_obs,), simple returns
    vec : callable
        :func:`vectorized_statistic`.
    mean_block : float
        Expected block length, periods.
    size : int
        Resamples in this replication block.
    seed : numpy.random.SeedSequence
        The block's seed (:func:`replication_seeds`).

    Returns
    -------
    ndarray of shape (size,)
    """
    idx = stationary_indices(len(x), mean_block, size, np.random.default_rng(seed))
    return np.asarray(vec(x[idx]), dtype=np.float64)


def percentile_interval(
    values: FloatArray,
    x: FloatArray,
    vec: Callable[[FloatArray], FloatArray],
    level: float,
    mean_block: float,
) -> BootstrapInterval:
    """Return the central ``level`` percentile interval of the resampled ``values``.

    ``x`` is the original sample (the estimate is ``vec`` of it); NaN resamples are
    left out of the percentiles.
    """
    alpha = (1.0 - level) / 2.0
    low, high = np.nanquantile(values, [alpha, 1.0 - alpha])
    estimate = float(vec(x[None, :])[0])
    return BootstrapInterval(
        estimate, float(low), float(high), level, len(values), float(mean_block)
    )
