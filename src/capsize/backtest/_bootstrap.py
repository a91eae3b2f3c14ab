"""Confidence intervals by the stationary block bootstrap (Politis & Romano, 1994)."""

from __future__ import annotations

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

__all__ = ["NAMED_STATISTICS", "BootstrapInterval", "block_bootstrap_ci", "stationary_indices"]

_CHUNK_CELLS = 2_000_000


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


NAMED_STATISTICS: dict[str, Callable[[FloatArray, float], FloatArray]] = {
    "cagr": _cagr,
    "max_drawdown": _max_drawdown,
    "mean": lambda x, ppy: np.asarray(x.mean(axis=-1) * ppy),
    "sharpe": _sharpe,
    "sortino": _sortino,
    "volatility": lambda x, ppy: np.asarray(x.std(axis=-1, ddof=1) * math.sqrt(ppy)),
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
        Seed of ``numpy.random.default_rng``: the same seed gives the same interval.
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
    x = check_returns_series(returns).to_numpy()
    if not 0.0 < level < 1.0:
        raise InputError(f"level={level!r} must be between 0 and 1 (e.g. 0.95)")
    if n < 10:
        raise InputError(f"n={n!r} resamples is too few; use at least 10 (1000 is usual)")
    ppy = infer_periods_per_year(returns.index) if periods_per_year is None else periods_per_year
    if isinstance(statistic, str):
        if statistic not in NAMED_STATISTICS:
            raise InputError(f"statistic={statistic!r} is not one of {sorted(NAMED_STATISTICS)}")
        fn = NAMED_STATISTICS[statistic]
        vec: Callable[[FloatArray], FloatArray] = lambda a: fn(a, float(ppy))  # noqa: E731
    else:
        one = statistic
        vec = lambda a: np.array([one(row) for row in np.atleast_2d(a)])  # noqa: E731
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_CELLS // len(x))
    draws = []
    for done in range(0, n, chunk):
        idx = stationary_indices(len(x), mean_block, min(chunk, n - done), rng)
        draws.append(vec(x[idx]))
    values = np.concatenate(draws)
    alpha = (1.0 - level) / 2.0
    low, high = np.nanquantile(values, [alpha, 1.0 - alpha])
    estimate = float(vec(x[None, :])[0])
    return BootstrapInterval(estimate, float(low), float(high), level, n, float(mean_block))
