"""The size family's questions: the size factor's history, the rotation score, the bottom line.

* :func:`factor_history` (``capsize factor``, the report's size section): SMB and
  smallest-versus-largest spreads across a century, point in time with French's
  publication lag.
* :func:`rotation_score` (``capsize rotation``, the report's rating card): six components
  scored -2..+2 with the configured weights, one staleness rule, the score's history and
  what followed it.
* :func:`bottom_line` (the report's headline): the year, the month, the trend and the
  rotation score reconciled in two sentences by the rules of :mod:`capsize.rules.bottom_line`.
"""

from __future__ import annotations

from capsize.queries.size._bottom_line import BottomLineResult, Mention, bottom_line
from capsize.queries.size._factor import FACTOR_SERIES, FactorHistory, FactorSeries, factor_history
from capsize.queries.size._rotation import (
    HISTORY_START,
    READING_UNITS,
    ComponentRow,
    RotationScoreResult,
    rotation_score,
)
from capsize.queries.size._rotation_inputs import (
    LARGE,
    SMALL,
    RotationData,
    configured_weights,
    read_rotation_data,
    weights_in_force,
)
from capsize.queries.size._sources import join_sources, price_source

__all__ = [
    "FACTOR_SERIES",
    "HISTORY_START",
    "LARGE",
    "READING_UNITS",
    "SMALL",
    "BottomLineResult",
    "ComponentRow",
    "FactorHistory",
    "FactorSeries",
    "Mention",
    "RotationData",
    "RotationScoreResult",
    "bottom_line",
    "configured_weights",
    "factor_history",
    "join_sources",
    "price_source",
    "read_rotation_data",
    "rotation_score",
    "weights_in_force",
]
