"""Backtest engine: strategies, statistics and parameter sweeps on return frames.

An engine beside :mod:`capsize.analytics`: pure functions, frames in and results out, no
store, no queries, no I/O. The query layer feeds it point-in-time returns and signals.

Conventions
-----------
* Inputs are **simple returns** per period (daily sessions or months) on a tz-naive,
  strictly increasing DatetimeIndex, without NaN (trim to the common history first).
  Two-leg strategies take a DataFrame whose first column is the small-cap leg and whose
  second is the large-cap leg.
* A **signal** is a Series whose value at date ``d`` is known at ``d``'s close. A trade
  happens at the close ``lag`` sessions later; ``lag >= 1`` always (a lag of 0 raises
  :class:`~capsize.errors.InputError`), so nothing trades on data it could not know.
* **Costs** (:mod:`capsize.backtest._costs`): commission and slippage in bps of the value
  traded plus half the quoted spread, which :func:`spread_for_tier` reads from a table
  by the liquidity tiers of :mod:`capsize.rules.liquidity`. A period's net return is
  ``(1 + gross) x (1 - cost) - 1``.
* Periods per year are a parameter everywhere, inferred from the index spacing when
  omitted (252 for sessions, 12 for the monthly Ken French size portfolios).

Strategies
----------
:func:`rotation`
    Small caps while a signal is above a threshold, else large caps or cash.
:func:`sleeve`
    A fixed small-cap weight, calendar or band rebalancing, drifting in between.
:func:`dca`, :func:`dca_windows`
    Dollar-cost averaging against a lump sum, once or from every start date.

Sweeps (:mod:`capsize.backtest.sweep`)
--------------------------------------
:func:`ma_sweep` (moving-average rotation grids), :func:`signal_sweep` (threshold grids on
any signal) and :func:`sleeve_sweep` (weight x band x calendar x cost grids) run thousands
of configurations in one pass (vectorized numpy for rotations that trade every close,
numba kernels for the rest) and return one row per configuration (parameters
then :data:`STAT_NAMES`); each row equals the single run with the same parameters.

Honest figures
--------------
:func:`block_bootstrap_ci` (stationary block bootstrap intervals, drawn in seeded
replication blocks that :func:`capsize.scale.partitioned_bootstrap_ci` runs on workers),
:func:`deflated_sharpe` (the best of N configurations against the best expected from N
skill-less tries), :func:`reality_check` (White's reality check and Hansen's SPA test:
does the best configuration beat a benchmark beyond data snooping?) and
:func:`walk_forward` (choose in sample, report out of sample).

Each strategy returns a :class:`BacktestRun` (``returns``, ``equity``, ``weights``, ``trades``,
``params``) or a :class:`DcaResult`; :func:`stats` summarises a run (CAGR, volatility,
Sharpe, Sortino, max drawdown and its duration, Calmar, turnover, hit rate, exposure).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from capsize import backtest as bt
>>> idx = pd.bdate_range("2020-01-01", periods=300)
>>> rng = np.random.default_rng(0)
>>> r = pd.DataFrame(rng.normal(3e-4, 0.01, (300, 2)), idx, columns=["IWM", "SPY"])
>>> run = bt.sleeve(r, 0.2, rebalance="Q", cost_bps=5)
>>> sorted(bt.stats(run))[:3]
['cagr', 'calmar', 'exposure']
>>> grid = bt.sleeve_sweep(r, weights=[0.1, 0.2], rebalance=["Q", None], cost_bps=5)
>>> grid["n_trades"].tolist()  # quarterly: 4 rebalances; None: buy and hold
[4.0, 0.0, 4.0, 0.0]
"""

from __future__ import annotations

from capsize.backtest._bootstrap import (
    REPLICATIONS_PER_BLOCK,
    BootstrapInterval,
    block_bootstrap_ci,
    bootstrap_inputs,
    percentile_interval,
    replication_blocks,
    replication_seeds,
    resample_statistic,
    stationary_indices,
    vectorized_statistic,
)
from capsize.backtest._costs import DEFAULT_SPREAD_BPS, leg_rate, spread_for_tier
from capsize.backtest._dca import dca, dca_windows
from capsize.backtest._inputs import infer_periods_per_year
from capsize.backtest._reality import RealityCheck, reality_check
from capsize.backtest._result import BacktestRun, DcaResult
from capsize.backtest._rotation import rotation
from capsize.backtest._selection import (
    DeflatedSharpe,
    WalkForward,
    deflated_sharpe,
    distinct_trials,
    expected_max_sharpe,
    walk_forward,
)
from capsize.backtest._sleeve import sleeve
from capsize.backtest._stats import STAT_NAMES, stats
from capsize.backtest.sweep import (
    ma_signal,
    ma_sweep,
    relative_strength,
    signal_sweep,
    sleeve_sweep,
)

__all__ = [
    "DEFAULT_SPREAD_BPS",
    "REPLICATIONS_PER_BLOCK",
    "STAT_NAMES",
    "BacktestRun",
    "BootstrapInterval",
    "DcaResult",
    "DeflatedSharpe",
    "RealityCheck",
    "WalkForward",
    "block_bootstrap_ci",
    "bootstrap_inputs",
    "dca",
    "dca_windows",
    "deflated_sharpe",
    "distinct_trials",
    "expected_max_sharpe",
    "infer_periods_per_year",
    "leg_rate",
    "ma_signal",
    "ma_sweep",
    "percentile_interval",
    "reality_check",
    "relative_strength",
    "replication_blocks",
    "replication_seeds",
    "resample_statistic",
    "rotation",
    "signal_sweep",
    "sleeve",
    "sleeve_sweep",
    "spread_for_tier",
    "stationary_indices",
    "stats",
    "vectorized_statistic",
    "walk_forward",
]
