"""A transparent small-vs-large rotation score that shows its evidence.

The score combines component readings the project already computes. Each
component maps its value to an integer on **-2 .. +2** (+2 = strongly favours
small caps, -2 = strongly favours large caps) with thresholds written once, in
:data:`SCORING_RULES`. The total is the weighted mean of the assessed
components; a component without a reading is **NOT ASSESSED**, left out, and the
remaining weights are renormalised to sum to one (the output says so).

Scoring rules (thresholds ``t1 < t2 < t3 < t4`` in the value's units; side ``+``
means a higher value favours small caps, ``-`` that it favours large caps)::

    component           value                                   t1     t2     t3     t4   side
    relative_strength   small/large ratio / 200-day mean - 1    -5%    -1%    +1%    +5%   +
    breadth             share of small caps above 200-day mean  30%    45%    55%    70%   +
    rates_regime        3-month change of 2-year yield, pp     -0.50  -0.15  +0.15  +0.50  -
    flows               6-month change of small-cap ETF shares -10%    -3%    +3%   +10%   +
                        outstanding (minus large-cap ETF's)
    valuation           percentile of small/large valuation     20%    40%    60%    80%   -
                        ratio in its own history (low = cheap)
    size_factor_regime  mean of annualised trailing 12- and     -6%    -2%    +2%    +6%   +
                        36-month SMB (French, lagged)

    score(v) = -2 if v < t1; -1 if v < t2; 0 if v <= t3; +1 if v <= t4; +2 otherwise
    (negated when a higher value favours large caps)

Default weights (:data:`DEFAULT_WEIGHTS`, override per component, e.g. from the
``[rotation.weights]`` table of ``config.toml``): relative strength 0.25, breadth
0.15, rates regime 0.15, flows 0.10, valuation 0.15, size-factor regime 0.20.

Labels of the total: >= +1.25 "strongly favours small caps", >= +0.5 "leans small
caps", <= -1.25 "strongly favours large caps", <= -0.5 "leans large caps",
otherwise "neutral".

Staleness: one rule for every component, :func:`capsize.rules.staleness.freshness`
with the component's data frequency (:data:`COMPONENT_FREQUENCY`: daily for prices,
breadth, yields and shares outstanding, monthly for French data and valuation). A
reading older than its frequency allows on the score date is NOT ASSESSED and its
weight is renormalised away, like a missing one (the disclosure says so).

Point in time: every builder takes ``as_of`` and uses only rows dated on or
before it; French data are further lagged by
:data:`capsize.analytics.factors.DEFAULT_PUBLICATION_LAG_MONTHS` months.
"""

from __future__ import annotations

from capsize.analytics.rotation._components import (
    breadth_component,
    flows_component,
    rates_regime_component,
    relative_strength_component,
    size_factor_regime_component,
    valuation_component,
)
from capsize.analytics.rotation._history import (
    RotationHistory,
    RotationInputs,
    ScoreEvidence,
    build_readings,
    rotation_history,
    score_forward_returns,
    spearman,
)
from capsize.analytics.rotation._score import (
    COMPONENT_FREQUENCY,
    COMPONENTS,
    DEFAULT_WEIGHTS,
    SCORING_RULES,
    ComponentReading,
    ComponentScore,
    RotationScore,
    ScoringRule,
    Status,
    resolve_weights,
    rotation_score,
    score_label,
)

__all__ = [
    "COMPONENTS",
    "COMPONENT_FREQUENCY",
    "DEFAULT_WEIGHTS",
    "SCORING_RULES",
    "ComponentReading",
    "ComponentScore",
    "RotationHistory",
    "RotationInputs",
    "RotationScore",
    "ScoreEvidence",
    "ScoringRule",
    "Status",
    "breadth_component",
    "build_readings",
    "flows_component",
    "rates_regime_component",
    "relative_strength_component",
    "resolve_weights",
    "rotation_history",
    "rotation_score",
    "score_forward_returns",
    "score_label",
    "size_factor_regime_component",
    "spearman",
    "valuation_component",
]
