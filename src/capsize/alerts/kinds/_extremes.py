"""New highs and lows: a 52-week or all-time high or low, on the close or intraday.

Definition: day ``t`` makes a new 52-week high when its value is strictly above the
highest value of the previous 251 sessions (a 252-session year counting ``t``), all of
which must hold a value; an all-time high when it is strictly above every previous
value, with at least 251 previous sessions (a new listing does not fire on its first
days). Lows mirror highs. ``close`` uses the close (adjusted for funds and stocks:
a total-return high); ``intraday`` the day's high (low) against previous highs (lows),
which needs open/high/low bars (index levels and the ETFs with full bars have them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.alerts._kind import AlertInputs, Batch, Kind, Labelled, Signal
from capsize.alerts._rule import Param
from capsize.alerts.kinds._common import SourceMap, make_signal, symbol_panel

if TYPE_CHECKING:
    from capsize.alerts._rule import Rule

__all__ = ["LOOKBACK", "NEW_EXTREME", "previous_extreme", "previous_extreme_array"]

LOOKBACK = 251
"""Previous sessions of a 52-week window (252 sessions counting the day)."""


def previous_extreme(frame: pd.DataFrame, extreme: str, span: str) -> pd.DataFrame:
    """Highest (lowest) value of the previous sessions, per column.

    ``span="52w"``: the previous :data:`LOOKBACK` sessions, all with a value;
    ``"all"``: every previous session, with at least :data:`LOOKBACK` values.
    Computed in numpy (the same numbers as pandas' ``shift(1).rolling(LOOKBACK,
    min_periods=LOOKBACK)`` and ``shift(1).expanding(min_periods=LOOKBACK)``).

    Examples
    --------
    >>> f = pd.DataFrame({"x": np.arange(1.0, 253.0)})
    >>> previous_extreme(f, "high", "52w")["x"].iloc[-2:].tolist()
    [nan, 251.0]
    """
    out = previous_extreme_array(frame.to_numpy(dtype=float), extreme, span)
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def previous_extreme_array(x: np.ndarray, extreme: str, span: str) -> np.ndarray:
    """:func:`previous_extreme` on an array of shape (n_days, n_cols)."""
    prev = np.full(x.shape, np.nan)
    prev[1:] = x[:-1]
    out = np.full(x.shape, np.nan)
    if span == "52w":
        if len(prev) >= LOOKBACK:
            win = np.lib.stride_tricks.sliding_window_view(prev, LOOKBACK, axis=0)
            out[LOOKBACK - 1 :] = win.max(axis=-1) if extreme == "high" else win.min(axis=-1)
    else:
        acc = np.fmax if extreme == "high" else np.fmin
        seen = np.cumsum(~np.isnan(prev), axis=0)
        out = np.where(seen >= LOOKBACK, acc.accumulate(prev, axis=0), np.nan)
    return out


def _field(rule: Rule) -> str:
    if rule.param("field") == "intraday":
        return "high" if rule.param("extreme") == "high" else "low"
    return "close"


def _evidence(rule: Rule, a: Mapping[str, np.ndarray]) -> Labelled:
    extreme, span = str(rule.param("extreme")), str(rule.param("span"))
    intraday = rule.param("field") == "intraday"
    field = _field(rule)
    what = f"{'52-week' if span == '52w' else 'all-time'} {extreme}"
    return {
        "value": (a["value"], f"{'intraday ' + field if intraday else 'close'}", "level", field),
        "previous": (
            a["previous"],
            f"previous {what}",
            "level",
            f"{'max' if extreme == 'high' else 'min'} of the "
            + (f"previous {LOOKBACK} sessions" if span == "52w" else "previous sessions"),
        ),
    }


def _kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    extreme, span = str(rule.param("extreme")), str(rule.param("span"))
    field = _field(rule)
    px, missing = symbol_panel(rule, inputs, field)
    ref = inputs.memo(
        ("extreme", field, tuple(px.columns), extreme, span),
        lambda: previous_extreme(px, extreme, span),
    )
    x, r = px.to_numpy(dtype=float), ref.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        fire = x > r if extreme == "high" else x < r
    cols = list(px.columns)
    return make_signal(
        px.index,  # type: ignore[arg-type]
        cols,
        fire,
        _evidence(rule, {"value": x, "previous": r}),
        symbols={s: (s,) for s in cols},
        sources=SourceMap(inputs, "bars", cols),
        unavailable=missing,
    )


def _group(rule: Rule) -> tuple[object, ...]:
    return (str(rule.param("extreme")), str(rule.param("span")))


def _arrays(x: np.ndarray, rules: Sequence[Rule]) -> tuple[np.ndarray, Mapping[str, np.ndarray]]:
    extreme, span = _group(rules[0])  # one group: one extreme and span
    r = previous_extreme_array(x, str(extreme), str(span))
    with np.errstate(invalid="ignore"):
        fire = x > r if extreme == "high" else x < r
    return fire, {"value": x, "previous": r}


def _lookback(rule: Rule) -> int | None:
    return LOOKBACK + 1 if rule.param("span") == "52w" else None


def _message(rule: Rule, subject: str, v: Mapping[str, float]) -> str:
    span = "52-week" if rule.param("span") == "52w" else "all-time"
    how = "intraday" if rule.param("field") == "intraday" else "closing"
    return (
        f"{subject} made a new {span} {how} {rule.param('extreme')} at "
        f"{v.get('value', float('nan')):,.2f} (previous {v.get('previous', float('nan')):,.2f})"
    )


NEW_EXTREME = Kind(
    name="new_extreme",
    summary="a new 52-week or all-time high or low (close or intraday) against the previous sessions",
    subjects="symbols",
    params=(
        Param("extreme", "choice", "high", choices=("high", "low"), help="high or low"),
        Param("field", "choice", "close", choices=("close", "intraday"), help="close or intraday"),
        Param("span", "choice", "52w", choices=("52w", "all"), help="52w or all (all-time)"),
    ),
    kernel=_kernel,
    message=_message,
    link="/stock/{subject}?as_of={day}",
    default_cooldown=10,
    lookback=_lookback,
    batch=Batch(_field, _group, _arrays, _evidence),
)
