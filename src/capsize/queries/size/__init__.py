"""The size family's questions: the size factor's history and the rotation score.

* :func:`factor_history` (``capsize factor``, the report's size section): SMB and
  smallest-versus-largest spreads across a century, point in time with French's
  publication lag.
* :func:`rotation_score` (``capsize rotation``, the report's rating card): six components
  scored -2..+2 with the configured weights, one staleness rule, the score's history and
  what followed it.
"""

from __future__ import annotations

from capsize.queries.size._factor import FACTOR_SERIES, FactorHistory, FactorSeries, factor_history
from capsize.queries.size._rotation import (
    HISTORY_START,
    READING_UNITS,
    ComponentRow,
    RotationScoreResult,
    rotation_score,
)
from capsize.queries.size._rotation_inputs import configured_weights

__all__ = [
    "FACTOR_SERIES",
    "HISTORY_START",
    "READING_UNITS",
    "ComponentRow",
    "FactorHistory",
    "FactorSeries",
    "RotationScoreResult",
    "configured_weights",
    "factor_history",
    "rotation_score",
]
