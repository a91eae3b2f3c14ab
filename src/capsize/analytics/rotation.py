"""A transparent small-vs-large rotation score that shows its evidence.

The score combines component readings the project already computes. Each
component maps its value to an integer on **-2 .. +2** (+2 = strongly favours
small caps, -2 = strongly favours large caps) with thresholds written once, in
:data:`SCORING_RULES`. The total is the weighted mean of the assessed
components; a component without a reading is **NOT ASSESSED**, left out, and the
remaining weights are renormalised to sum to one (the output says so).

Scoring rules (thresholds ``t1 < t2 < t3 < t4`` in the value's units; side ``+``
means a higher value favours small caps, ``-`` that it favours large caps)::

    component           value                                   t1     t2     t3     t4   side
    relative_strength   small/large ratio / 200-day mean - 1    -5%    -1%    +1%    +5%   +
    breadth             share of small caps above 200-day mean  30%    45%    55%    70%   +
    rates_regime        3-month change of 2-year yield, pp     -0.50  -0.15  +0.15  +0.50  -
    flows               6-month change of small-cap ETF shares -10%    -3%    +3%   +10%   +
                        outstanding (minus large-cap ETF's)
    valuation           percentile of small/large valuation     20%    40%    60%    80%   -
                        ratio in its own history (low = cheap)
    size_factor_regime  mean of annualised trailing 12- and     -6%    -2%    +2%    +6%   +
                        36-month SMB (French, lagged)

    score(v) = -2 if v < t1; -1 if v < t2; 0 if v <= t3; +1 if v <= t4; +2 otherwise
    (negated when a higher value favours large caps)

Default weights (:data:`DEFAULT_WEIGHTS`, override per component, e.g. from the
``[rotation.weights]`` table of ``config.toml``): relative strength 0.25, breadth
0.15, rates regime 0.15, flows 0.10, valuation 0.15, size-factor regime 0.20.

Labels of the total: >= +1.25 "strongly favours small caps", >= +0.5 "leans small
caps", <= -1.25 "strongly favours large caps", <= -0.5 "leans large caps",
otherwise "neutral".

Point in time: every builder takes ``as_of`` and uses only rows dated on or
before it; French data are further lagged by
:data:`capsize.analytics.factors.DEFAULT_PUBLICATION_LAG_MONTHS` months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from capsize.analytics.factors import (
    DEFAULT_PUBLICATION_LAG_MONTHS,
    OVERREADING_WARNING,
    _bucket_labels,
    point_in_time,
    publication_cutoff,
)
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
    "RotationHistory",
    "RotationInputs",
    "RotationScore",
    "ScoreEvidence",
    "ScoringRule",
    "breadth_component",
    "build_readings",
    "flows_component",
    "rates_regime_component",
    "relative_strength_component",
    "resolve_weights",
    "rotation_history",
    "rotation_score",
    "score_forward_returns",
    "score_label",
    "size_factor_regime_component",
    "valuation_component",
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


# ---------------------------------------------------------------------------
# component builders: pure functions on frames, point in time
# ---------------------------------------------------------------------------


def _series(x: pd.Series, name: str, as_of: object | None) -> pd.Series:
    if not isinstance(x, pd.Series) or not isinstance(x.index, pd.DatetimeIndex):
        raise InputError(f"{name} must be a Series with a DatetimeIndex")
    if not x.index.is_monotonic_increasing:
        raise InputError(f"{name} dates must be increasing; sort it first")
    out: pd.Series = x.astype("float64").dropna()
    if as_of is not None:
        cut = pd.Timestamp(as_of)  # type: ignore[arg-type]
        out = out.loc[out.index <= cut]
    return out


def relative_strength_component(
    small: pd.Series,
    large: pd.Series,
    *,
    as_of: object | None = None,
    window: int = 200,
    names: tuple[str, str] = ("IWM", "SPY"),
) -> ComponentReading | None:
    """Small/large price ratio against its ``window``-day mean.

    Parameters
    ----------
    small, large : Series of shape (n_days,), total-return closes
    as_of : date-like, optional
        Use only closes dated on or before it.

    Returns
    -------
    ComponentReading or None
        None when fewer than ``window`` common days are available.
    """
    s, lg = _series(small, "small", as_of), _series(large, "large", as_of)
    # join only the recent tail (fast path); fall back to the full join if dates diverge
    both = pd.concat([s.iloc[-2 * window :], lg.iloc[-2 * window :]], axis=1, join="inner")
    if len(both) < window:
        both = pd.concat([s, lg], axis=1, join="inner")
    both = both.iloc[-window:]
    if len(both) < window:
        return None
    ratio = both.iloc[:, 0] / both.iloc[:, 1]
    mean = float(ratio.mean())
    last = float(ratio.iloc[-1])
    value = last / mean - 1.0
    d = pd.Timestamp(both.index[-1])
    return ComponentReading(
        "relative_strength",
        value,
        SCORING_RULES["relative_strength"].units,
        f"{names[0]}/{names[1]} ratio {last:.4f} on {d:%Y-%m-%d} is {value * 100:+.1f}% "
        f"against its {window}-day mean {mean:.4f} (since {both.index[0]:%Y-%m-%d})",
        d,
        f"adjusted closes {names[0]}, {names[1]}",
    )


def breadth_component(
    panel: pd.DataFrame,
    *,
    as_of: object | None = None,
    window: int = 200,
    min_names: int = 50,
    universe: str = "small-cap universe",
) -> ComponentReading | None:
    """Share of stocks whose last close is above their ``window``-day mean.

    Parameters
    ----------
    panel : DataFrame of shape (n_days, n_stocks), closes
    min_names : int
        Fewer stocks with a full window -> None (not assessed).

    Notes
    -----
    A stock counts only with ``window`` valid closes in the last ``window`` rows
    and a close on the last row.
    """
    if not isinstance(panel, pd.DataFrame) or not isinstance(panel.index, pd.DatetimeIndex):
        raise InputError("panel must be a DataFrame of closes with a DatetimeIndex")
    p = panel if as_of is None else panel.loc[panel.index <= pd.Timestamp(as_of)]  # type: ignore[arg-type]
    p = p.dropna(how="all").iloc[-window:]
    if len(p) < window:
        return None
    full = p.notna().all()
    p = p.loc[:, full]
    n = p.shape[1]
    if n < min_names:
        return None
    above = int((p.iloc[-1] > p.mean()).sum())
    value = above / n
    d = pd.Timestamp(p.index[-1])
    return ComponentReading(
        "breadth",
        value,
        SCORING_RULES["breadth"].units,
        f"{above:,} of {n:,} stocks in the {universe} ({value * 100:.0f}%) closed above "
        f"their {window}-day mean on {d:%Y-%m-%d}",
        d,
        universe,
    )


def rates_regime_component(
    yields: pd.Series,
    *,
    as_of: object | None = None,
    months: int = 3,
    max_gap_days: int = 10,
    name: str = "DGS2",
) -> ComponentReading | None:
    """Change of a yield (percent) over ``months`` months, in percentage points.

    The earlier point is the last observation on or before ``last_date - months``;
    it must be within ``max_gap_days`` of that date (else None).
    """
    y = _series(yields, "yields", as_of)
    if y.empty:
        return None
    d = pd.Timestamp(y.index[-1])
    target = d - pd.DateOffset(months=months)
    before = y.loc[y.index <= target]
    if before.empty or (target - before.index[-1]).days > max_gap_days:
        return None
    d0 = pd.Timestamp(before.index[-1])
    v0, v1 = float(before.iloc[-1]), float(y.iloc[-1])
    value = v1 - v0
    return ComponentReading(
        "rates_regime",
        value,
        SCORING_RULES["rates_regime"].units,
        f"{name} {v1:.2f}% on {d:%Y-%m-%d} vs {v0:.2f}% on {d0:%Y-%m-%d}: "
        f"{value:+.2f} pp over {months} months",
        d,
        f"FRED {name}",
    )


def flows_component(
    shares: pd.Series,
    *,
    as_of: object | None = None,
    large_shares: pd.Series | None = None,
    window_days: int = 182,
    max_age_days: int = 31,
    names: tuple[str, str] = ("IWM", "SPY"),
) -> ComponentReading | None:
    """Change of ETF shares outstanding over ``window_days`` (fraction).

    Needs an observation at most ``max_age_days`` old at ``as_of`` and an earlier
    one within ``max_age_days`` (either side) of ``window_days`` before it, the
    closest being used; otherwise None. With
    ``large_shares`` the large-cap fund's change is subtracted.
    """

    def change(x: pd.Series, label: str) -> tuple[float, str, pd.Timestamp] | None:
        s = _series(x, label, as_of)
        if s.empty:
            return None
        ref = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(s.index[-1])  # type: ignore[arg-type]
        d1 = pd.Timestamp(s.index[-1])
        if (ref - d1).days > max_age_days:
            return None
        target = d1 - pd.Timedelta(days=window_days)
        gap = np.abs((pd.DatetimeIndex(s.index) - target).days.to_numpy())
        ok = (gap <= max_age_days) & (s.index < d1)
        if not ok.any():
            return None
        k = int(np.argmin(np.where(ok, gap, np.iinfo(np.int64).max)))
        d0, v0, v1 = pd.Timestamp(s.index[k]), float(s.iloc[k]), float(s.iloc[-1])
        text = f"{v0:,.0f} on {d0:%Y-%m-%d} to {v1:,.0f} on {d1:%Y-%m-%d}"
        return v1 / v0 - 1.0, text, d1

    a = change(shares, "shares")
    if a is None:
        return None
    value, text, d = a
    evidence = f"{names[0]} shares outstanding {text} ({value * 100:+.1f}%)"
    source = f"{names[0]} shares outstanding"
    if large_shares is not None:
        b = change(large_shares, "large_shares")
        if b is None:
            return None
        value = value - b[0]
        d = max(d, b[2])
        evidence += f" minus {names[1]} {b[1]} ({b[0] * 100:+.1f}%)"
        source += f", {names[1]} shares outstanding"
    return ComponentReading("flows", value, SCORING_RULES["flows"].units, evidence, d, source)


def valuation_component(
    relative_valuation: pd.Series,
    *,
    as_of: object | None = None,
    min_history: int = 60,
    name: str = "small/large P/E",
) -> ComponentReading | None:
    """Percentile of the latest small/large valuation ratio within its own history.

    ``min_history`` observations are required (else None). Percentile = share of
    observations at or below the latest one.
    """
    v = _series(relative_valuation, "relative_valuation", as_of)
    if len(v) < min_history:
        return None
    last = float(v.iloc[-1])
    pct = float((v <= last).mean())
    d = pd.Timestamp(v.index[-1])
    return ComponentReading(
        "valuation",
        pct,
        SCORING_RULES["valuation"].units,
        f"{name} {last:.2f} on {d:%Y-%m-%d} is at the {pct * 100:.0f}th percentile of "
        f"{len(v):,} readings since {v.index[0]:%Y-%m-%d}",
        d,
        name,
    )


def size_factor_regime_component(
    ff_monthly: pd.DataFrame,
    *,
    as_of: object | None = None,
    publication_lag_months: int = DEFAULT_PUBLICATION_LAG_MONTHS,
    column: str = "SMB",
    dataset: str = "FF3 monthly",
) -> ComponentReading | None:
    """Mean of the annualised trailing 12- and 36-month factor returns.

    Parameters
    ----------
    ff_monthly : DataFrame of shape (n_months, n_factors), percent
    as_of : date-like, optional
        Only months published by ``as_of`` (see
        :func:`capsize.analytics.factors.point_in_time`) are used.

    Returns
    -------
    ComponentReading or None
        None with fewer than 36 complete months.
    """
    if not isinstance(ff_monthly, pd.DataFrame) or column not in ff_monthly.columns:
        raise InputError(f"ff_monthly must be a DataFrame with a {column!r} column")
    pit = point_in_time(ff_monthly[[column]], as_of, publication_lag_months)
    x = pit[column].replace([-99.99, -999.0], np.nan).dropna().iloc[-36:] / 100.0
    if len(x) < 36:
        return None
    # the last 36 valid months must be consecutive
    months = pd.DatetimeIndex(x.index).to_period("M")
    if (months[-1] - months[0]).n != 35:
        return None
    g12 = float(np.prod(1.0 + x.iloc[-12:].to_numpy()))
    g36 = float(np.prod(1.0 + x.to_numpy()))
    a12, a36 = g12 - 1.0, g36 ** (1.0 / 3.0) - 1.0
    value = (a12 + a36) / 2.0
    d = pd.Timestamp(x.index[-1])
    if as_of is not None:
        cut = publication_cutoff(as_of, publication_lag_months)
        lag_note = (
            f"French data lag {publication_lag_months} months: latest month usable on "
            f"{pd.Timestamp(as_of):%Y-%m-%d} is {cut:%Y-%m}"  # type: ignore[arg-type]
        )
        behind = (cut.year - x.index[-1].year) * 12 + (cut.month - x.index[-1].month)
        if behind > 0:
            lag_note += f"; the data in hand stop {behind} month(s) earlier (stale vintage)"
    else:
        lag_note = "no as_of given: all months used"
    return ComponentReading(
        "size_factor_regime",
        value,
        SCORING_RULES["size_factor_regime"].units,
        f"{column} trailing 12 months {a12 * 100:+.1f}%, trailing 36 months "
        f"{a36 * 100:+.1f}%/yr (to {d:%Y-%m}); {lag_note}",
        d,
        f"Ken French {dataset} {column}",
    )


# ---------------------------------------------------------------------------
# history and evidence
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RotationInputs:
    """The frames the score is built from (any may be None: NOT ASSESSED)."""

    small_prices: pd.Series | None = None
    large_prices: pd.Series | None = None
    yields_2y: pd.Series | None = None
    ff_monthly: pd.DataFrame | None = None
    breadth_panel: pd.DataFrame | None = None
    small_shares: pd.Series | None = None
    large_shares: pd.Series | None = None
    relative_valuation: pd.Series | None = None
    names: tuple[str, str] = ("IWM", "SPY")
    publication_lag_months: int = DEFAULT_PUBLICATION_LAG_MONTHS
    extra: dict[str, ComponentReading] = field(default_factory=dict)


def build_readings(inputs: RotationInputs, as_of: object) -> dict[str, ComponentReading | None]:
    """Build every component reading available on ``as_of`` (point in time)."""
    out: dict[str, ComponentReading | None] = dict.fromkeys(COMPONENTS)
    if inputs.small_prices is not None and inputs.large_prices is not None:
        out["relative_strength"] = relative_strength_component(
            inputs.small_prices, inputs.large_prices, as_of=as_of, names=inputs.names
        )
    if inputs.breadth_panel is not None:
        out["breadth"] = breadth_component(inputs.breadth_panel, as_of=as_of)
    if inputs.yields_2y is not None:
        out["rates_regime"] = rates_regime_component(inputs.yields_2y, as_of=as_of)
    if inputs.small_shares is not None:
        out["flows"] = flows_component(
            inputs.small_shares, as_of=as_of, large_shares=inputs.large_shares, names=inputs.names
        )
    if inputs.relative_valuation is not None:
        out["valuation"] = valuation_component(inputs.relative_valuation, as_of=as_of)
    if inputs.ff_monthly is not None:
        out["size_factor_regime"] = size_factor_regime_component(
            inputs.ff_monthly, as_of=as_of, publication_lag_months=inputs.publication_lag_months
        )
    ts = pd.Timestamp(as_of)  # type: ignore[arg-type]
    for k, r in inputs.extra.items():
        out[k] = r if pd.Timestamp(r.as_of) <= ts else None
    return out


@dataclass(frozen=True)
class RotationHistory:
    """Monthly point-in-time scores.

    ``frame`` is indexed by score date with columns ``score``, ``label``,
    ``n_assessed`` and one integer-or-NaN column per component score.
    """

    frame: pd.DataFrame
    weights: dict[str, float]
    publication_lag_months: int


def rotation_history(
    inputs: RotationInputs,
    dates: Sequence[object] | pd.DatetimeIndex,
    *,
    weights: Mapping[str, float] | None = None,
) -> RotationHistory:
    """Score every date in ``dates`` using only data available on that date.

    Each date calls :func:`build_readings` then :func:`rotation_score`, so a
    historical reading is exactly what the live command would have shown.
    """
    rows = []
    for d in pd.DatetimeIndex(list(dates)):
        sc = rotation_score(build_readings(inputs, d), as_of=d, weights=weights)
        row: dict[str, object] = {"date": d, "score": sc.score, "label": sc.label}
        row["n_assessed"] = sum(c.status == "ASSESSED" for c in sc.components)
        for c in sc.components:
            row[c.name] = math.nan if c.score is None else float(c.score)
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("date") if rows else pd.DataFrame()
    return RotationHistory(frame, resolve_weights(weights), inputs.publication_lag_months)


@dataclass(frozen=True)
class ScoreEvidence:
    """How past scores related to later small-minus-large returns.

    ``table`` rows are (bucket, horizon) with ``n_obs`` (monthly, overlapping),
    ``n_independent`` (non-overlapping windows), ``mean``, ``median``, ``hit_rate``
    (forward relative return > 0) and ``rank_corr`` (Spearman, score vs forward
    return, over all observations of that horizon).
    """

    table: pd.DataFrame
    horizons_months: tuple[int, ...]
    bins: tuple[float, ...]
    warning: str
    first: pd.Timestamp | None
    last: pd.Timestamp | None


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties); NaN with < 3 points or no spread."""
    if len(a) < 3:
        return math.nan
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


def score_forward_returns(
    history: RotationHistory | pd.DataFrame,
    small_prices: pd.Series,
    large_prices: pd.Series,
    *,
    horizons_months: Sequence[int] = (3, 6, 12),
    bins: Sequence[float] = (-math.inf, -0.5, 0.5, math.inf),
) -> ScoreEvidence:
    """Forward small-vs-large returns after past score readings.

    The forward return after a reading on date ``t`` is
    ``(S[t+h] / S[t]) / (L[t+h] / L[t]) - 1`` with month-end closes (last close
    on or before each date), ``h`` in months. Score buckets are left-closed.
    """
    frame = history.frame if isinstance(history, RotationHistory) else history
    if "score" not in frame.columns:
        raise InputError("history must have a 'score' column (from rotation_history)")
    s = _series(small_prices, "small_prices", None)
    lg = _series(large_prices, "large_prices", None)
    both = pd.concat([s, lg], axis=1, join="inner")
    scores = frame["score"].dropna()
    rel = both.iloc[:, 0] / both.iloc[:, 1]

    def at(d: pd.Timestamp) -> tuple[float, pd.Timestamp] | None:
        sub = rel.loc[rel.index <= d]
        if sub.empty or (d - sub.index[-1]).days > 7:
            return None
        return float(sub.iloc[-1]), pd.Timestamp(sub.index[-1])

    edges = tuple(float(b) for b in bins)
    labels = _bucket_labels(edges, "num")
    rows: list[dict[str, object]] = []
    last_price = pd.Timestamp(rel.index[-1]) if len(rel) else None
    for h in horizons_months:
        obs: list[tuple[int, float, float]] = []  # (month number, score, fwd)
        for d_raw, sc in scores.items():
            d = pd.Timestamp(str(d_raw))
            end = d + pd.DateOffset(months=h)
            if last_price is None or end > last_price:
                continue
            a, b = at(d), at(end)
            if a is None or b is None:
                continue
            obs.append((d.year * 12 + d.month, float(sc), b[0] / a[0] - 1.0))
        arr = np.array(obs, dtype="float64").reshape(-1, 3)
        rc = _spearman(arr[:, 1], arr[:, 2])
        for i in range(len(edges) - 1):
            sel = arr[(arr[:, 1] >= edges[i]) & (arr[:, 1] < edges[i + 1])]
            fwd = sel[:, 2]
            count, nxt = 0, -math.inf
            for m in sel[:, 0]:
                if m >= nxt:
                    count, nxt = count + 1, m + h
            rows.append(
                {
                    "bucket": labels[i],
                    "horizon_months": h,
                    "n_obs": len(fwd),
                    "n_independent": count,
                    "mean": float(fwd.mean()) if len(fwd) else math.nan,
                    "median": float(np.median(fwd)) if len(fwd) else math.nan,
                    "hit_rate": float((fwd > 0).mean()) if len(fwd) else math.nan,
                    "rank_corr": rc,
                }
            )
    first = pd.Timestamp(scores.index[0]) if len(scores) else None
    last = pd.Timestamp(scores.index[-1]) if len(scores) else None
    return ScoreEvidence(
        pd.DataFrame(rows), tuple(horizons_months), edges, OVERREADING_WARNING, first, last
    )
