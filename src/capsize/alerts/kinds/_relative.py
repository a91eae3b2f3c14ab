"""Relative strength: the ratio of two closes (A/B) crossing its N-day average.

The ratio is taken on the days both symbols close (adjusted closes: total return);
its average is the simple mean of the last N ratios (default 50; 200 for the long
trend). Up: A starts to lead B; down: A starts to lag.
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
    unavailable_signal,
)
from capsize.alerts.kinds._price import by_window, close_field, window_plus_one

if TYPE_CHECKING:
    from capsize.alerts._rule import Rule

__all__ = ["RS_CROSS"]


def _evidence(rule: Rule, a: Mapping[str, np.ndarray]) -> Labelled:
    x, y = rule.symbols
    subject, window = f"{x}/{y}", int(rule.number("window"))
    return {
        "ratio": (a["ratio"], f"{subject} ratio", "ratio", f"close {x} / close {y}"),
        "average": (
            a["average"],
            f"{window}-day average of the ratio",
            "ratio",
            f"mean of the last {window} ratios",
        ),
    }


def _kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    a, b = rule.symbols
    px, missing = symbol_panel(rule, inputs, "close")
    subject = f"{a}/{b}"
    if missing:
        return unavailable_signal({subject: "; ".join(missing.values())})
    x = px[[a, b]].to_numpy(dtype=float) if list(px.columns) != [a, b] else px.to_numpy(float)
    ok = ~np.isnan(x).any(axis=1)
    ratio = (x[ok, 0] / x[ok, 1])[:, None]
    window = int(rule.number("window"))
    avg = rolling_mean(ratio, window)
    fire = crosses(ratio, avg, str(rule.param("direction")))
    return make_signal(
        px.index[ok],  # type: ignore[arg-type]
        [subject],
        fire,
        _evidence(rule, {"ratio": ratio, "average": avg}),
        symbols={subject: (a, b)},
        sources=SourceMap(inputs, "bars", [subject], {subject: (a, b)}),
    )


def _arrays(
    ratio: np.ndarray, rules: Sequence[Rule]
) -> tuple[np.ndarray, Mapping[str, np.ndarray]]:
    avg = rolling_mean(ratio, int(rules[0].number("window")))  # one group: one window
    fire = crosses_each(ratio, avg, [str(r.param("direction")) for r in rules])
    return fire, {"ratio": ratio, "average": avg}


def _message(rule: Rule, subject: str, v: Mapping[str, float]) -> str:
    side = direction_word(v, "ratio", "average")
    return (
        f"{subject} relative strength crossed {side} its {int(rule.number('window'))}-day average "
        f"(ratio {v.get('ratio', np.nan):.4f} vs {v.get('average', np.nan):.4f})"
    )


RS_CROSS = Kind(
    name="rs_cross",
    summary="the ratio of closes A/B crosses its N-day simple average (50 or 200 usually)",
    subjects="pair",
    params=(
        Param("window", "int", 50, 2, 400, help="days in the average, e.g. 50 or 200"),
        DIRECTION,
    ),
    kernel=_kernel,
    message=_message,
    link="/performance?as_of={day}",
    default_cooldown=5,
    lookback=window_plus_one,
    batch=Batch(close_field, by_window, _arrays, _evidence),
    sides=("ratio", "average"),
)
