"""Breadth kinds over the small-cap universe (the breadth section's member list).

* ``breadth_level``: the share of members closing above their N-day average (default
  50) crosses a level (a fraction, 0.5 = 50 %). A member counts on a day only with a
  close and a full window (:func:`capsize.analytics.engine.pct_above_average`).
* ``breadth_thrust``: the Zweig breadth thrust. The 10-day EMA (alpha 2/11, seeded with
  the first day) of ``advancers / (advancers + decliners)`` rises from below 0.40 to
  above 0.615 within 10 sessions: it fires on the day the EMA first closes above 0.615
  when it was below 0.40 on one of the previous 10 sessions. Advancers (decliners)
  close above (below) their previous close; a member without yesterday's bar neither.
* ``net_highs``: members at a new 52-week closing high minus members at a new 52-week
  closing low (each against the previous 251 sessions, all known) crosses a level.

The member list is the latest on or before the evaluation day, applied to the whole
history (delisted names are missing: survivorship bias, stated with the universe).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize.alerts._kind import AlertInputs, Kind, Signal, crosses
from capsize.alerts._rule import Param
from capsize.alerts.kinds._common import (
    DIRECTION,
    SourceMap,
    direction_word,
    make_signal,
    unavailable_signal,
)
from capsize.alerts.kinds._extremes import LOOKBACK
from capsize.analytics import engine as E
from capsize.errors import DataNotFound

if TYPE_CHECKING:
    from capsize.alerts._rule import Rule

__all__ = [
    "BREADTH_LEVEL",
    "BREADTH_THRUST",
    "NET_HIGHS",
    "THRUST_FROM",
    "THRUST_TO",
    "THRUST_WITHIN",
    "zweig_thrust",
]

SUBJECT = "universe"
THRUST_FROM, THRUST_TO, THRUST_WITHIN, THRUST_SPAN = 0.40, 0.615, 10, 10
"""Zweig thrust: EMA below 0.40, then above 0.615 within 10 sessions; a 10-day EMA."""


def _universe(inputs: AlertInputs) -> pd.DataFrame | str:
    try:
        frame: pd.DataFrame = inputs.memo(("universe",), inputs.universe_closes)
    except DataNotFound as exc:
        return str(exc).split(";")[0]
    return frame


def _values(inputs: AlertInputs, uni: pd.DataFrame) -> np.ndarray:
    """Return the universe's closes as one C-ordered array, shared by the breadth kernels."""
    out: np.ndarray = inputs.memo(
        ("universe_values",), lambda: np.ascontiguousarray(uni.to_numpy(dtype=float))
    )
    return out


def _col(x: np.ndarray | pd.Series) -> np.ndarray:
    return np.asarray(x, dtype=float).reshape(-1, 1)


def _level_kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    uni = _universe(inputs)
    if isinstance(uni, str):
        return unavailable_signal({SUBJECT: uni})
    window = int(rule.number("window"))
    counter = inputs.memo(  # the windows share one pass of cumulative sums
        ("above_counter",), lambda: E.above_average_counter(_values(inputs, uni))
    )
    got = inputs.memo(("pct_above", window), lambda: counter(window))
    pct = _col(got["pct"])
    level = np.full(pct.shape, rule.number("level"))
    fire = crosses(pct, level, str(rule.param("direction")))
    return make_signal(
        uni.index,  # type: ignore[arg-type]
        [SUBJECT],
        fire,
        {
            "pct": (
                pct,
                f"share of members above their {window}-day average",
                "fraction",
                f"members with close > {window}-day mean / members with a full window",
            ),
            "level": (level, "rule level", "fraction", "the rule's threshold"),
            "covered": (
                _col(got["covered"]),
                "members counted",
                "count",
                "members with a close and a full window",
            ),
        },
        symbols={SUBJECT: ("small-cap universe",)},
        sources=SourceMap(inputs, "universe", [SUBJECT], {SUBJECT: ()}),
    )


def _level_message(rule: Rule, subject: str, v: Mapping[str, Any]) -> str:
    side = direction_word(v, "pct", "level")
    return (
        f"{v.get('pct', np.nan):.1%} of small-cap members close above their "
        f"{int(rule.number('window'))}-day average: crossed {side} {v.get('level', np.nan):.0%}"
    )


def zweig_thrust(closes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (fire, ema) of the Zweig breadth thrust over member closes (n_days, n_members)."""
    r = E.returns(closes, 1)
    adv = (r > 0.0).sum(axis=1).astype(float)
    dec = (r < 0.0).sum(axis=1).astype(float)
    tot = adv + dec
    ratio = pd.Series(np.where(tot > 0, adv / np.where(tot > 0, tot, 1.0), np.nan))
    ema = ratio.ewm(span=THRUST_SPAN, adjust=False, ignore_na=True).mean().to_numpy()
    low_before = (
        pd.Series(ema).shift(1).rolling(THRUST_WITHIN, min_periods=1).min().to_numpy() < THRUST_FROM
    )
    up = crosses(ema.reshape(-1, 1), np.full((len(ema), 1), THRUST_TO), "up")[:, 0]
    return up & low_before, ema


def _thrust_kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    uni = _universe(inputs)
    if isinstance(uni, str):
        return unavailable_signal({SUBJECT: uni})
    fire, ema = inputs.memo(("zweig",), lambda: zweig_thrust(_values(inputs, uni)))
    return make_signal(
        uni.index,  # type: ignore[arg-type]
        [SUBJECT],
        _col(fire).astype(bool),
        {
            "ema": (
                _col(ema),
                "10-day EMA of advancers / (advancers + decliners)",
                "fraction",
                "EMA span 10 (alpha 2/11) of adv/(adv+dec)",
            )
        },
        symbols={SUBJECT: ("small-cap universe",)},
        sources=SourceMap(inputs, "universe", [SUBJECT], {SUBJECT: ()}),
    )


def _thrust_message(rule: Rule, subject: str, v: Mapping[str, Any]) -> str:
    return (
        f"Zweig breadth thrust in small caps: the 10-day EMA of advancing issues rose from below "
        f"{THRUST_FROM:.2f} to {v.get('ema', np.nan):.3f} (above {THRUST_TO}) within {THRUST_WITHIN} sessions"
    )


def _net_kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    uni = _universe(inputs)
    if isinstance(uni, str):
        return unavailable_signal({SUBJECT: uni})
    hl = inputs.memo(("highs_lows",), lambda: E.new_highs_lows(_values(inputs, uni), LOOKBACK))
    net = _col(hl["new_highs"].to_numpy() - hl["new_lows"].to_numpy())
    net[_col(hl["covered"])[:, 0] == 0] = np.nan
    level = np.full(net.shape, rule.number("level"))
    fire = crosses(net, level, str(rule.param("direction")))
    return make_signal(
        uni.index,  # type: ignore[arg-type]
        [SUBJECT],
        fire,
        {
            "net": (
                net,
                "new 52-week highs minus new lows",
                "count",
                f"members above the max (below the min) of their previous {LOOKBACK} closes",
            ),
            "highs": (
                _col(hl["new_highs"]),
                "new 52-week highs",
                "count",
                "members at a new 52-week closing high",
            ),
            "lows": (
                _col(hl["new_lows"]),
                "new 52-week lows",
                "count",
                "members at a new 52-week closing low",
            ),
            "level": (level, "rule level", "count", "the rule's threshold"),
        },
        symbols={SUBJECT: ("small-cap universe",)},
        sources=SourceMap(inputs, "universe", [SUBJECT], {SUBJECT: ()}),
    )


def _net_message(rule: Rule, subject: str, v: Mapping[str, Any]) -> str:
    side = direction_word(v, "net", "level")
    return (
        f"small-cap new highs minus new lows crossed {side} {v.get('level', np.nan):g}: "
        f"{v.get('highs', np.nan):.0f} highs, {v.get('lows', np.nan):.0f} lows"
    )


BREADTH_LEVEL = Kind(
    name="breadth_level",
    summary="the share of small-cap members above their N-day average crosses a level",
    subjects="universe",
    params=(
        Param("level", "float", None, 0.0, 1.0, help="a fraction, e.g. 0.5 for 50 %"),
        Param("window", "int", 50, 2, 400, help="days in each member's average, e.g. 50"),
        DIRECTION,
    ),
    kernel=_level_kernel,
    message=_level_message,
    link="/internals?as_of={day}",
    default_cooldown=5,
    sides=("pct", "level"),
)

BREADTH_THRUST = Kind(
    name="breadth_thrust",
    summary=(
        "Zweig breadth thrust: the 10-day EMA of advancers/(advancers+decliners) rises from "
        "below 0.40 to above 0.615 within 10 sessions"
    ),
    subjects="universe",
    params=(),
    kernel=_thrust_kernel,
    message=_thrust_message,
    link="/internals?as_of={day}",
    default_cooldown=20,
)

NET_HIGHS = Kind(
    name="net_highs",
    summary="new 52-week highs minus new lows among small-cap members crosses a level",
    subjects="universe",
    params=(
        Param("level", "float", 0.0, -5000.0, 5000.0, help="a count of members, e.g. 0 or 100"),
        DIRECTION,
    ),
    kernel=_net_kernel,
    message=_net_message,
    link="/internals?as_of={day}",
    default_cooldown=5,
    sides=("net", "level"),
)
