"""Helpers shared by the rule kinds: the direction parameter, symbol panels, signals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capsize.alerts._kind import AlertInputs, Signal, Value
from capsize.alerts._rule import Param
from capsize.errors import DataNotFound

if TYPE_CHECKING:
    from capsize.alerts._rule import Rule

__all__ = [
    "DIRECTION",
    "EvidenceArrays",
    "direction_word",
    "make_signal",
    "symbol_panel",
    "unavailable_signal",
]

DIRECTION = Param(
    "direction",
    "choice",
    "both",
    choices=("up", "down", "both"),
    help="up (crosses above), down (crosses below) or both",
)
"""The crossing direction parameter shared by the crossing kinds."""

EvidenceArrays = Mapping[str, tuple[np.ndarray, str, str, str]]
"""name -> (values of shape (n_days, n_subjects), label, unit, formula)."""


def direction_word(values: Mapping[str, float], a: str, b: str) -> str:
    """``above`` when ``values[a] > values[b]`` else ``below``."""
    return "above" if values.get(a, np.nan) > values.get(b, np.nan) else "below"


def symbol_panel(
    rule: Rule, inputs: AlertInputs, field: str
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read one bars field of the rule's symbols; name the symbols without any value."""
    syms = inputs.symbols(rule)
    try:
        frame = inputs.prices(field, syms)
    except DataNotFound as exc:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="date")), dict.fromkeys(
            syms, str(exc).split(";")[0]
        )
    missing = {
        s: f"no {field} data for {s} on or before the day"
        for s in syms
        if s not in frame.columns or frame[s].notna().sum() == 0
    }
    keep = [s for s in syms if s not in missing]
    return frame[keep], missing


def make_signal(
    index: pd.DatetimeIndex,
    subjects: Sequence[str],
    fire: np.ndarray,
    values: EvidenceArrays,
    *,
    symbols: Mapping[str, tuple[str, ...]],
    sources: Mapping[str, str],
    unavailable: Mapping[str, str] | None = None,
) -> Signal:
    """Wrap kernel arrays as a :class:`Signal` (one column per subject)."""
    cols = pd.Index(list(subjects))
    vals = {
        name: Value(pd.DataFrame(arr, index=index, columns=cols), label, unit, formula)
        for name, (arr, label, unit, formula) in values.items()
    }
    return Signal(
        pd.DataFrame(np.asarray(fire, dtype=bool), index=index, columns=cols),
        vals,
        dict(symbols),
        dict(sources),
        dict(unavailable or {}),
    )


def unavailable_signal(subjects: Mapping[str, str]) -> Signal:
    """Return a signal with no evaluable subject: every one is listed with its reason."""
    empty = pd.DataFrame(index=pd.DatetimeIndex([], name="date"), dtype=bool)
    return Signal(empty, {}, {}, {}, dict(subjects))
