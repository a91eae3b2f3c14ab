"""Rotation score: the scoring rules, default weights, readings and the weighted total.

See :mod:`capsize.analytics.rotation` for the rules table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from capsize.errors import InputError
from capsize.rules.staleness import Frequency, freshness

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "COMPONENTS",
    "COMPONENT_FREQUENCY",
    "DEFAULT_WEIGHTS",
    "SCORING_RULES",
    "ComponentReading",
    "ComponentScore",
    "RotationScore",
    "ScoringRule",
    "Status",
    "resolve_weights",
    "rotation_score",
    "score_label",
]


@dataclass(frozen=True)
class ScoringRule:
    """How one component's value maps to -2..+2."""

    name: str
    label: str
    units: str
    thresholds: tuple[float, float, float, float]
    higher_favours_small: bool
    rationale: str

    def score(self, value: float) -> int:
        """Map ``value`` to -2..+2 (see the module docstring for the rule)."""
        t1, t2, t3, t4 = self.thresholds
        if value < t1:
            s = -2
        elif value < t2:
            s = -1
        elif value <= t3:
            s = 0
        elif value <= t4:
            s = 1
        else:
            s = 2
        return s if self.higher_favours_small else -s

    def describe(self) -> str:
        """One-line statement of the rule, e.g. for a report footnote."""
        t = ", ".join(f"{x:g}" for x in self.thresholds)
        side = "small" if self.higher_favours_small else "large"
        return f"{self.units}; thresholds [{t}]; higher value favours {side} caps"


SCORING_RULES: dict[str, ScoringRule] = {
    r.name: r
    for r in (
        ScoringRule(
            "relative_strength",
            "Relative-strength trend",
            "small/large price ratio vs its 200-day mean - 1 (fraction)",
            (-0.05, -0.01, 0.01, 0.05),
            True,
            "a ratio above its long average means small caps are in an up-trend",
        ),
        ScoringRule(
            "breadth",
            "Small-cap breadth",
            "share of small-cap stocks above their 200-day mean (fraction)",
            (0.30, 0.45, 0.55, 0.70),
            True,
            "broad participation supports a small-cap advance",
        ),
        ScoringRule(
            "rates_regime",
            "Rates regime",
            "3-month change of the 2-year Treasury yield (percentage points)",
            (-0.50, -0.15, 0.15, 0.50),
            False,
            "falling short rates ease small caps' floating-rate debt burden",
        ),
        ScoringRule(
            "flows",
            "Fund flows",
            "6-month change of small-cap ETF shares outstanding (fraction)",
            (-0.10, -0.03, 0.03, 0.10),
            True,
            "creations signal demand for small caps",
        ),
        ScoringRule(
            "valuation",
            "Relative valuation",
            "percentile of small/large valuation ratio in its own history (fraction)",
            (0.20, 0.40, 0.60, 0.80),
            False,
            "small caps cheap against their own history",
        ),
        ScoringRule(
            "size_factor_regime",
            "Size-factor regime",
            "mean of annualised trailing 12- and 36-month SMB (fraction per year)",
            (-0.06, -0.02, 0.02, 0.06),
            True,
            "the size premium's recent regime (a trend read, not a reversal read)",
        ),
    )
}
"""The scoring rules, in display order."""

COMPONENTS: tuple[str, ...] = tuple(SCORING_RULES)

DEFAULT_WEIGHTS: dict[str, float] = {
    "relative_strength": 0.25,
    "breadth": 0.15,
    "rates_regime": 0.15,
    "flows": 0.10,
    "valuation": 0.15,
    "size_factor_regime": 0.20,
}
"""Default component weights (sum to one before renormalisation)."""

COMPONENT_FREQUENCY: dict[str, Frequency] = {
    "relative_strength": "daily",
    "breadth": "daily",
    "rates_regime": "daily",
    "flows": "daily",
    "valuation": "monthly",
    "size_factor_regime": "monthly",
}
"""Data frequency of each component's inputs, for the one staleness rule
(:func:`capsize.rules.staleness.freshness`): a reading whose last data date is older
than the frequency allows on the score date is NOT ASSESSED. Shares outstanding are
published daily by the fund sponsor; the monthly allowance of French data includes
their publication lag."""

Status = Literal["ASSESSED", "NOT ASSESSED"]


@dataclass(frozen=True)
class ComponentReading:
    """One component's reading on a date.

    Attributes
    ----------
    name : str
        A key of :data:`SCORING_RULES`.
    value : float
        In the rule's units.
    scale : str
        Units of ``value`` in words.
    evidence : str
        The numbers behind the value, with dates and sources.
    as_of : Timestamp
        Last data date used.
    source : str
        Data sets / symbols used.
    first : Timestamp or None
        First data date used (the window is ``first..as_of``).
    """

    name: str
    value: float
    scale: str
    evidence: str
    as_of: pd.Timestamp
    source: str = ""
    first: pd.Timestamp | None = None


@dataclass(frozen=True)
class ComponentScore:
    """One row of the components table.

    ``value`` is the reading (NaN without one; a stale reading keeps its value but
    is NOT ASSESSED and scores None). ``as_of`` and ``first`` bound the data the
    reading used; ``frequency`` is the data frequency the staleness rule applied.
    """

    name: str
    label: str
    status: Status
    value: float
    score: int | None
    weight: float
    weight_used: float
    contribution: float
    evidence: str
    rule: str
    as_of: pd.Timestamp | None
    reason: str = ""
    first: pd.Timestamp | None = None
    source: str = ""
    frequency: str = ""


@dataclass(frozen=True)
class RotationScore:
    """The composite score, its components and the renormalisation disclosure.

    ``score`` is on -2..+2 (NaN when nothing is assessed).
    """

    as_of: pd.Timestamp
    score: float
    label: str
    components: tuple[ComponentScore, ...]
    assessed_weight: float
    disclosure: str

    def headline(self) -> str:
        """One sentence citing the score and every component's score or status.

        Examples
        --------
        >>> day = pd.Timestamp("2025-01-31")
        >>> r = ComponentReading("rates_regime", 0.6, "pp", "DGS2 +0.60 pp", day)
        >>> rotation_score([r], as_of="2025-02-01").headline()  # doctest: +NORMALIZE_WHITESPACE
        'Rotation score -2.00 on a -2..+2 scale (strongly favours large caps) as of 2025-02-01:
        Rates regime -2; not assessed: Relative-strength trend, Small-cap breadth, Fund flows,
        Relative valuation, Size-factor regime (weights renormalised over the assessed components).'
        """
        if not math.isfinite(self.score):
            return (
                f"Rotation score not assessed as of {self.as_of:%Y-%m-%d}: no component had data."
            )
        parts = [f"{c.label} {c.score:+d}" for c in self.components if c.score is not None]
        missing = [c.label for c in self.components if c.status == "NOT ASSESSED"]
        text = (
            f"Rotation score {self.score:+.2f} on a -2..+2 scale ({self.label}) as of "
            f"{self.as_of:%Y-%m-%d}: {', '.join(parts)}"
        )
        if missing:
            text += (
                f"; not assessed: {', '.join(missing)} "
                "(weights renormalised over the assessed components)"
            )
        return text + "."

    def table(self) -> pd.DataFrame:
        """Return the components as a frame (one row per component, display order)."""
        return pd.DataFrame([c.__dict__ for c in self.components]).set_index("name")


def score_label(score: float) -> str:
    """Words for a total score (thresholds in the module docstring)."""
    if not math.isfinite(score):
        return "not assessed"
    if score >= 1.25:
        return "strongly favours small caps"
    if score >= 0.5:
        return "leans small caps"
    if score <= -1.25:
        return "strongly favours large caps"
    if score <= -0.5:
        return "leans large caps"
    return "neutral"


def resolve_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """Merge ``weights`` over :data:`DEFAULT_WEIGHTS`, validating names and values."""
    out = dict(DEFAULT_WEIGHTS)
    for k, v in (weights or {}).items():
        if k not in SCORING_RULES:
            raise InputError(f"weights has unknown component {k!r}; known: {', '.join(COMPONENTS)}")
        try:
            w = float(v)
        except (TypeError, ValueError):
            raise InputError(f"weights[{k!r}]={v!r} is not a number") from None
        if not math.isfinite(w) or w < 0:
            raise InputError(f"weights[{k!r}]={v!r} must be a finite number >= 0")
        out[k] = w
    return out


def _score_day(as_of: object) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(as_of)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"as_of={as_of!r} is not a date; use YYYY-MM-DD") from None
    if pd.isna(ts):
        raise InputError("as_of is required: the date of the score, e.g. '2025-06-30'")
    return ts


def _reading_map(
    readings: Mapping[str, ComponentReading | None] | Sequence[ComponentReading],
    ts: pd.Timestamp,
) -> dict[str, ComponentReading | None]:
    """Validate the readings: known names, keys matching names, none after the score date."""
    if isinstance(readings, dict) or hasattr(readings, "items"):
        rmap: dict[str, ComponentReading | None] = dict(readings.items())  # type: ignore[union-attr]
    else:
        rmap = {r.name: r for r in readings}  # type: ignore[union-attr]
    for k, r in rmap.items():
        if k not in SCORING_RULES:
            raise InputError(
                f"readings has unknown component {k!r}; known: {', '.join(COMPONENTS)}"
            )
        if r is not None and r.name != k:
            raise InputError(f"readings[{k!r}] is named {r.name!r}; keys must match reading names")
        if r is not None and pd.Timestamp(r.as_of) > ts:
            raise InputError(
                f"reading {k!r} is dated {r.as_of:%Y-%m-%d}, after as_of {ts:%Y-%m-%d} "
                "(look-ahead); build it with as_of"
            )
    return rmap


def _not_assessed_reason(
    name: str, raw: ComponentReading | None, ts: pd.Timestamp, missing: Mapping[str, str]
) -> str:
    """Why a component is NOT ASSESSED ("" when it can be assessed)."""
    if raw is None:
        return missing.get(name) or "no reading available"
    if not math.isfinite(float(raw.value)):
        return "value missing"
    fresh = freshness(raw.as_of, ts, COMPONENT_FREQUENCY[name])
    if fresh.stale:
        return (
            f"stale: data end {raw.as_of:%Y-%m-%d}, {fresh.age_days} days before the score "
            f"date (limit {fresh.limit_days} days for {fresh.frequency} data)"
        )
    return ""


def _component_row(
    name: str, raw: ComponentReading | None, reason: str, weight: float, total_w: float
) -> ComponentScore:
    rule = SCORING_RULES[name]
    value = math.nan if raw is None else float(raw.value)
    score = None if reason else rule.score(value)
    used = weight / total_w if score is not None and total_w > 0 else 0.0
    return ComponentScore(
        name=name,
        label=rule.label,
        status="NOT ASSESSED" if reason else "ASSESSED",
        value=value,
        score=score,
        weight=weight,
        weight_used=used,
        contribution=used * score if score is not None else 0.0,
        evidence="" if raw is None else raw.evidence,
        rule=rule.describe(),
        as_of=None if raw is None else pd.Timestamp(raw.as_of),
        reason=reason,
        first=None if raw is None or raw.first is None else pd.Timestamp(raw.first),
        source="" if raw is None else raw.source,
        frequency=COMPONENT_FREQUENCY[name],
    )


def _disclosure(rows: Sequence[ComponentScore], total_w: float, configured: float) -> str:
    assessed = [c for c in rows if c.status == "ASSESSED"]
    missing = [c.name for c in rows if c.status == "NOT ASSESSED"]
    if not assessed:
        return "no component assessed; no score"
    if total_w <= 0:
        return "the assessed components all have weight 0; no score"
    if missing:
        return (
            f"{len(assessed)} of {len(rows)} components assessed; NOT ASSESSED: "
            f"{', '.join(missing)}; weights of the assessed components "
            f"({total_w:.2f} of {configured:.2f}) renormalised to sum to 1"
        )
    return f"all {len(rows)} components assessed; weights normalised to sum to 1"


def rotation_score(
    readings: Mapping[str, ComponentReading | None] | Sequence[ComponentReading],
    *,
    as_of: object,
    weights: Mapping[str, float] | None = None,
    missing: Mapping[str, str] | None = None,
) -> RotationScore:
    """Combine component readings into one score on -2..+2.

    Parameters
    ----------
    readings : mapping name -> reading (None = not available), or a sequence
        Components absent from the mapping are NOT ASSESSED.
    as_of : date-like
        Date of the score; a reading dated after it raises (look-ahead).
    weights : mapping, optional
        Overrides of :data:`DEFAULT_WEIGHTS` (non-negative; need not sum to one).
    missing : mapping name -> str, optional
        Why a component has no reading (shown as its reason; default "no reading
        available").

    Notes
    -----
    Staleness: one rule, :func:`capsize.rules.staleness.freshness` with the
    component's :data:`COMPONENT_FREQUENCY`; a stale reading keeps its value but is
    NOT ASSESSED. A reading with a NaN value counts as NOT ASSESSED. The total is
    ``sum(w_i * s_i) / sum(w_i)`` over assessed components; the disclosure states
    which weights were dropped and the renormalisation factor.
    """
    ts = _score_day(as_of)
    rmap = _reading_map(readings, ts)
    w = resolve_weights(weights)
    reasons = {k: _not_assessed_reason(k, rmap.get(k), ts, missing or {}) for k in COMPONENTS}
    total_w = sum(w[k] for k in COMPONENTS if not reasons[k])
    rows = tuple(_component_row(k, rmap.get(k), reasons[k], w[k], total_w) for k in COMPONENTS)
    acc = sum(c.contribution for c in rows)
    # rounded so that exact threshold sums (e.g. -0.5) are not lost to float noise
    score = round(acc, 10) if total_w > 0 else math.nan
    return RotationScore(
        ts, score, score_label(score), rows, total_w, _disclosure(rows, total_w, sum(w.values()))
    )
