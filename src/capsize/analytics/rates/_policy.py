"""Fed policy turns and the small-vs-large event study around them.

Private module of :mod:`capsize.analytics.rates` (re-exported there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from capsize.analytics.rates._inputs import as_price_series
from capsize.errors import InputError

__all__ = ["PolicyEventStudy", "detect_policy_turns", "policy_event_study"]


# ---------------------------------------------------------------------------
# Fed policy turns
# ---------------------------------------------------------------------------

_PRIOR_DAYS = 63
_REVERSAL_DAYS = 45


def _l1_to_level(seg: np.ndarray, level: float, other: float, threshold: float) -> np.ndarray:
    """Absolute distance to ``level``, zero for days beyond both levels (dips and spikes).

    A day further than ``threshold`` outside the band between the two levels
    says nothing about which side of the step it is on, so it costs nothing
    on either side.
    """
    lo, hi = min(level, other) - threshold, max(level, other) + threshold
    inside = (seg >= lo) & (seg <= hi)
    return np.where(inside, np.abs(seg - level), 0.0)


def _persists(
    raw: np.ndarray,
    dates: pd.DatetimeIndex,
    start: int,
    direction: int,
    threshold: float,
    k: int,
) -> bool:
    """Whether the level reached at ``start`` holds (daily data).

    The median of the ``k`` observations from ``start`` must differ from the
    median of the ``_PRIOR_DAYS`` before it by at least ``threshold`` in the
    move's direction, and no median of 5 weekday observations in the following
    ``_REVERSAL_DAYS`` calendar days may come back within ``threshold / 2`` of
    the prior level.
    """
    if start < 1:
        return True
    prior = float(np.median(raw[max(start - _PRIOR_DAYS, 0) : start]))
    after = float(np.median(raw[start : start + k]))
    if (after - prior) * direction < threshold - 1e-12:
        return False
    end = int(dates.searchsorted(dates[start] + pd.Timedelta(days=_REVERSAL_DAYS), side="right"))
    # weekdays only: DFF repeats Friday's rate over weekends and holidays, which would
    # let a two-business-day year-end dip look like a week
    window = raw[start:end][np.asarray(dates[start:end].day_of_week) < 5]
    if len(window) >= 5:
        med5 = pd.Series(window).rolling(5).median().to_numpy()[4:]
        if bool(np.any(np.abs(med5 - prior) < threshold / 2 - 1e-12)):
            return False
    return True


def detect_policy_turns(
    rate: pd.Series,
    *,
    threshold: float = 0.20,
    smooth: int | None = None,
    min_hold_days: int = 45,
) -> pd.DataFrame:
    """Find policy-rate moves and the turns (first cut / first hike) of each cycle.

    Rule
    ----
    1. Smooth the rate with a trailing median of ``smooth`` observations
       (default 21 for daily data such as ``DFF``, i.e. three calendar weeks;
       1 for monthly ``FEDFUNDS``), which removes month-end, year-end and
       repo spikes.
    2. Keep a reference level, starting at the first smoothed value. A *move*
       happens when the smoothed rate is at least ``threshold`` percentage
       points (default 0.20, i.e. a 25 bp step survives, drift does not) away
       from the reference; the reference then becomes the new smoothed value.
    3. The move is dated by an L1 step fit of the raw rate (old level before,
       new level after) over the last ``2 * smooth`` observations; for daily
       data the decision date is the calendar day before the first day at
       the new level (an FOMC decision moves the effective rate from the next
       day on).
    4. Daily data only: the move is kept if the new level persists. The
       median of the ``smooth`` observations from the step must be at least
       ``threshold`` away from the median of the 63 before it, and no median of
       5 weekday observations in the next 45 calendar days may come back within
       ``threshold / 2`` of that prior level; days beyond both levels by more
       than ``threshold`` (dips, spikes) do not vote in the step fit. This drops
       money-market dips (August 2007, year-end 2000) that are not decisions.
    5. Whipsaws are dropped: a move followed by an opposite move less than
       ``min_hold_days`` calendar days later removes both.
    6. A *turn* is a move whose direction differs from the previous move's:
       ``first_cut`` after hikes, ``first_hike`` after cuts. The first move in
       the data is not a turn (its predecessor is unknown).

    Parameters
    ----------
    rate : Series, percent
        Effective fed funds rate (``DFF`` daily or ``FEDFUNDS`` monthly).
    threshold : float
        Minimum change of the smoothed rate, percentage points.
    smooth : int, optional
        Trailing median length in observations.
    min_hold_days : int
        Opposite moves closer than this (calendar days) cancel out.

    Returns
    -------
    DataFrame
        One row per move: ``date`` (decision date), ``direction`` (+1 hike,
        -1 cut), ``from_level``, ``to_level`` (smoothed, percent), ``kind``
        (``first_hike``, ``first_cut`` or empty for a continuation).

    Notes
    -----
    Before the Fed announced targets (pre-1994) the effective rate moved a
    lot between meetings, so early "moves" are market moves, not decisions.
    """
    x = _policy_rate(rate, threshold)
    spacing = float(np.median(np.diff(x.index.to_numpy()).astype("timedelta64[D]").astype(float)))
    daily = spacing < 20
    k = smooth if smooth is not None else (21 if daily else 1)
    if k < 1:
        raise InputError(f"smooth={k} must be >= 1")
    moves = _drop_whipsaws(_find_moves(x, k, threshold, daily), min_hold_days)
    out = pd.DataFrame(
        _label_turns(moves), columns=["date", "direction", "from_level", "to_level", "kind"]
    )
    out.attrs.update(
        rule=_rule_text(k, threshold, min_hold_days, daily),
        series=str(rate.name) if rate.name is not None else "rate",
    )
    return out


def _policy_rate(rate: pd.Series, threshold: float) -> pd.Series:
    """Validate the rate and its threshold; return the numeric rate, sorted, NaN dropped."""
    if not isinstance(rate, pd.Series) or not isinstance(rate.index, pd.DatetimeIndex):
        raise InputError("rate must be a pandas Series indexed by date (percent)")
    if threshold <= 0:
        raise InputError(f"threshold={threshold} must be > 0 percentage points")
    x = pd.to_numeric(rate, errors="coerce").astype("float64").dropna().sort_index()
    if len(x) < 2:
        raise InputError("rate has fewer than 2 observations")
    return x


def _step_start(
    raw: np.ndarray, t: int, k: int, levels: tuple[float, float], threshold: float, daily: bool
) -> int:
    """Date a move detected at ``t`` by an L1 step fit over the last ``2 k`` observations."""
    old, new = levels
    lo = max(t - 2 * k, 0)
    seg = raw[lo : t + 1]
    if daily:
        # the level the rate settles at: the raw median from the detection day on
        settled = float(np.median(raw[t : t + k]))
        cost_new = _l1_to_level(seg, settled, old, threshold)
        cost_old = _l1_to_level(seg, old, settled, threshold)
    else:
        cost_new, cost_old = np.abs(seg - new), np.abs(seg - old)
    # L1 step fit: the split that best separates the old level from the new one.
    before = np.concatenate([[0.0], np.cumsum(cost_old)])
    after = np.concatenate([np.cumsum(cost_new[::-1])[::-1], [0.0]])
    cost = before[: len(seg)] + after[: len(seg)]
    return lo + int(np.argmin(cost))


def _find_moves(x: pd.Series, k: int, threshold: float, daily: bool) -> list[dict[str, object]]:
    """Find the moves of the smoothed rate away from the last level (rule steps 1 to 4)."""
    s = x.rolling(k, min_periods=1).median().to_numpy()
    raw = x.to_numpy()
    dates = pd.DatetimeIndex(x.index)
    ref = s[0]
    moves: list[dict[str, object]] = []
    for t in range(1, len(s)):
        if abs(s[t] - ref) < threshold - 1e-12:
            continue
        new, old = float(s[t]), float(ref)
        start = _step_start(raw, t, k, (old, new), threshold, daily)
        direction = 1 if new > old else -1
        if daily and not _persists(raw, dates, start, direction, threshold, k):
            continue  # a money-market dip or spike, not a new policy level
        when = pd.Timestamp(dates[start])
        if daily:
            when = when - pd.Timedelta(days=1)
        moves.append({"date": when, "direction": direction, "from_level": old, "to_level": new})
        ref = new
    return moves


def _drop_whipsaws(moves: list[dict[str, object]], min_hold_days: int) -> list[dict[str, object]]:
    """Remove pairs of opposite moves less than ``min_hold_days`` apart, until none is left."""
    out = list(moves)
    i = 0
    while i < len(out) - 1:
        a, b = out[i], out[i + 1]
        gap = (pd.Timestamp(b["date"]) - pd.Timestamp(a["date"])).days  # type: ignore[arg-type]
        if a["direction"] != b["direction"] and gap < min_hold_days:
            del out[i : i + 2]
            i = 0
            continue
        i += 1
    return out


def _label_turns(moves: list[dict[str, object]]) -> list[dict[str, object]]:
    """Mark each move that reverses the previous move's direction as a turn."""
    rows: list[dict[str, object]] = []
    last_dir = 0
    for m in moves:
        direction = int(m["direction"])  # type: ignore[call-overload]
        kind = ""
        if last_dir != 0 and direction != last_dir:
            kind = "first_hike" if direction > 0 else "first_cut"
        rows.append({**m, "kind": kind})
        last_dir = direction
    return rows


def _rule_text(k: int, threshold: float, min_hold_days: int, daily: bool) -> str:
    """State the detection rule in words, with its parameters."""
    persist = (
        f"; kept only if the {k}-day median after it is {threshold:.2f} pp or more from the "
        f"{_PRIOR_DAYS}-day median before it and no 5-weekday median returns within "
        f"{threshold / 2:.2f} pp of that prior level in the next {_REVERSAL_DAYS} days "
        "(drops money-market dips such as August 2007 and year-end 2000); known error: "
        "before 2008 the effective rate was noisy and some turns are dated up to 10 days "
        "from the FOMC decision (e.g. 2007-09-17 for the 2007-09-18 cut)"
        if daily
        else ""
    )
    return (
        f"move = trailing {k}-obs median of the rate at least {threshold:.2f} pp from the "
        f"last level{persist} (moves undone within {min_hold_days} days dropped); "
        "turn = move in the opposite direction of the previous move"
    )


@dataclass(frozen=True)
class PolicyEventStudy:
    """Small vs large around Fed policy turns.

    Attributes
    ----------
    paths : DataFrame
        One row per event (index = event date), one column per month offset
        (-3 .. 12): relative return of small vs large from the close before
        the event to that offset, ``(P_s(t)/P_s(t0)) / (P_l(t)/P_l(t0)) - 1``;
        negative offsets show the run-up into the event. NaN where the data
        does not reach.
    kinds : Series
        ``first_cut`` or ``first_hike`` per event.
    summary : DataFrame
        Index ``kind``; columns per offset: mean over events with data, and
        ``n`` (events with a complete +12 month window).
    small, large : str
    base_rule : str
    turns_rule : str
    """

    paths: pd.DataFrame
    kinds: pd.Series
    summary: pd.DataFrame
    small: str
    large: str
    base_rule: str = "base = last close strictly before the event date"
    turns_rule: str = ""
    offsets: tuple[int, ...] = field(default=tuple(range(-3, 13)))


def policy_event_study(
    small: pd.Series,
    large: pd.Series,
    turns: pd.DataFrame,
    *,
    offsets: Sequence[int] = tuple(range(-3, 13)),
) -> PolicyEventStudy:
    """Follow small vs large from -3 to +12 months around each policy turn.

    Parameters
    ----------
    small, large : Series of shape (n_days,)
        Closing prices.
    turns : DataFrame
        Output of :func:`detect_policy_turns`; rows with an empty ``kind``
        (continuations) are ignored.
    offsets : sequence of int
        Month offsets relative to the event.

    Returns
    -------
    PolicyEventStudy

    Notes
    -----
    The value at offset k uses the last close on or before ``t0 + k`` months;
    an offset past the last (or before the first) price is NaN, never
    extrapolated. Events before the first price are dropped.
    """
    s = as_price_series(small, "small")
    lg = as_price_series(large, "large")
    if not {"date", "kind"} <= set(turns.columns):
        raise InputError("turns must have columns 'date' and 'kind' (see detect_policy_turns)")
    rel = pd.concat([s, lg], axis=1, join="inner", sort=True).dropna()
    ratio = (rel.iloc[:, 0] / rel.iloc[:, 1]).to_numpy()
    idx = rel.index
    first, last = idx[0], idx[-1]
    events = turns[turns["kind"].astype(str) != ""]
    offs = [int(o) for o in offsets]
    paths: dict[pd.Timestamp, list[float]] = {}
    kinds: dict[pd.Timestamp, str] = {}
    for _, ev in events.iterrows():
        t0 = pd.Timestamp(ev["date"])
        pos0 = int(idx.searchsorted(t0, side="left")) - 1  # last close strictly before t0
        if pos0 < 0:
            continue
        base = ratio[pos0]
        vals: list[float] = []
        for o in offs:
            target = t0 + pd.DateOffset(months=o)
            if target > last or target < first:
                vals.append(float("nan"))
                continue
            pos = int(idx.searchsorted(target, side="right")) - 1
            vals.append(float(ratio[pos] / base - 1.0))
        paths[t0] = vals
        kinds[t0] = str(ev["kind"])
    frame = pd.DataFrame.from_dict(paths, orient="index", columns=offs)
    frame.index.name = "event"
    kind_s = pd.Series(kinds, name="kind", dtype="object")
    summary_rows = {}
    for kind in ("first_cut", "first_hike"):
        sub = frame[kind_s.reindex(frame.index) == kind]
        row = sub.mean(axis=0, skipna=True)
        row["n"] = float(sub[offs[-1]].notna().sum()) if len(sub) else 0.0
        summary_rows[kind] = row
    summary = pd.DataFrame(summary_rows).T
    summary.index.name = "kind"
    return PolicyEventStudy(
        paths=frame,
        kinds=kind_s,
        summary=summary,
        small=str(small.name) if small.name is not None else "small",
        large=str(large.name) if large.name is not None else "large",
        turns_rule=str(turns.attrs.get("rule", "")),
        offsets=tuple(offs),
    )
