"""Evaluate many one-symbol rules of a kind together: one 2-D numpy pass per group.

A rule's kernel builds its frames and signal alone (about half a millisecond of pandas
per rule). :func:`evaluate_batch` instead stacks the series of every batchable rule of
a kind (its symbol's column of the shared price block, or the ratio A/B of a pair) into
one array of shape (n_days, n_rules), runs the kind's :class:`~capsize.alerts.Batch`
arrays once per group (same window, span...), then cuts each rule's column to its own
days and applies its cool-down.

Equality with the kernel: a kernel reads a symbol on the days it has a value. When
those days are one unbroken run of the block's days (no gap inside), the block's
column holds exactly that series with NaN before and after it; every kernel (trailing
sums, crossings, running extremes) gives on that run the same numbers as on the series
alone, because a NaN before the run counts as missing in both. A column with a gap
inside is left to the kernel (:func:`capsize.alerts.evaluate_rule`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from capsize.alerts._engine import Evaluation, apply_cooldown
from capsize.alerts._kind import AlertInputs
from capsize.alerts.kinds import kind_of
from capsize.alerts.kinds._common import SourceMap, make_signal

if TYPE_CHECKING:
    from capsize.alerts._kind import Batch
    from capsize.alerts._rule import Rule

__all__ = ["ColumnInputs", "evaluate_batch"]


class ColumnInputs(AlertInputs, Protocol):
    """Inputs that hold prices as shared blocks (the query layer's prefetch)."""

    def price_column(
        self, field: str, symbol: str
    ) -> tuple[pd.DatetimeIndex, np.ndarray, int] | None:
        """Return (days, block of shape (n_days, n_cols), column of ``symbol``) or None.

        The block is one shared array per field (the same object for every symbol it
        holds), never written to.
        """
        ...


_Key = tuple[str, tuple[object, ...], int]
"""(kind, group, block id): rules sharing one pass."""


def _column(
    inputs: ColumnInputs, rule: Rule, batch: Batch, pair: bool
) -> tuple[_Key, pd.DatetimeIndex, np.ndarray, tuple[int, ...]] | None:
    """Where a batchable rule's series is: its group key, days, block and column(s)."""
    if rule.watchlist is not None or len(set(rule.symbols)) != (2 if pair else 1):
        return None
    field = batch.field(rule)
    found = [inputs.price_column(field, x) for x in rule.symbols]
    if any(f is None for f in found):
        return None
    placed = [f for f in found if f is not None]
    if len({id(f[1]) for f in placed}) != 1:
        return None  # a pair read in two blocks: the kernel aligns them
    dates, block = placed[0][0], placed[0][1]
    return (rule.kind, batch.group(rule), id(block)), dates, block, tuple(f[2] for f in placed)


def _series(block: np.ndarray, cols: Sequence[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Stack one column per rule (a pair: the ratio) and the mask of its days."""
    first = np.array([c[0] for c in cols])
    x = block[:, first]
    if len(cols[0]) == 1:
        return np.ascontiguousarray(x), ~np.isnan(x)
    y = block[:, np.array([c[1] for c in cols])]
    ok = ~np.isnan(x) & ~np.isnan(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, x / np.where(ok, y, 1.0), np.nan), ok


def _runs(ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column: first and last row with a value, and whether those rows are unbroken."""
    n = ok.shape[0]
    count = ok.sum(axis=0)
    lo = np.argmax(ok, axis=0)
    hi = n - 1 - np.argmax(ok[::-1], axis=0)
    return lo, hi, (count > 0) & (count == hi - lo + 1)


def _evaluate_group(
    inputs: AlertInputs,
    rules: Sequence[Rule],
    dates: pd.DatetimeIndex,
    block: np.ndarray,
    cols: Sequence[tuple[int, ...]],
) -> dict[int, Evaluation]:
    """Evaluate one group's rules in one pass; key: position in ``rules`` (unbroken runs only)."""
    kind = kind_of(rules[0].kind)
    batch = kind.batch
    if batch is None:  # the caller groups batchable kinds only
        return {}
    series, ok = _series(block, cols)
    lo, hi, whole = _runs(ok)
    take = np.flatnonzero(whole)
    if not len(take):
        return {}
    chosen = [rules[j] for j in take.tolist()]
    fire, arrays = batch.arrays(series[:, take], chosen)
    out: dict[int, Evaluation] = {}
    for k, (j, rule) in enumerate(zip(take.tolist(), chosen, strict=True)):
        rows = slice(int(lo[j]), int(hi[j]) + 1)
        mine = {name: a[rows, k : k + 1] for name, a in arrays.items()}
        if kind.subjects == "pair":
            subject, keys = (
                f"{rule.symbols[0]}/{rule.symbols[1]}",
                {f"{rule.symbols[0]}/{rule.symbols[1]}": rule.symbols},
            )
        else:
            subject, keys = rule.symbols[0], {}
        sig = make_signal(
            dates[rows],
            [subject],
            fire[rows, k : k + 1],
            batch.evidence(rule, mine),
            symbols={subject: tuple(rule.symbols) if keys else (subject,)},
            sources=SourceMap(inputs, "bars", [subject], keys),
        )
        out[j] = Evaluation(rule, sig, apply_cooldown(sig.fire, int(rule.cooldown or 0)))
    return out


def evaluate_batch(rules: Sequence[Rule], inputs: AlertInputs) -> dict[int, Evaluation]:
    """Evaluate the batchable rules of ``rules`` together (see the module docstring).

    Parameters
    ----------
    rules : sequence of Rule
    inputs : AlertInputs
        Batched only when it has ``price_column`` (:class:`ColumnInputs`), i.e. the
        prices were read as shared blocks.

    Returns
    -------
    dict of int to Evaluation
        Position in ``rules`` -> its evaluation, equal to
        :func:`capsize.alerts.evaluate_rule`'s. Rules missing from it (watchlists,
        kinds without a batch, series with a gap, symbols not in a block) are left to
        the caller.
    """
    if not hasattr(inputs, "price_column"):
        return {}
    col_inputs: ColumnInputs = inputs  # type: ignore[assignment]
    groups: dict[_Key, tuple[pd.DatetimeIndex, np.ndarray, list[int], list[tuple[int, ...]]]] = {}
    for i, rule in enumerate(rules):
        kind = kind_of(rule.kind)
        if kind.batch is None:
            continue
        where = _column(col_inputs, rule, kind.batch, kind.subjects == "pair")
        if where is None:
            continue
        key, dates, block, at = where
        group = groups.setdefault(key, (dates, block, [], []))
        if group[1] is not block:
            continue  # blocks are held for the evaluation: an id names one block
        group[2].append(i)
        group[3].append(at)
    out: dict[int, Evaluation] = {}
    for days, values, members, cols in groups.values():
        found = _evaluate_group(inputs, [rules[i] for i in members], days, values, cols)
        out.update({members[j]: ev for j, ev in found.items()})
    return out
