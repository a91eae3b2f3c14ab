"""Slow states for the alert kernels: month-end rotation scores and weekly rating cards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.analytics import rotation as R
from capsize.errors import CapsizeError, DataNotFound

if TYPE_CHECKING:
    from capsize.queries.alerts._inputs import SessionInputs
    from capsize.queries.session import Session

__all__ = ["card_state", "rating_states", "rotation_scores"]

ROTATION_START = pd.Timestamp("2001-01-31")
"""First month end a replay scores (IWM history starts 2000-05)."""
NOT_ASSESSED = "NOT ASSESSED"
"""A rating field without its evidence: not a state, so neither the start nor the end of a change."""
LIVE_MONTHS = 4
"""Month ends a scheduled run scores (each costs a full point-in-time score)."""


def rotation_scores(s: Session, start: pd.Timestamp | None) -> pd.Series:
    """Month-end rotation scores (breadth excluded, as in the rotation answer's history).

    Each month end is scored with only the data available that day
    (:func:`capsize.analytics.rotation.rotation_history`): from two months before
    ``start`` (a replay), else the last :data:`LIVE_MONTHS` month ends (a scheduled run).
    """
    from capsize.queries.size._rotation_inputs import configured_weights, read_rotation_data

    d = read_rotation_data(s, breadth=False)  # the history leaves breadth out
    if d.inputs.small_prices is None or d.inputs.large_prices is None:
        raise DataNotFound("no IWM and SPY closes in the store for the rotation score")
    back = (
        start - pd.DateOffset(months=2)
        if start is not None
        else d.day - pd.DateOffset(months=LIVE_MONTHS)
    )
    first = max(ROTATION_START, pd.Timestamp(back))
    dates = pd.date_range(first, d.day, freq="ME")
    inputs = R.RotationInputs(
        d.inputs.small_prices,
        d.inputs.large_prices,
        d.inputs.yields_2y,
        d.inputs.ff_monthly,
        None,
        d.inputs.small_shares,
    )
    hist = R.rotation_history(inputs, dates, weights=configured_weights(s))
    if hist.frame.empty:
        raise DataNotFound("no month-end rotation score on or before the day")
    out = hist.frame["score"].astype(float)
    out.index = pd.DatetimeIndex(out.index, name="date")
    return out


def _week_ends(closes: pd.Series, first: pd.Timestamp) -> list[pd.Timestamp]:
    c = closes.loc[closes.index >= first]
    if c.empty:
        return []
    last = c.groupby(pd.DatetimeIndex(c.index).to_period("W-FRI")).tail(1)
    return [pd.Timestamp(x) for x in last.index]


def card_state(card: Any, field: str) -> str | None:
    """Return a rating card's ``field`` as a state (None: NOT ASSESSED).

    ``flags``: the raised risk flags' ids, sorted and comma-joined (``"none"`` when none
    is raised; None when no flag could be assessed).
    """
    if field != "flags":
        value = str(getattr(card, field).value)
        return None if value == NOT_ASSESSED else value
    flags = tuple(card.flags)
    if all(f.raised is None for f in flags):
        return None
    raised = sorted(str(f.id) for f in flags if f.raised)
    return ", ".join(raised) or "none"


def rating_states(inputs: SessionInputs, symbols: Sequence[str], field: str) -> pd.DataFrame:
    """Rating card ``field`` of each symbol on each week's last session since the start.

    Each card is rated with a session as of that day (point in time). A field NOT
    ASSESSED is missing (None), not a state. Errors are kept in ``attrs["errors"]`` per
    symbol.
    """
    from capsize.queries.session import Session
    from capsize.queries.stocks.rating import rating_card

    s = inputs.s
    end = s.requested or s.store.last_date()
    if end is None:
        raise DataNotFound("the store holds no prices")
    first = (
        inputs.start if inputs.start is not None else end - pd.Timedelta(days=inputs.rating_days)
    )
    cols: dict[str, pd.Series] = {}
    errors: dict[str, str] = {}
    for sym in symbols:
        try:
            days = _week_ends(inputs.prices("close", [sym])[sym].dropna(), first)
        except DataNotFound as exc:
            errors[sym] = str(exc).split(";")[0]
            continue
        vals = {}
        for d in days:
            try:
                card = rating_card(
                    Session(s.store, d, s.settings), ticker=sym, sec=inputs.sec_source()
                ).card
                vals[d] = card_state(card, field)
            except CapsizeError as exc:
                errors[sym] = str(exc).splitlines()[0][:160]
        cols[sym] = pd.Series(vals, dtype=object)
    frame = pd.DataFrame(cols).sort_index()
    frame.index = pd.DatetimeIndex(frame.index, name="date")
    frame.attrs["errors"] = errors
    return frame
