"""State changes: a rating card field changing, the rotation score changing sign.

* ``rating_change``: a field of the stock's rating card (``recommendation``,
  ``timeframe`` or ``risk``; :mod:`capsize.stocks.ratings`), or the set of its raised
  risk flags (``flags``; :mod:`capsize.stocks.risk_flags`), differs from its value at
  the previous evaluation date. A field NOT ASSESSED is no state (no change to or
  from it). A rating card reads filings and fundamentals, so the
  query layer evaluates it on each week's last session, not every day.
* ``rotation_sign``: the size-rotation score (:mod:`capsize.analytics.rotation`, the
  month-end point-in-time history, breadth excluded as in the rotation answer) changes
  sign between consecutive non-zero month-end scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize.alerts._kind import AlertInputs, Kind, Signal
from capsize.alerts._rule import Param
from capsize.alerts.kinds._common import make_signal, unavailable_signal
from capsize.errors import CapsizeError

if TYPE_CHECKING:
    from capsize.alerts._rule import Rule

__all__ = ["RATING_CHANGE", "RATING_FIELDS", "ROTATION_SIGN", "sign_changes", "state_changes"]

RATING_FIELDS = ("recommendation", "timeframe", "risk", "flags")
"""Rating card fields a rule can watch (``flags``: the set of raised risk flags)."""


def state_changes(states: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Return (changed, previous): where a column's state differs from its previous known state."""
    prev = states.shift(1).ffill()
    changed = states.notna() & prev.notna() & (states != prev)
    return changed.to_numpy(dtype=bool), prev


def _rating_kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    field = str(rule.param("field"))
    syms = inputs.symbols(rule)
    try:
        states = inputs.rating_states(syms, field)
    except CapsizeError as exc:
        return unavailable_signal(dict.fromkeys(syms, str(exc).splitlines()[0][:160]))
    missing = {
        s: states.attrs.get("errors", {}).get(s, f"no {field} rating of {s}")
        for s in syms
        if s not in states.columns or states[s].notna().sum() == 0
    }
    states = states[[s for s in syms if s not in missing]]
    changed, prev = state_changes(states)
    cols = list(states.columns)
    return make_signal(
        states.index,  # type: ignore[arg-type]
        cols,
        changed,
        {
            "state": (
                states.to_numpy(dtype=object),
                f"{field} rating",
                "text",
                "rating card rules",
            ),
            "previous": (
                prev.to_numpy(dtype=object),
                f"previous {field} rating",
                "text",
                "at the previous weekly evaluation",
            ),
        },
        symbols={s: (s,) for s in cols},
        sources={s: inputs.source("rating", s) for s in cols},
        unavailable=missing,
    )


def _rating_message(rule: Rule, subject: str, v: Mapping[str, Any]) -> str:
    what = (
        "raised risk flags" if rule.param("field") == "flags" else f"{rule.param('field')} rating"
    )
    return f"{subject} {what} changed from {v.get('previous')} to {v.get('state')}"


RATING_CHANGE = Kind(
    name="rating_change",
    summary=(
        "a rating card field (recommendation, timeframe, risk) or the set of raised risk "
        "flags changes between weekly evaluations"
    ),
    subjects="symbols",
    params=(
        Param(
            "field",
            "choice",
            "recommendation",
            choices=RATING_FIELDS,
            help="one of " + ", ".join(RATING_FIELDS),
        ),
    ),
    kernel=_rating_kernel,
    message=_rating_message,
    link="/stock/{subject}?as_of={day}",
    default_cooldown=0,
)


def sign_changes(scores: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return (fire, previous non-zero score) on the dates of ``scores`` (NaN dropped)."""
    s = scores.dropna()
    nz = s.where(s != 0)
    prev = nz.shift(1).ffill()
    fire = nz.notna() & prev.notna() & (np.sign(nz) != np.sign(prev))
    return fire.astype(bool), prev


def _rotation_kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    subject = "rotation"
    try:
        scores = inputs.rotation_scores()
    except CapsizeError as exc:
        return unavailable_signal({subject: str(exc).splitlines()[0][:160]})
    scores, fire, prev = inputs.memo(  # every rotation rule reads the same changes
        ("rotation_sign",), lambda: (scores.dropna(), *sign_changes(scores))
    )
    return make_signal(
        pd.DatetimeIndex(scores.index, name="date"),
        [subject],
        fire.to_numpy().reshape(-1, 1),
        {
            "score": (
                scores.to_numpy(dtype=float).reshape(-1, 1),
                "rotation score",
                "score",
                "weighted component scores, month end, point in time",
            ),
            "previous": (
                prev.to_numpy(dtype=float).reshape(-1, 1),
                "previous non-zero score",
                "score",
                "the last non-zero month-end score before",
            ),
        },
        symbols={subject: ("IWM", "SPY", "DGS2", "SMB")},
        sources={subject: inputs.source("rotation")},
    )


def _rotation_message(rule: Rule, subject: str, v: Mapping[str, Any]) -> str:
    score = v.get("score", np.nan)
    side = "small caps (positive)" if score > 0 else "large caps (negative)"
    return f"the size-rotation score turned toward {side}: {score:+.2f} (previous {v.get('previous', np.nan):+.2f})"


ROTATION_SIGN = Kind(
    name="rotation_sign",
    summary="the month-end size-rotation score changes sign",
    subjects="universe",
    params=(),
    kernel=_rotation_kernel,
    message=_rotation_message,
    link="/size?as_of={day}",
    default_cooldown=0,
)
