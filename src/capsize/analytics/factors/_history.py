"""History of the relative line: growth, rolling spreads, calendar years, streaks, cycles, ranks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from capsize.analytics.factors._forward import conditional_forward_returns
from capsize.analytics.factors._series import (
    check_index,
    cumulative_growth,
    datetime_index,
    relative_values,
)
from capsize.analytics.factors._types import (
    Cycle,
    Provenance,
    RelativeSeries,
    SizeFactorHistory,
    Streak,
    TrailingRank,
)
from capsize.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "StreakAftermath",
    "calendar_years",
    "leadership_streaks",
    "relative_cycles",
    "rolling_spread",
    "size_factor_history",
    "streak_aftermath",
    "trailing_ranks",
]


def rolling_spread(rel: pd.Series | RelativeSeries, years: int) -> pd.DataFrame:
    """Trailing ``years``-year relative return at each month.

    Returns
    -------
    DataFrame with columns ``cumulative`` and ``annualised`` (fraction); NaN until
    ``12 * years`` months are available.
    """
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise InputError(f"years={years!r} must be a whole number >= 1")
    line = cumulative_growth(rel)
    n = 12 * years
    lv = np.concatenate([[1.0], line.to_numpy()])  # lv[k] = line after k months
    pos = np.arange(len(line))
    cum_v = np.full(len(line), np.nan)
    ok = pos + 1 - n >= 0
    cum_v[ok] = lv[pos[ok] + 1] / lv[pos[ok] + 1 - n] - 1.0
    cum = pd.Series(cum_v, index=line.index)
    ann = (1.0 + cum) ** (1.0 / years) - 1.0
    return pd.DataFrame({"cumulative": cum, "annualised": ann})


def calendar_years(rel: pd.Series | RelativeSeries) -> pd.DataFrame:
    """Relative return per calendar year and who led.

    Returns
    -------
    DataFrame indexed by year with ``relative`` (fraction), ``months``,
    ``complete`` (12 months) and ``leader`` (``"small"``/``"large"``/``"tie"``).
    """
    r = relative_values(rel).dropna()
    g = (1.0 + r).groupby(datetime_index(r).year)
    out = pd.DataFrame({"relative": g.prod() - 1.0, "months": g.size()})
    out.index.name = "year"
    out["complete"] = out["months"] == 12
    out["leader"] = np.where(
        out["relative"] > 0, "small", np.where(out["relative"] < 0, "large", "tie")
    )
    return out


def leadership_streaks(
    years: pd.DataFrame, leader: Literal["small", "large"] = "large", top: int | None = 5
) -> tuple[Streak, ...]:
    """Longest runs of calendar years led by ``leader`` (complete years only).

    The last run is ``ongoing`` when it reaches the last complete year. Sorted by
    length, then by the size of the cumulative lead, longest first.
    """
    if leader not in ("small", "large"):
        raise InputError(f"leader={leader!r} must be 'small' or 'large'")
    full = years.loc[years["complete"]]
    runs: list[Streak] = []
    start: int | None = None
    prod = 1.0
    yrs = [int(y) for y in full.index]
    for i, y in enumerate(yrs):
        led = full["leader"].iloc[i] == leader
        contiguous = i > 0 and y == yrs[i - 1] + 1
        if led and start is not None and contiguous:
            prod *= 1.0 + float(full["relative"].iloc[i])
        elif led:
            if start is not None:
                runs.append(_streak(leader, start, yrs[i - 1], prod, False))
            start, prod = y, 1.0 + float(full["relative"].iloc[i])
        elif start is not None:
            runs.append(_streak(leader, start, yrs[i - 1], prod, False))
            start = None
    if start is not None:
        runs.append(_streak(leader, start, yrs[-1], prod, True))
    runs.sort(key=lambda s: (-s.years, -abs(s.cumulative), -s.end_year))
    return tuple(runs if top is None else runs[:top])


def _streak(
    leader: Literal["small", "large"], a: int, b: int, prod: float, ongoing: bool
) -> Streak:
    return Streak(leader, a, b, b - a + 1, prod - 1.0, ongoing)


def relative_cycles(line: pd.Series, threshold: float = 0.25) -> tuple[Cycle, ...]:
    """Peak-to-trough and trough-to-peak legs of the relative line (zigzag).

    A turning point is confirmed when the line has moved ``threshold`` (fraction)
    away from its running extreme: a fall of 25% from a peak ends a small-cap leg,
    a rise of 25% from a trough ends a large-cap leg. The last leg runs to the last
    observation and is flagged ``ongoing``. Months are counted between month ends.
    """
    check_index(line, "line")
    if not 0 < threshold < 1:
        raise InputError(f"threshold={threshold} must be a fraction between 0 and 1, e.g. 0.25")
    x = line.to_numpy(dtype="float64")
    if len(x) < 2 or not np.isfinite(x).all() or (x <= 0).any():
        raise InputError("line must be a positive, finite series with at least 2 points")
    pivots = _zigzag_pivots(x, threshold)
    if not pivots:
        return ()
    idx = line.index
    bounds = [*pivots, len(x) - 1]
    out: list[Cycle] = []
    for k in range(len(bounds) - 1):
        a, b = bounds[k], bounds[k + 1]
        if a == b:
            continue
        mag = x[b] / x[a] - 1.0
        out.append(
            Cycle(
                leader="small" if mag > 0 else "large",
                start=pd.Timestamp(idx[a]),
                end=pd.Timestamp(idx[b]),
                months=_months_between(idx[a], idx[b]),
                magnitude=float(mag),
                ongoing=k == len(bounds) - 2,
            )
        )
    return tuple(out)


def _first_turn(x: np.ndarray, threshold: float) -> tuple[int, int, int] | None:
    """Find the first confirmed move: (pivot, trend +1/-1, position of the new extreme)."""
    hi = lo = 0
    for i in range(1, len(x)):
        v = x[i]
        hi = i if v > x[hi] else hi
        lo = i if v < x[lo] else lo
        if v / x[lo] - 1.0 >= threshold:
            return lo, 1, i
        if v / x[hi] - 1.0 <= -threshold:
            return hi, -1, i
    return None


def _zigzag_pivots(x: np.ndarray, threshold: float) -> list[int]:
    """Positions of the confirmed turning points of a positive line (zigzag rule)."""
    first = _first_turn(x, threshold)
    if first is None:
        return []
    pivot, trend, ext = first
    pivots = [pivot]
    for i in range(ext + 1, len(x)):
        move = x[i] / x[ext] - 1.0
        if move * trend >= 0:  # a new extreme in the trend's direction
            ext = i
        elif -move * trend >= threshold:  # reversal confirmed: the extreme was a turn
            pivots.append(ext)
            trend, ext = -trend, i
    return pivots


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def trailing_ranks(
    rel: pd.Series | RelativeSeries, years: Sequence[int] = (1, 3, 5, 10)
) -> tuple[TrailingRank, ...]:
    """Rank the latest trailing 1/3/5/10-year spreads among every month in history."""
    out: list[TrailingRank] = []
    for y in years:
        roll = rolling_spread(rel, y)["cumulative"].dropna()
        if roll.empty:
            continue
        last = float(roll.iloc[-1])
        rank = int((roll < last).sum()) + 1
        out.append(
            TrailingRank(
                years=y,
                value=last,
                annualised=(1.0 + last) ** (1.0 / y) - 1.0,
                rank=rank,
                n=len(roll),
                percentile=float((roll <= last).mean()),
                date=pd.Timestamp(roll.index[-1]),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class StreakAftermath:
    """What followed runs of at least ``min_years`` calendar years led by one side.

    ``table`` has one row per episode: ``start_year``, ``trigger_year`` (the year
    the run reached ``min_years``), ``run_years`` (its final length, counting
    later years), and ``fwd_{h}y`` = small-minus-large relative return over the
    ``h`` calendar years after the trigger year (fraction; NaN when the data end
    sooner). Each run is one episode, so episodes are independent by
    construction, but there are few of them.
    """

    table: pd.DataFrame
    leader: Literal["small", "large"]
    min_years: int
    horizons_years: tuple[int, ...]
    warning: str


def streak_aftermath(
    rel: pd.Series | RelativeSeries,
    min_years: int = 4,
    leader: Literal["small", "large"] = "large",
    horizons_years: Sequence[int] = (1, 3, 5),
) -> StreakAftermath:
    """After ``min_years`` calendar years running of ``leader`` leadership, what came next.

    One observation per run (at the end of the year the run reached
    ``min_years``), so overlapping windows never count twice. Only complete
    calendar years count towards a run; forward windows need complete years.
    """
    if isinstance(min_years, bool) or not isinstance(min_years, int) or min_years < 1:
        raise InputError(f"min_years={min_years!r} must be a whole number >= 1")
    r = relative_values(rel).dropna()
    yrs = calendar_years(r)
    full = yrs.loc[yrs["complete"]]
    growth = dict(
        zip(
            [int(y) for y in full.index.tolist()],
            (1.0 + full["relative"]).tolist(),
            strict=True,
        )
    )
    runs = leadership_streaks(yrs, leader, top=None)
    rows: list[dict[str, object]] = []
    for run in sorted(runs, key=lambda x: x.start_year):
        if run.years < min_years:
            continue
        trigger = run.start_year + min_years - 1
        row: dict[str, object] = {
            "start_year": run.start_year,
            "trigger_year": trigger,
            "run_years": run.years,
            "ongoing": run.ongoing,
        }
        for h in horizons_years:
            ahead = [trigger + k for k in range(1, h + 1)]
            row[f"fwd_{h}y"] = (
                float(np.prod([growth[y] for y in ahead]) - 1.0)
                if all(y in growth for y in ahead)
                else math.nan
            )
        rows.append(row)
    cols = ["start_year", "trigger_year", "run_years", "ongoing"]
    cols += [f"fwd_{h}y" for h in horizons_years]
    return StreakAftermath(
        pd.DataFrame(rows, columns=cols),
        leader,
        min_years,
        tuple(horizons_years),
        f"{len(rows)} episode(s), one per run, so none overlaps; that few episodes are "
        "anecdotes, not a forecast.",
    )


def size_factor_history(
    series: RelativeSeries,
    *,
    since: int | None = None,
    rolling_years: Sequence[int] = (1, 3, 5, 10),
    cycle_threshold: float = 0.25,
    lookback_months: int = 60,
    horizons_months: Sequence[int] = (12, 36, 60),
) -> SizeFactorHistory:
    """Cumulative line, rolling spreads, years, streaks, cycles, ranks and forward table.

    Parameters
    ----------
    series : RelativeSeries
        From :func:`factor_relative_returns` or :func:`portfolio_relative_returns`
        (already point-in-time if built with ``as_of``).
    since : int, optional
        First calendar year of the window (all statistics use only that window).
    """
    r = series.returns
    if since is not None:
        last = pd.Timestamp(r.index[-1])
        r = r.loc[datetime_index(r).year >= since]
        if r.empty:
            raise InputError(f"since={since} leaves no data; the series ends {last:%Y-%m}")
    prov = Provenance(
        dataset=series.provenance.dataset,
        series=series.provenance.series,
        formula=series.provenance.formula,
        first_date=pd.Timestamp(r.index[0]),
        last_date=pd.Timestamp(r.index[-1]),
        as_of=series.provenance.as_of,
        publication_lag_months=series.provenance.publication_lag_months,
    )
    rs = RelativeSeries(r, prov)
    line = cumulative_growth(rs)
    yrs = calendar_years(rs)
    streaks = leadership_streaks(yrs, "large", top=None) + leadership_streaks(yrs, "small", None)
    return SizeFactorHistory(
        provenance=prov,
        line=line,
        rolling={y: rolling_spread(rs, y) for y in rolling_years},
        years=yrs,
        streaks=tuple(sorted(streaks, key=lambda s: (-s.years, -abs(s.cumulative)))),
        cycles=relative_cycles(line, cycle_threshold) if len(line) > 1 else (),
        cycle_threshold=cycle_threshold,
        ranks=trailing_ranks(rs, rolling_years),
        forward=conditional_forward_returns(rs, lookback_months, horizons_months),
    )
