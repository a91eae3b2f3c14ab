"""Helpers shared by the rule kinds: the direction parameter, symbol panels, signals."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
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
    "SourceMap",
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


class SourceMap(Mapping[str, str]):
    """Subject -> source files, looked up only when asked (an event's evidence).

    ``keys`` names the dataset keys of a subject that is not one (a pair ``A/B``:
    ``("A", "B")``); a subject is its own key otherwise.

    Most subjects never fire; naming their files for every rule would cost more than
    evaluating it.
    """

    def __init__(
        self,
        inputs: AlertInputs,
        dataset: str,
        subjects: Sequence[str],
        keys: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._inputs, self._dataset, self._keys = inputs, dataset, tuple(subjects)
        self._of = dict(keys or {})
        self._found: dict[str, str] = {}

    def __getitem__(self, key: str) -> str:
        if key not in self._keys:
            raise KeyError(key)
        if key not in self._found:
            self._found[key] = self._inputs.source(self._dataset, *self._of.get(key, (key,)))
        return self._found[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


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
    cols = list(frame.columns)
    values = frame.to_numpy(dtype=float)
    has = dict(zip(cols, (~np.isnan(values)).any(axis=0).tolist(), strict=True))
    missing = {s: f"no {field} data for {s} in the days read" for s in syms if not has.get(s)}
    if not missing and cols == list(syms):
        return frame, missing
    keep = [s for s in syms if s not in missing]
    at = {c: j for j, c in enumerate(cols)}  # the columns taken from the array (no pandas take)
    picked = values[:, [at[s] for s in keep]]
    return pd.DataFrame(picked, index=frame.index, columns=pd.Index(keep, dtype=object)), missing


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
    vals = {
        name: Value(arr, label, unit, formula)
        for name, (arr, label, unit, formula) in values.items()
    }
    return Signal(
        index if isinstance(index, pd.DatetimeIndex) else pd.DatetimeIndex(index),
        tuple(str(s) for s in subjects),
        np.asarray(fire, dtype=bool),
        vals,
        dict(symbols),
        sources,
        dict(unavailable or {}),
    )


def unavailable_signal(subjects: Mapping[str, str]) -> Signal:
    """Return a signal with no evaluable subject: every one is listed with its reason."""
    index = pd.DatetimeIndex([], name="date")
    return Signal(index, (), np.zeros((0, 0), dtype=bool), {}, {}, {}, dict(subjects))
