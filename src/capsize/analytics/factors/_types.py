"""Constants and result types of the size-factor analytics (see :mod:`capsize.analytics.factors`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

__all__ = [
    "DEFAULT_PUBLICATION_LAG_MONTHS",
    "MISSING_CODES",
    "OVERREADING_WARNING",
    "Cycle",
    "ForwardReturnTable",
    "NanPolicy",
    "Provenance",
    "RelativeSeries",
    "SizeFactorHistory",
    "Streak",
    "TrackingResult",
    "TrailingRank",
]


DEFAULT_PUBLICATION_LAG_MONTHS = 2
"""Month ``M`` of French data is treated as available at the end of month ``M + 2``."""

MISSING_CODES: tuple[float, ...] = (-99.99, -999.0)
"""French's missing-value codes (percent units)."""

OVERREADING_WARNING = (
    "Few independent episodes: overlapping windows make neighbouring months near-copies "
    "of each other, so read these averages as anecdotes, not as forecasts."
)
"""Shown with every conditional table (forward returns, score evidence)."""

NanPolicy = Literal["raise", "skip"]


@dataclass(frozen=True)
class Provenance:
    """Where a figure comes from.

    Attributes
    ----------
    dataset : str
        Source data set, e.g. ``"FF3 monthly"``.
    series : str
        Column(s) used, e.g. ``"SMB"`` or ``"Lo 10 / Hi 10"``.
    formula : str
        How the relative return was formed.
    first_date, last_date : Timestamp
        Window actually used (last_date = the vintage's last month used).
    as_of : Timestamp or None
        Point-in-time date, if any.
    publication_lag_months : int
        Lag applied with ``as_of``.
    """

    dataset: str
    series: str
    formula: str
    first_date: pd.Timestamp
    last_date: pd.Timestamp
    as_of: pd.Timestamp | None = None
    publication_lag_months: int = DEFAULT_PUBLICATION_LAG_MONTHS


@dataclass(frozen=True)
class RelativeSeries:
    """Monthly small-vs-large relative returns (fraction) with their provenance."""

    returns: pd.Series
    provenance: Provenance


@dataclass(frozen=True)
class Streak:
    """A run of consecutive calendar years led by the same side.

    ``cumulative`` is the relative return over the run (fraction; negative for a
    large-cap run).
    """

    leader: Literal["small", "large"]
    start_year: int
    end_year: int
    years: int
    cumulative: float
    ongoing: bool


@dataclass(frozen=True)
class Cycle:
    """One leg of the relative line between two turning points.

    ``magnitude`` = line_end / line_start - 1 (fraction). ``ongoing`` legs end at
    the last observation and are not confirmed turning points.
    """

    leader: Literal["small", "large"]
    start: pd.Timestamp
    end: pd.Timestamp
    months: int
    magnitude: float
    ongoing: bool


@dataclass(frozen=True)
class TrailingRank:
    """Where the latest trailing spread ranks among every month in the window.

    ``rank`` 1 = most favourable to large caps; ``percentile`` = share of months
    with a trailing spread at or below the latest one.
    """

    years: int
    value: float
    annualised: float
    rank: int
    n: int
    percentile: float
    date: pd.Timestamp


@dataclass(frozen=True)
class ForwardReturnTable:
    """Forward relative returns conditional on the trailing spread.

    ``table`` has one row per (bucket, horizon) with columns ``bucket``,
    ``horizon_months``, ``n_months`` (overlapping observations), ``n_independent``
    (non-overlapping forward windows), ``n_episodes`` (separate runs of months in
    the bucket), ``mean_ann``, ``median_ann`` (annualised, fraction), ``hit_rate``
    (share of windows where small caps beat large caps), ``worst``, ``best``
    (cumulative over the horizon, fraction).
    """

    table: pd.DataFrame
    lookback_months: int
    horizons_months: tuple[int, ...]
    bins: tuple[float, ...]
    current_bucket: str | None
    warning: str
    provenance: Provenance


@dataclass(frozen=True)
class TrackingResult:
    """How closely an ETF pair tracks the factor over recent months.

    Statistics are on monthly relative returns (fraction); ``tracking_error`` is
    the annualised standard deviation of (proxy - factor).
    """

    proxy: str
    factor: str
    start: pd.Timestamp
    end: pd.Timestamp
    n_months: int
    correlation: float
    beta: float
    tracking_error: float
    factor_cumulative: float
    proxy_cumulative: float


@dataclass(frozen=True)
class SizeFactorHistory:
    """Everything :func:`size_factor_history` knows about one relative series."""

    provenance: Provenance
    line: pd.Series
    rolling: dict[int, pd.DataFrame]
    years: pd.DataFrame
    streaks: tuple[Streak, ...]
    cycles: tuple[Cycle, ...]
    cycle_threshold: float
    ranks: tuple[TrailingRank, ...]
    forward: ForwardReturnTable

    @property
    def current_cycle(self) -> Cycle | None:
        """The ongoing leg of the relative line (None when no turning point yet)."""
        return self.cycles[-1] if self.cycles and self.cycles[-1].ongoing else None

    def cycle_rank(self) -> tuple[int, int] | None:
        """Rank of the ongoing leg by length among legs led by the same side.

        Returns ``(rank, n)`` with rank 1 = longest, counting the ongoing leg.
        """
        cur = self.current_cycle
        if cur is None:
            return None
        same = [c for c in self.cycles if c.leader == cur.leader]
        return 1 + sum(c.months > cur.months for c in same), len(same)

    @property
    def current_streak(self) -> Streak | None:
        """The calendar-year run that reaches the last complete year, if any."""
        for s in self.streaks:
            if s.ongoing:
                return s
        return None
