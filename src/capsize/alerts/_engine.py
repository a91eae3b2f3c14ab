"""Evaluate rules over history: kernel, then cool-down, then the fires as rows.

:func:`evaluate_rule` runs a rule's kernel once over its whole history (vectorized) and
applies the cool-down; :func:`fires` lists the resulting (day, subject) pairs with the
evidence values of that day. The scheduled evaluation keeps the fires of the days it
has not seen yet; a replay keeps every fire since a date. Both read the same frames,
so they agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capsize.alerts._kind import AlertInputs, Signal
from capsize.alerts.kinds import kind_of

if TYPE_CHECKING:
    from capsize.alerts._rule import Rule

__all__ = ["Evaluation", "Fire", "apply_cooldown", "evaluate_rule", "fires"]


def apply_cooldown(fire: np.ndarray, sessions: int) -> np.ndarray:
    """Keep a fire only when the subject has not fired in the previous ``sessions`` rows.

    A kept fire silences the next ``sessions`` rows of its column (rows = the signal's
    dates); a silenced one silences nothing. ``sessions=0`` keeps every fire.

    Parameters
    ----------
    fire : ndarray of bool, shape (n_days, n_subjects)
    sessions : int

    Examples
    --------
    >>> apply_cooldown(np.array([[1], [1], [0], [1], [1]], dtype=bool), 2)[:, 0].tolist()
    [True, False, False, True, False]
    """
    out = np.asarray(fire, dtype=bool).copy()
    if sessions <= 0 or out.size == 0:
        return out
    for j in range(out.shape[1]):
        rows = np.flatnonzero(out[:, j])
        if len(rows) < 2:
            continue
        keep: list[int] = []
        last = -(10**9)
        for r in rows.tolist():
            if r - last > sessions:
                keep.append(r)
                last = r
        out[:, j] = False
        out[keep, j] = True
    return out


@dataclass(frozen=True)
class Fire:
    """One fire of a rule: the day, the subject and the evidence values that day."""

    day: pd.Timestamp
    subject: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Evaluation:
    """A rule evaluated over its history.

    Attributes
    ----------
    rule : Rule
    signal : Signal
        The kernel's answer (before the cool-down).
    fired : ndarray of bool
        Fires after the cool-down (same shape as ``signal.fire``).
    """

    rule: Rule
    signal: Signal
    fired: np.ndarray

    @property
    def subjects(self) -> tuple[str, ...]:
        """The subjects evaluated."""
        return self.signal.subjects

    def fired_frame(self) -> pd.DataFrame:
        """Return the fires after the cool-down as a boolean frame (dates x subjects)."""
        return pd.DataFrame(self.fired, index=self.signal.index, columns=list(self.subjects))

    @property
    def unavailable(self) -> Mapping[str, str]:
        """Subjects that could not be evaluated, and why."""
        return self.signal.unavailable

    @cached_property
    def last_day(self) -> pd.Timestamp | None:
        """The last date the rule's data reach (None: no data)."""
        idx = self.signal.index
        return pd.Timestamp(idx[-1]) if len(idx) else None


def evaluate_rule(rule: Rule, inputs: AlertInputs) -> Evaluation:
    """Run ``rule``'s kernel over its history and apply its cool-down."""
    sig = kind_of(rule.kind).kernel(rule, inputs)
    return Evaluation(rule, sig, apply_cooldown(sig.fire, int(rule.cooldown or 0)))


def fires(
    ev: Evaluation, *, after: pd.Timestamp | None = None, until: pd.Timestamp | None = None
) -> tuple[Fire, ...]:
    """Return the fires of ``ev`` dated after ``after`` and on or before ``until``, by day then subject."""
    f, idx = ev.fired, ev.signal.index
    if not f.any():  # most rules never fire in a run's days: no index search
        return ()
    lo = 0 if after is None else int(idx.searchsorted(after, side="right"))
    hi = len(idx) if until is None else int(idx.searchsorted(until, side="right"))
    rows, cols = np.nonzero(f[lo:hi])
    out = []
    for r, c in zip((rows + lo).tolist(), cols.tolist(), strict=True):
        vals = {name: v.values[r, c] for name, v in ev.signal.values.items()}
        out.append(Fire(pd.Timestamp(idx[r]), ev.subjects[c], vals))
    return tuple(out)
