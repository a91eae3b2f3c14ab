"""What a rule kind is: its parameters, its subjects, its vectorized kernel.

A kernel reads frames through :class:`AlertInputs` (built by the query layer, point in
time) and returns a :class:`Signal`: a boolean frame (dates x subjects) of the days the
condition holds, and the evidence values behind it on every day. One call evaluates a
rule at every day of its history, so the scheduled evaluation (the last day) and the
replay (every day since D) share it. The cool-down is applied afterwards
(:func:`capsize.alerts.apply_cooldown`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import pandas as pd

from capsize.alerts._rule import AlertRuleError, Param, ParamValue

if TYPE_CHECKING:
    from capsize.alerts._rule import Rule

__all__ = [
    "AlertInputs",
    "Batch",
    "Kind",
    "Labelled",
    "Signal",
    "Subjects",
    "Value",
    "crosses",
    "crosses_each",
    "rolling_mean",
    "two_sessions",
]

Subjects = Literal["symbols", "pair", "universe", "segment"]
"""What a kind watches: each of its symbols, one ratio of two symbols, the breadth
universe, or a size segment's funds."""


class AlertInputs(Protocol):
    """Point-in-time frames a kernel may read (implemented by the query layer).

    Every frame holds only rows dated on or before the evaluation day. A method raises
    :class:`~capsize.errors.DataNotFound` when its data is absent (the rule then says
    it cannot be evaluated).
    """

    def symbols(self, rule: Rule) -> tuple[str, ...]:
        """Return the rule's symbols (its watchlist's, resolved)."""
        ...

    def prices(self, field: str, symbols: Sequence[str]) -> pd.DataFrame:
        """Wide bars field (``close`` adjusted, ``high``, ``low``, ``volume``), dates x symbols."""
        ...

    def universe_closes(self) -> pd.DataFrame:
        """Return adjusted closes of the breadth universe (dates x members)."""
        ...

    def segment_flows(self, segment: str) -> pd.Series:
        """Usable daily net flows (USD) of a size segment's funds, summed per date."""
        ...

    def filings(self, ticker: str) -> pd.DataFrame:
        """8-K filings of ``ticker``: ``filing_date, form, items, accession``."""
        ...

    def rotation_scores(self) -> pd.Series:
        """Month-end rotation scores (point in time each), dated."""
        ...

    def rating_states(self, symbols: Sequence[str], field: str) -> pd.DataFrame:
        """Rating card field (text) per evaluation date x symbol."""
        ...

    def source(self, dataset: str, *keys: str) -> str:
        """Source files behind ``keys`` of ``dataset`` (provenance text)."""
        ...

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """Return ``compute()`` once per key (kernels share intermediate frames)."""
        ...


@dataclass(frozen=True)
class Value:
    """One evidence value a kernel reports: its values, label, unit and formula.

    ``values`` has the signal's shape (n_days, n_subjects): floats, or objects for
    ``unit="text"``.
    """

    values: np.ndarray
    label: str
    unit: str
    formula: str


@dataclass(frozen=True)
class Signal:
    """A kernel's answer over history (arrays: no frame is built per rule).

    Attributes
    ----------
    index : DatetimeIndex
        The days, ascending.
    subjects : tuple of str
        The columns: symbols, ``"A/B"``, ``"universe"``, a segment...
    fire : ndarray of bool, shape (n_days, n_subjects)
        True where the condition holds that day (before the cool-down).
    values : mapping of str to Value
        Evidence arrays of the same shape.
    symbols : mapping of subject to tuple of str
        Symbols or series behind each subject (provenance).
    sources : mapping of subject to str
        Source files behind each subject (provenance).
    unavailable : mapping of subject to str
        Subjects that could not be evaluated, and why.
    """

    index: pd.DatetimeIndex
    subjects: tuple[str, ...]
    fire: np.ndarray
    values: Mapping[str, Value] = field(default_factory=dict)
    symbols: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    unavailable: Mapping[str, str] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        """Return ``fire`` as a boolean frame (dates x subjects)."""
        return pd.DataFrame(self.fire, index=self.index, columns=list(self.subjects))


Kernel = Callable[["Rule", AlertInputs], Signal]
Lookback = Callable[["Rule"], "int | None"]


def two_sessions(rule: Rule) -> int | None:
    """Lookback of a kind that compares a day with the day before (or reads no prices)."""
    return 2


Message = Callable[["Rule", str, Mapping[str, Any]], str]
Labelled = Mapping[str, tuple[np.ndarray, str, str, str]]
"""name -> (values of shape (n_days, n_subjects), label, unit, formula)."""


@dataclass(frozen=True)
class Batch:
    """How the one-symbol rules of a kind are evaluated together, in one 2-D pass.

    The engine (:func:`capsize.alerts.evaluate_rules`) stacks one column per rule (its
    symbol's close or volume, or the ratio A/B of a pair; NaN where it has no value)
    into ``series`` of shape (n_days, n_rules), calls :attr:`arrays` once per group of
    rules, then cuts each rule's column to its own days. Only a column whose days are
    one unbroken run is batched (its values are then the kernel's, bit for bit); the
    others go through the kernel.

    Attributes
    ----------
    field : callable
        ``field(rule)``: the bars field the rule reads (``close``, ``high``...).
    group : callable
        ``group(rule)``: rules with the same key share one call of :attr:`arrays`
        (the parameters the pass depends on: a window, a span...).
    arrays : callable
        ``arrays(series, rules) -> (fire, named arrays)``: ``fire`` of bool and each
        named array of the shape of ``series``; column ``j`` belongs to ``rules[j]``.
    evidence : callable
        ``evidence(rule, named arrays of that rule) -> labelled arrays``: the same
        labels, units and formulas as the kind's kernel (the kernel calls it too).
    """

    field: Callable[[Rule], str]
    group: Callable[[Rule], tuple[Any, ...]]
    arrays: Callable[[np.ndarray, Sequence[Rule]], tuple[np.ndarray, Mapping[str, np.ndarray]]]
    evidence: Callable[[Rule, Mapping[str, np.ndarray]], Labelled]


@dataclass(frozen=True)
class Kind:
    """A rule kind: its parameters, its subjects, its kernel and its wording.

    Attributes
    ----------
    name : str
        Key (``price_level``).
    summary : str
        What fires it, in one line (the stated definition).
    subjects : Subjects
        What it watches.
    params : tuple of Param
        Its parameters.
    kernel : callable
        ``kernel(rule, inputs) -> Signal`` (vectorized over history).
    message : callable
        ``message(rule, subject, values) -> str``: the alert's one-line text.
    link : str
        Dashboard page that explains it; ``{subject}`` and ``{day}`` are filled in.
    default_cooldown : int
        Sessions of quiet after a fire when the rule does not say.
    lookback : callable
        ``lookback(rule)``: sessions of price history the kernel needs to decide the
        last day exactly (None: all of it). A scheduled run reads only that much.
    batch : Batch or None
        How one-symbol rules of the kind are evaluated together (None: rule by rule).
    sides : tuple of str, optional
        For a crossing kind, the evidence values ``(x, reference)`` whose order on the
        fire's day tells whether it crossed above or below (None: not a crossing).
    """

    name: str
    summary: str
    subjects: Subjects
    params: tuple[Param, ...]
    kernel: Kernel
    message: Message
    link: str
    default_cooldown: int = 5
    lookback: Lookback = two_sessions
    batch: Batch | None = None
    sides: tuple[str, str] | None = None

    def side_of(self, values: Mapping[str, Any]) -> str | None:
        """Return ``"above"`` or ``"below"`` for a fire of a crossing kind (None otherwise)."""
        if self.sides is None:
            return None
        x, ref = (float(values.get(k, np.nan)) for k in self.sides)
        return "above" if x > ref else "below"

    def clean_params(self, raw: Mapping[str, object]) -> tuple[tuple[str, ParamValue], ...]:
        """Validate ``raw`` against the parameter table; fill defaults; sort by name."""
        known = {p.name: p for p in self.params}
        extra = sorted(set(raw) - set(known))
        if extra:
            raise AlertRuleError(
                f"{self.name} rule: unknown parameter {extra[0]!r}; "
                f"known: {', '.join(known) or 'none'}"
            )
        out: dict[str, ParamValue] = {}
        for p in self.params:
            if p.name in raw and raw[p.name] is not None:
                out[p.name] = p.clean(self.name, raw[p.name])
            elif p.default is None:
                raise AlertRuleError(f"{self.name} rule needs {p.name}: {p.help}")
            else:
                out[p.name] = p.default
        return tuple(sorted(out.items()))

    def check_subjects(self, symbols: tuple[str, ...], watchlist: str | None) -> None:
        """Raise when the symbols or watchlist do not fit the kind."""
        if self.subjects in ("universe", "segment"):
            if symbols or watchlist:
                raise AlertRuleError(
                    f"{self.name} rule watches the {self.subjects}, not symbols; drop them"
                )
            return
        if self.subjects == "pair":
            if watchlist or len(symbols) != 2:
                raise AlertRuleError(
                    f"{self.name} rule needs exactly two symbols A B (the ratio A/B), e.g. IWM SPY"
                )
            return
        if symbols and watchlist:
            raise AlertRuleError(f"{self.name} rule: give symbols or a watchlist, not both")
        if not symbols and not watchlist:
            raise AlertRuleError(
                f"{self.name} rule needs symbols or a watchlist, e.g. --symbols IWM"
            )

    def link_for(self, subject: str, day: pd.Timestamp) -> str:
        """Return the dashboard link of an event."""
        return self.link.format(subject=subject.replace("/", "-"), day=f"{day:%Y-%m-%d}")


def rolling_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean of ``window`` rows per column; NaN until a full window of values.

    A window holding any NaN is NaN (a missing bar is never bridged).

    Parameters
    ----------
    x : ndarray of shape (n_days, n_cols)
    window : int
        Rows.
    """
    n = x.shape[0]
    out = np.full(x.shape, np.nan)
    if n < window:
        return out
    filled = np.where(np.isnan(x), 0.0, x)
    bad = np.isnan(x).astype(np.float64)
    c = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(filled, axis=0)])
    cb = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(bad, axis=0)])
    sums = c[window:] - c[:-window]
    nbad = cb[window:] - cb[:-window]
    out[window - 1 :] = np.where(nbad > 0.5, np.nan, sums / window)
    return out


def crosses(x: np.ndarray, ref: np.ndarray, direction: str) -> np.ndarray:
    """Days where ``x`` crosses ``ref`` (both known that day and the day before).

    Up: ``x[t-1] <= ref[t-1]`` and ``x[t] > ref[t]``; down: ``x[t-1] >= ref[t-1]`` and
    ``x[t] < ref[t]``; ``both``: either.

    Parameters
    ----------
    x, ref : ndarray of the same shape (n_days, n_cols)
    direction : {"up", "down", "both"}
    """
    out = np.zeros(x.shape, dtype=bool)
    if x.shape[0] < 2:
        return out
    d = x - ref
    prev, cur = d[:-1], d[1:]
    with np.errstate(invalid="ignore"):
        up = (prev <= 0) & (cur > 0)
        down = (prev >= 0) & (cur < 0)
    hit = up if direction == "up" else down if direction == "down" else up | down
    out[1:] = hit
    return out


def crosses_each(x: np.ndarray, ref: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """:func:`crosses` with one direction per column (``directions[j]`` for column ``j``)."""
    out = np.zeros(x.shape, dtype=bool)
    dirs = np.asarray(directions, dtype=object)
    for d in dict.fromkeys(directions):
        cols = np.flatnonzero(dirs == d)
        out[:, cols] = crosses(x[:, cols], ref[:, cols], d)
    return out
