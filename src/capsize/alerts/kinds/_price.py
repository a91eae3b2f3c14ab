"""Price kinds: a close crossing a level, or crossing its N-day moving average.

Prices are the store's ``auto`` basis: adjusted (total-return) closes for ETFs and
stocks, index levels for indices. A level set from a quote is compared with the
adjusted close, which sits below the quote by the dividends paid since (a few percent
over years, nothing over weeks). The raw (traded) close is not used: the store holds it
for a few ETFs only, with gaps, and one rule must compare one series over its history.
So the message and the evidence say "dividend-adjusted close".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from capsize.alerts._kind import AlertInputs, Kind, Signal, crosses, rolling_mean
from capsize.alerts._rule import Param
from capsize.alerts.kinds._common import (
    DIRECTION,
    SourceMap,
    direction_word,
    make_signal,
    symbol_panel,
)

if TYPE_CHECKING:
    from capsize.alerts._rule import Rule

__all__ = ["CLOSE_LABEL", "PRICE_LEVEL", "PRICE_MA", "close_words", "window_plus_one"]


def _level_kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    px, missing = symbol_panel(rule, inputs, "close")
    x = px.to_numpy(dtype=float)
    level = np.full(x.shape, rule.number("level"))
    fire = crosses(x, level, str(rule.param("direction")))
    cols = list(px.columns)
    return make_signal(
        px.index,  # type: ignore[arg-type]
        cols,
        fire,
        {
            "close": (x, CLOSE_LABEL, "level", "close (auto basis: adjusted for funds and stocks)"),
            "level": (level, "rule level", "level", "the rule's threshold"),
        },
        symbols={s: (s,) for s in cols},
        sources=SourceMap(inputs, "bars", cols),
        unavailable=missing,
    )


CLOSE_LABEL = "close (dividend-adjusted for funds and stocks; the level for an index)"
"""Evidence label of the close the price kinds compare (the store's ``auto`` basis)."""


def close_words(subject: str) -> str:
    """Say which close a message quotes: an index's level, else the dividend-adjusted close.

    Examples
    --------
    >>> close_words("IWM"), close_words("^RUT")
    ('dividend-adjusted close', 'close')
    """
    return "close" if subject.startswith("^") else "dividend-adjusted close"


def _level_message(rule: Rule, subject: str, v: Mapping[str, float]) -> str:
    side = direction_word(v, "close", "level")
    return (
        f"{subject} {close_words(subject)} crossed {side} {v.get('level', float('nan')):,.2f} "
        f"at {v.get('close', float('nan')):,.2f}"
    )


PRICE_LEVEL = Kind(
    name="price_level",
    summary="the close crosses a level: yesterday at or below (above) it, today above (below)",
    subjects="symbols",
    params=(
        Param("level", "float", None, 0.0, 1e9, help="price or index level, e.g. 250"),
        DIRECTION,
    ),
    kernel=_level_kernel,
    message=_level_message,
    link="/stock/{subject}?as_of={day}",
    default_cooldown=5,
    sides=("close", "level"),
)


def window_plus_one(rule: Rule) -> int | None:
    """Lookback of a kind with a ``window`` average compared across two days."""
    return int(rule.number("window")) + 1


def _ma_kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    px, missing = symbol_panel(rule, inputs, "close")
    window = int(rule.number("window"))
    x = px.to_numpy(dtype=float)
    ma = inputs.memo(("sma", "close", tuple(px.columns), window), lambda: rolling_mean(x, window))
    fire = crosses(x, ma, str(rule.param("direction")))
    cols = list(px.columns)
    return make_signal(
        px.index,  # type: ignore[arg-type]
        cols,
        fire,
        {
            "close": (x, CLOSE_LABEL, "level", "close (auto basis: adjusted for funds and stocks)"),
            "average": (ma, f"{window}-day average", "level", f"mean of the last {window} closes"),
        },
        symbols={s: (s,) for s in cols},
        sources=SourceMap(inputs, "bars", cols),
        unavailable=missing,
    )


def _ma_message(rule: Rule, subject: str, v: Mapping[str, float]) -> str:
    side = direction_word(v, "close", "average")
    w = int(rule.number("window"))
    return (
        f"{subject} {close_words(subject)} crossed {side} its {w}-day average "
        f"({v.get('average', float('nan')):,.2f}) at {v.get('close', float('nan')):,.2f}"
    )


PRICE_MA = Kind(
    name="price_ma",
    summary="the close crosses its N-day simple moving average (a full window of closes needed)",
    subjects="symbols",
    params=(
        Param("window", "int", 50, 2, 400, help="days in the average, e.g. 50 or 200"),
        DIRECTION,
    ),
    kernel=_ma_kernel,
    message=_ma_message,
    link="/stock/{subject}?as_of={day}",
    default_cooldown=5,
    lookback=window_plus_one,
    sides=("close", "average"),
)
