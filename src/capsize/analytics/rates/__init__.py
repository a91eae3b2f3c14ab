"""Rates as a driver of size rotation: regressions, regimes and Fed policy turns.

The claim tested here is the common one: "small companies carry more
floating-rate debt, so rates drive them". Each function measures one version of
it on data passed in; nothing here reads files or the network.

* :func:`rate_sensitivity` regresses the small-minus-large return spread on
  changes in Treasury yields (least squares, Newey-West t-statistics by default).
* :func:`rolling_rate_sensitivity` and :func:`rolling_rate_correlation` show how
  that relation moves over time.
* :func:`rate_regime_table` groups months by whether yields rose, fell or stayed
  flat by a stated threshold and reports what small-minus-large did *next*.
* :func:`detect_policy_turns` finds the first cut and the first hike of each Fed
  cycle in the effective fed funds rate, and :func:`policy_event_study` follows
  small vs large from three months before to twelve months after each turn.

Units: prices in any currency (only ratios are used); yields in percent, as FRED
publishes them, so a yield *change* of ``1.0`` is 100 basis points; returns and
spreads are fractions (0.01 = 1%).

Modules: ``_inputs`` (checks, the aligned spread/yield-change frame), ``_regression``,
``_regimes``, ``_policy`` (turns and the event study).
"""

from __future__ import annotations

from capsize.analytics.rates._inputs import (
    Frequency,
    as_price_series,
    as_yields,
    check_frequency,
    spread_and_yield_changes,
)
from capsize.analytics.rates._policy import (
    PolicyEventStudy,
    detect_policy_turns,
    policy_event_study,
)
from capsize.analytics.rates._regimes import DEFAULT_HORIZONS, rate_regime_table
from capsize.analytics.rates._regression import (
    RateRegression,
    rate_sensitivity,
    rolling_rate_correlation,
    rolling_rate_sensitivity,
)

__all__ = [
    "DEFAULT_HORIZONS",
    "Frequency",
    "PolicyEventStudy",
    "RateRegression",
    "as_price_series",
    "as_yields",
    "check_frequency",
    "detect_policy_turns",
    "policy_event_study",
    "rate_regime_table",
    "rate_sensitivity",
    "rolling_rate_correlation",
    "rolling_rate_sensitivity",
    "spread_and_yield_changes",
]
