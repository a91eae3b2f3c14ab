"""The size factor across a century: Ken French data in, typed answers out.

Inputs are frames of **returns in percent, as French publishes them** (a
``DatetimeIndex`` of month ends or trading days), e.g. the ``SMB`` column of the
three-factor file or the ``Lo 10`` / ``Hi 10`` columns of *Portfolios Formed on
Size*. Nothing here reads files, the store or the network.

The unit of analysis is a **relative return series** (fraction per month):

* from a long-short factor (``SMB``): ``rel = SMB / 100``; its cumulative line
  ``prod(1 + rel)`` is the growth of a self-financing small-minus-big position;
* from two portfolios (``Lo 10`` vs ``Hi 10``): ``rel = (1 + r_small) / (1 + r_large) - 1``,
  so that the cumulative line is exactly ``wealth_small / wealth_large``.

A rising line means small caps lead; a falling line means large caps lead.

Publication lag
---------------
French publishes each month's data with a lag. The stored vintages show it: the
"202510" monthly factors were committed to a public repository on 2025-12-09 and
the "202602" size portfolios on 2026-04-29, i.e. five to nine weeks after month
end. :data:`DEFAULT_PUBLICATION_LAG_MONTHS` is therefore **2**: the data of month
``M`` (daily or monthly rows) counts as available at the end of month ``M + 2``.
:func:`point_in_time` applies that rule; pass ``publication_lag_months=1`` for a
less conservative reading.

Missing values
--------------
French marks missing values with ``-99.99`` or ``-999`` (the ``<= 0`` column of
the size portfolios is always ``-99.99``). :func:`mask_missing_codes` turns both
codes into NaN; every function here applies it at the door, so frames straight
from a parser and frames from the store (already masked) give the same answers.
"""

from __future__ import annotations

from capsize.analytics.factors._forward import bucket_labels, conditional_forward_returns
from capsize.analytics.factors._history import (
    StreakAftermath,
    calendar_years,
    leadership_streaks,
    relative_cycles,
    rolling_spread,
    size_factor_history,
    streak_aftermath,
    trailing_ranks,
)
from capsize.analytics.factors._series import (
    compound_to_monthly,
    cumulative_growth,
    etf_tracking,
    factor_relative_returns,
    mask_missing_codes,
    point_in_time,
    portfolio_relative_returns,
    publication_cutoff,
)
from capsize.analytics.factors._types import (
    DEFAULT_PUBLICATION_LAG_MONTHS,
    MISSING_CODES,
    OVERREADING_WARNING,
    Cycle,
    ForwardReturnTable,
    Provenance,
    RelativeSeries,
    SizeFactorHistory,
    Streak,
    TrackingResult,
    TrailingRank,
)
from capsize.analytics.factors._types import NanPolicy as NanPolicy

__all__ = [
    "DEFAULT_PUBLICATION_LAG_MONTHS",
    "MISSING_CODES",
    "OVERREADING_WARNING",
    "Cycle",
    "ForwardReturnTable",
    "Provenance",
    "RelativeSeries",
    "SizeFactorHistory",
    "Streak",
    "StreakAftermath",
    "TrackingResult",
    "TrailingRank",
    "bucket_labels",
    "calendar_years",
    "compound_to_monthly",
    "conditional_forward_returns",
    "cumulative_growth",
    "etf_tracking",
    "factor_relative_returns",
    "leadership_streaks",
    "mask_missing_codes",
    "point_in_time",
    "portfolio_relative_returns",
    "publication_cutoff",
    "relative_cycles",
    "rolling_spread",
    "size_factor_history",
    "streak_aftermath",
    "trailing_ranks",
]
