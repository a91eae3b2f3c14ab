"""Volume surge: a day's volume at least a multiple of its trailing average.

Definition: ``volume_t >= multiple x mean(volume over the previous N sessions)``, all N
known and the average above zero. It fires every day the condition holds; the
cool-down keeps a run of heavy days to one alert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from capsize.alerts._kind import AlertInputs, Batch, Kind, Labelled, Signal, rolling_mean
from capsize.alerts._rule import Param
from capsize.alerts.kinds._common import SourceMap, make_signal, symbol_panel
from capsize.alerts.kinds._price import by_window, window_plus_one

if TYPE_CHECKING:
    from capsize.alerts._rule import Rule

__all__ = ["VOLUME_SURGE"]


def _evidence(rule: Rule, a: Mapping[str, np.ndarray]) -> Labelled:
    window = int(rule.number("window"))
    return {
        "volume": (a["volume"], "volume", "count", "shares traded that day"),
        "average": (
            a["average"],
            f"average volume of the previous {window} sessions",
            "count",
            f"mean of the previous {window} volumes",
        ),
        "multiple": (a["multiple"], "volume / average", "ratio", "volume / average"),
    }


def _kernel(rule: Rule, inputs: AlertInputs) -> Signal:
    vol, missing = symbol_panel(rule, inputs, "volume")
    window, multiple = int(rule.number("window")), rule.number("multiple")
    v = vol.to_numpy(dtype=float)
    avg = np.full(v.shape, np.nan)
    avg[1:] = rolling_mean(v, window)[:-1]
    with np.errstate(invalid="ignore"):
        fire = (avg > 0) & (v >= multiple * avg)
    cols = list(vol.columns)
    ratio = v / np.where(avg > 0, avg, np.nan)
    return make_signal(
        vol.index,  # type: ignore[arg-type]
        cols,
        fire,
        _evidence(rule, {"volume": v, "average": avg, "multiple": ratio}),
        symbols={s: (s,) for s in cols},
        sources=SourceMap(inputs, "bars", cols),
        unavailable=missing,
    )


def _volume(rule: Rule) -> str:
    return "volume"


def _arrays(v: np.ndarray, rules: Sequence[Rule]) -> tuple[np.ndarray, Mapping[str, np.ndarray]]:
    window = int(rules[0].number("window"))  # one group: one window
    multiple = np.array([r.number("multiple") for r in rules], dtype=float)
    avg = np.full(v.shape, np.nan)
    avg[1:] = rolling_mean(v, window)[:-1]
    with np.errstate(invalid="ignore"):
        fire = (avg > 0) & (v >= multiple * avg)
    ratio = v / np.where(avg > 0, avg, np.nan)
    return fire, {"volume": v, "average": avg, "multiple": ratio}


def _message(rule: Rule, subject: str, v: Mapping[str, float]) -> str:
    return (
        f"{subject} traded {v.get('multiple', np.nan):.1f}x its {int(rule.number('window'))}-day "
        f"average volume ({v.get('volume', np.nan):,.0f} shares)"
    )


VOLUME_SURGE = Kind(
    name="volume_surge",
    summary="volume at least MULTIPLE x the mean of the previous N sessions' volume",
    subjects="symbols",
    params=(
        Param("window", "int", 50, 5, 400, help="sessions in the average, e.g. 50"),
        Param("multiple", "float", 2.0, 1.0, 100.0, help="times the average, e.g. 2"),
    ),
    kernel=_kernel,
    message=_message,
    link="/stock/{subject}?as_of={day}",
    default_cooldown=5,
    lookback=window_plus_one,
    batch=Batch(_volume, by_window, _arrays, _evidence),
)
