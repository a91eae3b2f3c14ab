"""The backtest family: whether the rating card's signals and small-cap sleeves pay.

* :func:`backtest` (``capsize backtest run``): one strategy (rotation on a signal, a fixed
  small-cap sleeve, dollar-cost averaging) on IWM/SPY, or on Ken French size portfolios
  monthly from 1926 (``universe="french"``), point in time.
* :func:`backtest_grid` (``capsize backtest run --config grid.toml``): a parameter sweep,
  the number of configurations tried, the deflated Sharpe ratio of the best one and the
  reality-check / SPA p-values against buy and hold of the large leg.
* :func:`signal_record` (``capsize backtest signals``, the report's "Do the signals
  work?"): every rating-card signal's out-of-sample record, including the ones that do
  not work.
* :func:`signal_histories`: the signals themselves, month-end and daily, point in time.
"""

from __future__ import annotations

from capsize.queries.backtesting._backtest import (
    STAT_UNITS,
    UNSIGNED,
    BacktestResult,
    backtest,
    describe,
    rf_note,
    stat_words,
)
from capsize.queries.backtesting._grid import (
    GRID_STATS,
    REALITY_MAX_CONFIGS,
    GridResult,
    backtest_grid,
)
from capsize.queries.backtesting._params import (
    MAX_CONFIGS,
    PARAMS,
    STRATEGIES,
    Param,
    check_signal,
    check_strategy,
    expand_grid,
    resolve_params,
)
from capsize.queries.backtesting._record import (
    OOS_START,
    SignalRecordResult,
    SignalRow,
    signal_record,
    verdict_sentence,
)
from capsize.queries.backtesting._riskfree import RF_CHOICES, TBILL, RiskFree, check_rf
from capsize.queries.backtesting._signals import (
    CARD_SIGNALS,
    DAILY_WINDOWS,
    NO_HISTORY,
    SignalHistories,
    daily_signals,
    next_period_returns,
    signal_histories,
)
from capsize.queries.backtesting._universe import (
    FRENCH_LEGS,
    UNIVERSES,
    Universe,
    check_universe,
)

__all__ = [
    "CARD_SIGNALS",
    "DAILY_WINDOWS",
    "FRENCH_LEGS",
    "GRID_STATS",
    "MAX_CONFIGS",
    "NO_HISTORY",
    "OOS_START",
    "PARAMS",
    "REALITY_MAX_CONFIGS",
    "RF_CHOICES",
    "STAT_UNITS",
    "STRATEGIES",
    "TBILL",
    "UNIVERSES",
    "UNSIGNED",
    "BacktestResult",
    "GridResult",
    "Param",
    "RiskFree",
    "SignalHistories",
    "SignalRecordResult",
    "SignalRow",
    "Universe",
    "backtest",
    "backtest_grid",
    "check_rf",
    "check_signal",
    "check_strategy",
    "check_universe",
    "daily_signals",
    "describe",
    "expand_grid",
    "next_period_returns",
    "resolve_params",
    "rf_note",
    "signal_histories",
    "signal_record",
    "stat_words",
    "verdict_sentence",
]
