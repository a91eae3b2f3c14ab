"""Price kinds: a close crossing a level, or crossing its N-day moving average.

Prices are the store's ``auto`` basis: adjusted (total-return) closes for ETFs and
stocks, index levels for indices. A level set from a quote is compared with the
adjusted close, which sits below the quote by the dividends paid since (a few percent
over years, nothing over weeks). The raw (traded) close is not used: the store holds it
for a few ETFs only, with gaps, and one rule must compare one series over its history.
So the message and the evidence say "dividend-adjusted close".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from capsize.alerts._kind import (
    AlertInputs,
    Batch,
    Kind,
    Labelled,
    Signal,
    crosses,
    crosses_each,
    rolling_mean,
)
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

__all__ = [
    "CLOSE_FORMULA",
    "CLOSE_LABEL",
    "PRICE_LEVEL",
    "PRICE_MA",
    "by_window",
    "close_field",
    "close_words",
    "window_plus_one",
]


def _level_evidence(rule: Rule, a: Mapping[str, np.ndarray]) -> Labelled:
    return {
        "close": (a["close"], CLOSE_LABEL, "level", CLOSE_FORMULA),
        "level": (a["level"], "rule level", "level", "the rule's threshold"),
    }


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
        _level_evidence(rule, {"close": x, "level": level}),
        symbols={s: (s,) for s in cols},
        sources=SourceMap(inputs, "bars", cols),
        unavailable=missing,
    )


def _level_arrays(
    x: np.ndarray, rules: Sequence[Rule]
) -> tuple[np.ndarray, Mapping[str, np.ndarray]]:
    level = np.empty(x.shape)
    level[:] = np.array([r.number("level") for r in rules], dtype=float)
    fire = crosses_each(x, level, [str(r.param("direction")) for r in rules])
    return fire, {"close": x, "level": level}


def close_field(rule: Rule) -> str:
    """Bars field of a kind that reads the close."""
    return "close"


def _no_group(rule: Rule) -> tuple[object, ...]:
    return ()


def by_window(rule: Rule) -> tuple[object, ...]:
    """Batch group of a kind with a ``window`` parameter (one pass per window)."""
    return (int(rule.number("window")),)


CLOSE_LABEL = "close (dividend-adjusted for funds and stocks; the level for an index)"
"""Evidence label of the close the price kinds compare (the store's ``auto`` basis)."""

CLOSE_FORMULA = "close (auto basis: adjusted for funds and stocks)"
"""Evidence formula of that close."""


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
    batch=Batch(close_field, _no_group, _level_arrays, _level_evidence),
    sides=("close", "level"),
)


def window_plus_one(rule: Rule) -> int | None:
    """Lookback of a kind with a ``window`` average compared across two days."""
    return int(rule.number("window")) + 1


def _ma_evidence(rule: Rule, a: Mapping[str, np.ndarray]) -> Labelled:
    window = int(rule.number("window"))
    return {
        "close": (a["close"], CLOSE_LABEL, "level", CLOSE_FORMULA),
        "average": (
            a["average"],
            f"{window}-day average",
            "level",
            f"mean of the last {window} closes",
        ),
    }


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
        _ma_evidence(rule, {"close": x, "average": ma}),
        symbols={s: (s,) for s in cols},
        sources=SourceMap(inputs, "bars", cols),
        unavailable=missing,
    )


def _ma_arrays(x: np.ndarray, rules: Sequence[Rule]) -> tuple[np.ndarray, Mapping[str, np.ndarray]]:
    ma = rolling_mean(x, int(rules[0].number("window")))  # one group: one window
    fire = crosses_each(x, ma, [str(r.param("direction")) for r in rules])
    return fire, {"close": x, "average": ma}


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
    batch=Batch(close_field, by_window, _ma_arrays, _ma_evidence),
    sides=("close", "average"),
)
