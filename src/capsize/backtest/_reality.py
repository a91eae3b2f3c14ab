"""Data-snooping tests of a sweep: White's reality check and Hansen's SPA test.

Given the per-period returns of every configuration tried and of a benchmark, both
tests ask whether the **best** configuration beats the benchmark by more than the best
of that many configurations would by luck. The performance of configuration ``k`` is
its mean per-period return in excess of the benchmark, ``d_k = mean_t(r_kt - b_t)``;
the null hypothesis is that no configuration has a positive expected excess return.

* **White's reality check** (White, 2000, "A Reality Check for Data Snooping",
  Econometrica 68(5), 1097-1126): statistic ``V = max_k sqrt(T) d_k``; its null
  distribution is bootstrapped as ``max_k sqrt(T) (d*_k - d_k)``.
* **Hansen's SPA test**, consistent version (Hansen, 2005, "A Test for Superior
  Predictive Ability", Journal of Business & Economic Statistics 23(4), 365-380): the
  studentized statistic ``max(0, max_k sqrt(T) d_k / w_k)`` (``w_k``: the bootstrap
  standard deviation of ``sqrt(T) d*_k``), with configurations far below the benchmark
  (``sqrt(T) d_k / w_k < -sqrt(2 log log T)``) left at their own mean rather than
  recentred to zero, so hopeless configurations do not inflate the p-value. It is the
  less conservative of the two when the grid holds many poor configurations.

Both resample periods with the stationary block bootstrap (Politis and Romano, 1994;
:func:`~capsize.backtest.stationary_indices`), the same index paths for every
configuration and the benchmark, so the grid's cross-correlation is kept.

A configuration equal to the benchmark up to floating-point noise (every period's
``|r_kt - b_t| <= EQUAL_RTOL x max_t |b_t|``) is treated as an exact copy: its loss
differential is set to zero, so it is no evidence either way and leaves both p-values
as they are without it (studentizing rounding noise would give it any t-statistic).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.backtest._bootstrap import stationary_indices
from capsize.backtest._inputs import check_returns_series
from capsize.errors import InputError, SchemaError

if TYPE_CHECKING:
    from capsize._typing import FloatArray

__all__ = ["EQUAL_RTOL", "RealityCheck", "reality_check"]

EQUAL_RTOL = 1e-9
"""Relative tolerance (of the benchmark's largest absolute return per period) under which
a configuration's per-period difference from the benchmark counts as rounding noise."""

_CHUNK_CELLS = 4_000_000
"""Bootstrap paths x periods drawn at once (memory bound of the count matrix)."""


@dataclass(frozen=True)
class RealityCheck:
    """The result of :func:`reality_check`.

    Attributes
    ----------
    p_value : float
        White's reality-check p-value: the probability, under no configuration beating
        the benchmark, of a best excess as large as the one found.
    spa_p_value : float
        Hansen's SPA (consistent) p-value, from the same bootstrap paths.
    n_configs : int
        Configurations tested.
    best : int
        Position of the configuration with the highest mean excess return.
    best_excess : float
        Its mean excess return per period (fraction).
    n_periods : int
        Periods compared.
    n : int
        Bootstrap resamples.
    mean_block : float
        Expected block length, periods.
    seed : int
        Seed of the resampling.
    """

    p_value: float
    spa_p_value: float
    n_configs: int
    best: int
    best_excess: float
    n_periods: int
    n: int
    mean_block: float
    seed: int


def _excess(returns: pd.DataFrame | FloatArray, benchmark: pd.Series) -> FloatArray:
    b = check_returns_series(benchmark, "benchmark")
    if isinstance(returns, pd.DataFrame):
        if not returns.index.equals(b.index):
            raise InputError(
                "returns and benchmark must share one index; align them on the same periods"
            )
        x = returns.to_numpy(dtype=np.float64)
    else:
        x = np.asarray(returns, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != len(b) or x.shape[1] < 1:
        raise SchemaError(
            f"returns must be of shape (n_periods={len(b)}, n_configs >= 1); got {x.shape}"
        )
    if not np.isfinite(x).all():
        raise InputError("returns has a missing or infinite value; trim to the common window")
    bv = b.to_numpy()
    d = np.ascontiguousarray((x - bv[:, None]).T)
    tol = EQUAL_RTOL * float(np.abs(bv).max())
    d[np.abs(d).max(axis=1) <= tol] = 0.0  # copies of the benchmark up to rounding
    return d


def _boot_means(d: FloatArray, mean_block: float, n: int, seed: int) -> FloatArray:
    """Mean excess of each configuration on each resample: shape (n_configs, n)."""
    t = d.shape[1]
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_CELLS // t)
    parts = []
    for done in range(0, n, chunk):
        m = min(chunk, n - done)
        idx = stationary_indices(t, mean_block, m, rng)
        flat = (idx + (np.arange(m) * t)[:, None]).ravel()
        counts = np.bincount(flat, minlength=m * t).reshape(m, t).astype(np.float64)
        parts.append(d @ counts.T / t)
    return np.concatenate(parts, axis=1)


def reality_check(
    returns: pd.DataFrame | FloatArray,
    benchmark: pd.Series,
    *,
    mean_block: float = 20.0,
    n: int = 1000,
    seed: int = 0,
) -> RealityCheck:
    """Test whether the best configuration of a sweep beats a benchmark beyond luck.

    Parameters
    ----------
    returns : DataFrame or ndarray of shape (n_periods, n_configs), fraction per period
        Net returns of every configuration tried, on the benchmark's periods; no NaN.
    benchmark : Series of shape (n_periods,), fraction per period
        The benchmark's returns (e.g. buy and hold of the large-cap leg).
    mean_block : float, default 20.0
        Expected block length of the stationary bootstrap, periods.
    n : int, default 1000
        Bootstrap resamples.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``: the same seed gives the same p-values.

    Returns
    -------
    RealityCheck
        White's p-value and Hansen's SPA p-value (see the module docstring).

    Raises
    ------
    InputError, SchemaError
        For misaligned or missing returns, ``n < 10`` or ``mean_block < 1``.

    Notes
    -----
    Cost: ``n_configs x n_periods x n`` multiply-adds (one matrix product per chunk of
    resamples) and an ``(n_configs, n_periods)`` excess matrix in memory.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.bdate_range("2010-01-01", periods=1000)
    >>> rng = np.random.default_rng(1)
    >>> bench = pd.Series(rng.normal(3e-4, 0.01, 1000), idx)
    >>> noise = pd.DataFrame(bench.to_numpy()[:, None] + rng.normal(0, 0.002, (1000, 20)), idx)
    >>> reality_check(noise, bench, n=200).p_value > 0.1
    True
    """
    if n < 10:
        raise InputError(f"n={n!r} resamples is too few; use at least 10 (1000 is usual)")
    d = _excess(returns, benchmark)
    k, t = d.shape
    mean = d.mean(axis=1)
    boot = _boot_means(d, mean_block, n, seed)
    root = math.sqrt(t)
    white = float(root * mean.max())
    white_null = root * (boot - mean[:, None]).max(axis=0)
    omega = root * np.sqrt(((boot - mean[:, None]) ** 2).mean(axis=1))
    omega = np.where(omega > 0, omega, np.inf)
    spa = max(0.0, float((root * mean / omega).max()))
    keep = root * mean / omega >= -math.sqrt(2.0 * math.log(math.log(max(t, 3))))
    centre = np.where(keep, mean, 0.0)
    spa_null = np.maximum(0.0, (root * (boot - centre[:, None]) / omega[:, None]).max(axis=0))
    best = int(np.argmax(mean))
    return RealityCheck(
        p_value=float((white_null >= white).mean()),
        spa_p_value=float((spa_null >= spa).mean()),
        n_configs=k,
        best=best,
        best_excess=float(mean[best]),
        n_periods=t,
        n=n,
        mean_block=float(mean_block),
        seed=seed,
    )
