"""Rotation score: the scoring rules, default weights, readings and the weighted total.

See :mod:`capsize.analytics.rotation` for the rules table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from capsize.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "COMPONENTS",
    "DEFAULT_MAX_AGE_DAYS",
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

DEFAULT_MAX_AGE_DAYS: dict[str, int] = {
    "relative_strength": 10,
    "breadth": 10,
    "rates_regime": 10,
    "flows": 60,
    "valuation": 120,
    "size_factor_regime": 400,
}
"""A reading whose data end more than this many days before the score date is stale
and NOT ASSESSED. The size-factor allowance is long because French data arrive
with a lag and the stored monthly vintage can trail by months (the evidence says so)."""

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
    """

    name: str
    value: float
    scale: str
    evidence: str
    as_of: pd.Timestamp
    source: str = ""


@dataclass(frozen=True)
class ComponentScore:
    """One row of the components table."""

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


def rotation_score(
    readings: Mapping[str, ComponentReading | None] | Sequence[ComponentReading],
    *,
    as_of: object,
    weights: Mapping[str, float] | None = None,
    max_age_days: Mapping[str, int] | None = None,
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
    max_age_days : mapping, optional
        Overrides of :data:`DEFAULT_MAX_AGE_DAYS`; older readings are NOT ASSESSED.

    Notes
    -----
    A reading with a NaN value counts as NOT ASSESSED. The total is
    ``sum(w_i * s_i) / sum(w_i)`` over assessed components; the disclosure states
    which weights were dropped and the renormalisation factor.
    """
    try:
        ts = pd.Timestamp(as_of)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"as_of={as_of!r} is not a date; use YYYY-MM-DD") from None
    if pd.isna(ts):
        raise InputError("as_of is required: the date of the score, e.g. '2025-06-30'")
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
    w = resolve_weights(weights)
    ages = {**DEFAULT_MAX_AGE_DAYS, **(max_age_days or {})}
    stale = {
        k: (ts - pd.Timestamp(r.as_of)).days
        for k, r in rmap.items()
        if r is not None and (ts - pd.Timestamp(r.as_of)).days > ages[k]
    }
    assessed = {
        k: r
        for k, r in rmap.items()
        if r is not None and math.isfinite(float(r.value)) and k not in stale
    }
    total_w = sum(w[k] for k in assessed)
    rows: list[ComponentScore] = []
    acc = 0.0
    for name, rule in SCORING_RULES.items():
        r = assessed.get(name)
        if r is None:
            raw = rmap.get(name)
            if raw is None:
                reason = "no reading available"
            elif name in stale:
                reason = (
                    f"stale: data end {raw.as_of:%Y-%m-%d}, {stale[name]} days before the "
                    f"score date (limit {ages[name]})"
                )
            else:
                reason = "value missing"
            rows.append(
                ComponentScore(
                    name, rule.label, "NOT ASSESSED", math.nan, None, w[name], 0.0, 0.0,
                    raw.evidence if raw is not None else "", rule.describe(),
                    None if raw is None else pd.Timestamp(raw.as_of), reason,
                )
            )  # fmt: skip
            continue
        s = rule.score(float(r.value))
        used = w[name] / total_w if total_w > 0 else 0.0
        acc += used * s
        rows.append(
            ComponentScore(
                name, rule.label, "ASSESSED", float(r.value), s, w[name], used, used * s,
                r.evidence, rule.describe(), pd.Timestamp(r.as_of),
            )
        )  # fmt: skip
    # rounded so that exact threshold sums (e.g. -0.5) are not lost to float noise
    score = round(acc, 10) if total_w > 0 else math.nan
    missing = [c.name for c in rows if c.status == "NOT ASSESSED"]
    configured = sum(w.values())
    if not assessed:
        disclosure = "no component assessed; no score"
    elif total_w <= 0:
        disclosure = "the assessed components all have weight 0; no score"
    elif missing:
        disclosure = (
            f"{len(assessed)} of {len(rows)} components assessed; NOT ASSESSED: "
            f"{', '.join(missing)}; weights of the assessed components "
            f"({total_w:.2f} of {configured:.2f}) renormalised to sum to 1"
        )
    else:
        disclosure = f"all {len(rows)} components assessed; weights normalised to sum to 1"
    return RotationScore(ts, score, score_label(score), tuple(rows), total_w, disclosure)
